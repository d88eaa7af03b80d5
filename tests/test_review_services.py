"""Review services: assignment and conflicts of interest, scores and bounds, two reviewers and the lead,
optimistic concurrency, re-check contests, the decided result, waterfall, audit."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from assess.admin import services as admin
from assess.audit.services import verify_chain
from assess.models import (AuditEntry, CampaignState, IndicatorResult, Membership, ReviewScore,
                           Role, SubmissionState)
from assess.models.base import utcnow
from assess.review import base as review_base
from assess.review import scoring as review_scoring
from assess.review import services as rs
from tests.review_factories import make_campaign, make_submission

D = Decimal


@pytest.fixture()
def world(db, tenant_a):
    t = tenant_a
    t.reviewer2 = admin.create_user(actor=None, username="office-a-reviewer2", display_name="AAA评审二",
                                    role=Role.REVIEWER, office=t.office)
    t.campaign = make_campaign(t.office)
    t.sub_a = make_submission(t.campaign, t.dept_a, explanation="SECRET-DEPT-A 说明")
    t.sub_b = make_submission(t.campaign, t.dept_b)
    db.session.flush()
    return t


def _result(sub, code) -> IndicatorResult:
    from assess.extensions import db

    return db.session.scalar(select(IndicatorResult).where(
        IndicatorResult.department_id == sub.department_id, IndicatorResult.campaign_id == sub.campaign_id,
        IndicatorResult.indicator_code == code))


# --- assignment ------------------------------------------------------------------------------------------


def test_assign_first_reviewer_leads_and_at_most_two(world):
    w = world
    a1 = rs.assign(w.campaign, w.dept_a.id, w.users["reviewer"], actor=w.users["office_admin"])
    a2 = rs.assign(w.campaign, w.dept_a.id, w.reviewer2, actor=None)
    assert a1.is_lead and not a2.is_lead
    with pytest.raises(rs.ReviewError, match="两名"):
        rs.assign(w.campaign, w.dept_a.id, w.users["office_admin"], actor=None)
    with pytest.raises(rs.ReviewError, match="已被分配"):
        rs.assign(w.campaign, w.dept_a.id, w.reviewer2, actor=None)


def test_assign_refuses_non_reviewers_and_conflicts(world, db):
    w = world
    with pytest.raises(rs.ReviewError) as exc:
        rs.assign(w.campaign, w.dept_a.id, w.users["dept_b_admin"], actor=None)
    assert exc.value.field == "reviewer_id"
    # belonged to department A until 100 days ago: conflict (default 365 days)
    db.session.add(Membership(office_id=w.office.id, user_id=w.reviewer2.id, department_id=w.dept_a.id,
                              started_at=utcnow() - timedelta(days=900), ended_at=utcnow() - timedelta(days=100)))
    db.session.flush()
    with pytest.raises(rs.ReviewError, match="利益冲突"):
        rs.assign(w.campaign, w.dept_a.id, w.reviewer2, actor=None)
    assert rs.has_conflict(w.reviewer2, w.dept_a.id)
    assert not rs.has_conflict(w.reviewer2, w.dept_a.id, days=30)
    assert not rs.has_conflict(w.reviewer2, w.dept_b.id)


def test_assign_many_collects_refusals(world, db):
    w = world
    db.session.add(Membership(office_id=w.office.id, user_id=w.reviewer2.id, department_id=w.dept_b.id))
    db.session.flush()
    out = rs.assign_many(w.campaign, [w.dept_a.id, w.dept_b.id], w.users["reviewer"], second=w.reviewer2, actor=None)
    assert out.assigned == 3 and len(out.skipped) == 1 and "利益冲突" in out.skipped[0]
    assert [a.reviewer_id for a in rs.assignments_of(w.campaign, w.dept_b.id)] == [w.users["reviewer"].id]


def test_unassign_refused_once_scored(world):
    w = world
    a = rs.assign(w.campaign, w.dept_a.id, w.users["reviewer"], actor=None)
    rs.save_score(w.sub_a, "A1", actor=w.users["reviewer"], version=0, accept=True)
    with pytest.raises(rs.ReviewError, match="不能取消"):
        rs.unassign(a, actor=None)


# --- reviewing -------------------------------------------------------------------------------------------


def test_accept_sets_self_score_and_result(world):
    w = world
    rs.assign(w.campaign, w.dept_a.id, w.users["reviewer"], actor=None)
    row = rs.save_score(w.sub_a, "A1", actor=w.users["reviewer"], version=0, accept=True)
    assert row.score == D(3)
    r = _result(w.sub_a, "A1")
    assert (r.self_score, r.suggested_score, r.reviewed_score, r.final_score) == (D(3), D(3), D(3), D(3))
    assert r.decided_by_id == w.users["reviewer"].id


def test_deduction_needs_problem_and_bounds(world):
    w = world
    rev = w.users["reviewer"]
    rs.assign(w.campaign, w.dept_a.id, rev, actor=None)
    with pytest.raises(rs.ReviewError) as exc:
        rs.save_score(w.sub_a, "A2", actor=rev, version=0, score="1")
    assert exc.value.field == "problem" and "问题描述" in str(exc.value)
    with pytest.raises(rs.ReviewError) as exc:
        rs.save_score(w.sub_a, "A1", actor=rev, version=0, score="7", problem="x")
    assert exc.value.field == "score" and "0至3" in str(exc.value)
    with pytest.raises(rs.ReviewError) as exc:
        rs.save_score(w.sub_a, "A3", actor=rev, version=0, score="1.25", problem="x")
    assert exc.value.field == "score"
    with pytest.raises(rs.ReviewError):
        rs.save_score(w.sub_a, "A3", actor=rev, version=0, score="abc", problem="x")
    with pytest.raises(rs.ReviewError) as exc:
        rs.save_score(w.sub_a, "A1", actor=rev, version=0, score="1", problem="x")
    assert exc.value.field == "score" and "3分的整数倍" in str(exc.value)
    assert not _result(w.sub_a, "A1")  # nothing written by the refusals
    rs.save_score(w.sub_a, "A1", actor=rev, version=0, score="0", problem="SECRET-DEPT-A 未见领导小组文件",
                  reason="文件缺失", evidence_url="https://example.gov.cn/a1", evidence_title="网站截图说明")
    r = _result(w.sub_a, "A1")
    assert r.final_score == D(0) and "领导小组" in r.problem
    ev = w.sub_a and rs.evidence_for(w.office.id, "review", [review_base._scores(w.sub_a, "A1")[0].id])
    assert list(ev.values())[0][0].url == "https://example.gov.cn/a1"


def test_bad_evidence_link_refused(world):
    w = world
    rs.assign(w.campaign, w.dept_a.id, w.users["reviewer"], actor=None)
    with pytest.raises(rs.ReviewError) as exc:
        rs.save_score(w.sub_a, "A1", actor=w.users["reviewer"], version=0, accept=True, evidence_url="javascript:x")
    assert exc.value.field == "evidence_url"


def test_unassigned_reviewer_and_wrong_state_refused(world):
    w = world
    with pytest.raises(rs.ReviewError, match="未被分配"):
        rs.save_score(w.sub_a, "A1", actor=w.users["reviewer"], version=0, accept=True)
    rs.assign(w.campaign, w.dept_a.id, w.users["reviewer"], actor=None)
    w.campaign.state = CampaignState.RECHECK
    with pytest.raises(rs.ReviewError, match="评审阶段"):
        rs.save_score(w.sub_a, "A1", actor=w.users["reviewer"], version=0, accept=True)


def test_not_submitted_refused(world):
    w = world
    rs.assign(w.campaign, w.dept_a.id, w.users["reviewer"], actor=None)
    w.sub_a.state = SubmissionState.IN_PROGRESS
    with pytest.raises(rs.ReviewError, match="尚未提交"):
        rs.save_score(w.sub_a, "A1", actor=w.users["reviewer"], version=0, accept=True)


def test_stale_version_refused_not_overwritten(world):
    w = world
    rev, adm = w.users["reviewer"], w.users["office_admin"]
    rs.assign(w.campaign, w.dept_a.id, rev, actor=None)
    row = rs.save_score(w.sub_a, "A1", actor=rev, version=0, accept=True)
    v = row.version_id
    # the office administrator edits the reviewer's score from the same version first
    rs.save_score(w.sub_a, "A1", actor=adm, version=v, score="0", problem="未见文件")
    with pytest.raises(rs.ReviewError) as exc:
        rs.save_score(w.sub_a, "A1", actor=rev, version=v, score="3")
    assert exc.value.field == "version" and f"第{v}版" in str(exc.value) and "当前为0分" in str(exc.value)
    assert _result(w.sub_a, "A1").final_score == D(0)


def test_veto_item(world):
    w = world
    rev = w.users["reviewer"]
    rs.assign(w.campaign, w.dept_a.id, rev, actor=None)
    with pytest.raises(rs.ReviewError, match="一票否决"):
        rs.save_score(w.sub_a, "V1", actor=rev, version=0, veto=True)
    rs.save_score(w.sub_a, "V1", actor=rev, version=0, veto=True, problem="发现泄密事件")
    r = _result(w.sub_a, "V1")
    assert r.veto and r.final_score == D(0)


# --- two reviewers -----------------------------------------------------------------------------------------


def test_two_reviewers_within_threshold_take_lead_score(world):
    w = world
    r1, r2 = w.users["reviewer"], w.reviewer2
    rs.assign(w.campaign, w.dept_a.id, r1, actor=None)
    rs.assign(w.campaign, w.dept_a.id, r2, actor=None)
    rs.save_score(w.sub_a, "A3", actor=r2, version=0, score="1.5", problem="只开过两次会")
    assert _result(w.sub_a, "A3").reviewed_score is None  # waiting for the second reviewer
    rs.save_score(w.sub_a, "A3", actor=r1, version=0, score="1", problem="仅一次专题会议")
    r = _result(w.sub_a, "A3")
    assert not r.needs_lead and r.final_score == D(1) and r.decided_by_id == r1.id


def test_two_reviewers_above_threshold_need_lead_decision(world):
    w = world
    r1, r2 = w.users["reviewer"], w.reviewer2
    rs.assign(w.campaign, w.dept_a.id, r1, actor=None)
    rs.assign(w.campaign, w.dept_a.id, r2, actor=None)
    rs.save_score(w.sub_a, "A1", actor=r1, version=0, accept=True)
    rs.save_score(w.sub_a, "A1", actor=r2, version=0, score="0", problem="文件未盖章")
    r = _result(w.sub_a, "A1")
    assert r.needs_lead and r.final_score is None
    assert rs.review_complete(w.campaign) is not None
    with pytest.raises(rs.ReviewError, match="组长"):
        rs.lead_decide(w.sub_a, "A1", actor=r2, version=r.version_id, score="0", problem="p", reason="r")
    with pytest.raises(rs.ReviewError) as exc:
        rs.lead_decide(w.sub_a, "A1", actor=r1, version=r.version_id, score="0", problem="p", reason="")
    assert exc.value.field == "reason"
    with pytest.raises(rs.ReviewError) as exc:
        rs.lead_decide(w.sub_a, "A1", actor=r1, version=r.version_id - 1, score="0", problem="p", reason="x")
    assert exc.value.field == "version"
    rs.lead_decide(w.sub_a, "A1", actor=r1, version=r.version_id, score="0", problem="领导小组文件未正式印发",
                   reason="经核对原件")
    r = _result(w.sub_a, "A1")
    assert not r.needs_lead and r.final_score == D(0) and r.decided_by_id == r1.id and r.decision_reason == "经核对原件"


def test_review_complete(world):
    w = world
    rev = w.users["reviewer"]
    rs.assign(w.campaign, w.dept_a.id, rev, actor=None)
    rs.assign(w.campaign, w.dept_b.id, rev, actor=None)
    assert "2个部门" in rs.review_complete(w.campaign)
    for sub in (w.sub_a, w.sub_b):
        for code in rs.indicator_codes(rs.rubric_of(w.campaign)):
            rs.save_score(sub, code, actor=rev, version=0, accept=True)
    assert rs.review_complete(w.campaign) is None


# --- re-check ----------------------------------------------------------------------------------------------


def _deduct(w, code="A1"):
    rs.assign(w.campaign, w.dept_a.id, w.users["reviewer"], actor=None)
    rs.save_score(w.sub_a, code, actor=w.users["reviewer"], version=0, score="0", problem="未见领导小组文件")
    w.campaign.state = CampaignState.RECHECK
    w.campaign.recheck_end = date.today() + timedelta(days=5)


def test_contest_rules(world):
    w = world
    _deduct(w)
    editor = w.users["dept_editor"]
    with pytest.raises(rs.ReviewError, match="没有扣分"):
        rs.create_contest(w.sub_a, "A2", actor=editor, explanation="x")
    with pytest.raises(rs.ReviewError) as exc:
        rs.create_contest(w.sub_a, "A1", actor=editor, explanation="长" * 501)
    assert exc.value.field == "explanation" and "500" in str(exc.value)
    with pytest.raises(rs.ReviewError, match="本部门"):
        rs.create_contest(w.sub_a, "A1", actor=w.users["dept_b_editor"], explanation="x")
    with pytest.raises(rs.ReviewError, match="已结束"):
        rs.create_contest(w.sub_a, "A1", actor=editor, explanation="x", today=date.today() + timedelta(days=6))
    c = rs.create_contest(w.sub_a, "A1", actor=editor, explanation="文件已于3月印发，见附件",
                          evidence_url="https://example.gov.cn/doc")
    with pytest.raises(rs.ReviewError, match="已提出"):
        rs.create_contest(w.sub_a, "A1", actor=editor, explanation="again")
    assert c.id and rs.evidence_for(w.office.id, "contest", [c.id])[c.id][0].url == "https://example.gov.cn/doc"


def test_contest_answered_by_another_reviewer(world):
    w = world
    _deduct(w)
    c = rs.create_contest(w.sub_a, "A1", actor=w.users["dept_editor"], explanation="已印发")
    # the reviewer who deducted may not answer while the office has other reviewers
    with pytest.raises(rs.ReviewError, match="其他评审"):
        rs.answer_contest(c, actor=w.users["reviewer"], outcome="changed", new_score="3", reason="x", version=c.version_id)
    adm = w.users["office_admin"]
    with pytest.raises(rs.ReviewError) as exc:
        rs.answer_contest(c, actor=adm, outcome="partly", new_score="3", reason="x", version=c.version_id)
    assert exc.value.field == "new_score"
    with pytest.raises(rs.ReviewError) as exc:
        rs.answer_contest(c, actor=adm, outcome="changed", new_score="3", reason="", version=c.version_id)
    assert exc.value.field == "reason"
    rs.answer_contest(c, actor=adm, outcome="changed", new_score="3", reason="核实文件已正式印发",
                      version=c.version_id)
    r = _result(w.sub_a, "A1")
    assert (r.reviewed_score, r.recheck_score, r.final_score) == (D(0), D(3), D(3))
    with pytest.raises(rs.ReviewError, match="第1版"):
        rs.answer_contest(c, actor=adm, outcome="upheld", reason="y", version=1)
    rs.answer_contest(c, actor=adm, outcome="upheld", reason="复查后维持", version=c.version_id)
    assert _result(w.sub_a, "A1").final_score == D(0)


def test_waterfall_steps(world):
    w = world
    _deduct(w)
    c = rs.create_contest(w.sub_a, "A1", actor=w.users["dept_editor"], explanation="已印发")
    rs.answer_contest(c, actor=w.users["office_admin"], outcome="changed", new_score="3", reason="核实",
                      version=c.version_id)
    steps = rs.waterfall(w.sub_a, "A1")
    assert [s.key for s in steps] == ["self", "suggested", "review", "contest", "recheck", "final"]
    assert [s.score for s in steps] == [D(3), D(3), D(0), None, D(3), D(3)]
    assert steps[2].problem == "未见领导小组文件" and steps[4].who == "AAAoffice_admin"


def test_audit_records_every_change_and_chain_holds(world, db):
    w = world
    _deduct(w)
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.department_id == w.dept_a.id)))
    assert {"review.assign", "review.score", "result.update"} <= actions
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "review.score")).first()
    assert '"未见领导小组文件"' in entry.new and entry.old == "null"
    assert verify_chain(w.office.id).ok


def test_bulk_review_uses_decide(world, db):
    w = world
    r1, r2 = w.users["reviewer"], w.reviewer2
    rs.assign(w.campaign, w.dept_a.id, r1, actor=None)
    rs.assign(w.campaign, w.dept_b.id, r1, actor=None)
    rs.assign(w.campaign, w.dept_b.id, r2, actor=None)
    codes = rs.indicator_codes(rs.rubric_of(w.campaign))
    answers = review_base._answers(w.sub_a)
    own = {c: (answers[c].self_score if answers[c].self_score is not None else D(0), "", "") for c in codes}
    deducted = dict(own, A1=(D(0), "未见文件", "核查"))
    other = dict(own, A2=(D(0), "人员不明", ""))  # differs from r1 by 3 > threshold 1 → lead decision
    n = rs.bulk_review(w.campaign, {w.dept_a.id: {r1.id: deducted}, w.dept_b.id: {r1.id: own, r2.id: other}},
                       leads={(w.dept_b.id, "A2"): (D(2), "人员变动未补位", "核对名单", r1.id)})
    db.session.expire_all()
    assert n == 2 * len(codes)
    a1 = _result(w.sub_a, "A1")
    assert (a1.final_score, a1.problem, a1.decided_by_id) == (D(0), "未见文件", r1.id)
    b2 = _result(w.sub_b, "A2")
    assert (b2.final_score, b2.problem, b2.needs_lead) == (D(2), "人员变动未补位", False)
    assert rs.review_complete(w.campaign) is None
    # the same result as the one-by-one path would give
    before = {c: _result(w.sub_a, c).final_score for c in codes}
    rs.refresh_submission(w.sub_a)
    assert {c: _result(w.sub_a, c).final_score for c in codes} == before


def test_suggestions_survive_faulty_figures(world):
    w = world
    rubric = rs.rubric_of(w.campaign)
    answers = review_base._answers(w.sub_a)
    answers["A3"].inputs = '{"meetings": -4}'
    sugg = rs.suggestions(rubric, answers)
    assert sugg["A3"].problems and sugg["A1"].score == D(3)


def test_reviewer_file_evidence_checked_by_content(world):
    from tests.review_factories import PNG

    w = world
    rev = w.users["reviewer"]
    rs.assign(w.campaign, w.dept_a.id, rev, actor=None)
    with pytest.raises(rs.ReviewError) as exc:
        rs.save_score(w.sub_a, "A1", actor=rev, version=0, score="0", problem="p",
                      evidence_file=("shot.png", b"MZ\x90\x00 not an image"))
    assert exc.value.field == "evidence_file" and "不支持的文件类型" in str(exc.value)
    row = rs.save_score(w.sub_a, "A1", actor=rev, version=0, score="0", problem="栏目空白",
                        evidence_title="栏目截图", evidence_file=("shot.png", PNG))
    ev = rs.evidence_for(w.office.id, "review", [row.id])[row.id]
    assert [(e.kind.value, e.title, e.content_type) for e in ev] == [("file", "栏目截图", "image/png")]
    assert [s for s in rs.waterfall(w.sub_a, "A1") if s.key == "review"][0].evidence[0].id == ev[0].id


def test_concurrent_commit_between_read_and_write_is_refused(world, db, monkeypatch):
    """Another transaction saving the same score after this one read it: refused, never overwritten."""
    from sqlalchemy import update

    w = world
    rev = w.users["reviewer"]
    rs.assign(w.campaign, w.dept_a.id, rev, actor=None)
    row = rs.save_score(w.sub_a, "A2", actor=rev, version=0, accept=True)
    v = row.version_id
    real = review_scoring.utcnow

    def meanwhile():  # runs between the read and the UPDATE: someone else's committed save
        db.session.execute(update(ReviewScore.__table__).where(ReviewScore.__table__.c.id == row.id)
                           .values(score=D(1), version_id=v + 1))
        return real()

    monkeypatch.setattr(review_scoring, "utcnow", meanwhile)
    with pytest.raises(rs.ReviewError) as exc:
        rs.save_score(w.sub_a, "A2", actor=rev, version=v, score="2", problem="x")
    assert exc.value.field == "version"


def test_set_lead_redecides_results(world):
    w = world
    r1, r2 = w.users["reviewer"], w.reviewer2
    rs.assign(w.campaign, w.dept_a.id, r1, actor=None)
    a2 = rs.assign(w.campaign, w.dept_a.id, r2, actor=None)
    rs.save_score(w.sub_a, "A3", actor=r1, version=0, score="1.5", problem="只开过两次会")
    rs.save_score(w.sub_a, "A3", actor=r2, version=0, score="1", problem="仅一次专题会议")
    assert _result(w.sub_a, "A3").final_score == D("1.5")
    rs.set_lead(a2, actor=w.users["office_admin"])
    assert _result(w.sub_a, "A3").final_score == D(1) and _result(w.sub_a, "A3").decided_by_id == r2.id


# --- issue 14 ------------------------------------------------------------------------------------------------


def _unclaimed(sub, code="X1"):
    """The department did not claim this bonus item: no figures, no self-score."""
    a = review_base._answers(sub)[code]
    a.inputs, a.self_score = "{}", None


def test_accepting_an_unclaimed_bonus_gives_zero_without_a_problem(world, db):
    w = world
    rev = w.users["reviewer"]
    _unclaimed(w.sub_a)
    db.session.flush()
    rs.assign(w.campaign, w.dept_a.id, rev, actor=None)
    row = rs.save_score(w.sub_a, "X1", actor=rev, version=0, accept=True)
    assert (row.score, row.problem) == (D(0), "")
    r = _result(w.sub_a, "X1")
    assert (r.final_score, r.problem) == (D(0), "")
    assert "X1" not in [x.indicator_code for x in rs.deductions(w.sub_a)]
    assert "X1" not in [f.code for f in rs.standing_findings(w.campaign)]


def test_progress_counts_only_submitted_departments(world):
    """Issue 14: a reviewer's progress read 0/504 — departments that never submitted were counted."""
    w = world
    rev = w.users["reviewer"]
    w.sub_b.state = SubmissionState.NOT_STARTED
    rs.assign(w.campaign, w.dept_a.id, rev, actor=None)
    rs.save_score(w.sub_a, "A1", actor=rev, version=0, accept=True)
    n = len(rs.indicator_codes(rs.rubric_of(w.campaign)))
    summary = rs.progress_summary(rs.progress(w.campaign))
    assert (summary.done, summary.total, summary.departments, summary.not_submitted) == (1, n, 1, 1)


