"""Annual reports: parsed, checked against the national format and last year's report, kept per department
and year; their figures proposed for the indicators whose inputs name them.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

from flask_babel import gettext as _
from sqlalchemy import select

from .. import scoring
from ..audit.services import record
from ..extensions import db
from ..extraction.annual_report import (CHECK_SEVERITY, COLUMN_TITLES, PROACTIVE_TITLES, REQUEST_COLUMNS,
                                        REVIEW_COLUMNS, REVIEW_GROUPS, SEVERITY_TITLES, Report, check, parse_report,
                                        report_to_figures, request_rows)
from ..extraction.errors import ExtractionError
from ..models import AnnualReport, Department, FigureImport, Submission, User
from ..models.base import utcnow
from ..selfassessment import services as selfassessment_services
from ..storage import put_upload
from ..tenancy.roles import DEPARTMENT_STAFF
from .base import (REPORT_FIGURE_NAMES, REPORT_FIGURE_SOURCES, REPORT_TYPES, ImportsError, _check_upload, _dumps,
                   _extraction_error, _loads, _plain, _require_editor)


# --- annual reports ------------------------------------------------------------------------------------


def report_from_dict(data: Mapping[str, Any]) -> Report:
    def conv(table: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Decimal | None]]:
        return {r: {c: (None if v is None else Decimal(str(v))) for c, v in cols.items()} for r, cols in table.items()}
    return Report(version=str(data.get("version", "2021")), year=data.get("year"),
                  proactive=conv(data.get("proactive", {})), requests=conv(data.get("requests", {})),
                  review=conv(data.get("review", {})), notes=list(data.get("notes", [])),
                  matched=dict(data.get("matched", {})))


def parsed_report(row: AnnualReport) -> Report:
    return report_from_dict(_loads(row.parsed, {}))


def failures_of(row: AnnualReport) -> list[dict[str, Any]]:
    return _loads(row.checks, [])


def report_for(office_id: int, department_id: int, year: int) -> AnnualReport | None:
    return db.session.scalars(select(AnnualReport).where(
        AnnualReport.office_id == office_id, AnnualReport.department_id == department_id,
        AnnualReport.year == year)).first()


def _check_row(row: AnnualReport) -> None:
    """(Re)run the checks of a stored report, against last year's stored report when there is one."""
    previous = report_for(row.office_id, row.department_id, row.year - 1)
    failures = check(parsed_report(row), parsed_report(previous) if previous else None)
    row.checks = _dumps([f.to_dict() for f in failures])
    row.failure_count = len(failures)
    row.checked_against_id = previous.id if previous else None


def _parse_year(raw: Any) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        year = int(str(raw).strip())
    except ValueError:
        raise ImportsError(_("年度应为四位数字，例如 2025。"), "year")
    if not 2008 <= year <= 2100:
        raise ImportsError(_("年度应在2008年（《政府信息公开条例》施行）至2100年之间。"), "year")
    return year


def upload_report(department: Department, *, actor: User, filename: str, data: bytes,
                  year: Any = None) -> AnnualReport:
    """Parse, check and store a department's annual report for a year (replacing that year's earlier upload).

    The year comes from the form or, when left blank, from the report's title. Next year's stored report is
    re-checked too (its 上年结转 can now be compared)."""
    if actor.role not in DEPARTMENT_STAFF or actor.department_id != department.id:
        raise ImportsError(_("只有本部门的填报人员可以上传年度报告。"))
    return store_report(department, uploaded_by=actor, filename=filename, data=data, year=year)


