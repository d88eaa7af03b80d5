"""An office administrator edits a rubric in forms, without YAML: raises the 优秀 line and gives C1 a point
(its points and its top tier, typed into their fields), sees the engine's message at the total naming the
indicators and a wrong number at the rule's field, fixes both, saves a new version, then moves the
campaign in self-assessment to it after reading the mapping."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture()
def office_world(live_app):
    from assess.campaigns.services import create_campaign, transition
    from assess.extensions import db
    from assess.models import CampaignState
    from assess.rubrics.store import shipped_source, store_rubric
    from tests.conftest import make_tenant

    with live_app.app_context():
        tenant = make_tenant("e2e-rubric-forms", "RFM")
        admin = tenant.users["office_admin"]
        v1 = store_rubric(tenant.office.id, shipped_source("county-annual-2026.yaml"),
                          filename="county-annual-2026.yaml", actor=admin)
        camp = create_campaign(tenant.office, name="2026年度考核（表单编辑）", year=2026, rubric=v1, actor=admin,
                               group_ids=[tenant.group.id], self_deadline=date(2099, 12, 31))
        transition(camp, CampaignState.SELF_ASSESSMENT, actor=admin)
        db.session.commit()
        return admin.username, v1.id, camp.id


def test_office_admin_edits_grades_and_points_in_forms_then_switches_the_campaign(page, live_server, office_world):
    username, rubric_id, campaign_id = office_world
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()

    page.goto(f"{live_server}/rubrics/{rubric_id}")
    page.get_by_role("link", name="复制并编辑").click()
    # a grade band and an indicator's points and rule, each in its own field
    assert page.locator("#f-grades-0-label").input_value() == "优秀"
    page.locator("#f-grades-0-line").fill("92")
    page.locator("#f-grades-0-max_share").fill("15")
    page.locator("#f-C1-points").fill("7")
    page.locator("#f-C1-rule-tiers-0-points").fill("7")
    page.locator("#f-C6-rule-items-0-per").fill("0.5分")
    page.get_by_role("button", name="保存为新版本").first.click()
    # numbers are read first: the wrong one at its field, everything typed still there
    expect(page.locator("#f-C6-rule-items-0-per-err")).to_have_text("请输入数字。")
    assert page.locator("#f-C6-rule-items-0-per").get_attribute("aria-invalid") == "true"
    assert page.locator("#f-grades-0-line").input_value() == "92"
    assert page.locator("#f-grades-0-max_share").input_value() == "15"
    assert page.locator("#f-C1-points").input_value() == "7"
    assert page.locator("#f-C1-rule-tiers-0-points").input_value() == "7"

    page.locator("#f-C6-rule-items-0-per").fill("0.5")
    page.get_by_role("button", name="保存为新版本").first.click()
    # then the engine's checks, as `rubric check` words them: the points no longer add up
    total_err = page.locator("#f-total-err")
    expect(total_err).to_contain_text("101")
    expect(total_err).to_contain_text("C1 信息公开数量 7分")  # the message names the indicators
    assert page.locator("#f-total").get_attribute("aria-invalid") == "true"
    assert page.locator("#f-C1-points").input_value() == "7"

    page.locator("#f-C5-points").fill("4")
    page.get_by_role("button", name="保存为新版本").first.click()
    expect(page.locator(".flashes")).to_contain_text("已保存为第2版")
    expect(page.locator("table.rubric-table #ind-C1")).to_contain_text("200条及以上得7分")
    expect(page.locator("body")).to_contain_text("优秀：92分及以上")

    # the campaign moves to version 2 after the office has read the mapping
    page.goto(f"{live_server}/campaigns/{campaign_id}")
    page.get_by_role("link", name="更换考核细则版本").click()
    page.get_by_label("新版本").select_option(label=page.locator("#rubric_id option").first.inner_text())
    page.get_by_role("button", name="查看对照").click()
    expect(page.locator("#rescored #map-C1")).to_contain_text("分值6分→7分")
    expect(page.locator("#rescored #map-C5")).to_contain_text("分值5分→4分")
    expect(page.locator("#kept")).to_contain_text("C6")
    page.get_by_role("button", name="确认更换").click()
    expect(page.locator("#confirm-err")).to_contain_text("勾选确认")
    page.get_by_label("我已核对对照表，确认更换考核细则版本").check()
    page.get_by_role("button", name="确认更换").click()
    expect(page.locator(".flashes")).to_contain_text("已更换为")
    expect(page.locator("body")).to_contain_text("第2版")
    assert page.js_errors == [], page.js_errors
