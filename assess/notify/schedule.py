"""Scheduled reminders (``flask --app wsgi notify schedule``) and the office's reminder settings.

Run once a day or every hour: every notification it writes has a key naming the day or the threshold it is
for, and :func:`assess.notify.services.notify` writes a (kind, key) once per user, so a second run the same day
writes nothing. Days are counted in working days on the office's calendar (``holidays/workdays.py``: holidays,
调休 weekends worked and the office's own days), and reminders go out only on working days.

What is due on a working day ``today``, per office:

- **before the self-assessment deadline**: for each threshold N of ``days_before`` (default 7, 3, 1 working
  days), on the working day from which N working days remain up to and including the deadline, every
  department that has not submitted. It reaches those who must act: the editors (the administrators instead
  while the form waits for the leader, or when the department has no editor). A run that missed a day sends
  the missed threshold on the next one; thresholds already past when self-assessment opened are skipped (the
  opening notification says the deadline);
- **after the deadline** (while self-assessment is open): each working day an overdue reminder to the same
  people, and once the department is more than ``escalate_after`` working days overdue also to its
  administrators (分管领导); the office administrators get one digest a day of who is overdue;
- **rectification**: the same thresholds before a sent notice's deadline and the same daily overdue reminders
  and escalation, for notices with items the department must still answer (the editors) or submit (the
  administrators); the office gets a daily digest of overdue notices;
- **appeals**: the window's opening (when its start date comes after the office opened 复核), and its last
  working day.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from .. import clock
from ..audit.services import record
from ..extensions import db
from ..holidays import workdays
from ..models import (Campaign, CampaignState, Department, ItemState, Notice, NoticeState, Notification, Office,
                      ReminderSettings, Role, Submission, SubmissionState, User)
from ..review.contests import recheck_open
from ..tenancy.roles import DEPARTMENT_STAFF
from . import events, kinds
from .services import NotifyError, department_users, notify, path_for

DEFAULT_DAYS_BEFORE: tuple[int, ...] = (7, 3, 1)
DEFAULT_ESCALATE_AFTER = 2
MAX_DAYS_BEFORE = 30  # working days: about six weeks
MAX_THRESHOLDS = 6
MAX_ESCALATE_AFTER = 30

SELF_KINDS = (kinds.REMIND, kinds.SELF_DUE, kinds.SELF_OVERDUE)


# --- settings -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    days_before: tuple[int, ...] = DEFAULT_DAYS_BEFORE  # descending
    escalate_after: int = DEFAULT_ESCALATE_AFTER


def settings_of(office_id: int) -> ReminderSettings | None:
    return db.session.scalars(select(ReminderSettings).where(ReminderSettings.office_id == office_id)).first()


def rules_for(office_id: int) -> Rules:
    """The office's rules, or the defaults when it never saved any."""
    row = settings_of(office_id)
    if row is None:
        return Rules()
    return Rules(parse_days(row.days_before), row.escalate_after)


def format_days(days: Iterable[int]) -> str:
    return ",".join(str(d) for d in days)


def parse_days(text: str) -> tuple[int, ...]:
    """"7, 3，1" → (7, 3, 1): distinct whole numbers of working days, 0 (the deadline's own day) to
    :data:`MAX_DAYS_BEFORE`; empty means no reminder before the deadline."""
    parts = [p.strip() for p in (text or "").replace("，", ",").replace("、", ",").replace(" ", ",").split(",")]
    values: set[int] = set()
    for p in parts:
        if not p:
            continue
        if not p.isdigit():
            raise NotifyError(_("请填写以逗号分隔的工作日数，例如 7,3,1。"), "days_before")
        n = int(p)
        if n > MAX_DAYS_BEFORE:
            raise NotifyError(_("提前天数应在 0 到 %(n)s 个工作日之间。", n=MAX_DAYS_BEFORE), "days_before")
        values.add(n)
    if len(values) > MAX_THRESHOLDS:
        raise NotifyError(_("最多设置%(n)s个提醒时间。", n=MAX_THRESHOLDS), "days_before")
    return tuple(sorted(values, reverse=True))


