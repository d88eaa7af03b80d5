"""Helpers for the fault tests: a throw-away database with committed data, and gunicorn serving it."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from tests.dbutil import fresh_database_url

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).parent / "gunicorn"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

database_url = fresh_database_url


def drop_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    head, _, name = url.rpartition("/")
    admin = create_engine(f"{head}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """``gunicorn -w 1 'assess.faults:create_app()'`` on 127.0.0.1 (stopped by :meth:`stop`)."""

    def __init__(self, url: str, storage: Path, log: Path, **env: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        full = dict(os.environ, DATABASE_URL=url, STORAGE_DIR=str(storage), SECRET_KEY="fault-test",
                    ASSESS_ENV="development", **env)
        full.pop("TEST_DATABASE_URL", None)
        self.log = log
        self._out = log.open("wb")
        self.proc = subprocess.Popen(
            [str(GUNICORN), "-w", "1", "-b", f"127.0.0.1:{self.port}", "--timeout", "120",
             "--graceful-timeout", "5", "assess.faults:create_app()"],
            cwd=ROOT, env=full, stdout=self._out, stderr=subprocess.STDOUT)
        try:
            self.wait_ready()
        except RuntimeError:
            self.stop()
            raise

    def wait_ready(self, seconds: float = 90) -> None:
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()


def login(base: str, username: str, password: str) -> requests.Session:
    s = requests.Session()
    page = s.get(base + "/auth/login", timeout=30).text
    r = s.post(base + "/auth/login", data={"username": username, "password": password,
                                          "csrf_token": CSRF_RE.search(page).group(1)},
               allow_redirects=False, timeout=60)
    assert r.status_code == 302, r.text[:500]
    return s


def csrf_of(session: requests.Session, url: str) -> str:
    return CSRF_RE.search(session.get(url, timeout=60).text).group(1)


def wait_for_file(path: Path, seconds: float = 60) -> str:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")
