"""Review aids' rules: the office's switches per campaign, running the checks, showing and dismissing flags.

A flag points the reviewer at something the platform noticed; it never changes a score (nothing here
touches a score, a result or a state). Running the checks again updates the flags it finds again (by their
fingerprint, so a dismissal stays), adds new ones and removes those no longer found. Plain functions: they
flush, never commit.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from statistics import median
from typing import Any, Iterable

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select, update

from ..audit.services import record
from ..extensions import db
from ..models import (FLAG_COPIED_TEXT, FLAG_FIGURE_JUMP, FLAG_KINDS, FLAG_REUSED_EVIDENCE, FLAG_WEAK_EVIDENCE, Answer,
                      Campaign, ReviewAidSettings, ReviewFlag, Submission, SubmissionState)
from ..models.base import utcnow
from ..review.services import rubric_of
from . import copied, evidence, figures, perceptual
from .minhash import shingles

KIND_LABELS = {FLAG_COPIED_TEXT: _l("内容雷同"), FLAG_FIGURE_JUMP: _l("数据异常波动"),
               FLAG_REUSED_EVIDENCE: _l("佐证材料重复使用"), FLAG_WEAK_EVIDENCE: _l("佐证材料存疑")}
#: Why evidence cannot support the claim (a weak-evidence flag's ``field``).
WEAK_REASONS = {evidence.REASON_DEAD_LINK: _l("链接无法访问"), evidence.REASON_OFF_TOPIC: _l("未提及本指标的关键词"),
                evidence.REASON_LATE: _l("文件日期晚于自评截止日期"), evidence.REASON_OLD: _l("文件日期不在考核年度内")}
TEXT_FIELDS = {"explanation": _l("情况说明"), "self_score_reason": _l("自评理由")}
MAX_REASON = 500


class AidsError(ValueError):
    """A refusal with a message for the user; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- the office's switches -------------------------------------------------------------------------------


def settings_for(campaign: Campaign) -> ReviewAidSettings:
    """The campaign's settings; the defaults (every check on, ×3, z 3.5, similarity 0.5) when none are saved."""
    row = db.session.scalar(select(ReviewAidSettings).where(ReviewAidSettings.office_id == campaign.office_id,
                                                            ReviewAidSettings.campaign_id == campaign.id))
    if row is None:
        row = ReviewAidSettings(office_id=campaign.office_id, campaign_id=campaign.id, disabled="",
                                jump_ratio=Decimal("3"), jump_z=Decimal("3.5"), text_similarity=Decimal("0.5"))
    return row


def enabled_kinds(settings: ReviewAidSettings) -> list[str]:
    off = set(filter(None, (settings.disabled or "").split(",")))
    return [k for k in FLAG_KINDS if k not in off]


def _decimal(raw: Any, field: str, lo: Decimal, hi: Decimal) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise AidsError(_("请输入数字。"), field) from None
    if not value.is_finite() or not lo <= value <= hi:
        raise AidsError(_("请输入 %(lo)s 到 %(hi)s 之间的数。", lo=lo, hi=hi), field)
    return value


def update_settings(campaign: Campaign, *, enabled: Iterable[str], jump_ratio: Any, jump_z: Any,
                    text_similarity: Any, actor: Any = None) -> ReviewAidSettings:
    """Switch checks on or off for the campaign and set their thresholds (audit-logged)."""
    row = settings_for(campaign)
    on = set(enabled)
    unknown = on - set(FLAG_KINDS)
    if unknown:
        raise AidsError(_("未知的检查项。"), "enabled")
    old = {"disabled": row.disabled, "jump_ratio": row.jump_ratio, "jump_z": row.jump_z,
           "text_similarity": row.text_similarity}
    row.jump_ratio = _decimal(jump_ratio, "jump_ratio", Decimal("1.1"), Decimal("1000"))
    row.jump_z = _decimal(jump_z, "jump_z", Decimal("1"), Decimal("100"))
    row.text_similarity = _decimal(text_similarity, "text_similarity", Decimal("0.1"), Decimal("1"))
    row.disabled = ",".join(k for k in FLAG_KINDS if k not in on)
    db.session.add(row)
    db.session.flush()
    record(campaign.office_id, "review_aids.settings", "campaign", campaign.id, actor=actor, old=old,
           new={"disabled": row.disabled, "jump_ratio": row.jump_ratio, "jump_z": row.jump_z,
                "text_similarity": row.text_similarity}, campaign_id=campaign.id)
    return row


