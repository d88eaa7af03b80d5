"""The audit chain's lock (assess/audit/services.py ``chain_lock``) does not wait for transactions that only
inserted rows referencing the office — with plain FOR UPDATE two such transactions appending to the chain
deadlocked on PostgreSQL. (On SQLite a write transaction locks the whole database: nothing to check.)"""
from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, delete, insert, text

from assess.audit.services import chain_lock
from assess.models import Group, Office

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                reason="row-lock modes exist on PostgreSQL only")


def test_chain_lock_is_not_blocked_by_foreign_key_checks(app):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as setup:  # committed: the other connections must see the office
        office_id = setup.execute(insert(Office.__table__).values(code="lock-fk", name="锁测试公开办")
                                  ).inserted_primary_key[0]
    try:
        with engine.connect() as other, engine.connect() as me:
            # another request inserted a row referencing the office and has not committed yet
            other.execute(insert(Group.__table__).values(office_id=office_id, name="锁测试分组"))
            me.execute(text("SET LOCAL lock_timeout = '2s'"))
            me.execute(chain_lock(office_id))  # FOR UPDATE would wait here for the other transaction, and fail
            other.rollback()
            me.rollback()
    finally:
        with engine.begin() as cleanup:
            cleanup.execute(delete(Office.__table__).where(Office.__table__.c.id == office_id))
        engine.dispose()
