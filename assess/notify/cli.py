"""``flask --app wsgi notify schedule``: write the reminders due today (idempotent: run it daily or hourly)."""
from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from ..extensions import db
from . import schedule


@click.group("notify")
def notify_cli() -> None:
    """Notifications: scheduled reminders."""


@notify_cli.command("schedule")
@with_appcontext
@click.option("--today", "today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Compute for this date (YYYY-MM-DD) instead of today in the configured time zone.")
def schedule_command(today) -> None:
    """Write the deadline, overdue and appeal reminders due today. Safe to run again: nothing is sent twice."""
    day: date | None = today.date() if today else None
    report = schedule.run(day)
    db.session.commit()
    click.echo(f"{report.today.isoformat()}: {len(report.made)} notifications "
               f"({report.offices_on_workday}/{report.offices} offices on a working day)")
    for kind, n in report.by_kind().items():
        click.echo(f"  {kind}: {n}")
