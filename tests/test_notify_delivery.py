"""Delivering notifications: the outbox written with the event, the users' choices, the sender against a real
SMTP server and a real HTTP webhook receiver, retries, permanent failures the office sees and retries."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from assess.extensions import db as _db
from assess.models import AuditEntry, Notification, NotificationDelivery, NotificationPreference
from assess.models.base import utcnow
from assess.notify import delivery, kinds, outbox, services
from tests.campaign_world import make_campaign, submission_of
from tests.notify_receivers import SmtpSink, WebhookReceiver, free_port


def _deliveries(**where) -> list[NotificationDelivery]:
    stmt = select(NotificationDelivery).order_by(NotificationDelivery.id)
    for k, v in where.items():
        stmt = stmt.where(getattr(NotificationDelivery, k) == v)
    return list(_db.session.scalars(stmt.execution_options(populate_existing=True)))


def _notify(tenant, keys, *, kind="remind", event="e1", title="催报：请提交自评", body="请尽快提交。", link="/notifications"):
    return services.notify([tenant.users[k] for k in keys], office_id=tenant.office.id, kind=kind, event_key=event,
                           title=lambda: title, body=lambda: body, link=link)


@pytest.fixture()
def digest_kind(monkeypatch):
    """A non-essential kind (the events that add such kinds come with their own slice)."""
    monkeypatch.setitem(kinds.KINDS, "digest", kinds.Kind("每日汇总", False))
    return "digest"


@pytest.fixture()
def smtp(app, monkeypatch):
    sink = SmtpSink().start()
    monkeypatch.setitem(app.config, "SMTP_URL", sink.url)
    monkeypatch.setitem(app.config, "MAIL_FROM", "政务公开办 <noreply@gkb.example.gov.cn>")
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://gkb.example.gov.cn")
    yield sink
    sink.stop()


@pytest.fixture()
def webhook():
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


def isolation_delivery(w):
    """For tests/isolation_registry.py: a failed e-mail of department A's editor's notification."""
    note = w.obj("notification")
    row = NotificationDelivery(office_id=note.office_id, notification_id=note.id, channel="email", status="failed",
                               attempts=3, last_error="SMTP 550 SECRET-DEPT-A", failed_at=utcnow())
    _db.session.add(row)
    _db.session.flush()
    return row


# --- the outbox -------------------------------------------------------------------------------------------------


def test_email_rows_for_users_with_an_address_and_email_on(tenant_a, digest_kind):
    users = tenant_a.users
    users["dept_editor"].email = "editor@a.example.cn"
    users["dept_admin"].email = "admin@a.example.cn"
    _db.session.add(NotificationPreference(office_id=tenant_a.office.id, user_id=users["dept_admin"].id,
                                           email_enabled=False))
    made = _notify(tenant_a, ["dept_editor", "dept_admin", "dept_viewer"])
    rows = _deliveries()
    assert [(r.notification_id, r.channel, r.status, r.attempts) for r in rows] == [
        (made[0].id, "email", "pending", 0)]  # the admin switched e-mail off, the viewer has no address


def test_muted_kind_sends_no_email_but_stays_in_the_centre_and_essential_kinds_cannot_be_muted(tenant_a, digest_kind):
    editor = tenant_a.users["dept_editor"]
    outbox.save_preferences(editor, email="editor@a.example.cn", email_enabled=True, muted=["digest"])
    _notify(tenant_a, ["dept_editor"], kind="digest", event="d1")
    assert services.unread_count(editor) == 1 and not _deliveries()
    _notify(tenant_a, ["dept_editor"], kind="remind", event="r1")
    assert len(_deliveries(channel="email")) == 1
    with pytest.raises(outbox.OutboxError) as exc:
        outbox.save_preferences(editor, email="editor@a.example.cn", email_enabled=True, muted=["remind"])
    assert exc.value.field == "muted" and "催报" in str(exc.value)


def test_preference_refusals(tenant_a):
    editor = tenant_a.users["dept_editor"]
    for bad in ("not-an-address", "a@b", "a b@c.cn", "x" * 250 + "@a.cn"):
        with pytest.raises(outbox.OutboxError) as exc:
            outbox.save_preferences(editor, email=bad, email_enabled=False, muted=[])
        assert exc.value.field == "email"
    with pytest.raises(outbox.OutboxError):  # e-mail on without an address
        outbox.save_preferences(editor, email="", email_enabled=True, muted=[])


def test_an_event_rolled_back_leaves_no_delivery(tenant_a):
    tenant_a.users["dept_editor"].email = "editor@a.example.cn"
    _db.session.flush()
    nested = _db.session.begin_nested()
    _notify(tenant_a, ["dept_editor"])
    assert _deliveries()
    nested.rollback()
    assert not _deliveries() and not _db.session.scalars(select(Notification)).all()


def test_robot_gets_one_row_per_event_even_when_the_event_notifies_department_after_department(tenant_a):
    campaign = make_campaign(tenant_a)  # before the robot: opening the campaign is an event of its own
    outbox.save_robot(tenant_a.office.id, url="https://oapi.example.com/robot/send?access_token=t", secret="",
                      clear_secret=False, enabled=True, actor=tenant_a.users["office_admin"])
    services.send_reminder(campaign, [submission_of(campaign, tenant_a.dept_a).id,
                                      submission_of(campaign, tenant_a.dept_b).id], actor=tenant_a.users["office_admin"])
    assert len(_deliveries(channel="webhook")) == 1
    services.send_reminder(campaign, [submission_of(campaign, tenant_a.dept_a).id], actor=tenant_a.users["office_admin"])
    assert len(_deliveries(channel="webhook")) == 2  # a second 催报 is a second event


def test_robot_url_must_be_http_or_https(tenant_a):
    actor = tenant_a.users["office_admin"]
    for bad in ("ftp://x.cn/hook", "javascript:alert(1)", "https://", "http://user:pw@x.cn/", "http://x.cn:99999/",
                "https://x.cn/a b", "https://x.cn/" + "a" * 500):
        with pytest.raises(outbox.OutboxError) as exc:
            outbox.save_robot(tenant_a.office.id, url=bad, secret="", clear_secret=False, enabled=True, actor=actor)
        assert exc.value.field == "url", bad
    robot = outbox.save_robot(tenant_a.office.id, url="https://x.cn/hook", secret="SECabc", clear_secret=False,
                              enabled=True, actor=actor)
    robot = outbox.save_robot(tenant_a.office.id, url="https://x.cn/hook2", secret="", clear_secret=False,
                              enabled=True, actor=actor)
    assert robot.secret == "SECabc" and robot.url == "https://x.cn/hook2"  # an empty secret keeps the saved one
    robot = outbox.save_robot(tenant_a.office.id, url="https://x.cn/hook2", secret="", clear_secret=True,
                              enabled=True, actor=actor)
    assert robot.secret == ""
    entries = _db.session.scalars(select(AuditEntry).where(AuditEntry.action == "notify.robot")).all()
    assert len(entries) == 3 and "SECabc" not in str([e.new for e in entries])


# --- e-mail over a real SMTP server ----------------------------------------------------------------------------


def test_email_reaches_a_real_smtp_server_with_text_and_html_parts(tenant_a, smtp):
    editor = tenant_a.users["dept_editor"]
    editor.email = "editor@a.example.cn"
    _notify(tenant_a, ["dept_editor"], title="催报：请提交“2026年度考核”自评", body="自评截止日期为2026-12-10。",
            link="/self/7")
    [row] = _deliveries()
    assert delivery.deliver_due(10) == {"sent": 1, "retry": 0, "failed": 0}
    [msg] = smtp.messages
    assert smtp.envelopes[0] == ("noreply@gkb.example.gov.cn", ["editor@a.example.cn"])
    assert msg["Subject"] == "催报：请提交“2026年度考核”自评"
    assert msg["Message-ID"] == f"<notification-delivery-{row.id}@gkb.example.gov.cn>"
    assert "editor@a.example.cn" in msg["To"] and msg["Auto-Submitted"] == "auto-generated"
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "自评截止日期为2026-12-10。" in text and "https://gkb.example.gov.cn/self/7" in text
    assert 'href="https://gkb.example.gov.cn/self/7"' in html and "自评截止日期为2026-12-10。" in html
    assert "https://gkb.example.gov.cn/notifications/settings" in text
    [row] = _deliveries()
    assert (row.status, row.attempts, row.claim_token, row.lease_until) == ("sent", 1, None, None)
    assert row.sent_at is not None
    assert delivery.deliver_due(10) == {"sent": 0, "retry": 0, "failed": 0} and len(smtp.messages) == 1


def test_english_user_gets_an_english_mail(tenant_a, smtp):
    editor = tenant_a.users["dept_editor"]
    editor.email, editor.locale = "editor@a.example.cn", "en"
    services.notify([editor], office_id=tenant_a.office.id, kind="remind", event_key="en1",
                    title=lambda: services._("请求有误，请重试。"), link="/notifications")
    delivery.deliver_due(10)
    [msg] = smtp.messages
    assert msg["Subject"] == "Invalid request; try again."
    assert msg["Content-Language"] == "en"


def test_smtp_down_then_back_is_retried_with_backoff(app, tenant_a, monkeypatch):
    port = free_port()  # nothing listens there yet
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{port}")
    tenant_a.users["dept_editor"].email = "editor@a.example.cn"
    _notify(tenant_a, ["dept_editor"])
    now = utcnow()
    assert delivery.deliver_due(10, now=now) == {"sent": 0, "retry": 1, "failed": 0}
    [row] = _deliveries()
    assert row.status == "pending" and row.attempts == 1 and "SMTP 127.0.0.1" in row.last_error
    assert row.next_attempt_at == now + delivery.BACKOFF_BASE and row.lease_until is None
    assert delivery.deliver_due(10, now=now + timedelta(seconds=30)) == {"sent": 0, "retry": 0, "failed": 0}  # not due
    assert delivery.deliver_due(10, now=now + timedelta(minutes=1)) == {"sent": 0, "retry": 1, "failed": 0}
    [row] = _deliveries()
    assert row.attempts == 2 and row.next_attempt_at == now + timedelta(minutes=1) + 2 * delivery.BACKOFF_BASE
    sink = SmtpSink(port=port).start()  # the server is back
    try:
        assert delivery.deliver_due(10, now=now + timedelta(minutes=3)) == {"sent": 1, "retry": 0, "failed": 0}
    finally:
        sink.stop()
    [row] = _deliveries()
    assert (row.status, row.attempts) == ("sent", 3) and len(sink.messages) == 1


def test_too_many_temporary_failures_fail_for_good(app, tenant_a, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    monkeypatch.setitem(app.config, "NOTIFY_MAX_ATTEMPTS", 2)
    tenant_a.users["dept_editor"].email = "editor@a.example.cn"
    _notify(tenant_a, ["dept_editor"])
    now = utcnow()
    delivery.deliver_due(10, now=now)
    assert delivery.deliver_due(10, now=now + timedelta(hours=1)) == {"sent": 0, "retry": 0, "failed": 1}
    [row] = _deliveries()
    assert row.status == "failed" and row.attempts == 2 and row.failed_at is not None and "2" in row.last_error


def test_smtp_5xx_is_a_permanent_failure_the_office_sees_and_retries(tenant_a, smtp, login):
    tenant_a.users["dept_editor"].email = "nobody@a.example.cn"
    _notify(tenant_a, ["dept_editor"], title="催报：SECRET")
    smtp.reply = "550 5.1.1 Mailbox unavailable"
    assert delivery.deliver_due(10) == {"sent": 0, "retry": 0, "failed": 1}
    [row] = _deliveries()
    assert row.status == "failed" and row.attempts == 1 and "550" in row.last_error
    assert outbox.failed_deliveries(tenant_a.office.id)[0][0].id == row.id

    c = login(tenant_a.users["office_admin"].username)
    page = c.get("/notifications/deliveries").get_data(as_text=True)
    assert f'id="delivery-{row.id}"' in page and "550 5.1.1 Mailbox unavailable" in page and "nobody@a.example.cn" in page
    resp = c.post(f"/notifications/deliveries/{row.id}/retry")
    assert resp.status_code == 302
    [row] = _deliveries()
    assert (row.status, row.attempts, row.failed_at) == ("pending", 0, None)
    assert _db.session.scalars(select(AuditEntry).where(AuditEntry.action == "notify.retry")).one()
    smtp.reply = None  # the address was fixed on the other side
    assert delivery.deliver_due(10) == {"sent": 1, "retry": 0, "failed": 0}
    assert c.post(f"/notifications/deliveries/{row.id}/retry").status_code == 302  # not failed: nothing happens
    assert _deliveries()[0].status == "sent"


def test_smtp_4xx_is_temporary(tenant_a, smtp):
    tenant_a.users["dept_editor"].email = "editor@a.example.cn"
    _notify(tenant_a, ["dept_editor"])
    smtp.reply = "451 4.3.0 Try again later"
    assert delivery.deliver_due(10) == {"sent": 0, "retry": 1, "failed": 0}
    assert "451" in _deliveries()[0].last_error


def test_address_removed_before_sending_fails_with_a_reason(tenant_a, smtp):
    editor = tenant_a.users["dept_editor"]
    editor.email = "editor@a.example.cn"
    _notify(tenant_a, ["dept_editor"])
    editor.email = None
    _db.session.flush()
    assert delivery.deliver_due(10) == {"sent": 0, "retry": 0, "failed": 1} and not smtp.messages


def test_without_smtp_url_mails_go_to_the_mail_folder(app, tenant_a, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "SMTP_URL", None)
    monkeypatch.setitem(app.config, "MAIL_DIR", str(tmp_path / "mail"))
    tenant_a.users["dept_editor"].email = "editor@a.example.cn"
    _notify(tenant_a, ["dept_editor"], title="催报：文件夹")
    assert delivery.deliver_due(10)["sent"] == 1
    [row] = _deliveries()
    [eml] = (tmp_path / "mail").glob("*.eml")
    assert eml.name == f"delivery-{row.id}.eml"
    import email
    import email.policy

    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert msg["Subject"] == "催报：文件夹" and msg.get_body(("html",)) is not None


def test_smtp_url_forms():
    s = delivery.smtp_settings("smtps://u%40x:p%2Fw@mail.example.cn")
    assert (s.host, s.port, s.tls, s.starttls, s.username, s.password) == ("mail.example.cn", 465, True, False, "u@x", "p/w")
    s = delivery.smtp_settings("smtp://mail.example.cn?starttls=1")
    assert (s.port, s.tls, s.starttls) == (587, False, True)
    assert delivery.smtp_settings("smtp://mail.example.cn:2525").port == 2525
    with pytest.raises(delivery.PermanentFailure):
        delivery.smtp_settings("http://mail.example.cn")


# --- the office robot over a real HTTP receiver ------------------------------------------------------------------


def test_robot_post_is_signed_the_dingtalk_way_and_names_the_recipients(app, tenant_a, webhook, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://gkb.example.gov.cn")
    campaign = make_campaign(tenant_a)  # before the robot: opening the campaign is an event of its own
    outbox.save_robot(tenant_a.office.id, url=webhook.url, secret="SECtest-secret", clear_secret=False, enabled=True,
                      actor=tenant_a.users["office_admin"])
    services.send_reminder(campaign, [submission_of(campaign, tenant_a.dept_a).id,
                                      submission_of(campaign, tenant_a.dept_b).id], actor=tenant_a.users["office_admin"])
    [row] = _deliveries(channel="webhook")
    before = int(time.time() * 1000)
    assert delivery.deliver_due(10) == {"sent": 1, "retry": 0, "failed": 0}
    [post] = webhook.posts
    assert post["path"] == "/robot/send" and post["query"]["access_token"] == ["abc"]
    ts, sign = post["query"]["timestamp"][0], post["query"]["sign"][0]
    expected = base64.b64encode(hmac.new(b"SECtest-secret", f"{ts}\nSECtest-secret".encode(), hashlib.sha256).digest())
    assert sign == expected.decode() and abs(int(ts) - before) < 60_000
    assert post["headers"]["Idempotency-Key"] == f"notification-delivery-{row.id}"
    content = post["json"]["text"]["content"]
    assert post["json"]["msgtype"] == "text" and campaign.name in content and tenant_a.office.name in content
    assert f"{tenant_a.dept_a.name}（2人）" in content and f"{tenant_a.dept_b.name}（2人）" in content
    assert "https://" not in content  # two departments, two forms: no one link for the group


def test_unsigned_robot_and_the_robots_answers(app, tenant_a, webhook):
    outbox.save_robot(tenant_a.office.id, url=webhook.url, secret="", clear_secret=False, enabled=True,
                      actor=tenant_a.users["office_admin"])
    _notify(tenant_a, ["dept_editor"], event="w1", link="/self/3")
    delivery.deliver_due(10)
    assert "sign" not in webhook.posts[0]["query"] and "/self/3" in webhook.posts[0]["json"]["text"]["content"]
    webhook.status = 503
    _notify(tenant_a, ["dept_editor"], event="w2")
    assert delivery.deliver_due(10) == {"sent": 0, "retry": 1, "failed": 0}
    webhook.status, webhook.body = 200, {"errcode": 310000, "errmsg": "sign not match"}
    assert delivery.deliver_due(10, now=utcnow() + timedelta(minutes=2)) == {"sent": 0, "retry": 0, "failed": 1}
    assert "310000" in _deliveries(channel="webhook")[1].last_error
    webhook.body = {"errcode": 0}
    webhook.status = 404
    _notify(tenant_a, ["dept_editor"], event="w3")
    assert delivery.deliver_due(10) == {"sent": 0, "retry": 0, "failed": 1}


# --- pages ------------------------------------------------------------------------------------------------------


def test_settings_page_saves_choices_and_keeps_what_was_typed_when_refused(tenant_a, login, digest_kind):
    editor = tenant_a.users["dept_editor"]
    c = login(editor.username)
    page = c.get("/notifications/settings").get_data(as_text=True)
    assert "每日汇总" in page and 'id="essential-kinds"' in page and "催报" in page and "不能静音" in page
    resp = c.post("/notifications/settings", data={"email": "not an address", "email_enabled": "y", "muted": ["digest"]})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'value="not an address"' in body and 'class="error" id="email-err"' in body
    resp = c.post("/notifications/settings", data={"email": "editor@a.example.cn", "email_enabled": "y",
                                                   "muted": ["digest"]})
    assert resp.status_code == 302
    pref = outbox.preference_of(editor)
    assert pref.email_enabled and pref.muted == "digest" and editor.email == "editor@a.example.cn"
    resp = c.post("/notifications/settings", data={"email": "editor@a.example.cn", "muted": ["remind"]})
    assert resp.status_code == 422 and "不能静音" in resp.get_data(as_text=True)
    c.post("/notifications/settings", data={"email": "editor@a.example.cn"})
    assert not outbox.preference_of(editor).email_enabled and outbox.preference_of(editor).muted == ""


def test_robot_page_validates_the_address_at_the_field(tenant_a, login):
    c = login(tenant_a.users["office_admin"].username)
    assert c.get("/notifications/robot").status_code == 200
    resp = c.post("/notifications/robot", data={"url": "ftp://robot.example.cn/x", "enabled": "y"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'value="ftp://robot.example.cn/x"' in body and 'id="url-err"' in body
    resp = c.post("/notifications/robot", data={"url": "https://robot.example.cn/x", "secret": "SECxyz", "enabled": "y"})
    assert resp.status_code == 302
    page = c.get("/notifications/robot").get_data(as_text=True)
    assert "SECxyz" not in page and 'id="secret-saved"' in page
    assert login(tenant_a.users["dept_admin"].username).get("/notifications/robot").status_code == 403
