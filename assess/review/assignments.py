"""Review: who reviews which department: conflicts of interest, assigning (at most two reviewers, the first
leads), unassigning, changing the lead, and whether a user may review a submission and whose score row
they edit.

Changing who reviews changes how a result is decided, so unassigning and changing the lead refresh the
department's results (:func:`assess.review.results.refresh_submission`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Iterable

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from ..audit.services import record
from ..extensions import db
from ..models import Campaign, CampaignState, Membership, ReviewAssignment, ReviewScore, Role, Submission, User
from ..models.base import utcnow
from ..tenancy.roles import OFFICE_STAFF
from .base import (DEFAULT_CONFLICT_DAYS, MAX_REVIEWERS, ReviewError, _results, _submission,
                   assignments_of)
from .results import refresh_submission


def conflict_days() -> int:
    if has_app_context():
        return int(current_app.config.get("REVIEW_CONFLICT_DAYS", DEFAULT_CONFLICT_DAYS))
    return DEFAULT_CONFLICT_DAYS


def has_conflict(reviewer: User, department_id: int, *, days: int | None = None, now: datetime | None = None) -> bool:
    """The reviewer belongs, or belonged within ``days`` (config REVIEW_CONFLICT_DAYS), to the department."""
    if reviewer.department_id == department_id:
        return True
    since = (now or utcnow()) - timedelta(days=conflict_days() if days is None else days)
    n = db.session.scalar(
        select(func.count()).select_from(Membership).where(
            Membership.office_id == reviewer.office_id, Membership.user_id == reviewer.id,
            Membership.department_id == department_id,
            or_(Membership.ended_at.is_(None), Membership.ended_at >= since))
    )
    return bool(n)


def conflict_refusal(user: User, department_id: int) -> str | None:
    """Why ``user`` may not judge ``department_id`` now (None when they may): checked at assignment and again
    at every score save, lead decision and contest answer, because people move between departments after
    being assigned."""
    if has_conflict(user, department_id):
        return _("您现在或近%(n)s天内属于该部门，存在利益冲突，不能评审该部门。", n=conflict_days())
    return None


def require_no_conflict(user: User, department_id: int) -> None:
    refusal = conflict_refusal(user, department_id)
    if refusal:
        raise ReviewError(refusal)


def office_reviewers(office_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.office_id == office_id, User.role.in_(OFFICE_STAFF), User.active.is_(True))
        .order_by(User.role.desc(), User.username)))


#: Called as ``fn(assignment, actor=...)`` after a reviewer is assigned, in its transaction (``create_app``
#: registers the reviewer's notification here).
AFTER_ASSIGN: list[Callable[..., object]] = []


def after_assign(fn: Callable[..., object]) -> None:
    if fn not in AFTER_ASSIGN:
        AFTER_ASSIGN.append(fn)


def assign(campaign: Campaign, department_id: int, reviewer: User, *, actor, lead: bool | None = None) -> ReviewAssignment:
    """Assign one reviewer to one department of the campaign (at most two; the first one leads)."""
    if campaign.state in (CampaignState.PUBLISHED, CampaignState.CLOSED):
        raise ReviewError(_("考核已发布或结束，不能再分配评审。"))
    if reviewer.office_id != campaign.office_id or reviewer.role not in OFFICE_STAFF or not reviewer.active:
        raise ReviewError(_("“%(u)s”不是本单位可用的评审人员。", u=reviewer.display_name), "reviewer_id")
    sub = _submission(campaign, department_id)
    if sub is None:
        raise ReviewError(_("该部门未参加本次考核。"), "department_ids")
    if has_conflict(reviewer, department_id):
        raise ReviewError(_("%(u)s现在或近%(n)s天内属于“%(d)s”，存在利益冲突，不能评审该部门。",
                            u=reviewer.display_name, n=conflict_days(), d=sub.department_name), "reviewer_id")
    current = assignments_of(campaign, department_id)
    if any(a.reviewer_id == reviewer.id for a in current):
        raise ReviewError(_("%(u)s已被分配评审“%(d)s”。", u=reviewer.display_name, d=sub.department_name),
                          "reviewer_id")
    if len(current) >= MAX_REVIEWERS:
        raise ReviewError(_("“%(d)s”已有两名评审人员。", d=sub.department_name), "reviewer_id")
    is_lead = (not current) if lead is None else lead
    if is_lead:
        for a in current:
            a.is_lead = False
    row = ReviewAssignment(office_id=campaign.office_id, department_id=department_id, campaign_id=campaign.id,
                           reviewer_id=reviewer.id, is_lead=is_lead)
    db.session.add(row)
    db.session.flush()
    record(campaign.office_id, "review.assign", "review_assignment", row.id, actor=actor,
           new={"reviewer": reviewer.username, "lead": is_lead}, department_id=department_id, campaign_id=campaign.id)
    for fn in AFTER_ASSIGN:
        fn(row, actor=actor)
    return row


@dataclass
class BulkOutcome:
    assigned: int = 0
    skipped: list[str] = field(default_factory=list)


def assign_many(campaign: Campaign, department_ids: Iterable[int], reviewer: User, *, actor,
                second: User | None = None) -> BulkOutcome:
    """Assign ``reviewer`` (and optionally ``second``) to many departments; refusals are collected, not fatal."""
    if second is not None and second.id == reviewer.id:
        raise ReviewError(_("第二评审人员不能与第一评审人员相同。"), "second_id")
    out = BulkOutcome()
    for dept_id in department_ids:
        for person in ([reviewer, second] if second is not None else [reviewer]):
            try:
                with db.session.begin_nested():
                    assign(campaign, dept_id, person, actor=actor)
                out.assigned += 1
            except ReviewError as exc:
                out.skipped.append(str(exc))
    return out


def unassign(assignment: ReviewAssignment, *, actor) -> None:
    scored = db.session.scalar(select(func.count()).select_from(ReviewScore).where(
        ReviewScore.office_id == assignment.office_id, ReviewScore.campaign_id == assignment.campaign_id,
        ReviewScore.department_id == assignment.department_id, ReviewScore.reviewer_id == assignment.reviewer_id))
    if scored:
        raise ReviewError(_("该评审人员已评分%(n)s项，不能取消分配。", n=scored))
    others = [a for a in assignments_of(assignment_campaign(assignment), assignment.department_id)
              if a.id != assignment.id]
    if assignment.is_lead and others:
        others[0].is_lead = True
    record(assignment.office_id, "review.unassign", "review_assignment", assignment.id, actor=actor,
           old={"reviewer_id": assignment.reviewer_id, "lead": assignment.is_lead},
           department_id=assignment.department_id, campaign_id=assignment.campaign_id)
    campaign = assignment_campaign(assignment)
    db.session.delete(assignment)
    db.session.flush()
    # results waiting for the removed reviewer are decided by the one who remains
    sub = _submission(campaign, assignment.department_id)
    if sub is not None and _results(sub):
        refresh_submission(sub, actor=actor, reason=_("取消分配评审人员"))


def set_lead(assignment: ReviewAssignment, *, actor) -> None:
    """Make this reviewer the department's lead (the other one stops being lead); results are re-decided."""
    campaign = assignment_campaign(assignment)
    if campaign.state in (CampaignState.PUBLISHED, CampaignState.CLOSED):
        raise ReviewError(_("考核已发布或结束，不能再调整评审分工。"))
    if assignment.is_lead:
        return
    for a in assignments_of(campaign, assignment.department_id):
        a.is_lead = a.id == assignment.id
    db.session.flush()
    record(assignment.office_id, "review.set_lead", "review_assignment", assignment.id, actor=actor,
           new={"reviewer_id": assignment.reviewer_id}, department_id=assignment.department_id,
           campaign_id=assignment.campaign_id)
    sub = _submission(campaign, assignment.department_id)
    if sub is not None and _results(sub):
        refresh_submission(sub, actor=actor, reason=_("更换组长"))


