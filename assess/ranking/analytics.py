"""Analytics of a campaign for the office (all departments) and for one department (its own figures).

Totals, areas and grades come from the ranking rows (published if published, else live), never recomputed
here. The per-indicator figures come from ``IndicatorResult`` and ``ReviewScore`` in a few grouped queries.
Office-wide queries are marked ``all_departments`` (they are only called for office users; the scope still
keeps them inside the user's office); department queries go through the request's scope and a department filter.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Collection

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Campaign, IndicatorResult, ReviewScore, User
from ..rubrics.store import engine_rubric
from ..tenancy.scope import all_departments
from .services import RankRow, current_rows

ZERO = Decimal(0)
BUCKETS = [(Decimal(0), Decimal(60), "60分以下"), (Decimal(60), Decimal(70), "60–69"), (Decimal(70), Decimal(80), "70–79"),
           (Decimal(80), Decimal(90), "80–89"), (Decimal(90), Decimal(1000), "90分及以上")]
HEATMAP_ROWS = 40


def _q(v) -> Decimal:
    return Decimal(v).quantize(Decimal("0.01"))


def _run(stmt, office_wide: bool):
    return db.session.execute(all_departments(stmt) if office_wide else stmt).all()


@dataclass
class GroupStats:
    group_id: int
    name: str
    count: int
    average: Decimal
    buckets: list[tuple[str, int]]
    grades: list[tuple[str, int]]
    area_average: dict[str, Decimal] = field(default_factory=dict)


def group_stats(rows: list[RankRow], rubric) -> list[GroupStats]:
    """Distribution of totals and grades per group, and each group's average per area (submitters only)."""
    by_group: dict[int, list[RankRow]] = defaultdict(list)
    names: dict[int, str] = {}
    for r in rows:
        by_group[r.group_id].append(r)
        names[r.group_id] = r.group_name
    out = []
    for g, members in by_group.items():
        sub = [r for r in members if r.submitted]
        n = len(sub) or 1
        buckets = [(label, sum(1 for r in sub if lo <= r.total < hi)) for lo, hi, label in BUCKETS]
        grades = Counter(r.grade for r in members)
        order = [b.label for b in rubric.grades]
        out.append(GroupStats(
            g, names[g], len(members), _q(sum((r.total for r in sub), ZERO) / n), buckets,
            [(label, grades.get(label, 0)) for label in order],
            {a.code: _q(sum((r.areas.get(a.code, ZERO) for r in sub), ZERO) / n) for a in rubric.areas}))
    return out


def self_vs_final(campaign: Campaign, *, department_id: int | None = None, departments: Collection[int] | None = None,
                  limit: int = 20) -> list[dict[str, Any]]:
    """Per department: sum of self-scores, sum of final scores and the gap (over-reporting), largest first.
    ``departments``: only these (the ones the reader may read, see ``review.access``); None: all."""
    ir = IndicatorResult
    stmt = (select(ir.department_id, func.sum(ir.self_score), func.sum(ir.final_score))
            .where(ir.office_id == campaign.office_id, ir.campaign_id == campaign.id, ir.final_score.is_not(None),
                   ir.self_score.is_not(None))
            .group_by(ir.department_id))
    if department_id is not None:
        stmt = stmt.where(ir.department_id == department_id)
    if departments is not None:
        stmt = stmt.where(ir.department_id.in_(list(departments)))
    out = []
    for dept, s, f in _run(stmt, department_id is None):
        s, f = _q(s or 0), _q(f or 0)
        out.append({"department_id": dept, "self": s, "final": f, "gap": s - f})
    out.sort(key=lambda d: (-d["gap"], d["department_id"]))
    return out[:limit]


