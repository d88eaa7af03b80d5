"""Review scores (read, write with problem statements, lead decisions) and per-indicator results, through
assess.review.services; who may see what follows the review pages (``review.access``)."""
from __future__ import annotations

from apiflask import Schema
from apiflask import fields as f
from apiflask.validators import Length
from flask import request
from flask_babel import gettext as _
from sqlalchemy import select

from ...models import IndicatorResult, ReviewScore, Submission, User
from ...review import services as review_services
from ...review.access import can_see_results
from ...tenancy.roles import OFFICE_STAFF, TENANT_ROLES
from ...tenancy.scope import get_scoped_or_404
from ..v1 import (VERSIONED, ApiError, Id, commit, dec, etag, field_map, if_match, iso, roles, user, v1,
                  with_etag)

TAG = "评审"


class ScoreOut(Schema):
    reviewer_id = f.Integer(required=True)
    reviewer_name = f.String(required=True)
    score = f.String(allow_none=True)
    veto = f.Boolean(required=True)
    problem = f.String(required=True)
    reason = f.String(required=True)
    version = f.Integer(required=True, metadata={"description": "该评分的版本（0 = 尚未评分）"})
    updated_at = f.String(allow_none=True)


class ResultOut(Schema):
    self_score = f.String(allow_none=True)
    suggested_score = f.String(allow_none=True)
    reviewed_score = f.String(allow_none=True)
    recheck_score = f.String(allow_none=True)
    final_score = f.String(allow_none=True)
    veto = f.Boolean(required=True)
    problem = f.String(required=True)
    needs_lead = f.Boolean(required=True)
    version = f.Integer(required=True, metadata={"description": "结果版本（组长裁定时放在 If-Match）"})


class ReviewRowOut(Schema):
    code = f.String(required=True)
    title = f.String(required=True)
    section = f.String(required=True)
    points = f.String(required=True)
    min = f.String(required=True)
    max = f.String(required=True)
    step = f.String(required=True)
    veto_item = f.Boolean(required=True)
    self_score = f.String(allow_none=True)
    suggested_score = f.String(allow_none=True)
    suggestion = f.String(required=True, metadata={"description": "规则给出建议分的计算说明"})
    mine = f.Nested(ScoreOut, required=True)
    others = f.List(f.Nested(ScoreOut), required=True)
    difference = f.String(allow_none=True)
    result = f.Nested(ResultOut, allow_none=True)


class ReviewSheetOut(Schema):
    submission_id = f.Integer(required=True)
    department_name = f.String(required=True)
    reviewer_id = f.Integer(required=True, metadata={"description": "这些“mine”评分属于谁"})
    rows = f.List(f.Nested(ReviewRowOut), required=True)


def _score(s: ReviewScore | None, owner: User | None) -> dict:
    return {"reviewer_id": owner.id if owner else (s.reviewer_id if s else 0),
            "reviewer_name": owner.display_name if owner else "",
            "score": dec(s.score) if s else None, "veto": bool(s.veto) if s else False,
            "problem": s.problem if s else "", "reason": s.reason if s else "",
            "version": s.version_id if s else 0, "updated_at": iso(s.updated_at) if s else None}


def _result(r: IndicatorResult | None) -> dict | None:
    if r is None:
        return None
    return {"self_score": dec(r.self_score), "suggested_score": dec(r.suggested_score),
            "reviewed_score": dec(r.reviewed_score), "recheck_score": dec(r.recheck_score),
            "final_score": dec(r.final_score), "veto": bool(r.veto), "problem": r.problem,
            "needs_lead": bool(r.needs_lead), "version": r.version_id}


def _load_for_review(submission_id: int) -> Submission:
    sub = get_scoped_or_404(Submission, submission_id)
    if not review_services.may_review(user(), sub):
        raise ApiError(403, "forbidden", _("您未被分配评审该部门。"))
    return sub


def _indicator_in(sub: Submission, code: str) -> None:
    """A code the campaign's rubric does not have is a 404 naming it."""
    if review_services.rubric_of(sub.campaign).indicator(code) is None:
        raise ApiError(404, "not_found", _("未知指标“%(c)s”。", c=code), "code")


