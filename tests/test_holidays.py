"""The holiday calendar: the installation's table before the package's data, offices' own days, the visible
Monday–Friday fallback, entering a year (file → preview → confirm, CLI) and the deadlines that move."""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from sqlalchemy import select

from assess.documents.builders import notice_document
from assess.holidays import services, workdays
from assess.models import AuditEntry, HolidayYear, NoticeSource, NoticeState
from assess.rectification import services as rect
from tests.test_rectification_support import make_notice

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "calendars").glob("*.yaml"))
# NOT the official 2027 arrangement: a table written for the tests after the pattern of the notices.
FIXTURE_2027 = ROOT / "tests" / "fixtures" / "calendar" / "2027-invented-not-official.csv"
NOTE_2027 = "2027年节假日安排尚未录入，按周一至周五计算"
START = date(2027, 1, 29)  # a Friday a week before the (invented) Spring Festival break of 5–13 Feb 2027


def fixture_2027(title: str = "测试用2027年节假日安排（非官方）") -> services.YearFile:
    return services.parse_year(FIXTURE_2027.read_bytes(), FIXTURE_2027.name, notice_title=title)


def notice_2027(t, *, n: int = 15, state_send: bool = True):
    """A notice whose deadline is 15 working days after 29 Jan 2027, counted as the rectification counts."""
    deadline = rect.deadline_from(workdays_count=n, start=START, office_id=t.office.id)
    notice = rect.create_notice(t.office, t.dept_a, actor=t.users["office_admin"], title="网站监测问题整改通知",
                                deadline=deadline, problem="首页有断链", source=NoticeSource.MONITORING,
                                today=START, counted=rect.counted_from(n, START))
    if state_send:
        rect.send_notice(notice, actor=t.users["office_admin"])
    return notice


def isolation_office_day(world):
    """Office A's own day for the isolation harness (its name carries the office marker)."""
    row, _moved = services.add_office_day(world.tenant.office.id, day=date(2027, 3, 1), kind="off",
                                          name="AAA本地节日", actor=None, today=date(2026, 12, 3))
    return row


# --- shipped years -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_a_shipped_year_equals_the_packages_data(path):
    parsed = services.parse_year(path.read_bytes(), path.name)
    assert parsed.ok, [str(p) for p in parsed.problems]
    assert workdays.package_covers(parsed.year)
    cal = workdays.Calendar(frozenset({parsed.year}), {r.day: r.kind == "work" for r in parsed.rows})
    day = date(parsed.year, 1, 1)
    while day.year == parsed.year:
        assert cal.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
    assert [(r.day, r.kind) for r in parsed.rows] == [(d, k) for d, k, _n in services.package_days(parsed.year)]


def test_years_are_shipped_and_the_2027_fixture_is_not_among_them():
    assert {p.stem for p in SHIPPED} >= {"2025", "2026"}
    assert "NOT OFFICIAL" in FIXTURE_2027.read_text(encoding="utf-8")


# --- reading a file ----------------------------------------------------------------------------------------


def test_csv_problems_name_the_line_and_the_field():
    data = ("date,kind,name\n"
            "2027-02-05,off,春节\n"
            "2027-02-30,off,春节\n"  # line 3: no such date
            "2027-02-06,holiday-ish,春节\n"  # line 4: kind
            "2027-02-08,work,春节\n"  # line 5: a Monday cannot be a day worked in exchange
            "2027-02-05,off,春节\n"  # line 6: twice
            "2028-01-01,off,元旦\n").encode()  # line 7: another year
    parsed = services.parse_year(data, "2027.csv", notice_title="通知")
    found = {(p.line, p.field) for p in parsed.problems}
    assert found == {(3, "date"), (4, "kind"), (5, "kind"), (6, "date"), (7, "date")}
    assert not parsed.ok
    assert "第 3 行 date" in str(next(p for p in parsed.problems if p.line == 3))


def test_csv_needs_a_header_and_a_notice_title():
    parsed = services.parse_year("2027-02-05,off,春节\n".encode(), "x.csv")
    assert {p.field for p in parsed.problems} >= {"date, kind, name", "notice_title"}


