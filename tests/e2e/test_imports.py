"""Import from a year-end summary in a real browser: the editor uploads a summary, sees the proposals beside
their sentences, accepts one, and finds it in the self-assessment form (marked for confirmation)."""
from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


def _editor_world(live_app, slug: str, code: str, campaign_name: str) -> dict:
    """A campaign in self-assessment with one department's submission, and that department's editor."""
    from assess.extensions import db
    from tests.campaign_world import make_campaign, submission_of
    from tests.conftest import make_tenant

    with live_app.app_context():
        tenant = make_tenant(slug, code)
        campaign = make_campaign(tenant, name=campaign_name)
        sub = submission_of(campaign, tenant.dept_a)
        db.session.commit()
        return {"editor": tenant.users["dept_editor"].username, "submission": sub.id, "campaign": campaign.name}


@contextmanager
def _editor_page(browser, live_server, username: str, **context):
    """A logged-in page of ``username`` whose script errors are collected in ``page.js_errors``."""
    ctx = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai", **context)
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    try:
        page.goto("/auth/login")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(lambda url: "/auth/login" not in url)
        yield page
    finally:
        ctx.close()


@pytest.fixture()
def world(live_app):
    return _editor_world(live_app, "e2e-imports", "III", "2026年度政务公开工作绩效考核（导入测试）")


def test_upload_summary_accept_one_proposal_see_it_in_the_form(browser, live_server, world, tmp_path):
    from tests.imports_world import SUMMARY

    with _editor_page(browser, live_server, world["editor"]) as page:
        page.get_by_role("link", name="材料导入").first.click()
        assert page.get_by_role("link", name="上传工作总结").first.is_visible()
        page.goto(f"/self/{world['submission']}")  # inside the self-assessment: its own entry point
        page.get_by_role("link", name="从工作总结导入").click()

        # a bad file first: the message at the field, nothing else happens
        empty = tmp_path / "空白.txt"
        empty.write_bytes(b"")
        page.get_by_label("年度工作总结", exact=False).set_input_files(str(empty))
        page.get_by_role("button", name="上传并提取").click()
        assert page.locator("#summary-file-err").is_visible()

        summary = tmp_path / "2026年工作总结.txt"
        summary.write_text(SUMMARY, encoding="gbk")
        page.get_by_label("年度工作总结", exact=False).set_input_files(str(summary))
        page.get_by_role("button", name="上传并提取").click()
        page.wait_for_url("**/imports/*")

        card = page.locator("#imp-C1")
        row = card.locator("tr[data-figure='items_published']")
        assert row.locator("mark").inner_text() == "246条"
        assert "公开信息246条" in row.locator("td.source").inner_text()
        row.get_by_label("采用", exact=True).check()
        card.get_by_role("button", name="保存本指标的决定").click()
        expect(page.locator(".flashes")).to_contain_text("1个数字已填入自评表")
        assert "已填入：246" in page.locator("#imp-C1").inner_text()

        # typing a corrected number selects "更正为" (static/js/imports.js)
        e1 = page.locator("#imp-E1 tr[data-figure='received']")
        e1.locator("input[name='value-received']").fill("4")
        assert e1.locator("input[type=radio][value='correct']").is_checked()

        page.get_by_role("link", name="打开自评表").first.click()
        form = page.locator("form.answer-form[data-code='C1']")
        assert form.get_by_label("公开信息（条）").input_value() == "246"
        assert page.locator("#ind-C1").get_by_role("button", name="确认导入的内容").is_visible()
        note = page.locator("#origin-C1").inner_text()
        assert "以下数字取自上传的工作总结《" in note and "公开信息：246" in note and "上一年度" not in note
        assert not page.js_errors


@pytest.fixture()
def world_proposals(live_app):
    return _editor_world(live_app, "e2e-proposals", "PPP", "2026年度政务公开工作绩效考核（建议值测试）")


def test_review_page_shows_clause_computation_and_confidence(browser, live_server, world_proposals, tmp_path):
    """A derived weekly figure shows its clause and arithmetic; a low-confidence proposal is not pre-selected."""
    from tests.test_imports_routes import PROPOSAL_SUMMARY

    world = world_proposals
    with _editor_page(browser, live_server, world["editor"], viewport={"width": 1280, "height": 900}) as page:
        page.goto(f"/self/{world['submission']}")
        page.get_by_role("link", name="从工作总结导入").click()
        summary = tmp_path / "2026年工作总结.txt"
        summary.write_text(PROPOSAL_SUMMARY, encoding="utf-8")
        page.get_by_label("年度工作总结", exact=False).set_input_files(str(summary))
        page.get_by_role("button", name="上传并提取").click()
        page.wait_for_url("**/imports/*")

        weekly = page.locator("#imp-C4 tr[data-figure='posts_per_week']")
        expect(weekly.locator(".computation")).to_contain_text("1040 ÷ 52 = 20")
        expect(weekly.locator(".clause")).to_contain_text("微信公众号全年推送政务信息1040条")
        expect(weekly.locator(".reason")).to_contain_text("由全年总数折算")
        expect(weekly.locator(".confidence")).to_contain_text("可信度")
        assert weekly.get_by_label("采用", exact=True).is_checked()

        items = page.locator("#imp-C1 tr[data-figure='items_published']")
        expect(items.locator(".low-confidence-badge")).to_be_visible()
        assert not items.get_by_label("采用", exact=True).is_checked()
        assert items.get_by_label("暂不处理").is_checked()
        weekly.scroll_into_view_if_needed()
        page.screenshot(path=os.environ.get("IMPORT_REVIEW_SCREENSHOT", str(tmp_path / "import-review.png")),
                        full_page=True)
        assert not page.js_errors
