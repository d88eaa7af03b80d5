"""Label dictionaries (states, sources, document kinds, error titles, API messages) are translated when shown:
an English page, export or API answer shows no Chinese label; Chinese stays the default, also outside a
request (CLI, background jobs); spreadsheet cells get plain text, never a lazy string."""
from __future__ import annotations

import io
import re

import pytest
from flask_babel import force_locale, refresh
from openpyxl import load_workbook

from assess.extensions import db
from tests.test_rectification_support import make_notice

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _label_dicts() -> dict[str, list]:
    from assess.admin.labels import ROLE_LABELS
    from assess.api import v1
    from assess.campaigns import services as campaigns
    from assess.documents import services as documents
    from assess.rectification import ledger as rectification_ledger
    from assess.rectification import services as rectification
    from assess.review import routes as review_routes
    from assess.review import services as review
    from assess.web import ERROR_TITLES

    return {
        "rectification.STATE_LABELS": list(rectification.STATE_LABELS.values()),
        "rectification.NOTICE_STATE_LABELS": list(rectification.NOTICE_STATE_LABELS.values()),
        "rectification.SOURCE_LABELS": list(rectification.SOURCE_LABELS.values()),
        "rectification.LEDGER_HEADERS": list(rectification_ledger.LEDGER_HEADERS),
        "campaigns.STATE_LABELS": list(campaigns.STATE_LABELS.values()),
        "campaigns.SUBMISSION_LABELS": list(campaigns.SUBMISSION_LABELS.values()),
        "review.STATE_LABELS": list(review_routes.STATE_LABELS.values()),
        "review.OUTCOME_LABELS": list(review.OUTCOME_LABELS.values()),
        "documents.KIND_LABELS": list(documents.KIND_LABELS.values()),
        "web.ERROR_TITLES": list(ERROR_TITLES.values()),
        "api.AUTH_MESSAGES": list(v1._AUTH_MESSAGES.values()),
        "admin.ROLE_LABELS": list(ROLE_LABELS.values()),
    }


def test_every_label_is_english_in_english_and_chinese_by_default(app):
    dicts = _label_dicts()
    with app.test_request_context("/"):
        with force_locale("en"):
            untranslated = {name: [str(v) for v in values if CJK.search(str(v))] for name, values in dicts.items()}
        chinese = {name: all(CJK.search(str(v)) for v in values) for name, values in dicts.items()}
    assert not any(untranslated.values()), untranslated
    assert all(chinese.values()), chinese
    with app.app_context():  # outside a request (CLI, jobs): the default language
        assert str(_label_dicts()["rectification.SOURCE_LABELS"][0]) == "年度考核"


def _switch(c, lang: str):
    c.post(f"/auth/locale/{lang}", data={"next": "/"})
    # tests share one app context between requests, and Flask-Babel keeps the locale it chose in it
    refresh()
    return c


def _english(c):
    return _switch(c, "en")


def test_rectification_pages_show_english_labels(tenant_a, login):
    notice = make_notice(tenant_a)
    db.session.commit()
    item = notice.items[0]
    office = login(tenant_a.users["office_admin"].username)
    assert "<td>网站监测</td>" in office.get("/rectification/").get_data(as_text=True)  # Chinese by default
    _english(office)
    html = office.get("/rectification/").get_data(as_text=True)
    assert "<td>Website monitoring</td>" in html and ">Issued</span>" in html and "已下发" not in html
    html = office.get(f"/rectification/{notice.id}").get_data(as_text=True)
    assert "<dd>Website monitoring</dd>" in html and 'id="notice-state">Issued<' in html
    assert f'id="item-state-{item.id}">To be rectified<' in html and "待整改" not in html
    html = office.get("/rectification/ledger").get_data(as_text=True)
    assert "<td>To be rectified" in html and "待整改" not in html and "已销号" not in html  # rows and the filter


def test_ledger_export_follows_the_language_and_is_chinese_by_default(app, tenant_a, login):
    from assess.rectification import ledger, services

    make_notice(tenant_a, deadline=services.today_local())
    db.session.commit()
    c = login(tenant_a.users["office_admin"].username)
    ws = load_workbook(io.BytesIO(c.get("/rectification/ledger?format=xlsx").data)).active
    assert ws["A2"].value == "序号" and ws["H2"].value == "状态" and ws.cell(row=3, column=8).value == "待整改"
    assert ws.title == "整改台账" and ws["A1"].value.startswith(tenant_a.office.name + "整改台账")
    _english(c)
    ws = load_workbook(io.BytesIO(c.get("/rectification/ledger?format=xlsx").data)).active
    assert ws["A2"].value == "No." and ws.cell(row=3, column=8).value == "To be rectified"
    assert ws.title == "Rectification ledger" and "rectification ledger" in ws["A1"].value
    assert not any(CJK.search(str(cell.value or "")) for cell in ws[2])
    # generated outside a request (a job, the CLI): Chinese
    with app.app_context():
        ws = load_workbook(io.BytesIO(ledger.ledger_workbook(ledger.ledger(tenant_a.office.id)))).active
    assert ws["A1"].value == "整改台账" and ws["A2"].value == "序号" and ws.cell(row=3, column=8).value == "待整改"


def test_notice_document_gets_plain_text_labels(app, tenant_a):
    from assess.documents.builders import notice_document

    notice = make_notice(tenant_a)
    with app.test_request_context("/"):
        doc = notice_document(notice, tenant_a.office)
    areas = [item.area for item in doc.items]
    assert areas == ["网站监测"] and all(type(a) is str for a in areas)  # plain text: the context is stored as JSON


def test_review_list_shows_campaign_stage_in_english(tenant_a, login):
    from tests.review_factories import make_campaign

    make_campaign(tenant_a.office)
    db.session.commit()
    c = _english(login(tenant_a.users["office_admin"].username))
    html = c.get("/review/").get_data(as_text=True)
    assert "<td>In review</td>" in html and "评审中" not in html


@pytest.mark.parametrize("lang, expected", [("en", "Access denied"), ("zh_CN", "无权访问")])
def test_error_page_title_follows_the_language(tenant_a, login, lang, expected):
    c = _switch(login(tenant_a.users["dept_editor"].username), lang)
    resp = c.get("/admin/departments")
    assert resp.status_code == 403 and expected in resp.get_data(as_text=True)


def test_api_authentication_message_follows_accept_language(client, db):
    en = client.get("/api/v1/me", headers={"Accept-Language": "en"}).get_json()["error"]["message"]
    zh = client.get("/api/v1/me", headers={"Accept-Language": "zh"}).get_json()["error"]["message"]
    assert "API token is required" in en and not CJK.search(en)
    assert "令牌" in zh
