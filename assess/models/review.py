"""Reviewer assignments, each reviewer's score per indicator, the decided result, and re-check contests."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import AwareDateTime, DepartmentMixin, utcnow
from .campaign import SCORE, _enum


class ReviewAssignment(DepartmentMixin, db.Model):
    __tablename__ = "review_assignments"
    __table_args__ = (
        UniqueConstraint("office_id", "campaign_id", "department_id", "reviewer_id"),
        Index("ix_review_assignments_office_reviewer", "office_id", "reviewer_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)


class ReviewScore(DepartmentMixin, db.Model):
    """One reviewer's score of one indicator of one department (two reviewers → two rows)."""

    __tablename__ = "review_scores"
    __table_args__ = (UniqueConstraint("office_id", "campaign_id", "department_id", "indicator_code", "reviewer_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    indicator_code: Mapped[str] = mapped_column(String(40))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    score: Mapped[Decimal] = mapped_column(SCORE)
    veto: Mapped[bool] = mapped_column(Boolean, default=False)
    problem: Mapped[str] = mapped_column(Text, default="")  # 问题描述 (required when below self-score)
    reason: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class IndicatorResult(DepartmentMixin, db.Model):
    """The score of one indicator of one department as it stands: the single source for rankings.

    ``final_score`` is what totals, rankings, exports and PDFs use. The steps before it are kept for the
    score's waterfall (self → suggested → reviewed → re-check → final).
    """

    __tablename__ = "indicator_results"
    __table_args__ = (
        UniqueConstraint("office_id", "campaign_id", "department_id", "indicator_code"),
        # Covers the area sums (assess/ranking/sums.py): a campaign's or one department's results are read from
        # this index alone, in department order, without touching the table. Its prefix serves every look-up by
        # office and campaign.
        Index("ix_indicator_results_ranking", "office_id", "campaign_id", "department_id", "indicator_code",
              "final_score", "veto", "version_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    indicator_code: Mapped[str] = mapped_column(String(40))
    self_score: Mapped[Decimal | None] = mapped_column(SCORE)
    suggested_score: Mapped[Decimal | None] = mapped_column(SCORE)
    reviewed_score: Mapped[Decimal | None] = mapped_column(SCORE)
    recheck_score: Mapped[Decimal | None] = mapped_column(SCORE)
    final_score: Mapped[Decimal | None] = mapped_column(SCORE)
    veto: Mapped[bool] = mapped_column(Boolean, default=False)
    # 不适用: the reason, when the department marked an indicator the rubric lets it mark (allow_na) and no
    # reviewer scored it; the indicator is then left out of the full marks and the total rescaled
    not_applicable: Mapped[str | None] = mapped_column(Text)
    problem: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    # The rule's explanation of the suggestion, kept with it (STYLE point 8).
    suggested_explanation: Mapped[str] = mapped_column(Text, default="")
    # Two reviewers differing by more than the campaign's threshold: waiting for the lead's decision.
    needs_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    # A lead reviewer's (or office administrator's) final decision; once made it is the reviewed score.
    lead_score: Mapped[Decimal | None] = mapped_column(SCORE)
    lead_veto: Mapped[bool] = mapped_column(Boolean, default=False)
    lead_problem: Mapped[str] = mapped_column(Text, default="")
    lead_reason: Mapped[str] = mapped_column(Text, default="")
    lead_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lead_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class DepartmentSums(DepartmentMixin, db.Model):
    """One department's sums of final scores per area in a campaign (with the bonus sum, the number of base
    indicators scored and the vetoes flagged): derived data, rewritten from ``indicator_results`` in the same
    transaction as every change to them (``assess/ranking/sums.py``), so that a ranking reads one row per
    department instead of every indicator score. ``version_id`` grows with every rewrite (the live ranking's
    fingerprint); ``rubric_sha256`` is the rubric the areas were summed for."""

    __tablename__ = "department_sums"
    __table_args__ = (UniqueConstraint("office_id", "campaign_id", "department_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    rubric_sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[str] = mapped_column(Text)  # JSON: {"areas": {code: "9.50"}, "bonus": "1.00", "scored": 98, "vetoes": []}
    version_id: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)


class ContestOutcome(str, enum.Enum):
    UPHELD = "upheld"  # deduction stands (维持)
    PARTLY = "partly"  # partly upheld (部分采纳)
    CHANGED = "changed"  # score changed (予以更正)


class Contest(DepartmentMixin, db.Model):
    """A department's re-check request (申诉/复核) against one indicator's deduction."""

    __tablename__ = "contests"
    __table_args__ = (UniqueConstraint("office_id", "campaign_id", "department_id", "indicator_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    indicator_code: Mapped[str] = mapped_column(String(40))
    explanation: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    outcome: Mapped[ContestOutcome | None] = mapped_column(_enum(ContestOutcome))
    answer: Mapped[str] = mapped_column(Text, default="")
    new_score: Mapped[Decimal | None] = mapped_column(SCORE)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}
