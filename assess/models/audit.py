"""The append-only, hash-chained audit log (one chain per office)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import AwareDateTime, TenantMixin, utcnow


class AuditEntry(TenantMixin, db.Model):
    """One change: who, when, from where, old → new, why; ``hash`` covers the entry and ``prev_hash``."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        UniqueConstraint("office_id", "seq"),
        Index("ix_audit_office_object", "office_id", "object_type", "object_id"),
        Index("ix_audit_office_department", "office_id", "department_id"),
        Index("ix_audit_office_campaign", "office_id", "campaign_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(60), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    department_id: Mapped[int | None] = mapped_column(Integer)
    campaign_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(60), default="")
    old: Mapped[str] = mapped_column(Text, default="null")
    new: Mapped[str] = mapped_column(Text, default="null")
    reason: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
