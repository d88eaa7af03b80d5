"""A worker killed (SIGKILL) mid-request leaves no half-written state.

gunicorn serves the app with one worker through ``assess.faults:create_app()``; ASSESS_FAULT_SLEEP makes
the worker sleep inside the request right before the commit — the services have flushed every write —
and the test kills it there. The database must hold none of the operation; after the master has
respawned the worker, the same request completes, and the database holds all of it, exactly once.
Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set (a database of its own).
"""
from __future__ import annotations

import base64
import os
import signal
import threading

import pytest
import requests
from sqlalchemy import func, select

from assess import create_app
from assess.extensions import db
from tests.faults_support import Server, csrf_of, database_url, drop_database, login, wait_for_file


@pytest.fixture()
def world(tmp_path):
    """Committed data: the demo office (8 departments), a 2027 campaign in self-assessment whose first
    departments have complete answers, their administrators (load-d001 …) — built by the load benchmark's
    data set."""
    from bench.load.dataset import build

    url = database_url(tmp_path, "faults_kill")
    storage = tmp_path / "storage"
    app = create_app({"SECRET_KEY": "fault-test", "SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": str(storage)})
    with app.app_context():
        db.create_all()
        plan = build(departments=8, n_dept_users=2, n_reviewers=1)
        db.session.commit()
        db.session.remove()
    yield app, url, storage, plan
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop_database(url)


def _in_thread(fn):
    out = {}

    def run():
        try:
            out["response"] = fn()
        except requests.RequestException as exc:  # the worker died under the request
            out["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def _kill_during(server: Server, mark, request_fn):
    t, out = _in_thread(request_fn)
    pid = int(wait_for_file(mark))
    os.kill(pid, signal.SIGKILL)
    t.join(60)
    assert not t.is_alive()
    assert "response" not in out or out["response"].status_code >= 500
    server.wait_ready()


def test_submission_killed_before_commit_happens_completely_or_not_at_all(world, tmp_path):
    from assess.audit.services import verify_chain
    from assess.models import AuditEntry, Submission, SubmissionState

    app, url, storage, plan = world
    me = plan["dept_users"][0]
    sid = me["submission_id"]
    mark = tmp_path / "mark"
    server = Server(url, storage, tmp_path / "gunicorn.log", ASSESS_FAULT_SLEEP="selfassessment.submit:60",
                    ASSESS_FAULT_MARK=str(mark))
    try:
        s = login(server.base, me["username"], plan["password"])
        token = csrf_of(s, f"{server.base}/self/{sid}")
        r = s.post(f"{server.base}/self/{sid}/send", data={"csrf_token": token}, allow_redirects=False, timeout=60)
        assert r.status_code == 302
        _kill_during(server, mark, lambda: s.post(f"{server.base}/self/{sid}/submit", data={"csrf_token": token},
                                                  allow_redirects=False, timeout=90))

        def state():
            with app.app_context():
                sub = db.session.get(Submission, sid)
                n = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
                    AuditEntry.action == "submission.submit", AuditEntry.object_id == str(sid)))
                chain = verify_chain(sub.office_id)
                out = (sub.state, sub.submitted_at, sub.submitted_by_id, n, chain.ok)
                db.session.remove()
                return out

        assert state() == (SubmissionState.AWAITING_LEADER, None, None, 0, True)  # nothing of it
        # the respawned worker serves the same request to the end (the fault hook is one-shot)
        r = s.post(f"{server.base}/self/{sid}/submit", data={"csrf_token": token}, allow_redirects=False, timeout=90)
        assert r.status_code == 302
        st, at, by, n, ok = state()
        assert (st, n, ok) == (SubmissionState.SUBMITTED, 1, True) and at is not None and by is not None
    finally:
        server.stop()
    assert "fault injection armed" in (tmp_path / "gunicorn.log").read_text()


def test_bulk_import_killed_before_commit_happens_completely_or_not_at_all(world, tmp_path):
    from assess.models import AuditEntry, Department

    app, url, storage, plan = world
    mark = tmp_path / "mark"
    names = [f"负载导入测试局{i:02d}" for i in range(60)]
    csv = "部门名称,分组\n" + "".join(f"{n},县直部门\n" for n in names)
    server = Server(url, storage, tmp_path / "gunicorn.log", ASSESS_FAULT_SLEEP="admin.confirm_import:60",
                    ASSESS_FAULT_MARK=str(mark))

    def counts():
        with app.app_context():
            n = db.session.scalar(select(func.count()).select_from(Department).where(Department.name.in_(names)))
            audit = db.session.scalar(select(func.count()).select_from(AuditEntry))
            db.session.remove()
            return n, audit

    try:
        _n, audit_before = counts()
        s = login(server.base, "office", plan["password"])
        token = csrf_of(s, f"{server.base}/admin/departments/import")
        data = {"csrf_token": token, "filename": "departments.csv",
                "payload": base64.b64encode(csv.encode()).decode()}
        _kill_during(server, mark, lambda: s.post(f"{server.base}/admin/departments/import/confirm", data=data,
                                                  allow_redirects=False, timeout=90))
        assert counts() == (0, audit_before)  # none of the 60 departments, no audit entry
        r = s.post(f"{server.base}/admin/departments/import/confirm", data=data, allow_redirects=False, timeout=90)
        assert r.status_code == 302, r.text[:1000]
        n, audit = counts()
        assert n == len(names) and audit > audit_before  # all of them, once each
    finally:
        server.stop()
