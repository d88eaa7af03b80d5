"""Imports pages over HTTP: upload a summary, review proposals beside their sentences, accept / correct /
reject into the form, attach excerpts; bad files; annual reports with their checks; the office overview."""
from __future__ import annotations

import io
import json
import re

import pytest

from assess.extensions import db
from assess.models import FigureImport
from assess.selfassessment import services as sa
from tests.campaign_world import make_campaign, submission_of
from tests.imports_world import SUMMARY, report_text


@pytest.fixture()
def sub(db, tenant_a):
    s = submission_of(make_campaign(tenant_a), tenant_a.dept_a)
    db.session.commit()
    return s


def _upload(c, sub, data: bytes, name: str = "总结.txt"):
    return c.post(f"/imports/submissions/{sub.id}/summary", data={"file": (io.BytesIO(data), name)},
                  content_type="multipart/form-data")


def test_upload_summary_then_review_page(client, login, sub, tenant_a):
    c = login(tenant_a.users["dept_editor"].username)
    assert "上传工作总结" in c.get(f"/imports/submissions/{sub.id}/summary").get_data(as_text=True)
    resp = _upload(c, sub, SUMMARY.encode("utf-8"))
    assert resp.status_code == 302 and "/imports/" in resp.headers["Location"]
    body = c.get(resp.headers["Location"]).get_data(as_text=True)
    for text in ("E1 依申请按时答复", "收到申请", "<mark>3件</mark>", "采用", "更正为", "不采用", "作为佐证摘录附上",
                 "C1", "246"):
        assert text in body, text
    assert "<script>" not in body
    assert sa.answers_of(sub) == {}  # uploading changes nothing in the form


def test_index_lists_submissions_and_reports(client, login, sub, tenant_a):
    c = login(tenant_a.users["dept_editor"].username)
    body = c.get("/imports/").get_data(as_text=True)
    assert "上传工作总结" in body and "上传年度报告" in body and sub.campaign.name in body
    office = login(tenant_a.users["office_admin"].username)
    assert office.get("/imports/").headers["Location"].endswith("/imports/reports/overview")


@pytest.mark.parametrize("name,data,message", [
    ("empty.txt", b"", "文件"),
    ("scan.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", ""),
    ("x.exe", b"MZ", "不支持的文件类型"),
])
def test_bad_summary_shows_the_message_at_the_field(client, login, sub, tenant_a, name, data, message):
    c = login(tenant_a.users["dept_editor"].username)
    resp = _upload(c, sub, data, name)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'aria-invalid="true"' in body and 'class="error"' in body
    assert message in body
    assert db.session.query(FigureImport).count() == 0 and sa.answers_of(sub) == {}


def test_no_file_is_an_error(client, login, sub, tenant_a):
    c = login(tenant_a.users["dept_editor"].username)
    resp = c.post(f"/imports/submissions/{sub.id}/summary", data={}, content_type="multipart/form-data")
    assert resp.status_code == 422 and "请选择" in resp.get_data(as_text=True)


