"""Start the self-assessment from what departments already wrote (issue #11, the in-application part).

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

import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Mapping

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from .. import scoring
from ..audit.services import record
from ..extensions import db
from ..extraction.annual_report import (CHECK_SEVERITY, COLUMN_TITLES, PROACTIVE_TITLES, REQUEST_COLUMNS,
                                        REVIEW_COLUMNS, REVIEW_GROUPS, SEVERITY_TITLES, Report, check, parse_report,
                                        report_to_figures, request_rows)
from ..extraction.errors import ExtractionError
from ..extraction.readers import read_text
from ..extraction.rubric_adapter import specs_from_rubric
from ..extraction.summary import LOW_CONFIDENCE, propose
from ..models import (AnnualReport, Answer, Department, Evidence, EvidenceKind, FigureImport, Submission,
                      User)
from ..models.base import utcnow
from ..scoring.explain import num, typed_number
from ..selfassessment import services as selfassessment_services
from ..storage import put_upload
from ..tenancy.roles import DEPARTMENT_STAFF
from ..uploads import UploadNameError, check_upload_name

MAX_PASSAGES = 5          # passages kept per indicator
MAX_TEXT_CHARS = 400_000  # a summary longer than this is not a year-end summary
SUMMARY_TYPES = (".docx", ".txt", ".pdf")
REPORT_TYPES = (".docx", ".html", ".htm", ".pdf", ".txt")
DECISIONS = ("accept", "correct", "reject")

# Annual-report figures (assess.extraction.annual_report.report_to_figures) and the Chinese names a rubric may
# give them in an input's label or ``phrases``. An input whose ``name`` equals the key matches first.
REPORT_FIGURE_NAMES: dict[str, tuple[str, ...]] = {
    "requests_received": ("收到申请", "新收申请", "受理申请", "本年新收", "申请数量"),
    "requests_answered": ("办结申请", "答复申请", "办理申请", "已办结"),
    "requests_carried_over": ("结转下年度", "结转申请"),
    "requests_carried_in": ("上年结转",),
    "requests_disclosed": ("予以公开",),
    "overturned": ("纠错", "被纠错", "复议纠正", "败诉"),
    "reconsideration_total": ("行政复议",),
    "reconsideration_corrected": ("复议纠错",),
    "litigation_total": ("行政诉讼",),
    "normative_issued": ("规范性文件", "制发规范性文件"),
    "regulations_issued": ("规章",),
    "licensing_decisions": ("行政许可",),
    "penalty_decisions": ("行政处罚",),
}
REPORT_FIGURE_SOURCES: dict[str, str] = {
    "requests_received": "表三“本年新收政府信息公开申请数量”行“总计”列",
    "requests_answered": "表三“（七）总计”行“总计”列",
    "requests_carried_over": "表三“结转下年度继续办理”行“总计”列",
    "requests_carried_in": "表三“上年结转政府信息公开申请数量”行“总计”列",
    "requests_disclosed": "表三“（一）予以公开”与“（二）部分公开”行“总计”列之和",
    "overturned": "表四行政复议、行政诉讼“结果纠正”之和",
    "reconsideration_total": "表四“行政复议”“总计”",
    "reconsideration_corrected": "表四“行政复议”“结果纠正”",
    "litigation_total": "表四两类行政诉讼“总计”之和",
    "normative_issued": "表二“行政规范性文件”行“本年制发件数”",
    "regulations_issued": "表二“规章”行“本年制发件数”",
    "licensing_decisions": "表二“行政许可”行“本年处理决定数量”",
    "penalty_decisions": "表二“行政处罚”行“本年处理决定数量”",
}


class ImportsError(ValueError):
    """A refusal with a user-facing message; ``field`` names the form field, ``errors`` maps several."""

    def __init__(self, message: str, field: str | None = None, errors: dict[str, str] | None = None,
                 code: str | None = None):
        super().__init__(message)
        self.field = field
        self.errors = errors or ({field: message} if field else {})
        self.code = code


def _extraction_error(exc: ExtractionError) -> ImportsError:
    return ImportsError(exc.message_zh, "file", code=exc.code)


def _check_upload(filename: str, data: bytes, allowed: tuple[str, ...]) -> str:
    if not (filename or "").strip():
        raise ImportsError(_("请选择要上传的文件。"), "file")
    try:
        name = check_upload_name(filename)  # the one file-name rule of every upload
    except UploadNameError as exc:
        raise ImportsError(str(exc), "file") from None
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in allowed:
        raise ImportsError(_("不支持的文件类型“%(e)s”：请上传 %(a)s 文件。", e=ext or name,
                             a="、".join(a.lstrip(".") for a in allowed)), "file")
    max_mb = int(current_app.config.get("MAX_UPLOAD_MB", 20))
    if len(data) > max_mb * 1024 * 1024:
        raise ImportsError(_("文件过大：上限为%(n)s MB。", n=max_mb), "file")
    return name


def _loads(raw: str | None, default: Any) -> Any:
    try:
        value = json.loads(raw or "")
    except ValueError:
        return default
    return value if isinstance(value, type(default)) else default


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _require_editor(submission: Submission, actor: User) -> None:
    """The self-assessment's own rule: only the department's editors, only while it can be edited."""
    try:
        selfassessment_services.require_edit(submission, actor)
    except selfassessment_services.SelfAssessmentError as exc:
        raise ImportsError(str(exc)) from exc


# --- units ---------------------------------------------------------------------------------------------

_MULTIPLIERS = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "千": Decimal(1000), "百": Decimal(100)}


def in_spec_unit(value: Decimal, spec_unit: str) -> Decimal:
    """A normalised value (base unit: 元, 人) expressed in the rubric input's unit (万元 → ÷10000)."""
    if len(spec_unit) > 1 and spec_unit[0] in _MULTIPLIERS:
        value = value / _MULTIPLIERS[spec_unit[0]]
    return value


