"""Service-level tests: workdays, generation, editing, sending, answers, checks, closure, ledger, export."""
from __future__ import annotations

import io
import logging
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from assess.extensions import db
from assess.models import (AuditEntry, CampaignState, EvidenceKind, IndicatorResult, ItemState, NoticeItem,
                           NoticeState)
from assess.holidays import workdays
from assess.rectification import generation, ledger, services
from assess.rectification.ledger import LedgerFilters
from assess.rectification.services import RectificationError
from tests.test_rectification_support import add_result, future, make_campaign, make_notice


# --- working days -------------------------------------------------------------------------------------------


def test_workdays_follow_the_official_calendar():
    assert workdays.add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)  # 国庆 1–7 Oct
    assert workdays.add_workdays(date(2026, 9, 18), 1) == date(2026, 9, 20)  # Sunday worked (调休)
    assert workdays.add_workdays(date(2026, 10, 9), 1) == date(2026, 10, 10)  # Saturday worked (调休)
    assert workdays.add_workdays(date(2026, 11, 20), 5) == date(2026, 11, 27)  # ordinary weeks
    assert workdays.workdays_between(date(2026, 9, 30), date(2026, 10, 8)) == 1


def test_workdays_outside_the_calendar_data_strict_refuses():
    with pytest.raises(workdays.WorkdayError, match="尚未收录"):
        workdays.add_workdays(date(2099, 3, 2), 3, strict=True)


def test_workdays_outside_the_calendar_data_fall_back_to_weekdays(caplog):
    assert not workdays.covers(date(2099, 1, 5))
    with caplog.at_level(logging.WARNING, logger="assess.holidays.workdays"):
        assert workdays.add_workdays(date(2099, 1, 2), 3) == date(2099, 1, 7)  # Fri → Mon, Tue, Wed
    assert "no holiday data for 2099" in caplog.text


def test_workdays_count_is_checked():
    for n in (0, -1, 1000):
        with pytest.raises(workdays.WorkdayError):
            workdays.add_workdays(date(2026, 1, 5), n)


# --- generation ---------------------------------------------------------------------------------------------


def test_generate_requires_published_results(tenant_a):
    campaign = make_campaign(tenant_a, state=CampaignState.REVIEW)
    with pytest.raises(RectificationError, match="结果公布后") as exc:
        generation.generate_notices(tenant_a.office, campaign, actor=None)
    assert exc.value.field == "campaign_id"


def test_generate_one_notice_per_department_with_problems(tenant_a):
    t = tenant_a
    campaign = make_campaign(t, rectify_deadline=future(40))
    r1 = add_result(t, campaign, t.dept_a, "A1", "1", problem="SECRET-DEPT-A 领导小组组长不是主要负责同志", self_score="3")
    add_result(t, campaign, t.dept_a, "A2", "3")  # full marks, no problem: no item
    add_result(t, campaign, t.dept_a, "A3", "1")  # deduction without a statement: no item, counted as skipped
    add_result(t, campaign, t.dept_b, "A1", "3")  # dept B has no problems
    plan = generation.plan_generation(campaign)
    assert plan.without_statement == 1 and plan.below_threshold == 0 and plan.item_count == 1
    notices = generation.generate_notices(t.office, campaign, actor=t.users["office_admin"])
    assert len(notices) == 1
    notice = notices[0]
    assert notice.department_id == t.dept_a.id and notice.state == NoticeState.DRAFT
    assert notice.deadline == campaign.rectify_deadline
    items = notice.items
    assert [i.indicator_code for i in items] == ["A1"]
    assert items[0].problem == "SECRET-DEPT-A 领导小组组长不是主要负责同志" and items[0].result_id == r1.id
    assert items[0].points_deducted == Decimal("2.00")  # indicator points 3 − final 1
    assert items[0].indicator_title == "领导小组"
    assert items[0].requirement and "未达到指标要求" not in items[0].requirement + items[0].problem
    # generating again adds nothing for departments that already have their notice
    assert generation.generate_notices(t.office, campaign, actor=None) == []


