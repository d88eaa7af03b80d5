"""One scripted integration through the API only: import departments, run a campaign, fill and submit a
department's self-assessment with evidence, review it (one deduction with a problem statement), publish and
read the ranking, read the results and the audit trail, answer and check a rectification notice.

Set-up outside the API is limited to what an office has before integrating: its users, its group and its
stored rubric (tests.conftest / tests.campaign_world).
"""
from __future__ import annotations

import io
from datetime import timedelta

import pytest

from assess.campaigns.services import local_today
from tests.api_helpers import token_for
from tests.campaign_world import FULL_INPUTS, JUDGED, pdf_bytes, stored_rubric


class Api:
    """A tiny client: a bearer token, JSON in and out, the ETag kept by the caller."""

    def __init__(self, client, token: str):
        self.client, self.token = client, token

    def call(self, method: str, path: str, *, expect: int = 200, if_match: str | None = None, **kwargs):
        headers = {"Authorization": f"Bearer {self.token}", "Accept-Language": "zh-CN"}
        if if_match:
            headers["If-Match"] = if_match
        resp = self.client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)
        assert resp.status_code == expect, f"{method} {path} → {resp.status_code}: {resp.get_data(as_text=True)[:500]}"
        return resp

    def get(self, path, **kw):
        return self.call("GET", path, **kw).json

    def etag(self, path) -> str:
        return self.call("GET", path).headers["ETag"]


@pytest.fixture()
def office(db, tenant_a):
    stored_rubric(tenant_a.office, tenant_a.users["office_admin"])
    tokens = {k: token_for(tenant_a.users[k], "integration") for k in ("office_admin", "reviewer", "dept_editor",
                                                                      "dept_admin")}
    db.session.commit()
    return tenant_a, tokens


