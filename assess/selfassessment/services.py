"""A department's self-assessment: answers per indicator, drafts, the editor → leader → submit flow,
returns, late marking, the readiness check and carry-over from last year.

Public functions other capabilities use:
- :func:`scoring_inputs` — a submission's reported figures in the engine's shape (``{code: {name: value}}``).
- :func:`self_scores` — the department's self-scores (``{code: Decimal}``).
- :func:`answers_of` — the Answer rows by indicator code.
- :func:`rubric_of` — the parsed (frozen) rubric of a campaign.
- :func:`campaign_answers` — all answers of a campaign in one query (department id → code → Answer).
- :func:`readiness` / :func:`progress` — what is missing or questionable in a submission.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Mapping

from flask_babel import gettext as _
from sqlalchemy import select, update

from .. import scoring
from ..audit.services import record
from ..clock import local_today
from ..extensions import db
from ..models import (Answer, Campaign, CampaignState, Evidence, EvidenceKind, Role, Submission, SubmissionState,
                      User)
from ..models.base import utcnow
from ..rubrics import store
from ..scoring.explain import num, q
from ..tenancy.roles import DEPARTMENT_STAFF

EDITABLE = (SubmissionState.NOT_STARTED, SubmissionState.IN_PROGRESS, SubmissionState.RETURNED)
NO_SELF_SCORE = ("veto",)  # kinds that carry no score


class SelfAssessmentError(ValueError):
    """A refusal with a user-facing message; ``field`` names the input, ``errors`` maps several fields."""

    def __init__(self, message: str, field: str | None = None, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.field = field
        self.errors = errors or ({field: message} if field else {})


class AnswerConflict(Exception):
    """Someone saved the indicator since the form was opened: both versions go back to the user."""

    def __init__(self, mine: dict, theirs: dict):
        super().__init__(_("该指标已被他人修改。"))
        self.mine = mine
        self.theirs = theirs


# --- reading -------------------------------------------------------------------------------------------


def rubric_of(campaign: Campaign) -> scoring.Rubric:
    return store.engine_rubric(campaign.rubric)


def answers_of(submission: Submission) -> dict[str, Answer]:
    rows = db.session.scalars(select(Answer).where(
        Answer.office_id == submission.office_id, Answer.submission_id == submission.id))
    return {a.indicator_code: a for a in rows}


def stored_inputs(answer: Answer | None) -> dict[str, Any]:
    if answer is None or not answer.inputs:
        return {}
    try:
        value = json.loads(answer.inputs)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def scoring_inputs(submission: Submission) -> dict[str, dict[str, Any]]:
    """The figures a department reported, ready for ``scoring.score`` (strings are read as numbers there)."""
    return {code: stored_inputs(a) for code, a in answers_of(submission).items()}


def self_scores(submission: Submission) -> dict[str, Decimal]:
    return {code: a.self_score for code, a in answers_of(submission).items() if a.self_score is not None}


def campaign_answers(campaign: Campaign) -> dict[int, dict[str, Answer]]:
    """Every answer of a campaign in one query: department id → indicator code → Answer."""
    out: dict[int, dict[str, Answer]] = {}
    for a in db.session.scalars(select(Answer).where(Answer.office_id == campaign.office_id,
                                                     Answer.campaign_id == campaign.id)):
        out.setdefault(a.department_id, {})[a.indicator_code] = a
    return out


def can_edit(submission: Submission, user: User) -> bool:
    return (user.role in DEPARTMENT_STAFF and user.department_id == submission.department_id
            and submission.campaign.state == CampaignState.SELF_ASSESSMENT and submission.state in EDITABLE)


def require_edit(submission: Submission, user: User) -> None:
    """Refuse a change to ``submission`` by ``user`` unless it is open for editing: the one rule every path
    that writes a self-assessment answer or its evidence (the form, the API, the imports) applies."""
    if submission.campaign.state != CampaignState.SELF_ASSESSMENT:
        raise SelfAssessmentError(_("考核不在自评阶段，不能修改。"))
    if submission.state not in EDITABLE:
        raise SelfAssessmentError(_("自评表已送审或已提交，不能修改。"))
    if user.role not in DEPARTMENT_STAFF or user.department_id != submission.department_id:
        raise SelfAssessmentError(_("只有本部门的填报人员可以修改。"))


# --- one indicator: parsing, suggestion, saving ---------------------------------------------------------


def parse_inputs(rubric: scoring.Rubric, ind: scoring.Indicator, raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Form values → stored values (blank = not given) and errors per input name (the engine's messages)."""
    given: dict[str, Any] = {}
    for spec in ind.inputs:
        value = raw.get(spec.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, str):
            value = value.strip()
            if spec.type == "boolean":
                value = {"true": True, "false": False, "1": True, "0": False}.get(value.lower(), value)
        given[spec.name] = value
    errors: dict[str, str] = {}
    for p in scoring.validate_inputs(rubric, {ind.code: given}):
        head, _sep, name = p.path.partition(".")
        if head == ind.code and name in given:
            errors[name] = p.message
    for name in errors:
        given.pop(name, None)
    return given, errors