# --- the checks --------------------------------------------------------------------------------------------


@dataclass
class Found:
    """A flag a check found (before it is stored)."""

    answer: Answer
    kind: str
    field: str
    fingerprint: str
    strength: float
    detail: dict
    other_department_id: int | None = None
    other_campaign_id: int | None = None
    evidence_id: int | None = None


def _current_answers(campaign: Campaign) -> list[tuple[Answer, Submission]]:
    """The answers of the campaign's submitted self-assessments (what the reviewers read)."""
    return list(db.session.execute(
        select(Answer, Submission).join(Submission, Submission.id == Answer.submission_id)
        .where(Answer.office_id == campaign.office_id, Answer.campaign_id == campaign.id,
               Submission.state == SubmissionState.SUBMITTED)).tuples())


def _earlier_answers(campaign: Campaign, department_ids: set[int]) -> list[tuple[Answer, Campaign]]:
    if not department_ids:
        return []
    return list(db.session.execute(
        select(Answer, Campaign).join(Campaign, Campaign.id == Answer.campaign_id)
        .where(Answer.office_id == campaign.office_id, Campaign.office_id == campaign.office_id,
               Campaign.year < campaign.year, Answer.department_id.in_(department_ids))).tuples())


def _rubric_wording(campaign: Campaign) -> set[str]:
    """The 5-grams of the rubric's own text (titles, standards, guidance, input and evidence labels)."""
    grams: set[str] = set()
    for ind in rubric_of(campaign).all_indicators():
        parts = [ind.title, ind.standard, ind.guidance, *(i.label for i in ind.inputs), *(e.title for e in ind.evidence)]
        for part in parts:
            grams |= shingles(part or "", copied.NGRAM)
    return grams


def find_copied_text(campaign: Campaign, settings: ReviewAidSettings, submission: Submission | None = None) -> list[Found]:
    """Passages of the campaign's free-text answers copied from another department's, or from the same
    department's in an earlier campaign (see :mod:`.copied`)."""
    current = _current_answers(campaign)
    subs = {s.department_id: s for _a, s in current}
    earlier = _earlier_answers(campaign, set(subs))
    texts: list[copied.Text] = []
    answers: dict[int, Answer] = {}
    where: dict[int, dict] = {}
    for a, s in current:
        answers[a.id] = a
        where[a.id] = {"department": s.department_name, "campaign": campaign.name, "year": campaign.year,
                       "indicator": a.indicator_code}
        for name in TEXT_FIELDS:
            if getattr(a, name):
                texts.append(copied.Text((a.id, name), a.department_id, True, getattr(a, name)))
    for a, c in earlier:
        answers[a.id] = a
        where[a.id] = {"department": subs[a.department_id].department_name, "campaign": c.name, "year": c.year,
                       "indicator": a.indicator_code}
        for name in TEXT_FIELDS:
            if getattr(a, name):
                texts.append(copied.Text((a.id, name), a.department_id, False, getattr(a, name)))
    out = []
    for m in copied.find_copies(texts, ignore=_rubric_wording(campaign), threshold=float(settings.text_similarity),
                                focus=submission.department_id if submission is not None else None):
        (aid, name), (oid, oname) = m.key, m.other
        other = answers[oid]
        out.append(Found(
            answers[aid], FLAG_COPIED_TEXT, name, f"{FLAG_COPIED_TEXT}:{aid}:{name}:{oid}:{oname}", m.similarity,
            {"similarity": m.similarity, "other": {**where[oid], "field": oname},
             "passages": [list(p) for p in m.passages]},
            other_department_id=other.department_id, other_campaign_id=other.campaign_id))
    return out


def _figures_of(answer: Answer) -> dict[str, float]:
    try:
        given = json.loads(answer.inputs or "{}")
    except ValueError:
        return {}
    if not isinstance(given, dict):
        return {}
    return {k: v for k, v in ((k, figures.number(raw)) for k, raw in given.items()) if v is not None}


