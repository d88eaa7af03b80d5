"""A newcomer's first steps in a real browser: an office administrator adds a department and a user; the
user sets a password through the one-time link, logs in, and switches the interface to English."""
from __future__ import annotations

import pytest

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture()
def office_admin(live_app):
    from assess.extensions import db
    from tests.conftest import make_tenant

    with live_app.app_context():
        tenant = make_tenant("e2e-foundation", "EEE")
        username = tenant.users["office_admin"].username
        db.session.commit()
    return username


def test_office_admin_adds_department_and_user_who_sets_password(page, live_server, office_admin, browser):
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("用户名").fill(office_admin)
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    bar = page.get_by_role("navigation", name="主导航")
    bar.get_by_text("设置", exact=True).click()  # the office's settings are folded under one menu
    bar.get_by_role("link", name="部门", exact=True).click()

    page.get_by_label("部门名称").fill("县统计局")
    page.get_by_role("button", name="添加").click()
    assert page.locator("table.data").get_by_text("县统计局").is_visible()

    page.goto(f"{live_server}/admin/users")
    page.get_by_label("用户名").fill("tjj-editor")
    page.get_by_label("姓名", exact=True).fill("统计专干")
    page.get_by_label("角色").select_option("dept_editor")
    page.get_by_label("所属部门").select_option(label="县统计局")
    page.get_by_role("button", name="添加").click()
    link = page.locator("code.link-box").inner_text().strip()
    assert "/auth/set-password/" in link

    # the new user, in a fresh browser context
    ctx = browser.new_context(locale="zh-CN")
    p2 = ctx.new_page()
    p2.goto(link.replace("http://assess.test", live_server))
    p2.get_by_label("新密码", exact=True).fill("Tongji-2026-ok")
    p2.get_by_label("再次输入新密码").fill("Tongji-2026-ok")
    p2.get_by_role("button", name="设置密码").click()
    p2.get_by_label("用户名").fill("tjj-editor")
    p2.get_by_label("密码", exact=True).fill("Tongji-2026-ok")
    p2.get_by_role("button", name="登录").click()
    assert "县统计局" in p2.locator("header").inner_text()
    p2.get_by_role("button", name="English").click()
    assert p2.locator("html").get_attribute("lang") == "en"
    ctx.close()
