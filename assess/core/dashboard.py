"""What each role's home page shows: read-only figures that say what to do next, with where to do it.

Nothing here changes data. Where a capability already has the rule (what counts as overdue, who may answer a
contest, how far a self-assessment is filled in), its service is called; the few counts that are only read
here (submissions per state, decided indicators per department) are single aggregate queries on the same
columns the capabilities' own checks read (``review.progress.review_complete`` counts a department as fully
reviewed exactly as :func:`office_campaigns` does). Queries run inside the request's tenant scope and also
name the office explicitly, so a home page never shows another tenant's rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..campaigns import services as campaigns
from ..extensions import db
from ..models import (Campaign, CampaignState, Contest, IndicatorResult, ItemState, Notice, NoticeItem, NoticeState,
                      ReviewAssignment, ReviewScore, Role, Submission, SubmissionState, User)
from ..rectification import services as rectification
from ..review import services as review
from ..selfassessment import services as selfassessment

# The date a stage works towards, and how it is named on the page.
STAGE_DEADLINES: dict[CampaignState, tuple[str, object]] = {
    CampaignState.DRAFT: ("self_deadline", _l("自评截止")),
    CampaignState.SELF_ASSESSMENT: ("self_deadline", _l("自评截止")),
    CampaignState.REVIEW: ("review_end", _l("评审截止")),
    CampaignState.RECHECK: ("recheck_end", _l("复核截止")),
    CampaignState.PUBLISHED: ("rectify_deadline", _l("整改截止")),
}
UNSUBMITTED = (SubmissionState.NOT_STARTED, SubmissionState.IN_PROGRESS, SubmissionState.AWAITING_LEADER,
               SubmissionState.RETURNED)


@dataclass(frozen=True)
class Deadline:
    label: object
    day: date
    days_left: int  # negative once passed

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def deadline_of(campaign: Campaign, today: date) -> Deadline | None:
    """The date the campaign's current stage works towards (None when none is set or the stage has none)."""
    spec = STAGE_DEADLINES.get(campaign.state)
    if spec is None:
        return None
    day = getattr(campaign, spec[0])
    if day is None:
        return None
    return Deadline(spec[1], day, (day - today).days)


def _deadline(label: object, day: date | None, today: date) -> Deadline | None:
    return Deadline(label, day, (day - today).days) if day else None


# --------------------------------------------------------------------------------------------- office


@dataclass
class OfficeCampaign:
    campaign: Campaign
    deadline: Deadline | None
    departments: int
    counts: dict[SubmissionState, int]
    submitted_late: int  # submitted after the deadline (late_days > 0)
    indicators_decided: int  # of the submitted departments
    indicators_to_decide: int
    departments_reviewed: int  # submitted departments with every indicator decided
    needs_lead: int  # indicators where two reviewers differ beyond the threshold
    unassigned: int  # submitted departments without a reviewer
    open_contests: int

    @property
    def submitted(self) -> int:
        return self.counts[SubmissionState.SUBMITTED]

    @property
    def not_started(self) -> int:
        return self.counts[SubmissionState.NOT_STARTED]

    @property
    def in_progress(self) -> int:
        return sum(self.counts[s] for s in UNSUBMITTED) - self.not_started

    @property
    def unsubmitted(self) -> int:
        return self.departments - self.submitted

    @property
    def late_unsubmitted(self) -> int:
        """Departments still not submitted after the self-assessment deadline."""
        over = self.campaign.self_deadline is not None and self.deadline is not None and \
            self.campaign.state == CampaignState.SELF_ASSESSMENT and self.deadline.overdue
        return self.unsubmitted if over else 0


@dataclass
class OfficeHome:
    campaigns: list[OfficeCampaign]
    overdue_items: int  # rectification items past their notice's deadline, not accepted
    items_to_check: int  # answered by the department's leader, waiting for the office's check
    open_items: int


def _decided_per_department(campaign: Campaign) -> dict[int, int]:
    ir = IndicatorResult
    return dict(db.session.execute(select(ir.department_id, func.count()).where(
        ir.office_id == campaign.office_id, ir.campaign_id == campaign.id, ir.final_score.is_not(None))
        .group_by(ir.department_id)).all())