def find_figure_jumps(campaign: Campaign, settings: ReviewAidSettings, submission: Submission | None = None) -> list[Found]:
    """Numeric figures far from the department's last year (ratio) or from its group (a robust z-score above
    the limit and the ratio to the group's median above the office's ratio)."""
    rubric = rubric_of(campaign)
    current = _current_answers(campaign)
    previous = db.session.scalar(select(Campaign).where(Campaign.office_id == campaign.office_id,
                                                        Campaign.year < campaign.year)
                                 .order_by(Campaign.year.desc(), Campaign.id.desc()).limit(1))
    last: dict[tuple[int, str], dict[str, float]] = {}
    if previous is not None:
        for a in db.session.scalars(select(Answer).where(Answer.office_id == campaign.office_id,
                                                         Answer.campaign_id == previous.id)):
            last[(a.department_id, a.indicator_code)] = _figures_of(a)
    group: dict[tuple[int, str, str], list[float]] = {}
    rows = []
    for a, s in current:
        ind = rubric.indicator(a.indicator_code)
        if ind is None:
            continue
        for name, value in _figures_of(a).items():
            spec = ind.input(name)
            if spec is None or not spec.numeric:
                continue
            group.setdefault((s.group_id, a.indicator_code, name), []).append(value)
            rows.append((a, s, spec, value))
    limit_ratio, limit_z = float(settings.jump_ratio), float(settings.jump_z)
    out = []
    for a, s, spec, value in rows:
        values = group[(s.group_id, a.indicator_code, spec.name)]
        before = last.get((a.department_id, a.indicator_code), {}).get(spec.name)
        r = figures.ratio(value, before) if before is not None else None
        z = figures.robust_z(value, values)
        # far from the group means unusual (z) and material: as many times off the median as the office's
        # ratio asks of last year (a 1 among 0s is unusual but no jump)
        off_group = figures.ratio(value, median(values))
        reasons = [k for k, hit in (("last_year", r is not None and r > limit_ratio),
                                    ("group", z is not None and abs(z) > limit_z
                                     and off_group is not None and off_group > limit_ratio)) if hit]
        if not reasons:
            continue
        out.append(Found(a, FLAG_FIGURE_JUMP, spec.name, f"{FLAG_FIGURE_JUMP}:{a.id}:{spec.name}",
                         max(r or 0.0, abs(z or 0.0)),
                         {"label": spec.label, "unit": spec.unit, "value": value, "last_year": before,
                          "last_year_campaign": previous.name if previous is not None and before is not None else None,
                          "ratio": round(r, 2) if r is not None else None, "group_median": median(values),
                          "group_size": len(values), "z": round(z, 2) if z is not None else None,
                          "reasons": reasons}))
    return out


@dataclass
class _AnswerRef:
    """What a flag needs of the answer an evidence item belongs to (without loading the answer)."""

    id: int
    department_id: int
    submission_id: int
    indicator_code: str


def _evidence_answer(i: evidence.Item) -> _AnswerRef:
    return _AnswerRef(i.answer_id, i.department_id, i.submission_id, i.indicator)


def find_reused_evidence(campaign: Campaign, settings: ReviewAidSettings,
                         submission: Submission | None = None) -> list[Found]:
    """Evidence files the same as (content hash) or near-duplicates of (perceptual hash) a file of another
    department or indicator of this campaign, or of an earlier year (see :mod:`.evidence`)."""
    current = evidence.current_items(campaign)
    earlier = evidence.earlier_items(campaign)
    focus = {i.id for i in current if i.submission_id == submission.id} if submission is not None else None
    if focus is not None and not focus:
        return []
    prints = evidence.prints_for([i for i in (*current, *earlier) if focus is None or i.id in focus
                                  or i.kind == "file"], check_links=False)
    by_id = {i.id: i for i in current}
    out = []
    for ev_id, others in evidence.reused(current, earlier, prints, focus).items():
        item = by_id[ev_id]
        first = others[0][0]
        strength = max(1.0 if how == "same_file" else 1 - (d or 0) / perceptual.BITS for _o, how, d in others)
        out.append(Found(_evidence_answer(item), FLAG_REUSED_EVIDENCE, "evidence", f"{FLAG_REUSED_EVIDENCE}:{ev_id}",
                         strength, {"label": item.title, "filename": item.filename or "", "count": len(others),
                                    "others": [evidence._where(o, how, d) for o, how, d in others[:evidence.MAX_OTHERS]]},
                         other_department_id=first.department_id, other_campaign_id=first.campaign_id,
                         evidence_id=ev_id))
    return out


