"""Campaigns: creation from a frozen rubric version, the state machine, live progress.

The state machine is data: :data:`TRANSITIONS` lists the allowed steps (each an explicit office action)
and :data:`PRECONDITIONS` maps a target state to checks ``check(campaign) -> str | None`` (a refusal
reason, or None). Other capabilities append their own checks from a function that ``create_app`` calls
(``_wire_capabilities`` in assess/__init__.py; never on import, so that a guard does not depend on what
happened to be imported), e.g. the review's ``register_preconditions``::

    PRECONDITIONS[CampaignState.PUBLISHED].append(review_complete)
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Callable, Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..audit.services import record
from ..clock import local_today
from ..extensions import db
from ..models import Campaign, CampaignState, Department, Group, Office, Rubric, Submission, SubmissionState
from ..models.base import utcnow
from ..rubrics import store


class CampaignError(ValueError):
    """A refusal with a message for the user; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


STATE_LABELS = {
    CampaignState.DRAFT: _l("草稿"),
    CampaignState.SELF_ASSESSMENT: _l("自评中"),
    CampaignState.REVIEW: _l("评审中"),
    CampaignState.RECHECK: _l("结果复核中"),
    CampaignState.PUBLISHED: _l("已发布"),
    CampaignState.CLOSED: _l("已结束"),
}

SUBMISSION_LABELS = {
    SubmissionState.NOT_STARTED: _l("未开始"),
    SubmissionState.IN_PROGRESS: _l("填报中"),
    SubmissionState.AWAITING_LEADER: _l("待领导审核"),
    SubmissionState.SUBMITTED: _l("已提交"),
    SubmissionState.RETURNED: _l("已退回"),
}


@dataclass(frozen=True)
class Transition:
    source: CampaignState
    target: CampaignState
    label: object  # the button text


TRANSITIONS: tuple[Transition, ...] = (
    Transition(CampaignState.DRAFT, CampaignState.SELF_ASSESSMENT, _l("开始自评")),
    Transition(CampaignState.SELF_ASSESSMENT, CampaignState.REVIEW, _l("结束自评，进入评审")),
    Transition(CampaignState.REVIEW, CampaignState.RECHECK, _l("公布初步结果，进入复核")),
    Transition(CampaignState.RECHECK, CampaignState.PUBLISHED, _l("发布结果")),
    Transition(CampaignState.PUBLISHED, CampaignState.CLOSED, _l("结束考核")),
)

Check = Callable[[Campaign], "str | None"]


def _has_departments(c: Campaign) -> str | None:
    n = db.session.scalar(select(func.count()).select_from(Submission).where(
        Submission.office_id == c.office_id, Submission.campaign_id == c.id))
    return None if n else _("尚未选择参加考核的部门。")


def _has_self_deadline(c: Campaign) -> str | None:
    return None if c.self_deadline else _("请先设置自评截止日期。")


def _self_assessment_over(c: Campaign) -> str | None:
    """Self-assessment ends at the deadline, or earlier when every department has submitted."""
    if c.self_deadline and local_today() > c.self_deadline:
        return None
    pending = db.session.scalar(select(func.count()).select_from(Submission).where(
        Submission.office_id == c.office_id, Submission.campaign_id == c.id,
        Submission.state != SubmissionState.SUBMITTED))
    if pending:
        return _("自评截止日期（%(d)s）未到，仍有%(n)s个部门未提交。", d=c.self_deadline.isoformat() if c.self_deadline else "—",
                 n=pending)
    return None


PRECONDITIONS: dict[CampaignState, list[Check]] = {
    CampaignState.DRAFT: [],
    CampaignState.SELF_ASSESSMENT: [_has_departments, _has_self_deadline],
    CampaignState.REVIEW: [_self_assessment_over],
    CampaignState.RECHECK: [],
    CampaignState.PUBLISHED: [],
    CampaignState.CLOSED: [],
}