def _plain(value: Decimal) -> str:
    value = value.normalize() if value != value.to_integral_value() else value.to_integral_value()
    return format(value, "f")


# --- summaries → proposals -----------------------------------------------------------------------------


def _spec_units(rubric: scoring.Rubric) -> dict[tuple[str, str], str]:
    out = {}
    for ind in rubric.all_indicators():
        for spec in ind.inputs:
            out[(ind.code, spec.name)] = spec.unit or ("%" if spec.type == "rate" else "")
    return out


def import_summary(submission: Submission, *, actor: User, filename: str, data: bytes) -> FigureImport:
    """Read an uploaded year-end summary and store the proposals for review. The form is not touched.

    Unreadable files raise :class:`ImportsError` on ``file`` with the extraction package's message."""
    _require_editor(submission, actor)
    name = _check_upload(filename, data, SUMMARY_TYPES)
    try:
        text = read_text(data, name)
    except ExtractionError as exc:
        raise _extraction_error(exc) from exc
    if len(text) > MAX_TEXT_CHARS:
        raise ImportsError(_("文本过长（超过%(n)s字），不像是一份年度工作总结。", n=MAX_TEXT_CHARS), "file")
    rubric = selfassessment_services.rubric_of(submission.campaign)
    figure_specs, area_specs = specs_from_rubric(rubric)
    result = propose(text, figure_specs, area_specs)
    units = _spec_units(rubric)
    figures = []
    for f in result.figures:
        spec_unit = units.get((f.indicator_code, f.name), f.unit)
        value = in_spec_unit(f.value, spec_unit)
        figures.append({
            "indicator_code": f.indicator_code, "name": f.name, "label": f.label, "value": _plain(value),
            "unit": spec_unit, "printed": text[f.start:f.end],
            "printed_value": _plain(f.printed_value), "printed_unit": f.printed_unit,
            "qualifier": f.qualifier, "qualifier_kind": f.qualifier_kind, "source_sentence": f.source_sentence,
            "start": f.start, "end": f.end, "sentence_start": f.sentence_start, "sentence_end": f.sentence_end,
            "phrase": f.phrase, "phrase_start": f.phrase_start, "confidence": f.confidence,
            "clause": f.clause, "reason": f.reason, "computation": f.computation,
        })
    passages = {code: [{"start": p.start, "end": p.end, "text": p.text, "score": p.score, "reason": p.reason}
                       for p in items[:MAX_PASSAGES]]
                for code, items in result.by_indicator.items() if rubric.indicator(code) is not None}
    fi = FigureImport(office_id=submission.office_id, department_id=submission.department_id,
                      campaign_id=submission.campaign_id, submission_id=submission.id, source="summary",
                      filename=name, sha256=hashlib.sha256(data).hexdigest(), text=text,
                      proposals=_dumps({"figures": figures, "by_indicator": passages}), decisions="{}",
                      created_by_id=actor.id)
    db.session.add(fi)
    db.session.flush()
    record(submission.office_id, "import.summary", "figure_import", fi.id, actor=actor,
           new={"filename": name, "sha256": fi.sha256, "figures": len(figures),
                "indicators": sorted({f["indicator_code"] for f in figures} | set(passages))},
           department_id=submission.department_id, campaign_id=submission.campaign_id)
    return fi


