"""Review: the reviewers' findings that stand after re-check (:func:`standing_findings`), the one rule the
ranking's exports, the circular and the rectification notice all read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace as dataclass_replace
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import or_, select

from ..extensions import db
from ..models import Campaign, Contest, ContestOutcome, Evidence, IndicatorResult, ReviewScore, Submission
from .base import indicator_codes, reference_score, rubric_of
from .evidence import evidence_for


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
