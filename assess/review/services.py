"""Review: assignment, reviewers' scores, the decided result per indicator, re-check contests.

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
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from dataclasses import replace as dataclass_replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .. import scoring
from ..audit.services import record
from ..extensions import db
from ..models import (Answer, Campaign, CampaignState, Contest, ContestOutcome, Evidence, EvidenceKind,
                      IndicatorResult, Membership, ReviewAssignment, ReviewScore, Role, Submission, SubmissionState,
                      User)
from ..models.base import utcnow
from ..rubrics.store import engine_rubric
from ..scoring import engine as _engine
from ..tenancy.roles import DEPARTMENT_STAFF, OFFICE_STAFF

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
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


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


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
        value = Decimal(text)
    except InvalidOperation:
        raise ReviewError(_("“%(v)s”不是有效的分数。", v=text), field_name) from None
    if not value.is_finite():
        raise ReviewError(_("“%(v)s”不是有效的分数。", v=text), field_name)
    return value


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


# --------------------------------------------------------------------------------------------- suggestion


@dataclass(frozen=True)
class Suggestion:
    score: Decimal
    explanation: str
    triggered: bool = False  # veto items
    problems: tuple[str, ...] = ()  # problems with the reported figures of this indicator


def _answer_inputs(answer: Answer | None) -> dict:
    if answer is None or not answer.inputs:
        return {}
    try:
        data = json.loads(answer.inputs)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def suggestions(rubric: scoring.Rubric, answers: dict[str, Answer]) -> dict[str, Suggestion]:
    """The rule's suggestion per indicator, even when some other indicator's figures are faulty.

    The engine's ``score()`` refuses a department with any faulty figure; a reviewer still needs the
    suggestion for every indicator that can be computed, so this evaluates indicator by indicator with
    the engine's own normalisation (faulty figures are left out and reported with the indicator).
    """
    raw = {code: _answer_inputs(a) for code, a in answers.items() if rubric.indicator(code) is not None}
    values, problems = _engine._normalize(rubric, raw)
    by_code: dict[str, list[str]] = {}
    for p in problems:
        by_code.setdefault(p.path.split(".", 1)[0], []).append(p.message)
    out: dict[str, Suggestion] = {}
    for ind in rubric.all_indicators():
        figs = _engine.figures_of(ind, values.get(ind.code, {}))
        handler = scoring.RULES[ind.rule.kind]
        value, zh, _en = handler.evaluate(ind.rule, ind, figs)
        triggered = ind.rule.kind == "veto" and _engine.Veto.triggered(ind.rule, figs)
        out[ind.code] = Suggestion(_engine.q(value), zh, triggered, tuple(by_code.get(ind.code, ())))
    return out


# --------------------------------------------------------------------------------------------- assignment


def conflict_days() -> int:
    if has_app_context():
        return int(current_app.config.get("REVIEW_CONFLICT_DAYS", DEFAULT_CONFLICT_DAYS))
    return DEFAULT_CONFLICT_DAYS


def has_conflict(reviewer: User, department_id: int, *, days: int | None = None, now: datetime | None = None) -> bool:
    """The reviewer belongs, or belonged within ``days`` (config REVIEW_CONFLICT_DAYS), to the department."""
    if reviewer.department_id == department_id:
        return True
    since = (now or utcnow()) - timedelta(days=conflict_days() if days is None else days)
    n = db.session.scalar(
        select(func.count()).select_from(Membership).where(
            Membership.office_id == reviewer.office_id, Membership.user_id == reviewer.id,
            Membership.department_id == department_id,
            or_(Membership.ended_at.is_(None), Membership.ended_at >= since))
    )
    return bool(n)


def office_reviewers(office_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.office_id == office_id, User.role.in_(OFFICE_STAFF), User.active.is_(True))
        .order_by(User.role.desc(), User.username)))


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


def assign(campaign: Campaign, department_id: int, reviewer: User, *, actor, lead: bool | None = None) -> ReviewAssignment:
    """Assign one reviewer to one department of the campaign (at most two; the first one leads)."""
    if campaign.state in (CampaignState.PUBLISHED, CampaignState.CLOSED):
        raise ReviewError(_("考核已发布或结束，不能再分配评审。"))
    if reviewer.office_id != campaign.office_id or reviewer.role not in OFFICE_STAFF or not reviewer.active:
        raise ReviewError(_("“%(u)s”不是本单位可用的评审人员。", u=reviewer.display_name), "reviewer_id")
    sub = _submission(campaign, department_id)
    if sub is None:
        raise ReviewError(_("该部门未参加本次考核。"), "department_ids")
    if has_conflict(reviewer, department_id):
        raise ReviewError(_("%(u)s现在或近%(n)s天内属于“%(d)s”，存在利益冲突，不能评审该部门。",
                            u=reviewer.display_name, n=conflict_days(), d=sub.department_name), "reviewer_id")
    current = assignments_of(campaign, department_id)
    if any(a.reviewer_id == reviewer.id for a in current):
        raise ReviewError(_("%(u)s已被分配评审“%(d)s”。", u=reviewer.display_name, d=sub.department_name),
                          "reviewer_id")
    if len(current) >= MAX_REVIEWERS:
        raise ReviewError(_("“%(d)s”已有两名评审人员。", d=sub.department_name), "reviewer_id")
    is_lead = (not current) if lead is None else lead
    if is_lead:
        for a in current:
            a.is_lead = False
    row = ReviewAssignment(office_id=campaign.office_id, department_id=department_id, campaign_id=campaign.id,
                           reviewer_id=reviewer.id, is_lead=is_lead)
    db.session.add(row)
    db.session.flush()
    record(campaign.office_id, "review.assign", "review_assignment", row.id, actor=actor,
           new={"reviewer": reviewer.username, "lead": is_lead}, department_id=department_id, campaign_id=campaign.id)
    return row


@dataclass
class BulkOutcome:
    assigned: int = 0
    skipped: list[str] = field(default_factory=list)


def assign_many(campaign: Campaign, department_ids: Iterable[int], reviewer: User, *, actor,
                second: User | None = None) -> BulkOutcome:
    """Assign ``reviewer`` (and optionally ``second``) to many departments; refusals are collected, not fatal."""
    if second is not None and second.id == reviewer.id:
        raise ReviewError(_("第二评审人员不能与第一评审人员相同。"), "second_id")
    out = BulkOutcome()
    for dept_id in department_ids:
        for person in ([reviewer, second] if second is not None else [reviewer]):
            try:
                with db.session.begin_nested():
                    assign(campaign, dept_id, person, actor=actor)
                out.assigned += 1
            except ReviewError as exc:
                out.skipped.append(str(exc))
    return out


def unassign(assignment: ReviewAssignment, *, actor) -> None:
    scored = db.session.scalar(select(func.count()).select_from(ReviewScore).where(
        ReviewScore.office_id == assignment.office_id, ReviewScore.campaign_id == assignment.campaign_id,
        ReviewScore.department_id == assignment.department_id, ReviewScore.reviewer_id == assignment.reviewer_id))
    if scored:
        raise ReviewError(_("该评审人员已评分%(n)s项，不能取消分配。", n=scored))
    others = [a for a in assignments_of(assignment_campaign(assignment), assignment.department_id)
              if a.id != assignment.id]
    if assignment.is_lead and others:
        others[0].is_lead = True
    record(assignment.office_id, "review.unassign", "review_assignment", assignment.id, actor=actor,
           old={"reviewer_id": assignment.reviewer_id, "lead": assignment.is_lead},
           department_id=assignment.department_id, campaign_id=assignment.campaign_id)
    campaign = assignment_campaign(assignment)
    db.session.delete(assignment)
    db.session.flush()
    # results waiting for the removed reviewer are decided by the one who remains
    sub = _submission(campaign, assignment.department_id)
    if sub is not None and _results(sub):
        refresh_submission(sub, actor=actor, reason=_("取消分配评审人员"))


def set_lead(assignment: ReviewAssignment, *, actor) -> None:
    """Make this reviewer the department's lead (the other one stops being lead); results are re-decided."""
    campaign = assignment_campaign(assignment)
    if campaign.state in (CampaignState.PUBLISHED, CampaignState.CLOSED):
        raise ReviewError(_("考核已发布或结束，不能再调整评审分工。"))
    if assignment.is_lead:
        return
    for a in assignments_of(campaign, assignment.department_id):
        a.is_lead = a.id == assignment.id
    db.session.flush()
    record(assignment.office_id, "review.set_lead", "review_assignment", assignment.id, actor=actor,
           new={"reviewer_id": assignment.reviewer_id}, department_id=assignment.department_id,
           campaign_id=assignment.campaign_id)
    sub = _submission(campaign, assignment.department_id)
    if sub is not None and _results(sub):
        refresh_submission(sub, actor=actor, reason=_("更换组长"))


