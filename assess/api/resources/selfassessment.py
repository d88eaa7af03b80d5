"""A department's self-assessment: read, write figures and facts, attach evidence, readiness, send/submit/return.

Everything goes through assess.selfassessment.services and assess.selfassessment.evidence (the same rules as the
form); access follows the self-assessment pages (``selfassessment.access.load_submission``: scope, own department, no drafts).
"""
from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.schemas import FileSchema
from apiflask import fields as f
from apiflask.validators import Length, OneOf
from flask import request
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from ...evidence.access import file_response
from ...models import Answer, Evidence, EvidenceKind, Role, Submission, SubmissionState
from ...selfassessment import services as selfassessment_services
from ...selfassessment import evidence as submission_evidence
from ...selfassessment.access import load_evidence, load_submission
from ...tenancy.roles import DEPARTMENT_STAFF, TENANT_ROLES
from ..v1 import (Id, VERSIONED, ApiError, PageQuery, commit, dec, etag, field_map, if_match, iso, page_of, paginate,
                  roles, user, v1, with_etag)

TAG = "自评"
SUBMISSION_STATES = [s.value for s in SubmissionState]


def _scalar(value: Any) -> None:
    if value is not None and not isinstance(value, (str, int, float, bool)):
        raise ValidationError("Invalid input type.")


