"""Moving a campaign to another version of its rubric, keeping the departments' answers where they still fit.

It lives with the self-assessment because it rewrites answers (the self-assessment owns them); the page keeps
the campaign's address (``/campaigns/<id>/rubric``, added by ``create_app``).

The mapping (:func:`mapping`) compares the two versions indicator by indicator, by code:

- **kept** — same code, same figures asked (inputs: name, type, limits, required; wording may differ):
  the answers stay; where the points, the rule or the computed figures changed (``rescored``), the
  suggestion is worked out again from the same figures;
- **changed** — same code, other figures: the figures and the self-score are cleared (the department's
  情况说明 stays) and must be entered again;
- **added** — new codes: nothing to keep;
- **removed** — codes no longer in the rubric: their answers are deleted.

When it is refused (:func:`switch_problems`): after self-assessment has ended (the reviewers' scores, the
re-check and the ranking refer to the old version's indicators and points); while any department's
self-assessment is with its leader or submitted (the leader signed the figures and scores of the old
version: return them first); for a version of another rubric (family) or the one in use.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from .. import scoring
from ..audit.services import record, record_many
from ..extensions import db
from ..models import Answer, Campaign, CampaignState, Rubric, Submission, SubmissionState
from ..models.base import utcnow
from ..rubrics import store
from ..scoring.explain import num
from .answers import stored_inputs, suggest

OPEN_STATES = (CampaignState.DRAFT, CampaignState.SELF_ASSESSMENT)
SIGNED = (SubmissionState.AWAITING_LEADER, SubmissionState.SUBMITTED)
WORDING = ("label", "help", "phrases", "unit")  # how a figure is named, not what is asked


class SwitchError(ValueError):
    """A refused switch: the message for the user, ``field`` the input at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class MappedIndicator:
    code: str
    title: str  # in the new version (the old one for removed codes)
    old_title: str = ""
    answers: int = 0  # departments' answers on this code now
    what: list[str] = field(default_factory=list)  # what changed, in words


@dataclass
class Mapping:
    old: Rubric
    new: Rubric
    kept: list[MappedIndicator]  # answers kept as they are
    rescored: list[MappedIndicator]  # figures kept, the suggestion worked out again
    changed: list[MappedIndicator]  # figures to be entered again
    added: list[MappedIndicator]
    removed: list[MappedIndicator]  # answers deleted

    def codes(self, part: str) -> list[str]:
        return [m.code for m in getattr(self, part)]


def _indicators(r: scoring.Rubric) -> dict[str, scoring.Indicator]:
    out = {i.code: i for a in r.areas for i in a.indicators}
    if r.bonus:
        out.update({i.code: i for i in r.bonus.indicators})
    out.update({i.code: i for i in r.vetoes})
    return out


def _asked(ind: scoring.Indicator) -> list[tuple]:
    """What an indicator asks a department for: its inputs without their wording."""
    return [tuple((k, v) for k, v in sorted(vars(s).items()) if k not in WORDING) for s in ind.inputs]


def _answer_counts(campaign: Campaign) -> dict[str, int]:
    counts: dict[str, int] = {}
    for code in db.session.scalars(select(Answer.indicator_code).where(Answer.office_id == campaign.office_id,
                                                                       Answer.campaign_id == campaign.id)):
        counts[code] = counts.get(code, 0) + 1
    return counts


def mapping(campaign: Campaign, target: Rubric) -> Mapping:
    """Which indicators keep their answers when ``campaign`` moves to ``target`` (see the module's doc)."""
    old_row = campaign.rubric
    old, new = _indicators(store.engine_rubric(old_row)), _indicators(store.engine_rubric(target))
    counts = _answer_counts(campaign)
    m = Mapping(old_row, target, [], [], [], [], [])
    for code, ind in new.items():
        item = MappedIndicator(code, ind.title, answers=counts.get(code, 0))
        before = old.get(code)
        if before is None:
            m.added.append(item)
            continue
        item.old_title = before.title
        if _asked(before) != _asked(ind):
            names_old = {s.name for s in before.inputs}
            names_new = {s.name for s in ind.inputs}
            item.what = ([_("新增填报项：%(n)s", n="、".join(s.label for s in ind.inputs if s.name not in names_old))]
                         if names_new - names_old else []) + \
                        ([_("删除填报项：%(n)s", n="、".join(s.label for s in before.inputs if s.name not in names_new))]
                         if names_old - names_new else []) + \
                        ([_("填报项的类型或取值范围改变")] if names_old == names_new else [])
            m.changed.append(item)
            continue
        if before.points != ind.points:
            item.what.append(_("分值%(a)s分→%(b)s分", a=num(before.points), b=num(ind.points)))
        if before.rule != ind.rule:
            item.what.append(_("计分规则改变"))
        if before.computed != ind.computed:
            item.what.append(_("计算项改变"))
        (m.rescored if item.what else m.kept).append(item)
    for code, ind in old.items():
        if code not in new:
            m.removed.append(MappedIndicator(code, ind.title, ind.title, counts.get(code, 0)))
    return m


def switch_targets(campaign: Campaign) -> list[Rubric]:
    """Versions of the campaign's rubric (same family) it may move to, newest first."""
    return list(db.session.scalars(select(Rubric).where(
        Rubric.office_id == campaign.office_id, Rubric.family == campaign.rubric.family, Rubric.id != campaign.rubric_id)
        .order_by(Rubric.version.desc())))


