"""``flask --app wsgi notify send``: deliver the outbox's due e-mails and robot posts (cron, every minute)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from .delivery import deliver_due


@click.group("notify")
def notify_cli() -> None:
    """Notifications: delivering the outbox."""


@notify_cli.command("send")
@with_appcontext
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 100000),
              help="At most this many deliveries in this run (the rest wait for the next).")
def send_command(limit: int) -> None:
    """Deliver due notifications by e-mail and to the office robots. Safe to run from cron every minute and
    on two machines at once (each row is claimed by one sender)."""
    counts = deliver_due(limit)
    click.echo(" ".join(f"{k}={v}" for k, v in counts.items()))
