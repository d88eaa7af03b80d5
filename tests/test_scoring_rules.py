"""One test group per rule kind: scores, explanations and bounds."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
import yaml

from assess.scoring import InputError, bounds, load_rubric, score


def make(rule: dict, inputs: list[dict], points=10, computed=None, *, area_extra=0, **top):
    """A one-area rubric around one indicator ``I1`` (plus a filler indicator when area_extra > 0)."""
    ind = {"code": "I1", "title": "被测指标", "points": points, "inputs": inputs, "rule": rule}
    if computed:
        ind["computed"] = computed
    indicators = [ind]
    if area_extra:
        indicators.append({"code": "F1", "title": "其他", "points": area_extra, "rule": {"kind": "judgement", "step": 0.5}})
    doc = {
        "format": "assess-rubric/1", "code": "t", "name": "测试", "office": "测试办", "year": 2026, "version": 1,
        "total": points + area_extra,
        "grades": [{"label": "合格", "min": 0}],
        "areas": [{"code": "A", "title": "领域", "indicators": indicators}],
        **top,
    }
    return load_rubric(yaml.safe_dump(doc, allow_unicode=True))


def one(rubric, values=None, **kw):
    inputs = {"I1": values} if values is not None else {}
    return score(rubric, inputs, **kw).indicators["I1"]


BOOL = [{"name": "ok", "label": "领导小组", "type": "boolean"}]
COUNT = [{"name": "n", "label": "公开信息", "type": "integer", "unit": "条"}]


def test_boolean():
    r = make({"kind": "boolean", "figure": "ok"}, BOOL, points=3)
    yes, no = one(r, {"ok": True}), one(r, {"ok": False})
    assert (yes.score, no.score) == (D(3), D(0))
    assert yes.explanation_zh == "领导小组：是，符合要求，得3分"
    assert "not met" in no.explanation_en
    assert bounds(r, "I1") == yes.bounds
    assert yes.bounds.step == 3  # a yes/no item is all or nothing


def test_checklist_caps_at_points_and_names_missing_items():
    inputs = [{"name": f"c{i}", "label": f"制度{i}", "type": "boolean"} for i in range(4)]
    items = [{"figure": f"c{i}", "points": 1} for i in range(4)]
    r = make({"kind": "checklist", "items": items}, inputs, points=3)
    assert one(r, {"c0": True, "c1": True, "c2": True, "c3": True}).score == 3
    partial = one(r, {"c0": True, "c1": False, "c2": True, "c3": False})
    assert partial.score == 2
    assert "未达到：制度1、制度3" in partial.explanation_zh


def test_tiers_pick_exactly_one_tier_and_explain():
    tiers = [{"from": 200, "points": 5}, {"from": 100, "below": 200, "points": 3}, {"from": 0, "below": 100, "points": 1}]
    r = make({"kind": "tiers", "figure": "n", "tiers": tiers}, COUNT, points=5)
    assert [one(r, {"n": v}).score for v in (0, 99, 100, 199, 200, 5000)] == [1, 1, 3, 3, 5, 5]
    assert one(r, {"n": 246}).explanation_zh == "公开信息246条，≥200条档，得5分"
    assert one(r, {"n": 150}).explanation_zh == "公开信息150条，100–199条档，得3分"


def test_tiers_on_decimals_use_half_open_ranges():
    tiers = [{"from": 95, "points": 4}, {"from": 90, "below": 95, "points": 3}, {"from": 0, "below": 90, "points": 0}]
    r = make({"kind": "tiers", "figure": "rate", "tiers": tiers},
             [{"name": "rate", "label": "办结率", "type": "rate", "unit": "%"}], points=4)
    assert one(r, {"rate": D("94.99")}).score == 3
    assert one(r, {"rate": 95}).score == 4


def test_ratio_with_target_cap_and_zero_below():
    rate = [{"name": "rate", "label": "接通率", "type": "rate", "unit": "%"}]
    r = make({"kind": "ratio", "figure": "rate", "target": 60, "zero_below": 50}, rate, points=8)
    assert one(r, {"rate": 49}).score == 0
    assert one(r, {"rate": 55}).score == D("7.33")
    assert one(r, {"rate": 60}).score == 8
    assert one(r, {"rate": 100}).score == 8
    assert "按比例" in one(r, {"rate": 55}).explanation_zh
    assert one(r, {"rate": 55}).bounds.step == D("0.01")


def test_computed_ratio_and_division_by_zero_from_file():
    inputs = [{"name": "received", "label": "收到申请", "type": "integer", "unit": "件"},
              {"name": "on_time", "label": "按时答复", "type": "integer", "unit": "件"}]
    computed = [{"name": "rate", "label": "按时答复率", "op": "ratio", "of": ["on_time", "received"],
                 "unit": "%", "scale": 100, "on_zero": 100}]
    r = make({"kind": "ratio", "figure": "rate", "target": 100}, inputs, points=4, computed=computed)
    assert one(r, {"received": 0, "on_time": 0}).score == 4  # nothing to answer counts as 100 %
    s = one(r, {"received": 3, "on_time": 2})
    assert s.inputs_used["rate"] == D("66.67")
    assert s.score == D("2.67")
    assert s.explanation_zh.endswith("；按时答复率=按时答复2件÷收到申请3件×100")
    assert "收到申请0件，按时答复率按100%计" in one(r, {"received": 0, "on_time": 0}).explanation_zh


def test_computed_sum_and_difference():
    inputs = [{"name": "a", "label": "甲", "type": "integer"}, {"name": "b", "label": "乙", "type": "integer"}]
    computed = [{"name": "total", "label": "合计", "op": "sum", "of": ["a", "b"]},
                {"name": "gap", "label": "差", "op": "difference", "of": ["total", "b"]}]
    tiers = [{"from": 10, "points": 2}, {"from": 0, "below": 10, "points": 0}]
    r = make({"kind": "tiers", "figure": "total", "tiers": tiers}, inputs, points=2, computed=computed)
    s = one(r, {"a": 4, "b": 7})
    assert (s.inputs_used["total"], s.inputs_used["gap"], s.score) == (11, 4, 2)


def test_deduction_per_occurrence_down_to_zero():
    inputs = [{"name": "typos", "label": "错敏字", "type": "integer", "unit": "处"},
              {"name": "links", "label": "错误链接", "type": "integer", "unit": "个"}]
    items = [{"figure": "typos", "per": 0.5}, {"figure": "links", "per": 0.2}]
    r = make({"kind": "deduction", "items": items}, inputs, points=5)
    assert one(r, {"typos": 0, "links": 0}).score == 5
    s = one(r, {"typos": 2, "links": 3})
    assert s.score == D("3.4")
    assert s.explanation_zh.startswith("错敏字2处，每处扣0.5分，扣1分；错误链接3个")
    floored = one(r, {"typos": 30, "links": 0})
    assert floored.score == 0 and "扣完为止" in floored.explanation_zh
    assert s.bounds.step == D("0.1")


def test_deduction_with_area_floor_may_exceed_its_own_points():
    inputs = [{"name": "overturned", "label": "被纠错", "type": "integer", "unit": "件"}]
    r = make({"kind": "deduction", "floor": "area", "items": [{"figure": "overturned", "per": 2}]}, inputs,
             points=4, area_extra=6)
    res = score(r, {"I1": {"overturned": 3}}, judgements={"F1": 1})
    assert res.indicators["I1"].score == -2
    assert res.areas["A"] == 0  # -2 + 1 = -1, but an area never drops below zero
    assert "减分不超过本领域分值" in res.explanation_zh[0]
    assert bounds(r, "I1").min == -6


def test_judgement_bounds_default_and_steps():
    r = make({"kind": "judgement", "min": 0, "max": 4, "step": 0.5}, [], points=4)
    pending = one(r)
    assert pending.score == 4 and "待评审" in pending.explanation_zh
    assert one(r, judgements={"I1": D("2.5")}).score == D("2.5")
    with pytest.raises(InputError) as info:
        one(r, judgements={"I1": D("2.3")})
    assert info.value.problems[0].path == "judgements.I1"
    with pytest.raises(InputError):
        one(r, judgements={"I1": D("4.5")})


def test_late_fixed_plus_per_day_with_max():
    days = [{"name": "days", "label": "年度报告逾期", "type": "integer", "unit": "天"}]
    r = make({"kind": "late", "figure": "days", "fixed": 0.5, "per_day": 0.1, "max": 3}, days, points=3)
    assert one(r, {"days": 0}).score == 3
    assert one(r, {"days": 3}).score == D("2.2")
    assert one(r, {"days": 100}).score == 0
    assert "逾期扣0.8分" in one(r, {"days": 3}).explanation_zh


def test_count_caps_at_points():
    n = [{"name": "n", "label": "信息被采用", "type": "integer", "unit": "条", "required": False}]
    r = make({"kind": "count", "figure": "n", "per": 0.5}, n, points=3)
    assert one(r, {"n": 3}).score == D("1.5")
    assert one(r, {"n": 40}).score == 3
    assert one(r, {}).score == 0  # optional count missing reads as zero


def test_overrides_replace_suggestion_within_bounds():
    tiers = [{"from": 200, "points": 5}, {"from": 100, "below": 200, "points": 3}, {"from": 0, "below": 100, "points": 1}]
    r = make({"kind": "tiers", "figure": "n", "tiers": tiers}, COUNT, points=5)
    s = score(r, {"I1": {"n": 246}}, overrides={"I1": D(3)}).indicators["I1"]
    assert (s.suggested, s.score, s.overridden) == (5, 3, True)
    assert "采用分3分（建议分5分）" in s.explanation_zh
    with pytest.raises(InputError) as info:
        score(r, {"I1": {"n": 246}}, overrides={"I1": D("2.5")})  # not a score the tiers can give
    assert info.value.problems[0].path == "overrides.I1"
    with pytest.raises(InputError):
        score(r, {"I1": {"n": 246}}, overrides={"I1": D(6)})


def test_area_floor_deduction_never_takes_more_than_the_area():
    inputs = [{"name": "overturned", "label": "被纠错", "type": "integer", "unit": "件"}]
    r = make({"kind": "deduction", "floor": "area", "items": [{"figure": "overturned", "per": 2}]}, inputs,
             points=4, area_extra=6)
    s = score(r, {"I1": {"overturned": 20}}).indicators["I1"]
    assert s.score == -6 and "以本领域分值为限" in s.explanation_zh


def test_bonus_counts_only_above_min_base_and_veto_can_zero_the_total():
    bonus = {"cap": 2, "min_base": 8, "indicators": [{
        "code": "X1", "title": "加分", "points": 3, "rule": {"kind": "count", "figure": "n", "per": 1},
        "inputs": [{"name": "n", "label": "被采用", "type": "integer", "required": False}]}]}
    veto = {"indicators": [{"code": "V1", "title": "泄密", "points": 0, "rule": {"kind": "veto", "figure": "leak"},
                            "inputs": [{"name": "leak", "label": "泄密", "type": "boolean", "required": False}]}]}
    r = make({"kind": "boolean", "figure": "ok"}, BOOL, points=10, bonus=bonus, veto=veto, veto_zeroes_total=True)
    high = score(r, {"I1": {"ok": True}, "X1": {"n": 3}})
    assert (high.bonus_raw, high.bonus, high.total) == (3, 2, 12)
    low = score(r, {"I1": {"ok": False}, "X1": {"n": 3}})
    assert (low.bonus, low.total) == (0, 0) and any("加分不计入" in x for x in low.explanation_zh)
    vetoed = score(r, {"I1": {"ok": True}, "V1": {"leak": True}})
    assert (vetoed.veto, vetoed.total, vetoed.grade) == (("V1",), 0, "合格")


def test_late_submission_per_day_with_max():
    r = make({"kind": "boolean", "figure": "ok"}, BOOL, points=10,
             late_submission={"fixed": 1, "per_day": 0.5, "max": 3})
    assert [score(r, {"I1": {"ok": True}}, late_days=d).late_deduction for d in (0, 1, 3, 30)] == \
        [0, D("1.5"), D("2.5"), 3]
