"""Per-backend engine settings that make SQLite behave like a real transactional database."""
from __future__ import annotations

import random
import sqlite3
import time

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

BUSY_TIMEOUT_MS = 15000


def configure_engine(engine: Engine) -> None:
    """On SQLite: foreign keys on, WAL, a busy timeout, and proper BEGIN so SAVEPOINTs work.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; the SQLAlchemy docs'
    recipe (isolation_level=None + explicit BEGIN) restores the documented behaviour.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A request that may write (POST …) takes the write lock at BEGIN: a deferred transaction that
        # read first cannot upgrade once another worker has committed (SQLITE_BUSY_SNAPSHOT: "database
        # is locked" at once, the busy timeout does not apply); BEGIN IMMEDIATE waits for it instead.
        if conn.info.get("write") or _writing_request():
            _begin_immediate(conn)
        else:
            conn.exec_driver_sql("BEGIN")


def _begin_immediate(conn: Connection) -> None:
    """BEGIN IMMEDIATE, waiting for the write lock in steps of about a millisecond.

    SQLite's own busy handler retries after 1, 2, 5, … then every 100 ms: under a deadline-hour load, with
    the lock busy most of the time, a waiter kept missing it and a 20 ms save took a second. Polling every
    0.5–2 ms (with jitter, so waiters do not retry in step) takes the lock soon after it is released. The
    busy timeout stays the bound: past it the error is the one SQLite would give.
    """
    cur = conn.connection.dbapi_connection.cursor()
    cur.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while time.monotonic() < deadline:
            try:
                cur.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    break
            time.sleep(random.uniform(0.0005, 0.002))
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the last try raises SQLAlchemy's error, as SQLite's handler would
    finally:
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.close()


def _writing_request() -> bool:
    from flask import has_request_context, request

    return has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
