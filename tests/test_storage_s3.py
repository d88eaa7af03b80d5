"""The S3 storage backend against a real S3-compatible server (moto's standalone server over HTTP, see
tests/object_store.py): evidence upload, download and delete, the checksum checked on every read (a changed
object is refused), 50 MB files streamed with a small, measured memory peak, issued PDFs, an object store
that is down, and `flask backup` / `restore` between two installations on S3."""
from __future__ import annotations

import hashlib
import io
import os
import tracemalloc

import pytest
from sqlalchemy import select

from assess import create_app
from assess.evidence import services as ev_services
from assess.extensions import db as _db
from assess.models import Evidence, EvidenceKind
from assess.storage import (ChecksumError, MissingError, S3Storage, StorageError, get_storage, open_verified,
                            put_upload)
from tests.campaign_world import make_campaign, pdf_bytes, submission_of
from tests.object_store import CREDENTIALS, drop_bucket, new_bucket, s3_bucket, s3_client, s3_endpoint  # noqa: F401

MB = 1024 * 1024
BIG = 50 * MB


@pytest.fixture()
def s3(s3_bucket) -> S3Storage:
    client, bucket = s3_bucket
    return S3Storage(client, bucket, prefix="assess")


@pytest.fixture()
def s3_app(app, s3):
    """The session's app with its files in the test's bucket (the object store every server would share)."""
    before = app.extensions.get("assess_storage")
    app.extensions["assess_storage"] = s3
    try:
        yield s3
    finally:
        if before is None:
            app.extensions.pop("assess_storage", None)
        else:
            app.extensions["assess_storage"] = before


def _objects(s3: S3Storage) -> dict[str, int]:
    resp = s3.client.list_objects_v2(Bucket=s3.bucket)
    return {o["Key"]: o["Size"] for o in resp.get("Contents", [])}


def _big_file(path, size: int = BIG) -> str:
    """A file of ``size`` bytes that compresses to nothing useful; returns its SHA-256."""
    digest = hashlib.sha256()
    block = os.urandom(MB)
    with open(path, "wb") as fh:
        for i in range(size // MB):
            chunk = i.to_bytes(4, "big") + block[4:]
            digest.update(chunk)
            fh.write(chunk)
    return digest.hexdigest()


# --- the backend itself ---------------------------------------------------------------------------------


def test_put_get_stream_delete_keys_over_http(s3):
    s3.put("o1/d2/abc", b"%PDF-1.7 evidence", "application/pdf")
    s3.put("o1/d3/def", io.BytesIO(b"streamed from a file"))
    assert s3.get("o1/d2/abc") == b"%PDF-1.7 evidence"
    assert b"".join(s3.stream("o1/d3/def", chunk_size=4)) == b"streamed from a file"
    head = s3.client.head_object(Bucket=s3.bucket, Key="assess/o1/d2/abc")
    assert head["ContentType"] == "application/pdf"  # kept for whoever reads the bucket directly
    assert sorted(s3.keys()) == ["o1/d2/abc", "o1/d3/def"] and s3.exists("o1/d2/abc")
    assert set(_objects(s3)) == {"assess/o1/d2/abc", "assess/o1/d3/def"}  # under the prefix
    s3.delete("o1/d2/abc")
    assert not s3.exists("o1/d2/abc") and list(s3.keys()) == ["o1/d3/def"]
    with pytest.raises(MissingError):
        s3.get("o1/d2/abc")
    with pytest.raises(MissingError):
        s3.stream("o1/d2/abc")  # before the first chunk, so a response can still be a 404
    with pytest.raises(StorageError):
        s3.put("../escape", b"x")


def test_a_store_that_is_down_is_a_storage_error_and_a_message_at_the_field(app, db, tenant_a, login, client):
    """botocore's connection errors are not OSError: before, an upload while the object store was down was a
    500 (put_upload let them through); now a StorageError, so the user reads the storage message at the field."""
    import boto3
    from botocore.config import Config

    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client_down = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                               aws_access_key_id="x", aws_secret_access_key="y",
                               config=Config(connect_timeout=1, retries={"max_attempts": 1}))
    down = S3Storage(client_down, "nowhere")
    for call in (lambda: down.put("o1/d1/k", b"x"), lambda: down.get("o1/d1/k"), lambda: down.exists("o1/d1/k"),
                 lambda: down.delete("o1/d1/k"), lambda: down.put("o1/d1/k", io.BytesIO(b"x" * 100))):
        with pytest.raises(StorageError) as exc:
            call()
        assert not isinstance(exc.value, MissingError)  # "unavailable" is not "missing"

    sub = submission_of(make_campaign(tenant_a), tenant_a.dept_a)
    _db.session.commit()
    before = app.extensions.get("assess_storage")
    app.extensions["assess_storage"] = down
    try:
        c = login(tenant_a.users["dept_editor"].username)
        resp = c.post(f"/evidence/submissions/{sub.id}/A1/file",
                      data={"file": (io.BytesIO(pdf_bytes("down")), "通知.pdf"), "title": "保留的标题"},
                      content_type="multipart/form-data")
    finally:
        app.extensions["assess_storage"] = before
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422, body[:300]
    assert "文件未能保存" in body and "保留的标题" in body
    assert _db.session.scalar(select(Evidence.id)) is None