def save_settings(office_id: int, *, days_before: str, escalate_after: Any, actor: Any,
                  version: Any = None) -> ReminderSettings:
    """Store the office's reminder rules (audit-logged). ``version`` is the one the form showed: a change saved
    by someone else since is refused, not overwritten."""
    days = parse_days(days_before)
    try:
        escalate = int(str(escalate_after).strip())
    except (TypeError, ValueError):
        raise NotifyError(_("请填写整数个工作日。"), "escalate_after") from None
    if not 0 <= escalate <= MAX_ESCALATE_AFTER:
        raise NotifyError(_("升级天数应在 0 到 %(n)s 个工作日之间。", n=MAX_ESCALATE_AFTER), "escalate_after")
    row = settings_of(office_id)
    if row is not None and version not in (None, "") and str(version) != str(row.version_id):
        raise NotifyError(_("提醒设置已被他人修改，请刷新页面后再保存。"), "days_before")
    old = {"days_before": row.days_before, "escalate_after": row.escalate_after} if row else None
    if row is None:
        row = ReminderSettings(office_id=office_id)
        db.session.add(row)
    row.days_before, row.escalate_after = format_days(days), escalate
    row.updated_by_id = getattr(actor, "id", None)
    try:
        db.session.flush()
    except StaleDataError:
        raise NotifyError(_("提醒设置已被他人修改，请刷新页面后再保存。"), "days_before") from None
    record(office_id, "notify.settings", "reminder_settings", row.id, actor=actor, old=old,
           new={"days_before": row.days_before, "escalate_after": escalate})
    return row


# --- who must act ----------------------------------------------------------------------------------------------


def _people(office_id: int, department_id: int, roles: tuple[Role, ...]) -> list[User]:
    """The department's users of ``roles``; its other staff when it has none (someone must hear of it)."""
    users = department_users(office_id, [department_id], roles)
    if users:
        return users
    return department_users(office_id, [department_id], DEPARTMENT_STAFF)


def _merge(*groups: list[User]) -> list[User]:
    seen: dict[int, User] = {}
    for group in groups:
        for u in group:
            seen.setdefault(u.id, u)
    return list(seen.values())


def _threshold(cal: workdays.Calendar, today: date, deadline: date, opened: date | None,
               days_before: tuple[int, ...]) -> tuple[int, int] | None:
    """(threshold due today, working days left) or None: the smallest threshold N with N ≥ the working days
    left after today up to the deadline — so a missed run is caught up the next working day — leaving out
    thresholds already passed on the day the stage opened."""
    if today > deadline or not days_before:
        return None
    left = cal.between(today, deadline)
    candidates = list(days_before)
    if opened is not None and opened <= today:
        at_open = cal.between(opened, deadline)
        candidates = [n for n in candidates if n < at_open]
    due = [n for n in candidates if n >= left]
    return (min(due), left) if due else None


# --- the run ---------------------------------------------------------------------------------------------------


