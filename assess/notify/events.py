"""The events that notify: each a function ``create_app`` registers on the hook of the capability that makes the
event (``_wire_capabilities``), so that no capability imports the notifications.

Each runs inside the event's transaction (a refused or rolled-back event notifies nobody) and names its event
with a key that is unique for that event, so that replaying it notifies nobody twice. Who hears of what:

- self-assessment opened → the editors and administrators of every participating department;
- sent to the leader → the department's administrators (the leader submits); returned by the leader → its
  editors; returned by the office → its editors and administrators;
- a reviewer assigned → that reviewer;
- appeals (复核) open, a contest answered, results published → the department's editors and administrators;
- a rectification item returned (by the office or the leader) → the department's editors; accepted (销号) →
  its editors and administrators;
- a set-password link issued → the user (by e-mail only, once the e-mail channel exists: the notification
  carries the link).
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from ..clock import local_date
from ..extensions import db
from ..models import (Campaign, CampaignState, Contest, ItemState, Notice, NoticeItem, Notification, ReviewAssignment,
                      Role, Submission, User)
from ..review.contests import recheck_open
from ..tenancy.roles import DEPARTMENT_STAFF
from . import kinds
from .services import department_users, notify, path_for

EDITORS = (Role.DEPT_EDITOR,)
LEADERS = (Role.DEPT_ADMIN,)


def _submissions(campaign: Campaign) -> list[Submission]:
    return sorted(campaign.submissions, key=lambda s: (s.group_id, s.department_name))


def _d(day: date | None) -> str:
    return day.isoformat() if day else "—"


# --- the campaign's steps -------------------------------------------------------------------------------------


def campaign_opened(campaign: Campaign) -> list[Notification]:
    """Self-assessment starts: every participating department's staff, linked to its own form."""
    made: list[Notification] = []
    for s in _submissions(campaign):
        made += notify(department_users(campaign.office_id, [s.department_id], DEPARTMENT_STAFF),
                       office_id=campaign.office_id, kind=kinds.CAMPAIGN_OPENED, event_key=f"campaign_open:{campaign.id}",
                       title=lambda: _("“%(c)s”开始自评", c=campaign.name),
                       body=lambda: _("请在%(d)s前完成自评填报，由部门管理员（分管领导）审核提交。", d=_d(campaign.self_deadline)),
                       link=path_for("selfassessment.form", submission_id=s.id))
    return made


def contest_opened(campaign: Campaign, today: date | None = None) -> list[Notification]:
    """The appeal window is open (the office moved to 复核 on or after its start date; or the start date came):
    each department's staff, linked to its preliminary results. Once per campaign."""
    if not recheck_open(campaign, today):
        return []
    made: list[Notification] = []
    for s in _submissions(campaign):
        made += notify(department_users(campaign.office_id, [s.department_id], DEPARTMENT_STAFF),
                       office_id=campaign.office_id, kind=kinds.CONTEST_OPENED, event_key=f"contest_open:{campaign.id}",
                       title=lambda: _("“%(c)s”初步结果已公布，可申请复核", c=campaign.name),
                       body=lambda: (_("对评审扣分有异议的，请在%(d)s前提出复核申请。", d=_d(campaign.recheck_end))
                                     if campaign.recheck_end else _("对评审扣分有异议的，请尽快提出复核申请。")),
                       link=path_for("review.results", submission_id=s.id))
    return made


def contest_closing(campaign: Campaign) -> list[Notification]:
    """The appeal window's last working day (sent by the schedule): each department's staff, once."""
    made: list[Notification] = []
    for s in _submissions(campaign):
        made += notify(department_users(campaign.office_id, [s.department_id], DEPARTMENT_STAFF),
                       office_id=campaign.office_id, kind=kinds.CONTEST_CLOSING, event_key=f"contest_close:{campaign.id}",
                       title=lambda: _("“%(c)s”复核申请即将截止", c=campaign.name),
                       body=lambda: _("复核（申诉）截止日期为%(d)s，逾期不再受理。", d=_d(campaign.recheck_end)),
                       link=path_for("review.results", submission_id=s.id))
    return made


def results_published(campaign: Campaign) -> list[Notification]:
    made: list[Notification] = []
    for s in _submissions(campaign):
        made += notify(department_users(campaign.office_id, [s.department_id], DEPARTMENT_STAFF),
                       office_id=campaign.office_id, kind=kinds.RESULTS_PUBLISHED, event_key=f"published:{campaign.id}",
                       title=lambda: _("“%(c)s”考核结果已发布", c=campaign.name),
                       body=lambda: _("请查看本部门的得分、扣分原因和整改要求。"),
                       link=path_for("review.results", submission_id=s.id))
    return made


def campaign_moved(campaign: Campaign, old: CampaignState, *, actor: Any = None) -> list[Notification]:
    """Registered on :data:`assess.campaigns.services.AFTER_TRANSITION`."""
    if campaign.state == CampaignState.SELF_ASSESSMENT:
        return campaign_opened(campaign)
    if campaign.state == CampaignState.RECHECK:
        return contest_opened(campaign)
    if campaign.state == CampaignState.PUBLISHED:
        return results_published(campaign)
    return []


# --- the self-assessment flow ---------------------------------------------------------------------------------


