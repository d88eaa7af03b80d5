"""The whole year in a real browser, through the pages only, as every role.

Only the starting world is seeded through services: one office with its administrator, two reviewers, two
departments (each with an editor and a leader) in one ranking group. From then on every step is a click or a
keystroke in Chromium — no hand-built form posts, no service calls moving the year forward:

1. the office sets up its letterhead, uploads a small rubric (tests/fixtures/rubrics/year-e2e.yaml: a yes/no
   fact with a file, a number in tiers, a number with deductions, free text with a link judged by the
   reviewers, and a bonus item), creates the campaign (choosing the rubric) and starts self-assessment;
2. both departments fill in (numbers, yes/no, text, a file, a link); each editor sends to the leader, the
   leader submits; department B leaves the bonus item unclaimed;
3. the office moves to review and assigns: department A to two reviewers (the first is the lead), B to one;
4. the reviewers accept, adjust with a problem statement, and the lead decides where they differ;
5. the office opens the re-check; department A contests the lead's deduction; the other reviewer corrects it;
6. the office publishes the results, publishes the ranking, issues the circular, a score sheet and the
   rectification notices (PDFs read back);
7. department B answers both notice items with evidence, the leader submits them, the office closes one
   item and returns the other; B answers again, the office closes it, the notice is closed, and the office
   ends the campaign.

At each step the test asserts what a person looks at: the badges and flashes, the review results table (the
adjusted score is the reviewer's), the ranking totals (equal to the sum of the review results), the
circular's, the score sheet's and the notice's figures (equal to the ranking and the standing findings). A
finding overturned in the re-check must not reach any of them. Checks that need not stop the walk are soft
(``Walk.soft``): one run lists every wrong step, and the test fails at the end if there is any.
"""
from __future__ import annotations

import io
import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pdfplumber
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

RUBRIC = Path(__file__).resolve().parents[1] / "fixtures" / "rubrics" / "year-e2e.yaml"
CAMPAIGN = "2026年度政务公开工作绩效考核（全年浏览器测试）"
RUBRIC_NAME = "年度政务公开工作考核细则（浏览器全年测试）"

# What the departments report, and what the reviewers find (each text is unique, so the documents can be
# searched for it).
A2_PROBLEM = "仅提供2次班子会议纪要，第3次会议未见专题研究内容"
A_B2_PROBLEM = "政策解读材料未与政策文件同步发布，滞后一周以上"  # lead's finding, overturned on re-check
A_B2_REVIEWER1 = "部分解读仅转载上级材料"  # reviewer 1's own finding there, superseded by the lead's decision
B_B1_PROBLEM = "门户网站“政策文件”栏目另有2处错误链接"
B_B2_PROBLEM = "政策解读形式单一，仅有文字解读，缺少图解和问答"


def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture()
def world(live_app):
    """The starting world (seeded): office, admin, two reviewers, departments 甲局/乙局 with editor and
    leader, one group."""
    from assess.admin import services as admin
    from assess.extensions import db
    from assess.models import Role
    from tests.conftest import make_tenant

    with live_app.app_context():
        t = make_tenant("e2e-year", "全年")
        second = admin.create_user(actor=None, username="e2e-year-reviewer2", display_name="全年评审二",
                                   role=Role.REVIEWER, office=t.office)
        second.password_hash = t.users["reviewer"].password_hash
        t.users["reviewer"].display_name = "全年评审一"
        db.session.commit()
        return {
            "office": t.users["office_admin"].username, "office_name": t.office.name,
            "reviewer1": t.users["reviewer"].username, "reviewer2": second.username,
            "reviewer1_name": "全年评审一", "reviewer2_name": "全年评审二",
            "editor_a": t.users["dept_editor"].username, "leader_a": t.users["dept_admin"].username,
            "editor_b": t.users["dept_b_editor"].username, "leader_b": t.users["dept_b_admin"].username,
            "dept_a": t.dept_a.name, "dept_b": t.dept_b.name, "group": t.group.name,
        }


class People:
    """One logged-in browser context per person, opened when first needed and kept for the whole year."""

    def __init__(self, browser, live_server: str, world: dict):
        self.browser, self.live_server, self.world = browser, live_server, world
        self.pages: dict[str, Page] = {}
        self.contexts = []

    def __call__(self, who: str) -> Page:
        if who not in self.pages:
            ctx = self.browser.new_context(base_url=self.live_server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                           viewport={"width": 1280, "height": 900})
            ctx.set_default_timeout(15_000)
            self.contexts.append(ctx)
            page = ctx.new_page()
            page.js_errors = []
            page.on("pageerror", lambda exc, p=page: p.js_errors.append(str(exc)))
            page.on("dialog", lambda d: d.accept())  # data-confirm: the person says yes
            page.goto("/auth/login")
            page.get_by_label("用户名").fill(self.world[who])
            page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(lambda url: "/auth/login" not in url)
            self.pages[who] = page
        return self.pages[who]

    def screenshots(self, name: str, documents: Path) -> None:
        """On failure: every person's current page, full length, and the PDFs read so far, into
        var/e2e-artifacts/."""
        from tests.e2e.conftest import ARTIFACTS

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for pdf in documents.glob("*.pdf"):
            (ARTIFACTS / f"{name}-{pdf.name}").write_bytes(pdf.read_bytes())
        for who, page in self.pages.items():
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}-{who}.png"), full_page=True)
            except Exception:  # a page that is gone: the failure itself is what matters
                pass

    def close(self) -> None:
        for ctx in self.contexts:
            ctx.close()