def store_report(department: Department, *, uploaded_by: User | None, filename: str, data: bytes,
                 year: Any = None) -> AnnualReport:
    """Parse, check, store and audit (the permission is the caller's: :func:`upload_report`, the demo)."""
    actor = uploaded_by
    name = _check_upload(filename, data, REPORT_TYPES)
    year_given = _parse_year(year)
    try:
        report = parse_report(data, name)
    except ExtractionError as exc:
        raise _extraction_error(exc) from exc
    if year_given and report.year and report.year != year_given:
        raise ImportsError(_("报告标题中的年度（%(r)s年）与所填年度（%(y)s年）不一致，请核对。",
                             r=report.year, y=year_given), "year")
    year_final = year_given or report.year
    if year_final is None:
        raise ImportsError(_("未能从报告标题中识别年度，请填写报告年度。"), "year")
    sha = hashlib.sha256(data).hexdigest()
    key = f"o{department.office_id}/d{department.id}/{secrets.token_hex(16)}"
    put_upload(key, data, "application/octet-stream", error=ImportsError)  # disk full: at the file field
    row = report_for(department.office_id, department.id, year_final)
    old = None
    if row is None:
        row = AnnualReport(office_id=department.office_id, department_id=department.id, year=year_final)
        db.session.add(row)
    else:
        old = {"filename": row.filename, "sha256": row.sha256, "failures": row.failure_count}
    row.format_version = report.version
    row.parsed = _dumps(report.to_dict())
    row.filename = name
    row.storage_key = key
    row.sha256 = sha
    row.uploaded_by_id = actor.id if actor else None
    row.uploaded_at = utcnow()
    db.session.flush()
    _check_row(row)
    following = report_for(department.office_id, department.id, year_final + 1)
    if following is not None:
        _check_row(following)
    db.session.flush()
    record(department.office_id, "annual_report.upload", "annual_report", row.id, actor=actor, old=old,
           new={"year": year_final, "format": report.version, "filename": name, "sha256": sha,
                "failures": row.failure_count}, department_id=department.id)
    return row


def reports_of(department_id: int) -> list[AnnualReport]:
    return list(db.session.scalars(select(AnnualReport).where(AnnualReport.department_id == department_id)
                                   .order_by(AnnualReport.year.desc())))


@dataclass
class OverviewRow:
    department: Department
    cells: dict[int, AnnualReport]


def overview(office_id: int) -> tuple[list[int], list[OverviewRow]]:
    """Every department of the office × every year with a stored report: (years newest first, rows)."""
    reports = list(db.session.scalars(select(AnnualReport).where(AnnualReport.office_id == office_id)))
    years = sorted({r.year for r in reports}, reverse=True)
    by_dept: dict[int, dict[int, AnnualReport]] = {}
    for r in reports:
        by_dept.setdefault(r.department_id, {})[r.year] = r
    departments = db.session.scalars(select(Department).where(Department.office_id == office_id)
                                     .order_by(Department.id))
    rows = [OverviewRow(d, by_dept.get(d.id, {})) for d in departments
            if getattr(d, "active", True) or d.id in by_dept]
    return years, rows


def report_tables(row: AnnualReport) -> dict[str, Any]:
    """The parsed tables laid out for display, with the cells named in failures flagged."""
    report = parsed_report(row)
    failures = [_with_severity(f) for f in failures_of(row)]
    flagged: dict[tuple[str, str, str], list[int]] = {}
    table_key = {"收到和处理政府信息公开申请情况": "requests", "政府信息公开行政复议、行政诉讼情况": "review",
                 "主动公开政府信息情况": "proactive"}
    for i, f in enumerate(failures, 1):
        for r, c in f.get("cells", []):
            flagged.setdefault((table_key.get(f["table"], ""), r, c), []).append(i)
    requests = []
    layout = request_rows(report.version)
    if "other" in report.requests and not any(k.startswith("other_") for k in report.requests):
        # the 2021 format's three 其他处理 rows printed as one: shown as that one row
        layout = [(k, t) for k, t in layout if not k.startswith("other_")]
        layout.insert(next(i for i, (k, _t) in enumerate(layout) if k == "total"), ("other", "（六）其他处理"))
    for key, title in layout:
        cols = report.requests.get(key)
        requests.append({"key": key, "title": title, "present": cols is not None,
                         "cells": [(None if cols is None else cols.get(c), flagged.get(("requests", key, c), []))
                                   for c in REQUEST_COLUMNS]})
    review = []
    for gkey, gtitle in REVIEW_GROUPS:
        cols = report.review.get(gkey)
        review.append({"key": gkey, "title": gtitle, "present": cols is not None,
                       "cells": [(None if cols is None else cols.get(c), flagged.get(("review", gkey, c), []))
                                 for c, _t in REVIEW_COLUMNS]})
    proactive = []
    for key, cols in report.proactive.items():
        proactive.append({"key": key, "title": PROACTIVE_TITLES.get(key, key),
                          "cells": [(col, value, flagged.get(("proactive", key, col), []))
                                    for col, value in cols.items()]})
    return {"report": report, "failures": failures, "requests": requests, "review": review,
            "proactive": proactive, "request_columns": [COLUMN_TITLES[c] for c in REQUEST_COLUMNS],
            "review_columns": [t for _c, t in REVIEW_COLUMNS]}