def assignment_campaign(a: ReviewAssignment) -> Campaign:
    return db.session.get(Campaign, a.campaign_id)


def is_assigned(campaign_id: int, department_id: int, user_id: int) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(ReviewAssignment).where(
        ReviewAssignment.campaign_id == campaign_id, ReviewAssignment.department_id == department_id,
        ReviewAssignment.reviewer_id == user_id)))


def may_review(user: User, submission: Submission) -> bool:
    """Reviewers review only what they are assigned; office administrators may act on any department."""
    if user.office_id != submission.office_id:
        return False
    if user.role == Role.OFFICE_ADMIN:
        return True
    return user.role == Role.REVIEWER and is_assigned(submission.campaign_id, submission.department_id, user.id)


def score_owner(submission: Submission, user: User, requested: int | None = None) -> int:
    """Whose score row ``user`` edits: their own if assigned; an office administrator edits an assigned
    reviewer's row (the lead's, or ``requested``)."""
    assigned = assignments_of(submission.campaign, submission.department_id)
    ids = [a.reviewer_id for a in assigned]
    if user.id in ids:
        return user.id
    if user.role != Role.OFFICE_ADMIN:
        raise ReviewError(_("您未被分配评审该部门。"))
    if not ids:
        raise ReviewError(_("请先为该部门分配评审人员。"))
    return requested if requested in ids else ids[0]


