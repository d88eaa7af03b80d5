"""The holiday table: reading a year from a file, entering it, an office's own days, and what moves.

A year is entered whole (all its days off and days worked, with the State Council notice it comes from):
the administrator uploads a small CSV or YAML file, sees it as a table, and confirms. Saving a year, or an
office adding or removing one of its own days, counts again every open deadline that was counted in
working days and has not passed (:data:`AFTER_CHANGE`: the rectification registers its notices there, see
``create_app``), records the change in each office's audit log and returns what moved, for the page.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable

import yaml
from flask_babel import gettext as _
from sqlalchemy import select

from ..audit.services import record, record_many
from ..extensions import db
from ..models import HolidayDay, HolidayYear, Office, OfficeDay
from ..models.calendar import DAY_KINDS, DAY_OFF, DAY_WORKED
from . import workdays

MAX_FILE_BYTES = 200_000
NAME_LIMIT = 60

# What a file may write in the "kind" column, to the stored kind.
KIND_WORDS = {
    "off": DAY_OFF, "holiday": DAY_OFF, "休": DAY_OFF, "放假": DAY_OFF, "休息": DAY_OFF,
    "work": DAY_WORKED, "workday": DAY_WORKED, "班": DAY_WORKED, "上班": DAY_WORKED, "调休上班": DAY_WORKED,
}
HEADER_WORDS = {
    "date": "date", "日期": "date", "kind": "kind", "类型": "kind", "name": "name", "名称": "name",
    "节日": "name",
}
WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")


class HolidayError(ValueError):
    """A refused change, with the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def kind_label(kind: str) -> str:
    return _("放假") if kind == DAY_OFF else _("调休上班")


def weekday_label(day: date) -> str:
    return _("周%(d)s", d=WEEKDAYS[day.weekday()])


# --- reading a year from a file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DayRow:
    line: int
    day: date
    kind: str
    name: str


@dataclass(frozen=True)
class Problem:
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        if self.line:
            return _("第 %(line)s 行 %(field)s：%(message)s", line=self.line, field=self.field, message=self.message)
        return _("%(field)s：%(message)s", field=self.field, message=self.message)


@dataclass
class YearFile:
    """A year as read from a file: its rows, the notice, and every problem found (none: it can be saved)."""

    filename: str
    year: int | None = None
    notice_title: str = ""
    notice_number: str = ""
    rows: list[DayRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    @property
    def days_off(self) -> int:
        return sum(1 for r in self.rows if r.kind == DAY_OFF)

    @property
    def days_worked(self) -> int:
        return sum(1 for r in self.rows if r.kind == DAY_WORKED)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise HolidayError(_("无法识别文件编码，请保存为 UTF-8。"), "file")


def _raw_csv(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[int, dict[str, str]]] = []
    columns: list[str | None] | None = None
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells) or cells[0].strip().startswith("#"):
            continue
        if columns is None:
            columns = [HEADER_WORDS.get(c.strip().lower()) for c in cells]
            missing = [c for c in ("date", "kind") if c not in columns]
            if missing:
                return [], [Problem(line, "date, kind, name",
                                    _("第一行应为表头：date,kind,name（或 日期,类型,名称）。"))]
            continue
        rows.append((line, {col: cell.strip() for col, cell in zip(columns, cells) if col}))
    return rows, []


def _line_of(node: Any) -> int:
    return node.start_mark.line + 1


def _raw_yaml(text: str, out: YearFile) -> list[tuple[int, dict[str, str]]]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        out.problems.append(Problem(mark.line + 1 if mark else None, "YAML", _("无法解析：%(e)s", e=getattr(exc, "problem", "") or str(exc))))
        return []
    if not isinstance(root, yaml.MappingNode):
        out.problems.append(Problem(1, "YAML", _("应为包含 year、notice_title、days 的映射。")))
        return []
    rows: list[tuple[int, dict[str, str]]] = []
    for key, value in root.value:
        name = key.value
        if name in ("year", "notice_title", "notice_number"):
            if not isinstance(value, yaml.ScalarNode):
                out.problems.append(Problem(_line_of(value), name, _("应为单个值。")))
                continue
            if name == "year":
                try:
                    out.year = int(value.value)
                except ValueError:
                    out.problems.append(Problem(_line_of(value), "year", _("年度应为四位数字。")))
            else:
                setattr(out, name, value.value.strip())
        elif name == "days":
            if not isinstance(value, yaml.SequenceNode):
                out.problems.append(Problem(_line_of(value), "days", _("应为日期列表。")))
                continue
            for item in value.value:
                if not isinstance(item, yaml.MappingNode):
                    out.problems.append(Problem(_line_of(item), "days", _("每一项应包含 date、kind、name。")))
                    continue
                rows.append((_line_of(item), {k.value: (v.value if isinstance(v, yaml.ScalarNode) else "")
                                              for k, v in item.value}))
        else:
            out.problems.append(Problem(_line_of(key), name, _("未知字段。")))
    return rows


