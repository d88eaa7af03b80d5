"""Notifications: written with their event, worded per recipient, read only by their owner."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from assess.extensions import db as _db
from assess.models import AuditEntry, CampaignState, Notification, SubmissionState
from assess.notify import services
from tests.campaign_world import submission_of
from tests.notify_world import make_campaign
from tests.test_rectification_support import make_notice


def _of(user) -> list[Notification]:
    return list(_db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                    .order_by(Notification.id)))


# --- services ---------------------------------------------------------------------------------------------------


def test_reminder_reaches_editors_and_admins_of_chosen_departments_and_is_logged(tenant_a):
    campaign = make_campaign(tenant_a)
    sub_a = submission_of(campaign, tenant_a.dept_a)
    made = services.send_reminder(campaign, [sub_a.id], actor=tenant_a.users["office_admin"], message="周五前务必提交")
    users = tenant_a.users
    assert {n.user_id for n in made} == {users["dept_editor"].id, users["dept_admin"].id}
    assert not _of(users["dept_viewer"]) and not _of(users["dept_b_editor"])
    note = _of(users["dept_editor"])[0]
    assert note.kind == services.KIND_REMIND and campaign.name in note.title and "周五前务必提交" in note.body
    assert note.link == f"/self/{sub_a.id}" and note.read_at is None and note.office_id == tenant_a.office.id
    entry = _db.session.scalars(select(AuditEntry).where(AuditEntry.action == "notify.remind")).one()
    assert entry.campaign_id == campaign.id and "周五前务必提交" in str(entry.new)


def test_each_recipient_is_worded_in_their_own_language(tenant_a):
    """The wording is chosen inside the recipient's locale (English msgids come with the translations)."""
    from flask_babel import get_locale
    from flask_babel import gettext as _

    tenant_a.users["dept_editor"].locale = "en"
    made = services.notify([tenant_a.users["dept_editor"], tenant_a.users["dept_admin"]], office_id=tenant_a.office.id,
                           kind="test", event_key="1", title=lambda: get_locale().language, body=lambda: _("请求有误，请重试。"))
    assert {n.user_id: n.title for n in made} == {tenant_a.users["dept_editor"].id: "en",
                                                  tenant_a.users["dept_admin"].id: "zh"}
    bodies = {n.user_id: n.body for n in made}
    assert bodies[tenant_a.users["dept_admin"].id] == "请求有误，请重试。"
    assert not re.search(r"[\u4e00-\u9fff]", bodies[tenant_a.users["dept_editor"].id])


def test_reminder_refusals(tenant_a):
    actor = tenant_a.users["office_admin"]
    campaign = make_campaign(tenant_a)
    sub_a = submission_of(campaign, tenant_a.dept_a)
    with pytest.raises(services.NotifyError) as exc:
        services.send_reminder(campaign, [], actor=actor)
    assert exc.value.field == "submission_ids"
    with pytest.raises(services.NotifyError) as exc:
        services.send_reminder(campaign, [sub_a.id], actor=actor, message="x" * (services.MAX_MESSAGE + 1))
    assert exc.value.field == "message"
    sub_a.state = SubmissionState.SUBMITTED  # a submitted department is not reminded
    with pytest.raises(services.NotifyError):
        services.send_reminder(campaign, [sub_a.id], actor=actor)
    campaign.state = CampaignState.REVIEW
    with pytest.raises(services.NotifyError):
        services.send_reminder(campaign, [submission_of(campaign, tenant_a.dept_b).id], actor=actor)
    assert not _db.session.scalars(select(Notification)).all()


def test_two_reminders_are_two_events_but_one_event_notifies_once(tenant_a):
    campaign = make_campaign(tenant_a)
    sub_a = submission_of(campaign, tenant_a.dept_a)
    services.send_reminder(campaign, [sub_a.id], actor=tenant_a.users["office_admin"])
    services.send_reminder(campaign, [sub_a.id], actor=tenant_a.users["office_admin"])
    assert len(_of(tenant_a.users["dept_editor"])) == 2
    again = services.notify([tenant_a.users["dept_editor"]], office_id=tenant_a.office.id, kind=services.KIND_REMIND,
                            event_key=_of(tenant_a.users["dept_editor"])[0].event_key, title=lambda: "x")
    assert again == [] and len(_of(tenant_a.users["dept_editor"])) == 2


def test_sending_a_rectification_notice_notifies_the_department_in_its_transaction(tenant_a):
    notice = make_notice(tenant_a)  # sent through rectification.services.send_notice
    users = tenant_a.users
    for key in ("dept_admin", "dept_editor", "dept_viewer"):
        [note] = _of(users[key])
        assert note.kind == services.KIND_NOTICE_SENT and notice.title in note.title
        assert note.link == f"/rectification/{notice.id}"
    assert not _of(users["dept_b_editor"]) and not _of(users["office_admin"])
    draft = make_notice(tenant_a, send=False)
    assert len(_of(users["dept_editor"])) == 1 and draft.id  # a draft notifies nobody


