"""Bulk generation in the background: all notices (or score sheets) of a campaign issued and zipped.

A :class:`~assess.models.DocumentJob` row carries the state and progress; the page polls
``/documents/jobs/<id>.json`` (``static/js/documents.js``). Where the work runs:

* ``REDIS_URL`` set → an RQ queue (``documents``) served by ``flask --app wsgi documents-worker`` on as many
  machines as needed. RQ forks a work horse per job; the worker pre-loads WeasyPrint, the fonts and the
  stylesheets once in the parent (:func:`preload`) so every forked job starts warm, and drops inherited
  database connections before forking.
* otherwise → a thread in the web process with its own app context (``make run`` needs nothing else);
* ``DOCUMENT_JOBS = "inline"`` (tests) → in the request itself, after the job row is committed.

Each document is committed as soon as it is issued, so a failure half-way keeps what was issued (with its
number) and a new run reuses it; the job then says why it failed.
"""
from __future__ import annotations

import logging
import secrets
import threading
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import select

from ..extensions import db
from ..models import Campaign, DocumentJob, DocumentKind, JobState, Office, User
from ..models.base import utcnow
from ..storage import get_storage
from . import services
from .builders import DocumentError

log = logging.getLogger(__name__)
_local = threading.local()
QUEUE = "documents"
BULK_KINDS = (DocumentKind.NOTICE, DocumentKind.SCORESHEET)


def create_job(campaign: Campaign, kind: DocumentKind, *, actor: Any) -> DocumentJob:
    """A queued job row (flushed). Checks up front what would make every document fail."""
    if kind not in BULK_KINDS:
        raise DocumentError("只能批量生成整改通知或评分表。", "kind")
    office = db.session.get(Office, campaign.office_id)
    if blocker := services.issue_blocker():
        raise DocumentError(blocker, "kind")
    if kind == DocumentKind.NOTICE and not office.doc_prefix:
        raise DocumentError("请先在“公文设置”中填写发文字号机关代字。", "kind")
    total = len(services.targets(campaign, kind))  # also refuses before the ranking is published
    if total == 0:
        raise DocumentError("本次考核没有可生成的文件（整改通知须先发送）。", "kind")
    job = DocumentJob(office_id=campaign.office_id, kind=kind, campaign_id=campaign.id, total=total,
                      created_by_id=getattr(actor, "id", None))
    db.session.add(job)
    db.session.flush()
    return job


def mode(app: Flask | None = None) -> str:
    app = app or current_app
    configured = app.config.get("DOCUMENT_JOBS")
    if configured:
        return configured
    return "rq" if app.config.get("REDIS_URL") else "thread"


def dispatch(job_id: int) -> None:
    """Start a committed job where the configuration says (see the module docstring)."""
    how = mode()
    if how == "rq":
        from redis import Redis
        from rq import Queue

        Queue(QUEUE, connection=Redis.from_url(current_app.config["REDIS_URL"])).enqueue(
            run_job, job_id, job_timeout=6 * 3600, result_ttl=3600, failure_ttl=7 * 86400)
    elif how == "inline":
        execute(job_id)
    else:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        thread = threading.Thread(target=_thread_main, args=(app, job_id), name=f"document-job-{job_id}",
                                  daemon=True)
        thread.start()
        app.extensions.setdefault("document_job_threads", []).append(thread)


def _thread_main(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            execute(job_id)
        finally:
            db.session.remove()


def run_job(job_id: int) -> None:
    """RQ entry point: runs in the worker's (forked) process, with the worker's app or a new one."""
    if has_app_context():
        execute(job_id)
        return
    from .. import create_app

    with create_app().app_context():
        try:
            execute(job_id)
        finally:
            db.session.remove()


def _load(job_id: int) -> DocumentJob | None:
    return db.session.scalars(select(DocumentJob).where(DocumentJob.id == job_id)
                              .execution_options(unscoped=True, populate_existing=True)).first()


def _mark_writer(_dbapi_conn, record, _proxy) -> None:
    """SQLite: a job's transactions write, so they begin IMMEDIATE (see ``assess.db_setup``): a deferred one
    that read first could not upgrade once a web request committed ("database is locked" at once)."""
    if getattr(_local, "job", False):
        record.info["write"] = record.info["write_by_job"] = True
    elif record.info.pop("write_by_job", False):
        record.info.pop("write", None)


def _install_writer_mark() -> None:
    from sqlalchemy import event

    engine = db.engine
    if engine.dialect.name == "sqlite" and not event.contains(engine, "checkout", _mark_writer):
        event.listen(engine, "checkout", _mark_writer)


def execute(job_id: int) -> None:
    """Do the job: issue every document (reusing issued ones), zip them, store the ZIP; progress committed."""
    _install_writer_mark()
    _local.job = True
    try:
        _execute(job_id)
    finally:
        _local.job = False


def _execute(job_id: int) -> None:
    job = _load(job_id)
    if job is None or job.state in (JobState.DONE, JobState.FAILED):
        return
    job.state, job.started_at, job.progress = JobState.RUNNING, utcnow(), 0
    db.session.commit()
    try:
        campaign = db.session.get(Campaign, job.campaign_id)
        office = db.session.get(Office, job.office_id)
        actor = db.session.get(User, job.created_by_id) if job.created_by_id else None

        def progress(done: int, total: int) -> None:
            job.progress, job.total = done, total
            db.session.commit()

        docs = services.issue_all(campaign, office, job.kind, actor=actor, progress=progress, commit_each=True)
        data = services.zip_documents(docs)
        key = f"{office.id}/documents/jobs/{job.id}-{secrets.token_hex(6)}.zip"
        get_storage().put(key, data, "application/zip")
        job.result_key, job.state, job.finished_at = key, JobState.DONE, utcnow()
        db.session.commit()
    except Exception as exc:  # noqa: BLE001 — any failure is reported on the job, never lost
        db.session.rollback()
        log.exception("document job %s failed", job_id)
        job = _load(job_id)
        if job is None:
            return
        job.state, job.finished_at = JobState.FAILED, utcnow()
        job.error = str(exc) if isinstance(exc, DocumentError) else "生成失败，请稍后重试或联系管理员。"
        db.session.commit()


def status(job: DocumentJob) -> dict[str, Any]:
    percent = int(job.progress * 100 / job.total) if job.total else (100 if job.state == JobState.DONE else 0)
    return {"id": job.id, "state": job.state.value, "progress": job.progress, "total": job.total,
            "percent": percent, "error": job.error or "", "done": job.state == JobState.DONE,
            "failed": job.state == JobState.FAILED}


def preload() -> None:
    """Import WeasyPrint and prepare fonts and stylesheets once (before RQ forks its work horses)."""
    from .render import render_pdf
    from .samples import sample_notice

    render_pdf("notice.html", {"doc": sample_notice(1)})
