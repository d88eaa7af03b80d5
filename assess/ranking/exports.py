"""Exports of a campaign's ranking, detailed score sheet and problem list as .xlsx, CSV (UTF-8 with BOM) or JSON.

A table is ``(headers, rows)``; cells are ``str``, ``int``, ``Decimal`` or ``None``. Text cells that a
spreadsheet would read as a formula are prefixed with ``'`` (``assess.spreadsheet.safe_cell``).
"""
from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any, Collection, Sequence
from urllib.parse import quote

from flask import Response, abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import Campaign, IndicatorResult, User
from ..rubrics.store import engine_rubric
from ..spreadsheet import safe_cell
from ..tenancy.scope import all_departments
from .services import RankRow, current_rows

Table = tuple[list[str], list[list[Any]]]
KINDS = {"ranking": _l("排名表"), "scores": _l("得分明细"), "problems": _l("问题清单")}  # lazy: str() for files
FORMATS = ("xlsx", "csv", "json")


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return safe_cell(value)
    return value


def ranking_table(campaign: Campaign, rows: Sequence[RankRow], *, overall: bool = False) -> Table:
    rubric = engine_rubric(campaign.rubric)
    headers = ["分组", "组内排名"] + (["总排名"] if overall else []) + ["部门", "总分"]
    headers += [f"{a.title}（{a.points}分）" for a in rubric.areas]
    headers += ["加分", "逾期扣分", "等次", "按分数等次", "一票否决", "是否报送", "备注"]
    out = []
    for r in rows:
        line: list[Any] = [r.group_name, r.rank] + ([r.overall_rank] if overall else []) + [r.department_name, r.total]
        line += [r.areas.get(a.code) for a in rubric.areas]
        line += [r.bonus, r.late_deduction, r.grade, r.grade_by_score, "是" if r.veto else "否",
                 "是" if r.submitted else "否", r.note]
        out.append(line)
    return headers, out


def _results(campaign: Campaign, department_id: int | None = None):
    ir = IndicatorResult
    stmt = (select(ir.department_id, ir.indicator_code, ir.self_score, ir.final_score, ir.problem)
            .where(ir.office_id == campaign.office_id, ir.campaign_id == campaign.id))
    if department_id is not None:
        return db.session.execute(stmt.where(ir.department_id == department_id)).all()
    return db.session.execute(all_departments(stmt)).all()  # office users only; the scope keeps the office wall


def score_sheet(campaign: Campaign, rows: Sequence[RankRow]) -> Table:
    """Departments × indicators, self-score and final score side by side, in ranking order (of ``rows``: the
    caller leaves out the departments the reader may not read, see ``download``)."""
    rubric = engine_rubric(campaign.rubric)
    inds = [i for i in rubric.all_indicators() if i.rule.kind != "veto"]
    headers = ["分组", "组内排名", "部门", "总分"]
    for i in inds:
        headers += [f"{i.code} {i.title} 自评", f"{i.code} {i.title} 终评"]
    cells: dict[tuple[int, str], tuple] = {}
    for dept, code, s, f, _p in _results(campaign):
        cells[(dept, code)] = (s, f)
    out = []
    for r in rows:
        line: list[Any] = [r.group_name, r.rank, r.department_name, r.total]
        for i in inds:
            s, f = cells.get((r.department_id, i.code), (None, None))
            line += [Decimal(s) if s is not None else None, Decimal(f) if f is not None else None]
        out.append(line)
    return headers, out


def _evidence_text(evidence) -> str:
    return "；".join(f"{e.title}（{e.url}）" if e.url and e.url != e.title else (e.title or e.filename or "")
                    for e in evidence)


def problem_list(campaign: Campaign, *, department_id: int | None = None,
                 departments: Collection[int] | None = None) -> Table:
    """The reviewers' findings that stand (:func:`assess.review.findings.standing_findings`): a finding a
    contest overturned is not a problem any more and is not listed. ``departments``: only these (None: all)."""
    from ..review.findings import standing_findings

    headers = ["分组", "部门", "指标代码", "指标", "分值", "自评分", "终评分", "扣分", "评审佐证", "问题描述"]
    out = [[f.group_name, f.department_name, f.code, f.title, f.points, f.self_score, f.final_score, f.deducted,
            _evidence_text(f.evidence), f.problem or ("一票否决" if f.veto else "")]
           for f in standing_findings(campaign, department_id=department_id)
           if departments is None or f.department_id in departments]
    out.sort(key=lambda line: (line[0], line[1]))  # stable: rubric order within a department
    return headers, out


# --------------------------------------------------------------------------- formats


def to_csv(table: Table) -> bytes:
    headers, rows = table
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(headers)
    for line in rows:
        w.writerow(["" if v is None else (safe_cell(v) if isinstance(v, str) else str(v)) for v in line])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _width(value: Any) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)  # CJK characters are twice as wide


def to_xlsx(table: Table, title: str) -> bytes:
    """A one-sheet workbook (write-only mode: large score sheets stream instead of building every cell)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    headers, rows = table
    widths = [_width(h) for h in headers]
    for line in rows:
        for j, v in enumerate(line):
            w = _width(v)
            if w > widths[j]:
                widths[j] = w
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(w + 2, 6), 60)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)

    def header(value: str) -> WriteOnlyCell:
        c = WriteOnlyCell(ws, value=_cell(value))
        c.font = bold
        return c

    ws.append([header(h) for h in headers])
    for line in rows:  # plain values: numbers stay numbers (scores keep their own decimals), no per-cell style
        ws.append([_cell(v) for v in line])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_json(table: Table) -> bytes:
    headers, rows = table
    data = [{h: (str(v) if isinstance(v, Decimal) else v) for h, v in zip(headers, line)} for line in rows]
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


MIMETYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "csv": "text/csv; charset=utf-8", "json": "application/json"}


def render(table: Table, fmt: str, title: str) -> bytes:
    if fmt == "xlsx":
        return to_xlsx(table, title)
    if fmt == "csv":
        return to_csv(table)
    return to_json(table)


def download(campaign: Campaign, kind: str, fmt: str, *, reader: User, group_id: int | None = None) -> Response:
    """One export of the campaign's current ranking as a file (the ranking page's and the API's download).

    404 for an unknown ``kind``/``fmt``; the caller has checked ``reader`` may read the office's ranking. The
    ranking itself (ranks, totals, grades) is the office's; the score sheet and the problem list are review
    content and hold only the departments whose results ``reader`` may open
    (:func:`assess.review.access.departments_readable_by`: a reviewer's assigned departments).
    """
    from ..review.access import departments_readable_by

    if kind not in KINDS or fmt not in FORMATS:
        abort(404)
    rows, _pub = current_rows(campaign, group_id=group_id)
    readable = None if kind == "ranking" else departments_readable_by(reader, campaign)
    if kind == "ranking":
        table = ranking_table(campaign, rows)
    elif kind == "scores":
        table = score_sheet(campaign, [r for r in rows if readable is None or r.department_id in readable])
    else:
        table = problem_list(campaign, departments=readable)
    title = str(KINDS[kind])
    body = render(table, fmt, title)
    filename = f"{campaign.year}-{title}.{fmt}"
    return Response(body, mimetype=MIMETYPES[fmt], headers={
        "Content-Disposition": f"attachment; filename=ranking-{campaign.id}-{kind}.{fmt}; filename*=UTF-8''{quote(filename)}"})
