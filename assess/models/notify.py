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

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
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
