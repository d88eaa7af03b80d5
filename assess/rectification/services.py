"""Rectification notices: generation from published results, editing, sending, answers, checks, ledger.

Rules in one place; views call these and commit once. Services flush, never commit, and record every state
change in the audit chain. A refusal raises :class:`RectificationError` with a message for the user and the
form field at fault.

Points deducted (扣分) on an item drawn from a campaign is ``indicator points − final score``: what the
department lost against the rubric's full marks, which is what the problem statement explains. (``self −
final`` would only measure the disagreement with the reviewer and is 0 when a department scored itself
honestly low, though the problem still has to be fixed.)

A notice drawn from a campaign lists the reviewers' problem statements that stand at publication
(:func:`standing_findings`), one item each, when the points lost reach the office's threshold; an indicator
below its maximum without a problem statement makes no item (the generation page counts them).

Item life cycle::

    pending ──(editor sends)──▶ awaiting_leader ──(leader submits)──▶ submitted ──(office accepts)──▶ accepted
       ▲   ╲──────────(leader answers and submits directly)──────────▶    │
       └───────(leader returns to editor)── awaiting_leader               └─(office returns)─▶ returned ─▶ …

A notice is closed automatically when its last item is accepted; closing by hand is refused while any
item is open; answering after closure is refused.
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..audit.services import record, record_many
from ..clock import local_date
from ..clock import local_today as today_local  # the one "today" (configured TIMEZONE), under its old name here
from ..extensions import db
from ..models import (Campaign, CampaignState, Department, Evidence, EvidenceKind, IndicatorResult, ItemState,
                      Notice, NoticeItem, NoticeSource, NoticeState, Office, Role, User)
from ..models.base import utcnow
from ..models.rectification import OPEN_ITEM_STATES
from ..spreadsheet import safe_cell
from . import workdays

OWNER_TYPE = "rectification_item"
DEFAULT_WORKDAYS = 15
MAX_TEXT = 4000
MAX_EVIDENCE_PER_ITEM = 20
PUBLISHED_STATES = (CampaignState.PUBLISHED, CampaignState.CLOSED)
# Labels are lazy (translated when shown, in the request's language); ``str()`` them for files and data.
STATE_LABELS = {
    ItemState.PENDING: _l("待整改"),
    ItemState.AWAITING_LEADER: _l("待领导审核"),
    ItemState.SUBMITTED: _l("待公开办核查"),
    ItemState.RETURNED: _l("已退回"),
    ItemState.ACCEPTED: _l("已销号"),
}
NOTICE_STATE_LABELS = {NoticeState.DRAFT: _l("草稿"), NoticeState.SENT: _l("已下发"), NoticeState.CLOSED: _l("已办结")}
SOURCE_LABELS = {NoticeSource.CAMPAIGN: _l("年度考核"), NoticeSource.MONITORING: _l("网站监测"),
                 NoticeSource.OTHER: _l("其他检查")}


class RectificationError(ValueError):
    """A refusal with a message for the user; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- small checks ---------------------------------------------------------------------------------------


