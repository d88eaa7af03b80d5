"""Ranking: replay — what would move in a campaign's ranking if it had been scored with another rubric
version (the rubrics' 重算 page).

Next to the ranking because it is one: the "before" is the live ranking (:func:`.services.compute_ranking`)
and the "after" ranks with the engine's own ``rank_group``, never a re-implementation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from .. import scoring
from ..extensions import db
from ..models import Answer, Campaign, IndicatorResult, Rubric, Submission, SubmissionState
from ..rubrics import store
from ..rubrics.versions import RubricsError
from ..scoring.model import Indicator
from .services import compute_ranking


ZERO = Decimal(0)
CENT = Decimal("0.01")


def replayable_campaigns(office_id: int) -> list[Campaign]:
    """Campaigns of the office that have indicator results (final scores) to replay."""
    has = select(IndicatorResult.campaign_id).where(IndicatorResult.office_id == office_id,
                                                    IndicatorResult.final_score.is_not(None)).distinct()
    return list(db.session.scalars(select(Campaign).where(Campaign.office_id == office_id, Campaign.id.in_(has))
                                   .order_by(Campaign.year.desc(), Campaign.id.desc())))


@dataclass
class ReplayRow:
    department_id: int
    department_name: str
    group_name: str
    submitted: bool
    before_total: Decimal
    after_total: Decimal
    before_rank: int
    after_rank: int
    before_grade: str
    after_grade: str
    moved: list[tuple[str, Decimal | None, Decimal]] = field(default_factory=list)  # code, before, after

    @property
    def changed(self) -> bool:
        return self.before_rank != self.after_rank or self.before_grade != self.after_grade


@dataclass
class Replay:
    campaign: Campaign
    candidate: Rubric
    grades: list[str]  # labels in band order (union of both rubrics)
    before: dict[str, int]
    after: dict[str, int]
    rows: list[ReplayRow]
    removed: list[tuple[str, str]]  # indicators of the campaign's rubric missing from the candidate
    added: list[tuple[str, str]]  # candidate indicators the campaign's rubric did not have
    rescored: list[tuple[str, str]]  # indicators whose points/rule/figures differ
    no_data: dict[str, int]  # candidate code → departments without usable reported figures
    missing: str

    @property
    def changed(self) -> list[ReplayRow]:
        return [r for r in self.rows if r.changed]


def _same_scoring(a: Indicator, b: Indicator) -> bool:
    return (a.points, a.rule, a.inputs, a.computed) == (b.points, b.rule, b.inputs, b.computed)


def _fit(value: Decimal, b: scoring.Bounds) -> Decimal:
    """``value`` moved into ``b``: clamped to min..max, then down onto the step grid."""
    v = min(max(value, b.min), b.max)
    return b.min + ((v - b.min) // b.step) * b.step


def _placeholder(ind: Indicator) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in ind.inputs:
        if not spec.required:
            continue
        if spec.type == "boolean":
            out[spec.name] = False
        elif spec.type == "text":
            out[spec.name] = ""
        else:
            out[spec.name] = spec.effective_min if spec.effective_min is not None else ZERO
    return out


def replay(campaign: Campaign, candidate: Rubric, *, missing: str = "min") -> Replay:
    """What would move if ``campaign`` had been scored with ``candidate``: grades and ranks before and after.

    Before: the campaign's live ranking (:func:`assess.ranking.services.compute_ranking`, final scores).
    After, per department and indicator of the candidate:
      - same points, rule and figures as in the campaign's rubric → the final score stands (reviewers'
        adjustments kept), moved into the candidate's bounds if an area's points changed;
      - a reviewer's-judgement rule → the final score of that code as the judgement, moved into the bounds;
      - otherwise → the candidate's rule applied to the reported figures (``Answer.inputs``);
      - no usable figures (a new indicator, new required figures) → the lowest score (``missing="min"``)
        or full points (``"max"``), counted in ``no_data``.
    Vetoes: the reviewers' veto decisions for veto codes the campaign had; new veto items from the figures.
    Totals by the engine's ``aggregate``; ranks and grades by the engine's ``rank_group`` per ranking group
    (the group snapshot on each submission) — the ranking rule itself is never re-implemented here.
    """
    old = store.engine_rubric(campaign.rubric)
    new = store.engine_rubric(candidate)
    office_id = campaign.office_id
    before = {r.department_id: r for r in compute_ranking(campaign)}
    subs = db.session.scalars(select(Submission).where(Submission.office_id == office_id,
                                                       Submission.campaign_id == campaign.id)).all()
    answers: dict[tuple[int, str], dict] = {}
    for a in db.session.scalars(select(Answer).where(Answer.office_id == office_id, Answer.campaign_id == campaign.id)):
        try:
            data = json.loads(a.inputs or "{}")
        except ValueError:
            data = {}
        answers[(a.department_id, a.indicator_code)] = data if isinstance(data, dict) else {}
    results: dict[tuple[int, str], IndicatorResult] = {
        (r.department_id, r.indicator_code): r
        for r in db.session.scalars(select(IndicatorResult).where(IndicatorResult.office_id == office_id,
                                                                  IndicatorResult.campaign_id == campaign.id))}

    no_data: dict[str, int] = {}
    scored: dict[int, tuple[scoring.Totals, dict[str, Decimal], Submission]] = {}
    for sub in subs:
        d = sub.department_id
        inputs: dict[str, dict] = {}
        overrides: dict[str, Decimal] = {}
        judgements: dict[str, Decimal] = {}
        vetoes: list[str] = []
        given_all: dict[str, dict] = {}
        for ind in new.all_indicators():
            known = {s.name for s in ind.inputs}
            given_all[ind.code] = {k: v for k, v in answers.get((d, ind.code), {}).items()
                                   if k in known and v is not None}
        bad = {p.path.split(".", 1)[0] for p in scoring.validate_inputs(new, given_all)}
        for ind in new.all_indicators():
            usable = ind.code not in bad
            inputs[ind.code] = given_all[ind.code] if usable else _placeholder(ind)
            old_ind = old.indicator(ind.code)
            res = results.get((d, ind.code))
            if ind.rule.kind == "veto":
                if old_ind is not None and old_ind.rule.kind == "veto":
                    if res is not None and res.veto:
                        vetoes.append(ind.code)
                    inputs[ind.code] = _placeholder(ind)
                continue
            b = scoring.bounds(new, ind.code)
            final = res.final_score if res is not None else None
            if old_ind is not None and final is not None and _same_scoring(old_ind, ind):
                overrides[ind.code] = _fit(Decimal(final), b)
            elif ind.rule.kind == "judgement":
                if old_ind is not None and final is not None:
                    judgements[ind.code] = _fit(Decimal(final), b)
            elif not usable:
                no_data[ind.code] = no_data.get(ind.code, 0) + 1
                overrides[ind.code] = b.max if missing == "max" else b.min
        submitted = sub.state == SubmissionState.SUBMITTED
        late = int(sub.late_days or 0) if submitted else 0
        try:
            result = scoring.score(new, inputs, judgements=judgements, overrides=overrides, late_days=late)
        except scoring.InputError as exc:  # pragma: no cover — inputs are fitted above; say so if not
            raise RubricsError(f"无法重算{sub.department_name}：" + "；".join(f"{p.path} {p.message}" for p in exc.problems),
                               "rubric_id") from None
        vetoes += [c for c, s in result.indicators.items() if s.triggered and c not in vetoes
                   and (old.indicator(c) is None or old.indicator(c).rule.kind != "veto")]
        per = {c: s.score for c, s in result.indicators.items() if s.kind != "veto"}
        totals = scoring.aggregate(new, per, vetoes=tuple(vetoes), late_days=late)
        scored[d] = (totals, per, sub)

    after: dict[int, scoring.Ranked] = {}
    groups: dict[int, list[int]] = {}
    for d, (_t, _p, sub) in scored.items():
        groups.setdefault(sub.group_id, []).append(d)
    for members in groups.values():
        entries = [scoring.RankEntry(key=str(d), total=scored[d][0].total, area_subtotals=scored[d][0].areas,
                                     submitted=scored[d][2].state == SubmissionState.SUBMITTED,
                                     veto=bool(scored[d][0].veto)) for d in members]
        for ranked in scoring.rank_group(new, entries):
            after[int(ranked.key)] = ranked

    rows = []
    for d, (totals, per, sub) in scored.items():
        b = before.get(d)
        a = after[d]
        moved = []
        for code, score_after in per.items():
            res = results.get((d, code))
            prev = Decimal(res.final_score) if res is not None and res.final_score is not None else None
            if prev is None or prev != score_after:
                if prev is None and new.section_of(code) == "bonus" and score_after == 0:
                    continue
                moved.append((code, prev.quantize(CENT) if prev is not None else None, score_after.quantize(CENT)))
        rows.append(ReplayRow(d, sub.department_name, sub.group_name, a.submitted,
                              b.total if b else ZERO, a.total, b.rank if b else 0, a.rank,
                              b.grade if b else "", a.grade, moved))
    rows.sort(key=lambda r: (r.group_name, r.after_rank, r.department_name))

    labels = [g.label for g in old.grades] + [g.label for g in new.grades if g.label not in {x.label for x in old.grades}]
    dist_before = {g: 0 for g in labels}
    dist_after = {g: 0 for g in labels}
    for r in rows:
        if r.before_grade:
            dist_before[r.before_grade] = dist_before.get(r.before_grade, 0) + 1
        dist_after[r.after_grade] = dist_after.get(r.after_grade, 0) + 1
    old_codes = {i.code: i for i in old.all_indicators()}
    new_codes = {i.code: i for i in new.all_indicators()}
    return Replay(
        campaign=campaign, candidate=candidate, grades=labels, before=dist_before, after=dist_after, rows=rows,
        removed=[(c, i.title) for c, i in old_codes.items() if c not in new_codes],
        added=[(c, i.title) for c, i in new_codes.items() if c not in old_codes],
        rescored=[(c, i.title) for c, i in new_codes.items() if c in old_codes and not _same_scoring(old_codes[c], i)],
        no_data=no_data, missing=missing)
