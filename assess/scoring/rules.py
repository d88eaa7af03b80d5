"""Rule kinds: one class per kind, found through the ``RULES`` registry by the ``kind:`` key.

Adding a kind means adding a class here (and its parameters to ``schema.py``); the loader, engine,
CLI and dump code only talk to the registry (the CTFd ``DECAY_FUNCTIONS`` idea, kept pure).

Each kind knows how to
- ``from_raw`` / ``to_raw``: build its frozen parameters from the checked YAML mapping and back;
- ``figures``: which figures it reads (so the loader can check they exist and have the right type);
- ``check``: consistency problems the JSON Schema cannot see (tier gaps, bounds, unreachable points);
- ``evaluate``: the suggested score with a Chinese and an English explanation;
- ``steps`` / ``lowest``: the grid and the minimum of scores an adopted score may take (``Bounds``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, ClassVar

from .explain import CENT, ZERO, figure, num, pts, q, yes_no

Check = tuple[str, str, str]  # (sub-path relative to the rule, message zh, message en)


def D(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class FigureRef:
    path: str  # relative to the rule, e.g. "figure" or "items[2].figure"
    name: str
    need: str  # "number", "boolean", "flag" (boolean or number, true when > 0) or "fact_or_count" (either)


@dataclass(frozen=True)
class Context:
    """What a rule check may know about its indicator."""

    points: Decimal
    figure_min: dict[str, Decimal | None]  # numeric figures → lowest value they can take
    integer_figures: frozenset[str] = frozenset()
    booleans: frozenset[str] = frozenset()  # yes/no facts


class RuleKind:
    kind: ClassVar[str]
    title_zh: ClassVar[str]

    def from_raw(self, raw: dict) -> Any:
        raise NotImplementedError

    def to_raw(self, rule: Any) -> dict:
        raise NotImplementedError

    def figures(self, raw: dict) -> list[FigureRef]:
        return [FigureRef("figure", raw["figure"], "number")] if "figure" in raw else []

    def check(self, raw: dict, ctx: Context) -> list[Check]:
        return []

    def evaluate(self, rule: Any, ind: Any, values: dict[str, Any]) -> tuple[Decimal, str, str]:
        raise NotImplementedError

    def steps(self, rule: Any, points: Decimal, whole: frozenset[str] = frozenset()) -> list[Decimal]:
        """Amounts whose common step is the grid of scores this rule can give (see ``engine.bounds``).

        ``whole`` names the figures that only take whole numbers (integer inputs, computed figures with
        no places): an amount multiplied by any other figure can land on any 0.01, so such a rule's
        step is 0.01 (``CENT``).
        """
        return [points]

    def lowest(self, rule: Any, points: Decimal, area_points: Decimal) -> Decimal:
        return ZERO


@dataclass(frozen=True)
class Threshold:
    """``at_least: 5`` (达到5, 5 counts) or ``above: 5`` (高于5, strictly)."""

    value: Decimal
    strict: bool = False

    def reached(self, x: Decimal) -> bool:
        return x > self.value if self.strict else x >= self.value

    @property
    def key(self) -> str:
        return "above" if self.strict else "at_least"

    def words(self, unit: str, lang: str = "zh") -> str:
        if lang == "zh":
            return f"{'高于' if self.strict else '达到'}{num(self.value)}{unit}"
        return f"{'>' if self.strict else '≥'} {num(self.value)}"


def threshold_of(raw: dict) -> Threshold | None:
    """The threshold written in ``raw`` (one of ``at_least`` / ``above``), or None."""
    if raw.get("above") is not None:
        return Threshold(D(raw["above"]), True)
    if raw.get("at_least") is not None:
        return Threshold(D(raw["at_least"]))
    return None


def _threshold_raw(t: Threshold) -> dict:
    return {t.key: t.value}


def _fig(ind: Any, name: str, values: dict[str, Any], lang: str) -> str:
    label, unit = ind.figure_label(name)
    return figure(label, values.get(name), unit, lang)


# ---------------------------------------------------------------------------- boolean


@dataclass(frozen=True)
class BooleanRule:
    figure: str
    kind: str = "boolean"


class Boolean(RuleKind):
    """有则得分: full points when the fact is true, else zero."""

    kind = "boolean"
    title_zh = "是否"

    def from_raw(self, raw: dict) -> BooleanRule:
        return BooleanRule(figure=raw["figure"])

    def to_raw(self, rule: BooleanRule) -> dict:
        return {"kind": self.kind, "figure": rule.figure}

    def figures(self, raw: dict) -> list[FigureRef]:
        return [FigureRef("figure", raw["figure"], "boolean")]

    def evaluate(self, rule: BooleanRule, ind: Any, values: dict[str, Any]) -> tuple[Decimal, str, str]:
        ok = bool(values.get(rule.figure))
        score = ind.points if ok else ZERO
        return (
            score,
            f"{_fig(ind, rule.figure, values, 'zh')}，{'符合要求' if ok else '未达到要求'}，得{pts(score)}",
            f"{_fig(ind, rule.figure, values, 'en')}, {'met' if ok else 'not met'}: {pts(score, 'en')}",
        )


# ---------------------------------------------------------------------------- checklist


@dataclass(frozen=True)
class ChecklistItem:
    figure: str
    points: Decimal


@dataclass(frozen=True)
class ChecklistRule:
    items: tuple[ChecklistItem, ...]
    kind: str = "checklist"


class Checklist(RuleKind):
    """每项X分: points for each fact that holds, capped at the indicator's points."""

    kind = "checklist"
    title_zh = "清单"

    def from_raw(self, raw: dict) -> ChecklistRule:
        return ChecklistRule(tuple(ChecklistItem(i["figure"], D(i["points"])) for i in raw["items"]))

    def to_raw(self, rule: ChecklistRule) -> dict:
        return {"kind": self.kind, "items": [{"figure": i.figure, "points": i.points} for i in rule.items]}

    def figures(self, raw: dict) -> list[FigureRef]:
        return [FigureRef(f"items[{n}].figure", i["figure"], "boolean") for n, i in enumerate(raw["items"])]

    def check(self, raw: dict, ctx: Context) -> list[Check]:
        out: list[Check] = []
        total = sum((D(i["points"]) for i in raw["items"]), ZERO)
        for n, item in enumerate(raw["items"]):
            if D(item["points"]) > ctx.points:
                out.append((f"items[{n}].points", f"单项分值{num(D(item['points']))}分超过指标分值{num(ctx.points)}分",
                            "item points exceed the indicator's points"))
        if total < ctx.points:
            out.append(("items", f"清单各项合计{num(total)}分，少于指标分值{num(ctx.points)}分，满分无法取得",
                        f"items add up to {num(total)}, less than the indicator's {num(ctx.points)}"))
        return out

    def evaluate(self, rule: ChecklistRule, ind: Any, values: dict[str, Any]) -> tuple[Decimal, str, str]:
        got = [i for i in rule.items if values.get(i.figure)]
        missing = [i for i in rule.items if not values.get(i.figure)]
        raw = sum((i.points for i in got), ZERO)
        score = min(raw, ind.points)
        cap_zh = f"（合计{num(raw)}分，以{num(ind.points)}分为限）" if raw > ind.points else ""
        zh_parts = [f"{ind.figure_label(i.figure)[0]}得{pts(i.points)}" for i in got]
        zh_miss = "、".join(ind.figure_label(i.figure)[0] for i in missing)
        zh = "；".join(zh_parts) if zh_parts else "清单各项均未达到"
        if missing and got:
            zh += f"；未达到：{zh_miss}"
        en_parts = [f"{i.figure} +{num(i.points)}" for i in got]
        return (
            score,
            f"{zh}{cap_zh}，得{pts(score)}",
            f"checklist {', '.join(en_parts) or 'none met'}: {pts(score, 'en')}",
        )

    def steps(self, rule: ChecklistRule, points: Decimal, whole: frozenset[str] = frozenset()) -> list[Decimal]:
        return [points] + [i.points for i in rule.items]


