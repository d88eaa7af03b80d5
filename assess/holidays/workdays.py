"""Working days (工作日) on the Chinese official calendar, public holidays and swapped days (调休) included.

The one working-day rule of the platform; every deadline counted in working days goes through it. For each
date, in this order:

1. the office's own days (``office_days``: a local holiday, an office closure, a day worked), when the
   count is for an office;
2. the installation's holiday table (``holiday_years``/``holiday_days``), for a year the platform
   administrator has entered: its listed days off and days worked, every other day by the weekday;
3. the maintained ``chinese_calendar`` package, for the years it has data for (a new release each
   December adds the next year; it raises ``NotImplementedError`` outside them);
4. otherwise Monday–Friday only. That fallback is never silent: :meth:`Calendar.fallback_years` names the
   years a count went through without data, pages and documents say so
   (:func:`missing_year_note`), and ``strict=True`` refuses to count at all.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable

import chinese_calendar
from flask import has_app_context
from flask_babel import gettext as _
from sqlalchemy import select

log = logging.getLogger(__name__)

MAX_WORKDAYS = 250  # about a year of working days: anything larger is a typing error

SOURCE_TABLE = "table"  # the installation's holiday table
SOURCE_PACKAGE = "package"  # the chinese_calendar package
SOURCE_WEEKDAYS = "weekdays"  # no data: Monday–Friday


class WorkdayError(ValueError):
    """The calendar cannot answer (year outside the published arrangements) or the count is invalid."""


def _weekday_only(day: date) -> bool:
    return day.weekday() < 5


def package_covers(year: int) -> bool:
    """Whether the ``chinese_calendar`` package has the arrangements of ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def missing_year_note(year: int) -> str:
    """What a page or a document says next to a deadline counted without the year's arrangements."""
    return _("%(year)s年节假日安排尚未录入，按周一至周五计算", year=year)


@dataclass
class Calendar:
    """The calendar as read once from the database, for one office (or the installation only)."""

    table_years: frozenset[int] = frozenset()
    table: dict[date, bool] = field(default_factory=dict)  # installation rows: True = worked
    local: dict[date, bool] = field(default_factory=dict)  # the office's own rows: True = worked

    def with_year(self, year: int, days: dict[date, bool]) -> "Calendar":
        """This calendar with ``year`` entered as ``days`` (True = worked): what saving a year would give."""
        table = {d: w for d, w in self.table.items() if d.year != year}
        table.update(days)
        return Calendar(self.table_years | {year}, table, dict(self.local))

    def source(self, year: int) -> str:
        """Where the arrangements of ``year`` come from: the table, the package, or nowhere (weekdays)."""
        if year in self.table_years:
            return SOURCE_TABLE
        if package_covers(year):
            return SOURCE_PACKAGE
        return SOURCE_WEEKDAYS

    def covers(self, day: date) -> bool:
        """Whether the arrangements of ``day``'s year are known (False: Monday–Friday only)."""
        return self.source(day.year) != SOURCE_WEEKDAYS

    def is_workday(self, day: date, *, strict: bool = False) -> bool:
        """True on a working day: weekdays that are not holidays, plus weekend days worked in a 调休 swap."""
        if day in self.local:
            return self.local[day]
        if day.year in self.table_years:
            return self.table.get(day, _weekday_only(day))
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if strict:
                raise WorkdayError(
                    _("%(year)s年的法定节假日安排尚未收录（平台尚未录入该年度的节假日安排），无法按工作日计算；"
                      "请直接填写截止日期。", year=day.year)) from None
            return _weekday_only(day)

    def add(self, start: date, n: int, *, strict: bool = False) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself is not counted)."""
        if n < 1 or n > MAX_WORKDAYS:
            raise WorkdayError(_("工作日数应在 1 到 %(n)s 之间。", n=MAX_WORKDAYS))
        day, left = start, n
        while left:
            day += timedelta(days=1)
            if self.is_workday(day, strict=strict):
                left -= 1
        missing = self.fallback_years(start, day)
        if missing:
            log.warning("no holiday data for %s; counting Monday–Friday only",
                        ", ".join(map(str, missing)))
        return day

    def between(self, start: date, end: date, *, strict: bool = False) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end`` <= ``start``)."""
        n, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_workday(day, strict=strict):
                n += 1
        return n

    def fallback_years(self, start: date, end: date) -> list[int]:
        """The years of the days after ``start`` up to ``end`` that were counted Monday–Friday only."""
        if end <= start:
            return []
        first = (start + timedelta(days=1)).year  # ``start`` itself is not counted
        return [y for y in range(first, end.year + 1) if self.source(y) == SOURCE_WEEKDAYS]


def load(office_id: int | None = None) -> Calendar:
    """Read the installation's table (and the office's own days) once; outside an app, the package only."""
    if not has_app_context():
        return Calendar()
    from ..extensions import db
    from ..models import HolidayDay, HolidayYear, OfficeDay

    # Installation rows are not tenant rows; the office's rows are read for the office named here (the
    # request's own scope adds the same office criterion on top).
    years = frozenset(db.session.scalars(select(HolidayYear.year)))
    table = {d: kind == "work" for d, kind in db.session.execute(select(HolidayDay.day, HolidayDay.kind))}
    local: dict[date, bool] = {}
    if office_id is not None:
        local = {d: kind == "work" for d, kind in db.session.execute(
            select(OfficeDay.day, OfficeDay.kind).where(OfficeDay.office_id == office_id))}
    return Calendar(years, table, local)


def is_workday(day: date, *, strict: bool = False, office_id: int | None = None) -> bool:
    """True on a working day (see the module's order of sources)."""
    return load(office_id).is_workday(day, strict=strict)


def covers(day: date) -> bool:
    """Whether the holiday data covers ``day`` (False: :func:`is_workday` falls back to weekdays)."""
    return load().covers(day)


def add_workdays(start: date, n: int, *, strict: bool = False, office_id: int | None = None) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself is not counted).

    ``add_workdays(Friday 2026-09-18, 1)`` is Sunday 2026-09-20, a swapped working day (调休), and
    ``add_workdays(2026-09-30, 1)`` is 2026-10-08, after the National Day holiday.
    """
    return load(office_id).add(start, n, strict=strict)


def workdays_between(start: date, end: date, *, strict: bool = False, office_id: int | None = None) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` <= ``start``)."""
    return load(office_id).between(start, end, strict=strict)


def fallback_years(start: date, end: date) -> list[int]:
    """Years between ``start`` and ``end`` with no arrangements (counted Monday–Friday only)."""
    return load().fallback_years(start, end)


def missing_years(years: Iterable[int]) -> list[int]:
    """Of ``years``, those with neither an entered table nor the package's data."""
    cal = load()
    return sorted({y for y in years if cal.source(y) == SOURCE_WEEKDAYS})