def test_contest_answer_decides_with_a_second_reviewer_assigned_for_it(world, db):
    """Issue 14: a second reviewer assigned to answer a contest turned the indicator back into 尚未定分;
    the answer 予以更正 left it there and publication was blocked."""
    w = world
    _deduct(w)
    rs.assign(w.campaign, w.dept_a.id, w.reviewer2, actor=w.users["office_admin"])  # in the re-check stage
    c = rs.create_contest(w.sub_a, "A1", actor=w.users["dept_editor"], explanation="文件已印发，见附件")
    rs.answer_contest(c, actor=w.reviewer2, outcome="changed", new_score="3", reason="核实文件已正式印发",
                      version=c.version_id)
    r = _result(w.sub_a, "A1")
    assert (r.reviewed_score, r.recheck_score, r.final_score) == (D(0), D(3), D(3))
    assert rs.review_complete(w.campaign) is None or "A1" not in rs.review_complete(w.campaign)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "result.update")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.actor_id == w.reviewer2.id and '"final": "3' in entry.new and '"final": "0' in entry.old
    assert entry.reason == "核实文件已正式印发"
    # removing the second reviewer again changes nothing
    rs.unassign(next(a for a in rs.assignments_of(w.campaign, w.dept_a.id) if a.reviewer_id == w.reviewer2.id),
                actor=w.users["office_admin"])
    assert _result(w.sub_a, "A1").final_score == D(3)


