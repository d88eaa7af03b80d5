"""Plain-data contexts for the PDF templates (no ORM objects, no Flask).

Why plain frozen dataclasses: the templates must not be able to lazy-load rows, reach
another tenant's data through a relationship or trigger queries while WeasyPrint lays out
pages (Indico's "safe template context"). The service that issues a document builds one of
these from its own, already tenant-scoped query results, stores what it used, and hands the
dataclass to :func:`assess.documents.render.render_pdf`. Storing the same data later lets a
document be re-rendered exactly.

Scores are ``Decimal`` (never float); dates are ``datetime.date``. All text is printed
through Jinja autoescaping, so any field may safely hold user-entered text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = [
    "AreaSubtotal",
    "CircularContext",
    "Letterhead",
    "NoticeContext",
    "ProblemItem",
    "RankingRow",
    "ScoreRow",
    "ScoreSheetContext",
    "Section",
    "SelfAssessmentArea",
    "SelfAssessmentContext",
    "SelfAssessmentRow",
]


@dataclass(frozen=True, slots=True)
class Letterhead:
    """The parts of a red-header document (版头, 署名, 版记) shared by circulars and notices.

    ``authority_mark`` is the 发文机关标志 printed in red (e.g. ``示范县人民政府办公室文件``);
    ``doc_number`` the already formatted 发文字号 (see ``official.format_doc_number``);
    ``issuer`` the 发文机关署名 above ``date`` (成文日期). ``seal_png`` is the PNG of the seal
    printed over them, or ``None`` for a draft/unsealed copy. ``cc`` lists 抄送 bodies;
    ``printed_by`` and ``print_date`` form the 印发 line of the 版记. ``contact`` is a free
    line such as ``联系人：张三，电话：0000-1234567`` printed after the body when given.
    """

    authority_mark: str
    doc_number: str
    issuer: str
    date: dt.date
    printed_by: str
    print_date: dt.date
    seal_png: bytes | None = None
    cc: Sequence[str] = ()
    contact: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    """A numbered part of the body: ``heading`` gets 一、/（一） from its position.

    ``subsections`` are rendered one level down (（一） in 楷体). Keep the heading text without
    its number: numbering is the template's job so inserted sections never break it.
    """

    heading: str
    paragraphs: Sequence[str] = ()
    subsections: Sequence[Section] = ()


@dataclass(frozen=True, slots=True)
class RankingRow:
    """One department's line in the ranking table (附件1 of the circular).

    ``area_scores`` is aligned with ``CircularContext.area_titles``. ``rank`` is ``None`` for
    units not ranked (e.g. veto, 不参与排名) — ``note`` says why.
    """

    group: str
    rank: int | None
    department: str
    area_scores: Sequence[Decimal]
    bonus: Decimal
    total: Decimal
    grade: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class CircularContext:
    """The results circular (关于XXXX年度政务公开工作考核结果的通报).

    The body is ``opening`` then ``sections`` (一、二、三、…). ``grades`` (grade → unit names,
    in the order to print) is listed at the end of the first section (总体情况), where real
    circulars name the units per grade. The ranking table is always 附件1; ``attachments``
    holds the attachment titles in order (the first one names the ranking table).
    """

    letterhead: Letterhead
    title: str
    addressee: str
    opening: str
    sections: Sequence[Section]
    grades: Mapping[str, Sequence[str]]
    area_titles: Sequence[str]
    ranking_rows: Sequence[RankingRow]
    attachments: Sequence[str]
    public_note: str = "（此件公开发布）"
    verify_code: str = ""
    verify_url: str = ""


@dataclass(frozen=True, slots=True)
class ProblemItem:
    """One line of a rectification problem list (问题清单)."""

    seq: int
    area: str
    indicator_code: str
    indicator_title: str
    problem: str
    points_deducted: Decimal
    requirement: str


@dataclass(frozen=True, slots=True)
class NoticeContext:
    """A rectification notice (整改通知) sent to one department, problem list attached."""

    letterhead: Letterhead
    department: str
    title: str
    intro: Sequence[str]
    items: Sequence[ProblemItem]
    deadline: dt.date
    how_to_answer: str
    contact: str
    attachment_title: str = "问题清单"
    deadline_note: str = ""  # a deadline counted Monday–Friday only says so (year without arrangements)
    public_note: str = ""
    verify_code: str = ""
    verify_url: str = ""


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """One indicator on a department's score sheet (考核评分表)."""

    area: str
    code: str
    title: str
    max_points: Decimal
    self_score: Decimal | None
    final_score: Decimal | None
    problem: str = ""
    reviewer_reason: str = ""


@dataclass(frozen=True, slots=True)
class AreaSubtotal:
    """Totals of one area (一级指标) on the score sheet."""

    area: str
    max_points: Decimal
    self_score: Decimal
    final_score: Decimal


@dataclass(frozen=True, slots=True)
class ScoreSheetContext:
    """A department's score sheet: every indicator, area subtotals, total, rank and grade.

    Not a red-header document: an internal form, printed with page numbers and a footer
    identifying the campaign, so it is laid out as a plain A4 table.
    """

    office: str
    department: str
    group: str
    campaign_name: str
    rows: Sequence[ScoreRow]
    area_subtotals: Sequence[AreaSubtotal]
    bonus: Decimal
    total: Decimal
    rank: int | None
    group_size: int
    grade: str
    reviewed_by: str = ""
    date: dt.date | None = None
    verify_code: str = ""
    verify_url: str = ""
    notes: Sequence[str] = field(default_factory=tuple)
    major: Decimal | None = None  # 重大扣分项 taken off the total (≤ 0); None when the rubric has none
    ended: bool = False  # 单项否决: a veto ended scoring — no area, bonus or total printed as scored


@dataclass(frozen=True, slots=True)
class SelfAssessmentRow:
    """One indicator on a department's self-assessment table (自评表): what it claims and why."""

    seq: int
    code: str
    title: str
    max_points: Decimal
    self_score: Decimal | None
    explanation: str = ""


@dataclass(frozen=True, slots=True)
class SelfAssessmentArea:
    """One area (一级指标) of the self-assessment table with its rows and its self-scored subtotal.

    ``max_points`` is the area's points (for the bonus section: its cap); ``subtotal`` is what the
    scoring engine counts for the area (floored at 0; the bonus capped)."""

    title: str
    max_points: Decimal
    rows: Sequence[SelfAssessmentRow]
    subtotal: Decimal
    is_bonus: bool = False


@dataclass(frozen=True, slots=True)
class SelfAssessmentContext:
    """A department's self-assessment table (自评表), printed to be signed by its leader and sealed.

    Not a red-header document: a form the department hands in beside the online submission. ``date`` is
    the submission date when submitted, otherwise the print date (``submitted`` says which);
    ``missing`` counts base indicators without a self-score (the total then counts them as 0).
    """

    office: str
    department: str
    campaign_name: str
    year: int
    areas: Sequence[SelfAssessmentArea]
    total: Decimal
    max_total: Decimal
    date: dt.date
    submitted: bool
    missing: int = 0
    contact: str = ""

