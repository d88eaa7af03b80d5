"""Two application servers (gunicorn, separate processes on their own ports) sharing one PostgreSQL and one
object store, as behind a load balancer: a session started on one works on the other, and a document issued
on one is served by the other, byte for byte from the shared bucket.

PostgreSQL only (`make test`'s second run sets TEST_DATABASE_URL): two servers on one SQLite file is not a
set-up anyone deploys.
"""
from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.object_store import CREDENTIALS, drop_bucket, new_bucket, s3_client, s3_endpoint  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
SECRET = "two-servers-shared-secret"

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="two app servers share a PostgreSQL database: set TEST_DATABASE_URL (make test's PostgreSQL run does)")


class Server:
    """One gunicorn (one worker) on a port the kernel picks; stopped, with its process group, by ``stop``."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path):
        self.name = name
        self.log = log_dir / f"{name}.log"
        with self.log.open("wb") as out:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(
                [str(GUNICORN), "-w", "1", "-b", "127.0.0.1:0", "--timeout", "60", "wsgi:app"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.url = ""

    def wait(self, timeout: float = 40) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", self.log.read_text(errors="replace"))
            if m and "Booting worker" in self.log.read_text(errors="replace"):
                self.url = f"http://127.0.0.1:{m.group(1)}"
                try:
                    if requests.get(f"{self.url}/healthz", timeout=10).status_code == 200:
                        return self.url
                except requests.ConnectionError:
                    pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"server {self.name} did not start:\n{self.log.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A fresh PostgreSQL database with one office, a published campaign and its users (committed)."""
    from assess import create_app
    from assess.extensions import db
    from tests.conftest import make_tenant
    from tests.dbutil import fresh_database_url
    from tests.test_documents_app_support import published_campaign

    tmp = tmp_path_factory.mktemp("two-servers")
    url = fresh_database_url(tmp, "twoservers")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "TESTING": True,
                      "PASSWORD_HASH_FAST": True, "STORAGE_DIR": str(tmp / "unused")})
    with app.app_context():
        db.create_all()
        tenant = make_tenant("two", "双服")
        campaign = published_campaign(tenant, notices=False)
        db.session.commit()
        ids = {"campaign": campaign.id, "dept_b": tenant.dept_b.id,
               "office_admin": tenant.users["office_admin"].username}
        db.session.remove()
        db.engine.dispose()
    return url, ids, tmp


@pytest.fixture(scope="module")
def servers(world, s3_endpoint):  # noqa: F811
    url, ids, tmp = world
    client = s3_client(s3_endpoint)
    bucket = new_bucket(client)
    env = {**os.environ, **CREDENTIALS, "DATABASE_URL": url, "SECRET_KEY": SECRET, "ASSESS_ENV": "development",
           "STORAGE_BACKEND": "s3", "S3_BUCKET": bucket, "S3_ENDPOINT_URL": s3_endpoint, "S3_PREFIX": "stack",
           "PYTHONDONTWRITEBYTECODE": "", "TEST_DATABASE_URL": ""}
    for name in ("TEST_DATABASE_URL", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name)
    started = [Server("a", env, tmp), Server("b", env, tmp)]  # both boot at once
    try:
        a, b = (s.wait() for s in started)
        yield {"a": a, "b": b, "ids": ids, "s3": client, "bucket": bucket}
    finally:
        for s in started:
            s.stop()
        drop_bucket(client, bucket)


def _get(url: str, jar: dict, **kw) -> requests.Response:
    """A request with exactly the cookies in ``jar`` (no cookie jar of requests' own, which would pass the
    cookie between the two ports by itself), then ``jar`` updated from the answer as a browser would."""
    resp = requests.request(kw.pop("method", "GET"), url, cookies=dict(jar), allow_redirects=False, timeout=60, **kw)
    jar.update({c.name: c.value for c in resp.cookies})
    return resp


def test_a_session_from_one_server_works_on_the_other(servers):
    a, b, ids = servers["a"], servers["b"], servers["ids"]
    jar: dict[str, str] = {}
    login_page = _get(f"{a}/auth/login", jar)
    resp = _get(f"{a}/auth/login", jar, method="POST", data={
        "username": ids["office_admin"], "password": "Test-pass-2026", "csrf_token": _csrf(login_page.text)})
    assert resp.status_code == 302, resp.text[:500]
    assert "session" in resp.cookies  # the cookie A set at log-in (rotated, signed with the shared key)
    page = _get(f"{b}/documents/", jar)
    assert page.status_code == 200, f"B did not accept A's session: {page.status_code} {page.headers.get('Location')}"
    # a form rendered by B is accepted by A (same key, same session) ...
    token = _csrf(_get(f"{b}/documents/campaigns/{ids['campaign']}", jar).text)
    # ... and logging out on A ends the session on B (the session version is in the shared database)
    kept = dict(jar)  # a copy of the cookie, as another browser tab or a stolen cookie would have it
    assert _get(f"{a}/auth/logout", jar, method="POST", data={"csrf_token": token}).status_code in (302, 303)
    after = _get(f"{b}/documents/", kept)
    assert after.status_code == 302 and "/auth/login" in after.headers["Location"]


def test_a_document_issued_on_one_server_is_served_by_the_other(servers):
    a, b, ids = servers["a"], servers["b"], servers["ids"]
    jar: dict[str, str] = {}
    login_page = _get(f"{b}/auth/login", jar)
    assert _get(f"{b}/auth/login", jar, method="POST", data={
        "username": ids["office_admin"], "password": "Test-pass-2026",
        "csrf_token": _csrf(login_page.text)}).status_code == 302
    page = _get(f"{a}/documents/campaigns/{ids['campaign']}", jar)
    resp = _get(f"{a}/documents/campaigns/{ids['campaign']}/scoresheets/{ids['dept_b']}/issue", jar,
                method="POST", data={"csrf_token": _csrf(page.text)})
    assert resp.status_code == 302 and "/documents/" in resp.headers["Location"], resp.text[:500]
    doc_id = int(re.search(r"/documents/(\d+)", resp.headers["Location"]).group(1))
    pdf = _get(f"{b}/documents/{doc_id}/pdf", jar)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert hashlib.sha256(pdf.content).hexdigest() == pdf.headers["X-Content-SHA256"]
    # the bytes B served are the object A wrote to the shared bucket
    listed = servers["s3"].list_objects_v2(Bucket=servers["bucket"], Prefix="stack/")["Contents"]
    stored = {o["Key"]: servers["s3"].get_object(Bucket=servers["bucket"], Key=o["Key"])["Body"].read()
              for o in listed}
    assert pdf.content in stored.values()