@dataclass
class Report:
    today: date
    made: list[Notification] = field(default_factory=list)
    offices_on_workday: int = 0
    offices: int = 0

    def by_kind(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for n in self.made:
            counts[n.kind] += 1
        return dict(sorted(counts.items()))


def run(today: date | None = None, *, office_ids: Iterable[int] | None = None) -> Report:
    """Write every notification due on ``today`` (the office's calendar date from :mod:`assess.clock` when
    None) for every active office; flushes, never commits."""
    today = today or clock.local_today()
    stmt = select(Office).where(Office.active.is_(True)).order_by(Office.id)
    if office_ids is not None:
        stmt = stmt.where(Office.id.in_(list(office_ids)))
    report = Report(today)
    for office in db.session.scalars(stmt):
        report.offices += 1
        cal = workdays.load(office.id)
        campaigns = list(db.session.scalars(select(Campaign).where(
            Campaign.office_id == office.id,
            Campaign.state.in_([CampaignState.SELF_ASSESSMENT, CampaignState.RECHECK])).order_by(Campaign.id)))
        for c in campaigns:
            if c.state == CampaignState.RECHECK:
                report.made += _appeals(c, cal, today)
        if not cal.is_workday(today):
            continue
        report.offices_on_workday += 1
        rules = rules_for(office.id)
        for c in campaigns:
            if c.state == CampaignState.SELF_ASSESSMENT and c.self_deadline:
                report.made += _self_assessment(c, cal, rules, today)
        report.made += _rectification(office.id, cal, rules, today)
    return report


def _appeals(c: Campaign, cal: workdays.Calendar, today: date) -> list[Notification]:
    made = events.contest_opened(c, today)
    if (c.recheck_end and recheck_open(c, today) and cal.is_workday(today)
            and cal.between(today, c.recheck_end) == 0):
        made += events.contest_closing(c)
    return made


def _doers(s: Submission) -> list[User]:
    roles = (Role.DEPT_ADMIN,) if s.state == SubmissionState.AWAITING_LEADER else (Role.DEPT_EDITOR,)
    return _people(s.office_id, s.department_id, roles)


def _self_assessment(c: Campaign, cal: workdays.Calendar, rules: Rules, today: date) -> list[Notification]:
    pending = list(db.session.scalars(select(Submission).where(
        Submission.office_id == c.office_id, Submission.campaign_id == c.id,
        Submission.state != SubmissionState.SUBMITTED).order_by(Submission.group_id, Submission.department_name)))
    if not pending:
        return []
    deadline = c.self_deadline
    made: list[Notification] = []
    if today <= deadline:
        due = _threshold(cal, today, deadline, clock.local_date(c.state_changed_at), rules.days_before)
        if due is None:
            return []
        n, left = due
        for s in pending:
            made += notify(_doers(s), office_id=c.office_id, kind=kinds.SELF_DUE,
                           event_key=f"self_due:{c.id}:{s.id}:{n}",
                           title=lambda: _("自评截止提醒：“%(c)s”", c=c.name),
                           body=lambda: (_("自评将于%(d)s截止（还有%(n)s个工作日），请尽快完成填报并提交。", d=deadline.isoformat(), n=left)
                                         if left else _("自评今天（%(d)s）截止，请尽快完成填报并提交。", d=deadline.isoformat())),
                           link=path_for("selfassessment.form", submission_id=s.id))
        return made
    late = cal.between(deadline, today)
    escalated = late > rules.escalate_after
    lines = []
    for s in pending:
        people = _doers(s)
        if escalated:
            people = _merge(people, department_users(c.office_id, [s.department_id], (Role.DEPT_ADMIN,)))
        made += notify(people, office_id=c.office_id, kind=kinds.SELF_OVERDUE,
                       event_key=f"self_overdue:{c.id}:{s.id}:{today.isoformat()}",
                       title=lambda: _("自评已逾期：“%(c)s”", c=c.name),
                       body=lambda: _("自评已于%(d)s截止，贵部门尚未提交，已逾期%(n)s个工作日，请立即完成并提交。",
                                      d=deadline.isoformat(), n=late),
                       link=path_for("selfassessment.form", submission_id=s.id))
        lines.append(s)
    office_admins = list(db.session.scalars(select(User).where(
        User.office_id == c.office_id, User.role == Role.OFFICE_ADMIN, User.active.is_(True)).order_by(User.id)))

    def digest() -> str:
        head = _("截至%(t)s，以下部门逾期未提交自评（截止日期%(d)s，已逾期%(n)s个工作日）：",
                 t=today.isoformat(), d=deadline.isoformat(), n=late)
        rows = [f"· {s.department_name}" + (_("（待领导审核）") if s.state == SubmissionState.AWAITING_LEADER else "")
                for s in lines]
        tail = (_("已同时提醒各部门管理员（分管领导）。") if escalated
                else _("逾期超过%(n)s个工作日仍未提交的，将同时提醒部门管理员（分管领导）。", n=rules.escalate_after))
        return "\n".join([head, *rows, tail])

    made += notify(office_admins, office_id=c.office_id, kind=kinds.SELF_OVERDUE_DIGEST,
                   event_key=f"self_overdue_digest:{c.id}:{today.isoformat()}",
                   title=lambda: _("“%(c)s”逾期未提交：%(n)s个部门", c=c.name, n=len(lines)), body=digest,
                   link=path_for("campaigns.detail", campaign_id=c.id))
    return made


ANSWER_STATES = (ItemState.PENDING, ItemState.RETURNED)


def _rectification(office_id: int, cal: workdays.Calendar, rules: Rules, today: date) -> list[Notification]:
    notices = list(db.session.scalars(select(Notice).where(
        Notice.office_id == office_id, Notice.state == NoticeState.SENT).order_by(Notice.deadline, Notice.id)))
    made: list[Notification] = []
    overdue: list[tuple[Notice, int]] = []
    for notice in notices:
        open_items = [i for i in notice.items if i.state != ItemState.ACCEPTED]
        if not open_items:
            continue
        roles: tuple[Role, ...] = ()
        if any(i.state in ANSWER_STATES for i in open_items):
            roles += (Role.DEPT_EDITOR,)
        if any(i.state == ItemState.AWAITING_LEADER for i in open_items):
            roles += (Role.DEPT_ADMIN,)
        link = path_for("rectification.show", notice_id=notice.id)
        if today > notice.deadline:
            late = cal.between(notice.deadline, today)
            overdue.append((notice, late))
            if not roles:  # every open item waits for the office's check: the department has nothing to do
                continue
            people = _people(office_id, notice.department_id, roles)
            if late > rules.escalate_after:
                people = _merge(people, department_users(office_id, [notice.department_id], (Role.DEPT_ADMIN,)))
            made += notify(people, office_id=office_id, kind=kinds.RECT_OVERDUE,
                           event_key=f"rect_overdue:{notice.id}:{today.isoformat()}",
                           title=lambda: _("整改已逾期：%(t)s", t=notice.title),
                           body=lambda: _("整改期限为%(d)s，已逾期%(n)s个工作日，仍有问题未完成答复，请立即整改并答复。",
                                          d=notice.deadline.isoformat(), n=late),
                           link=link)
            continue
        if not roles:
            continue
        sent = clock.local_date(notice.sent_at) if notice.sent_at else None
        due = _threshold(cal, today, notice.deadline, sent, rules.days_before)
        if due is None:
            continue
        n, left = due
        made += notify(_people(office_id, notice.department_id, roles), office_id=office_id, kind=kinds.RECT_DUE,
                       event_key=f"rect_due:{notice.id}:{n}",
                       title=lambda: _("整改到期提醒：%(t)s", t=notice.title),
                       body=lambda: (_("整改期限为%(d)s（还有%(n)s个工作日），请按时完成整改并答复。", d=notice.deadline.isoformat(), n=left)
                                     if left else _("整改期限为今天（%(d)s），请按时完成整改并答复。", d=notice.deadline.isoformat())),
                       link=link)
    if overdue:
        office_admins = list(db.session.scalars(select(User).where(
            User.office_id == office_id, User.role == Role.OFFICE_ADMIN, User.active.is_(True)).order_by(User.id)))

        def digest() -> str:
            head = _("截至%(t)s，以下整改通知已逾期：", t=today.isoformat())
            rows = [_("· %(d)s：%(t)s（期限%(x)s，逾期%(n)s个工作日）", d=notice.department_name, t=notice.title,
                      x=notice.deadline.isoformat(), n=late) for notice, late in overdue]
            return "\n".join([head, *rows])

        made += notify(office_admins, office_id=office_id, kind=kinds.RECT_OVERDUE_DIGEST,
                       event_key=f"rect_overdue_digest:{today.isoformat()}",
                       title=lambda: _("整改逾期：%(n)s份通知", n=len(overdue)), body=digest,
                       link=path_for("rectification.notices"))
    return made


# --- who was reminded when ---------------------------------------------------------------------------------------


@dataclass
class LogEntry:
    when: Any  # the first notification's time (aware)
    kind: str
    department: str
    recipients: list[str]


def reminder_log(campaign: Campaign, *, limit: int = 200) -> list[LogEntry]:
    """Who was reminded of the campaign's self-assessment, and when: 催报, before-deadline and overdue reminders,
    one entry per (event, department), newest first — for the office's 催报 section and log page."""
    prefixes = [f"remind:{campaign.id}:", f"self_due:{campaign.id}:", f"self_overdue:{campaign.id}:"]
    cond = None
    for p in prefixes:
        c = Notification.event_key.startswith(p, autoescape=True)
        cond = c if cond is None else cond | c
    rows = db.session.execute(
        select(Notification.kind, Notification.event_key, Notification.created_at, User.display_name, User.role,
               User.department_id)
        .join(User, User.id == Notification.user_id)
        .where(Notification.office_id == campaign.office_id, Notification.kind.in_(SELF_KINDS), cond)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit * 4)).all()
    names = dict(db.session.execute(select(Department.id, Department.name).where(
        Department.office_id == campaign.office_id)).all())
    entries: dict[tuple, LogEntry] = {}
    people: dict[tuple, set[tuple[bool, str]]] = defaultdict(set)
    for kind, key, created, who, role, dept_id in rows:
        group = (kind, key, dept_id)
        entry = entries.get(group)
        if entry is None:
            entry = entries[group] = LogEntry(created, kind, names.get(dept_id, "—"), [])
        entry.when = min(entry.when, created)
        people[group].add((role == Role.DEPT_ADMIN, who))
    admin = _("管理员")
    for group, entry in entries.items():  # the editors first, the administrators (an escalation) after them
        entry.recipients = [who + (f"（{admin}）" if is_admin else "") for is_admin, who in sorted(people[group])]
    return sorted(entries.values(), key=lambda e: e.when, reverse=True)[:limit]
