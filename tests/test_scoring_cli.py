"""``rubric check`` and ``rubric score`` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from assess.rubrics.cli import rubric_cli

ROOT = Path(__file__).resolve().parents[1]
COUNTY = str(ROOT / "scoring_rules" / "county-annual-2026.yaml")
GUANGDONG = str(ROOT / "scoring_rules" / "guangdong-social-insurance-2014.yaml")
FIXTURES = ROOT / "tests" / "fixtures" / "rubrics"


def run(*args):
    return CliRunner().invoke(rubric_cli, list(args))


def test_check_valid_files():
    res = run("check", COUNTY, GUANGDONG)
    assert res.exit_code == 0, res.output
    assert res.output.splitlines() == [
        f"{COUNTY}: 5 个领域, 30 项指标, 共 100 分",
        f"{GUANGDONG}: 5 个领域, 27 项指标, 共 100 分",
    ]


def test_check_lists_every_error_with_file_line_and_path():
    broken = str(FIXTURES / "tiers-broken.yaml")
    res = run("check", COUNTY, broken)
    assert res.exit_code == 1
    lines = res.output.splitlines()
    assert lines[0].startswith(COUNTY + ": 5 个领域")
    errors = [line for line in lines if line.startswith(broken)]
    assert len(errors) == 5
    assert errors[0].startswith(f"{broken}:24: areas[0].indicators[0].rule.tiers[0]: ")


def test_check_syntax_error_and_missing_file(tmp_path):
    res = run("check", str(FIXTURES / "syntax-error.yaml"), str(tmp_path / "nope.yaml"))
    assert res.exit_code == 1
    assert f"{FIXTURES / 'syntax-error.yaml'}:7: YAML 语法错误" in res.output
    assert "无法读取文件" in res.output


def test_score_outputs_json_with_explanations(tmp_path):
    res = run("score", COUNTY, str(FIXTURES / "county-inputs.json"))
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["total"] == "83.90" and data["grade"] == "良好" and data["veto"] == []
    assert data["areas"]["C"] == "32.90" and data["bonus"] == "1.50"
    c1 = next(i for i in data["indicators"] if i["code"] == "C1")
    assert c1["explanation_zh"] == "公开信息246条，≥200条档，得6分"
    assert c1["bounds"] == {"min": "0", "max": "6", "step": "2"}


def test_score_accepts_a_bare_object_of_codes(tmp_path):
    sample = json.loads((FIXTURES / "county-inputs.json").read_text(encoding="utf-8"))
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(sample["inputs"]), encoding="utf-8")
    res = run("score", COUNTY, str(bare))
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["indicators"][0]["code"] == "A1"


def test_score_errors_are_listed_with_paths_not_zeroed(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"inputs": {"A1": {"has_group": "maybe"}, "ZZ": {}}, "late_days": 0}), encoding="utf-8")
    res = run("score", COUNTY, str(bad))
    assert res.exit_code == 1
    assert f"{bad}: ZZ: 未知指标代码“ZZ”" in res.output
    assert f"{bad}: A1.has_group: " in res.output
    assert f"{bad}: E1.received: 缺少必填项" in res.output


def test_score_rejects_bad_json_and_unknown_keys(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"inputs": {', encoding="utf-8")
    res = run("score", COUNTY, str(broken))
    assert res.exit_code == 1 and "JSON 格式错误" in res.output
    extra = tmp_path / "extra.json"
    extra.write_text('{"inputs": {}, "late": 3}', encoding="utf-8")
    res = run("score", COUNTY, str(extra))
    assert res.exit_code == 1 and "late: 未知字段" in res.output


def test_score_with_broken_rubric_fails_with_its_problems():
    res = run("score", str(FIXTURES / "points-mismatch.yaml"), str(FIXTURES / "county-inputs.json"))
    assert res.exit_code == 1
    assert "points-mismatch.yaml:7: total:" in res.output


def test_schema_command_prints_the_shipped_schema():
    res = run("schema")
    assert res.exit_code == 0
    assert res.output == (ROOT / "scoring_rules" / "rubric.schema.json").read_text(encoding="utf-8")
