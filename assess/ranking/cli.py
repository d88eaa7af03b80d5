"""``flask --app wsgi ranking CAMPAIGN [--group G] [--format csv|json|xlsx] [-o FILE] [--sheet ...]``."""
from __future__ import annotations

import sys

import click

from ..extensions import db


@click.command("ranking")
@click.argument("campaign_id", type=int)
@click.option("--group", "group", default=None, help="Ranking group id or name (default: every group).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "xlsx"]), default="csv", show_default=True)
@click.option("--sheet", type=click.Choice(["ranking", "scores", "problems"]), default="ranking", show_default=True,
              help="ranking table, detailed score sheet or problem list")
@click.option("--live", is_flag=True, help="Compute from the current final scores even when a ranking is published.")
@click.option("--overall", is_flag=True, help="Also rank all departments together (adds 总排名).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Output file (default: stdout).")
def ranking_command(campaign_id: int, group: str | None, fmt: str, sheet: str, live: bool, overall: bool,
                    output: str | None) -> None:
    """Print or save a campaign's ranking (the published version if there is one)."""
    from sqlalchemy import select

    from ..models import Campaign, Group
    from . import exports, services

    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise click.ClickException(f"没有编号为 {campaign_id} 的考核。")
    group_id = None
    if group:
        cond = Group.id == int(group) if group.isdigit() else Group.name == group
        g = db.session.scalars(select(Group).where(Group.office_id == campaign.office_id, cond)).first()
        if g is None:
            raise click.ClickException(f"本单位没有排名分组“{group}”。")
        group_id = g.id
    if live or overall:
        rows = services.compute_ranking(campaign, group_id=group_id, overall=overall)
    else:
        rows, _pub = services.current_rows(campaign, group_id=group_id)
    if sheet == "ranking":
        table = exports.ranking_table(campaign, rows, overall=overall)
    elif sheet == "scores":
        table = exports.score_sheet(campaign, rows)
    else:
        table = exports.problem_list(campaign)
    body = exports.render(table, fmt, str(exports.KINDS[sheet]))
    if output:
        with open(output, "wb") as fh:
            fh.write(body)
        click.echo(f"已写入 {output}（{len(table[1])} 行）", err=True)
    elif fmt == "xlsx":
        raise click.ClickException("xlsx 格式请用 -o 指定输出文件。")
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
