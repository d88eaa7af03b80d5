"""The events that notify: each service call notifies exactly the right people, in their language, and nobody of
another tenant (the hooks are registered by create_app; no capability imports the notifications)."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from assess.auth import services as auth
from assess.campaigns import services as campaigns
from assess.extensions import db as _db
from assess.models import CampaignState, Notification
from assess.notify import kinds
from assess.rectification import services as rect
from assess.review import services as rs
from assess.selfassessment import services as sa
from tests.campaign_world import fill_all, submission_of
from tests.campaign_world import make_campaign as make_open_campaign
from tests.notify_world import make_campaign, notes_of
from tests.review_factories import make_campaign as make_review_campaign
from tests.review_factories import make_submission
from tests.test_rectification_support import make_notice


def _recipients(kind: str) -> dict[int, Notification]:
    """Who has a notification of ``kind``: user id → the latest one."""
    rows = _db.session.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id)).all()
    return {r.user_id: r for r in rows}


def _ids(tenant, *keys) -> set[int]:
    return {tenant.users[k].id for k in keys}


def _in(locale: str, fn) -> str:
    with force_locale(locale):
        return fn()


def test_self_assessment_opened_reaches_every_participating_departments_staff_in_their_language(tenant_a, tenant_b):
    tenant_a.users["dept_b_editor"].locale = "en"
    make_open_campaign(tenant_b)  # another office's campaign notifies its own people only
    _db.session.execute(Notification.__table__.delete())
    campaign = make_open_campaign(tenant_a)
    got = _recipients(kinds.CAMPAIGN_OPENED)
    assert set(got) == _ids(tenant_a, "dept_admin", "dept_editor", "dept_b_admin", "dept_b_editor")
    en = got[tenant_a.users["dept_b_editor"].id]
    assert en.title == _in("en", lambda: _("“%(c)s”开始自评", c=campaign.name))
    assert got[tenant_a.users["dept_editor"].id].title == f"“{campaign.name}”开始自评"
    assert en.link == f"/self/{submission_of(campaign, tenant_a.dept_b).id}"
    assert campaign.self_deadline.isoformat() in got[tenant_a.users["dept_admin"].id].body


def test_sent_to_and_returned_by_the_leader_and_returned_by_the_office(tenant_a, tenant_b):
    campaign = make_campaign(tenant_a)
    sub = submission_of(campaign, tenant_a.dept_a)
    editor, leader = tenant_a.users["dept_editor"], tenant_a.users["dept_admin"]
    leader.locale = "en"
    fill_all(sub, editor)
    sa.send_to_leader(sub, actor=editor)
    [sent] = _recipients(kinds.SUBMISSION_SENT).values()
    assert sent.user_id == leader.id and sent.link == f"/self/{sub.id}"
    assert sent.title == _in("en", lambda: _("“%(c)s”自评表待您审核", c=campaign.name))

    sa.leader_return(sub, actor=leader, comment="第三项佐证不全")
    [returned] = _recipients(kinds.SUBMISSION_RETURNED).values()
    assert returned.user_id == editor.id and "第三项佐证不全" in returned.body and "领导" in returned.title

    sa.send_to_leader(sub, actor=editor)  # a second send is a second event
    assert len(notes_of(leader, kinds.SUBMISSION_SENT)) == 2
    sa.leader_submit(sub, actor=leader, today=campaign.self_deadline - timedelta(days=1))
    sa.office_return(sub, actor=tenant_a.users["office_admin"], comment="请补充说明",
                     today=campaign.self_deadline - timedelta(days=1))
    by_office = [n for n in _recipients(kinds.SUBMISSION_RETURNED).values() if "请补充说明" in n.body]
    assert {n.user_id for n in by_office} == {editor.id, leader.id}
    everyone = _db.session.scalars(select(Notification.user_id)).all()
    assert not set(everyone) & {u.id for u in tenant_b.users.values()}
    assert not set(everyone) & _ids(tenant_a, "dept_b_editor", "dept_b_admin", "dept_viewer", "reviewer")


def test_review_assigned_reaches_the_reviewer_only(tenant_a, tenant_b):
    campaign = make_review_campaign(tenant_a.office)
    sub = make_submission(campaign, tenant_a.dept_a)
    reviewer = tenant_a.users["reviewer"]
    reviewer.locale = "en"
    a = rs.assign(campaign, tenant_a.dept_a.id, reviewer, actor=tenant_a.users["office_admin"])
    got = _recipients(kinds.REVIEW_ASSIGNED)
    assert set(got) == {reviewer.id}
    note = got[reviewer.id]
    assert note.link == f"/review/submissions/{sub.id}" and note.event_key == f"assign:{a.id}"
    assert note.title == _in("en", lambda: _("评审任务：%(d)s", d=sub.department_name))


def _recheck(tenant, monkeypatch):
    """A campaign in review with department A's deduction, moved by the office to 复核 (the review's own checks
    before 复核 are tested with the review; here they are lifted)."""
    campaign = make_review_campaign(tenant.office, recheck_start=date.today() - timedelta(days=1),
                                    recheck_end=date.today() + timedelta(days=5))
    sub_a, sub_b = make_submission(campaign, tenant.dept_a), make_submission(campaign, tenant.dept_b)
    rs.assign(campaign, tenant.dept_a.id, tenant.users["reviewer"], actor=None)
    rs.save_score(sub_a, "A1", actor=tenant.users["reviewer"], version=0, score="0", problem="未见领导小组文件")
    monkeypatch.setitem(campaigns.PRECONDITIONS, CampaignState.RECHECK, [])
    monkeypatch.setitem(campaigns.PRECONDITIONS, CampaignState.PUBLISHED, [])
    campaigns.transition(campaign, CampaignState.RECHECK, actor=tenant.users["office_admin"])
    return campaign, sub_a, sub_b


def test_appeals_open_a_contest_answered_and_results_published(tenant_a, tenant_b, monkeypatch):
    campaign, sub_a, sub_b = _recheck(tenant_a, monkeypatch)
    staff = _ids(tenant_a, "dept_admin", "dept_editor", "dept_b_admin", "dept_b_editor")
    opened = _recipients(kinds.CONTEST_OPENED)
    assert set(opened) == staff
    assert opened[tenant_a.users["dept_b_editor"].id].link == f"/review/submissions/{sub_b.id}/results"

    tenant_a.users["dept_admin"].locale = "en"
    contest = rs.create_contest(sub_a, "A1", actor=tenant_a.users["dept_editor"], explanation="文件已印发")
    rs.answer_contest(contest, actor=tenant_a.users["office_admin"], outcome="changed", new_score="3",
                      reason="核实文件已正式印发", version=contest.version_id)
    answered = _recipients(kinds.CONTEST_ANSWERED)
    assert set(answered) == _ids(tenant_a, "dept_admin", "dept_editor")
    assert "核实文件已正式印发" in answered[tenant_a.users["dept_editor"].id].body
    assert answered[tenant_a.users["dept_admin"].id].title == _in("en", lambda: _("复核申请已答复：%(i)s", i="A1"))

    campaigns.transition(campaign, CampaignState.PUBLISHED, actor=tenant_a.users["office_admin"], confirmed=True)
    published = _recipients(kinds.RESULTS_PUBLISHED)
    assert set(published) == staff
    assert published[tenant_a.users["dept_editor"].id].link == f"/review/submissions/{sub_a.id}/results"
    everyone = set(_db.session.scalars(select(Notification.user_id)))
    assert not everyone & {u.id for u in tenant_b.users.values()}


def test_rectification_item_returned_by_leader_and_office_then_closed(tenant_a, tenant_b):
    notice = make_notice(tenant_a)
    [item] = notice.items
    editor, leader, office = (tenant_a.users[k] for k in ("dept_editor", "dept_admin", "office_admin"))
    editor.locale = "en"
    rect.save_answer(item, actor=editor, measure="已修复断链", result="全站自查无断链")
    rect.send_to_leader(item, actor=editor)
    rect.leader_return(item, actor=leader, comment="请附修复前后截图")
    [by_leader] = _recipients(kinds.ITEM_RETURNED).values()
    assert by_leader.user_id == editor.id and "请附修复前后截图" in by_leader.body
    assert by_leader.link == f"/rectification/{notice.id}"
    assert by_leader.title == _in("en", lambda: _("整改答复被领导退回：%(p)s", p=item.problem[:60]))

    rect.submit_answer(item, actor=leader)
    rect.check_item(item, actor=office, accept=False, comment="仍有一处断链")
    assert set(_recipients(kinds.ITEM_RETURNED)) == {editor.id}
    assert len(notes_of(editor, kinds.ITEM_RETURNED)) == 2  # returned twice: two events
    assert "仍有一处断链" in notes_of(editor, kinds.ITEM_RETURNED)[-1].body

    rect.submit_answer(item, actor=leader)
    rect.check_item(item, actor=office, accept=True)
    assert set(_recipients(kinds.ITEM_CLOSED)) == {editor.id, leader.id}
    everyone = set(_db.session.scalars(select(Notification.user_id)))
    assert not everyone & ({u.id for u in tenant_b.users.values()} | _ids(tenant_a, "dept_b_editor", "office_admin"))


def test_a_set_password_link_is_written_for_the_user_with_the_link(tenant_a, platform_admin):
    user = tenant_a.users["dept_b_editor"]
    token = auth.create_password_link(user, created_by=tenant_a.users["office_admin"])
    [note] = notes_of(user, kinds.PASSWORD_LINK)
    assert note.link == f"/auth/set-password/{token}" and token not in note.event_key
    assert kinds.is_essential(kinds.PASSWORD_LINK)
    second = auth.create_password_link(user, created_by=None)
    assert len(notes_of(user, kinds.PASSWORD_LINK)) == 2 and second != token
    auth.create_password_link(platform_admin, created_by=None)  # no office: nothing to write (no outbox of its own)
    assert not _db.session.scalars(select(Notification).where(Notification.user_id == platform_admin.id)).all()


def test_every_kind_written_is_in_the_registry():
    from assess.notify import services

    assert services.KIND_REMIND in kinds.KINDS and services.KIND_NOTICE_SENT in kinds.KINDS
    assert all(kinds.is_essential(k) for k in (kinds.SELF_DUE, kinds.SELF_OVERDUE, kinds.RECT_DUE, kinds.RECT_OVERDUE))
    assert not kinds.is_essential(kinds.REVIEW_ASSIGNED)
