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
