"""Log-in rate limits shared by every worker through Redis (RATELIMIT_STORAGE_URI=redis://…), on a real
gunicorn with two worker processes, and what happens when that Redis is down.

- Shared: after ten failed log-ins, the eleventh is refused (429) by *each* worker. With per-process
  counting (memory://) a worker that counted fewer than ten would accept it: ten failures cannot fill
  both workers' own counters, so seeing both refuse proves the counter is shared.
- Redis down: log-ins keep working (no 500, no lock-out) and failed ones are still limited, each process
  counting on its own: at most ten accepted per worker, so among twenty-one failures at least one is refused.

Which worker answered is read from gunicorn's access log (``%(p)s``, the worker's pid). The limit is
"10 per hour" so that no window can end during the test, however slow the machine.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.redis_support import redis_url  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
SECRET = "ratelimit-shared-secret"
PASSWORD = "Test-pass-2026"


class Gunicorn:
    """``gunicorn -w 2`` on a port the kernel picks; the access log names the worker's pid per request."""

    def __init__(self, env: dict[str, str], log_dir: Path, name: str):
        self.log = log_dir / f"{name}.log"
        self.access = log_dir / f"{name}-access.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [str(GUNICORN), "-w", "2", "-b", "127.0.0.1:0", "--timeout", "60",
                 "--access-logfile", str(self.access), "--access-logformat", "%(p)s %(m)s %(U)s %(s)s",
                 "wsgi:app"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.url = self._wait()

    def _wait(self, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log.read_text(errors="replace")
            m = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", text)
            if m and text.count("Booting worker") >= 2:
                url = f"http://127.0.0.1:{m.group(1)}"
                try:
                    if requests.get(f"{url}/healthz", timeout=10).status_code == 200:
                        return url
                except requests.ConnectionError:
                    pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"gunicorn did not start:\n{self.log.read_text(errors='replace')[-3000:]}")

    def login_posts(self) -> list[tuple[str, int]]:
        """(worker pid, status) of every POST /auth/login so far, in order."""
        rows = []
        for line in self.access.read_text().splitlines():
            pid, method, path, status = line.split()
            if method == "POST" and path == "/auth/login":
                rows.append((pid, int(status)))
        return rows

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A SQLite file with one office and its users (committed), shared by the servers of this module."""
    from assess import create_app
    from assess.extensions import db
    from tests.conftest import make_tenant

    tmp = tmp_path_factory.mktemp("ratelimit")
    url = f"sqlite:///{tmp / 'rl.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "TESTING": True,
                      "PASSWORD_HASH_FAST": True, "STORAGE_DIR": str(tmp / "storage")})
    with app.app_context():
        db.create_all()
        tenant = make_tenant("rl", "限流")
        names = {k: u.username for k, u in tenant.users.items()}
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return url, names, tmp


def _env(database_url: str, limits_uri: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET, "ASSESS_ENV": "development",
           "RATELIMIT_STORAGE_URI": limits_uri, "LOGIN_RATE_LIMIT": "10 per hour",
           "RATELIMIT_KEY_PREFIX": "assess-test"}
    for name in ("TEST_DATABASE_URL", "PYTHONDONTWRITEBYTECODE", "REDIS_URL"):
        env.pop(name, None)
    return env


def _login(url: str, username: str, password: str) -> int:
    """One log-in as a browser sends it (the log-in page first, for the session's CSRF token), on a new
    connection each time, so that either worker may take it."""
    with requests.Session() as s:
        page = s.get(f"{url}/auth/login", timeout=30)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        resp = s.post(f"{url}/auth/login", data={"username": username, "password": password, "csrf_token": token},
                      allow_redirects=False, timeout=30, headers={"Connection": "close"})
        return resp.status_code


def test_the_eleventh_failed_login_is_refused_by_every_worker(database, redis_url):  # noqa: F811
    url, names, tmp = database
    server = Gunicorn(_env(url, redis_url), tmp, "shared")
    try:
        user = names["reviewer"]
        assert [_login(server.url, user, "wrong") for _ in range(10)] == [200] * 10
        # keep trying until both workers have answered (each answer is a new connection; the kernel picks)
        for _ in range(40):
            assert _login(server.url, user, "wrong") == 429
            refused_by = {pid for pid, status in server.login_posts()[10:] if status == 429}
            if len(refused_by) == 2:
                break
        posts = server.login_posts()
        assert [s for _, s in posts[:10]] == [200] * 10 and all(s == 429 for _, s in posts[10:])
        assert len({pid for pid, _ in posts[10:]}) == 2, f"only one worker answered: {posts}"
        # the right password is refused too while the counter is full; another account is not affected
        assert _login(server.url, user, PASSWORD) == 429
        assert _login(server.url, names["viewer"], PASSWORD) == 302
    finally:
        server.stop()
    # the counters are in that Redis, under the deployment's prefix
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = [k.decode() for k in client.keys("*")]
    finally:
        client.close()
    assert keys and all(k.startswith("assess-test:") for k in keys), keys


def _closed_port() -> int:
    """A loopback port nobody listens on (bound and released: a Redis that is down)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_redis_down_log_ins_work_and_failures_are_still_limited_per_process(database):
    url, names, tmp = database
    server = Gunicorn(_env(url, f"redis://127.0.0.1:{_closed_port()}/0"), tmp, "redis-down")
    try:
        assert _login(server.url, names["office_admin"], PASSWORD) == 302  # not a 500, not refused
        user = names["dept_editor"]
        codes = [_login(server.url, user, "wrong") for _ in range(21)]
        assert 500 not in codes
        assert codes.count(200) <= 20 and 429 in codes, codes  # each worker refuses after its own ten
        assert _login(server.url, names["viewer"], PASSWORD) == 302
    finally:
        server.stop()
    assert "falling back to in-memory storage" in server.log.read_text(errors="replace")
