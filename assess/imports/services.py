"""Start the self-assessment from what departments already wrote (issue #11, the in-application part).

An import-only list of the capability's public names; the code sits in modules named for what they do:
:mod:`.base` (the refusal, the upload check, stored JSON, units), :mod:`.summaries` (a summary → proposals, and
the page that shows them), :mod:`.decisions` (decisions → the form, where unconfirmed content came from),
:mod:`.reports` (annual reports: parsed, checked, their figures proposed).

Year-end summary → proposals: the pure package :mod:`assess.extraction` reads the file and proposes, per rubric
indicator, figures (value, unit, qualifier, source sentence with offsets) and passages. They are stored in a
:class:`FigureImport`; the editor decides on each (accept, correct, reject). Decided figures reach the form only
through :func:`assess.selfassessment.services.save_answer` (one implementation of the form's validation), and
the answer is then marked unconfirmed (the form's ``carried_over`` notion) until the editor confirms it there.
Accepted passages become evidence excerpts of the indicator.

Annual report → checked figures: :func:`upload_report` parses the national tables, checks them (sums, whole
counts, 上年结转 against last year's stored report) and keeps the result per department and year;
:func:`import_report_figures` turns its figures into proposals for the indicators whose rubric inputs name them
(by input name or by the input's ``phrases``), reviewed through the same accept flow.
"""
from __future__ import annotations

from .base import (DECISIONS, MAX_PASSAGES, MAX_TEXT_CHARS, REPORT_FIGURE_NAMES, REPORT_FIGURE_SOURCES, REPORT_TYPES,
                   SUMMARY_TYPES, ImportsError, editable_submissions, imports_of, in_spec_unit,
                   submission_of)  # noqa: F401
from .summaries import (FigureView, IndicatorView, PassageView, import_summary, place_in_text, proposal_reason,
                        review_view)  # noqa: F401
from .decisions import DecisionResult, Origin, decide, unconfirmed_origins  # noqa: F401
from .reports import (OverviewRow, failures_of, import_report_figures, overview, parsed_report, report_for,
                      report_from_dict, report_mapping, report_tables, reports_of, store_report,
                      upload_report)  # noqa: F401
