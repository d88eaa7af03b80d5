"""A reviewer in a real browser: opens an assigned department, moves with the keyboard, adjusts one score
with a problem statement, saves, and finds the adjustment in the indicator's waterfall."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture()
def assigned(live_app):
    from assess.extensions import db
    from assess.review import services as rs
    from tests.conftest import make_tenant
    from tests.review_factories import make_campaign, make_submission

    with live_app.app_context():
        tenant = make_tenant("e2e-review", "RRR")
        campaign = make_campaign(tenant.office)
        sub = make_submission(campaign, tenant.dept_a, explanation="已设立领导小组并印发文件。")
        rs.assign(campaign, tenant.dept_a.id, tenant.users["reviewer"], actor=None)
        db.session.commit()
        return tenant.users["reviewer"].username, sub.id


def test_reviewer_adjusts_a_score_and_sees_it_in_the_waterfall(page, live_server, assigned):
    username, sub_id = assigned
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="评审与复核").click()
    page.get_by_role("link", name="评审清单").first.click()
    page.get_by_role("link", name="评审", exact=True).first.click()
    assert page.locator("#ind-title").inner_text().startswith("A1")

    page.wait_for_selector("html[data-review-keys=on]", state="attached")
    page.keyboard.press("j")  # next indicator: A2 机构与人员
    page.wait_for_url("**code=A2**")
    assert "A2" in page.locator("#ind-title").inner_text()

    page.get_by_label("评审分").fill("2")
    page.get_by_label("问题描述").fill("“政策解读”栏目近三个月未更新，人员变动后未及时补位")
    page.get_by_label("评审理由").fill("现场核查")
    page.get_by_role("button", name="保存评审分").click()
    expect(page.locator(".flashes")).to_contain_text("已保存指标A2的评审分")
    assert page.locator("#done-count").inner_text() == "1"

    page.goto(f"{live_server}/review/submissions/{sub_id}?code=A2")
    page.get_by_role("link", name="得分过程").click()
    steps = page.locator("ol.waterfall")
    assert "政策解读" in steps.inner_text()
    assert page.locator(".step-review .score").inner_text() == "2"
    assert page.locator(".step-final .score").inner_text() == "2"
    assert page.js_errors == [], page.js_errors
    assert not [m for m in console_errors if "Content Security Policy" in m]
