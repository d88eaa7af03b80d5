"""Evidence: content checks, storage (local and S3 against a fake client), upload/link/remove/download/preview."""
from __future__ import annotations

import io
import zipfile

import pytest

from assess.evidence import services as ev
from assess.models import Evidence
from assess.storage import LocalStorage, S3Storage, StorageError
from tests.campaign_world import PNG, make_campaign, pdf_bytes, submission_of


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


# --- content checks (no app needed beyond config) ------------------------------------------------------


@pytest.mark.parametrize("name, data, ctype", [
    ("a.pdf", pdf_bytes(), "application/pdf"),
    ("photo.png", PNG, "image/png"),
    ("renamed.pdf", PNG, "image/png"),  # the bytes decide, not the name
    ("方案.docx", _docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("表.wps", bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600, "application/vnd.ms-works"),
])
def test_allowed_types_by_content(app, name, data, ctype):
    with app.app_context():
        assert ev.check_file(name, data).content_type == ctype


@pytest.mark.parametrize("name, data, words", [
    ("page.pdf", b"<html><script>alert(1)</script></html>", "不支持的文件类型"),
    ("run.exe", b"MZ\x90\x00" + b"\0" * 100, "不支持的文件类型"),
    ("../etc/passwd.pdf", pdf_bytes(), "路径分隔符"),
    ("a\\b.pdf", pdf_bytes(), "路径分隔符"),
    ("a\x00b.pdf", pdf_bytes(), "控制字符"),
    ("a\u202eb.pdf", pdf_bytes(), "控制字符"),
    ("empty.pdf", b"", "空的"),
])
def test_refused_files(app, name, data, words):
    with app.app_context(), pytest.raises(ev.EvidenceError) as exc:
        ev.check_file(name, data)
    assert words in str(exc.value) and exc.value.field == "file"


def test_size_limit(app):
    with app.app_context(), pytest.raises(ev.EvidenceError, match="上限为1 MB"):
        ev.check_file("big.pdf", pdf_bytes() + b"0" * (1024 * 1024), max_mb=1)


def test_local_storage_refuses_escaping_keys(tmp_path):
    s = LocalStorage(tmp_path)
    s.put("o1/d2/abc", b"data")
    assert s.get("o1/d2/abc") == b"data" and s.exists("o1/d2/abc")
    s.delete("o1/d2/abc")
    assert not s.exists("o1/d2/abc")
    for key in ("../x", "/abs", "o1/../../x", ""):
        with pytest.raises(StorageError):
            s.put(key, b"x")
    with pytest.raises(StorageError):
        s.get("o1/missing")


class FakeS3:
    """The four calls S3Storage makes, on a dict."""

    def __init__(self):
        self.objects: dict[tuple[str, str], tuple[bytes, str]] = {}

    def put_object(self, Bucket, Key, Body, ContentType):  # noqa: N803 (boto3 names)
        self.objects[(Bucket, Key)] = (Body, ContentType)

    def get_object(self, Bucket, Key):  # noqa: N803
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)][0])}

    def delete_object(self, Bucket, Key):  # noqa: N803
        self.objects.pop((Bucket, Key), None)

    def head_object(self, Bucket, Key):  # noqa: N803
        if (Bucket, Key) not in self.objects:
            raise KeyError(Key)
        return {}


def test_s3_storage_with_fake_client():
    fake = FakeS3()
    s = S3Storage(fake, "bucket", prefix="assess")
    s.put("o1/d1/k", b"pdf", "application/pdf")
    assert fake.objects[("bucket", "assess/o1/d1/k")] == (b"pdf", "application/pdf")
    assert s.get("o1/d1/k") == b"pdf" and s.exists("o1/d1/k")
    s.delete("o1/d1/k")
    assert not s.exists("o1/d1/k")
    with pytest.raises(StorageError):
        s.get("o1/d1/k")
    with pytest.raises(StorageError):
        s.put("../x", b"")


# --- HTTP ----------------------------------------------------------------------------------------------


@pytest.fixture()
def sub(db, tenant_a):
    s = submission_of(make_campaign(tenant_a), tenant_a.dept_a)
    db.session.commit()
    return s


def test_upload_download_preview(client, login, db, sub, tenant_a, app):
    c = login(tenant_a.users["dept_editor"].username)
    resp = c.post(f"/evidence/submissions/{sub.id}/A1/file",
                  data={"file": (io.BytesIO(pdf_bytes("a1")), "领导小组文件.pdf"), "title": "成立领导小组的通知"},
                  content_type="multipart/form-data")
    assert resp.status_code == 302
    e = db.session.query(Evidence).one()
    assert e.storage_key.startswith(f"o{sub.office_id}/d{sub.department_id}/") and "领导小组" not in e.storage_key
    assert len(e.sha256) == 64 and e.filename == "领导小组文件.pdf"
    body = c.get(f"/self/{sub.id}").get_data(as_text=True)
    assert "成立领导小组的通知" in body and f"/evidence/{e.id}/preview" in body
    resp = c.get(f"/evidence/{e.id}/download")
    assert resp.data == pdf_bytes("a1") and resp.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    resp = c.get(f"/evidence/{e.id}/preview")
    assert resp.headers["Content-Disposition"].startswith("inline;") and resp.mimetype == "application/pdf"
    assert resp.headers["X-Content-Type-Options"] == "nosniff" and "default-src 'none'" in resp.headers["Content-Security-Policy"]
    # the office reads it; department B never does
    assert login(tenant_a.users["reviewer"].username).get(f"/evidence/{e.id}/download").status_code == 200
    assert login(tenant_a.users["dept_b_editor"].username).get(f"/evidence/{e.id}/download").status_code == 404


