"""The rubric YAML guard (assess.scoring.yamlnodes): anchors and aliases, deep nesting and overlong text are
refused before anything is built, with the line, by every way in (engine loader, editor field, CLI).

The "billion laughs" file below is 1 KB; expanded it would be 10⁹ strings. It must be refused at its first
anchor: the test counts the nodes the composer builds instead of timing anything.
"""
from __future__ import annotations

import pytest
import yaml

from assess.rubrics.cli import rubric_cli
from assess.scoring import RubricError, load_rubric, yamlnodes


def billion_laughs() -> str:
    lines = ["name: 考核细则", 'a0: &a0 ["哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈"]']
    for n in range(1, 10):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]")
    lines.append("areas: *a9")
    return "\n".join(lines) + "\n"


def deeply_nested(levels: int = 3000) -> str:
    return "name: x\nareas: " + "[" * levels + "]" * levels + "\n"


def deeply_nested_block(levels: int = 200) -> str:
    return "name: x\n" + "".join(f"{'  ' * n}k{n}:\n" for n in range(levels)) + f"{'  ' * levels}v\n"


@pytest.fixture()
def composed(monkeypatch):
    """Counts the nodes the composer builds (mappings, sequences, scalars)."""
    count = {"n": 0}
    for name in ("compose_scalar_node", "compose_sequence_node", "compose_mapping_node"):
        original = getattr(yaml.composer.Composer, name)

        def counting(self, anchor, _original=original):
            count["n"] += 1
            return _original(self, anchor)

        monkeypatch.setattr(yaml.composer.Composer, name, counting)
    built = yamlnodes._build

    def counting_build(*args, **kwargs):
        count["built"] += 1
        return built(*args, **kwargs)

    count["built"] = 0
    monkeypatch.setattr(yamlnodes, "_build", counting_build)
    return count


def test_billion_laughs_is_refused_at_the_first_anchor(composed):
    text = billion_laughs()
    assert len(text.encode()) < 1100
    with pytest.raises(RubricError) as info:
        load_rubric(text, "laughs.yaml")
    (problem,) = info.value.problems
    assert problem.line == 2 and "锚点" in problem.message and "anchors" in problem.message_en
    assert composed["n"] <= 4  # the root mapping, "name", "考核细则", the key "a0": then the anchor stops it
    assert composed["built"] == 0  # no data built at all


def test_an_alias_alone_is_refused_with_its_line():
    with pytest.raises(yamlnodes.Refused) as info:
        yamlnodes.parse("name: x\nareas:\n- *nothing\n")
    assert info.value.line == 3


@pytest.mark.parametrize("text", [deeply_nested(), deeply_nested_block()], ids=["flow-3000", "block-200"])
def test_deep_nesting_is_refused_with_a_message_not_a_recursion_error(text):
    with pytest.raises(RubricError) as info:
        load_rubric(text, "deep.yaml")
    (problem,) = info.value.problems
    assert f"嵌套超过{yamlnodes.MAX_DEPTH}层" in problem.message and problem.line is not None


def test_nesting_up_to_the_limit_is_read():
    depth = yamlnodes.MAX_DEPTH - 1
    assert yamlnodes.load("[" * depth + "]" * depth) is not None


def test_overlong_text_is_refused_before_parsing():
    with pytest.raises(RubricError) as info:
        load_rubric("# " + "x" * yamlnodes.MAX_CHARS, "long.yaml")
    assert "文件过长" in info.value.problems[0].message


def test_editor_field_refuses_aliases_at_the_field():
    from assess.rubrics.editor import _yaml_field

    errors: dict[str, list[str]] = {}
    assert _yaml_field("- &x {from: 0, points: 1}\n- *x\n", "grades", errors, list) is None
    assert errors["grades"] and "第1行" in errors["grades"][0] and "锚点" in errors["grades"][0]


def test_cli_check_refuses_with_file_and_line(tmp_path):
    from click.testing import CliRunner

    path = tmp_path / "laughs.yaml"
    path.write_text(billion_laughs(), encoding="utf-8")
    res = CliRunner().invoke(rubric_cli, ["check", str(path)])
    assert res.exit_code == 1
    assert f"{path}:2: 不支持 YAML 锚点与别名" in res.output


def test_extraction_fallback_does_not_expand_aliases(composed):
    from assess.extraction.rubric_adapter import load_specs

    with pytest.raises(yaml.YAMLError):
        load_specs(billion_laughs(), "laughs.yaml")
    assert composed["n"] <= 8 and composed["built"] == 0  # two readings (engine, fallback), each stopped


def test_extraction_cli_refuses_with_file_and_line(tmp_path):
    from click.testing import CliRunner

    from assess.extraction.cli import import_cli

    rubric, summary = tmp_path / "laughs.yaml", tmp_path / "总结.txt"
    rubric.write_text(billion_laughs(), encoding="utf-8")
    summary.write_text("2026年，我单位主动公开政府信息246条。", encoding="utf-8")
    res = CliRunner().invoke(import_cli, ["summary", str(summary), "--rubric", str(rubric)])
    assert res.exit_code == 2, res.output
    assert "laughs.yaml:2" in res.output and "锚点" in res.output
