"""催报 in a real browser: the office reminds a department from the campaign page; the department's editor
sees the bell's count, opens the notification and lands on the self-assessment form."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture()
def campaign_open(live_app):
    from assess.extensions import db
    from tests.campaign_world import make_campaign
    from tests.conftest import make_tenant

    with live_app.app_context():
        tenant = make_tenant("e2e-notify", "NNN")
        campaign = make_campaign(tenant, name="NNN 2026年度考核")
        db.session.commit()
        return (tenant.users["office_admin"].username, tenant.users["dept_editor"].username, campaign.id,
                tenant.dept_a.name, tenant.dept_b.name)


def _login(page, live_server, username):
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_office_sends_cuibao_and_the_editor_opens_it(page, live_server, campaign_open):
    office, editor, campaign_id, dept_a, dept_b = campaign_open
    _login(page, live_server, office)
    page.goto(f"{live_server}/campaigns/{campaign_id}")
    remind = page.locator("section[aria-labelledby=remind-h]")
    remind.get_by_label(dept_b).uncheck()  # only department A is reminded
    remind.get_by_label("附言（可选）").fill("请于本周五前提交")
    remind.get_by_role("button", name="发送催报").click()
    expect(page.locator(".flashes")).to_contain_text("已催报")
    page.get_by_role("button", name="退出").click()

    _login(page, live_server, editor)
    expect(page.locator("#bell-count")).to_have_text("2")  # the campaign's opening, then the 催报
    page.locator("#bell").click()
    item = page.locator("li.notification.unread").filter(has_text="催报")
    expect(item).to_contain_text("请于本周五前提交")
    item.get_by_role("button", name="查看").click()
    page.wait_for_url("**/self/**")
    expect(page.locator("#bell-count")).to_have_text("1")
