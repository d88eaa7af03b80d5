"""A user's own notifications (read, mark read) and the office's 催报 — the services of the browser pages."""
from __future__ import annotations

from apiflask import Schema
from apiflask import fields as f
from apiflask.validators import Length
from flask import abort
from sqlalchemy import select

from ...models import Campaign, Notification, Role
from ...notify import services as ns
from ...tenancy.roles import TENANT_ROLES
from ...tenancy.scope import get_scoped_or_404
from ..v1 import Id, PageQuery, commit, iso, page_of, paginate, roles, user, v1

TAG = "通知"


class NotificationOut(Schema):
    id = f.Integer(required=True)
    kind = f.String(required=True, metadata={"description": "remind（催报）、rectification_sent（整改通知下发）…"})
    title = f.String(required=True)
    body = f.String(required=True)
    link = f.String(required=True, metadata={"description": "站内页面路径"})
    created_at = f.String(required=True)
    read_at = f.String(allow_none=True)


class NotificationQuery(PageQuery):
    unread = f.Boolean(load_default=False, metadata={"description": "只列未读"})


def _dict(n: Notification) -> dict:
    return {"id": n.id, "kind": n.kind, "title": n.title, "body": n.body, "link": n.link,
            "created_at": iso(n.created_at), "read_at": iso(n.read_at)}


@v1.get("/notifications")
@roles(*TENANT_ROLES)
@v1.input(NotificationQuery, location="query", arg_name="query")
@v1.output(page_of(NotificationOut, "NotificationPage"))
@v1.doc(tags=[TAG], summary="我的通知（未读在前，新的在前）")
def list_notifications(query):
    me = user()
    stmt = (select(Notification).where(Notification.office_id == me.office_id, Notification.user_id == me.id)
            .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id.desc()))
    if query.get("unread"):
        stmt = stmt.where(Notification.read_at.is_(None))
    return paginate(stmt, query, _dict)


@v1.post("/notifications/<int:notification_id>/read")
@roles(*TENANT_ROLES)
@v1.output(NotificationOut)
@v1.doc(tags=[TAG], summary="标为已读", description="只能标记自己的通知；他人的通知为 404。")
def read_notification(notification_id: int):
    notification = ns.own_notification(user(), notification_id)
    if notification is None:
        abort(404)
    ns.mark_read(notification)
    commit()
    return _dict(notification)


class ReminderIn(Schema):
    submission_ids = f.List(Id(), required=True, validate=Length(min=1, max=10000),
                            metadata={"description": "要催报的部门填报（自评阶段未提交的）"})
    message = f.String(load_default="", validate=Length(max=ns.MAX_MESSAGE), metadata={"description": "附言（可选）"})


class ReminderOut(Schema):
    notified = f.Integer(required=True, metadata={"description": "收到提醒的部门人员数"})


@v1.post("/campaigns/<int:campaign_id>/reminders")
@roles(Role.OFFICE_ADMIN)
@v1.input(ReminderIn, arg_name="data")
@v1.output(ReminderOut)
@v1.doc(tags=[TAG], summary="催报", description="提醒所选未提交部门的填报员和管理员，记入审计日志。")
def send_reminders(campaign_id: int, data):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    made = ns.send_reminder(campaign, data["submission_ids"], actor=user(), message=data.get("message") or "")
    commit()
    return {"notified": len(made)}