def _owner(sub: Submission, requested: int | None) -> int:
    try:
        return review_services.score_owner(sub, user(), requested)
    except review_services.ReviewError:
        return user().id


class SheetQuery(Schema):
    reviewer_id = Id(load_default=None, metadata={"description": "公开办管理员代某位评审人员查看/录入时指定"})


@v1.get("/submissions/<int:submission_id>/review")
@roles(*OFFICE_STAFF)
@v1.input(SheetQuery, location="query", arg_name="query")
@v1.output(ReviewSheetOut)
@v1.doc(tags=[TAG], summary="评审表：每个指标的自评、建议分、我的评分、其他评审的评分、结果",
        description="评审人员只能看分配给自己的部门；公开办管理员可看全部。")
def review_sheet(submission_id: int, query):
    sub = _load_for_review(submission_id)
    owner_id = _owner(sub, query.get("reviewer_id"))
    owner = get_user(owner_id)
    rows = []
    for row in review_services.review_sheet(sub, owner_id):
        rows.append({
            "code": row.code, "title": row.title, "section": row.area, "points": dec(row.points),
            "min": dec(row.bounds.min), "max": dec(row.bounds.max), "step": dec(row.bounds.step),
            "veto_item": row.veto_item, "self_score": dec(row.self_score),
            "suggested_score": dec(row.suggestion.score), "suggestion": str(row.suggestion.explanation),
            "mine": _score(row.mine, owner), "others": [_score(s, u) for u, s in row.others],
            "difference": dec(row.difference), "result": _result(row.result)})
    return {"submission_id": sub.id, "department_name": sub.department_name, "reviewer_id": owner_id, "rows": rows}


def get_user(user_id: int) -> User | None:
    from ...extensions import db

    return db.session.scalar(select(User).where(User.id == user_id))


class ScoreIn(Schema):
    accept = f.Boolean(load_default=False, metadata={"description": "true：采纳自评分（或建议分）"})
    score = f.String(load_default=None, allow_none=True, metadata={"description": "评审分（accept 为 false 时）"})
    veto = f.Boolean(load_default=False, metadata={"description": "一票否决项：认定触发"})
    problem = f.String(load_default="", metadata={"description": "问题描述：评审分低于自评分或认定否决时必填"})
    reason = f.String(load_default="")
    reviewer_id = Id(load_default=None, metadata={"description": "公开办管理员代某位评审人员录入"})
    evidence_url = f.String(load_default="", validate=Length(max=2100))
    evidence_title = f.String(load_default="")


@v1.put("/submissions/<int:submission_id>/review/<code>")
@roles(*OFFICE_STAFF)
@v1.input(ScoreIn, arg_name="data")
@v1.output(ScoreOut)
@v1.doc(tags=[TAG], summary="评一个指标（分数、问题描述、证据链接）", responses=VERSIONED,
        description="与评审页面相同的规则（分数范围和步长、低于自评分须写问题描述）。已有评分时须带 If-Match（评分版本）。")
def put_score(submission_id: int, code: str, data):
    sub = _load_for_review(submission_id)
    _indicator_in(sub, code)
    owner_id = _owner(sub, data.get("reviewer_id"))
    row = _existing_score(sub, code, owner_id)
    if row is not None:
        version = if_match(row.version_id)
    else:
        _if_match_absent(0)
        version = 0
    field_map({"evidence_url": "evidence_url", "evidence_title": "evidence_title"})
    try:
        saved = review_services.save_score(sub, code, actor=user(), version=version, accept=data["accept"],
                                           score=data["score"], veto=data["veto"], problem=data["problem"],
                                           reason=data["reason"], reviewer_id=data.get("reviewer_id"),
                                           evidence_url=data["evidence_url"],
                              evidence_title=data["evidence_title"])
    except review_services.ReviewError as exc:
        if exc.field == "version":
            current = _existing_score(sub, code, owner_id)
            cur = current.version_id if current else 0
            raise ApiError(412, "version_conflict", str(exc), headers={"ETag": etag(cur)}, current_version=cur) from None
        raise
    commit()
    return with_etag(_score(saved, get_user(saved.reviewer_id)), saved.version_id)


