"""The office administrator in a real browser: opens the ranking, sees the table and a chart, publishes it,
and opens the analytics with their charts — no script errors, no CSP violations."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture()
def ranked(live_app):
    from assess.extensions import db
    from tests.conftest import make_tenant
    from tests.ranking_world import add_department, make_campaign, more_departments

    with live_app.app_context():
        tenant = make_tenant("e2e-ranking", "KKK")
        campaign = make_campaign(tenant.office)
        add_department(campaign, tenant.dept_a, scores={"A1": 0}, problems={"A1": "领导小组未调整"})
        add_department(campaign, tenant.dept_b)
        for i, d in enumerate(more_departments(tenant.office, tenant.group, 4, prefix="KKK部门")):
            add_department(campaign, d, scores={"C1": 2 * (i % 3)}, submitted=i != 3)
        db.session.commit()
        return tenant.users["office_admin"].username, campaign.id, campaign.name


def test_office_admin_sees_ranking_table_and_chart(page, live_server, ranked):
    username, campaign_id, name = ranked
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="排名", exact=True).click()
    page.get_by_role("row", name=name).get_by_role("link", name="排名", exact=True).click()
    table = page.locator("#ranking-table")
    expect(table.locator("tbody tr")).to_have_count(6)  # waits for the page; count() would not
    assert table.locator("tbody tr").first.locator("td").nth(2).inner_text() == "KKK乙局"  # 100 points
    assert "未报送" in table.inner_text()
    chart = page.get_by_role("img", name="等次分布（部门数）")
    assert chart.is_visible()

    page.get_by_role("button", name="发布排名").click()
    expect(page.locator(".flashes")).to_contain_text("已发布排名（第1版）")

    page.get_by_role("link", name="统计分析").first.click()
    expect(page.locator("#problems")).to_be_visible()
    assert page.locator("svg.chart").count() >= 3
    assert "领导小组未调整" in page.locator("#problems").inner_text()
    assert page.js_errors == [], page.js_errors
    assert not [m for m in console_errors if "Content Security Policy" in m], console_errors
