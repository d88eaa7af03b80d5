"""A self-assessment's answers: reading them (in the engine's shape too), and one indicator's parse →
suggestion → save, the one writer of an answer (the form, the autosave, the API, the imports and the offline
workbook all call :func:`save_answer`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

from flask_babel import gettext as _
from sqlalchemy import select, update

from .. import scoring
from ..audit.services import record
from ..extensions import db
from ..models import Answer, Campaign, CampaignState, Submission, SubmissionState, User
from ..models.base import utcnow
from ..rubrics import store
from ..scoring import engine as scoring_engine
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
    return {k: v for k, v in value.items() if k != Answer.NA_KEY} if isinstance(value, dict) else {}


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


def suggest(ind: scoring.Indicator, values: Mapping[str, Any],
            rubric: scoring.Rubric | None = None) -> tuple[Decimal | None, str]:
    """The rule's score for these figures with its explanation; None while required figures are missing.
    ``rubric`` places the indicator (a major deduction's score is the negative amount it deducts)."""
    if ind.rule.kind == "judgement":
        return None, _("本项由评审人员评定，请在自评分中填写本单位的估计分。")
    if ind.rule.kind == "veto":
        return None, ""
    missing = missing_inputs(ind, values)
    if missing:
        return None, _("请先填写：%(items)s", items="、".join(s.label for s in missing))
    figs = scoring.figures_of(ind, _typed(ind, values))
    if rubric is not None:
        value, zh, _en = scoring_engine.evaluate(rubric, ind, figs)
    else:
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
                expected_version: int | None = None, not_applicable: str | None = None) -> SaveResult:
    """Validate and store one indicator's draft. Errors by field raise SelfAssessmentError (nothing stored);
    a stale ``expected_version`` raises AnswerConflict with both versions. ``not_applicable`` (a reason)
    marks the indicator 不适用 where the rubric allows it (allow_na): no figures, no self-score."""
    require_edit(submission, actor)
    rubric = rubric_of(submission.campaign)
    ind = rubric.indicator(code)
    if ind is None:
        raise SelfAssessmentError(_("未知指标“%(c)s”。", c=code))
    answer = answers_of_code(submission, code)
    values, errors = parse_inputs(rubric, ind, inputs)
    na = None if not_applicable is None else str(not_applicable).strip()
    if na is not None:  # 不适用: the figures are not needed, the reason is
        values, errors = {}, {}
        if not ind.allow_na:
            errors["_"] = _("考核细则未允许本指标标为不适用。")  # the form offers no such box: said on top
        elif not na:
            errors["na_reason"] = _("请写明不适用的原因。")
        elif len(na) > 500:
            errors["na_reason"] = _("不适用的原因不能超过500字。")
    reason = (self_score_reason or "").strip()
    text = (explanation or "").strip()
    mine = {"inputs": {k: (v if isinstance(v, (bool, str)) else str(v)) for k, v in inputs.items()},
            "self_score": "" if self_score is None else str(self_score), "self_score_reason": reason,
            "explanation": text}
    current_version = answer.version_id if answer else 0
    stale = expected_version is not None and int(expected_version) != current_version
    if stale and errors:
        raise AnswerConflict(mine, answer_snapshot(answer))
    suggested, why = suggest(ind, values, rubric)
    score = None
    if na is not None:
        suggested, why = None, _("不适用：%(r)s（不计分，总分按适用指标满分折算）", r=na)
    if ind.rule.kind not in NO_SELF_SCORE and na is None:
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
    stored = json.dumps({k: (v if isinstance(v, (bool, str)) else str(v)) for k, v in values.items()}
                        | ({Answer.NA_KEY: na} if na is not None else {}), ensure_ascii=False, sort_keys=True)
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
