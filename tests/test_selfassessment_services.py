"""Self-assessment services: saving drafts, validation at the field, suggestions, conflicts, the flow,
late marking, readiness, carry-over, the Excel round-trip."""
from __future__ import annotations

import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from assess import scoring
from assess.selfassessment import evidence as ev
from assess.models import AuditEntry, CampaignState, SubmissionState
from assess.selfassessment import excel
from assess.selfassessment import services as sa
from tests.campaign_world import fill_all, make_campaign, pdf_bytes, submission_of


@pytest.fixture()
def sub(db, tenant_a):
    return submission_of(make_campaign(tenant_a), tenant_a.dept_a)


@pytest.fixture()
def editor(tenant_a):
    return tenant_a.users["dept_editor"]


def test_save_draft_suggests_and_audits(db, sub, editor):
    r = sa.save_answer(sub, "E1", actor=editor, inputs={"received": "4", "answered_on_time": "3"},
                       explanation="收到申请4件")
    assert r.suggested == Decimal("3.00") and "按时答复率" in r.explanation
    assert r.answer.self_score == Decimal("3.00") and r.answer.version_id == 1
    assert json.loads(r.answer.inputs) == {"answered_on_time": "3", "received": "4"}
    db.session.refresh(sub)
    assert sub.state == SubmissionState.IN_PROGRESS
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "answer.save")).one()
    assert entry.department_id == sub.department_id and "收到申请4件" in entry.new


def test_partial_draft_has_no_suggestion(db, sub, editor):
    r = sa.save_answer(sub, "E1", actor=editor, inputs={"received": "4"})
    assert r.suggested is None and r.answer.self_score is None and "按时答复" in r.explanation


@pytest.mark.parametrize("inputs, field, words", [
    ({"received": "abc"}, "received", "不是数字"),
    ({"received": "-1"}, "received", "负数"),
    ({"received": "1.5"}, "received", "整数"),
])
def test_bad_figures_are_refused_at_the_field(db, sub, editor, inputs, field, words):
    with pytest.raises(sa.SelfAssessmentError) as exc:
        sa.save_answer(sub, "E1", actor=editor, inputs=inputs)
    assert words in exc.value.errors[field]
    assert sa.answers_of(sub) == {}


def test_rate_above_100_refused(db, sub, editor):
    with pytest.raises(sa.SelfAssessmentError) as exc:
        sa.save_answer(sub, "E4", actor=editor, inputs={"reply_rate": "120"})
    assert "100" in exc.value.errors["reply_rate"]


def test_self_score_bounds_and_reason(db, sub, editor):
    with pytest.raises(sa.SelfAssessmentError) as exc:
        sa.save_answer(sub, "A1", actor=editor, inputs={"has_group": "true"}, self_score="9")
    assert "0至3分" in exc.value.errors["self_score"]
    with pytest.raises(sa.SelfAssessmentError) as exc:
        sa.save_answer(sub, "A1", actor=editor, inputs={"has_group": "true"}, self_score="x")
    assert "数字" in exc.value.errors["self_score"]
    with pytest.raises(sa.SelfAssessmentError) as exc:
        sa.save_answer(sub, "C1", actor=editor, inputs={"items_published": "246"}, self_score="4")
    assert "理由" in exc.value.errors["self_score_reason"]
    r = sa.save_answer(sub, "C1", actor=editor, inputs={"items_published": "246"}, self_score="4",
                       self_score_reason="部分信息为转载")
    assert r.answer.self_score == Decimal("4") and r.answer.suggested_score == Decimal("6.00")
    # a judgement indicator: any score within bounds, no reason needed
    r = sa.save_answer(sub, "B6", actor=editor, inputs={}, self_score="1.5")
    assert r.answer.self_score == Decimal("1.5")
    with pytest.raises(sa.SelfAssessmentError):
        sa.save_answer(sub, "B6", actor=editor, inputs={}, self_score="1.3", expected_version=1)


def test_conflict_shows_both_versions(db, sub, editor, tenant_a):
    sa.save_answer(sub, "C1", actor=editor, inputs={"items_published": "100"}, expected_version=0)
    leader = tenant_a.users["dept_admin"]
    sa.save_answer(sub, "C1", actor=leader, inputs={"items_published": "150"}, expected_version=1)
    with pytest.raises(sa.AnswerConflict) as exc:
        sa.save_answer(sub, "C1", actor=editor, inputs={"items_published": "210"}, expected_version=1)
    assert exc.value.theirs["inputs"] == {"items_published": "150"} and exc.value.theirs["version"] == 2
    assert exc.value.theirs["updated_by"] == leader.display_name
    assert exc.value.mine["inputs"] == {"items_published": "210"}
    assert json.loads(sa.answers_of(sub)["C1"].inputs) == {"items_published": "150"}
    # a new answer when one was created meanwhile
    with pytest.raises(sa.AnswerConflict):
        sa.save_answer(sub, "C1", actor=editor, inputs={}, expected_version=0)


