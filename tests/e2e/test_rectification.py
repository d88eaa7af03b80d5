"""The rectification loop in a real browser: the office raises and sends a notice, the department's leader
answers the item and submits it, the office accepts it, and the notice is closed."""
from __future__ import annotations

import pytest

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture()
def users(live_app):
    from assess.extensions import db
    from tests.conftest import make_tenant

    with live_app.app_context():
        tenant = make_tenant("e2e-rect", "RRR")
        names = {k: u.username for k, u in tenant.users.items()}
        names["dept_a"] = tenant.dept_a.name
        db.session.commit()
    return names


def _login(browser, live_server, username):
    ctx = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai")
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    page.goto("/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)
    return ctx, page


def test_notice_answer_accept_close(browser, live_server, users):
    # the office raises a notice after its website monitoring and sends it
    office_ctx, office = _login(browser, live_server, users["office_admin"])
    office.get_by_role("link", name="整改通知").first.click()
    office.get_by_role("link", name="新建整改通知（考核外）").click()
    office.get_by_label("部门").select_option(label=users["dept_a"])
    office.get_by_label("通知标题").fill("关于网站断链问题整改的通知")
    office.get_by_label("或：工作日数").fill("10")
    office.get_by_label("问题描述").fill("网站“政策文件”栏目有 3 处断链")
    office.get_by_label("整改要求").fill("修复断链并自查全站")
    office.get_by_role("button", name="保存草稿").click()
    assert office.locator("#notice-state").inner_text() == "草稿"
    office.get_by_role("button", name="下发通知").click()
    assert office.locator("#notice-state").inner_text() == "已下发"
    assert office.locator("#read-receipt").inner_text() == "未读"
    notice_url = office.url.split("#")[0]

    # the department's leader opens it (read receipt), answers the item and submits it
    dept_ctx, dept = _login(browser, live_server, users["dept_admin"])
    dept.goto("/rectification/")
    dept.get_by_role("link", name="关于网站断链问题整改的通知").click()
    dept.get_by_role("button", name="提交公开办核查").click()
    assert dept.locator("p.error").first.inner_text() == "请填写整改措施。"  # refused, at the field
    dept.get_by_label("整改措施").fill("逐一修复断链，建立每周链接巡查")
    dept.get_by_label("整改结果").fill("3 处断链已全部修复")
    dept.get_by_role("button", name="提交公开办核查").click()
    assert "待公开办核查" in dept.locator("article.rect-item h3").inner_text()

    # the office sees the receipt and the answer, accepts the item: the notice closes
    office.goto(notice_url)
    assert office.locator("#read-receipt").inner_text().startswith("已读")
    assert "逐一修复断链" in office.locator("article.rect-item").inner_text()
    office.get_by_role("button", name="销号", exact=True).click()
    assert office.locator("#notice-state").inner_text() == "已办结"
    assert "已销号" in office.locator("article.rect-item h3").inner_text()

    # the department sees the closure; no answer form is left
    dept.reload()
    assert dept.locator("#notice-state").inner_text() == "已办结"
    assert dept.get_by_role("button", name="提交公开办核查").count() == 0
    office_ctx.close()
    dept_ctx.close()


def test_answer_typed_before_adding_evidence_is_kept(browser, live_server, live_app):
    """The editor types the measure and the result, then adds evidence before saving: nothing typed is lost,
    neither when the evidence is refused nor when it is added."""
    from assess.extensions import db
    from assess.models import Notice
    from tests.conftest import make_tenant
    from tests.test_rectification_support import make_notice

    with live_app.app_context():
        tenant = make_tenant("e2e-rect-evidence", "RRE")
        notice_id = make_notice(tenant, problem="“通知公告”栏目 2 篇文章错别字").id
        editor = tenant.users["dept_editor"].username
        db.session.commit()

    ctx, page = _login(browser, live_server, editor)
    page.goto(f"/rectification/{notice_id}")
    page.get_by_label("整改措施").fill("更正错别字，发布前实行三审三校")
    page.get_by_label("整改结果").fill("2 篇文章已更正")
    page.locator("details.evidence-part summary").click()
    page.get_by_label("名称").fill("更正后的文章")
    page.get_by_label("链接地址").fill("ftp://not-a-web-page")
    page.get_by_role("button", name="添加佐证材料").click()
    # the link is refused at its field; everything typed is still on the page
    assert "http://" in page.locator(".evidence-part p.error").first.inner_text()
    assert page.get_by_label("整改措施").input_value() == "更正错别字，发布前实行三审三校"
    assert page.get_by_label("整改结果").input_value() == "2 篇文章已更正"
    assert page.get_by_label("名称").input_value() == "更正后的文章"
    page.get_by_label("链接地址").fill("https://www.example.gov.cn/tzgg/1.html")
    page.get_by_role("button", name="添加佐证材料").click()
    assert "已添加佐证材料" in page.locator(".flashes").inner_text()
    # the evidence is added and the answer typed before it is still there: in the form, and saved
    assert page.get_by_label("整改措施").input_value() == "更正错别字，发布前实行三审三校"
    assert page.get_by_label("整改结果").input_value() == "2 篇文章已更正"
    item_text = page.locator("article.rect-item table").inner_text()
    assert "更正错别字，发布前实行三审三校" in item_text and "更正后的文章" in item_text
    with live_app.app_context():
        item = db.session.get(Notice, notice_id).items[0]
        assert item.measure == "更正错别字，发布前实行三审三校" and item.result == "2 篇文章已更正"
    ctx.close()


def test_generate_edit_and_merge_a_draft_in_the_browser(browser, live_server, live_app):
    """The office generates drafts at its threshold, edits one problem and merges two, clicking only."""
    from assess.extensions import db
    from tests.conftest import make_tenant
    from tests.test_rectification_support import add_result, make_campaign

    with live_app.app_context():
        tenant = make_tenant("e2e-rect-generate", "RRG")
        campaign = make_campaign(tenant, name="2026年度考核（浏览器）")
        add_result(tenant, campaign, tenant.dept_a, "A1", "1", problem="领导小组组长不是主要负责同志")
        add_result(tenant, campaign, tenant.dept_a, "A2", "1", problem="未明确信息公开专干")
        add_result(tenant, campaign, tenant.dept_a, "A3", "1.9", problem="专题研究记录不完整")  # 0.1 < 0.5
        add_result(tenant, campaign, tenant.dept_b, "A1", "2")  # deducted, no statement
        admin, dept_name = tenant.users["office_admin"].username, tenant.dept_a.name
        db.session.commit()

    ctx, page = _login(browser, live_server, admin)
    page.goto("/rectification/generate")
    assert page.get_by_label("问题起算分值（扣分）").input_value() == "0.50"
    page.get_by_label("考核").select_option(label="2026年度考核（浏览器）")
    page.get_by_role("button", name="生成草稿").click()
    flashes = page.locator(".flashes").inner_text()
    assert "已生成 1 份整改通知草稿（2 个问题）" in flashes and "另有 1 个指标" in flashes
    page.get_by_role("link", name=f"关于{dept_name}2026年度考核（浏览器）问题整改的通知").click()
    items = page.locator("article.rect-item")
    assert items.count() == 2 and "领导小组组长不是主要负责同志" in items.nth(0).inner_text()
    assert "扣分\t2\n" in items.nth(0).inner_text() and "反复出现" not in page.locator("main").inner_text()

    # edit the second problem's text
    second = items.nth(1)
    second.locator("summary", has_text="修改问题").click()
    second.get_by_label("问题描述").fill("未明确信息公开专干（办公室岗位职责中未列明）")
    second.get_by_role("button", name="保存问题").click()
    assert "已保存问题" in page.locator(".flashes").inner_text()
    assert "办公室岗位职责中未列明" in page.locator("article.rect-item").nth(1).inner_text()

    # merge both into one item: texts joined, points added
    page.get_by_label("合并：问题 1").check()
    page.get_by_label("合并：问题 2").check()
    page.get_by_role("button", name="合并所选问题").click()
    assert "已合并问题" in page.locator(".flashes").inner_text()
    merged = page.locator("article.rect-item")
    assert merged.count() == 1
    text = merged.first.inner_text()
    assert "领导小组组长不是主要负责同志" in text and "办公室岗位职责中未列明" in text and "扣分\t4\n" in text
    ctx.close()
