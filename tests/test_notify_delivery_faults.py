"""Exactly once when two senders run at once and when a sender is killed mid-batch.

Committed data in a database of its own (SQLite file, or a PostgreSQL database when TEST_DATABASE_URL is
set), a real SMTP server on 127.0.0.1, and senders with their own sessions: two threads, or ``flask notify
send`` in a subprocess killed with SIGKILL. "Nothing twice" is counted at the receiver by Message-ID.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assess import create_app
from assess.extensions import db
from assess.models import NotificationDelivery
from assess.models.base import utcnow
from tests.dbutil import fresh_database_url
from tests.faults_support import drop_database
from tests.notify_receivers import SmtpSink

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def world(tmp_path):
    """A committed office whose 8 users have addresses and ``events`` notifications each (8 × events rows)."""
    from assess.notify import services
    from tests.conftest import make_tenant

    url = fresh_database_url(tmp_path, "notify_faults")
    app = create_app({"SECRET_KEY": "notify-faults", "SQLALCHEMY_DATABASE_URI": url,
                      "STORAGE_DIR": str(tmp_path / "storage"), "MAIL_FROM": "noreply@gkb.example.gov.cn",
                      "PASSWORD_HASH_FAST": True})

    def build(events: int) -> int:
        with app.app_context():
            db.create_all()
            tenant = make_tenant("faults", "FFF")
            users = list(tenant.users.values())
            for i, u in enumerate(users):
                u.email = f"user{i}@faults.example.cn"
            for e in range(events):
                services.notify(users, office_id=tenant.office.id, kind="remind", event_key=f"ev{e}",
                                title=lambda e=e: f"催报 {e}", link="/notifications")
            db.session.commit()
            n = db.session.scalar(select(func.count(NotificationDelivery.id)))
            db.session.remove()
            return n

    yield app, url, build
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop_database(url)


def _states(app) -> Counter:
    with app.app_context():
        out = Counter(db.session.scalars(select(NotificationDelivery.status)).all())
        db.session.remove()
        return out


def _all_ids(app) -> set[str]:
    with app.app_context():
        ids = {f"<notification-delivery-{i}@gkb.example.gov.cn>" for i in db.session.scalars(select(NotificationDelivery.id))}
        db.session.remove()
        return ids


def test_two_senders_at_once_deliver_each_message_once(world):
    from assess.notify.delivery import deliver_due

    app, _url, build = world
    total = build(events=5)  # 40 deliveries
    sink = SmtpSink().start()
    sink.delay = 0.01  # each message takes a moment: the two senders overlap throughout
    app.config["SMTP_URL"] = sink.url
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sender():
        with app.app_context():
            try:
                barrier.wait(10)
                results.append(deliver_due(100))
            except Exception as exc:  # noqa: BLE001 (reported below)
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        sink.stop()
    assert not errors, errors
    ids = Counter(sink.message_ids())
    assert len(ids) == total and set(ids.values()) == {1}  # every message, each once
    assert set(ids) == _all_ids(app)
    assert sum(r["sent"] for r in results) == total and all(r["sent"] for r in results)  # both senders worked
    assert _states(app) == Counter({"sent": total})


def test_sender_killed_mid_batch_then_rerun_delivers_the_rest_once(world, tmp_path):
    from assess.notify.delivery import LEASE, deliver_due

    app, url, build = world
    total = build(events=2)  # 16 deliveries: the first chunk of 10 is claimed, the sender dies at the 4th
    sink = SmtpSink().start()
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="notify-faults", SMTP_URL=sink.url,
               MAIL_FROM="noreply@gkb.example.gov.cn", ASSESS_ENV="development", STORAGE_DIR=str(tmp_path / "storage"))
    env.pop("TEST_DATABASE_URL", None)
    with (tmp_path / "sender.log").open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "notify", "send"], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)

    def kill_at_fourth(_msg, n):
        if n == 4:  # received, before the server answers "250": the window between accept and "sent"
            os.kill(proc.pid, signal.SIGKILL)

    sink.on_message = kill_at_fourth
    try:
        assert proc.wait(120) == -signal.SIGKILL, (tmp_path / "sender.log").read_text()[-2000:]
        states = _states(app)
        assert states == Counter({"sent": 3, "pending": total - 3})
        with app.app_context():
            leased = db.session.scalar(select(func.count(NotificationDelivery.id))
                                       .where(NotificationDelivery.lease_until.is_not(None)))
            db.session.remove()
        assert leased == 7  # the rest of the killed sender's chunk waits for its lease to expire
        sink.on_message = None
        app.config["SMTP_URL"] = sink.url
        with app.app_context():
            assert deliver_due(100)["sent"] == total - 10  # now: only the rows nobody holds
            counts = deliver_due(100, now=utcnow() + LEASE + timedelta(seconds=1))  # after the lease: the rest
            db.session.remove()
        assert counts["sent"] == 7
    finally:
        sink.stop()
        if proc.poll() is None:
            proc.kill()
    ids = Counter(sink.message_ids())
    assert set(ids) == _all_ids(app) and len(ids) == total  # everything arrived
    twice = [m for m, n in ids.items() if n > 1]
    # the only repeat is the message in flight when the sender died, with the same Message-ID (the receiver
    # drops it); nothing marked sent was sent again
    assert len(twice) == 1 and sink.message_ids()[3] == twice[0]
    assert _states(app) == Counter({"sent": total})