def submission_step(submission: Submission, action: str, *, actor: Any = None, comment: str = "") -> list[Notification]:
    """Registered on :data:`assess.selfassessment.flow.AFTER_STEP`. The key carries the submission's version, so
    each send or return is its own event."""
    office_id, dept = submission.office_id, submission.department_id
    key = f"{submission.id}:{submission.version_id}"
    link = path_for("selfassessment.form", submission_id=submission.id)
    name = submission.campaign.name
    if action == "submission.send":
        return notify(department_users(office_id, [dept], LEADERS), office_id=office_id, kind=kinds.SUBMISSION_SENT,
                      event_key=f"sub_sent:{key}", title=lambda: _("“%(c)s”自评表待您审核", c=name),
                      body=lambda: _("%(u)s已将自评表送审，请审核后提交或退回。", u=getattr(actor, "display_name", "")),
                      link=link)
    if action in ("submission.leader_return", "submission.office_return"):
        roles = EDITORS if action == "submission.leader_return" else DEPARTMENT_STAFF
        by_office = action == "submission.office_return"
        return notify(department_users(office_id, [dept], roles), office_id=office_id, kind=kinds.SUBMISSION_RETURNED,
                      event_key=f"sub_return:{key}",
                      title=lambda: (_("“%(c)s”自评表被公开办退回", c=name) if by_office
                                     else _("“%(c)s”自评表被领导退回", c=name)),
                      body=lambda: _("退回意见：%(m)s", m=comment), link=link)
    return []


# --- review and contests --------------------------------------------------------------------------------------


def review_assigned(assignment: ReviewAssignment, *, actor: Any = None) -> list[Notification]:
    """Registered on :data:`assess.review.assignments.AFTER_ASSIGN`: the reviewer, linked to the review sheet."""
    reviewer = db.session.get(User, assignment.reviewer_id)
    campaign = db.session.get(Campaign, assignment.campaign_id)
    submission = next((s for s in campaign.submissions if s.department_id == assignment.department_id), None)
    if reviewer is None or submission is None:
        return []
    return notify([reviewer], office_id=assignment.office_id, kind=kinds.REVIEW_ASSIGNED,
                  event_key=f"assign:{assignment.id}",
                  title=lambda: _("评审任务：%(d)s", d=submission.department_name),
                  body=lambda: (_("您是“%(c)s”中该部门的主评审。", c=campaign.name) if assignment.is_lead
                                else _("您被分配评审“%(c)s”中的该部门。", c=campaign.name)),
                  link=path_for("review.sheet", submission_id=submission.id))


def contest_answered(contest: Contest, *, actor: Any = None) -> list[Notification]:
    """Registered on :data:`assess.review.contests.AFTER_ANSWER`: the department's staff."""
    campaign = db.session.get(Campaign, contest.campaign_id)
    submission = next((s for s in campaign.submissions if s.department_id == contest.department_id), None)
    link = path_for("review.results", submission_id=submission.id) if submission else ""
    return notify(department_users(contest.office_id, [contest.department_id], DEPARTMENT_STAFF),
                  office_id=contest.office_id, kind=kinds.CONTEST_ANSWERED,
                  event_key=f"contest_answer:{contest.id}:{contest.version_id}",
                  title=lambda: _("复核申请已答复：%(i)s", i=contest.indicator_code),
                  body=lambda: _("答复：%(a)s", a=contest.answer or ""), link=link)


# --- rectification items --------------------------------------------------------------------------------------


def item_changed(item: NoticeItem, action: str, *, actor: Any = None) -> list[Notification]:
    """Registered on :data:`assess.rectification.services.AFTER_ITEM`: a return reaches the editors (who answer
    again), an acceptance the editors and administrators."""
    notice: Notice = item.notice
    link = path_for("rectification.show", notice_id=notice.id)
    problem = (item.problem or "")[:60]
    if action == "accept" and item.state == ItemState.ACCEPTED:
        return notify(department_users(item.office_id, [item.department_id], DEPARTMENT_STAFF), office_id=item.office_id,
                      kind=kinds.ITEM_CLOSED, event_key=f"item_closed:{item.id}",
                      title=lambda: _("整改问题已销号：%(p)s", p=problem),
                      body=lambda: _("“%(t)s”中的该问题经核查已销号。", t=notice.title), link=link)
    if action in ("office_return", "leader_return"):
        comment = item.office_comment if action == "office_return" else item.leader_comment
        by_office = action == "office_return"
        return notify(department_users(item.office_id, [item.department_id], EDITORS), office_id=item.office_id,
                      kind=kinds.ITEM_RETURNED, event_key=f"item_return:{action}:{item.id}:{item.version_id}",
                      title=lambda: (_("整改答复被公开办退回：%(p)s", p=problem) if by_office
                                     else _("整改答复被领导退回：%(p)s", p=problem)),
                      body=lambda: _("退回意见：%(m)s", m=comment), link=link)
    return []


# --- accounts -------------------------------------------------------------------------------------------------


def password_link_issued(user: User, token: str, *, created_by: Any = None,
                         expires_at: datetime | None = None) -> list[Notification]:
    """Registered on :data:`assess.auth.services.AFTER_LINK`. A user who cannot log in yet is reached only by
    e-mail: the row is the outbox entry the e-mail channel sends (essential, so never muted); the in-app list
    shows it only once the user has logged in. Users without an office (platform administrators) get none."""
    if not user.office_id:
        return []
    key = hashlib.sha256(token.encode()).hexdigest()[:24]
    return notify([user], office_id=user.office_id, kind=kinds.PASSWORD_LINK, event_key=f"password:{key}",
                  title=lambda: _("设置登录密码"),
                  body=lambda: (_("请在%(d)s前通过链接设置密码；链接只能使用一次。", d=local_date(expires_at).isoformat())
                                if expires_at else _("请通过链接设置密码；链接只能使用一次。")),
                  link=path_for("auth.set_password", token=token))
