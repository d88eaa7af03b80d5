"""Rectification notices and items: read, answer (department), check (office), evidence, the notice PDF —
through assess.rectification.services; access follows the rectification pages (``rectification.access``)."""
from __future__ import annotations

import io

from apiflask import Schema
from apiflask import fields as f
from apiflask.schemas import FileSchema
from apiflask.validators import Length, OneOf
from flask import send_file
from flask_babel import gettext as _

from ...documents.services import notice_pdf as notice_pdf_of
from ...models import EvidenceKind, ItemState, Notice, NoticeItem, NoticeState, Role
from ...rectification import services as rectification_services
from ...rectification.access import evidence_file_response, load_item, load_notice
from ...tenancy.roles import DEPARTMENT_STAFF, OFFICE_STAFF, TENANT_ROLES
from ..v1 import (VERSIONED, ApiError, PageQuery, commit, dec, if_match, iso, office_of_user, page_of, paginate,
                  roles, user, v1, with_etag)

TAG = "整改"
NOTICE_STATES = [s.value for s in NoticeState]
ITEM_STATES = [s.value for s in ItemState]


def _office_side() -> None:
    if user().department_id is not None or user().office_id is None:
        raise ApiError(403, "forbidden", _("您的角色无权执行此操作。"))


def _department_side() -> None:
    if user().department_id is None:
        raise ApiError(403, "forbidden", _("您的角色无权执行此操作。"))


class RxEvidenceOut(Schema):
    id = f.Integer(required=True)
    kind = f.String(required=True, metadata={"enum": [k.value for k in EvidenceKind]})
    title = f.String(required=True)
    url = f.String(allow_none=True)
    text = f.String(allow_none=True)
    filename = f.String(allow_none=True)
    download = f.String(allow_none=True)


class ItemOut(Schema):
    id = f.Integer(required=True)
    notice_id = f.Integer(required=True)
    position = f.Integer(required=True)
    indicator_code = f.String(allow_none=True)
    indicator_title = f.String(required=True)
    problem = f.String(required=True, metadata={"description": "问题描述"})
    points_deducted = f.String(allow_none=True)
    requirement = f.String(required=True)
    state = f.String(required=True, metadata={"enum": ITEM_STATES})
    state_label = f.String(required=True)
    measure = f.String(required=True, metadata={"description": "整改措施"})
    result = f.String(required=True, metadata={"description": "整改结果"})
    leader_comment = f.String(required=True)
    office_comment = f.String(required=True)
    rounds = f.Integer(required=True)
    recurring = f.Boolean(required=True)
    overdue = f.Boolean(required=True)
    version = f.Integer(required=True, metadata={"description": "版本（答复、核查时放在 If-Match）"})
    evidence = f.List(f.Nested(RxEvidenceOut), required=True)


class NoticeOut(Schema):
    id = f.Integer(required=True)
    campaign_id = f.Integer(allow_none=True)
    department_id = f.Integer(required=True)
    department_name = f.String(required=True)
    source = f.String(required=True)
    title = f.String(required=True)
    intro = f.String(required=True)
    state = f.String(required=True, metadata={"enum": NOTICE_STATES})
    deadline = f.String(required=True)
    deadline_notes = f.List(f.String(), required=True, metadata={
        "description": "Set when the deadline was counted in working days through a year whose holiday "
                       "arrangements are not entered (counted Monday–Friday only)."})
    sent_at = f.String(allow_none=True)
    read_at = f.String(allow_none=True)
    closed_at = f.String(allow_none=True)
    items_total = f.Integer(required=True)
    items_open = f.Integer(required=True)
    version = f.Integer(required=True)


class NoticeDetailOut(NoticeOut):
    items = f.List(f.Nested(ItemOut), required=True)


def _evidence(ev) -> dict:
    from flask import url_for

    return {"id": ev.id, "kind": ev.kind.value, "title": ev.title, "url": ev.url, "text": ev.text,
            "filename": ev.filename,
            "download": url_for("api_v1.rectification_file", evidence_id=ev.id) if ev.kind == EvidenceKind.FILE else None}