def test_word_file_is_never_inline(client, login, db, sub, tenant_a):
    c = login(tenant_a.users["dept_editor"].username)
    c.post(f"/evidence/submissions/{sub.id}/A4/file", data={"file": (io.BytesIO(_docx()), "方案.docx")},
           content_type="multipart/form-data")
    e = db.session.query(Evidence).one()
    assert e.title == "方案"
    resp = c.get(f"/evidence/{e.id}/preview")
    assert resp.headers["Content-Disposition"].startswith("attachment;")


def test_bad_upload_message_at_field_nothing_lost(client, login, db, sub, tenant_a):
    c = login(tenant_a.users["dept_editor"].username)
    resp = c.post(f"/evidence/submissions/{sub.id}/A1/file",
                  data={"file": (io.BytesIO(b"<html></html>"), "x.pdf"), "title": "我的标题"},
                  content_type="multipart/form-data")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "不支持的文件类型" in body and 'id="file-A1-err"' in body and "我的标题" in body
    resp = c.post(f"/evidence/submissions/{sub.id}/A1/file", data={}, content_type="multipart/form-data")
    assert resp.status_code == 422 and "请选择要上传的文件" in resp.get_data(as_text=True)
    assert db.session.query(Evidence).count() == 0


def test_links_and_remove(client, login, db, sub, tenant_a):
    c = login(tenant_a.users["dept_editor"].username)
    resp = c.post(f"/evidence/submissions/{sub.id}/B3/link", data={"url": "javascript:alert(1)", "title": "年报"})
    assert resp.status_code == 422 and "http://" in resp.get_data(as_text=True)
    resp = c.post(f"/evidence/submissions/{sub.id}/B3/link", data={"url": "https://gov.example.cn/nb", "title": ""})
    assert resp.status_code == 422 and "请填写标题" in resp.get_data(as_text=True)
    resp = c.post(f"/evidence/submissions/{sub.id}/B3/link", data={"url": "https://gov.example.cn/nb", "title": "年报"})
    assert resp.status_code == 302
    e = db.session.query(Evidence).one()
    assert c.get(f"/evidence/{e.id}/download").status_code == 404  # links have no file
    resp = c.post(f"/evidence/{e.id}/remove", follow_redirects=True)
    assert "已删除材料" in resp.get_data(as_text=True)
    assert c.get(f"/evidence/{e.id}/download").status_code == 404


def test_unknown_indicator_upload(client, login, sub, tenant_a):
    c = login(tenant_a.users["dept_editor"].username)
    resp = c.post(f"/evidence/submissions/{sub.id}/ZZ/file", data={"file": (io.BytesIO(pdf_bytes()), "a.pdf")},
                  content_type="multipart/form-data")
    assert resp.status_code == 404
    assert c.post(f"/self/{sub.id}/answers/ZZ", data={"version": "0"}).status_code == 404


def test_a_closed_form_refuses_evidence_with_its_message(client, login, db, sub, tenant_a):
    """Once the form is sent to the leader, adding or removing evidence is a refusal the page explains
    (the self-assessment's own rule, raised as the evidence pages' EvidenceError), never a server error."""
    from assess.models import SubmissionState

    c = login(tenant_a.users["dept_editor"].username)
    assert c.post(f"/evidence/submissions/{sub.id}/B3/link",
                  data={"url": "https://gov.example.cn/nb", "title": "年报"}).status_code == 302
    e = db.session.query(Evidence).one()
    sub.state = SubmissionState.AWAITING_LEADER
    db.session.commit()
    resp = c.post(f"/evidence/submissions/{sub.id}/B3/link", data={"url": "https://gov.example.cn/2", "title": "另一份"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "自评表已送审或已提交，不能修改" in body
    resp = c.post(f"/evidence/submissions/{sub.id}/A1/file", data={"file": (io.BytesIO(pdf_bytes("x")), "a.pdf"),
                                                                  "title": "新材料"},
                  content_type="multipart/form-data")
    assert resp.status_code == 422 and "自评表已送审或已提交，不能修改" in resp.get_data(as_text=True)
    resp = c.post(f"/evidence/{e.id}/remove", follow_redirects=True)
    assert resp.status_code == 200 and "自评表已送审或已提交，不能修改" in resp.get_data(as_text=True)
    assert db.session.query(Evidence).count() == 1 and db.session.get(Evidence, e.id).deleted_at is None
