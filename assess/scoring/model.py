"""Frozen value types of the scoring engine.

Everything here is plain data: a loaded rubric, the problems found while loading it or checking a
department's inputs, and the results of scoring and ranking. Nothing refers to Flask or the database,
so results can be stored, compared and re-rendered exactly (STYLE.md point 8).
All scores and points are ``decimal.Decimal``; floats never enter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from decimal import Decimal
from typing import Any, Mapping

# ---------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong, said where: file and YAML line (None for inputs), dotted path, message."""

    file: str
    line: int | None
    path: str
    message: str
    message_en: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.path or '(根)'}: {self.message}"


class RubricError(ValueError):
    """A rubric file could not be loaded; ``problems`` lists every problem found, in line order."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class InputError(ValueError):
    """Inputs, judgements or overrides given to the engine are wrong; ``problems`` says where."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(f"{p.path}: {p.message}" for p in self.problems))


# ---------------------------------------------------------------------------- rubric


@dataclass(frozen=True)
class InputSpec:
    """A figure or fact the department reports for an indicator (type: integer/decimal/rate/boolean/text)."""

    name: str
    label: str
    type: str
    unit: str = ""
    min: Decimal | None = None
    max: Decimal | None = None
    required: bool = True
    phrases: tuple[str, ...] = ()
    help: str = ""

    @property
    def numeric(self) -> bool:
        return self.type in ("integer", "decimal", "rate")

    @property
    def effective_min(self) -> Decimal | None:
        """Counts and rates cannot be negative unless the file says otherwise."""
        if self.min is not None:
            return self.min
        return Decimal(0) if self.type in ("integer", "rate") else None

    @property
    def effective_max(self) -> Decimal | None:
        if self.max is not None:
            return self.max
        return Decimal(100) if self.type == "rate" else None


@dataclass(frozen=True)
class ComputedFigure:
    """A figure derived from others of the same indicator: ratio, sum or difference.

    ``on_zero`` is the value of a ratio whose denominator is zero (e.g. no requests received →
    on-time rate 100), so the file, not the code, decides what "nothing to answer" is worth.
    """

    name: str
    label: str
    op: str
    of: tuple[str, ...]
    unit: str = ""
    scale: Decimal = Decimal(1)
    on_zero: Decimal = Decimal(0)
    places: int = 2


@dataclass(frozen=True)
class EvidenceSpec:
    title: str
    required: bool = False
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class AppliesTo:
    """Units an indicator applies to: members of one of ``groups`` (ranking group names) or carrying one of
    ``tags`` (unit tags such as 有办事服务). Other units have it 不适用 with the reason said in words."""

    groups: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def holds(self, group: str | None, tags: frozenset[str] | tuple[str, ...] = ()) -> bool:
        return (group is not None and group in self.groups) or any(t in self.tags for t in tags)

    def words(self) -> str:
        parts = [f"{'、'.join(self.groups)}组" if self.groups else "", f"标记为“{'、'.join(self.tags)}”的单位" if self.tags else ""]
        return "或".join(p for p in parts if p)


@dataclass(frozen=True)
class Indicator:
    """An indicator (二级/三级指标): points, the standard text, inputs, evidence and its scoring rule."""

    code: str
    title: str
    points: Decimal
    rule: Any  # one of the rule dataclasses in ``rules.py``
    standard: str = ""
    guidance: str = ""
    inputs: tuple[InputSpec, ...] = ()
    computed: tuple[ComputedFigure, ...] = ()
    evidence: tuple[EvidenceSpec, ...] = ()
    allow_na: bool = False  # a unit may mark it 不适用 with a reason (no 办事服务)
    applies_to: "AppliesTo | None" = None  # only some units are scored on it (by ranking group or unit tag)

    def applies(self, group: str | None, tags: frozenset[str] | tuple[str, ...] = ()) -> bool:
        """Whether a unit of ``group`` with ``tags`` is scored on this indicator (no ``applies_to``: every unit)."""
        return self.applies_to is None or self.applies_to.holds(group, tags)

    def input(self, name: str) -> InputSpec | None:
        return next((i for i in self.inputs if i.name == name), None)

    @property
    def whole_figures(self) -> frozenset[str]:
        """Figures that only take whole numbers: integer inputs, yes/no facts (once or not at all) and
        computed figures with no places."""
        return frozenset([i.name for i in self.inputs if i.type in ("integer", "boolean")]
                         + [c.name for c in self.computed if c.places == 0])

    def figure_label(self, name: str) -> tuple[str, str]:
        """(label, unit) of an input or computed figure, for explanations."""
        spec = self.input(name)
        if spec is not None:
            return spec.label, spec.unit
        comp = next((c for c in self.computed if c.name == name), None)
        if comp is not None:
            return comp.label, comp.unit
        return name, ""


@dataclass(frozen=True)
class Area:
    """A first-level area (一级指标). Its subtotal never drops below zero (减分不超过一级指标分值)."""

    code: str
    title: str
    indicators: tuple[Indicator, ...]

    @property
    def points(self) -> Decimal:
        return sum((i.points for i in self.indicators), Decimal(0))


@dataclass(frozen=True)
class GradeBand:
    """A grade from ``min`` up (90分及以上), or strictly above it when ``strict`` (the file's ``above: 90``)."""

    label: str
    min: Decimal
    max_share: Decimal | None = None  # percent of the ranking group
    strict: bool = False

    def holds(self, total: Decimal) -> bool:
        return total > self.min if self.strict else total >= self.min


@dataclass(frozen=True)
class LateSubmission:
    """Deduction for submitting the self-assessment late: fixed once late, plus per day, capped."""

    fixed: Decimal = Decimal(0)
    per_day: Decimal = Decimal(0)
    max: Decimal = Decimal(0)