class Walk:
    """Expectations that do not stop the walk: a wrong figure on one page is recorded and the year goes on,
    so that one run shows every step that is wrong; the test fails at the end with all of them."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    @contextmanager
    def soft(self, what: str):
        try:
            yield
        except AssertionError as exc:
            self.failures.append(f"{what}: {str(exc).splitlines()[0] if str(exc) else exc!r}")


def home(page: Page) -> None:
    """Back to the person's home page (the brand link), which says what to do next."""
    page.get_by_role("banner").get_by_role("link", name="政务公开绩效考核平台").click()
    expect(page.locator("h1")).to_contain_text("您好")


def nav(page: Page, label: str) -> None:
    bar = page.get_by_role("navigation", name="主导航")
    link = bar.get_by_role("link", name=label, exact=True)
    if not link.is_visible():  # a settings page: its menu opens first
        bar.get_by_text("设置", exact=True).click()
    link.click()


def flash(page: Page):
    return expect(page.locator(".flashes"))


def dec(text: str) -> Decimal:
    """A score as shown on a page ("15", "15.5", "95.00")."""
    return Decimal(text.strip())


def pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(p.extract_text() or "" for p in pdf.pages)


def pdf_table(data: bytes, first_header: str) -> list[list[str]]:
    """The table of the PDF whose first header cell is ``first_header``, each cell squashed."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            for table in page.extract_tables():
                if table and squash(table[0][0] or "") == first_header:
                    return [[squash(c or "") for c in row] for row in table]
    raise AssertionError(f"no table headed {first_header} in the PDF")


def notice_items(data: bytes) -> dict[str, dict]:
    """A notice's problem list (附件 问题清单) as {indicator code: {problem, points}}."""
    rows = pdf_table(data, "序号")
    assert rows[0] == ["序号", "考核方面", "指标", "存在问题", "扣分", "整改要求"], rows[0]
    return {r[2][:2]: {"problem": r[3], "points": dec(r[4])} for r in rows[1:]}


def squash(text: str) -> str:
    """PDF text without the line breaks and spaces the layout put in."""
    return re.sub(r"\s+", "", text)


# --------------------------------------------------------------------------- the steps


def office_sets_up_and_creates_campaign(office: Page, w: dict) -> None:
    # the letterhead, once (公文设置)
    nav(office, "公文")
    office.get_by_role("link", name="公文设置（红头、文号、印章）").click()
    office.get_by_label("发文机关标志（红头）").fill(f"{w['office_name']}文件")
    office.get_by_label("发文字号机关代字").fill("全年公办")
    office.get_by_label("发文机关署名").fill(w["office_name"])
    office.get_by_label("联系人及电话").fill("联系人：王五，电话：0000-7654321")
    office.get_by_label("抄送机关（每行一个）").fill("县委办公室\n县人大常委会办公室\n县政协办公室。")
    office.get_by_label("印发机关").fill(f"{w['office_name']}秘书科")
    office.get_by_role("button", name="保存设置").click()
    flash(office).to_contain_text("已保存")

    # the rubric: the office uploads its file and reads it back as the familiar table
    nav(office, "考核细则")
    office.get_by_label("考核细则文件（YAML）").set_input_files(str(RUBRIC))
    office.get_by_role("button", name="上传并校验").click()
    flash(office).to_contain_text(f"已导入“{RUBRIC_NAME}”第1版")
    expect(office.locator("table.rubric-table #ind-B1")).to_contain_text("每发现一处错误链接扣1分")

    # the campaign, on the rubric the office chooses
    nav(office, "考核")
    office.get_by_role("link", name="新建考核").click()
    office.get_by_label("考核名称").fill(CAMPAIGN)
    office.get_by_label("考核年度").fill("2026")
    office.get_by_label("考核细则版本").select_option(label=f"{RUBRIC_NAME}（2026年度，第1版）")
    office.get_by_label(w["group"]).check()
    today = _today()
    office.get_by_label("自评截止日期").fill((today + timedelta(days=10)).isoformat())
    office.get_by_label("整改截止日期").fill((today + timedelta(days=90)).isoformat())
    office.get_by_role("button", name="创建").click()
    flash(office).to_contain_text(f"已创建考核“{CAMPAIGN}”")
    expect(office.locator("#campaign-state")).to_have_text("草稿")
    expect(office.get_by_role("main")).to_contain_text(f"{RUBRIC_NAME}（第1版）")
    rows = office.locator("section[aria-labelledby=progress-h] tbody tr")
    expect(rows).to_have_count(2)

    stage(office, "开始自评", "自评中")


def open_campaign(office: Page) -> None:
    nav(office, "考核")
    office.get_by_role("link", name=CAMPAIGN, exact=True).click()
    expect(office.locator("h1")).to_have_text(CAMPAIGN)


