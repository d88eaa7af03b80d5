"""One number, three sources: a department's self-reported figures against its own annual reports.

The figures a department types into its self-assessment (applications received, decisions, documents
issued …) are printed in its 政府信息公开工作年度报告 too. Each figure an indicator input names
(:func:`assess.imports.services.report_mapping`) is compared with the stored report of the campaign's year,
and a figure that continues last year's (上年结转) with last year's report (结转下年度继续办理). A mismatch is
a flag on the indicator; the review sheet shows both sources side by side (registered by ``create_app``
through :func:`assess.review.routes.show_source_checks_from`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..extraction.annual_report import report_to_figures
from ..models import Submission
from ..selfassessment import services as selfassessment_services
from .base import REPORT_FIGURE_SOURCES
from .reports import parsed_report, report_for, report_mapping

# A self-reported figure that continues last year's: compared with this figure of last year's report.
LAST_YEAR_FIGURES = {"requests_carried_in": "requests_carried_over"}


@dataclass
class SourceFlag:
    code: str                 # indicator
    name: str                 # input
    label: str
    unit: str
    reported: str             # the self-assessment's figure, as entered
    report_value: str         # the annual report's figure
    report_year: int
    report_id: int
    source: str               # where the report prints it
    which: str                # "same_year" | "last_year"


def _number(raw: object) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()) or isinstance(raw, bool):
        return None
    try:
        return Decimal(str(raw).strip())
    except InvalidOperation:
        return None


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))


def source_flags(submission: Submission) -> list[SourceFlag]:
    """Every self-reported figure of the submission that differs from its annual report of the same year
    (or, for a figure carried over, from last year's report). No report stored: nothing to compare."""
    year = submission.campaign.year
    reports = {y: report_for(submission.office_id, submission.department_id, y) for y in (year, year - 1)}
    figures = {y: report_to_figures(parsed_report(r)) for y, r in reports.items() if r is not None}
    if not figures:
        return []
    rubric = selfassessment_services.rubric_of(submission.campaign)
    answers = selfassessment_services.answers_of(submission)
    out: list[SourceFlag] = []
    for key, code, name in report_mapping(rubric):
        raw = selfassessment_services.stored_inputs(answers.get(code)).get(name)
        value = _number(raw)
        if value is None:
            continue
        spec = rubric.indicator(code).input(name)
        for which, y, figure in (("same_year", year, key), ("last_year", year - 1, LAST_YEAR_FIGURES.get(key))):
            if figure is None or y not in figures:
                continue
            printed = figures[y].get(figure)
            if printed is None or printed == value:
                continue
            row = reports[y]
            assert row is not None
            out.append(SourceFlag(code, name, spec.label, spec.unit or "", str(raw).strip(), _plain(printed), y,
                                  row.id, REPORT_FIGURE_SOURCES.get(figure, figure), which))
    return out
