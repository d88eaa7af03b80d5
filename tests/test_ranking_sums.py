"""Stored department sums (assess/ranking/sums.py) always equal the sums of the scores they derive from."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, select

from assess.extensions import db
from assess.models import DepartmentSums, IndicatorResult
from assess.ranking import sums
from assess.ranking.services import compute_ranking, fingerprint, live_ranking
from assess.rubrics.store import engine_rubric
from tests.ranking_world import add_department, make_campaign

D = Decimal


def stored(campaign) -> dict[int, sums.Sums]:
    return {r.department_id: sums.Sums.from_json(r.data) for r in db.session.scalars(
        select(DepartmentSums).where(DepartmentSums.campaign_id == campaign.id))}


def assert_in_step(campaign):
    rubric = engine_rubric(campaign.rubric)
    assert stored(campaign) == sums.compute(campaign, rubric)


def test_sums_follow_every_orm_change_to_results(db, tenant_a):
    t = tenant_a
    c = make_campaign(t.office)
    add_department(c, t.dept_a, scores={"A1": 0})
    add_department(c, t.dept_b, vetoes=("V2",))  # a veto item of the county rubric
    assert_in_step(c)
    assert stored(c)[t.dept_b.id].vetoes == ("V2",)
    assert stored(c)[t.dept_a.id].areas["A"] == D(7)

    result = db.session.scalars(select(IndicatorResult).where(
        IndicatorResult.campaign_id == c.id, IndicatorResult.department_id == t.dept_a.id,
        IndicatorResult.indicator_code == "A1")).one()
    result.final_score = D(2)  # changed
    db.session.flush()
    assert stored(c)[t.dept_a.id].areas["A"] == D(9)
    assert_in_step(c)

    db.session.delete(result)  # deleted
    db.session.flush()
    assert stored(c)[t.dept_a.id].scored == engine_rubric(c.rubric).indicator_count - 1
    assert_in_step(c)


def test_every_rewrite_moves_the_live_rankings_fingerprint(db, tenant_a):
    t = tenant_a
    c = make_campaign(t.office)
    add_department(c, t.dept_a)
    before = fingerprint(c)
    assert live_ranking(c)[0].total == D(100)
    result = db.session.scalars(select(IndicatorResult).where(
        IndicatorResult.campaign_id == c.id, IndicatorResult.indicator_code == "C1")).one()
    result.final_score = result.final_score - 1
    db.session.flush()
    assert fingerprint(c) != before
    assert live_ranking(c)[0].total == D(99)


def test_missing_or_foreign_rubric_rows_are_computed_from_the_scores(db, tenant_a):
    t = tenant_a
    c = make_campaign(t.office)
    add_department(c, t.dept_a, scores={"A1": 0})
    add_department(c, t.dept_b, scores={"C1": 2})
    expected = [(r.department_id, r.total, r.rank) for r in compute_ranking(c)]
    db.session.execute(delete(DepartmentSums).where(DepartmentSums.department_id == t.dept_a.id))
    row = db.session.scalars(select(DepartmentSums).where(DepartmentSums.department_id == t.dept_b.id)).one()
    row.rubric_sha256 = "0" * 64  # summed for another rubric
    row.data = sums.Sums({"A": D(0)}, D(0), 0, ()).to_json()
    db.session.flush()
    assert [(r.department_id, r.total, r.rank) for r in compute_ranking(c)] == expected


def test_bulk_paths_refresh_the_whole_campaign(db, tenant_a):
    t = tenant_a
    c = make_campaign(t.office)
    add_department(c, t.dept_a)
    db.session.execute(delete(DepartmentSums))
    assert stored(c) == {}
    assert sums.refresh_campaign(c) == 1
    assert_in_step(c)