def test_unread_count_list_and_mark_read(tenant_a):
    campaign = make_campaign(tenant_a)
    editor = tenant_a.users["dept_editor"]
    services.send_reminder(campaign, [submission_of(campaign, tenant_a.dept_a).id], actor=tenant_a.users["office_admin"])
    make_notice(tenant_a)
    assert services.unread_count(editor) == 2 and services.unread_count(tenant_a.users["dept_b_editor"]) == 0
    first, second = services.notifications_for(editor)
    assert services.mark_read(first) and not services.mark_read(first)
    assert services.unread_count(editor) == 1 and services.notifications_for(editor)[0] is second  # unread first
    assert services.mark_all_read(editor) == 1 and services.unread_count(editor) == 0
    assert services.own_notification(tenant_a.users["dept_admin"], first.id) is None


# --- routes -----------------------------------------------------------------------------------------------------


def test_office_sends_reminder_from_the_campaign_page_and_editor_reads_it(app, tenant_a, login):
    campaign = make_campaign(tenant_a)
    sub_a, sub_b = submission_of(campaign, tenant_a.dept_a), submission_of(campaign, tenant_a.dept_b)
    c = login(tenant_a.users["office_admin"].username)
    page = c.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert f'action="/campaigns/{campaign.id}/remind"' in page and f'value="{sub_a.id}"' in page
    resp = c.post(f"/campaigns/{campaign.id}/remind", data={"submission_ids": [str(sub_a.id)], "message": "请抓紧"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/campaigns/{campaign.id}")
    assert not _of(tenant_a.users["dept_b_editor"])

    c = login(tenant_a.users["dept_editor"].username)
    home = c.get("/notifications").get_data(as_text=True)
    assert 'id="bell-count">1<' in home and "请抓紧" in home
    [note] = _of(tenant_a.users["dept_editor"])
    resp = c.post(f"/notifications/{note.id}/read", data={"open": "1"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/self/{sub_a.id}")
    assert note.read_at is not None and 'id="bell-count"' not in c.get("/notifications").get_data(as_text=True)
    assert sub_b.id


def test_refused_reminder_keeps_what_was_typed(tenant_a, login):
    campaign = make_campaign(tenant_a)
    c = login(tenant_a.users["office_admin"].username)
    resp = c.post(f"/campaigns/{campaign.id}/remind", data={"message": "保留这段附言"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "保留这段附言" in body and "请至少选择一个未提交的部门" in body
    assert not _db.session.scalars(select(Notification)).all()


def test_mark_all_read_and_another_users_notification_is_404(tenant_a, login):
    make_notice(tenant_a)
    [mine] = _of(tenant_a.users["dept_editor"])
    c = login(tenant_a.users["dept_admin"].username)
    assert c.post(f"/notifications/{mine.id}/read").status_code == 404
    assert mine.read_at is None
    page = c.get("/notifications").get_data(as_text=True)
    assert "网站监测问题整改通知" in page and "全部标为已读" in page
    assert c.post("/notifications/read-all").status_code == 302
    assert services.unread_count(tenant_a.users["dept_admin"]) == 0 and mine.read_at is None


def test_bell_is_one_count_query_and_absent_for_anonymous(app, tenant_a, login, client):
    from sqlalchemy import event

    assert 'id="bell"' not in client.get("/auth/login").get_data(as_text=True)
    make_notice(tenant_a)
    c = login(tenant_a.users["dept_editor"].username)
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        if "notifications" in statement:
            seen.append(statement)

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        page = c.get("/rectification/").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert 'id="bell-count">1<' in page
    assert len(seen) == 1 and "count(" in seen[0].lower()


def test_every_role_sees_only_their_own_notifications(tenant_a, login):
    editor = tenant_a.users["dept_editor"]
    services.notify([editor], office_id=tenant_a.office.id, kind="test", event_key="own", title=lambda: "只给编辑的通知")
    for key, user in tenant_a.users.items():
        page = login(user.username).get("/notifications").get_data(as_text=True)
        assert ("只给编辑的通知" in page) == (key == "dept_editor"), key


def test_a_department_that_submitted_meanwhile_is_left_out_not_an_error(tenant_a, login):
    campaign = make_campaign(tenant_a)
    sub_a, sub_b = submission_of(campaign, tenant_a.dept_a), submission_of(campaign, tenant_a.dept_b)
    c = login(tenant_a.users["office_admin"].username)
    page = c.get(f"/campaigns/{campaign.id}/remind").get_data(as_text=True)
    assert page.count("checked") == 2  # every department not submitted is ticked at first
    sub_b.state = SubmissionState.SUBMITTED
    _db.session.flush()
    resp = c.post(f"/campaigns/{campaign.id}/remind", data={"submission_ids": [str(sub_a.id), str(sub_b.id)]})
    assert resp.status_code == 302
    assert _of(tenant_a.users["dept_editor"]) and not _of(tenant_a.users["dept_b_editor"])
