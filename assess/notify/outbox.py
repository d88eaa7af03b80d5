"""The outbox: which channels a notification goes out on, the user's choices, the office's robot, and the
office's view of deliveries that failed.

:func:`add_deliveries` is called by :func:`assess.notify.services.notify` as it writes the in-app
notifications, in the same transaction (flush, never commit): a rolled-back event leaves no delivery behind,
and a committed one always has its rows, so the sender (:mod:`assess.notify.delivery`) never misses one.

Channels: the in-app centre always; e-mail for a user who has an address and has not switched e-mail off,
unless the kind is muted (essential kinds cannot be muted, :mod:`assess.notify.kinds`); the office's group
robot once per event (one post for a 催报 to ten departments, not twenty), whatever the recipients muted — it
is the office's channel, not theirs.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Iterable
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit.services import record
from ..extensions import db
from ..models import Notification, NotificationDelivery, NotificationPreference, OfficeRobot, User
from ..models.base import utcnow
from ..models.notify import CHANNEL_EMAIL, CHANNEL_WEBHOOK, DELIVERY_FAILED, DELIVERY_PENDING, DELIVERY_STATES
from . import kinds

EMAIL_RE = re.compile(r"^[^@\s<>\",;]+@[^@\s<>\",;]+\.[^@\s<>\",;]+$")
MAX_EMAIL = 254
MAX_URL = 500
MAX_SECRET = 200
FAILED_LIST_LIMIT = 200


class OutboxError(ValueError):
    """A refused setting; ``field`` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- writing the outbox ----------------------------------------------------------------------------------------


def _muted(pref: NotificationPreference | None) -> set[str]:
    return {k for k in ((pref.muted or "") if pref else "").split(",") if k}


def wants_email(user: User, kind: str, pref: NotificationPreference | None) -> bool:
    """Whether ``kind`` goes to ``user`` by e-mail: an address, e-mail not switched off, the kind not muted
    (an essential kind is never muted)."""
    if not (user.email or "").strip():
        return False
    if pref is not None and not pref.email_enabled:
        return False
    return kinds.is_essential(kind) or kind not in _muted(pref)


def active_robot(office_id: int) -> OfficeRobot | None:
    robot = db.session.scalars(select(OfficeRobot).where(OfficeRobot.office_id == office_id)).first()
    return robot if robot is not None and robot.enabled and robot.url else None


def add_deliveries(made: list[Notification], users: dict[int, User], *, office_id: int, kind: str,
                   event_key: str) -> list[NotificationDelivery]:
    """The delivery rows of freshly written notifications (one event, one office): e-mail per user who wants
    it, and the office robot's one post per event (skipped when an earlier call for the same event wrote it:
    a 催报 notifies department after department under one event key)."""
    if not made:
        return []
    prefs = {p.user_id: p for p in db.session.scalars(select(NotificationPreference).where(
        NotificationPreference.office_id == office_id,
        NotificationPreference.user_id.in_([n.user_id for n in made])))}
    rows = [NotificationDelivery(office_id=office_id, notification_id=n.id, channel=CHANNEL_EMAIL,
                                 status=DELIVERY_PENDING)
            for n in made if wants_email(users[n.user_id], kind, prefs.get(n.user_id))]
    if active_robot(office_id) is not None:
        posted = db.session.scalar(
            select(func.count(NotificationDelivery.id)).join(Notification, Notification.id == NotificationDelivery.notification_id)
            .where(NotificationDelivery.office_id == office_id, NotificationDelivery.channel == CHANNEL_WEBHOOK,
                   Notification.office_id == office_id, Notification.kind == kind, Notification.event_key == event_key))
        if not posted:
            rows.append(NotificationDelivery(office_id=office_id, notification_id=made[0].id, channel=CHANNEL_WEBHOOK,
                                             status=DELIVERY_PENDING))
    db.session.add_all(rows)
    db.session.flush()
    return rows


# --- the user's choices --------------------------------------------------------------------------------------


def preference_of(user: Any) -> NotificationPreference | None:
    return db.session.scalars(select(NotificationPreference).where(
        NotificationPreference.office_id == user.office_id, NotificationPreference.user_id == user.id)).first()


def muted_kinds(user: Any) -> set[str]:
    return _muted(preference_of(user))


