"""Who may see and do what in review: the checks its pages and the API share.

Load through the tenant scope first (another office's or department's submission is a 404); then these
rules: the office administrator and office viewers see every department, a reviewer only the departments
assigned to them, and a department sees its own results once the office has opened the re-check.
Who may score is ``services.may_review`` (it is also a business rule of the scoring services).
"""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models import Campaign, CampaignState, ReviewAssignment, Role, Submission, User
from ..tenancy.roles import OFFICE_OVERSEERS
from . import services

RESULTS_VISIBLE_TO_DEPARTMENTS = (CampaignState.RECHECK, CampaignState.PUBLISHED, CampaignState.CLOSED)


def departments_readable_by(user: User, campaign: Campaign) -> set[int] | None:
    """The departments whose review content of ``campaign`` (per-indicator scores, findings, problems) ``user``
    reads; None means every department of the office. The one rule for what a reviewer reads: the results
    page, the API and every export of per-department review content (the ranking's score sheet and problem
    list) ask this. Office overseers read every department, a reviewer only the departments assigned to them,
    a department its own once the office has opened the re-check; anyone else nothing."""
    if user.office_id != campaign.office_id:
        return set()
    if user.department_id is not None:
        return {user.department_id} if campaign.state in RESULTS_VISIBLE_TO_DEPARTMENTS else set()
    if user.role == Role.REVIEWER:
        return set(db.session.scalars(select(ReviewAssignment.department_id).where(
            ReviewAssignment.campaign_id == campaign.id, ReviewAssignment.reviewer_id == user.id)))
    return None if user.role in OFFICE_OVERSEERS else set()


def may_read_results(user: User, sub: Submission) -> bool:
    """Whether ``user`` may open ``sub``'s results (``departments_readable_by`` for one department)."""
    readable = departments_readable_by(user, sub.campaign)
    return readable is None or sub.department_id in readable


def can_see_results(sub: Submission) -> bool:
    """Office staff see every department (reviewers only their assigned ones); a department sees its own
    results once the office has opened the re-check (``may_read_results`` for the current user)."""
    return may_read_results(current_user, sub)


def require_reviewer_of(sub: Submission) -> None:
    """403 unless the current user may score this submission."""
    if not services.may_review(current_user, sub):
        abort(403)