def parse_year(data: bytes, filename: str, *, notice_title: str = "", notice_number: str = "") -> YearFile:
    """Read a year from a CSV (``date,kind,name``) or YAML file; every problem names its line and field.

    ``notice_title``/``notice_number`` (the form's fields, the CLI's options) fill in or replace those of
    the file. Every date must be of one year; a day worked (``work``) must be a Saturday or Sunday; a date
    appears once.
    """
    out = YearFile(filename=filename)
    if len(data) > MAX_FILE_BYTES:
        out.problems.append(Problem(None, "file", _("文件过大（不超过 200KB）。")))
        return out
    try:
        text = _decode(data)
    except HolidayError as exc:
        out.problems.append(Problem(None, "file", str(exc)))
        return out
    if filename.lower().endswith((".yaml", ".yml")):
        raw = _raw_yaml(text, out)
    else:
        raw, problems = _raw_csv(text)
        out.problems.extend(problems)
    out.notice_title = (notice_title or "").strip() or out.notice_title
    out.notice_number = (notice_number or "").strip() or out.notice_number
    seen: dict[date, int] = {}
    for line, cells in raw:
        text_day = (cells.get("date") or "").strip()
        try:
            day = datetime.strptime(text_day, "%Y-%m-%d").date()
        except ValueError:
            out.problems.append(Problem(line, "date", _("“%(v)s”不是 YYYY-MM-DD 格式的日期。", v=text_day)))
            continue
        kind = KIND_WORDS.get((cells.get("kind") or "").strip().lower())
        if kind is None:
            out.problems.append(Problem(line, "kind", _("类型“%(v)s”无效，应为 off（放假）或 work（调休上班）。",
                                                        v=cells.get("kind") or "")))
            continue
        name = (cells.get("name") or "").strip()
        if len(name) > NAME_LIMIT:
            out.problems.append(Problem(line, "name", _("名称不能超过 %(n)s 个字。", n=NAME_LIMIT)))
            continue
        if kind == DAY_WORKED and day.weekday() < 5:
            out.problems.append(Problem(line, "kind", _("%(d)s 是周一至周五，本就是工作日，不能列为调休上班。",
                                                        d=day.isoformat())))
            continue
        if day in seen:
            out.problems.append(Problem(line, "date", _("%(d)s 与第 %(l)s 行重复。", d=day.isoformat(), l=seen[day])))
            continue
        seen[day] = line
        out.rows.append(DayRow(line, day, kind, name))
    if out.year is None and out.rows:
        out.year = out.rows[0].day.year  # the year of the file's first date; a date of another is an error
    for r in list(out.rows):
        if out.year is not None and r.day.year != out.year:
            out.problems.append(Problem(r.line, "date", _("%(d)s 不在 %(y)s 年内：一个文件只录入一个年度。",
                                                          d=r.day.isoformat(), y=out.year)))
    if not raw and not out.problems:
        out.problems.append(Problem(None, "file", _("文件中没有日期。")))
    if not out.notice_title:
        out.problems.append(Problem(None, "notice_title", _("请填写节假日安排通知的标题。")))
    elif len(out.notice_title) > 200:
        out.problems.append(Problem(None, "notice_title", _("通知标题不能超过 200 个字。")))
    if len(out.notice_number) > 60:
        out.problems.append(Problem(None, "notice_number", _("文号不能超过 60 个字。")))
    out.rows.sort(key=lambda r: r.day)
    return out


# --- what moved ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MovedDeadline:
    """One open deadline counted again after a change of the calendar."""

    office_id: int
    what: str  # e.g. the notice's title and department
    old: date
    new: date
    url_endpoint: str = ""
    url_args: dict = field(default_factory=dict)


# Recounters of open deadlines, registered by the capabilities that count in working days (create_app):
# fn(office_id or None for every office, *, actor, today, reason, dry_run=False, amend=None) -> the deadlines
# that moved (flushed and audited; with ``dry_run`` nothing is written, on calendars as ``amend(cal)`` gives).
AFTER_CHANGE: list[Callable[..., list[MovedDeadline]]] = []


def recount_with(fn: Callable[..., list[MovedDeadline]]) -> None:
    if fn not in AFTER_CHANGE:
        AFTER_CHANGE.append(fn)


def _recount(office_id: int | None, *, actor: Any, today: date, reason: str) -> list[MovedDeadline]:
    moved: list[MovedDeadline] = []
    for fn in AFTER_CHANGE:
        moved.extend(fn(office_id, actor=actor, today=today, reason=reason))
    return moved


