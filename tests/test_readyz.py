"""/readyz says whether this server can work now — the database, Redis when configured, the file store —
naming each check; /healthz only says the process answers. Both are public and carry no data."""
from __future__ import annotations

import pytest

from assess.faults import db_outage
from assess.storage import S3Storage
from tests.object_store import s3_bucket, s3_endpoint  # noqa: F401 (fixtures)
from tests.redis_support import redis_url  # noqa: F401 (fixture)


def _ready(client):
    resp = client.get("/readyz")
    return resp.status_code, resp.get_json()


def test_ready_with_database_and_local_storage(client):
    code, body = _ready(client)
    assert code == 200, body
    assert body == {"status": "ready", "checks": {"database": "ok", "storage": "ok"}}
    assert client.get("/readyz").headers["Cache-Control"] == "no-store"


def test_database_down_is_not_ready_and_says_which(app, client, db):
    with db_outage(db.engine):
        code, body = _ready(client)
    assert code == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["database"].startswith("failed: ")
    assert body["checks"]["storage"] == "ok"  # every check runs, the others still reported
    assert client.get("/healthz").status_code == 200  # the process itself is alive


def test_storage_folder_that_is_not_a_folder_is_not_ready(app, client, tmp_path, monkeypatch):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(not_a_folder))
    monkeypatch.setitem(app.extensions, "assess_storage", None)  # get_storage builds it from the config again
    code, body = _ready(client)
    assert code == 503 and body["checks"]["storage"] == "failed: NotADirectoryError"


def test_object_store_bucket_checked(app, client, s3_bucket, monkeypatch):  # noqa: F811
    s3, bucket = s3_bucket
    monkeypatch.setitem(app.extensions, "assess_storage", S3Storage(s3, bucket))
    assert _ready(client) == (200, {"status": "ready", "checks": {"database": "ok", "storage": "ok"}})
    monkeypatch.setitem(app.extensions, "assess_storage", S3Storage(s3, bucket + "-missing"))
    code, body = _ready(client)
    assert code == 503 and body["checks"]["storage"] == "failed: ClientError"


@pytest.mark.parametrize("setting, check", [("REDIS_URL", "redis"), ("RATELIMIT_STORAGE_URI", "ratelimit")])
def test_redis_checked_when_configured(app, client, monkeypatch, redis_url, setting, check):  # noqa: F811
    monkeypatch.setitem(app.config, setting, redis_url)
    code, body = _ready(client)
    assert code == 200 and body["checks"][check] == "ok", body
    # a Redis nobody listens on (port 1 on loopback): not ready, and the failure carries no address
    monkeypatch.setitem(app.config, setting, "redis://127.0.0.1:1/0")
    code, body = _ready(client)
    assert code == 503 and body["checks"][check] == "failed: ConnectionError"
    assert "127.0.0.1" not in str(body)