def _typed(ind: scoring.Indicator, values: Mapping[str, Any]) -> dict[str, Any]:
    typed: dict[str, Any] = {}
    for spec in ind.inputs:
        if spec.name not in values:
            continue
        v = values[spec.name]
        if spec.numeric:
            typed[spec.name] = Decimal(str(v))
        elif spec.type == "boolean":
            typed[spec.name] = v if isinstance(v, bool) else str(v).lower() in ("true", "是", "有")
        else:
            typed[spec.name] = v
    return typed


def missing_inputs(ind: scoring.Indicator, values: Mapping[str, Any]) -> list[scoring.InputSpec]:
    return [s for s in ind.inputs if s.required and s.name not in values]


def suggest(ind: scoring.Indicator, values: Mapping[str, Any]) -> tuple[Decimal | None, str]:
    """The rule's score for these figures with its explanation; None while required figures are missing."""
    if ind.rule.kind == "judgement":
        return None, _("本项由评审人员评定，请在自评分中填写本单位的估计分。")
    if ind.rule.kind == "veto":
        return None, ""
    missing = missing_inputs(ind, values)
    if missing:
        return None, _("请先填写：%(items)s", items="、".join(s.label for s in missing))
    figs = scoring.figures_of(ind, _typed(ind, values))
    value, zh, _en = scoring.RULES[ind.rule.kind].evaluate(ind.rule, ind, figs)
    return q(value), zh


def parse_score(raw: Any) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        return scoring.typed_number(raw)  # the one reader of typed numbers: no exponent, NaN or overlong
    except ValueError:
        raise SelfAssessmentError(_("自评分应为数字。"), "self_score") from None


def answer_snapshot(answer: Answer | None) -> dict:
    if answer is None:
        return {"version": 0, "inputs": {}, "self_score": None, "self_score_reason": "", "explanation": ""}
    who = db.session.get(User, answer.updated_by_id) if answer.updated_by_id else None
    return {
        "version": answer.version_id, "inputs": stored_inputs(answer),
        "self_score": None if answer.self_score is None else num(answer.self_score),
        "suggested_score": None if answer.suggested_score is None else num(answer.suggested_score),
        "self_score_reason": answer.self_score_reason, "explanation": answer.explanation,
        "carried_over": answer.carried_over,
        "updated_by": who.display_name if who else "", "updated_at": answer.updated_at.isoformat() if answer.updated_at else "",
    }


def touch(submission: Submission, *, started: bool = False) -> None:
    """Record the time of the last change without bumping the submission's version (editors of different
    indicators must not collide on it). The update only matches an editable submission, so an edit racing
    a concurrent "send to leader" is refused instead of slipping into a frozen form."""
    now = utcnow()
    res = db.session.execute(update(Submission).where(
        Submission.id == submission.id, Submission.state.in_(EDITABLE)).values(last_change_at=now))
    if res.rowcount != 1:
        raise SelfAssessmentError(_("自评表已送审或已提交，不能修改。"))
    if started:
        db.session.execute(update(Submission).where(
            Submission.id == submission.id, Submission.state == SubmissionState.NOT_STARTED)
            .values(state=SubmissionState.IN_PROGRESS))


@dataclass
class SaveResult:
    answer: Answer
    suggested: Decimal | None
    explanation: str
    changed: bool


