"""HTTP tests: every rectification route, its happy path and its refusals (messages at the field)."""
from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from assess.extensions import db
from assess.models import AuditEntry, Evidence, ItemState, Notice, NoticeItem, NoticeState
from assess.documents.builders import notice_document
from assess.rectification import generation, services
from tests.test_rectification_support import add_result, future, make_campaign, make_notice

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _campaign_with_problems(t):
    campaign = make_campaign(t)
    add_result(t, campaign, t.dept_a, "A1", "1", problem="SECRET-DEPT-A 领导小组未调整")
    add_result(t, campaign, t.dept_a, "A3", "0", problem="全年未专题研究")
    add_result(t, campaign, t.dept_b, "A2", "2", problem="乙局人员变动未补位")
    db.session.commit()
    return campaign


def test_office_generates_edits_and_sends_in_bulk(tenant_a, login):
    t = tenant_a
    campaign = _campaign_with_problems(t)
    c = login(t.users["office_admin"].username)
    page = c.get("/rectification/generate").get_data(as_text=True)
    assert "按考核结果生成" in page and 'name="threshold"' in page and 'value="0.50"' in page
    assert '<td class="num">2</td><td class="num">3</td><td class="num">0</td>' in page
    resp = c.post("/rectification/generate", data={"campaign_id": campaign.id, "workdays": "10"})
    assert resp.status_code == 302
    notices = db.session.scalars(select(Notice).where(Notice.campaign_id == campaign.id)).all()
    assert len(notices) == 2 and all(n.state == NoticeState.DRAFT for n in notices)
    page = c.get("/rectification/?state=draft").get_data(as_text=True)
    assert t.dept_a.name in page and "下发所选通知" in page
    notice_a = next(n for n in notices if n.department_id == t.dept_a.id)
    # merge the two items of department A's draft, then send both notices at once
    ids = [i.id for i in notice_a.items]
    assert c.post(f"/rectification/{notice_a.id}/merge", data={"item_ids": ids}).status_code == 302
    db.session.expire_all()
    assert len(db.session.get(Notice, notice_a.id).items) == 1
    resp = c.post("/rectification/send", data={"notice_ids": [n.id for n in notices]})
    assert resp.status_code == 302
    db.session.expire_all()
    assert all(db.session.get(Notice, n.id).state == NoticeState.SENT for n in notices)
    assert c.post("/rectification/send", data={}, follow_redirects=True).get_data(as_text=True).count("请勾选") == 1


def test_generate_bad_input(tenant_a, login):
    t = tenant_a
    campaign = _campaign_with_problems(t)
    c = login(t.users["office_admin"].username)
    resp = c.post("/rectification/generate", data={"campaign_id": campaign.id, "workdays": "0"})
    assert resp.status_code == 400 and "工作日数应在 1 到 250 之间" in resp.get_data(as_text=True)


