"""A department's self-assessment in a real browser: the editor logs in, fills an indicator (autosaved,
then saved), attaches evidence and sends the form to the leader; the leader submits it."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


_worlds = iter(range(1, 1000))


@pytest.fixture()
def world(live_app):
    """A campaign in self-assessment; department A has answered everything except A1 (and its evidence)."""
    from assess.extensions import db
    from assess.selfassessment import services as sa
    from tests.campaign_world import FULL_INPUTS, JUDGED, make_campaign, pdf_bytes, submission_of
    from tests.conftest import make_tenant

    with live_app.app_context():
        tenant = make_tenant(f"e2e-self-{next(_worlds)}", "SSS")
        campaign = make_campaign(tenant, name="2026年度政务公开工作绩效考核（浏览器测试）")
        sub = submission_of(campaign, tenant.dept_a)
        editor = tenant.users["dept_editor"]
        from assess.selfassessment import evidence as ev

        rubric = sa.rubric_of(campaign)
        for code, inputs in FULL_INPUTS.items():
            if code == "A1":
                continue
            sa.save_answer(sub, code, actor=editor, inputs=inputs, self_score=JUDGED.get(code))
            ind = rubric.indicator(code)
            if any(e.required for e in ind.evidence):
                ev.add_file(sub, code, actor=editor, filename=f"{code}.pdf", data=pdf_bytes(code))
        db.session.commit()
        return {"editor": editor.username, "leader": tenant.users["dept_admin"].username, "submission": sub.id,
                "campaign": campaign.name}


def _login(browser, live_server, username):
    ctx = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai")
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    page.goto("/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)
    return ctx, page


def test_editor_fills_attaches_sends_leader_submits(browser, live_server, world, tmp_path):
    ctx, page = _login(browser, live_server, world["editor"])
    page.get_by_role("link", name="自评").first.click()
    page.get_by_role("link", name=world["campaign"]).click()
    assert page.locator("#submission-state").inner_text() == "填报中"

    # a bad figure is refused at the field by the autosave, nothing else lost
    form = page.locator("form.answer-form[data-code='A3']")
    form.get_by_label("专题研究会议（次）").fill("-2")
    expect_error = form.locator("#f-A3-meetings-err")
    expect_error.wait_for(state="visible")
    assert "不能为负数" in expect_error.inner_text()
    form.get_by_label("专题研究会议（次）").fill("3")
    form.locator(".save-status").filter(has_text="已自动保存").wait_for()

    # A1: choose 是 — autosaved, the suggestion appears — then saved with the button
    a1 = page.locator("form.answer-form[data-code='A1']")
    a1.get_by_label("设立政务公开领导小组").select_option("true")
    a1.locator(".save-status").filter(has_text="已自动保存").wait_for()
    assert "建议分：3分" in page.locator("#sugg-A1").inner_text()
    expect(page.locator('#self-totals tr[data-area="A"] td').nth(3)).to_have_text("5/5")  # totals follow the autosave
    a1.get_by_label("情况说明").fill("2026年3月调整领导小组，局长任组长。")
    a1.get_by_role("button", name="保存").click()
    expect(page.locator(".flashes")).to_contain_text("已保存 A1")

    # evidence: a forbidden file is refused at the field, then a PDF is attached and previewable
    bad = tmp_path / "说明.pdf"
    bad.write_bytes(b"<html>not a pdf</html>")
    page.locator("#file-A1").set_input_files(str(bad))
    page.locator("#evidence-A1").get_by_role("button", name="上传", exact=True).click()
    assert "不支持的文件类型" in page.locator("#file-A1-err").inner_text()
    good = tmp_path / "领导小组文件.pdf"
    good.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.locator("#file-A1").set_input_files(str(good))
    page.locator("#ftitle-A1").fill("关于调整政务公开工作领导小组的通知")
    page.locator("#evidence-A1").get_by_role("button", name="上传", exact=True).click()
    expect(page.locator(".flashes")).to_contain_text("已上传材料")
    evidence = page.locator("#evidence-A1")
    assert "关于调整政务公开工作领导小组的通知" in evidence.inner_text()
    preview = evidence.get_by_role("link", name="预览").get_attribute("href")
    resp = page.request.get(preview)
    assert resp.status == 200 and resp.headers["content-type"] == "application/pdf"

    # send to the leader
    page.get_by_role("button", name="填报完成，送分管领导审核").click()
    expect(page.locator(".flashes")).to_contain_text("已送分管领导审核")
    assert page.locator("#submission-state").inner_text() == "待领导审核"
    assert page.js_errors == []
    ctx.close()

    # the leader submits in the department's name
    ctx, leader = _login(browser, live_server, world["leader"])
    leader.goto(f"/self/{world['submission']}")
    leader.get_by_role("button", name="审核通过，以本部门名义提交").click()
    expect(leader.locator(".flashes")).to_contain_text("已以本部门名义提交")
    assert leader.locator("#submission-state").inner_text() == "已提交"
    assert leader.get_by_role("button", name="保存").count() == 0  # frozen
    ctx.close()


def test_second_editor_is_told_and_shown_both_versions(browser, live_server, world, live_app):
    from assess.extensions import db
    from assess.models import Submission, User
    from assess.selfassessment import services as sa

    ctx, page = _login(browser, live_server, world["editor"])
    page.goto(f"/self/{world['submission']}#ind-C1")
    # the leader saves C1 after the editor opened the page
    with live_app.app_context():
        sub = db.session.get(Submission, world["submission"])
        leader = db.session.query(User).filter_by(username=world["leader"]).one()
        version = sa.answers_of(sub)["C1"].version_id
        sa.save_answer(sub, "C1", actor=leader, inputs={"items_published": "150"}, expected_version=version)
        db.session.commit()
    c1 = page.locator("form.answer-form[data-code='C1']")
    c1.get_by_label("公开信息（条）").fill("210")
    status = c1.locator(".save-status")
    status.filter(has_text="对方的版本").wait_for()
    assert "公开信息（条）：150" in status.inner_text()
    assert c1.get_by_label("公开信息（条）").input_value() == "210"  # the editor's input is still there
    # saving deliberately now takes the editor's version (the form carries the version just seen)
    c1.get_by_role("button", name="保存").click()
    expect(page.locator(".flashes")).to_contain_text("已保存 C1")
    with live_app.app_context():
        sub = db.session.get(Submission, world["submission"])
        assert sa.answers_of(sub)["C1"].inputs == '{"items_published": "210"}'
    assert page.js_errors == []
    ctx.close()


def test_autosave_speaks_the_pages_language(browser, live_server, world):
    """The autosave script's messages come from the page: in English, its status, the indicator's badge and
    the progress line are English, not the Chinese the script would fall back to."""
    ctx, page = _login(browser, live_server, world["editor"])
    page.locator("header").get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(f"/self/{world['submission']}")
    a1 = page.locator("form.answer-form[data-code='A1']")
    a1.locator("select").first.select_option("true")
    status = a1.locator(".save-status")
    expect(status).to_contain_text("Saved automatically")
    # A1 still lacks its required evidence: the badge the script rewrote says so, in English
    expect(page.locator('[data-status="A1"]')).to_have_text("Incomplete")
    expect(page.locator("#progress-text")).to_have_text(re.compile(r"^\d+ / \d+ items complete$"))
    assert "已" not in page.locator("#progress-text").inner_text()
    assert page.js_errors == []
    ctx.close()
