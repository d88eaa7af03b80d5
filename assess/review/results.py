"""Review: the decided result per indicator, and the bulk path that writes many at once.

The decided score of an indicator lives in exactly one place, :class:`IndicatorResult`, and only
:func:`refresh_result` writes it. Every path that can change a score — a reviewer's save, a lead
reviewer's decision, a contest's answer, a (re)submitted self-assessment — changes its own source row
and then calls :func:`refresh_result`, which recomputes the whole chain from the sources:

    self_score      ← the department's Answer.self_score
    suggested_score ← the rubric engine, from the Answer's reported figures
    reviewed_score  ← the lead decision if there is one; else the single assigned reviewer's score; else,
                      with two reviewers, the lead reviewer's score when both have scored and they differ by
                      no more than ``campaign.review_diff_threshold`` (otherwise ``needs_lead``, undecided)
    recheck_score   ← an answered contest: the reviewed score (upheld) or the contest's new score
    final_score     ← recheck_score if set, else reviewed_score   (what rankings and notices use)

Any change of the decided values is written to the audit log with old → new.

Writing an :class:`IndicatorResult` also moves the ranking: the ranking's per-department sums follow every
flushed score change through an ``after_flush`` hook (:mod:`assess.ranking.sums`); :func:`bulk_review`
writes rows past the ORM, which that hook does not see, and so calls the hooks in :data:`AFTER_BULK_RESULTS`
(``create_app`` registers the ranking's sums there; review does not import the ranking).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from .. import scoring
from ..audit.services import record
from ..extensions import db
from ..models import (Answer, Campaign, CampaignState, Contest, ContestOutcome, IndicatorResult, ReviewAssignment,
                      ReviewScore, Submission)
from ..models.base import utcnow
from sqlalchemy.engine import Connection

from .base import (ReviewError, Suggestion, _answers, _contest, _scores, assignments_of, indicator_codes, is_veto,
                   rubric_of, suggestions)


def _snapshot(r: IndicatorResult) -> dict:
    return {"self": r.self_score, "suggested": r.suggested_score, "reviewed": r.reviewed_score,
            "recheck": r.recheck_score, "final": r.final_score, "veto": bool(r.veto), "problem": r.problem,
            "needs_lead": bool(r.needs_lead), **({"not_applicable": r.not_applicable} if r.not_applicable else {})}


def decide(result: IndicatorResult, *, self_score: Decimal | None, suggestion: Suggestion, reviewer_ids: list[int],
           lead_id: int | None, scores: dict[int, ReviewScore], contest: Contest | None, threshold: Decimal,
           veto_item: bool) -> IndicatorResult:
    """Set every derived field of ``result`` from its sources (pure: no queries). The rules are in the
    module docstring; :func:`refresh_result` and the bulk path both come through here."""
    result.self_score = self_score
    result.suggested_score = suggestion.score
    result.suggested_explanation = suggestion.explanation
    scores = {rid: s for rid, s in scores.items() if rid in reviewer_ids}
    decided: ReviewScore | None = None
    result.needs_lead = False
    if result.lead_score is not None or result.lead_veto:
        result.reviewed_score = result.lead_score if result.lead_score is not None else Decimal(0)
        result.veto = bool(result.lead_veto)
        result.problem = result.lead_problem or ""
        result.decided_by_id, result.decision_reason = result.lead_by_id, result.lead_reason or ""
    else:
        if len(scores) == 1 and len(reviewer_ids) == 1:
            decided = next(iter(scores.values()))
        elif len(scores) >= 2:
            a, b = list(scores.values())[:2]
            if abs(a.score - b.score) > threshold or bool(a.veto) != bool(b.veto):
                result.needs_lead = True
            else:
                decided = scores.get(lead_id) or a
        if decided is not None:
            result.reviewed_score, result.veto, result.problem = decided.score, bool(decided.veto), decided.problem
            result.decided_by_id, result.decision_reason = decided.reviewer_id, decided.reason
        else:
            result.reviewed_score, result.veto, result.problem = None, False, ""
            result.decided_by_id, result.decision_reason = None, ""
    result.recheck_score = None
    if contest is not None and contest.outcome is not None:  # an answered contest decides, whatever came before
        if contest.outcome == ContestOutcome.UPHELD:
            result.recheck_score = result.reviewed_score if result.reviewed_score is not None else contest.new_score
        else:
            result.recheck_score = contest.new_score
            if veto_item and contest.outcome == ContestOutcome.CHANGED:
                result.veto = False
    result.final_score = result.recheck_score if result.recheck_score is not None else result.reviewed_score
    # 不适用 stands while no score was decided (a reviewer's score says the indicator applies after all)
    result.not_applicable = suggestion.not_applicable if result.final_score is None and not result.veto else None
    return result


def _new_result(submission: Submission, code: str) -> IndicatorResult:
    return IndicatorResult(office_id=submission.office_id, department_id=submission.department_id,
                           campaign_id=submission.campaign_id, indicator_code=code, veto=False, needs_lead=False,
                           lead_veto=False, problem="", decision_reason="", suggested_explanation="",
                           lead_problem="", lead_reason="")


def _lead(assigned: list[ReviewAssignment]) -> int | None:
    return next((a.reviewer_id for a in assigned if a.is_lead), assigned[0].reviewer_id if assigned else None)


def refresh_result(submission: Submission, code: str, *, actor=None, reason: str = "",
                   rubric: scoring.Rubric | None = None, suggestion: Suggestion | None = None) -> IndicatorResult:
    """Recompute the indicator's result from its sources (see the module docstring); audit any change.

    The result row is locked (``FOR NO KEY UPDATE`` on PostgreSQL) and re-read, so two reviewers saving at once
    are serialised instead of one of them failing on the row's version.
    """
    campaign = submission.campaign
    rubric = rubric or rubric_of(campaign)
    if rubric.indicator(code) is None:
        raise ReviewError(_("未知指标“%(c)s”。", c=code))
    result = db.session.scalar(
        select(IndicatorResult).where(
            IndicatorResult.office_id == submission.office_id, IndicatorResult.campaign_id == campaign.id,
            IndicatorResult.department_id == submission.department_id, IndicatorResult.indicator_code == code)
        .with_for_update(key_share=True).execution_options(populate_existing=True))  # NO KEY UPDATE: see chain_lock
    created = result is None
    if created:
        result = _new_result(submission, code)
        db.session.add(result)
    old = None if created else _snapshot(result)
    answers = _answers(submission)
    answer = answers.get(code)
    if suggestion is None:
        suggestion = suggestions(rubric, answers)[code]
    assigned = assignments_of(campaign, submission.department_id)
    scores = {s.reviewer_id: s for s in _scores(submission, code)}
    reviewer_ids = [a.reviewer_id for a in assigned]
    if campaign.state not in (CampaignState.DRAFT, CampaignState.SELF_ASSESSMENT, CampaignState.REVIEW):
        # after the review stage the decision rests on the scores given: a reviewer assigned later (e.g. to
        # answer a contest) who never scored does not turn a decided indicator back into 尚未定分
        reviewer_ids = [r for r in reviewer_ids if r in scores] or reviewer_ids
    decide(result, self_score=answer.self_score if answer is not None else None, suggestion=suggestion,
           reviewer_ids=reviewer_ids, lead_id=_lead(assigned),
           scores=scores, contest=_contest(submission, code),
           threshold=campaign.review_diff_threshold, veto_item=is_veto(rubric, code))
    db.session.flush()
    new = _snapshot(result)
    if new != old:
        record(submission.office_id, "result.update", "indicator_result", f"{submission.department_id}:{code}",
               actor=actor, old=old, new=new, reason=reason, department_id=submission.department_id,
               campaign_id=campaign.id)
    return result


def refresh_submission(submission: Submission, *, actor=None, reason: str = "") -> list[IndicatorResult]:
    """Refresh every indicator of a submission (e.g. after it is submitted or returned)."""
    rubric = rubric_of(submission.campaign)
    sugg = suggestions(rubric, _answers(submission))
    return [refresh_result(submission, code, actor=actor, reason=reason, rubric=rubric, suggestion=sugg[code])
            for code in indicator_codes(rubric)]


Plan = dict[int, dict[str, tuple[Decimal, str, str]]]  # reviewer id → code → (score, problem, reason)


Lead = tuple[Decimal, str, str, int]  # (score, problem, reason, lead reviewer id)

#: What must follow result rows that :func:`bulk_review` wrote past the ORM:
#: ``hook(connection, office_id, campaign_id, department_ids)``, inside the same transaction.
#: ``create_app`` registers the ranking's sums (:func:`assess.ranking.sums.refresh`) through
#: :func:`after_bulk_results`.
AFTER_BULK_RESULTS: list[Callable[[Connection, int, int, Iterable[int]], object]] = []


def after_bulk_results(hook: Callable[[Connection, int, int, Iterable[int]], object]) -> None:
    """Register ``hook`` for :data:`AFTER_BULK_RESULTS` (idempotent: create_app runs once per app)."""
    if hook not in AFTER_BULK_RESULTS:
        AFTER_BULK_RESULTS.append(hook)


class _Row:
    """A plain attribute bag standing in for a model row in the bulk path (no ORM bookkeeping per attribute)."""

    def __init__(self, model: Any, **values: Any):
        cols = {c.key: None for c in model.__table__.columns if c.key != "id"}
        cols.update(values)
        self.__dict__.update(cols)

    def as_row(self) -> dict:
        return dict(self.__dict__)


def bulk_review(campaign: Campaign, plans: dict[int, Plan], *, actor=None,
                leads: dict[tuple[int, str], Lead] | None = None, chunk: int = 5000,
                suggested: dict[int, dict[str, Suggestion]] | None = None) -> int:
    """Write the reviewers' scores of many not-yet-reviewed departments at once, and their results.

    ``plans``: department id → reviewer id → code → (score, problem, reason), already within bounds;
    ``leads``: (department id, code) → a lead decision. For the demo and imports at scale: a few queries for
    the whole campaign, multi-row inserts, results from the same :func:`decide`, and one audit entry
    summarising the batch (instead of one per score). Returns the number of results written.
    """
    rubric = rubric_of(campaign)
    codes = indicator_codes(rubric)
    leads = leads or {}
    subs = {s.department_id: s for s in db.session.scalars(select(Submission).where(
        Submission.office_id == campaign.office_id, Submission.campaign_id == campaign.id,
        Submission.department_id.in_(list(plans))))}
    self_scores: dict[int, dict[str, Decimal | None]] = {}
    for dept_id, code, value in db.session.execute(select(Answer.department_id, Answer.indicator_code,
                                                          Answer.self_score).where(
            Answer.office_id == campaign.office_id, Answer.campaign_id == campaign.id)):
        self_scores.setdefault(dept_id, {})[code] = value
    assigned: dict[int, list[ReviewAssignment]] = {}
    for a in db.session.scalars(select(ReviewAssignment).where(
            ReviewAssignment.office_id == campaign.office_id, ReviewAssignment.campaign_id == campaign.id)
            .order_by(ReviewAssignment.is_lead.desc(), ReviewAssignment.id)):
        assigned.setdefault(a.department_id, []).append(a)
    vetoes = {c for c in codes if is_veto(rubric, c)}
    now = utcnow()
    score_rows, result_rows, summary = [], [], {}
    for dept_id, plan in plans.items():
        sub = subs.get(dept_id)
        if sub is None:
            raise ReviewError(_("该部门未参加本次考核。"))
        sugg = (suggested or {}).get(dept_id) or suggestions(rubric, _answers(sub))
        people = assigned.get(dept_id, [])
        ids = [a.reviewer_id for a in people]
        by_code: dict[str, dict[int, ReviewScore]] = {}
        for reviewer_id, scores in plan.items():
            for code, (value, problem, reason) in scores.items():
                rs_ = _Row(ReviewScore, office_id=campaign.office_id, department_id=dept_id, campaign_id=campaign.id,
                           indicator_code=code, reviewer_id=reviewer_id, score=value, veto=False,
                           problem=problem, reason=reason, updated_at=now, version_id=1)
                by_code.setdefault(code, {})[reviewer_id] = rs_
                score_rows.append(rs_.as_row())
        for code in codes:
            result = _Row(IndicatorResult, office_id=campaign.office_id, department_id=dept_id,
                          campaign_id=campaign.id, indicator_code=code, veto=False, needs_lead=False, lead_veto=False,
                          problem="", decision_reason="", suggested_explanation="", lead_problem="", lead_reason="",
                          updated_at=now, version_id=1)
            if (dept_id, code) in leads:
                value, problem, reason, lead_by = leads[(dept_id, code)]
                result.lead_score, result.lead_problem, result.lead_reason = value, problem, reason
                result.lead_by_id, result.lead_at = lead_by, now
            decide(result, self_score=self_scores.get(dept_id, {}).get(code), suggestion=sugg[code], reviewer_ids=ids,
                   lead_id=_lead(people), scores=by_code.get(code, {}), contest=None,
                   threshold=campaign.review_diff_threshold, veto_item=code in vetoes)
            result_rows.append(result.as_row())
        summary[str(dept_id)] = {c: str(s.score) for c, by in by_code.items() for s in by.values() if s.problem}
    for start in range(0, len(score_rows), chunk):
        db.session.execute(ReviewScore.__table__.insert(), score_rows[start:start + chunk])
    for start in range(0, len(result_rows), chunk):
        db.session.execute(IndicatorResult.__table__.insert(), result_rows[start:start + chunk])
    for hook in AFTER_BULK_RESULTS:  # bulk rows bypass the ORM's after_flush hooks (the ranking's sums)
        hook(db.session.connection(), campaign.office_id, campaign.id, plans)
    record(campaign.office_id, "review.bulk", "campaign", campaign.id, actor=actor,
           new={"departments": len(plans), "scores": len(score_rows), "deductions": summary},
           reason=_("批量评审"), campaign_id=campaign.id)
    return len(result_rows)