def find_weak_evidence(campaign: Campaign, settings: ReviewAidSettings,
                       submission: Submission | None = None) -> list[Found]:
    """Evidence that cannot support the claim: a dead link, a document without the indicator's key terms, one
    dated after the self-assessment deadline or before the assessed year (see :mod:`.evidence`)."""
    items = evidence.current_items(campaign, submission)
    prints = evidence.prints_for(items)
    indicators = evidence.rubric_indicators(campaign)
    out = []
    for item in items:
        for reason, detail in evidence.weak_reasons(item, prints.get(item.id), campaign, indicators.get(item.indicator)):
            out.append(Found(_evidence_answer(item), FLAG_WEAK_EVIDENCE, reason,
                             f"{FLAG_WEAK_EVIDENCE}:{item.id}:{reason}", 1.0,
                             {"label": item.title, "filename": item.filename or "", "url": item.url, "reason": reason,
                              **detail}, evidence_id=item.id))
    return out


CHECKS = {FLAG_COPIED_TEXT: find_copied_text, FLAG_FIGURE_JUMP: find_figure_jumps,
          FLAG_REUSED_EVIDENCE: find_reused_evidence, FLAG_WEAK_EVIDENCE: find_weak_evidence}


def run_checks(campaign: Campaign, *, actor: Any = None, submission: Submission | None = None) -> dict[str, int]:
    """Run the campaign's switched-on checks and bring its flags up to date; {kind: flags found}. A flag found
    again keeps its dismissal; one no longer found is removed. Never touches a score.

    With ``submission`` (one self-assessment just submitted) only what involves it is looked at: its own flags
    are brought up to date, and another department's flag that now points at it too is added or extended;
    the other departments' other flags wait for the next whole run."""
    settings = settings_for(campaign)
    kinds = enabled_kinds(settings)
    stmt = select(ReviewFlag).where(ReviewFlag.office_id == campaign.office_id, ReviewFlag.campaign_id == campaign.id,
                                    ReviewFlag.kind.in_(kinds))
    existing = {f.fingerprint: f for f in db.session.scalars(stmt)}
    counts = {}
    seen = set()
    for kind in kinds:
        found = CHECKS[kind](campaign, settings, submission)
        if submission is not None:
            found = [f for f in found if f.answer.submission_id == submission.id
                     or f.other_department_id == submission.department_id or f.kind == FLAG_REUSED_EVIDENCE]
        counts[kind] = len(found)
        for f in found:
            seen.add(f.fingerprint)
            flag = existing.get(f.fingerprint)
            if flag is None:
                flag = ReviewFlag(office_id=campaign.office_id, department_id=f.answer.department_id,
                                  campaign_id=campaign.id, submission_id=f.answer.submission_id, answer_id=f.answer.id,
                                  indicator_code=f.answer.indicator_code, kind=f.kind, field=f.field,
                                  fingerprint=f.fingerprint, dismiss_reason="")
                db.session.add(flag)
                existing[f.fingerprint] = flag
            elif submission is not None and f.answer.submission_id != submission.id and f.kind == FLAG_REUSED_EVIDENCE:
                f.detail = _merge_others(flag, f.detail)
            flag.strength = Decimal(str(round(f.strength, 4)))
            flag.detail = json.dumps(f.detail, ensure_ascii=False, sort_keys=True)
            flag.other_department_id, flag.other_campaign_id = f.other_department_id, f.other_campaign_id
            flag.evidence_id = f.evidence_id
    for fingerprint, flag in existing.items():
        if fingerprint not in seen and (submission is None or flag.submission_id == submission.id):
            db.session.delete(flag)
    db.session.flush()
    if submission is None:  # the office's run is logged; the automatic one of each submission is not news
        record(campaign.office_id, "review_aids.run", "campaign", campaign.id, actor=actor, new=counts,
               campaign_id=campaign.id)
    return counts


def _merge_others(flag: ReviewFlag, detail: dict) -> dict:
    """Another department's reused-evidence flag seen from one new submission: the uses it listed stay, the
    new ones are added."""
    try:
        before = json.loads(flag.detail or "{}").get("others", [])
    except ValueError:
        before = []
    known = {o.get("evidence_id") for o in before}
    others = before + [o for o in detail.get("others", []) if o.get("evidence_id") not in known]
    return {**detail, "others": others[:evidence.MAX_OTHERS], "count": max(len(others), detail.get("count", 0))}