def imports_of(submission: Submission) -> list[FigureImport]:
    return list(db.session.scalars(select(FigureImport).where(
        FigureImport.office_id == submission.office_id, FigureImport.submission_id == submission.id)
        .order_by(FigureImport.id.desc())))


def submission_of(fi: FigureImport) -> Submission:
    return db.session.scalars(select(Submission).where(
        Submission.office_id == fi.office_id, Submission.id == fi.submission_id)).one()


# --- where an unconfirmed answer came from ----------------------------------------------------------------


@dataclass
class Origin:
    """Where the unconfirmed content of one answer came from, for the note above it in the form.

    ``kind``: ``summary`` (figures taken from an uploaded year-end summary), ``annual_report`` (from an uploaded
    annual report), ``last_year`` (texts copied from last year's self-assessment, figures cleared) or ``""``
    (unknown). ``figures``: (label, value, proposed) for each figure taken, ``proposed`` set when the editor
    corrected the number read from the file. ``explanation_year``: the 情况说明 is last year's text.
    """

    kind: str
    filename: str = ""
    year: int | None = None
    at: datetime | None = None
    figures: list[tuple[str, str, str | None]] = field(default_factory=list)
    explanation_year: int | None = None


def unconfirmed_origins(submission: Submission, answers: Mapping[str, Answer] | None = None) -> dict[str, Origin]:
    """Per indicator whose answer awaits confirmation: the latest import that filled it, else last year's copy.

    Nothing extra is stored: the import's recorded decisions and last year's answers tell the story.
    """
    answers = answers if answers is not None else selfassessment_services.answers_of(submission)
    pending = {code: a for code, a in answers.items() if a.carried_over}
    if not pending:
        return {}
    rubric = selfassessment_services.rubric_of(submission.campaign)
    latest: dict[str, tuple[str, FigureImport, dict]] = {}
    for fi in imports_of(submission):
        for code, mine in _loads(fi.decisions, {}).items():
            if code not in pending:
                continue
            taken = {n: d for n, d in (mine.get("figures") or {}).items() if d.get("decision") in ("accept", "correct")}
            if not taken:
                continue
            at = max(d.get("at", "") for d in taken.values())
            if code not in latest or at > latest[code][0]:
                latest[code] = (at, fi, taken)
    prev = selfassessment_services.previous_submission(submission)
    last = selfassessment_services.answers_of(prev) if prev is not None else {}
    prev_year = prev.campaign.year if prev is not None else None
    out: dict[str, Origin] = {}
    for code, answer in pending.items():
        old = last.get(code)
        same_text = prev_year if old is not None and old.explanation and old.explanation == answer.explanation else None
        if code in latest:
            at, fi, taken = latest[code]
            ind = rubric.indicator(code)
            figs = []
            for name, d in taken.items():
                spec = ind.input(name) if ind is not None else None
                label, unit = (spec.label, spec.unit or "") if spec is not None else (name, "")
                proposed = d.get("proposed") if d.get("decision") == "correct" else None
                figs.append((label, f"{d.get('value', '')}{unit}", f"{proposed}{unit}" if proposed else None))
            year = None
            if fi.source == "annual_report" and fi.annual_report_id:
                report = db.session.get(AnnualReport, fi.annual_report_id)
                year = report.year if report is not None else None
            out[code] = Origin("annual_report" if fi.source == "annual_report" else "summary", fi.filename, year,
                               _parse_at(at), figs, same_text)
        elif prev_year is not None and old is not None:
            out[code] = Origin("last_year", year=prev_year)
        else:
            out[code] = Origin("")
    return out