def test_upheld_contest_decides_too(world):
    w = world
    _deduct(w)
    rs.assign(w.campaign, w.dept_a.id, w.reviewer2, actor=None)
    c = rs.create_contest(w.sub_a, "A1", actor=w.users["dept_editor"], explanation="已印发")
    rs.answer_contest(c, actor=w.reviewer2, outcome="upheld", reason="未见正式文件", version=c.version_id)
    assert c.new_score == D(0) and _result(w.sub_a, "A1").final_score == D(0)


def test_unassigning_the_reviewer_who_never_scored_decides_the_waiting_results(world):
    w = world
    rs.assign(w.campaign, w.dept_a.id, w.users["reviewer"], actor=None)
    a2 = rs.assign(w.campaign, w.dept_a.id, w.reviewer2, actor=None)
    rs.save_score(w.sub_a, "A1", actor=w.users["reviewer"], version=0, accept=True)
    assert _result(w.sub_a, "A1").final_score is None  # waiting for the second reviewer
    rs.unassign(a2, actor=w.users["office_admin"])
    assert _result(w.sub_a, "A1").final_score == D(3)


def test_what_blocks_the_next_stage_is_named_with_department_indicator_and_cause(world):
    """Issue 14: publication was blocked with no message saying what and where."""
    w = world
    r1, r2 = w.users["reviewer"], w.reviewer2
    rs.assign(w.campaign, w.dept_a.id, r1, actor=None)
    rs.assign(w.campaign, w.dept_a.id, r2, actor=None)
    codes = rs.indicator_codes(rs.rubric_of(w.campaign))
    for code in codes:
        rs.save_score(w.sub_a, code, actor=r1, version=0, accept=True)
        if code not in ("A1", "A2"):
            rs.save_score(w.sub_a, code, actor=r2, version=0, accept=True)
    rs.save_score(w.sub_a, "A1", actor=r2, version=0, score="0", problem="文件未盖章")  # differs by 3 > 1
    text = rs.review_complete(w.campaign)
    a, b = w.dept_a.name, w.dept_b.name
    assert f"{a}：A1（两名评审人员评分相差超过阈值，待组长裁定）" in text
    assert f"{a}：A2（待AAA评审二评分）" in text
    assert f"{b}：全部{len(codes)}项指标（未分配评审人员）" in text
    # a contest left unanswered blocks publication, named too
    from assess.campaigns.services import transition_problems

    rs.lead_decide(w.sub_a, "A1", actor=r1, version=_result(w.sub_a, "A1").version_id, score="0",
                   problem="未见领导小组文件", reason="核对原件")
    rs.save_score(w.sub_a, "A2", actor=r2, version=0, accept=True)
    rs.assign(w.campaign, w.dept_b.id, r1, actor=None)
    for code in codes:
        rs.save_score(w.sub_b, code, actor=r1, version=0, accept=True)
    assert rs.review_complete(w.campaign) is None
    w.campaign.state = CampaignState.RECHECK
    w.campaign.recheck_end = date.today() + timedelta(days=5)
    rs.create_contest(w.sub_a, "A1", actor=w.users["dept_editor"], explanation="已印发")
    assert transition_problems(w.campaign, CampaignState.PUBLISHED) == [f"尚有1项复核申请未答复：{a} A1。"]