def _text(value: str | None, field: str, label: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise RectificationError(_("请填写%(label)s。", label=label), field)
    if len(value) > limit:
        raise RectificationError(_("%(label)s不能超过 %(n)s 字。", label=label, n=limit), field)
    return value


def _points(value: Any, field: str = "points_deducted") -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        points = Decimal(str(value).strip())
    except InvalidOperation:
        raise RectificationError(_("扣分应为数字，例如 1.5。"), field) from None
    if not points.is_finite() or points < 0 or points > 1000:
        raise RectificationError(_("扣分应在 0 到 1000 之间。"), field)
    return points.quantize(Decimal("0.01"))


def check_version(obj: Any, version: Any, what: str) -> None:
    """Refuse a write based on a stale form: show both versions, never overwrite silently."""
    if version in (None, ""):
        return
    try:
        edited = int(version)
    except (TypeError, ValueError):
        raise RectificationError(_("表单版本号无效，请刷新页面后重试。"), "version") from None
    if edited != obj.version_id:
        raise RectificationError(
            _("%(what)s已被他人修改：您编辑的是第 %(mine)s 版，当前为第 %(current)s 版。请刷新页面，核对后重新提交。",
              what=what, mine=edited, current=obj.version_id),
            "version",
        )


def deadline_from(*, deadline: date | None = None, workdays_count: int | None = None, start: date | None = None,
                  field: str = "deadline") -> date:
    """A notice deadline: an explicit date, or ``workdays_count`` working days after ``start`` (today)."""
    start = start or today_local()
    if workdays_count:
        try:
            return workdays.add_workdays(start, int(workdays_count))
        except workdays.WorkdayError as exc:
            raise RectificationError(str(exc), "workdays") from None
    if deadline is None:
        raise RectificationError(_("请填写整改期限（截止日期或工作日数）。"), field)
    return deadline


def _check_deadline(deadline: date, today: date, field: str = "deadline") -> None:
    if deadline < today:
        raise RectificationError(_("整改期限 %(d)s 已过，请重新设定。", d=deadline.isoformat()), field)
    if deadline > today + timedelta(days=400):
        raise RectificationError(_("整改期限不能超过一年。"), field)


def _audit(notice: Notice, action: str, object_type: str, object_id: Any, *, actor: Any, old: Any = None,
           new: Any = None, reason: str = "") -> None:
    record(notice.office_id, action, object_type, object_id, actor=actor, old=old, new=new, reason=reason,
           department_id=notice.department_id, campaign_id=notice.campaign_id)


def _item_snapshot(item: NoticeItem) -> dict:
    return {"indicator_code": item.indicator_code, "problem": item.problem, "requirement": item.requirement,
            "points_deducted": item.points_deducted, "state": item.state}


# --- generation from a campaign's results ---------------------------------------------------------------


def _rubric_indicators(campaign: Campaign) -> dict:
    """code → (indicator, section): section is an area code, ``"bonus"`` or ``"veto"``."""
    from ..rubrics.store import engine_rubric

    rubric = engine_rubric(campaign.rubric)
    return {ind.code: (ind, rubric.section_of(ind.code)) for ind in rubric.all_indicators()}


def previous_campaign(campaign: Campaign) -> Campaign | None:
    """The office's campaign just before ``campaign`` (by year, then id): 'consecutive' for recurrence."""
    return db.session.scalars(
        select(Campaign)
        .where(Campaign.office_id == campaign.office_id, Campaign.id != campaign.id,
               (Campaign.year < campaign.year) | ((Campaign.year == campaign.year) & (Campaign.id < campaign.id)))
        .order_by(Campaign.year.desc(), Campaign.id.desc())
        .limit(1)
    ).first()


def _previous_items(office_id: int, prev: Campaign | None,
                    threshold: Decimal = Decimal(0)) -> dict[tuple[int, str], int]:
    """(department, indicator) → the id of its latest *real* item in the previous campaign's notices, read once
    (a province's generation makes tens of thousands of items and asks this of each).

    Real: on a notice that was sent (a draft never reached the department), and either added by the office by
    hand or drawn from a reviewer's problem statement with at least ``threshold`` points lost. Items that only
    repeated the rubric's text (generated before notices were built from problem statements) do not make this
    year's item "recurring".
    """
    if prev is None:
        return {}
    ni, ir = NoticeItem, IndicatorResult
    real = (ni.result_id.is_(None)) | (
        (func.coalesce(ir.problem, "") != "")
        & (ni.points_deducted.is_(None) | (ni.points_deducted >= threshold)))
    return {(d, c): i for d, c, i in db.session.execute(
        select(ni.department_id, ni.indicator_code, func.max(ni.id))
        .join(Notice, Notice.id == ni.notice_id)
        .outerjoin(ir, ir.id == ni.result_id)
        .where(ni.office_id == office_id, ni.campaign_id == prev.id, ni.indicator_code.is_not(None),
               Notice.state != NoticeState.DRAFT, real)
        .group_by(ni.department_id, ni.indicator_code))}


DEFAULT_THRESHOLD = Decimal("0.5")


@dataclass(frozen=True)
class Finding:
    """A reviewer's problem statement on one indicator of one department, as it stands at publication."""

    result_id: int
    department_id: int
    indicator_code: str
    problem: str
    final_score: Decimal | None
    veto: bool


def standing_findings(campaign: Campaign) -> list[Finding]:
    """The findings that stand in ``campaign``'s final results, as rectification reads them.

    Which findings stand is the review capability's rule (:func:`assess.review.services.standing_findings`:
    a contest that restored the self-score removes the finding); this only reshapes them for notices.
    """
    from ..review.services import standing_findings as reviewed

    return [Finding(f.result_id, f.department_id, f.code, f.problem, f.final_score, f.veto)
            for f in reviewed(campaign, with_evidence=False)]


@dataclass
class GenerationPlan:
    """What generating notices for a campaign would draft, and what it leaves out and why.

    ``items``: department id → [(finding, rubric indicator, points lost)], one per real problem.
    ``without_statement``: indicators that lost at least the threshold but carry no standing problem statement
    (no item: the office sees the count and may add items by hand). ``below_threshold``: findings whose
    points lost are under the threshold (not a problem for a notice).
    """

    threshold: Decimal
    items: dict[int, list[tuple[Finding, Any, Decimal | None]]]
    without_statement: int = 0
    below_threshold: int = 0

    @property
    def item_count(self) -> int:
        return sum(len(v) for v in self.items.values())


def parse_threshold(value: Any, field: str = "threshold") -> Decimal:
    if value in (None, ""):
        return DEFAULT_THRESHOLD
    try:
        threshold = Decimal(str(value).strip())
    except InvalidOperation:
        raise RectificationError(_("起算分值应为数字，例如 0.5。"), field) from None
    if not threshold.is_finite() or threshold < 0 or threshold > 100:
        raise RectificationError(_("起算分值应在 0 到 100 之间。"), field)
    return threshold.quantize(Decimal("0.01"))


def plan_generation(campaign: Campaign, threshold: Any = DEFAULT_THRESHOLD) -> GenerationPlan:
    """One item per standing problem statement that cost at least ``threshold`` points (max − final).

    Bonus indicators never make an item (not earning a bonus is not a problem to fix); a veto indicator makes
    one when it vetoed, whatever the threshold.
    """
    threshold = parse_threshold(threshold)
    indicators = _rubric_indicators(campaign)
    plan = GenerationPlan(threshold=threshold, items={})
    with_finding: set[tuple[int, str]] = set()
    for f in standing_findings(campaign):
        ind, section = indicators.get(f.indicator_code, (None, ""))
        with_finding.add((f.department_id, f.indicator_code))
        if ind is None or section == "bonus":
            continue
        if section == "veto":
            if f.veto:
                plan.items.setdefault(f.department_id, []).append((f, ind, None))
            continue
        lost = deduction(f, ind)
        if lost is None:
            continue
        if lost < threshold or lost == 0:
            plan.below_threshold += 1
            continue
        plan.items.setdefault(f.department_id, []).append((f, ind, lost))
    ir = IndicatorResult
    for d, code, final in db.session.execute(
            select(ir.department_id, ir.indicator_code, ir.final_score)
            .where(ir.office_id == campaign.office_id, ir.campaign_id == campaign.id, ir.final_score.is_not(None))):
        ind, section = indicators.get(code, (None, ""))
        if ind is None or section in ("bonus", "veto") or (d, code) in with_finding:
            continue
        lost = max(Decimal(ind.points) - Decimal(final), Decimal(0))
        if lost > 0 and lost >= threshold:
            plan.without_statement += 1
    return plan


def problem_rows(campaign: Campaign, threshold: Any = DEFAULT_THRESHOLD
                 ) -> dict[int, list[tuple[Finding, Any, Decimal | None]]]:
    """department id → [(finding, rubric indicator, points lost)]: the items a notice would list."""
    return plan_generation(campaign, threshold).items


def deduction(result: Any, indicator: Any) -> Decimal | None:
    """Points lost: indicator points − final score (None when either is unknown; never negative)."""
    if indicator is None or result.final_score is None:
        return None
    if getattr(indicator, "points", None) is None:
        return None
    return max(Decimal(indicator.points) - Decimal(result.final_score), Decimal(0)).quantize(Decimal("0.01"))


def default_deadline(campaign: Campaign | None, *, start: date | None = None, n: int | None = None) -> date:
    """The campaign's rectification deadline when set and not past, else ``n`` working days from ``start``."""
    start = start or today_local()
    if n:
        return deadline_from(workdays_count=n, start=start)
    if campaign is not None and campaign.rectify_deadline and campaign.rectify_deadline >= start:
        return campaign.rectify_deadline
    return workdays.add_workdays(start, DEFAULT_WORKDAYS)


GENERATE_ACTION = "rectification.generate"


def last_threshold(office_id: int) -> Decimal:
    """The threshold the office used last time it generated notices (the form's default), else 0.5."""
    from ..models import AuditEntry

    raw = db.session.scalars(
        select(AuditEntry.new).where(AuditEntry.office_id == office_id, AuditEntry.action == GENERATE_ACTION)
        .order_by(AuditEntry.seq.desc()).limit(1)).first()
    try:
        return parse_threshold(json.loads(raw or "null")["threshold"])
    except (TypeError, KeyError, ValueError, RectificationError):
        return DEFAULT_THRESHOLD


@dataclass(frozen=True)
class GenerationPreview:
    departments: int  # departments with at least one item
    items: int
    existing: int  # of those departments, already with a notice for the campaign
    without_statement: int
    below_threshold: int


def generation_preview(campaign: Campaign, threshold: Any = DEFAULT_THRESHOLD) -> GenerationPreview:
    """What generating would do at ``threshold`` — shown before generating."""
    plan = plan_generation(campaign, threshold)
    existing = set(db.session.scalars(
        select(Notice.department_id).where(Notice.office_id == campaign.office_id, Notice.campaign_id == campaign.id)
    ))
    return GenerationPreview(len(plan.items), plan.item_count, len(set(plan.items) & existing),
                             plan.without_statement, plan.below_threshold)


def generate_notices(office: Office, campaign: Campaign, *, actor: Any, workdays_count: int | None = None,
                     today: date | None = None, threshold: Any = DEFAULT_THRESHOLD,
                     plan: GenerationPlan | None = None) -> list[Notice]:
    """Draft one notice per department with real problems in ``campaign`` (published results only).

    Each item is a reviewer's problem statement that stands, with the points it cost; indicators that lost
    less than ``threshold`` points, and deductions without a problem statement, make no item (see
    :func:`plan_generation`; pass its ``plan`` to read the counts of what was left out). Departments that
    already have a notice for this campaign are skipped, so generating again after a late re-check only adds
    the missing ones. An item is marked recurring when last year's notice had a real item for the same
    department and indicator.
    """
    if campaign.office_id != office.id:
        raise RectificationError(_("考核不属于本单位。"), "campaign_id")
    if campaign.state not in PUBLISHED_STATES:
        raise RectificationError(_("考核结果公布后才能生成整改通知。"), "campaign_id")
    plan = plan or plan_generation(campaign, threshold)
    today = today or today_local()
    deadline = default_deadline(campaign, start=today, n=workdays_count)
    existing = set(db.session.scalars(
        select(Notice.department_id).where(Notice.office_id == office.id, Notice.campaign_id == campaign.id)
    ))
    previous_items = _previous_items(office.id, previous_campaign(campaign), plan.threshold)
    departments = {d.id: d for d in db.session.scalars(select(Department).where(Department.office_id == office.id))}
    # One flush for the notices, one for their items and one audit append for all: a province generates
    # thousands of notices in one request.
    planned: list[tuple[Notice, list]] = []
    for dept_id, rows in plan.items.items():
        if dept_id in existing or dept_id not in departments:
            continue
        dept = departments[dept_id]
        planned.append((Notice(
            office_id=office.id, department_id=dept_id, campaign_id=campaign.id, source=NoticeSource.CAMPAIGN,
            title=_("关于%(dept)s%(campaign)s问题整改的通知", dept=dept.name, campaign=campaign.name),
            intro=_("根据%(campaign)s结果，现将评审中发现的你单位存在的问题反馈如下，请对照问题清单逐项整改，"
                    "并在期限内报送整改措施、整改结果及佐证材料。", campaign=campaign.name),
            department_name=dept.name, deadline=deadline, created_by_id=getattr(actor, "id", None),
        ), rows))
    db.session.add_all([notice for notice, _rows in planned])
    db.session.flush()
    items: list[NoticeItem] = []
    for notice, rows in planned:
        for pos, (f, ind, lost) in enumerate(rows, start=1):
            previous = previous_items.get((notice.department_id, f.indicator_code))
            items.append(NoticeItem(
                office_id=office.id, department_id=notice.department_id, notice_id=notice.id,
                campaign_id=campaign.id, position=pos, indicator_code=f.indicator_code,
                indicator_title=getattr(ind, "title", "") or "", result_id=f.result_id, problem=f.problem,
                points_deducted=lost, requirement=_("逐项整改到位，并提供整改后的页面链接、截图等佐证材料。"),
                recurring=previous is not None, previous_item_id=previous,
            ))
    db.session.add_all(items)
    db.session.flush()
    entries = [dict(action="rectification.notice.generate", object_type="rectification_notice",
                    object_id=notice.id, new={"items": len(rows), "deadline": deadline.isoformat()},
                    department_id=notice.department_id, campaign_id=notice.campaign_id)
               for notice, rows in planned]
    entries.append(dict(action=GENERATE_ACTION, object_type="campaign", object_id=campaign.id,
                        campaign_id=campaign.id,
                        new={"threshold": str(plan.threshold), "notices": len(planned),
                             "items": sum(len(rows) for _n, rows in planned),
                             "without_statement": plan.without_statement, "below_threshold": plan.below_threshold}))
    record_many(office.id, entries, actor=actor)
    return [notice for notice, _rows in planned]


# --- notices outside a campaign --------------------------------------------------------------------------


def create_notice(office: Office, department: Department, *, actor: Any, title: str, deadline: date,
                  problem: str, requirement: str = "", source: NoticeSource = NoticeSource.MONITORING,
                  intro: str = "", campaign: Campaign | None = None, indicator_code: str | None = None,
                  today: date | None = None) -> Notice:
    """A notice raised by the office on its own checks (e.g. monthly website monitoring), with a first item."""
    if department.office_id != office.id:
        raise RectificationError(_("部门不属于本单位。"), "department_id")
    if not department.active:
        raise RectificationError(_("部门“%(name)s”已停用。", name=department.name), "department_id")
    title = _text(title, "title", _("通知标题"), limit=200)
    problem = _text(problem, "problem", _("问题描述"))
    requirement = _text(requirement, "requirement", _("整改要求"), required=False)
    _check_deadline(deadline, today or today_local())
    notice = Notice(
        office_id=office.id, department_id=department.id, campaign_id=campaign.id if campaign else None,
        source=source, title=title, intro=_text(intro, "intro", _("通知正文"), required=False),
        department_name=department.name, deadline=deadline, created_by_id=getattr(actor, "id", None),
    )
    db.session.add(notice)
    db.session.flush()
    db.session.add(NoticeItem(
        office_id=office.id, department_id=department.id, notice_id=notice.id, campaign_id=notice.campaign_id,
        position=1, indicator_code=(indicator_code or "").strip() or None, problem=problem, requirement=requirement,
    ))
    db.session.flush()
    _audit(notice, "rectification.notice.create", "rectification_notice", notice.id, actor=actor,
           new={"title": title, "source": source, "deadline": deadline.isoformat()})
    return notice


# --- editing before (and, with a reason, after) sending ----------------------------------------------------


def _require_editable(notice: Notice, reason: str) -> str:
    if notice.state == NoticeState.CLOSED:
        raise RectificationError(_("通知已办结，不能再修改。"))
    reason = (reason or "").strip()
    if notice.state == NoticeState.SENT and not reason:
        raise RectificationError(_("通知已下发，修改须填写修改原因（将记入日志）。"), "reason")
    return reason


def update_notice(notice: Notice, *, actor: Any, title: str, intro: str, deadline: date, reason: str = "",
                  version: Any = None, today: date | None = None) -> Notice:
    check_version(notice, version, _("该通知"))
    reason = _require_editable(notice, reason)
    title = _text(title, "title", _("通知标题"), limit=200)
    intro = _text(intro, "intro", _("通知正文"), required=False)
    if deadline != notice.deadline:
        _check_deadline(deadline, today or today_local())
    old = {"title": notice.title, "intro": notice.intro, "deadline": notice.deadline.isoformat()}
    notice.title, notice.intro, notice.deadline = title, intro, deadline
    db.session.flush()
    _audit(notice, "rectification.notice.edit", "rectification_notice", notice.id, actor=actor, old=old,
           new={"title": title, "intro": intro, "deadline": deadline.isoformat()}, reason=reason)
    return notice


def add_item(notice: Notice, *, actor: Any, problem: str, requirement: str = "", indicator_code: str = "",
             indicator_title: str = "", points_deducted: Any = None, reason: str = "") -> NoticeItem:
    reason = _require_editable(notice, reason)
    item = NoticeItem(
        office_id=notice.office_id, department_id=notice.department_id, notice_id=notice.id,
        campaign_id=notice.campaign_id,
        position=1 + max([i.position for i in notice.items] or [0]),
        indicator_code=(indicator_code or "").strip()[:40] or None,
        indicator_title=_text(indicator_title, "indicator_title", _("指标名称"), required=False, limit=200),
        problem=_text(problem, "problem", _("问题描述")),
        requirement=_text(requirement, "requirement", _("整改要求"), required=False),
        points_deducted=_points(points_deducted),
    )
    db.session.add(item)
    db.session.flush()
    if notice.state == NoticeState.CLOSED:  # pragma: no cover — refused above
        raise RectificationError(_("通知已办结，不能再修改。"))
    _audit(notice, "rectification.item.add", "rectification_item", item.id, actor=actor,
           new=_item_snapshot(item), reason=reason)
    db.session.refresh(notice)
    return item


def update_item(item: NoticeItem, *, actor: Any, problem: str, requirement: str, indicator_code: str = "",
                indicator_title: str = "", points_deducted: Any = None, reason: str = "",
                version: Any = None) -> NoticeItem:
    check_version(item, version, _("该问题"))
    reason = _require_editable(item.notice, reason)
    if item.state == ItemState.ACCEPTED:
        raise RectificationError(_("该问题已销号，不能再修改。"))
    old = _item_snapshot(item)
    item.problem = _text(problem, "problem", _("问题描述"))
    item.requirement = _text(requirement, "requirement", _("整改要求"), required=False)
    item.indicator_code = (indicator_code or "").strip()[:40] or None
    item.indicator_title = _text(indicator_title, "indicator_title", _("指标名称"), required=False, limit=200)
    item.points_deducted = _points(points_deducted)
    db.session.flush()
    _audit(item.notice, "rectification.item.edit", "rectification_item", item.id, actor=actor, old=old,
           new=_item_snapshot(item), reason=reason)
    return item


def delete_item(item: NoticeItem, *, actor: Any) -> None:
    notice = item.notice
    if notice.state != NoticeState.DRAFT:
        raise RectificationError(_("通知已下发，不能删除问题；如需调整请修改问题并填写原因。"))
    if len(notice.items) <= 1:
        raise RectificationError(_("通知至少要有一个问题。"))
    _audit(notice, "rectification.item.delete", "rectification_item", item.id, actor=actor, old=_item_snapshot(item))
    db.session.delete(item)
    db.session.flush()
    db.session.refresh(notice)


def merge_items(notice: Notice, item_ids: Iterable[int], *, actor: Any) -> NoticeItem:
    """Merge the chosen items of a draft notice into the first of them (texts joined, deductions added)."""
    if notice.state != NoticeState.DRAFT:
        raise RectificationError(_("只能合并未下发通知中的问题。"), "item_ids")
    wanted = {int(i) for i in item_ids}
    chosen = [i for i in notice.items if i.id in wanted]
    if len(chosen) < 2 or len(chosen) != len(wanted):
        raise RectificationError(_("请至少勾选本通知中的两个问题再合并。"), "item_ids")
    keep, rest = chosen[0], chosen[1:]
    old = [_item_snapshot(i) for i in chosen]
    keep.problem = "\n".join(i.problem for i in chosen)
    reqs = [i.requirement for i in chosen if i.requirement]
    keep.requirement = "\n".join(dict.fromkeys(reqs))
    points = [i.points_deducted for i in chosen if i.points_deducted is not None]
    keep.points_deducted = sum(points, Decimal(0)) if points else None
    codes = list(dict.fromkeys(i.indicator_code for i in chosen if i.indicator_code))
    keep.indicator_code = codes[0] if len(codes) == 1 else (keep.indicator_code if len(codes) > 1 else None)
    keep.recurring = any(i.recurring for i in chosen)
    for i in rest:
        db.session.delete(i)
    db.session.flush()
    _audit(notice, "rectification.item.merge", "rectification_item", keep.id, actor=actor, old=old,
           new=_item_snapshot(keep))
    db.session.refresh(notice)
    return keep


# --- sending and reading ------------------------------------------------------------------------------------


def send_notice(notice: Notice, *, actor: Any, today: date | None = None) -> Notice:
    if notice.state != NoticeState.DRAFT:
        raise RectificationError(_("通知“%(t)s”已下发。", t=notice.title))
    if not notice.items:
        raise RectificationError(_("通知“%(t)s”没有问题，不能下发。", t=notice.title))
    _check_deadline(notice.deadline, today or today_local())
    notice.state = NoticeState.SENT
    notice.sent_at = utcnow()
    notice.sent_by_id = getattr(actor, "id", None)
    db.session.flush()
    _audit(notice, "rectification.notice.send", "rectification_notice", notice.id, actor=actor,
           old={"state": NoticeState.DRAFT}, new={"state": NoticeState.SENT, "deadline": notice.deadline.isoformat(),
                                                  "items": len(notice.items)})
    return notice


def send_notices(notices: Iterable[Notice], *, actor: Any, today: date | None = None) -> tuple[list[Notice], list[str]]:
    """Send each draft; returns (sent, messages of those refused) — one refusal does not stop the others."""
    sent, refused = [], []
    for notice in notices:
        try:
            with db.session.begin_nested():
                send_notice(notice, actor=actor, today=today)
        except RectificationError as exc:
            refused.append(f"{notice.department_name}：{exc}")
        else:
            sent.append(notice)
    return sent, refused


def mark_read(notice: Notice, user: Any) -> bool:
    """Record the read receipt when a department user opens a sent notice for the first time."""
    if notice.read_at is not None or notice.state == NoticeState.DRAFT:
        return False
    if getattr(user, "department_id", None) != notice.department_id:
        return False
    notice.read_at = utcnow()
    notice.read_by_id = user.id
    db.session.flush()
    _audit(notice, "rectification.notice.read", "rectification_notice", notice.id, actor=user)
    return True


# --- the department's answer ---------------------------------------------------------------------------------


def _require_answerable(item: NoticeItem) -> None:
    notice = item.notice
    if notice.state == NoticeState.CLOSED:
        raise RectificationError(_("通知已办结，不能再作答。"))
    if notice.state != NoticeState.SENT:
        raise RectificationError(_("通知尚未下发。"))
    if item.state == ItemState.ACCEPTED:
        raise RectificationError(_("该问题已销号，不能再修改答复。"))
    if item.state == ItemState.SUBMITTED:
        raise RectificationError(_("答复已提交公开办核查，核查前不能修改。"))


def save_answer(item: NoticeItem, *, actor: Any, measure: str, result: str, version: Any = None) -> NoticeItem:
    check_version(item, version, _("该问题的答复"))
    _require_answerable(item)
    if item.state == ItemState.AWAITING_LEADER and getattr(actor, "role", None) != Role.DEPT_ADMIN:
        raise RectificationError(_("答复已送领导审核，领导退回后才能修改。"))
    old = {"measure": item.measure, "result": item.result}
    item.measure = _text(measure, "measure", _("整改措施"))
    item.result = _text(result, "result", _("整改结果"), required=False)
    item.answered_by_id = getattr(actor, "id", None)
    item.answered_at = utcnow()
    db.session.flush()
    _audit(item.notice, "rectification.answer.save", "rectification_item", item.id, actor=actor, old=old,
           new={"measure": item.measure, "result": item.result})
    return item


def send_to_leader(item: NoticeItem, *, actor: Any) -> NoticeItem:
    _require_answerable(item)
    if item.state == ItemState.AWAITING_LEADER:
        raise RectificationError(_("答复已送领导审核。"))
    if not item.measure.strip():
        raise RectificationError(_("请先填写整改措施。"), "measure")
    old = item.state
    item.state = ItemState.AWAITING_LEADER
    item.leader_comment = ""
    db.session.flush()
    _audit(item.notice, "rectification.answer.to_leader", "rectification_item", item.id, actor=actor,
           old={"state": old}, new={"state": item.state})
    return item


def submit_answer(item: NoticeItem, *, actor: Any) -> NoticeItem:
    """The department's leader submits the answer to the office."""
    if getattr(actor, "role", None) != Role.DEPT_ADMIN:
        raise RectificationError(_("答复须由部门管理员（分管领导）提交。"))
    _require_answerable(item)
    if not item.measure.strip():
        raise RectificationError(_("请先填写整改措施。"), "measure")
    old = item.state
    item.state = ItemState.SUBMITTED
    item.submitted_by_id = actor.id
    item.submitted_at = utcnow()
    db.session.flush()
    _audit(item.notice, "rectification.answer.submit", "rectification_item", item.id, actor=actor,
           old={"state": old}, new={"state": item.state, "measure": item.measure, "result": item.result})
    return item


def leader_return(item: NoticeItem, *, actor: Any, comment: str) -> NoticeItem:
    if getattr(actor, "role", None) != Role.DEPT_ADMIN:
        raise RectificationError(_("只有部门管理员（分管领导）可以退回。"))
    if item.state != ItemState.AWAITING_LEADER:
        raise RectificationError(_("该答复不在待领导审核状态。"))
    comment = _text(comment, "comment", _("退回意见"))
    item.state = ItemState.PENDING
    item.leader_comment = comment
    db.session.flush()
    _audit(item.notice, "rectification.answer.leader_return", "rectification_item", item.id, actor=actor,
           old={"state": ItemState.AWAITING_LEADER}, new={"state": item.state}, reason=comment)
    return item


# --- evidence (links and excerpts on Evidence rows) -----------------------------------------------------------

URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def item_evidence(item: NoticeItem) -> list[Evidence]:
    return list(db.session.scalars(
        select(Evidence).where(Evidence.office_id == item.office_id, Evidence.owner_type == OWNER_TYPE,
                               Evidence.owner_id == item.id, Evidence.deleted_at.is_(None))
        .order_by(Evidence.id)
    ))


def add_evidence(item: NoticeItem, *, actor: Any, kind: str, title: str, url: str = "", text: str = "") -> Evidence:
    """Attach a link (e.g. the corrected page) or a text excerpt to an item's answer."""
    _require_answerable(item)
    title = _text(title, "title", _("佐证材料名称"), limit=200)
    if kind == EvidenceKind.LINK.value:
        url = (url or "").strip()
        if not url:
            raise RectificationError(_("请填写链接地址。"), "url")
        if len(url) > 2000 or not URL_RE.match(url):
            raise RectificationError(_("链接地址应以 http:// 或 https:// 开头，且不含空格。"), "url")
        ev_kind, text = EvidenceKind.LINK, None
    elif kind == EvidenceKind.EXCERPT.value:
        text = _text(text, "text", _("摘录内容"))
        ev_kind, url = EvidenceKind.EXCERPT, None
    else:
        raise RectificationError(_("请选择佐证材料类型（链接或摘录）。"), "kind")
    if len(item_evidence(item)) >= MAX_EVIDENCE_PER_ITEM:
        raise RectificationError(_("每个问题最多 %(n)s 份佐证材料。", n=MAX_EVIDENCE_PER_ITEM), "title")
    ev = Evidence(office_id=item.office_id, department_id=item.department_id, campaign_id=item.campaign_id,
                  owner_type=OWNER_TYPE, owner_id=item.id, indicator_code=item.indicator_code, kind=ev_kind,
                  title=title, url=url or None, text=text or None, created_by_id=getattr(actor, "id", None))
    db.session.add(ev)
    db.session.flush()
    _audit(item.notice, "rectification.evidence.add", "evidence", ev.id, actor=actor,
           new={"item": item.id, "kind": ev_kind, "title": title, "url": url})
    return ev


def _evidence_services():
    """The evidence capability's file checks and storage (imported late: it is optional for this module)."""
    try:
        from ..evidence import services as evidence_services
    except ImportError:  # pragma: no cover — only while the evidence capability is absent
        raise RectificationError(_("暂不能上传文件，请改用链接或摘录。"), "file") from None
    return evidence_services


def add_evidence_file(item: NoticeItem, *, actor: Any, filename: str, data: bytes, title: str = "") -> Evidence:
    """Attach an uploaded file, checked by content (type, size, name) by the evidence capability's rules."""
    _require_answerable(item)
    ev_services = _evidence_services()
    try:
        checked = ev_services.check_file(filename, data)
    except ev_services.EvidenceError as exc:
        raise RectificationError(str(exc), "file") from None
    title = _text(title or checked.filename.rsplit(".", 1)[0] or checked.filename, "title", _("佐证材料名称"),
                  limit=200)
    if len(item_evidence(item)) >= MAX_EVIDENCE_PER_ITEM:
        raise RectificationError(_("每个问题最多 %(n)s 份佐证材料。", n=MAX_EVIDENCE_PER_ITEM), "file")
    key = ev_services.store_file(item.office_id, item.department_id, data, checked, error=RectificationError)
    ev = Evidence(office_id=item.office_id, department_id=item.department_id, campaign_id=item.campaign_id,
                  owner_type=OWNER_TYPE, owner_id=item.id, indicator_code=item.indicator_code,
                  kind=EvidenceKind.FILE, title=title, storage_key=key, filename=checked.filename,
                  content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
                  created_by_id=getattr(actor, "id", None))
    db.session.add(ev)
    db.session.flush()
    _audit(item.notice, "rectification.evidence.add", "evidence", ev.id, actor=actor,
           new={"item": item.id, "kind": EvidenceKind.FILE, "title": title, "filename": checked.filename,
                "sha256": checked.sha256, "size": checked.size})
    return ev


def read_evidence_file(ev: Evidence) -> bytes:
    return _evidence_services().read(ev)


def remove_evidence(ev: Evidence, *, actor: Any) -> NoticeItem:
    if ev.owner_type != OWNER_TYPE or ev.deleted_at is not None:
        raise RectificationError(_("佐证材料不存在。"))
    item = db.session.get(NoticeItem, ev.owner_id)
    if item is None or item.department_id != ev.department_id:
        raise RectificationError(_("佐证材料不存在。"))
    _require_answerable(item)
    ev.deleted_at = utcnow()
    db.session.flush()
    _audit(item.notice, "rectification.evidence.remove", "evidence", ev.id, actor=actor,
           old={"item": item.id, "title": ev.title})
    return item


# --- the office's check and closure -----------------------------------------------------------------------------


def check_item(item: NoticeItem, *, actor: Any, accept: bool, comment: str = "", version: Any = None) -> NoticeItem:
    """Accept (销号) or return an item; the notice closes itself when its last item is accepted."""
    check_version(item, version, _("该问题"))
    notice = item.notice
    if notice.state == NoticeState.CLOSED:
        raise RectificationError(_("通知已办结。"))
    if item.state != ItemState.SUBMITTED:
        raise RectificationError(_("该问题尚未提交答复，不能核查。"))
    comment = (comment or "").strip()
    if not accept and not comment:
        raise RectificationError(_("退回时请填写退回意见，说明还需整改什么。"), "comment")
    if len(comment) > MAX_TEXT:
        raise RectificationError(_("意见不能超过 %(n)s 字。", n=MAX_TEXT), "comment")
    old = item.state
    item.office_comment = comment
    item.checked_by_id = getattr(actor, "id", None)
    item.checked_at = utcnow()
    if accept:
        item.state = ItemState.ACCEPTED
        item.accepted_at = item.checked_at
    else:
        item.state = ItemState.RETURNED
        item.rounds += 1
    db.session.flush()
    _audit(notice, "rectification.item.accept" if accept else "rectification.item.return", "rectification_item",
           item.id, actor=actor, old={"state": old}, new={"state": item.state}, reason=comment)
    db.session.refresh(notice)
    if accept and all(i.state == ItemState.ACCEPTED for i in notice.items):
        close_notice(notice, actor=actor)
    return item


def close_notice(notice: Notice, *, actor: Any) -> Notice:
    if notice.state == NoticeState.CLOSED:
        raise RectificationError(_("通知已办结。"))
    if notice.state != NoticeState.SENT:
        raise RectificationError(_("通知尚未下发，不能办结。"))
    open_items = [i for i in notice.items if i.state != ItemState.ACCEPTED]
    if open_items:
        raise RectificationError(_("还有 %(n)s 个问题未销号，不能办结通知。", n=len(open_items)))
    notice.state = NoticeState.CLOSED
    notice.closed_at = utcnow()
    notice.closed_by_id = getattr(actor, "id", None)
    db.session.flush()
    _audit(notice, "rectification.notice.close", "rectification_notice", notice.id, actor=actor,
           old={"state": NoticeState.SENT}, new={"state": NoticeState.CLOSED})
    return notice


# --- overdue, carry-over, ledger --------------------------------------------------------------------------------


def is_overdue(item: NoticeItem, notice: Notice | None = None, today: date | None = None) -> bool:
    notice = notice or item.notice
    return (notice.state == NoticeState.SENT and item.state != ItemState.ACCEPTED
            and (today or today_local()) > notice.deadline)


def overdue_days(notice: Notice, today: date | None = None) -> int:
    return max(((today or today_local()) - notice.deadline).days, 0)


def open_items_for(department_id: int, indicator_code: str, *, office_id: int | None = None,
                   exclude_campaign_id: int | None = None) -> list[NoticeItem]:
    """Unresolved items (sent, not accepted) of one department on one indicator — for the reviewer's page.

    Inside a request the tenant scope applies on top; ``office_id`` narrows explicitly for CLI/services.
    ``exclude_campaign_id`` leaves out the items raised by the campaign being reviewed itself.
    """
    stmt = (
        select(NoticeItem).join(Notice, Notice.id == NoticeItem.notice_id)
        .where(NoticeItem.department_id == department_id, NoticeItem.indicator_code == indicator_code,
               NoticeItem.state.in_(OPEN_ITEM_STATES), Notice.state == NoticeState.SENT)
        .order_by(Notice.deadline, NoticeItem.id)
    )
    if office_id is not None:
        stmt = stmt.where(NoticeItem.office_id == office_id)
    if exclude_campaign_id is not None:
        stmt = stmt.where((NoticeItem.campaign_id.is_(None)) | (NoticeItem.campaign_id != exclude_campaign_id))
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class LedgerFilters:
    department_id: int | None = None
    campaign_id: int | None = None  # 0 = notices outside any campaign
    indicator_code: str = ""
    state: str = ""  # an ItemState value, or "overdue" / "recurring"


@dataclass
class LedgerRow:
    item: NoticeItem
    notice: Notice
    campaign_name: str
    age_days: int  # days since the notice was sent
    overdue: bool
    overdue_days: int

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.item.state])