# ---------------------------------------------------------------------------- tiers


@dataclass(frozen=True)
class Tier:
    """One tier: ``from`` ≤ x < ``below`` as in format 1; ``above`` makes the lower line strict (x > line,
    ``from_strict``) and ``to`` makes the upper line inclusive (x ≤ line, ``to_inclusive``)."""

    from_: Decimal
    below: Decimal | None
    points: Decimal
    label: str = ""
    from_strict: bool = False
    to_inclusive: bool = False

    def contains(self, x: Decimal) -> bool:
        low = x > self.from_ if self.from_strict else x >= self.from_
        return low and (self.below is None or (x <= self.below if self.to_inclusive else x < self.below))

    def whole_numbers(self) -> tuple[Decimal, Decimal | None]:
        """The whole numbers this tier holds, as first..last (last None: no upper line)."""
        f = self.from_
        first = (f.to_integral_value(ROUND_FLOOR) + 1) if self.from_strict else f.to_integral_value(ROUND_CEILING)
        if self.below is None:
            return first, None
        b = self.below
        return first, (b.to_integral_value(ROUND_FLOOR) if self.to_inclusive else b.to_integral_value(ROUND_CEILING) - 1)


@dataclass(frozen=True)
class TiersRule:
    figure: str
    tiers: tuple[Tier, ...]
    kind: str = "tiers"


