"""SQLite engine settings (assess/db_setup.py): a writing transaction waits for the write lock held by
another and then gets it; past the busy timeout it fails as SQLite would. (How soon it gets the lock is a
speed property: the load benchmark measures it, no test times it.)"""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from assess import db_setup


@pytest.fixture()
def engine(tmp_path):
    eng = create_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    db_setup.configure_engine(eng)
    with eng.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    yield eng
    eng.dispose()


def _hold_write_lock(eng, seconds: float, started: threading.Event) -> None:
    with eng.connect() as conn:
        conn.info["write"] = True
        with conn.begin():
            conn.execute(text("INSERT INTO t VALUES (1)"))
            started.set()
            time.sleep(seconds)


def test_a_writer_waits_for_the_lock_and_then_gets_it(engine):
    started = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(engine, 0.3, started))
    holder.start()
    started.wait(5)
    t0 = time.monotonic()
    with engine.connect() as conn:
        conn.info["write"] = True
        with conn.begin():
            conn.execute(text("INSERT INTO t VALUES (2)"))
        waited = time.monotonic() - t0
    holder.join()
    assert waited >= 0.2  # it did wait for the holder
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 2
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == db_setup.BUSY_TIMEOUT_MS  # restored


def test_past_the_busy_timeout_the_error_is_sqlites(engine, monkeypatch):
    monkeypatch.setattr(db_setup, "BUSY_TIMEOUT_MS", 100)
    started = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(engine, 0.6, started))
    holder.start()
    started.wait(5)
    with engine.connect() as conn:
        conn.info["write"] = True
        with pytest.raises(OperationalError, match="locked"):
            with conn.begin():
                conn.execute(text("INSERT INTO t VALUES (2)"))
    holder.join()
