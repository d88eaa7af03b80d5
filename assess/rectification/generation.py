"""Rectification: drafting notices from a campaign's published results.

Points deducted (扣分) on an item drawn from a campaign is ``indicator points − final score``: what the
department lost against the rubric's full marks, which is what the problem statement explains. (``self −
final`` would only measure the disagreement with the reviewer and is 0 when a department scored itself
honestly low, though the problem still has to be fixed.)

A notice drawn from a campaign lists the reviewers' problem statements that stand at publication
(:func:`standing_findings`), one item each, when the points lost reach the office's threshold; an indicator
below its maximum without a problem statement makes no item (the generation page counts them).

The preview counts what would be made (and what makes no item) before anything is written;
:func:`generate_notices` writes the drafts in one go, marking last year's unresolved items on the same
indicator as recurring.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit.services import record_many
from ..extensions import db
from ..models import Campaign, Department, IndicatorResult, Notice, NoticeItem, NoticeSource, NoticeState, Office
from ..holidays import workdays
from .services import DEFAULT_WORKDAYS, PUBLISHED_STATES, RectificationError, deadline_from, parse_points, today_local


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

    Which findings stand is the review capability's rule (:func:`assess.review.findings.standing_findings`:
    a contest that restored the self-score removes the finding); this only reshapes them for notices.
    """
    from ..review.findings import standing_findings as reviewed

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
    threshold = parse_points(value, field, highest=100, not_a_number=_("起算分值应为数字，例如 0.5。"),
                             out_of_range=_("起算分值应在 0 到 100 之间。"))
    return DEFAULT_THRESHOLD if threshold is None else threshold


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
    return default_deadline_counted(campaign, start=start, n=n)[0]


def default_deadline_counted(campaign: Campaign | None, *, start: date | None = None,
                             n: int | None = None) -> tuple[date, tuple[date, int] | None]:
    """:func:`default_deadline`, and what it was counted from ((start, working days); None for the campaign's
    own date), on the campaign's office's calendar."""
    start = start or today_local()
    office_id = campaign.office_id if campaign is not None else None
    if n:
        return deadline_from(workdays_count=n, start=start, office_id=office_id), (start, int(n))
    if campaign is not None and campaign.rectify_deadline and campaign.rectify_deadline >= start:
        return campaign.rectify_deadline, None
    return workdays.add_workdays(start, DEFAULT_WORKDAYS, office_id=office_id), (start, DEFAULT_WORKDAYS)


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
    deadline, counted = default_deadline_counted(campaign, start=today, n=workdays_count)
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
            deadline_start=counted[0] if counted else None, deadline_workdays=counted[1] if counted else None,
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
