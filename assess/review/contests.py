"""Review: re-check contests: a department contests a deduction within the re-check window, the reviewer
who made it (or an office administrator) answers, and the answer feeds the decided result
(:func:`assess.review.results.refresh_result`). :func:`contests_answered` is a publishing precondition.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Callable

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from ..audit.services import record
from ..extensions import db
from ..models import (Campaign, CampaignState, Contest, ContestOutcome, IndicatorResult, ReviewAssignment, Role,
                      Submission, User)
from ..models.base import utcnow
from ..tenancy.roles import DEPARTMENT_STAFF, OFFICE_STAFF
from .assignments import conflict_refusal, is_assigned, office_reviewers
from .base import (ReviewError, _contest, _results, check_bounds, fmt, is_veto, local_today,
                   parse_score, rubric_of)
from .evidence import attach_evidence, prepare_evidence
from .results import refresh_result


def open_contests(campaign: Campaign) -> list[tuple[str, str]]:
    """(department name, indicator code) of every contest not answered yet."""
    return [(name, code) for name, code in db.session.execute(
        select(Submission.department_name, Contest.indicator_code)
        .join(Submission, (Submission.office_id == Contest.office_id) & (Submission.campaign_id == Contest.campaign_id)
              & (Submission.department_id == Contest.department_id))
        .where(Contest.office_id == campaign.office_id, Contest.campaign_id == campaign.id, Contest.outcome.is_(None))
        .order_by(Submission.department_name, Contest.indicator_code))]


def contests_answered(campaign: Campaign) -> str | None:
    """Campaign precondition (re-check → published): every contest has its answer."""
    pending = open_contests(campaign)
    if not pending:
        return None
    shown = "；".join(f"{name} {code}" for name, code in pending[:8]) + ("等" if len(pending) > 8 else "")
    return _("尚有%(n)s项复核申请未答复：%(d)s。", n=len(pending), d=shown)


def deductions(submission: Submission) -> list[IndicatorResult]:
    """Indicators the department may contest: a decided score below its self-score, a problem, or a veto."""
    out = []
    for r in _results(submission).values():
        if r.reviewed_score is None:
            continue
        below = r.self_score is not None and r.reviewed_score < r.self_score
        if below or r.veto or (r.problem or "").strip():
            out.append(r)
    return sorted(out, key=lambda r: r.indicator_code)


def recheck_open(campaign: Campaign, today: date | None = None) -> bool:
    if campaign.state != CampaignState.RECHECK:
        return False
    today = today or local_today()
    if campaign.recheck_start and today < campaign.recheck_start:
        return False
    return not (campaign.recheck_end and today > campaign.recheck_end)


def create_contest(submission: Submission, code: str, *, actor: User, explanation: str, evidence_url: str = "",
                   evidence_title: str = "", today: date | None = None,
                   evidence_file: tuple[str, bytes] | None = None) -> Contest:
    campaign = submission.campaign
    if campaign.state != CampaignState.RECHECK:
        raise ReviewError(_("复核窗口未开放。"))
    if not recheck_open(campaign, today):
        raise ReviewError(_("复核申请期已结束（截止%(d)s），不能再提出申请。",
                            d=campaign.recheck_end.isoformat() if campaign.recheck_end else "—"))
    if actor.department_id != submission.department_id or actor.role not in DEPARTMENT_STAFF:
        raise ReviewError(_("只有本部门的管理员或填报员可以提出复核申请。"))
    result = next((r for r in deductions(submission) if r.indicator_code == code), None)
    if result is None:
        raise ReviewError(_("该指标没有扣分，无需申请复核。"))
    explanation = (explanation or "").strip()
    if not explanation:
        raise ReviewError(_("请说明申请复核的理由。"), "explanation")
    if len(explanation) > campaign.contest_max_chars:
        raise ReviewError(_("申请说明最多%(n)s个字（现有%(m)s个字）。", n=campaign.contest_max_chars, m=len(explanation)),
                          "explanation")
    if _contest(submission, code) is not None:
        raise ReviewError(_("该指标已提出复核申请。"))
    pending = prepare_evidence(evidence_url, evidence_title, evidence_file)
    contest = Contest(office_id=submission.office_id, department_id=submission.department_id,
                      campaign_id=campaign.id, indicator_code=code, explanation=explanation,
                      created_by_id=actor.id, answer="")
    db.session.add(contest)
    db.session.flush()
    record(submission.office_id, "contest.create", "contest", contest.id, actor=actor,
           new={"indicator": code, "explanation": explanation}, reason=explanation,
           department_id=submission.department_id, campaign_id=campaign.id)
    attach_evidence(pending, office_id=submission.office_id, department_id=submission.department_id,
                    campaign_id=campaign.id, owner_type="contest", owner_id=contest.id, code=code, actor=actor)
    return contest


def deduction_maker(result: IndicatorResult | None) -> int | None:
    return result.decided_by_id if result is not None else None


def may_answer(contest: Contest, user: User) -> str | None:
    """Why ``user`` may not answer this contest (None when they may)."""
    if user.office_id != contest.office_id or user.role not in OFFICE_STAFF:
        return _("只有公开办管理员或评审人员可以答复复核申请。")
    if user.role == Role.REVIEWER and not is_assigned(contest.campaign_id, contest.department_id, user.id):
        return _("您未被分配评审该部门。")
    refusal = conflict_refusal(user, contest.department_id)
    if refusal:
        return refusal
    result = db.session.scalar(select(IndicatorResult).where(
        IndicatorResult.office_id == contest.office_id, IndicatorResult.campaign_id == contest.campaign_id,
        IndicatorResult.department_id == contest.department_id, IndicatorResult.indicator_code == contest.indicator_code))
    if deduction_maker(result) == user.id and len(office_reviewers(contest.office_id)) > 1:
        return _("扣分由您作出，复核须由其他评审人员答复。")
    return None


#: Called as ``fn(contest, actor=...)`` after a contest is answered, in its transaction (``create_app``
#: registers the department's notification here).
AFTER_ANSWER: list[Callable[..., object]] = []


def after_answer(fn: Callable[..., object]) -> None:
    if fn not in AFTER_ANSWER:
        AFTER_ANSWER.append(fn)


def answer_contest(contest: Contest, *, actor: User, outcome: str, version: int, reason: str,
                   new_score: Any = None, evidence_url: str = "", evidence_title: str = "",
                   evidence_file: tuple[str, bytes] | None = None) -> Contest:
    campaign = db.session.get(Campaign, contest.campaign_id)
    if campaign.state != CampaignState.RECHECK:
        raise ReviewError(_("考核不在复核阶段，不能答复。"))
    refusal = may_answer(contest, actor)
    if refusal:
        raise ReviewError(refusal)
    if int(version or 0) != contest.version_id:
        raise ReviewError(_("该复核申请已被他人答复或修改：您看到的是第%(a)s版，现在是第%(b)s版。请刷新后再答复。",
                            a=version or 0, b=contest.version_id), "version")
    try:
        chosen = ContestOutcome(outcome)
    except ValueError:
        raise ReviewError(_("请选择复核结论。"), "outcome") from None
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(_("请填写复核答复理由。"), "reason")
    submission = db.session.scalar(select(Submission).where(
        Submission.office_id == contest.office_id, Submission.campaign_id == contest.campaign_id,
        Submission.department_id == contest.department_id))
    rubric = rubric_of(campaign)
    result = refresh_result(submission, contest.indicator_code, actor=actor, rubric=rubric)
    reviewed = result.reviewed_score if result.reviewed_score is not None else Decimal(0)
    value: Decimal | None = None
    if chosen == ContestOutcome.UPHELD:
        value = result.reviewed_score  # the score upheld: the answer decides even if the review result changes
    elif is_veto(rubric, contest.indicator_code):
        if chosen == ContestOutcome.PARTLY:
            raise ReviewError(_("一票否决项只能维持或更正。"), "outcome")
        value = Decimal(0)
    else:
        value = parse_score(new_score, "new_score")
        check_bounds(rubric, contest.indicator_code, value, "new_score")
        if value == reviewed:
            raise ReviewError(_("复核分与评审分相同，请选择“维持原评分”。"), "new_score")
        if chosen == ContestOutcome.PARTLY and result.self_score is not None and not (reviewed < value < result.self_score):
            raise ReviewError(_("部分采纳时，复核分应高于评审分（%(r)s）且低于自评分（%(s)s）。", r=fmt(reviewed),
                                s=fmt(result.self_score)), "new_score")
    pending = prepare_evidence(evidence_url, evidence_title, evidence_file)
    old = {"outcome": contest.outcome, "new_score": contest.new_score, "answer": contest.answer}
    contest.outcome, contest.new_score, contest.answer = chosen, value, reason
    contest.answered_by_id, contest.answered_at = actor.id, utcnow()
    try:
        db.session.flush()
    except StaleDataError:
        raise ReviewError(_("该复核申请刚被他人答复，请刷新后再看。"), "version") from None
    record(contest.office_id, "contest.answer", "contest", contest.id, actor=actor, old=old,
           new={"outcome": chosen, "new_score": value, "answer": reason}, reason=reason,
           department_id=contest.department_id, campaign_id=contest.campaign_id)
    attach_evidence(pending, office_id=contest.office_id, department_id=contest.department_id,
                    campaign_id=contest.campaign_id, owner_type="contest_answer", owner_id=contest.id,
                    code=contest.indicator_code, actor=actor)
    refresh_result(submission, contest.indicator_code, actor=actor, reason=reason, rubric=rubric)
    for fn in AFTER_ANSWER:
        fn(contest, actor=actor)
    return contest


def contests_for(campaign: Campaign, user: User) -> list[Contest]:
    stmt = select(Contest).where(Contest.office_id == campaign.office_id, Contest.campaign_id == campaign.id)
    if user.role == Role.REVIEWER:
        stmt = stmt.where(Contest.department_id.in_(select(ReviewAssignment.department_id).where(
            ReviewAssignment.campaign_id == campaign.id, ReviewAssignment.reviewer_id == user.id)))
    return list(db.session.scalars(stmt.order_by(Contest.outcome.is_not(None), Contest.created_at)))