def _parse_at(raw: str) -> datetime | None:
    try:
        return datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None


# --- the review view -----------------------------------------------------------------------------------


@dataclass
class FigureView:
    name: str
    label: str
    value: str
    unit: str
    printed: str
    qualifier: str | None
    source: str                       # where it comes from (the sentence, or the report's table cell)
    segments: list[tuple[str, str]]   # (text, "" | "figure" | "phrase") of the source sentence
    confidence: float
    current: Any                      # what the form holds now for this input (None: empty)
    decision: dict[str, Any] | None   # the editor's decision, once taken
    clause: str = ""                  # the clause the figure was read from (older imports: none stored)
    reason: str = ""                  # why this figure, worded for the page (see PROPOSAL_REASONS)
    computation: str | None = None    # the arithmetic of a derived value: 2920 ÷ 52 = 56.15

    @property
    def low_confidence(self) -> bool:
        """Shown with its reason but never pre-selected."""
        return self.confidence < LOW_CONFIDENCE

    @property
    def preselect(self) -> bool:
        """"采用" is pre-selected only for a confident proposal, undecided, into an empty input."""
        return not self.low_confidence and self.decision is None and self.current is None


def proposal_reason(code: str) -> str:
    """The page's words for the extraction package's reason code (unknown or missing: nothing)."""
    reasons = {
        "in_phrase": _("数字在指标短语之中"),
        "same_clause": _("指标短语与数字在同一分句"),
        "other_clause": _("指标短语在同一句的另一分句，请核实"),
        "per_period": _("原文即为按周（月）计的数字"),
        "derived_year": _("由全年总数折算"),
        "derived_half": _("由半年总数折算"),
        "derived_quarter": _("由季度总数折算"),
        "derived_month": _("由月度总数折算"),
        "derived_assumed_year": _("由总数按全年折算（原文未写明期间）"),
        "total": _("“合计”“共计”后的总数"),
        "part": _("“其中”之后（或“合计”之前）的分项数字，可能不是总数"),
        "bare_noun": _("句中只有“信息”等名词，未说明公开或发布，请核实"),
        "one_channel": _("只是某一个发布渠道的数字，可能不是总数"),
        "published_object": _("数字是公开的事项数，不是开展的次数"),
        "nil": _("原文写明没有（“未收到”或“0”），读作0"),
    }
    return reasons.get(code, "")


@dataclass
class PassageView:
    key: str
    text: str
    reason: str
    score: float
    start: int | None
    evidence_id: int | None
    place: str = ""                   # where it stands in the summary: 第N段（heading）


_HEADING_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.、．])")


