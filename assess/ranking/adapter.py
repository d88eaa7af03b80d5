"""A thin adapter between stored area sums and the engine's :func:`assess.scoring.aggregate`.

``aggregate`` works from every indicator's score; at a province's scale (5,000 departments × 100
indicators) checking half a million scores one by one in Python takes seconds. Its arithmetic, though,
only ever uses each area's sum, the bonus sum, the triggered vetoes and the days late. So the ranking asks
the database for those sums and hands them to the *same* ``aggregate`` through a "section rubric": the
rubric with each area collapsed into one indicator worth the area's points (range: the lowest and highest
sums its indicators can reach, 0.01 grid) and the bonus items into one. Subtotal floors, bonus cap and
minimum base, late deduction, veto and grade bands therefore stay the engine's, and the test suite checks
that both paths give identical totals.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from decimal import Decimal
from functools import cached_property
from typing import Mapping

from .. import scoring
from ..scoring.model import Area, Indicator, Rubric, Totals
from ..scoring.rules import JudgementRule

BONUS = "__bonus__"
MAJOR = "__major__"
CENT = Decimal("0.01")

_cache: dict[int, tuple[Rubric, Rubric]] = {}


@dataclass(frozen=True)
class _Area(Area):
    """An area whose points are stored rather than summed on every access (same value)."""

    fixed_points: Decimal = Decimal(0)

    @property
    def points(self) -> Decimal:  # type: ignore[override]
        return self.fixed_points


@dataclass(frozen=True)
class _SectionRubric(Rubric):
    """The section rubric with dictionary look-ups instead of scans (same answers)."""

    @cached_property
    def _by_code(self) -> dict[str, Indicator]:
        return {i.code: i for i in Rubric.all_indicators(self)}

    def indicator(self, code: str) -> Indicator | None:
        return self._by_code.get(code)


def _collapsed(code: str, title: str, members: tuple[Indicator, ...], rubric: Rubric) -> Indicator:
    lo = sum((scoring.bounds(rubric, i.code).min for i in members), Decimal(0))
    hi = sum((scoring.bounds(rubric, i.code).max for i in members), Decimal(0))
    points = sum((i.points for i in members), Decimal(0))
    return Indicator(code=code, title=title, points=points, rule=JudgementRule(min=lo, max=hi, step=CENT))


def section_rubric(rubric: Rubric) -> Rubric:
    """The rubric with one indicator per area (code = area code) and one bonus indicator (``BONUS``)."""
    hit = _cache.get(id(rubric))
    if hit is not None and hit[0] is rubric:
        return hit[1]
    areas = tuple(_Area(a.code, a.title, (_collapsed(a.code, a.title, a.indicators, rubric),), a.points)
                  for a in rubric.areas)
    bonus = None
    if rubric.bonus:
        members = rubric.bonus.indicators
        bonus = replace(rubric.bonus, indicators=(_collapsed(BONUS, "加分项", members, rubric),) if members else ())
    major = None
    if rubric.major:  # 重大扣分项: one item worth −Σ points..0, capped as the rubric says
        major = replace(rubric.major, indicators=(_collapsed(MAJOR, "各项", rubric.major.indicators, rubric),))
    values = {f.name: getattr(rubric, f.name) for f in fields(rubric)}
    out = _SectionRubric(**{**values, "areas": areas, "bonus": bonus, "major": major})
    _cache[id(rubric)] = (rubric, out)
    return out


def not_applicable_by_group(rubric: Rubric, group: str | None) -> dict[str, str]:
    """不适用 items of a unit in ranking group ``group``: those whose ``applies_to`` leaves the group out (the
    application keeps no unit tags, so an item given by tags alone applies to no unit here)."""
    return {i.code: f"本指标仅适用于{i.applies_to.words()}" for a in rubric.areas for i in a.indicators
            if i.applies_to is not None and not i.applies(group)}


def sections(rubric: Rubric) -> dict[str, str]:
    """indicator code → section key: area code, ``BONUS``, or the veto item's own code."""
    out = {i.code: a.code for a in rubric.areas for i in a.indicators}
    if rubric.bonus:
        out.update({i.code: BONUS for i in rubric.bonus.indicators})
    out.update({i.code: "veto:" + i.code for i in rubric.vetoes})
    if rubric.major:
        out.update({i.code: MAJOR for i in rubric.major.indicators})
    return out


def totals_from_sums(rubric: Rubric, area_sums: Mapping[str, Decimal], bonus_sum: Decimal,
                     vetoes: tuple[str, ...], late_days: int, *, explain: bool = True,
                     major_sum: Decimal = Decimal(0), not_applicable: Mapping[str, str] | None = None) -> Totals:
    """``aggregate`` of a department from its area sums (what ``aggregate`` of all its scores returns).

    ``major_sum``: the sum of its major deductions (≤ 0); ``not_applicable``: its 不适用 indicators (code →
    reason), left out of the full marks and rescaled. ``explain=False``: the same figures without the
    explanation sentences (bulk ranking)."""
    srub = section_rubric(rubric)
    if vetoes and rubric.veto_ends_scoring:  # 单项否决: nothing else is scored
        return scoring.aggregate(srub, {}, vetoes=vetoes, late_days=late_days, explain=explain)
    scores = {a.code: area_sums.get(a.code, Decimal(0)) for a in rubric.areas}
    if srub.bonus and srub.bonus.indicators:
        scores[BONUS] = bonus_sum
    if srub.major and major_sum:
        scores[MAJOR] = major_sum
    return scoring.aggregate(srub, scores, vetoes=vetoes, late_days=late_days, explain=explain,
                             not_applicable=not_applicable, na_rubric=rubric)


def code_runs(rubric: Rubric, codes: list[str] | tuple[str, ...]) -> list[tuple[str, str]]:
    """``codes`` as runs (first, last) of consecutive codes in the sorted list of all the rubric's codes.

    A stored result whose code lies between a run's first and last code (in code-point order) is then one
    of the run's codes, since a campaign's results only carry its rubric's codes: two comparisons per row
    instead of a look-up in an IN list, which is what makes the area sums cheap on large campaigns.
    """
    ordered = sorted(i.code for i in rubric.all_indicators())
    pos = {c: n for n, c in enumerate(ordered)}
    runs: list[tuple[str, str]] = []
    last = -2
    for n in sorted(pos[c] for c in set(codes) if c in pos):
        if n == last + 1:
            runs[-1] = (runs[-1][0], ordered[n])
        else:
            runs.append((ordered[n], ordered[n]))
        last = n
    return runs