def save_answer(submission: Submission, code: str, *, actor: User, inputs: Mapping[str, Any],
                self_score: Any = None, self_score_reason: str = "", explanation: str = "",
                expected_version: int | None = None) -> SaveResult:
    """Validate and store one indicator's draft. Errors by field raise SelfAssessmentError (nothing stored);
    a stale ``expected_version`` raises AnswerConflict with both versions."""
    require_edit(submission, actor)
    rubric = rubric_of(submission.campaign)
    ind = rubric.indicator(code)
    if ind is None:
        raise SelfAssessmentError(_("未知指标“%(c)s”。", c=code))
    answer = answers_of_code(submission, code)
    values, errors = parse_inputs(rubric, ind, inputs)
    reason = (self_score_reason or "").strip()
    text = (explanation or "").strip()
    mine = {"inputs": {k: (v if isinstance(v, (bool, str)) else str(v)) for k, v in inputs.items()},
            "self_score": "" if self_score is None else str(self_score), "self_score_reason": reason,
            "explanation": text}
    current_version = answer.version_id if answer else 0
    stale = expected_version is not None and int(expected_version) != current_version
    if stale and errors:
        raise AnswerConflict(mine, answer_snapshot(answer))
    suggested, why = suggest(ind, values)
    score = None
    if ind.rule.kind not in NO_SELF_SCORE:
        try:
            score = parse_score(self_score)
        except SelfAssessmentError as exc:
            errors["self_score"] = str(exc)
        else:
            if score is not None:
                b = scoring.bounds(rubric, code)
                if not b.contains(score):
                    errors["self_score"] = _("自评分须在%(lo)s至%(hi)s分之间（步长%(step)s分）。",
                                             lo=num(b.min), hi=num(b.max), step=num(b.step))
                elif suggested is not None and score != suggested and not reason:
                    errors["self_score_reason"] = _("自评分与建议分（%(s)s分）不同，请说明理由。", s=num(suggested))
            else:
                score = suggested
    if len(text) > 5000:
        errors["explanation"] = _("情况说明不能超过5000字。")
    if len(reason) > 1000:
        errors["self_score_reason"] = _("理由不能超过1000字。")
    if errors and not stale:
        raise SelfAssessmentError(_("请修改标出的内容后再保存。"), errors=errors)
    if suggested is not None and score == suggested:
        reason = ""
    stored = json.dumps({k: (v if isinstance(v, (bool, str)) else str(v)) for k, v in values.items()},
                        ensure_ascii=False, sort_keys=True)
    if stale:
        same = (answer is not None and not errors and answer.inputs == stored and answer.self_score == score
                and answer.explanation == text and answer.self_score_reason == reason)
        if not same:  # someone else's version is newer: never overwrite silently
            raise AnswerConflict(mine, answer_snapshot(answer))
        return SaveResult(answer, suggested, why, False)  # the same content saved twice (autosave + button)
    old = answer_snapshot(answer) if answer else None
    if answer is None:
        answer = Answer(office_id=submission.office_id, department_id=submission.department_id,
                        submission_id=submission.id, campaign_id=submission.campaign_id, indicator_code=code)
        db.session.add(answer)
    changed = (old is None or answer.inputs != stored or answer.self_score != score or answer.explanation != text
               or answer.self_score_reason != reason or answer.carried_over)
    if changed:
        answer.inputs = stored
        answer.self_score = score
        answer.suggested_score = suggested
        answer.self_score_reason = reason
        answer.explanation = text
        answer.carried_over = False
        answer.updated_by_id = actor.id
        answer.updated_at = utcnow()
        db.session.flush()
        touch(submission, started=True)
        new = answer_snapshot(answer)
        for d in (old, new):
            if d:
                d.pop("updated_at", None)
                d.pop("updated_by", None)
        record(submission.office_id, "answer.save", "answer", answer.id, actor=actor, old=old, new=new,
               department_id=submission.department_id, campaign_id=submission.campaign_id)
    return SaveResult(answer, suggested, why, changed)


def answers_of_code(submission: Submission, code: str) -> Answer | None:
    return db.session.scalars(select(Answer).where(
        Answer.office_id == submission.office_id, Answer.submission_id == submission.id,
        Answer.indicator_code == code)).first()


# --- progress and readiness ----------------------------------------------------------------------------


@dataclass
class IndicatorStatus:
    code: str
    title: str
    section: str
    complete: bool
    missing: list[str] = field(default_factory=list)
    unclaimed: bool = False  # a bonus item with nothing entered: not done, not missing either