def _tier_range(t: Tier, unit: str, integer: bool, lang: str) -> str:
    if integer and (t.from_strict or t.to_inclusive):
        first, last = t.whole_numbers()
        if last is None:
            return f"≥{num(first)}{unit}"
        return f"{num(first)}{unit}" if last == first else f"{num(first)}–{num(last)}{unit}"
    if t.below is None:
        return f"{'>' if t.from_strict else '≥'}{num(t.from_)}{unit}"
    if integer:
        last = t.below - 1
        return f"{num(t.from_)}{unit}" if last == t.from_ else f"{num(t.from_)}–{num(last)}{unit}"
    if not t.from_strict and not t.to_inclusive:
        return f"{num(t.from_)}{unit}≤x<{num(t.below)}{unit}" if lang == "zh" else f"[{num(t.from_)}, {num(t.below)})"
    lo_op, hi_op = ("<" if t.from_strict else "≤"), ("≤" if t.to_inclusive else "<")
    if lang == "zh":
        return f"{num(t.from_)}{unit}{lo_op}x{hi_op}{num(t.below)}{unit}"
    return f"{'(' if t.from_strict else '['}{num(t.from_)}, {num(t.below)}{']' if t.to_inclusive else ')'}"


def _has_value(lo: Decimal, lo_in: bool, hi: Decimal, hi_in: bool, integer: bool) -> bool:
    """Whether the span between lo and hi (each end in or out) holds a value the figure can take."""
    if integer:
        first = lo.to_integral_value(ROUND_CEILING) if lo_in else lo.to_integral_value(ROUND_FLOOR) + 1
        return first < hi or (first == hi and hi_in)
    return lo < hi or (lo == hi and lo_in and hi_in)


class Tiers(RuleKind):
    """Tiers on a figure (≥200条得满分, 100–199条得3分 …): each tier is ``from`` ≤ x < ``below``, or with
    ``above`` (x > line, 高于95%) and ``to`` (x ≤ line, 1至2个) the other way round at either end.

    The loader insists tiers neither overlap nor leave gaps, and cover the figure from its lowest
    possible value upwards with an open-ended top tier, so every value falls in exactly one tier
    (for a whole-number figure, only whole numbers count: ``to: 2`` then ``from: 3`` leave no gap).
    """

    kind = "tiers"
    title_zh = "分档"

    def from_raw(self, raw: dict) -> TiersRule:
        tiers = []
        for t in raw["tiers"]:
            upper = t.get("to", t.get("below"))
            tiers.append(Tier(D(t["above"] if "above" in t else t["from"]), D(upper) if upper is not None else None,
                              D(t["points"]), t.get("label", ""), "above" in t, "to" in t))
        return TiersRule(raw["figure"], tuple(tiers))

    def to_raw(self, rule: TiersRule) -> dict:
        tiers = []
        for t in rule.tiers:
            item: dict[str, Any] = {("above" if t.from_strict else "from"): t.from_}
            if t.below is not None:
                item["to" if t.to_inclusive else "below"] = t.below
            item["points"] = t.points
            if t.label:
                item["label"] = t.label
            tiers.append(item)
        return {"kind": self.kind, "figure": rule.figure, "tiers": tiers}

    def check(self, raw: dict, ctx: Context) -> list[Check]:
        out: list[Check] = []
        # whole-number reading only where the file uses above/to: format-1 tiers are checked exactly as before
        integer = raw["figure"] in ctx.integer_figures and any("above" in t or "to" in t for t in raw["tiers"])
        # (n, lo, lo_open, hi, hi_closed, points, lo_key, hi_key)
        tiers: list[tuple[int, Decimal, bool, Decimal | None, bool, Decimal, str, str]] = []
        for n, t in enumerate(raw["tiers"]):
            if ("from" in t) == ("above" in t):
                out.append((f"tiers[{n}]", "每档写且只写一个下限：from（含）或 above（不含）",
                            "each tier takes exactly one of from or above"))
                continue
            if "below" in t and "to" in t:
                out.append((f"tiers[{n}]", "每档最多写一个上限：below（不含）或 to（含）",
                            "a tier takes at most one of below or to"))
                continue
            lo_key = "above" if "above" in t else "from"
            hi_key = "to" if "to" in t else "below"
            hi = t.get(hi_key)
            tiers.append((n, D(t[lo_key]), lo_key == "above", D(hi) if hi is not None else None, hi_key == "to",
                          D(t["points"]), lo_key, hi_key))
        if not tiers:
            return out
        for n, lo, lo_open, hi, hi_closed, p, *_ in tiers:
            if p > ctx.points:
                out.append((f"tiers[{n}].points", f"档位分值{num(p)}分超过指标分值{num(ctx.points)}分",
                            "tier points exceed the indicator's points"))
        empty = [(n, lo, hi) for n, lo, lo_open, hi, hi_closed, *_ in tiers
                 if hi is not None and not _has_value(lo, not lo_open, hi, hi_closed, integer)]
        if empty:
            return out + [(f"tiers[{n}]", f"档位下限{num(lo)}不小于上限{num(hi)}", "tier 'from' must be below 'below'")
                          for n, lo, hi in empty]
        ordered = sorted(tiers, key=lambda t: (t[1], t[2]))
        for first, second in zip(ordered, ordered[1:]):
            n1, _lo1, _, hi1, hi1_closed = first[:5]
            n2, lo2, lo2_open = second[:3]
            if hi1 is None or _has_value(lo2, not lo2_open, hi1, hi1_closed, integer):
                out.append((f"tiers[{n2}]", f"档位与第{n1 + 1}档重叠（{num(lo2)}已落在该档内）",
                            f"tier overlaps tier {n1 + 1}"))
            elif _has_value(hi1, not hi1_closed, lo2, lo2_open, integer):
                gap = (f"{num(hi1)}至{num(lo2)}之间的值" if hi1 != lo2 else f"{num(hi1)}本身")
                out.append((f"tiers[{n2}]", f"档位之间有空缺：{gap}不在任何档位",
                            f"gap between tiers: values from {num(hi1)} to {num(lo2)} fall in no tier"))
        top = ordered[-1]
        if top[3] is not None:
            out.append((f"tiers[{top[0]}].{top[7]}", f"最高档应不设上限（below/to），否则超过{num(top[3])}的值不在任何档位"
                        if top[4] else f"最高档应不设上限（below），否则≥{num(top[3])}的值不在任何档位",
                        "the top tier must be open-ended"))
        lowest = ctx.figure_min.get(raw["figure"], ZERO)
        first_n, first_lo, first_open = ordered[0][:3]
        if lowest is not None and _has_value(lowest, True, first_lo, first_open, integer):
            span = (f"{num(lowest)}至{num(first_lo)}之间的值" if first_lo != lowest else f"{num(lowest)}本身")
            out.append((f"tiers[{first_n}].{ordered[0][6]}", f"最低档从{num(first_lo)}起，{span}不在任何档位",
                        f"values from {num(lowest)} to {num(first_lo)} fall in no tier"))
        return out

    def evaluate(self, rule: TiersRule, ind: Any, values: dict[str, Any]) -> tuple[Decimal, str, str]:
        value = D(values.get(rule.figure, ZERO))
        label, unit = ind.figure_label(rule.figure)
        spec = ind.input(rule.figure)
        integer = spec is not None and spec.type == "integer"
        for t in rule.tiers:
            if t.contains(value):
                tier_zh = t.label or _tier_range(t, unit, integer, "zh")
                return (
                    t.points,
                    f"{figure(label, value, unit)}，{tier_zh}档，得{pts(t.points)}",
                    f"{figure(label, value, unit, 'en')}, tier {_tier_range(t, unit, integer, 'en')}: {pts(t.points, 'en')}",
                )
        return ZERO, f"{figure(label, value, unit)}，不在任何档位，得0分", f"{figure(label, value, unit, 'en')}: no tier, 0 pt"

    def steps(self, rule: TiersRule, points: Decimal, whole: frozenset[str] = frozenset()) -> list[Decimal]:
        return [points] + [t.points for t in rule.tiers]