def test_yaml_with_notice_and_chinese_kinds_and_lines():
    text = ("year: 2027\nnotice_title: 测试通知\nnotice_number: 测〔2026〕1号\ndays:\n"
            "  - {date: 2027-02-05, kind: 放假, name: 春节}\n"
            "  - {date: 2027-02-20, kind: 调休上班, name: 春节}\n"
            "  - {date: 2027-02-22, kind: 上班, name: 春节}\n")
    parsed = services.parse_year(text.encode(), "2027.yaml")
    assert parsed.year == 2027 and parsed.notice_number == "测〔2026〕1号"
    assert [(p.line, p.field) for p in parsed.problems] == [(7, "kind")]  # a Monday as a day worked
    bad = services.parse_year(b"year: [\n", "x.yaml")
    assert bad.problems and bad.problems[0].field == "YAML"


# --- the one working-day rule --------------------------------------------------------------------------------


def test_without_a_table_2027_falls_back_to_weekdays_and_says_so(db):
    assert workdays.add_workdays(START, 15) == date(2027, 2, 19)
    assert workdays.fallback_years(START, date(2027, 2, 19)) == [2027]
    assert services.missing_years(date(2026, 12, 3)) == [2027]
    assert workdays.fallback_years(date(2026, 12, 31), date(2027, 1, 4)) == [2027]
    assert workdays.fallback_years(date(2027, 12, 31), date(2028, 1, 4)) == [2028]  # the start is not counted
    assert workdays.fallback_years(date(2026, 12, 1), date(2026, 12, 1)) == []
    with pytest.raises(workdays.WorkdayError):
        workdays.add_workdays(START, 15, strict=True)


def test_the_table_is_read_before_the_package(db, tenant_a):
    services.save_year(fixture_2027(), actor=None, today=date(2026, 12, 3))
    assert workdays.add_workdays(START, 15, strict=True) == date(2027, 2, 25)  # strict: now known
    assert workdays.fallback_years(START, date(2027, 2, 25)) == []
    # a 2026 table replaces the package's 2026 data: Friday 20 Nov as a day off moves a count
    assert workdays.add_workdays(date(2026, 11, 19), 1) == date(2026, 11, 20)
    services.save_year(services.parse_year(b"date,kind,name\n2026-11-20,off,test\n", "x.csv", notice_title="t"),
                       actor=None, today=date(2026, 11, 1))
    assert workdays.add_workdays(date(2026, 11, 19), 1) == date(2026, 11, 23)


def test_an_offices_own_days_count_for_that_office_only(db, tenant_a, tenant_b):
    t = tenant_a
    services.save_year(fixture_2027(), actor=None, today=date(2026, 12, 3))
    notice = notice_2027(t)
    other = notice_2027(tenant_b)
    assert notice.deadline == other.deadline == date(2027, 2, 25)
    _row, moved = services.add_office_day(t.office.id, day=date(2027, 2, 22), kind="off", name="AAA本地节日",
                                          actor=t.users["office_admin"], today=START)
    assert [(m.old, m.new) for m in moved] == [(date(2027, 2, 25), date(2027, 2, 26))]
    assert notice.deadline == date(2027, 2, 26) and other.deadline == date(2027, 2, 25)
    with pytest.raises(services.HolidayError) as err:
        services.add_office_day(t.office.id, day=date(2027, 2, 22), kind="off", name="x", actor=None, today=START)
    assert err.value.field == "day"
    with pytest.raises(services.HolidayError):
        services.add_office_day(t.office.id, day=date(2027, 2, 23), kind="work", name="x", actor=None, today=START)


# --- Done when: a 2027 deadline across the Spring Festival is right once the year is entered ------------------