# --------------------------------------------------------------------------------------------- reviewing


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


def _snapshot(r: IndicatorResult) -> dict:
    return {"self": r.self_score, "suggested": r.suggested_score, "reviewed": r.reviewed_score,
            "recheck": r.recheck_score, "final": r.final_score, "veto": bool(r.veto), "problem": r.problem,
            "needs_lead": bool(r.needs_lead)}


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


@dataclass(frozen=True)
class PendingEvidence:
    """Checked evidence not yet written (checks run before anything is saved: a refusal loses nothing)."""

    kind: EvidenceKind
    title: str
    url: str | None = None
    text: str | None = None
    data: bytes | None = None
    checked: Any = None


def prepare_evidence(url: str, title: str, file: tuple[str, bytes] | None = None) -> list[PendingEvidence]:
    """Check a link, a text excerpt and/or a file (content-checked by the evidence capability's rules)."""
    url, title = (url or "").strip(), (title or "").strip()
    if len(title) > 200:
        raise ReviewError(_("证据说明最多200个字。"), "evidence_title")
    out: list[PendingEvidence] = []
    if file is not None and file[1]:
        from ..evidence import services as evidence  # the shared file checks and storage

        try:
            checked = evidence.check_file(file[0], file[1])
        except evidence.EvidenceError as exc:
            raise ReviewError(str(exc), "evidence_file") from None
        out.append(PendingEvidence(EvidenceKind.FILE, title or checked.filename[:200], data=file[1], checked=checked))
        title = ""  # the title went with the file
    if url:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or any(ch.isspace() for ch in url):
            raise ReviewError(_("证据链接应以 http:// 或 https:// 开头，且不含空格。"), "evidence_url")
        if len(url) > 2000:
            raise ReviewError(_("证据链接过长（最多2000个字符）。"), "evidence_url")
        out.append(PendingEvidence(EvidenceKind.LINK, (title or url)[:200], url=url))
    elif title and not out:
        out.append(PendingEvidence(EvidenceKind.EXCERPT, title[:200], text=title))
    return out


