"""Format-2 shapes outside the areas, each worked by hand on tests/fixtures/rubrics/major-veto-na.yaml:
major deductions (shape 1, 重大扣分项), a veto that ends scoring (shape 3, 单项否决) and 不适用 then rescale
(shape 7); their misuse reported at the right line; `rubric score` handles them."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

from assess.rubrics.cli import rubric_cli
from assess.scoring import InputError, RubricError, aggregate, bounds, dump_rubric, load_rubric, score

PATH = Path(__file__).resolve().parent / "fixtures" / "rubrics" / "major-veto-na.yaml"
TEXT = PATH.read_text(encoding="utf-8")
RUBRIC = load_rubric(TEXT, "major-veto-na.yaml")
# A 乡镇 unit with every item applying: A1 40 − 2 × 1 = 38; A2 20 × 81/90 = 18; B1 25 − 0 = 25; B2 15 → base 96
TOWN = {"A1": {"errors": 1}, "A2": {"online_rate": 81}, "B1": {"late_replies": 0}, "B2": {"board_updated": True}}


def problems(text: str) -> list:
    with pytest.raises(RubricError) as info:
        load_rubric(text, "r.yaml")
    return info.value.problems


def line_of(text: str, needle: str, last: bool = False) -> int:
    found = [n for n, line in enumerate(text.splitlines(), 1) if needle in line and not line.startswith("#")]
    return found[-1] if last else found[0]


def test_the_example_round_trips():
    assert load_rubric(dump_rubric(RUBRIC)) == RUBRIC
    assert RUBRIC.veto_ends_scoring and RUBRIC.major.cap == 12 and RUBRIC.indicator("A2").allow_na


# ---------------------------------------------------------------- shape 1: major deductions outside the areas


def test_major_deductions_come_off_the_total_never_off_an_area():
    # base: A = 38 + 18 = 56, B = 25 + 15 = 40 → 96; bonus: none; M1: 1 舆情 × 5 = −5 → total 96 − 5 = 91 (优秀)
    res = score(RUBRIC, {**TOWN, "M1": {"incidents": 1}}, group="乡镇")
    assert res.areas == {"A": D(56), "B": D(40)} and res.base == D(96)
    assert (res.major, res.total, res.grade) == (D(-5), D(91), "优秀")
    m1 = res.indicators["M1"]
    assert (m1.score, m1.section) == (D(-5), "major")
    assert m1.explanation_zh == "重大政务舆情1次，每处扣5分，扣5分；重大扣分项扣5分，从总分中扣除"
    assert m1.explanation_en == "incidents 1 × 5 = -5; major deduction -5 from the total"
    assert res.indicators["M2"].explanation_zh == "未发生重大扣分情形，不扣分"
    assert "重大扣分项：重大政务舆情扣5分，从总分中扣除5分（不计入各领域得分）" in res.explanation_zh
    assert "major deductions: M1 -5: -5 from the total" in res.explanation_en


def test_major_deductions_are_capped_per_item_and_in_all():
    # M1: 3 × 5 = 15, at most its 10 points → −10; M2 leak → −10; together 20, cap 12 → −12.
    # total 96 − 12 = 84 (良好); areas untouched (tie-breaks stay right)
    res = score(RUBRIC, {**TOWN, "M1": {"incidents": 3}, "M2": {"leak": True}}, group="乡镇")
    assert res.indicators["M1"].score == D(-10) and "以10分为限" in res.indicators["M1"].explanation_zh
    assert (res.areas, res.major, res.total, res.grade) == ({"A": D(56), "B": D(40)}, D(-12), D(84), "良好")
    assert ("重大扣分项：重大政务舆情扣10分、泄露个人信息扣10分，合计20分，以12分为限，从总分中扣除12分（不计入各领域得分）"
            in res.explanation_zh)


def test_major_deduction_bounds_and_stored_scores():
    # stored as the (negative) amount: −10..0 on a grid of 5 (M1) and of 10 (M2)
    assert (bounds(RUBRIC, "M1").min, bounds(RUBRIC, "M1").max, bounds(RUBRIC, "M1").step) == (D(-10), D(0), D(5))
    assert bounds(RUBRIC, "M2").step == D(10)
    # from stored scores: 56 + 40 = 96; M1 −5 → 91; a base area floor never absorbs it
    t = aggregate(RUBRIC, {"A1": D(38), "A2": D(18), "B1": D(25), "B2": D(15), "M1": D(-5)})
    assert (t.base, t.major, t.total) == (D(96), D(-5), D(91))
    with pytest.raises(InputError):
        aggregate(RUBRIC, {"A1": D(38), "A2": D(18), "B1": D(25), "B2": D(15), "M1": D(5)})  # not a deduction


def test_major_deductions_through_the_ranking_sections():
    from assess.ranking.adapter import totals_from_sums

    t = totals_from_sums(RUBRIC, {"A": D(56), "B": D(40)}, D(0), (), 0, major_sum=D(-20))
    assert (t.areas, t.major, t.total) == ({"A": D(56), "B": D(40)}, D(-12), D(84))  # capped at 12


def test_major_deduction_misuse_reported_at_its_line():
    wrong = TEXT.replace("    - code: M1\n      title: 重大政务舆情\n      points: 10\n",
                         "    - code: M1\n      title: 重大政务舆情\n      points: 10\n      allow_na: true\n")
    p = next(p for p in problems(wrong) if p.path == "major_deductions.indicators[0].allow_na")
    assert p.line == line_of(wrong, "allow_na: true", last=True) and "只用于各领域的指标" in p.message
    kind = TEXT.replace("      rule: {kind: boolean, figure: board_updated}",
                        "      rule: {kind: boolean, figure: board_updated}").replace(
        "        items:\n          - {figure: leak, per: 10, label: 公开内容泄露个人信息}",
        "        items:\n          - {figure: leak, points: 10}").replace(
        "      rule:\n        kind: deduction\n        items:\n          - {figure: leak, points: 10}",
        "      rule:\n        kind: checklist\n        items:\n          - {figure: leak, points: 10}")
    p = next(p for p in problems(kind) if p.path == "major_deductions.indicators[1].rule.kind")
    assert p.line == line_of(kind, "kind: checklist") and "重大扣分项的规则类型应为 deduction" in p.message
    floor = TEXT.replace("          - {figure: incidents, per: 5}", "          - {figure: incidents, per: 5}\n        floor: area")
    p = next(p for p in problems(floor) if p.path == "major_deductions.indicators[0].rule.floor")
    assert p.line == line_of(floor, "floor: area") and "不属于任何领域" in p.message
    dup = TEXT.replace("    - code: M2\n", "    - code: A1\n")
    p = next(p for p in problems(dup) if p.path == "major_deductions.indicators[1].code")
    assert "重复" in p.message and str(line_of(TEXT, "- code: A1")) in p.message
    cap = TEXT.replace("  cap: 12\n  indicators:\n    - code: M1", "  cap: 0\n  indicators:\n    - code: M1")
    assert any(p.path == "major_deductions.cap" and p.line == line_of(cap, "cap: 0") for p in problems(cap))


# ---------------------------------------------------------------- shape 3: a veto that ends scoring


def test_a_veto_that_ends_scoring_needs_no_other_figure():
    # 不可访问率 6 % ≥ 5 % → 单项否决: nothing else reported, no area or bonus scored, total 0, 不合格
    res = score(RUBRIC, {"V1": {"unreachable": 6}})
    assert res.ended and res.veto == ("V1",)
    assert (res.areas, res.base, res.bonus, res.major, res.total, res.grade) == ({}, D(0), D(0), D(0), D(0), "不合格")
    assert list(res.indicators) == ["V1"]
    assert res.explanation_zh == ("单项否决：网站不可访问（全年不可访问率6%，达到5%，触发一票否决）。其余指标不再评分",
                                  "考核结果：单项否决，等次：不合格")
    assert res.explanation_en == ("scoring ended by veto: V1; nothing else is scored", "result: vetoed, grade 不合格")


def test_below_the_veto_threshold_every_figure_is_still_required():
    with pytest.raises(InputError) as info:
        score(RUBRIC, {"V1": {"unreachable": "4.9"}})
    assert {"A1.errors", "B1.late_replies"} <= {p.path for p in info.value.problems}
    res = score(RUBRIC, {**TOWN, "V1": {"unreachable": "4.9"}}, group="乡镇")
    assert (res.ended, res.total) == (False, D(96))


def test_an_ended_veto_from_stored_scores_and_the_ranking_sections():
    from assess.ranking.adapter import totals_from_sums

    t = aggregate(RUBRIC, {}, vetoes=("V1",), veto_reasons={"V1": "全年不可访问率6%"})
    assert (t.ended, t.areas, t.total, t.grade) == (True, {}, D(0), "不合格")
    assert t.explanation_zh[0] == "单项否决：网站不可访问（全年不可访问率6%）。其余指标不再评分"
    t2 = totals_from_sums(RUBRIC, {"A": D(10)}, D(0), ("V1",), 0)
    assert (t2.ended, t2.total, t2.grade) == (True, D(0), "不合格")


def test_ends_scoring_misuse_reported_at_its_line():
    bad = TEXT.replace("  ends_scoring: true", "  ends_scoring: 是")
    p = next(p for p in problems(bad) if p.path == "veto.ends_scoring")
    assert p.line == line_of(bad, "ends_scoring:") and "是/否" in p.message
    misplaced = TEXT.replace("major_deductions:\n  cap: 12", "major_deductions:\n  ends_scoring: true\n  cap: 12")
    p = next(p for p in problems(misplaced) if p.path == "major_deductions.ends_scoring")
    assert "未知字段" in p.message


# ---------------------------------------------------------------- shape 7: not applicable, then rescale


def test_not_applicable_items_are_left_out_and_the_base_rescaled_exactly():
    # a 县直部门 unit with no 办事服务: A2 marked 不适用 (20), B2 applies only to 乡镇 (15) → applicable 65.
    # A1 40 − 3 × 2 = 34; B1 25 − 2 × 1 = 23 → 57 of 65 → 57 × 100 / 65 = 87.6923… → 87.69.
    # bonus 2 篇 × 1 = 2 (base 87.69 ≥ 60) → 89.69; M1 −5, M2 −10 = −15, cap 12 → 89.69 − 12 = 77.69 (合格)
    inputs = {"A1": {"errors": 3}, "B1": {"late_replies": 2}, "X1": {"adopted": 2},
              "M1": {"incidents": 1}, "M2": {"leak": True}}
    res = score(RUBRIC, inputs, not_applicable={"A2": "本单位无办事服务"}, group="县直部门")
    assert res.not_applicable == {"A2": "本单位无办事服务", "B2": "本指标仅适用于乡镇组或标记为“有公开栏”的单位"}
    assert (res.areas, res.base_raw, res.applicable_points, res.base) == (
        {"A": D(34), "B": D(23)}, D(57), D(65), D("87.69"))
    assert (res.bonus, res.major, res.total, res.grade) == (D(2), D(-12), D("77.69"), "合格")
    a2 = res.indicators["A2"]
    assert (a2.score, a2.not_applicable) == (D(0), "本单位无办事服务")
    assert a2.explanation_zh == "不适用：本单位无办事服务（不计分，满分20分不计入）"
    assert res.explanation_zh[:3] == (
        "主动公开得34分（满分40分，不适用20分不计入）",
        "依申请公开得23分（满分25分，不适用15分不计入）",
        "不适用：A2 办事服务（本单位无办事服务）、B2 村务公开栏（本指标仅适用于乡镇组或标记为“有公开栏”的单位），共35分；"
        "适用指标满分65分，得分57分折算为100分制：57×100÷65=87.69分")
    assert res.explanation_en[2] == "not applicable: A2, B2 (35 pts); 57 of 65 rescaled to 100: 57 × 100 / 65 = 87.69"


def test_applies_to_by_group_or_tag():
    # a 县直部门 unit tagged 有公开栏 is scored on B2: 38 + 18 + 25 + 15 = 96, nothing rescaled
    res = score(RUBRIC, TOWN, group="县直部门", tags=["有公开栏"])
    assert (res.not_applicable, res.base_raw, res.total) == ({}, None, D(96))
    # the same unit without the tag: B2 left out → 81 of 85 → 81 × 100 / 85 = 95.2941… → 95.29
    res = score(RUBRIC, {k: v for k, v in TOWN.items() if k != "B2"}, group="县直部门")
    assert (res.base_raw, res.applicable_points, res.base) == (D(81), D(85), D("95.29"))


def test_not_applicable_refused_without_allow_na_or_reason():
    with pytest.raises(InputError) as info:
        score(RUBRIC, TOWN, group="乡镇", not_applicable={"A1": "不涉及", "A2": "  ", "Z9": "x"})
    said = {p.path: p.message for p in info.value.problems}
    assert "考核细则未允许" in said["not_applicable.A1"]
    assert said["not_applicable.A2"] == "请写明不适用的原因"
    assert "未知指标代码" in said["not_applicable.Z9"]


def test_rescale_from_stored_scores():
    # stored: A1 34, B1 23, A2 and B2 不适用 → 57 × 100 / 65 = 87.69
    t = aggregate(RUBRIC, {"A1": D(34), "B1": D(23)}, not_applicable={"A2": "无办事服务", "B2": "非乡镇"})
    assert (t.base_raw, t.base, t.total) == (D(57), D("87.69"), D("87.69"))
    with pytest.raises(InputError):
        aggregate(RUBRIC, {"A1": D(34), "B1": D(23)}, not_applicable={"A2": "无办事服务"})  # B2 missing


def test_not_applicable_misuse_reported_at_its_line():
    empty = TEXT.replace("applies_to: {groups: [乡镇], tags: [有公开栏]}", "applies_to: {}")
    p = next(p for p in problems(empty) if p.path == "areas[1].indicators[1].applies_to")
    assert p.line == line_of(empty, "applies_to: {}") and "groups" in p.message
    typo = TEXT.replace("applies_to: {groups: [乡镇], tags: [有公开栏]}", "applies_to: {group: [乡镇]}")
    assert any(p.path == "areas[1].indicators[1].applies_to.group" and "未知字段" in p.message for p in problems(typo))
    bonus = TEXT.replace("      title: 经验做法被采用\n", "      title: 经验做法被采用\n      allow_na: true\n")
    p = next(p for p in problems(bonus) if p.path == "bonus.indicators[0].allow_na")
    assert p.line == line_of(bonus, "allow_na: true", last=True) and "只用于各领域的指标" in p.message


# ---------------------------------------------------------------- the CLI


def test_cli_scores_all_three_shapes(tmp_path):
    inputs = tmp_path / "in.json"
    inputs.write_text(json.dumps({"inputs": {"A1": {"errors": 3}, "B1": {"late_replies": 2}, "X1": {"adopted": 2},
                                             "M1": {"incidents": 1}, "M2": {"leak": True}},
                                  "not_applicable": {"A2": "本单位无办事服务"}, "group": "县直部门"}), encoding="utf-8")
    res = CliRunner().invoke(rubric_cli, ["score", str(PATH), str(inputs)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert (out["total"], out["major"], out["base_raw"], out["grade"]) == ("77.69", "-12.00", "57.00", "合格")
    veto = tmp_path / "veto.json"
    veto.write_text(json.dumps({"V1": {"unreachable": 6}}), encoding="utf-8")
    out = json.loads(CliRunner().invoke(rubric_cli, ["score", str(PATH), str(veto)]).output)
    assert (out["ended"], out["total"], out["grade"], out["areas"]) == (True, "0.00", "不合格", {})
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"inputs": {}, "tags": "有公开栏"}), encoding="utf-8")
    res = CliRunner().invoke(rubric_cli, ["score", str(PATH), str(bad)])
    assert res.exit_code == 1 and "tags: 应为单位标签" in res.output
    res = CliRunner().invoke(rubric_cli, ["check", str(PATH)])
    assert res.exit_code == 0