# ---------------------------------------------------------------------------- ratio


@dataclass(frozen=True)
class RatioRule:
    figure: str
    target: Decimal
    zero_below: Decimal | None = None
    kind: str = "ratio"


class Ratio(RuleKind):
    """按比例得分: points × figure / target, full at or above the target; zero below ``zero_below``."""

    kind = "ratio"
    title_zh = "按比例"

    def from_raw(self, raw: dict) -> RatioRule:
        zb = raw.get("zero_below")
        return RatioRule(raw["figure"], D(raw["target"]), D(zb) if zb is not None else None)

    def to_raw(self, rule: RatioRule) -> dict:
        out: dict[str, Any] = {"kind": self.kind, "figure": rule.figure, "target": rule.target}
        if rule.zero_below is not None:
            out["zero_below"] = rule.zero_below
        return out

    def check(self, raw: dict, ctx: Context) -> list[Check]:
        zb = raw.get("zero_below")
        if zb is not None and D(zb) > D(raw["target"]):
            return [("zero_below", "zero_below 不应高于目标值 target", "zero_below must not exceed target")]
        return []

    def evaluate(self, rule: RatioRule, ind: Any, values: dict[str, Any]) -> tuple[Decimal, str, str]:
        value = D(values.get(rule.figure, ZERO))
        label, unit = ind.figure_label(rule.figure)
        fz, fe = figure(label, value, unit), figure(label, value, unit, "en")
        if rule.zero_below is not None and value < rule.zero_below:
            return (ZERO, f"{fz}，低于{num(rule.zero_below)}{unit}，得0分",
                    f"{fe}, below {num(rule.zero_below)}{unit}: 0 pt")
        if value >= rule.target:
            return (ind.points, f"{fz}，达到目标{num(rule.target)}{unit}，得{pts(ind.points)}",
                    f"{fe}, target {num(rule.target)}{unit} reached: {pts(ind.points, 'en')}")
        score = q(max(ZERO, ind.points * value / rule.target))
        return (
            score,
            f"{fz}，目标{num(rule.target)}{unit}，按比例得{pts(score)}（{num(ind.points)}×{num(value)}/{num(rule.target)}）",
            f"{fe}, target {num(rule.target)}{unit}, pro rata: {pts(score, 'en')}",
        )

    def steps(self, rule: RatioRule, points: Decimal, whole: frozenset[str] = frozenset()) -> list[Decimal]:
        return [CENT]


