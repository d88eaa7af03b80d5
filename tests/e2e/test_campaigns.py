"""The office moves a campaign through its stages in a real browser; a step with consequences (departments
not submitted, the appeal stage opened before its start date) shows what will happen and needs a tick."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

_worlds = iter(range(1, 1000))


@pytest.fixture()
def world(live_app):
    """A campaign in self-assessment past its deadline, nobody submitted, appeals due to open in 5 days."""
    from assess.campaigns.services import local_today
    from assess.extensions import db
    from tests.campaign_world import make_campaign
    from tests.conftest import make_tenant

    with live_app.app_context():
        tenant = make_tenant(f"e2e-stage-{next(_worlds)}", "STG")
        campaign = make_campaign(tenant, name="2026年度政务公开工作绩效考核（阶段测试）")
        campaign.self_deadline = local_today() - timedelta(days=2)
        campaign.recheck_start = local_today() + timedelta(days=5)
        db.session.commit()
        return {"admin": tenant.users["office_admin"].username, "campaign": campaign.id,
                "recheck_start": campaign.recheck_start.isoformat()}


def test_stage_buttons_warn_and_need_confirmation(page, world):
    page.goto("/auth/login")
    page.get_by_label("用户名").fill(world["admin"])
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)
    page.goto(f"/campaigns/{world['campaign']}")
    expect(page.locator("#campaign-state")).to_have_text("自评中")

    warning = page.locator("#warnings-review")
    expect(warning).to_contain_text("2个部门尚未提交自评，进入评审后这些部门将无法再填报或提交。")
    page.get_by_role("button", name="结束自评，进入评审").click()  # not confirmed: refused, nothing changes
    expect(page.locator(".flash.error")).to_contain_text("请勾选确认")
    expect(page.locator("#campaign-state")).to_have_text("自评中")

    page.get_by_label("我已了解上述情况，确认继续").check()
    page.get_by_role("button", name="结束自评，进入评审").click()
    expect(page.locator("#campaign-state")).to_have_text("评审中")
    expect(page.locator(".flash.success")).to_contain_text("评审中")

    expect(page.locator("#warnings-recheck")).to_contain_text(f"复核（申诉）开始日期为{world['recheck_start']}")
    page.get_by_label("我已了解上述情况，确认继续").check()
    page.get_by_role("button", name="公布初步结果，进入复核").click()
    expect(page.locator("#campaign-state")).to_have_text("结果复核中")
    assert page.js_errors == []