def office_campaign(campaign: Campaign, today: date) -> OfficeCampaign:
    _rows, counts = campaigns.progress(campaign)
    submitted_ids = set(db.session.scalars(select(Submission.department_id).where(
        Submission.office_id == campaign.office_id, Submission.campaign_id == campaign.id,
        Submission.state == SubmissionState.SUBMITTED)))
    late = db.session.scalar(select(func.count()).select_from(Submission).where(
        Submission.office_id == campaign.office_id, Submission.campaign_id == campaign.id,
        Submission.state == SubmissionState.SUBMITTED, Submission.late_days > 0)) or 0
    total = len(review.indicator_codes(review.rubric_of(campaign)))
    decided = _decided_per_department(campaign)
    decided_sum = sum(min(decided.get(d, 0), total) for d in submitted_ids)
    reviewed = sum(1 for d in submitted_ids if decided.get(d, 0) >= total)
    ir = IndicatorResult
    needs_lead = db.session.scalar(select(func.count()).select_from(ir).where(
        ir.office_id == campaign.office_id, ir.campaign_id == campaign.id, ir.needs_lead.is_(True))) or 0
    assigned = set(db.session.scalars(select(ReviewAssignment.department_id).where(
        ReviewAssignment.office_id == campaign.office_id, ReviewAssignment.campaign_id == campaign.id)))
    contests = db.session.scalar(select(func.count()).select_from(Contest).where(
        Contest.office_id == campaign.office_id, Contest.campaign_id == campaign.id, Contest.outcome.is_(None))) or 0
    return OfficeCampaign(
        campaign=campaign, deadline=deadline_of(campaign, today), departments=sum(counts.values()), counts=counts,
        submitted_late=late, indicators_decided=decided_sum, indicators_to_decide=total * len(submitted_ids) - decided_sum,
        departments_reviewed=reviewed, needs_lead=needs_lead, unassigned=len(submitted_ids - assigned),
        open_contests=contests)


def current_campaigns(office_id: int) -> list[Campaign]:
    """The office's campaigns still running (not closed), newest first."""
    return [c for c in campaigns.office_campaigns(office_id) if c.state != CampaignState.CLOSED]


def office_home(office_id: int, today: date) -> OfficeHome:
    open_items = db.session.scalar(
        select(func.count()).select_from(NoticeItem).join(Notice, Notice.id == NoticeItem.notice_id)
        .where(NoticeItem.office_id == office_id, Notice.state == NoticeState.SENT,
               NoticeItem.state != ItemState.ACCEPTED)) or 0
    to_check = db.session.scalar(
        select(func.count()).select_from(NoticeItem).join(Notice, Notice.id == NoticeItem.notice_id)
        .where(NoticeItem.office_id == office_id, Notice.state == NoticeState.SENT,
               NoticeItem.state == ItemState.SUBMITTED)) or 0
    return OfficeHome(
        campaigns=[office_campaign(c, today) for c in current_campaigns(office_id)],
        overdue_items=rectification.overdue_count(office_id, today=today), items_to_check=to_check,
        open_items=open_items)


# --------------------------------------------------------------------------------------------- department


@dataclass
class SelfTask:
    """One campaign's self-assessment as seen by a department user: what to do and by when."""

    submission: Submission
    action: str  # fill | approve | wait_leader | submitted
    deadline: Deadline | None
    done: int = 0
    total: int = 0


@dataclass
class RecheckTask:
    submission: Submission
    deductions: int
    contested: int
    deadline: Deadline | None


@dataclass
class ItemTask:
    item: NoticeItem
    notice: Notice
    action: str  # answer | answer_again | approve | wait_leader
    deadline: Deadline
    overdue: bool


@dataclass
class DepartmentHome:
    self_tasks: list[SelfTask] = field(default_factory=list)
    recheck: list[RecheckTask] = field(default_factory=list)
    items: list[ItemTask] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.self_tasks or self.recheck or self.items)

    @property
    def by_notice(self) -> list[tuple[Notice, Deadline, list[ItemTask]]]:
        """The items grouped under their notice, notices in deadline order (as ``items`` is sorted)."""
        groups: dict[int, tuple[Notice, Deadline, list[ItemTask]]] = {}
        for t in self.items:
            groups.setdefault(t.notice.id, (t.notice, t.deadline, []))[2].append(t)
        return list(groups.values())


def _self_action(state: SubmissionState, leader: bool) -> str:
    if state == SubmissionState.SUBMITTED:
        return "submitted"
    if state == SubmissionState.AWAITING_LEADER:
        return "approve" if leader else "wait_leader"
    return "fill"


def _item_action(state: ItemState, leader: bool) -> str:
    if state == ItemState.AWAITING_LEADER:
        return "approve" if leader else "wait_leader"
    return "answer_again" if state == ItemState.RETURNED else "answer"