def _unsubmitted_departments(c: Campaign) -> str | None:
    """Departments that have not submitted lose the chance to do so when review starts."""
    rows = dict(db.session.execute(select(Submission.state, func.count()).where(
        Submission.office_id == c.office_id, Submission.campaign_id == c.id,
        Submission.state != SubmissionState.SUBMITTED).group_by(Submission.state)).all())
    pending = sum(rows.values())
    if not pending:
        return None
    with_leader = rows.get(SubmissionState.AWAITING_LEADER, 0)
    if with_leader:
        return _("%(n)s个部门尚未提交自评（其中%(l)s个在等待领导审核），进入评审后这些部门将无法再填报或提交。",
                 n=pending, l=with_leader)
    return _("%(n)s个部门尚未提交自评，进入评审后这些部门将无法再填报或提交。", n=pending)


def _before_recheck_window(c: Campaign) -> str | None:
    """Opening the appeal stage early shortens the window the departments were told about."""
    if c.recheck_start is None or local_today() >= c.recheck_start:
        return None
    return _("复核（申诉）开始日期为%(d)s，今天（%(t)s）提前开启复核：各部门将立即看到初步结果，申诉期从今天算起。",
             d=c.recheck_start.isoformat(), t=local_today().isoformat())


def _recheck_window_open(c: Campaign) -> str | None:
    """Publishing ends the appeal stage: before its end date, departments lose days they were promised."""
    if c.state != CampaignState.RECHECK or c.recheck_end is None or local_today() > c.recheck_end:
        return None
    return _("复核（申诉）截止日期为%(d)s，今天（%(t)s）提前发布结果：各部门将不能再提出申诉。",
             d=c.recheck_end.isoformat(), t=local_today().isoformat())


# Steps that are allowed but need the office to say it knows what will happen: ``check(campaign)`` returns
# the warning, and :func:`transition` refuses unless the caller confirms (the page shows a checkbox).
CONFIRMATIONS: dict[CampaignState, list[Check]] = {
    CampaignState.REVIEW: [_unsubmitted_departments],
    CampaignState.RECHECK: [_before_recheck_window],
    CampaignState.PUBLISHED: [_recheck_window_open],
}


#: Called as ``fn(campaign, old_state, actor=...)`` after every step of the state machine, in its transaction
#: (``create_app`` registers the notifications here: self-assessment opened, appeals opened, results published).
AFTER_TRANSITION: list[Callable[..., object]] = []


def after_transition(fn: Callable[..., object]) -> None:
    if fn not in AFTER_TRANSITION:
        AFTER_TRANSITION.append(fn)


def transition_warnings(campaign: Campaign, target: CampaignState) -> list[str]:
    """What moving to ``target`` now will do that the office must confirm (empty when nothing)."""
    return [str(w) for check in CONFIRMATIONS.get(target, []) if (w := check(campaign))]


def next_transitions(campaign: Campaign) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == campaign.state]


def transition_problems(campaign: Campaign, target: CampaignState) -> list[str]:
    """Why ``campaign`` cannot move to ``target`` now (empty when it can)."""
    if not any(t.source == campaign.state and t.target == target for t in TRANSITIONS):
        return [_("考核不能从“%(a)s”直接转到“%(b)s”。", a=STATE_LABELS[campaign.state], b=STATE_LABELS[target])]
    reasons = []
    for check in PRECONDITIONS.get(target, []):
        reason = check(campaign)
        if reason:
            reasons.append(str(reason))
    return reasons