def evidence_by_code(submission: Submission) -> dict[str, list[Evidence]]:
    """The submission's current evidence, per indicator code (the form, readiness and the API show it)."""
    out: dict[str, list[Evidence]] = {}
    for e in db.session.scalars(select(Evidence).where(
            Evidence.office_id == submission.office_id, Evidence.owner_type == "submission",
            Evidence.owner_id == submission.id, Evidence.deleted_at.is_(None)).order_by(Evidence.id)):
        out.setdefault(e.indicator_code or "", []).append(e)
    return out


def indicator_status(rubric: scoring.Rubric, ind: scoring.Indicator, answer: Answer | None,
                     has_evidence: bool) -> IndicatorStatus:
    section = rubric.section_of(ind.code)
    values = stored_inputs(answer)
    missing = [_("缺少“%(l)s”", l=s.label) for s in missing_inputs(ind, values)]
    optional = section in ("bonus", "veto")
    claimed = answer is not None and answer.self_score is not None and answer.self_score > 0
    if ind.rule.kind not in NO_SELF_SCORE and not optional and (answer is None or answer.self_score is None):
        missing.append(_("未填自评分"))
    if not optional or claimed:
        for spec in ind.evidence:
            if spec.required and not has_evidence:
                missing.append(_("缺少佐证材料“%(t)s”", t=spec.title))
                break
    if answer is not None and answer.carried_over:
        missing.append(_("导入或沿用上年的内容尚未确认"))
    # a bonus left empty is neither complete (the area must not look filled in) nor missing (not claiming is allowed)
    unclaimed = section == "bonus" and not missing and not values and (answer is None or answer.self_score is None)
    return IndicatorStatus(ind.code, ind.title, section, not missing and not unclaimed, missing, unclaimed)


@dataclass
class Progress:
    statuses: dict[str, IndicatorStatus]
    areas: dict[str, tuple[int, int]]  # section → (complete, total)
    done: int
    total: int

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else 100

    @property
    def missing(self) -> list[IndicatorStatus]:
        return [s for s in self.statuses.values() if not s.complete and not s.unclaimed]


def progress(submission: Submission, rubric: scoring.Rubric | None = None, *,
             answers: dict[str, Any] | None = None, evidence_codes: set[str] | None = None) -> Progress:
    """Every indicator's status. Pages that have the answers and evidence loaded pass them; the autosave,
    which answers every keystroke pause, reads only the columns the statuses need."""
    rubric = rubric or rubric_of(submission.campaign)
    if answers is None:
        answers = {r.indicator_code: r for r in db.session.execute(
            select(Answer.indicator_code, Answer.inputs, Answer.self_score, Answer.carried_over).where(
                Answer.office_id == submission.office_id, Answer.submission_id == submission.id))}
    if evidence_codes is None:
        evidence_codes = set(db.session.scalars(select(Evidence.indicator_code).distinct().where(
            Evidence.office_id == submission.office_id, Evidence.owner_type == "submission",
            Evidence.owner_id == submission.id, Evidence.deleted_at.is_(None))))
    statuses: dict[str, IndicatorStatus] = {}
    areas: dict[str, tuple[int, int]] = {}
    for ind in rubric.all_indicators():
        st = indicator_status(rubric, ind, answers.get(ind.code), ind.code in evidence_codes)
        statuses[ind.code] = st
        done, total = areas.get(st.section, (0, 0))
        areas[st.section] = (done + int(st.complete), total + 1)
    done = sum(int(s.complete) for s in statuses.values())
    # unclaimed bonus items count in their area (shown 0/3) but not in the overall total: nothing is owed there
    return Progress(statuses, areas, done, sum(1 for s in statuses.values() if not s.unclaimed))


@dataclass(frozen=True)
class AreaTotal:
    code: str
    title: str
    score: Decimal  # the area's subtotal from the self-scores given so far (never below 0, as in ranking)
    points: Decimal
    scored: int  # indicators with a self-score
    count: int


@dataclass(frozen=True)
class SelfTotals:
    """The department's own figures, added up by the engine exactly as the ranking adds up final scores."""

    areas: tuple[AreaTotal, ...]
    base: Decimal
    bonus_raw: Decimal  # bonus claimed
    bonus: Decimal  # bonus counted (capped; nothing below the minimum base)
    bonus_cap: Decimal | None
    late_deduction: Decimal
    total: Decimal
    full_marks: Decimal
    unscored: int  # base indicators without a self-score yet (counted as 0)
    grade: str  # only when every base indicator is scored


