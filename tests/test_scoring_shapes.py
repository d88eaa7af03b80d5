"""Format-2 shapes, each worked by hand: strict or inclusive gates (shape 2) and yes/no facts in
deductions (shape 5), on tests/fixtures/rubrics/gates-facts.yaml; their misuse reported at the right line."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

from assess.rubrics.cli import rubric_cli
from assess.rubrics.table import describe_rule, rubric_table
from assess.scoring import RubricError, aggregate, bounds, dump_rubric, load_rubric, score

PATH = Path(__file__).resolve().parent / "fixtures" / "rubrics" / "gates-facts.yaml"
TEXT = PATH.read_text(encoding="utf-8")
RUBRIC = load_rubric(TEXT, "gates-facts.yaml")
GOOD = {"A1": {"has_catalogue": True, "guide_updated": True, "errors": 0}, "A2": {"has_site": True}}


def problems(text: str) -> list:
    with pytest.raises(RubricError) as info:
        load_rubric(text, "r.yaml")
    return info.value.problems


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


# ---------------------------------------------------------------- shape 5: yes/no facts in deductions


def test_yes_no_facts_deduct_once_next_to_counted_problems():
    # 4 points; 未公开目录 (has_catalogue = false) −0.5; guide updated (true) −0; leak (true) −2;
    # 1 错敏字 × 0.5 = −0.5 → 4 − 0.5 − 2 − 0.5 = 1
    inputs = {**GOOD, "A1": {"has_catalogue": False, "guide_updated": True, "leak": True, "errors": 1}}
    s = score(RUBRIC, inputs, judgements={"B1": D(5)}).indicators["A1"]
    assert s.suggested == D("1")
    assert s.explanation_zh == ("未公开信息公开目录，扣0.5分；泄露个人信息：是，扣2分；错敏字1处，每处扣0.5分，扣0.5分；"
                                "共扣3分，得1分")
    assert s.explanation_en == ("has_catalogue = no: -0.5; leak = yes: -2; errors 1 × 0.5 = -0.5: 1 pt")


def test_facts_with_their_good_value_cost_nothing_and_the_optional_fact_reads_no():
    s = score(RUBRIC, GOOD, judgements={"B1": D(5)}).indicators["A1"]
    assert (s.suggested, s.explanation_zh) == (D("4"), "未发现扣分情形，得4分")  # leak left out → no


def test_fact_with_when_false_and_no_label_is_explained_with_its_value():
    inputs = {**GOOD, "A1": {"has_catalogue": True, "guide_updated": False, "errors": 9}}
    s = score(RUBRIC, inputs, judgements={"B1": D(5)}).indicators["A1"]
    # guide not updated −1; 9 × 0.5 = −4.5; 5.5 > 4 → stops at 0 (扣完为止)
    assert s.suggested == D("0")
    assert s.explanation_zh.startswith("公开指南按时更新：否，扣1分；错敏字9处")
    assert "扣完为止" in s.explanation_zh


def test_fact_deductions_keep_the_grid_of_their_amounts():
    assert bounds(RUBRIC, "A1").step == D("0.5")  # facts are 0/1: 0.5, 1, 2 and 0.5 per error


def test_rubric_table_says_the_facts_in_words():
    text = describe_rule(RUBRIC.indicator("A1"), RUBRIC)
    assert text == ("未公开信息公开目录的扣0.5分，公开指南按时更新为“否”的扣1分，泄露个人信息为“是”的扣2分，"
                    "每发现一处错敏字扣0.5分，扣完为止。")


def test_when_on_a_number_and_a_text_figure_are_refused_at_their_lines():
    bad = TEXT.replace("- {figure: errors, per: 0.5}", "- {figure: errors, per: 0.5, when: true}")
    p = next(p for p in problems(bad) if p.path == "areas[0].indicators[0].rule.items[3].when")
    assert p.line == line_of(bad, "when: true}") and "只用于是/否项" in p.message
    text_fig = TEXT.replace("          - {name: errors, label: 错敏字, type: integer, unit: 处}",
                            "          - {name: errors, label: 错敏字, type: text}")
    p = next(p for p in problems(text_fig) if p.path == "areas[0].indicators[0].rule.items[3].figure")
    assert p.line == line_of(text_fig, "- {figure: errors, per: 0.5}") and "数值或是/否项" in p.message
    wrong_type = TEXT.replace("when: false, per: 0.5", "when: 否, per: 0.5")
    p = next(p for p in problems(wrong_type) if p.path.endswith("items[0].when"))
    assert "是/否" in p.message


# ---------------------------------------------------------------- shape 2: strict or inclusive gates


def test_strict_gate_base_exactly_at_the_threshold_gets_no_bonus():
    # base = A1 4 + A2 6 + B1 6 = 16, not above 16 → bonus 1 not counted; total 16
    res = score(RUBRIC, {**GOOD, "X1": {"adopted": 1}}, judgements={"B1": D(6)})
    assert (res.base, res.bonus_raw, res.bonus, res.total, res.grade) == (D(16), D(1), D(0), D(16), "合格")
    assert "基础分16分未高于16分，加分不计入" in res.explanation_zh
    assert "bonus not counted: base 16 is not above 16" in res.explanation_en


def test_strict_gate_base_above_the_threshold_counts_the_capped_bonus():
    # base = 4 + 6 + 6.5 = 16.5 > 16 → bonus min(3, cap 2) = 2; total 18.5 → 优秀
    res = score(RUBRIC, {**GOOD, "X1": {"adopted": 3}}, judgements={"B1": D("6.5")})
    assert (res.base, res.bonus_raw, res.bonus, res.total, res.grade) == (D("16.5"), D(2), D(2), D("18.5"), "优秀")
    assert "基础分16.5分高于16分，加分2分，计2分" in res.explanation_zh
    assert "base 16.5 above 16, bonus 2 (cap 2): 2" in res.explanation_en


def test_inclusive_gate_counts_at_the_threshold_both_spellings():
    for gate in ("gate: {at_least: 16}", "min_base: 16"):
        rubric = load_rubric(TEXT.replace("gate: {above: 16}", gate), "r.yaml")
        assert rubric.bonus.min_base == 16 and not rubric.bonus.strict
        res = score(rubric, {**GOOD, "X1": {"adopted": 1}}, judgements={"B1": D(6)})
        assert (res.base, res.bonus, res.total) == (D(16), D(1), D(17))  # 达到16分 → +1
        assert "加分1分，计1分" in res.explanation_zh


def test_gate_applies_to_totals_from_stored_scores_and_the_ranking_sections():
    from assess.ranking.adapter import totals_from_sums

    t = aggregate(RUBRIC, {"A1": D(4), "A2": D(6), "B1": D(6), "X1": D(2)})
    assert (t.base, t.bonus) == (D(16), D(0))
    t2 = totals_from_sums(RUBRIC, {"A": D(10), "B": D(6)}, D(2), (), 0)
    assert (t2.base, t2.bonus, t2.total) == (D(16), D(0), D(16))
    t3 = totals_from_sums(RUBRIC, {"A": D(10), "B": D("6.5")}, D(2), (), 0)
    assert (t3.bonus, t3.total) == (D(2), D("18.5"))


def test_strict_gate_round_trips_and_the_table_says_above():
    assert load_rubric(dump_rubric(RUBRIC)) == RUBRIC
    assert "gate:" in dump_rubric(RUBRIC) and "min_base" not in dump_rubric(RUBRIC)
    table = rubric_table(RUBRIC)
    assert table.bonus_gate_strict and table.bonus_min_base == 16


def test_gate_misuse_reported_at_its_line():
    both = TEXT.replace("  gate: {above: 16}", "  min_base: 10\n  gate: {above: 16}")
    p = next(p for p in problems(both) if p.path == "bonus.gate")
    assert p.line == line_of(both, "gate: {above") and "只能写一个" in p.message
    two = TEXT.replace("gate: {above: 16}", "gate: {above: 16, at_least: 16}")
    [p] = [p for p in problems(two) if p.path == "bonus.gate"]
    assert p.line == line_of(two, "gate:") and "above（高于，不含）或 at_least（达到，含）" in p.message
    empty = TEXT.replace("gate: {above: 16}", "gate: {}")
    assert any(p.path == "bonus.gate" and "只写一项" in p.message for p in problems(empty))
    typo = TEXT.replace("gate: {above: 16}", "gate: {over: 16}")
    assert any(p.path == "bonus.gate.over" and "可用字段：above, at_least" in p.message for p in problems(typo))
    never = TEXT.replace("gate: {above: 16}", "gate: {above: 20}")
    p = next(p for p in problems(never) if p.path == "bonus.gate.above")
    assert p.line == line_of(never, "gate:") and "不可能高于20分" in p.message
    assert load_rubric(TEXT.replace("gate: {above: 16}", "gate: {at_least: 20}"), "r.yaml").bonus.min_base == 20


def test_cli_checks_and_scores_the_fixture(tmp_path):
    import json

    res = CliRunner().invoke(rubric_cli, ["check", str(PATH)])
    assert res.exit_code == 0 and "2 个领域, 3 项指标, 共 20 分" in res.output
    inputs = tmp_path / "in.json"
    inputs.write_text(json.dumps({"inputs": {**GOOD, "X1": {"adopted": 1}}, "judgements": {"B1": 6}}), encoding="utf-8")
    res = CliRunner().invoke(rubric_cli, ["score", str(PATH), str(inputs)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["total"] == "16.00"


# ---------------------------------------------------------------- shape 4: thresholds on figures

TH_PATH = PATH.with_name("thresholds.yaml")
TH_TEXT = TH_PATH.read_text(encoding="utf-8")
TH = load_rubric(TH_TEXT, "thresholds.yaml")


def th_score(stale=0, chars=0, rate="0", veto_rate=None, empty=None, leaked=None):
    vetoes = {"V1": {} if veto_rate is None else {"unreachable": veto_rate},
              "V2": {} if empty is None else {"empty_columns": empty},
              "V3": {} if leaked is None else {"leaked": leaked}}
    return score(TH, {"A1": {"stale_columns": stale, "wrong_chars": chars}, "A2": {"unreachable": rate}, **vetoes})


@pytest.mark.parametrize("stale, expected", [(0, "5"), (1, "4"), (2, "4"), (3, "3"), (4, "3"), (5, "2"), (40, "2")])
def test_deduction_tiers_at_least_take_the_highest_threshold_reached(stale, expected):
    # 5 points; 1–2 stale columns −1, 3–4 −2, 5 and more −3 (the thresholds are inclusive: 达到)
    assert th_score(stale=stale).indicators["A1"].suggested == D(expected)


@pytest.mark.parametrize("rate, expected", [("0", "5"), ("1", "5"), ("1.01", "3"), ("3", "3"), ("3.5", "1")])
def test_deduction_tiers_above_are_strict(rate, expected):
    # 5 points; unreachable above 1 % −2, above 3 % −4: 1 % and 3 % sit on the lower side
    assert th_score(rate=rate).indicators["A2"].suggested == D(expected)


def test_tiered_and_counted_items_add_up_and_explain():
    # stale 3 → 达到3个 −2; 错敏字 1 × 0.5 = −0.5 → 5 − 2.5 = 2.5
    s = th_score(stale=3, chars=1).indicators["A1"]
    assert s.suggested == D("2.5")
    assert s.explanation_zh == "不更新栏目3个，达到3个，扣2分；错敏字1处，每处扣0.5分，扣0.5分；共扣2.5分，得2.5分"
    assert s.explanation_en == "stale_columns 3 ≥ 3: -2; wrong_chars 1 × 0.5 = -0.5: 2.5 pt"
    a2 = th_score(rate="3.5").indicators["A2"]
    assert a2.explanation_zh == "不可访问率3.5%，高于3%，扣4分；共扣4分，得1分"


def test_tiered_deductions_keep_the_grid_of_their_amounts_even_over_a_rate():
    assert bounds(TH, "A2").step == D("1")  # 5, 2, 4 → 1: a tier deducts its amount, not rate × per
    assert bounds(TH, "A1").step == D("0.5")


def test_veto_at_least_and_above_thresholds():
    assert th_score(veto_rate="4.99").veto == ()
    res = th_score(veto_rate="5")  # 达到5% → veto
    assert res.veto == ("V1",) and res.grade == "不合格"
    assert res.indicators["V1"].explanation_zh == "全年不可访问率5%，达到5%，触发一票否决"
    assert res.indicators["V1"].explanation_en == "veto triggered (unreachable): 全年不可访问率: 5 % ≥ 5"
    assert th_score(empty=5).veto == ()  # above 5: 5 blank columns do not trigger
    assert th_score(empty=6).veto == ("V2",)
    assert th_score(empty=5).indicators["V2"].explanation_zh == "空白栏目5个，未高于5个，未触发"
    assert th_score(leaked=True).veto == ("V3",)  # a yes/no veto as before


def test_thresholds_round_trip_and_read_in_the_table():
    assert load_rubric(dump_rubric(TH)) == TH
    assert describe_rule(TH.indicator("A1"), TH) == (
        "不更新栏目达到1个（含）扣1分，达到3个（含）扣2分，达到5个（含）扣3分，每发现一处错敏字扣0.5分，扣完为止。")
    assert describe_rule(TH.indicator("A2"), TH) == "不可访问率高于1%扣2分，高于3%扣4分，扣完为止。"
    assert describe_rule(TH.indicator("V1"), TH) == "全年不可访问率达到5%（含）的，一票否决，等次为不合格。"
    assert describe_rule(TH.indicator("V2"), TH) == "空白栏目高于5个的，一票否决，等次为不合格。"


def test_threshold_misuse_reported_at_its_line():
    both = TH_TEXT.replace("- {figure: wrong_chars, per: 0.5}", "- {figure: wrong_chars, per: 0.5, tiers: [{at_least: 1, deduct: 1}]}")
    p = next(p for p in problems(both) if p.path == "areas[0].indicators[0].rule.items[1]")
    assert p.line == line_of(both, "figure: wrong_chars") and "per（每处扣分）或 tiers" in p.message
    neither = TH_TEXT.replace("- {figure: wrong_chars, per: 0.5}", "- {figure: wrong_chars}")
    assert any(p.path == "areas[0].indicators[0].rule.items[1]" for p in problems(neither))
    falling = TH_TEXT.replace("- {at_least: 3, deduct: 2}", "- {at_least: 3, deduct: 1}")
    p = next(p for p in problems(falling) if p.path == "areas[0].indicators[0].rule.items[0].tiers[1].deduct")
    assert p.line == line_of(falling, "{at_least: 3, deduct: 1}") and "逐档增加" in p.message
    unordered = TH_TEXT.replace("- {at_least: 5, deduct: 3}", "- {at_least: 2, deduct: 3}")
    p = next(p for p in problems(unordered) if p.path == "areas[0].indicators[0].rule.items[0].tiers[2].at_least")
    assert p.line == line_of(unordered, "{at_least: 2, deduct: 3}") and "逐档升高" in p.message
    two = TH_TEXT.replace("- {above: 1, deduct: 2}", "- {above: 1, at_least: 1, deduct: 2}")
    p = next(p for p in problems(two) if p.path == "areas[0].indicators[1].rule.items[0].tiers[0]")
    assert "只写一个门槛" in p.message
    big = TH_TEXT.replace("- {above: 3, deduct: 4}", "- {above: 3, deduct: 6}")
    p = next(p for p in problems(big) if p.path == "areas[0].indicators[1].rule.items[0].tiers[1].deduct")
    assert "超过指标分值5分" in p.message
    bool_veto = TH_TEXT.replace("rule: {kind: veto, figure: leaked}", "rule: {kind: veto, figure: leaked, at_least: 1}")
    p = next(p for p in problems(bool_veto) if p.path == "veto.indicators[2].rule.at_least")
    assert p.line == line_of(bool_veto, "figure: leaked, at_least") and "门槛只用于数值" in p.message
    typo = TH_TEXT.replace("- {at_least: 1, deduct: 1}", "- {at_least: 1, minus: 1}")
    msgs = {p.path: p.message for p in problems(typo)}
    assert "未知字段“minus”" in msgs["areas[0].indicators[0].rule.items[0].tiers[0].minus"]


# ---------------------------------------------------------------- shape 2 for grade bands (高于90分为优秀)

STRICT_GRADES = TEXT.replace("""  - {label: 优秀, min: 18}
  - {label: 合格, min: 12}
  - {label: 不合格, min: 0}""", """  - {label: 优秀, above: 18}
  - {label: 合格, min: 12}
  - {label: 不合格, min: 0}""")


def test_strict_grade_band_excludes_its_line():
    from assess.scoring import grade_for

    rubric = load_rubric(STRICT_GRADES, "r.yaml")
    # 优秀 when the total is above 18 (18 itself → 合格); 合格 from 12 inclusive
    assert [grade_for(rubric, D(x)) for x in ("18.5", "18", "12", "11.99")] == ["优秀", "合格", "合格", "不合格"]
    assert [grade_for(RUBRIC, D(x)) for x in ("18", "12")] == ["优秀", "合格"]  # min: inclusive, as before
    # base 4 + 6 + 8 = 18 > 16 → bonus min(2, cap 2) = 2 → total 20 > 18 → 优秀
    res = score(rubric, {**GOOD, "X1": {"adopted": 2}}, judgements={"B1": D(8)})
    assert (res.total, res.grade) == (D(20), "优秀")
    # base 4 + 6 + 6 = 16, not above the bonus gate 16 → total 16 → 合格
    assert score(rubric, {**GOOD, "X1": {"adopted": 2}}, judgements={"B1": D(6)}).grade == "合格"
    assert load_rubric(dump_rubric(rubric)) == rubric
    table = rubric_table(rubric)
    assert table.grades[:3] == ["优秀：高于18分", "合格：12分及以上", "不合格：低于12分"]


def test_strict_grade_band_last_line_reads_at_most():
    text = TEXT.replace("  - {label: 合格, min: 12}\n", "  - {label: 合格, above: 12}\n")
    assert rubric_table(load_rubric(text, "r.yaml")).grades[2] == "不合格：12分及以下"


def test_grade_band_misuse_at_its_line():
    both = STRICT_GRADES.replace("{label: 合格, min: 12}", "{label: 合格, min: 12, above: 12}")
    p = next(p for p in problems(both) if p.path == "grades[1]")
    assert p.line == line_of(both, "label: 合格") and "min（达到，含）或 above（高于，不含）" in p.message
    neither = STRICT_GRADES.replace("{label: 合格, min: 12}", "{label: 合格}")
    assert any(p.path == "grades[1]" for p in problems(neither))
    order = STRICT_GRADES.replace("{label: 合格, min: 12}", "{label: 合格, above: 18}")
    p = next(p for p in problems(order) if p.path == "grades[1].above")
    assert "从高到低" in p.message
    last = STRICT_GRADES.replace("{label: 不合格, min: 0}", "{label: 不合格, above: 0}")
    p = next(p for p in problems(last) if p.path == "grades[2].above")
    assert "最低等次的分数线应为0（min: 0）" in p.message
    top = STRICT_GRADES.replace("above: 18", "above: 20")
    assert any(p.path == "grades[0].above" and "高于总分" in p.message for p in problems(top))
    # 优秀 above 18, then 良好 at 18 inclusive: 18 itself is 良好 — allowed
    same = STRICT_GRADES.replace("{label: 合格, min: 12}", "{label: 良好, min: 18}\n  - {label: 合格, min: 12}")
    from assess.scoring import grade_for
    assert grade_for(load_rubric(same, "r.yaml"), D(18)) == "良好"


# ---------------------------------------------------------------- shape 2 in tiers (高于95%得满分; 1至2个)

TIERED = """
format: assess-rubric/1
code: tiered
name: 分档门槛
office: 测试公开办
year: 2026
version: 1
total: 10
grades:
  - {label: 合格, min: 6}
  - {label: 不合格, min: 0}