def test_only_own_department_editors_while_open(db, sub, tenant_a):
    for key in ("dept_b_editor", "office_admin", "dept_viewer"):
        with pytest.raises(sa.SelfAssessmentError):
            sa.save_answer(sub, "A1", actor=tenant_a.users[key], inputs={})
    sub.campaign.state = CampaignState.REVIEW
    with pytest.raises(sa.SelfAssessmentError, match="自评阶段"):
        sa.save_answer(sub, "A1", actor=tenant_a.users["dept_editor"], inputs={})


def test_unknown_indicator(db, sub, editor):
    with pytest.raises(sa.SelfAssessmentError):
        sa.save_answer(sub, "Z9", actor=editor, inputs={})


def test_flow_send_submit_freezes_and_scores(db, sub, editor, tenant_a):
    with pytest.raises(sa.SelfAssessmentError, match="未完成"):
        sa.send_to_leader(sub, actor=editor)
    fill_all(sub, editor)
    sa.send_to_leader(sub, actor=editor)
    assert sub.state == SubmissionState.AWAITING_LEADER and sub.sent_to_leader_at
    with pytest.raises(sa.SelfAssessmentError):  # frozen while awaiting the leader
        sa.save_answer(sub, "A1", actor=editor, inputs={"has_group": "false"})
    with pytest.raises(sa.SelfAssessmentError, match="分管领导"):
        sa.leader_submit(sub, actor=editor)
    leader = tenant_a.users["dept_admin"]
    sa.leader_submit(sub, actor=leader)
    assert sub.state == SubmissionState.SUBMITTED and sub.late_days == 0 and sub.submitted_by_id == leader.id
    with pytest.raises(sa.SelfAssessmentError):
        sa.save_answer(sub, "A1", actor=leader, inputs={})
    result = scoring.score(sa.rubric_of(sub.campaign), sa.scoring_inputs(sub), overrides=sa.self_scores(sub),
                           late_days=sub.late_days)
    assert result.total == Decimal("95.50")


def test_leader_return_needs_comment(db, sub, editor, tenant_a):
    fill_all(sub, editor)
    sa.send_to_leader(sub, actor=editor)
    leader = tenant_a.users["dept_admin"]
    with pytest.raises(sa.SelfAssessmentError) as exc:
        sa.leader_return(sub, actor=leader, comment=" ")
    assert exc.value.field == "comment"
    sa.leader_return(sub, actor=leader, comment="C1数字请核对")
    assert sub.state == SubmissionState.RETURNED and sub.comment == "C1数字请核对"
    sa.save_answer(sub, "C1", actor=editor, inputs={"items_published": "250"})  # editable again


def test_late_submission_counts_days_and_feeds_the_rule(db, sub, editor, tenant_a):
    fill_all(sub, editor)
    sa.send_to_leader(sub, actor=editor)
    deadline = sub.campaign.self_deadline
    sa.leader_submit(sub, actor=tenant_a.users["dept_admin"], today=deadline + timedelta(days=3))
    assert sub.late_days == 3
    result = scoring.score(sa.rubric_of(sub.campaign), sa.scoring_inputs(sub), overrides=sa.self_scores(sub),
                           late_days=sub.late_days)
    assert result.late_deduction == Decimal("2")


def test_office_return_only_before_deadline(db, sub, editor, tenant_a):
    fill_all(sub, editor)
    sa.send_to_leader(sub, actor=editor)
    sa.leader_submit(sub, actor=tenant_a.users["dept_admin"])
    office = tenant_a.users["office_admin"]
    with pytest.raises(sa.SelfAssessmentError, match="截止"):
        sa.office_return(sub, actor=office, comment="补充材料", today=sub.campaign.self_deadline + timedelta(days=1))
    with pytest.raises(sa.SelfAssessmentError):
        sa.office_return(sub, actor=tenant_a.users["reviewer"], comment="x")
    sa.office_return(sub, actor=office, comment="补充C3材料")
    assert sub.state == SubmissionState.RETURNED and sub.submitted_at is None


def test_progress_and_missing_list(db, sub, editor):
    p = sa.progress(sub)
    assert p.done == 3 and p.total == 33  # the 3 veto items are optional; the 3 unclaimed bonus items owe nothing
    assert p.areas["bonus"] == (0, 3) and p.statuses["X1"].unclaimed and not p.statuses["X1"].complete
    assert "X1" not in [st.code for st in p.missing]
    assert "缺少“收到申请”" in p.statuses["E1"].missing
    sa.save_answer(sub, "A1", actor=editor, inputs={"has_group": "true"})
    p = sa.progress(sub)
    assert p.statuses["A1"].missing == ["缺少佐证材料“成立（调整）领导小组的文件”"]
    ev.add_file(sub, "A1", actor=editor, filename="a1.pdf", data=pdf_bytes())
    assert sa.progress(sub).statuses["A1"].complete
    assert sa.progress(sub).areas["A"] == (1, 5)


