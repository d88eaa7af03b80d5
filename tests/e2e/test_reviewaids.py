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


@pytest.fixture()
def every_kind(live_app):
    """Department B of a campaign with one flag of each kind: a passage copied from A with small edits, a
    figure ten times last year's and its group's, A's screenshot cropped and re-encoded, a document that does
    not mention the indicator's key terms."""
    import uuid

    from assess.extensions import db
    from assess.review import services as rs
    from assess.reviewaids import services as aids
    from tests import aids_evidence_fixtures as fx
    from tests.conftest import make_tenant
    from tests.review_aids_world import build, set_figure

    with live_app.app_context():
        tenant = make_tenant(f"e2e-aids4-{uuid.uuid4().hex[:8]}", "AAA")
        campaign, subs, _old = build(tenant)
        set_figure(subs["B"], "A3", "meetings", 30)
        shot = fx.screenshot()
        fx.attach(subs["A"], "B3", "门户网站截图.png", fx.png(shot), title="年报发布页面")
        fx.attach(subs["B"], "B3", "网站截图.jpg", fx.cropped_jpeg(shot), title="年报专栏截图")
        fx.attach(subs["B"], "A1", "大厅.docx", fx.docx("便民服务大厅设置咨询窗口两个。\n2026年6月1日"), title="大厅照片说明")
        rs.assign(campaign, subs["B"].department_id, tenant.users["reviewer"], actor=None)
        counts = aids.run_checks(campaign)
        assert all(counts[k] for k in ("copied_text", "figure_jump", "reused_evidence", "weak_evidence")), counts
        db.session.commit()
        return {"office": tenant.users["office_admin"].username, "reviewer": tenant.users["reviewer"].username,
                "campaign": campaign.id, "sub": subs["B"].id, "dept": subs["B"].department_name}


def _login(page, base, username):
    page.goto(f"{base}/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="登录")).to_have_count(0)


def _rows_of(page, department):
    """The rows of the office's list whose first cell is ``department`` (other rows may name it as the source)."""
    import re

    return page.locator("table.data > tbody > tr").filter(
        has=page.locator("td:first-child", has_text=re.compile(f"^{re.escape(department)}$")))


KINDS = ("内容雷同", "数据异常波动", "佐证材料重复使用", "佐证材料存疑")


def test_the_office_overview_lists_every_kind_and_the_reviewer_dismisses_each(browser, live_server, page, every_kind):
    w = every_kind
    office = browser.new_context(base_url=live_server).new_page()
    _login(office, live_server, w["office"])
    office.goto(f"{live_server}/review/campaigns/{w['campaign']}")
    office.get_by_role("link", name="评审辅助提示").click()
    rows = _rows_of(office, w["dept"])
    for label in KINDS:
        expect(rows.filter(has_text=label).first).to_be_visible()

    _login(page, live_server, w["reviewer"])
    reasons = {"内容雷同": "两单位联合开办的专栏，表述一致", "数据异常波动": "已核对会议纪要，确为三十次",
               "佐证材料重复使用": "两单位共用同一年报专栏", "佐证材料存疑": "说明材料另附领导小组文件"}
    page.goto(f"{live_server}/review/submissions/{w['sub']}?code=A3")
    panel = page.get_by_role("complementary", name="评审辅助提示")
    for label in ("内容雷同", "数据异常波动"):
        flag = panel.locator(".aids-flag", has_text=label)
        expect(flag).to_have_count(1)
        flag.get_by_label("忽略理由").fill(reasons[label])
        flag.get_by_role("button", name="忽略此提示").click()
        expect(page.locator(".flashes")).to_contain_text("已忽略该提示")
        panel = page.get_by_role("complementary", name="评审辅助提示")
        expect(panel.locator(".aids-flag", has_text=label)).to_contain_text(reasons[label])
    expect(panel.get_by_role("button", name="忽略此提示")).to_have_count(0)
    for code, title, label in (("B3", "年报专栏截图", "佐证材料重复使用"), ("A1", "大厅照片说明", "佐证材料存疑")):
        page.goto(f"{live_server}/review/submissions/{w['sub']}?code={code}")
        mark = page.locator("ul.evidence > li", has_text=title).get_by_role("note", name="佐证材料提示")
        expect(mark).to_contain_text(label)
        mark.get_by_label("忽略理由").fill(reasons[label])
        mark.get_by_role("button", name="忽略此提示").click()
        expect(page.locator(".flashes")).to_contain_text("已忽略该提示")
        mark = page.locator("ul.evidence > li", has_text=title).get_by_role("note", name="佐证材料提示")
        expect(mark).to_contain_text(reasons[label])
    assert page.js_errors == [], page.js_errors

    # the office's open list no longer has B's flags; with the dismissed ones it shows each reason
    office.reload()
    expect(_rows_of(office, w["dept"])).to_have_count(0)
    office.get_by_role("link", name="包括已忽略的").click()
    rows = _rows_of(office, w["dept"])
    expect(rows).to_have_count(4)
    for label in KINDS:
        expect(rows.filter(has_text=label).filter(has_text=reasons[label]).first).to_be_visible()
    office.context.close()