# --- the installation's table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class YearChange:
    year: int
    created: bool
    moved: list[MovedDeadline]


def _summary(y: HolidayYear | None, rows: list[Any]) -> dict | None:
    if y is None:
        return None
    return {"notice_title": y.notice_title, "notice_number": y.notice_number,
            "off": [r.day.isoformat() for r in rows if r.kind == DAY_OFF],
            "work": [r.day.isoformat() for r in rows if r.kind == DAY_WORKED]}


def holiday_year(year: int) -> HolidayYear | None:
    return db.session.scalars(select(HolidayYear).where(HolidayYear.year == year)).first()


def save_year(parsed: YearFile, *, actor: Any, today: date, version: Any = None) -> YearChange:
    """Enter (or replace) a year of the installation's table, then count open deadlines again.

    ``version`` is the year's version the administrator previewed against: a year changed by someone else
    in between is refused, not overwritten. The change is recorded in every office's audit log (each
    office's deadlines follow this table), with the deadlines that moved.
    """
    if not parsed.ok or parsed.year is None:
        raise HolidayError(_("文件有错误，未保存。"), "file")
    existing = holiday_year(parsed.year)
    if existing is not None and version not in (None, "") and str(existing.version_id) != str(version):
        raise HolidayError(_("%(y)s年的节假日安排已被他人修改（第 %(v)s 版），请重新上传并核对。",
                             y=parsed.year, v=existing.version_id), "file")
    if existing is None and version not in (None, "", "0"):
        raise HolidayError(_("%(y)s年的节假日安排已被他人删除，请重新上传并核对。", y=parsed.year), "file")
    old = _summary(existing, list(existing.days) if existing else [])
    created = existing is None
    if created:
        existing = HolidayYear(year=parsed.year, notice_title=parsed.notice_title,
                               notice_number=parsed.notice_number, updated_by_id=getattr(actor, "id", None))
        db.session.add(existing)
    else:
        existing.days.clear()
        db.session.flush()  # the old dates go before the new ones (one row per date)
        existing.notice_title, existing.notice_number = parsed.notice_title, parsed.notice_number
        existing.updated_by_id = getattr(actor, "id", None)
    existing.days.extend(HolidayDay(day=r.day, kind=r.kind, name=r.name) for r in parsed.rows)
    db.session.flush()
    new = _summary(existing, parsed.rows)
    number = "（" + parsed.notice_number + "）" if parsed.notice_number else ""
    reason = _("节假日安排变更：%(title)s%(number)s", title=parsed.notice_title, number=number)
    for office_id in db.session.scalars(select(Office.id).execution_options(unscoped=True)):
        record(office_id, "holidays.year.save", "holiday_year", parsed.year, actor=actor, old=old, new=new,
               reason=reason)
    moved = _recount(None, actor=actor, today=today, reason=reason)
    return YearChange(parsed.year, created, moved)


def preview_moves(parsed: YearFile, *, today: date) -> list[MovedDeadline]:
    """The open deadlines that saving ``parsed`` would move (nothing is written): shown with the preview."""
    if not parsed.ok or parsed.year is None:
        return []
    days = {r.day: r.kind == DAY_WORKED for r in parsed.rows}
    moved: list[MovedDeadline] = []
    for fn in AFTER_CHANGE:
        moved.extend(fn(None, actor=None, today=today, reason="", dry_run=True,
                        amend=lambda cal: cal.with_year(parsed.year, days)))
    return moved


@dataclass(frozen=True)
class YearView:
    """A year as the pages show it: where it comes from and its days."""

    year: int
    source: str
    notice_title: str
    notice_number: str
    version: int
    days: list[tuple[date, str, str]]  # (date, kind, name)


def year_view(year: int) -> YearView:
    """The year's days off and worked, from the table if entered, else from the package (weekends inside a
    holiday period included), else none."""
    entered = holiday_year(year)
    if entered is not None:
        return YearView(year, workdays.SOURCE_TABLE, entered.notice_title, entered.notice_number,
                        entered.version_id, [(d.day, d.kind, d.name) for d in entered.days])
    if not workdays.package_covers(year):
        return YearView(year, workdays.SOURCE_WEEKDAYS, "", "", 0, [])
    return YearView(year, workdays.SOURCE_PACKAGE, "", "", 0, package_days(year))


