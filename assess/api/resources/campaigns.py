"""Rubric versions, campaigns (list, create, state, transition), their departments' progress, reviewer
assignments — through assess.campaigns.services and assess.review.services."""
from __future__ import annotations

from apiflask import Schema
from apiflask import fields as f
from apiflask.validators import Length, OneOf
from flask_babel import gettext as _
from sqlalchemy import select

from ...campaigns import services as cs
from ...models import Campaign, CampaignState, Department, Role, Rubric, Submission, SubmissionState, User
from ...review import services as review_services
from ...tenancy.permissions import is_office_reader
from ...tenancy.roles import OFFICE_STAFF, TENANT_ROLES
from ...tenancy.scope import get_scoped_or_404
from ..v1 import (Id, VERSIONED, ApiError, PageQuery, commit, field_map, if_match, iso, office_of_user, page_of,
                  paginate, roles, user, v1, with_etag)

STATES = [s.value for s in CampaignState]
SUBMISSION_STATES = [s.value for s in SubmissionState]
TAG = "考核"


def is_office_user() -> bool:
    return is_office_reader(user())


def require_office_user() -> None:
    """Office staff and office-bound viewers only (department-bound viewers are refused, as in the browser)."""
    if not is_office_user():
        raise ApiError(403, "forbidden", _("您的角色无权执行此操作。"))


def load_campaign(campaign_id: int) -> Campaign:
    """Through the scope; a department sees only campaigns it takes part in, never drafts."""
    campaign = get_scoped_or_404(Campaign, campaign_id)
    u = user()
    if u.department_id is not None:
        joined = db_scalar(select(Submission.id).where(Submission.campaign_id == campaign.id,
                                                       Submission.department_id == u.department_id))
        if joined is None or campaign.state == CampaignState.DRAFT:
            raise ApiError(404, "not_found", _("页面不存在"))
    return campaign


def db_scalar(stmt):
    from ...extensions import db

    return db.session.scalar(stmt)


# --- rubrics ----------------------------------------------------------------------------------------------


class RubricOut(Schema):
    id = f.Integer(required=True)
    family = f.String(required=True)
    name = f.String(required=True)
    year = f.Integer(required=True)
    version = f.Integer(required=True)
    frozen = f.Boolean(required=True)
    created_at = f.String(allow_none=True)


@v1.get("/rubrics")
@roles(Role.OFFICE_ADMIN)
@v1.input(PageQuery, location="query", arg_name="query")
@v1.output(page_of(RubricOut, "RubricPage"))
@v1.doc(tags=[TAG], summary="考核细则版本", description="本单位保存的细则版本（创建考核时选择）。")
def list_rubrics(query):
    office = office_of_user()
    rows = cs.office_rubrics(office.id)
    return paginate(rows, query, lambda r: {"id": r.id, "family": r.family, "name": r.name, "year": r.year,
                                            "version": r.version, "frozen": r.frozen, "created_at": iso(r.created_at)})


# --- campaigns --------------------------------------------------------------------------------------------


class CampaignOut(Schema):
    id = f.Integer(required=True)
    name = f.String(required=True)
    year = f.Integer(required=True)
    state = f.String(required=True, metadata={"enum": STATES})
    state_label = f.String(required=True)
    rubric_id = f.Integer(required=True)
    self_deadline = f.String(allow_none=True)
    review_start = f.String(allow_none=True)
    review_end = f.String(allow_none=True)
    recheck_start = f.String(allow_none=True)
    recheck_end = f.String(allow_none=True)
    rectify_deadline = f.String(allow_none=True)
    state_changed_at = f.String(allow_none=True)
    version = f.Integer(required=True, metadata={"description": "版本（ETag），转换阶段时放在 If-Match"})


class TransitionOut(Schema):
    target = f.String(required=True)
    label = f.String(required=True)
    problems = f.List(f.String(), required=True, metadata={"description": "不能转入的原因（为空则可以）"})
    warnings = f.List(f.String(), required=True, metadata={
        "description": "可以转入但须确认的提示（转入时 confirm 须为 true）"})


class CampaignDetailOut(CampaignOut):
    counts = f.Dict(keys=f.String(), values=f.Integer(), allow_none=True,
                    metadata={"description": "各自评状态的部门数（单位账号可见）"})
    transitions = f.List(f.Nested(TransitionOut), required=True)


def campaign_dict(c: Campaign) -> dict:
    return {"id": c.id, "name": c.name, "year": c.year, "state": c.state.value,
            "state_label": str(cs.STATE_LABELS[c.state]), "rubric_id": c.rubric_id,
            **{k: iso(getattr(c, k)) for k in cs.DATE_FIELDS}, "state_changed_at": iso(c.state_changed_at),
            "version": c.version_id}


