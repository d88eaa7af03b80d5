"""The office's audit log (read, filtered). The office administrator reads it, as in the browser."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone

from apiflask import Schema
from apiflask import fields as f
from sqlalchemy import select

from ...models import AuditEntry, Role
from ..v1 import Id, PageQuery, iso, office_of_user, page_of, paginate, roles, v1


class AuditOut(Schema):
    seq = f.Integer(required=True)
    at = f.String(required=True)
    actor_id = f.Integer(allow_none=True)
    actor_name = f.String(required=True)
    action = f.String(required=True)
    object_type = f.String(required=True)
    object_id = f.String(required=True)
    department_id = f.Integer(allow_none=True)
    campaign_id = f.Integer(allow_none=True)
    old = f.Raw(allow_none=True, metadata={"description": "修改前（JSON）"})
    new = f.Raw(allow_none=True, metadata={"description": "修改后（JSON）"})
    reason = f.String(required=True)
    hash = f.String(required=True)


class AuditQuery(PageQuery):
    action = f.String(load_default=None, metadata={"description": "动作，前缀匹配（如 department. ）"})
    object_type = f.String(load_default=None)
    object_id = f.String(load_default=None)
    department_id = Id(load_default=None)
    campaign_id = Id(load_default=None)
    actor_id = Id(load_default=None)
    since = f.Date(load_default=None, metadata={"description": "起始日期（含）"})
    until = f.Date(load_default=None, metadata={"description": "截止日期（含）"})


def _loads(text: str):
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def _entry(e: AuditEntry) -> dict:
    return {"seq": e.seq, "at": iso(e.at), "actor_id": e.actor_id, "actor_name": e.actor_name, "action": e.action,
            "object_type": e.object_type, "object_id": e.object_id, "department_id": e.department_id,
            "campaign_id": e.campaign_id, "old": _loads(e.old), "new": _loads(e.new), "reason": e.reason,
            "hash": e.hash}


LOCAL = timezone(timedelta(hours=8))


@v1.get("/audit")
@roles(Role.OFFICE_ADMIN)
@v1.input(AuditQuery, location="query", arg_name="query")
@v1.output(page_of(AuditOut, "AuditPage"))
@v1.doc(tags=["审计日志"], summary="审计日志（新的在前）",
        description="本单位的审计记录，可按动作、对象、部门、考核、操作人、日期（北京时间）筛选。")
def list_audit(query):
    office = office_of_user()
    stmt = select(AuditEntry).where(AuditEntry.office_id == office.id).order_by(AuditEntry.seq.desc())
    if query.get("action"):
        stmt = stmt.where(AuditEntry.action.startswith(query["action"], autoescape=True))
    for name in ("object_type", "object_id", "department_id", "campaign_id", "actor_id"):
        if query.get(name) is not None:
            stmt = stmt.where(getattr(AuditEntry, name) == query[name])
    if query.get("since"):
        stmt = stmt.where(AuditEntry.at >= datetime.combine(query["since"], time.min, LOCAL))
    if query.get("until") and query["until"] < date.max:
        stmt = stmt.where(AuditEntry.at < datetime.combine(query["until"] + timedelta(days=1), time.min, LOCAL))
    return paginate(stmt, query, _entry)