def test_only_standing_findings_flow_downstream(world, db):
    """Issue 14: a finding a contest overturned still appeared in the problem export, the circular draft and
    the rectification notices (with its deducted points)."""
    from assess.documents.builders import circular_defaults, scoresheet_context
    from assess.ranking import analytics, exports
    from assess.ranking.services import publish_ranking
    from assess.rectification.generation import problem_rows

    w = world
    rev, adm = w.users["reviewer"], w.users["office_admin"]
    for sub in (w.sub_a, w.sub_b):
        rs.assign(w.campaign, sub.department_id, rev, actor=None)
        for code in rs.indicator_codes(rs.rubric_of(w.campaign)):
            if (sub, code) == (w.sub_a, "A1"):
                rs.save_score(sub, code, actor=rev, version=0, score="0", problem="未见领导小组文件")
            elif (sub, code) == (w.sub_a, "A2"):
                rs.save_score(sub, code, actor=rev, version=0, score="1", problem="专职人员未明确",
                              evidence_url="https://example.gov.cn/a2", evidence_title="机构页面")
            else:
                rs.save_score(sub, code, actor=rev, version=0, accept=True)
    w.campaign.state = CampaignState.RECHECK
    w.campaign.recheck_end = date.today() + timedelta(days=5)
    c = rs.create_contest(w.sub_a, "A1", actor=w.users["dept_editor"], explanation="文件已印发")
    rs.answer_contest(c, actor=adm, outcome="changed", new_score="3", reason="核实已印发", version=c.version_id)

    found = rs.standing_findings(w.campaign)
    assert [(f.department_id, f.code, f.problem, f.deducted) for f in found] == [
        (w.dept_a.id, "A2", "专职人员未明确", D(2))]
    assert [e.url for e in found[0].evidence] == ["https://example.gov.cn/a2"]
    assert found[0].department_name == w.dept_a.name and found[0].title
    headers, rows = exports.problem_list(w.campaign)
    assert [r[2] for r in rows] == ["A2"] and "未见领导小组文件" not in str(rows)
    assert [p["code"] for p in analytics.problems(w.campaign)] == ["A2"]
    notice_rows = {r.indicator_code: r for r, _ind, _d in problem_rows(w.campaign)[w.dept_a.id]}
    assert "A1" not in notice_rows and notice_rows["A2"].problem == "专职人员未明确"
    publish_ranking(w.campaign, adm)
    text = circular_defaults(w.campaign, w.office)["problems"]
    assert "专职人员未明确" in text and "领导小组文件" not in text
    sheet = scoresheet_context(w.campaign, w.office, w.dept_a.id, date=date.today())  # the department's score sheet
    problems = {r.code: r.problem for r in sheet.rows}
    assert problems["A2"] == "专职人员未明确" and problems["A1"] == ""


