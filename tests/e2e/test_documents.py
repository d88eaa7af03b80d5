"""Official documents in a real browser: the office edits and previews the results circular, issues it,
downloads the PDF, and anyone verifies it by its code on the public page (uploading the PDF to compare);
then all notices of the campaign are generated in the background with the progress shown."""
from __future__ import annotations

import hashlib
import io
import re

import pypdf
import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture()
def world(live_app):
    from assess.extensions import db
    from tests.conftest import make_tenant
    from tests.test_documents_app_support import published_campaign

    with live_app.app_context():
        tenant = make_tenant("e2e-docs", "DDD")
        campaign = published_campaign(tenant)
        db.session.commit()
        return {"admin": tenant.users["office_admin"].username, "campaign": campaign.name,
                "campaign_id": campaign.id}


def _login(page, username):
    page.goto("/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)


def test_preview_issue_download_verify(browser, live_server, page, world, tmp_path):
    _login(page, world["admin"])
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="公文", exact=True).click()
    page.get_by_role("link", name=world["campaign"]).click()
    page.get_by_role("link", name="编辑、预览并印发通报").click()
    page.locator("#achievements").fill("本年度新增“政策问答”栏目，答复更规范。")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".flashes")).to_contain_text("通报草稿已保存")
    preview = page.frame_locator("iframe.doc-preview")
    assert "本年度新增“政策问答”栏目" in preview.locator("body").inner_text()
    assert preview.locator(".draft-mark").inner_text() == "草稿"  # a draft: marked, and no number
    assert "〔" not in preview.locator(".doc-number").inner_text()
    pdf_href = page.locator("#preview-pdf").get_attribute("href")
    pdf_preview = page.request.get(pdf_href)
    assert pdf_preview.ok and pdf_preview.body().startswith(b"%PDF")

    page.get_by_role("button", name="印发通报（分配文号）").click()
    number = page.locator("#doc-number").inner_text()
    code = page.locator("#verify-code").inner_text()
    assert re.fullmatch(r"测公办〔\d{4}〕1号", number)
    with page.expect_download() as info:
        page.locator("#download").click()
    path = tmp_path / "circular.pdf"
    info.value.save_as(path)
    data = path.read_bytes()
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert number in text and code in text

    # anyone, not logged in, checks the code and compares the downloaded file
    public = browser.new_context(base_url=live_server, locale="zh-CN")
    anon = public.new_page()
    anon.goto("/verify")
    anon.get_by_label("核验码").fill(code.lower())
    anon.get_by_label("比对文件（可选，PDF）").set_input_files(str(path))
    anon.get_by_role("button", name="核验").click()
    assert anon.locator("#result-number").inner_text() == number
    assert anon.locator("#result-sha").inner_text() == hashlib.sha256(data).hexdigest()
    assert "完全一致" in anon.locator("#match").inner_text()
    anon.get_by_label("核验码").fill("2222-3333-4444")
    anon.get_by_role("button", name="核验").click()
    assert "没有找到" in anon.locator("p.error").inner_text()
    public.close()

    # bulk: all notices in the background, progress polled by static/js/documents.js
    page.goto(f"/documents/campaigns/{world['campaign_id']}")
    page.get_by_label("批量生成").select_option("notice")
    page.get_by_role("button", name="印发并打包下载（ZIP）").click()
    page.locator("#job-done").wait_for(state="visible", timeout=60_000)
    assert page.locator("#job-text").inner_text().startswith("2 / 2")
    with page.expect_download() as zipinfo:
        page.locator("#job-download").click()
    assert zipinfo.value.suggested_filename.endswith(".zip")
    assert not page.js_errors
