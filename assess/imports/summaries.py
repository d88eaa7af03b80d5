"""A year-end summary → proposals per indicator (stored, the form untouched), and the page that shows them:
clause, computation and confidence of each figure, the passages that speak to the indicator.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from .. import scoring
from ..audit.services import record
from ..extensions import db
from ..extraction.errors import ExtractionError
from ..extraction.readers import read_text
from ..extraction.rubric_adapter import specs_from_rubric
from ..extraction.summary import LOW_CONFIDENCE, propose
from ..models import FigureImport, Submission, User
from ..selfassessment import services as selfassessment_services
from .base import (MAX_PASSAGES, MAX_TEXT_CHARS, SUMMARY_TYPES, ImportsError, _check_upload, _dumps,
                   _extraction_error, _loads, _plain, _require_editor, in_spec_unit, submission_of)

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
