"""``flask --app wsgi notify send`` delivers the outbox (cron, every minute); ``notify schedule`` writes the
reminders due today (daily or hourly: idempotent)."""
from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from ..extensions import db
from . import schedule
from .delivery import deliver_due


@click.group("notify")
def notify_cli() -> None:
    """Notifications: scheduled reminders and delivering the outbox."""


@notify_cli.command("send")
@with_appcontext
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 100000),
              help="At most this many deliveries in this run (the rest wait for the next).")
def send_command(limit: int) -> None:
    """Deliver due notifications by e-mail and to the office robots. Safe to run from cron every minute and
    on two machines at once (each row is claimed by one sender)."""
    counts = deliver_due(limit)
    click.echo(" ".join(f"{k}={v}" for k, v in counts.items()))


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