def place_in_text(text: str, start: int | None) -> str:
    """第N段, with the nearest heading above (一、… or （一）…), for a passage starting at ``start``."""
    if start is None or not text:
        return ""
    before = [line for line in text[:start].split("\n") if line.strip()]
    heading = next((line.strip() for line in reversed(before) if _HEADING_RE.match(line)), "")
    place = _("第%(n)s段", n=len(before) + 1)
    return f"{place}（{heading[:30]}）" if heading else place


@dataclass
class IndicatorView:
    code: str
    title: str
    section: str
    figures: list[FigureView] = field(default_factory=list)
    passages: list[PassageView] = field(default_factory=list)
    answer_version: int = 0
    carried_over: bool = False

    @property
    def undecided(self) -> int:
        return sum(1 for f in self.figures if f.decision is None)


def _segments(sentence: str, offset: int, marks: list[tuple[int, int, str]]) -> list[tuple[str, str]]:
    """Split a sentence (starting at ``offset`` in the text) into plain and marked parts."""
    spans = sorted((max(s - offset, 0), min(e - offset, len(sentence)), kind) for s, e, kind in marks
                   if s is not None and e is not None and e > offset and s < offset + len(sentence))
    out: list[tuple[str, str]] = []
    pos = 0
    for s, e, kind in spans:
        if s < pos:
            continue
        if s > pos:
            out.append((sentence[pos:s], ""))
        out.append((sentence[s:e], kind))
        pos = e
    if pos < len(sentence):
        out.append((sentence[pos:], ""))
    return out


def review_view(fi: FigureImport) -> list[IndicatorView]:
    """The proposals indicator by indicator (rubric order), with the form's current values and decisions."""
    submission = submission_of(fi)
    rubric = selfassessment_services.rubric_of(submission.campaign)
    proposals = _loads(fi.proposals, {})
    decisions = _loads(fi.decisions, {})
    answers = selfassessment_services.answers_of(submission)
    views: dict[str, IndicatorView] = {}

    def view_for(code: str) -> IndicatorView | None:
        ind = rubric.indicator(code)
        if ind is None:
            return None
        if code not in views:
            a = answers.get(code)
            views[code] = IndicatorView(code, ind.title, rubric.section_of(code),
                                        answer_version=a.version_id if a else 0,
                                        carried_over=bool(a and a.carried_over))
        return views[code]

    for f in proposals.get("figures", []):
        v = view_for(f["indicator_code"])
        if v is None:
            continue
        stored = selfassessment_services.stored_inputs(answers.get(v.code))
        if f.get("start") is not None:
            sentence = f["source_sentence"]
            segs = _segments(sentence, f["sentence_start"], [
                (f["start"], f["end"], "figure"),
                (f["phrase_start"], f["phrase_start"] + len(f["phrase"]), "phrase")])
        else:
            segs = [(f["source_sentence"], "")]
        v.figures.append(FigureView(
            f["name"], f["label"], f["value"], f["unit"], f.get("printed", ""), f.get("qualifier"),
            f["source_sentence"], segs, float(f.get("confidence", 0)), stored.get(f["name"]),
            decisions.get(v.code, {}).get("figures", {}).get(f["name"]),
            f.get("clause") or "", proposal_reason(f.get("reason") or ""), f.get("computation")))
    for code, items in proposals.get("by_indicator", {}).items():
        v = view_for(code)
        if v is None:
            continue
        attached = decisions.get(code, {}).get("passages", {})
        for p in items:
            key = f"{p['start']}-{p['end']}"
            v.passages.append(PassageView(key, p["text"], p.get("reason", ""), float(p.get("score", 0)),
                                          p.get("start"), attached.get(key), place_in_text(fi.text, p.get("start"))))
    order = {ind.code: i for i, ind in enumerate(rubric.all_indicators())}
    return sorted(views.values(), key=lambda v: order.get(v.code, 0))


# --- decisions → the form ------------------------------------------------------------------------------


@dataclass
class DecisionResult:
    accepted: list[str]
    rejected: list[str]
    attached: int
    answer: Answer | None