# ---------------------------------------------------------------------------- deduction


@dataclass(frozen=True)
class DeductionTier:
    threshold: Threshold
    deduct: Decimal


@dataclass(frozen=True)
class DeductionItem:
    """One kind of problem: ``per`` points for each one counted, or once for a yes/no fact equal to ``when``,
    or — with ``tiers`` — the deduction of the highest threshold the figure reaches (3个及以上扣2分)."""

    figure: str
    per: Decimal = ZERO
    label: str = ""
    when: bool | None = None  # yes/no facts only: the value that costs ``per`` (default: true)
    tiers: tuple[DeductionTier, ...] = ()

    def tier_for(self, value: Decimal) -> DeductionTier | None:
        """The highest tier ``value`` reaches (tiers are checked to rise), or None below the first."""
        hit = None
        for t in self.tiers:
            if t.threshold.reached(value):
                hit = t
        return hit


@dataclass(frozen=True)
class DeductionRule:
    items: tuple[DeductionItem, ...]
    floor: str = "indicator"  # "indicator": not below 0; "area": may go below 0, area subtotal never does
    kind: str = "deduction"


class Deduction(RuleKind):
    """每发现一处扣X分，扣完为止: start from full points, deduct per occurrence of each counted problem.

    ``floor: indicator`` (default) stops at zero. ``floor: area`` lets the deduction exceed the
    indicator's own points; the area subtotal is then what stops at zero (减分不超过一级指标分值).
    """

    kind = "deduction"
    title_zh = "扣分"

    def from_raw(self, raw: dict) -> DeductionRule:
        items = tuple(
            DeductionItem(i["figure"], D(i.get("per", 0)), i.get("label", ""), i.get("when"),
                          tuple(DeductionTier(threshold_of(t), D(t["deduct"])) for t in i.get("tiers", ())))  # type: ignore[arg-type]
            for i in raw["items"])
        return DeductionRule(items, raw.get("floor", "indicator"))

    def to_raw(self, rule: DeductionRule) -> dict:
        items = []
        for i in rule.items:
            item: dict[str, Any] = {"figure": i.figure}
            if i.tiers:
                item["tiers"] = [{**_threshold_raw(t.threshold), "deduct": t.deduct} for t in i.tiers]
            else:
                item["per"] = i.per
            if i.label:
                item["label"] = i.label
            if i.when is not None:
                item["when"] = i.when
            items.append(item)
        out: dict[str, Any] = {"kind": self.kind, "items": items}
        if rule.floor != "indicator":
            out["floor"] = rule.floor
        return out

    def figures(self, raw: dict) -> list[FigureRef]:
        return [FigureRef(f"items[{n}].figure", i["figure"], "fact_or_count") for n, i in enumerate(raw["items"])]

    def check(self, raw: dict, ctx: Context) -> list[Check]:
        floored = raw.get("floor", "indicator") == "indicator"
        out: list[Check] = [
            (f"items[{n}].per", f"每处扣分{num(D(i['per']))}分超过指标分值{num(ctx.points)}分",
             "per-occurrence deduction exceeds the indicator's points")
            for n, i in enumerate(raw["items"])
            if "per" in i and D(i["per"]) > ctx.points and floored]
        for n, i in enumerate(raw["items"]):
            if ("per" in i) == ("tiers" in i):
                out.append((f"items[{n}]", "每个扣分项写且只写一种扣法：per（每处扣分）或 tiers（按门槛分档扣分）",
                            "each deduction item takes exactly one of per or tiers"))
            elif "tiers" in i:
                out += self._check_tiers(n, i, ctx, floored)
            if "when" in i and i["figure"] not in ctx.booleans and i["figure"] in ctx.figure_min:
                out.append((f"items[{n}].when", f"when 只用于是/否项；“{i['figure']}”是数值，按个数扣分，不写 when",
                            f"'when' only applies to yes/no facts; '{i['figure']}' is a number"))
        return out

    @staticmethod
    def _check_tiers(n: int, item: dict, ctx: Context, floored: bool) -> list[Check]:
        out: list[Check] = []
        if item["figure"] in ctx.booleans:
            out.append((f"items[{n}].tiers", f"分档扣分需要数值，“{item['figure']}”是是/否项（用 per 与 when）",
                        f"tiers need a number; '{item['figure']}' is a yes/no fact"))
        previous: tuple[tuple[Decimal, int], Decimal] | None = None
        for k, t in enumerate(item["tiers"]):
            path = f"items[{n}].tiers[{k}]"
            if ("at_least" in t) == ("above" in t):
                out.append((path, "每档写且只写一个门槛：at_least（达到，含）或 above（高于，不含）",
                            "each tier takes exactly one of at_least or above"))
                previous = None
                continue
            th = threshold_of(t)
            assert th is not None
            deduct = D(t["deduct"])
            if deduct > ctx.points and floored:
                out.append((f"{path}.deduct", f"扣分{num(deduct)}分超过指标分值{num(ctx.points)}分",
                            "tier deduction exceeds the indicator's points"))
            key = (th.value, 1 if th.strict else 0)
            if previous is not None:
                if key <= previous[0]:
                    out.append((f"{path}.{th.key}", f"门槛应逐档升高：本档{th.words('')}不高于上一档",
                                "tier thresholds must rise"))
                elif deduct <= previous[1]:
                    out.append((f"{path}.deduct", f"扣分应逐档增加：本档扣{num(deduct)}分，不多于上一档的{num(previous[1])}分",
                                "tier deductions must rise with the thresholds"))
            previous = (key, deduct)
        return out

    def evaluate(self, rule: DeductionRule, ind: Any, values: dict[str, Any]) -> tuple[Decimal, str, str]:
        total, zh, en = self.parts(rule, ind, values)
        floor = ZERO if rule.floor == "indicator" else None
        score = ind.points - total
        note_zh = note_en = ""
        if floor is not None and score < floor:
            score = floor
            note_zh, note_en = "，扣完为止", ", stopped at 0"
        if not zh:
            return ind.points, f"未发现扣分情形，得{pts(ind.points)}", f"no deductions: {pts(ind.points, 'en')}"
        return (
            q(score),
            f"{'；'.join(zh)}；共扣{num(total)}分{note_zh}，得{pts(q(score))}",
            f"{'; '.join(en)}{note_en}: {pts(q(score), 'en')}",
        )

    @staticmethod
    def parts(rule: DeductionRule, ind: Any, values: dict[str, Any]) -> tuple[Decimal, list[str], list[str]]:
        """The amount deducted before any floor, and one sentence per item that deducts (zh, en): shared by
        an indicator's deduction and a major deduction outside the areas (重大扣分项)."""
        zh: list[str] = []
        en: list[str] = []
        total = ZERO
        for i in rule.items:
            label, unit = ind.figure_label(i.figure)
            fact = values.get(i.figure)
            if isinstance(fact, bool):  # 未公开X扣0.5分: once, when the fact has the costly value
                if fact == (True if i.when is None else i.when):
                    total += i.per
                    said = i.label or figure(label, fact, unit)
                    zh.append(f"{said}，扣{num(i.per)}分")
                    en.append(f"{i.figure} = {yes_no(fact, 'en')}: -{num(i.per)}")
                continue
            count = D(fact if fact is not None else ZERO)
            if i.tiers:  # 不更新栏目3个及以上扣2分: the highest threshold reached
                tier = i.tier_for(count)
                if tier is not None:
                    total += tier.deduct
                    zh.append(f"{i.label or label}{num(count)}{unit}，{tier.threshold.words(unit)}，扣{num(tier.deduct)}分")
                    en.append(f"{i.figure} {num(count)} {tier.threshold.words(unit, 'en')}: -{num(tier.deduct)}")
                continue
            if count > 0:
                amount = count * i.per
                total += amount
                zh.append(f"{i.label or label}{num(count)}{unit}，每处扣{num(i.per)}分，扣{num(amount)}分")
                en.append(f"{i.figure} {num(count)} × {num(i.per)} = -{num(amount)}")
        return total, zh, en

    def steps(self, rule: DeductionRule, points: Decimal, whole: frozenset[str] = frozenset()) -> list[Decimal]:
        if any(i.figure not in whole and not i.tiers for i in rule.items):  # 1.5 % × 1 point per % → 3.5
            return [CENT]
        return [points] + [i.per for i in rule.items if not i.tiers] + [t.deduct for i in rule.items for t in i.tiers]

    def lowest(self, rule: DeductionRule, points: Decimal, area_points: Decimal) -> Decimal:
        return ZERO if rule.floor == "indicator" else points - area_points


