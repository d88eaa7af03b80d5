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
from assess.extraction.figures import Figure, clause_bounds, find_figures, normalise_unit, sentence_bounds
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
    # the indicator's title (新闻发布): its words count too, a little less (not part of equality)
    title: str = field(default="", compare=False)


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
    clause: str = ""                 # the clause the figure and its governing phrase stand in
    # why this figure for this input, a code the page words: in_phrase, same_clause, other_clause (low),
    # per_period, derived_<period> / derived_assumed_year (computation set), total (合计…), part (after 其中
    # or before a 合计), bare_noun
    # (only 信息 without the 公开/发布 the input counts, low), one_channel (one side channel's count, low),
    # published_object (公开的…会议12次, low), nil (未收到 / a bare 0 read as 0)
    reason: str = ""
    computation: str | None = None   # the arithmetic when the value is derived (2920条 ÷ 52 = 56.15)

    @property
    def low_confidence(self) -> bool:
        return self.confidence < LOW_CONFIDENCE

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
#
# A figure is proposed for an input when a phrase of the input GOVERNS it: the phrase stands in the
# figure's own clause (split on ，、；。), or the figure's clause has no subject of its own ("，共计15件").
# The period matters: a yearly input never takes a quarter's or a week's figure; a per-week (per-month)
# input takes a figure stated per week, or is derived from a total and its period with the arithmetic
# shown. A figure after 其中 (or before a 合计) is a part, so the total is preferred; one side channel's
# count is not the total; 未收到/无/a bare 0 read as 0. Every proposal
# carries its clause, a reason, the computation when derived, and a confidence; below LOW_CONFIDENCE the
# review page shows it but does not pre-select it.

LOW_CONFIDENCE = 0.5
# Ways of printing the same count: 发布信息120篇 counts items like 条; 解读24篇, 政策解读38条 count
# interpretations like 件. Not the other way: what is counted in 件 (复议0件, 办理66件) is not items.
COUNT_EQUIVALENTS: dict[str, set[str]] = {
    "条": {"条", "条次", "篇", "篇次"}, "件": {"件", "件次", "篇", "篇次", "份", "条", "条次", "项"},
}
# Words inserted between the halves of a phrase that do not change its meaning: 主动公开政府信息,
# 公开政务信息, 公开各类信息 all say 主动公开信息.
NEUTRAL_INSERTS = ("政府", "政务", "各类", "各类政府", "各类政务", "有关", "相关", "了")
# Verbs printed for the same act: 公布信息 says 公开信息.
VERB_SYNONYMS: dict[str, tuple[str, ...]] = {"公开": ("公布",), "发布": ("公布", "刊发")}
PART_MARKERS = ("其中",)
PART_PENALTY = 0.3
EXTRA_PHRASE_PENALTY = 0.05  # the input's label, rather than one of its listed phrases
CORE_PHRASE_PENALTY = 0.15   # the word the listed phrases share (解读 from 政策解读/同步解读)
CROSS_CLAUSE_CAP = 0.45      # the phrase governs another clause of the sentence: shown, never pre-selected
# A figure's clause "has no subject of its own" when, once these are removed, fewer than 2 characters
# remain before the figure: 共计15件, 全年达98%, 其中3次.
FUNCTION_WORDS = ("全年", "年内", "本年", "今年", "共计", "累计", "合计", "总计", "分别", "达到", "其中",
                  "共", "计", "达", "为", "有", "约", "近", "超过", "逾", "和", "及", "均")
ACTIVITY_UNITS = {"次", "场", "期", "场次"}
# "公开的局长办公会议12次": the count is of things published, not of meetings held.
PUBLISHED_OBJECT_MARKERS = ("公开的", "公开了", "发布的", "发布了", "转载的")
# One named side channel in the clause (微博…发布信息16000条) is that channel's count, not the total of an
# input whose phrases name no channel; several channels (网站和微信平台…202条) or 等 make it a total again.
CHANNEL_KINDS = {"微博": "weibo", "微信": "wechat", "公众号": "wechat", "抖音": "douyin", "快手": "kuaishou",
                 "头条": "toutiao", "视频号": "wechat", "客户端": "app", "新媒体": "newmedia",
                 "网站": "website"}