def test_notice_items_are_the_problem_statements_above_the_threshold(tenant_a):
    """An 87-point department: its notice lists the reviewers' problems that cost at least the threshold,
    one item each, with the points lost — not one boilerplate item per indicator below its maximum."""
    from assess.rubrics.store import engine_rubric

    t = tenant_a
    campaign = make_campaign(t)
    rubric = engine_rubric(campaign.rubric)
    base = [i for a in rubric.areas for i in a.indicators]
    # every base indicator a little below its maximum, without a statement (rounding, partial figures)
    for ind in base:
        add_result(t, campaign, t.dept_a, ind.code, str(max(Decimal(ind.points) - Decimal("0.11"), Decimal(0))))
    # three real findings
    codes = [base[0].code, base[1].code, base[2].code]
    for code, problem, lost in zip(codes, ["“意见征集”栏目内容空白", "规范性文件未在印发7日内公开（2件）",
                                          "发现错敏字2处"], ["2", "1", "0.2"]):
        ind = rubric.indicator(code)
        r = db.session.scalars(select(IndicatorResult).where(IndicatorResult.campaign_id == campaign.id,
                                                             IndicatorResult.indicator_code == code)).one()
        r.final_score, r.problem = Decimal(ind.points) - Decimal(lost), problem
    db.session.flush()
    preview = generation.generation_preview(campaign, "0.5")
    assert (preview.departments, preview.items, preview.below_threshold, preview.without_statement) == (1, 2, 1, 0)
    [notice] = generation.generate_notices(t.office, campaign, actor=None, threshold="0.5")
    assert [(i.problem, i.points_deducted) for i in notice.items] == [
        ("“意见征集”栏目内容空白", Decimal("2.00")), ("规范性文件未在印发7日内公开（2件）", Decimal("1.00"))]
    assert not any(i.recurring for i in notice.items)  # no notice last year
    # a lower threshold lists the 0.2-point finding too; 0.11-point differences without a statement never
    assert generation.generation_preview(campaign, "0.1").items == 3
    assert generation.generation_preview(campaign, "0.1").without_statement == len(base) - 3
    # the threshold used is remembered for the office's next generation
    assert generation.last_threshold(t.office.id) == Decimal("0.50")
    generation.generate_notices(t.office, campaign, actor=None, threshold="1.5")
    assert generation.last_threshold(t.office.id) == Decimal("1.50")


def test_generating_many_notices_audits_each_in_one_intact_chain(tenant_a):
    from assess.audit.services import verify_chain

    t = tenant_a
    campaign = make_campaign(t)
    add_result(t, campaign, t.dept_a, "A1", "0", problem="甲局问题")
    add_result(t, campaign, t.dept_b, "A1", "1", problem="乙局问题")
    add_result(t, campaign, t.dept_b, "A3", "0")
    notices = generation.generate_notices(t.office, campaign, actor=t.users["office_admin"])
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.office_id == t.office.id, AuditEntry.action == "rectification.notice.generate")
        .order_by(AuditEntry.seq)).all()
    assert sorted(e.object_id for e in entries) == sorted(str(n.id) for n in notices)
    assert {e.department_id for e in entries} == {t.dept_a.id, t.dept_b.id}
    assert all(e.actor_name == t.users["office_admin"].username for e in entries)
    assert [len(n.items) for n in sorted(notices, key=lambda n: n.department_id != t.dept_a.id)] == [1, 1]
    [run] = _runs = db.session.scalars(select(AuditEntry).where(
        AuditEntry.office_id == t.office.id, AuditEntry.action == "rectification.generate")).all()
    assert '"without_statement":1' in run.new.replace(" ", "") and '"threshold":"0.50"' in run.new.replace(" ", "")
    assert verify_chain(t.office.id).ok


def test_generate_deadline_in_working_days(tenant_a):
    t = tenant_a
    campaign = make_campaign(t)
    add_result(t, campaign, t.dept_a, "A1", "0", problem="问题")
    [notice] = generation.generate_notices(t.office, campaign, actor=None, workdays_count=10, today=date(2026, 9, 30))
    assert notice.deadline == workdays.add_workdays(date(2026, 9, 30), 10) == date(2026, 10, 20)  # 8, 9, 10 (Sat), 12–16, 19, 20


