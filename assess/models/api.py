"""Personal API tokens: a user's credential for the JSON API (/api/v1). Only the SHA-256 is stored.

A token acts with exactly its user's role and tenant; ``office_id`` is copied from the user for the
audit trail (NULL for the platform administrator). Not a tenant row for the automatic scoping: tokens
are only ever read by their hash (authentication) or by their owner's ``user_id`` (the token page).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import AwareDateTime, utcnow
from .user import User


class ApiToken(db.Model):
    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # the first characters, shown to recognise a token
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    user: Mapped[User] = relationship()

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