def attach_evidence(pending: list[PendingEvidence], *, office_id: int, department_id: int, campaign_id: int,
                    owner_type: str, owner_id: int, code: str, actor) -> list[Evidence]:
    added = []
    for p in pending:
        ev = Evidence(office_id=office_id, department_id=department_id, campaign_id=campaign_id, owner_type=owner_type,
                      owner_id=owner_id, indicator_code=code, kind=p.kind, title=p.title, url=p.url, text=p.text,
                      created_by_id=getattr(actor, "id", None))
        if p.kind == EvidenceKind.FILE:
            from ..evidence import services as evidence

            ev.storage_key = evidence.store_file(office_id, department_id, p.data, p.checked,
                                                 error=ReviewError, field="evidence_file")
            ev.filename, ev.content_type = p.checked.filename, p.checked.content_type
            ev.size, ev.sha256 = p.checked.size, p.checked.sha256
        db.session.add(ev)
        db.session.flush()
        record(office_id, "evidence.add", "evidence", ev.id, actor=actor,
               new={"owner": owner_type, "owner_id": owner_id, "indicator": code, "kind": ev.kind.value,
                    "title": ev.title, "url": ev.url, "filename": ev.filename, "sha256": ev.sha256},
               department_id=department_id, campaign_id=campaign_id)
        added.append(ev)
    return added


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


def is_lead(submission: Submission, user: User) -> bool:
    if user.role == Role.OFFICE_ADMIN and user.office_id == submission.office_id:
        return True
    return any(a.reviewer_id == user.id and a.is_lead for a in assignments_of(submission.campaign,
                                                                               submission.department_id))


def lead_decide(submission: Submission, code: str, *, actor: User, version: int, score: Any = None,
                veto: bool = False, problem: str = "", reason: str = "") -> IndicatorResult:
    """The lead reviewer's (or an office administrator's) final decision where two reviewers differ."""
    _require_reviewable(submission)
    if not is_lead(submission, actor):
        raise ReviewError(_("只有组长（主评审）或公开办管理员可以作出最终裁定。"))
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


# --------------------------------------------------------------------------------------------- sheets


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


def evidence_for(office_id: int, owner_type: str, owner_ids: Iterable[int]) -> dict[int, list[Evidence]]:
    ids = list(owner_ids)
    if not ids:
        return {}
    out: dict[int, list[Evidence]] = {}
    for ev in db.session.scalars(select(Evidence).where(
            Evidence.office_id == office_id, Evidence.owner_type == owner_type, Evidence.owner_id.in_(ids),
            Evidence.deleted_at.is_(None)).order_by(Evidence.id)):
        out.setdefault(ev.owner_id, []).append(ev)
    return out


def department_evidence(submission: Submission) -> dict[str, list[Evidence]]:
    """The department's own evidence per indicator (the evidence capability stores it on the submission)."""
    out: dict[str, list[Evidence]] = {}
    for ev in db.session.scalars(select(Evidence).where(
            Evidence.office_id == submission.office_id, Evidence.owner_type == "submission",
            Evidence.owner_id == submission.id, Evidence.deleted_at.is_(None)).order_by(Evidence.id)):
        out.setdefault(ev.indicator_code or "", []).append(ev)
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