def test_recurring_problem_on_the_same_indicator(tenant_a):
    t = tenant_a
    last = make_campaign(t, year=2025, name="2025年度考核")
    add_result(t, last, t.dept_a, "A1", "1", problem="去年的问题")
    [old] = generation.generate_notices(t.office, last, actor=None)
    services.send_notice(old, actor=None)
    this = make_campaign(t, year=2026)
    add_result(t, this, t.dept_a, "A1", "2", problem="今年又出现")
    add_result(t, this, t.dept_a, "A3", "0", problem="新问题")
    [notice] = generation.generate_notices(t.office, this, actor=None)
    by_code = {i.indicator_code: i for i in notice.items}
    assert by_code["A1"].recurring and by_code["A1"].previous_item_id == old.items[0].id
    assert not by_code["A3"].recurring
    services.send_notice(notice, actor=None)
    rows = ledger.ledger(t.office.id, LedgerFilters(state="recurring"))
    assert [r.item.indicator_code for r in rows] == ["A1"]


def test_recurring_only_when_last_years_item_was_a_real_problem(tenant_a):
    """Last year's boilerplate items (no problem statement behind them), tiny differences and unsent drafts
    do not make this year's problems recurring."""
    t = tenant_a
    last = make_campaign(t, year=2025, name="2025年度考核")
    boiler = add_result(t, last, t.dept_a, "A1", "2")  # a deduction with no statement
    tiny = add_result(t, last, t.dept_a, "A2", "2.89", problem="小问题")
    real = add_result(t, last, t.dept_a, "A3", "1", problem="全年未专题研究")
    drafted = add_result(t, last, t.dept_b, "A1", "0", problem="乙局去年的问题")
    sent = services.create_notice(t.office, t.dept_a, actor=None, title="去年的通知", deadline=future(),
                                  problem="x", campaign=last)
    for r, lost in ((boiler, "1"), (tiny, "0.11"), (real, "2")):
        db.session.add(NoticeItem(office_id=t.office.id, department_id=t.dept_a.id, notice_id=sent.id,
                                  campaign_id=last.id, position=2, indicator_code=r.indicator_code, result_id=r.id,
                                  problem=f"未达到指标要求：{r.indicator_code}", points_deducted=Decimal(lost)))
    db.session.query(NoticeItem).filter(NoticeItem.notice_id == sent.id, NoticeItem.result_id.is_(None)).delete()
    db.session.flush()
    db.session.refresh(sent)
    services.send_notice(sent, actor=None)
    draft = services.create_notice(t.office, t.dept_b, actor=None, title="未下发", deadline=future(), problem="y",
                                   campaign=last)
    draft.items[0].indicator_code, draft.items[0].result_id = "A1", drafted.id
    this = make_campaign(t, year=2026)
    for dept in (t.dept_a, t.dept_b):
        for code in ("A1", "A2", "A3"):
            add_result(t, this, dept, code, "0", problem=f"{dept.name}{code}今年的问题")
    notices = generation.generate_notices(t.office, this, actor=None)
    recurring = {(i.department_id, i.indicator_code) for n in notices for i in n.items if i.recurring}
    assert recurring == {(t.dept_a.id, "A3")}


# --- editing and sending ---------------------------------------------------------------------------------------


def test_edit_merge_add_before_sending(tenant_a):
    t = tenant_a
    admin = t.users["office_admin"]
    notice = make_notice(t, send=False)
    second = services.add_item(notice, actor=admin, problem="错敏字：“国务院”误写", points_deducted="0.5")
    assert second.points_deducted == Decimal("0.50") and second.position == 2
    with pytest.raises(RectificationError) as exc:
        services.add_item(notice, actor=admin, problem="  ")
    assert exc.value.field == "problem"
    with pytest.raises(RectificationError) as exc:
        services.add_item(notice, actor=admin, problem="x", points_deducted="abc")
    assert exc.value.field == "points_deducted"
    first = notice.items[0]
    services.update_item(first, actor=admin, problem="首页 3 处断链（已核实）", requirement="三日内修复",
                         points_deducted="1", version=first.version_id)
    merged = services.merge_items(notice, [first.id, second.id], actor=admin)
    assert len(notice.items) == 1
    assert "已核实" in merged.problem and "错敏字" in merged.problem
    assert merged.points_deducted == Decimal("1.50")
    with pytest.raises(RectificationError, match="至少"):
        services.merge_items(notice, [merged.id], actor=admin)
    with pytest.raises(RectificationError, match="至少要有一个"):
        services.delete_item(merged, actor=admin)
    services.update_notice(notice, actor=admin, title="新标题", intro="", deadline=future(10))
    assert notice.title == "新标题"