# --- evidence through the pages ---------------------------------------------------------------------------


def test_evidence_upload_download_and_tampering_through_the_pages(s3_app, db, tenant_a, login, client):
    s3 = s3_app
    sub = submission_of(make_campaign(tenant_a), tenant_a.dept_a)
    db.session.commit()
    c = login(tenant_a.users["dept_editor"].username)
    resp = c.post(f"/evidence/submissions/{sub.id}/A1/file",
                  data={"file": (io.BytesIO(pdf_bytes("s3")), "领导小组文件.pdf"), "title": "成立领导小组的通知"},
                  content_type="multipart/form-data")
    assert resp.status_code == 302
    e = db.session.scalars(select(Evidence)).one()
    assert _objects(s3) == {f"assess/{e.storage_key}": len(pdf_bytes("s3"))}  # in the bucket, nowhere else
    resp = c.get(f"/evidence/{e.id}/download")
    assert resp.status_code == 200 and resp.data == pdf_bytes("s3")
    assert resp.headers["Content-Length"] == str(len(pdf_bytes("s3")))
    assert c.get(f"/evidence/{e.id}/preview").data == pdf_bytes("s3")

    # someone with access to the bucket replaces the object: refused on every read, never served
    s3.client.put_object(Bucket=s3.bucket, Key=f"assess/{e.storage_key}", Body=b"%PDF-1.7 forged")
    resp = c.get(f"/evidence/{e.id}/download")
    assert resp.status_code == 500 and b"forged" not in resp.data
    assert "校验值不一致" in resp.get_data(as_text=True)
    with pytest.raises(ChecksumError):
        ev_services.read(e)
    with pytest.raises(ChecksumError):
        open_verified(e.storage_key, e.sha256)

    # an object gone from the store is a 404, not a server error
    s3.delete(e.storage_key)
    assert c.get(f"/evidence/{e.id}/download").status_code == 404


def test_an_upload_whose_transaction_fails_leaves_no_object(s3_app, db, tenant_a):
    class Refused(Exception):
        def __init__(self, message, field):
            super().__init__(message)

    key = put_upload(f"o{tenant_a.office.id}/d{tenant_a.dept_a.id}/orphan", b"%PDF orphan", error=Refused)
    assert s3_app.exists(key)
    db.session.rollback()  # the row never commits: the object is removed again
    assert not s3_app.exists(key) and _objects(s3_app) == {}


# --- large files: streamed, not read into memory ---------------------------------------------------------


def test_50_mb_upload_and_download_stream_with_a_small_memory_peak(s3, tmp_path):
    path = tmp_path / "big.bin"
    sha = _big_file(path)
    tracemalloc.start()
    try:
        with open(path, "rb") as fh:
            s3.put("o1/d1/big", fh, "application/pdf")  # multipart upload, part by part
        _, put_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        digest, n = hashlib.sha256(), 0
        for chunk in s3.stream("o1/d1/big"):
            digest.update(chunk)
            n += len(chunk)
        _, get_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        with open_verified("o1/d1/big", sha, storage=s3) as fh:  # checked copy on disk, not in memory
            copied = hashlib.sha256()
            while chunk := fh.read(MB):
                copied.update(chunk)
        _, verify_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert _objects(s3)["assess/o1/d1/big"] == BIG
    assert n == BIG and digest.hexdigest() == sha and copied.hexdigest() == sha
    print(f"peaks for a 50 MB file: upload {put_peak / MB:.1f} MB, download {get_peak / MB:.1f} MB, "
          f"verified copy {verify_peak / MB:.1f} MB")
    # a few 8 MB parts at most; reading the file whole would be ≥ 50 MB
    assert put_peak < 20 * MB and get_peak < 20 * MB and verify_peak < 20 * MB


def test_50_mb_evidence_download_is_streamed_and_checked(s3_app, db, tenant_a, login, client, tmp_path):
    path = tmp_path / "big.pdf"
    sha = _big_file(path)
    with open(path, "rb") as fh:
        s3_app.put("o1/d1/bigpdf", fh, "application/pdf")
    sub = submission_of(make_campaign(tenant_a), tenant_a.dept_a)
    e = Evidence(office_id=sub.office_id, department_id=sub.department_id, campaign_id=sub.campaign_id,
                 owner_type="submission", owner_id=sub.id, indicator_code="A1", kind=EvidenceKind.FILE,
                 title="大文件", storage_key="o1/d1/bigpdf", filename="大文件.pdf", content_type="application/pdf",
                 size=BIG, sha256=sha)
    db.session.add(e)
    db.session.commit()
    c = login(tenant_a.users["dept_editor"].username)
    tracemalloc.start()
    try:
        resp = c.get(f"/evidence/{e.id}/download", buffered=False)
        digest, n = hashlib.sha256(), 0
        for chunk in resp.response:
            digest.update(chunk)
            n += len(chunk)
        resp.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"peak for serving a 50 MB evidence file: {peak / MB:.1f} MB")
    assert resp.status_code == 200 and resp.headers["Content-Length"] == str(BIG)
    assert n == BIG and digest.hexdigest() == sha
    assert peak < 20 * MB


