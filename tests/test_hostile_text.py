"""Hostile text: HTML/JS, very long text, control characters, mixed scripts and encodings — stored as given,
shown escaped; text no database can hold (NUL, lone surrogates) refused with 400 instead of a 500;
spreadsheet exports neutralise formula injection."""
from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from assess.extensions import db
from assess.models import Answer
from tests.campaign_world import make_campaign, submission_of

HOSTILE = [
    "<script>alert(document.cookie)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7*7 }}{% raw %}",
    "控制字符\x01\x07\x1b[31m红\x7f",
    "中文English العربية עברית русский 😀 \u200b\u202e反向",
    "=HYPERLINK(\"http://evil.example/\",\"点此\")",
    "+cmd|' /C calc'!A0",
]


@pytest.fixture()
def sub(db, tenant_a):
    s = submission_of(make_campaign(tenant_a), tenant_a.dept_a)
    db.session.commit()
    return s


@pytest.fixture()
def editor(client, login, tenant_a):
    return login(tenant_a.users["dept_editor"].username)


def _answer(sub, code):
    db.session.expire_all()
    return db.session.scalars(select(Answer).where(Answer.submission_id == sub.id, Answer.indicator_code == code)).one()


def _save(client, sub, code, explanation, version=0):
    return client.post(f"/self/api/{sub.id}/answers/{code}", headers={"Accept": "application/json"},
                       json={"inputs": {"has_group": "true"}, "explanation": explanation, "version": version})


@pytest.mark.parametrize("text", HOSTILE)
def test_text_is_stored_as_given_and_shown_escaped(editor, sub, text):
    r = _save(editor, sub, "A1", text)
    assert r.status_code == 200, r.get_json()
    assert _answer(sub, "A1").explanation == text  # byte for byte
    page = editor.get(f"/self/{sub.id}").get_data(as_text=True)
    assert "<script>alert(document.cookie)</script>" not in page
    assert "<img src=x onerror" not in page
    if "<" in text:
        assert text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;") in page
    assert "49" not in page.split("{{ 7*7 }}")[0][-5:]  # no template evaluation of stored text


def test_form_post_keeps_markup_and_control_characters(editor, sub):
    text = "<b>加粗</b>\x0b换页\x0c结束"
    r = editor.post(f"/self/{sub.id}/answers/A1", data={"in_has_group": "true", "explanation": text, "version": "0"})
    assert r.status_code == 302
    assert _answer(sub, "A1").explanation == text


def test_very_long_text_refused_at_the_field_and_nothing_lost(editor, sub):
    assert _save(editor, sub, "A1", "长" * 5000).status_code == 200
    r = _save(editor, sub, "A1", "长" * 5001, version=1)
    assert r.status_code == 422 and "explanation" in r.get_json()["errors"]
    assert _answer(sub, "A1").explanation == "长" * 5000
    r = editor.post(f"/self/{sub.id}/answers/A1", data={"in_has_group": "true", "explanation": "超" * 5001, "version": "1"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "5000" in page and "超" * 5001 in page  # the text typed comes back in the form


@pytest.mark.parametrize("raw", ['"a\\u0000b"', '"\\ud800x"', '"x\\udfff"'])
def test_text_no_database_can_hold_is_refused_not_a_500(app, editor, sub, monkeypatch, raw):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    body = '{"inputs": {"has_group": "true"}, "explanation": %s, "version": 0}' % raw
    r = editor.post(f"/self/api/{sub.id}/answers/A1", data=body, content_type="application/json",
                    headers={"Accept": "application/json"})
    assert r.status_code == 400 and r.is_json
    r = editor.post(f"/self/{sub.id}/answers/A1", data={"in_has_group": "true", "explanation": "a\x00b", "version": "0"})
    assert r.status_code == 400 and "请求有误" in r.get_data(as_text=True)
    assert db.session.scalars(select(Answer).where(Answer.submission_id == sub.id)).first() is None


def test_gbk_encoded_csv_import_and_undecodable_bytes(app, tenant_a):
    from assess.admin import importing

    with app.test_request_context():
        preview = importing.parse_departments(tenant_a.office, "部门名称,分组\n县档案馆,县直\n".encode("gbk"), "部门.csv")
        assert [r.name for r in preview.rows] == ["县档案馆"]  # GBK decoded, not mojibake
        bad = importing.parse_departments(tenant_a.office, b"\xff\xfe\x00\xd8\x81", "部门.csv")
        assert not bad.ok


# --- exports -----------------------------------------------------------------------------------------


def test_self_assessment_workbook_keeps_formulas_as_text(editor, sub):
    text = '=HYPERLINK("http://evil.example/","点此")'
    assert _save(editor, sub, "A1", text).status_code == 200
    data = editor.get(f"/self/{sub.id}/export.xlsx").data
    ws = load_workbook(io.BytesIO(data))["填报"] if "填报" in load_workbook(io.BytesIO(data)).sheetnames else None
    wb = load_workbook(io.BytesIO(data))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value == text]
    assert cells and all(c.data_type == "s" for c in cells)  # a string, not a formula
    assert not any(c.data_type == "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    del ws


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1+cmd", "@SUM(A1)", "\t=1", "\r=1", "\n=1", "＝1", "\t", "\r"])
def test_one_guard_neutralises_every_formula_start(value):
    from assess import spreadsheet
    from assess.rectification import ledger as rectification

    assert spreadsheet.safe_cell(value) == "'" + value
    assert spreadsheet.safe_cell("整改完成") == "整改完成" and spreadsheet.safe_cell(3) == 3
    assert spreadsheet.safe_cell("a=1") == "a=1" and spreadsheet.safe_cell("") == ""
    assert rectification.safe_cell is spreadsheet.safe_cell  # the ledger uses the shared guard


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1+cmd", "@SUM(A1)", "\t=1", "\r=1"])
def test_ranking_export_cells_neutralised(value):
    from assess.spreadsheet import safe_cell as safe_text

    assert safe_text(value) == "'" + value


def test_audit_csv_export_neutralises_formulas(client, login, tenant_a, sub, db):
    from assess.audit.services import record

    record(tenant_a.office.id, "test.hostile", "answer", "=1+2", actor=tenant_a.users["office_admin"],
           reason="=HYPERLINK(\"http://evil.example/\")")
    db.session.commit()
    login(tenant_a.users["office_admin"].username)
    r = client.get("/audit/export.csv")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    cells = [c for row in rows for c in row]
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    assert any(c.startswith("'=HYPERLINK") for c in cells)
    json.loads(client.get("/audit/export.json").data)


@pytest.mark.parametrize("start", ["\t", "\r", "-", "@"])
def test_audit_csv_export_neutralises_tab_and_carriage_return(client, login, tenant_a, sub, db, start):
    """OWASP's list includes a leading tab and carriage return (0x09, 0x0D), not only = + - @."""
    from assess.audit.services import record

    record(tenant_a.office.id, "test.hostile", "answer", "x", actor=tenant_a.users["office_admin"],
           reason=start + "=cmd|' /C calc'!A0")
    db.session.commit()
    login(tenant_a.users["office_admin"].username)
    rows = list(csv.reader(io.StringIO(client.get("/audit/export.csv").data.decode("utf-8-sig"), newline="")))
    cells = [c for row in rows for c in row if "calc" in c]
    assert cells == ["'" + start + "=cmd|' /C calc'!A0"]
