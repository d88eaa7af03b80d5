"""The review aids' checks of one self-assessment, run when it is submitted — in the background.

Where the work runs (``AIDS_JOBS``; by default like the document jobs): ``"rq"`` when ``REDIS_URL`` is set
(the queue :data:`QUEUE`, served by ``rq worker aids`` with the app's environment), otherwise ``"thread"`` (a
thread of the web process with its own app context); ``"inline"`` (tests: the default when ``TESTING``) runs
the checks in the submitting transaction itself, in a savepoint. The background ones start only once the
submission is committed (they read it from the database) and never block or undo a submission: a failure is
logged, and the office's whole run (``flask aids run``) finds everything again.
"""
from __future__ import annotations

import logging
import threading

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Campaign, Submission, SubmissionState

log = logging.getLogger(__name__)
QUEUE = "aids"
_PENDING = "reviewaids.pending"


def mode(app: Flask | None = None) -> str:
    app = app or current_app
    configured = app.config.get("AIDS_JOBS")
    if configured:
        return configured
    if app.testing:
        return "inline"
    return "rq" if app.config.get("REDIS_URL") else "thread"


def check_when_submitted(submission: Submission) -> None:
    """The hook :data:`assess.selfassessment.flow.AFTER_SUBMIT`: check ``submission`` (see the module docstring)."""
    if mode() == "inline":
        try:
            with db.session.begin_nested():
                check_submission(submission.id)
        except Exception:  # noqa: BLE001 — an aid never stops a submission
            log.exception("review aids: checking submission %s failed", submission.id)
        return
    _install()
    db.session.info.setdefault(_PENDING, set()).add(submission.id)


def _install() -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending and has_app_context():
        for submission_id in sorted(pending):
            enqueue(submission_id)


def enqueue(submission_id: int) -> None:
    """Start the checks of one committed submission where the configuration says."""
    how = mode()
    if how == "rq":
        from redis import Redis
        from rq import Queue

        Queue(QUEUE, connection=Redis.from_url(current_app.config["REDIS_URL"])).enqueue(
            run_job, submission_id, job_timeout=3600, result_ttl=3600, failure_ttl=7 * 86400)
    elif how == "inline":
        check_submission(submission_id)
    else:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        thread = threading.Thread(target=_thread_main, args=(app, submission_id), daemon=True,
                                  name=f"review-aids-{submission_id}")
        thread.start()
        app.extensions.setdefault("review_aids_threads", []).append(thread)


def _thread_main(app: Flask, submission_id: int) -> None:
    with app.app_context():
        try:
            check_submission(submission_id)
            db.session.commit()
        except Exception:  # noqa: BLE001
            db.session.rollback()
            log.exception("review aids: checking submission %s failed", submission_id)
        finally:
            db.session.remove()


def run_job(submission_id: int) -> None:
    """RQ entry point (the worker's app, or a new one)."""
    if has_app_context():
        check_submission(submission_id)
        db.session.commit()
        return
    from .. import create_app

    with create_app().app_context():
        try:
            check_submission(submission_id)
            db.session.commit()
        finally:
            db.session.remove()


def check_submission(submission_id: int) -> dict[str, int]:
    """Run the campaign's switched-on checks for one submitted self-assessment (flushes, never commits)."""
    from .services import run_checks

    sub = db.session.scalars(select(Submission).where(Submission.id == submission_id)
                             .execution_options(unscoped=True)).first()
    if sub is None or sub.state != SubmissionState.SUBMITTED:
        return {}
    campaign = db.session.get(Campaign, sub.campaign_id)
    return run_checks(campaign, submission=sub)
