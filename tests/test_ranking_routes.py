"""Ranking pages, publication, analytics and exports over HTTP; department isolation inside an office."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from assess.models import RankingPublication
from tests.ranking_world import add_department, add_review, make_campaign, more_departments


def _world(t, publish=False):
    c = make_campaign(t.office)
    add_department(c, t.dept_a, scores={"A1": 0}, self_scores={"A1": 3},
                   problems={"A1": "SECRET-DEPT-A 领导小组未调整"})
    add_department(c, t.dept_b, scores={"C1": 2}, problems={"C1": "=HYPERLINK(\"http://x\")目录不全"})
    add_review(c, t.dept_a, t.users["reviewer"], "A1", 0, "SECRET-DEPT-A")
    if publish:
        from assess.ranking.services import publish_ranking

        publish_ranking(c, t.users["office_admin"])
    return c


def test_office_sees_all_groups_with_chart(client, login, tenant_a, db):
    c = _world(tenant_a)
    db.session.commit()
    login(tenant_a.users["office_admin"].username)
    body = client.get(f"/ranking/{c.id}").get_data(as_text=True)
    assert "AAA甲局" in body and "AAA乙局" in body and "<svg" in body and "未发布" in body
    table = body[body.index('id="ranking-table"'):]
    assert table.index("AAA甲局") < table.index("AAA乙局")  # 97 (A1 -3) before 96 (C1 -4)
    idx = client.get("/ranking/").get_data(as_text=True)
    assert c.name in idx


def test_publish_flow_and_republication_needs_reason(client, login, tenant_a, db):
    c = _world(tenant_a)
    db.session.commit()
    login(tenant_a.users["office_admin"].username)
    resp = client.post(f"/ranking/{c.id}/publish", data={"reason": ""})
    assert resp.status_code == 302
    assert db.session.scalars(select(RankingPublication)).one().version == 1
    resp = client.post(f"/ranking/{c.id}/publish", data={"reason": ""}, follow_redirects=True)
    assert "须填写原因" in resp.get_data(as_text=True)
    client.post(f"/ranking/{c.id}/publish", data={"reason": "更正"})
    assert [p.version for p in db.session.scalars(select(RankingPublication))] == [1, 2]
    body = client.get(f"/ranking/{c.id}").get_data(as_text=True)
    assert "已发布第2版" in body and "更正" in body
    # a reviewer may not publish
    login(tenant_a.users["reviewer"].username)
    assert client.post(f"/ranking/{c.id}/publish", data={"reason": "x"}).status_code == 403


def test_department_sees_only_its_own_row(client, login, tenant_a, db):
    c = _world(tenant_a)
    db.session.commit()
    login(tenant_a.users["dept_b_admin"].username)
    body = client.get(f"/ranking/{c.id}").get_data(as_text=True)
    assert "尚未发布" in body
    from assess.ranking.services import publish_ranking

    publish_ranking(c, tenant_a.users["office_admin"])
    db.session.commit()
    for url in (f"/ranking/{c.id}", f"/ranking/{c.id}/analytics"):
        body = client.get(url).get_data(as_text=True)
        assert "SECRET-DEPT-A" not in body and "AAA甲局" not in body, url
        assert "AAA乙局" in body
    body = client.get(f"/ranking/{c.id}").get_data(as_text=True)
    assert "第2名（共2个部门）" in body and "96" in body
    assert client.get(f"/ranking/{c.id}/export/ranking.csv").status_code == 403
    login(tenant_a.users["dept_admin"].username)
    body = client.get(f"/ranking/{c.id}/analytics").get_data(as_text=True)
    assert "SECRET-DEPT-A 领导小组未调整" in body and "AAA乙局" not in body and "目录不全" not in body


def test_office_analytics_page(client, login, tenant_a, db):
    c = _world(tenant_a, publish=True)
    add_review(c, tenant_a.dept_a, tenant_a.users["office_admin"], "A1", 3)
    prev = make_campaign(tenant_a.office, year=2025, name="2025年度考核")
    add_department(prev, tenant_a.dept_a, scores={"A1": 0, "C1": 0})
    db.session.commit()
    login(tenant_a.users["office_admin"].username)
    body = client.get(f"/ranking/{c.id}/analytics").get_data(as_text=True)
    for text in ("总分分布", "领域得分与组内平均", "自评分与终评分", "存在的主要问题", "得分率", "评审一致性",
                 "与上年", "2025年度考核", "SECRET-DEPT-A 领导小组未调整", "偏严"):
        assert text in body, text
    assert body.count("<svg") >= 4 and "<script>" not in body
    # profile table: department A's 组织领导 7 against the group's average (7 + 10) / 2
    assert "<td class=\"num\">7.00</td><td class=\"num\">8.50</td>" in body.replace("\n", "").replace("      ", "")
    assert client.get(f"/ranking/{c.id}/analytics?group=abc&dept=zz").status_code == 200


def test_exports_xlsx_and_csv(client, login, tenant_a, db):
    c = _world(tenant_a, publish=True)
    db.session.commit()
    login(tenant_a.users["viewer"].username)
    resp = client.get(f"/ranking/{c.id}/export/ranking.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("sheet")
    ws = load_workbook(io.BytesIO(resp.data)).active
    assert ws.freeze_panes == "A2"
    header = [cell.value for cell in ws[1]]
    assert header[:5] == ["分组", "组内排名", "部门", "总分", "组织领导（10分）"]
    first = [cell.value for cell in ws[2]]
    assert first[2] == "AAA甲局" and first[1] == 1 and isinstance(first[3], (int, float)) and first[3] == 97
    assert ws.column_dimensions["C"].width >= 8
    assert ws.cell(1, 1).font.bold
    resp = client.get(f"/ranking/{c.id}/export/problems.csv")
    assert resp.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["分组", "部门", "指标代码"]
    cells = [r[-1] for r in rows[1:]]
    assert "'=HYPERLINK(\"http://x\")目录不全" in cells  # formula injection neutralised
    resp = client.get(f"/ranking/{c.id}/export/scores.xlsx")
    ws = load_workbook(io.BytesIO(resp.data)).active
    assert ws.cell(1, 5).value == "A1 领导小组 自评" and ws.cell(1, 6).value == "A1 领导小组 终评"
    line = [cell.value for cell in ws[2]]
    assert line[4] == 3 and line[5] == 0
    pws = load_workbook(io.BytesIO(client.get(f"/ranking/{c.id}/export/problems.xlsx").data)).active
    assert any(str(cell.value).startswith("'=") for row in pws.iter_rows() for cell in row if cell.value)
    assert client.get(f"/ranking/{c.id}/export/other.csv").status_code == 404
    assert client.get(f"/ranking/{c.id}/export/ranking.pdf").status_code == 404


def test_paging_and_group_filter(client, login, tenant_a, db):
    from assess.admin import services

    c = make_campaign(tenant_a.office)
    for d in more_departments(tenant_a.office, tenant_a.group, 105):
        add_department(c, d)
    town_group = services.create_group(tenant_a.office, "乡镇", actor=None)
    town = services.create_department(tenant_a.office, "青山镇", town_group, actor=None)
    add_department(c, town, scores={"A1": 0})
    db.session.commit()
    login(tenant_a.users["office_admin"].username)
    body = client.get(f"/ranking/{c.id}").get_data(as_text=True)
    assert "第1/2页" in body and "共106个部门" in body
    body = client.get(f"/ranking/{c.id}?page=2").get_data(as_text=True)
    assert "青山镇" in body
    body = client.get(f"/ranking/{c.id}?group={town_group.id}").get_data(as_text=True)
    assert "共1个部门" in body and "部门00" not in body
    assert client.get(f"/ranking/{c.id}?page=x&group=y").status_code == 200


def test_cli_formats(app, db, tenant_a, tmp_path):
    c = _world(tenant_a, publish=True)
    db.session.commit()
    runner = app.test_cli_runner()
    res = runner.invoke(args=["ranking", str(c.id), "--format", "json"])
    assert res.exit_code == 0, res.output
    import json

    data = json.loads(res.stdout_bytes.decode())
    assert [d["部门"] for d in data] == ["AAA甲局", "AAA乙局"] and Decimal(data[0]["总分"]) == 97
    out = tmp_path / "r.xlsx"
    res = runner.invoke(args=["ranking", str(c.id), "--format", "xlsx", "-o", str(out), "--group", tenant_a.group.name])
    assert res.exit_code == 0, res.output
    assert load_workbook(out).active.cell(2, 3).value == "AAA甲局"
    res = runner.invoke(args=["ranking", str(c.id), "--sheet", "problems"])
    assert res.stdout_bytes.startswith(b"\xef\xbb\xbf") and "SECRET-DEPT-A" in res.stdout_bytes.decode("utf-8-sig")
    res = runner.invoke(args=["ranking", str(c.id), "--overall", "--format", "csv"])
    assert "总排名" in res.stdout_bytes.decode("utf-8-sig")
    assert runner.invoke(args=["ranking", "99999"]).exit_code != 0
    assert runner.invoke(args=["ranking", str(c.id), "--group", "没有这个组"]).exit_code != 0
    assert runner.invoke(args=["ranking", str(c.id), "--format", "xlsx"]).exit_code != 0
    assert Decimal(data[1]["总分"]) == Decimal(96)
