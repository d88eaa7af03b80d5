"""The API's notifications and 催报: the same services as the pages, one's own notifications only."""
from __future__ import annotations

from assess.notify import services
from tests.api_helpers import auth, token_for
from tests.campaign_world import submission_of
from tests.notify_world import make_campaign


def test_office_sends_reminder_and_editor_reads_it_over_the_api(client, tenant_a):
    campaign = make_campaign(tenant_a)
    sub_a = submission_of(campaign, tenant_a.dept_a)
    office = auth(token_for(tenant_a.users["office_admin"]))
    resp = client.post(f"/api/v1/campaigns/{campaign.id}/reminders", headers=office,
                       json={"submission_ids": [sub_a.id], "message": "API 附言"})
    assert resp.status_code == 200 and resp.json == {"notified": 2}
    refused = client.post(f"/api/v1/campaigns/{campaign.id}/reminders", headers=office,
                          json={"submission_ids": [sub_a.id], "message": "x" * 501})
    assert refused.status_code == 422 and refused.json["error"]["field"] == "message"

    editor = auth(token_for(tenant_a.users["dept_editor"]))
    page = client.get("/api/v1/notifications?unread=true", headers=editor).json
    assert page["total"] == 1 and "API 附言" in page["items"][0]["body"]
    note_id = page["items"][0]["id"]
    other = auth(token_for(tenant_a.users["dept_admin"]))
    assert client.post(f"/api/v1/notifications/{note_id}/read", headers=other).status_code == 404
    read = client.post(f"/api/v1/notifications/{note_id}/read", headers=editor)
    assert read.status_code == 200 and read.json["read_at"]
    assert client.get("/api/v1/notifications?unread=true", headers=editor).json["total"] == 0
    assert services.unread_count(tenant_a.users["dept_admin"]) == 1
