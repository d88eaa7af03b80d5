"""The public verification page ``/verify``: found, not found, nothing else leaks, checksum comparison, limit."""
from __future__ import annotations

import io

from assess.clock import local_date
from assess.documents import services
from assess.models import DocumentKind
from tests.test_documents_app_support import published_campaign


def _issued(tenant):
    c = published_campaign(tenant)
    circular = services.issue(services.Target(DocumentKind.CIRCULAR, c), tenant.office, actor=None)
    sheet = services.issue(services.Target(DocumentKind.SCORESHEET, c, tenant.dept_a.id), tenant.office, actor=None)
    return circular, sheet


def test_found_by_code_without_login(app, db, tenant_a):
    circular, _sheet = _issued(tenant_a)
    db.session.commit()
    c = app.test_client()  # anonymous
    code = circular.verify_code
    for typed in (code, code.lower().replace("-", ""), f" {code[:4]} {code[5:9]}-{code[10:]} "):
        resp = c.get("/verify", query_string={"code": typed})
        body = resp.get_data(as_text=True)
        assert resp.status_code == 200, typed
        assert circular.number in body and circular.sha256 in body and circular.issuer_name in body
        assert local_date(circular.issued_at).isoformat() in body


def test_not_found_and_garbage(app, db, tenant_a):
    _issued(tenant_a)
    db.session.commit()
    c = app.test_client()
    for code in ("2222-3333-4444", "x" * 40, "'; DROP TABLE issued_documents;--"):
        resp = c.get("/verify", query_string={"code": code})
        assert resp.status_code == 404 and "没有找到" in resp.get_data(as_text=True)
    assert c.get("/verify").status_code == 200  # the empty form


def test_nothing_else_leaks(app, db, tenant_a):
    """A score sheet of department A: the page shows kind, issuer, date, checksum — no title, no department,
    no scores, no problem texts."""
    _circular, sheet = _issued(tenant_a)
    db.session.commit()
    body = app.test_client().get("/verify", query_string={"code": sheet.verify_code}).get_data(as_text=True)
    assert sheet.sha256 in body and "考核评分表" in body
    for secret in ("SECRET-DEPT-A", "AAA甲局", sheet.title, "领导小组", "良好", str(sheet.id) + ".pdf"):
        assert secret not in body, secret


def test_uploaded_pdf_is_compared(app, db, tenant_a):
    circular, _sheet = _issued(tenant_a)
    db.session.commit()
    original = services.document_bytes(circular)
    c = app.test_client()
    ok = c.post("/verify", data={"code": circular.verify_code, "file": (io.BytesIO(original), "a.pdf")},
                content_type="multipart/form-data")
    assert ok.status_code == 200 and "完全一致" in ok.get_data(as_text=True)
    forged = original.replace(b"%%EOF", b"%%EOF\n%forged")
    bad = c.post("/verify", data={"code": circular.verify_code, "file": (io.BytesIO(forged), "a.pdf")},
                 content_type="multipart/form-data")
    assert bad.status_code == 200 and "不一致" in bad.get_data(as_text=True)


def test_rate_limited(app, client, db):
    app.config["VERIFY_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [client.get("/verify", query_string={"code": "2222-3333-4444"}).status_code for _ in range(4)]
    finally:
        app.config.pop("VERIFY_RATE_LIMIT")
    assert codes == [404, 404, 404, 429]