# ---------------------------------------------------------------------------- judgement


@dataclass(frozen=True)
class JudgementRule:
    min: Decimal
    max: Decimal | None
    step: Decimal
    default: Decimal | None = None
    kind: str = "judgement"


class Judgement(RuleKind):
    """Reviewer's judgement between ``min`` and ``max`` (default: the points) on a ``step`` grid.

    Until a reviewer has judged, the suggestion is ``default`` (default: ``max``) and says so.
    """

    kind = "judgement"
    title_zh = "评审判断"

    def from_raw(self, raw: dict) -> JudgementRule:
        mx, df = raw.get("max"), raw.get("default")
        return JudgementRule(D(raw.get("min", 0)), D(mx) if mx is not None else None, D(raw.get("step", "0.5")),
                             D(df) if df is not None else None)

    def to_raw(self, rule: JudgementRule) -> dict:
        out: dict[str, Any] = {"kind": self.kind, "min": rule.min}
        if rule.max is not None:
            out["max"] = rule.max
        out["step"] = rule.step
        if rule.default is not None:
            out["default"] = rule.default
        return out

    def figures(self, raw: dict) -> list[FigureRef]:
        return []

    def check(self, raw: dict, ctx: Context) -> list[Check]:
        out: list[Check] = []
        lo, step = D(raw.get("min", 0)), D(raw.get("step", "0.5"))
        hi = D(raw["max"]) if raw.get("max") is not None else ctx.points
        if hi > ctx.points:
            out.append(("max", f"评分上限{num(hi)}分超过指标分值{num(ctx.points)}分", "max exceeds the indicator's points"))
        if lo > hi:
            out.append(("min", f"评分下限{num(lo)}分高于上限{num(hi)}分", "min is above max"))
        elif step <= 0 or (hi - lo) % step != 0:
            out.append(("step", f"步长{num(step)}分不能整除{num(lo)}至{num(hi)}分的区间", "step does not divide max - min"))
        if raw.get("default") is not None:
            df = D(raw["default"])
            if not (lo <= df <= hi) or (step > 0 and (df - lo) % step != 0):
                out.append(("default", f"默认分{num(df)}不在{num(lo)}至{num(hi)}分（步长{num(step)}）之内",
                            "default is outside the bounds or off the step grid"))
        return out

    def evaluate(self, rule: JudgementRule, ind: Any, values: dict[str, Any]) -> tuple[Decimal, str, str]:
        judged = values.get("__judgement__")
        hi = rule.max if rule.max is not None else ind.points
        if judged is None:
            df = rule.default if rule.default is not None else hi
            return (df, f"待评审人员在{num(rule.min)}至{num(hi)}分之间评定，暂按{pts(df)}",
                    f"awaiting reviewer's judgement ({num(rule.min)}–{num(hi)}), provisionally {pts(df, 'en')}")
        return (judged, f"评审人员评定，得{pts(judged)}（可评{num(rule.min)}至{num(hi)}分，步长{num(rule.step)}分）",
                f"reviewer's judgement: {pts(judged, 'en')} (range {num(rule.min)}–{num(hi)}, step {num(rule.step)})")

    def steps(self, rule: JudgementRule, points: Decimal, whole: frozenset[str] = frozenset()) -> list[Decimal]:
        return [rule.step]

    def lowest(self, rule: JudgementRule, points: Decimal, area_points: Decimal) -> Decimal:
        return rule.min


