"""Scheduled reminders (``flask notify schedule``): on the expected working days, to the expected people, once.

The calendar stretch is real (2026, from chinese_calendar / calendars/2026.yaml): Sunday 2026-09-20 is a
working day (调休 for 国庆), 2026-09-25..27 is 中秋, 2026-10-01..07 国庆, and Saturday 2026-10-10 is worked.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from assess import clock
from assess.extensions import db as _db
from assess.holidays import workdays
from assess.models import AuditEntry, CampaignState, ItemState, Notification, SubmissionState
from assess.notify import kinds, schedule
from assess.notify.services import NotifyError
from tests.campaign_world import submission_of
from tests.notify_world import make_campaign, notes_of
from tests.test_rectification_support import make_notice

DEADLINE = date(2026, 9, 30)  # a Wednesday, the day before 国庆


def _days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def _campaign(tenant, deadline=DEADLINE, opened=date(2026, 9, 1)):
    campaign = make_campaign(tenant)
    campaign.self_deadline = deadline
    campaign.state_changed_at = datetime(opened.year, opened.month, opened.day, 2, tzinfo=timezone.utc)
    _db.session.flush()
    return campaign


def test_the_calendar_stretch_is_the_real_one():
    cal = workdays.Calendar()
    assert cal.is_workday(date(2026, 9, 20)) and date(2026, 9, 20).weekday() == 6  # a Sunday worked
    assert cal.is_workday(date(2026, 10, 10)) and date(2026, 10, 10).weekday() == 5  # a Saturday worked
    assert not any(cal.is_workday(d) for d in _days(date(2026, 10, 1), date(2026, 10, 7)))
    assert not cal.is_workday(date(2026, 9, 25))  # 中秋, a Friday


def test_a_department_that_never_submits_is_reminded_on_the_expected_days_and_escalated(app, tenant_a, tenant_b,
                                                                                         monkeypatch):
    """The Done-when test: the clock moves day by day, ``flask notify schedule`` runs each day (twice on some)."""
    campaign = _campaign(tenant_a)
    submission_of(campaign, tenant_a.dept_b).state = SubmissionState.SUBMITTED  # B submitted: never reminded
    _campaign(tenant_b)  # another office with its own campaign: its reminders are its own
    users = tenant_a.users
    watched = {k: users[k] for k in ("dept_editor", "dept_admin", "dept_viewer", "office_admin", "dept_b_editor",
                                     "dept_b_admin", "reviewer")}
    received: dict[str, dict[date, list[str]]] = {k: {} for k in watched}
    runner = app.test_cli_runner()
    seen: set[int] = set()
    for day in _days(date(2026, 9, 14), date(2026, 10, 13)):
        monkeypatch.setattr(clock, "local_today", lambda day=day: day)
        for _ in range(2 if day.day % 3 == 0 else 1):  # a second run the same day sends nothing more
            result = runner.invoke(args=["notify", "schedule"])
            assert result.exit_code == 0, result.output
            assert day.isoformat() in result.output
        for key, user in watched.items():
            new = [n for n in notes_of(user) if n.id not in seen]
            seen.update(n.id for n in new)
            if new:
                received[key][day] = sorted(n.kind for n in new)

    due, overdue = kinds.SELF_DUE, kinds.SELF_OVERDUE
    assert received["dept_editor"] == {
        date(2026, 9, 20): [due],  # 7 working days before: the 调休 Sunday
        date(2026, 9, 24): [due],  # 3 working days before (25–27 is 中秋)
        date(2026, 9, 29): [due],  # 1 working day before
        date(2026, 10, 8): [overdue],  # first working day after 国庆
        date(2026, 10, 9): [overdue],
        date(2026, 10, 10): [overdue],  # the Saturday worked
        date(2026, 10, 12): [overdue],
        date(2026, 10, 13): [overdue],
    }
    # the administrator (分管领导) from the third overdue working day: more than 2 (the default) overdue
    assert received["dept_admin"] == {date(2026, 10, 10): [overdue], date(2026, 10, 12): [overdue],
                                      date(2026, 10, 13): [overdue]}
    digest = kinds.SELF_OVERDUE_DIGEST
    assert received["office_admin"] == {d: [digest] for d in (date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10),
                                                               date(2026, 10, 12), date(2026, 10, 13))}
    for key in ("dept_viewer", "dept_b_editor", "dept_b_admin", "reviewer"):
        assert received[key] == {}, key
    # the wording says how late, in working days; the office's digest names the department
    last = notes_of(users["dept_admin"], overdue)[-1]
    assert "2026-09-30" in last.body and "5个工作日" in last.body and last.link == f"/self/{submission_of(campaign, tenant_a.dept_a).id}"
    office_digest = notes_of(users["office_admin"], digest)[2]
    assert tenant_a.dept_a.name in office_digest.body and tenant_a.dept_b.name not in office_digest.body
    assert "部门管理员" in office_digest.body
    # tenant B's own campaign reminded only tenant B's people
    assert {n.office_id for n in _db.session.scalars(select(Notification))} == {tenant_a.office.id, tenant_b.office.id}
    assert len(notes_of(tenant_b.users["dept_editor"], due)) == 3


def test_office_settings_change_the_days_and_the_escalation(tenant_a):
    campaign = _campaign(tenant_a)
    schedule.save_settings(tenant_a.office.id, days_before="5，2", escalate_after="0", actor=tenant_a.users["office_admin"])
    editor, admin = tenant_a.users["dept_editor"], tenant_a.users["dept_admin"]
    for day in _days(date(2026, 9, 14), date(2026, 10, 8)):
        schedule.run(day)
    due_days = [n.event_key.rsplit(":", 1)[1] for n in notes_of(editor, kinds.SELF_DUE)]
    assert due_days == ["5", "2"]
    # escalation after 0 days: the administrator from the first overdue working day
    assert [n.event_key.rsplit(":", 1)[1] for n in notes_of(admin, kinds.SELF_OVERDUE)] == ["2026-10-08"]
    assert campaign.id


def test_a_missed_run_is_caught_up_and_thresholds_past_at_opening_are_skipped(tenant_a):
    _campaign(tenant_a, opened=date(2026, 9, 22))  # opened with 5 working days left: no "7 days" reminder
    editor = tenant_a.users["dept_editor"]
    schedule.run(date(2026, 9, 22))
    assert notes_of(editor, kinds.SELF_DUE) == []
    schedule.run(date(2026, 9, 28))  # the run of 09-24 (3 days before) was missed: sent on the next one
    [note] = notes_of(editor, kinds.SELF_DUE)
    assert note.event_key.endswith(":3") and "2" in note.body
    schedule.run(date(2026, 9, 28))
    assert len(notes_of(editor, kinds.SELF_DUE)) == 1


def test_nothing_is_sent_on_a_day_off(tenant_a):
    _campaign(tenant_a)
    for day in _days(date(2026, 10, 1), date(2026, 10, 7)):
        report = schedule.run(day)
        assert report.made == [] and report.offices_on_workday == 0


def test_a_form_waiting_for_the_leader_reminds_the_leader(tenant_a):
    campaign = _campaign(tenant_a)
    submission_of(campaign, tenant_a.dept_a).state = SubmissionState.AWAITING_LEADER
    schedule.run(date(2026, 9, 29))
    assert notes_of(tenant_a.users["dept_admin"], kinds.SELF_DUE)
    assert not notes_of(tenant_a.users["dept_editor"], kinds.SELF_DUE)


def test_the_schedule_only_reminds_during_self_assessment(tenant_a):
    campaign = _campaign(tenant_a)
    campaign.state = CampaignState.REVIEW
    assert schedule.run(date(2026, 10, 8)).made == []


def test_rectification_due_and_overdue_with_escalation_and_office_digest(tenant_a):
    notice = make_notice(tenant_a)
    notice.deadline = date(2026, 9, 30)
    notice.sent_at = datetime(2026, 9, 1, 2, tzinfo=timezone.utc)
    editor, admin, office = (tenant_a.users[k] for k in ("dept_editor", "dept_admin", "office_admin"))
    for day in _days(date(2026, 9, 14), date(2026, 10, 12)):
        schedule.run(day)
    assert [n.event_key for n in notes_of(editor, kinds.RECT_DUE)] == [f"rect_due:{notice.id}:{n}" for n in (7, 3, 1)]
    assert [n.event_key.rsplit(":", 1)[1] for n in notes_of(editor, kinds.RECT_OVERDUE)] == [
        "2026-10-08", "2026-10-09", "2026-10-10", "2026-10-12"]
    assert [n.event_key.rsplit(":", 1)[1] for n in notes_of(admin, kinds.RECT_OVERDUE)] == ["2026-10-10", "2026-10-12"]
    digests = notes_of(office, kinds.RECT_OVERDUE_DIGEST)
    assert len(digests) == 4 and notice.title in digests[0].body
    # once every open item waits for the office's check, the department is no longer chased (the office still is)
    for item in notice.items:
        item.state = ItemState.SUBMITTED
    schedule.run(date(2026, 10, 13))
    assert len(notes_of(editor, kinds.RECT_OVERDUE)) == 4 and len(notes_of(office, kinds.RECT_OVERDUE_DIGEST)) == 5


def test_appeal_window_opening_and_last_working_day(tenant_a):
    campaign = _campaign(tenant_a)
    campaign.state = CampaignState.RECHECK
    campaign.recheck_start, campaign.recheck_end = date(2026, 9, 28), date(2026, 10, 7)  # ends inside 国庆
    editor = tenant_a.users["dept_editor"]
    for day in _days(date(2026, 9, 24), date(2026, 10, 9)):
        monkey = schedule.run(day)
        kinds_today = {n.kind for n in monkey.made if n.user_id == editor.id}
        if day == date(2026, 9, 28):
            assert kinds_today == {kinds.CONTEST_OPENED}
        elif day == date(2026, 9, 30):  # the last working day before the window ends on 10-07
            assert kinds_today == {kinds.CONTEST_CLOSING}
        else:
            assert kinds_today == set(), day


def test_the_command_takes_a_date_for_operators(app, tenant_a):
    _campaign(tenant_a)
    result = app.test_cli_runner().invoke(args=["notify", "schedule", "--today", "2026-09-20"])
    assert result.exit_code == 0 and "self_due: 2" in result.output  # departments A and B
    assert app.test_cli_runner().invoke(args=["notify", "schedule", "--today", "2026-13-01"]).exit_code != 0


# --- settings ----------------------------------------------------------------------------------------------------


def test_settings_parse_validate_and_are_audited(tenant_a):
    actor = tenant_a.users["office_admin"]
    assert schedule.rules_for(tenant_a.office.id) == schedule.Rules((7, 3, 1), 2)
    for bad, field in [("7,x", "days_before"), ("99", "days_before"), ("1,2,3,4,5,6,7", "days_before")]:
        with pytest.raises(NotifyError) as exc:
            schedule.save_settings(tenant_a.office.id, days_before=bad, escalate_after="2", actor=actor)
        assert exc.value.field == field
    for bad in ("", "-1", "abc", "31"):
        with pytest.raises(NotifyError) as exc:
            schedule.save_settings(tenant_a.office.id, days_before="3", escalate_after=bad, actor=actor)
        assert exc.value.field == "escalate_after"
    row = schedule.save_settings(tenant_a.office.id, days_before="1, 10 、3", escalate_after="4", actor=actor)
    assert row.days_before == "10,3,1" and schedule.rules_for(tenant_a.office.id) == schedule.Rules((10, 3, 1), 4)
    with pytest.raises(NotifyError):  # saved by someone else since the form was drawn
        schedule.save_settings(tenant_a.office.id, days_before="2", escalate_after="1", actor=actor, version=row.version_id - 1)
    assert _db.session.scalars(select(AuditEntry).where(AuditEntry.action == "notify.settings")).one()


# --- pages -------------------------------------------------------------------------------------------------------


def test_office_edits_settings_with_errors_at_the_field_and_what_was_typed_kept(tenant_a, login):
    c = login(tenant_a.users["office_admin"].username)
    page = c.get("/notifications/reminder-settings").get_data(as_text=True)
    assert 'value="7,3,1"' in page and 'value="2"' in page and 'name="csrf_token"' in page
    resp = c.post("/notifications/reminder-settings", data={"days_before": "7,三", "escalate_after": "3", "version": ""})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'value="7,三"' in body and 'id="days_before-err"' in body
    resp = c.post("/notifications/reminder-settings", data={"days_before": "5,2", "escalate_after": "abc", "version": ""})
    assert resp.status_code == 422 and 'id="escalate_after-err"' in resp.get_data(as_text=True)
    resp = c.post("/notifications/reminder-settings", data={"days_before": "5,2", "escalate_after": "1", "version": ""})
    assert resp.status_code == 302
    assert schedule.rules_for(tenant_a.office.id) == schedule.Rules((5, 2), 1)
    page = c.get("/notifications/reminder-settings").get_data(as_text=True)
    assert 'value="5,2"' in page
    # a form drawn before someone else saved is refused, not overwritten
    resp = c.post("/notifications/reminder-settings", data={"days_before": "9", "escalate_after": "1", "version": "0"})
    assert resp.status_code == 422 and schedule.rules_for(tenant_a.office.id).days_before == (5, 2)
    assert login(tenant_a.users["reviewer"].username).get("/notifications/reminder-settings").status_code == 403


def test_the_office_sees_who_was_reminded_when_on_the_campaign_page(tenant_a, login):
    campaign = _campaign(tenant_a)
    for day in _days(date(2026, 10, 8), date(2026, 10, 10)):
        schedule.run(day)
    c = login(tenant_a.users["office_admin"].username)
    c.post(f"/campaigns/{campaign.id}/remind", data={"submission_ids": [str(submission_of(campaign, tenant_a.dept_b).id)]})
    page = c.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "提醒记录" in page and f"/campaigns/{campaign.id}/reminders" in page
    log = c.get(f"/campaigns/{campaign.id}/reminders").get_data(as_text=True)
    editor, admin = tenant_a.users["dept_editor"].display_name, tenant_a.users["dept_admin"].display_name
    assert log.count("自评逾期提醒") == 6  # 3 days × 2 departments
    assert f"{editor}、{admin}（管理员）" in log  # escalated on 10-10 (the Saturday worked)
    assert "催报" in log and tenant_a.users["dept_b_admin"].display_name in log
    entries = schedule.reminder_log(campaign)
    assert entries[0].kind == kinds.REMIND and entries[0].department == tenant_a.dept_b.name