def transition(campaign: Campaign, target: CampaignState | str, *, actor, reason: str = "",
               confirmed: bool = False) -> Campaign:
    """Move the campaign to ``target``; refused with every reason when a precondition fails.

    When the step has warnings (:data:`CONFIRMATIONS`) it is refused, with those warnings, unless
    ``confirmed``; the confirmed warnings go into the audit entry.
    """
    try:
        target = CampaignState(target)
    except ValueError as exc:
        raise CampaignError(_("未知的考核阶段。"), "target") from exc
    problems = transition_problems(campaign, target)
    if problems:
        raise CampaignError("；".join(problems), "target")
    warnings = transition_warnings(campaign, target)
    if warnings and not confirmed:
        raise CampaignError("；".join(warnings) + _("如确需继续，请勾选确认后再操作。"), "confirm")
    old = campaign.state
    campaign.state = target
    campaign.state_changed_at = utcnow()
    if target == CampaignState.SELF_ASSESSMENT:
        store.freeze(campaign.rubric, actor=actor)
    db.session.flush()
    record(campaign.office_id, "campaign.transition", "campaign", campaign.id, actor=actor,
           old={"state": old.value}, new={"state": target.value, **({"confirmed": warnings} if warnings else {})},
           reason=reason, campaign_id=campaign.id)
    for fn in AFTER_TRANSITION:
        fn(campaign, old, actor=actor)
    return campaign


# --- creation ------------------------------------------------------------------------------------------


def office_rubrics(office_id: int) -> list[Rubric]:
    return list(db.session.scalars(
        select(Rubric).where(Rubric.office_id == office_id).order_by(Rubric.family, Rubric.version.desc())))


def choose_departments(office_id: int, *, group_ids: Iterable[int] = (), department_ids: Iterable[int] = ()) -> list[Department]:
    """Active departments of the office in the chosen groups plus the ones chosen one by one."""
    group_ids, department_ids = set(group_ids), set(department_ids)
    if not group_ids and not department_ids:
        return []
    cond = []
    if group_ids:
        cond.append(Department.group_id.in_(group_ids))
    if department_ids:
        cond.append(Department.id.in_(department_ids))
    from sqlalchemy import or_

    return list(db.session.scalars(
        select(Department).where(Department.office_id == office_id, Department.active.is_(True), or_(*cond))
        .order_by(Department.group_id, Department.id)))


DATE_FIELDS = ("self_deadline", "review_start", "review_end", "recheck_start", "recheck_end", "rectify_deadline")


def _check_dates(d: dict) -> None:
    order = [("self_deadline", "review_start"), ("review_start", "review_end"), ("review_end", "recheck_start"),
             ("recheck_start", "recheck_end"), ("recheck_end", "rectify_deadline")]
    for a, b in order:
        if d.get(a) and d.get(b) and d[b] < d[a]:
            raise CampaignError(_("此日期不能早于前一阶段的日期（%(d)s）。", d=d[a].isoformat()), b)


def other_year_problem(rubric: Rubric, year: int) -> str | None:
    """Why a rubric of another year needs a deliberate choice (None when the years agree).

    The circular and the notices cite the rubric by its name (《2026年度…细则》), so a campaign for 2027
    that silently takes the 2026 rubric publishes documents that quote the wrong year.
    """
    if rubric.year == int(year):
        return None
    return _("所选考核细则是%(ry)s年度的（《%(name)s》），考核年度为%(y)s年；通报和整改通知书将引用这一细则名称。"
             "如确需沿用，请勾选“使用其他年度的考核细则”；也可以先在“考核细则”中把它另存为%(y)s年度的新版本。",
             ry=rubric.year, name=rubric.name, y=int(year))