def progress(campaign: Campaign, reviewer_id: int | None = None) -> list[dict]:
    """Per assigned submission: scored indicators (by ``reviewer_id``, or decided ones) of the total."""
    rubric = rubric_of(campaign)
    total = len(indicator_codes(rubric))
    subs = db.session.scalars(select(Submission).where(
        Submission.office_id == campaign.office_id, Submission.campaign_id == campaign.id)
        .order_by(Submission.group_name, Submission.department_name)).all()
    if reviewer_id is not None:
        mine = set(db.session.scalars(select(ReviewAssignment.department_id).where(
            ReviewAssignment.office_id == campaign.office_id, ReviewAssignment.campaign_id == campaign.id,
            ReviewAssignment.reviewer_id == reviewer_id)))
        subs = [s for s in subs if s.department_id in mine]
        counts = dict(db.session.execute(
            select(ReviewScore.department_id, func.count()).where(
                ReviewScore.office_id == campaign.office_id, ReviewScore.campaign_id == campaign.id,
                ReviewScore.reviewer_id == reviewer_id).group_by(ReviewScore.department_id)).all())
    else:
        counts = dict(db.session.execute(
            select(IndicatorResult.department_id, func.count()).where(
                IndicatorResult.office_id == campaign.office_id, IndicatorResult.campaign_id == campaign.id,
                IndicatorResult.reviewed_score.is_not(None)).group_by(IndicatorResult.department_id)).all())
    leads = dict(db.session.execute(
        select(IndicatorResult.department_id, func.count()).where(
            IndicatorResult.office_id == campaign.office_id, IndicatorResult.campaign_id == campaign.id,
            IndicatorResult.needs_lead.is_(True)).group_by(IndicatorResult.department_id)).all())
    return [{"submission": s, "done": counts.get(s.department_id, 0), "total": total,
             "needs_lead": leads.get(s.department_id, 0), "submitted": s.state == SubmissionState.SUBMITTED}
            for s in subs]


@dataclass(frozen=True)
class ProgressSummary:
    done: int  # indicators scored/decided, over submitted departments only
    total: int  # indicators to review: submitted departments × indicators
    departments: int  # submitted (reviewable) departments
    not_submitted: int  # departments that never submitted: nothing to review, shown apart


def progress_summary(rows: list[dict]) -> ProgressSummary:
    """Sum :func:`progress` rows over the departments that can be reviewed. A department that never
    submitted has nothing to review; counting it made a reviewer's progress read 0/504."""
    reviewable = [p for p in rows if p["submitted"]]
    return ProgressSummary(sum(p["done"] for p in reviewable), sum(p["total"] for p in reviewable),
                           len(reviewable), len(rows) - len(reviewable))


@dataclass(frozen=True)
class Blocker:
    """One thing that keeps an indicator of a department undecided: where, and what is waited for."""

    department_id: int
    department_name: str
    codes: tuple[str, ...]
    why: str


def _codes_text(codes: tuple[str, ...], total: int) -> str:
    if len(codes) == total:
        return _("全部%(n)s项指标", n=total)
    if len(codes) > 4:
        return _("%(c)s等%(n)s项指标", c="、".join(codes[:4]), n=len(codes))
    return "、".join(codes)


