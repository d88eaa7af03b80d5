"""通知设置 in a real browser: a department editor gives an address, mutes a non-essential kind and later
switches e-mail off by clicking; the office administrator finds a failed delivery with its error and retries it."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture()
def world(live_app, monkeypatch):
    from assess.extensions import db
    from assess.models import NotificationDelivery
    from assess.models.base import utcnow
    from assess.notify import kinds, services
    from tests.conftest import make_tenant

    # a non-essential kind to mute (the live server runs in this process, so it sees the registry entry)
    monkeypatch.setitem(kinds.KINDS, "digest", kinds.Kind("每日汇总", False))
    with live_app.app_context():
        tenant = make_tenant("e2e-delivery", "DDD")
        editor = tenant.users["dept_editor"]
        editor.email = "old@ddd.example.cn"
        [note] = services.notify([editor], office_id=tenant.office.id, kind="remind", event_key="e2e",
                                 title=lambda: "催报：DDD 2026年度考核", link="/notifications")
        row = db.session.query(NotificationDelivery).filter_by(notification_id=note.id).one()
        row.status, row.attempts, row.failed_at = "failed", 1, utcnow()
        row.last_error = "SMTP 550 5.1.1 <old@ddd.example.cn>: User unknown"
        db.session.commit()
        return {"office": tenant.users["office_admin"].username, "editor": editor.username, "editor_id": editor.id,
                "delivery_id": row.id}


def _login(page, username):
    page.goto("/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_editor_chooses_channels_and_office_retries_a_failed_delivery(page, live_app, world):
    from assess.extensions import db
    from assess.models import NotificationDelivery, NotificationPreference, User

    _login(page, world["editor"])
    page.locator("#bell").click()
    page.get_by_role("link", name="通知设置").click()
    expect(page.locator("#essential-kinds")).to_contain_text("催报")
    expect(page.locator("#essential-kinds")).to_contain_text("不能静音")
    email = page.get_by_label("电子邮箱")
    expect(email).to_have_value("old@ddd.example.cn")
    email.fill("not an address")
    page.get_by_label("每日汇总").check()
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#email-err")).to_contain_text("有效的电子邮箱")
    expect(page.get_by_label("电子邮箱")).to_have_value("not an address")  # what was typed is kept
    page.get_by_label("电子邮箱").fill("editor@ddd.example.cn")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flashes")).to_contain_text("通知设置已保存")
    expect(page.get_by_label("每日汇总")).to_be_checked()
    expect(page.get_by_label("通过电子邮件接收通知")).to_be_checked()
    page.get_by_label("通过电子邮件接收通知").uncheck()
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flashes")).to_contain_text("通知设置已保存")
    expect(page.get_by_label("通过电子邮件接收通知")).not_to_be_checked()
    with live_app.app_context():
        pref = db.session.query(NotificationPreference).filter_by(user_id=world["editor_id"]).one()
        assert (pref.email_enabled, pref.muted) == (False, "digest")
        assert db.session.get(User, world["editor_id"]).email == "editor@ddd.example.cn"
        db.session.remove()
    page.get_by_role("button", name="退出").click()

    _login(page, world["office"])
    page.locator("#bell").click()
    page.get_by_role("link", name="投递情况").click()
    row = page.locator(f"#delivery-{world['delivery_id']}")
    expect(row).to_contain_text("User unknown")
    expect(row).to_contain_text("催报：DDD 2026年度考核")
    row.get_by_role("button", name="重试").click()
    expect(page.locator(".flashes")).to_contain_text("已重新排队")
    expect(page.locator(f"#delivery-{world['delivery_id']}")).to_have_count(0)
    expect(page.locator("#no-failed")).to_be_visible()
    with live_app.app_context():
        assert db.session.get(NotificationDelivery, world["delivery_id"]).status == "pending"
        db.session.remove()
