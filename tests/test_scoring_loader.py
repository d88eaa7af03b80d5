"""Rubric loading: shipped rubrics, round trip, and every broken fixture with its exact lines."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from assess.scoring import RULES, RubricError, dump_rubric, load_rubric, load_rubric_file
from assess.scoring.schema import RULE, dumps

ROOT = Path(__file__).resolve().parents[1]
RULES_DIR = ROOT / "scoring_rules"
FIXTURES = ROOT / "tests" / "fixtures" / "rubrics"
SHIPPED = sorted(RULES_DIR.glob("*.yaml"))


def problems_of(name: str) -> set[tuple[int | None, str]]:
    with pytest.raises(RubricError) as info:
        load_rubric_file(str(FIXTURES / name))
    for p in info.value.problems:
        assert p.file.endswith(name)
        assert p.message and p.message_en
    return {(p.line, p.path) for p in info.value.problems}


def messages_of(name: str) -> str:
    with pytest.raises(RubricError) as info:
        load_rubric_file(str(FIXTURES / name))
    return "\n".join(p.message for p in info.value.problems)


def test_two_rubrics_are_shipped():
    assert {p.name for p in SHIPPED} >= {"county-annual-2026.yaml", "guangdong-social-insurance-2014.yaml"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_rubric_loads_and_round_trips(path):
    rubric = load_rubric_file(str(path))
    assert rubric.total == sum((a.points for a in rubric.areas), Decimal(0))
    assert load_rubric(dump_rubric(rubric)) == rubric
    for ind in rubric.all_indicators():
        assert isinstance(ind.points, Decimal)


def test_county_rubric_shape():
    rubric = load_rubric_file(str(RULES_DIR / "county-annual-2026.yaml"))
    assert [a.title for a in rubric.areas] == ["组织领导", "制度机制", "主动公开", "政策解读", "依申请公开与回应关切"]
    assert 20 <= rubric.indicator_count <= 30
    assert rubric.bonus is not None and rubric.bonus.cap == 5
    assert rubric.vetoes
    assert {i.rule.kind for i in rubric.all_indicators()} == set(RULES)
    assert any(spec.phrases for ind in rubric.all_indicators() for spec in ind.inputs)
    assert [g.label for g in rubric.grades] == ["优秀", "良好", "合格", "不合格"]
    assert rubric.grades[0].max_share == 20
    assert rubric.tie_break == ("C", "E")


def test_guangdong_rubric_targets():
    rubric = load_rubric_file(str(RULES_DIR / "guangdong-social-insurance-2014.yaml"))
    e1 = rubric.indicator("E1").rule
    assert (e1.kind, e1.target, e1.zero_below) == ("ratio", 60, 50)
    assert rubric.indicator("E3").rule.target == 80


def test_schema_file_matches_code():
    assert (RULES_DIR / "rubric.schema.json").read_text(encoding="utf-8") == dumps()


def test_schema_lists_every_registered_kind():
    assert set(RULE["properties"]["kind"]["enum"]) == set(RULES)
    assert {c["if"]["properties"]["kind"]["const"] for c in RULE["allOf"]} == set(RULES)


def test_shipped_rubrics_validate_against_json_schema_file():
    import yaml
    from jsonschema import Draft202012Validator

    schema = json.loads((RULES_DIR / "rubric.schema.json").read_text(encoding="utf-8"))
    for path in SHIPPED:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert list(Draft202012Validator(schema).iter_errors(data)) == []


def test_numbers_are_decimal_not_float():
    rubric = load_rubric_file(str(FIXTURES / "minimal.yaml"))
    tier = rubric.indicator("A1").rule.tiers[1]
    assert tier.points == Decimal("3") and isinstance(tier.points, Decimal)
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8").replace("points: 3}", "points: 0.1}")
    rubric = load_rubric(text)
    assert rubric.indicator("A1").rule.tiers[1].points == Decimal("0.1")


def test_syntax_error_has_line():
    assert problems_of("syntax-error.yaml") == {(7, "")}
    assert "第6行" in messages_of("syntax-error.yaml")


def test_schema_errors_each_with_line_and_path():
    assert problems_of("schema-errors.yaml") == {
        (5, "year"),
        (8, "colour"),
        (18, "areas[0].indicators[0].rule.kind"),
        (19, "areas[0].indicators[1]"),
        (22, "areas[0].indicators[1].inputs[0].name"),
        (23, "areas[0].indicators[1].rule.bonus"),
    }
    text = messages_of("schema-errors.yaml")
    assert "未知规则类型“stars”" in text
    assert "缺少必填字段“title”" in text
    assert "未知字段“colour”" in text


def test_points_not_adding_up_bonus_excluded():
    assert problems_of("points-mismatch.yaml") == {(7, "total"), (14, "areas[0].points")}
    assert "合计5分，与总分100分不符" in messages_of("points-mismatch.yaml")


def test_tiers_overlap_gap_and_coverage():
    assert problems_of("tiers-broken.yaml") == {
        (24, "areas[0].indicators[0].rule.tiers[0]"),  # overlaps 100–209
        (25, "areas[0].indicators[0].rule.tiers[1]"),  # gap 50–100
        (26, "areas[0].indicators[0].rule.tiers[2].from"),  # 0–10 uncovered
        (36, "areas[0].indicators[1].rule.tiers[0].below"),  # top tier closed
        (37, "areas[0].indicators[1].rule.tiers[1].points"),  # above the indicator's points
    }
    text = messages_of("tiers-broken.yaml")
    assert "重叠" in text and "空缺" in text


def test_computed_figures_unknown_self_and_cycles():
    assert problems_of("computed-broken.yaml") == {
        (22, "areas[0].indicators[0].computed[0].of[0]"),
        (23, "areas[0].indicators[0].computed[1].of"),
        (24, "areas[0].indicators[0].computed[2].of"),
        (25, "areas[0].indicators[0].computed[3].of[0]"),
        (25, "areas[0].indicators[0].computed[3].of[1]"),
        (26, "areas[0].indicators[0].rule.figure"),
    }
    text = messages_of("computed-broken.yaml")
    assert "循环引用" in text and "引用了自身" in text


def test_duplicates():
    assert problems_of("duplicates.yaml") == {
        (11, "tie_break[1]"),
        (21, "areas[0].indicators[0].inputs[1].name"),
        (23, "areas[0].indicators[1].code"),
        (26, "areas[0].indicators[1].title"),
    }


def test_grade_bands():
    assert problems_of("grades-broken.yaml") == {
        (10, "grades[1].min"), (12, "grades[3].label"), (12, "grades[3].min"), (13, "veto_grade"),
    }


def test_bounds_and_steps():
    assert problems_of("bounds-broken.yaml") == {
        (11, "late_submission"),
        (19, "areas[0].indicators[0].rule.default"),
        (19, "areas[0].indicators[0].rule.step"),
        (25, "areas[0].indicators[1].rule.max"),
        (35, "areas[0].indicators[2].rule.items"),
        (36, "areas[0].indicators[2].rule.items[1].figure"),
        (41, "areas[0].indicators[3].inputs[0].min"),
        (42, "areas[0].indicators[3].rule.min"),
    }


def test_problems_are_sorted_and_printable():
    with pytest.raises(RubricError) as info:
        load_rubric_file(str(FIXTURES / "bounds-broken.yaml"))
    lines = [p.line for p in info.value.problems]
    assert lines == sorted(lines)
    assert str(info.value.problems[0]).startswith(str(FIXTURES / "bounds-broken.yaml") + ":11: ")


def test_empty_and_non_mapping_files():
    with pytest.raises(RubricError) as info:
        load_rubric("", "empty.yaml")
    assert info.value.problems[0].message == "文件为空"
    with pytest.raises(RubricError) as info:
        load_rubric("- 1\n- 2\n", "list.yaml")
    assert info.value.problems[0].line == 1


def test_invalid_float_is_reported():
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8").replace("total: 10", "total: .inf")
    with pytest.raises(RubricError) as info:
        load_rubric(text)
    assert (7, "total") in {(p.line, p.path) for p in info.value.problems}


def test_veto_kind_only_in_veto_section():
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8").replace(
        "rule: {kind: boolean, figure: has_group}", "rule: {kind: veto, figure: has_group}")
    with pytest.raises(RubricError) as info:
        load_rubric(text)
    assert ("areas[0].indicators[1].rule.kind") in {p.path for p in info.value.problems}


def test_malformed_title_does_not_hide_rule_problems():
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8").replace(
        "        title: 领导小组\n", "").replace("rule: {kind: boolean, figure: has_group}",
                                           "rule: {kind: boolean, figure: has_groups}")
    with pytest.raises(RubricError) as info:
        load_rubric(text, "m.yaml")
    assert {(p.line, p.path) for p in info.value.problems} == {
        (28, "areas[0].indicators[1]"), (32, "areas[0].indicators[1].rule.figure")}


def test_impossible_dates_and_odd_scalars_are_problems_not_crashes():
    from assess.scoring import RubricError, load_rubric

    for text in ("code: x\nname: 2026-00-00\n", "code: x\nyear: 0000-00-00\n", "code: !!binary 'zz'\n"):
        try:
            load_rubric(text, "odd.yaml")
        except RubricError as exc:
            assert exc.problems and all(p.line for p in exc.problems)
        else:
            raise AssertionError("an odd rubric must be refused")