DATE_LABELS = {"self_deadline": "自评截止日期", "review_start": "评审开始日期", "review_end": "评审结束日期",
               "recheck_start": "复核（申诉）开始日期", "recheck_end": "复核（申诉）截止日期",
               "rectify_deadline": "整改截止日期"}


def set_dates(office: Page, **days_from_today: int) -> None:
    """The campaign page's date form: each given date as today + n days."""
    dates = office.locator("section[aria-labelledby=dates-h]")
    for key, days in days_from_today.items():
        dates.get_by_label(DATE_LABELS[key]).fill((_today() + timedelta(days=days)).isoformat())
    dates.get_by_role("button", name="保存日期").click()
    flash(office).to_contain_text("已保存日期")


def stage(office: Page, button: str, state: str, *, confirm: str | None = None) -> None:
    """Press a stage button on the campaign page and see the new stage. Only the step named ``confirm``
    (a text its warning must show) asks to be confirmed on this walk: every department has submitted and the
    re-check opens on its date; the results are published before the appeal window's last day."""
    if confirm is None:
        expect(office.locator("[id^=warnings-]")).to_have_count(0)
    else:
        expect(office.locator("[id^=warnings-]")).to_contain_text(confirm)
        office.get_by_label("我已了解上述情况，确认继续").check()
    office.get_by_role("button", name=button).click()
    flash(office).to_contain_text(f"考核已进入“{state}”阶段")
    expect(office.locator("#campaign-state")).to_have_text(state)


def open_own_self_assessment(page: Page) -> None:
    nav(page, "自评")
    page.get_by_role("link", name=CAMPAIGN, exact=True).click()
    expect(page.locator("h1")).to_have_text(CAMPAIGN)
    page.wait_for_load_state()  # the autosave listens only once the page's script has run


def save_indicator(page: Page, code: str) -> None:
    """What the editor typed is autosaved (the form says so); then 保存 stores it for good. Waiting for the
    autosave first, as a person sees it, keeps an autosave still in flight from racing the button."""
    form = page.locator(f"form.answer-form[data-code='{code}']")
    expect(form.locator(".save-status")).to_contain_text("已自动保存")
    form.get_by_role("button", name="保存").click()
    flash(page).to_contain_text(f"已保存 {code}")
    page.wait_for_load_state()  # the next typing is autosaved only once the new page's script has run


def department_fills_in(editor: Page, leader: Page, tmp_path: Path, *, meetings: str,
                        broken_links: str, judged: str, adopted: str | None, file_title: str, link: str,
                        self_total: int, area_totals: dict[str, str]) -> None:
    open_own_self_assessment(editor)
    expect(editor.locator("#submission-state")).to_have_text("未开始")

    # A1: a yes/no fact, and the file that proves it
    a1 = editor.locator("form.answer-form[data-code='A1']")
    a1.get_by_label("设立政务公开领导小组").select_option("true")
    a1.get_by_label("情况说明").fill("领导小组由主要负责同志任组长。")
    save_indicator(editor, "A1")
    document = tmp_path / f"{file_title}.pdf"
    document.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    editor.locator("#file-A1").set_input_files(str(document))
    editor.locator("#ftitle-A1").fill(file_title)
    editor.locator("#evidence-A1").get_by_role("button", name="上传", exact=True).click()
    flash(editor).to_contain_text("已上传材料")
    expect(editor.locator("#evidence-A1")).to_contain_text(file_title)
    editor.wait_for_load_state()

    # A2 and B1: numbers
    editor.locator("form.answer-form[data-code='A2']").get_by_label("专题研究会议（次）").fill(meetings)
    save_indicator(editor, "A2")
    editor.locator("form.answer-form[data-code='B1']").get_by_label("错误链接（个）").fill(broken_links)
    save_indicator(editor, "B1")

    # B2: free text, a self-score for the reviewers' judgement (with its reason), and a link
    b2 = editor.locator("form.answer-form[data-code='B2']")
    b2.get_by_label("解读工作做法").fill("重要文件均配发文字解读，并在网站开设“政策解读”专栏。")
    b2.get_by_label("自评分").fill(judged)
    b2.get_by_label("调整理由").fill("解读形式仍可丰富，自评略低于满分。")
    save_indicator(editor, "B2")
    editor.locator("#url-B2").fill(link)
    editor.locator("#ltitle-B2").fill("政策解读专栏")
    editor.locator("#evidence-B2").get_by_role("button", name="添加链接").click()
    expect(editor.locator("#evidence-B2")).to_contain_text("政策解读专栏")

    # X1: the bonus item, claimed or left alone
    if adopted is not None:
        editor.locator("form.answer-form[data-code='X1']").get_by_label("信息被上级采用（条）").fill(adopted)
        save_indicator(editor, "X1")

    expect(editor.locator("#progress-text")).to_have_text(re.compile(r"已完成 (\d+) / \1 项"))
    editor.get_by_role("button", name="填报完成，送分管领导审核").click()
    flash(editor).to_contain_text("已送分管领导审核")
    expect(editor.locator("#submission-state")).to_have_text("待领导审核")

    home(leader)  # the leader's to-do list says what is waiting
    leader.locator("#self-tasks").get_by_role("row", name=CAMPAIGN).get_by_role(
        "link", name="审核并以本部门名义提交").click()
    expect(leader.locator("#submission-state")).to_have_text("待领导审核")
    # the leader decides on the total and the area subtotals, as the ranking will count them
    expect(leader.locator("#leader-total")).to_contain_text(f"自评总分为{self_total}分")
    totals = leader.locator("#self-totals")
    expect(totals.locator("[data-total]")).to_have_text(str(self_total))
    for code, subtotal in area_totals.items():
        expect(totals.locator(f"tr[data-area='{code}'] td").nth(1)).to_have_text(subtotal)
    # the printable 自评表 the leader signs and seals carries the same total
    href = leader.get_by_role("link", name="打印自评表（PDF，签字盖章用）").get_attribute("href")
    printed = leader.request.get(href)
    assert printed.ok and printed.headers["content-type"] == "application/pdf"
    sheet = squash(pdf_text(printed.body()))
    assert re.search(rf"自评总分：{self_total}(\.0+)?分", sheet), sheet
    leader.get_by_role("button", name="审核通过，以本部门名义提交").click()
    flash(leader).to_contain_text("已以本部门名义提交")
    expect(leader.locator("#submission-state")).to_have_text("已提交")
    expect(leader.get_by_role("button", name="保存")).to_have_count(0)  # frozen