def self_totals(submission: Submission, rubric: scoring.Rubric | None = None,
                answers: Mapping[str, Any] | None = None) -> SelfTotals | None:
    """Self-scored total and per-area subtotals through :func:`assess.scoring.aggregate` (Decimal, subtotal
    floors, bonus cap and minimum base, late deduction once submitted). Base indicators not scored yet count
    0 and are reported in ``unscored``; vetoes are the reviewers' finding and are not applied here.
    None when the stored self-scores do not fit the rubric (the engine refuses them)."""
    rubric = rubric or rubric_of(submission.campaign)
    answers = answers if answers is not None else answers_of(submission)
    given = {code: a.self_score for code, a in answers.items() if a.self_score is not None}
    scores: dict[str, Decimal] = {}
    unscored = 0
    for area in rubric.areas:
        for ind in area.indicators:
            if ind.code in given:
                scores[ind.code] = given[ind.code]
            else:
                scores[ind.code] = Decimal(0)
                unscored += 1
    if rubric.bonus:
        scores.update({i.code: given[i.code] for i in rubric.bonus.indicators if i.code in given})
    try:
        t = scoring.aggregate(rubric, scores, late_days=int(submission.late_days or 0), explain=False)
    except scoring.InputError:
        return None
    areas = tuple(AreaTotal(a.code, a.title, t.areas[a.code], a.points,
                            sum(1 for i in a.indicators if i.code in given), len(a.indicators))
                  for a in rubric.areas)
    return SelfTotals(areas, t.base, t.bonus_raw, t.bonus, rubric.bonus.cap if rubric.bonus else None,
                      t.late_deduction, t.total, rubric.total, unscored, "" if unscored else t.grade)


def missing_by_field(submission: Submission) -> dict[str, dict]:
    """What blocks sending/submitting, per indicator and field — to show each message at its input."""
    rubric = rubric_of(submission.campaign)
    answers = answers_of(submission)
    evidence = evidence_by_code(submission)
    out: dict[str, dict] = {}
    for ind in rubric.all_indicators():
        st = indicator_status(rubric, ind, answers.get(ind.code), bool(evidence.get(ind.code)))
        if st.complete or st.unclaimed:
            continue
        errs: dict = {}
        values = stored_inputs(answers.get(ind.code))
        for spec in missing_inputs(ind, values):
            errs[spec.name] = _("提交前必须填写此项。")
        a = answers.get(ind.code)
        if ind.rule.kind not in NO_SELF_SCORE and st.section not in ("bonus", "veto") and (a is None or a.self_score is None) \
                and not missing_inputs(ind, values):
            errs["self_score"] = _("请填写自评分。")
        ev_missing = [m for m in st.missing if m.startswith(_("缺少佐证材料"))]
        if ev_missing:
            errs["_evidence"] = {"file": ev_missing[0]}
        if a is not None and a.carried_over:
            errs["explanation"] = _("导入或沿用上年的内容尚未确认：请核对后保存，或点击上方的确认按钮。")
        out[ind.code] = errs
    return out


@dataclass(frozen=True)
class Issue:
    level: str  # "error" blocks sending/submitting; "warning" is what a reviewer would question
    code: str
    message: str