LEDGER_STATES = [s.value for s in ItemState] + ["overdue", "recurring"]


def ledger(office_id: int, filters: LedgerFilters = LedgerFilters(), *, today: date | None = None) -> list[LedgerRow]:
    """Every item of every sent or closed notice of the office (整改台账), newest notice first.

    Overdue: the notice is sent (not closed), the item is not accepted, and today is past the deadline.
    """
    today = today or today_local()
    stmt = (
        select(NoticeItem, Notice, Campaign.name)
        .join(Notice, Notice.id == NoticeItem.notice_id)
        .outerjoin(Campaign, Campaign.id == Notice.campaign_id)
        .where(NoticeItem.office_id == office_id, Notice.state != NoticeState.DRAFT)
        .order_by(Notice.sent_at.desc(), Notice.id.desc(), NoticeItem.position, NoticeItem.id)
    )
    f = filters
    if f.department_id:
        stmt = stmt.where(NoticeItem.department_id == f.department_id)
    if f.campaign_id == 0:
        stmt = stmt.where(Notice.campaign_id.is_(None))
    elif f.campaign_id:
        stmt = stmt.where(Notice.campaign_id == f.campaign_id)
    if f.indicator_code:
        stmt = stmt.where(NoticeItem.indicator_code == f.indicator_code.strip())
    if f.state in {s.value for s in ItemState}:
        stmt = stmt.where(NoticeItem.state == ItemState(f.state))
    elif f.state == "recurring":
        stmt = stmt.where(NoticeItem.recurring.is_(True))
    elif f.state == "overdue":
        stmt = stmt.where(Notice.state == NoticeState.SENT, NoticeItem.state != ItemState.ACCEPTED,
                          Notice.deadline < today)
    rows = []
    for item, notice, campaign_name in db.session.execute(stmt):
        sent = local_date(notice.sent_at) if notice.sent_at else today
        over = is_overdue(item, notice, today)
        rows.append(LedgerRow(item, notice, campaign_name or "", (today - sent).days, over,
                              overdue_days(notice, today) if over else 0))
    return rows