def _existing_score(sub: Submission, code: str, owner_id: int) -> ReviewScore | None:
    from ...extensions import db

    return db.session.scalar(select(ReviewScore).where(
        ReviewScore.campaign_id == sub.campaign_id, ReviewScore.department_id == sub.department_id,
        ReviewScore.indicator_code == code, ReviewScore.reviewer_id == owner_id)
        .execution_options(populate_existing=True))


def _if_match_absent(current: int) -> None:
    raw = request.headers.get("If-Match")
    if raw and raw.strip().removeprefix("W/").strip('"') not in (str(current), "*"):
        raise ApiError(412, "version_conflict", _("尚无评分（版本 0），您提交的版本为 %(v)s。", v=raw),
                       headers={"ETag": etag(current)}, current_version=current)


class LeadIn(Schema):
    score = f.String(load_default=None, allow_none=True)
    veto = f.Boolean(load_default=False)
    problem = f.String(load_default="")
    reason = f.String(required=True, metadata={"description": "裁定理由"})


@v1.post("/submissions/<int:submission_id>/review/<code>/lead")
@roles(*OFFICE_STAFF)
@v1.input(LeadIn, arg_name="data")
@v1.output(ResultOut)
@v1.doc(tags=[TAG], summary="组长裁定（两名评审差异超过阈值时）", responses=VERSIONED,
        description="带 If-Match（该指标结果的版本，见评审表 result.version）。")
def lead_decision(submission_id: int, code: str, data):
    sub = _load_for_review(submission_id)
    _indicator_in(sub, code)
    from ...extensions import db

    result = db.session.scalar(select(IndicatorResult).where(
        IndicatorResult.campaign_id == sub.campaign_id, IndicatorResult.department_id == sub.department_id,
        IndicatorResult.indicator_code == code))
    version = if_match(result.version_id) if result is not None else 0
    try:
        out = review_services.lead_decide(sub, code, actor=user(), version=version or 0, score=data["score"],
                                          veto=data["veto"], problem=data["problem"], reason=data["reason"])
    except review_services.ReviewError as exc:
        if exc.field == "version":
            raise ApiError(412, "version_conflict", str(exc)) from None
        raise
    commit()
    return with_etag(_result(out), out.version_id)


# --- results (what each role may see, as on the results page) ------------------------------------------------


class ResultRowOut(Schema):
    code = f.String(required=True)
    title = f.String(required=True)
    points = f.String(required=True)
    result = f.Nested(ResultOut, allow_none=True)
    contest = f.Dict(allow_none=True, metadata={"description": "复核申请（如有）：explanation、outcome、answer、new_score"})


class ResultsOut(Schema):
    submission_id = f.Integer(required=True)
    department_name = f.String(required=True)
    campaign_state = f.String(required=True)
    rows = f.List(f.Nested(ResultRowOut), required=True)


@v1.get("/submissions/<int:submission_id>/results")
@roles(*TENANT_ROLES)
@v1.output(ResultsOut)
@v1.doc(tags=[TAG], summary="各指标评审结果（含问题描述、复核）",
        description="公开办看全部部门，评审人员看分配的部门；部门在进入复核阶段后看本部门。")
def results(submission_id: int):
    sub = get_scoped_or_404(Submission, submission_id)
    if not can_see_results(sub):
        raise ApiError(403, "forbidden", _("结果尚未向本部门公布。"))
    rows = []
    for ind, res, contest in review_services.results_table(sub):
        rows.append({"code": ind.code, "title": ind.title, "points": dec(ind.points), "result": _result(res),
                     "contest": None if contest is None else {
                         "explanation": contest.explanation, "outcome": contest.outcome.value if contest.outcome else None,
                         "answer": contest.answer, "new_score": dec(contest.new_score)}})
    return {"submission_id": sub.id, "department_name": sub.department_name,
            "campaign_state": sub.campaign.state.value, "rows": rows}
