"""compute_ranking and publish_ranking: ties, tie-breaks, share caps, vetoes, non-submitters, re-publication."""
from __future__ import annotations

import random
from decimal import Decimal

import pytest
from sqlalchemy import select

from assess import scoring
from assess.models import AuditEntry, CampaignState
from assess.ranking.adapter import totals_from_sums
from assess.ranking.services import (RankingError, compute_ranking, current_rows, latest_publication,
                                     publish_ranking)
from assess.rubrics.store import shipped_source
from tests.ranking_world import add_department, make_campaign, more_departments

D = Decimal


def by_name(rows):
    return {r.department_name: r for r in rows}


def test_totals_ranks_and_ties(db, tenant_a):
    t = tenant_a
    c = make_campaign(t.office)
    extra = more_departments(t.office, t.group, 3)
    add_department(c, t.dept_a)  # 100
    add_department(c, t.dept_b, scores={"A1": 0})  # 97
    add_department(c, extra[0], scores={"A1": 0})  # 97, same subtotals → tie
    add_department(c, extra[1], scores={"A2": 0, "B1": 0})  # 94
    rows = compute_ranking(c)
    r = by_name(rows)
    assert r[t.dept_a.name].total == D(100) and r[t.dept_a.name].rank == 1
    assert r[t.dept_b.name].rank == r[extra[0].name].rank == 2
    assert r[extra[1].name].rank == 4
    assert r[extra[1].name].areas["A"] == D(7) and r[extra[1].name].areas["B"] == D(12)
    assert [x.rank for x in rows] == [1, 2, 2, 4]


def test_tie_break_by_rubric_areas(db, tenant_a):
    t = tenant_a
    c = make_campaign(t.office)
    # both 96: dept_a loses 4 in C (主动公开), dept_b loses 4 in A → dept_b ranks first (higher C)
    add_department(c, t.dept_a, scores={"C1": 2})
    add_department(c, t.dept_b, scores={"A1": 0, "A2": 2})
    r = by_name(compute_ranking(c))
    assert r[t.dept_a.name].total == r[t.dept_b.name].total == D(96)
    assert (r[t.dept_b.name].rank, r[t.dept_a.name].rank) == (1, 2)


def test_share_cap_moves_excellent_down_in_rank_order(db, tenant_a):
    t = tenant_a
    c = make_campaign(t.office)
    depts = more_departments(t.office, t.group, 10)  # 10 in group (+ none others submitted)
    for i, d in enumerate(depts):
        add_department(c, d, scores={"C2": D(4) - D(i) / 4})  # 100, 99.75, ... all ≥ 90 → 优秀 by score
    rows = compute_ranking(c)
    assert [r.grade_by_score for r in rows] == ["优秀"] * 10
    assert [r.grade for r in rows] == ["优秀"] * 2 + ["良好"] * 8  # 20 % of 10
    assert rows[2].capped and "比例" in rows[2].note


def test_veto_and_non_submitters_and_late(db, tenant_a):
    t = tenant_a
    c = make_campaign(t.office)
    extra = more_departments(t.office, t.group, 2)
    add_department(c, t.dept_a, vetoes=("V1",))
    add_department(c, t.dept_b, submitted=False)
    add_department(c, extra[0], scores={"A1": 0, "A2": 0, "A3": 0, "A4": 0, "A5": 0, "C1": 0}, late_days=3)
    add_department(c, extra[1], scores={"A1": 0})
    r = by_name(compute_ranking(c))
    assert r[t.dept_a.name].grade == "不合格" and r[t.dept_a.name].veto and r[t.dept_a.name].rank == 3
    assert "一票否决" in r[t.dept_a.name].note
    assert r[t.dept_b.name].rank == 4 and not r[t.dept_b.name].submitted and "未报送" in r[t.dept_b.name].note
    assert r[t.dept_b.name].grade == "不合格"
    late = r[extra[0].name]
    assert late.late_deduction == D(2) and late.total == D(100 - 10 - 6 - 2)
    assert late.rank == 2 and r[extra[1].name].rank == 1


def test_incomplete_rows_and_group_filter(db, tenant_a):
    from assess.admin import services

    t = tenant_a
    other = services.create_group(t.office, "乡镇（街道）", actor=None)
    town = services.create_department(t.office, "青山镇", other, actor=None)
    c = make_campaign(t.office)
    add_department(c, t.dept_a, missing=("C1",))
    add_department(c, town)
    rows = compute_ranking(c)
    assert [r.group_id for r in rows] == [t.group.id, other.id]
    a = by_name(rows)[t.dept_a.name]
    assert not a.complete and "评分未完成" in a.note and a.total == D(94)
    only = compute_ranking(c, group_id=other.id)
    assert [r.department_name for r in only] == ["青山镇"] and only[0].rank == 1
    overall = compute_ranking(c, overall=True)
    assert [r.overall_rank for r in overall] == [1, 2] and overall[0].department_name == "青山镇"
    with pytest.raises(RankingError) as exc:
        publish_ranking(c, t.users["office_admin"])
    assert exc.value.field == "campaign" and "评分未完成" in str(exc.value)
    assert f"{t.dept_a.name}：C1" in str(exc.value) and "未分配评审人员" in str(exc.value)  # what waits where