# --- reading and dismissing ----------------------------------------------------------------------------------


@dataclass
class FlagView:
    """A flag as a page shows it: its kind's label, the field's label, the parsed detail."""

    flag: ReviewFlag
    kind_label: str
    field_label: str
    detail: dict


def view(flag: ReviewFlag) -> FlagView:
    try:
        detail = json.loads(flag.detail or "{}")
    except ValueError:
        detail = {}
    if flag.kind == FLAG_WEAK_EVIDENCE:
        field_label = WEAK_REASONS.get(flag.field, flag.field)
    elif flag.kind == FLAG_REUSED_EVIDENCE:
        field_label = detail.get("label") or _("佐证材料")
    else:
        field_label = TEXT_FIELDS.get(flag.field) or detail.get("label") or flag.field
    return FlagView(flag, str(KIND_LABELS.get(flag.kind, flag.kind)), str(field_label), detail)


def flags_for(sub: Submission, code: str | None = None) -> list[FlagView]:
    """The flags of a submission (on one indicator), of the kinds switched on, open ones first."""
    kinds = enabled_kinds(settings_for(sub.campaign))
    stmt = select(ReviewFlag).where(ReviewFlag.office_id == sub.office_id, ReviewFlag.submission_id == sub.id,
                                    ReviewFlag.kind.in_(kinds))
    if code is not None:
        stmt = stmt.where(ReviewFlag.indicator_code == code)
    flags = db.session.scalars(stmt.order_by(ReviewFlag.indicator_code, ReviewFlag.kind, ReviewFlag.id)).all()
    return [view(f) for f in sorted(flags, key=lambda f: f.dismissed_at is not None)]


def campaign_flags(campaign: Campaign, department_ids: set[int] | None = None, *, kind: str | None = None,
                   include_dismissed: bool = False) -> list[tuple[FlagView, Submission]]:
    """The campaign's flags (of the kinds switched on) with their submission, strongest first;
    ``department_ids`` limits them to those departments (None: every department)."""
    kinds = [k for k in enabled_kinds(settings_for(campaign)) if kind in (None, k)]
    stmt = (select(ReviewFlag, Submission).join(Submission, Submission.id == ReviewFlag.submission_id)
            .where(ReviewFlag.office_id == campaign.office_id, ReviewFlag.campaign_id == campaign.id,
                   ReviewFlag.kind.in_(kinds)))
    if department_ids is not None:
        stmt = stmt.where(ReviewFlag.department_id.in_(department_ids or {0}))
    if not include_dismissed:
        stmt = stmt.where(ReviewFlag.dismissed_at.is_(None))
    rows = db.session.execute(stmt.order_by(ReviewFlag.strength.desc(), ReviewFlag.id)).tuples().all()
    return [(view(f), s) for f, s in rows]


def dismiss(flag: ReviewFlag, reason: str, *, actor: Any = None) -> ReviewFlag:
    """The reviewer has looked and it is fine: the flag stays, marked dismissed with the reason (required),
    and the dismissal is audit-logged. The score is not touched."""
    reason = (reason or "").strip()
    if not reason:
        raise AidsError(_("请说明忽略的理由。"), "reason")
    if len(reason) > MAX_REASON:
        raise AidsError(_("理由最多 %(n)s 个字。", n=MAX_REASON), "reason")
    if flag.dismissed_at is not None:
        raise AidsError(_("该提示已被忽略。"), "reason")
    # Only if nobody dismissed it meanwhile (two reviewers on the same flag): the first reason stays.
    done = db.session.execute(
        update(ReviewFlag).where(ReviewFlag.id == flag.id, ReviewFlag.office_id == flag.office_id,
                                 ReviewFlag.dismissed_at.is_(None))
        .values(dismissed_at=utcnow(), dismissed_by_id=getattr(actor, "id", None), dismiss_reason=reason)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.expire(flag)
        raise AidsError(_("该提示已被忽略。"), "reason")
    db.session.expire(flag, ["dismissed_at", "dismissed_by_id", "dismiss_reason"])
    record(flag.office_id, "review_flag.dismiss", "review_flag", flag.id, actor=actor, new={"kind": flag.kind,
           "indicator": flag.indicator_code, "field": flag.field}, reason=reason, department_id=flag.department_id,
           campaign_id=flag.campaign_id)
    return flag
