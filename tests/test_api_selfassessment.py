"""Campaigns and a department's self-assessment through the API (same services as the pages)."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from assess.models import Answer, AuditEntry, CampaignState, Evidence, SubmissionState
from tests.api_helpers import auth, token_for
from tests.campaign_world import FULL_INPUTS, JUDGED, make_campaign, pdf_bytes, submission_of


@pytest.fixture()
def setup(db, tenant_a, tenant_b):
    campaign = make_campaign(tenant_a)
    sub = submission_of(campaign, tenant_a.dept_a)
    tokens = {k: token_for(tenant_a.users[k]) for k in ("office_admin", "reviewer", "dept_editor", "dept_admin",
                                                        "dept_b_editor", "viewer")}
    tokens["b_admin"] = token_for(tenant_b.users["office_admin"])
    db.session.commit()
    return campaign, sub, tokens


def test_campaign_list_and_detail_by_role(client, setup, tenant_a):
    campaign, sub, t = setup
    body = client.get("/api/v1/campaigns", headers=auth(t["office_admin"])).json
    assert [c["id"] for c in body["items"]] == [campaign.id] and body["items"][0]["state"] == "self_assessment"
    assert client.get("/api/v1/campaigns", headers=auth(t["b_admin"])).json["total"] == 0
    detail = client.get(f"/api/v1/campaigns/{campaign.id}", headers=auth(t["office_admin"]))
    assert detail.headers["ETag"] == f'"{campaign.version_id}"'
    assert detail.json["counts"]["not_started"] == 2
    assert detail.json["transitions"][0]["target"] == "review" and detail.json["transitions"][0]["problems"]
    dept = client.get(f"/api/v1/campaigns/{campaign.id}", headers=auth(t["dept_editor"])).json
    assert dept["counts"] is None and dept["transitions"] == []
    rows = client.get(f"/api/v1/campaigns/{campaign.id}/submissions", headers=auth(t["dept_editor"])).json
    assert [r["department_id"] for r in rows["items"]] == [tenant_a.dept_a.id]
    rows = client.get(f"/api/v1/campaigns/{campaign.id}/submissions?state=not_started",
                      headers=auth(t["office_admin"])).json
    assert rows["total"] == 2


def test_draft_campaign_hidden_from_departments(client, db, tenant_a):
    draft = make_campaign(tenant_a, state=CampaignState.DRAFT, name="草稿考核")
    raw = token_for(tenant_a.users["dept_editor"])
    db.session.commit()
    assert client.get(f"/api/v1/campaigns/{draft.id}", headers=auth(raw)).status_code == 404
    assert client.get("/api/v1/campaigns", headers=auth(raw)).json["total"] == 0


def test_transition_needs_if_match_and_reports_problems(client, setup):
    campaign, sub, t = setup
    url = f"/api/v1/campaigns/{campaign.id}/transition"
    resp = client.post(url, json={"target": "review"}, headers=auth(t["office_admin"]))
    assert resp.status_code == 428 and resp.json["error"]["current_version"] == campaign.version_id
    resp = client.post(url, json={"target": "review"}, headers=auth(t["office_admin"], **{"If-Match": '"999"'}))
    assert resp.status_code == 412 and resp.json["error"]["current_version"] == campaign.version_id
    assert resp.headers["ETag"] == f'"{campaign.version_id}"'
    resp = client.post(url, json={"target": "review"},
                       headers=auth(t["office_admin"], **{"If-Match": f'"{campaign.version_id}"'}))
    assert resp.status_code == 422 and resp.json["error"]["field"] == "target"
    assert "未提交" in resp.json["error"]["message"]
    resp = client.post(url, json={"target": "nonsense"}, headers=auth(t["office_admin"]))
    assert resp.status_code == 422 and resp.json["error"]["field"] == "target"
    assert client.post(url, json={"target": "review"}, headers=auth(t["reviewer"])).status_code == 403


def test_transition_with_warnings_needs_confirm(client, db, setup):
    """The API follows the page: a step with warnings (departments not submitted) needs confirm=true."""
    from datetime import timedelta

    from assess.campaigns.services import local_today

    campaign, sub, t = setup
    campaign.self_deadline = local_today() - timedelta(days=1)
    db.session.commit()
    detail = client.get(f"/api/v1/campaigns/{campaign.id}", headers=auth(t["office_admin"])).json
    assert detail["transitions"][0]["warnings"] == ["2个部门尚未提交自评，进入评审后这些部门将无法再填报或提交。"]
    url = f"/api/v1/campaigns/{campaign.id}/transition"
    resp = client.post(url, json={"target": "review"}, headers=auth(t["office_admin"], **{"If-Match": f'"{campaign.version_id}"'}))
    assert resp.status_code == 422 and resp.json["error"]["field"] == "confirm"
    resp = client.post(url, json={"target": "review", "confirm": True},
                       headers=auth(t["office_admin"], **{"If-Match": f'"{campaign.version_id}"'}))
    assert resp.status_code == 200 and resp.json["state"] == "review"


def test_create_campaign_same_rules_as_form(client, setup, tenant_a):
    campaign, sub, t = setup
    resp = client.post("/api/v1/campaigns", json={"name": "", "year": 2026, "rubric_id": campaign.rubric_id,
                                                  "department_ids": [tenant_a.dept_a.id]}, headers=auth(t["office_admin"]))
    assert resp.status_code == 422 and resp.json["error"]["field"] == "name"
    resp = client.post("/api/v1/campaigns", json={"name": "x", "year": 2026, "rubric_id": campaign.rubric_id,
                                                  "department_ids": [tenant_a.dept_a.id],
                                                  "self_deadline": "2026-05-01", "review_start": "2026-04-01"},
                       headers=auth(t["office_admin"]))
    assert resp.status_code == 422 and resp.json["error"]["field"] == "review_start"
    resp = client.post("/api/v1/campaigns", json={"name": "2027 年度", "year": 2027, "rubric_id": campaign.rubric_id,
                                                  "department_ids": [tenant_a.dept_a.id]}, headers=auth(t["office_admin"]))
    assert resp.status_code == 422 and resp.json["error"]["field"] == "rubric_id"  # a 2026 rubric: say so first
    resp = client.post("/api/v1/campaigns", json={"name": "2027 年度", "year": 2027, "rubric_id": campaign.rubric_id,
                                                  "department_ids": [tenant_a.dept_a.id], "allow_other_year": True},
                       headers=auth(t["office_admin"]))
    assert resp.status_code == 201 and resp.json["state"] == "draft"
    rubrics = client.get("/api/v1/rubrics", headers=auth(t["office_admin"])).json
    assert campaign.rubric_id in [r["id"] for r in rubrics["items"]]


def test_read_and_write_an_answer_with_versions(client, db, setup):
    campaign, sub, t = setup
    url = f"/api/v1/submissions/{sub.id}/answers/C1"
    first = client.get(url, headers=auth(t["dept_editor"]))
    assert first.status_code == 200 and first.headers["ETag"] == '"0"' and first.json["version"] == 0
    assert any(s["name"] == "items_published" for s in first.json["input_specs"])
    resp = client.put(url, json={"inputs": {"items_published": 246}, "explanation": "全年发布"},
                      headers=auth(t["dept_editor"]))
    assert resp.status_code == 200, resp.json
    v1 = resp.json["version"]
    assert resp.headers["ETag"] == f'"{v1}"' and resp.json["inputs"]["items_published"] == "246"
    assert resp.json["suggested_score"] is not None
    # a write without If-Match where a version exists → 428; a stale one → 412 with the current version
    again = client.put(url, json={"inputs": {"items_published": 250}}, headers=auth(t["dept_editor"]))
    assert again.status_code == 428 and again.json["error"]["current_version"] == v1
    stale = client.put(url, json={"inputs": {"items_published": 250}},
                       headers=auth(t["dept_editor"], **{"If-Match": f'"{v1 - 1 if v1 > 1 else 99}"'}))
    assert stale.status_code == 412 and stale.json["error"]["current_version"] == v1
    ok = client.put(url, json={"inputs": {"items_published": 250}}, headers=auth(t["dept_editor"], **{"If-Match": f'"{v1}"'}))
    assert ok.status_code == 200 and ok.json["version"] == v1 + 1
    answer = db.session.scalars(select(Answer).where(Answer.submission_id == sub.id, Answer.indicator_code == "C1")).one()
    assert answer.inputs == '{"items_published": "250"}'
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "answer.save",
                                                      AuditEntry.actor_id == answer.updated_by_id))


def test_answer_validation_errors_have_field_paths(client, setup):
    campaign, sub, t = setup
    url = f"/api/v1/submissions/{sub.id}/answers/C1"
    resp = client.put(url, json={"inputs": {"items_published": "很多"}, "self_score": "abc"},
                      headers=auth(t["dept_editor"]))
    assert resp.status_code == 422
    fields = {d["field"] for d in resp.json["error"]["details"]}
    assert {"inputs.items_published", "self_score"} <= fields
    resp = client.put(url, json={"inputs": {"items_published": {"x": 1}}}, headers=auth(t["dept_editor"]))
    assert resp.status_code == 422 and resp.json["error"]["field"] == "inputs.items_published.value"
    resp = client.put(url, json={"inputs": {}, "bogus": 1}, headers=auth(t["dept_editor"]))
    assert resp.status_code == 422 and resp.json["error"]["field"] == "bogus"
    assert client.put(f"/api/v1/submissions/{sub.id}/answers/ZZ9", json={},
                      headers=auth(t["dept_editor"])).status_code == 404


def test_other_department_and_reader_roles_cannot_write(client, setup, tenant_a):
    campaign, sub, t = setup
    url = f"/api/v1/submissions/{sub.id}/answers/A1"
    assert client.put(url, json={"inputs": {}}, headers=auth(t["dept_b_editor"])).status_code == 404
    assert client.put(url, json={"inputs": {}}, headers=auth(t["viewer"])).status_code == 403
    assert client.put(url, json={"inputs": {}}, headers=auth(t["b_admin"])).status_code == 403
    assert client.get(f"/api/v1/submissions/{sub.id}", headers=auth(t["dept_b_editor"])).status_code == 404
    listing = client.get("/api/v1/submissions", headers=auth(t["dept_b_editor"])).json
    assert all(s["department_id"] == tenant_a.dept_b.id for s in listing["items"])


def test_evidence_link_file_download_delete(client, db, setup):
    campaign, sub, t = setup
    base = f"/api/v1/submissions/{sub.id}/answers/C1"
    bad = client.post(f"{base}/links", json={"url": "ftp://x", "title": "t"}, headers=auth(t["dept_editor"]))
    assert bad.status_code == 422 and bad.json["error"]["field"] == "url"
    link = client.post(f"{base}/links", json={"url": "https://gov.example/c1", "title": "栏目"},
                       headers=auth(t["dept_editor"]))
    assert link.status_code == 201 and link.json["kind"] == "link"
    bad = client.post(f"{base}/files", data={"file": (io.BytesIO(b"MZ\x90\x00"), "x.exe")},
                      headers=auth(t["dept_editor"]), content_type="multipart/form-data")
    assert bad.status_code == 422 and bad.json["error"]["field"] == "file"
    up = client.post(f"{base}/files", data={"file": (io.BytesIO(pdf_bytes("c1")), "c1.pdf"), "title": "目录"},
                     headers=auth(t["dept_editor"]), content_type="multipart/form-data")
    assert up.status_code == 201, up.json
    got = client.get(up.json["download"], headers=auth(t["reviewer"]))
    assert got.status_code == 200 and got.data == pdf_bytes("c1") and "attachment" in got.headers["Content-Disposition"]
    assert client.get(up.json["download"], headers=auth(t["dept_b_editor"])).status_code == 404
    answer = client.get(base, headers=auth(t["dept_editor"])).json
    assert {e["kind"] for e in answer["evidence"]} == {"link", "file"}
    assert client.delete(f"/api/v1/evidence/{link.json['id']}", headers=auth(t["dept_editor"])).status_code == 204
    assert db.session.get(Evidence, link.json["id"]).deleted_at is not None


def test_fill_send_submit_flow(client, db, setup):
    campaign, sub, t = setup
    for code, inputs in FULL_INPUTS.items():
        body = {"inputs": inputs, "explanation": f"{code} 说明"}
        if code in JUDGED:
            body["self_score"] = JUDGED[code]
        resp = client.put(f"/api/v1/submissions/{sub.id}/answers/{code}", json=body, headers=auth(t["dept_editor"]))
        assert resp.status_code == 200, (code, resp.json)
    ready = client.get(f"/api/v1/submissions/{sub.id}/readiness", headers=auth(t["dept_editor"])).json
    assert ready["ready"] is False and any(i["level"] == "error" for i in ready["issues"])
    version = client.get(f"/api/v1/submissions/{sub.id}", headers=auth(t["dept_editor"])).headers["ETag"]
    refused = client.post(f"/api/v1/submissions/{sub.id}/send", headers=auth(t["dept_editor"], **{"If-Match": version}))
    assert refused.status_code == 422 and "不能送审" in refused.json["error"]["message"]
    from assess.selfassessment import services as sa

    rubric = sa.rubric_of(campaign)
    for ind in rubric.all_indicators():
        if rubric.section_of(ind.code) not in ("bonus", "veto") and any(e.required for e in ind.evidence):
            r = client.post(f"/api/v1/submissions/{sub.id}/answers/{ind.code}/files",
                            data={"file": (io.BytesIO(pdf_bytes(ind.code)), f"{ind.code}.pdf")},
                            headers=auth(t["dept_editor"]), content_type="multipart/form-data")
            assert r.status_code == 201
    assert client.get(f"/api/v1/submissions/{sub.id}/readiness", headers=auth(t["dept_editor"])).json["ready"]
    assert client.post(f"/api/v1/submissions/{sub.id}/send", headers=auth(t["dept_editor"])).status_code == 428
    sent = client.post(f"/api/v1/submissions/{sub.id}/send", headers=auth(t["dept_editor"], **{"If-Match": version}))
    assert sent.status_code == 200 and sent.json["state"] == "awaiting_leader"
    assert client.post(f"/api/v1/submissions/{sub.id}/submit",
                       headers=auth(t["dept_editor"], **{"If-Match": sent.headers["ETag"]})).status_code == 403
    done = client.post(f"/api/v1/submissions/{sub.id}/submit",
                       headers=auth(t["dept_admin"], **{"If-Match": sent.headers["ETag"]}))
    assert done.status_code == 200 and done.json["state"] == "submitted"
    db.session.refresh(sub)
    assert sub.state == SubmissionState.SUBMITTED
    locked = client.put(f"/api/v1/submissions/{sub.id}/answers/A1", json={"inputs": {}},
                        headers=auth(t["dept_editor"], **{"If-Match": "*"}))
    assert locked.status_code == 422 and "不能修改" in locked.json["error"]["message"]


def test_submission_rows_say_overdue_like_the_page(client, db, setup, tenant_a):
    from datetime import timedelta

    from assess.campaigns.services import local_today

    campaign, sub, t = setup
    campaign.self_deadline = local_today() - timedelta(days=3)
    db.session.commit()
    rows = client.get(f"/api/v1/campaigns/{campaign.id}/submissions", headers=auth(t["office_admin"])).json["items"]
    assert {(r["overdue"], r["overdue_days"], r["late_days"]) for r in rows} == {(True, 3, 0)}