areas:
  - code: A
    title: 测试
    indicators:
      - code: A1
        title: 接通率
        points: 5
        inputs:
          - {name: rate, label: 接通率, type: rate, unit: "%"}
        rule:
          kind: tiers
          figure: rate
          tiers:
            - {above: 95, points: 5}
            - {above: 80, to: 95, points: 3}
            - {from: 0, to: 80, points: 0}
      - code: A2
        title: 不更新栏目
        points: 5
        inputs:
          - {name: stale, label: 不更新栏目, type: integer, unit: 个}
        rule:
          kind: tiers
          figure: stale
          tiers:
            - {from: 0, to: 0, points: 5}
            - {from: 1, to: 2, points: 3}
            - {above: 2, points: 0}
"""
TIERS_R = load_rubric(TIERED, "tiered.yaml")


@pytest.mark.parametrize("rate, expected", [("100", "5"), ("95.01", "5"), ("95", "3"), ("80.5", "3"), ("80", "0"), ("0", "0")])
def test_tiers_above_and_to_put_the_line_on_the_right_side(rate, expected):
    # 高于95%得5分; 80%（不含）至95%（含）得3分; 80%及以下不得分
    res = score(TIERS_R, {"A1": {"rate": rate}, "A2": {"stale": 0}})
    assert res.indicators["A1"].suggested == D(expected)


@pytest.mark.parametrize("stale, expected", [(0, "5"), (1, "3"), (2, "3"), (3, "0"), (9, "0")])
def test_whole_number_tiers_with_to_leave_no_gap(stale, expected):
    # 0个得5分; 1至2个得3分; 高于2个不得分 (to: 0 then from: 1 is no gap for a count)
    assert score(TIERS_R, {"A1": {"rate": "0"}, "A2": {"stale": stale}}).indicators["A2"].suggested == D(expected)


def test_strict_tiers_explained_and_in_the_table():
    res = score(TIERS_R, {"A1": {"rate": "95"}, "A2": {"stale": 2}})
    assert res.indicators["A1"].explanation_zh == "接通率95%，80%<x≤95%档，得3分"
    assert res.indicators["A1"].explanation_en == "接通率: 95 %, tier (80, 95]: 3 pt"
    assert res.indicators["A2"].explanation_zh == "不更新栏目2个，1–2个档，得3分"
    assert describe_rule(TIERS_R.indicator("A1"), TIERS_R) == (
        "按接通率分档：高于95%得5分；高于80%至95%（含）得3分；0%（含）至80%（含）不得分。")
    assert describe_rule(TIERS_R.indicator("A2"), TIERS_R) == "按不更新栏目分档：3个及以上不得分；1至2个得3分；0个得5分。"
    assert load_rubric(dump_rubric(TIERS_R)) == TIERS_R


def test_strict_tier_misuse_at_its_line():
    both = TIERED.replace("{above: 95, points: 5}", "{above: 95, from: 95, points: 5}")
    p = next(p for p in problems(both) if p.path == "areas[0].indicators[0].rule.tiers[0]")
    assert p.line == line_of(both, "{above: 95, from: 95") and "from（含）或 above（不含）" in p.message
    two_upper = TIERED.replace("{above: 80, to: 95, points: 3}", "{above: 80, to: 95, below: 95, points: 3}")
    assert any(p.path == "areas[0].indicators[0].rule.tiers[1]" and "below（不含）或 to（含）" in p.message
               for p in problems(two_upper))
    point_gap = TIERED.replace("{above: 80, to: 95, points: 3}", "{above: 80, below: 95, points: 3}")
    p = next(p for p in problems(point_gap) if p.path == "areas[0].indicators[0].rule.tiers[0]")
    assert "95本身不在任何档位" in p.message  # below 95 and above 95: 95 itself is in no tier
    point_overlap = TIERED.replace("{above: 95, points: 5}", "{from: 95, points: 5}")
    p = next(p for p in problems(point_overlap) if p.path == "areas[0].indicators[0].rule.tiers[0]")
    assert "重叠" in p.message  # to 95 and from 95: 95 is in both
    not_covered = TIERED.replace("{from: 0, to: 80, points: 0}", "{above: 0, to: 80, points: 0}")
    p = next(p for p in problems(not_covered) if p.path == "areas[0].indicators[0].rule.tiers[2].above")
    assert "0本身不在任何档位" in p.message
    count_gap = TIERED.replace("{from: 1, to: 2, points: 3}", "{from: 2, to: 2, points: 3}")
    p = next(p for p in problems(count_gap) if p.path == "areas[0].indicators[1].rule.tiers[1]")
    assert "空缺" in p.message  # 0, then 2: 1 is in no tier
