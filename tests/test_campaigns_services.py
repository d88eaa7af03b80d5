"""Campaign services: creation from a frozen rubric, snapshots, the state machine, progress."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from assess.campaigns import services as cs
from assess.models import AuditEntry, CampaignState, Submission, SubmissionState
from tests.campaign_world import make_campaign, stored_rubric, submission_of


def _create(tenant, **kw):
    rubric = kw.pop("rubric", None) or stored_rubric(tenant.office)
    args = dict(name="2026年度政务公开工作绩效考核", year=2026, rubric=rubric, actor=tenant.users["office_admin"],
                group_ids=[tenant.group.id], self_deadline=cs.local_today() + timedelta(days=5))
    args.update(kw)
    return cs.create_campaign(tenant.office, **args)


def test_create_by_group_snapshots_and_freezes(db, tenant_a):
    rubric = stored_rubric(tenant_a.office)
    assert not rubric.frozen
    c = _create(tenant_a, rubric=rubric)
    assert rubric.frozen and c.state == CampaignState.DRAFT
    subs = db.session.scalars(select(Submission).where(Submission.campaign_id == c.id)).all()
    assert {s.department_name for s in subs} == {tenant_a.dept_a.name, tenant_a.dept_b.name}
    assert all(s.group_name == tenant_a.group.name and s.state == SubmissionState.NOT_STARTED for s in subs)
    # later renames don't rewrite history
    tenant_a.dept_a.name = "AAA改名局"
    db.session.flush()
    db.session.expire_all()
    assert any(s.department_name.endswith("甲局") for s in db.session.scalars(select(Submission)))
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "campaign.create")) is not None


def test_create_one_by_one_and_inactive_left_out(db, tenant_a):
    tenant_a.dept_b.active = False
    c = _create(tenant_a, group_ids=[], department_ids=[tenant_a.dept_a.id, tenant_a.dept_b.id])
    assert [s.department_id for s in c.submissions] == [tenant_a.dept_a.id]


@pytest.mark.parametrize("kw, field", [
    ({"name": "  "}, "name"),
    ({"group_ids": [], "department_ids": []}, "department_ids"),
    ({"year": 1900}, "year"),
    ({"review_start": cs.local_today() + timedelta(days=9), "review_end": cs.local_today() + timedelta(days=8)},
     "review_end"),
])
def test_create_refusals_name_the_field(db, tenant_a, kw, field):
    with pytest.raises(cs.CampaignError) as exc:
        _create(tenant_a, **kw)
    assert exc.value.field == field


def test_duplicate_name_and_foreign_rubric_refused(db, tenant_a, tenant_b):
    _create(tenant_a)
    with pytest.raises(cs.CampaignError) as exc:
        _create(tenant_a)
    assert exc.value.field == "name"
    with pytest.raises(cs.CampaignError) as exc:
        _create(tenant_a, name="另一个", rubric=stored_rubric(tenant_b.office))
    assert exc.value.field == "rubric_id"


def test_transitions_in_order_and_audited(db, tenant_a):
    c = _create(tenant_a)
    actor = tenant_a.users["office_admin"]
    with pytest.raises(cs.CampaignError, match="不能从"):
        cs.transition(c, CampaignState.PUBLISHED, actor=actor)
    cs.transition(c, CampaignState.SELF_ASSESSMENT, actor=actor)
    # self-assessment open, deadline in the future, nobody submitted → refused with the reason
    problems = cs.transition_problems(c, CampaignState.REVIEW)
    assert problems and "未提交" in problems[0]
    with pytest.raises(cs.CampaignError, match="未提交"):
        cs.transition(c, CampaignState.REVIEW, actor=actor)
    c.self_deadline = cs.local_today() - timedelta(days=1)
    cs.transition(c, CampaignState.REVIEW, actor=actor, reason="按计划", confirmed=True)  # 2 not submitted
    for target in (CampaignState.RECHECK, CampaignState.PUBLISHED, CampaignState.CLOSED):
        cs.transition(c, target, actor=actor, reason="按计划")
    assert c.state == CampaignState.CLOSED
    assert cs.next_transitions(c) == []
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.transition")).all()
    assert [e.new for e in entries][-1] == '{"state": "closed"}'


def test_precondition_registry_is_extensible(db, tenant_a):
    c = _create(tenant_a)
    check = lambda camp: "评审尚未全部完成" if camp.id == c.id else None  # noqa: E731
    cs.PRECONDITIONS[CampaignState.SELF_ASSESSMENT].append(check)
    try:
        assert "评审尚未全部完成" in cs.transition_problems(c, CampaignState.SELF_ASSESSMENT)
        with pytest.raises(cs.CampaignError):
            cs.transition(c, CampaignState.SELF_ASSESSMENT, actor=None)
    finally:
        cs.PRECONDITIONS[CampaignState.SELF_ASSESSMENT].remove(check)


def test_start_needs_deadline(db, tenant_a):
    c = _create(tenant_a, self_deadline=None)
    assert any("截止" in p for p in cs.transition_problems(c, CampaignState.SELF_ASSESSMENT))


def test_unknown_target(db, tenant_a):
    c = _create(tenant_a)
    with pytest.raises(cs.CampaignError):
        cs.transition(c, "nonsense", actor=None)


def test_progress_counts_and_filter(db, tenant_a):
    c = make_campaign(tenant_a)
    s = submission_of(c, tenant_a.dept_a)
    s.state = SubmissionState.SUBMITTED
    db.session.flush()
    rows, counts = cs.progress(c)
    assert len(rows) == 2 and counts[SubmissionState.SUBMITTED] == 1 and counts[SubmissionState.NOT_STARTED] == 1
    rows, _ = cs.progress(c, state=SubmissionState.SUBMITTED)
    assert [r.department_name for r in rows] == [tenant_a.dept_a.name]


def test_update_dates(db, tenant_a):
    c = _create(tenant_a)
    today = cs.local_today()
    cs.update_dates(c, actor=None, expected_version=c.version_id, self_deadline=today, review_start=today)
    assert c.review_start == today
    with pytest.raises(cs.CampaignError):
        cs.update_dates(c, actor=None, expected_version=c.version_id + 5, self_deadline=today)
    with pytest.raises(cs.CampaignError) as exc:
        cs.update_dates(c, actor=None, self_deadline=today, review_start=today - timedelta(days=3))
    assert exc.value.field == "review_start"


def test_department_submissions_hide_drafts(db, tenant_a):
    make_campaign(tenant_a, state=CampaignState.DRAFT, name="草稿考核")
    assert cs.department_submissions(tenant_a.dept_a.id) == []
    make_campaign(tenant_a, name="进行中")
    assert len(cs.department_submissions(tenant_a.dept_a.id)) == 1


def test_rubric_of_another_year_needs_a_deliberate_choice(db, tenant_a):
    """Issue 14: a 2027 campaign silently took the 2026 rubric (and the circular cited 《2026年度…细则》)."""
    rubric = stored_rubric(tenant_a.office)
    assert rubric.year == 2026
    with pytest.raises(cs.CampaignError) as err:
        _create(tenant_a, rubric=rubric, name="2027年度考核", year=2027)
    assert err.value.field == "rubric_id" and "2026年度" in str(err.value) and "使用其他年度的考核细则" in str(err.value)
    assert db.session.scalars(select(cs.Campaign)).all() == []
    c = _create(tenant_a, rubric=rubric, name="2027年度考核", year=2027, allow_other_year=True)
    assert c.year == 2027 and c.rubric_id == rubric.id
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.create")).one()
    assert json.loads(entry.new)["rubric_year"] == 2026


def test_review_with_departments_not_submitted_needs_confirmation(db, tenant_a):
    """Issue 14: moving to review with departments not submitted happened without a word."""
    c = _create(tenant_a)
    actor = tenant_a.users["office_admin"]
    cs.transition(c, CampaignState.SELF_ASSESSMENT, actor=actor)
    c.self_deadline = cs.local_today() - timedelta(days=1)
    assert cs.transition_problems(c, CampaignState.REVIEW) == []
    warnings = cs.transition_warnings(c, CampaignState.REVIEW)
    assert warnings == ["2个部门尚未提交自评，进入评审后这些部门将无法再填报或提交。"]
    with pytest.raises(cs.CampaignError) as err:
        cs.transition(c, CampaignState.REVIEW, actor=actor)
    assert err.value.field == "confirm" and "2个部门尚未提交自评" in str(err.value)
    assert c.state == CampaignState.SELF_ASSESSMENT
    cs.transition(c, CampaignState.REVIEW, actor=actor, confirmed=True)
    assert c.state == CampaignState.REVIEW
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.transition")
                               .order_by(AuditEntry.id.desc())).first()
    assert json.loads(entry.new)["confirmed"] == warnings


def test_recheck_before_its_start_date_needs_confirmation(db, tenant_a):
    """Issue 14: opening the appeal stage before recheck_start happened without a word."""
    c = _create(tenant_a, recheck_start=cs.local_today() + timedelta(days=6))
    c.state = CampaignState.REVIEW
    warnings = cs.transition_warnings(c, CampaignState.RECHECK)
    assert len(warnings) == 1 and f"复核（申诉）开始日期为{c.recheck_start.isoformat()}" in warnings[0]
    with pytest.raises(cs.CampaignError, match="提前开启复核"):
        cs.transition(c, CampaignState.RECHECK, actor=None)
    assert c.state == CampaignState.REVIEW
    c.recheck_start = cs.local_today()
    assert cs.transition_warnings(c, CampaignState.RECHECK) == []
    cs.transition(c, CampaignState.RECHECK, actor=None)
    assert c.state == CampaignState.RECHECK


def test_publishing_before_the_appeal_deadline_needs_confirmation(db, tenant_a):
    """Publishing ends the appeal stage: before recheck_end the office is told so and must confirm."""
    c = _create(tenant_a, recheck_end=cs.local_today() + timedelta(days=2))
    c.state = CampaignState.RECHECK
    warnings = cs.transition_warnings(c, CampaignState.PUBLISHED)
    assert len(warnings) == 1 and f"复核（申诉）截止日期为{c.recheck_end.isoformat()}" in warnings[0]
    assert "不能再提出申诉" in warnings[0]
    c.recheck_end = cs.local_today() - timedelta(days=1)
    assert cs.transition_warnings(c, CampaignState.PUBLISHED) == []
