"""Published (frozen) rankings of a campaign: each publication is a numbered version, never edited."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import AwareDateTime, TenantMixin, utcnow


class RankingPublication(TenantMixin, db.Model):
    """Version ``version`` of a campaign's published ranking: the rows as computed then, frozen as JSON.

    Version 1 is the first publication; every later one is a re-publication with a reason (and an audit
    entry). Pages and exports show the latest version once one exists.
    """

    __tablename__ = "ranking_publications"
    __table_args__ = (UniqueConstraint("office_id", "campaign_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    version: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[str] = mapped_column(Text)  # JSON: {"rubric": ..., "rows": [...]}
