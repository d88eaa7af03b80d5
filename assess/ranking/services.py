"""Ranking and grades of a campaign, and their publication.

Every number a page, export, CLI or PDF shows about totals, ranks and grades comes from
:func:`compute_ranking` (live) or from a publication that froze its rows (:func:`publish_ranking`).
"""
from __future__ import annotations

import gc
import json
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import defer

from .. import scoring
from ..audit.services import record
from ..extensions import db
from ..models import Campaign, CampaignState, Group, RankingPublication, Submission, SubmissionState
from ..models.base import utcnow
from ..rubrics.store import engine_rubric
from ..scoring.model import InputError
from ..tenancy.scope import all_departments
from . import sums as dept_sums
from .adapter import not_applicable_by_group, totals_from_sums

ZERO = Decimal(0)


class RankingError(ValueError):
    """A ranking operation refused, with a user-facing message and the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class RankRow:
    """One department's line in a campaign's ranking."""

    department_id: int
    department_name: str
    group_id: int
    group_name: str
    rank: int  # within its group
    total: Decimal
    grade: str
    grade_by_score: str
    areas: dict[str, Decimal] = field(default_factory=dict)  # area code → subtotal
    base: Decimal = ZERO
    bonus: Decimal = ZERO
    late_deduction: Decimal = ZERO
    late_days: int = 0
    vetoes: tuple[str, ...] = ()
    submitted: bool = True
    complete: bool = True  # every base indicator has a final score
    capped: bool = False
    note: str = ""
    explanation: tuple[str, ...] = ()
    overall_rank: int | None = None
    group_size: int = 0
    major: Decimal = ZERO  # 重大扣分项 taken off the total (≤ 0)
    ended: bool = False  # 单项否决: a veto ended scoring, no area or bonus was scored
    not_applicable: dict[str, str] = field(default_factory=dict)  # 不适用 code → reason (base rescaled)
    base_raw: Decimal | None = None  # base before rescaling, when something was not applicable
    applicable_points: Decimal | None = None

    @property
    def veto(self) -> bool:
        return bool(self.vetoes)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("total", "base", "bonus", "late_deduction", "major"):
            d[k] = str(d[k])
        for k in ("base_raw", "applicable_points"):
            d[k] = None if d[k] is None else str(d[k])
        d["areas"] = {k: str(v) for k, v in self.areas.items()}
        d["vetoes"] = list(self.vetoes)
        d["explanation"] = list(self.explanation)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "RankRow":
        d = dict(d)
        for k in ("total", "base", "bonus", "late_deduction"):
            d[k] = Decimal(d[k])
        d["major"] = Decimal(d.get("major", 0))
        for k in ("base_raw", "applicable_points"):
            d[k] = None if d.get(k) is None else Decimal(d[k])
        d["areas"] = {k: Decimal(v) for k, v in d.get("areas", {}).items()}
        d["vetoes"] = tuple(d.get("vetoes", ()))
        d["explanation"] = tuple(d.get("explanation", ()))
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})


def _participants(campaign: Campaign):
    stmt = (
        select(Submission.department_id, Submission.department_name, Submission.group_id, Submission.group_name,
               Submission.state, Submission.late_days, Group.sort_order)
        .join(Group, Group.id == Submission.group_id)
        .where(Submission.office_id == campaign.office_id, Submission.campaign_id == campaign.id)
    )
    return db.session.execute(all_departments(stmt)).all()


def compute_ranking(campaign: Campaign, *, group_id: int | None = None, overall: bool = False,
                    explain: bool = True) -> list[RankRow]:
    """Totals, ranks and grades of every department taking part in ``campaign``, from final scores.

    Totals: each department's final indicator scores (``IndicatorResult.final_score``) summed per area,
    plus bonus, minus the late-submission deduction (``Submission.late_days``), with vetoes — all through
    the rubric engine's ``aggregate`` (see :mod:`.adapter`). Missing final scores count as 0 and mark the
    row incomplete (``complete=False``, note 评分未完成).

    Ranks and grades: the engine's ``rank_group`` within each ranking group (the group snapshot on the
    submission). Tie-break rule: higher total first; equal totals are separated by the subtotals of the
    rubric's ``tie_break`` areas in turn (e.g. 主动公开, then 回应关切), highest first; departments with a
    veto come after every other department that submitted; departments that did not submit come last,
    share one rank and are marked 未报送. Departments still equal share a rank and the next rank skips
    (1, 2, 2, 4); listing order among them is by name. Grades: score bands, then share caps per group in
    rank order (tied departments move together), veto → veto grade, non-submitters → lowest grade.

    ``group_id`` keeps one group's rows; ``overall=True`` also ranks all departments together (same rule)
    into ``overall_rank`` and returns the rows in that order. Otherwise rows come group by group (the
    office's group order), in rank order. ``explain=False`` leaves each row's ``explanation`` empty (same
    figures; pages of the live ranking do not show it — :func:`explain_department` gives one department's).
    """
    with _gc_paused():
        return _compute(campaign, group_id=group_id, overall=overall, explain=explain)


@contextmanager
def _gc_paused():
    """No cyclic garbage collection while thousands of rows and totals are built (it found nothing to free
    there, yet its passes over the process's objects took about a quarter of a cold ranking's time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _compute(campaign: Campaign, *, group_id: int | None, overall: bool, explain: bool) -> list[RankRow]:
    rubric = engine_rubric(campaign.rubric)
    participants = _participants(campaign)
    per_dept = dept_sums.load(campaign, rubric, [p[0] for p in participants])
    n_base = rubric.indicator_count

    rows: list[RankRow] = []
    sort_order: dict[int, tuple] = {}
    memo = _totals_memo(campaign.rubric.sha256, explain)
    for dept_id, name, g_id, g_name, state, late_days, g_sort in participants:
        if group_id is not None and g_id != group_id and not overall:
            continue
        sort_order[g_id] = (g_sort, g_name)
        d = per_dept.get(dept_id, dept_sums.NOTHING_SCORED)
        submitted = state == SubmissionState.SUBMITTED
        vetoes = d.vetoes
        na = _not_applicable(rubric, d, g_name)
        complete = (d.scored + len(na) >= n_base  # 不适用 items count as decided
                    or bool(vetoes and rubric.veto_ends_scoring))  # 单项否决 ends scoring
        note = ""
        late = int(late_days or 0) if submitted else 0
        key = (tuple(d.areas.items()), d.bonus, vetoes, late, d.major, tuple(na))  # aggregate is pure
        try:
            t = memo.get(key) or memo.setdefault(key, totals_from_sums(rubric, d.areas, d.bonus, vetoes, late,
                                                                         explain=explain, major_sum=d.major,
                                                                         not_applicable=na))
        except InputError as exc:
            t = None
            complete = False
            note = "得分数据有误：" + "；".join(p.message for p in exc.problems)
        row = RankRow(
            department_id=dept_id, department_name=name, group_id=g_id, group_name=g_name, rank=0,
            total=t.total if t else ZERO, grade="", grade_by_score="",
            areas=dict(t.areas) if t else {}, base=t.base if t else ZERO, bonus=t.bonus if t else ZERO,
            late_deduction=t.late_deduction if t else ZERO, late_days=int(late_days or 0), vetoes=vetoes,
            major=t.major if t else ZERO, ended=t.ended if t else False,
            not_applicable=dict(t.not_applicable) if t else {}, base_raw=t.base_raw if t else None,
            applicable_points=t.applicable_points if t else None,
            submitted=submitted, complete=complete, note=note, explanation=t.explanation_zh if t else (),
        )
        rows.append(row)

    rows.sort(key=lambda r: r.department_name)
    by_group: dict[int, list[RankRow]] = {}
    for r in rows:
        by_group.setdefault(r.group_id, []).append(r)
    ordered: list[RankRow] = []
    for g_id in sorted(by_group, key=lambda g: sort_order[g]):
        members = by_group[g_id]
        _rank_into(rubric, members, overall=False)
        members.sort(key=lambda r: (r.rank, r.department_name))
        ordered.extend(members)
    if overall:
        _rank_into(rubric, ordered, overall=True)
        ordered.sort(key=lambda r: (r.overall_rank, r.department_name))
        if group_id is not None:
            ordered = [r for r in ordered if r.group_id == group_id]
    return ordered


def _not_applicable(rubric, d: "dept_sums.Sums", group: str | None) -> dict[str, str]:
    """A department's 不适用 items: those left out for its ranking group, and those its results hold as 不适用."""
    na = not_applicable_by_group(rubric, group)
    for code in d.na:
        na.setdefault(code, "本单位标为不适用")
    return na


def explain_department(campaign: Campaign, department_id: int) -> tuple[str, ...]:
    """The engine's explanation of one department's live total (what ``compute_ranking(explain=True)`` puts in
    its row), computed on demand from that department's sums alone."""
    rubric = engine_rubric(campaign.rubric)
    sub = db.session.execute(all_departments(select(Submission.state, Submission.late_days, Submission.group_name).where(
        Submission.office_id == campaign.office_id, Submission.campaign_id == campaign.id,
        Submission.department_id == department_id))).first()
    if sub is None:
        return ()
    late = int(sub.late_days or 0) if sub.state == SubmissionState.SUBMITTED else 0
    d = dept_sums.compute(campaign, rubric, [department_id]).get(department_id, dept_sums.NOTHING_SCORED)
    try:
        return totals_from_sums(rubric, d.areas, d.bonus, d.vetoes, late, major_sum=d.major,
                                not_applicable=_not_applicable(rubric, d, sub.group_name)).explanation_zh
    except InputError as exc:
        return ("得分数据有误：" + "；".join(p.message for p in exc.problems),)


_MEMO: "OrderedDict[tuple, dict[tuple, Any]]" = OrderedDict()
_MEMO_ENTRIES = 200_000


def _totals_memo(rubric_sha256: str, explain: bool) -> dict[tuple, Any]:
    """Totals already computed for this rubric, by (area sums, bonus, vetoes, days late).

    ``aggregate`` is pure — equal inputs, equal totals — so they are kept in the process between rankings:
    after a score changes, a recomputation asks the engine again only for the departments whose sums moved.
    Kept per rubric content (the stored version's SHA-256), so a rubric never sees another's totals."""
    key = (rubric_sha256, explain)
    memo = _MEMO.get(key)
    if memo is None or len(memo) > _MEMO_ENTRIES:
        memo = _MEMO[key] = {}
        while len(_MEMO) > 4:
            _MEMO.popitem(last=False)
    _MEMO.move_to_end(key)
    return memo


def _rank_into(rubric: scoring.Rubric, members: list[RankRow], *, overall: bool) -> None:
    entries = [scoring.RankEntry(key=str(i), total=r.total, area_subtotals=r.areas, submitted=r.submitted,
                                 veto=r.veto) for i, r in enumerate(members)]
    for ranked in scoring.rank_group(rubric, entries):
        r = members[int(ranked.key)]
        if overall:
            r.overall_rank = ranked.rank
            continue
        r.rank, r.grade, r.grade_by_score, r.capped = ranked.rank, ranked.grade, ranked.grade_by_score, ranked.capped
        r.group_size = len(members)
        notes = [n for n in (ranked.note_zh, r.note) if n]
        if r.submitted and not r.complete and not r.note:
            notes.append("评分未完成")
        r.note = "；".join(notes)


# --------------------------------------------------------------------------- publication


def latest_publication(campaign: Campaign) -> RankingPublication | None:
    """The campaign's latest publication; its frozen rows (``data``) load only when read (see :func:`frozen_rows`)."""
    return db.session.scalars(
        select(RankingPublication).options(defer(RankingPublication.data))
        .where(RankingPublication.office_id == campaign.office_id, RankingPublication.campaign_id == campaign.id)
        .order_by(RankingPublication.version.desc()).limit(1)
    ).first()


def publications(campaign: Campaign) -> list[RankingPublication]:
    return list(db.session.scalars(
        select(RankingPublication).options(defer(RankingPublication.data))
        .where(RankingPublication.office_id == campaign.office_id, RankingPublication.campaign_id == campaign.id)
        .order_by(RankingPublication.version.desc())
    ))


_FROZEN: "OrderedDict[tuple, list[RankRow]]" = OrderedDict()
_LIVE_SIZE = 8


def frozen_rows(publication: RankingPublication) -> list[RankRow]:
    """A publication's rows. A publication never changes, so its parsed rows are kept in this process (last 8)
    and pages after publication neither parse nor even read the frozen JSON again; rows are copied out."""
    key = (publication.office_id, publication.campaign_id, publication.id, publication.version,
           publication.published_at)
    rows = _FROZEN.get(key)
    with _gc_paused():
        if rows is None:
            rows = [RankRow.from_dict(d) for d in json.loads(publication.data)["rows"]]
            _FROZEN[key] = rows
            while len(_FROZEN) > _LIVE_SIZE:
                _FROZEN.popitem(last=False)
        else:
            _FROZEN.move_to_end(key)
        return [replace(r) for r in rows]


# --------------------------------------------------------------------------- live ranking cache

_LIVE: "OrderedDict[tuple, list[RankRow]]" = OrderedDict()


def fingerprint(campaign: Campaign) -> tuple:
    """What the live ranking depends on, in two plain aggregates over one row per department: every stored
    sums row's version (rewritten with every change to a final score or veto, see :mod:`.sums`) and every
    submission's state, lateness, snapshot and version. Any change to an input changes at least one figure."""
    sub = Submission
    subs = db.session.execute(all_departments(
        select(func.count(), func.sum(sub.version_id), func.max(sub.updated_at), func.sum(sub.late_days),
               func.count().filter(sub.state == SubmissionState.SUBMITTED))
        .where(sub.office_id == campaign.office_id, sub.campaign_id == campaign.id))).one()
    groups = db.session.execute(all_departments(
        select(func.max(Group.updated_at)).where(Group.office_id == campaign.office_id))).scalar()
    return dept_sums.fingerprint(campaign) + tuple(subs) + (groups, campaign.rubric_id)


def live_ranking(campaign: Campaign, *, group_id: int | None = None) -> list[RankRow]:
    """``compute_ranking`` for pages, kept per (office, campaign, fingerprint) in this process (last 8).

    Pages before publication are opened again and again while scores do not move; the fingerprint costs
    about one plain aggregation over the campaign's results, the computation several. Rows are copied out,
    so callers cannot alter the cached ones.
    """
    key = (campaign.office_id, campaign.id, fingerprint(campaign))
    rows = _LIVE.get(key)
    if rows is None:
        rows = compute_ranking(campaign, explain=False)
        _LIVE[key] = rows
        while len(_LIVE) > _LIVE_SIZE:
            _LIVE.popitem(last=False)
    else:
        _LIVE.move_to_end(key)
    with _gc_paused():
        return [replace(r) for r in rows if group_id is None or r.group_id == group_id]


def current_rows(campaign: Campaign, *, group_id: int | None = None) -> tuple[list[RankRow], RankingPublication | None]:
    """What pages show: the latest publication's frozen rows if published, else the live computation."""
    pub = latest_publication(campaign)
    if pub is None:
        return live_ranking(campaign, group_id=group_id), None
    rows = frozen_rows(pub)
    if group_id is not None:
        rows = [r for r in rows if r.group_id == group_id]
    return rows, pub


PUBLISHABLE = (CampaignState.REVIEW, CampaignState.RECHECK, CampaignState.PUBLISHED, CampaignState.CLOSED)


def publish_ranking(campaign: Campaign, actor: Any, reason: str = "") -> RankingPublication:
    """Freeze the current ranking as the next publication version (audit: ranking.publish / ranking.republish).

    The first publication may go without a reason; a re-publication (a correction) needs one, and its
    audit entry lists the departments whose total, rank or grade changed.
    """
    reason = (reason or "").strip()
    if campaign.state not in PUBLISHABLE:
        raise RankingError("评审开始前不能发布排名。", "campaign")
    previous = latest_publication(campaign)
    if previous is not None and not reason:
        raise RankingError("排名已发布；重新发布（更正）须填写原因。", "reason")
    if len(reason) > 1000:
        raise RankingError("原因不能超过1000字。", "reason")
    rows = compute_ranking(campaign)
    if not rows:
        raise RankingError("本次考核还没有参评部门，不能发布排名。", "campaign")
    incomplete = [r for r in rows if r.submitted and not r.complete]
    if incomplete:
        from ..review.progress import review_complete  # what waits where, as the campaign page says it

        names = "、".join(r.department_name for r in incomplete[:3])
        detail = review_complete(campaign)
        raise RankingError(f"尚有{len(incomplete)}个已报送部门评分未完成（如{names}），不能发布排名。"
                           + (str(detail) if detail else ""), "campaign")
    rubric = engine_rubric(campaign.rubric)
    version = (previous.version if previous else 0) + 1
    payload = {"rubric": {"code": rubric.code, "version": rubric.version, "name": rubric.name,
                          "areas": [[a.code, a.title, str(a.points)] for a in rubric.areas]},
               "computed_at": utcnow().isoformat(), "rows": [r.to_dict() for r in rows]}
    pub = RankingPublication(office_id=campaign.office_id, campaign_id=campaign.id, version=version,
                             published_at=utcnow(), published_by_id=getattr(actor, "id", None), reason=reason,
                             data=json.dumps(payload, ensure_ascii=False))
    db.session.add(pub)
    db.session.flush()
    changed: list[str] = []
    if previous is not None:
        before = {r.department_id: r for r in frozen_rows(previous)}
        for r in rows:
            b = before.get(r.department_id)
            if b is None or (b.total, b.rank, b.grade) != (r.total, r.rank, r.grade):
                changed.append(f"{r.department_name}：{b.total if b else '-'}→{r.total}，"
                               f"第{b.rank if b else '-'}→{r.rank}名，{b.grade if b else '-'}→{r.grade}")
    record(campaign.office_id, "ranking.republish" if previous else "ranking.publish", "ranking_publication", pub.id,
           actor=actor, campaign_id=campaign.id,
           old={"version": previous.version} if previous else None,
           new={"version": version, "departments": len(rows), "changed": changed[:200]},
           reason=reason)
    return pub


def grade_counts(rows: Iterable[RankRow]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        out[r.grade] = out.get(r.grade, 0) + 1
    return out