def readiness(submission: Submission) -> list[Issue]:
    """What would be questioned: errors (block submission) and warnings (shown, not blocking)."""
    rubric = rubric_of(submission.campaign)
    answers = answers_of(submission)
    evidence = evidence_by_code(submission)
    issues: list[Issue] = []
    prog = progress(submission, rubric)
    for st in prog.missing:
        for m in st.missing:
            issues.append(Issue("error", st.code, f"{st.code} {st.title}：{m}"))
    for ind in rubric.all_indicators():
        answer = answers.get(ind.code)
        values = stored_inputs(answer)
        if not values:
            continue
        for p in scoring.validate_inputs(rubric, {ind.code: values}):
            name = p.path.partition(".")[2]
            if name in values:
                issues.append(Issue("error", ind.code, f"{ind.code} {ind.title}：{p.message}"))
        typed = _typed(ind, values)
        # a ratio's numerator larger than its denominator contradicts itself (按时答复 > 收到申请)
        for comp in ind.computed:
            if comp.op == "ratio" and len(comp.of) == 2 and all(n in typed for n in comp.of):
                a, b = typed[comp.of[0]], typed[comp.of[1]]
                if isinstance(a, Decimal) and isinstance(b, Decimal) and a > b:
                    la, ua = ind.figure_label(comp.of[0])
                    lb, ub = ind.figure_label(comp.of[1])
                    issues.append(Issue("warning", ind.code, _(
                        "%(code)s %(t)s：%(a)s（%(va)s%(ua)s）多于%(b)s（%(vb)s%(ub)s），数字相互矛盾。",
                        code=ind.code, t=ind.title, a=la, va=num(a), ua=ua, b=lb, vb=num(b), ub=ub)))
        # a claim of publication without a link
        wants_link = any("link" in spec.kinds for spec in ind.evidence)
        claims = any(v is True or (isinstance(v, Decimal) and v > 0) for v in typed.values()) or \
            (ind.rule.kind == "late" and typed)
        has_link = any(e.kind == EvidenceKind.LINK for e in evidence.get(ind.code, []))
        if wants_link and claims and not has_link:
            issues.append(Issue("warning", ind.code, _("%(code)s %(t)s：填报已发布，但未提供网页链接。",
                                                       code=ind.code, t=ind.title)))
        for spec in ind.inputs:
            if spec.type == "boolean" and typed.get(spec.name) is True and ("公开" in spec.label or "发布" in spec.label) \
                    and not evidence.get(ind.code):
                issues.append(Issue("warning", ind.code, _("%(code)s %(t)s：填报“%(l)s”，但没有任何佐证（链接或文件）。",
                                                           code=ind.code, t=ind.title, l=spec.label)))
    by_sha: dict[str, set[str]] = {}
    for code, items in evidence.items():
        for e in items:
            if e.sha256:
                by_sha.setdefault(e.sha256, set()).add(code)
    for sha, codes in by_sha.items():
        if len(codes) > 1:
            issues.append(Issue("warning", "", _("同一份文件用作了多个指标的佐证：%(codes)s，请确认是否适用。",
                                                 codes="、".join(sorted(codes)))))
    return issues


def blocking(issues: list[Issue]) -> list[Issue]:
    return [i for i in issues if i.level == "error"]


# --- the flow: editor → leader → submitted; returns ----------------------------------------------------


def _change_state(submission: Submission, new_state: SubmissionState, *, actor: User, action: str,
                  comment: str = "", extra: dict | None = None) -> None:
    old = submission.state
    submission.state = new_state
    submission.last_change_at = utcnow()
    db.session.flush()
    record(submission.office_id, action, "submission", submission.id, actor=actor,
           old={"state": old.value}, new={"state": new_state.value, **(extra or {})}, reason=comment,
           department_id=submission.department_id, campaign_id=submission.campaign_id)


def send_to_leader(submission: Submission, *, actor: User) -> Submission:
    require_edit(submission, actor)
    problems = blocking(readiness(submission))
    if problems:
        raise SelfAssessmentError(_("还有%(n)s项未完成，不能送审：%(first)s", n=len(problems), first=problems[0].message))
    submission.sent_to_leader_at = utcnow()
    _change_state(submission, SubmissionState.AWAITING_LEADER, actor=actor, action="submission.send")
    return submission


def _require_leader(submission: Submission, actor: User) -> None:
    if actor.role != Role.DEPT_ADMIN or actor.department_id != submission.department_id:
        raise SelfAssessmentError(_("只有本部门管理员（分管领导）可以审核提交。"))
    if submission.campaign.state != CampaignState.SELF_ASSESSMENT:
        raise SelfAssessmentError(_("考核不在自评阶段。"))
    if submission.state != SubmissionState.AWAITING_LEADER:
        raise SelfAssessmentError(_("自评表不在待审核状态。"))


def late_days_for(campaign: Campaign, today: date) -> int:
    if campaign.self_deadline is None or today <= campaign.self_deadline:
        return 0
    return (today - campaign.self_deadline).days


def leader_submit(submission: Submission, *, actor: User, today: date | None = None) -> Submission:
    """The leader submits in the department's name: frozen from now on; late days counted from the deadline."""
    _require_leader(submission, actor)
    problems = blocking(readiness(submission))
    if problems:
        raise SelfAssessmentError(_("还有%(n)s项未完成，不能提交：%(first)s", n=len(problems), first=problems[0].message))
    today = today or local_today()
    submission.late_days = late_days_for(submission.campaign, today)
    submission.submitted_at = utcnow()
    submission.submitted_by_id = actor.id
    submission.comment = ""
    _change_state(submission, SubmissionState.SUBMITTED, actor=actor, action="submission.submit",
                  extra={"late_days": submission.late_days})
    return submission