SCALAR = {"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}], "nullable": True}


# --- schemas ----------------------------------------------------------------------------------------------


class EvidenceOut(Schema):
    id = f.Integer(required=True)
    indicator_code = f.String(allow_none=True)
    kind = f.String(required=True, metadata={"enum": [k.value for k in EvidenceKind]})
    title = f.String(required=True)
    url = f.String(allow_none=True)
    filename = f.String(allow_none=True)
    content_type = f.String(allow_none=True)
    size = f.Integer(allow_none=True)
    sha256 = f.String(allow_none=True)
    created_at = f.String(allow_none=True)
    download = f.String(allow_none=True, metadata={"description": "文件下载地址（文件类材料）"})


class InputSpecOut(Schema):
    name = f.String(required=True)
    label = f.String(required=True)
    type = f.String(required=True)
    unit = f.String(required=True)
    required = f.Boolean(required=True)


class AnswerOut(Schema):
    code = f.String(required=True)
    title = f.String(required=True)
    section = f.String(required=True)
    version = f.Integer(required=True, metadata={"description": "答案版本（ETag；0 = 尚未填写）"})
    inputs = f.Dict(keys=f.String(), values=f.Raw(), required=True, metadata={"description": "填报的数字和事实"})
    input_specs = f.List(f.Nested(InputSpecOut), required=True)
    self_score = f.String(allow_none=True)
    suggested_score = f.String(allow_none=True)
    self_score_reason = f.String(required=True)
    explanation = f.String(required=True)
    carried_over = f.Boolean(required=True)
    complete = f.Boolean(required=True)
    missing = f.List(f.String(), required=True)
    updated_at = f.String(allow_none=True)
    evidence = f.List(f.Nested(EvidenceOut), required=True)


class SubmissionOut(Schema):
    id = f.Integer(required=True)
    campaign_id = f.Integer(required=True)
    department_id = f.Integer(required=True)
    department_name = f.String(required=True)
    group_name = f.String(required=True)
    state = f.String(required=True, metadata={"enum": SUBMISSION_STATES})
    state_label = f.String(required=True)
    comment = f.String(required=True)
    late_days = f.Integer(required=True)
    submitted_at = f.String(allow_none=True)
    last_change_at = f.String(allow_none=True)
    version = f.Integer(required=True, metadata={"description": "自评表版本（ETag），送审/提交/退回时放在 If-Match"})
    editable = f.Boolean(required=True)
    progress = f.Dict(keys=f.String(), values=f.Integer(), required=True)


class SubmissionDetailOut(SubmissionOut):
    answers = f.List(f.Nested(AnswerOut), required=True)


def _evidence(ev: Evidence) -> dict:
    from flask import url_for

    return {"id": ev.id, "indicator_code": ev.indicator_code, "kind": ev.kind.value, "title": ev.title,
            "url": ev.url, "filename": ev.filename, "content_type": ev.content_type, "size": ev.size,
            "sha256": ev.sha256, "created_at": iso(ev.created_at),
            "download": url_for("api_v1.download_evidence", evidence_id=ev.id) if ev.kind == EvidenceKind.FILE
            else None}


def _answer(rubric, ind, answer: Answer | None, evidence: list[Evidence]) -> dict:
    st = selfassessment_services.indicator_status(rubric, ind, answer, bool(evidence))
    return {
        "code": ind.code, "title": ind.title, "section": st.section,
        "version": answer.version_id if answer else 0, "inputs": selfassessment_services.stored_inputs(answer),
        "input_specs": [{"name": s.name, "label": s.label, "type": s.type, "unit": s.unit or "",
                         "required": bool(getattr(s, "required", False))} for s in ind.inputs],
        "self_score": dec(answer.self_score) if answer else None,
        "suggested_score": dec(answer.suggested_score) if answer else None,
        "self_score_reason": answer.self_score_reason if answer else "",
        "explanation": answer.explanation if answer else "",
        "carried_over": bool(answer.carried_over) if answer else False,
        "complete": st.complete, "missing": [str(m) for m in st.missing],
        "updated_at": iso(answer.updated_at) if answer else None,
        "evidence": [_evidence(e) for e in evidence],
    }


def _submission(s: Submission, *, with_answers: bool = False) -> dict:
    from ...campaigns.services import SUBMISSION_LABELS

    rubric = selfassessment_services.rubric_of(s.campaign)
    prog = selfassessment_services.progress(s, rubric)
    body = {"id": s.id, "campaign_id": s.campaign_id, "department_id": s.department_id,
            "department_name": s.department_name, "group_name": s.group_name, "state": s.state.value,
            "state_label": str(SUBMISSION_LABELS[s.state]), "comment": s.comment, "late_days": s.late_days,
            "submitted_at": iso(s.submitted_at), "last_change_at": iso(s.last_change_at), "version": s.version_id,
            "editable": selfassessment_services.can_edit(s, user()),
            "progress": {"done": prog.done, "total": prog.total, "percent": prog.percent}}
    if with_answers:
        answers = selfassessment_services.answers_of(s)
        evidence = selfassessment_services.evidence_by_code(s)
        body["answers"] = [_answer(rubric, ind, answers.get(ind.code), evidence.get(ind.code, []))
                           for ind in rubric.all_indicators()]
    return body


def _indicator(submission: Submission, code: str):
    rubric = selfassessment_services.rubric_of(submission.campaign)
    ind = rubric.indicator(code)
    if ind is None:
        raise ApiError(404, "not_found", _("未知指标“%(c)s”。", c=code), "code")
    return rubric, ind


# --- reading ----------------------------------------------------------------------------------------------


class SubmissionQuery(PageQuery):
    campaign_id = Id(load_default=None)
    state = f.String(load_default=None, validate=OneOf(SUBMISSION_STATES))


@v1.get("/submissions")
@roles(*TENANT_ROLES)
@v1.input(SubmissionQuery, location="query", arg_name="query")
@v1.output(page_of(SubmissionOut, "SubmissionPage"))
@v1.doc(tags=[TAG], summary="自评表列表",
        description="部门账号：本部门的自评表（草稿考核除外）；单位账号：本单位全部，可按考核和状态筛选。")
def list_submissions(query):
    from ...models import Campaign, CampaignState

    stmt = select(Submission).join(Campaign, Campaign.id == Submission.campaign_id).order_by(
        Campaign.year.desc(), Submission.campaign_id.desc(), Submission.group_id, Submission.department_name)
    if user().department_id is not None:
        stmt = stmt.where(Submission.department_id == user().department_id, Campaign.state != CampaignState.DRAFT)
    if query.get("campaign_id") is not None:
        stmt = stmt.where(Submission.campaign_id == query["campaign_id"])
    if query.get("state"):
        stmt = stmt.where(Submission.state == SubmissionState(query["state"]))
    return paginate(stmt, query, _submission)


@v1.get("/submissions/<int:submission_id>")
@roles(*TENANT_ROLES)
@v1.output(SubmissionDetailOut)
@v1.doc(tags=[TAG], summary="一张自评表（全部指标的填报、自评分、佐证）", description="响应头 ETag 为自评表版本。")
def get_submission(submission_id: int):
    s = load_submission(submission_id)
    return with_etag(_submission(s, with_answers=True), s.version_id)


@v1.get("/submissions/<int:submission_id>/answers/<code>")
@roles(*TENANT_ROLES)
@v1.output(AnswerOut)
@v1.doc(tags=[TAG], summary="一个指标的填报", description="响应头 ETag 为该指标答案的版本（0 = 尚未填写）。")
def get_answer(submission_id: int, code: str):
    s = load_submission(submission_id)
    rubric, ind = _indicator(s, code)
    answer = selfassessment_services.answers_of_code(s, code)
    ev = selfassessment_services.evidence_by_code(s).get(code, [])
    return with_etag(_answer(rubric, ind, answer, ev), answer.version_id if answer else 0)


# --- writing figures and facts ------------------------------------------------------------------------------


class AnswerIn(Schema):
    inputs = f.Dict(keys=f.String(validate=Length(max=60)), values=f.Raw(validate=_scalar, metadata=SCALAR),
                    load_default=dict, metadata={"description": "输入项名称 → 值（数字、文字或 true/false；空 = 未填）"})
    self_score = f.Raw(load_default=None, validate=_scalar, metadata={**SCALAR, "description": "自评分；空则采用建议分"})
    self_score_reason = f.String(load_default="", metadata={"description": "自评分与建议分不同时必填"})
    explanation = f.String(load_default="", metadata={"description": "情况说明（最多5000字）"})


@v1.put("/submissions/<int:submission_id>/answers/<code>")
@roles(*DEPARTMENT_STAFF)
@v1.input(AnswerIn, arg_name="data")
@v1.output(AnswerOut)
@v1.doc(tags=[TAG], summary="填写一个指标（数字、事实、自评分、说明）", responses=VERSIONED,
        description="与表单相同的校验（一处实现）：错误逐字段列在 details（field 如 inputs.items_published、self_score）。"
                    "已有答案时须带 If-Match（答案版本）；首次填写可不带。")
def put_answer(submission_id: int, code: str, data):
    s = load_submission(submission_id)
    rubric, ind = _indicator(s, code)
    answer = selfassessment_services.answers_of_code(s, code)
    if answer is not None:
        expected = if_match(answer.version_id)
    else:
        raw = request.headers.get("If-Match")
        if raw and raw.strip().strip('"').removeprefix('W/').strip('"') not in ("0", "*"):
            raise ApiError(412, "version_conflict", _("该指标尚未填写（版本 0），您提交的版本为 %(v)s。", v=raw),
                           headers={"ETag": etag(0)}, current_version=0)
        expected = 0
    field_map({spec.name: f"inputs.{spec.name}" for spec in ind.inputs})
    try:
        result = selfassessment_services.save_answer(s, code, actor=user(), inputs=data["inputs"],
                                                     self_score=data["self_score"],
                                                     self_score_reason=data["self_score_reason"],
                                                     explanation=data["explanation"], expected_version=expected)
    except selfassessment_services.AnswerConflict as exc:
        current = exc.theirs.get("version", 0)
        raise ApiError(412, "version_conflict",
                       _("内容已被他人修改：您修改的是版本 %(mine)s，当前版本为 %(cur)s。请重新读取后再提交。",
                         mine=expected, cur=current), headers={"ETag": etag(current)}, current_version=current)
    commit()
    a = result.answer
    return with_etag(_answer(rubric, ind, a, selfassessment_services.evidence_by_code(s).get(code, [])), a.version_id)


# --- evidence ---------------------------------------------------------------------------------------------


class LinkIn(Schema):
    url = f.String(required=True, metadata={"description": "http(s) 链接"})
    title = f.String(required=True)


class FileIn(Schema):
    file = f.File(required=True, metadata={"description": "PDF、图片、Office/WPS 文档等（与页面相同的检查）"})
    title = f.String(load_default="")


@v1.post("/submissions/<int:submission_id>/answers/<code>/links")
@roles(*DEPARTMENT_STAFF)
@v1.input(LinkIn, arg_name="data")
@v1.output(EvidenceOut, status_code=201)
@v1.doc(tags=[TAG], summary="为指标添加网页链接佐证")
def add_link(submission_id: int, code: str, data):
    s = load_submission(submission_id)
    _indicator(s, code)
    ev = submission_evidence.add_link(s, code, actor=user(), url=data["url"], title=data["title"])
    commit()
    return _evidence(ev), 201


@v1.post("/submissions/<int:submission_id>/answers/<code>/files")
@roles(*DEPARTMENT_STAFF)
@v1.input(FileIn, location="form_and_files", arg_name="data")
@v1.output(EvidenceOut, status_code=201)
@v1.doc(tags=[TAG], summary="为指标上传佐证文件", description="multipart/form-data：file、title。")
def add_file(submission_id: int, code: str, data):
    from flask import current_app

    s = load_submission(submission_id)
    _indicator(s, code)
    upload = data["file"]
    limit = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    content = upload.read(limit + 1)
    ev = submission_evidence.add_file(s, code, actor=user(), filename=upload.filename or "", data=content, title=data.get("title") or "")
    commit()
    return _evidence(ev), 201


@v1.delete("/evidence/<int:evidence_id>")
@roles(*DEPARTMENT_STAFF)
@v1.output({}, status_code=204)
@v1.doc(tags=[TAG], summary="删除自评佐证（保留审计记录）")
def delete_evidence(evidence_id: int):
    ev = load_evidence(evidence_id)
    submission_evidence.remove(ev, actor=user())
    commit()
    return "", 204


@v1.get("/evidence/<int:evidence_id>/file")
@roles(*TENANT_ROLES)
@v1.output(FileSchema(type="string", format="binary"), content_type="application/octet-stream",
           description="文件内容（附件）")
@v1.doc(tags=["文件下载"], summary="下载自评佐证文件")
def download_evidence(evidence_id: int):
    return file_response(load_evidence(evidence_id), inline=False)


# --- readiness and the flow ---------------------------------------------------------------------------------


class IssueOut(Schema):
    level = f.String(required=True, metadata={"enum": ["error", "warning"]})
    code = f.String(required=True)
    message = f.String(required=True)


class ReadinessOut(Schema):
    ready = f.Boolean(required=True)
    issues = f.List(f.Nested(IssueOut), required=True)


@v1.get("/submissions/<int:submission_id>/readiness")
@roles(*TENANT_ROLES)
@v1.output(ReadinessOut)
@v1.doc(tags=[TAG], summary="提交前检查", description="error 阻止送审/提交；warning 是评审可能质疑之处。")
def readiness(submission_id: int):
    s = load_submission(submission_id)
    issues = selfassessment_services.readiness(s)
    return {"ready": not selfassessment_services.blocking(issues),
            "issues": [{"level": i.level, "code": i.code, "message": str(i.message)} for i in issues]}


class CommentIn(Schema):
    comment = f.String(load_default="", validate=Length(max=2000))


def _act(submission_id: int, fn, **kwargs):
    s = load_submission(submission_id)
    if_match(s.version_id)
    fn(s, actor=user(), **kwargs)
    commit()
    return with_etag(_submission(s), s.version_id)


@v1.post("/submissions/<int:submission_id>/send")
@roles(*DEPARTMENT_STAFF)
@v1.output(SubmissionOut)
@v1.doc(tags=[TAG], summary="送分管领导审核", responses=VERSIONED)
def send(submission_id: int):
    return _act(submission_id, selfassessment_services.send_to_leader)


@v1.post("/submissions/<int:submission_id>/submit")
@roles(Role.DEPT_ADMIN)
@v1.output(SubmissionOut)
@v1.doc(tags=[TAG], summary="以本部门名义提交（部门管理员）", responses=VERSIONED)
def submit(submission_id: int):
    return _act(submission_id, selfassessment_services.leader_submit)


@v1.post("/submissions/<int:submission_id>/return")
@roles(Role.DEPT_ADMIN)
@v1.input(CommentIn, arg_name="data")
@v1.output(SubmissionOut)
@v1.doc(tags=[TAG], summary="领导退回填报人员修改", responses=VERSIONED)
def leader_return(submission_id: int, data):
    return _act(submission_id, selfassessment_services.leader_return, comment=data["comment"])


@v1.post("/submissions/<int:submission_id>/office-return")
@roles(Role.OFFICE_ADMIN)
@v1.input(CommentIn, arg_name="data")
@v1.output(SubmissionOut)
@v1.doc(tags=[TAG], summary="公开办退回部门修改（自评截止前）", responses=VERSIONED)
def office_return(submission_id: int, data):
    return _act(submission_id, selfassessment_services.office_return, comment=data["comment"])