def overdue_count(office_id: int, department_id: int | None = None, *, today: date | None = None) -> int:
    today = today or today_local()
    stmt = (
        select(func.count()).select_from(NoticeItem).join(Notice, Notice.id == NoticeItem.notice_id)
        .where(NoticeItem.office_id == office_id, Notice.state == NoticeState.SENT,
               NoticeItem.state != ItemState.ACCEPTED, Notice.deadline < today)
    )
    if department_id is not None:
        stmt = stmt.where(NoticeItem.department_id == department_id)
    return db.session.scalar(stmt) or 0


LEDGER_HEADERS = [_l("序号"), _l("部门"), _l("考核/来源"), _l("指标"), _l("问题描述"), _l("扣分"), _l("整改要求"),
                  _l("状态"), _l("下发日期"), _l("整改期限"), _l("已下发天数"), _l("逾期天数"), _l("反复出现"),
                  _l("整改措施"), _l("整改结果"), _l("公开办意见"), _l("退回次数")]


def ledger_workbook(rows: list[LedgerRow], *, title: str | None = None) -> bytes:
    """The ledger as .xlsx, in the request's language (Chinese by default and outside a request)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = str(_l("整改台账"))[:31]
    ws.append([safe_cell(title if title is not None else ws.title)])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([str(h) for h in LEDGER_HEADERS])  # cells take plain text, never a lazy string
    for cell in ws[2]:
        cell.font = Font(bold=True)
    red = PatternFill("solid", fgColor="FDE2E1")
    for n, r in enumerate(rows, start=1):
        i, notice = r.item, r.notice
        indicator = " ".join(x for x in (i.indicator_code or "", i.indicator_title or "") if x)
        source = r.campaign_name or str(SOURCE_LABELS.get(notice.source, ""))
        values = [
            n, notice.department_name, source, indicator, i.problem,
            float(i.points_deducted) if i.points_deducted is not None else None,
            i.requirement, r.state_label + (_("（逾期）") if r.overdue else ""),
            local_date(notice.sent_at) if notice.sent_at else None, notice.deadline,
            r.age_days, r.overdue_days or None, _("是") if i.recurring else "", i.measure, i.result,
            i.office_comment, i.rounds,
        ]
        ws.append([safe_cell(v) for v in values])
        if r.overdue or i.recurring:
            for cell in ws[ws.max_row]:
                cell.fill = red
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if cell.column in (9, 10) and cell.value is not None:
                cell.number_format = "yyyy-mm-dd"
    for col, width in zip("ABCDEFGHIJKLMNOPQ", [6, 20, 18, 16, 40, 8, 30, 14, 12, 12, 10, 10, 8, 30, 30, 24, 8]):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- lists for pages ----------------------------------------------------------------------------------------------


def notices_for(user: Any, *, state: str = "") -> list[Notice]:
    """The notices a user's list shows: the office sees all of its own; a department only sent ones."""
    stmt = (select(Notice).where(Notice.office_id == user.office_id).options(selectinload(Notice.items))
            .order_by(Notice.created_at.desc(), Notice.id.desc()))
    if user.department_id is not None:
        stmt = stmt.where(Notice.department_id == user.department_id, Notice.state != NoticeState.DRAFT)
    if state in {s.value for s in NoticeState}:
        stmt = stmt.where(Notice.state == NoticeState(state))
    return list(db.session.scalars(stmt))


