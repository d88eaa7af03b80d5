"""Faults that are not a killed worker: the database gone for a moment, the disk full or the evidence
folder unwritable during an upload.

- Database outage (``assess.faults.db_outage``: every statement fails as when the server has gone away):
  pages answer 503 with our error page (no stack trace), the JSON autosave and /api/ answer 503 JSON; when
  the database is back the same requests succeed without any restart, and the draft typed during the
  outage is saved then (the autosave script keeps it in the browser meanwhile).
- Disk full (the storage's write raises ENOSPC) or a read-only folder: the upload is refused with a clear
  message at the file field, no Evidence row, no audit entry, no file or partial file left in storage; a
  commit that fails after the file was written removes the file again. The same holds for every upload
  (self-assessment workbook, reviewers' and contests' evidence, rectification evidence, annual reports,
  the office's seal): they all store through ``assess.storage.put_upload``.
"""
from __future__ import annotations

import errno
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assess.selfassessment import evidence as ev
from assess.extensions import db
from assess.faults import db_outage
from assess.models import Answer, AuditEntry, Evidence
from assess.storage import LocalStorage, get_storage
from tests.api_helpers import auth, token_for
from tests.campaign_world import make_campaign, pdf_bytes, submission_of


@pytest.fixture()
def sub(db, tenant_a):
    s = submission_of(make_campaign(tenant_a), tenant_a.dept_a)
    db.session.commit()
    return s