def review_blockers(campaign: Campaign) -> list[Blocker]:
    """Why submitted departments still have undecided indicators, per department and cause: no reviewer
    assigned, waiting for a named reviewer's score, or waiting for the lead reviewer's decision."""
    rubric = rubric_of(campaign)
    codes = indicator_codes(rubric)
    subs = db.session.execute(select(Submission.department_id, Submission.department_name).where(
        Submission.office_id == campaign.office_id, Submission.campaign_id == campaign.id,
        Submission.state == SubmissionState.SUBMITTED).order_by(Submission.group_name, Submission.department_name)).all()
    if not subs:
        return []
    decided: dict[int, set[str]] = {}
    needs_lead: dict[int, set[str]] = {}
    for dept_id, code, final, lead in db.session.execute(select(
            IndicatorResult.department_id, IndicatorResult.indicator_code, IndicatorResult.final_score,
            IndicatorResult.needs_lead).where(
            IndicatorResult.office_id == campaign.office_id, IndicatorResult.campaign_id == campaign.id)):
        if final is not None:
            decided.setdefault(dept_id, set()).add(code)
        elif lead:
            needs_lead.setdefault(dept_id, set()).add(code)
    waiting = {dept_id for dept_id, _name in subs if len(decided.get(dept_id, ())) < len(codes)}
    if not waiting:
        return []
    assigned: dict[int, list[int]] = {}
    for dept_id, reviewer_id in db.session.execute(select(ReviewAssignment.department_id, ReviewAssignment.reviewer_id)
                                                   .where(ReviewAssignment.office_id == campaign.office_id,
                                                          ReviewAssignment.campaign_id == campaign.id)
                                                   .order_by(ReviewAssignment.is_lead.desc(), ReviewAssignment.id)):
        if dept_id in waiting:
            assigned.setdefault(dept_id, []).append(reviewer_id)
    scored: dict[tuple[int, int], set[str]] = {}
    for dept_id, reviewer_id, code in db.session.execute(select(
            ReviewScore.department_id, ReviewScore.reviewer_id, ReviewScore.indicator_code).where(
            ReviewScore.office_id == campaign.office_id, ReviewScore.campaign_id == campaign.id)):
        if dept_id in waiting:
            scored.setdefault((dept_id, reviewer_id), set()).add(code)
    names = _names(r for people in assigned.values() for r in people)
    out: list[Blocker] = []
    for dept_id, dept_name in subs:
        if dept_id not in waiting:
            continue
        open_codes = [c for c in codes if c not in decided.get(dept_id, set())]
        people = assigned.get(dept_id, [])
        if not people:
            out.append(Blocker(dept_id, dept_name, tuple(open_codes), _("未分配评审人员")))
            continue
        lead_codes = tuple(c for c in open_codes if c in needs_lead.get(dept_id, set()))
        if lead_codes:
            out.append(Blocker(dept_id, dept_name, lead_codes, _("两名评审人员评分相差超过阈值，待组长裁定")))
        explained = set(lead_codes)
        for reviewer_id in people:
            missing = tuple(c for c in open_codes if c not in lead_codes
                            and c not in scored.get((dept_id, reviewer_id), set()))
            if missing:
                explained.update(missing)
                out.append(Blocker(dept_id, dept_name, missing,
                                   _("待%(u)s评分", u=names.get(reviewer_id, str(reviewer_id)))))
        rest = tuple(c for c in open_codes if c not in explained)
        if rest:  # scored, yet no decided result: never let the check pass on it
            out.append(Blocker(dept_id, dept_name, rest, _("尚未定分")))
    return out


def _blocker_text(blockers: list[Blocker], total: int, limit: int = 8) -> str:
    parts = [_("%(d)s：%(c)s（%(w)s）", d=b.department_name, c=_codes_text(b.codes, total), w=b.why)
             for b in blockers[:limit]]
    more = _("；另有%(n)s处", n=len(blockers) - limit) if len(blockers) > limit else ""
    return "；".join(parts) + more


def review_complete(campaign: Campaign) -> str | None:
    """Campaign precondition (review → re-check, re-check → published): every submitted department has
    every indicator decided. Returns the refusal reason — which department, which indicators, what they
    wait for — or None."""
    blockers = review_blockers(campaign)
    if not blockers:
        return None
    total = len(indicator_codes(rubric_of(campaign)))
    departments = len({b.department_id for b in blockers})
    return _("评审尚未完成：%(n)s个部门仍有指标未定分。%(detail)s。", n=departments,
             detail=_blocker_text(blockers, total))


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