def test_adapter_matches_engine_aggregate():
    """The section adapter gives exactly what aggregate over every indicator score gives."""
    rubric = scoring.load_rubric(shipped_source("county-annual-2026.yaml"), "county.yaml")
    rng = random.Random(7)
    for _ in range(300):
        scores = {}
        for ind in rubric.all_indicators():
            if ind.rule.kind == "veto":
                continue
            b = scoring.bounds(rubric, ind.code)
            steps = int((b.max - b.min) / b.step)
            scores[ind.code] = b.min + b.step * rng.randint(0, steps)
        vetoes = tuple(i.code for i in rubric.vetoes if rng.random() < 0.05)
        late = rng.choice([0, 0, 0, 2])
        full = scoring.aggregate(rubric, scores, vetoes=vetoes, late_days=late)
        areas = {a.code: sum((scores[i.code] for i in a.indicators), D(0)) for a in rubric.areas}
        bonus = sum((scores[i.code] for i in rubric.bonus.indicators), D(0))
        fast = totals_from_sums(rubric, areas, bonus, vetoes, late)
        assert (fast.areas, fast.base, fast.bonus, fast.late_deduction, fast.total, fast.grade, fast.explanation_zh) == \
            (full.areas, full.base, full.bonus, full.late_deduction, full.total, full.grade, full.explanation_zh)


def test_publish_freezes_and_republication_needs_reason(db, tenant_a):
    t = tenant_a
    admin = t.users["office_admin"]
    c = make_campaign(t.office)
    add_department(c, t.dept_a)
    add_department(c, t.dept_b, scores={"A1": 0})
    pub = publish_ranking(c, admin)
    assert pub.version == 1
    # a later correction in the scores does not change what is shown until re-published
    from assess.models import IndicatorResult
    from assess.extensions import db as _db

    res = _db.session.scalars(select(IndicatorResult).where(IndicatorResult.department_id == t.dept_b.id,
                                                            IndicatorResult.indicator_code == "A1")).one()
    res.final_score = D(3)
    _db.session.flush()
    shown, p = current_rows(c)
    assert p.version == 1 and by_name(shown)[t.dept_b.name].total == D(97)
    assert by_name(compute_ranking(c))[t.dept_b.name].total == D(100)
    with pytest.raises(RankingError) as exc:
        publish_ranking(c, admin, "  ")
    assert exc.value.field == "reason"
    pub2 = publish_ranking(c, admin, "复核更正A1得分")
    assert pub2.version == 2 and latest_publication(c).id == pub2.id
    shown, p = current_rows(c)
    assert by_name(shown)[t.dept_b.name].total == D(100) and by_name(shown)[t.dept_b.name].rank == 1
    entries = _db.session.scalars(select(AuditEntry).where(AuditEntry.office_id == t.office.id,
                                                           AuditEntry.action.like("ranking.%"))
                                  .order_by(AuditEntry.seq)).all()
    assert [e.action for e in entries] == ["ranking.publish", "ranking.republish"]
    assert entries[1].reason == "复核更正A1得分" and t.dept_b.name in entries[1].new


def test_publish_refused_before_review(db, tenant_a):
    c = make_campaign(tenant_a.office, state=CampaignState.SELF_ASSESSMENT)
    add_department(c, tenant_a.dept_a)
    with pytest.raises(RankingError):
        publish_ranking(c, tenant_a.users["office_admin"])


def test_live_ranking_cache_follows_every_change(db, tenant_a):
    from assess.extensions import db as _db
    from assess.models import IndicatorResult, Submission
    from assess.ranking.services import live_ranking

    t = tenant_a
    c = make_campaign(t.office)
    add_department(c, t.dept_a)
    add_department(c, t.dept_b, scores={"A1": 0})
    first = live_ranking(c)
    assert [r.total for r in first] == [D(100), D(97)]
    first[0].total = D(0)  # callers get copies
    assert live_ranking(c)[0].total == D(100)
    res = _db.session.scalars(select(IndicatorResult).where(IndicatorResult.department_id == t.dept_a.id,
                                                            IndicatorResult.indicator_code == "C1")).one()
    res.final_score = D(0)
    _db.session.flush()
    assert [r.department_name for r in live_ranking(c)] == [t.dept_b.name, t.dept_a.name]
    sub = _db.session.scalars(select(Submission).where(Submission.department_id == t.dept_b.id)).one()
    sub.late_days = 1
    _db.session.flush()
    assert by_name(live_ranking(c))[t.dept_b.name].total == D(95)
    assert [r.department_name for r in live_ranking(c, group_id=t.group.id)] == [t.dept_b.name, t.dept_a.name]


def test_live_rows_leave_explanations_to_explain_department(db, tenant_a):
    """Pages' live ranking skips the explanation sentences (same figures); one department's comes on demand."""
    from assess.ranking.services import explain_department, live_ranking

    t = tenant_a
    c = make_campaign(t.office)
    add_department(c, t.dept_a, scores={"A1": 0}, late_days=2)
    add_department(c, t.dept_b)
    full = by_name(compute_ranking(c))
    live = by_name(live_ranking(c))
    for name, row in full.items():
        assert (live[name].total, live[name].grade, live[name].rank, live[name].areas) == \
            (row.total, row.grade, row.rank, row.areas)
        assert live[name].explanation == ()
    assert explain_department(c, t.dept_a.id) == full[t.dept_a.name].explanation
    assert full[t.dept_a.name].explanation and explain_department(c, 999999) == ()
