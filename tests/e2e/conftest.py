"""Browser fixtures: a live server of the real app and Debian's Chromium driven by Playwright.

- ``live_app`` (session): ``create_app({...})`` on its own database — a temp-file SQLite database, or,
  when ``TEST_DATABASE_URL`` is a PostgreSQL URL, the database ``<name>_e2e[_<xdist worker>]`` on the
  same server (created when missing, tables dropped and re-created). Seed data with
  ``with live_app.app_context(): ...; db.session.commit()``.
- ``live_server`` (session): the base URL (``http://127.0.0.1:PORT``) of a werkzeug server running
  ``live_app`` in a daemon thread on a free port.
- ``browser`` (session), ``context`` and ``page`` (per test): Playwright with ``/usr/bin/chromium``
  (never ``playwright install``). ``context`` has ``base_url=live_server``, so ``page.goto("/auth/login")``
  works. On failure a screenshot goes to ``var/e2e-artifacts/``.

Tests here are skipped only when Chromium is absent *and* ``CI`` is not set; in CI they must run.
Every test in this folder gets the ``browser`` marker (``-m "not browser"`` leaves them out).
"""
from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
DEFAULT_TIMEOUT_MS = 15_000
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "e2e-artifacts"
HERE = Path(__file__).resolve().parent


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


# --------------------------------------------------------------------------- live server


def _worker_suffix() -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return f"_{worker}" if worker else ""


def _e2e_database_uri(tmp_dir: Path) -> str:
    """A database of its own for the live server (see the module docstring)."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        return f"sqlite:///{tmp_dir / 'e2e.sqlite3'}"

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base)
    name = f"{url.database or 'assess_test'}_e2e{_worker_suffix()}"
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise pytest.UsageError(f"unexpected database name derived from TEST_DATABASE_URL: {name!r}")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory):
    """The application served by ``live_server``, on a fresh schema."""
    from assess import create_app
    from assess.extensions import db

    tmp_dir = tmp_path_factory.mktemp("e2e")
    storage = tmp_dir / "storage"
    storage.mkdir()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "e2e-not-secret",
            "SQLALCHEMY_DATABASE_URI": _e2e_database_uri(tmp_dir),
            "STORAGE_DIR": str(storage),
            "WTF_CSRF_ENABLED": True,  # a real browser submits the real forms, token included
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[str]:
    """Base URL of ``live_app`` served by werkzeug in a daemon thread on a free loopback port."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not os.path.exists(CHROMIUM):
        if _in_ci():
            pytest.fail(f"{CHROMIUM} is missing and CI is set: browser tests must run (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not found (apt-get install chromium); browser tests skipped outside CI")
    return CHROMIUM


@pytest.fixture(scope="session")
def playwright_driver(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_driver, chromium_path):
    browser = playwright_driver.chromium.launch(
        executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def context(browser, live_server):
    ctx = browser.new_context(
        base_url=live_server,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 900},
    )
    ctx.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, request: pytest.FixtureRequest):
    page = context.new_page()
    page.js_errors = []  # uncaught JS exceptions, for assertions in tests
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        try:
            page.screenshot(path=str(ARTIFACTS / f"{safe}.png"), full_page=True)
        except Exception:  # the page may be gone; the test failure is what matters
            pass
    page.close()
