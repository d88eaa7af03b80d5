"""Per-backend engine settings that make SQLite behave like a real transactional database."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine


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
        cur.execute("PRAGMA busy_timeout=15000")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A request that may write (POST …) takes the write lock at BEGIN: a deferred transaction that
        # read first cannot upgrade once another worker has committed (SQLITE_BUSY_SNAPSHOT: "database
        # is locked" at once, the busy timeout does not apply); BEGIN IMMEDIATE waits for it instead.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") or _writing_request() else "BEGIN")


def _writing_request() -> bool:
    from flask import has_request_context, request

    return has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