class CampaignQuery(PageQuery):
    state = f.String(load_default=None, validate=OneOf(STATES))
    year = f.Integer(load_default=None)


@v1.get("/campaigns")
@roles(*TENANT_ROLES)
@v1.input(CampaignQuery, location="query", arg_name="query")
@v1.output(page_of(CampaignOut, "CampaignPage"))
@v1.doc(tags=[TAG], summary="考核列表", description="单位账号：本单位全部考核；部门账号：本部门参加的（草稿除外）。")
def list_campaigns(query):
    u = user()
    if u.department_id is not None:
        rows = [s.campaign for s in cs.department_submissions(u.department_id)]
    else:
        rows = cs.office_campaigns(u.office_id) if u.office_id else []
    if query.get("state"):
        rows = [c for c in rows if c.state.value == query["state"]]
    if query.get("year") is not None:
        rows = [c for c in rows if c.year == query["year"]]
    return paginate(rows, query, campaign_dict)


class CampaignIn(Schema):
    name = f.String(required=True, validate=Length(max=200))
    year = f.Integer(required=True)
    rubric_id = Id(required=True)
    group_ids = f.List(Id(), load_default=list)
    department_ids = f.List(Id(), load_default=list)
    allow_other_year = f.Boolean(load_default=False, metadata={
        "description": "所选细则的年度与考核年度不同时须为 true（表示确认沿用其他年度的细则）。"})
    self_deadline = f.Date(load_default=None)
    review_start = f.Date(load_default=None)
    review_end = f.Date(load_default=None)
    recheck_start = f.Date(load_default=None)
    recheck_end = f.Date(load_default=None)
    rectify_deadline = f.Date(load_default=None)


@v1.post("/campaigns")
@roles(Role.OFFICE_ADMIN)
@v1.input(CampaignIn, arg_name="data")
@v1.output(CampaignOut, status_code=201)
@v1.doc(tags=[TAG], summary="创建考核（草稿）", description="与页面相同的规则：细则版本、年度、日期顺序、至少一个部门。")
def create_campaign(data):
    office = office_of_user()
    rubric = db_scalar(select(Rubric).where(Rubric.id == data["rubric_id"]))
    campaign = cs.create_campaign(
        office, name=data["name"], year=data["year"], rubric=rubric, actor=user(),
        group_ids=data["group_ids"], department_ids=data["department_ids"],
        allow_other_year=data["allow_other_year"], **{k: data.get(k) for k in cs.DATE_FIELDS})
    commit()
    return with_etag(campaign_dict(campaign), campaign.version_id, 201)


@v1.get("/campaigns/<int:campaign_id>")
@roles(*TENANT_ROLES)
@v1.output(CampaignDetailOut)
@v1.doc(tags=[TAG], summary="一次考核：阶段、进度、可转入的阶段", description="响应头 ETag 为考核的版本。")
def get_campaign(campaign_id: int):
    campaign = load_campaign(campaign_id)
    body = campaign_dict(campaign)
    body["counts"], body["transitions"] = None, []
    if is_office_user():
        _rows, counts = cs.progress(campaign)
        body["counts"] = {k.value: v for k, v in counts.items()}
        body["transitions"] = [{"target": t.target.value, "label": str(t.label),
                                "problems": cs.transition_problems(campaign, t.target),
                                "warnings": cs.transition_warnings(campaign, t.target)}
                               for t in cs.next_transitions(campaign)]
    return with_etag(body, campaign.version_id)


class TransitionIn(Schema):
    target = f.String(required=True, validate=OneOf(STATES))
    reason = f.String(load_default="", validate=Length(max=1000))
    confirm = f.Boolean(load_default=False, metadata={
        "description": "该步骤有提示（GET 返回的 warnings，如尚有部门未提交、提前开启复核）时须为 true。"})


@v1.post("/campaigns/<int:campaign_id>/transition")
@roles(Role.OFFICE_ADMIN)
@v1.input(TransitionIn, arg_name="data")
@v1.output(CampaignOut)
@v1.doc(tags=[TAG], summary="转入下一阶段", responses=VERSIONED,
        description="带 If-Match（考核版本）。前提条件不满足时 422，message 列出全部原因。")
def transition_campaign(campaign_id: int, data):
    campaign = load_campaign(campaign_id)
    require_office_user()
    if_match(campaign.version_id)
    cs.transition(campaign, data["target"], actor=user(), reason=data.get("reason") or "", confirmed=data["confirm"])
    commit()
    return with_etag(campaign_dict(campaign), campaign.version_id)


# --- progress (participating departments) -----------------------------------------------------------------


