"""Writing, listing and reading notifications; the events that notify.

Every function flushes and never commits: a notification is written in the transaction of the event that
causes it, so an event that is rolled back notifies nobody. The wording is chosen per recipient at writing
(their ``locale``, Chinese when none), because the notification outlives the request that wrote it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterable

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from ..audit.services import record
from ..extensions import db
from ..models import Campaign, CampaignState, Notice, Notification, Role, Submission, SubmissionState, User
from ..models.base import utcnow
from ..tenancy.roles import DEPARTMENT_STAFF
from . import kinds
from .outbox import add_deliveries

KIND_REMIND = kinds.REMIND  # 催报: the office reminds a department to submit its self-assessment
KIND_NOTICE_SENT = kinds.NOTICE_SENT  # a rectification notice reached the department

MAX_MESSAGE = 500
LIST_LIMIT = 200


class NotifyError(ValueError):
    """A refused action; ``field`` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def path_for(endpoint: str, **values: Any) -> str:
    """The path of a page, built without a request (services also run from the CLI and the API)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def _locale_of(user: User) -> str:
    languages = current_app.config["LANGUAGES"]
    return user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def notify(users: Iterable[User], *, office_id: int, kind: str, event_key: str, title: Callable[[], str],
           body: Callable[[], str] = lambda: "", link: str = "") -> list[Notification]:
    """One notification per user for one event, worded in each user's language (``title``/``body`` are
    called inside that locale). A user already notified of the same (kind, event) is skipped, so replaying
    an event notifies nobody twice. The outbox rows of the other channels (e-mail per the user's choices,
    the office robot once per event) are written with them (:func:`assess.notify.outbox.add_deliveries`)."""
    users = [u for u in users if u.active and u.office_id == office_id]
    if not users:
        return []
    already = set(db.session.scalars(
        select(Notification.user_id).where(Notification.office_id == office_id, Notification.kind == kind,
                                           Notification.event_key == event_key,
                                           Notification.user_id.in_([u.id for u in users]))))
    made = []
    for user in users:
        if user.id in already:
            continue
        already.add(user.id)
        with force_locale(_locale_of(user)):
            made.append(Notification(office_id=office_id, user_id=user.id, kind=kind, event_key=event_key,
                                     title=title()[:200], body=body(), link=link[:300]))
    db.session.add_all(made)
    db.session.flush()
    add_deliveries(made, {u.id: u for u in users}, office_id=office_id, kind=kind, event_key=event_key)
    return made


# --- the user's own notifications ------------------------------------------------------------------------------


def _own(user: Any):
    return (Notification.office_id == user.office_id, Notification.user_id == user.id)


def unread_count(user: Any) -> int:
    """The bell's number: one COUNT on the (office, user, read_at) index."""
    if not getattr(user, "office_id", None):
        return 0
    return db.session.scalar(select(func.count(Notification.id)).where(*_own(user), Notification.read_at.is_(None))) or 0


def notifications_for(user: Any, *, limit: int = LIST_LIMIT) -> list[Notification]:
    """The user's notifications, unread first, newest first."""
    if not getattr(user, "office_id", None):
        return []
    return list(db.session.scalars(
        select(Notification).where(*_own(user))
        .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)))


def own_notification(user: Any, notification_id: int) -> Notification | None:
    """The user's notification with this id; None for anyone else's (the route answers 404)."""
    if not getattr(user, "office_id", None):
        return None
    return db.session.scalars(select(Notification).where(Notification.id == notification_id, *_own(user))).first()


def mark_read(notification: Notification, *, when: datetime | None = None) -> bool:
    """Mark one notification read; False when it already was."""
    if notification.read_at is not None:
        return False
    notification.read_at = when or utcnow()
    db.session.flush()
    return True


def mark_all_read(user: Any) -> int:
    """Mark every unread notification of the user read; returns how many."""
    if not getattr(user, "office_id", None):
        return 0
    result = db.session.execute(update(Notification).where(*_own(user), Notification.read_at.is_(None))
                                .values(read_at=utcnow()).execution_options(synchronize_session=False))
    db.session.flush()
    return result.rowcount or 0


