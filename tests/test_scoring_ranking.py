"""Ranking within a group: shared ranks, tie-break by area subtotals, share caps, veto, non-submitters."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

from assess.scoring import RankEntry, load_rubric_file, rank_group, share_limit

ROOT = Path(__file__).resolve().parents[1]
COUNTY = load_rubric_file(str(ROOT / "scoring_rules" / "county-annual-2026.yaml"))
NO_TIE_BREAK = replace(COUNTY, tie_break=())


def e(key, total, submitted=True, veto=False, **areas):
    return RankEntry(key, D(str(total)), {k: D(str(v)) for k, v in areas.items()}, submitted, veto)


def view(ranked):
    return [(r.key, r.rank, r.grade) for r in ranked]


def test_equal_totals_share_rank_and_next_skips():
    ranked = rank_group(NO_TIE_BREAK, [e("a", 85), e("b", 88), e("c", 85), e("d", 70)])
    assert [(r.key, r.rank) for r in ranked] == [("b", 1), ("a", 2), ("c", 2), ("d", 4)]


def test_tie_break_by_area_subtotals_in_order():
    entries = [e("a", 85, C=30, E=18), e("b", 85, C=32, E=10), e("c", 85, C=30, E=19), e("d", 85, C=30, E=19)]
    assert [(r.key, r.rank) for r in rank_group(COUNTY, entries)] == [("b", 1), ("c", 2), ("d", 2), ("a", 4)]


def test_share_cap_takes_top_units_in_rank_order():
    entries = [e(f"u{i}", 99 - i) for i in range(10)]  # all ≥ 90 by score
    ranked = rank_group(COUNTY, entries)
    assert [r.grade for r in ranked] == ["优秀"] * 2 + ["良好"] * 8  # 20 % of 10
    assert ranked[2].capped and ranked[2].grade_by_score == "优秀" and "比例不超过20%" in ranked[2].note_zh
    assert not ranked[1].capped


def test_share_cap_floor_and_ties_straddling_the_cap_move_together():
    assert share_limit(COUNTY, 3, D(20)) == 0
    assert share_limit(replace(COUNTY, share_rounding="ceil"), 3, D(20)) == 1
    entries = [e("a", 95), e("b", 92), e("c", 92)] + [e(f"x{i}", 50) for i in range(7)]
    ranked = rank_group(NO_TIE_BREAK, entries)
    assert view(ranked)[:3] == [("a", 1, "优秀"), ("b", 2, "良好"), ("c", 2, "良好")]


def test_veto_is_lowest_grade_and_ranked_after_other_submitters():
    ranked = rank_group(COUNTY, [e("v", 99, veto=True), e("a", 70), e("b", 95)])
    assert view(ranked) == [("b", 1, "良好"), ("a", 2, "合格"), ("v", 3, "不合格")]  # 3 × 20 % → no 优秀
    assert ranked[2].note_zh == "一票否决"


def test_non_submitters_last_marked_and_sharing_a_rank():
    ranked = rank_group(COUNTY, [e("n1", 0, submitted=False), e("a", 61), e("n2", 0, submitted=False)])
    assert view(ranked) == [("a", 1, "合格"), ("n1", 2, "不合格"), ("n2", 2, "不合格")]
    assert all(r.note_zh == "未报送" for r in ranked[1:])


def test_empty_group():
    assert rank_group(COUNTY, []) == []