def create_campaign(office: Office, *, name: str, year: int, rubric: Rubric, actor,
                    group_ids: Iterable[int] = (), department_ids: Iterable[int] = (),
                    allow_other_year: bool = False, **dates) -> Campaign:
    """Create a campaign in draft with one submission per chosen department (names and groups snapshot).

    A rubric of another year than the campaign's is refused unless ``allow_other_year`` says the office
    chose it on purpose (see :func:`other_year_problem`).
    """
    name = (name or "").strip()
    if not name:
        raise CampaignError(_("请填写考核名称。"), "name")
    if rubric is None or rubric.office_id != office.id:
        raise CampaignError(_("请选择本单位的考核细则版本。"), "rubric_id")
    if not (2000 <= int(year) <= 2100):
        raise CampaignError(_("年度应在2000至2100之间。"), "year")
    if not allow_other_year and (problem := other_year_problem(rubric, year)):
        raise CampaignError(problem, "rubric_id")
    exists = db.session.scalar(select(func.count()).select_from(Campaign).where(
        Campaign.office_id == office.id, Campaign.name == name))
    if exists:
        raise CampaignError(_("已有同名考核“%(n)s”。", n=name), "name")
    _check_dates(dates)
    depts = choose_departments(office.id, group_ids=group_ids, department_ids=department_ids)
    if not depts:
        raise CampaignError(_("请至少选择一个分组或一个部门。"), "department_ids")
    store.engine_rubric(rubric)  # a stored version always parses; fail early if not
    store.freeze(rubric, actor=actor)
    campaign = Campaign(office_id=office.id, name=name, year=int(year), rubric_id=rubric.id,
                        state=CampaignState.DRAFT, **{k: dates.get(k) for k in DATE_FIELDS})
    db.session.add(campaign)
    db.session.flush()
    add_departments(campaign, depts)
    record(office.id, "campaign.create", "campaign", campaign.id, actor=actor, campaign_id=campaign.id,
           new={"name": name, "year": int(year), "rubric_id": rubric.id, "rubric_version": rubric.version,
                "rubric_year": rubric.year, "departments": len(depts), **{k: dates.get(k) for k in DATE_FIELDS if dates.get(k)}})
    return campaign


def add_departments(campaign: Campaign, depts: list[Department]) -> int:
    """Bulk-insert submissions (with name/group snapshots) for departments not yet in the campaign."""
    have = set(db.session.scalars(select(Submission.department_id).where(
        Submission.office_id == campaign.office_id, Submission.campaign_id == campaign.id)))
    groups = {g.id: g.name for g in db.session.scalars(select(Group).where(Group.office_id == campaign.office_id))}
    now = utcnow()
    rows = [dict(office_id=campaign.office_id, department_id=d.id, campaign_id=campaign.id, department_name=d.name,
                 group_id=d.group_id, group_name=groups.get(d.group_id, ""), state=SubmissionState.NOT_STARTED,
                 late_days=0, comment="", last_change_at=now, created_at=now, updated_at=now, version_id=1)
            for d in depts if d.id not in have]
    if rows:
        db.session.execute(Submission.__table__.insert(), rows)  # Core executemany: one statement
    return len(rows)


def join_departments(campaign: Campaign, department_ids: Iterable[int], *, actor) -> int:
    """Add departments to a campaign that has not left self-assessment (e.g. a department set up late)."""
    if campaign.state not in (CampaignState.DRAFT, CampaignState.SELF_ASSESSMENT):
        raise CampaignError(_("考核已进入评审，不能再增加部门。"), "department_ids")
    depts = choose_departments(campaign.office_id, department_ids=department_ids)
    if not depts:
        raise CampaignError(_("请至少选择一个部门。"), "department_ids")
    n = add_departments(campaign, depts)
    if n:
        record(campaign.office_id, "campaign.join", "campaign", campaign.id, actor=actor, campaign_id=campaign.id,
               new={"departments": sorted(d.id for d in depts)})
    return n


def departments_outside(campaign: Campaign) -> list[Department]:
    """Active departments of the office not (yet) in the campaign."""
    inside = select(Submission.department_id).where(Submission.office_id == campaign.office_id,
                                                    Submission.campaign_id == campaign.id)
    return list(db.session.scalars(select(Department).where(
        Department.office_id == campaign.office_id, Department.active.is_(True), Department.id.not_in(inside))
        .order_by(Department.group_id, Department.name)))