def test_new_notice_outside_campaign_and_field_errors(tenant_a, login):
    t = tenant_a
    c = login(t.users["office_admin"].username)
    assert c.get("/rectification/new").status_code == 200
    resp = c.post("/rectification/new", data={"department_id": t.dept_a.id, "source": "monitoring", "title": "网站监测",
                                              "problem": "首页错敏字", "deadline": "2020-01-01"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "已过" in body and "首页错敏字" in body  # input kept
    resp = c.post("/rectification/new", data={"department_id": t.dept_a.id, "source": "monitoring", "title": "网站监测",
                                              "problem": "首页错敏字", "workdays": "5"})
    assert resp.status_code == 302
    notice = db.session.scalars(select(Notice).where(Notice.title == "网站监测")).one()
    assert notice.campaign_id is None and notice.deadline > services.today_local()


def test_department_reads_answers_and_office_checks(tenant_a, login, client):
    t = tenant_a
    notice = make_notice(t)
    item = notice.items[0]
    db.session.commit()
    # read receipt on first opening by the department
    c = login(t.users["dept_editor"].username)
    page = c.get(f"/rectification/{notice.id}").get_data(as_text=True)
    assert "SECRET-DEPT-A" in page and "送领导审核" in page
    db.session.expire_all()
    assert db.session.get(Notice, notice.id).read_by_id == t.users["dept_editor"].id
    # empty measure: refused at the field, input kept
    resp = c.post(f"/rectification/items/{item.id}/answer",
                  data={f"a{item.id}-measure": "", f"a{item.id}-result": "结果保留", f"a{item.id}-action": "save",
                        f"a{item.id}-version": item.version_id})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "请填写整改措施" in body and "结果保留" in body
    # bad link
    resp = c.post(f"/rectification/items/{item.id}/evidence",
                  data={f"e{item.id}-kind": "link", f"e{item.id}-title": "页面", f"e{item.id}-url": "ftp://x"})
    assert resp.status_code == 400 and "http://" in resp.get_data(as_text=True)
    resp = c.post(f"/rectification/items/{item.id}/evidence",
                  data={f"e{item.id}-kind": "link", f"e{item.id}-title": "整改后页面",
                        f"e{item.id}-url": "https://www.example.gov.cn/fixed"})
    assert resp.status_code == 302
    # a file, checked by content
    resp = c.post(f"/rectification/items/{item.id}/evidence", content_type="multipart/form-data",
                  data={f"e{item.id}-kind": "file", f"e{item.id}-title": "",
                        f"e{item.id}-file": (io.BytesIO(b"MZ not a pdf"), "fake.pdf")})
    assert resp.status_code == 400 and "不支持的文件类型" in resp.get_data(as_text=True)
    resp = c.post(f"/rectification/items/{item.id}/evidence", content_type="multipart/form-data",
                  data={f"e{item.id}-kind": "file", f"e{item.id}-title": "整改报告",
                        f"e{item.id}-file": (io.BytesIO(PDF), "整改报告.pdf")})
    assert resp.status_code == 302
    ev_file = db.session.scalars(select(Evidence).where(Evidence.title == "整改报告")).one()
    dl = c.get(f"/rectification/evidence/{ev_file.id}/file")
    assert dl.status_code == 200 and dl.data == PDF and "attachment" in dl.headers["Content-Disposition"]
    from assess.storage import get_storage

    get_storage().delete(ev_file.storage_key)  # the file gone from the storage: not found, never a 500
    assert c.get(f"/rectification/evidence/{ev_file.id}/file").status_code == 404
    db.session.expire_all()
    item = db.session.get(NoticeItem, item.id)
    resp = c.post(f"/rectification/items/{item.id}/answer",
                  data={f"a{item.id}-measure": "修复断链并建立每周巡查", f"a{item.id}-result": "已修复",
                        f"a{item.id}-action": "leader", f"a{item.id}-version": item.version_id})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(NoticeItem, item.id).state == ItemState.AWAITING_LEADER
    # the leader returns, the editor fixes, the leader submits
    leader = login(t.users["dept_admin"].username)
    resp = leader.post(f"/rectification/items/{item.id}/leader-return", data={f"l{item.id}-comment": ""})
    assert resp.status_code == 400 and "请填写退回意见" in resp.get_data(as_text=True)
    assert leader.post(f"/rectification/items/{item.id}/leader-return",
                       data={f"l{item.id}-comment": "补充巡查制度"}).status_code == 302
    db.session.expire_all()
    item = db.session.get(NoticeItem, item.id)
    assert leader.post(f"/rectification/items/{item.id}/answer",
                       data={f"a{item.id}-measure": "修复断链，建立每周巡查制度", f"a{item.id}-result": "已修复",
                             f"a{item.id}-action": "submit", f"a{item.id}-version": item.version_id}).status_code == 302
    db.session.expire_all()
    item = db.session.get(NoticeItem, item.id)
    assert item.state == ItemState.SUBMITTED
    # the office returns without a comment (refused), returns with one, then accepts: the notice closes
    office = login(t.users["office_admin"].username)
    page = office.get(f"/rectification/{notice.id}").get_data(as_text=True)
    assert "已读" in page and "销号" in page
    resp = office.post(f"/rectification/{notice.id}/close", follow_redirects=True)
    assert "未销号" in resp.get_data(as_text=True)
    resp = office.post(f"/rectification/items/{item.id}/check",
                       data={f"c{item.id}-decision": "return", f"c{item.id}-comment": "",
                             f"c{item.id}-version": item.version_id})
    assert resp.status_code == 400 and "退回时请填写退回意见" in resp.get_data(as_text=True)
    assert office.post(f"/rectification/items/{item.id}/check",
                       data={f"c{item.id}-decision": "return", f"c{item.id}-comment": "巡查记录未附",
                             f"c{item.id}-version": item.version_id}).status_code == 302
    db.session.expire_all()
    item = db.session.get(NoticeItem, item.id)
    assert item.state == ItemState.RETURNED and item.rounds == 1
    leader = login(t.users["dept_admin"].username)
    assert leader.post(f"/rectification/items/{item.id}/answer",
                       data={f"a{item.id}-measure": "补充巡查记录", f"a{item.id}-result": "已修复",
                             f"a{item.id}-action": "submit", f"a{item.id}-version": item.version_id}).status_code == 302
    office = login(t.users["reviewer"].username)
    db.session.expire_all()
    item = db.session.get(NoticeItem, item.id)
    assert office.post(f"/rectification/items/{item.id}/check",
                       data={f"c{item.id}-decision": "accept", f"c{item.id}-comment": "",
                             f"c{item.id}-version": item.version_id}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Notice, notice.id).state == NoticeState.CLOSED
    # answering after closure is refused
    leader = login(t.users["dept_admin"].username)
    resp = leader.post(f"/rectification/items/{item.id}/answer",
                       data={f"a{item.id}-measure": "再改", f"a{item.id}-action": "save"})
    assert resp.status_code == 400 and "已办结" in resp.get_data(as_text=True)


def test_department_never_sees_drafts_and_editing_sent_needs_reason(tenant_a, login):
    t = tenant_a
    draft = make_notice(t, send=False)
    sent = make_notice(t)
    db.session.commit()
    c = login(t.users["dept_admin"].username)
    assert c.get(f"/rectification/{draft.id}").status_code == 404
    listing = c.get("/rectification/").get_data(as_text=True)
    assert f"/rectification/{sent.id}" in listing and f"/rectification/{draft.id}\"" not in listing
    office = login(t.users["office_admin"].username)
    data = {"title": "改标题", "intro": "", "deadline": future(20).isoformat(), "version": sent.version_id, "reason": ""}
    resp = office.post(f"/rectification/{sent.id}/edit", data=data)
    assert resp.status_code == 400 and "修改原因" in resp.get_data(as_text=True)
    data["reason"] = "部门申请延期"
    assert office.post(f"/rectification/{sent.id}/edit", data=data).status_code == 302
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "rectification.notice.edit")).one()
    assert entry.reason == "部门申请延期"
    # a stale form is refused with both versions
    data["title"] = "再改"
    resp = office.post(f"/rectification/{sent.id}/edit", data=data)
    assert resp.status_code == 400 and "已被他人修改" in resp.get_data(as_text=True)
    # items: add to a sent notice (reason needed), edit, delete only in drafts
    item = draft.items[0]
    resp = office.post(f"/rectification/{draft.id}/items",
                       data={"new-problem": "错敏字一处", "new-points_deducted": "x"})
    assert resp.status_code == 400 and "扣分应为数字" in resp.get_data(as_text=True)
    assert office.post(f"/rectification/{draft.id}/items", data={"new-problem": "错敏字一处"}).status_code == 302
    resp = office.post(f"/rectification/items/{item.id}/edit",
                       data={f"i{item.id}-problem": "断链 5 处", f"i{item.id}-version": item.version_id})
    assert resp.status_code == 302
    assert office.post(f"/rectification/items/{item.id}/delete").status_code == 302
    db.session.expire_all()
    assert [i.problem for i in db.session.get(Notice, draft.id).items] == ["错敏字一处"]
    assert office.post(f"/rectification/{draft.id}/send").status_code == 302
    db.session.expire_all()
    assert db.session.get(Notice, draft.id).state == NoticeState.SENT