def office_assigns(office: Page, w: dict) -> None:
    nav(office, "评审与复核")
    office.get_by_role("row", name=CAMPAIGN).get_by_role("link", name="分配评审").click()
    office.get_by_label("评审人员", exact=True).select_option(label=w["reviewer1_name"])
    office.get_by_label("第二评审人员（可选）").select_option(label=w["reviewer2_name"])
    office.get_by_label(w["dept_a"]).check()
    office.get_by_role("button", name="分配", exact=True).click()
    flash(office).to_contain_text("已分配")
    office.get_by_label("评审人员", exact=True).select_option(label=w["reviewer2_name"])
    office.get_by_label(w["dept_b"]).check()
    office.get_by_role("button", name="分配", exact=True).click()
    flash(office).to_contain_text("已分配")
    table = office.locator("table.data")
    expect(table.get_by_role("row", name=w["dept_a"])).to_contain_text(w["reviewer1_name"])
    expect(table.get_by_role("row", name=w["dept_a"])).to_contain_text(w["reviewer2_name"])
    expect(table.get_by_role("row", name=w["dept_b"])).to_contain_text(w["reviewer2_name"])


def open_review_sheet(reviewer: Page, dept: str) -> None:
    home(reviewer)  # 待您评审: the departments waiting
    reviewer.get_by_role("row", name=dept).get_by_role("link", name="去评审").click()
    expect(reviewer.locator("#ind-title")).to_contain_text("A1")


def review(reviewer: Page, code: str, score: str | None = None, problem: str = "", reason: str = "") -> None:
    """On the sheet showing ``code``: accept the self-score (score None) or save an adjusted score."""
    expect(reviewer.locator("#ind-title")).to_contain_text(code)
    if score is None:
        reviewer.get_by_role("button", name="采纳自评分（a）").click()
    else:
        reviewer.get_by_label("评审分").fill(score)
        reviewer.get_by_label("问题描述").fill(problem)
        reviewer.get_by_label("评审理由").fill(reason)
        reviewer.get_by_role("button", name="保存评审分").click()
    flash(reviewer).to_contain_text(f"已保存指标{code}的评审分")


def results_of(page: Page, dept: str) -> dict[str, dict[str, str]]:
    """``dept``'s review results table (评审结果) as {code: {column: text}}, read once it is on the page."""
    expect(page.locator("h1")).to_contain_text(f"{dept} · 评审结果")
    table = page.locator("table.data")
    expect(table.locator("tbody tr")).to_have_count(5)
    heads = ["指标", "分值", "自评", "规则建议", "评审", "复核值", "最终", "问题描述", "复核"]
    out = {}
    for row in table.locator("tbody tr").all():
        cells = [c.inner_text().strip() for c in row.locator("td").all()]
        out[cells[0].split()[0]] = dict(zip(heads, cells))
    return out


def final_total(rows: dict[str, dict[str, str]], bonus_cap: Decimal = Decimal(3)) -> Decimal:
    base = sum(dec(rows[c]["最终"]) for c in ("A1", "A2", "B1", "B2"))
    return base + min(dec(rows["X1"]["最终"]), bonus_cap)


# --------------------------------------------------------------------------- the year


def test_the_whole_year_through_the_pages(browser, live_server, world, tmp_path):
    w = world
    people, walk = People(browser, live_server, w), Walk()
    try:
        _year(people, walk, w, tmp_path)
        for who, page in people.pages.items():
            assert page.js_errors == [], (who, page.js_errors)
        assert not walk.failures, "\n".join(walk.failures)
    except BaseException:
        people.screenshots("test_year", tmp_path)
        raise
    finally:
        people.close()