# ---------------------------------------------------------------------------- late


@dataclass(frozen=True)
class LateRule:
    figure: str
    fixed: Decimal = ZERO
    per_day: Decimal = ZERO
    max: Decimal | None = None
    kind: str = "late"


def late_amount(days: Decimal, fixed: Decimal, per_day: Decimal, cap: Decimal) -> Decimal:
    """Deduction for ``days`` late: nothing when on time, else fixed + per_day × days, at most ``cap``."""
    if days <= 0:
        return ZERO
    return min(cap, fixed + per_day * days)


class Late(RuleKind):
    """逾期扣分: an item (e.g. the annual report) done late costs ``fixed`` + ``per_day`` × days, capped."""

    kind = "late"
    title_zh = "逾期扣分"

    def from_raw(self, raw: dict) -> LateRule:
        mx = raw.get("max")
        return LateRule(raw["figure"], D(raw.get("fixed", 0)), D(raw.get("per_day", 0)), D(mx) if mx is not None else None)

    def to_raw(self, rule: LateRule) -> dict:
        out: dict[str, Any] = {"kind": self.kind, "figure": rule.figure, "fixed": rule.fixed, "per_day": rule.per_day}
        if rule.max is not None:
            out["max"] = rule.max
        return out

    def check(self, raw: dict, ctx: Context) -> list[Check]:
        out: list[Check] = []
        if raw.get("max") is not None and D(raw["max"]) > ctx.points:
            out.append(("max", f"最多扣{num(D(raw['max']))}分，超过指标分值{num(ctx.points)}分", "max exceeds the indicator's points"))
        if D(raw.get("fixed", 0)) == 0 and D(raw.get("per_day", 0)) == 0:
            out.append(("fixed", "fixed 与 per_day 不能都为0，否则逾期不扣分", "fixed and per_day are both zero"))
        return out

    def evaluate(self, rule: LateRule, ind: Any, values: dict[str, Any]) -> tuple[Decimal, str, str]:
        days = D(values.get(rule.figure, ZERO))
        cap = rule.max if rule.max is not None else ind.points
        amount = late_amount(days, rule.fixed, rule.per_day, cap)
        score = q(ind.points - amount)
        label, unit = ind.figure_label(rule.figure)
        if amount == 0:
            return ind.points, f"{figure(label, days, unit)}，按时完成，得{pts(ind.points)}", f"on time: {pts(ind.points, 'en')}"
        return (
            score,
            f"{figure(label, days, unit)}，逾期扣{num(amount)}分（最多扣{num(cap)}分），得{pts(score)}",
            f"{num(days)} days late, -{num(amount)} (max {num(cap)}): {pts(score, 'en')}",
        )

    def steps(self, rule: LateRule, points: Decimal, whole: frozenset[str] = frozenset()) -> list[Decimal]:
        if rule.per_day and rule.figure not in whole:
            return [CENT]
        return [points, rule.fixed, rule.per_day] + ([rule.max] if rule.max is not None else [])


