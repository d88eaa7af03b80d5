"""Readiness: can this app server do its work now? (``/readyz``; ``/healthz`` only says the process answers.)

Each dependency the configuration names is tried once, with short time-outs, and reported by name:

- ``database`` — one ``SELECT 1`` on the configured database;
- ``redis`` — ``PING`` to ``REDIS_URL`` (background jobs), when set;
- ``ratelimit`` — ``PING`` to ``RATELIMIT_STORAGE_URI``, when it is a Redis;
- ``storage`` — the object store's bucket answers (``HeadBucket``), or the local ``STORAGE_DIR`` is a
  writable folder.

Ready means every check passed. A failure names the exception's class only: the page is public (load
balancers and monitors call it without logging in), so no address, password or path leaves the server.
Why the load balancer should route on ``/healthz`` and not on this: docs/DEPLOY.md ("Health checks").
"""
from __future__ import annotations

import os
from typing import Callable

from flask import Flask
from sqlalchemy import text

REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://", "unix://")
TIMEOUT_S = 2


def _database() -> None:
    from ..extensions import db

    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def _ping(url: str) -> Callable[[], None]:
    def check() -> None:
        import redis

        client = redis.Redis.from_url(url.replace("redis+unix://", "unix://"), socket_connect_timeout=TIMEOUT_S,
                                      socket_timeout=TIMEOUT_S)
        try:
            if not client.ping():
                raise ConnectionError("no PONG")
        finally:
            client.close()

    return check


def _storage(app: Flask) -> Callable[[], None]:
    def check() -> None:
        from ..storage import S3Storage, get_storage

        storage = get_storage()
        if isinstance(storage, S3Storage):
            storage.client.head_bucket(Bucket=storage.bucket)
            return
        root = app.config["STORAGE_DIR"]
        if os.path.exists(root) and not os.path.isdir(root):
            raise NotADirectoryError("storage folder is not a folder")
        if not os.path.isdir(root):  # created by the first upload: its parent must then be writable
            root = os.path.dirname(os.path.abspath(root))
        if not os.access(root, os.W_OK | os.X_OK):
            raise PermissionError("storage folder not writable")

    return check


def checks(app: Flask) -> dict[str, Callable[[], None]]:
    """The checks that apply to this configuration, by name."""
    found: dict[str, Callable[[], None]] = {"database": _database}
    if app.config.get("REDIS_URL"):
        found["redis"] = _ping(app.config["REDIS_URL"])
    limits_uri = app.config.get("RATELIMIT_STORAGE_URI") or ""
    if limits_uri.startswith(REDIS_SCHEMES):
        found["ratelimit"] = _ping(limits_uri)
    found["storage"] = _storage(app)
    return found


def readiness(app: Flask) -> tuple[bool, dict[str, str]]:
    """(ready, {check: "ok" or the failure's exception class}) — every check runs, even after a failure."""
    results: dict[str, str] = {}
    for name, check in checks(app).items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # any failure of a dependency is "not ready", never a 500
            app.logger.warning("readiness check %s failed: %r", name, exc)
            results[name] = f"failed: {type(exc).__name__}"
    return all(v == "ok" for v in results.values()), results