def save_preferences(user: User, *, email: str, email_enabled: bool, muted: Iterable[str]) -> NotificationPreference:
    """The user's own choices: their address, e-mail on or off, the non-essential kinds muted. An essential
    kind in ``muted`` is refused (the page never offers it; a crafted post must not mute a reminder)."""
    email = (email or "").strip()
    if len(email) > MAX_EMAIL or (email and not EMAIL_RE.match(email)):
        raise OutboxError(_("请输入有效的电子邮箱地址。"), "email")
    if email_enabled and not email:
        raise OutboxError(_("要接收邮件，请先填写电子邮箱地址。"), "email")
    wanted = set(muted)
    essential = sorted(k for k in wanted if kinds.is_essential(k))
    if essential:
        raise OutboxError(_("“%(k)s”属于必要通知，不能静音。", k="、".join(kinds.label(k) for k in essential)), "muted")
    offered = set(kinds.mutable_kinds())
    pref = preference_of(user)
    if pref is None:
        pref = NotificationPreference(office_id=user.office_id, user_id=user.id, muted="")
        db.session.add(pref)
    # a mute of a kind the page no longer offers stays (the kind may come back); unknown kinds are ignored
    keep = {k for k in _muted(pref) if k not in offered and not kinds.is_essential(k)}
    pref.email_enabled = bool(email_enabled)
    pref.muted = ",".join(sorted((wanted & offered) | keep))
    user.email = email or None
    db.session.flush()
    return pref


# --- the office's robot ------------------------------------------------------------------------------------------


def robot_of(office_id: int) -> OfficeRobot | None:
    return db.session.scalars(select(OfficeRobot).where(OfficeRobot.office_id == office_id)).first()


def check_url(url: str) -> str:
    """A webhook address: http or https, with a host, no user name or password in it."""
    url = (url or "").strip()
    if len(url) > MAX_URL:
        raise OutboxError(_("地址不能超过%(n)s个字符。", n=MAX_URL), "url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        raise OutboxError(_("请输入以 http:// 或 https:// 开头的有效地址。"), "url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password \
            or any(c.isspace() for c in url):
        raise OutboxError(_("请输入以 http:// 或 https:// 开头的有效地址。"), "url")
    return url


def save_robot(office_id: int, *, url: str, secret: str, clear_secret: bool, enabled: bool, actor: Any) -> OfficeRobot:
    """The office's robot settings. An empty ``secret`` keeps the saved one (it is never shown again);
    ``clear_secret`` removes it. An empty address switches the robot off. Logged (never the secret)."""
    url = (url or "").strip()
    if url:
        url = check_url(url)
    secret = (secret or "").strip()
    if len(secret) > MAX_SECRET:
        raise OutboxError(_("密钥不能超过%(n)s个字符。", n=MAX_SECRET), "secret")
    robot = robot_of(office_id)
    old = {"url": robot.url, "signed": bool(robot.secret), "enabled": robot.enabled} if robot else None
    if robot is None:
        robot = OfficeRobot(office_id=office_id, url="", secret="", enabled=True)
        db.session.add(robot)
    robot.url = url
    if clear_secret:
        robot.secret = ""
    elif secret:
        robot.secret = secret
    robot.enabled = bool(enabled) and bool(url)
    db.session.flush()
    record(office_id, "notify.robot", "office_robot", robot.id, actor=actor, old=old,
           new={"url": robot.url, "signed": bool(robot.secret), "enabled": robot.enabled})
    return robot


# --- the office's view of deliveries ----------------------------------------------------------------------------


def delivery_counts(office_id: int) -> dict[str, int]:
    rows = db.session.execute(select(NotificationDelivery.status, func.count(NotificationDelivery.id))
                              .where(NotificationDelivery.office_id == office_id)
                              .group_by(NotificationDelivery.status)).all()
    counts = {state: 0 for state in DELIVERY_STATES}
    counts.update({status: n for status, n in rows})
    return counts


def failed_deliveries(office_id: int, *, limit: int = FAILED_LIST_LIMIT) -> list[tuple[NotificationDelivery, Notification, User]]:
    """The office's deliveries that failed for good, newest first, with their notification and recipient."""
    return [tuple(row) for row in db.session.execute(
        select(NotificationDelivery, Notification, User)
        .join(Notification, Notification.id == NotificationDelivery.notification_id)
        .join(User, User.id == Notification.user_id)
        .where(NotificationDelivery.office_id == office_id, Notification.office_id == office_id,
               NotificationDelivery.status == DELIVERY_FAILED)
        .order_by(NotificationDelivery.failed_at.desc(), NotificationDelivery.id.desc()).limit(limit)).all()]


def office_delivery(office_id: int, delivery_id: int) -> NotificationDelivery | None:
    return db.session.scalars(select(NotificationDelivery).where(
        NotificationDelivery.office_id == office_id, NotificationDelivery.id == delivery_id)).first()


def retry_delivery(delivery: NotificationDelivery, *, actor: Any, when: datetime | None = None) -> bool:
    """Send a failed delivery again at the sender's next run (the attempts start over; the last error stays
    for reference until it is overwritten). False when it is not failed (already retried, or sent)."""
    if delivery.status != DELIVERY_FAILED:
        return False
    delivery.status = DELIVERY_PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = when or utcnow()
    delivery.lease_until = None
    delivery.claim_token = None
    delivery.failed_at = None
    db.session.flush()
    record(delivery.office_id, "notify.retry", "notification_delivery", delivery.id, actor=actor,
           old={"status": DELIVERY_FAILED}, new={"status": DELIVERY_PENDING, "channel": delivery.channel})
    return True
