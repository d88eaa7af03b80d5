"""Working days (工作日) on the Chinese official calendar, public holidays and swapped days (调休) included.

The calendar comes from the maintained ``chinese_calendar`` package, which knows the State Council's
holiday arrangements for the years it has data for (it raises ``NotImplementedError`` outside them; a new
release each December adds the next year). For a date outside that range we either refuse with a clear
message (``strict=True``) or count Monday–Friday only and log a warning (the default, so that a deadline
early next year can still be set before the new arrangement is published; the office can correct it).
"""
from __future__ import annotations

import logging
from datetime import date, timedelta

import chinese_calendar

log = logging.getLogger(__name__)

MAX_WORKDAYS = 250  # about a year of working days: anything larger is a typing error


class WorkdayError(ValueError):
    """The calendar cannot answer (year outside the published arrangements) or the count is invalid."""


def _weekday_only(day: date) -> bool:
    return day.weekday() < 5


def is_workday(day: date, *, strict: bool = False) -> bool:
    """True on a working day: weekdays that are not holidays, plus weekend days worked in a 调休 swap."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
        if strict:
            raise WorkdayError(
                f"{day.year}年的法定节假日安排尚未收录（日历数据只覆盖已公布的年份），无法按工作日计算；"
                "请直接填写截止日期。"
            ) from exc
        log.warning("chinese_calendar has no holiday data for %s; counting Monday–Friday only", day.year)
        return _weekday_only(day)


def covers(day: date) -> bool:
    """Whether the holiday data covers ``day`` (False: :func:`is_workday` falls back to weekdays)."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def add_workdays(start: date, n: int, *, strict: bool = False) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself is not counted).

    ``add_workdays(Friday 2026-09-18, 1)`` is Sunday 2026-09-20, a swapped working day (调休), and
    ``add_workdays(2026-09-30, 1)`` is 2026-10-08, after the National Day holiday.
    """
    if n < 1 or n > MAX_WORKDAYS:
        raise WorkdayError(f"工作日数应在 1 到 {MAX_WORKDAYS} 之间。")
    day, left = start, n
    while left:
        day += timedelta(days=1)
        if is_workday(day, strict=strict):
            left -= 1
    return day


def workdays_between(start: date, end: date, *, strict: bool = False) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` <= ``start``)."""
    n, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_workday(day, strict=strict):
            n += 1
    return n
