"""Review: what every review step shares: the limits and labels, the refusal, the rubric's bounds and
suggested scores, and the lookups of a department's rows (its submission, answers, assignments, scores,
results and contest).

Kept apart so that assignment, scoring, contests and the sheets can all use them without importing each
other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select

from .. import scoring
from ..clock import local_today  # noqa: F401 (the one "today", re-exported for the review modules)
from ..extensions import db
from ..models import (Answer, Campaign, CampaignState, Contest, ContestOutcome, IndicatorResult, ReviewAssignment,
                      ReviewScore, Submission, SubmissionState, User)
from ..rubrics.store import engine_rubric
from ..scoring import engine as _engine




DEFAULT_CONFLICT_DAYS = 365


MAX_REVIEWERS = 2




OUTCOME_LABELS = {
    ContestOutcome.UPHELD: _l("维持原评分"),
    ContestOutcome.PARTLY: _l("部分采纳"),
    ContestOutcome.CHANGED: _l("予以更正"),
}


class ReviewError(ValueError):
    """A refusal with a message for the user; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field



def fmt(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = format(value.normalize(), "f")
    return text


def parse_score(raw: Any, field_name: str = "score") -> Decimal:
    text = str(raw if raw is not None else "").strip()
    if not text:
        raise ReviewError(_("请填写得分。"), field_name)
    try:
        return scoring.typed_number(text)  # the one reader of typed numbers: no exponent, NaN or overlong
    except ValueError:
        raise ReviewError(_("“%(v)s”不是有效的分数。", v=text[:40]), field_name) from None


def rubric_of(campaign: Campaign) -> scoring.Rubric:
    return engine_rubric(campaign.rubric)


def indicator_codes(rubric: scoring.Rubric) -> list[str]:
    return [i.code for i in rubric.all_indicators()]


def is_veto(rubric: scoring.Rubric, code: str) -> bool:
    ind = rubric.indicator(code)
    return ind is not None and ind.rule.kind == "veto"


def is_bonus(rubric: scoring.Rubric, code: str) -> bool:
    return rubric.indicator(code) is not None and rubric.section_of(code) == "bonus"


def reference_score(rubric: scoring.Rubric, code: str, self_score: Decimal | None) -> Decimal:
    """What a reviewer's score is compared with: a score below it is a deduction and needs a problem statement.

    The department's self-score; without one, the indicator's maximum — except for a bonus item: a bonus the
    department did not claim claims nothing (0), and not claiming a bonus is not a problem.
    """
    if self_score is not None:
        return self_score
    if is_bonus(rubric, code):
        return Decimal(0)
    return rubric.indicator(code).points


def check_bounds(rubric: scoring.Rubric, code: str, value: Decimal, field_name: str = "score") -> None:
    b = scoring.bounds(rubric, code)
    if not b.contains(value):
        raise ReviewError(
            _("得分应在%(lo)s至%(hi)s分之间，且为%(step)s分的整数倍（收到%(v)s）。", lo=fmt(b.min), hi=fmt(b.max),
              step=fmt(b.step), v=fmt(value)), field_name)


@dataclass(frozen=True)
class Suggestion:
    score: Decimal
    explanation: str
    triggered: bool = False  # veto items
    problems: tuple[str, ...] = ()  # problems with the reported figures of this indicator
    not_applicable: str | None = None  # 不适用: the reason (marked by the department, or the unit's group)


def _answer_inputs(answer: Answer | None) -> dict:
    if answer is None or not answer.inputs:
        return {}
    try:
        data = json.loads(answer.inputs)
    except ValueError:
        return {}
    return {k: v for k, v in data.items() if k != Answer.NA_KEY} if isinstance(data, dict) else {}


def not_applicable_of(rubric: scoring.Rubric, answers: dict[str, Answer], group: str | None) -> dict[str, str]:
    """不适用 indicators of one department: marked by it where the rubric allows (allow_na, with a reason), or
    left out for its ranking group (applies_to)."""
    out = {i.code: f"本指标仅适用于{i.applies_to.words()}" for a in rubric.areas for i in a.indicators
           if i.applies_to is not None and not i.applies(group)}
    for code, answer in answers.items():
        ind = rubric.indicator(code)
        reason = answer.na_reason if ind is not None and ind.allow_na else None
        if reason:
            out[code] = reason
    return out


def suggestions(rubric: scoring.Rubric, answers: dict[str, Answer]) -> dict[str, Suggestion]:
    """The rule's suggestion per indicator, even when some other indicator's figures are faulty.

    The engine's ``score()`` refuses a department with any faulty figure; a reviewer still needs the
    suggestion for every indicator that can be computed, so this evaluates indicator by indicator with
    the engine's own normalisation (faulty figures are left out and reported with the indicator).
    """
    raw = {code: _answer_inputs(a) for code, a in answers.items() if rubric.indicator(code) is not None}
    first = next(iter(answers.values()), None)
    na = not_applicable_of(rubric, answers, first.submission.group_name if first is not None else None)
    values, problems = _engine.normalize_inputs(rubric, raw, set(na))
    by_code: dict[str, list[str]] = {}
    for p in problems:
        by_code.setdefault(p.path.split(".", 1)[0], []).append(p.message)
    out: dict[str, Suggestion] = {}
    for ind in rubric.all_indicators():
        if ind.code in na:
            out[ind.code] = Suggestion(_engine.q(Decimal(0)), f"不适用：{na[ind.code]}（不计分，总分按适用指标满分折算）",
                                       not_applicable=na[ind.code])
            continue
        figs = _engine.figures_of(ind, values.get(ind.code, {}))
        value, zh, _en = _engine.evaluate(rubric, ind, figs)
        triggered = ind.rule.kind == "veto" and _engine.Veto.triggered(ind.rule, figs)
        out[ind.code] = Suggestion(_engine.q(value), zh, triggered, tuple(by_code.get(ind.code, ())))
    return out


def assignments_of(campaign: Campaign, department_id: int) -> list[ReviewAssignment]:
    return list(db.session.scalars(
        select(ReviewAssignment).where(
            ReviewAssignment.office_id == campaign.office_id, ReviewAssignment.campaign_id == campaign.id,
            ReviewAssignment.department_id == department_id)
        .order_by(ReviewAssignment.is_lead.desc(), ReviewAssignment.id)))


def _submission(campaign: Campaign, department_id: int) -> Submission | None:
    return db.session.scalar(select(Submission).where(
        Submission.office_id == campaign.office_id, Submission.campaign_id == campaign.id,
        Submission.department_id == department_id))


def _answers(submission: Submission) -> dict[str, Answer]:
    rows = db.session.scalars(select(Answer).where(
        Answer.office_id == submission.office_id, Answer.submission_id == submission.id))
    return {a.indicator_code: a for a in rows}


def _results(submission: Submission) -> dict[str, IndicatorResult]:
    rows = db.session.scalars(select(IndicatorResult).where(
        IndicatorResult.office_id == submission.office_id, IndicatorResult.campaign_id == submission.campaign_id,
        IndicatorResult.department_id == submission.department_id))
    return {r.indicator_code: r for r in rows}


def _scores(submission: Submission, code: str | None = None) -> list[ReviewScore]:
    stmt = select(ReviewScore).where(
        ReviewScore.office_id == submission.office_id, ReviewScore.campaign_id == submission.campaign_id,
        ReviewScore.department_id == submission.department_id)
    if code is not None:
        stmt = stmt.where(ReviewScore.indicator_code == code)
    return list(db.session.scalars(stmt.order_by(ReviewScore.id)))


def _contest(submission: Submission, code: str) -> Contest | None:
    return db.session.scalar(select(Contest).where(
        Contest.office_id == submission.office_id, Contest.campaign_id == submission.campaign_id,
        Contest.department_id == submission.department_id, Contest.indicator_code == code))


def _require_reviewable(submission: Submission) -> None:
    if submission.campaign.state != CampaignState.REVIEW:
        raise ReviewError(_("考核不在评审阶段，不能修改评审分。"))
    if submission.state != SubmissionState.SUBMITTED:
        raise ReviewError(_("该部门尚未提交自评，不能评审。"))


def _names(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}