def _channel_kinds(text: str) -> set[str]:
    """The channels named; 新媒体 is the umbrella word, not one more channel, when a channel is named."""
    kinds = {kind for word, kind in CHANNEL_KINDS.items() if word in text}
    return kinds - {"newmedia"} if len(kinds) > 1 else kinds


def _one_account(clause: str) -> bool:
    """A total that a per-week rate may be derived from: one new-media channel named, no website, no 等
    (官方微博微信等…345条 is every channel's disclosures, not one account's posts)."""
    kinds = _channel_kinds(clause)
    return len(kinds) == 1 and "website" not in kinds and "等" not in clause


def _one_channel(clause: str) -> bool:
    kinds = _channel_kinds(clause)
    # the website is where a rubric's yearly count is normally read (门户网站主动公开信息): not a side channel
    return len(kinds) == 1 and kinds != {"website"} and "等" not in clause


# Periods. A yearly count never serves a per-week input as it stands; the weeks in each period:
WEEKS = {"year": Decimal(52), "half": Decimal(26), "quarter": Decimal(13), "month": Decimal(52) / Decimal(12),
         "week": Decimal(1)}
_PERIOD_RE = re.compile(
    r"(?P<week>平均每周|每周|周均|每星期)|(?P<month>平均每月|每月|月均)"
    r"|(?P<quarter>[一二三四1-4]季度|本季度|季度内)|(?P<half>上半年|下半年)"
    r"|(?P<new>本年新收|新收到|新收)"
    r"|(?P<other>上年度|上一年度|上年|去年|下年度|下一年度)"
    r"|(?P<year>全年|年内|本年度|本年|今年|年度|全年度)")


def spec_period(spec: FigureSpec) -> str | None:
    """The period an input counts over: "week"/"month" when its label or name says so (新媒体周均更新,
    posts_per_week), None for rates (a percentage has no period), else "year" (the self-assessment's)."""
    text = f"{spec.label} {spec.name}".lower()
    if normalise_unit(spec.unit) == "%":
        return None
    if any(w in text for w in ("周均", "每周", "周更新", "per_week", "weekly")):
        return "week"
    if any(w in text for w in ("月均", "每月", "per_month", "monthly")):
        return "month"
    return "year"


def figure_period(text: str, fig: Figure) -> tuple[str, bool]:
    """(period, stated) of a figure: the last period word before it in its sentence (每周/每月 only in its
    own clause); ("year", False) when none is printed — a year-end summary speaks of the year; "new" for
    the year's newly received ones (结转上年后新收到…47件), preferred to a total that includes last year's."""
    c_start, _c_end = clause_bounds(text, fig.start, fig.end)
    found: tuple[str, bool] = ("year", False)
    for m in _PERIOD_RE.finditer(text, fig.sentence_start, fig.start):
        kind = m.lastgroup or "year"
        if kind in ("week", "month") and m.start() < c_start:
            continue
        found = (kind, True)
    return found


def units_compatible(spec_unit: str, figure_unit: str) -> bool:
    if not spec_unit:
        return True
    wanted = normalise_unit(spec_unit)
    if figure_unit == "" and wanted != "%":
        return True  # a bare 0 or "未收到": the count is nil whatever the unit
    return (figure_unit == wanted or figure_unit in UNIT_EQUIVALENTS.get(wanted, set())
            or figure_unit in COUNT_EQUIVALENTS.get(wanted, set()))


def _find_all(text: str, phrase: str) -> list[int]:
    found, pos = [], text.find(phrase)
    while pos != -1 and phrase:
        found.append(pos)
        pos = text.find(phrase, pos + 1)
    return found


