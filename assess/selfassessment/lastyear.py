"""Last year's self-assessment: carried over as unconfirmed answers (texts kept, figures cleared), confirmed
one by one in the form.
"""
from __future__ import annotations

import json

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit.services import record
from ..extensions import db
from ..models import Answer, Campaign, Submission, User
from .answers import SelfAssessmentError, answers_of, answers_of_code, require_edit, rubric_of, stored_inputs, touch


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