def test_readiness_warnings(db, sub, editor):
    fill_all(sub, editor)
    sa.save_answer(sub, "E1", actor=editor, inputs={"received": "2", "answered_on_time": "5"}, expected_version=1)
    data = pdf_bytes("same")
    ev.add_file(sub, "A4", actor=editor, filename="plan.pdf", data=data)
    ev.add_file(sub, "C1", actor=editor, filename="plan-again.pdf", data=data)
    issues = sa.readiness(sub)
    text = "\n".join(i.message for i in issues)
    assert not sa.blocking(issues)
    assert "按时答复（5件）多于收到申请（2件）" in text
    assert "B3 年度报告按时发布：填报已发布，但未提供网页链接" in text
    assert "A4、C1" in text
    ev.add_link(sub, "B3", actor=editor, url="https://www.example.gov.cn/nb.html", title="年度报告")
    assert "B3 年度报告按时发布：填报已发布" not in "\n".join(i.message for i in sa.readiness(sub))


def test_bonus_claim_needs_evidence(db, sub, editor):
    sa.save_answer(sub, "X1", actor=editor, inputs={"adopted": "2"})
    assert "缺少佐证材料" in sa.progress(sub).statuses["X1"].missing[0]


def test_carry_over_from_last_year(db, tenant_a, editor):
    last = make_campaign(tenant_a, name="2025年度考核", year=2025)
    old = submission_of(last, tenant_a.dept_a)
    sa.save_answer(old, "C1", actor=editor, inputs={"items_published": "180"}, explanation="门户网站发布信息180条")
    sa.save_answer(old, "A1", actor=editor, inputs={"has_group": "true"})  # no text → not copied
    last.state = CampaignState.CLOSED
    now = make_campaign(tenant_a, name="2026年度考核", year=2026)
    sub = submission_of(now, tenant_a.dept_a)
    assert sa.previous_submission(sub).id == old.id
    assert sa.prefill_from_last_year(sub, actor=editor) == 1
    a = sa.answers_of(sub)["C1"]
    assert a.carried_over and a.explanation == "门户网站发布信息180条" and json.loads(a.inputs) == {}
    assert "导入或沿用上年的内容尚未确认" in sa.progress(sub).statuses["C1"].missing
    sa.confirm_carried_over(sub, "C1", actor=editor)
    assert not a.carried_over
    assert sa.prefill_from_last_year(sub, actor=editor) == 0  # already answered: left alone


def test_no_previous_year(db, sub, editor):
    with pytest.raises(sa.SelfAssessmentError, match="上一年度"):
        sa.prefill_from_last_year(sub, actor=editor)


def test_excel_round_trip(db, sub, editor):
    sa.save_answer(sub, "C1", actor=editor, inputs={"items_published": "120"}, explanation="旧说明")
    data = excel.export_workbook(sub)
    wb = load_workbook(io.BytesIO(data))
    ws = wb[excel.SHEET]
    assert ws.protection.sheet and wb["填写说明"].protection.sheet
    rows = {(r[0].value, r[2].value): r for r in ws.iter_rows(min_row=2)}
    assert rows[("C1", "items_published")][6].value == 120
    assert rows[("E4", "reply_rate")][5].value == "0 至 100"
    assert rows[("C1", "items_published")][6].protection.locked is False and rows[("C1", "items_published")][3].protection.locked
    rows[("C1", "items_published")][6].value = 230
    rows[("A1", "has_group")][6].value = "是"
    rows[("A1", "__explanation__")][6].value = "已成立领导小组"
    out = io.BytesIO()
    wb.save(out)
    parsed = excel.parse_workbook(sub, out.getvalue())
    assert not parsed.errors
    assert {(c.code, c.label, c.new) for c in parsed.changes} >= {("C1", "公开信息", "230"), ("A1", "设立政务公开领导小组", "是")}
    evidence = excel.apply_workbook(sub, parsed, actor=editor, filename="自评表.xlsx", data=out.getvalue())
    answers = sa.answers_of(sub)
    assert json.loads(answers["C1"].inputs) == {"items_published": "230"} and answers["C1"].self_score == Decimal("6.00")
    assert answers["A1"].explanation == "已成立领导小组"
    assert evidence.indicator_code is None and evidence.content_type.endswith("spreadsheetml.sheet")