def test_ledger_filters_overdue_and_export(tenant_a, tenant_b, login):
    t = tenant_a
    campaign = _campaign_with_problems(t)
    notices = generation.generate_notices(t.office, campaign, actor=None)
    services.send_notices(notices, actor=None)
    make_notice(t, problem="=1+2 错敏字")
    for n in notices:
        n.deadline = services.today_local() - timedelta(days=2)  # now overdue
    db.session.commit()
    c = login(t.users["viewer"].username)
    page = c.get("/rectification/ledger").get_data(as_text=True)
    assert "逾期 2 天" in page and t.dept_b.name in page
    page = c.get(f"/rectification/ledger?department_id={t.dept_b.id}").get_data(as_text=True)
    assert "乙局人员变动未补位" in page and "SECRET-DEPT-A" not in page
    page = c.get("/rectification/ledger?state=overdue&campaign_id=&indicator_code=A1").get_data(as_text=True)
    assert "领导小组未调整" in page and "错敏字" not in page
    page = c.get("/rectification/ledger?department_id=abc&state=nonsense").get_data(as_text=True)  # ignored
    assert "错敏字" in page
    resp = c.get("/rectification/ledger?format=xlsx&campaign_id=0")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(resp.data)).active
    assert ws.cell(row=3, column=5).value == "'=1+2 错敏字" and ws.max_row == 3
    # the department side is flagged too, and has no ledger
    dept = login(t.users["dept_admin"].username)
    assert "已逾期未销号" in dept.get("/rectification/").get_data(as_text=True)
    assert dept.get("/rectification/ledger").status_code == 403
    # another office's ledger shows none of this
    other = login(tenant_b.users["office_admin"].username)
    assert "SECRET-DEPT-A" not in other.get("/rectification/ledger").get_data(as_text=True)
    ws = load_workbook(io.BytesIO(other.get("/rectification/ledger?format=xlsx").data)).active
    assert ws.max_row == 2