def deductions(campaign: Campaign, *, department_id: int | None = None, departments: Collection[int] | None = None,
               limit: int = 15) -> list[dict[str, Any]]:
    """Indicators most often scored below their points: how many departments, points lost in all
    (``departments``: over these only; None: all)."""
    rubric = engine_rubric(campaign.rubric)
    ir = IndicatorResult
    stmt = (select(ir.indicator_code, ir.final_score, func.count())
            .where(ir.office_id == campaign.office_id, ir.campaign_id == campaign.id, ir.final_score.is_not(None))
            .group_by(ir.indicator_code, ir.final_score))
    if department_id is not None:
        stmt = stmt.where(ir.department_id == department_id)
    if departments is not None:
        stmt = stmt.where(ir.department_id.in_(list(departments)))
    stats: dict[str, list] = {}
    for code, score, n in _run(stmt, department_id is None):
        ind = rubric.indicator(code)
        if ind is None or rubric.section_of(code) in ("bonus", "veto"):
            continue
        lost = ind.points - _q(score)
        if lost > 0:
            s = stats.setdefault(code, [0, ZERO, ind.title])
            s[0] += n
            s[1] += lost * n
    rows = [{"code": c, "title": t, "departments": n, "lost": _q(lost)} for c, (n, lost, t) in stats.items()]
    rows.sort(key=lambda d: (-d["departments"], -d["lost"], d["code"]))
    return rows[:limit]


def problems(campaign: Campaign, *, department_id: int | None = None, departments: Collection[int] | None = None,
             limit: int = 30) -> list[dict[str, Any]]:
    """The problems written by reviewers that stand (a finding a contest overturned is left out), most
    frequent first (material for the circular's 存在的主要问题); ``departments``: of these only (None: all)."""
    from ..review.findings import standing_findings

    counts: dict[tuple[str, str], int] = {}
    titles: dict[str, str] = {}
    for f in standing_findings(campaign, department_id=department_id, with_evidence=False):
        if f.problem and (departments is None or f.department_id in departments):
            counts[(f.code, f.problem)] = counts.get((f.code, f.problem), 0) + 1
            titles[f.code] = f.title
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1]))[:limit]
    return [{"code": c, "title": titles[c], "problem": p, "count": n} for (c, p), n in ordered]


def heatmap_data(campaign: Campaign, departments: list[RankRow], *, office_wide: bool) -> tuple[list[str], list[list]]:
    """Share of points per (department, base indicator) for the given departments (rows in their order)."""
    rubric = engine_rubric(campaign.rubric)
    codes = [i.code for a in rubric.areas for i in a.indicators]
    points = {i.code: i.points for a in rubric.areas for i in a.indicators}
    ids = [r.department_id for r in departments]
    ir = IndicatorResult
    cells: dict[tuple[int, str], Decimal] = {}
    if ids:
        stmt = (select(ir.department_id, ir.indicator_code, ir.final_score)
                .where(ir.office_id == campaign.office_id, ir.campaign_id == campaign.id, ir.department_id.in_(ids)))
        for d, c, s in _run(stmt, office_wide):
            if s is not None:
                cells[(d, c)] = Decimal(s)
    grid = [[(float(cells[(d, c)] / points[c]) if (d, c) in cells and points[c] else None) for c in codes] for d in ids]
    return codes, grid


def indicator_averages(campaign: Campaign, group_id: int | None) -> dict[str, Decimal]:
    """Average final score per indicator over a group's departments (all departments when None)."""
    from ..models import Submission

    ir = IndicatorResult
    stmt = (select(ir.indicator_code, func.avg(ir.final_score))
            .where(ir.office_id == campaign.office_id, ir.campaign_id == campaign.id, ir.final_score.is_not(None))
            .group_by(ir.indicator_code))
    if group_id is not None:
        stmt = stmt.join(Submission, and_(Submission.office_id == ir.office_id, Submission.campaign_id == ir.campaign_id,
                                          Submission.department_id == ir.department_id)).where(Submission.group_id == group_id)
    return {c: _q(a) for c, a in _run(stmt, True)}