def assignment_campaign(a: ReviewAssignment) -> Campaign:
    return db.session.get(Campaign, a.campaign_id)


def is_assigned(campaign_id: int, department_id: int, user_id: int) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(ReviewAssignment).where(
        ReviewAssignment.campaign_id == campaign_id, ReviewAssignment.department_id == department_id,
        ReviewAssignment.reviewer_id == user_id)))


def may_review(user: User, submission: Submission) -> bool:
    """Reviewers review only what they are assigned; office administrators may act on any department."""
    if user.office_id != submission.office_id:
        return False
    if user.role == Role.OFFICE_ADMIN:
        return True
    return user.role == Role.REVIEWER and is_assigned(submission.campaign_id, submission.department_id, user.id)


def score_owner(submission: Submission, user: User, requested: int | None = None) -> int:
    """Whose score row ``user`` edits: their own if assigned; an office administrator edits an assigned
    reviewer's row (the lead's, or ``requested``)."""
    assigned = assignments_of(submission.campaign, submission.department_id)
    ids = [a.reviewer_id for a in assigned]
    if user.id in ids:
        return user.id
    if user.role != Role.OFFICE_ADMIN:
        raise ReviewError(_("您未被分配评审该部门。"))
    if not ids:
        raise ReviewError(_("请先为该部门分配评审人员。"))
    return requested if requested in ids else ids[0]


def is_lead(submission: Submission, user: User) -> bool:
    if user.role == Role.OFFICE_ADMIN and user.office_id == submission.office_id:
        return True
    return any(a.reviewer_id == user.id and a.is_lead for a in assignments_of(submission.campaign,
                                                                               submission.department_id))