def _year(people: People, walk: Walk, w: dict, tmp_path: Path) -> None:
    office = people("office")

    # 1. the office creates the campaign and starts self-assessment
    office_sets_up_and_creates_campaign(office, w)

    # 2. both departments fill in, send to their leader, and the leader submits
    department_fills_in(people("editor_a"), people("leader_a"), tmp_path, meetings="3", broken_links="0",
                        judged="38", adopted="2", file_title="甲局领导小组文件", link="https://a.example.gov.cn/zcjd",
                        self_total=100, area_totals={"A": "30", "B": "68", "bonus": "2"})
    department_fills_in(people("editor_b"), people("leader_b"), tmp_path, meetings="2", broken_links="1",
                        judged="36", adopted=None, file_title="乙局领导小组文件", link="https://b.example.gov.cn/zcjd",
                        self_total=90, area_totals={"A": "25", "B": "65", "bonus": "0"})
    open_campaign(office)
    expect(office.get_by_role("link", name="已提交 2")).to_be_visible()

    # 3. review: everyone has submitted, so the office ends self-assessment today (the dates form on the
    # campaign page), schedules review and re-check, moves the campaign on and assigns the reviewers
    set_dates(office, self_deadline=0, review_start=0, review_end=0, recheck_start=0, recheck_end=10)
    stage(office, "结束自评，进入评审", "评审中")
    office_assigns(office, w)

    # 4. the reviewers: A by reviewer 1 (lead) and reviewer 2, B by reviewer 2 alone
    r1, r2 = people("reviewer1"), people("reviewer2")
    open_review_sheet(r1, w["dept_a"])
    review(r1, "A1")
    review(r1, "A2", "15", A2_PROBLEM, "对照会议纪要核查")
    review(r1, "B1")
    review(r1, "B2", "34", A_B2_REVIEWER1, "抽查5件解读")
    review(r1, "X1")
    open_review_sheet(r2, w["dept_a"])
    review(r2, "A1")
    review(r2, "A2", "15", "会议纪要只有2份", "核查纪要")
    review(r2, "B1")
    review(r2, "B2")  # 38: four points from reviewer 1's 34, above the threshold of 1 → the lead decides
    review(r2, "X1")
    r1.get_by_role("complementary", name="指标列表").get_by_role("link", name="B2 政策解读").click()
    expect(r1.locator("#ind-title")).to_contain_text("B2")
    expect(r1.get_by_text("超过阈值，须由组长裁定")).to_be_visible()
    lead = r1.locator("form[action*='/lead/B2']")
    with walk.soft("the lead decision's fields are labelled (its ids repeat the score form's: score, problem, "
                   "reason, so its labels point at the score form's fields)"):
        expect(lead.get_by_label("裁定分")).to_have_count(1)
    lead.locator("[name=score]").fill("35")
    lead.locator("[name=problem]").fill(A_B2_PROBLEM)
    lead.locator("[name=reason]").fill("两名评审人员意见不一，组长核查后裁定")
    lead.get_by_role("button", name="作出最终裁定").click()
    flash(r1).to_contain_text("已记录指标B2的最终裁定")
    expect(r1.get_by_text("当前定分：35")).to_be_visible()

    open_review_sheet(r2, w["dept_b"])
    review(r2, "A1")
    review(r2, "A2")
    review(r2, "B1", "27", B_B1_PROBLEM, "现场抽查网站")
    review(r2, "B2", "33", B_B2_PROBLEM, "抽查解读栏目")
    review(r2, "X1")  # not claimed: accepting it needs no problem statement

    # what the office sees after review: the adjusted scores are the reviewers'
    nav(office, "评审与复核")
    office.get_by_role("row", name=CAMPAIGN).get_by_role("link", name="评审清单").click()
    expect(office.get_by_text("全部已提交部门的各项指标均已定分。")).to_be_visible()
    office.get_by_role("row", name=w["dept_a"]).get_by_role("link", name="结果").click()
    a = results_of(office, w["dept_a"])
    assert {c: a[c]["最终"] for c in a} == {"A1": "10", "A2": "15", "B1": "30", "B2": "35", "X1": "2"}, a
    assert a["A2"]["问题描述"] == A2_PROBLEM and a["B2"]["问题描述"] == A_B2_PROBLEM
    office.go_back()
    office.get_by_role("row", name=w["dept_b"]).get_by_role("link", name="结果").click()
    b = results_of(office, w["dept_b"])
    assert {c: b[c]["最终"] for c in b} == {"A1": "10", "A2": "15", "B1": "27", "B2": "33", "X1": "0"}, b
    assert b["X1"]["问题描述"] == "", "an unclaimed bonus item is not a problem"

    # 5. re-check: the office's home page says review is done; the office opens the re-check. A contests
    # the lead's deduction on B2, and reviewer 2 (not the one who made it) corrects it
    home(office)
    office.get_by_role("link", name="评审已完成，可公布初步结果、进入复核").click()
    stage(office, "公布初步结果，进入复核", "结果复核中")
    editor_a = people("editor_a")
    home(editor_a)
    editor_a.locator("#recheck-tasks").get_by_role("link", name="查看评审结果").click()
    mine = results_of(editor_a, w["dept_a"])
    assert mine["B2"]["最终"] == "35"
    editor_a.get_by_role("row", name="B2").get_by_role("link", name="申请复核").click()
    editor_a.get_by_label("申请复核的理由").fill("解读材料均与政策文件同日发布，见网站发布时间截图。")
    editor_a.get_by_label("新证据链接（可选）").fill("https://a.example.gov.cn/zcjd/2026")
    editor_a.get_by_role("button", name="提交复核申请").click()
    flash(editor_a).to_contain_text("复核")
    expect(editor_a.get_by_role("row", name="B2")).to_contain_text("待答复")

    home(r2)  # 待您答复的复核申请
    r2.get_by_role("link", name=f"{w['dept_a']} · B2").click()
    r2.get_by_label("予以更正").check()
    r2.get_by_label("复核后得分").fill("38")
    r2.get_by_label("答复理由").fill("经核对网站发布时间，解读与文件同日发布，原扣分不成立。")
    r2.get_by_role("button", name="提交答复").click()
    flash(r2).to_contain_text("答复")

    editor_a.reload()
    mine = results_of(editor_a, w["dept_a"])
    assert mine["B2"]["最终"] == "38", mine["B2"]
    assert "予以更正" in mine["B2"]["复核"]

    # 6. results: published, ranked, the circular and the notices issued
    open_campaign(office)
    stage(office, "发布结果", "已发布", confirm="提前发布结果：各部门将不能再提出申诉")
    totals_on_review = {}
    for dept in (w["dept_a"], w["dept_b"]):
        nav(office, "评审与复核")
        office.get_by_role("row", name=CAMPAIGN).get_by_role("link", name="评审清单").click()
        office.get_by_role("row", name=dept).get_by_role("link", name="结果").click()
        totals_on_review[dept] = final_total(results_of(office, dept))
    assert totals_on_review == {w["dept_a"]: Decimal(95), w["dept_b"]: Decimal(85)}

    nav(office, "排名")
    office.get_by_role("row", name=CAMPAIGN).get_by_role("link", name="排名", exact=True).click()
    ranking = office.locator("#ranking-table")
    expect(ranking.locator("tbody tr")).to_have_count(2)
    ranked = {}
    for row in ranking.locator("tbody tr").all():
        cells = [c.inner_text().strip() for c in row.locator("td").all()]
        # 分组, 排名, 部门, 总分, 组织保障, 公开发布, 加分, 逾期扣分, 等次, 备注
        ranked[cells[2]] = {"rank": cells[1], "total": dec(cells[3]), "A": dec(cells[4]), "B": dec(cells[5]),
                            "bonus": dec(cells[6]), "grade": cells[8]}
    assert {d: r["total"] for d, r in ranked.items()} == totals_on_review
    assert ranked[w["dept_a"]] == {"rank": "1", "total": Decimal(95), "A": Decimal(25), "B": Decimal(68),
                                   "bonus": Decimal(2), "grade": "优秀"}
    assert ranked[w["dept_b"]] == {"rank": "2", "total": Decimal(85), "A": Decimal(25), "B": Decimal(60),
                                   "bonus": Decimal(0), "grade": "良好"}
    office.get_by_role("button", name="发布排名").click()
    flash(office).to_contain_text("已发布排名（第1版）")
    leader_a = people("leader_a")
    nav(leader_a, "排名")
    leader_a.get_by_role("row", name=CAMPAIGN).get_by_role("link", name="排名", exact=True).click()
    own = leader_a.locator("#own-row")
    expect(own.get_by_role("row", name="组内排名")).to_contain_text("第1名（共2个部门）")
    expect(own.get_by_role("row", name="总分")).to_contain_text(str(ranked[w["dept_a"]]["total"]))
    expect(own.get_by_role("row", name="等次")).to_contain_text("优秀")

    # the circular: its grade lists and its ranking table (附件) are the ranking page's; its problems are the
    # findings that stand
    circular = issue_circular(office, tmp_path)
    body = squash(pdf_text(circular))
    assert f"评定为优秀等次的单位（1个）：{w['dept_a']}" in body, body
    assert f"评定为良好等次的单位（1个）：{w['dept_b']}" in body, body
    table = pdf_table(circular, "排名")
    in_circular = {r[1]: {"rank": r[0], "total": dec(r[5]), "A": dec(r[2]), "B": dec(r[3]), "bonus": dec(r[4]),
                          "grade": r[6]} for r in table[1:] if r[1] in ranked}
    assert in_circular == ranked, (in_circular, ranked)
    with walk.soft("the 版记 reads 抄送：…县政协办公室。 with one full stop"):
        assert "县政协办公室。" in body and "。。" not in body, re.findall(r"抄送.{0,40}", body)
    for problem in (A2_PROBLEM, B_B1_PROBLEM, B_B2_PROBLEM):
        assert squash(problem) in body, (problem, body)
    with walk.soft("a finding overturned on re-check (or superseded by the lead) does not reach the circular"):
        assert squash(A_B2_PROBLEM) not in body and squash(A_B2_REVIEWER1) not in body

    # the notices: one item per standing finding, its text the reviewer's, its points what the finding cost
    generate_and_send_notices(office, w)
    # department B opens its notice before the office has issued it: the official version is a draft
    editor_b = people("editor_b")
    nav(editor_b, "整改通知")
    editor_b.get_by_role("link", name=re.compile(f"关于{w['dept_b']}.*整改的通知")).click()
    draft = squash(pdf_text(official_version(editor_b)))
    with walk.soft("a notice not yet issued says 草稿 and shows no document number"):
        assert "草稿" in draft and not re.search(r"〔\d{4}〕\d+号", draft), draft[:200]

    expected = {
        w["dept_a"]: {"A2": (A2_PROBLEM, a["A2"])},
        w["dept_b"]: {"B1": (B_B1_PROBLEM, b["B1"]), "B2": (B_B2_PROBLEM, b["B2"])},
    }
    numbers: dict[str, str] = {}
    for dept, findings in expected.items():
        number, data = issue_notice(office, dept, tmp_path)
        numbers[dept] = number
        items = notice_items(data)
        for code, (problem, row) in findings.items():
            assert code in items, (dept, code, items)
            assert items[code]["problem"] == squash(problem), (dept, code, items[code])
            # "the points it cost": below the self-score or below the maximum, as the review page shows them
            cost = {dec(row["自评"]) - dec(row["最终"]), dec(row["分值"]) - dec(row["最终"])}
            assert items[code]["points"] in cost, (dept, code, items[code], cost)
        with walk.soft(f"{dept}'s notice lists the standing findings only (none overturned, no boilerplate)"):
            assert set(items) == set(findings), (dept, sorted(items))

    # department A's score sheet (考核评分表): the final scores of the review page after the re-check, the
    # ranking's subtotals, total, rank and grade, and only the findings that stand
    sheet = issue_scoresheet(office, w["dept_a"], tmp_path)
    rows = {r[0]: r for r in pdf_table(sheet, "编号")[1:]}
    assert {c: dec(rows[c][4]) for c in ("A1", "A2", "B1", "B2", "X1")} == {
        "A1": Decimal(10), "A2": Decimal(15), "B1": Decimal(30), "B2": Decimal(38), "X1": Decimal(2)}, rows
    assert dec(rows["组织保障小计"][4]) == ranked[w["dept_a"]]["A"], rows
    assert dec(rows["公开发布小计"][4]) == ranked[w["dept_a"]]["B"], rows
    assert dec(rows["总分"][4]) == ranked[w["dept_a"]]["total"], rows
    assert rows["A2"][5] == squash(A2_PROBLEM), rows["A2"]
    summary = squash(pdf_text(sheet))
    assert f"排名：{w['group']}第1名（共2个）" in summary and "等次：优秀" in summary, summary
    assert squash(A_B2_PROBLEM) not in summary, "a finding overturned on re-check is not on the score sheet"

    # the department's official version now carries the one number the issued copy has
    editor_b.reload()
    issued = squash(pdf_text(official_version(editor_b)))
    with walk.soft("the notice the department sees has the issued copy's number"):
        assert numbers[w["dept_b"]] in issued and len(set(re.findall(r"〔\d{4}〕\d+号", issued))) == 1, (
            numbers[w["dept_b"]], re.findall(r"〔\d{4}〕\d+号", issued))

    # 7. rectification: B answers both items with evidence, the leader submits, the office closes one and
    # returns the other; B answers again and the office closes it, and the notice
    rectification(people, walk, w)

    open_campaign(office)
    stage(office, "结束考核", "已结束")


