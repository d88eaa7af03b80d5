"""Fault-injection hooks for the fault tests (tests/test_faults_*.py) — inert unless asked for.

Serve the app through this module's factory to arm them::

    ASSESS_FAULT_SLEEP=selfassessment.submit:30 ASSESS_FAULT_MARK=/tmp/mark \\
        gunicorn -w 1 'assess.faults:create_app()'

- ``ASSESS_FAULT_SLEEP=<endpoint>[:<seconds>]``: inside a request to ``<endpoint>``, right before the
  session commits — the services have flushed every write, the transaction is open — the worker writes
  its pid to ``ASSESS_FAULT_MARK`` (when set) and sleeps (default 30 s). A test kills it there (SIGKILL)
  and checks that the database holds all of the operation or none of it. One-shot when a mark file is
  used: once the mark exists, later requests are not delayed (the respawned worker serves normally).

:func:`db_outage` makes every statement on an engine fail as if the database had gone away (in-process
tests of the 503 page and of recovery). ``wsgi.py`` / ``create_app`` never import this module: production
has no hook unless someone serves ``assess.faults:create_app()`` with the variables set.
"""
from __future__ import annotations

import contextlib
import os
import time
from typing import Iterator

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session


def _sleep_spec() -> tuple[str, float] | None:
    raw = os.environ.get("ASSESS_FAULT_SLEEP", "").strip()
    if not raw:
        return None
    endpoint, _sep, seconds = raw.partition(":")
    return endpoint, float(seconds or 30)


def _before_commit(_session: Session) -> None:
    spec = _sleep_spec()
    if spec is None or not has_request_context() or request.endpoint != spec[0]:
        return
    mark = os.environ.get("ASSESS_FAULT_MARK")
    if mark:
        if os.path.exists(mark):
            return
        with open(mark, "w") as fh:
            fh.write(str(os.getpid()))
    time.sleep(spec[1])


def install(app: Flask) -> None:
    """Arm the commit-time sleep for ``app`` (only does anything when ASSESS_FAULT_SLEEP is set)."""
    if _sleep_spec() is None:
        return
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "before_commit", _before_commit)
    app.logger.warning("fault injection armed: ASSESS_FAULT_SLEEP=%s", os.environ["ASSESS_FAULT_SLEEP"])


def create_app(overrides: dict | None = None) -> Flask:
    """``assess.create_app`` plus the hooks above (for gunicorn in the fault tests)."""
    from . import create_app as factory

    app = factory(overrides)
    install(app)
    return app


class _Gone(Exception):
    pass


@contextlib.contextmanager
def db_outage(engine: Engine) -> Iterator[None]:
    """While active, every statement on ``engine`` fails with OperationalError (server gone away)."""

    def _fail(conn, cursor, statement, parameters, context, executemany):
        # transaction control passes (tests run inside savepoints the fixture must be able to roll back)
        if statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            return
        raise OperationalError(statement, parameters, _Gone("server closed the connection unexpectedly"))

    event.listen(engine, "before_cursor_execute", _fail)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", _fail)
