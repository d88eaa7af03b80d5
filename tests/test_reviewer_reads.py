"""One rule for what a reviewer reads (issue 15): the departments whose results they may open.

A reviewer who may not open a department's results (``/review/submissions/<id>/results`` is 403) must not
read that department's review content anywhere else either: the ranking's score sheet and problem list, on
the page and through the API, in every format.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from assess.extensions import db as _db
from assess.models import ReviewAssignment, Submission
from tests.api_helpers import auth, token_for
from tests.ranking_world import add_department, make_campaign

SECRET_B = "SECRET-DEPT-B 目录不全"


def _world(t):
    c = make_campaign(t.office)
    add_department(c, t.dept_a, scores={"A1": 0}, problems={"A1": "PROBLEM-DEPT-A 领导小组未调整"})
    add_department(c, t.dept_b, scores={"C1": 2}, problems={"C1": SECRET_B})
    _db.session.add(ReviewAssignment(office_id=t.office.id, campaign_id=c.id, department_id=t.dept_a.id,
                                     reviewer_id=t.users["reviewer"].id))
    _db.session.commit()
    return c


def _sub(c, dept):
    return _db.session.scalars(select(Submission).filter_by(campaign_id=c.id, department_id=dept.id)).one()


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
@pytest.mark.parametrize("kind", ["problems", "scores"])
def test_reviewer_reads_only_departments_whose_results_they_may_open(client, login, tenant_a, kind, fmt):
    c = _world(tenant_a)
    login(tenant_a.users["reviewer"].username)
    assert client.get(f"/review/submissions/{_sub(c, tenant_a.dept_b).id}/results").status_code == 403
    assert client.get(f"/review/submissions/{_sub(c, tenant_a.dept_a).id}/results").status_code == 200
    body = _text(client.get(f"/ranking/{c.id}/export/{kind}.{fmt}"), fmt)
    assert "AAA甲局" in body
    assert "AAA乙局" not in body and SECRET_B not in body
    # the office's overseers still read every department
    login(tenant_a.users["viewer"].username)
    body = _text(client.get(f"/ranking/{c.id}/export/{kind}.{fmt}"), fmt)
    assert "AAA甲局" in body and "AAA乙局" in body


def test_the_api_export_follows_the_same_rule(client, tenant_a):
    c = _world(tenant_a)
    raw = token_for(tenant_a.users["reviewer"])
    _db.session.commit()
    for kind in ("problems", "scores"):
        resp = client.get(f"/api/v1/campaigns/{c.id}/ranking/export/{kind}.csv", headers=auth(raw))
        assert resp.status_code == 200, resp.get_data(as_text=True)
        body = resp.data.decode("utf-8-sig")
        assert "AAA甲局" in body and "AAA乙局" not in body and SECRET_B not in body, kind


def test_the_ranking_itself_stays_readable_to_a_reviewer(client, login, tenant_a):
    """Totals and ranks are the office's ranking, which every office reader sees (the ranking page too)."""
    c = _world(tenant_a)
    login(tenant_a.users["reviewer"].username)
    body = client.get(f"/ranking/{c.id}/export/ranking.csv").data.decode("utf-8-sig")
    assert "AAA甲局" in body and "AAA乙局" in body


def _text(resp, fmt):
    assert resp.status_code == 200
    if fmt != "xlsx":
        return resp.data.decode("utf-8-sig")
    import io

    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(resp.data)).active
    return "\n".join(str(cell.value) for row in ws.iter_rows() for cell in row if cell.value is not None)


def test_the_analytics_page_follows_the_same_rule(client, login, tenant_a):
    """The office analytics show review content too (problems, the department × indicator heat map)."""
    c = _world(tenant_a)
    login(tenant_a.users["reviewer"].username)
    body = client.get(f"/ranking/{c.id}/analytics").get_data(as_text=True)
    assert "PROBLEM-DEPT-A" in body and SECRET_B not in body
    heat = body[body.index("部门×指标得分率"):]
    heat = heat[:heat.index("</details>")]
    assert "AAA甲局" in heat and "AAA乙局" not in heat
    login(tenant_a.users["viewer"].username)
    body = client.get(f"/ranking/{c.id}/analytics").get_data(as_text=True)
    assert "PROBLEM-DEPT-A" in body and SECRET_B in body