# --------------------------------------------------------------------------------------------- re-check


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
    result = db.session.scalar(select(IndicatorResult).where(
        IndicatorResult.office_id == contest.office_id, IndicatorResult.campaign_id == contest.campaign_id,
        IndicatorResult.department_id == contest.department_id, IndicatorResult.indicator_code == contest.indicator_code))
    if deduction_maker(result) == user.id and len(office_reviewers(contest.office_id)) > 1:
        return _("扣分由您作出，复核须由其他评审人员答复。")
    return None


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
    return contest


def contests_for(campaign: Campaign, user: User) -> list[Contest]:
    stmt = select(Contest).where(Contest.office_id == campaign.office_id, Contest.campaign_id == campaign.id)
    if user.role == Role.REVIEWER:
        stmt = stmt.where(Contest.department_id.in_(select(ReviewAssignment.department_id).where(
            ReviewAssignment.campaign_id == campaign.id, ReviewAssignment.reviewer_id == user.id)))
    return list(db.session.scalars(stmt.order_by(Contest.outcome.is_not(None), Contest.created_at)))


# --------------------------------------------------------------------------------------------- standing findings


@dataclass(frozen=True)
class Finding:
    """A reviewer's finding that stands: what goes downstream (problem export, circular, rectification)."""

    department_id: int
    department_name: str
    group_name: str
    code: str
    title: str
    section: str  # area code, "bonus" or "veto"
    section_title: str
    points: Decimal  # the indicator's maximum
    self_score: Decimal | None
    final_score: Decimal
    problem: str  # the reviewer's (or lead's) problem statement; may be empty for a veto
    deducted: Decimal | None  # points the finding cost (self-score, or its reference, − final); None for veto items
    veto: bool
    result_id: int
    evidence: tuple[Evidence, ...] = ()  # the reviewers' evidence on this indicator


def overturned(final_score: Decimal | None, outcome: ContestOutcome | None, *, reference: Decimal,
               veto_item: bool) -> bool:
    """Whether an answered contest took the finding back: 予以更正/部分采纳 that leaves nothing deducted
    (the self-score restored), or a veto corrected. A contest upheld, or partly granted with points still
    deducted, leaves the finding standing (with what is still deducted)."""
    if outcome is None or outcome == ContestOutcome.UPHELD:
        return False
    if veto_item:
        return outcome == ContestOutcome.CHANGED
    return final_score is not None and final_score >= reference