# --- events ---------------------------------------------------------------------------------------------------


def department_users(office_id: int, department_ids: Iterable[int], roles: tuple[Role, ...] | None = None) -> list[User]:
    """The active users of these departments (only those of ``roles`` when given), in a stable order."""
    ids = list(department_ids)
    if not ids:
        return []
    stmt = select(User).where(User.office_id == office_id, User.department_id.in_(ids), User.active.is_(True))
    if roles:
        stmt = stmt.where(User.role.in_(roles))
    return list(db.session.scalars(stmt.order_by(User.id)))


def remindable(campaign: Campaign) -> list[Submission]:
    """The submissions the office may send a 催报 for: not yet submitted, while self-assessment is open."""
    if campaign.state != CampaignState.SELF_ASSESSMENT:
        return []
    return list(db.session.scalars(
        select(Submission).where(Submission.office_id == campaign.office_id, Submission.campaign_id == campaign.id,
                                 Submission.state != SubmissionState.SUBMITTED)
        .order_by(Submission.group_id, Submission.department_name)))


def send_reminder(campaign: Campaign, submission_ids: Iterable[int], *, actor: Any, message: str = "") -> list[Notification]:
    """催报 now: notify the editors and administrators of the chosen departments that have not submitted,
    with the office's optional message, and log it (who was reminded, when, with what)."""
    if campaign.state != CampaignState.SELF_ASSESSMENT:
        raise NotifyError(_("只有在自评阶段才能催报。"))
    message = (message or "").strip()
    if len(message) > MAX_MESSAGE:
        raise NotifyError(_("附言不能超过%(n)s个字。", n=MAX_MESSAGE), "message")
    wanted = set(submission_ids)
    chosen = [s for s in remindable(campaign) if s.id in wanted]
    if not chosen:
        raise NotifyError(_("请至少选择一个未提交的部门。"), "submission_ids")
    recipients = {s.department_id: department_users(campaign.office_id, [s.department_id],
                                                     DEPARTMENT_STAFF) for s in chosen}
    entry = record(campaign.office_id, "notify.remind", "campaign", campaign.id, actor=actor, campaign_id=campaign.id,
                   new={"departments": [s.department_name for s in chosen],
                        "users": sorted(u.id for users in recipients.values() for u in users), "message": message})
    made: list[Notification] = []
    deadline = campaign.self_deadline.isoformat() if campaign.self_deadline else ""
    for s in chosen:
        def body(s=s) -> str:
            text = (_("“%(c)s”的自评截止日期为%(d)s，请尽快完成填报并提交。", c=campaign.name, d=deadline) if deadline
                    else _("请尽快完成“%(c)s”的自评填报并提交。", c=campaign.name))
            return text + ("\n" + _("公开办附言：%(m)s", m=message) if message else "")

        made += notify(recipients[s.department_id], office_id=campaign.office_id, kind=KIND_REMIND,
                       event_key=f"remind:{campaign.id}:{entry.seq}",
                       title=lambda: _("催报：请提交“%(c)s”自评", c=campaign.name), body=body,
                       link=path_for("selfassessment.form", submission_id=s.id))
    return made


def notice_sent(notice: Notice, *, actor: Any = None) -> list[Notification]:
    """A rectification notice was sent: every user of the department hears of it (registered on
    :data:`assess.rectification.services.AFTER_SEND` by ``create_app``)."""
    return notify(department_users(notice.office_id, [notice.department_id]), office_id=notice.office_id,
                  kind=KIND_NOTICE_SENT, event_key=f"notice:{notice.id}",
                  title=lambda: _("整改通知：%(t)s", t=notice.title),
                  body=lambda: _("请于%(d)s前完成整改并答复。", d=notice.deadline.isoformat()),
                  link=path_for("rectification.show", notice_id=notice.id))
