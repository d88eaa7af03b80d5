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


@pytest.fixture()
def for_bulk(live_app):
    """A department whose A4 was not self-scored and has no plan: accepting it would need a problem statement."""
    from assess.extensions import db
    from assess.review import base as review_base
    from assess.review import services as rs
    from tests.conftest import make_tenant
    from tests.review_factories import make_campaign, make_submission

    with live_app.app_context():
        import uuid

        tenant = make_tenant(f"e2e-bulk-{uuid.uuid4().hex[:8]}", "BBB")
        campaign = make_campaign(tenant.office)
        sub = make_submission(campaign, tenant.dept_a)
        a4 = review_base._answers(sub)["A4"]
        a4.self_score, a4.inputs = None, '{"has_plan": false}'
        rs.assign(campaign, tenant.dept_a.id, tenant.users["reviewer"], actor=None)
        db.session.commit()
        return tenant.users["reviewer"].username, sub.id, len(rs.indicator_codes(rs.rubric_of(campaign)))


def test_reviewer_accepts_the_rest_of_an_area_then_of_the_department(page, live_server, for_bulk):
    username, sub_id, total = for_bulk
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server}/review/submissions/{sub_id}?code=A1")

    dialogs: list[str] = []

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    page.locator("#accept-area-btn").click()
    expect(page.locator(".flashes")).to_contain_text("已采纳4项指标的自评分：A1、A2、A3、A5")
    expect(page.locator(".flashes")).to_contain_text("跳过1项")
    expect(page.locator(".flashes")).to_contain_text("A4（评审分（0）低于自评分（1），须填写问题描述）")
    assert "组织领导" in dialogs[0] and "5项" in dialogs[0]
    assert page.locator("#done-count").inner_text() == "4"

    page.locator("#accept-department-btn").click()
    expect(page.locator(".flashes")).to_contain_text("跳过1项")
    assert page.locator("#done-count").inner_text() == str(total - 1)
    assert len(dialogs) == 2 and f"{total - 4}项" in dialogs[1]
    assert page.js_errors == [], page.js_errors


def test_bulk_accept_can_be_cancelled(page, live_server, for_bulk):
    username, sub_id, _total = for_bulk
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server}/review/submissions/{sub_id}?code=A1")
    page.on("dialog", lambda d: d.dismiss())
    page.locator("#accept-department-btn").click()
    page.wait_for_timeout(300)
    assert page.locator("#done-count").inner_text() == "0"