def phrase_spans(text: str, phrase: str) -> list[tuple[int, int, bool]]:
    """(start, end, gapped) of the phrase in text; a phrase of 4+ characters also matches with
    1–6 characters (no punctuation) inserted in its middle (公开信息 ~ 公开政府信息), or up to 12
    when the insertion holds a number (发布信息 ~ 发布24条政府信息). An insertion that does not change
    the meaning (政府, 政务, 各类 …) is not a gap."""
    spans = [(p, p + len(phrase), False) for p in _find_all(text, phrase)]
    if len(phrase) >= 4:
        half = len(phrase) // 2
        # the inserted part may hold the figure itself: 发布24条政府信息 ~ 发布信息
        pattern = re.compile(re.escape(phrase[:half]) + r"[^，。；;、,！？!?：:\n]{1,12}?"
                             + re.escape(phrase[half:]))
        for m in pattern.finditer(text):
            inner = text[m.start() + half:m.end() - (len(phrase) - half)]
            if len(inner) <= 6 or any(ch.isdigit() for ch in inner):
                spans.append((m.start(), m.end(), inner not in NEUTRAL_INSERTS))
    return spans


def spec_phrases(spec: FigureSpec, *, with_title: bool = True) -> list[tuple[str, float]]:
    """(phrase, penalty): the listed phrases; the input's label (without a trailing 数/数量); and the
    two-character word that two or more listed phrases end with (政策解读, 同步解读 → 解读)."""
    out: dict[str, float] = {p: 0.0 for p in spec.phrases if p}
    label = re.sub(r"(数量|数)$", "", spec.label or "")
    if len(label) >= 2 and label not in out:
        out[label] = EXTRA_PHRASE_PENALTY
    title = re.sub(r"(数量|数|情况)$", "", spec.title or "") if with_title else ""
    if len(title) >= 4 and title not in out:  # 新闻发布 binds 191场新闻发布活动
        out[title] = EXTRA_PHRASE_PENALTY
    for p in list(out):
        for neutral in ("政务", "政府", "微信"):  # 政务微博 is also printed 微博, 微信公众号 公众号
            if p.startswith(neutral) and len(p) - len(neutral) >= 2:
                out.setdefault(p[len(neutral):], max(out[p], EXTRA_PHRASE_PENALTY))
    for p in list(out):
        for verb, synonyms in VERB_SYNONYMS.items():
            if verb in p:
                for other in synonyms:
                    out.setdefault(p.replace(verb, other), max(out[p], EXTRA_PHRASE_PENALTY))
    tails: dict[str, int] = {}
    for p in {*spec.phrases, label}:
        if len(p) >= 4:  # a compound of two words: 政策+解读, 公开+信息
            tails[p[-2:]] = tails.get(p[-2:], 0) + 1
    for tail, n in tails.items():
        if n >= 2 and tail not in out:
            out[tail] = CORE_PHRASE_PENALTY
    return sorted(out.items(), key=lambda kv: -len(kv[0]))


def phrase_heads(spec: FigureSpec) -> dict[str, set[str]]:
    """For a phrase that is only the tail of longer ones (信息 of 公开信息/发布信息, 解读 of 政策解读), the
    words those longer phrases put before it (公开, 发布, 政策 …): a bare 信息 counts items published only
    where the sentence also says 公开/发布 (回应…投诉信息697条 does not)."""
    phrases = [p for p, _pen in spec_phrases(spec, with_title=False)]
    heads: dict[str, set[str]] = {}
    for tail in phrases:
        longers = [p for p in phrases if len(p) > len(tail) and p.endswith(tail)]
        if len(tail) > 2 or len(longers) < 2:
            continue  # only the shared two-character word: 满意率 needs no 群众 before it
        if any(p != tail and p.startswith(tail) for p in phrases):
            continue  # a word that also opens a phrase (解读材料) stands on its own: 发布解读信息17条
        for longer in longers:
            head = longer[:-len(tail)]
            for neutral in sorted(NEUTRAL_INSERTS, key=len, reverse=True):
                if head.endswith(neutral) and len(head) > len(neutral):
                    head = head[:-len(neutral)]
                    break
            heads.setdefault(tail, set()).add(head[-2:])
    return heads


PREPOSITIONS = ("通过", "依托", "利用", "借助")


