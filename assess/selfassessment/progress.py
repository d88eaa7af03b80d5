"""How far a self-assessment is: each indicator's status, progress, the self-assessed totals, and the
readiness check the leader sees before submitting (what blocks, what is only questionable).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping

from flask_babel import gettext as _
from sqlalchemy import select

from .. import scoring
from ..extensions import db
from ..models import Answer, Evidence, EvidenceKind, Submission
from ..scoring.explain import num
from .answers import NO_SELF_SCORE, answers_of, missing_inputs, rubric_of, stored_inputs, _typed


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
                     has_evidence: bool, group: str | None = None) -> IndicatorStatus:
    section = rubric.section_of(ind.code)
    if ((group is not None and not ind.applies(group))
            or (ind.allow_na and answer is not None and Answer.na_reason_in(answer.inputs))):
        return IndicatorStatus(ind.code, ind.title, section, True, [])  # 不适用: nothing is owed
    values = stored_inputs(answer)
    missing = [_("缺少“%(l)s”", l=s.label) for s in missing_inputs(ind, values)]
    optional = section in ("bonus", "veto", "major")
    claimed = answer is not None and answer.self_score is not None and answer.self_score != 0
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
    unclaimed = section in ("bonus", "major") and not missing and not values and (answer is None or answer.self_score is None)
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
        st = indicator_status(rubric, ind, answers.get(ind.code), ind.code in evidence_codes, submission.group_name)
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
    major: Decimal | None = None  # 重大扣分项 self-reported (≤ 0); None when the rubric has none


def self_totals(submission: Submission, rubric: scoring.Rubric | None = None,
                answers: Mapping[str, Any] | None = None) -> SelfTotals | None:
    """Self-scored total and per-area subtotals through :func:`assess.scoring.aggregate` (Decimal, subtotal
    floors, bonus cap and minimum base, late deduction once submitted). Base indicators not scored yet count
    0 and are reported in ``unscored``; vetoes are the reviewers' finding and are not applied here.
    None when the stored self-scores do not fit the rubric (the engine refuses them)."""
    rubric = rubric or rubric_of(submission.campaign)
    answers = answers if answers is not None else answers_of(submission)
    given = {code: a.self_score for code, a in answers.items() if a.self_score is not None}
    na = {ind.code: (Answer.na_reason_in(answers[ind.code].inputs) if ind.code in answers else None) or "不适用"
          for area in rubric.areas for ind in area.indicators
          if not ind.applies(submission.group_name)
          or (ind.allow_na and ind.code in answers and Answer.na_reason_in(answers[ind.code].inputs))}
    scores: dict[str, Decimal] = {}
    unscored = 0
    for area in rubric.areas:
        for ind in area.indicators:
            if ind.code in na:  # 不适用: left out, the total rescaled
                continue
            if ind.code in given:
                scores[ind.code] = given[ind.code]
            else:
                scores[ind.code] = Decimal(0)
                unscored += 1
    if rubric.bonus:
        scores.update({i.code: given[i.code] for i in rubric.bonus.indicators if i.code in given})
    if rubric.major:  # 重大扣分项 the department reports itself come off its self-scored total
        scores.update({i.code: given[i.code] for i in rubric.major.indicators if i.code in given})
    try:
        t = scoring.aggregate(rubric, scores, late_days=int(submission.late_days or 0), explain=False,
                              not_applicable=na)
    except scoring.InputError:
        return None
    areas = tuple(AreaTotal(a.code, a.title, t.areas[a.code], a.points,
                            sum(1 for i in a.indicators if i.code in given), len(a.indicators))
                  for a in rubric.areas)
    return SelfTotals(areas, t.base, t.bonus_raw, t.bonus, rubric.bonus.cap if rubric.bonus else None,
                      t.late_deduction, t.total, rubric.total, unscored, "" if unscored else t.grade,
                      major=t.major if rubric.major else None)


def missing_by_field(submission: Submission) -> dict[str, dict]:
    """What blocks sending/submitting, per indicator and field — to show each message at its input."""
    rubric = rubric_of(submission.campaign)
    answers = answers_of(submission)
    evidence = evidence_by_code(submission)
    out: dict[str, dict] = {}
    for ind in rubric.all_indicators():
        st = indicator_status(rubric, ind, answers.get(ind.code), bool(evidence.get(ind.code)), submission.group_name)
        if st.complete or st.unclaimed:
            continue
        errs: dict = {}
        values = stored_inputs(answers.get(ind.code))
        for spec in missing_inputs(ind, values):
            errs[spec.name] = _("提交前必须填写此项。")
        a = answers.get(ind.code)
        if ind.rule.kind not in NO_SELF_SCORE and st.section not in ("bonus", "veto", "major") and (a is None or a.self_score is None) \
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
