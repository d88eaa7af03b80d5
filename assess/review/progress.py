"""Review: how far the review of a campaign is: per department and reviewer, the summary, and what still
blocks re-check and publication (:func:`review_complete`, one of the campaign's publishing
preconditions).

Read only: nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..models import Campaign, IndicatorResult, ReviewAssignment, ReviewScore, Submission, SubmissionState
from .base import _names, indicator_codes, rubric_of


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
    ended: set[int] = set()  # 单项否决: a veto that ends scoring decides the department
    for dept_id, code, final, lead, na, veto in db.session.execute(select(
            IndicatorResult.department_id, IndicatorResult.indicator_code, IndicatorResult.final_score,
            IndicatorResult.needs_lead, IndicatorResult.not_applicable, IndicatorResult.veto).where(
            IndicatorResult.office_id == campaign.office_id, IndicatorResult.campaign_id == campaign.id)):
        if final is not None or na is not None:  # 不适用 is decided too
            decided.setdefault(dept_id, set()).add(code)
        elif lead:
            needs_lead.setdefault(dept_id, set()).add(code)
        if veto and rubric.veto_ends_scoring:
            ended.add(dept_id)
    waiting = {dept_id for dept_id, _name in subs
               if dept_id not in ended and len(decided.get(dept_id, ())) < len(codes)}
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
