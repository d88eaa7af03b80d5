"""Review: what reviewers write: a reviewer's score for one indicator (:func:`save_score`), accepting the
suggested score for the rest (:func:`accept_rest`), and the lead reviewer's decision when two reviewers
differ (:func:`lead_decide`).

Each write changes its own source row and then calls :func:`assess.review.results.refresh_result`, the
only writer of the decided result; the ranking's sums follow through an ``after_flush`` hook
(:mod:`assess.ranking.sums`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..audit.services import record
from ..extensions import db
from ..models import IndicatorResult, ReviewScore, Submission, User
from ..models.base import utcnow
from .assignments import is_lead, may_review, require_no_conflict, score_owner
from .base import (ReviewError, _answers, _require_reviewable, check_bounds, fmt, is_bonus, is_veto, parse_score,
                   reference_score, rubric_of, suggestions)
from .evidence import attach_evidence, prepare_evidence
from .results import refresh_result


def save_score(submission: Submission, code: str, *, actor: User, version: int, accept: bool = False,
               score: Any = None, veto: bool = False, problem: str = "", reason: str = "",
               reviewer_id: int | None = None, evidence_url: str = "", evidence_title: str = "",
               evidence_file: tuple[str, bytes] | None = None) -> ReviewScore:
    """A reviewer's score of one indicator: accept (= self-score) or a score within the rule's bounds.

    ``version`` is the version of the reviewer's score the form showed (0 = none yet); a stale version
    is refused with both versions named, never overwritten.
    """
    _require_reviewable(submission)
    if not may_review(actor, submission):
        raise ReviewError(_("您未被分配评审该部门。"))
    require_no_conflict(actor, submission.department_id)
    owner = score_owner(submission, actor, reviewer_id)
    rubric = rubric_of(submission.campaign)
    ind = rubric.indicator(code)
    if ind is None:
        raise ReviewError(_("未知指标“%(c)s”。", c=code))
    answers = _answers(submission)
    sugg = suggestions(rubric, answers)[code]
    answer = answers.get(code)
    self_score = answer.self_score if answer is not None else None
    problem, reason = (problem or "").strip(), (reason or "").strip()
    if is_veto(rubric, code):
        value = Decimal(0)
        veto = sugg.triggered if accept else bool(veto)
        if veto and not problem:
            raise ReviewError(_("认定触发一票否决时须填写问题描述。"), "problem")
    else:
        veto = False
        if accept:  # accepting an unclaimed bonus accepts nothing claimed: 0
            value = self_score if self_score is not None else (Decimal(0) if is_bonus(rubric, code) else sugg.score)
        else:
            value = parse_score(score)
        check_bounds(rubric, code, value)
        reference = reference_score(rubric, code, self_score)
        if value < reference and not problem:
            raise ReviewError(_("评审分（%(v)s）低于自评分（%(s)s），须填写问题描述。", v=fmt(value), s=fmt(reference)),
                              "problem")
    if len(problem) > 2000:
        raise ReviewError(_("问题描述最多2000个字。"), "problem")
    if len(reason) > 2000:
        raise ReviewError(_("评审理由最多2000个字。"), "reason")
    pending = prepare_evidence(evidence_url, evidence_title, evidence_file)

    row = db.session.scalar(select(ReviewScore).where(
        ReviewScore.office_id == submission.office_id, ReviewScore.campaign_id == submission.campaign_id,
        ReviewScore.department_id == submission.department_id, ReviewScore.indicator_code == code,
        ReviewScore.reviewer_id == owner).execution_options(populate_existing=True))
    current = row.version_id if row is not None else 0
    if int(version or 0) != current:
        shown = _("当前为%(s)s分", s=fmt(row.score)) if row is not None else ""
        raise ReviewError(_("该评分已被他人修改：您编辑的是第%(a)s版，现在是第%(b)s版（%(c)s）。请刷新后再改。",
                            a=version or 0, b=current, c=shown), "version")
    old = None if row is None else {"score": row.score, "veto": row.veto, "problem": row.problem, "reason": row.reason}
    if row is None:
        row = ReviewScore(office_id=submission.office_id, department_id=submission.department_id,
                          campaign_id=submission.campaign_id, indicator_code=code, reviewer_id=owner, score=value,
                          veto=veto, problem=problem, reason=reason)
        db.session.add(row)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:
            raise ReviewError(_("该评分刚被他人保存，请刷新后再改。"), "version") from None
    else:
        row.score, row.veto, row.problem, row.reason = value, veto, problem, reason
        row.updated_at = utcnow()
        try:
            db.session.flush()
        except StaleDataError:  # another transaction committed this score after we read it
            raise ReviewError(_("该评分刚被他人修改，请刷新后再改。"), "version") from None
    new = {"score": value, "veto": veto, "problem": problem, "reason": reason}
    if new != old:
        record(submission.office_id, "review.score", "review_score", row.id, actor=actor, old=old, new=new,
               reason=reason or (_("采纳自评分") if accept else ""), department_id=submission.department_id,
               campaign_id=submission.campaign_id)
    attach_evidence(pending, office_id=submission.office_id, department_id=submission.department_id,
                    campaign_id=submission.campaign_id, owner_type="review", owner_id=row.id, code=code, actor=actor)
    refresh_result(submission, code, actor=actor, reason=reason, rubric=rubric, suggestion=sugg)
    return row


@dataclass
class AcceptOutcome:
    """What a bulk acceptance did: indicators accepted, and those left for the reviewer with the reason."""

    accepted: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (indicator code, why it was left)


def accept_rest(submission: Submission, *, actor: User, section: str | None = None,
                reviewer_id: int | None = None) -> AcceptOutcome:
    """Accept the self-score of every indicator of this department (or of one area, ``section``) that the
    reviewer has not scored yet — each through :func:`save_score`, so each is checked and audit-logged as an
    individual acceptance.

    Left for the reviewer, with the reason: an indicator whose acceptance would need a problem statement
    (score below the reference, a veto the figures trigger), whose self-score is above what the rule
    suggests from the department's own figures, or whose figures are faulty — accepting those in bulk
    would pass over exactly what a reviewer is there to look at.
    """
    _require_reviewable(submission)
    if not may_review(actor, submission):
        raise ReviewError(_("您未被分配评审该部门。"))
    require_no_conflict(actor, submission.department_id)
    owner = score_owner(submission, actor, reviewer_id)
    rubric = rubric_of(submission.campaign)
    if section and section not in {a.code for a in rubric.areas} | {"bonus", "veto"}:
        raise ReviewError(_("未知的评分领域“%(s)s”。", s=section), "section")
    answers = _answers(submission)
    sugg = suggestions(rubric, answers)
    scored = set(db.session.scalars(select(ReviewScore.indicator_code).where(
        ReviewScore.office_id == submission.office_id, ReviewScore.campaign_id == submission.campaign_id,
        ReviewScore.department_id == submission.department_id, ReviewScore.reviewer_id == owner)))
    out = AcceptOutcome()
    for ind in rubric.all_indicators():
        code = ind.code
        if code in scored or (section and rubric.section_of(code) != section):
            continue
        answer = answers.get(code)
        self_score = answer.self_score if answer is not None else None
        s = sugg[code]
        if s.problems:
            out.skipped.append((code, _("填报数据有误，须逐项核对")))
            continue
        if ind.rule.kind == "veto":
            if s.triggered:
                out.skipped.append((code, _("填报情况触发一票否决，须逐项认定并填写问题描述")))
                continue
        elif self_score is not None and s.score < self_score:
            out.skipped.append((code, _("自评分（%(s)s）高于规则建议分（%(r)s），须逐项核对", s=fmt(self_score),
                                        r=fmt(s.score))))
            continue
        try:
            with db.session.begin_nested():
                save_score(submission, code, actor=actor, version=0, accept=True, reviewer_id=owner,
                           reason=_("批量采纳自评分"))
        except ReviewError as exc:
            out.skipped.append((code, str(exc)))
        else:
            out.accepted.append(code)
    if out.accepted or out.skipped:
        record(submission.office_id, "review.accept_rest", "submission", submission.id, actor=actor,
               new={"reviewer_id": owner, "section": section or "", "accepted": out.accepted,
                    "skipped": [f"{c}：{why}" for c, why in out.skipped]},
               department_id=submission.department_id, campaign_id=submission.campaign_id)
    return out


def lead_decide(submission: Submission, code: str, *, actor: User, version: int, score: Any = None,
                veto: bool = False, problem: str = "", reason: str = "") -> IndicatorResult:
    """The lead reviewer's (or an office administrator's) final decision where two reviewers differ."""
    _require_reviewable(submission)
    if not is_lead(submission, actor):
        raise ReviewError(_("只有组长（主评审）或公开办管理员可以作出最终裁定。"))
    require_no_conflict(actor, submission.department_id)
    rubric = rubric_of(submission.campaign)
    result = refresh_result(submission, code, actor=actor, rubric=rubric)
    if result.version_id != int(version or 0):
        raise ReviewError(_("该指标结果已变化：您看到的是第%(a)s版，现在是第%(b)s版。请刷新后再裁定。",
                            a=version or 0, b=result.version_id), "version")
    if not result.needs_lead and result.lead_score is None and not result.lead_veto:
        raise ReviewError(_("两名评审人员的评分差异未超过阈值，无需裁定。"))
    problem, reason = (problem or "").strip(), (reason or "").strip()
    if not reason:
        raise ReviewError(_("请填写裁定理由。"), "reason")
    if is_veto(rubric, code):
        value, veto = Decimal(0), bool(veto)
        if veto and not problem:
            raise ReviewError(_("认定触发一票否决时须填写问题描述。"), "problem")
    else:
        value, veto = parse_score(score), False
        check_bounds(rubric, code, value)
        reference = reference_score(rubric, code, result.self_score)
        if value < reference and not problem:
            raise ReviewError(_("裁定分（%(v)s）低于自评分（%(s)s），须填写问题描述。", v=fmt(value), s=fmt(reference)),
                              "problem")
    old = {"score": result.lead_score, "veto": result.lead_veto, "problem": result.lead_problem}
    result.lead_score, result.lead_veto, result.lead_problem = value, veto, problem
    result.lead_reason, result.lead_by_id, result.lead_at = reason, actor.id, utcnow()
    record(submission.office_id, "review.lead_decision", "indicator_result", result.id, actor=actor, old=old,
           new={"score": value, "veto": veto, "problem": problem}, reason=reason,
           department_id=submission.department_id, campaign_id=submission.campaign_id)
    return refresh_result(submission, code, actor=actor, reason=reason, rubric=rubric)