def _answer_form_values(answer: Answer | None) -> dict[str, Any]:
    """The answer as the form would post it back, so that one changed figure leaves the rest as it was."""
    if answer is None:
        return {"inputs": {}, "self_score": None, "self_score_reason": "", "explanation": ""}
    inputs = {k: ("true" if v is True else "false" if v is False else str(v))
              for k, v in selfassessment_services.stored_inputs(answer).items()}
    # the self-score stays an override only where it departed from the suggestion (else: re-suggested)
    override = answer.self_score if (answer.self_score is not None and answer.self_score != answer.suggested_score) \
        else None
    return {"inputs": inputs, "self_score": None if override is None else num(override),
            "self_score_reason": answer.self_score_reason or "", "explanation": answer.explanation or ""}


def _mark_unconfirmed(submission: Submission, answer: Answer) -> None:
    """Adapter: the self-assessment service has no "imported, unconfirmed" setter; its carried-over flag is
    that notion (shown in the form with a confirm button; readiness blocks submission until confirmed)."""
    answer.carried_over = True
    db.session.flush()


def _add_excerpt(submission: Submission, code: str, *, actor: User, title: str, text: str,
                 source: str) -> Evidence:
    """Adapter: the evidence service has add_file/add_link but no excerpt; same rules, same audit."""
    title = title.strip()[:200] or _("摘录")
    ev = Evidence(office_id=submission.office_id, department_id=submission.department_id,
                  campaign_id=submission.campaign_id, owner_type="submission", owner_id=submission.id,
                  indicator_code=code, kind=EvidenceKind.EXCERPT, title=title, text=text,
                  filename=source[:255], created_by_id=actor.id)
    db.session.add(ev)
    db.session.flush()
    selfassessment_services.touch(submission)
    record(submission.office_id, "evidence.add", "evidence", ev.id, actor=actor,
           new={"indicator": code, "kind": "excerpt", "title": title, "source": source, "chars": len(text)},
           department_id=submission.department_id, campaign_id=submission.campaign_id)
    return ev


