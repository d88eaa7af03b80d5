"""Rubrics: the familiar table — a rubric shown the way offices print it (一、二、… areas, indicators with
points, standard and how they are scored in words), for the rubric page and the self-assessment.

Read only: built from the engine's :class:`~assess.scoring.Rubric`, nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .. import scoring
from ..scoring.explain import num
from ..scoring.model import Indicator
from ..scoring.rules import Tier


def _fig(ind: Indicator, name: str) -> tuple[str, str]:
    return ind.figure_label(name)


def _range(lo: Decimal, hi: Decimal | None, unit: str, integer: bool, tier: Tier | None = None) -> str:
    """A tier's span in words; a tier written with ``above`` (高于, the line excluded) or ``to`` (the upper
    line included) says so."""
    strict, inclusive = (tier.from_strict, tier.to_inclusive) if tier is not None else (False, False)
    if tier is not None and (strict or inclusive):
        if integer:
            first, last = tier.whole_numbers()
            if last is None:
                return f"{num(first)}{unit}及以上"
            return f"{num(first)}{unit}" if last == first else f"{num(first)}至{num(last)}{unit}"
        low = f"高于{num(lo)}{unit}" if strict else f"{num(lo)}{unit}（含）"
        if hi is None:
            return low
        return f"{low}至{num(hi)}{unit}（{'含' if inclusive else '不含'}）"
    if hi is None:
        return f"{num(lo)}{unit}及以上"
    if integer:
        last = hi - 1
        return f"{num(lo)}{unit}" if last == lo else f"{num(lo)}至{num(last)}{unit}"
    if lo == 0:
        return f"低于{num(hi)}{unit}"
    return f"{num(lo)}{unit}（含）至{num(hi)}{unit}（不含）"


def describe_rule(ind: Indicator, rubric: scoring.Rubric | None = None) -> str:
    """The scoring rule in words, as an office writes it in its 评分标准 column."""
    r = ind.rule
    kind = r.kind
    if kind == "boolean":
        label, _ = _fig(ind, r.figure)
        return f"{label}的，得{num(ind.points)}分；否则不得分。"
    if kind == "checklist":
        parts = "、".join(f"{_fig(ind, i.figure)[0]}{num(i.points)}分" for i in r.items)
        total = sum((i.points for i in r.items), Decimal(0))
        cap = f"，合计最高{num(ind.points)}分" if total > ind.points else ""
        return f"按项计分：{parts}{cap}。"
    if kind == "tiers":
        label, unit = _fig(ind, r.figure)
        spec = ind.input(r.figure)
        integer = spec is not None and spec.type == "integer"
        tiers = sorted(r.tiers, key=lambda t: t.from_, reverse=True)
        parts = []
        for t in tiers:
            text = _range(t.from_, t.below, unit, integer, t)
            parts.append(f"{text}得{num(t.points)}分" if t.points else f"{text}不得分")
        return f"按{label}分档：" + "；".join(parts) + "。"
    if kind == "ratio":
        label, unit = _fig(ind, r.figure)
        text = (f"按{label}得分：达到{num(r.target)}{unit}得满分{num(ind.points)}分，"
                f"未达到的按比例得分（{num(ind.points)}×实际值÷{num(r.target)}）")
        if r.zero_below is not None:
            text += f"；低于{num(r.zero_below)}{unit}不得分"
        return text + "。"
    if kind == "deduction":
        parts = []
        for i in r.items:
            label, unit = _fig(ind, i.figure)
            spec = ind.input(i.figure)
            if i.tiers:  # 1个扣1分，3个及以上扣2分
                steps = "，".join(f"{t.threshold.words(unit)}{'（含）' if not t.threshold.strict else ''}扣{num(t.deduct)}分"
                                  for t in i.tiers)
                parts.append(f"{i.label or label}{steps}")
            elif spec is not None and spec.type == "boolean":  # 未公开X扣0.5分: a fact, once
                costly = True if i.when is None else i.when
                said = i.label or f"{label}为“{'是' if costly else '否'}”"
                parts.append(f"{said}的扣{num(i.per)}分")
            else:
                parts.append(f"每发现{'一' + unit if unit else '一处'}{i.label or label}扣{num(i.per)}分")
        if rubric is not None and ind.code in {i.code for i in (rubric.major.indicators if rubric.major else ())}:
            return "，".join(parts) + f"，本项最多扣{num(ind.points)}分，从总分中扣除（不计入各领域得分）。"
        tail = "扣完为止" if r.floor == "indicator" else "扣分可超出本项分值，但本领域最低为0分"
        return "，".join(parts) + f"，{tail}。"
    if kind == "judgement":
        hi = r.max if r.max is not None else ind.points
        default = r.default if r.default is not None else hi
        return (f"评审人员在{num(r.min)}至{num(hi)}分之间评定，步长{num(r.step)}分"
                f"（评定前暂按{num(default)}分计）。")
    if kind == "late":
        label, unit = _fig(ind, r.figure)
        cap = r.max if r.max is not None else ind.points
        parts = []
        if r.fixed:
            parts.append(f"逾期扣{num(r.fixed)}分")
        if r.per_day:
            parts.append(f"每逾期1{unit or '天'}{'再' if r.fixed else ''}扣{num(r.per_day)}分")
        return f"按时完成得{num(ind.points)}分；" + "，".join(parts) + f"，最多扣{num(cap)}分。"
    if kind == "count":
        label, unit = _fig(ind, r.figure)
        return f"{label}每{unit or '项'}得{num(r.per)}分，最多{num(ind.points)}分。"
    if kind == "veto":
        label, unit = _fig(ind, r.figure)
        grade = f"，等次为{rubric.veto_grade}" if rubric is not None else ""
        if r.threshold is not None:
            return f"{label}{r.threshold.words(unit)}{'（含）' if not r.threshold.strict else ''}的，一票否决{grade}。"
        return f"出现“{label}”情形的，一票否决{grade}。"
    return ""  # pragma: no cover — every kind of the registry is described above


def describe_computed(ind: Indicator) -> list[str]:
    out = []
    for c in ind.computed:
        names = [_fig(ind, n)[0] for n in c.of]
        if c.op == "ratio":
            scale = f"×{num(c.scale)}" if c.scale != 1 else ""
            out.append(f"{c.label}＝{names[0]}÷{names[1]}{scale}（{names[1]}为0时按{num(c.on_zero)}{c.unit}计）")
        elif c.op == "sum":
            out.append(f"{c.label}＝{'＋'.join(names)}")
        else:
            out.append(f"{c.label}＝{names[0]}－{names[1]}")
    return out


_TYPE = {"integer": "整数", "decimal": "数值", "rate": "百分比", "boolean": "是/否", "text": "文字"}


_KINDS = {"document": "文件", "screenshot": "截图", "link": "链接", "photo": "照片", "table": "表格", "other": "其他"}


def _reports(ind: Indicator) -> list[str]:
    out = []
    for i in ind.inputs:
        unit = f"，单位：{i.unit}" if i.unit else ""
        opt = "" if i.required else "，选填"
        out.append(f"{i.label}（{_TYPE.get(i.type, i.type)}{unit}{opt}）")
    return out


def _evidence(ind: Indicator) -> list[str]:
    out = []
    for e in ind.evidence:
        kinds = "、".join(_KINDS.get(k, k) for k in e.kinds)
        out.append(f"{e.title}{'（必附）' if e.required else ''}{('：' + kinds) if kinds else ''}")
    return out


@dataclass
class TableRow:
    number: str  # 序号
    code: str
    title: str
    points: Decimal
    standard: str
    rule: str
    kind: str
    reports: list[str]
    computed: list[str]
    evidence: list[str]
    guidance: str
    applies: str = ""  # 不适用: who may mark it, or which units it applies to


@dataclass
class TableSection:
    code: str
    title: str
    points: Decimal
    rows: list[TableRow]


@dataclass
class RubricTable:
    rubric: scoring.Rubric
    sections: list[TableSection]
    bonus: TableSection | None
    bonus_cap: Decimal | None
    bonus_min_base: Decimal
    vetoes: TableSection | None
    grades: list[str]
    tie_break: str
    late: str
    bonus_gate_strict: bool = False  # 基础分高于（不含）min_base 方可加分
    major: TableSection | None = None  # 重大扣分项 (points: the overall cap, or None)
    veto_ends_scoring: bool = False  # 单项否决: a veto ends scoring


_CN_NUM = "一二三四五六七八九十"


def _cn(n: int) -> str:
    if n <= 10:
        return _CN_NUM[n - 1]
    if n < 20:
        return "十" + _CN_NUM[n - 11]
    return str(n)


def describe_applies(ind: Indicator) -> str:
    """Who the indicator applies to, in words (不适用 items are left out and the total rescaled)."""
    parts = []
    if ind.applies_to is not None:
        parts.append(f"仅适用于{ind.applies_to.words()}，其他单位不适用")
    if ind.allow_na:
        parts.append("无此项工作的单位可标为不适用并写明原因")
    if not parts:
        return ""
    return "；".join(parts) + "；不适用的不计分，总分按适用指标满分折算。"


def _row(number: str, ind: Indicator, rubric: scoring.Rubric) -> TableRow:
    return TableRow(number, ind.code, ind.title, ind.points, ind.standard, describe_rule(ind, rubric),
                    ind.rule.kind, _reports(ind), describe_computed(ind), _evidence(ind), ind.guidance,
                    describe_applies(ind))


def rubric_table(rubric: scoring.Rubric) -> RubricTable:
    """Plain data for the table 序号、考核内容、分值、评分标准 (plus reporting, evidence, guidance)."""
    sections = []
    for a, area in enumerate(rubric.areas, 1):
        rows = [_row(f"{a}.{i}", ind, rubric) for i, ind in enumerate(area.indicators, 1)]
        sections.append(TableSection(area.code, f"{_cn(a)}、{area.title}", area.points, rows))
    bonus = vetoes = None
    if rubric.bonus and rubric.bonus.indicators:
        bonus = TableSection("bonus", "加分项", rubric.bonus.cap,
                             [_row(f"加{i}", ind, rubric) for i, ind in enumerate(rubric.bonus.indicators, 1)])
    if rubric.vetoes:
        vetoes = TableSection("veto", "一票否决项", Decimal(0),
                              [_row(f"否{i}", ind, rubric) for i, ind in enumerate(rubric.vetoes, 1)])
    grades = []
    for n, g in enumerate(rubric.grades):
        upper = f"，且不超过排名分组的{num(g.max_share)}%" if g.max_share is not None else ""
        line = f"高于{num(g.min)}分" if g.strict else f"{num(g.min)}分及以上"
        below = (f"{num(rubric.grades[n - 1].min)}分及以下" if n and rubric.grades[n - 1].strict
                 else f"低于{num(rubric.grades[n - 1].min)}分" if n else "")
        grades.append(f"{g.label}：{line}{upper}" if n < len(rubric.grades) - 1
                      else f"{g.label}：{below}" if n else f"{g.label}")
    if rubric.veto_ends_scoring:
        grades.append(f"触发一票否决的，考核结果为单项否决，等次为{rubric.veto_grade}，其余指标不再评分。")
    else:
        grades.append(f"触发一票否决的，等次为{rubric.veto_grade}"
                      + ("，总分按0分计" if rubric.veto_zeroes_total else "") + "。")
    titles = {a.code: a.title for a in rubric.areas}
    tie = ("总分相同时依次比较" + "、".join(f"“{titles.get(c, c)}”" for c in rubric.tie_break) + "得分，高者在前；"
           if rubric.tie_break else "总分相同时名次并列；")
    tie += "有否决项的排在其他报送单位之后，未报送的排在最后。"
    late = ""
    if rubric.late_submission:
        ls = rubric.late_submission
        parts = [p for p in (f"扣{num(ls.fixed)}分" if ls.fixed else "",
                             f"每逾期1天扣{num(ls.per_day)}分" if ls.per_day else "") if p]
        late = "自评逾期报送的，" + "，".join(parts) + f"，最多扣{num(ls.max)}分（从总分中扣除）。"
    major = None
    if rubric.major:
        major = TableSection("major", "重大扣分项", rubric.major.cap,  # type: ignore[arg-type]
                             [_row(f"减{i}", ind, rubric) for i, ind in enumerate(rubric.major.indicators, 1)])
    return RubricTable(rubric, sections, bonus, rubric.bonus.cap if rubric.bonus else None,
                       rubric.bonus.min_base if rubric.bonus else Decimal(0), vetoes, grades, tie, late,
                       bonus_gate_strict=bool(rubric.bonus and rubric.bonus.strict), major=major,
                       veto_ends_scoring=rubric.veto_ends_scoring)