def test_roles_are_refused(tenant_a, login):
    t = tenant_a
    notice = make_notice(t)
    item = notice.items[0]
    db.session.commit()
    viewer = login(t.users["dept_viewer"].username)
    assert viewer.get(f"/rectification/{notice.id}").status_code == 200
    assert viewer.post(f"/rectification/items/{item.id}/answer", data={}).status_code == 403
    editor = login(t.users["dept_editor"].username)
    assert editor.post(f"/rectification/items/{item.id}/leader-return", data={}).status_code == 403
    assert editor.post(f"/rectification/items/{item.id}/check", data={}).status_code == 403
    reviewer = login(t.users["reviewer"].username)
    assert reviewer.get(f"/rectification/{notice.id}").status_code == 200
    assert reviewer.post(f"/rectification/{notice.id}/send").status_code == 403
    assert reviewer.get(f"/rectification/{notice.id}").status_code == 200
    # the department viewer's opening was the read receipt; office users' openings do not count
    db.session.expire_all()
    assert db.session.get(Notice, notice.id).read_by_id == t.users["dept_viewer"].id


def test_open_items_partial_for_the_reviewer_page(tenant_a, app):
    from flask import render_template

    t = tenant_a
    notice = make_notice(t)
    notice.items[0].indicator_code = "A1"
    db.session.flush()
    open_items = services.open_items_for(t.dept_a.id, "A1", office_id=t.office.id)
    with app.test_request_context():
        html = render_template("rectification/_open_items.html", open_items=open_items)
        assert "1 个未销号的整改问题" in html and "SECRET-DEPT-A" in html
        assert render_template("rectification/_open_items.html", open_items=[]).strip() == ""


def test_notice_pdf(tenant_a, login):
    t = tenant_a
    campaign = _campaign_with_problems(t)
    [notice, *_] = [n for n in generation.generate_notices(t.office, campaign, actor=None) if n.department_id == t.dept_a.id]
    services.send_notice(notice, actor=None)
    db.session.commit()
    doc = notice_document(notice, t.office)
    assert doc.items[0].area == "组织领导" and doc.items[0].points_deducted == 2
    resp = login(t.users["dept_viewer"].username).get(f"/rectification/{notice.id}/pdf")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.data.startswith(b"%PDF")


def test_concurrent_write_becomes_a_message():
    from sqlalchemy.orm.exc import StaleDataError

    from assess.rectification.routes import _as_error

    err = _as_error(StaleDataError("x"))
    assert err.field == "version" and "同时修改" in str(err)