def switch_problems(campaign: Campaign) -> list[str]:
    """Why the campaign cannot move to another rubric version now (empty when it can)."""
    if campaign.state not in OPEN_STATES:
        return [_("自评已结束：评审评分、复核和排名都以原版本的指标和分值为准，评审开始后不能更换考核细则版本。")]
    signed = list(db.session.scalars(select(Submission.department_name).where(
        Submission.office_id == campaign.office_id, Submission.campaign_id == campaign.id,
        Submission.state.in_(SIGNED)).order_by(Submission.department_name)))
    if signed:
        return [_("以下部门的自评表已送领导审核或已提交（领导按原版本签发），请先退回后再更换：%(d)s",
                  d="、".join(signed))]
    return []


def _rescore(answer: Answer, rubric: scoring.Rubric, ind: scoring.Indicator) -> dict:
    """A kept answer under a changed rule: the suggestion again from the same figures; the self-score follows
    the suggestion when it was the suggestion, stays when the department chose another still in bounds."""
    values = stored_inputs(answer)
    old = {"self_score": None if answer.self_score is None else num(answer.self_score),
           "suggested_score": None if answer.suggested_score is None else num(answer.suggested_score),
           "self_score_reason": answer.self_score_reason}
    suggested, _why = suggest(ind, values)
    own = answer.self_score is not None and answer.self_score != answer.suggested_score
    if ind.rule.kind == "veto":
        score: Decimal | None = None
    elif own and scoring.bounds(rubric, ind.code).contains(answer.self_score):
        score = answer.self_score
    else:
        score = suggested
        answer.self_score_reason = ""
    answer.suggested_score = suggested
    answer.self_score = score
    return {"old": old, "new": {"self_score": None if score is None else num(score),
                                "suggested_score": None if suggested is None else num(suggested)}}


def switch_rubric(campaign: Campaign, target: Rubric, *, actor, expected_version: int | None = None,
                  expected_rubric_id: int | None = None) -> Mapping:
    """Move ``campaign`` to ``target`` as the mapping shown says: kept answers stay, rescored ones get the
    new suggestion, changed ones are cleared, removed ones deleted; every answer touched and the switch
    itself are audited. ``expected_*`` are what the page showed: if the campaign changed meanwhile (another
    switch, a stage step) the switch is refused rather than applied to a mapping nobody saw."""
    if target is None or target.office_id != campaign.office_id:
        raise SwitchError(_("请选择本单位的考核细则版本。"), "rubric_id")
    if (expected_version is not None and expected_version != campaign.version_id) or \
            (expected_rubric_id is not None and expected_rubric_id != campaign.rubric_id):
        raise SwitchError(_("考核已被他人修改（可能已更换了考核细则版本），请重新查看对照后再确认。"))
    if target.id == campaign.rubric_id:
        raise SwitchError(_("考核已在使用这一版本。"), "rubric_id")
    if target.family != campaign.rubric.family:
        raise SwitchError(_("只能更换为同一考核细则的其他版本（“%(f)s”）。", f=campaign.rubric.family), "rubric_id")
    problems = switch_problems(campaign)
    if problems:
        raise SwitchError("；".join(problems))
    m = mapping(campaign, target)
    new_rubric = store.engine_rubric(target)
    new_inds = _indicators(new_rubric)
    rescored, changed, removed = set(m.codes("rescored")), set(m.codes("changed")), set(m.codes("removed"))
    entries: list[dict[str, Any]] = []
    answers = db.session.scalars(select(Answer).where(
        Answer.office_id == campaign.office_id, Answer.campaign_id == campaign.id,
        Answer.indicator_code.in_(rescored | changed | removed)).order_by(Answer.id)).all()
    for a in answers:
        base = dict(object_type="answer", object_id=a.id, department_id=a.department_id, campaign_id=campaign.id)
        if a.indicator_code in removed:
            entries.append({**base, "action": "answer.rubric_removed",
                            "old": {"code": a.indicator_code, "inputs": stored_inputs(a),
                                    "self_score": None if a.self_score is None else num(a.self_score)}})
            db.session.delete(a)
        elif a.indicator_code in changed:
            entries.append({**base, "action": "answer.rubric_cleared",
                            "old": {"code": a.indicator_code, "inputs": stored_inputs(a),
                                    "self_score": None if a.self_score is None else num(a.self_score)}})
            a.inputs, a.self_score, a.suggested_score, a.self_score_reason = "{}", None, None, ""
            a.carried_over = False
            a.updated_at = utcnow()
        else:
            change = _rescore(a, new_rubric, new_inds[a.indicator_code])
            if change["old"]["self_score"] != change["new"]["self_score"] or \
                    change["old"]["suggested_score"] != change["new"]["suggested_score"]:
                entries.append({**base, "action": "answer.rubric_rescored", **change,
                                "new": {"code": a.indicator_code, **change["new"]}})
                a.updated_at = utcnow()
    old_id, old_version = campaign.rubric_id, campaign.rubric.version
    campaign.rubric_id = target.id
    campaign.rubric = target
    store.freeze(target, actor=actor)
    db.session.flush()  # the campaign's version_id moves: a second page confirming the same mapping is refused
    if entries:
        record_many(campaign.office_id, entries, actor=actor)
    record(campaign.office_id, "campaign.rubric_switch", "campaign", campaign.id, actor=actor, campaign_id=campaign.id,
           old={"rubric_id": old_id, "rubric_version": old_version},
           new={"rubric_id": target.id, "rubric_version": target.version,
                **{part: m.codes(part) for part in ("kept", "rescored", "changed", "added", "removed")},
                "answers_touched": len(answers)})
    return m
