"""The API's review-aid flags: the office's list page as JSON, scoped like it (reviewers: their departments)."""
from __future__ import annotations

from assess.extensions import db
from assess.review import services as rs
from assess.reviewaids import services as aids
from tests.api_helpers import auth, token_for
from tests.review_aids_world import build, set_figure


def _flags(client, headers, campaign, query=""):
    resp = client.get(f"/api/v1/campaigns/{campaign.id}/review-flags{query}", headers=headers)
    assert resp.status_code == 200, resp.json
    return resp.json


def _world(tenant):
    campaign, subs, _old = build(tenant)
    set_figure(subs["A"], "A3", "meetings", 30)  # ten times last year and its group
    db.session.flush()
    aids.run_checks(campaign)
    db.session.commit()
    return campaign, subs


def test_the_office_reads_every_flag_with_its_detail_strongest_first(client, tenant_a):
    campaign, subs = _world(tenant_a)
    office = auth(token_for(tenant_a.users["office_admin"]))
    page = _flags(client, office, campaign, "?per_page=100")
    kinds = sorted(i["kind"] for i in page["items"])
    assert kinds == ["copied_text"] * 3 + ["figure_jump"] and page["total"] == 4
    strengths = [float(i["strength"]) for i in page["items"]]
    assert strengths == sorted(strengths, reverse=True)
    jump = next(i for i in page["items"] if i["kind"] == "figure_jump")
    assert jump["department_id"] == subs["A"].department_id and jump["indicator_code"] == "A3"
    assert jump["department_name"] == subs["A"].department_name and jump["kind_label"] == "数据异常波动"
    assert jump["detail"]["value"] == 30 and jump["detail"]["last_year"] == 3 and jump["dismissed_at"] is None
    copied = next(i for i in page["items"] if i["kind"] == "copied_text" and i["indicator_code"] == "A3")
    assert copied["detail"]["passages"][0][0].startswith("今年本局") and copied["field_label"] == "情况说明"
    only = _flags(client, office, campaign, "?kind=figure_jump")
    assert [i["kind"] for i in only["items"]] == ["figure_jump"]
    mine = _flags(client, office, campaign, f"?department_id={subs['B'].department_id}")
    assert {i["department_id"] for i in mine["items"]} == {subs["B"].department_id} and mine["total"] == 1
    english = client.get(f"/api/v1/campaigns/{campaign.id}/review-flags?kind=figure_jump",
                         headers={**office, "Accept-Language": "en"}).json
    assert english["items"][0]["kind_label"] != "数据异常波动"
    bad = client.get(f"/api/v1/campaigns/{campaign.id}/review-flags?kind=nonsense", headers=office)
    assert bad.status_code == 422 and bad.json["error"]["field"] == "query.kind"


def test_a_reviewer_reads_only_the_departments_assigned_to_them(client, tenant_a):
    campaign, subs = _world(tenant_a)
    reviewer = tenant_a.users["reviewer"]
    headers = auth(token_for(reviewer))
    assert _flags(client, headers, campaign)["total"] == 0
    rs.assign(campaign, subs["B"].department_id, reviewer, actor=None)
    db.session.commit()
    page = _flags(client, headers, campaign)
    assert page["total"] == 1 and page["items"][0]["department_id"] == subs["B"].department_id
    # asking for another department does not widen what they read
    assert _flags(client, headers, campaign, f"?department_id={subs['A'].department_id}")["total"] == 0
    viewer = auth(token_for(tenant_a.users["viewer"]))
    assert _flags(client, viewer, campaign)["total"] == 4


def test_departments_never_read_flags_and_other_offices_do_not_find_the_campaign(client, tenant_a, tenant_b):
    campaign, _subs = _world(tenant_a)
    for key in ("dept_admin", "dept_editor", "dept_viewer"):
        resp = client.get(f"/api/v1/campaigns/{campaign.id}/review-flags", headers=auth(token_for(tenant_a.users[key])))
        assert resp.status_code == 403, key
    for key in ("office_admin", "reviewer", "viewer"):
        resp = client.get(f"/api/v1/campaigns/{campaign.id}/review-flags", headers=auth(token_for(tenant_b.users[key])))
        assert resp.status_code == 404, key
        assert "AAA" not in resp.get_data(as_text=True)
    assert client.get(f"/api/v1/campaigns/{campaign.id}/review-flags").status_code == 401


def test_dismissed_and_switched_off_flags(client, tenant_a):
    campaign, subs = _world(tenant_a)
    office_user = tenant_a.users["office_admin"]
    office = auth(token_for(office_user))
    jump = next(v.flag for v, _s in aids.campaign_flags(campaign, kind="figure_jump"))
    aids.dismiss(jump, "会议次数确有增加，已核实会议纪要", actor=office_user)
    db.session.commit()
    assert "figure_jump" not in {i["kind"] for i in _flags(client, office, campaign)["items"]}
    both = _flags(client, office, campaign, "?dismissed=true&kind=figure_jump")["items"]
    assert both[0]["dismiss_reason"] == "会议次数确有增加，已核实会议纪要" and both[0]["dismissed_at"]
    aids.update_settings(campaign, enabled=["figure_jump"], jump_ratio="3", jump_z="3.5", text_similarity="0.5")
    db.session.commit()
    assert {i["kind"] for i in _flags(client, office, campaign, "?dismissed=true")["items"]} == {"figure_jump"}


def test_the_endpoint_is_described_with_its_roles(client):
    spec = client.get("/api/v1/openapi.json").json
    op = spec["paths"]["/api/v1/campaigns/{campaign_id}/review-flags"]["get"]
    assert {p["name"] for p in op["parameters"]} >= {"campaign_id", "kind", "department_id", "dismissed", "page"}
    assert set(op["x-roles"]) == {"office_admin", "reviewer", "viewer"} and "401" in op["responses"]
