"""The home page per role (assess/core/dashboard.py, templates/core/home.html): the figures a person acts on
equal the stored data, each links where the work is done, and nothing of another tenant appears."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from assess.campaigns.services import local_today
from assess.extensions import db
from assess.models import Contest, ItemState, SubmissionState
from assess.rectification import services as rect
from assess.review import services as rs
from assess.selfassessment import services as sa
from tests import campaign_world as cw
from tests import review_factories as rf
from tests.test_rectification_support import make_notice


def section(html: str, element_id: str) -> str:
    """The markup of the element with ``id`` (up to its closing </section>)."""
    start = html.index(f'id="{element_id}"')
    return html[start:html.index("</section>", start)]


def figure(html: str, name: str) -> str:
    m = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert m, f"figure {name} not shown"
    return m.group(1)


def href(html: str, url: str) -> bool:
    return f'href="{url}"' in html.replace("&amp;", "&")


@pytest.fixture()
def office_year(tenant_a):
    """Office A: a campaign in self-assessment (A submitted, B not started) and one in review (A assigned and two
    indicators decided, B unassigned and contesting), an overdue and a waiting rectification item."""
    t = tenant_a
    office, editor, leader, reviewer = (t.users[k] for k in ("office_admin", "dept_editor", "dept_admin", "reviewer"))
    selfc = cw.make_campaign(t, name="2026年度自评中考核", deadline_days=10)
    sub_a = cw.submission_of(selfc, t.dept_a)
    cw.fill_all(sub_a, editor)
    sa.send_to_leader(sub_a, actor=editor)
    sa.leader_submit(sub_a, actor=leader)
    reviewc = rf.make_campaign(t.office, rubric_row=selfc.rubric, review_end=local_today() + timedelta(days=3))
    reviewc.name = "2025年度评审中考核"
    rsub_a = rf.make_submission(reviewc, t.dept_a)
    rsub_b = rf.make_submission(reviewc, t.dept_b)
    rs.assign(reviewc, t.dept_a.id, reviewer, actor=office)
    for code in ("A1", "A2"):
        rs.save_score(rsub_a, code, actor=reviewer, version=0, accept=True)
    db.session.add(Contest(office_id=t.office.id, department_id=t.dept_b.id, campaign_id=reviewc.id,
                           indicator_code="A3", explanation="请复核"))
    overdue = make_notice(t, problem="栏目长期未更新")
    overdue.deadline = local_today() - timedelta(days=2)
    waiting = make_notice(t, t.dept_b, problem="断链")
    waiting.items[0].state = ItemState.SUBMITTED
    db.session.flush()
    return selfc, reviewc, rsub_a, rsub_b, overdue


def test_office_admin_sees_stage_deadline_counts_review_and_rectification(tenant_a, login, office_year):
    selfc, reviewc, rsub_a, rsub_b, _notice = office_year
    html = login(tenant_a.users["office_admin"].username).get("/").get_data(as_text=True)

    s = section(html, f"campaign-{selfc.id}")
    assert figure(s, "stage") == "自评中"
    assert "自评截止：" in s and "还剩10天" in s
    assert (figure(s, "submitted"), figure(s, "departments"), figure(s, "not_started"), figure(s, "in_progress")) \
        == ("1", "2", "1", "0")
    assert href(s, f"/campaigns/{selfc.id}?state=not_started")
    assert "督促1个尚未提交的部门" in s

    r = section(html, f"campaign-{reviewc.id}")
    total = len(rs.indicator_codes(rs.rubric_of(reviewc)))
    assert figure(r, "stage") == "评审中"
    assert "评审截止：" in r and "还剩3天" in r
    assert figure(r, "decided") == "2"
    assert figure(r, "to_decide") == str(2 * total - 2)
    assert figure(r, "reviewed") == "0" and figure(r, "submitted_for_review") == "2"
    assert figure(r, "unassigned") == "1" and href(r, f"/review/campaigns/{reviewc.id}/assign")
    assert figure(r, "open_contests") == "1" and href(r, f"/review/campaigns/{reviewc.id}/contests")
    assert href(r, f"/review/campaigns/{reviewc.id}")

    rect_html = section(html, "rectification")
    assert figure(rect_html, "overdue_items") == "1" and href(rect_html, "/rectification/ledger?state=overdue")
    assert figure(rect_html, "items_to_check") == "1" and href(rect_html, "/rectification/ledger?state=submitted")
    assert figure(rect_html, "open_items") == "2"


def test_office_admin_counts_follow_the_data(tenant_a, login, office_year):
    """The figures are read, not fixed: submitting B late moves it from 未开始 to 已提交 (逾期提交)."""
    selfc = office_year[0]
    sub_b = cw.submission_of(selfc, tenant_a.dept_b)
    cw.fill_all(sub_b, tenant_a.users["dept_b_editor"])
    sa.send_to_leader(sub_b, actor=tenant_a.users["dept_b_editor"])
    sa.leader_submit(sub_b, actor=tenant_a.users["dept_b_admin"], today=selfc.self_deadline + timedelta(days=2))
    s = section(login(tenant_a.users["office_admin"].username).get("/").get_data(as_text=True), f"campaign-{selfc.id}")
    assert (figure(s, "submitted"), figure(s, "not_started"), figure(s, "submitted_late")) == ("2", "0", "1")
    assert "可结束自评、进入评审" in s


def test_self_assessment_deadline_passed_marks_unsubmitted(tenant_a, login):
    c = cw.make_campaign(tenant_a, deadline_days=10)
    c.self_deadline = local_today() - timedelta(days=3)
    db.session.flush()
    s = section(login(tenant_a.users["office_admin"].username).get("/").get_data(as_text=True), f"campaign-{c.id}")
    assert "已逾期3天" in s and figure(s, "late_unsubmitted") == "2"


def test_office_without_campaign_is_told_to_create_one(tenant_a, login):
    html = login(tenant_a.users["office_admin"].username).get("/").get_data(as_text=True)
    assert "目前没有进行中的考核" in html and href(html, "/campaigns/new")


def test_department_editor_sees_tasks_with_deadlines_and_overdue_marks(tenant_a, login):
    t = tenant_a
    c = cw.make_campaign(t, deadline_days=5)
    sub = cw.submission_of(c, t.dept_a)
    sa.save_answer(sub, "A1", actor=t.users["dept_editor"], inputs={"has_group": "true"}, explanation="x")
    late = make_notice(t, problem="栏目长期未更新")
    late.deadline = local_today() - timedelta(days=1)
    returned = make_notice(t, problem="解读材料缺失")
    returned.items[0].state = ItemState.RETURNED
    returned.items[0].office_comment = "佐证不足"
    make_notice(t, t.dept_b, problem="别的部门的问题")
    db.session.flush()
    html = login(t.users["dept_editor"].username).get("/").get_data(as_text=True)

    tasks = section(html, "self-tasks")
    prog = sa.progress(sub)
    assert 'data-task="self-fill"' in tasks and href(tasks, f"/self/{sub.id}")
    assert f"已完成 {prog.done} / {prog.total} 项" in tasks
    assert "自评截止：" in tasks and "还剩5天" in tasks

    items = section(html, "rectification-tasks")
    assert href(items, f"/rectification/{late.id}#item-{late.items[0].id}")
    assert f'data-overdue="{late.items[0].id}"' in items and "已逾期1天" in items
    assert 'data-task="item-answer_again"' in items and "佐证不足" in items
    assert f'data-overdue="{returned.items[0].id}"' not in items
    assert "别的部门的问题" not in html


def test_department_leader_is_asked_to_approve(tenant_a, login):
    t = tenant_a
    c = cw.make_campaign(t)
    sub = cw.submission_of(c, t.dept_a)
    cw.fill_all(sub, t.users["dept_editor"])
    sa.send_to_leader(sub, actor=t.users["dept_editor"])
    notice = make_notice(t)
    item = notice.items[0]
    rect.save_answer(item, actor=t.users["dept_editor"], measure="已修复", result="已完成")
    rect.send_to_leader(item, actor=t.users["dept_editor"])
    db.session.flush()
    leader = login(t.users["dept_admin"].username).get("/").get_data(as_text=True)
    assert 'data-task="self-approve"' in leader and href(leader, f"/self/{sub.id}#flow-h")
    assert 'data-task="item-approve"' in leader
    editor = login(t.users["dept_editor"].username).get("/").get_data(as_text=True)
    assert 'data-task="self-wait_leader"' in editor and 'data-task="item-wait_leader"' in editor


def test_department_with_nothing_to_do(tenant_a, login):
    html = login(tenant_a.users["dept_editor"].username).get("/").get_data(as_text=True)
    assert "目前没有待办事项" in html


def test_reviewer_sees_waiting_departments_and_contests_to_answer(tenant_a, login):
    t = tenant_a
    reviewer = t.users["reviewer"]
    c = rf.make_campaign(t.office, review_end=local_today() + timedelta(days=4))
    sub_a = rf.make_submission(c, t.dept_a)
    sub_b = rf.make_submission(c, t.dept_b, state=SubmissionState.IN_PROGRESS)  # never submitted: not waiting
    for d in (t.dept_a, t.dept_b):
        rs.assign(c, d.id, reviewer, actor=t.users["office_admin"])
    rs.save_score(sub_a, "A1", actor=reviewer, version=0, accept=True)
    db.session.add(Contest(office_id=t.office.id, department_id=t.dept_a.id, campaign_id=c.id,
                           indicator_code="A2", explanation="请复核"))
    db.session.flush()
    contest = db.session.query(Contest).filter_by(campaign_id=c.id).one()
    html = login(reviewer.username).get("/").get_data(as_text=True)

    s = section(html, f"campaign-{c.id}")
    total = len(rs.indicator_codes(rs.rubric_of(c)))
    assert (figure(s, "assigned"), figure(s, "waiting"), figure(s, "reviewed")) == ("2", "1", "0")
    assert f'data-department="{t.dept_a.id}"' in s and f'data-department="{t.dept_b.id}"' not in s
    assert f"1 / {total}" in s and href(s, f"/review/submissions/{sub_a.id}")
    assert figure(s, "contests") == "1" and href(s, f"/review/contests/{contest.id}")
    assert "还剩4天" in s
    assert not href(s, f"/review/submissions/{sub_b.id}")  # assigned, never submitted: nothing to review


def test_reviewer_not_assigned_sees_nothing_waiting(tenant_a, login):
    c = rf.make_campaign(tenant_a.office)
    rf.make_submission(c, tenant_a.dept_a)
    html = login(tenant_a.users["reviewer"].username).get("/").get_data(as_text=True)
    assert "目前没有分配给您的评审任务" in html and f"campaign-{c.id}" not in html


def test_viewer_and_platform_admin_get_a_short_page(tenant_a, login, platform_admin, office_year):
    selfc = office_year[0]
    html = login(tenant_a.users["viewer"].username).get("/").get_data(as_text=True)
    s = section(html, f"campaign-{selfc.id}")
    assert figure(s, "submitted") == "1"
    assert "下一步" not in html and "/review/campaigns/" + str(office_year[1].id) + "/assign" not in html
    dept_viewer = login(tenant_a.users["dept_viewer"].username).get("/").get_data(as_text=True)
    assert "本部门进展" in dept_viewer and "只读" in dept_viewer
    admin = login(platform_admin.username).get("/").get_data(as_text=True)
    assert "在用的公开办" in admin and href(admin, "/admin/offices")


def test_home_never_shows_another_offices_figures(tenant_a, tenant_b, login, office_year):
    """Office B's people see their own (empty) year, nothing of office A's campaigns, departments or items."""
    for key in ("office_admin", "reviewer", "viewer", "dept_admin", "dept_editor"):
        html = login(tenant_b.users[key].username).get("/").get_data(as_text=True)
        assert "AAA" not in html and "2026年度自评中考核" not in html and "栏目长期未更新" not in html, key
        for element in ("campaign-", "data-overdue"):
            assert element not in html, key
    office_b = login(tenant_b.users["office_admin"].username).get("/").get_data(as_text=True)
    assert figure(office_b, "overdue_items") == "0" and figure(office_b, "open_items") == "0"


def _nav(html: str) -> str:
    start = html.index('aria-label="主导航"')
    return html[start:html.index("</nav>", start)]


def test_office_settings_fold_under_one_menu_open_on_its_own_pages(tenant_a, login):
    """The office administrator's bar: the year's work as links, the settings folded under 设置 (so the bar
    stays one line); on a settings page the menu is marked as where one is."""
    c = login(tenant_a.users["office_admin"].username)
    bar = _nav(c.get("/").get_data(as_text=True))
    group = bar[bar.index('<details class="nav-group">'):bar.index("</details>")]
    for label in ("部门", "排名分组", "用户", "本单位日历", "审计日志"):
        assert f">{label}</a>" in group, label
    assert ">考核</a>" in bar and ">考核</a>" not in group and "summary >设置" in group.replace('class="current"', "")
    assert 'summary class="current"' not in group
    on_users = _nav(c.get("/admin/users").get_data(as_text=True))
    assert 'summary class="current">设置' in on_users and 'aria-current="page">用户</a>' in on_users


def test_a_group_of_one_stays_a_plain_link(tenant_a, login):
    """A department administrator has one settings page (its users): a link, not a menu of one."""
    c = login(tenant_a.users["dept_admin"].username)
    bar = _nav(c.get("/").get_data(as_text=True))
    assert "<details" not in bar and ">用户</a>" in bar
