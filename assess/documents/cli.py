"""Command-line documents: ``flask --app wsgi circular CAMPAIGN -o FILE.pdf``, ``notices CAMPAIGN -o DIR``,
``scoresheets CAMPAIGN -o DIR`` and the RQ worker ``documents-worker``.

CAMPAIGN is a campaign id. The commands issue (freeze and number) the documents exactly as the web pages do —
a document issued before is written out again byte for byte — and commit once per document, so an
interrupted run keeps what it issued.
"""
from __future__ import annotations

from pathlib import Path

import click

from ..extensions import db


def _campaign(campaign_id: int):
    from ..models import Campaign, Office

    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise click.ClickException(f"找不到考核 {campaign_id}")
    return campaign, db.session.get(Office, campaign.office_id)


def _actor(username: str | None):
    if not username:
        return None
    from sqlalchemy import select

    from ..models import User

    user = db.session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise click.ClickException(f"找不到用户 {username}")
    return user


@click.command("circular")
@click.argument("campaign_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--user", "username", help="Issue in this user's name (audit).")
def circular_command(campaign_id: int, output: str, username: str | None) -> None:
    """Issue (or write again) the results circular of CAMPAIGN_ID to a PDF file."""
    from ..models import DocumentKind
    from . import services

    campaign, office = _campaign(campaign_id)
    try:
        doc = services.issue(services.Target(DocumentKind.CIRCULAR, campaign), office, actor=_actor(username))
        db.session.commit()
        data = services.document_bytes(doc)
    except services.DocumentError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    Path(output).write_bytes(data)
    click.echo(f"{output}: {doc.number} {doc.title}（核验码 {doc.verify_code}，SHA-256 {doc.sha256}）")


def _bulk(kind_value: str, campaign_id: int, output: str, username: str | None) -> None:
    from ..models import DocumentKind
    from . import services

    kind = DocumentKind(kind_value)
    campaign, office = _campaign(campaign_id)
    actor = _actor(username)
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    try:
        todo = services.targets(campaign, kind)
    except services.DocumentError as exc:
        raise click.ClickException(str(exc)) from exc
    if not todo:
        raise click.ClickException("没有可生成的文件（整改通知须先发送）。")
    written = 0
    with click.progressbar(todo, label=str(services.KIND_LABELS[kind]), show_pos=True) as bar:
        for target in bar:
            try:
                doc = services.issue(target, office, actor=actor)
                db.session.commit()
            except services.DocumentError as exc:
                db.session.rollback()
                raise click.ClickException(str(exc)) from exc
            (out / services.download_name(doc)).write_bytes(services.document_bytes(doc))
            written += 1
    click.echo(f"{written} 份{services.KIND_LABELS[kind]}已写入 {out}")


@click.command("notices")
@click.argument("campaign_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False))
@click.option("--user", "username", help="Issue in this user's name (audit).")
def notices_command(campaign_id: int, output: str, username: str | None) -> None:
    """Issue every sent rectification notice of CAMPAIGN_ID and write the PDFs into a folder."""
    _bulk("notice", campaign_id, output, username)


@click.command("scoresheets")
@click.argument("campaign_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False))
@click.option("--user", "username", help="Issue in this user's name (audit).")
def scoresheets_command(campaign_id: int, output: str, username: str | None) -> None:
    """Issue every department's score sheet of CAMPAIGN_ID and write the PDFs into a folder."""
    _bulk("scoresheet", campaign_id, output, username)


@click.command("documents-worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool) -> None:
    """Serve the background document queue (RQ, needs REDIS_URL); WeasyPrint is pre-loaded before forking."""
    from flask import current_app
    from redis import Redis
    from rq import Queue, Worker

    from .jobs import QUEUE, preload

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException("REDIS_URL is not set")
    preload()
    db.session.remove()
    db.engine.dispose()  # forked work horses open their own connections
    conn = Redis.from_url(url)
    Worker([Queue(QUEUE, connection=conn)], connection=conn).work(burst=burst)


COMMANDS = (circular_command, notices_command, scoresheets_command, worker_command)
