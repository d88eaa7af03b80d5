"""In-app notifications: the outbox every channel reads from.

One row per (user, kind, event), written by the service that makes the event in the same transaction (a
rolled-back event leaves no notification behind). Title and body are worded once, at writing, in the
recipient's language (``User.locale``; Chinese when none is set), so that the list shows what was sent even
after the office renames something. ``event_key`` names the event ("notice:12", "remind:5:<audit seq>"): the
unique constraint makes writing the same notification twice a no-op, which the scheduled reminders of later
slices rely on.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import AwareDateTime, TenantMixin, TimestampMixin, utcnow


class Notification(TenantMixin, db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("office_id", "user_id", "kind", "event_key"),
        Index("ix_notifications_office_user_read", "office_id", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))  # "remind", "rectification_sent", …
    event_key: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(300), default="")  # a path inside the app
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(AwareDateTime())


DELIVERY_PENDING = "pending"
DELIVERY_SENT = "sent"
DELIVERY_FAILED = "failed"
DELIVERY_STATES = (DELIVERY_PENDING, DELIVERY_SENT, DELIVERY_FAILED)
CHANNEL_EMAIL = "email"
CHANNEL_WEBHOOK = "webhook"
CHANNELS = (CHANNEL_EMAIL, CHANNEL_WEBHOOK)


class NotificationDelivery(TenantMixin, db.Model):
    """One notification on one channel beyond the in-app centre: the outbox row the sender works through.

    Written by :func:`assess.notify.services.notify` in the transaction of the event (a rolled-back event
    sends nothing). The sender claims a row with a conditional UPDATE (``claim_token`` + ``lease_until``: a
    sender killed mid-batch leaves a lease that expires, and the next run takes the row again), counts the
    attempt, and marks it sent or schedules the next attempt (``next_attempt_at``, exponential back-off) until
    a permanent failure. The row's id is the message's stable identity (Message-ID, idempotency key), so a
    receiver can drop the one duplicate a crash between "accepted" and "marked sent" can cause. A webhook row
    stands for the whole event (one post per event to the office's group): ``notification_id`` is one of the
    event's notifications.
    """

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("office_id", "notification_id", "channel"),
        Index("ix_notification_deliveries_office_status_next", "office_id", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"))
    channel: Mapped[str] = mapped_column(String(16))  # "email" | "webhook"
    status: Mapped[str] = mapped_column(String(16), default=DELIVERY_PENDING)  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, nullable=False)
    claim_token: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[datetime | None] = mapped_column(AwareDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    failed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())


class NotificationPreference(TenantMixin, db.Model):
    """A user's choice of channels (the in-app centre is always on) and the non-essential kinds they muted.

    No row means the defaults: e-mail on (when the user has an address), nothing muted. A muted kind still
    appears in the notification centre; it only sends no e-mail.
    """

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("office_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    email_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    muted: Mapped[str] = mapped_column(String(500), default="")  # comma-separated kinds
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow, nullable=False)


class OfficeRobot(TenantMixin, db.Model):
    """The office's group robot (政务微信 / 钉钉-style webhook): where the office's notification events are posted.

    ``secret`` signs each post the DingTalk way (timestamp + "\\n" + secret, HMAC-SHA256, base64) when set; it
    must be kept readable to sign, so it is shown to nobody once saved.
    """

    __tablename__ = "office_robots"
    __table_args__ = (UniqueConstraint("office_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(500), default="")
    secret: Mapped[str] = mapped_column(String(200), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow, nullable=False)


class ReminderSettings(TenantMixin, TimestampMixin, db.Model):
    """The office's rules for the scheduled reminders (``flask notify schedule``), one row per office.

    ``days_before``: the working days before a deadline (self-assessment, rectification) on which the
    departments that still have work to do are reminded, e.g. "7,3,1". ``escalate_after``: once a department is
    more than this many working days overdue, its daily overdue reminder also goes to its administrator (分管领导).
    An office without a row uses the defaults (:data:`assess.notify.schedule.DEFAULT_DAYS_BEFORE`, …).
    """

    __tablename__ = "reminder_settings"
    __table_args__ = (UniqueConstraint("office_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    days_before: Mapped[str] = mapped_column(String(60), default="7,3,1")
    escalate_after: Mapped[int] = mapped_column(Integer, default=2)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}
