"""Who may reach which self-assessment and its evidence: the loaders its pages, the evidence pages and the API
share. A piece of evidence is visible exactly when its submission is.

Load through the tenant scope (another office's or department's submission is a 404, never a 403), then
hide what a department may not see yet (the campaigns the office still drafts).
"""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from ..models import CampaignState, Evidence, Submission
from ..tenancy.scope import get_scoped_or_404
from . import services


def load_submission(submission_id: int) -> Submission:
    """Load through the scope (other offices/departments: 404); departments never see draft campaigns."""
    submission = get_scoped_or_404(Submission, submission_id)
    if current_user.department_id is not None:
        if submission.department_id != current_user.department_id:
            abort(404)
        if submission.campaign.state == CampaignState.DRAFT:
            abort(404)
    return submission


def require_indicator(submission: Submission, code: str) -> None:
    """404 unless ``code`` is an indicator of the submission's rubric."""
    if services.rubric_of(submission.campaign).indicator(code) is None:
        abort(404)


def load_evidence(evidence_id: int) -> Evidence:
    """Evidence of a self-assessment the caller may see (scope: office, and own department for departments)."""
    ev = get_scoped_or_404(Evidence, evidence_id)
    if ev.owner_type != "submission" or ev.deleted_at is not None:
        abort(404)
    submission = load_submission(ev.owner_id)  # draft campaigns stay hidden from departments
    if submission.department_id != ev.department_id:
        abort(404)
    return ev