def test_editing_a_sent_notice_requires_a_logged_reason(tenant_a):
    t = tenant_a
    admin = t.users["office_admin"]
    notice = make_notice(t)
    with pytest.raises(RectificationError) as exc:
        services.update_notice(notice, actor=admin, title="改", intro="", deadline=notice.deadline)
    assert exc.value.field == "reason" and "修改原因" in str(exc.value)
    item = notice.items[0]
    with pytest.raises(RectificationError) as exc:
        services.update_item(item, actor=admin, problem="改", requirement="")
    assert exc.value.field == "reason"
    with pytest.raises(RectificationError, match="不能删除"):
        services.delete_item(item, actor=admin)
    services.update_notice(notice, actor=admin, title="改后标题", intro="", deadline=future(60),
                           reason="部门申请延期，经领导同意")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "rectification.notice.edit")
                               .order_by(AuditEntry.seq.desc())).first()
    assert entry.reason == "部门申请延期，经领导同意" and "改后标题" in entry.new


def test_stale_version_is_refused_with_both_versions(tenant_a):
    t = tenant_a
    notice = make_notice(t, send=False)
    stale = notice.version_id
    services.update_notice(notice, actor=None, title="第一次", intro="", deadline=notice.deadline, version=stale)
    with pytest.raises(RectificationError) as exc:
        services.update_notice(notice, actor=None, title="第二次", intro="", deadline=notice.deadline, version=stale)
    assert f"第 {stale} 版" in str(exc.value) and f"第 {notice.version_id} 版" in str(exc.value)
    assert notice.title == "第一次"


def test_send_is_logged_and_bulk_send_reports_refusals(tenant_a):
    t = tenant_a
    admin = t.users["office_admin"]
    good = make_notice(t, send=False)
    late = make_notice(t, t.dept_b, send=False)
    late.deadline = services.today_local() - timedelta(days=1)
    sent, refused = services.send_notices([good, late], actor=admin)
    assert sent == [good] and good.state == NoticeState.SENT and good.sent_by_id == admin.id
    assert len(refused) == 1 and "已过" in refused[0] and late.state == NoticeState.DRAFT
    with pytest.raises(RectificationError, match="已下发"):
        services.send_notice(good, actor=admin)
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.office_id == t.office.id)).all()
    assert "rectification.notice.send" in actions


def test_read_receipt_only_for_the_department(tenant_a):
    t = tenant_a
    notice = make_notice(t)
    assert not services.mark_read(notice, t.users["office_admin"])
    assert not services.mark_read(notice, t.users["dept_b_admin"])
    assert services.mark_read(notice, t.users["dept_editor"])
    assert notice.read_by_id == t.users["dept_editor"].id and notice.read_at is not None
    assert not services.mark_read(notice, t.users["dept_admin"])  # only the first opening counts


# --- answers, checks, closure --------------------------------------------------------------------------------------


