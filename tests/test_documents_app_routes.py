"""Documents in the application over HTTP: settings, seal, circular draft, previews, issuing, downloads, bulk."""
from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from assess.documents import services
from assess.documents.samples import sample_seal_png
from assess.models import DocumentJob, DocumentKind, IssuedDocument
from tests.test_documents_app_support import notice_of, published_campaign


def test_settings_page_saves_and_shows_errors_at_the_field(client, login, tenant_a):
    login(tenant_a.users["office_admin"].username)
    assert "发文字号机关代字" in client.get("/documents/settings").get_data(as_text=True)
    resp = client.post("/documents/settings", data={"doc_prefix": "示政公办", "issuer_name": "示范县政务公开办",
                                                    "cc_block": "县委办\n县人大办"})
    assert resp.status_code == 302
    assert tenant_a.office.doc_prefix == "示政公办"
    resp = client.post("/documents/settings", data={"doc_prefix": "示政〔2026〕", "issuer_name": "保留的输入"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="doc_prefix-err"' in body and "保留的输入" in body
    assert tenant_a.office.doc_prefix == "示政公办"


def test_seal_upload_checks_content(client, login, tenant_a):
    login(tenant_a.users["office_admin"].username)
    resp = client.post("/documents/settings/seal", data={"seal": (io.BytesIO(b"<svg onload=x>"), "seal.png")},
                       content_type="multipart/form-data")
    assert resp.status_code == 400 and "PNG" in resp.get_data(as_text=True)
    assert tenant_a.office.seal_key is None
    resp = client.post("/documents/settings/seal", data={"seal": (io.BytesIO(sample_seal_png()), "印章.png")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302 and tenant_a.office.seal_key
    got = client.get("/documents/settings/seal.png")
    assert got.status_code == 200 and got.data == sample_seal_png()
    assert client.post("/documents/settings/seal", data={"remove": "y"}).status_code == 302
    assert tenant_a.office.seal_key is None and client.get("/documents/settings/seal.png").status_code == 404


def test_circular_edit_preview_issue_download(client, login, tenant_a, db):
    c = published_campaign(tenant_a, notices=False)
    db.session.commit()
    login(tenant_a.users["office_admin"].username)
    page = client.get(f"/documents/campaigns/{c.id}/circular").get_data(as_text=True)
    assert "关于2026年度政务公开工作考核结果的通报" in page and "目录不全" in page
    form = {k: v for k, v in services.circular_body(c, tenant_a.office)[0].items()}
    form["achievements"] = "本年度新增“政策问答”栏目。"
    resp = client.post(f"/documents/campaigns/{c.id}/circular", data=form)
    assert resp.status_code == 302
    resp = client.post(f"/documents/campaigns/{c.id}/circular", data={**form, "title": "", "version": "1"})
    assert resp.status_code == 400 and 'id="title-err"' in resp.get_data(as_text=True)
    stale = client.post(f"/documents/campaigns/{c.id}/circular", data={**form, "version": "0"})
    assert stale.status_code == 400 and "第0版" in stale.get_data(as_text=True)
    html = client.get(f"/documents/campaigns/{c.id}/circular/preview")
    assert html.status_code == 200 and "本年度新增“政策问答”栏目。" in html.get_data(as_text=True)
    assert "style-src 'unsafe-inline'" in html.headers["Content-Security-Policy"]
    assert "script-src" not in html.headers["Content-Security-Policy"]
    pdf = client.get(f"/documents/campaigns/{c.id}/circular/preview?fmt=pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    assert db.session.scalars(select(IssuedDocument)).first() is None  # previews issue nothing
    resp = client.post(f"/documents/campaigns/{c.id}/circular/issue")
    assert resp.status_code == 302
    doc = db.session.scalars(select(IssuedDocument)).one()
    assert resp.headers["Location"].endswith(f"/documents/{doc.id}")
    show = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert doc.number in show and doc.verify_code in show and doc.sha256 in show
    first = client.get(f"/documents/{doc.id}/pdf?download=1")
    second = client.get(f"/documents/{doc.id}/pdf")
    assert first.data == second.data == services.document_bytes(doc)
    assert first.headers["X-Content-SHA256"] == doc.sha256 and "attachment" in first.headers["Content-Disposition"]
    # issued: the draft is closed, a second issue returns the same document
    assert "不能再修改" in client.get(f"/documents/campaigns/{c.id}/circular").get_data(as_text=True)
    client.post(f"/documents/campaigns/{c.id}/circular/issue")
    assert len(db.session.scalars(select(IssuedDocument)).all()) == 1
    listing = client.get("/documents/").get_data(as_text=True)
    assert doc.number in listing


def test_notice_and_scoresheet_preview_and_issue(client, login, tenant_a, db):
    c = published_campaign(tenant_a)
    notice = notice_of(c, tenant_a.dept_a)
    db.session.commit()
    login(tenant_a.users["office_admin"].username)
    page = client.get(f"/documents/campaigns/{c.id}").get_data(as_text=True)
    assert notice.title in page and "AAA乙局" in page
    assert "领导小组未调整" in client.get(f"/documents/notices/{notice.id}/preview").get_data(as_text=True)
    assert client.post(f"/documents/notices/{notice.id}/issue").status_code == 302
    sheet = client.get(f"/documents/campaigns/{c.id}/scoresheets/{tenant_a.dept_b.id}/preview?fmt=pdf")
    assert sheet.data.startswith(b"%PDF")
    assert client.post(f"/documents/campaigns/{c.id}/scoresheets/{tenant_a.dept_b.id}/issue").status_code == 302
    kinds = sorted(d.kind.value for d in db.session.scalars(select(IssuedDocument)))
    assert kinds == ["notice", "scoresheet"]


def test_unpublished_campaign_is_explained(client, login, tenant_a, db):
    from tests.ranking_world import add_department, make_campaign

    c = make_campaign(tenant_a.office)
    add_department(c, tenant_a.dept_a)
    db.session.commit()
    login(tenant_a.users["office_admin"].username)
    assert "排名尚未发布" in client.get(f"/documents/campaigns/{c.id}").get_data(as_text=True)
    assert client.get(f"/documents/campaigns/{c.id}/circular").status_code == 302
    assert client.get(f"/documents/campaigns/{c.id}/circular/preview").status_code == 409


def test_bulk_job_progress_and_zip(app, client, login, tenant_a, db):
    c = published_campaign(tenant_a)
    db.session.commit()
    login(tenant_a.users["office_admin"].username)
    app.config["DOCUMENT_JOBS"] = "inline"
    try:
        resp = client.post(f"/documents/campaigns/{c.id}/bulk", data={"kind": "notice"})
    finally:
        app.config.pop("DOCUMENT_JOBS")
    assert resp.status_code == 302
    job = db.session.scalars(select(DocumentJob)).one()
    page = client.get(f"/documents/jobs/{job.id}").get_data(as_text=True)
    assert "js/documents.js" in page and f"/documents/jobs/{job.id}/status" in page
    status = client.get(f"/documents/jobs/{job.id}/status")
    data = json.loads(status.data)
    assert (data["state"], data["progress"], data["total"], data["percent"]) == ("done", 2, 2, 100)
    assert data["download_url"].endswith(f"/documents/jobs/{job.id}/download")
    assert status.headers["Cache-Control"] == "no-store"
    z = client.get(data["download_url"])
    with zipfile.ZipFile(io.BytesIO(z.data)) as zf:
        names = zf.namelist()
        assert len([n for n in names if n.endswith(".pdf")]) == 2 and "清单.txt" in names
        docs = db.session.scalars(select(IssuedDocument).where(IssuedDocument.kind == DocumentKind.NOTICE)).all()
        for d in docs:
            assert zf.read(services.download_name(d)) == services.document_bytes(d)
    refused = client.post(f"/documents/campaigns/{c.id}/bulk", data={"kind": "circular"}, follow_redirects=True)
    assert "请选择要批量生成的文件" in refused.get_data(as_text=True)


def test_department_users_and_other_offices_are_refused(client, login, tenant_a, tenant_b, db):
    c = published_campaign(tenant_a)
    doc = services.issue(services.Target(DocumentKind.SCORESHEET, c, tenant_a.dept_a.id), tenant_a.office, actor=None)
    db.session.commit()
    login(tenant_a.users["dept_admin"].username)  # department A reads its own score sheet, nothing else
    listing = client.get("/documents/").get_data(as_text=True)
    assert doc.title in listing and "AAA乙局" not in listing
    assert client.get(f"/documents/{doc.id}/pdf").data == services.document_bytes(doc)
    assert client.get(f"/documents/campaigns/{c.id}").status_code == 403
    assert client.get(f"/documents/notices/{notice_of(c, tenant_a.dept_a).id}/preview").status_code == 403
    login(tenant_a.users["dept_b_admin"].username)
    assert client.get(f"/documents/{doc.id}").status_code == 404
    assert doc.title not in client.get("/documents/").get_data(as_text=True)
    login(tenant_b.users["office_admin"].username)
    assert client.get(f"/documents/{doc.id}").status_code == 404
    assert client.get(f"/documents/campaigns/{c.id}").status_code == 404
    login(tenant_a.users["viewer"].username)
    assert client.get(f"/documents/{doc.id}/pdf").status_code == 200
    assert client.post(f"/documents/campaigns/{c.id}/circular/issue").status_code == 403


# --------------------------------------------------------------------------- the printed verification link


def test_production_refuses_to_issue_with_a_loopback_or_missing_public_base_url(app, client, login, tenant_a, db,
                                                                                monkeypatch):
    c = published_campaign(tenant_a, notices=False)
    db.session.commit()
    login(tenant_a.users["office_admin"].username)
    monkeypatch.setitem(app.config, "ASSESS_ENV", "production")
    for base in ("http://127.0.0.1:5000", "", "http://localhost:8000", "http://[::1]/"):
        monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", base)
        page = client.get(f"/documents/campaigns/{c.id}/circular").get_data(as_text=True)
        assert 'id="public-base-warning"' in page and "不能印发" in page and "PUBLIC_BASE_URL" in page
        resp = client.post(f"/documents/campaigns/{c.id}/circular/issue", follow_redirects=True)
        body = resp.get_data(as_text=True)
        assert "PUBLIC_BASE_URL" in body and "请管理员设置" in body
        assert db.session.scalars(select(IssuedDocument)).first() is None
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://gkb.example.gov.cn")
    assert 'id="public-base-warning"' not in client.get(f"/documents/campaigns/{c.id}/circular").get_data(as_text=True)
    assert client.post(f"/documents/campaigns/{c.id}/circular/issue").status_code == 302
    doc = db.session.scalars(select(IssuedDocument)).one()
    assert services.verify_url(doc.verify_code).startswith("https://gkb.example.gov.cn/verify?code=")


def test_development_warns_on_the_settings_and_issue_pages(app, client, login, tenant_a, db, monkeypatch):
    c = published_campaign(tenant_a, notices=False)
    db.session.commit()
    login(tenant_a.users["office_admin"].username)
    monkeypatch.setitem(app.config, "ASSESS_ENV", "development")
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    for url in ("/documents/settings", f"/documents/campaigns/{c.id}", f"/documents/campaigns/{c.id}/circular"):
        page = client.get(url).get_data(as_text=True)
        assert 'id="public-base-warning"' in page and "127.0.0.1" in page and "不能印发" not in page, url
    assert client.post(f"/documents/campaigns/{c.id}/circular/issue").status_code == 302  # still allowed
    assert db.session.scalars(select(IssuedDocument)).one().kind == DocumentKind.CIRCULAR