def previous_campaign(campaign: Campaign) -> Campaign | None:
    return db.session.scalars(
        select(Campaign).where(Campaign.office_id == campaign.office_id, Campaign.year < campaign.year)
        .order_by(Campaign.year.desc(), Campaign.id.desc()).limit(1)).first()


def year_change(campaign: Campaign, rows: list[RankRow]) -> dict[str, Any] | None:
    """Change from last year's campaign: totals per department, and averages of indicators both rubrics share."""
    prev = previous_campaign(campaign)
    if prev is None:
        return None
    prev_rows, _pub = current_rows(prev)
    before = {r.department_id: r for r in prev_rows}
    changes = []
    for r in rows:
        b = before.get(r.department_id)
        if b is not None and r.submitted and b.submitted:
            changes.append({"department_id": r.department_id, "name": r.department_name, "before": b.total,
                            "now": r.total, "change": r.total - b.total, "rank_before": b.rank, "rank_now": r.rank})
    changes.sort(key=lambda d: -d["change"])
    now_avg, prev_avg = indicator_averages(campaign, None), indicator_averages(prev, None)
    rubric = engine_rubric(campaign.rubric)
    shared = [{"code": c, "title": getattr(rubric.indicator(c), "title", c), "before": prev_avg[c], "now": now_avg[c],
               "change": now_avg[c] - prev_avg[c]} for c in sorted(set(now_avg) & set(prev_avg))]
    return {"campaign": prev, "departments": changes, "indicators": shared}


def reviewer_consistency(campaign: Campaign) -> dict[str, list[dict[str, Any]]]:
    """Each reviewer's average adjustment against the self-score (and its direction), and the agreement of
    reviewer pairs who scored the same indicator of the same department. Office only."""
    rs, ir = ReviewScore, IndicatorResult
    diff = rs.score - ir.self_score
    stmt = (select(rs.reviewer_id, func.count(), func.avg(diff),
                   func.sum(case((diff < 0, 1), else_=0)), func.sum(case((diff > 0, 1), else_=0)))
            .join(ir, and_(ir.office_id == rs.office_id, ir.campaign_id == rs.campaign_id,
                           ir.department_id == rs.department_id, ir.indicator_code == rs.indicator_code))
            .where(rs.office_id == campaign.office_id, rs.campaign_id == campaign.id, ir.self_score.is_not(None))
            .group_by(rs.reviewer_id))
    names = dict(_run(select(User.id, User.display_name).where(User.office_id == campaign.office_id), True))
    reviewers = []
    for rid, n, avg, down, up in _run(stmt, True):
        avg = _q(avg or 0)
        reviewers.append({"reviewer": names.get(rid, str(rid)), "scores": n, "average": avg, "down": down or 0,
                          "up": up or 0, "direction": "偏严" if avg < 0 else ("偏宽" if avg > 0 else "持平")})
    reviewers.sort(key=lambda d: d["average"])
    a, b = aliased(ReviewScore), aliased(ReviewScore)
    pair = (select(a.reviewer_id, b.reviewer_id, func.count(), func.sum(case((a.score == b.score, 1), else_=0)),
                   func.avg(func.abs(a.score - b.score)))
            .join(b, and_(b.office_id == a.office_id, b.campaign_id == a.campaign_id, b.department_id == a.department_id,
                          b.indicator_code == a.indicator_code, b.reviewer_id > a.reviewer_id))
            .where(a.office_id == campaign.office_id, a.campaign_id == campaign.id)
            .group_by(a.reviewer_id, b.reviewer_id))
    pairs = []
    for r1, r2, n, same, mad in _run(pair, True):
        pairs.append({"first": names.get(r1, str(r1)), "second": names.get(r2, str(r2)), "scores": n,
                      "agreement": _q(Decimal(same or 0) * 100 / n) if n else ZERO, "mean_diff": _q(mad or 0)})
    return {"reviewers": reviewers, "pairs": pairs}
