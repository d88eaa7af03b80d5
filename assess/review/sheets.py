"""Review: what the review pages show: a reviewer's sheet (one row per indicator with the department's
figures, evidence and the reviewer's own score), how a score came about (the waterfall), and the
department's results table.

Read only: nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select

from .. import scoring
from ..extensions import db
from ..models import Answer, Contest, Evidence, IndicatorResult, ReviewScore, Submission, User
from .base import (OUTCOME_LABELS, ReviewError, Suggestion, _answer_inputs, _answers, _contest, _names, _results,
                   _scores, assignments_of, rubric_of, suggestions)
from .evidence import department_evidence, evidence_for


@dataclass
class Row:
    """One indicator of one department as the review page shows it."""

    code: str
    title: str
    area: str
    points: Decimal
    standard: str
    guidance: str
    bounds: scoring.Bounds
    veto_item: bool
    figures: list[tuple[str, Any, str]]
    answer: Answer | None
    suggestion: Suggestion
    evidence: list[Evidence]
    mine: ReviewScore | None
    others: list[tuple[User, ReviewScore]]
    result: IndicatorResult | None
    difference: Decimal | None = None

    @property
    def self_score(self) -> Decimal | None:
        return self.answer.self_score if self.answer is not None else None

    @property
    def done(self) -> bool:
        return self.mine is not None


def _figure_rows(ind: scoring.Indicator, answer: Answer | None) -> list[tuple[str, Any, str]]:
    given = _answer_inputs(answer)
    out = []
    for spec in ind.inputs:
        value = given.get(spec.name)
        if isinstance(value, bool):
            value = _("是") if value else _("否")
        out.append((spec.label, "—" if value is None or value == "" else value, spec.unit))
    return out


def review_sheet(submission: Submission, reviewer_id: int) -> list[Row]:
    """Every indicator side by side for one reviewer: figures, explanation, evidence, self-score, rule, scores."""
    rubric = rubric_of(submission.campaign)
    answers = _answers(submission)
    sugg = suggestions(rubric, answers)
    results = _results(submission)
    all_scores = _scores(submission)
    assigned = {a.reviewer_id for a in assignments_of(submission.campaign, submission.department_id)}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(assigned | {reviewer_id})))}
    dept_ev = department_evidence(submission)
    rows = []
    for ind in rubric.all_indicators():
        answer = answers.get(ind.code)
        mine = next((s for s in all_scores if s.indicator_code == ind.code and s.reviewer_id == reviewer_id), None)
        others = [(users[s.reviewer_id], s) for s in all_scores
                  if s.indicator_code == ind.code and s.reviewer_id != reviewer_id and s.reviewer_id in users]
        theirs = [s for s in all_scores if s.indicator_code == ind.code and s.reviewer_id in assigned]
        diff = abs(theirs[0].score - theirs[1].score) if len(theirs) >= 2 else None
        rows.append(Row(
            code=ind.code, title=ind.title, area=rubric.section_of(ind.code), points=ind.points,
            standard=ind.standard, guidance=ind.guidance, bounds=scoring.bounds(rubric, ind.code),
            veto_item=ind.rule.kind == "veto", figures=_figure_rows(ind, answer), answer=answer,
            suggestion=sugg[ind.code], evidence=dept_ev.get(ind.code, []), mine=mine,
            others=others, result=results.get(ind.code), difference=diff))
    return rows


@dataclass
class Step:
    key: str
    label: object
    score: Decimal | None
    who: str = ""
    when: datetime | None = None
    why: str = ""
    problem: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    note: str = ""


def waterfall(submission: Submission, code: str) -> list[Step]:
    """self → suggested → reviewers → lead decision → re-check → final, each with who, why and evidence."""
    rubric = rubric_of(submission.campaign)
    ind = rubric.indicator(code)
    if ind is None:
        raise ReviewError(_("未知指标“%(c)s”。", c=code))
    answers = _answers(submission)
    answer = answers.get(code)
    result = _results(submission).get(code)
    sugg = suggestions(rubric, answers)[code]
    scores = _scores(submission, code)
    contest = _contest(submission, code)
    names = _names([answer.updated_by_id if answer else None, *(s.reviewer_id for s in scores),
                    result.decided_by_id if result else None,
                    result.lead_by_id if result else None, contest.created_by_id if contest else None,
                    contest.answered_by_id if contest else None])
    steps = [Step("self", _l("自评分"), answer.self_score if answer else None,
                  who=names.get(answer.updated_by_id, submission.department_name) if answer else submission.department_name,
                  when=answer.updated_at if answer else None,
                  why="\n".join(x for x in [answer.explanation, answer.self_score_reason] if x) if answer else "",
                  evidence=department_evidence(submission).get(code, []))]
    steps.append(Step("suggested", _l("规则建议分"), sugg.score, who=_("评分规则"),
                      why=sugg.explanation + ("；" + "；".join(sugg.problems) if sugg.problems else "")))
    rev_ev = evidence_for(submission.office_id, "review", [s.id for s in scores])
    for s in scores:
        steps.append(Step("review", _l("评审分"), s.score, who=names.get(s.reviewer_id, ""), when=s.updated_at,
                          why=s.reason, problem=s.problem, evidence=rev_ev.get(s.id, []),
                          note=_("认定触发一票否决") if s.veto else ""))
    if result is not None and result.lead_by_id:
        steps.append(Step("lead", _l("组长裁定"), result.lead_score, who=names.get(result.lead_by_id, ""),
                          when=result.lead_at, why=result.lead_reason, problem=result.lead_problem))
    if contest is not None:
        steps.append(Step("contest", _l("复核申请"), None, who=names.get(contest.created_by_id, submission.department_name),
                          when=contest.created_at, why=contest.explanation,
                          evidence=evidence_for(submission.office_id, "contest", [contest.id]).get(contest.id, [])))
        if contest.outcome is not None:
            steps.append(Step("recheck", _l("复核结果"), result.recheck_score if result else contest.new_score,
                              who=names.get(contest.answered_by_id, ""), when=contest.answered_at, why=contest.answer,
                              note=str(OUTCOME_LABELS[contest.outcome]),
                              evidence=evidence_for(submission.office_id, "contest_answer", [contest.id]).get(contest.id, [])))
    if result is not None and result.decided_by_id and result.decided_by_id not in names:
        names.update(_names([result.decided_by_id]))
    steps.append(Step("final", _l("最终得分"), result.final_score if result else None,
                      who=names.get(result.decided_by_id, "") if result else "",
                      why=(result.decision_reason if result else ""), problem=(result.problem if result else ""),
                      note=_("触发一票否决") if result is not None and result.veto else
                      _("不适用：%(r)s（不计分，总分按适用指标满分折算）", r=result.not_applicable)
                      if result is not None and result.not_applicable else
                      ("" if result is None or result.final_score is not None else _("尚未定分"))))
    return steps


def results_table(submission: Submission) -> list[tuple[scoring.Indicator, IndicatorResult | None, Contest | None]]:
    rubric = rubric_of(submission.campaign)
    results = _results(submission)
    contests = {c.indicator_code: c for c in db.session.scalars(select(Contest).where(
        Contest.office_id == submission.office_id, Contest.campaign_id == submission.campaign_id,
        Contest.department_id == submission.department_id))}
    return [(ind, results.get(ind.code), contests.get(ind.code)) for ind in rubric.all_indicators()]
