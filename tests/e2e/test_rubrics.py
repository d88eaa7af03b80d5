"""An office administrator in a real browser: uploads a shipped rubric file, reads it as the familiar table, clones it,
breaks the total by changing one indicator's points (the error shows at the total, the edit is kept), fixes it
and saves a new version."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

SHIPPED = Path(__file__).resolve().parents[2] / "scoring_rules"


@pytest.fixture()
def office_admin(live_app):
    from assess.extensions import db
    from tests.conftest import make_tenant

    with live_app.app_context():
        tenant = make_tenant("e2e-rubrics", "KKK")
        db.session.commit()
        return tenant.users["office_admin"].username


def test_office_admin_edits_a_rubric_into_a_new_version(page, live_server, office_admin):
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("用户名").fill(office_admin)
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="考核细则").click()
    page.get_by_label("考核细则文件（YAML）").set_input_files(str(SHIPPED / "county-annual-2026.yaml"))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.locator(".flashes")).to_contain_text("已导入“2026年度政务公开工作考核细则”第1版")

    table = page.locator("table.rubric-table")
    assert "评分标准" in table.locator("thead").inner_text()
    row = table.locator("#ind-C6")
    assert "每发现一处错敏字扣0.5分" in row.inner_text()
    assert "扣完为止" in row.inner_text()

    page.get_by_role("link", name="复制并编辑").click()
    page.locator("#f-C1-points").fill("7")
    page.locator("#f-C1-guidance").fill("以门户网站统计为准（在线修改）")
    page.get_by_role("button", name="保存为新版本").first.click()
    error = page.locator("#f-total-err")
    assert "101" in error.inner_text()
    assert page.locator("#f-total").get_attribute("aria-invalid") == "true"
    assert page.locator("#f-C1-points").input_value() == "7"  # the user's input is kept
    assert page.locator("#f-C1-guidance").input_value() == "以门户网站统计为准（在线修改）"

    # fix: C5 栏目建设与维护 gives up the extra point
    page.locator("#f-C5-points").fill("4")
    page.locator("#f-C1-rule-tiers-0-points").fill("7")  # the rule's top tier, a field of its own
    page.get_by_role("button", name="保存为新版本").first.click()
    expect(page.locator(".flashes")).to_contain_text("已保存为第2版")
    assert "200条及以上得7分" in page.locator("table.rubric-table #ind-C1").inner_text()
    assert page.js_errors == [], page.js_errors
    assert not [m for m in console_errors if "Content Security Policy" in m]
