"""Errors in a rubric name the item at fault: which indicators do not add up, both lines of a duplicate,
the nearest known rule kind for a misspelt one (always as FILE:LINE: path: message)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from assess.rubrics.cli import rubric_cli
from assess.scoring import RubricError, load_rubric

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rubrics"
MINIMAL = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")


def problems(text: str) -> list:
    with pytest.raises(RubricError) as info:
        load_rubric(text, "r.yaml")
    return info.value.problems


def at(text: str, path: str):
    return next(p for p in problems(text) if p.path == path)


def test_area_points_mismatch_names_its_indicators_and_their_points():
    text = MINIMAL.replace("    title: 主动公开\n", "    title: 主动公开\n    points: 12\n")
    p = at(text, "areas[0].points")
    assert p.line == 15
    assert "A1 信息数量 6分" in p.message and "A2 领导小组 4分" in p.message
    assert "合计10分" in p.message and "12分" in p.message
    assert "A1" in p.message_en and "A2" in p.message_en


def test_total_mismatch_names_the_areas_and_indicators_summed():
    text = MINIMAL.replace("total: 10", "total: 12")
    p = at(text, "total")
    assert p.line == 7
    assert "A 主动公开10分（A1 信息数量 6分、A2 领导小组 4分）" in p.message
    assert "与总分12分不符" in p.message


def test_duplicate_codes_give_both_lines():
    text = MINIMAL.replace("      - code: A2\n", "      - code: A1\n")
    p = at(text, "areas[0].indicators[1].code")
    assert p.line == 28
    assert "第16行" in p.message and "line 16" in p.message_en


def test_duplicate_area_and_indicator_code_give_both_lines():
    text = MINIMAL.replace("      - code: A2\n", "      - code: A\n")
    p = at(text, "areas[0].indicators[1].code")
    assert "第13行" in p.message


def test_duplicate_input_and_grade_and_key_give_both_lines():
    text = MINIMAL.replace("  - {label: 合格, min: 6}", "  - {label: 优秀, min: 6}").replace(
        "        title: 领导小组\n", "        title: 领导小组\n        title: 又一个\n")
    grade = at(text, "grades[1].label")
    assert grade.line == 10 and "第9行" in grade.message
    key = at(text, "areas[0].indicators[1].title")
    assert key.line == 30 and "第29行" in key.message
    dup_input = MINIMAL.replace(
        "          - {name: has_group, label: 领导小组, type: boolean}\n",
        "          - {name: has_group, label: 领导小组, type: boolean}\n"
        "          - {name: has_group, label: 领导小组2, type: boolean}\n")
    p = at(dup_input, "areas[0].indicators[1].inputs[1].name")
    assert p.line == 33 and "第32行" in p.message


def test_unknown_rule_kind_suggests_the_nearest_known_one():
    text = MINIMAL.replace("rule: {kind: boolean, figure: has_group}", "rule: {kind: boolen, figure: has_group}")
    p = at(text, "areas[0].indicators[1].rule.kind")
    assert p.line == 33
    assert "未知规则类型“boolen”" in p.message and "“boolean”" in p.message
    assert "did you mean 'boolean'" in p.message_en
    far = text.replace("kind: boolen", "kind: zzzzzz")
    p = at(far, "areas[0].indicators[1].rule.kind")
    assert "是否应为" not in p.message and "可用" in p.message


def test_cli_prints_file_line_for_these_messages(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(MINIMAL.replace("kind: tiers", "kind: tier").replace("      - code: A2\n", "      - code: A1\n"),
                    encoding="utf-8")
    res = CliRunner().invoke(rubric_cli, ["check", str(path)])
    assert res.exit_code == 1
    lines = res.output.splitlines()
    assert any(line.startswith(f"{path}:22: areas[0].indicators[0].rule.kind: ") and "“tiers”" in line for line in lines)
    assert any(line.startswith(f"{path}:28: areas[0].indicators[1].code: ") and "第16行" in line for line in lines)