# ---------------------------------------------------------------------------- count (bonus per occurrence)


@dataclass(frozen=True)
class CountRule:
    figure: str
    per: Decimal
    kind: str = "count"


class Count(RuleKind):
    """每X加Y分: points per occurrence, capped at the indicator's points (typical for bonus items)."""

    kind = "count"
    title_zh = "按次计分"

    def from_raw(self, raw: dict) -> CountRule:
        return CountRule(raw["figure"], D(raw["per"]))

    def to_raw(self, rule: CountRule) -> dict:
        return {"kind": self.kind, "figure": rule.figure, "per": rule.per}

    def evaluate(self, rule: CountRule, ind: Any, values: dict[str, Any]) -> tuple[Decimal, str, str]:
        count = D(values.get(rule.figure, ZERO))
        raw = count * rule.per
        score = q(min(ind.points, max(ZERO, raw)))
        label, unit = ind.figure_label(rule.figure)
        cap = f"，以{num(ind.points)}分为限" if raw > ind.points else ""
        return (
            score,
            f"{figure(label, count, unit)}，每{unit or '项'}{num(rule.per)}分{cap}，得{pts(score)}",
            f"{figure(label, count, unit, 'en')} × {num(rule.per)}{' (capped)' if cap else ''}: {pts(score, 'en')}",
        )

    def steps(self, rule: CountRule, points: Decimal, whole: frozenset[str] = frozenset()) -> list[Decimal]:
        if rule.figure not in whole:  # 0.75 × 1 point → 0.75
            return [CENT]
        return [points, rule.per]


# ---------------------------------------------------------------------------- veto


@dataclass(frozen=True)
class VetoRule:
    figure: str
    kind: str = "veto"
    threshold: Threshold | None = None  # 不可访问率达到5%: a number reaching it triggers the veto


class Veto(RuleKind):
    """一票否决: triggered when the fact is true (or the count is above zero); grade becomes the veto grade."""

    kind = "veto"
    title_zh = "一票否决"

    def from_raw(self, raw: dict) -> VetoRule:
        return VetoRule(raw["figure"], threshold=threshold_of(raw))

    def to_raw(self, rule: VetoRule) -> dict:
        out: dict[str, Any] = {"kind": self.kind, "figure": rule.figure}
        if rule.threshold is not None:
            out.update(_threshold_raw(rule.threshold))
        return out

    def figures(self, raw: dict) -> list[FigureRef]:
        return [FigureRef("figure", raw["figure"], "flag")]

    def check(self, raw: dict, ctx: Context) -> list[Check]:
        if "at_least" in raw and "above" in raw:
            return [("above", "否决门槛写且只写一个：at_least（达到，含）或 above（高于，不含）",
                     "a veto takes one of at_least or above")]
        key = "above" if "above" in raw else "at_least" if "at_least" in raw else None
        if key and raw["figure"] in ctx.booleans:
            return [(key, f"门槛只用于数值；“{raw['figure']}”是是/否项，为“是”即触发，不写门槛",
                     f"a threshold needs a number; '{raw['figure']}' is a yes/no fact")]
        return []

    @staticmethod
    def triggered(rule: VetoRule, values: dict[str, Any]) -> bool:
        v = values.get(rule.figure)
        if isinstance(v, bool) or v is None:
            return bool(v)
        if rule.threshold is not None:
            return rule.threshold.reached(D(v))
        return D(v) > 0

    def evaluate(self, rule: VetoRule, ind: Any, values: dict[str, Any]) -> tuple[Decimal, str, str]:
        hit = self.triggered(rule, values)
        th = rule.threshold
        if th is not None and not isinstance(values.get(rule.figure), bool):
            unit = ind.figure_label(rule.figure)[1]
            fig_en = _fig(ind, rule.figure, values, "en")
            if hit:
                return (ZERO, f"{_fig(ind, rule.figure, values, 'zh')}，{th.words(unit)}，触发一票否决",
                        f"veto triggered ({rule.figure}): {fig_en} {th.words(unit, 'en')}")
            return (ZERO, f"{_fig(ind, rule.figure, values, 'zh')}，未{th.words(unit)}，未触发",
                    f"not triggered: {fig_en}, not {th.words(unit, 'en')}")
        if hit:
            return ZERO, f"{_fig(ind, rule.figure, values, 'zh')}，触发一票否决", f"veto triggered ({rule.figure})"
        return ZERO, f"{_fig(ind, rule.figure, values, 'zh')}，未触发", "not triggered"

    def steps(self, rule: VetoRule, points: Decimal, whole: frozenset[str] = frozenset()) -> list[Decimal]:
        return [CENT]


RULES: dict[str, RuleKind] = {k.kind: k for k in (
    Boolean(), Checklist(), Tiers(), Ratio(), Deduction(), Judgement(), Late(), Count(), Veto())}
"""Registry of rule kinds by their ``kind:`` key."""