def update_dates(campaign: Campaign, *, actor, expected_version: int | None = None, **dates) -> Campaign:
    if campaign.state == CampaignState.CLOSED:
        raise CampaignError(_("考核已结束，不能再修改。"))
    if expected_version is not None and expected_version != campaign.version_id:
        raise CampaignError(_("考核已被他人修改，请刷新后重试。"))
    _check_dates(dates)
    old = {k: getattr(campaign, k) for k in DATE_FIELDS}
    for k in DATE_FIELDS:
        setattr(campaign, k, dates.get(k))
    db.session.flush()
    changed = {k: v for k, v in dates.items() if old.get(k) != v}
    if changed:
        record(campaign.office_id, "campaign.dates", "campaign", campaign.id, actor=actor, campaign_id=campaign.id,
               old={k: old[k].isoformat() if old[k] else None for k in changed},
               new={k: v.isoformat() if v else None for k, v in changed.items()})
    return campaign


# --- reading -------------------------------------------------------------------------------------------


def office_campaigns(office_id: int) -> list[Campaign]:
    return list(db.session.scalars(
        select(Campaign).where(Campaign.office_id == office_id).order_by(Campaign.year.desc(), Campaign.id.desc())))


def department_submissions(department_id: int) -> list[Submission]:
    """A department's participations, newest first (campaigns in draft are not shown to departments)."""
    return list(db.session.scalars(
        select(Submission).join(Campaign, Campaign.id == Submission.campaign_id)
        .where(Submission.department_id == department_id, Campaign.state != CampaignState.DRAFT)
        .order_by(Campaign.year.desc(), Campaign.id.desc())))


@dataclass(frozen=True)
class ProgressRow:
    submission_id: int
    department_name: str
    group_name: str
    state: SubmissionState
    last_change_at: datetime
    late_days: int  # submitted after the deadline: by how many days (fixed at submission)
    submitted_at: datetime | None
    overdue: bool = False  # not submitted and the self-assessment deadline has passed
    overdue_days: int = 0  # ... by this many days so far (while self-assessment is still open)


def overdue_days(campaign: Campaign, today: date | None = None) -> int:
    """Days since the self-assessment deadline (0 on the deadline itself, before it, or without one)."""
    today = today or local_today()
    if campaign.self_deadline is None or today <= campaign.self_deadline:
        return 0
    return (today - campaign.self_deadline).days


def overdue_status(campaign: Campaign, state: SubmissionState, days: int) -> tuple[bool, int]:
    """(overdue, days shown) of a department in ``state``, ``days`` being :func:`overdue_days` of the campaign:
    overdue when not submitted after the deadline; the days are counted only while self-assessment is open."""
    overdue = bool(days) and state != SubmissionState.SUBMITTED
    counting = campaign.state in (CampaignState.DRAFT, CampaignState.SELF_ASSESSMENT)
    return overdue, days if overdue and counting else 0


def progress(campaign: Campaign, *, state: SubmissionState | None = None,
             today: date | None = None) -> tuple[list[ProgressRow], dict[SubmissionState, int]]:
    """Per department: state and time of the last change; and counts per state (one query each).

    A department that has not submitted after the deadline is ``overdue``; while self-assessment is open its
    ``overdue_days`` grow day by day (after that the count would only measure how long ago the stage closed).
    """
    stmt = (select(Submission.id, Submission.department_name, Submission.group_name, Submission.state,
                   Submission.last_change_at, Submission.late_days, Submission.submitted_at)
            .where(Submission.office_id == campaign.office_id, Submission.campaign_id == campaign.id))
    if state is not None:
        stmt = stmt.where(Submission.state == state)
    days = overdue_days(campaign, today)
    rows = []
    for r in db.session.execute(stmt.order_by(Submission.group_id, Submission.department_name)):
        row = ProgressRow(*r)
        overdue, shown = overdue_status(campaign, row.state, days)
        rows.append(replace(row, overdue=overdue, overdue_days=shown) if overdue else row)
    counts = {s: 0 for s in SubmissionState}
    for s, n in db.session.execute(
        select(Submission.state, func.count()).where(Submission.office_id == campaign.office_id,
                                                     Submission.campaign_id == campaign.id).group_by(Submission.state)):
        counts[SubmissionState(s)] = n
    return rows, counts
