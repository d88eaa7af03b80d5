"""Self-assessment pages over HTTP: the form, per-indicator save with errors at the field, JSON autosave,
conflicts (409 with both versions), the flow, readiness, carry-over and the Excel round-trip."""
from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from assess.extensions import db
from assess.models import CampaignState, SubmissionState
from assess.scoring.explain import num
from assess.selfassessment import services as sa
from tests.campaign_world import fill_all, make_campaign, submission_of


@pytest.fixture()
def sub(db, tenant_a):
    s = submission_of(make_campaign(tenant_a), tenant_a.dept_a)
    db.session.commit()
    return s


def test_form_renders_rubric_area_by_area(client, login, sub, tenant_a):
    c = login(tenant_a.users["dept_editor"].username)
    body = c.get(f"/self/{sub.id}").get_data(as_text=True)
    for text in ("组织领导", "A1 领导小组", "设立政务公开领导小组", "收到申请（件）", "不大于100", "自评分",
                 "佐证材料", "填报进度", "js/selfassessment.js", "送分管领导审核"):
        assert text in body, text
    assert "<script>" not in body


def test_save_per_indicator_and_errors_at_field(client, login, sub, tenant_a):
    c = login(tenant_a.users["dept_editor"].username)
    resp = c.post(f"/self/{sub.id}/answers/E1", data={"in_received": "-3", "in_answered_on_time": "abc",
                                                      "explanation": "保留我的说明", "version": "0"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "不能为负数" in body and "不是数字" in body and "保留我的说明" in body and 'value="-3"' in body
    assert 'aria-invalid="true"' in body
    resp = c.post(f"/self/{sub.id}/answers/E1", data={"in_received": "3", "in_answered_on_time": "3", "version": "0"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#ind-E1")
    body = c.get(f"/self/{sub.id}").get_data(as_text=True)
    assert "建议分：" in body and "按时答复率" in body


def test_self_score_out_of_bounds_at_field(client, login, sub, tenant_a):
    c = login(tenant_a.users["dept_editor"].username)
    resp = c.post(f"/self/{sub.id}/answers/A1", data={"in_has_group": "true", "self_score": "5", "version": "0"})
    assert resp.status_code == 422 and "自评分须在0至3分之间" in resp.get_data(as_text=True)


def test_autosave_json_and_conflict(client, login, sub, tenant_a, app):
    c = login(tenant_a.users["dept_editor"].username)
    url = f"/self/api/{sub.id}/answers/C1"
    resp = c.post(url, json={"version": 0, "inputs": {"items_published": "120"}, "explanation": "草稿"})
    assert resp.status_code == 200
    data = resp.get_json()
    assert data["version"] == 1 and data["suggested"] == "4" and data["progress"]["total"] == 33  # unclaimed bonus items owe nothing
    assert data["total"] == "4" and "自评总分：<span data-total>4</span>分" in data["totals_html"]  # live totals
    resp = c.post(url, json={"version": 1, "inputs": {"items_published": "x"}})
    assert resp.status_code == 422 and "不是数字" in resp.get_json()["errors"]["items_published"]
    # the leader saves meanwhile; the editor's stale autosave is told and given both versions
    other = app.test_client()
    login(tenant_a.users["dept_admin"].username, c=other)
    assert other.post(url, json={"version": 1, "inputs": {"items_published": "150"}}).status_code == 200
    resp = c.post(url, json={"version": 1, "inputs": {"items_published": "210"}})
    assert resp.status_code == 409
    body = resp.get_json()
    assert body["theirs"]["inputs"] == {"items_published": "150"} and body["mine"]["inputs"] == {"items_published": "210"}
    # the form POST shows both versions too
    resp = c.post(f"/self/{sub.id}/answers/C1", data={"in_items_published": "210", "version": "1"})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "对方已保存的版本" in text and "公开信息：150" in text and "公开信息：210" in text
    assert c.post(url, data="nonsense", content_type="application/json").status_code == 400


def test_viewer_and_office_read_only(client, login, sub, tenant_a):
    sa.save_answer(sub, "A1", actor=tenant_a.users["dept_editor"], inputs={"has_group": "true"}, explanation="说明甲")
    sub.campaign  # noqa: B018
    from assess.extensions import db

    db.session.commit()
    for key in ("dept_viewer", "reviewer"):
        c = login(tenant_a.users[key].username)
        body = c.get(f"/self/{sub.id}").get_data(as_text=True)
        assert "说明甲" in body and "当前为只读视图" in body and "fieldset disabled" in body
        assert c.post(f"/self/{sub.id}/answers/A1", data={"version": "1"}).status_code == 403


def test_full_flow_over_http(client, login, sub, tenant_a):
    from assess.extensions import db

    editor = tenant_a.users["dept_editor"]
    c = login(editor.username)
    resp = c.post(f"/self/{sub.id}/send", follow_redirects=True)
    assert "未完成，不能送审" in resp.get_data(as_text=True)
    fill_all(sub, editor)
    db.session.commit()
    body = c.get(f"/self/{sub.id}/readiness").get_data(as_text=True)
    assert "可能被评审质疑" in body and "必须处理" not in body
    assert "已送分管领导审核" in c.post(f"/self/{sub.id}/send", follow_redirects=True).get_data(as_text=True)
    assert c.post(f"/self/{sub.id}/submit").status_code == 403  # editors cannot submit
    leader = login(tenant_a.users["dept_admin"].username)
    resp = leader.post(f"/self/{sub.id}/return", data={"comment": ""}, follow_redirects=True)
    assert "退回时请写明" in resp.get_data(as_text=True)
    resp = leader.post(f"/self/{sub.id}/submit", follow_redirects=True)
    assert "已以本部门名义提交" in resp.get_data(as_text=True)
    db.session.refresh(sub)
    assert sub.state == SubmissionState.SUBMITTED
    office = login(tenant_a.users["office_admin"].username)
    resp = office.post(f"/self/{sub.id}/office-return", data={"comment": "请补充C3材料"}, follow_redirects=True)
    assert "已退回该部门修改" in resp.get_data(as_text=True)
    db.session.refresh(sub)
    assert sub.state == SubmissionState.RETURNED
    c = login(editor.username)
    assert "请补充C3材料" in c.get(f"/self/{sub.id}").get_data(as_text=True)


def test_draft_campaign_hidden_from_departments(client, login, db, tenant_a):
    campaign = make_campaign(tenant_a, state=CampaignState.DRAFT)
    s = submission_of(campaign, tenant_a.dept_a)
    db.session.commit()
    c = login(tenant_a.users["dept_editor"].username)
    assert c.get(f"/self/{s.id}").status_code == 404
    c = login(tenant_a.users["office_admin"].username)
    assert c.get(f"/self/{s.id}").status_code == 200


def test_prefill_and_confirm(client, login, db, tenant_a):
    editor = tenant_a.users["dept_editor"]
    last = make_campaign(tenant_a, name="2025年度考核", year=2025)
    sa.save_answer(submission_of(last, tenant_a.dept_a), "C1", actor=editor, inputs={"items_published": "99"},
                   explanation="上年说明")
    now = make_campaign(tenant_a, name="2026年度考核", year=2026)
    s = submission_of(now, tenant_a.dept_a)
    db.session.commit()
    c = login(editor.username)
    assert "沿用上一年度（2025）" in c.get(f"/self/{s.id}").get_data(as_text=True)
    body = c.post(f"/self/{s.id}/prefill", follow_redirects=True).get_data(as_text=True)
    assert "已从上一年度沿用1项" in body and "上年说明" in body and "确认沿用" in body
    body = c.post(f"/self/{s.id}/answers/C1/confirm", follow_redirects=True).get_data(as_text=True)
    assert "已确认 C1" in body


def test_excel_download_upload_confirm(client, login, sub, tenant_a):
    c = login(tenant_a.users["dept_editor"].username)
    resp = c.get(f"/self/{sub.id}/export.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(resp.data))
    for row in wb["自评表"].iter_rows(min_row=2):
        if (row[0].value, row[2].value) == ("C1", "items_published"):
            row[6].value = 260
    out = io.BytesIO()
    wb.save(out)
    resp = c.post(f"/self/{sub.id}/upload", data={"file": (io.BytesIO(out.getvalue()), "自评表.xlsx")},
                  content_type="multipart/form-data")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "与已保存内容的差异" in body and "260" in body
    token = body.split('name="token" value="')[1].split('"')[0]
    resp = c.post(f"/self/{sub.id}/upload/confirm", data={"token": token}, follow_redirects=True)
    body = resp.get_data(as_text=True)
    assert "已按Excel填报表更新1个指标" in body and "已上传的离线填报表" in body and "自评表.xlsx" in body
    assert json.loads(sa.answers_of(sub)["C1"].inputs) == {"items_published": "260"}
    # a forged token is refused
    resp = c.post(f"/self/{sub.id}/upload/confirm", data={"token": "forged"}, follow_redirects=True)
    assert "上传已失效" in resp.get_data(as_text=True)


def test_excel_upload_refusals(client, login, sub, tenant_a):
    c = login(tenant_a.users["dept_editor"].username)
    resp = c.post(f"/self/{sub.id}/upload", data={"file": (io.BytesIO(b"%PDF-1.4 x"), "a.pdf")},
                  content_type="multipart/form-data")
    assert resp.status_code == 422 and "请上传从本系统下载的Excel填报表" in resp.get_data(as_text=True)
    resp = c.post(f"/self/{sub.id}/upload", data={}, content_type="multipart/form-data")
    assert resp.status_code == 422 and "请选择要上传的Excel文件" in resp.get_data(as_text=True)


def test_leader_returns_editor_resends(client, login, sub, tenant_a):
    from assess.extensions import db

    editor = tenant_a.users["dept_editor"]
    fill_all(sub, editor)
    sa.send_to_leader(sub, actor=editor)
    db.session.commit()
    leader = login(tenant_a.users["dept_admin"].username)
    body = leader.get(f"/self/{sub.id}").get_data(as_text=True)
    assert "审核通过，以本部门名义提交" in body and "退回修改" in body and "提交前请留意" in body
    body = leader.post(f"/self/{sub.id}/return", data={"comment": "C1请附栏目截图"}, follow_redirects=True).get_data(as_text=True)
    assert "已退回填报人员修改" in body and "C1请附栏目截图" in body
    db.session.refresh(sub)
    assert sub.state == SubmissionState.RETURNED
    c = login(editor.username)
    assert "已送分管领导审核" in c.post(f"/self/{sub.id}/send", follow_redirects=True).get_data(as_text=True)


def test_send_refused_shows_missing_at_each_field(client, login, sub, tenant_a):
    from assess.extensions import db

    editor = tenant_a.users["dept_editor"]
    fill_all(sub, editor)
    sa.save_answer(sub, "E1", actor=editor, inputs={"received": "3"}, expected_version=1)
    db.session.commit()
    c = login(editor.username)
    resp = c.post(f"/self/{sub.id}/send")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "不能送审" in body
    err = body.split('id="f-E1-answered_on_time-err"')[1].split("</p>")[0]
    assert "提交前必须填写此项" in err


def _totals_box(page: str, box_id: str = "self-totals") -> str:
    return page.split(f'id="{box_id}"', 1)[1].split("</div>", 1)[0]


def test_self_scored_totals_on_form_readiness_and_leader_page(client, login, db, sub, tenant_a):
    """Issue 14: the form, the readiness check and the leader's page show the self-scored total and
    per-area subtotals (bonus apart, capped as in ranking)."""
    import re
    from decimal import Decimal

    editor = tenant_a.users["dept_editor"]
    fill_all(sub, editor)
    for code, inputs in {"X1": {"adopted": "6"}, "X2": {"pilot": "true"}, "X3": {"praised": "2"}}.items():
        sa.save_answer(sub, code, actor=editor, inputs=inputs)  # 3 + 2 + 2 = 7 claimed, cap 5
    from assess.selfassessment import evidence as ev
    from tests.campaign_world import pdf_bytes

    for code in ("X1", "X2", "X3"):
        ev.add_file(sub, code, actor=editor, filename=f"{code}.pdf", data=pdf_bytes(code), title=f"{code} 佐证")
    db.session.commit()
    rubric = sa.rubric_of(sub.campaign)
    answers = sa.answers_of(sub)
    expected = {a.code: max(Decimal(0), sum((answers[i.code].self_score for i in a.indicators), Decimal(0)))
                for a in rubric.areas}
    base = sum(expected.values(), Decimal(0))
    assert sum((answers[c].self_score for c in ("X1", "X2", "X3")), Decimal(0)) == 7
    total = base + 5

    def check(box):
        assert f"自评总分：<span data-total>{num(total)}</span>分" in box
        assert f"基础分{num(base)}分，满分100分；申报加分7分，计入5分，上限5分）" in box
        for code, value in expected.items():
            row = re.search(rf'<tr data-area="{code}"><td>[^<]*</td><td>([^<]*)</td>', box).group(1)
            assert row == num(value), code
        assert re.search(r'<tr data-area="bonus"><td>加分项（另计）</td><td>5</td><td>5</td>', box)
        assert "未填自评分" not in box

    c = login(editor.username)
    check(_totals_box(c.get(f"/self/{sub.id}").get_data(as_text=True)))
    check(_totals_box(c.get(f"/self/{sub.id}/readiness").get_data(as_text=True)))
    sa.send_to_leader(sub, actor=editor)
    db.session.commit()
    c = login(tenant_a.users["dept_admin"].username)
    page = c.get(f"/self/{sub.id}").get_data(as_text=True)
    check(_totals_box(page))
    leader = page.split('id="leader-total"', 1)[1].split("</p>", 1)[0]
    assert f"自评总分为{num(total)}分（基础分{num(base)}分，加分计入5分）" in leader


def test_totals_while_filling_count_missing_scores_as_zero(client, login, sub, tenant_a):
    editor = tenant_a.users["dept_editor"]
    sa.save_answer(sub, "A3", actor=editor, inputs={"meetings": "3"})
    db.session.commit()
    score = sa.answers_of(sub)["A3"].self_score
    c = login(editor.username)
    box = _totals_box(c.get(f"/self/{sub.id}").get_data(as_text=True))
    assert f"自评总分：<span data-total>{num(score)}</span>分" in box and "对应等次" not in box
    n = sum(len(a.indicators) for a in sa.rubric_of(sub.campaign).areas) - 1
    assert f"尚有{n}项未填自评分，暂按0分计。" in box
    assert '<tr data-area="A"><td>' in box and f"<td>1/" in box
