"""Review aids: what the platform noticed in a self-assessment (a flag) and the office's switches per campaign.

A flag is a hint for the reviewer, never a score: nothing reads it when scoring. It belongs to the flagged
department (``department_id``), so it is scoped like the self-assessment it points at; department users never
reach the pages that show flags. A rerun of the checks finds the same flag again by its ``fingerprint`` (the
answer, the field and the other source), so a dismissal survives reruns.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import AwareDateTime, DepartmentMixin, TenantMixin, TimestampMixin

FLAG_COPIED_TEXT = "copied_text"  # a passage the same or nearly the same as another department's / last year's
FLAG_FIGURE_JUMP = "figure_jump"  # a figure far from last year's or from its group's
FLAG_REUSED_EVIDENCE = "reused_evidence"  # the same or a near-duplicate file used elsewhere (department, indicator, year)
FLAG_WEAK_EVIDENCE = "weak_evidence"  # evidence that cannot support the claim (dead link, off-topic, misdated)
FLAG_KINDS = (FLAG_COPIED_TEXT, FLAG_FIGURE_JUMP, FLAG_REUSED_EVIDENCE, FLAG_WEAK_EVIDENCE)


class ReviewFlag(DepartmentMixin, TimestampMixin, db.Model):
    """One thing a check noticed on one answer of one department's self-assessment."""

    __tablename__ = "review_flags"
    __table_args__ = (
        UniqueConstraint("office_id", "campaign_id", "fingerprint"),
        Index("ix_review_flags_office_submission", "office_id", "submission_id", "indicator_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id"))
    indicator_code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(24))
    field: Mapped[str] = mapped_column(String(60))  # explanation | self_score_reason | an input's name
    fingerprint: Mapped[str] = mapped_column(String(120))
    # How strong: the share of the text found in the other source (copied text), the ratio (figures).
    strength: Mapped[Decimal] = mapped_column(Numeric(12, 4), default=Decimal("0"))
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON: passages side by side, figures beside
    # the evidence item the flag is about (evidence kinds; shown beside that item on the review sheet)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    other_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    other_campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    dismissed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    dismiss_reason: Mapped[str] = mapped_column(Text, default="")


class ReviewAidSettings(TenantMixin, TimestampMixin, db.Model):
    """The office's switches for one campaign: which checks run, and their thresholds."""

    __tablename__ = "review_aid_settings"
    __table_args__ = (UniqueConstraint("office_id", "campaign_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    disabled: Mapped[str] = mapped_column(String(200), default="")  # comma-separated kinds switched off
    jump_ratio: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal("3"))
    jump_z: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal("3.5"))
    text_similarity: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("0.5"))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class EvidencePrint(DepartmentMixin, TimestampMixin, db.Model):
    """What the review aids read from one evidence item, computed once (on its first check) and kept, so a
    rerun of the checks neither renders a PDF nor fetches a link again: the perceptual hashes of the image or
    of the first rendered PDF pages, the text a PDF or Word file carries, the last answer of a link."""

    __tablename__ = "evidence_prints"
    __table_args__ = (UniqueConstraint("office_id", "evidence_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"))
    sha256: Mapped[str | None] = mapped_column(String(64))
    hashes: Mapped[str] = mapped_column(Text, default="")  # 128-bit difference hashes (hex), one per image/page
    text: Mapped[str] = mapped_column(Text, default="")  # extracted text (PDF text layer, Word), capped
    link_status: Mapped[int | None] = mapped_column(Integer)  # HTTP status of a link; 0: no answer
    link_checked_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