def department_home(user: User, today: date) -> DepartmentHome:
    """Tasks of a department's editor or leader (a department viewer gets the same list, read only)."""
    leader = user.role == Role.DEPT_ADMIN
    home = DepartmentHome()
    for sub in campaigns.department_submissions(user.department_id):
        c = sub.campaign
        if c.state == CampaignState.SELF_ASSESSMENT:
            task = SelfTask(sub, _self_action(sub.state, leader),
                            _deadline(_l("自评截止"), c.self_deadline, today))
            if task.action != "submitted":
                prog = selfassessment.progress(sub)
                task.done, task.total = prog.done, prog.total
            home.self_tasks.append(task)
        elif c.state == CampaignState.RECHECK and review.recheck_open(c, today):
            found = review.deductions(sub)
            if found:
                contested = db.session.scalar(select(func.count()).select_from(Contest).where(
                    Contest.office_id == sub.office_id, Contest.campaign_id == c.id,
                    Contest.department_id == sub.department_id)) or 0
                home.recheck.append(RecheckTask(sub, len(found), contested,
                                                _deadline(_l("复核截止"), c.recheck_end, today)))
    rows = db.session.execute(
        select(NoticeItem, Notice).join(Notice, Notice.id == NoticeItem.notice_id)
        .where(NoticeItem.office_id == user.office_id, NoticeItem.department_id == user.department_id,
               Notice.state == NoticeState.SENT,
               NoticeItem.state.in_((ItemState.PENDING, ItemState.RETURNED, ItemState.AWAITING_LEADER)))
        .order_by(Notice.deadline, Notice.id, NoticeItem.position, NoticeItem.id)).all()
    for item, notice in rows:
        home.items.append(ItemTask(item, notice, _item_action(item.state, leader),
                                   _deadline(_l("整改期限"), notice.deadline, today),
                                   rectification.is_overdue(item, notice, today)))
    return home


# --------------------------------------------------------------------------------------------- reviewer


@dataclass
class WaitingDepartment:
    submission: Submission
    scored: int  # indicators this reviewer has scored
    total: int


@dataclass
class ReviewerCampaign:
    campaign: Campaign
    deadline: Deadline | None
    waiting: list[WaitingDepartment]
    assigned: int
    reviewed: int  # assigned, submitted and fully scored by this reviewer
    contests: list[Contest]  # open contests this reviewer may answer


def reviewer_home(user: User, today: date) -> list[ReviewerCampaign]:
    """Per running campaign where the reviewer is assigned: the submitted departments they have not finished
    scoring, and the open contests they must answer (``review.contests.may_answer``)."""
    out = []
    for c in current_campaigns(user.office_id):
        assigned = set(db.session.scalars(select(ReviewAssignment.department_id).where(
            ReviewAssignment.office_id == c.office_id, ReviewAssignment.campaign_id == c.id,
            ReviewAssignment.reviewer_id == user.id)))
        if not assigned:
            continue
        total = len(review.indicator_codes(review.rubric_of(c)))
        subs = db.session.scalars(select(Submission).where(
            Submission.office_id == c.office_id, Submission.campaign_id == c.id,
            Submission.state == SubmissionState.SUBMITTED, Submission.department_id.in_(assigned))
            .order_by(Submission.group_name, Submission.department_name)).all()
        scored = dict(db.session.execute(select(ReviewScore.department_id, func.count()).where(
            ReviewScore.office_id == c.office_id, ReviewScore.campaign_id == c.id,
            ReviewScore.reviewer_id == user.id).group_by(ReviewScore.department_id)).all())
        waiting = [WaitingDepartment(s, scored.get(s.department_id, 0), total) for s in subs
                   if scored.get(s.department_id, 0) < total]
        reviewing = c.state in (CampaignState.REVIEW, CampaignState.RECHECK)
        contests = [k for k in review.contests_for(c, user) if k.outcome is None and review.may_answer(k, user) is None]
        out.append(ReviewerCampaign(c, deadline_of(c, today), waiting if reviewing else [], len(assigned),
                                    len(subs) - len(waiting), contests))
    return out


def submission_names(contests: list[Contest]) -> dict[int, str]:
    """Contest id → the department's name as the campaign recorded it (the submission's snapshot)."""
    if not contests:
        return {}
    names = {(cid, did): name for cid, did, name in db.session.execute(
        select(Submission.campaign_id, Submission.department_id, Submission.department_name).where(
            Submission.office_id == contests[0].office_id,
            Submission.campaign_id.in_({k.campaign_id for k in contests})))}
    return {k.id: names.get((k.campaign_id, k.department_id), "") for k in contests}