def package_days(year: int) -> list[tuple[date, str, str]]:
    """The ``chinese_calendar`` package's days off and worked of ``year`` (as a table would list them)."""
    import chinese_calendar

    def chinese(name: str | None) -> str:
        try:
            return chinese_calendar.Holiday(name).chinese if name else ""
        except ValueError:
            return name or ""

    out: list[tuple[date, str, str]] = []
    day = date(year, 1, 1)
    while day.year == year:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        worked = chinese_calendar.is_workday(day)
        if day.weekday() < 5 and not worked:
            out.append((day, DAY_OFF, chinese(name)))
        elif day.weekday() >= 5 and worked:
            out.append((day, DAY_WORKED, chinese(name)))
        elif day.weekday() >= 5 and on_holiday and name:
            out.append((day, DAY_OFF, chinese(name)))
        day += timedelta(days=1)
    return out


def years_overview(today: date) -> list[YearView]:
    """Last year to next year, and every entered year: what the platform administrator's page lists."""
    entered = set(db.session.scalars(select(HolidayYear.year)))
    years = sorted(entered | {today.year - 1, today.year, today.year + 1})
    return [year_view(y) for y in years]


def years_needed(today: date) -> set[int]:
    """The years deadlines are counted in now: this year, and next year from October (when the next
    arrangement is published and the next cycle's deadlines reach into it)."""
    return {today.year} | ({today.year + 1} if today.month >= 10 else set())


def missing_years(today: date) -> list[int]:
    """Years deadlines are counted in that have neither an entered table nor the package's data."""
    return workdays.missing_years(years_needed(today))


def window_notes(today: date, days: int = 90) -> list[str]:
    """Notes for a page that sets a deadline: the years a count from today may reach without data."""
    return [workdays.missing_year_note(y) for y in workdays.missing_years(range(today.year, (today + timedelta(days=days)).year + 1))]


# --- an office's own days ---------------------------------------------------------------------------------


def office_days(office_id: int) -> list[OfficeDay]:
    return list(db.session.scalars(select(OfficeDay).where(OfficeDay.office_id == office_id).order_by(OfficeDay.day)))


def office_day_on(office_id: int, day: date) -> OfficeDay | None:
    return db.session.scalars(select(OfficeDay).where(OfficeDay.office_id == office_id, OfficeDay.day == day)).first()


def add_office_day(office_id: int, *, day: date, kind: str, name: str, actor: Any,
                   today: date) -> tuple[OfficeDay, list[MovedDeadline]]:
    """Add an office's own day (a local holiday, a closure, a day worked) and count its open deadlines again."""
    if kind not in DAY_KINDS:
        raise HolidayError(_("类型无效。"), "kind")
    name = (name or "").strip()
    if not name:
        raise HolidayError(_("请填写名称（如：本地节日、单位停电停网）。"), "name")
    if len(name) > NAME_LIMIT:
        raise HolidayError(_("名称不能超过 %(n)s 个字。", n=NAME_LIMIT), "name")
    if kind == DAY_WORKED and day.weekday() < 5:
        raise HolidayError(_("%(d)s 是周一至周五，本就是工作日，不能列为调休上班。", d=day.isoformat()), "day")
    taken = office_day_on(office_id, day)
    if taken is not None:
        raise HolidayError(_("%(d)s 已列为本单位的“%(n)s”。", d=day.isoformat(), n=taken.name), "day")
    row = OfficeDay(office_id=office_id, day=day, kind=kind, name=name, created_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    record(office_id, "holidays.office_day.add", "office_day", row.id, actor=actor,
           new={"day": day.isoformat(), "kind": kind, "name": name})
    reason = _("本单位日历变更：%(d)s %(n)s", d=day.isoformat(), n=name)
    return row, _recount(office_id, actor=actor, today=today, reason=reason)


def remove_office_day(row: OfficeDay, *, actor: Any, today: date) -> list[MovedDeadline]:
    office_id = row.office_id
    old = {"day": row.day.isoformat(), "kind": row.kind, "name": row.name}
    record(office_id, "holidays.office_day.remove", "office_day", row.id, actor=actor, old=old)
    db.session.delete(row)
    db.session.flush()
    reason = _("本单位日历变更：删除 %(d)s %(n)s", d=old["day"], n=old["name"])
    return _recount(office_id, actor=actor, today=today, reason=reason)


RECOUNT_ACTION = "rectification.notice.deadline_recount"


def recent_recounts(office_id: int, *, days: int = 30) -> int:
    """How many of the office's deadlines a calendar change moved lately (its home page says so)."""
    from sqlalchemy import func

    from ..models import AuditEntry
    from ..models.base import utcnow

    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.office_id == office_id, AuditEntry.action == RECOUNT_ACTION,
        AuditEntry.at >= utcnow() - timedelta(days=days))) or 0


def recorded_moves(entries: list[dict[str, Any]], office_id: int, actor: Any) -> None:
    """Append the moved deadlines' entries to the office's chain in one go (used by the recounters)."""
    if entries:
        record_many(office_id, entries, actor=actor)