def test_lists_show_what_waits_for_whom(tenant_a, login):
    t = tenant_a
    notice = make_notice(t)
    item = notice.items[0]
    services.save_answer(item, actor=t.users["dept_editor"], measure="已修复", result="")
    services.send_to_leader(item, actor=t.users["dept_editor"])
    db.session.commit()
    assert "1 项待领导审核" in login(t.users["dept_admin"].username).get("/rectification/").get_data(as_text=True)
    services.submit_answer(item, actor=t.users["dept_admin"])
    db.session.commit()
    assert "1 项待核查" in login(t.users["office_admin"].username).get("/rectification/").get_data(as_text=True)


def test_every_button_of_the_answer_form_keeps_what_was_typed(tenant_a, login):
    """Adding evidence saves the typed answer; saving adds the evidence filled in; a refusal keeps both."""
    t = tenant_a
    notice = make_notice(t)
    item = notice.items[0]
    db.session.commit()
    c = login(t.users["dept_editor"].username)
    a, e = f"a{item.id}", f"e{item.id}"
    resp = c.post(f"/rectification/items/{item.id}/answer", data={
        f"{a}-measure": "修复断链", f"{a}-result": "已修复", f"{a}-action": "evidence", f"{a}-version": item.version_id,
        f"{e}-kind": "link", f"{e}-title": "整改后页面", f"{e}-url": "https://www.example.gov.cn/ok"})
    assert resp.status_code == 302
    db.session.expire_all()
    item = db.session.get(NoticeItem, item.id)
    assert (item.measure, item.result) == ("修复断链", "已修复")
    assert [ev.title for ev in services.item_evidence(item)] == ["整改后页面"]
    # 保存 with an excerpt filled in below: both kept
    resp = c.post(f"/rectification/items/{item.id}/answer", data={
        f"{a}-measure": "修复断链并巡查", f"{a}-result": "已修复", f"{a}-action": "save", f"{a}-version": item.version_id,
        f"{e}-kind": "excerpt", f"{e}-title": "巡查记录", f"{e}-text": "每周一巡查"})
    assert resp.status_code == 302
    db.session.expire_all()
    item = db.session.get(NoticeItem, item.id)
    assert item.measure == "修复断链并巡查" and len(services.item_evidence(item)) == 2
    # a refused link: nothing saved, everything typed shown again
    resp = c.post(f"/rectification/items/{item.id}/answer", data={
        f"{a}-measure": "第三版措施", f"{a}-result": "第三版结果", f"{a}-action": "evidence",
        f"{a}-version": item.version_id, f"{e}-kind": "link", f"{e}-title": "坏链接", f"{e}-url": "ftp://x"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "第三版措施" in body and "第三版结果" in body and "坏链接" in body
    assert "http://" in body
    db.session.expire_all()
    assert db.session.get(NoticeItem, item.id).measure == "修复断链并巡查"


def test_generate_with_a_threshold_says_what_it_left_out(tenant_a, login):
    t = tenant_a
    campaign = _campaign_with_problems(t)  # A: A1 −2, A3 −2; B: A2 −1 (each with a statement)
    add_result(t, campaign, t.dept_b, "A1", "1")  # −2 without a statement
    db.session.commit()
    c = login(t.users["office_admin"].username)
    resp = c.post("/rectification/generate", data={"campaign_id": campaign.id, "threshold": "abc"})
    assert resp.status_code == 400 and 'id="threshold-err"' in resp.get_data(as_text=True)
    resp = c.post("/rectification/generate", data={"campaign_id": campaign.id, "threshold": "1.5"},
                  follow_redirects=True)
    body = resp.get_data(as_text=True)
    assert "已生成 1 份整改通知草稿（2 个问题）" in body
    assert "另有 1 个指标扣分达到起算分值但没有问题描述" in body
    notices = db.session.scalars(select(Notice).where(Notice.campaign_id == campaign.id)).all()
    assert [n.department_id for n in notices] == [t.dept_a.id]  # B's one-point problem is under 1.5
    assert 'value="1.50"' in c.get("/rectification/generate").get_data(as_text=True)  # remembered