def test_a_2027_rectification_deadline_across_the_spring_festival(db, tenant_a):
    t = tenant_a
    notice = notice_2027(t)
    assert notice.deadline == date(2027, 2, 19)  # Monday–Friday only: wrong by the holiday
    assert rect.deadline_notes(notice) == [NOTE_2027]
    doc = notice_document(notice, t.office, today=START)
    assert doc.deadline_note == NOTE_2027 and any(NOTE_2027 in line for line in doc.intro)

    change = services.save_year(fixture_2027(), actor=None, today=START)
    assert change.created and change.year == 2027
    assert notice.deadline == date(2027, 2, 25)  # 31 Jan worked, 5–13 Feb off, 20 Feb worked
    assert [(m.old, m.new) for m in change.moved] == [(date(2027, 2, 19), date(2027, 2, 25))]
    assert rect.deadline_notes(notice) == []
    assert notice_document(notice, t.office, today=START).deadline_note == ""
    actions = {e.action: e for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.office_id == t.office.id))}
    assert json.loads(actions["rectification.notice.deadline_recount"].new)["deadline"] == "2027-02-25"
    assert json.loads(actions["rectification.notice.deadline_recount"].old)["deadline"] == "2027-02-19"
    assert "测试用2027年节假日安排" in actions["holidays.year.save"].reason


def test_closed_passed_and_typed_deadlines_are_left_alone(db, tenant_a):
    t = tenant_a
    typed = make_notice(t, deadline=date(2027, 2, 19))
    closed = notice_2027(t)
    closed.state = NoticeState.CLOSED
    passed = notice_2027(t)
    db.session.flush()
    change = services.save_year(fixture_2027(), actor=None, today=date(2027, 2, 20))  # after 19 Feb
    assert change.moved == []
    assert typed.deadline == closed.deadline == passed.deadline == date(2027, 2, 19)


def test_editing_a_notice_with_a_typed_date_stops_following_the_calendar(db, tenant_a):
    t = tenant_a
    notice = notice_2027(t, state_send=False)
    rect.update_notice(notice, actor=None, title=notice.title, intro="", deadline=date(2027, 3, 1), today=START)
    assert notice.deadline_workdays is None
    assert services.save_year(fixture_2027(), actor=None, today=START).moved == []


def test_replacing_a_year_checks_the_previewed_version(db):
    services.save_year(fixture_2027(), actor=None, today=START)
    entered = db.session.scalars(select(HolidayYear).where(HolidayYear.year == 2027)).one()
    with pytest.raises(services.HolidayError):
        services.save_year(fixture_2027("另一标题"), actor=None, today=START, version="0")
    services.save_year(fixture_2027("另一标题"), actor=None, today=START, version=str(entered.version_id))
    assert entered.notice_title == "另一标题" and len(entered.days) == 34


def test_generated_notices_remember_how_their_deadline_was_counted(db, tenant_a):
    from assess.rectification import generation
    from tests.test_rectification_support import add_result, make_campaign

    t = tenant_a
    campaign = make_campaign(t, year=2026)
    add_result(t, campaign, t.dept_a, "A1", "0", problem="未公开机构职能")
    [notice] = generation.generate_notices(t.office, campaign, actor=None, workdays_count=15, today=START)
    assert (notice.deadline_start, notice.deadline_workdays, notice.deadline) == (START, 15, date(2027, 2, 19))
    services.save_year(fixture_2027(), actor=None, today=START)
    assert notice.deadline == date(2027, 2, 25)


def test_the_circulars_counted_deadline_carries_the_note(db, tenant_a, monkeypatch):
    from assess.documents.builders import default_deadline_noted
    from assess.rectification import generation
    from tests.test_rectification_support import make_campaign

    monkeypatch.setattr(generation, "today_local", lambda: START)
    campaign = make_campaign(tenant_a, year=2026)  # no rectification deadline of its own: 15 working days
    assert default_deadline_noted(campaign) == (date(2027, 2, 19), [NOTE_2027])
    campaign.rectify_deadline = date(2027, 3, 1)  # a typed date is printed as it is
    assert default_deadline_noted(campaign) == (date(2027, 3, 1), [])
    campaign.rectify_deadline = None
    services.save_year(fixture_2027(), actor=None, today=START)
    assert default_deadline_noted(campaign) == (date(2027, 2, 25), [])