def _item(i: NoticeItem, notice: Notice, today) -> dict:
    return {"id": i.id, "notice_id": i.notice_id, "position": i.position, "indicator_code": i.indicator_code,
            "indicator_title": i.indicator_title, "problem": i.problem, "points_deducted": dec(i.points_deducted),
            "requirement": i.requirement, "state": i.state.value,
            "state_label": str(rectification_services.STATE_LABELS.get(i.state, "")),
            "measure": i.measure, "result": i.result, "leader_comment": i.leader_comment,
            "office_comment": i.office_comment, "rounds": i.rounds, "recurring": i.recurring,
            "overdue": rectification_services.is_overdue(i, notice, today), "version": i.version_id,
            "evidence": [_evidence(e) for e in rectification_services.item_evidence(i)]}


def _notice(n: Notice, *, items: bool = False) -> dict:
    body = {"id": n.id, "campaign_id": n.campaign_id, "department_id": n.department_id,
            "department_name": n.department_name, "source": n.source.value, "title": n.title, "intro": n.intro,
            "state": n.state.value, "deadline": n.deadline.isoformat(), "deadline_notes": rectification_services.deadline_notes(n),
            "sent_at": iso(n.sent_at),
            "read_at": iso(n.read_at), "closed_at": iso(n.closed_at), "items_total": len(n.items),
            "items_open": sum(1 for i in n.items if i.state != ItemState.ACCEPTED), "version": n.version_id}
    if items:
        today = rectification_services.today_local()
        body["items"] = [_item(i, n, today) for i in n.items]
    return body


class NoticeQuery(PageQuery):
    state = f.String(load_default=None, validate=OneOf(NOTICE_STATES))


@v1.get("/rectification/notices")
@roles(*TENANT_ROLES)
@v1.input(NoticeQuery, location="query", arg_name="query")
@v1.output(page_of(NoticeOut, "NoticePage"))
@v1.doc(tags=[TAG], summary="整改通知列表", description="单位看本单位全部通知；部门只看下发给本部门的。")
def list_notices(query):
    return paginate(rectification_services.notices_for(user(), state=query.get("state") or ""), query, _notice)


@v1.get("/rectification/notices/<int:notice_id>")
@roles(*TENANT_ROLES)
@v1.output(NoticeDetailOut)
@v1.doc(tags=[TAG], summary="一份整改通知及其问题", description="部门首次读取时记录已读回执（与页面相同）。")
def get_notice(notice_id: int):
    notice = load_notice(notice_id)
    if user().department_id is not None and rectification_services.mark_read(notice, user()):
        commit()
    return with_etag(_notice(notice, items=True), notice.version_id)


@v1.get("/rectification/notices/<int:notice_id>/pdf")
@roles(*TENANT_ROLES)
@v1.output(FileSchema(type="string", format="binary"), content_type="application/pdf", description="PDF 公文")
@v1.doc(tags=["文件下载"], summary="整改通知 PDF（红头文件版式）",
        description="已印发的通知返回印发件（与公文登记中的文号、校验值相同）；未印发的为标有“草稿”、不带文号的版本。")
def notice_pdf(notice_id: int):
    notice = load_notice(notice_id)
    data, _issued = notice_pdf_of(notice, office_of_user())
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=f"rectification-notice-{notice.id}.pdf")


@v1.get("/rectification/items/<int:item_id>")
@roles(*TENANT_ROLES)
@v1.output(ItemOut)
@v1.doc(tags=[TAG], summary="一个整改问题", description="响应头 ETag 为该问题的版本。")
def get_item(item_id: int):
    item = load_item(item_id)
    return with_etag(_item(item, item.notice, rectification_services.today_local()), item.version_id)


class AnswerIn(Schema):
    measure = f.String(required=True, metadata={"description": "整改措施"})
    result = f.String(load_default="", metadata={"description": "整改结果"})
    action = f.String(load_default="save", validate=OneOf(["save", "leader", "submit"]),
                      metadata={"description": "save：保存；leader：送领导审核；submit：提交公开办（部门管理员）"})


