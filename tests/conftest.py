"""Shared fixtures: one app per test session, a rolled-back transaction per test, and a small world.

The database comes from TEST_DATABASE_URL (PostgreSQL in `make test`'s second run) or a temporary SQLite
file. Under pytest-xdist each worker gets its own database (``<name>_<worker>``).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import pytest
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import create_engine, text

from assess import create_app
from assess.extensions import db as _db

TEST_PASSWORD = "Test-pass-2026"

# Modules that never touch the database: `make test` runs them once, in the SQLite run.
DB_INDEPENDENT = ("test_scoring_", "test_db_setup_sqlite", "test_extraction_", "test_documents_official", "test_documents_fetcher",
                  "test_documents_pdf", "test_translations")


def pytest_collection_modifyitems(config, items):
    if not os.environ.get("ASSESS_DB_TESTS_ONLY"):
        return
    keep = [i for i in items if not i.path.name.startswith(DB_INDEPENDENT)]
    dropped = [i for i in items if i.path.name.startswith(DB_INDEPENDENT)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def _database_url(tmp_path_factory) -> str:
    base = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not base:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    if not worker:
        return base
    head, _, name = base.rpartition("/")
    name = f"{name}_{worker}"
    admin = create_engine(f"{head}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{re.sub(r"[^A-Za-z0-9_]", "", name)}"'))
    admin.dispose()
    return f"{head}/{name}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    storage = tmp_path_factory.mktemp("storage")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
            "WTF_CSRF_ENABLED": False,
            "STORAGE_DIR": str(storage),
            "RATELIMIT_ENABLED": True,
            "SERVER_NAME": "assess.test",
            "PASSWORD_HASH_FAST": True,
        }
    )
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


class _BoundSession(FlaskSession):
    """Flask-SQLAlchemy's session picks the engine itself; in tests it must use the test connection."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture()
def db(app):
    """Each test runs inside one outer transaction that is rolled back; app commits become savepoints."""
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original = _db.session
        _db.session = _db._make_scoped_session(
            {"class_": _BoundSession, "bind": connection, "join_transaction_mode": "create_savepoint"}
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture()
def client(app, db):
    from assess.extensions import limiter

    # Flask-Limiter keeps "enabled" on its one (global) object: another app of this process created
    # with RATELIMIT_ENABLED off (the browser tests' live server, the demo crawl) must not switch the
    # limits of this app off
    limiter.enabled = app.config["RATELIMIT_ENABLED"]
    limiter.reset()  # rate-limit counters are per test
    return app.test_client()


@pytest.fixture()
def login(client):
    """login(username) logs the test client in (password TEST_PASSWORD) and returns the client."""

    def _login(username: str, password: str = TEST_PASSWORD, c=None):
        c = c or client
        c.post("/auth/logout")
        resp = c.post("/auth/login", data={"username": username, "password": password})
        assert resp.status_code == 302, f"log-in as {username} failed"
        return c

    return _login


@dataclass
class Tenant:
    """One office with two departments (A and B), and a user of every role."""

    office: object
    group: object
    dept_a: object
    dept_b: object
    users: dict = field(default_factory=dict)  # role key → User


def make_tenant(code: str, marker: str) -> Tenant:
    from assess.admin import services
    from assess.auth.passwords import hash_password
    from assess.models import Role

    office = services.create_office(code, f"{marker}公开办", actor=None)
    group = services.create_group(office, f"{marker}县直部门", actor=None)
    dept_a = services.create_department(office, f"{marker}甲局", group, actor=None)
    dept_b = services.create_department(office, f"{marker}乙局", group, actor=None)
    tenant = Tenant(office, group, dept_a, dept_b)
    pw = _hash_cache.setdefault("pw", hash_password(TEST_PASSWORD))
    for key, role, dept in [
        ("office_admin", Role.OFFICE_ADMIN, None),
        ("reviewer", Role.REVIEWER, None),
        ("viewer", Role.VIEWER, None),
        ("dept_admin", Role.DEPT_ADMIN, dept_a),
        ("dept_editor", Role.DEPT_EDITOR, dept_a),
        ("dept_viewer", Role.VIEWER, dept_a),
        ("dept_b_admin", Role.DEPT_ADMIN, dept_b),
        ("dept_b_editor", Role.DEPT_EDITOR, dept_b),
    ]:
        user = services.create_user(actor=None, username=f"{code}-{key}", display_name=f"{marker}{key}", role=role,
                                    office=office, department=dept)
        user.password_hash = pw
        tenant.users[key] = user
    _db.session.flush()
    return tenant


_hash_cache: dict[str, str] = {}


@pytest.fixture()
def tenant_a(db) -> Tenant:
    return make_tenant("office-a", "AAA")


@pytest.fixture()
def tenant_b(db) -> Tenant:
    return make_tenant("office-b", "BBB")


@pytest.fixture()
def platform_admin(db):
    from assess.auth.passwords import hash_password
    from assess.models import Role, User

    user = User(username="root-admin", display_name="平台管理员", role=Role.PLATFORM_ADMIN,
                password_hash=_hash_cache.setdefault("pw", hash_password(TEST_PASSWORD)))
    _db.session.add(user)
    _db.session.flush()
    return user