def test_a_partly_granted_contest_leaves_the_finding_standing_with_what_is_still_deducted(world):
    w = world
    _deduct(w, "A3")
    self_score = _result(w.sub_a, "A3").self_score
    c = rs.create_contest(w.sub_a, "A3", actor=w.users["dept_editor"], explanation="会议纪要见附件")
    rs.answer_contest(c, actor=w.users["office_admin"], outcome="partly", new_score="1", reason="部分核实",
                      version=c.version_id)
    assert [(f.code, f.deducted) for f in rs.standing_findings(w.campaign)] == [("A3", self_score - 1)]


def test_accept_rest_of_an_area_and_of_the_department(world, db):
    """Issue 14: bulk accept — each acceptance its own audit entry; what needs a reviewer's look is skipped."""
    w = world
    rev = w.users["reviewer"]
    rs.assign(w.campaign, w.dept_a.id, rev, actor=None)
    rubric = rs.rubric_of(w.campaign)
    answers = review_base._answers(w.sub_a)
    answers["A4"].self_score, answers["A4"].inputs = None, '{"has_plan": false}'  # accepting 0 needs a problem
    answers["A5"].self_score, answers["A5"].inputs = D(1), '{"trainings": 0}'  # above what its figures justify
    db.session.flush()
    rs.save_score(w.sub_a, "A1", actor=rev, version=0, score="0", problem="未见领导小组文件")  # already scored
    out = rs.accept_rest(w.sub_a, actor=rev, section="A")
    area_a = [i.code for i in rubric.areas[0].indicators]
    assert set(out.accepted) == set(area_a) - {"A1", "A4", "A5"}
    why = dict(out.skipped)
    assert set(why) == {"A4", "A5"} and "问题描述" in why["A4"] and "高于规则建议分" in why["A5"]
    assert _result(w.sub_a, "A1").final_score == D(0)  # the reviewer's own score is kept
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "review.score",
                                                          AuditEntry.department_id == w.dept_a.id)).all()
    assert len(entries) == 1 + len(out.accepted)  # one per acceptance
    # the rest of the department: everything not scored and not needing a look
    out = rs.accept_rest(w.sub_a, actor=rev)
    assert "A1" not in out.accepted and not set(out.accepted) & set(area_a)
    assert {"A4", "A5"} <= dict(out.skipped).keys()
    n = len(rs.indicator_codes(rubric))
    assert len(review_base._scores(w.sub_a)) == n - 2
    with pytest.raises(rs.ReviewError) as exc:
        rs.accept_rest(w.sub_a, actor=rev, section="nope")
    assert exc.value.field == "section"
    w.campaign.state = CampaignState.RECHECK
    with pytest.raises(rs.ReviewError, match="评审阶段"):
        rs.accept_rest(w.sub_a, actor=rev)