def test_the_whole_cycle_through_the_api(client, office):
    tenant, tokens = office
    admin, reviewer = Api(client, tokens["office_admin"]), Api(client, tokens["reviewer"])
    editor, leader = Api(client, tokens["dept_editor"]), Api(client, tokens["dept_admin"])

    # 1. the office imports its department list (one existing department updated, one new)
    csv = "部门名称,分组,联系人,联系电话\nAAA甲局,AAA县直部门,王五,0750-1234567\nAAA新区管委会,AAA县直部门,赵六,\n"
    imported = admin.call("POST", "/departments/import", data={"file": (io.BytesIO(csv.encode()), "list.csv")},
                          content_type="multipart/form-data").json
    assert imported["counts"] == {"create": 1, "update": 1, "unchanged": 0}
    depts = {d["name"]: d for d in admin.get("/departments?per_page=100")["items"]}
    assert depts["AAA甲局"]["contact_name"] == "王五" and "AAA新区管委会" in depts
    dept_id = depts["AAA甲局"]["id"]

    # 2. a campaign on the office's rubric, for department A, opened for self-assessment
    rubric_id = admin.get("/rubrics")["items"][0]["id"]
    created = admin.call("POST", "/campaigns", expect=201, json={
        "name": "2026年度政务公开工作绩效考核", "year": 2026, "rubric_id": rubric_id, "department_ids": [dept_id],
        "self_deadline": (local_today() + timedelta(days=10)).isoformat()}).json
    cid = created["id"]
    admin.call("POST", f"/campaigns/{cid}/transition", json={"target": "self_assessment"},
               if_match=admin.etag(f"/campaigns/{cid}"))

    # 3. the department fills every indicator, attaches evidence, and submits
    sub = editor.get(f"/submissions?campaign_id={cid}")["items"][0]
    sid = sub["id"]
    assert sub["state"] == "not_started" and sub["editable"] is True
    for code, inputs in FULL_INPUTS.items():
        body = {"inputs": inputs, "explanation": f"{code}：按要求落实。"}
        if code in JUDGED:
            body["self_score"] = JUDGED[code]
        editor.call("PUT", f"/submissions/{sid}/answers/{code}", json=body)
    sheet = editor.get(f"/submissions/{sid}")
    for answer in sheet["answers"]:
        if any("佐证" in m for m in answer["missing"]):
            editor.call("POST", f"/submissions/{sid}/answers/{answer['code']}/files", expect=201,
                        data={"file": (io.BytesIO(pdf_bytes(answer["code"])), f"{answer['code']}.pdf"),
                              "title": f"{answer['code']} 佐证"}, content_type="multipart/form-data")
    editor.call("POST", f"/submissions/{sid}/answers/C1/links", expect=201,
                json={"url": "https://www.example.gov.cn/zwgk/", "title": "政务公开专栏"})
    assert editor.get(f"/submissions/{sid}/readiness")["ready"] is True
    sent = editor.call("POST", f"/submissions/{sid}/send", if_match=editor.etag(f"/submissions/{sid}"))
    done = leader.call("POST", f"/submissions/{sid}/submit", if_match=sent.headers["ETag"]).json
    assert done["state"] == "submitted" and done["late_days"] == 0

    # 4. review: the office moves on, assigns a reviewer; the reviewer accepts all but one (a deduction)
    admin.call("POST", f"/campaigns/{cid}/transition", json={"target": "review"}, if_match=admin.etag(f"/campaigns/{cid}"))
    reviewer_id = reviewer.get("/me")["id"]
    admin.call("POST", f"/campaigns/{cid}/assignments", expect=201, json={"department_id": dept_id,
                                                                           "reviewer_id": reviewer_id})
    rows = reviewer.get(f"/submissions/{sid}/review")["rows"]
    assert rows and all(r["mine"]["version"] == 0 for r in rows)
    for row in rows:
        if row["code"] == "C1":
            refused = reviewer.call("PUT", f"/submissions/{sid}/review/C1", expect=422,
                                    json={"score": "4", "reason": "栏目更新不及时"})
            assert refused.json["error"]["field"] == "problem"
            reviewer.call("PUT", f"/submissions/{sid}/review/C1", json={
                "score": "4", "problem": "SECRET 政务公开专栏有两个月未更新", "reason": "抽查发现",
                "evidence_url": "https://www.example.gov.cn/zwgk/", "evidence_title": "专栏截图说明"})
        elif row["self_score"] is None:  # unclaimed bonus/veto items: the service asks for a note
            reviewer.call("PUT", f"/submissions/{sid}/review/{row['code']}",
                          json={"accept": True, "problem": "未申报"})
        else:
            reviewer.call("PUT", f"/submissions/{sid}/review/{row['code']}", json={"accept": True})
    c1 = next(r for r in reviewer.get(f"/submissions/{sid}/review")["rows"] if r["code"] == "C1")
    assert c1["mine"]["score"] == "4.00" and c1["result"]["final_score"] == "4.00"
    stale = reviewer.call("PUT", f"/submissions/{sid}/review/C1", expect=412, if_match='"0"',
                          json={"score": "2", "problem": "x"})
    assert stale.json["error"]["current_version"] == c1["mine"]["version"]

    # 5. ranking: live during review, then published; grades and the department's own row
    live = admin.get(f"/campaigns/{cid}/ranking")
    assert live["live"] is True and live["items"][0]["department_id"] == dept_id
    total = live["items"][0]["total"]
    for target in ("recheck", "published"):
        admin.call("POST", f"/campaigns/{cid}/transition", json={"target": target},
                   if_match=admin.etag(f"/campaigns/{cid}"))
    pub = admin.call("POST", f"/campaigns/{cid}/ranking/publish", expect=201, json={}).json
    assert pub["version"] == 1
    ranking = admin.get(f"/campaigns/{cid}/ranking")
    assert ranking["live"] is False and ranking["publication"]["version"] == 1
    row = ranking["items"][0]
    assert row["total"] == total and row["rank"] == 1 and row["grade"] and sum(ranking["grade_counts"].values()) == 1
    export = admin.call("GET", f"/campaigns/{cid}/ranking/export/ranking.csv")
    assert "AAA甲局" in export.data.decode("utf-8-sig") and "attachment" in export.headers["Content-Disposition"]
    editor.call("GET", f"/campaigns/{cid}/ranking/export/ranking.csv", expect=403)
    own = editor.get(f"/campaigns/{cid}/ranking")
    assert [r["department_id"] for r in own["items"]] == [dept_id] and own["items"][0]["grade"] == row["grade"]

    # 6. the department reads its results (with the problem statement); the office reads the audit trail
    results = editor.get(f"/submissions/{sid}/results")
    c1_result = next(r for r in results["rows"] if r["code"] == "C1")
    assert "两个月未更新" in c1_result["result"]["problem"]
    audit = admin.get(f"/audit?campaign_id={cid}&per_page=100")
    actions = {e["action"] for page in range(1, audit["pages"] + 1)
               for e in admin.get(f"/audit?campaign_id={cid}&per_page=100&page={page}")["items"]}
    assert {"campaign.create", "campaign.transition", "answer.save", "evidence.add", "submission.submit",
            "review.score", "ranking.publish"} <= actions
    assert audit["total"] > 40 and admin.get(f"/audit?campaign_id={cid}&action=review.&per_page=1")["total"] >= 1