@v1.put("/rectification/items/<int:item_id>/answer")
@roles(*DEPARTMENT_STAFF)
@v1.input(AnswerIn, arg_name="data")
@v1.output(ItemOut)
@v1.doc(tags=[TAG], summary="答复整改问题（措施、结果；可送审或提交）", responses=VERSIONED)
def answer_item(item_id: int, data):
    _department_side()
    item = load_item(item_id)
    version = if_match(item.version_id)
    rectification_services.save_answer(item, actor=user(), measure=data["measure"], result=data["result"],
                                       version=version)
    if data["action"] == "leader":
        rectification_services.send_to_leader(item, actor=user())
    elif data["action"] == "submit":
        rectification_services.submit_answer(item, actor=user())
    commit()
    return with_etag(_item(item, item.notice, rectification_services.today_local()), item.version_id)


class CommentIn(Schema):
    comment = f.String(load_default="", validate=Length(max=5000))


@v1.post("/rectification/items/<int:item_id>/leader-return")
@roles(Role.DEPT_ADMIN)
@v1.input(CommentIn, arg_name="data")
@v1.output(ItemOut)
@v1.doc(tags=[TAG], summary="部门领导退回答复", responses=VERSIONED)
def return_item(item_id: int, data):
    _department_side()
    item = load_item(item_id)
    if_match(item.version_id)
    rectification_services.leader_return(item, actor=user(), comment=data["comment"])
    commit()
    return with_etag(_item(item, item.notice, rectification_services.today_local()), item.version_id)


class CheckIn(Schema):
    decision = f.String(required=True, validate=OneOf(["accept", "return"]),
                        metadata={"description": "accept：销号；return：退回重新整改"})
    comment = f.String(load_default="", metadata={"description": "退回时必填"})


@v1.post("/rectification/items/<int:item_id>/check")
@roles(*OFFICE_STAFF)
@v1.input(CheckIn, arg_name="data")
@v1.output(ItemOut)
@v1.doc(tags=[TAG], summary="公开办核查：销号或退回", responses=VERSIONED,
        description="最后一个问题销号时通知自动办结。")
def check_item(item_id: int, data):
    _office_side()
    item = load_item(item_id)
    version = if_match(item.version_id)
    rectification_services.check_item(item, actor=user(), accept=data["decision"] == "accept", comment=data["comment"],
                                      version=version)
    commit()
    return with_etag(_item(item, item.notice, rectification_services.today_local()), item.version_id)


class RxEvidenceIn(Schema):
    kind = f.String(required=True, validate=OneOf(["link", "excerpt"]))
    title = f.String(required=True)
    url = f.String(load_default="")
    text = f.String(load_default="")


class RxFileIn(Schema):
    file = f.File(required=True)
    title = f.String(load_default="")


@v1.post("/rectification/items/<int:item_id>/evidence")
@roles(*DEPARTMENT_STAFF)
@v1.input(RxEvidenceIn, arg_name="data")
@v1.output(RxEvidenceOut, status_code=201)
@v1.doc(tags=[TAG], summary="为答复添加链接或摘录佐证")
def add_item_evidence(item_id: int, data):
    _department_side()
    item = load_item(item_id)
    ev = rectification_services.add_evidence(item, actor=user(), kind=data["kind"], title=data["title"],
                                             url=data["url"], text=data["text"])
    commit()
    return _evidence(ev), 201


@v1.post("/rectification/items/<int:item_id>/files")
@roles(*DEPARTMENT_STAFF)
@v1.input(RxFileIn, location="form_and_files", arg_name="data")
@v1.output(RxEvidenceOut, status_code=201)
@v1.doc(tags=[TAG], summary="为答复上传佐证文件")
def add_item_file(item_id: int, data):
    from flask import current_app

    _department_side()
    item = load_item(item_id)
    upload = data["file"]
    content = upload.read(current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024 + 1)
    ev = rectification_services.add_evidence_file(item, actor=user(), filename=upload.filename or "", data=content,
                                                  title=data.get("title") or "")
    commit()
    return _evidence(ev), 201


@v1.get("/rectification/evidence/<int:evidence_id>/file")
@roles(*TENANT_ROLES)
@v1.output(FileSchema(type="string", format="binary"), content_type="application/octet-stream",
           description="文件内容（附件）")
@v1.doc(tags=["文件下载"], summary="下载整改佐证文件")
def rectification_file(evidence_id: int):
    return evidence_file_response(evidence_id)  # the page's download: same checks (scope, item visible, file kind)
