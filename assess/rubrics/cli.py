"""``flask rubric …`` commands: check rubric files and score a department's inputs from the shell.

Plain click (no Flask import): the integrator registers it with ``app.cli.add_command(rubric_cli)``;
it also runs standalone as ``python -m assess.rubrics.cli``.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any

import click

from assess.scoring import InputError, Problem, RubricError, load_rubric, score
from assess.scoring.engine import RUBRIC_SOURCE, SOURCE
from assess.scoring.export import result_to_dict
from assess.scoring.model import Rubric
from assess.scoring.explain import num

rubric_cli = click.Group("rubric", help="考核细则文件：校验与试算。")

_STRUCTURED = {"inputs", "judgements", "late_days", "overrides", "not_applicable", "group", "tags"}


def _line(p: Problem, file: str | None = None) -> str:
    where = file or p.file
    if p.line is not None:
        where = f"{where}:{p.line}"
    return f"{where}: {p.path}: {p.message}" if p.path else f"{where}: {p.message}"


def _load(path: str) -> tuple[Rubric | None, list[str]]:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"{path}: 无法读取文件：{exc}"]
    try:
        return load_rubric(text, path), []
    except RubricError as exc:
        return None, [_line(p) for p in exc.problems]


@rubric_cli.command("check")
@click.argument("files", nargs=-1, required=True)
def check(files: tuple[str, ...]) -> None:
    """校验考核细则文件；有错误时逐条列出（文件:行号: 字段路径: 说明）并以状态1退出。"""
    failed = False
    for path in files:
        rubric, errors = _load(path)
        if rubric is None:
            failed = True
            for e in errors:
                click.echo(e, err=True)
            continue
        click.echo(f"{path}: {len(rubric.areas)} 个领域, {rubric.indicator_count} 项指标, 共 {num(rubric.total)} 分")
    sys.exit(1 if failed else 0)


def _read_inputs(path: str) -> tuple[dict[str, Any] | None, list[str]]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh, parse_float=Decimal)
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"{path}: 无法读取文件：{exc}"]
    except json.JSONDecodeError as exc:
        return None, [f"{path}:{exc.lineno}: JSON 格式错误：{exc.msg}"]
    if not isinstance(data, dict):
        return None, [f"{path}: 应为 JSON 对象"]
    if isinstance(data.get("inputs"), dict):
        unknown = sorted(set(data) - _STRUCTURED)
        if unknown:
            return None, [f"{path}: {k}: 未知字段（可用：inputs, judgements, overrides, late_days, not_applicable, group, tags）" for k in unknown]
        group, tags = data.get("group"), data.get("tags", [])
        problems = [f"{path}: group: 应为排名分组名称（文字）" for _ in [0] if group is not None and not isinstance(group, str)]
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            problems.append(f"{path}: tags: 应为单位标签（文字）的列表")
        if not isinstance(data.get("not_applicable", {}), dict):
            problems.append(f"{path}: not_applicable: 应为“指标代码 → 不适用原因”的映射")
        return (None, problems) if problems else (data, [])
    return {"inputs": data}, []


@rubric_cli.command("score")
@click.argument("rubric_file")
@click.argument("inputs_file")
def score_cmd(rubric_file: str, inputs_file: str) -> None:
    """按考核细则试算得分，输出 JSON（每项得分与说明、领域小计、加分、总分、否决、等次）。

    INPUTS_FILE 为 {"inputs": {指标代码: {填报项: 值}}, "judgements": {...}, "overrides": {...},
    "late_days": 0, "not_applicable": {指标代码: 不适用原因}, "group": 排名分组, "tags": [单位标签]}，
    也可直接写 {指标代码: {...}}。
    """
    rubric, errors = _load(rubric_file)
    if rubric is None:
        for e in errors:
            click.echo(e, err=True)
        sys.exit(1)
    data, errors = _read_inputs(inputs_file)
    if data is None:
        for e in errors:
            click.echo(e, err=True)
        sys.exit(1)
    try:
        result = score(rubric, data["inputs"], judgements=data.get("judgements"),
                       overrides=data.get("overrides"), late_days=data.get("late_days", 0),
                       not_applicable=data.get("not_applicable"), group=data.get("group"), tags=data.get("tags", ()))
    except InputError as exc:
        for p in exc.problems:
            file = {SOURCE: inputs_file, RUBRIC_SOURCE: rubric_file}.get(p.file)
            click.echo(_line(p, file), err=True)
        sys.exit(1)
    click.echo(json.dumps(result_to_dict(result), ensure_ascii=False, indent=2))


@rubric_cli.command("schema")
def schema_cmd() -> None:
    """输出考核细则文件的 JSON Schema（scoring_rules/rubric.schema.json 即由此生成）。"""
    from assess.scoring.schema import dumps

    click.echo(dumps(), nl=False)


if __name__ == "__main__":  # pragma: no cover
    rubric_cli()