def test_full_loop_answer_return_accept_close(tenant_a):
    t = tenant_a
    editor, leader, office = t.users["dept_editor"], t.users["dept_admin"], t.users["office_admin"]
    notice = make_notice(t)
    item = notice.items[0]
    with pytest.raises(RectificationError) as exc:
        services.save_answer(item, actor=editor, measure="  ", result="")
    assert exc.value.field == "measure"
    services.save_answer(item, actor=editor, measure="逐页检查链接", result="已修复 3 处", version=item.version_id)
    with pytest.raises(RectificationError, match="分管领导"):
        services.submit_answer(item, actor=editor)
    services.send_to_leader(item, actor=editor)
    assert item.state == ItemState.AWAITING_LEADER
    with pytest.raises(RectificationError, match="领导退回后"):
        services.save_answer(item, actor=editor, measure="改", result="")
    with pytest.raises(RectificationError) as exc:
        services.leader_return(item, actor=leader, comment="")
    assert exc.value.field == "comment"
    services.leader_return(item, actor=leader, comment="补充自查范围")
    assert item.state == ItemState.PENDING and item.leader_comment == "补充自查范围"
    services.save_answer(item, actor=editor, measure="逐页检查链接，并自查全站", result="已修复")
    services.send_to_leader(item, actor=editor)
    services.submit_answer(item, actor=leader)
    assert item.state == ItemState.SUBMITTED
    with pytest.raises(RectificationError, match="核查前不能修改"):
        services.save_answer(item, actor=leader, measure="x", result="")
    with pytest.raises(RectificationError) as exc:
        services.check_item(item, actor=office, accept=False, comment="")
    assert exc.value.field == "comment"
    with pytest.raises(RectificationError, match="未销号"):
        services.close_notice(notice, actor=office)
    services.check_item(item, actor=office, accept=False, comment="仍有一处断链未修复")
    assert item.state == ItemState.RETURNED and item.rounds == 1
    services.save_answer(item, actor=leader, measure="修复剩余断链", result="全部修复")
    services.submit_answer(item, actor=leader)  # the leader may answer and submit directly
    services.check_item(item, actor=office, accept=True, comment="")
    assert item.state == ItemState.ACCEPTED and notice.state == NoticeState.CLOSED and notice.closed_at
    with pytest.raises(RectificationError, match="已办结"):
        services.save_answer(item, actor=leader, measure="再改", result="")
    with pytest.raises(RectificationError, match="已办结"):
        services.close_notice(notice, actor=office)
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.office_id == t.office.id)))
    assert {"rectification.answer.submit", "rectification.item.return", "rectification.item.accept",
            "rectification.notice.close"} <= actions


def test_answering_a_draft_is_refused(tenant_a):
    notice = make_notice(tenant_a, send=False)
    with pytest.raises(RectificationError, match="尚未下发"):
        services.save_answer(notice.items[0], actor=tenant_a.users["dept_editor"], measure="x", result="")


def test_evidence_rules(tenant_a):
    t = tenant_a
    editor = t.users["dept_editor"]
    item = make_notice(t).items[0]
    with pytest.raises(RectificationError) as exc:
        services.add_evidence(item, actor=editor, kind="link", title="整改后页面", url="javascript:alert(1)")
    assert exc.value.field == "url"
    with pytest.raises(RectificationError) as exc:
        services.add_evidence(item, actor=editor, kind="link", title="", url="https://example.gov.cn/")
    assert exc.value.field == "title"
    with pytest.raises(RectificationError) as exc:
        services.add_evidence(item, actor=editor, kind="excerpt", title="说明", text="")
    assert exc.value.field == "text"
    with pytest.raises(RectificationError) as exc:
        services.add_evidence(item, actor=editor, kind="file", title="x")
    assert exc.value.field == "kind"
    ev = services.add_evidence(item, actor=editor, kind="link", title="整改后页面", url="https://example.gov.cn/a")
    assert ev.kind == EvidenceKind.LINK and ev.owner_type == "rectification_item" and ev.department_id == t.dept_a.id
    services.add_evidence(item, actor=editor, kind="excerpt", title="自查记录", text="全站 1200 个链接已检查")
    assert len(services.item_evidence(item)) == 2
    services.remove_evidence(ev, actor=editor)
    assert [e.title for e in services.item_evidence(item)] == ["自查记录"]


# --- overdue, ledger, export, carry-over ---------------------------------------------------------------------------


def test_overdue_items_and_ledger_filters(tenant_a):
    t = tenant_a
    campaign = make_campaign(t)
    add_result(t, campaign, t.dept_a, "A1", "1", problem="SECRET-DEPT-A 问题一")
    add_result(t, campaign, t.dept_b, "A3", "0", problem="乙局问题")
    notices = generation.generate_notices(t.office, campaign, actor=None)
    services.send_notices(notices, actor=None)
    monitoring = make_notice(t)
    later = max(n.deadline for n in notices + [monitoring]) + timedelta(days=3)
    item_a = next(n for n in notices if n.department_id == t.dept_a.id).items[0]
    assert services.is_overdue(item_a, today=later) and not services.is_overdue(item_a)
    assert services.overdue_count(t.office.id, today=later) == 3
    assert services.overdue_count(t.office.id, t.dept_b.id, today=later) == 1
    assert len(ledger.ledger(t.office.id)) == 3
    assert len(ledger.ledger(t.office.id, LedgerFilters(department_id=t.dept_b.id))) == 1
    assert len(ledger.ledger(t.office.id, LedgerFilters(campaign_id=campaign.id))) == 2
    assert len(ledger.ledger(t.office.id, LedgerFilters(campaign_id=0))) == 1
    assert len(ledger.ledger(t.office.id, LedgerFilters(indicator_code="A3"))) == 1
    assert len(ledger.ledger(t.office.id, LedgerFilters(state="pending"))) == 3
    assert ledger.ledger(t.office.id, LedgerFilters(state="overdue")) == []
    overdue = ledger.ledger(t.office.id, LedgerFilters(state="overdue"), today=later)
    assert len(overdue) == 3 and all(r.overdue and r.overdue_days >= 3 for r in overdue)


