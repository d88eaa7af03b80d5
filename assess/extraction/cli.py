"""``flask import summary FILE --rubric RUBRIC`` and ``flask import annual-report FILE [--previous FILE]``.

The integrator registers :data:`import_cli` on the Flask app (``app.cli.add_command(import_cli)``);
nothing here imports Flask. Output is JSON on stdout. Exit codes: 0 ok, 1 a report check failed,
2 unreadable or unrecognised input.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import yaml

from assess.extraction.annual_report import check, parse_report, report_to_figures
from assess.extraction.errors import ExtractionError
from assess.extraction.readers import read_text
from assess.extraction.rubric_adapter import load_specs
from assess.extraction.summary import propose

import_cli = click.Group("import", help="从工作总结和年度报告中提取自评数据 / extract self-assessment figures")


def _json(data: Any) -> str:
    def default(obj: Any) -> Any:
        if isinstance(obj, Decimal):
            return str(obj)
        raise TypeError(type(obj).__name__)
    return json.dumps(data, ensure_ascii=False, indent=2, default=default)


def _fail(exc: ExtractionError) -> None:
    click.echo(_json({"error": exc.to_dict()}))
    click.echo(f"{exc.message_zh} / {exc.message_en}", err=True)
    sys.exit(2)


@import_cli.command("summary")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rubric", "rubric_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="考核细则文件（YAML）/ rubric file")
def summary_command(file: Path, rubric_path: Path) -> None:
    """Propose indicator figures and passages from a year-end summary (工作总结)."""
    try:
        text = read_text(file.read_bytes(), file.name)
    except ExtractionError as exc:
        _fail(exc)
        return
    try:
        figure_specs, area_specs = load_specs(rubric_path.read_text(encoding="utf-8"), rubric_path.name)
    except yaml.YAMLError as exc:  # the guarded YAML reader refused it: anchors/aliases, too deep, a syntax error
        mark = getattr(exc, "problem_mark", None)
        where = f"{rubric_path.name}:{mark.line + 1}" if mark is not None else rubric_path.name
        _fail(ExtractionError("bad_rubric", f"{where}：{getattr(exc, 'zh', '考核细则文件格式有误')}",
                              f"{where}: {getattr(exc, 'en', None) or getattr(exc, 'problem', None) or exc}"))
        return
    result = propose(text, figure_specs, area_specs)
    data = result.to_dict()
    data["file"] = file.name
    click.echo(_json(data))


@import_cli.command("annual-report")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--previous", "previous_path", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="上一年度报告 / last year's report (checks the carried-over requests)")
def annual_report_command(file: Path, previous_path: Path | None) -> None:
    """Parse an annual report's national-format tables and check its arithmetic."""
    try:
        report = parse_report(file.read_bytes(), file.name)
        previous = parse_report(previous_path.read_bytes(), previous_path.name) if previous_path else None
    except ExtractionError as exc:
        _fail(exc)
        return
    failures = check(report, previous)
    click.echo(_json({"file": file.name, "report": report.to_dict(),
                      "figures": report_to_figures(report),
                      "checks": {"ok": not failures, "failures": [f.to_dict() for f in failures]}}))
    if failures:
        sys.exit(1)
