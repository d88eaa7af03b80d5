"""Year-end summary → proposed self-assessment figures and passages per rubric indicator.

Explainable by construction: a figure is proposed for an indicator when one of the indicator's
phrases (from the rubric) stands in the same clause or sentence as a figure with a compatible unit;
the confidence falls with the distance between phrase and number. Paragraphs are scored per area by
keyword hits (longest keywords first, no overlaps), with the enclosing headings counted too.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from assess.extraction.defaults import DEFAULT_AREAS, NEUTRAL_KEYWORDS
from assess.extraction.figures import Figure, clause_bounds, find_figures, normalise_unit
from assess.extraction.passages import Paragraph, split_paragraphs

UNIT_EQUIVALENTS: dict[str, set[str]] = {
    "人": {"人", "人次", "名", "位"}, "人次": {"人次", "人"}, "件": {"件", "件次"},
    "条": {"条", "条次"}, "次": {"次", "场", "期"}, "个": {"个", "家"}, "天": {"天", "个工作日", "工作日"},
    "个工作日": {"个工作日", "工作日", "天"}, "工作日": {"个工作日", "工作日", "天"},
}
# A figure in a sentence that states a plan or target (力争…不少于1300条) or under a heading about
# next year's work is not what was achieved: its confidence drops by PLAN_PENALTY.
PLAN_MARKERS = ("力争", "计划", "明年", "下一步", "目标", "预计", "争取", "将继续", "拟于")
PLAN_HEADINGS = ("打算", "计划", "下一步", "思路", "明年")
PLAN_PENALTY = 0.4
GAP_PENALTY = 0.1  # phrase matched with a few characters inserted (公开…信息 in 公开政府信息)
AREA_STRENGTH = 6.0  # raw area score at which a passage counts as fully about its area
AREA_MIN_SCORE = 1.0        # below this a paragraph is left without an area
HEADING_WEIGHTS = (2.0, 1.0, 0.5)  # own heading, parent, grandparent
MAX_PASSAGES = 10


@dataclass(frozen=True)
class FigureSpec:
    indicator_code: str
    name: str
    label: str
    unit: str
    phrases: list[str]


@dataclass(frozen=True)
class AreaSpec:
    code: str
    title: str
    keywords: list[str]
    indicator_codes: list[str]


@dataclass
class FigureProposal:
    indicator_code: str
    name: str
    label: str
    value: Decimal
    unit: str
    printed_value: Decimal
    printed_unit: str
    qualifier: str | None
    qualifier_kind: str | None
    source_sentence: str
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    phrase: str
    phrase_start: int
    confidence: float
    alternatives: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["value"] = str(self.value)
        data["printed_value"] = str(self.printed_value)
        return data


@dataclass
class ScoredPassage:
    index: int
    start: int
    end: int
    text: str
    headings: list[str]
    area: str | None                       # best area, or None when nothing matched enough
    scores: dict[str, float]               # area code → score
    matched: dict[str, list[str]]          # area code → keywords found (the explanation)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class IndicatorPassage:
    start: int
    end: int
    text: str
    score: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Proposals:
    figures: list[FigureProposal]
    passages: list[ScoredPassage]
    by_indicator: dict[str, list[IndicatorPassage]]
    unassigned_figures: list[Figure]

    def to_dict(self) -> dict[str, Any]:
        return {
            "figures": [f.to_dict() for f in self.figures],
            "passages": [p.to_dict() for p in self.passages],
            "by_indicator": {k: [p.to_dict() for p in v] for k, v in self.by_indicator.items()},
            "unassigned_figures": [f.to_dict() for f in self.unassigned_figures],
        }


def default_area_specs(indicator_codes: dict[str, list[str]] | None = None) -> list[AreaSpec]:
    """The standard five areas with their default keywords (see defaults.py)."""
    codes = indicator_codes or {}
    return [AreaSpec(code, str(spec["title"]), list(spec["keywords"]), codes.get(code, []))  # type: ignore[arg-type]
            for code, spec in DEFAULT_AREAS.items()]


def area_specs_with_defaults(areas: list[AreaSpec]) -> list[AreaSpec]:
    """Areas without keywords get the defaults of the standard area matching their code or title."""
    result = []
    for area in areas:
        if area.keywords:
            result.append(area)
            continue
        keywords: list[str] = []
        for code, spec in DEFAULT_AREAS.items():
            names = [code, str(spec["title"]), *spec["aliases"]]  # type: ignore[misc]
            if area.code == code or any(n and (n in area.title or area.title in n) for n in names):
                keywords = list(spec["keywords"])  # type: ignore[arg-type]
                break
        result.append(AreaSpec(area.code, area.title, keywords, list(area.indicator_codes)))
    return result


# --- figures → indicators ----------------------------------------------------------------------

def units_compatible(spec_unit: str, figure_unit: str) -> bool:
    if not spec_unit:
        return True
    wanted = normalise_unit(spec_unit)
    return figure_unit == wanted or figure_unit in UNIT_EQUIVALENTS.get(wanted, set())


def _find_all(text: str, phrase: str) -> list[int]:
    found, pos = [], text.find(phrase)
    while pos != -1 and phrase:
        found.append(pos)
        pos = text.find(phrase, pos + 1)
    return found


def _candidate_confidence(text: str, fig: Figure, p_start: int, p_end: int) -> float | None:
    """How likely the phrase at [p_start, p_end) names the figure; None if unrelated."""
    if not (fig.sentence_start <= p_start and p_end <= fig.sentence_end):
        return None
    if p_start < fig.start and fig.end < p_end:  # the figure sits inside the phrase: 发布24条政府信息
        return round(min(0.85 + 0.01 * min(p_end - p_start - (fig.end - fig.start), 8), 1.0), 3)
    c_start, c_end = clause_bounds(text, fig.start, fig.end)
    same_clause = c_start <= p_start and p_end <= c_end
    if p_end <= fig.start:
        gap = fig.start - p_end
        conf = (0.95 - 0.01 * gap) if same_clause else (0.55 - 0.005 * gap)
    elif p_start >= fig.end:
        gap = p_start - fig.end
        conf = (0.75 - 0.02 * gap) if same_clause else (0.35 - 0.01 * gap)
    else:
        return None
    # a longer (more specific) phrase is stronger evidence: 发布信息 beats 信息
    conf += 0.01 * min(p_end - p_start, 8)
    return round(min(max(conf, 0.1), 1.0), 3)


def phrase_spans(text: str, phrase: str) -> list[tuple[int, int, bool]]:
    """(start, end, gapped) of the phrase in text; a phrase of 4+ characters also matches with
    1–6 characters (no punctuation) inserted in its middle (公开信息 ~ 公开政府信息), or up to 12
    when the insertion holds a number (发布信息 ~ 发布24条政府信息)."""
    spans = [(p, p + len(phrase), False) for p in _find_all(text, phrase)]
    if len(phrase) >= 4:
        half = len(phrase) // 2
        # the inserted part may hold the figure itself: 发布24条政府信息 ~ 发布信息
        pattern = re.compile(re.escape(phrase[:half]) + r"[^，。；;、,！？!?：:\n]{1,12}?"
                             + re.escape(phrase[half:]))
        for m in pattern.finditer(text):
            inner = text[m.start() + half:m.end() - (len(phrase) - half)]
            if len(inner) <= 6 or any(ch.isdigit() for ch in inner):
                spans.append((m.start(), m.end(), True))
    return spans


def _plan_flags(text: str, figures: list[Figure]) -> list[bool]:
    """For each figure: is it a plan or target rather than an achievement?"""
    paragraphs = split_paragraphs(text)
    starts = [p.start for p in paragraphs]
    flags = []
    for fig in figures:
        plan = any(m in fig.sentence for m in PLAN_MARKERS)
        i = bisect.bisect_right(starts, fig.start) - 1
        if not plan and i >= 0:
            para = paragraphs[i]
            headings = [*para.headings, para.heading or ""]
            plan = any(w in h for h in headings for w in PLAN_HEADINGS)
        flags.append(plan)
    return flags


def match_figures(text: str, figures: list[Figure], specs: list[FigureSpec]
                  ) -> tuple[list[FigureProposal], list[Figure]]:
    """Best figure per spec (greedy on confidence, a figure used once); unassigned figures."""
    candidates: list[tuple[float, int, int, str, int]] = []  # conf, spec idx, fig idx, phrase, pos
    plans = _plan_flags(text, figures)
    for si, spec in enumerate(specs):
        for phrase in sorted(set(spec.phrases), key=len, reverse=True):
            for start, end, gapped in phrase_spans(text, phrase):
                for fi, fig in enumerate(figures):
                    if not units_compatible(spec.unit, fig.unit):
                        continue
                    conf = _candidate_confidence(text, fig, start, end)
                    if conf is None:
                        continue
                    conf -= GAP_PENALTY * gapped + PLAN_PENALTY * plans[fi]
                    candidates.append((round(max(conf, 0.05), 3), si, fi, text[start:end], start))
    candidates.sort(key=lambda c: (-c[0], c[2]))
    chosen: dict[int, tuple[float, int, str, int]] = {}
    used: set[int] = set()
    for conf, si, fi, phrase, pos in candidates:
        if si in chosen or fi in used:
            continue
        chosen[si] = (conf, fi, phrase, pos)
        used.add(fi)
    proposals = []
    for si, (conf, fi, phrase, pos) in sorted(chosen.items()):
        spec, fig = specs[si], figures[fi]
        alternatives, seen = [], {fi}
        for c in candidates:
            if c[1] == si and c[2] not in seen:
                seen.add(c[2])
                alt = figures[c[2]]
                alternatives.append({"value": str(alt.value), "unit": alt.unit, "start": alt.start,
                                     "end": alt.end, "confidence": c[0]})
        proposals.append(FigureProposal(
            indicator_code=spec.indicator_code, name=spec.name, label=spec.label, value=fig.value,
            unit=fig.unit, printed_value=fig.printed_value, printed_unit=fig.printed_unit,
            qualifier=fig.qualifier, qualifier_kind=fig.qualifier_kind,
            source_sentence=fig.sentence, start=fig.start, end=fig.end,
            sentence_start=fig.sentence_start, sentence_end=fig.sentence_end, phrase=phrase,
            phrase_start=pos, confidence=conf, alternatives=alternatives[:3]))
    unassigned = [f for i, f in enumerate(figures) if i not in used]
    return proposals, unassigned


# --- passages → areas --------------------------------------------------------------------------

def keyword_hits(text: str, keyword_areas: dict[str, list[str]]) -> dict[str, list[str]]:
    """Area code → keywords found, longest keywords first and without overlapping matches.

    :data:`NEUTRAL_KEYWORDS` take part in the matching (they hide shorter keywords inside them)
    but score for no area."""
    taken = [False] * len(text)
    hits: dict[str, list[str]] = {}
    neutral = [k for k in NEUTRAL_KEYWORDS if k not in keyword_areas]
    for kw in sorted([*keyword_areas, *neutral], key=len, reverse=True):
        for pos in _find_all(text, kw):
            if any(taken[pos:pos + len(kw)]):
                continue
            for i in range(pos, pos + len(kw)):
                taken[i] = True
            for area in keyword_areas.get(kw, ()):
                hits.setdefault(area, []).append(kw)
    return hits


def _weight(keyword: str) -> float:
    return min(len(keyword), 5) / 2.0


def score_paragraph(para: Paragraph, keyword_areas: dict[str, list[str]]
                    ) -> tuple[dict[str, float], dict[str, list[str]]]:
    scores: dict[str, float] = {}
    matched: dict[str, list[str]] = {}
    body = para.text
    for area, kws in keyword_hits(body, keyword_areas).items():
        scores[area] = scores.get(area, 0.0) + sum(_weight(k) for k in kws)
        matched.setdefault(area, []).extend(kws)
    heading_texts = ([para.heading] if para.heading else []) + list(reversed(para.headings))
    for weight, heading in zip(HEADING_WEIGHTS, heading_texts):
        for area, kws in keyword_hits(heading, keyword_areas).items():
            scores[area] = scores.get(area, 0.0) + weight * sum(_weight(k) for k in kws)
            matched.setdefault(area, []).extend(f"〔标题〕{k}" for k in kws)
    return {a: round(s, 2) for a, s in scores.items()}, matched


def score_passages(text: str, areas: list[AreaSpec]) -> list[ScoredPassage]:
    keyword_areas: dict[str, list[str]] = {}
    for area in areas:
        for kw in area.keywords:
            if kw and area.code not in keyword_areas.setdefault(kw, []):
                keyword_areas[kw].append(area.code)
    order = {a.code: i for i, a in enumerate(areas)}
    result = []
    for para in split_paragraphs(text):
        scores, matched = score_paragraph(para, keyword_areas)
        best = None
        if scores:
            best = max(scores, key=lambda a: (scores[a], -order.get(a, 0)))
            if scores[best] < AREA_MIN_SCORE:
                best = None
        result.append(ScoredPassage(para.index, para.start, para.end, para.text, para.headings,
                                    best, scores, matched))
    return result


# --- everything together ------------------------------------------------------------------------

def propose(text: str, figure_specs: list[FigureSpec], area_specs: list[AreaSpec]) -> Proposals:
    """Proposed figures per indicator, paragraphs scored per area, passages per indicator."""
    areas = area_specs_with_defaults(area_specs) if area_specs else default_area_specs()
    figures = find_figures(text)
    proposals, unassigned = match_figures(text, figures, figure_specs)
    passages = score_passages(text, areas)

    by_indicator: dict[str, list[IndicatorPassage]] = {}
    phrases_by_indicator: dict[str, set[str]] = {}
    for spec in figure_specs:
        phrases_by_indicator.setdefault(spec.indicator_code, set()).update(spec.phrases)
    for code, phrases in phrases_by_indicator.items():
        for para in passages:
            for phrase in sorted(phrases, key=len, reverse=True):
                for pos in _find_all(para.text, phrase):
                    s, e = _sentence_at(para.text, pos)
                    by_indicator.setdefault(code, []).append(IndicatorPassage(
                        para.start + s, para.start + e, para.text[s:e].strip(), 1.0,
                        f"含指标短语“{phrase}”"))
    area_by_code = {a.code: a for a in areas}
    for para in passages:
        if para.area is None:
            continue
        total = sum(para.scores.values()) or 1.0
        raw = para.scores[para.area]
        score = round(raw / total * min(1.0, raw / AREA_STRENGTH), 3)
        for code in area_by_code[para.area].indicator_codes:
            by_indicator.setdefault(code, []).append(IndicatorPassage(
                para.start, para.end, para.text, score,
                f"段落归入“{area_by_code[para.area].title}”：" + "、".join(
                    list(dict.fromkeys(para.matched.get(para.area, [])))[:6])))
    for code, items in by_indicator.items():
        unique: dict[tuple[int, int], IndicatorPassage] = {}
        for item in items:
            key = (item.start, item.end)
            if key not in unique or unique[key].score < item.score:
                unique[key] = item
        by_indicator[code] = sorted(unique.values(), key=lambda p: (-p.score, p.start))[:MAX_PASSAGES]
    return Proposals(proposals, passages, by_indicator, unassigned)


def _sentence_at(text: str, pos: int) -> tuple[int, int]:
    s = pos
    while s > 0 and text[s - 1] not in "。！？；;!?":
        s -= 1
    e = pos
    while e < len(text) and text[e] not in "。！？；;!?":
        e += 1
    return s, min(e + 1, len(text))
