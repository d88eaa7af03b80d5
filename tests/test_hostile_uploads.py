"""Hostile uploads: oversize, wrong magic bytes, polyglots, ZIP bombs in Office files, hostile names, HTML
and SVG with scripts — refused or neutralised, never served inline as active content."""
from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from assess.evidence import services as ev
from assess.extensions import db
from assess.models import Evidence
from assess.zipguard import ZipBombError, check_zip
from tests.campaign_world import make_campaign, pdf_bytes, submission_of

BOMB_MB = 3  # 3 MiB of zeros deflate to ~3 KiB: a ratio of ~1000


def office_zip(kind: str, payload_mb: float = 0, entries: int = 0) -> bytes:
    """A minimal .docx / .xlsx package; ``payload_mb`` adds a part of zeros, ``entries`` many tiny parts."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        main = "word/document.xml" if kind == "docx" else "xl/workbook.xml"
        z.writestr(main, "<x/>")
        if payload_mb:
            z.writestr(main.split("/")[0] + "/media/bomb.xml", b"\0" * int(payload_mb * 1024 * 1024))
        for i in range(entries):
            z.writestr(f"{main.split('/')[0]}/parts/p{i}.xml", "")
    return buf.getvalue()


def real_xlsx() -> bytes:
    wb = Workbook()
    wb.active.append(["部门名称", "分组"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture()
def sub(db, tenant_a):
    s = submission_of(make_campaign(tenant_a), tenant_a.dept_a)
    db.session.commit()
    return s


def _upload(client, sub, name: str, data: bytes, title: str = "材料"):
    return client.post(f"/evidence/submissions/{sub.id}/A1/file", data={"file": (io.BytesIO(data), name), "title": title},
                       content_type="multipart/form-data")


def _evidence(sub) -> list[Evidence]:
    db.session.expire_all()
    return list(db.session.scalars(select(Evidence).where(Evidence.owner_id == sub.id)))


# --- ZIP bombs ---------------------------------------------------------------------------------------


def test_zipguard_reads_only_the_directory():
    check_zip(office_zip("docx"))
    check_zip(real_xlsx())
    with pytest.raises(ZipBombError, match="ratio"):
        check_zip(office_zip("docx", BOMB_MB))
    with pytest.raises(ZipBombError, match="entries"):
        check_zip(office_zip("xlsx", entries=5001))
    with pytest.raises(ZipBombError):
        check_zip(b"PK\x03\x04 not really a zip")


def test_zipguard_total_and_entry_limits(monkeypatch):
    import assess.zipguard as zg

    monkeypatch.setattr(zg, "MAX_TOTAL_UNCOMPRESSED", 1000)
    with pytest.raises(ZipBombError):
        check_zip(office_zip("docx", 0.01))
    monkeypatch.setattr(zg, "MAX_TOTAL_UNCOMPRESSED", 10 ** 9)
    monkeypatch.setattr(zg, "MAX_ENTRY_UNCOMPRESSED", 1000)
    with pytest.raises(ZipBombError):
        check_zip(office_zip("docx", 0.01))


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_office_zip_bomb_refused_as_evidence(app, kind):
    with app.app_context():
        assert ev.check_file(f"ok.{kind}", office_zip(kind)).extension == kind
        with pytest.raises(ev.EvidenceError) as exc:
            ev.check_file(f"bomb.{kind}", office_zip(kind, BOMB_MB))
    assert exc.value.field == "file" and "解压后过大" in str(exc.value)


def test_zip_bomb_upload_over_http_leaves_nothing(client, login, sub, tenant_a):
    login(tenant_a.users["dept_editor"].username)
    r = _upload(client, sub, "方案.docx", office_zip("docx", BOMB_MB))
    assert r.status_code == 422 and "解压后过大" in r.get_data(as_text=True)
    assert _evidence(sub) == []


def test_zip_bomb_refused_by_the_self_assessment_workbook_upload(client, login, sub, tenant_a):
    login(tenant_a.users["dept_editor"].username)
    r = client.post(f"/self/{sub.id}/upload", data={"file": (io.BytesIO(office_zip("xlsx", BOMB_MB)), "填报表.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 422 and "解压后过大" in r.get_data(as_text=True)


def test_zip_bomb_refused_by_the_department_import(app, tenant_a):
    from assess.admin import importing

    with app.test_request_context():
        preview = importing.parse_departments(tenant_a.office, office_zip("xlsx", BOMB_MB), "部门.xlsx")
    assert not preview.ok


def test_zip_bomb_refused_by_the_annual_report_reader():
    from assess.extraction.errors import ExtractionError
    from assess.extraction.readers import read_rows

    with pytest.raises(ExtractionError):
        read_rows(office_zip("docx", BOMB_MB), "年报.docx")


# --- wrong magic bytes, active content, polyglots ----------------------------------------------------


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
HTML = b"<!doctype html><html><body><script>fetch('/admin')</script></body></html>"


@pytest.mark.parametrize("name, data", [
    ("图.svg", SVG), ("图.png", SVG), ("page.html", HTML), ("page.pdf", HTML), ("x.xhtml", HTML),
    ("script.js", b"alert(1)"), ("a.pdf", b"\x7fELF\x02\x01\x01" + b"\0" * 64),
    ("macro.docm", b"PK\x03\x04" + b"\0" * 40),
])
def test_active_content_and_wrong_magic_refused(client, login, sub, tenant_a, name, data):
    login(tenant_a.users["dept_editor"].username)
    r = _upload(client, sub, name, data)
    assert r.status_code == 422 and "Traceback" not in r.get_data(as_text=True)
    assert _evidence(sub) == []


POLYGLOT_PDF = b"%PDF-1.4\n<html><body><script>alert(document.domain)</script></body></html>\ntrailer<<>>\n%%EOF\n"
POLYGLOT_GIF = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;alert(document.domain);//" + b"\0" * 16


@pytest.mark.parametrize("name, data, ctype", [
    ("report.pdf", POLYGLOT_PDF, "application/pdf"),
    ("report.html", POLYGLOT_PDF, "application/pdf"),  # the bytes decide, the name never
    ("pic.gif", POLYGLOT_GIF, "image/gif"),
])
def test_polyglots_are_served_as_their_type_without_script_rights(client, login, sub, tenant_a, name, data, ctype):
    login(tenant_a.users["dept_editor"].username)
    assert _upload(client, sub, name, data).status_code == 302
    (e,) = _evidence(sub)
    assert e.content_type == ctype
    for url, disposition in ((f"/evidence/{e.id}/download", "attachment"), (f"/evidence/{e.id}/preview", "inline")):
        r = client.get(url)
        assert r.status_code == 200 and r.data == data
        assert r.mimetype == ctype  # never text/html
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Content-Disposition"].startswith(disposition)
        csp = r.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp


def test_office_files_are_never_inline(client, login, sub, tenant_a):
    login(tenant_a.users["dept_editor"].username)
    assert _upload(client, sub, "表.xlsx", real_xlsx()).status_code == 302
    (e,) = _evidence(sub)
    r = client.get(f"/evidence/{e.id}/preview")
    assert r.headers["Content-Disposition"].startswith("attachment") and "sandbox" in r.headers["Content-Security-Policy"]


# --- names and sizes -----------------------------------------------------------------------------------


HOSTILE_NAMES = [
    ("../../../etc/passwd.pdf", "路径分隔符"), ("..\\..\\boot.ini.pdf", "路径分隔符"), ("/abs.pdf", "路径分隔符"),
    ("a\nb.pdf", "控制字符"), ("a\rContent-Type: text/html.pdf", "控制字符"), ("\u202egpj.pdf", "控制字符"),
    ("a\u200bb.pdf", "控制字符"), ("a\x00b.pdf", "控制字符"), ("名" * 201 + ".pdf", "过长"),
]


@pytest.mark.parametrize("name, words", HOSTILE_NAMES)
def test_hostile_names_refused_by_the_check(app, name, words):
    with app.app_context(), pytest.raises(ev.EvidenceError) as exc:
        ev.check_file(name, pdf_bytes())
    assert words in str(exc.value) and exc.value.field == "file"


@pytest.mark.parametrize("name, words", HOSTILE_NAMES)
def test_hostile_names_over_http_refused_or_reduced_to_a_plain_name(client, login, sub, tenant_a, name, words):
    """The multipart parser may already cut a name at a separator or a line break; whatever arrives, no
    path separator or control character is ever stored (and storage keys never come from names)."""
    login(tenant_a.users["dept_editor"].username)
    r = _upload(client, sub, name, pdf_bytes())
    assert r.status_code in (302, 422) and "Traceback" not in r.get_data(as_text=True)
    for e in _evidence(sub):
        assert ev.check_filename(e.filename) == e.filename and not set(e.filename) & set("/\\\n\r\x00")
        assert e.storage_key.startswith(f"o{sub.office_id}/d{sub.department_id}/")


def test_markup_in_a_name_is_stored_as_given_and_never_breaks_headers_or_pages(client, login, sub, tenant_a):
    login(tenant_a.users["dept_editor"].username)
    name = "<img src=x onerror=alert(1)>;filename=evil.html.pdf"
    assert _upload(client, sub, name, pdf_bytes(), title="<script>alert(1)</script>").status_code == 302
    (e,) = _evidence(sub)
    assert e.filename == name and e.title == "<script>alert(1)</script>"
    cd = client.get(f"/evidence/{e.id}/download").headers["Content-Disposition"]
    assert cd.count('"') == 2 and "<" not in cd and "\n" not in cd and ";filename=evil" not in cd
    page = client.get(f"/self/{sub.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x onerror" not in page


def test_oversize_request_gets_our_413_page(app, client, login, sub, tenant_a, monkeypatch):
    login(tenant_a.users["dept_editor"].username)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    r = _upload(client, sub, "big.pdf", pdf_bytes() + b"0" * (128 * 1024))
    assert r.status_code == 413 and "文件过大" in r.get_data(as_text=True)
    r = client.post("/api/v1/submissions", data=b"{" + b" " * (128 * 1024) + b"}", content_type="application/json")
    assert r.status_code == 413 and r.is_json
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_file_over_the_upload_limit_refused_at_the_field(app, client, login, sub, tenant_a, monkeypatch):
    login(tenant_a.users["dept_editor"].username)
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    r = _upload(client, sub, "big.pdf", pdf_bytes() + b"0" * (1024 * 1024 + 10))
    assert r.status_code == 422 and "上限为1 MB" in r.get_data(as_text=True)
    assert _evidence(sub) == []
