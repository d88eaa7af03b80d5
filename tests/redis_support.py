"""The test run's Redis (TEST_REDIS_URL, started by scripts/redis_test_server.sh in `make test`).

Tests that need Redis take the ``redis_url`` fixture: a Redis database of their own on that server
(a number handed out atomically by the server itself, so pytest-xdist workers and the processes a test
starts never share queues or rate-limit counters), emptied when the test ends. Without TEST_REDIS_URL the
test is skipped with the reason; `make test` always sets it.
"""
from __future__ import annotations

import os

import pytest

SKIP_REASON = ("TEST_REDIS_URL is not set: start a throw-away Redis with "
               "`eval \"$(bash scripts/redis_test_server.sh start)\"` (make test does)")
_COUNTER = "assess-tests:next-db"


def base_redis_url() -> str | None:
    return os.environ.get("TEST_REDIS_URL") or None


def fresh_redis_url() -> str:
    """A URL of an unused database number on the test server (1..N-1; database 0 holds the counter)."""
    import redis

    base = base_redis_url()
    if not base:
        pytest.skip(SKIP_REASON)
    client = redis.Redis.from_url(base)
    try:
        count = int(client.config_get("databases").get("databases", 16))
        number = 1 + (client.incr(_COUNTER) - 1) % (count - 1)
    finally:
        client.close()
    head = base.rsplit("/", 1)[0] if base.count("/") > 2 else base.rstrip("/")
    url = f"{head}/{number}"
    flush(url)
    return url


def flush(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


@pytest.fixture()
def redis_url():
    url = fresh_redis_url()
    yield url
    flush(url)