def _governed_clause(text: str, fig: Figure) -> tuple[int, int]:
    """The figure's clause, extended back over a clause that only says by what means (此外，还通过长河发布
    微信公众号，发布信息977条: the account belongs to the clause that counts)."""
    c_start, c_end = clause_bounds(text, fig.start, fig.end)
    if c_start > fig.sentence_start:
        p_start, _p_end = clause_bounds(text, c_start - 1, c_start - 1)
        prev = text[max(p_start, fig.sentence_start):c_start]
        if any(w in prev for w in PREPOSITIONS) and not any(ch.isdigit() for ch in prev):
            return max(p_start, fig.sentence_start), c_end
    return c_start, c_end


def _has_own_subject(text: str, c_start: int, fig_start: int) -> bool:
    """Does the clause name what it counts before the figure (学习交流活动65场), or is it a bare
    continuation of the previous clause (共计15件)?"""
    rest = text[c_start:fig_start]
    for w in sorted(FUNCTION_WORDS, key=len, reverse=True):
        rest = rest.replace(w, "")
    return sum(1 for ch in rest if "\u4e00" <= ch <= "\u9fff") >= 2


TOTAL_MARKERS = ("合计", "共计", "总计", "总共", "一共")


def _opens_total(text: str, c_start: int) -> bool:
    """Does the clause open with 合计/共计 …, i.e. add up the clauses before it?"""
    return text[c_start:c_start + 2] in TOTAL_MARKERS


def _is_part(text: str, fig: Figure) -> bool:
    """A part of a total: after 其中 (in its sentence, or a sentence opening with 其中), or before a later
    clause of its sentence that opens with 合计/共计 (网上申请105件，快递17件，合计122件)."""
    before = re.sub(r"[（(][^（()）]*[)）]", "", text[fig.sentence_start:fig.start])  # a closed (其中…) aside
    if any(m in before for m in PART_MARKERS):
        return True
    pos = clause_bounds(text, fig.start, fig.end)[1]
    while pos < fig.sentence_end:
        if _opens_total(text, pos):
            return True
        pos = clause_bounds(text, pos, pos)[1] if clause_bounds(text, pos, pos)[1] > pos else pos + 1
    return False


@dataclass
class _Candidate:
    conf: float
    spec: int
    fig: int
    phrase: str
    pos: int
    value: Decimal
    reason: str
    computation: str | None = None


def _candidate(text: str, fig: Figure, p_start: int, p_end: int
               ) -> tuple[float, str] | None:
    """How likely the phrase at [p_start, p_end) governs the figure, and why; None if it does not."""
    if not (fig.sentence_start <= p_start and p_end <= fig.sentence_end):
        return None
    if p_start < fig.start and fig.end < p_end:  # the figure sits inside the phrase: 发布24条政府信息
        conf = min(0.85 + 0.01 * min(p_end - p_start - (fig.end - fig.start), 8), 1.0)
        return round(conf, 3), "in_phrase"
    c_start, c_end = _governed_clause(text, fig)
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
    if same_clause:
        return round(min(max(conf, 0.1), 1.0), 3), "same_clause"
    if _has_own_subject(text, c_start, fig.start):
        return None  # the figure's own clause says what it counts: the phrase governs another clause
    if _opens_total(text, c_start) and p_end <= fig.start:
        return round(min(max(conf + 0.3, 0.1), 0.9), 3), "total"  # 网上申请105件，快递17件，合计122件
    return round(min(max(conf, 0.1), CROSS_CLAUSE_CAP), 3), "other_clause"


_ZERO_RE = re.compile(r"(?<=[\u4e00-\u9fff])0(?=[。；;，,]|$)")
_NIL_RE = re.compile(r"(?:未|没有|无)(?:收到|受理|接到|召开|举办|开展|发生|组织)|无(?=[\u4e00-\u9fff])")
# 收到政府信息公开申请一件: a lone Chinese 一 is not a figure in general (一次性, 一把手), but right before a
# counting unit and a punctuation mark it is one.
_ONE_RE = re.compile(r"(?<=[\u4e00-\u9fff])(?<![零一二三四五六七八九十百千万两几])一(件|次|篇|条|场|期)(?=[，。；,;、！？!?]|$)")


