"""A fresh, empty database for tests that need their own (migrations, backups, faults, the demo command)."""
from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy import create_engine, text


def fresh_database_url(tmp_path: Path, tag: str) -> str:
    """A new SQLite file, or on PostgreSQL (TEST_DATABASE_URL) a new database of its own per xdist worker."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path / (tag + '.sqlite3')}"
    head, _, name = base.rpartition("/")
    name = re.sub(r"[^A-Za-z0-9_]", "", f"{name}_{tag}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")
    admin = create_engine(f"{head}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{head}/{name}"