def leader_return(submission: Submission, *, actor: User, comment: str) -> Submission:
    _require_leader(submission, actor)
    comment = (comment or "").strip()
    if not comment:
        raise SelfAssessmentError(_("退回时请写明需要修改的内容。"), "comment")
    submission.comment = comment
    _change_state(submission, SubmissionState.RETURNED, actor=actor, action="submission.leader_return", comment=comment)
    return submission


def office_return(submission: Submission, *, actor: User, comment: str, today: date | None = None) -> Submission:
    """The office sends a submitted self-assessment back for corrections — only before the deadline."""
    if actor.role != Role.OFFICE_ADMIN or actor.office_id != submission.office_id:
        raise SelfAssessmentError(_("只有公开办管理员可以退回。"))
    campaign = submission.campaign
    if campaign.state != CampaignState.SELF_ASSESSMENT:
        raise SelfAssessmentError(_("考核不在自评阶段，不能退回。"))
    if submission.state != SubmissionState.SUBMITTED:
        raise SelfAssessmentError(_("该部门尚未提交，无需退回。"))
    today = today or local_today()
    if campaign.self_deadline is not None and today > campaign.self_deadline:
        raise SelfAssessmentError(_("自评截止日期（%(d)s）已过，不能再退回。", d=campaign.self_deadline.isoformat()))
    comment = (comment or "").strip()
    if not comment:
        raise SelfAssessmentError(_("退回时请写明需要修改的内容。"), "comment")
    submission.comment = comment
    submission.submitted_at = None
    submission.late_days = 0
    _change_state(submission, SubmissionState.RETURNED, actor=actor, action="submission.office_return", comment=comment)
    return submission


# --- last year -----------------------------------------------------------------------------------------


def previous_submission(submission: Submission) -> Submission | None:
    """The department's most recent earlier participation (by year, then id) that has answers."""
    return db.session.scalars(
        select(Submission).join(Campaign, Campaign.id == Submission.campaign_id)
        .where(Submission.office_id == submission.office_id, Submission.department_id == submission.department_id,
               Submission.id != submission.id, Campaign.year < submission.campaign.year)
        .order_by(Campaign.year.desc(), Campaign.id.desc())).first()


def prefill_from_last_year(submission: Submission, *, actor: User) -> int:
    """Copy last year's texts for matching indicator codes (figures cleared), marked carried-over until
    confirmed. Indicators already answered this year are left alone. Returns the number copied."""
    require_edit(submission, actor)
    prev = previous_submission(submission)
    if prev is None:
        raise SelfAssessmentError(_("没有找到本部门上一年度的自评表。"))
    rubric = rubric_of(submission.campaign)
    have = answers_of(submission)
    n = 0
    for code, old in answers_of(prev).items():
        ind = rubric.indicator(code)
        if ind is None or code in have:
            continue
        texts = {s.name: v for s, v in ((ind.input(k), v) for k, v in stored_inputs(old).items())
                 if s is not None and s.type == "text"}
        if not old.explanation and not texts:
            continue
        db.session.add(Answer(office_id=submission.office_id, department_id=submission.department_id,
                              submission_id=submission.id, campaign_id=submission.campaign_id, indicator_code=code,
                              inputs=json.dumps(texts, ensure_ascii=False, sort_keys=True), explanation=old.explanation,
                              carried_over=True, updated_by_id=actor.id))
        n += 1
    if n:
        db.session.flush()
        touch(submission, started=True)
    record(submission.office_id, "submission.prefill", "submission", submission.id, actor=actor,
           new={"from_submission": prev.id, "copied": n}, department_id=submission.department_id,
           campaign_id=submission.campaign_id)
    return n


def confirm_carried_over(submission: Submission, code: str, *, actor: User) -> Answer:
    require_edit(submission, actor)
    answer = answers_of_code(submission, code)
    if answer is None or not answer.carried_over:
        raise SelfAssessmentError(_("该指标没有待确认的导入或沿用内容。"))
    answer.carried_over = False
    answer.updated_by_id = actor.id
    db.session.flush()
    touch(submission)
    record(submission.office_id, "answer.confirm", "answer", answer.id, actor=actor,
           department_id=submission.department_id, campaign_id=submission.campaign_id)
    return answer
