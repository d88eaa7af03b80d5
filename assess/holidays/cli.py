"""``flask --app wsgi calendar import FILE`` and ``calendar show YEAR``: the holiday table from the shell."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from ..clock import local_today
from ..extensions import db
from . import services, workdays


@click.group("calendar")
def calendar_cli() -> None:
    """The holiday calendar (节假日安排) working days are counted on."""


@calendar_cli.command("import")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", default="", help="The notice's title (replaces the file's notice_title).")
@click.option("--number", default="", help="The notice's number, e.g. 国办发明电〔2026〕N号.")
@click.option("--dry-run", is_flag=True, help="Check and show the year; save nothing.")
def import_command(file: Path, title: str, number: str, dry_run: bool) -> None:
    """Enter (or replace) one year from a CSV (date,kind,name) or YAML file; errors as FILE:LINE: field: message."""
    parsed = services.parse_year(file.read_bytes(), file.name, notice_title=title, notice_number=number)
    if parsed.problems:
        for p in parsed.problems:
            click.echo(f"{file}:{p.line or 0}: {p.field}: {p.message}", err=True)
        raise SystemExit(1)
    for r in parsed.rows:
        click.echo(f"{r.day.isoformat()}  {services.weekday_label(r.day)}  {services.kind_label(r.kind)}  {r.name}")
    click.echo(f"{parsed.year}: {parsed.days_off} off, {parsed.days_worked} worked — {parsed.notice_title}"
               + (f" ({parsed.notice_number})" if parsed.notice_number else ""))
    if dry_run:
        return
    change = services.save_year(parsed, actor=None, today=local_today())
    db.session.commit()
    click.echo(f"saved {change.year} ({'new' if change.created else 'replaced'}); deadlines recounted: {len(change.moved)}")
    for m in change.moved:
        click.echo(f"  {m.what}: {m.old.isoformat()} -> {m.new.isoformat()}")


@calendar_cli.command("show")
@with_appcontext
@click.argument("year", type=click.IntRange(1990, 2100))
def show_command(year: int) -> None:
    """Print a year's days off and days worked, and where they come from."""
    view = services.year_view(year)
    source = {workdays.SOURCE_TABLE: "holiday table", workdays.SOURCE_PACKAGE: "chinese_calendar package",
              workdays.SOURCE_WEEKDAYS: "none"}[view.source]
    click.echo(f"{year}: {source}" + (f" — {view.notice_title}" if view.notice_title else "")
               + (f" ({view.notice_number})" if view.notice_number else ""))
    if view.source == workdays.SOURCE_WEEKDAYS:
        click.echo(workdays.missing_year_note(year))
        return
    for day, kind, name in view.days:
        click.echo(f"{day.isoformat()}  {services.weekday_label(day)}  {services.kind_label(kind)}  {name}")