class SubmissionRowOut(Schema):
    submission_id = f.Integer(required=True)
    department_id = f.Integer(required=True)
    department_name = f.String(required=True)
    group_name = f.String(required=True)
    state = f.String(required=True, metadata={"enum": SUBMISSION_STATES})
    last_change_at = f.String(allow_none=True)
    submitted_at = f.String(allow_none=True)
    late_days = f.Integer(required=True)
    overdue = f.Boolean(required=True, metadata={"description": "自评截止日期已过仍未提交"})
    overdue_days = f.Integer(required=True, metadata={
        "description": "未提交且已过截止日期的天数（自评阶段内逐日增加；之后为 0，见 overdue）"})


class ProgressQuery(PageQuery):
    state = f.String(load_default=None, validate=OneOf(SUBMISSION_STATES))


@v1.get("/campaigns/<int:campaign_id>/submissions")
@roles(*TENANT_ROLES)
@v1.input(ProgressQuery, location="query", arg_name="query")
@v1.output(page_of(SubmissionRowOut, "SubmissionRowPage"))
@v1.doc(tags=[TAG], summary="参加考核的部门及自评状态",
        description="单位账号：全部部门；部门账号：本部门。可按自评状态筛选。")
def list_campaign_submissions(campaign_id: int, query):
    campaign = load_campaign(campaign_id)
    stmt = select(Submission).where(Submission.campaign_id == campaign.id).order_by(
        Submission.group_id, Submission.department_name, Submission.id)
    if query.get("state"):
        stmt = stmt.where(Submission.state == SubmissionState(query["state"]))
    days = cs.overdue_days(campaign)

    def row(s: Submission) -> dict:
        overdue, shown = cs.overdue_status(campaign, s.state, days)
        return {"submission_id": s.id, "department_id": s.department_id, "department_name": s.department_name,
                "group_name": s.group_name, "state": s.state.value, "last_change_at": iso(s.last_change_at),
                "submitted_at": iso(s.submitted_at), "late_days": s.late_days, "overdue": overdue,
                "overdue_days": shown}

    return paginate(stmt, query, row)


# --- reviewer assignments ---------------------------------------------------------------------------------


class AssignmentOut(Schema):
    id = f.Integer(required=True)
    department_id = f.Integer(required=True)
    reviewer_id = f.Integer(required=True)
    reviewer_name = f.String(required=True)
    is_lead = f.Boolean(required=True)


class AssignmentIn(Schema):
    department_id = Id(required=True)
    reviewer_id = Id(required=True)
    lead = f.Boolean(load_default=None)


def _assignment(a) -> dict:
    reviewer = db_scalar(select(User).where(User.id == a.reviewer_id))
    return {"id": a.id, "department_id": a.department_id, "reviewer_id": a.reviewer_id,
            "reviewer_name": reviewer.display_name if reviewer else "", "is_lead": a.is_lead}


class AssignmentQuery(PageQuery):
    department_id = Id(load_default=None)


@v1.get("/campaigns/<int:campaign_id>/assignments")
@roles(*OFFICE_STAFF)
@v1.input(AssignmentQuery, location="query", arg_name="query")
@v1.output(page_of(AssignmentOut, "AssignmentPage"))
@v1.doc(tags=["评审"], summary="评审分配")
def list_assignments(campaign_id: int, query):
    from ...models import ReviewAssignment

    campaign = load_campaign(campaign_id)
    stmt = select(ReviewAssignment).where(ReviewAssignment.campaign_id == campaign.id).order_by(
        ReviewAssignment.department_id, ReviewAssignment.is_lead.desc(), ReviewAssignment.id)
    if query.get("department_id") is not None:
        stmt = stmt.where(ReviewAssignment.department_id == query["department_id"])
    return paginate(stmt, query, _assignment)


@v1.post("/campaigns/<int:campaign_id>/assignments")
@roles(Role.OFFICE_ADMIN)
@v1.input(AssignmentIn, arg_name="data")
@v1.output(AssignmentOut, status_code=201)
@v1.doc(tags=["评审"], summary="分配评审人员", description="与页面相同的规则：最多两人、第一人为组长、利益冲突回避。")
def create_assignment(campaign_id: int, data):
    campaign = load_campaign(campaign_id)
    field_map({"department_ids": "department_id"})
    reviewer = db_scalar(select(User).where(User.id == data["reviewer_id"]))
    if reviewer is None:
        raise review_services.ReviewError(_("评审人员不存在。"), "reviewer_id")
    dept = db_scalar(select(Department).where(Department.id == data["department_id"]))
    if dept is None:
        raise review_services.ReviewError(_("该部门未参加本次考核。"), "department_ids")
    row = review_services.assign(campaign, dept.id, reviewer, actor=user(), lead=data.get("lead"))
    commit()
    return _assignment(row), 201