@pytest.fixture()
def handled(app, monkeypatch):
    """Errors go through the app's handlers as in production (tests propagate them by default)."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    return app


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- the database unavailable for a moment ----------------------------------------------------------


def test_outage_gives_clear_503_and_recovers_by_itself(handled, client, login, sub, tenant_a):
    login(tenant_a.users["dept_editor"].username)
    sid = sub.id
    body = {"inputs": {"has_group": "true", "doc_issued": "true"}, "explanation": "停电期间写的说明<b>", "version": 0}
    with db_outage(db.engine):
        page = client.get(f"/self/{sid}")
        assert page.status_code == 503
        html = page.get_data(as_text=True)
        assert "服务暂时不可用" in html and "Traceback" not in html and "OperationalError" not in html
        assert page.headers["Content-Type"].startswith("text/html")
        saved = client.post(f"/self/api/{sid}/answers/A1", json=body, headers={"Accept": "application/json"})
        assert saved.status_code == 503 and saved.is_json
        assert saved.get_json()["error"]["code"] == "unavailable"
        api = client.get("/api/v1/submissions", headers={"Accept": "application/json"})
        assert api.status_code == 503 and api.is_json and "Traceback" not in api.get_data(as_text=True)
    # back: same client, same session, no restart
    assert client.get(f"/self/{sub.id}").status_code == 200
    saved = client.post(f"/self/api/{sub.id}/answers/A1", json=body)
    assert saved.status_code == 200, saved.get_json()
    a = db.session.scalars(select(Answer).where(Answer.submission_id == sub.id, Answer.indicator_code == "A1")).one()
    assert a.explanation == "停电期间写的说明<b>"


def test_outage_on_the_api_with_a_token(handled, client, tenant_a, db):
    raw = token_for(tenant_a.users["office_admin"])
    db.session.commit()
    with db_outage(db.engine):
        r = client.get("/api/v1/submissions", headers=auth(raw))
        assert r.status_code == 503 and r.is_json
        assert set(r.get_json()["error"]) >= {"code", "message"}
    assert client.get("/api/v1/submissions", headers=auth(raw)).status_code == 200


def test_outage_during_login_page_post(handled, client, tenant_a):
    with db_outage(db.engine):
        r = client.post("/auth/login", data={"username": "whoever", "password": "x" * 12})
        assert r.status_code == 503 and "服务暂时不可用" in r.get_data(as_text=True)
    assert client.post("/auth/login", data={"username": "whoever", "password": "x" * 12}).status_code == 200


# --- disk full / unwritable evidence folder -----------------------------------------------------------


def _counts(sub):
    return (db.session.scalar(select(func.count()).select_from(Evidence).where(Evidence.owner_id == sub.id)),
            db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "evidence.add")))


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_upload_when_the_disk_is_full_or_read_only(app, client, login, sub, tenant_a, monkeypatch, error):
    root = Path(app.config["STORAGE_DIR"])
    before_files, before = set(_files(root)), _counts(sub)

    def write_bytes(self, data):  # a partial write, then the error (as a full disk does)
        with open(self, "wb") as fh:
            fh.write(data[: len(data) // 2])
        raise OSError(error, "injected")

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    login(tenant_a.users["dept_editor"].username)
    r = client.post(f"/evidence/submissions/{sub.id}/A1/file",
                    data={"file": (__import__("io").BytesIO(pdf_bytes("disk")), "会议纪要.pdf"), "title": "会议纪要"},
                    content_type="multipart/form-data")
    monkeypatch.undo()
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "文件未能保存" in html and "Traceback" not in html
    assert "会议纪要" in html  # the title typed is shown back
    assert _counts(sub) == before  # no row, no audit entry
    assert set(_files(root)) == before_files  # no file, no .part left


def test_service_refuses_with_field_error_when_storage_write_fails(app, sub, tenant_a, monkeypatch):
    with app.test_request_context():
        storage = get_storage()

        def put(key, data, content_type="application/octet-stream"):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(storage, "put", put)
        with pytest.raises(ev.EvidenceError) as exc:
            ev.add_file(sub, "A1", actor=tenant_a.users["dept_editor"], filename="a.pdf", data=pdf_bytes())
        assert exc.value.field == "file" and "存储空间不足" in str(exc.value)


def test_local_storage_leaves_no_partial_file(tmp_path, monkeypatch):
    s = LocalStorage(tmp_path)

    def write_bytes(self, data):
        with open(self, "wb") as fh:
            fh.write(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    with pytest.raises(OSError):
        s.put("o1/d1/abc", b"whole file")
    monkeypatch.undo()
    assert _files(tmp_path) == [] and not s.exists("o1/d1/abc")


def test_failed_commit_after_the_file_was_written_removes_it(handled, client, login, sub, tenant_a, monkeypatch):
    root = Path(handled.config["STORAGE_DIR"])
    before_files = set(_files(root))
    login(tenant_a.users["dept_editor"].username)
    real_commit = db.session.commit
    calls = {"n": 0}

    def failing_commit():
        calls["n"] += 1
        from sqlalchemy.exc import OperationalError

        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(db.session, "commit", failing_commit)
    r = client.post(f"/evidence/submissions/{sub.id}/A1/file",
                    data={"file": (__import__("io").BytesIO(pdf_bytes("commit")), "纪要.pdf"), "title": "纪要"},
                    content_type="multipart/form-data")
    monkeypatch.setattr(db.session, "commit", real_commit)
    assert calls["n"] == 1
    assert r.status_code == 503 and "服务暂时不可用" in r.get_data(as_text=True)
    assert set(_files(root)) == before_files  # the file written before the commit is gone again
    assert db.session.scalar(select(func.count()).select_from(Evidence).where(Evidence.owner_id == sub.id)) == 0


# --- the same fault on the other upload paths (one helper: assess.storage.put_upload) --------------------

UNSTORED = "文件未能保存：存储空间不足或存储目录不可写"


def _break_the_disk(monkeypatch, error: int = errno.ENOSPC) -> None:
    """Every file write fails part-way, as on a full disk (or at once, as in a read-only folder)."""

    def write_bytes(self, data):
        if error == errno.ENOSPC:
            with open(self, "wb") as fh:
                fh.write(data[: len(data) // 2])
        raise OSError(error, "injected")

    monkeypatch.setattr(Path, "write_bytes", write_bytes)


def _rows(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _workbook(client, sid: int, value: int = 260) -> bytes:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(client.get(f"/self/{sid}/export.xlsx").data))
    for row in wb["自评表"].iter_rows(min_row=2):
        if (row[0].value, row[2].value) == ("C1", "items_published"):
            row[6].value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EROFS])
def test_workbook_upload_when_the_disk_is_full(app, client, login, sub, tenant_a, monkeypatch, error):
    root = Path(app.config["STORAGE_DIR"])
    login(tenant_a.users["dept_editor"].username)
    data = _workbook(client, sub.id)
    before_files = set(_files(root))
    _break_the_disk(monkeypatch, error)
    r = client.post(f"/self/{sub.id}/upload", data={"file": (io.BytesIO(data), "自评表.xlsx")},
                    content_type="multipart/form-data")
    monkeypatch.undo()
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and f'id="file-err">{UNSTORED}' in html and "Traceback" not in html
    assert 'name="token"' not in html  # nothing to confirm
    assert set(_files(root)) == before_files
    # the disk has room again: the same file goes through
    r = client.post(f"/self/{sub.id}/upload", data={"file": (io.BytesIO(data), "自评表.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 200 and 'name="token"' in r.get_data(as_text=True)


def test_workbook_confirm_when_the_disk_is_full(app, client, login, sub, tenant_a, monkeypatch):
    root = Path(app.config["STORAGE_DIR"])
    login(tenant_a.users["dept_editor"].username)
    body = client.post(f"/self/{sub.id}/upload", data={"file": (io.BytesIO(_workbook(client, sub.id)), "表.xlsx")},
                       content_type="multipart/form-data").get_data(as_text=True)
    token = body.split('name="token" value="')[1].split('"')[0]
    before_files, before = set(_files(root)), _counts(sub)
    _break_the_disk(monkeypatch)
    r = client.post(f"/self/{sub.id}/upload/confirm", data={"token": token}, follow_redirects=True)
    monkeypatch.undo()
    assert UNSTORED in r.get_data(as_text=True)
    assert _counts(sub) == before and set(_files(root)) == before_files
    assert _rows(Answer, Answer.submission_id == sub.id, Answer.indicator_code == "C1") == 0  # nothing applied


@pytest.fixture()
def review_world(db, tenant_a):
    from assess.review import services as rs
    from tests.review_factories import make_campaign as review_campaign
    from tests.review_factories import make_submission

    t = tenant_a
    t.rsub = make_submission(review_campaign(t.office), t.dept_a)
    rs.assign(t.rsub.campaign, t.dept_a.id, t.users["reviewer"], actor=None)
    db.session.commit()
    return t


def test_review_evidence_upload_when_the_disk_is_full(app, client, login, review_world, monkeypatch):
    from assess.models import ReviewScore
    from tests.campaign_world import PNG

    t, root = review_world, Path(app.config["STORAGE_DIR"])
    login(t.users["reviewer"].username)
    before_files, audits = set(_files(root)), _rows(AuditEntry)
    _break_the_disk(monkeypatch)
    r = client.post(f"/review/submissions/{t.rsub.id}/scores/A1", content_type="multipart/form-data", data={
        "action": "save", "score": "0", "problem": "“意见征集”栏目空白（评审时所写）", "version": "0",
        "evidence_title": "栏目截图", "evidence_file": (io.BytesIO(PNG), "shot.png")})
    monkeypatch.undo()
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and f'id="evidence_file-err">{UNSTORED}' in html
    assert "“意见征集”栏目空白（评审时所写）" in html and "栏目截图" in html  # what was typed is kept
    assert _rows(ReviewScore, ReviewScore.department_id == t.dept_a.id) == 0
    assert _rows(Evidence, Evidence.owner_type == "review") == 0 and _rows(AuditEntry) == audits
    assert set(_files(root)) == before_files


def test_rectification_evidence_upload_when_the_disk_is_full(app, client, login, tenant_a, monkeypatch):
    from tests.test_rectification_support import make_notice

    notice = make_notice(tenant_a)
    item = notice.items[0]
    db.session.commit()
    root = Path(app.config["STORAGE_DIR"])
    login(tenant_a.users["dept_editor"].username)
    before_files, audits = set(_files(root)), _rows(AuditEntry)
    _break_the_disk(monkeypatch, errno.EACCES)
    r = client.post(f"/rectification/items/{item.id}/evidence", content_type="multipart/form-data",
                    data={f"e{item.id}-kind": "file", f"e{item.id}-title": "整改报告（断电前填写）",
                          f"e{item.id}-file": (io.BytesIO(pdf_bytes("rect")), "整改报告.pdf")})
    monkeypatch.undo()
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and f'id="e{item.id}-file-err">{UNSTORED}' in html
    assert "整改报告（断电前填写）" in html
    assert _rows(Evidence, Evidence.owner_id == item.id, Evidence.owner_type != "submission") == 0
    assert _rows(AuditEntry) == audits and set(_files(root)) == before_files


def test_annual_report_upload_when_the_disk_is_full(app, client, login, tenant_a, monkeypatch):
    from assess.models import AnnualReport
    from tests.imports_world import report_text

    root = Path(app.config["STORAGE_DIR"])
    login(tenant_a.users["dept_editor"].username)
    before_files, audits = set(_files(root)), _rows(AuditEntry)
    _break_the_disk(monkeypatch)
    r = client.post("/imports/reports", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(report_text(2024).encode("utf-8")), "2024.txt"), "year": "2024"})
    monkeypatch.undo()
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and f'id="report-file-err" role="alert">{UNSTORED}' in html
    assert 'value="2024"' in html  # the year typed is kept
    assert _rows(AnnualReport, AnnualReport.department_id == tenant_a.dept_a.id) == 0
    assert _rows(AuditEntry) == audits and set(_files(root)) == before_files


def test_seal_upload_when_the_disk_is_full(app, client, login, tenant_a, monkeypatch):
    from assess.documents.samples import sample_seal_png

    root = Path(app.config["STORAGE_DIR"])
    login(tenant_a.users["office_admin"].username)
    png = sample_seal_png()
    before_files = set(_files(root))
    _break_the_disk(monkeypatch, errno.EROFS)
    r = client.post("/documents/settings/seal", data={"seal": (io.BytesIO(png), "印章.png")},
                    content_type="multipart/form-data")
    monkeypatch.undo()
    assert r.status_code == 400 and f'id="seal-err">{UNSTORED}' in r.get_data(as_text=True)
    assert tenant_a.office.seal_key is None and set(_files(root)) == before_files


def test_a_file_whose_transaction_does_not_commit_is_removed(handled, client, login, tenant_a, monkeypatch):
    """Not only the evidence page: any upload written before a failing commit (here an annual report) is
    removed again, as is one written before a later refusal rolled the transaction back."""
    from sqlalchemy.exc import OperationalError

    from assess.models import AnnualReport
    from assess.storage import put_upload
    from tests.imports_world import report_text

    root = Path(handled.config["STORAGE_DIR"])
    login(tenant_a.users["dept_editor"].username)
    before_files = set(_files(root))

    def failing_commit():
        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    real_commit = db.session.commit
    monkeypatch.setattr(db.session, "commit", failing_commit)
    r = client.post("/imports/reports", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(report_text(2024).encode("utf-8")), "2024.txt"), "year": "2024"})
    monkeypatch.setattr(db.session, "commit", real_commit)
    assert r.status_code == 503
    assert set(_files(root)) == before_files
    assert _rows(AnnualReport, AnnualReport.department_id == tenant_a.dept_a.id) == 0
    # rolled back after the file was written: removed; committed: kept; keep=True: kept without a commit
    with handled.test_request_context():
        put_upload("o1/d1/rolledback", b"x", error=ValueError)
        db.session.rollback()
        assert not get_storage().exists("o1/d1/rolledback")
        put_upload("o1/d1/committed", b"x", error=ValueError)
        db.session.commit()
        put_upload("o1/d1/kept", b"x", error=ValueError, keep=True)
        db.session.rollback()
        assert get_storage().exists("o1/d1/committed") and get_storage().exists("o1/d1/kept")
        get_storage().delete("o1/d1/committed")
        get_storage().delete("o1/d1/kept")


# --- a real network outage on PostgreSQL: a TCP proxy in front of the test database -----------------


class _Proxy:
    """Forwards 127.0.0.1:<port> to the database; :meth:`down` drops every connection and stops listening
    (the server "goes away"), :meth:`up` listens again on the same port."""

    def __init__(self, host: str, port: int):
        import socket

        self.target = (host, port)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.conns: list = []
        self.listener = None
        self.up()

    def up(self) -> None:
        import socket
        import threading

        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", self.port))
        ls.listen(16)
        self.listener = ls
        threading.Thread(target=self._accept, args=(ls,), daemon=True).start()

    def _accept(self, ls) -> None:
        import socket
        import threading

        while True:
            try:
                client, _addr = ls.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.conns += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.close()
                except OSError:
                    pass

    def down(self) -> None:
        import socket

        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread (close alone does not)
        except OSError:
            pass
        self.listener.close()
        for s in self.conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        self.conns.clear()


@pytest.mark.skipif(not __import__("os").environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="a network outage needs PostgreSQL (TEST_DATABASE_URL)")
def test_postgresql_going_away_and_coming_back(app):
    """The connection pool's connections die with the server; requests answer 503 while it is away and
    succeed again, without a restart, once it is back (pool_pre_ping replaces the dead connections)."""
    from sqlalchemy.engine import make_url

    from assess import create_app
    from assess.extensions import db as _db

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    proxy = _Proxy(url.host or "127.0.0.1", url.port or 5432)
    other = create_app({"SECRET_KEY": "outage", "WTF_CSRF_ENABLED": False, "STORAGE_DIR": app.config["STORAGE_DIR"],
                        "SQLALCHEMY_DATABASE_URI": url.set(host="127.0.0.1", port=proxy.port).render_as_string(False),
                        "RATELIMIT_ENABLED": False})
    c = other.test_client()
    form = {"username": "nobody-here", "password": "Not-a-password-1"}
    try:
        assert c.post("/auth/login", data=form).status_code == 200  # the users table was read
        proxy.down()
        r = c.post("/auth/login", data=form)
        assert r.status_code == 503 and "服务暂时不可用" in r.get_data(as_text=True)
        r = c.get("/api/v1/submissions", headers={"Authorization": "Bearer x", "Accept": "application/json"})
        assert r.status_code in (401, 503) and r.is_json
        proxy.up()
        assert c.post("/auth/login", data=form).status_code == 200  # back by itself
    finally:
        proxy.down()
        with other.app_context():
            _db.engine.dispose()