def standing_findings(campaign: Campaign, *, department_id: int | None = None,
                      with_evidence: bool = True) -> list[Finding]:
    """The findings of ``campaign`` that stand: a decided indicator with a problem statement (or a veto)
    whose contest, if any, did not overturn it (:func:`overturned`). In department and rubric order.

    The one source of "problems" for everything downstream of review — the problem export, the
    circular's 存在的主要问题 and the rectification notices — so that a finding a contest overturned never
    reappears there. Not claiming a bonus is no finding (it has no problem statement).
    """
    rubric = rubric_of(campaign)
    order = {code: n for n, code in enumerate(indicator_codes(rubric))}
    ir, ct, sub = IndicatorResult, Contest, Submission
    stmt = (select(ir.id, ir.department_id, ir.indicator_code, ir.self_score, ir.final_score, ir.problem, ir.veto,
                   ct.outcome, sub.department_name, sub.group_name)
            .outerjoin(sub, (sub.office_id == ir.office_id) & (sub.campaign_id == ir.campaign_id)
                       & (sub.department_id == ir.department_id))
            .outerjoin(ct, (ct.office_id == ir.office_id) & (ct.campaign_id == ir.campaign_id)
                       & (ct.department_id == ir.department_id) & (ct.indicator_code == ir.indicator_code))
            .where(ir.office_id == campaign.office_id, ir.campaign_id == campaign.id,
                   or_(ir.final_score.is_not(None), ir.veto.is_(True)), or_(ir.problem != "", ir.veto.is_(True))))
    if department_id is not None:
        stmt = stmt.where(ir.department_id == department_id)
    titles = {a.code: a.title for a in rubric.areas}
    titles.update({"bonus": _("加分项"), "veto": _("一票否决项")})
    found: list[Finding] = []
    for row in db.session.execute(stmt):
        ind = rubric.indicator(row.indicator_code)
        if ind is None or not ((row.problem or "").strip() or row.veto):
            continue
        veto_item = ind.rule.kind == "veto"
        reference = reference_score(rubric, ind.code, row.self_score)
        if overturned(row.final_score, row.outcome, reference=reference, veto_item=veto_item):
            continue
        final = row.final_score if row.final_score is not None else Decimal(0)  # a veto decides even unscored
        deducted = None if veto_item else max(reference - final, Decimal(0))
        section = rubric.section_of(ind.code)
        found.append(Finding(row.department_id, row.department_name or "", row.group_name or "", ind.code, ind.title,
                             section, str(titles.get(section, section)), ind.points, row.self_score,
                             final, (row.problem or "").strip(), deducted, bool(row.veto), row.id))
    found.sort(key=lambda f: (f.group_name, f.department_name, f.department_id, order.get(f.code, 0)))
    if with_evidence and found:
        keys = {(f.department_id, f.code) for f in found}
        scores = db.session.execute(select(ReviewScore.id, ReviewScore.department_id, ReviewScore.indicator_code)
                                    .where(ReviewScore.office_id == campaign.office_id,
                                           ReviewScore.campaign_id == campaign.id,
                                           *([ReviewScore.department_id == department_id] if department_id else [])))
        owner = {sid: (d, c) for sid, d, c in scores if (d, c) in keys}
        by_key: dict[tuple[int, str], list[Evidence]] = {}
        ids = sorted(owner)
        for start in range(0, len(ids), 5000):  # bounded IN lists at a province's scale
            for sid, items in evidence_for(campaign.office_id, "review", ids[start:start + 5000]).items():
                by_key.setdefault(owner[sid], []).extend(items)
        found = [dataclass_replace(f, evidence=tuple(by_key.get((f.department_id, f.code), ()))) for f in found]
    return found


# --------------------------------------------------------------------------------------------- waterfall


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


def _names(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}


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
                      ("" if result is None or result.final_score is not None else _("尚未定分"))))
    return steps


def results_table(submission: Submission) -> list[tuple[scoring.Indicator, IndicatorResult | None, Contest | None]]:
    rubric = rubric_of(submission.campaign)
    results = _results(submission)
    contests = {c.indicator_code: c for c in db.session.scalars(select(Contest).where(
        Contest.office_id == submission.office_id, Contest.campaign_id == submission.campaign_id,
        Contest.department_id == submission.department_id))}
    return [(ind, results.get(ind.code), contests.get(ind.code)) for ind in rubric.all_indicators()]


# --------------------------------------------------------------------------------------------- bulk (demo, import)


Plan = dict[int, dict[str, tuple[Decimal, str, str]]]  # reviewer id → code → (score, problem, reason)
Lead = tuple[Decimal, str, str, int]  # (score, problem, reason, lead reviewer id)


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
    from ..ranking.sums import refresh

    refresh(db.session.connection(), campaign.office_id, campaign.id, plans)  # bulk rows bypass the ORM hook
    record(campaign.office_id, "review.bulk", "campaign", campaign.id, actor=actor,
           new={"departments": len(plans), "scores": len(score_rows), "deductions": summary},
           reason=_("批量评审"), campaign_id=campaign.id)
    return len(result_rows)


def _register_preconditions() -> None:
    """Let the campaign state machine refuse re-check/publication while reviews are unfinished."""
    try:
        from ..campaigns.services import PRECONDITIONS
    except ImportError:  # campaigns capability not installed
        return
    for state in (CampaignState.RECHECK, CampaignState.PUBLISHED):
        checks = PRECONDITIONS.setdefault(state, [])
        if review_complete not in checks:
            checks.append(review_complete)
    checks = PRECONDITIONS.setdefault(CampaignState.PUBLISHED, [])
    if contests_answered not in checks:
        checks.append(contests_answered)


_register_preconditions()