def test_review_complete_never_passes_on_scored_but_undecided_indicators(world, db):
    w = world
    rev = w.users["reviewer"]
    for sub in (w.sub_a, w.sub_b):
        rs.assign(w.campaign, sub.department_id, rev, actor=None)
        for code in rs.indicator_codes(rs.rubric_of(w.campaign)):
            rs.save_score(sub, code, actor=rev, version=0, accept=True)
    assert rs.review_complete(w.campaign) is None
    _result(w.sub_a, "A1").final_score = None  # a result out of step with its scores
    db.session.flush()
    assert f"{w.dept_a.name}：A1（尚未定分）" in rs.review_complete(w.campaign)


# --- conflict of interest at every save, not only at assignment (issue 15) --------------------------------


def _move_through(w, user, dept):
    """The office moves ``user`` into ``dept`` and back to reviewing: a membership that ended just now."""
    adm = w.users["office_admin"]
    admin.change_user_role(user, Role.DEPT_EDITOR, dept, actor=adm)
    admin.change_user_role(user, Role.REVIEWER, None, actor=adm)


def test_a_reviewer_moved_into_the_department_after_assignment_cannot_score_it(world, db):
    w = world
    rev = w.users["reviewer"]
    rs.assign(w.campaign, w.dept_a.id, rev, actor=None)
    rs.assign(w.campaign, w.dept_b.id, rev, actor=None)
    rs.save_score(w.sub_a, "A1", actor=rev, version=0, accept=True)
    _move_through(w, rev, w.dept_a)
    before = db.session.scalars(select(ReviewScore).where(ReviewScore.reviewer_id == rev.id)).all()
    with pytest.raises(rs.ReviewError, match="利益冲突"):
        rs.save_score(w.sub_a, "A2", actor=rev, version=0, accept=True)
    with pytest.raises(rs.ReviewError, match="利益冲突"):
        rs.accept_rest(w.sub_a, actor=rev)
    assert db.session.scalars(select(ReviewScore).where(ReviewScore.reviewer_id == rev.id)).all() == before
    rs.save_score(w.sub_b, "A1", actor=rev, version=0, accept=True)  # another department: still fine


def test_a_lead_moved_into_the_department_cannot_decide_it(world, db):
    w = world
    rev = w.users["reviewer"]
    rs.assign(w.campaign, w.dept_a.id, rev, actor=None)
    _move_through(w, rev, w.dept_a)
    with pytest.raises(rs.ReviewError, match="利益冲突"):
        rs.lead_decide(w.sub_a, "A1", actor=rev, version=0, score="3", reason="裁定")


def test_a_reviewer_moved_into_the_department_cannot_answer_its_contest(world, db):
    w = world
    _deduct(w)
    rs.assign(w.campaign, w.dept_a.id, w.reviewer2, actor=None)
    c = rs.create_contest(w.sub_a, "A1", actor=w.users["dept_editor"], explanation="已印发")
    assert rs.may_answer(c, w.reviewer2) is None
    _move_through(w, w.reviewer2, w.dept_a)
    assert "利益冲突" in (rs.may_answer(c, w.reviewer2) or "")
    with pytest.raises(rs.ReviewError, match="利益冲突"):
        rs.answer_contest(c, actor=w.reviewer2, outcome="changed", new_score="3", reason="x", version=c.version_id)
    assert _result(w.sub_a, "A1").final_score == D(0)