@dataclass(frozen=True)
class BonusSection:
    """加分项: scored like indicators, summed, capped at ``cap``; counted only if base ≥ ``min_base``
    (达到80分), or base > ``min_base`` when ``strict`` (高于80分: the file's ``gate: {above: 80}``)."""

    cap: Decimal
    indicators: tuple[Indicator, ...]
    min_base: Decimal = Decimal(0)
    strict: bool = False

    def counts(self, base: Decimal) -> bool:
        """Whether the bonus counts for this base score (the gate, strict or inclusive)."""
        return base > self.min_base if self.strict else base >= self.min_base


@dataclass(frozen=True)
class MajorSection:
    """重大扣分项: items outside the areas that subtract from the total (发生重大舆情扣5分). Each item's
    ``points`` is the most it deducts; its stored score is the amount deducted as a negative number (−5), so
    area subtotals, tie-breaks and per-area reports never see it. ``cap``: at most this much in all."""

    indicators: tuple[Indicator, ...]
    cap: Decimal | None = None


@dataclass(frozen=True)
class Rubric:
    """A whole year's 考核细则 as loaded from a file in ``scoring_rules/``."""

    code: str
    name: str
    office: str
    year: int
    version: int
    total: Decimal
    areas: tuple[Area, ...]
    grades: tuple[GradeBand, ...]
    veto_grade: str
    description: str = ""
    share_rounding: str = "floor"
    tie_break: tuple[str, ...] = ()
    late_submission: LateSubmission | None = None
    bonus: BonusSection | None = None
    vetoes: tuple[Indicator, ...] = ()
    veto_zeroes_total: bool = False
    major: MajorSection | None = None
    veto_ends_scoring: bool = False  # 单项否决: a veto ends scoring (other figures not required, no areas scored)

    def all_indicators(self) -> tuple[Indicator, ...]:
        return tuple(ind for ind, _ in self._index.values())

    @cached_property
    def _index(self) -> dict[str, tuple[Indicator, str]]:
        """code → (indicator, section), built once: lookups stay O(1) when ranking thousands of units."""
        out: dict[str, tuple[Indicator, str]] = {}
        for area in self.areas:
            out.update({i.code: (i, area.code) for i in area.indicators})
        if self.bonus:
            out.update({i.code: (i, "bonus") for i in self.bonus.indicators})
        out.update({i.code: (i, "veto") for i in self.vetoes})
        if self.major:
            out.update({i.code: (i, "major") for i in self.major.indicators})
        return out

    @cached_property
    def memo(self) -> dict[Any, Any]:
        """Scratch space for values derived from this (immutable) rubric, e.g. the engine's bounds."""
        return {}

    def indicator(self, code: str) -> Indicator | None:
        hit = self._index.get(code)
        return hit[0] if hit else None

    def section_of(self, code: str) -> str:
        """Area code of an indicator, or ``"bonus"`` / ``"veto"`` / ``"major"``."""
        return self._index[code][1]

    def area(self, code: str) -> Area | None:
        return next((a for a in self.areas if a.code == code), None)

    @property
    def indicator_count(self) -> int:
        return sum(len(a.indicators) for a in self.areas)


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Bounds:
    """The scores an adopted (self- or reviewer's) score may take: min..max on a ``step`` grid from min."""

    min: Decimal
    max: Decimal
    step: Decimal

    def contains(self, value: Decimal) -> bool:
        if value < self.min or value > self.max:
            return False
        return (value - self.min) % self.step == 0


@dataclass(frozen=True)
class IndicatorScore:
    code: str
    title: str
    section: str  # area code, "bonus" or "veto"
    kind: str
    points: Decimal
    suggested: Decimal
    score: Decimal
    bounds: Bounds
    explanation_zh: str
    explanation_en: str
    inputs_used: Mapping[str, Any] = field(default_factory=dict)
    overridden: bool = False
    triggered: bool = False  # veto items only
    not_applicable: str | None = None  # 不适用: the reason; the indicator is left out of the base


@dataclass(frozen=True)
class Totals:
    """Totals computed from indicator scores alone (what a ranking needs)."""

    areas: Mapping[str, Decimal]
    base: Decimal
    bonus_raw: Decimal
    bonus: Decimal
    late_deduction: Decimal
    veto: tuple[str, ...]
    total: Decimal
    grade: str
    explanation_zh: tuple[str, ...] = ()
    explanation_en: tuple[str, ...] = ()
    major: Decimal = Decimal(0)  # 重大扣分项: what they take from the total (≤ 0)
    ended: bool = False  # a veto ended scoring (单项否决): no area, bonus or total was scored
    base_raw: Decimal | None = None  # base before rescaling for 不适用 items (None: nothing rescaled)
    applicable_points: Decimal | None = None  # full marks of the indicators that apply (None: all apply)
    not_applicable: Mapping[str, str] = field(default_factory=dict)  # code → reason


@dataclass(frozen=True)
class ScoreResult(Totals):
    rubric_code: str = ""
    rubric_version: int = 0
    indicators: Mapping[str, IndicatorScore] = field(default_factory=dict)


@dataclass(frozen=True)
class RankEntry:
    key: str
    total: Decimal
    area_subtotals: Mapping[str, Decimal] = field(default_factory=dict)
    submitted: bool = True
    veto: bool = False


@dataclass(frozen=True)
class Ranked:
    key: str
    rank: int
    total: Decimal
    grade: str
    grade_by_score: str
    submitted: bool
    veto: bool
    capped: bool = False  # moved down a grade by a share cap
    note_zh: str = ""