def nil_figures(text: str) -> list[Figure]:
    """Counts of nothing that :func:`find_figures` does not see: a bare 0 after a phrase
    (受理依申请公开0。) and 未收到/没有收到… (read as 0 for the phrase that follows in the clause)."""
    out = []
    for m in _ZERO_RE.finditer(text):
        s, e = sentence_bounds(text, m.start(), m.end())
        out.append(Figure(Decimal(0), "", Decimal(0), "", None, None, m.start(), m.end(), "0",
                          text[s:e].strip(), s, e))
    for m in _NIL_RE.finditer(text):
        s, e = sentence_bounds(text, m.start(), m.end())
        out.append(Figure(Decimal(0), "", Decimal(0), "", None, "nil", m.start(), m.end(), m.group(0),
                          text[s:e].strip(), s, e))
    for m in _ONE_RE.finditer(text):
        s, e = sentence_bounds(text, m.start(), m.end())
        out.append(Figure(Decimal(1), m.group(1), Decimal(1), m.group(1), None, None, m.start(), m.end(),
                          m.group(0), text[s:e].strip(), s, e))
    return out


def _nil_window(text: str, fig: Figure) -> tuple[int, int]:
    """The words a 未收到 governs: up to the next comma/full stop (lists with 、 included), 40 chars."""
    end = fig.end
    while end < len(text) and end - fig.end < 40 and text[end] not in "。；;，,！？!?\n":
        end += 1
    return fig.start, end


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


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))


def _candidates_for(text: str, si: int, spec: FigureSpec, figures: list[Figure], plans: list[bool],
                    periods: list[tuple[str, bool]]) -> list[_Candidate]:
    wanted = spec_period(spec)
    heads = phrase_heads(spec)
    out: list[_Candidate] = []
    for phrase, penalty in spec_phrases(spec):
        for start, end, gapped in phrase_spans(text, phrase):
            for fi, fig in enumerate(figures):
                if not units_compatible(spec.unit, fig.unit):
                    continue
                if fig.qualifier_kind == "nil":
                    w_start, w_end = _nil_window(text, fig)
                    if not (w_start <= start and end <= w_end) or re.search("复议|诉讼", text[w_start:w_end]):
                        continue
                    if fig.text == "无" and start - fig.end > 1:
                        continue  # a bare 无 says nothing of a phrase further on: 无依申请公开事项 only
                    # 未收到/未受理 is said of applications far more than of anything else: a phrase naming
                    # 申请 wins (未收到…向本机关申请公开政府信息 is about applications, not information)
                    conf = (0.75 if "申请" in text[start:end] else 0.6) - 0.005 * (start - fig.end)
                    out.append(_Candidate(round(conf, 3), si, fi, text[start:end], start, Decimal(0), "nil"))
                    continue
                if fig.unit == "" and not (end <= fig.start and fig.start - end <= 2):
                    continue  # a bare 0 belongs to the phrase right before it
                period, stated = periods[fi]
                newly = period == "new"
                period = "year" if newly else period
                found = _candidate(text, fig, start, end)
                if found is None and wanted == period and wanted in ("week", "month") \
                        and fig.sentence_start <= start and end <= fig.sentence_end:
                    found = (0.85, "per_period")  # 平均每周更新约5条 after the account's clause: the 每周 binds it
                if found is None:
                    continue
                conf, reason = found
                value, computation = fig.value, None
                if period == "other" or (wanted == "year" and period != "year"):
                    continue  # last/next year's, a quarter's, a month's or a week's figure is not the year's
                if wanted in ("week", "month"):
                    if period == wanted:
                        reason = "per_period"
                        conf = max(conf, 0.85)
                    elif WEEKS[period] > WEEKS[wanted] and _one_account(text[slice(*_governed_clause(text, fig))]):
                        divisor = WEEKS[period] / WEEKS[wanted]
                        value = (fig.value / divisor).quantize(Decimal("0.01"))
                        shown = _fmt(divisor.quantize(Decimal("0.01")))
                        computation = f"{_fmt(fig.value)} ÷ {shown} = {_fmt(value)}"
                        reason = f"derived_{period}" if stated else "derived_assumed_year"
                        conf = min(conf, 0.75) - (0 if stated else 0.1)
                    else:
                        continue
                conf -= penalty + GAP_PENALTY * gapped + PLAN_PENALTY * plans[fi] - 0.05 * newly
                if not any(word in phrase for phrase, _p in spec_phrases(spec) for word in CHANNEL_KINDS) \
                        and _one_channel(text[slice(*_governed_clause(text, fig))]):
                    conf = min(conf, CROSS_CLAUSE_CAP)
                    reason = "one_channel"
                if _is_part(text, fig) and not (computation and len(_channel_kinds(fig.sentence)) == 1):
                    # (a per-week rate from the one account the sentence lists is that account's, not a part)
                    conf = min(conf - PART_PENALTY, CROSS_CLAUSE_CAP)
                    reason = "part"
                if phrase in heads and not any(w in text[fig.sentence_start:fig.sentence_end]
                                               for h in heads[phrase] for w in (h, *VERB_SYNONYMS.get(h, ()))):
                    conf = min(conf, CROSS_CLAUSE_CAP)
                    reason = "bare_noun"
                if (normalise_unit(spec.unit) in ACTIVITY_UNITS
                        and any(m in text[clause_bounds(text, fig.start, fig.end)[0]:fig.start]
                                for m in PUBLISHED_OBJECT_MARKERS)):
                    conf = min(conf, 0.3)
                    reason = "published_object"
                out.append(_Candidate(round(max(conf, 0.05), 3), si, fi, text[start:end], start, value,
                                      reason, computation))
    return out