def test_ledger_export_neutralises_formulas(tenant_a):
    t = tenant_a
    make_notice(t, problem="=HYPERLINK(\"http://evil\",\"点我\")")
    rows = ledger.ledger(t.office.id)
    data = ledger.ledger_workbook(rows, title="台账")
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["A2"].value == "序号"
    problem = ws.cell(row=3, column=5).value
    assert problem.startswith("'=") and ws.cell(row=3, column=5).data_type == "s"
    assert ws.cell(row=3, column=2).value == t.dept_a.name
    assert ledger.safe_cell("+1") == "'+1" and ledger.safe_cell("正常") == "正常" and ledger.safe_cell(3) == 3


def test_open_items_for_carry_over(tenant_a):
    t = tenant_a
    last = make_campaign(t, year=2025)
    add_result(t, last, t.dept_a, "A1", "1", problem="未整改的问题")
    add_result(t, last, t.dept_a, "A3", "1", problem="已整改的问题")
    [notice] = generation.generate_notices(t.office, last, actor=None)
    services.send_notice(notice, actor=None)
    done = next(i for i in notice.items if i.indicator_code == "A3")
    services.save_answer(done, actor=t.users["dept_admin"], measure="已整改", result="")
    services.submit_answer(done, actor=t.users["dept_admin"])
    services.check_item(done, actor=t.users["office_admin"], accept=True)
    open_a1 = services.open_items_for(t.dept_a.id, "A1", office_id=t.office.id)
    assert [i.problem for i in open_a1] == ["未整改的问题"]
    assert services.open_items_for(t.dept_a.id, "A3", office_id=t.office.id) == []
    assert services.open_items_for(t.dept_b.id, "A1", office_id=t.office.id) == []
    assert services.open_items_for(t.dept_a.id, "A1", office_id=t.office.id, exclude_campaign_id=last.id) == []


def test_create_notice_outside_campaign_checks_input(tenant_a, tenant_b):
    t = tenant_a
    with pytest.raises(RectificationError) as exc:
        services.create_notice(t.office, t.dept_a, actor=None, title="", deadline=future(), problem="x")
    assert exc.value.field == "title"
    with pytest.raises(RectificationError) as exc:
        services.create_notice(t.office, t.dept_a, actor=None, title="t", deadline=date(2020, 1, 1), problem="x")
    assert exc.value.field == "deadline"
    with pytest.raises(RectificationError) as exc:
        services.create_notice(t.office, tenant_b.dept_a, actor=None, title="t", deadline=future(), problem="x")
    assert exc.value.field == "department_id"
    with pytest.raises(RectificationError) as exc:
        services.deadline_from(deadline=None, workdays_count=None)
    assert exc.value.field == "deadline"
    notice = make_notice(t, send=False)
    assert notice.campaign_id is None and notice.items[0].campaign_id is None
    assert db.session.scalar(select(NoticeItem.problem).where(NoticeItem.notice_id == notice.id)).startswith("SECRET")


def test_bonus_not_earned_is_no_problem(tenant_a):
    t = tenant_a
    campaign = make_campaign(t)
    add_result(t, campaign, t.dept_a, "X1", "0")  # bonus not earned, no statement: no item
    add_result(t, campaign, t.dept_b, "X1", "0", problem="评审分（0）低于自评分（3）")  # not claimed/earned
    add_result(t, campaign, t.dept_b, "A1", "0", problem="领导小组未调整")
    [notice] = generation.generate_notices(t.office, campaign, actor=None)
    assert notice.department_id == t.dept_b.id and [i.indicator_code for i in notice.items] == ["A1"]
    assert generation.plan_generation(campaign).without_statement == 0


