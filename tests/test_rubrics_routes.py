"""Rubric pages over HTTP: upload (valid/broken), shipped, table, download, editor, replay, access."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from assess import scoring
from assess.extensions import db
from assess.models import Rubric
from assess.rubrics import services
from assess.rubrics.store import engine_rubric, store_rubric
from tests.test_rubrics_services import BROKEN
from tests.test_rubrics_support import BASE_INPUTS, COUNTY, county_source, scored_campaign


def _rows(office_id):
    return db.session.scalars(select(Rubric).where(Rubric.office_id == office_id).order_by(Rubric.id)).all()


def _upload(c, text: str, name: str = "rubric.yaml"):
    return c.post("/rubrics/upload", data={"file": (io.BytesIO(text.encode()), name)},
                  content_type="multipart/form-data")


def test_index_and_nav_for_office_admin(client, login, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    page = c.get("/rubrics/").get_data(as_text=True)
    assert "上传考核细则" in page and "county-annual-2026.yaml" in page
    home = c.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/rubrics/"' in home


def test_upload_valid_then_table(client, login, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    resp = _upload(c, county_source(), COUNTY)
    assert resp.status_code == 302
    row = _rows(tenant_a.office.id)[0]
    assert resp.headers["Location"].endswith(f"/rubrics/{row.id}")
    page = c.get(f"/rubrics/{row.id}").get_data(as_text=True)
    for text in ("序号", "考核内容", "分值", "评分标准", "一、组织领导", "每发现一处错敏字扣0.5分，每发现一个错误链接扣0.2分，扣完为止",
                 "加分项", "一票否决项", "评审提示", "佐证材料", "优秀：90分及以上", "总分相同时依次比较"):
        assert text in page, text


def test_upload_broken_lists_problems_by_line_and_stores_nothing(client, login, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    resp = _upload(c, BROKEN, "broken.yaml")
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "文件未导入" in page
    problems = re.findall(r"<li>第(\d+)行 <code>([^<]+)</code>", page)
    assert len(problems) >= 4
    assert {"total", "areas[0].indicators[1].code"} <= {p for _, p in problems}
    assert _rows(tenant_a.office.id) == []


def test_upload_of_aliases_or_deep_nesting_is_refused_with_its_line(client, login, tenant_a):
    """Issue 15: a 1 KB "billion laughs" file and one nested 3,000 levels deep are refused, not expanded."""
    from tests.test_scoring_yaml_guard import billion_laughs, deeply_nested

    c = login(tenant_a.users["office_admin"].username)
    resp = _upload(c, billion_laughs(), "laughs.yaml")
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "文件未导入" in page and "不支持 YAML 锚点与别名" in page and "<li>第2行" in page
    resp = _upload(c, deeply_nested(), "deep.yaml")
    assert resp.status_code == 422 and "嵌套超过" in resp.get_data(as_text=True)
    assert _rows(tenant_a.office.id) == []


def test_upload_refusals_at_the_field(client, login, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    assert "请选择文件" in c.post("/rubrics/upload", data={}).get_data(as_text=True)
    resp = c.post("/rubrics/upload", data={"file": (io.BytesIO("名称".encode("gbk")), "x.yaml")},
                  content_type="multipart/form-data")
    assert resp.status_code == 422 and "UTF-8" in resp.get_data(as_text=True)


def test_add_shipped_and_download_round_trip(client, login, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    resp = c.post("/rubrics/shipped", data={"name": "guangdong-social-insurance-2014.yaml"})
    assert resp.status_code == 302
    row = _rows(tenant_a.office.id)[0]
    dl = c.get(f"/rubrics/{row.id}/download")
    assert dl.status_code == 200 and "attachment" in dl.headers["Content-Disposition"]
    assert dl.get_data(as_text=True) == row.source
    assert scoring.load_rubric(dl.get_data(as_text=True), "x.yaml") == engine_rubric(row)
    again = c.post("/rubrics/shipped", data={"name": "guangdong-social-insurance-2014.yaml"})
    assert again.status_code == 422 and "完全相同" in again.get_data(as_text=True)


def _form(row):
    return services.editor_values(services.base_raw(row), yaml_fields=True)  # the YAML boxes (still accepted)


def test_edit_broken_total_shows_error_keeps_input_then_fix_saves(client, login, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    row = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    db.session.commit()
    page = c.get(f"/rubrics/{row.id}/edit").get_data(as_text=True)
    assert 'name="C1.points"' in page and 'name="A.order"' in page
    data = _form(row)
    data["A1.points"] = "4"
    data["B2.standard"] = "我刚写的新标准SENTINEL"
    resp = c.post(f"/rubrics/{row.id}/edit", data={**data, "save": "1"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert re.search(r'id="f-total-err">[^<]*101', page)
    assert 'aria-invalid="true"' in page
    assert "我刚写的新标准SENTINEL" in page and 'value="4"' in page
    assert len(_rows(tenant_a.office.id)) == 1
    data["A2.points"] = "2"
    data["A2.rule"] = "kind: checklist\nitems:\n- {figure: office_named, points: 1}\n- {figure: staff_named, points: 1}\n"
    resp = c.post(f"/rubrics/{row.id}/edit", data={**data, "save": "1"})
    assert resp.status_code == 302
    new = _rows(tenant_a.office.id)[-1]
    assert (new.version, new.parent_id) == (2, row.id)
    assert engine_rubric(new).indicator("B2").standard == "我刚写的新标准SENTINEL"
    assert "由第1版修改" in c.get(f"/rubrics/{new.id}").get_data(as_text=True)


def test_edit_rule_error_at_rule_field(client, login, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    row = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    db.session.commit()
    data = _form(row)
    data["C1.rule"] = "kind: tiers\nfigure: nope\ntiers:\n- {from: 0, points: 6}\n"
    page = c.post(f"/rubrics/{row.id}/edit", data={**data, "save": "1"}).get_data(as_text=True)
    assert re.search(r'id="f-C1-rule-err">[^<]*nope', page)


def test_move_buttons_reorder_without_saving(client, login, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    row = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    db.session.commit()
    data = _form(row)
    data["A1.title"] = "改名KEEP"
    resp = c.post(f"/rubrics/{row.id}/edit", data={**data, "move": "A3:up"})
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert 'value="A1,A3,A2,A4,A5"' in page and "改名KEEP" in page
    assert page.index('id="ind-A3"') < page.index('id="ind-A2"')
    assert len(_rows(tenant_a.office.id)) == 1


def test_editing_a_frozen_version_creates_a_new_one(client, login, tenant_a):
    t = tenant_a
    camp = scored_campaign(t.office, [t.dept_a], inputs_by_dept={t.dept_a.id: BASE_INPUTS})
    base = camp.rubric
    db.session.commit()
    c = login(t.users["office_admin"].username)
    assert "已冻结" in c.get(f"/rubrics/{base.id}").get_data(as_text=True)
    data = _form(base)
    data["A1.title"] = "新标题"
    assert c.post(f"/rubrics/{base.id}/edit", data={**data, "save": "1"}).status_code == 302
    db.session.expire_all()
    assert engine_rubric(base).indicator("A1").title == "领导小组"
    assert camp.rubric_id == base.id
    listing = c.get("/rubrics/").get_data(as_text=True)
    assert "第2版" in listing and camp.name in listing


def test_replay_page(client, login, tenant_a, tenant_b):
    t = tenant_a
    a_in = {**BASE_INPUTS, "C6": {"wrong_chars": 2, "broken_links": 0}}
    b_in = {**BASE_INPUTS, "C1": {"items_published": 120}}
    camp = scored_campaign(t.office, [t.dept_a, t.dept_b], inputs_by_dept={t.dept_a.id: a_in, t.dept_b.id: b_in})
    values = _form(camp.rubric)
    values["C6.rule"] = values["C6.rule"].replace("per: 0.5", "per: 2")
    cand = services.save_edit(camp.rubric, values)
    foreign = scored_campaign(tenant_b.office, [tenant_b.dept_a], inputs_by_dept={tenant_b.dept_a.id: BASE_INPUTS})
    db.session.commit()
    c = login(t.users["office_admin"].username)
    page = c.get(f"/rubrics/replay?rubric_id={cand.id}").get_data(as_text=True)
    assert camp.name in page and "等次分布" not in page
    page = c.get(f"/rubrics/replay?campaign_id={camp.id}&rubric_id={cand.id}").get_data(as_text=True)
    assert "等次分布" in page and "名次或等次变化的部门（2个）" in page
    assert t.dept_a.name in page and "99.00 → 96.00" in page and "C6 4.00→1.00" in page
    assert "内容准确" in page  # rescored indicator named
    # another office's campaign is not a choice: no result, nothing leaks
    page = c.get(f"/rubrics/replay?campaign_id={foreign.id}&rubric_id={cand.id}").get_data(as_text=True)
    assert "等次分布" not in page and "BBB" not in page


def test_roles(client, login, tenant_a):
    row = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    db.session.commit()
    c = login(tenant_a.users["reviewer"].username)
    assert c.get("/rubrics/").status_code == 200
    assert "上传考核细则" not in c.get("/rubrics/").get_data(as_text=True)
    assert c.get(f"/rubrics/{row.id}").status_code == 200
    assert c.get(f"/rubrics/{row.id}/edit").status_code == 403
    assert c.get("/rubrics/replay").status_code == 403
    c = login(tenant_a.users["dept_viewer"].username)
    assert c.get("/rubrics/").status_code == 403
    assert c.get(f"/rubrics/{row.id}/download").status_code == 403


def test_edit_page_tells_of_a_version_saved_meanwhile(client, login, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    row = store_rubric(tenant_a.office.id, county_source(), filename=COUNTY)
    db.session.commit()
    assert 'name="seen_latest" value="1"' in c.get(f"/rubrics/{row.id}/edit").get_data(as_text=True)
    other = _form(row)
    other["A1.title"] = "别人改的"
    services.save_edit(row, other)
    db.session.commit()
    mine = {**_form(row), "A2.title": "我改的KEEP", "seen_latest": "1", "save": "1"}
    resp = c.post(f"/rubrics/{row.id}/edit", data=mine)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "已有人保存了本细则的第2版" in page and "我改的KEEP" in page
    assert 'name="seen_latest" value="2"' in page
    resp = c.post(f"/rubrics/{row.id}/edit", data={**mine, "seen_latest": "2"})
    assert resp.status_code == 302
    assert [r.version for r in _rows(tenant_a.office.id)] == [1, 2, 3]