def test_accept_one_proposal_then_see_it_in_the_form(client, login, sub, tenant_a):
    c = login(tenant_a.users["dept_editor"].username)
    fi_url = _upload(c, sub, SUMMARY.encode("utf-8")).headers["Location"]
    import_id = int(fi_url.rstrip("/").rsplit("/", 1)[-1])
    fi = db.session.get(FigureImport, import_id)
    passage = json.loads(fi.proposals)["by_indicator"]["E1"][0]
    resp = c.post(f"/imports/{import_id}/indicators/E1", data={
        "decision-received": "accept", "value-received": "3",
        "decision-answered_on_time": "correct", "value-answered_on_time": "2",
        "passage": f"{passage['start']}-{passage['end']}", "version": "0"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#imp-E1")
    body = c.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已填入：3" in body and "已填入：2" in body and "已作为佐证摘录" in body
    form = c.get(f"/self/{sub.id}")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert 'name="in_received" value="3"' in page and 'name="in_answered_on_time" value="2"' in page
    assert "确认" in page  # marked unconfirmed until the editor confirms it
    assert passage["text"][:10] in page  # the excerpt is listed as evidence


def test_invalid_correction_stays_on_the_page_with_the_error(client, login, sub, tenant_a):
    c = login(tenant_a.users["dept_editor"].username)
    import_id = int(_upload(c, sub, SUMMARY.encode()).headers["Location"].rsplit("/", 1)[-1])
    resp = c.post(f"/imports/{import_id}/indicators/E1", data={
        "decision-received": "correct", "value-received": "三件", "version": "0"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "不是数字" in body and 'value="三件"' in body and 'aria-invalid="true"' in body
    assert sa.answers_of(sub) == {}


def test_stale_version_is_a_409_with_their_values(client, login, sub, tenant_a):
    c = login(tenant_a.users["dept_editor"].username)
    import_id = int(_upload(c, sub, SUMMARY.encode()).headers["Location"].rsplit("/", 1)[-1])
    sa.save_answer(sub, "C1", actor=tenant_a.users["dept_admin"], inputs={"items_published": "100"})
    db.session.commit()
    resp = c.post(f"/imports/{import_id}/indicators/C1", data={"decision-items_published": "accept", "version": "0"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "items_published=100" in body
    assert sa.stored_inputs(sa.answers_of_code(sub, "C1")) == {"items_published": "100"}


def test_unknown_indicator_is_404_and_other_department_cannot_see(client, login, sub, tenant_a):
    c = login(tenant_a.users["dept_editor"].username)
    import_id = int(_upload(c, sub, SUMMARY.encode()).headers["Location"].rsplit("/", 1)[-1])
    assert c.post(f"/imports/{import_id}/indicators/ZZ9", data={}).status_code == 404
    b = login(tenant_a.users["dept_b_editor"].username)
    assert b.get(f"/imports/{import_id}").status_code == 404
    assert b.get(f"/imports/submissions/{sub.id}/summary").status_code == 404


# --- annual reports ------------------------------------------------------------------------------------


def _upload_report(c, text: str, name: str = "2024.txt", year: str = ""):
    return c.post("/imports/reports", data={"file": (io.BytesIO(text.encode("utf-8")), name), "year": year},
                  content_type="multipart/form-data")


def test_report_upload_detail_and_overview(client, login, sub, tenant_a):
    c = login(tenant_a.users["dept_editor"].username)
    assert "上传并核对" in c.get("/imports/reports").get_data(as_text=True)
    resp = _upload_report(c, report_text(2023, carried_out=1), "2023.txt")
    assert resp.status_code == 302
    bad = report_text(2024, carried_in=0).replace("（七）总计   4   1   0   0   0   0   5", "（七）总计   4   1   0   0   0   0   7")
    resp = _upload_report(c, bad)
    detail = c.get(resp.headers["Location"]).get_data(as_text=True)
    assert "上年结转" in detail and "结转下年度继续办理" in detail and "（七）总计" in detail
    assert 'class="has-error"' in detail and "check-failures" in detail
    assert "提出建议数字" in detail  # the department may feed its self-assessment
    office = login(tenant_a.users["reviewer"].username)
    body = office.get("/imports/reports/overview").get_data(as_text=True)
    assert tenant_a.dept_a.name in body and tenant_a.dept_b.name in body and "处问题" in body and "无误" in body
    report_id = int(resp.headers["Location"].rsplit("/", 1)[-1])
    page = office.get(f"/imports/reports/{report_id}").get_data(as_text=True)
    assert "check-failures" in page and "提出建议数字" not in page
    f = office.get(f"/imports/reports/{report_id}/file")
    assert f.status_code == 200 and f.data.decode("utf-8") == bad


def test_report_errors_at_their_fields(client, login, sub, tenant_a):
    c = login(tenant_a.users["dept_editor"].username)
    resp = _upload_report(c, "一份会议纪要，没有表格。", "x.txt")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "未识别为国家规定格式" in body and 'id="report-file-err"' in body
    resp = _upload_report(c, report_text(2024), year="2023")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'id="report-year-err"' in body and "不一致" in body


def test_report_figures_through_the_accept_flow(client, login, sub, tenant_a):
    c = login(tenant_a.users["dept_editor"].username)
    report_id = int(_upload_report(c, report_text(2024)).headers["Location"].rsplit("/", 1)[-1])
    resp = c.post(f"/imports/reports/{report_id}/use", data={"submission_id": str(sub.id)})
    assert resp.status_code == 302
    body = c.get(resp.headers["Location"]).get_data(as_text=True)
    assert "E1" in body and "表三" in body and "E3" in body
    assert sa.answers_of(sub) == {}
    import_id = int(resp.headers["Location"].rsplit("/", 1)[-1])
    c.post(f"/imports/{import_id}/indicators/E1", data={"decision-received": "accept", "version": "0"})
    assert sa.stored_inputs(sa.answers_of_code(sub, "E1")) == {"received": "6"}
    assert c.post(f"/imports/reports/{report_id}/use", data={"submission_id": "x"}).status_code == 302


def test_department_b_and_office_b_cannot_reach_department_a_reports(client, login, sub, tenant_a, tenant_b):
    c = login(tenant_a.users["dept_editor"].username)
    report_id = int(_upload_report(c, report_text(2024)).headers["Location"].rsplit("/", 1)[-1])
    assert login(tenant_a.users["dept_b_editor"].username).get(f"/imports/reports/{report_id}").status_code == 404
    assert login(tenant_b.users["office_admin"].username).get(f"/imports/reports/{report_id}").status_code == 404
    body = login(tenant_b.users["office_admin"].username).get("/imports/reports/overview").get_data(as_text=True)
    assert tenant_a.dept_a.name not in body


def test_navigation_and_department_viewer(client, login, sub, tenant_a):
    office = login(tenant_a.users["office_admin"].username)
    body = office.get("/imports/reports/overview").get_data(as_text=True)
    assert "年度报告" in body
    viewer = login(tenant_a.users["dept_viewer"].username)
    assert viewer.get("/imports/reports/overview").headers["Location"].endswith("/imports/")
    page = viewer.get("/imports/").get_data(as_text=True)
    assert "政府信息公开工作年度报告" in page
    assert "上传年度报告<" not in page and viewer.get("/imports/reports").status_code == 403


def _origin_note(page: str, code: str) -> str:
    return page.split(f'id="origin-{code}"', 1)[1].split("</div>", 1)[0]


def test_unconfirmed_values_say_where_they_came_from(client, login, db, tenant_a):
    """Issue 14: imported figures were labelled "沿用自上一年度…"; the note names the file (or the year)."""
    editor = tenant_a.users["dept_editor"]
    last = make_campaign(tenant_a, name="2025年度考核", year=2025)
    last_sub = submission_of(last, tenant_a.dept_a)
    sa.save_answer(last_sub, "A3", actor=editor, inputs={"meetings": "2"}, explanation="上年召开会议说明")
    sa.save_answer(last_sub, "E1", actor=editor, inputs={"received": "9", "answered_on_time": "9"},
                   explanation="上年依申请公开说明")
    now = submission_of(make_campaign(tenant_a, name="2026年度考核"), tenant_a.dept_a)
    sa.prefill_from_last_year(now, actor=editor)
    db.session.commit()
    c = login(editor.username)
    fi_url = _upload(c, now, SUMMARY.encode("utf-8"), name="人社局2026年工作总结.txt").headers["Location"]
    import_id = int(fi_url.rstrip("/").rsplit("/", 1)[-1])
    version = sa.answers_of_code(now, "E1").version_id
    resp = c.post(f"/imports/{import_id}/indicators/E1", data={
        "decision-received": "accept", "value-received": "3",
        "decision-answered_on_time": "correct", "value-answered_on_time": "2", "version": str(version)})
    assert resp.status_code == 302
    page = c.get(f"/self/{now.id}").get_data(as_text=True)

    e1 = _origin_note(page, "E1")  # figures from the summary, its text still last year's
    assert "以下数字取自上传的工作总结《人社局2026年工作总结.txt》" in e1
    assert "收到申请：3件" in e1 and "按时答复：2件（文件中为3件，已更正）" in e1 and "情况说明沿用自2025年度的自评表" in e1
    assert "沿用自上一年度" not in page
    a3 = _origin_note(page, "A3")  # only last year's text
    assert "以下情况说明沿用自2025年度的自评表（数字已清空）" in a3 and "工作总结" not in a3
    assert "确认导入的内容" in page and "确认沿用" in page


def test_report_page_shows_each_findings_severity(client, login, sub, tenant_a):
    """A blank 总计 is a warning, an arithmetic contradiction an error: the page says which (issue 17)."""
    c = login(tenant_a.users["dept_editor"].username)
    text = report_text(2024, carried_in=0)
    blank = re.sub(r"(（一）予以公开\s+3\s+1\s+0\s+0\s+0\s+0\s+)4", r"\g<1>—", text)
    assert blank != text, "fixture did not apply"
    bad = blank.replace("（七）总计   4   1   0   0   0   0   5", "（七）总计   4   1   0   0   0   0   7")
    resp = _upload_report(c, bad)
    page = c.get(resp.headers["Location"]).get_data(as_text=True)
    assert 'class="finding finding-warning" data-check="total_blank"' in page
    assert 'class="finding finding-error" data-check="row_sum"' in page
    assert '<span class="badge warn">警告</span>' in page and '<span class="badge bad">错误</span>' in page
    assert "警告：表三" not in page  # the severity is the badge, not repeated in the text


PROPOSAL_SUMMARY = """县某局2026年政务公开工作总结
一、主动公开
“城关发布”微信公众号全年推送政务信息1040条。其中通过门户网站政策文件栏目发布信息80条。
二、依申请公开
全年收到申请5件，均按时答复5件。
"""


def _radio(body: str, name: str, value: str) -> str:
    import re
    m = re.search(rf'<input type="radio" name="decision-{name}" value="{value}"[^>]*>', body)
    assert m, (name, value)
    return m.group(0)


def test_review_shows_clause_computation_confidence_and_preselects_only_confident(client, login, sub, tenant_a):
    c = login(tenant_a.users["dept_editor"].username)
    fi_url = _upload(c, sub, PROPOSAL_SUMMARY.encode("utf-8")).headers["Location"]
    body = c.get(fi_url).get_data(as_text=True)
    # derived weekly figure: its clause, the arithmetic and why
    assert "1040 ÷ 52 = 20" in body and "由全年总数折算" in body
    assert "所在分句：" in body and "<span class=\"clause-text\">“城关发布”微信公众号全年推送政务信息1040条。</span>" in body
    assert "可信度" in body
    # one account's count, or the part after 其中, is only a low-confidence hint for the yearly total
    fi = db.session.get(FigureImport, int(fi_url.rstrip("/").rsplit("/", 1)[-1]))
    figures = {f["name"]: f for f in json.loads(fi.proposals)["figures"]}
    assert figures["items_published"]["confidence"] < 0.5
    assert figures["items_published"]["reason"] in ("one_channel", "part")
    assert ("只是某一个发布渠道的数字" in body or "“其中”之后（或“合计”之前）的分项数字" in body) and "可信度低，未预选" in body
    assert "checked" not in _radio(body, "items_published", "accept")
    assert "checked" in _radio(body, "items_published", "")
    # a confident proposal into an empty input is pre-selected
    assert "checked" in _radio(body, "received", "accept")
    assert "checked" in _radio(body, "posts_per_week", "accept")


def test_review_of_an_import_stored_before_clauses_still_renders(client, login, sub, tenant_a, db):
    c = login(tenant_a.users["dept_editor"].username)
    old = {"figures": [{"indicator_code": "E1", "name": "received", "label": "收到申请", "value": "3", "unit": "件",
                        "printed": "3件", "printed_value": "3", "printed_unit": "件", "qualifier": None,
                        "qualifier_kind": None, "source_sentence": "全年收到申请3件。", "start": 6, "end": 8,
                        "sentence_start": 0, "sentence_end": 9, "phrase": "收到申请", "phrase_start": 2,
                        "confidence": 0.97}], "by_indicator": {}}
    fi = FigureImport(office_id=sub.office_id, department_id=sub.department_id, campaign_id=sub.campaign_id,
                      submission_id=sub.id, source="summary", filename="旧.txt", sha256="0" * 64,
                      text="全年收到申请3件。", proposals=json.dumps(old, ensure_ascii=False), decisions="{}",
                      created_by_id=tenant_a.users["dept_editor"].id)
    db.session.add(fi)
    db.session.commit()
    resp = c.get(f"/imports/{fi.id}")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<mark>3件</mark>" in body and "可信度97%" in body
    assert "所在分句：" not in body and "计算：" not in body
