"""Quantities with units in Chinese prose: 公开信息246条, 每日接听约300通, 6.2万人, 两千余条, 100%.

Decision on units (documented here once): every :class:`Figure` keeps what was printed AND a
normalised form.

- ``printed_value`` / ``printed_unit`` are as written: ``3456万元`` → ``3456`` / ``"万元"``;
  ``6.2万人`` → ``6.2`` / ``"万人"``; ``两千余条`` → ``2000`` / ``"条"`` (a Chinese numeral's own
  万/千 is part of the number).
- ``value`` / ``unit`` are normalised: the multiplier is applied and the unit is the base unit:
  ``34560000`` / ``"元"``, ``62000`` / ``"人"``. Rubric units are compared after the same
  normalisation (:func:`normalise_unit`), so a rubric asking for 万元 matches 1.2亿元.
- ``qualifier`` keeps approximation words as printed (约, 近, 超过, 逾, 余, 多, 以上, 左右 …; two are
  joined with ``"/"``); ``qualifier_kind`` is ``"approx"``, ``"over"`` or ``"under"``; a range (``3-5个工作日``)
  gives the upper bound with the lower one as qualifier (``"3-"``) and kind ``"range"``.

What is NOT a figure: dates and years (年/月/日 are not units), ordinals (第3次), document numbers,
phone/hotline numbers (12345热线: no unit follows), Chinese-numeral counts that open a quotation or
title (“三个转变”, 《八条禁令》: names, not counts), a lone Chinese ``一`` (一次性, 一把手, 一件事 are
idioms far more often than counts), and set phrases such as 四个意识/两个维护.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from typing import Any

from assess.extraction.numerals import CN_NUMERAL_CHARS, normalise, parse_number

# Counting units, longest first. A negative look-ahead keeps words such as 部门, 通知, 批复 out.
UNITS: list[tuple[str, str]] = [
    ("个工作日", ""), ("工作日", ""), ("个百分点", ""), ("个月", ""), ("人次", ""), ("件次", ""),
    ("条次", ""), ("场次", ""), ("批次", ""), ("户次", ""), ("小时", ""), ("分钟", ""), ("余", "__never__"),
    ("条", "例款"), ("件", ""), ("次", "性序"), ("人", "民员口大社"), ("个", ""), ("篇", ""),
    ("期", "间限末"), ("场", "所景合"), ("份", "额"), ("项", "目"), ("家", "庭属"), ("户", "籍口"),
    ("通", "知过报讯信道畅用"), ("起", "草来到诉"), ("名", "称单义"), ("批", "准复示评"),
    ("天", ""), ("位", "置于"), ("所", "属有在以"), ("处", "理室置罚分"), ("块", ""), ("张", "贴"),
    ("册", ""), ("部", "门署分"), ("套", ""), ("轮", ""), ("类", "型别"), ("元", "旦素"),
    ("万元", ""), ("台", "账"),
    # measures (area, length, weight, volume)
    ("平方米", ""), ("平方公里", ""), ("立方米", ""), ("公顷", ""), ("亩", ""), ("公里", ""),
    ("千米", ""), ("吨", ""), ("米", ""), ("幅", "度"), ("本", "级部单年身"), ("座", "谈"),
]
UNITS = [u for u in UNITS if u[1] != "__never__"]
UNITS.sort(key=lambda u: -len(u[0]))

PRE_QUALIFIERS = ["将近", "接近", "大约", "不少于", "不低于", "多于", "超过", "高于", "不到", "不足",
                  "约", "近", "逾", "超"]
POST_QUALIFIERS = ["余", "多"]
AFTER_QUALIFIERS = ["以上", "左右", "有余"]
QUALIFIER_KIND = {"不到": "under", "不足": "under", "将近": "under", "接近": "under", "近": "under", "大约": "approx",
                  "约": "approx", "左右": "approx", "不少于": "over", "不低于": "over",
                  "多于": "over", "超过": "over", "高于": "over", "逾": "over", "超": "over",
                  "余": "over", "多": "over", "以上": "over", "有余": "over"}

# Idioms that look like counts; a match starting with one of these is skipped.
IDIOMS = ("千家万户", "四个意识", "四个自信", "两个维护", "两个确立", "三个代表", "两学一做",
          "三会一课", "五个一", "两个责任", "三到位", "四到位", "百姓", "千方百计", "万无一失",
          "两个务必", "三个务必", "十个公开", "两次创业")

_unit_alt = "|".join(
    re.escape(u) + (f"(?![{re.escape(neg)}])" if neg else "") for u, neg in UNITS
)
_pre_alt = "|".join(map(re.escape, PRE_QUALIFIERS))
FIGURE_RE = re.compile(
    r"(?P<pre>" + _pre_alt + r")?"
    r"(?:(?P<arabic>\d+(?:[,，]\d{3})*(?:\.\d+)?)\s?(?P<mult>[万亿千百]?)"
    r"|(?P<cn>[" + CN_NUMERAL_CHARS + r"]+))"
    r"(?P<post>余|多)?"
    r"(?:(?P<pct>[%％])|(?P<unit>" + _unit_alt + r"))"
    r"(?P<after>以上|左右|有余)?"
)
PERCENT_WORDS_RE = re.compile(
    r"(?P<pre>" + _pre_alt + r")?百分之(?P<num>\d+(?:\.\d+)?|[" + CN_NUMERAL_CHARS + r"]+)"
)

# lower bound of a range right before the number: 3-5个, 3～5天, 3至5个工作日
_RANGE_RE = re.compile(r"\d+(?:\.\d+)?\s?(?:-|–|—|～|~|至|到)\s?")

SENTENCE_END = "。！？；;!?\n"
CLAUSE_END = SENTENCE_END + "，,、"


@dataclass(frozen=True)
class Figure:
    value: Decimal            # normalised: multiplier applied, in ``unit``
    unit: str                 # normalised unit: 元, 人, 条, %, …
    printed_value: Decimal    # as printed, before a trailing 万/亿
    printed_unit: str         # as printed: 万元, 万人, 条, %
    qualifier: str | None     # as printed: 约, 超过, 余, 左右 … (two joined by "/")
    qualifier_kind: str | None  # approx | over | under
    start: int                # offsets of the figure (qualifier included) in the text
    end: int
    text: str                 # the matched text
    sentence: str             # the sentence holding it, stripped
    sentence_start: int
    sentence_end: int

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("value", "printed_value"):
            data[key] = str(data[key])
        return data


def normalise_unit(unit: str) -> str:
    """万元/亿元 → 元, 万人 → 人, ％ → %. Other units unchanged."""
    unit = unit.replace("％", "%")
    if len(unit) > 1 and unit[0] in "万亿千百":
        return unit[1:]
    return unit


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of the sentence containing text[start:end]."""
    return _bounds(text, start, end, SENTENCE_END)


def clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of the clause (split on ，、；。) containing text[start:end]."""
    return _bounds(text, start, end, CLAUSE_END)


def _bounds(text: str, start: int, end: int, stops: str) -> tuple[int, int]:
    s = start
    while s > 0 and text[s - 1] not in stops:
        s -= 1
    e = end
    while e < len(text) and text[e] not in stops:
        e += 1
    if e < len(text) and text[e] not in "\n":
        e += 1  # keep the closing punctuation
    return s, e


def _is_idiom(text: str, pos: int) -> bool:
    """True when position ``pos`` lies inside one of :data:`IDIOMS`."""
    for idiom in IDIOMS:
        lo = max(0, pos - len(idiom) + 1)
        found = text.find(idiom, lo, pos + len(idiom))
        if found != -1 and found <= pos < found + len(idiom):
            return True
    return False


def _qualifier(parts: list[str | None]) -> tuple[str | None, str | None]:
    found = [p for p in parts if p]
    if not found:
        return None, None
    return "/".join(found), QUALIFIER_KIND.get(found[0])


# full-width digits and signs → ASCII, one character for one, so offsets stay valid
_FULLWIDTH = str.maketrans("０１２３４５６７８９．％", "0123456789.%")


def find_figures(text: str) -> list[Figure]:
    """All quantities with a unit in ``text``, in order of position.

    Offsets refer to ``text`` as given; full-width digits (１２条) are read like ASCII ones."""
    original = text
    text = text.translate(_FULLWIDTH)
    figures: list[Figure] = []
    for m in FIGURE_RE.finditer(text):
        fig = _from_match(text, m)
        if fig is not None:
            figures.append(fig)
    for m in PERCENT_WORDS_RE.finditer(text):
        try:
            value = parse_number(m.group("num"))
        except ValueError:
            continue
        pre = m.group("pre")
        qualifier, kind = _qualifier([pre])
        figures.append(_make(text, m.start(), m.end(), value, "%", value, "%", qualifier, kind))
    figures.sort(key=lambda f: f.start)
    if original != text:
        figures = [replace(f, text=original[f.start:f.end],
                           sentence=original[f.sentence_start:f.sentence_end]) for f in figures]
    return figures


def _from_match(text: str, m: re.Match[str]) -> Figure | None:
    num_start = m.start("arabic") if m.group("arabic") else m.start("cn")
    before = text[num_start - 1] if num_start > 0 else " "  # a space: nothing special before
    range_m = _RANGE_RE.search(text, max(0, num_start - 12), num_start) if m.group("arabic") else None
    range_start = range_m.start() if range_m and range_m.end() == num_start and not m.group("pre") else None
    if range_start is not None:
        lower = re.match(r"\d+(?:\.\d+)?", text[range_start:]).group(0)  # type: ignore[union-attr]
        upper = m.group("arabic").replace(",", "").replace("，", "")
        if ((range_start > 0 and text[range_start - 1].isascii() and text[range_start - 1].isalnum())
                or (lower.startswith("0") and len(lower) > 1) or Decimal(lower) >= Decimal(upper)):
            range_start = None  # 0731-8888 (a phone number), 2025-01: not a range
    if range_start is None and (before == "第" or (before.isascii() and before.isalnum())
                                or before in ".-/:：～~—–"):
        return None
    if m.group("cn"):
        cn = m.group("cn")
        if (cn == "一" or _is_idiom(text, num_start) or before in CN_NUMERAL_CHARS
                or before in "“‘《〈「\"'"
                or not (set(cn) & set("零〇一二两三四五六七八九") or cn[0] == "十")):
            return None
        try:
            printed_value = value = parse_number(cn)
        except ValueError:
            return None
        mult = ""
    else:
        mult = m.group("mult") or ""
        try:
            printed_value = parse_number(m.group("arabic"))
            value = parse_number(m.group("arabic"), mult)
        except ValueError:
            return None
    unit = "%" if m.group("pct") else m.group("unit")
    if unit == "万元":  # 3456万元 with the 万 on the unit side of the regex
        mult, unit = "万", "元"
        value = normalise(printed_value * 10000)
    printed_unit = mult + unit if mult in ("万", "亿") else unit
    if mult in ("千", "百"):  # 3千人: keep printed as 3, unit 人 with the multiplier printed
        printed_unit = mult + unit
    qualifier, kind = _qualifier([m.group("pre"), m.group("post"), m.group("after")])
    start = m.start()
    if range_start is not None:  # 3-5个工作日: the upper bound, the lower one kept as qualifier
        pre = next((q for q in PRE_QUALIFIERS if text.endswith(q, 0, range_start)), None)
        qualifier = "/".join(x for x in (pre, text[range_start:num_start], qualifier) if x)
        kind, start = "range", range_start - len(pre or "")
    return _make(text, start, m.end(), value, normalise_unit(unit), printed_value,
                 printed_unit, qualifier, kind)


def _make(text: str, start: int, end: int, value: Decimal, unit: str, printed_value: Decimal,
          printed_unit: str, qualifier: str | None, kind: str | None) -> Figure:
    s, e = sentence_bounds(text, start, end)
    raw = text[s:e]
    lead = len(raw) - len(raw.lstrip())
    sentence = raw.strip()
    return Figure(value=value, unit=unit, printed_value=printed_value, printed_unit=printed_unit,
                  qualifier=qualifier, qualifier_kind=kind, start=start, end=end,
                  text=text[start:end], sentence=sentence, sentence_start=s + lead,
                  sentence_end=s + lead + len(sentence))