# --- issued documents -------------------------------------------------------------------------------------


def test_issued_pdfs_live_in_the_object_store(s3_app, db, tenant_a, login, client):
    from assess.documents import services as doc_services
    from assess.documents.builders import DocumentError
    from assess.models import DocumentKind
    from tests.test_documents_app_support import published_campaign

    c = published_campaign(tenant_a, notices=False)
    doc = doc_services.issue(doc_services.Target(DocumentKind.SCORESHEET, c, tenant_a.dept_b.id, None),
                             tenant_a.office, actor=None)
    db.session.commit()
    stored = s3_app.get(doc.storage_key)
    assert stored.startswith(b"%PDF") and hashlib.sha256(stored).hexdigest() == doc.sha256
    assert f"assess/{doc.storage_key}" in _objects(s3_app)
    web = login(tenant_a.users["office_admin"].username)
    resp = web.get(f"/documents/{doc.id}/pdf")
    assert resp.status_code == 200 and resp.data == stored and resp.headers["X-Content-SHA256"] == doc.sha256
    s3_app.client.put_object(Bucket=s3_app.bucket, Key=f"assess/{doc.storage_key}", Body=b"%PDF-1.7 altered")
    with pytest.raises(DocumentError, match="校验值不一致"):
        doc_services.document_bytes(doc)
    assert web.get(f"/documents/{doc.id}/pdf").status_code == 500


# --- backup and restore with S3 storage ------------------------------------------------------------------


def _s3_installation(tmp_path, tag, endpoint, bucket):
    from tests.dbutil import fresh_database_url

    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_database_url(tmp_path, tag), "SECRET_KEY": "x",
                      "TESTING": True, "PASSWORD_HASH_FAST": True, "STORAGE_BACKEND": "s3",
                      "S3_BUCKET": bucket, "S3_ENDPOINT_URL": endpoint, "S3_PREFIX": f"inst-{tag}"})
    with app.app_context():
        _db.create_all()
    return app


def test_backup_and_restore_round_trip_on_s3(tmp_path, s3_endpoint, monkeypatch):
    """`flask backup` on an installation whose files are in S3, `flask restore` into another one (another
    bucket): every row and every object comes back, byte for byte; the store is configured as in production
    (STORAGE_BACKEND=s3, S3_* and the AWS_* credentials from the environment)."""
    from assess.documents.samples import sample_seal_png

    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    client = s3_client(s3_endpoint)
    src_bucket, dst_bucket = new_bucket(client), new_bucket(client)
    try:
        source = _s3_installation(tmp_path, "s3src", s3_endpoint, src_bucket)
        with source.app_context():
            from assess.admin import services as admin
            from assess.documents import services as doc_services

            storage = get_storage()
            assert isinstance(storage, S3Storage) and storage.bucket == src_bucket
            office = admin.create_office("bk-office", "备份公开办", actor=None)
            doc_services.upload_seal(office, sample_seal_png(), actor=None)
            storage.put("o1/d1/evidence", pdf_bytes("backup"), "application/pdf")
            _db.session.commit()
            files_before = {k: hashlib.sha256(storage.get(k)).hexdigest() for k in storage.keys()}
            assert len(files_before) == 2
            runner = source.test_cli_runner()
            result = runner.invoke(args=["backup", str(tmp_path / "s3-backup.zip")])
            assert result.exit_code == 0, result.output
            _db.session.remove()
            _db.engine.dispose()

        target = _s3_installation(tmp_path, "s3dst", s3_endpoint, dst_bucket)
        with target.app_context():
            result = target.test_cli_runner().invoke(args=["restore", str(tmp_path / "s3-backup.zip")])
            assert result.exit_code == 0, result.output
            storage = get_storage()
            assert {k: hashlib.sha256(storage.get(k)).hexdigest() for k in storage.keys()} == files_before
            from assess.models import Office

            restored = _db.session.scalars(select(Office).filter_by(code="bk-office")).one()
            assert restored.seal_key in files_before
            assert all(o["Key"].startswith("inst-s3dst/")
                       for o in client.list_objects_v2(Bucket=dst_bucket)["Contents"])
            _db.session.remove()
            _db.engine.dispose()
    finally:
        drop_bucket(client, src_bucket)
        drop_bucket(client, dst_bucket)
