"""``flask --app wsgi aids run CAMPAIGN_ID``: run the review aids' checks of a campaign."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..models import Campaign
from . import services


@click.group("aids")
def aids_cli() -> None:
    """Review aids (copied text, figures that jump)."""


@aids_cli.command("run")
@with_appcontext
@click.argument("campaign_id", type=int)
def run_command(campaign_id: int) -> None:
    """Run the switched-on checks of CAMPAIGN_ID and bring its flags up to date."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise click.ClickException(f"no campaign {campaign_id}")
    counts = services.run_checks(campaign)
    db.session.commit()
    for kind, n in counts.items():
        click.echo(f"{kind}: {n}")
