"""The flow: editor → leader → submitted, the returns (by the leader, by the office) and late marking.
"""
from __future__ import annotations

from datetime import date
from typing import Callable

from flask_babel import gettext as _

from ..audit.services import record
from ..clock import local_today
from ..extensions import db
from ..models import Campaign, CampaignState, Role, Submission, SubmissionState, User
from ..models.base import utcnow
from .answers import SelfAssessmentError, require_edit
from .progress import blocking, readiness


#: What happens once a self-assessment is submitted, from capabilities built on it: ``hook(submission)``, called
#: in the submitting transaction (after the state is flushed). ``create_app`` registers the review aids' checks
#: (:func:`assess.reviewaids.jobs.check_when_submitted`) through :func:`after_submit`.
AFTER_SUBMIT: list[Callable[[Submission], None]] = []


def after_submit(hook: Callable[[Submission], None]) -> None:
    """Register ``hook`` in :data:`AFTER_SUBMIT` (idempotent: create_app runs once per app)."""
    if hook not in AFTER_SUBMIT:
        AFTER_SUBMIT.append(hook)


# --- the flow: editor → leader → submitted; returns ----------------------------------------------------


#: Called as ``fn(submission, action, actor=..., comment=...)`` after each step of the editor → leader →
#: office flow ("submission.send", "submission.submit", "submission.leader_return", "submission.office_return"),
#: in its transaction (``create_app`` registers the notifications here).
AFTER_STEP: list[Callable[..., object]] = []


def after_step(fn: Callable[..., object]) -> None:
    if fn not in AFTER_STEP:
        AFTER_STEP.append(fn)


def _change_state(submission: Submission, new_state: SubmissionState, *, actor: User, action: str,
                  comment: str = "", extra: dict | None = None) -> None:
    old = submission.state
    submission.state = new_state
    submission.last_change_at = utcnow()
    db.session.flush()
    record(submission.office_id, action, "submission", submission.id, actor=actor,
           old={"state": old.value}, new={"state": new_state.value, **(extra or {})}, reason=comment,
           department_id=submission.department_id, campaign_id=submission.campaign_id)
    for fn in AFTER_STEP:
        fn(submission, action, actor=actor, comment=comment)


def send_to_leader(submission: Submission, *, actor: User) -> Submission:
    require_edit(submission, actor)
    problems = blocking(readiness(submission))
    if problems:
        raise SelfAssessmentError(_("还有%(n)s项未完成，不能送审：%(first)s", n=len(problems), first=problems[0].message))
    submission.sent_to_leader_at = utcnow()
    _change_state(submission, SubmissionState.AWAITING_LEADER, actor=actor, action="submission.send")
    return submission


def _require_leader(submission: Submission, actor: User) -> None:
    if actor.role != Role.DEPT_ADMIN or actor.department_id != submission.department_id:
        raise SelfAssessmentError(_("只有本部门管理员（分管领导）可以审核提交。"))
    if submission.campaign.state != CampaignState.SELF_ASSESSMENT:
        raise SelfAssessmentError(_("考核不在自评阶段。"))
    if submission.state != SubmissionState.AWAITING_LEADER:
        raise SelfAssessmentError(_("自评表不在待审核状态。"))


def late_days_for(campaign: Campaign, today: date) -> int:
    if campaign.self_deadline is None or today <= campaign.self_deadline:
        return 0
    return (today - campaign.self_deadline).days


def leader_submit(submission: Submission, *, actor: User, today: date | None = None) -> Submission:
    """The leader submits in the department's name: frozen from now on; late days counted from the deadline."""
    _require_leader(submission, actor)
    problems = blocking(readiness(submission))
    if problems:
        raise SelfAssessmentError(_("还有%(n)s项未完成，不能提交：%(first)s", n=len(problems), first=problems[0].message))
    today = today or local_today()
    submission.late_days = late_days_for(submission.campaign, today)
    submission.submitted_at = utcnow()
    submission.submitted_by_id = actor.id
    submission.comment = ""
    _change_state(submission, SubmissionState.SUBMITTED, actor=actor, action="submission.submit",
                  extra={"late_days": submission.late_days})
    for hook in AFTER_SUBMIT:
        hook(submission)
    return submission


def leader_return(submission: Submission, *, actor: User, comment: str) -> Submission:
    _require_leader(submission, actor)
    comment = (comment or "").strip()
    if not comment:
        raise SelfAssessmentError(_("退回时请写明需要修改的内容。"), "comment")
    submission.comment = comment
    _change_state(submission, SubmissionState.RETURNED, actor=actor, action="submission.leader_return", comment=comment)
    return submission


def office_return(submission: Submission, *, actor: User, comment: str, today: date | None = None) -> Submission:
    """The office sends a submitted self-assessment back for corrections — only before the deadline."""
    if actor.role != Role.OFFICE_ADMIN or actor.office_id != submission.office_id:
        raise SelfAssessmentError(_("只有公开办管理员可以退回。"))
    campaign = submission.campaign
    if campaign.state != CampaignState.SELF_ASSESSMENT:
        raise SelfAssessmentError(_("考核不在自评阶段，不能退回。"))
    if submission.state != SubmissionState.SUBMITTED:
        raise SelfAssessmentError(_("该部门尚未提交，无需退回。"))
    today = today or local_today()
    if campaign.self_deadline is not None and today > campaign.self_deadline:
        raise SelfAssessmentError(_("自评截止日期（%(d)s）已过，不能再退回。", d=campaign.self_deadline.isoformat()))
    comment = (comment or "").strip()
    if not comment:
        raise SelfAssessmentError(_("退回时请写明需要修改的内容。"), "comment")
    submission.comment = comment
    submission.submitted_at = None
    submission.late_days = 0
    _change_state(submission, SubmissionState.RETURNED, actor=actor, action="submission.office_return", comment=comment)
    return submission
