"""Who may see and do what in review: the checks its pages and the API share.

Load through the tenant scope first (another office's or department's submission is a 404); then these
rules: the office administrator and office viewers see every department, a reviewer only the departments
assigned to them, and a department sees its own results once the office has opened the re-check.
Who may score is ``services.may_review`` (it is also a business rule of the scoring services).
"""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from ..models import CampaignState, Role, Submission
from ..tenancy.roles import OFFICE_OVERSEERS
from . import services

RESULTS_VISIBLE_TO_DEPARTMENTS = (CampaignState.RECHECK, CampaignState.PUBLISHED, CampaignState.CLOSED)


def can_see_results(sub: Submission) -> bool:
    """Office staff see every department (reviewers only their assigned ones); a department sees its own
    results once the office has opened the re-check."""
    user = current_user
    if user.department_id is not None:
        return user.department_id == sub.department_id and sub.campaign.state in RESULTS_VISIBLE_TO_DEPARTMENTS
    if user.role == Role.REVIEWER:
        return services.is_assigned(sub.campaign_id, sub.department_id, user.id)
    return user.role in OFFICE_OVERSEERS


def require_reviewer_of(sub: Submission) -> None:
    """403 unless the current user may score this submission."""
    if not services.may_review(current_user, sub):
        abort(403)
