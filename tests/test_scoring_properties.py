"""Property tests: bounds, sums, monotonic rules, grades and ranking invariants hold for any inputs."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from assess.scoring import (
    RankEntry,
    dump_rubric,
    grade_for,
    load_rubric,
    load_rubric_file,
    rank_group,
    score,
    share_limit,
)
from assess.scoring.model import InputSpec

ROOT = Path(__file__).resolve().parents[1]
RUBRICS = [load_rubric_file(str(p)) for p in sorted((ROOT / "scoring_rules").glob("*.yaml"))]
COUNTY = next(r for r in RUBRICS if r.code == "county-annual-2026")
FAST = settings(max_examples=60, deadline=None)


def value_for(spec: InputSpec):
    if spec.type == "boolean":
        return st.booleans()
    if spec.type == "text":
        return st.text(max_size=5)
    lo = int(spec.effective_min or 0)
    hi = int(spec.effective_max) if spec.effective_max is not None else 400
    if spec.type == "integer":
        return st.integers(lo, hi)
    return st.decimals(lo, hi, places=2, allow_nan=False, allow_infinity=False)


def inputs_for(rubric):
    fields = {}
    for ind in rubric.all_indicators():
        if ind.inputs:
            fields[ind.code] = st.fixed_dictionaries({s.name: value_for(s) for s in ind.inputs})
    return st.fixed_dictionaries(fields)


def judgements_for(rubric):
    fields = {}
    for ind in rubric.all_indicators():
        if ind.rule.kind == "judgement":
            r = ind.rule
            hi = r.max if r.max is not None else ind.points
            steps = int((hi - r.min) / r.step)
            fields[ind.code] = st.integers(0, steps).map(lambda k, r=r: r.min + k * r.step)
    return st.fixed_dictionaries(fields)


@st.composite
def department(draw, rubric):
    return draw(inputs_for(rubric)), draw(judgements_for(rubric)), draw(st.integers(0, 10))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(RUBRICS).flatmap(lambda r: st.tuples(st.just(r), department(r))))
def test_indicators_within_bounds_and_totals_are_sums(case):
    rubric, (inputs, judgements, late) = case
    res = score(rubric, inputs, judgements=judgements, late_days=late)
    for s in res.indicators.values():
        assert s.bounds.contains(s.score) or s.kind == "veto"
        if s.bounds.min == 0:
            assert 0 <= s.score <= s.points
    for area in rubric.areas:
        raw = sum(res.indicators[i.code].score for i in area.indicators)
        assert res.areas[area.code] == max(D(0), raw)
        assert res.areas[area.code] <= area.points
    assert res.base == sum(res.areas.values())
    cap = rubric.bonus.cap if rubric.bonus else 0
    assert 0 <= res.bonus <= cap
    assert res.total == max(D(0), res.base + res.bonus - res.late_deduction)
    assert res.grade == grade_for(rubric, res.total, bool(res.veto))


MONOTONE = [(r, ind) for r in RUBRICS for ind in r.all_indicators()
            if ind.rule.kind in ("tiers", "ratio", "count") and ind.input(getattr(ind.rule, "figure", "")) is not None]
DEDUCTIONS = [(r, ind) for r in RUBRICS for ind in r.all_indicators() if ind.rule.kind in ("deduction", "late")]


def _one(rubric, ind, values):
    return score(rubric, {**_base(rubric), ind.code: values}).indicators[ind.code].score


_BASES: dict[str, dict] = {}


def _base(rubric):
    """Some valid inputs for the whole rubric (all zero / false), so one indicator can be varied."""
    if rubric.code not in _BASES:
        base = {}
        for ind in rubric.all_indicators():
            vals = {s.name: (False if s.type == "boolean" else "" if s.type == "text" else
                             int(s.effective_min or 0)) for s in ind.inputs}
            if vals:
                base[ind.code] = vals
        _BASES[rubric.code] = base
    return _BASES[rubric.code]


@FAST
@given(st.sampled_from(MONOTONE), st.data())
def test_tiers_ratio_count_are_monotonic(case, data):
    rubric, ind = case
    spec = ind.input(ind.rule.figure)
    a, b = sorted([data.draw(value_for(spec)), data.draw(value_for(spec))])
    rest = {s.name: data.draw(value_for(s)) for s in ind.inputs if s.name != spec.name}
    assert _one(rubric, ind, {**rest, spec.name: a}) <= _one(rubric, ind, {**rest, spec.name: b})


@FAST
@given(st.sampled_from(DEDUCTIONS), st.data())
def test_deductions_never_increase_with_more_problems(case, data):
    rubric, ind = case
    small = {s.name: data.draw(value_for(s)) for s in ind.inputs}
    large = {k: v + data.draw(st.integers(0, 5)) for k, v in small.items()}
    for k, spec in ((s.name, s) for s in ind.inputs):
        if spec.effective_max is not None:
            large[k] = min(large[k], int(spec.effective_max))
    assert _one(rubric, ind, large) <= _one(rubric, ind, small) <= ind.points


@FAST
@given(st.decimals(0, 105, places=2), st.booleans())
def test_grade_follows_bands_and_veto(total, veto):
    grade = grade_for(COUNTY, total, veto)
    if veto:
        assert grade == COUNTY.veto_grade
    else:
        band = next(b for b in COUNTY.grades if b.label == grade)
        assert total >= band.min
        higher = COUNTY.grades[:COUNTY.grades.index(band)]
        assert all(total < b.min for b in higher)


entry = st.builds(
    RankEntry,
    key=st.uuids().map(str),
    total=st.integers(40, 105).map(D),
    area_subtotals=st.fixed_dictionaries({"C": st.integers(20, 40).map(D), "E": st.integers(10, 20).map(D)}),
    submitted=st.sampled_from([True, True, True, False]),
    veto=st.sampled_from([False, False, False, True]),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(entry, max_size=25), st.booleans(), st.sampled_from(["floor", "ceil", "half_up"]))
def test_ranking_invariants(entries, use_tie_break, rounding):
    rubric = replace(COUNTY, tie_break=COUNTY.tie_break if use_tie_break else (), share_rounding=rounding)
    ranked = rank_group(rubric, entries)
    assert sorted(r.key for r in ranked) == sorted(e.key for e in entries)
    ranks = [r.rank for r in ranked]
    assert ranks == sorted(ranks)
    assert not ranked or ranks[0] == 1
    classes = [0 if r.submitted and not r.veto else 1 if r.submitted else 2 for r in ranked]
    assert classes == sorted(classes)  # clean submitters, then vetoed, then non-submitters
    by_key = {e.key: e for e in entries}
    for x, y in zip(ranked, ranked[1:]):
        if (x.submitted, x.veto) == (y.submitted, y.veto) and x.submitted:
            assert x.total >= y.total
            if x.total == y.total and not use_tie_break:
                assert x.rank == y.rank  # equal totals share a rank
            if x.rank == y.rank:
                assert x.total == y.total
                if use_tie_break:  # still tied after the tie-break areas
                    assert all(by_key[x.key].area_subtotals[c] == by_key[y.key].area_subtotals[c] for c in "CE")
    labels = [b.label for b in rubric.grades]
    for band in rubric.grades:
        if band.max_share is not None:
            assert sum(r.grade == band.label for r in ranked) <= share_limit(rubric, len(entries), band.max_share)
    for r in ranked:
        assert labels.index(r.grade) >= labels.index(r.grade_by_score)  # caps only ever lower a grade
        if r.veto or not r.submitted:
            assert r.grade == labels[-1]
        else:
            assert r.grade_by_score == grade_for(rubric, r.total)


@st.composite
def tier_rubric(draw):
    """A valid one-indicator rubric with random contiguous tiers whose points rise with the figure."""
    cuts = sorted(draw(st.sets(st.integers(1, 500), min_size=1, max_size=5)))
    points = sorted(draw(st.lists(st.integers(0, 20), min_size=len(cuts) + 1, max_size=len(cuts) + 1)))
    bounds_ = [0, *cuts]
    tiers = [{"from": lo, "below": hi, "points": p} for lo, hi, p in zip(bounds_, cuts, points)]
    tiers.append({"from": cuts[-1], "points": points[-1]})
    draw(st.randoms()).shuffle(tiers)
    total = max(points[-1], 1)
    doc = {"format": "assess-rubric/1", "code": "t", "name": "档位", "office": "办", "year": 2026, "version": 1,
           "total": total, "grades": [{"label": "合格", "min": 0}],
           "areas": [{"code": "A", "title": "甲", "indicators": [{
               "code": "I1", "title": "数量", "points": total,
               "inputs": [{"name": "n", "label": "信息", "type": "integer", "unit": "条"}],
               "rule": {"kind": "tiers", "figure": "n", "tiers": tiers}}]}]}
    return load_rubric(yaml.safe_dump(doc, allow_unicode=True))


@settings(max_examples=30, deadline=None)
@given(tier_rubric(), st.integers(0, 600), st.integers(0, 600))
def test_random_tiers_are_monotonic_and_round_trip(rubric, a, b):
    assert load_rubric(dump_rubric(rubric)) == rubric
    lo, hi = sorted((a, b))
    s_lo = score(rubric, {"I1": {"n": lo}}).indicators["I1"].score
    s_hi = score(rubric, {"I1": {"n": hi}}).indicators["I1"].score
    assert s_lo <= s_hi
    tiers = rubric.indicator("I1").rule.tiers
    assert sum(t.from_ <= lo and (t.below is None or lo < t.below) for t in tiers) == 1
