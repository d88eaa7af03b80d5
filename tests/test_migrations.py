"""The migrations build the same schema as the models, from empty, and downgrade back to empty."""
from __future__ import annotations

import os
import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from assess import create_app
from assess.extensions import db


def _fresh_url(tmp_path) -> str:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    head, _, name = base.rpartition("/")
    name = re.sub(r"[^A-Za-z0-9_]", "", f"{name}_mig_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")
    admin = create_engine(f"{head}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{head}/{name}"


def test_upgrade_from_empty_matches_models_and_downgrades(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": _fresh_url(tmp_path), "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert diff == [], f"models and migrations differ — run `flask --app wsgi db migrate`: {diff}"
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.engine.dispose()
