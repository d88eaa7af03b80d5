"""A yearly assessment (campaign), each department's submission in it, and its answers per indicator."""
from __future__ import annotations

import enum
import json
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import AwareDateTime, DepartmentMixin, TenantMixin, TimestampMixin, utcnow
from .rubric import Rubric

SCORE = Numeric(7, 2)


def _enum(e: type[enum.Enum]):
    return db.Enum(e, native_enum=False, length=24, values_callable=lambda x: [m.value for m in x])


class CampaignState(str, enum.Enum):
    DRAFT = "draft"
    SELF_ASSESSMENT = "self_assessment"
    REVIEW = "review"
    RECHECK = "recheck"
    PUBLISHED = "published"
    CLOSED = "closed"


class SubmissionState(str, enum.Enum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    AWAITING_LEADER = "awaiting_leader"
    SUBMITTED = "submitted"
    RETURNED = "returned"


class Campaign(TenantMixin, TimestampMixin, db.Model):
    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_office_year", "office_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id"))
    state: Mapped[CampaignState] = mapped_column(_enum(CampaignState), default=CampaignState.DRAFT)
    self_deadline: Mapped[date | None] = mapped_column(Date)
    review_start: Mapped[date | None] = mapped_column(Date)
    review_end: Mapped[date | None] = mapped_column(Date)
    recheck_start: Mapped[date | None] = mapped_column(Date)
    recheck_end: Mapped[date | None] = mapped_column(Date)
    rectify_deadline: Mapped[date | None] = mapped_column(Date)
    state_changed_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    # Office settings for this campaign: contest text limit, review difference threshold, …
    contest_max_chars: Mapped[int] = mapped_column(Integer, default=500)
    review_diff_threshold: Mapped[Decimal] = mapped_column(SCORE, default=Decimal("1"))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    rubric: Mapped[Rubric] = relationship()
    submissions: Mapped[list["Submission"]] = relationship(back_populates="campaign")

    __mapper_args__ = {"version_id_col": version_id}


class Submission(DepartmentMixin, TimestampMixin, db.Model):
    """One department's self-assessment in one campaign (its participation)."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("office_id", "campaign_id", "department_id"),
        Index("ix_submissions_office_department", "office_id", "department_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    # Snapshots taken when the department joined the campaign: later renames/regroupings don't rewrite history.
    department_name: Mapped[str] = mapped_column(String(120))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    group_name: Mapped[str] = mapped_column(String(60))
    state: Mapped[SubmissionState] = mapped_column(_enum(SubmissionState), default=SubmissionState.NOT_STARTED)
    sent_to_leader_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    late_days: Mapped[int] = mapped_column(Integer, default=0)
    comment: Mapped[str] = mapped_column(Text, default="")  # leader's or office's return comment
    last_change_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    campaign: Mapped[Campaign] = relationship(back_populates="submissions")
    answers: Mapped[list["Answer"]] = relationship(back_populates="submission")

    __mapper_args__ = {"version_id_col": version_id}


class Answer(DepartmentMixin, db.Model):
    """A department's answer to one indicator: reported figures/facts (JSON), self-score, explanation."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("office_id", "submission_id", "indicator_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    indicator_code: Mapped[str] = mapped_column(String(40))
    inputs: Mapped[str] = mapped_column(Text, default="{}")  # JSON: input name → value
    self_score: Mapped[Decimal | None] = mapped_column(SCORE)
    # What the rubric's rule gives for the reported figures; self_score differs only with a reason.
    suggested_score: Mapped[Decimal | None] = mapped_column(SCORE)
    self_score_reason: Mapped[str] = mapped_column(Text, default="")
    explanation: Mapped[str] = mapped_column(Text, default="")
    carried_over: Mapped[bool] = mapped_column(Boolean, default=False)  # pre-filled from last year, unconfirmed
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    submission: Mapped[Submission] = relationship(back_populates="answers")

    __mapper_args__ = {"version_id_col": version_id}

    # In ``inputs``: the reason the department marked the indicator 不适用 (rubric key allow_na). Figure names
    # are lower_snake_case starting with a letter, so this key never clashes with one.
    NA_KEY = "__na__"

    @property
    def na_reason(self) -> str | None:
        """Why the department marked this indicator not applicable, or None."""
        return self.na_reason_in(self.inputs)

    @classmethod
    def na_reason_in(cls, inputs: str | None) -> str | None:
        """The 不适用 reason kept in an answer's ``inputs`` JSON text, or None."""
        try:
            data = json.loads(inputs or "{}")
        except ValueError:
            return None
        reason = data.get(cls.NA_KEY) if isinstance(data, dict) else None
        return (reason.strip() or None) if isinstance(reason, str) else None


class EvidenceKind(str, enum.Enum):
    FILE = "file"
    LINK = "link"
    EXCERPT = "excerpt"


class Evidence(DepartmentMixin, db.Model):
    """A file, link or text excerpt attached to something (an answer, a review score, a contest, an item).

    ``owner_type`` / ``owner_id`` name what it is attached to; ``department_id`` is always the department
    whose record it belongs to, so scoping and access follow the department.
    """

    __tablename__ = "evidence"
    __table_args__ = (
        Index("ix_evidence_office_owner", "office_id", "owner_type", "owner_id"),
        Index("ix_evidence_office_department", "office_id", "department_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    owner_type: Mapped[str] = mapped_column(String(30))  # answer | review | contest | rectification_item | ...
    owner_id: Mapped[int] = mapped_column(Integer)
    indicator_code: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[EvidenceKind] = mapped_column(_enum(EvidenceKind))
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    text: Mapped[str | None] = mapped_column(Text)
    storage_key: Mapped[str | None] = mapped_column(String(200))
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
