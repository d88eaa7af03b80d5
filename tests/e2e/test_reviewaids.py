"""A reviewer in a real browser finds a copied-text flag on the review sheet, with both passages side by
side, and dismisses it with a reason; the flag stays, marked dismissed."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture()
def flagged(live_app):
    import uuid

    from assess.extensions import db
    from assess.review import services as rs
    from assess.reviewaids import services as aids
    from tests.conftest import make_tenant
    from tests.review_aids_world import build

    with live_app.app_context():
        tenant = make_tenant(f"e2e-aids-{uuid.uuid4().hex[:8]}", "AAA")
        campaign, subs, _old = build(tenant)
        rs.assign(campaign, subs["B"].department_id, tenant.users["reviewer"], actor=None)
        aids.run_checks(campaign)
        db.session.commit()
        return tenant.users["reviewer"].username, subs["B"].id, subs["A"].department_name


def test_reviewer_sees_a_copied_text_flag_and_dismisses_it(page, live_server, flagged):
    username, sub_id, other_name = flagged
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()

    page.goto(f"{live_server}/review/submissions/{sub_id}?code=A3")
    flags = page.get_by_role("complementary", name="评审辅助提示")
    expect(flags).to_contain_text("内容雷同")
    expect(flags).to_contain_text(other_name)
    expect(flags.locator("table")).to_contain_text("今年本局依托门户网站")
    expect(flags.locator("table")).to_contain_text("今年我局依托门户网站")

    flags.get_by_label("忽略理由").fill("两单位联合开办的专栏，表述一致属正常")
    flags.get_by_role("button", name="忽略此提示").click()
    expect(page.locator(".flashes")).to_contain_text("已忽略该提示")
    flags = page.get_by_role("complementary", name="评审辅助提示")
    expect(flags).to_contain_text("两单位联合开办的专栏")
    expect(flags.get_by_role("button", name="忽略此提示")).to_have_count(0)
    assert page.js_errors == [], page.js_errors


@pytest.fixture()
def reused(live_app):
    import uuid

    from assess.extensions import db
    from assess.review import services as rs
    from assess.reviewaids import services as aids
    from tests import aids_evidence_fixtures as fx
    from tests.conftest import make_tenant
    from tests.review_aids_world import build

    with live_app.app_context():
        tenant = make_tenant(f"e2e-aidsev-{uuid.uuid4().hex[:8]}", "AAA")
        campaign, subs, _old = build(tenant)
        shot = fx.screenshot()
        fx.attach(subs["A"], "B3", "门户网站截图.png", fx.png(shot), title="年报发布页面")
        fx.attach(subs["B"], "B3", "网站截图.jpg", fx.cropped_jpeg(shot), title="年报专栏截图")
        rs.assign(campaign, subs["B"].department_id, tenant.users["reviewer"], actor=None)
        aids.run_checks(campaign)
        db.session.commit()
        return tenant.users["reviewer"].username, subs["B"].id, subs["A"].department_name


def test_reviewer_sees_a_reused_evidence_flag_beside_the_evidence_and_dismisses_it(page, live_server, reused):
    username, sub_id, other_name = reused
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()

    page.goto(f"{live_server}/review/submissions/{sub_id}?code=B3")
    item = page.locator("ul.evidence > li", has_text="年报专栏截图")
    mark = item.get_by_role("note", name="佐证材料提示")
    expect(mark).to_contain_text("佐证材料重复使用")
    expect(mark).to_contain_text(other_name)
    expect(mark).to_contain_text("年报发布页面")
    mark.get_by_label("忽略理由").fill("两单位共用同一年报专栏，截图相同属正常")
    mark.get_by_role("button", name="忽略此提示").click()
    expect(page.locator(".flashes")).to_contain_text("已忽略该提示")
    mark = page.locator("ul.evidence > li", has_text="年报专栏截图").get_by_role("note", name="佐证材料提示")
    expect(mark).to_contain_text("两单位共用同一年报专栏")
    expect(mark.get_by_role("button", name="忽略此提示")).to_have_count(0)
    assert page.js_errors == [], page.js_errors