def _with_severity(failure: dict[str, Any]) -> dict[str, Any]:
    """A stored finding with its severity (error/warning/format; findings stored before severities
    existed: from the check's id) and its message without the severity's name, which the page shows as
    a badge."""
    out = dict(failure)
    out["severity"] = out.get("severity") or CHECK_SEVERITY.get(out.get("check", ""), "error")
    prefix = SEVERITY_TITLES[out["severity"]] + "："
    message = str(out.get("message", ""))
    out["text"] = message[len(prefix):] if message.startswith(prefix) else message
    return out


def report_mapping(rubric: scoring.Rubric) -> list[tuple[str, str, str]]:
    """(figure key, indicator code, input name) for every numeric rubric input that names a report figure:
    by the input's name first, then by its label or one of its ``phrases``. An input takes one figure."""
    out: list[tuple[str, str, str]] = []
    taken: set[tuple[str, str]] = set()
    inputs = [(ind, spec) for ind in rubric.all_indicators() for spec in ind.inputs if spec.numeric]
    for ind, spec in inputs:
        if spec.name in REPORT_FIGURE_NAMES:
            out.append((spec.name, ind.code, spec.name))
            taken.add((ind.code, spec.name))
    for ind, spec in inputs:
        if (ind.code, spec.name) in taken:
            continue
        names = {spec.label, *spec.phrases}
        for key, words in REPORT_FIGURE_NAMES.items():
            if names & set(words):
                out.append((key, ind.code, spec.name))
                taken.add((ind.code, spec.name))
                break
    return out


def import_report_figures(row: AnnualReport, submission: Submission, *, actor: User) -> FigureImport:
    """Proposals for the indicators whose inputs name an annual-report figure, reviewed like a summary's."""
    _require_editor(submission, actor)
    if row.department_id != submission.department_id or row.office_id != submission.office_id:
        raise ImportsError(_("这份年度报告不属于该自评表的部门。"))
    rubric = selfassessment_services.rubric_of(submission.campaign)
    values = report_to_figures(parsed_report(row))
    figures = []
    for key, code, name in report_mapping(rubric):
        value = values.get(key)
        if value is None:
            continue
        spec = rubric.indicator(code).input(name)
        source = f"{row.year}年度报告{REPORT_FIGURE_SOURCES.get(key, key)}：{_plain(value)}"
        figures.append({"indicator_code": code, "name": name, "label": spec.label, "value": _plain(value),
                        "unit": spec.unit, "printed": _plain(value), "qualifier": None, "qualifier_kind": None,
                        "source_sentence": source, "start": None, "end": None, "report_figure": key,
                        "confidence": 1.0 if not row.failure_count else 0.5})
    if not figures:
        raise ImportsError(_("本考核细则中没有可由年度报告数字填写的指标（填报项的名称或短语须与报告中的数字对应）。"))
    fi = FigureImport(office_id=submission.office_id, department_id=submission.department_id,
                      campaign_id=submission.campaign_id, submission_id=submission.id, source="annual_report",
                      annual_report_id=row.id, filename=row.filename, sha256=row.sha256, text="",
                      proposals=_dumps({"figures": figures, "by_indicator": {}}), decisions="{}",
                      created_by_id=actor.id)
    db.session.add(fi)
    db.session.flush()
    record(submission.office_id, "import.annual_report", "figure_import", fi.id, actor=actor,
           new={"annual_report": row.id, "year": row.year, "figures": {f["name"]: f["value"] for f in figures},
                "report_failures": row.failure_count},
           department_id=submission.department_id, campaign_id=submission.campaign_id)
    return fi