def match_figures(text: str, figures: list[Figure], specs: list[FigureSpec]
                  ) -> tuple[list[FigureProposal], list[Figure]]:
    """Best figure per spec (greedy on confidence, a figure used once); unassigned figures."""
    real_count = len(figures)
    figures = [*figures, *nil_figures(text)]
    plans = _plan_flags(text, figures)
    periods = [figure_period(text, f) for f in figures]
    candidates: list[_Candidate] = []
    for si, spec in enumerate(specs):
        candidates += _candidates_for(text, si, spec, figures, plans, periods)
    candidates.sort(key=lambda c: (-c.conf, c.fig))
    chosen: dict[int, _Candidate] = {}
    used: set[int] = set()
    for c in candidates:
        # a figure serves one input as it stands; a rate derived from it does not take it away
        if c.spec in chosen or (c.fig in used and c.computation is None):
            continue
        chosen[c.spec] = c
        if c.computation is None:
            used.add(c.fig)
    proposals = []
    for si, c in sorted(chosen.items()):
        spec, fig = specs[si], figures[c.fig]
        alternatives, seen = [], {c.fig}
        for other in candidates:
            if other.spec == si and other.fig not in seen:
                seen.add(other.fig)
                alt = figures[other.fig]
                alternatives.append({"value": str(other.value), "unit": alt.unit, "start": alt.start,
                                     "end": alt.end, "confidence": other.conf})
        c_start, c_end = clause_bounds(text, fig.start, fig.end)
        p_end = c.pos + len(c.phrase)
        clause_start, clause_end = min(c_start, c.pos), max(c_end, p_end)
        if fig.qualifier_kind == "nil":
            clause_start, clause_end = _nil_window(text, fig)
        proposals.append(FigureProposal(
            indicator_code=spec.indicator_code, name=spec.name, label=spec.label, value=c.value,
            unit=normalise_unit(spec.unit) if fig.unit == "" else fig.unit,
            printed_value=fig.printed_value, printed_unit=fig.printed_unit,
            qualifier=fig.qualifier, qualifier_kind=fig.qualifier_kind,
            source_sentence=fig.sentence, start=fig.start, end=fig.end,
            sentence_start=fig.sentence_start, sentence_end=fig.sentence_end, phrase=c.phrase,
            phrase_start=c.pos, confidence=c.conf, alternatives=alternatives[:3],
            clause=text[clause_start:clause_end].strip(), reason=c.reason, computation=c.computation))
    unassigned = [f for i, f in enumerate(figures[:real_count]) if i not in used]
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