def issue_circular(office: Page, tmp_path: Path) -> bytes:
    nav(office, "公文")
    office.get_by_role("link", name=CAMPAIGN, exact=True).click()
    office.get_by_role("link", name="编辑、预览并印发通报").click()
    office.get_by_label("二、主要成效").fill("各部门普遍设立政务公开领导小组，政策解读专栏运行规范。")
    office.get_by_role("button", name="保存草稿").click()
    flash(office).to_contain_text("通报草稿已保存")
    office.get_by_role("button", name="印发通报（分配文号）").click()
    number = office.locator("#doc-number").inner_text()
    assert re.fullmatch(r"全年公办〔\d{4}〕\d+号", number), number
    with office.expect_download() as info:
        office.locator("#download").click()
    path = tmp_path / "circular.pdf"
    info.value.save_as(path)
    data = path.read_bytes()
    assert number in squash(pdf_text(data))
    return data


def generate_and_send_notices(office: Page, w: dict) -> None:
    nav(office, "整改通知")
    office.get_by_role("link", name="按考核结果生成整改通知").click()
    office.get_by_label("考核").select_option(label=CAMPAIGN)
    office.get_by_role("button", name="生成草稿").click()
    flash(office).to_contain_text("已生成 2 份整改通知草稿")
    rows = office.locator("#bulk-send tbody tr")
    expect(rows).to_have_count(2)
    for dept in (w["dept_a"], w["dept_b"]):
        rows.filter(has_text=dept).get_by_role("checkbox").check()
    office.get_by_role("button", name="下发所选通知").click()
    flash(office).to_contain_text("下发")