def decide(fi: FigureImport, code: str, *, actor: User, figures: Mapping[str, tuple[str, str]],
           passages: list[str] = (), expected_version: int | None = None) -> DecisionResult:
    """Apply the editor's decisions for one indicator.

    ``figures``: input name → (decision, value) with decision ``accept`` (the proposed value), ``correct``
    (the value typed by the editor) or ``reject``; names left out stay undecided. ``passages``: keys
    (``"start-end"``) of the proposed passages to attach as evidence excerpts. Accepted and corrected figures
    are saved through :func:`assess.selfassessment.services.save_answer` (its validation, its conflict check on
    ``expected_version``) and the answer is marked unconfirmed until the editor confirms it in the form.
    Errors raise :class:`ImportsError` with ``errors`` keyed ``fig-<name>`` (nothing is stored) or
    :class:`assess.selfassessment.services.AnswerConflict`.
    """
    submission = submission_of(fi)
    _require_editor(submission, actor)
    rubric = selfassessment_services.rubric_of(submission.campaign)
    ind = rubric.indicator(code)
    if ind is None:
        raise ImportsError(_("未知指标“%(c)s”。", c=code))
    proposals = _loads(fi.proposals, {})
    proposed = {f["name"]: f for f in proposals.get("figures", []) if f["indicator_code"] == code}
    offered = {f"{p['start']}-{p['end']}": p for p in proposals.get("by_indicator", {}).get(code, [])}
    errors: dict[str, str] = {}
    chosen: dict[str, str] = {}
    kinds: dict[str, str] = {}
    rejected: list[str] = []
    for name, (decision, value) in figures.items():
        if name not in proposed:
            raise ImportsError(_("“%(n)s”不是本次导入提出的数字。", n=name))
        if decision not in DECISIONS:
            continue  # undecided
        if decision == "reject":
            rejected.append(name)
            continue
        typed = (value or "").strip()
        if decision == "accept" and typed and typed != proposed[name]["value"]:
            decision = "correct"  # "采用" with the number edited is a correction: the typed number wins
        kinds[name] = decision
        value = typed if decision == "correct" else proposed[name]["value"]
        if not value:
            errors[f"fig-{name}"] = _("请填写更正后的数字。")
            continue
        try:
            typed_number(value)  # the one reader of typed numbers: no exponent, NaN or overlong
        except ValueError:
            errors[f"fig-{name}"] = _("“%(v)s”不是数字：只填数字，不带单位。", v=value)
            continue
        chosen[name] = value
    unknown = [k for k in passages if k not in offered]
    if unknown:
        raise ImportsError(_("所选段落不是本次导入提出的段落，请刷新页面后重试。"))
    if errors:
        raise ImportsError(_("请修改标出的内容后再保存。"), errors=errors)

    decisions = _loads(fi.decisions, {})
    mine = decisions.setdefault(code, {"figures": {}, "passages": {}})
    mine.setdefault("figures", {})
    mine.setdefault("passages", {})
    answer = selfassessment_services.answers_of_code(submission, code)
    now = utcnow().isoformat()
    if chosen:
        form = _answer_form_values(answer)
        form["inputs"].update(chosen)
        try:
            result = selfassessment_services.save_answer(submission, code, actor=actor, inputs=form["inputs"],
                                                         self_score=form["self_score"],
                                                         self_score_reason=form["self_score_reason"],
                                                         explanation=form["explanation"],
                                                         expected_version=expected_version)
        except selfassessment_services.SelfAssessmentError as exc:
            mapped = {f"fig-{k}" if k in chosen else k: v for k, v in exc.errors.items()}
            if not mapped:
                mapped = {"_": str(exc)}
            raise ImportsError(str(exc), errors=mapped) from exc
        answer = result.answer
        _mark_unconfirmed(submission, answer)
    try:
        attached = _attach(fi, submission, code, mine, offered, passages, actor)
    except selfassessment_services.SelfAssessmentError as exc:  # e.g. the form was sent to the leader meanwhile
        raise ImportsError(str(exc)) from exc
    for name in chosen:
        mine["figures"][name] = {"decision": kinds[name], "value": chosen[name],
                                 "proposed": proposed[name]["value"], "by": actor.id, "at": now}
    for name in rejected:
        mine["figures"][name] = {"decision": "reject", "proposed": proposed[name]["value"], "by": actor.id, "at": now}
    fi.decisions = _dumps(decisions)
    db.session.flush()
    if chosen or rejected or attached:
        record(submission.office_id, "import.decide", "figure_import", fi.id, actor=actor,
               new={"indicator": code, "accepted": {n: chosen[n] for n in chosen},
                    "qualifiers": {n: proposed[n].get("qualifier") for n in chosen if proposed[n].get("qualifier")},
                    "rejected": rejected, "excerpts": attached},
               department_id=submission.department_id, campaign_id=submission.campaign_id)
    return DecisionResult(sorted(chosen), rejected, attached, answer)


def _attach(fi: FigureImport, submission: Submission, code: str, mine: dict, offered: dict, passages: list[str],
            actor: User) -> int:
    """Checked passages → evidence excerpts of the indicator (each passage once)."""
    attached = 0
    for key in passages:
        if mine["passages"].get(key):
            continue
        p = offered[key]
        label = _("工作总结") if fi.source == "summary" else _("年度报告")
        ev = _add_excerpt(submission, code, actor=actor, title=_("%(src)s摘录：%(t)s", src=label, t=p["text"][:40]),
                          text=p["text"], source=fi.filename)
        mine["passages"][key] = ev.id
        attached += 1
    return attached


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


def editable_submissions(department_id: int, actor: User) -> list[Submission]:
    from ..campaigns.services import department_submissions

    return [s for s in department_submissions(department_id) if selfassessment_services.can_edit(s, actor)]