def published_campaigns(office_id: int) -> list[Campaign]:
    return list(db.session.scalars(
        select(Campaign).where(Campaign.office_id == office_id, Campaign.state.in_(PUBLISHED_STATES))
        .order_by(Campaign.year.desc(), Campaign.id.desc())
    ))


def office_campaigns(office_id: int) -> list[Campaign]:
    return list(db.session.scalars(
        select(Campaign).where(Campaign.office_id == office_id).order_by(Campaign.year.desc(), Campaign.id.desc())
    ))


def user_name(user_id: int | None) -> str:
    if not user_id:
        return ""
    user = db.session.get(User, user_id)
    return user.display_name if user else ""


# --- the notice as an official document (PDF) --------------------------------------------------------------------


def notice_document(notice: Notice, office: Office, *, today: date | None = None):
    """Plain data for ``templates/pdf/notice.html`` (GB/T 9704 layout): letterhead, intro, problem list.

    It carries no 发文字号: a notice gets its number when the office issues it (``assess.documents``), which
    puts the number into this context; before that it is a draft (see :func:`notice_pdf`).
    """
    from ..documents.builders import split_list
    from ..documents.contexts import Letterhead, NoticeContext, ProblemItem
    from ..documents.official import format_cn_date

    today = today or today_local()
    when = (local_date(notice.sent_at) if notice.sent_at else today)
    area_of: dict[str, str] = {}
    if notice.campaign_id:
        from ..rubrics.store import engine_rubric

        campaign = db.session.get(Campaign, notice.campaign_id)
        rubric = engine_rubric(campaign.rubric) if campaign else None
        special = {"bonus": _("加分项"), "veto": _("一票否决项")}
        for item in notice.items:
            if rubric is None or not item.indicator_code or rubric.indicator(item.indicator_code) is None:
                continue
            section = rubric.section_of(item.indicator_code)
            area = rubric.area(section)
            area_of[item.indicator_code] = special.get(section) or getattr(area, "title", "") or ""
    items = tuple(
        ProblemItem(n, area_of.get(i.indicator_code or "", "") or str(SOURCE_LABELS[notice.source]), i.indicator_code or "",
                    i.indicator_title or "", i.problem, i.points_deducted if i.points_deducted is not None else Decimal(0),
                    i.requirement or "")
        for n, i in enumerate(notice.items, start=1)
    )
    intro = [p for p in (notice.intro or "").splitlines() if p.strip()] or [
        _("经检查，你单位存在%(n)s项问题（详见附件）。", n=len(items))]
    intro.append(_("请对照问题清单逐条整改，于%(d)s前整改到位。", d=format_cn_date(notice.deadline)))
    letterhead = Letterhead(
        authority_mark=office.authority_mark or office.name, doc_number="",
        issuer=office.issuer_name or office.name, date=when, printed_by=office.printed_by or office.name,
        print_date=when, seal_png=None,
        cc=split_list(office.cc_block),
    )
    return NoticeContext(
        letterhead=letterhead, department=notice.department_name, title=notice.title, intro=tuple(intro),
        items=items, deadline=notice.deadline,
        how_to_answer=_("请在考核平台“整改通知”栏目逐条填写整改措施、整改结果并附佐证材料，经分管领导审核后提交。"),
        contact=office.contact or office.name,
    )


def notice_pdf(notice: Notice, office: Office) -> tuple[bytes, Any]:
    """The notice as a PDF, and its issued document (or None).

    Issued: the stored bytes of the issued document, so the department reads exactly the copy with its one
    number. Not issued: a rendering marked 草稿 without any number.
    """
    from ..documents import services as documents
    from ..documents.render import render_pdf

    issued = documents.issued_notice(notice)
    if issued is not None:
        return documents.document_bytes(issued), issued
    return render_pdf("notice.html", {"doc": notice_document(notice, office), "draft": True}), None