def issue_scoresheet(office: Page, dept: str, tmp_path: Path) -> bytes:
    nav(office, "公文")
    office.get_by_role("link", name=CAMPAIGN, exact=True).click()
    sheets = office.locator("table").filter(has=office.get_by_role("columnheader", name="状态"))
    sheets.get_by_role("row", name=dept).get_by_role("button", name="印发").click()
    expect(office.locator("h1")).to_contain_text(dept)
    with office.expect_download() as info:
        office.locator("#download").click()
    path = tmp_path / f"scoresheet-{dept}.pdf"
    info.value.save_as(path)
    return path.read_bytes()


def issue_notice(office: Page, dept: str, tmp_path: Path) -> tuple[str, bytes]:
    nav(office, "公文")
    office.get_by_role("link", name=CAMPAIGN, exact=True).click()
    notices = office.locator("table").filter(has=office.get_by_role("columnheader", name="文号"))
    notices.get_by_role("row", name=dept).get_by_role("button", name="印发").click()
    number = office.locator("#doc-number").inner_text()
    assert re.fullmatch(r"全年公办〔\d{4}〕\d+号", number), number
    with office.expect_download() as info:
        office.locator("#download").click()
    path = tmp_path / f"notice-{dept}.pdf"
    info.value.save_as(path)
    data = path.read_bytes()
    assert number in squash(pdf_text(data))
    return number, data