def test_rectification_answer_and_check_through_the_api(client, office):
    from tests.test_rectification_support import make_notice

    tenant, tokens = office
    notice = make_notice(tenant)
    from assess.extensions import db

    db.session.commit()
    admin, editor, leader = (Api(client, tokens[k]) for k in ("office_admin", "dept_editor", "dept_admin"))
    listing = editor.get("/rectification/notices")
    assert [n["id"] for n in listing["items"]] == [notice.id]
    detail = editor.get(f"/rectification/notices/{notice.id}")
    assert detail["read_at"] is not None
    item = detail["items"][0]
    url = f"/rectification/items/{item['id']}"
    assert editor.call("PUT", f"{url}/answer", expect=428, json={"measure": "已修复"}).json["error"]["current_version"]
    bad = editor.call("PUT", f"{url}/answer", expect=422, if_match=f'"{item["version"]}"', json={"measure": " "})
    assert bad.json["error"]["field"] == "measure"
    saved = editor.call("PUT", f"{url}/answer", if_match=f'"{item["version"]}"',
                        json={"measure": "修复全部断链并建立巡检制度", "result": "已修复 3 处"})
    editor.call("POST", f"{url}/evidence", expect=201, json={"kind": "link", "title": "修复后的首页",
                                                             "url": "https://www.example.gov.cn/"})
    up = editor.call("POST", f"{url}/files", expect=201, content_type="multipart/form-data",
                     data={"file": (io.BytesIO(pdf_bytes("fix")), "巡检记录.pdf")}).json
    assert admin.call("GET", up["download"].removeprefix("/api/v1")).data == pdf_bytes("fix")
    submitted = leader.call("PUT", f"{url}/answer", if_match=saved.headers["ETag"],
                            json={"measure": "修复全部断链并建立巡检制度", "result": "已修复 3 处", "action": "submit"}).json
    assert submitted["state"] == "submitted"
    stale = admin.call("POST", f"{url}/check", expect=412, if_match=saved.headers["ETag"], json={"decision": "accept"})
    checked = admin.call("POST", f"{url}/check", if_match=stale.headers["ETag"], json={"decision": "accept"}).json
    assert checked["state"] == "accepted"
    assert admin.get(f"/rectification/notices/{notice.id}")["state"] == "closed"
    pdf = admin.call("GET", f"/rectification/notices/{notice.id}/pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_issued_documents_listed_and_downloaded(client, db, tenant_a, tenant_b):
    from tests.isolation_registry import OBJECTS
    from tests.test_isolation import World

    world = World(tenant_a)
    doc = OBJECTS["issued_document"](world)
    tokens = {k: token_for(tenant_a.users[k], "docs") for k in ("viewer", "dept_editor")}
    other = token_for(tenant_b.users["office_admin"], "docs")
    db.session.commit()
    viewer = Api(client, tokens["viewer"])
    listing = viewer.get("/documents?kind=scoresheet")
    assert [d["id"] for d in listing["items"]] == [doc.id] and listing["items"][0]["sha256"] == doc.sha256
    pdf = viewer.call("GET", listing["items"][0]["download"].removeprefix("/api/v1"))
    assert pdf.mimetype == "application/pdf" and pdf.headers["X-Content-SHA256"] == doc.sha256
    assert viewer.get(f"/documents?campaign_id={doc.campaign_id}&kind=circular")["total"] == 0
    Api(client, tokens["dept_editor"]).call("GET", "/documents", expect=403)
    Api(client, other).call("GET", f"/documents/{doc.id}/pdf", expect=404)
    assert Api(client, other).get("/documents")["total"] == 0