def test_excel_bad_values_and_foreign_workbook(db, tenant_a, sub, editor):
    wb = load_workbook(io.BytesIO(excel.export_workbook(sub)))
    ws = wb[excel.SHEET]
    for row in ws.iter_rows(min_row=2):
        if (row[0].value, row[2].value) == ("E4", "reply_rate"):
            row[6].value = 130
    out = io.BytesIO()
    wb.save(out)
    parsed = excel.parse_workbook(sub, out.getvalue())
    assert parsed.errors and "E4" in parsed.errors[0] and "100" in parsed.errors[0]
    with pytest.raises(sa.SelfAssessmentError):
        excel.apply_workbook(sub, parsed, actor=editor, filename="x.xlsx", data=out.getvalue())
    other = submission_of(sub.campaign, tenant_a.dept_b)
    assert "另一个部门" in excel.parse_workbook(other, out.getvalue()).errors[0]
    assert excel.parse_workbook(sub, b"not a workbook").errors


def test_same_content_twice_is_not_a_conflict(db, sub, editor):
    sa.save_answer(sub, "C1", actor=editor, inputs={"items_published": "100"}, expected_version=0)
    r = sa.save_answer(sub, "C1", actor=editor, inputs={"items_published": "100"}, expected_version=0)
    assert not r.changed and r.answer.version_id == 1


def test_campaign_answers_in_one_query(db, sub, editor, tenant_a):
    sa.save_answer(sub, "A1", actor=editor, inputs={"has_group": "true"})
    other = submission_of(sub.campaign, tenant_a.dept_b)
    sa.save_answer(other, "C1", actor=tenant_a.users["dept_b_editor"], inputs={"items_published": "5"})
    got = sa.campaign_answers(sub.campaign)
    assert set(got[tenant_a.dept_a.id]) == {"A1"} and set(got[tenant_a.dept_b.id]) == {"C1"}


def test_edit_racing_a_send_is_refused(db, sub, editor):
    from sqlalchemy import update

    from assess.models import Submission

    sa.save_answer(sub, "A1", actor=editor, inputs={"has_group": "true"})
    # another request has just sent the form to the leader; this session still holds the old state
    db.session.execute(update(Submission.__table__).where(Submission.__table__.c.id == sub.id)
                       .values(state=SubmissionState.AWAITING_LEADER.value))
    assert sub.state == SubmissionState.IN_PROGRESS
    with pytest.raises(sa.SelfAssessmentError, match="已送审"):
        sa.save_answer(sub, "A1", actor=editor, inputs={"has_group": "false"}, expected_version=1)


def test_bonus_area_not_complete_when_nothing_entered(db, sub, editor):
    """Issue 14: an empty bonus area showed as complete (3/3 已完成); claiming nothing blocks nothing either."""
    p = sa.progress(sub)
    assert p.areas["bonus"] == (0, 3) and not any(p.statuses[c].complete for c in ("X1", "X2", "X3"))
    assert not [i for i in sa.readiness(sub) if i.code.startswith("X")]
    assert "X1" not in sa.missing_by_field(sub)
    sa.save_answer(sub, "X3", actor=editor, inputs={"praised": "0"})  # explicitly nothing to claim: answered
    p = sa.progress(sub)
    assert p.statuses["X3"].complete and p.areas["bonus"] == (1, 3)


def test_self_totals_are_the_rankings_arithmetic(db, tenant_a):
    """The self-scored totals use the engine's rules: same figures as ranking's totals from area sums."""
    from decimal import Decimal

    from assess.ranking.adapter import totals_from_sums

    campaign = make_campaign(tenant_a)
    sub = submission_of(campaign, tenant_a.dept_a)
    editor = tenant_a.users["dept_editor"]
    fill_all(sub, editor, evidence=False)
    sa.save_answer(sub, "X1", actor=editor, inputs={"adopted": "10"})  # 5 claimed, item max 3 → 3
    sa.save_answer(sub, "X3", actor=editor, inputs={"praised": "2"})
    sub.late_days = 2
    rubric = sa.rubric_of(campaign)
    answers = sa.answers_of(sub)
    t = sa.self_totals(sub)
    sums = {a.code: sum((answers[i.code].self_score for i in a.indicators), Decimal(0)) for a in rubric.areas}
    bonus = answers["X1"].self_score + answers["X3"].self_score
    ref = totals_from_sums(rubric, sums, bonus, (), 2)
    assert (t.total, t.base, t.bonus, t.bonus_raw, t.late_deduction) == (ref.total, ref.base, ref.bonus, ref.bonus_raw,
                                                                         ref.late_deduction)
    assert {a.code: a.score for a in t.areas} == dict(ref.areas) and t.unscored == 0 and t.grade == ref.grade
    assert t.late_deduction > 0 and isinstance(t.total, Decimal)