def official_version(page: Page) -> bytes:
    """The notice page's link to its official version (PDF), opened with the person's session."""
    href = page.locator("#notice-pdf").get_by_role("link").first.get_attribute("href")
    resp = page.request.get(href)
    assert resp.ok and resp.headers["content-type"] == "application/pdf", (resp.status, resp.headers)
    return resp.body()


def rectification(people: People, walk: Walk, w: dict) -> None:
    editor, leader, office = people("editor_b"), people("leader_b"), people("office")
    title = re.compile(f"关于{w['dept_b']}.*整改的通知")

    def item(page: Page, code: str):
        return page.locator("article.rect-item").filter(has=page.locator("h3", has_text=code))

    # the editor opens the notice (the office sees it read), answers each item and adds a link as evidence
    # before saving: what was typed is still there after the evidence is added
    home(editor)
    tasks = editor.locator("#rectification-tasks")
    expect(tasks.get_by_role("link", name="填写整改情况")).to_have_count(2)
    tasks.get_by_role("link", name=title).click()
    answers = {
        "B1": ("逐一修复错误链接，建立每周链接巡查制度", "2处错误链接已全部修复", "https://b.example.gov.cn/zcwj"),
        "B2": ("新增图解和问答两种解读形式", "已对1件重要文件配发图解", "https://b.example.gov.cn/tujie"),
    }
    for code, (measure, result, url) in answers.items():
        answer = item(editor, code)
        expect(answer).to_contain_text("待整改")
        answer.get_by_label("整改措施").fill(measure)
        answer.get_by_label("整改结果").fill(result)
        answer.get_by_text("添加佐证材料（链接、文件或摘录）").click()
        answer.get_by_label("类型").select_option("link")
        answer.get_by_label("名称").fill(f"{code}整改后的页面")
        answer.get_by_label("链接地址").fill(url)
        answer.get_by_role("button", name="添加佐证材料", exact=True).click()
        answer = item(editor, code)
        expect(answer).to_contain_text(f"{code}整改后的页面")
        expect(answer.get_by_label("整改措施")).to_have_value(measure)
        expect(answer.get_by_label("整改结果")).to_have_value(result)
        answer.get_by_role("button", name="送领导审核").click()
        expect(item(editor, code)).to_contain_text("答复已送领导审核")

    # the leader submits both to the office
    home(leader)
    expect(leader.locator("#rectification-tasks").get_by_role("link", name="审核并提交整改情况")).to_have_count(2)
    leader.locator("#rectification-tasks").get_by_role("link", name=title).click()
    for code, (measure, _result, _url) in answers.items():
        expect(item(leader, code)).to_contain_text(measure)
        item(leader, code).get_by_role("button", name="提交公开办核查").click()
        expect(item(leader, code).locator("h3")).to_contain_text("待公开办核查")

    # the office closes B1 and returns B2 with its reason
    nav(office, "整改通知")
    office.get_by_role("link", name=title).click()
    expect(office.locator("#read-receipt")).to_contain_text("已读")
    expect(item(office, "B1")).to_contain_text("逐一修复错误链接")
    expect(item(office, "B1")).to_contain_text("B1整改后的页面")
    item(office, "B1").get_by_role("button", name="销号", exact=True).click()
    expect(item(office, "B1").locator("h3")).to_contain_text("已销号")
    item(office, "B2").get_by_label("意见").fill("图解仅覆盖1件文件，请补齐其余文件。")
    item(office, "B2").get_by_role("button", name="退回重新整改").click()
    expect(item(office, "B2").locator("h3")).to_contain_text("退回")
    expect(office.locator("#notice-state")).to_have_text("已下发")

    # B answers the returned item again (the leader answers and submits it herself), the office closes it,
    # and with its last item closed the notice is done
    home(leader)
    leader.locator("#rectification-tasks").get_by_role("link", name="被退回，重新整改").click()
    again = item(leader, "B2")
    expect(again).to_contain_text("图解仅覆盖1件文件")
    again.get_by_label("整改结果").fill("3件重要文件均已配发图解和问答")
    again.get_by_role("button", name="提交公开办核查").click()
    expect(item(leader, "B2").locator("h3")).to_contain_text("待公开办核查")
    office.reload()
    item(office, "B2").get_by_role("button", name="销号", exact=True).click()
    expect(item(office, "B2").locator("h3")).to_contain_text("已销号")
    with walk.soft("the notice is closed when its last item is closed"):
        expect(office.locator("#notice-state")).to_have_text("已办结")
