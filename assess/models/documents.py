"""Issued official documents (公文), their number register, circular drafts and bulk-generation jobs.

An :class:`IssuedDocument` is frozen when issued: its number (文号), the exact context that was rendered
(JSON), the PDF bytes (in storage, by key) and their SHA-256 never change afterwards, so the document can be
produced again byte for byte and checked on the public verification page by its ``verify_code``.

Numbers: one :class:`DocumentCounter` row per (office, year) is incremented in the issuing transaction (the
UPDATE locks the row on PostgreSQL), and the unique constraint ``(office_id, year, seq)`` on issued documents
is the backstop, so a number is never given twice and never reused. Score sheets are internal forms and get
no 文号 (``seq`` empty).
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import AwareDateTime, TenantMixin, TimestampMixin, utcnow
from .campaign import _enum


class DocumentKind(str, enum.Enum):
    CIRCULAR = "circular"  # 考核结果通报 (one per campaign)
    NOTICE = "notice"  # 整改通知 (one per rectification notice)
    SCORESHEET = "scoresheet"  # 考核评分表 (one per department and campaign)


class DocumentCounter(TenantMixin, db.Model):
    """The last 文号 sequence number given by an office in a year."""

    __tablename__ = "document_counters"
    __table_args__ = (UniqueConstraint("office_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class IssuedDocument(TenantMixin, db.Model):
    """A document as issued: never edited, never deleted.

    ``department_id`` is the addressed department (notices, score sheets), empty for a circular. It is not a
    ``DepartmentMixin`` column (a circular has none); documents are office-side records and their pages are
    for office users only.
    """

    __tablename__ = "issued_documents"
    __table_args__ = (
        UniqueConstraint("office_id", "year", "seq"),
        UniqueConstraint("verify_code"),
        Index("ix_issued_documents_office_campaign", "office_id", "campaign_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(_enum(DocumentKind))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    source_id: Mapped[int | None] = mapped_column(Integer)  # e.g. the rectification notice's id
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(80), default="")  # 文号 as printed ("" for score sheets)
    title: Mapped[str] = mapped_column(String(300))
    addressee: Mapped[str] = mapped_column(String(200), default="")
    issuer_name: Mapped[str] = mapped_column(String(120))  # 发文机关署名 as printed
    context: Mapped[str] = mapped_column(Text)  # JSON of the rendered context (what was issued)
    storage_key: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    verify_code: Mapped[str] = mapped_column(String(20))
    issued_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CircularDraft(TenantMixin, TimestampMixin, db.Model):
    """The office's editable text of a campaign's results circular before it is issued (JSON of the fields)."""

    __tablename__ = "circular_drafts"
    __table_args__ = (UniqueConstraint("office_id", "campaign_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    body: Mapped[str] = mapped_column(Text)  # JSON: title, addressee, opening, sections, requirements, deadline
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class JobState(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class DocumentJob(TenantMixin, TimestampMixin, db.Model):
    """A background bulk generation (all notices / score sheets of a campaign as one ZIP) and its progress."""

    __tablename__ = "document_jobs"
    __table_args__ = (Index("ix_document_jobs_office_campaign", "office_id", "campaign_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(_enum(DocumentKind))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    state: Mapped[JobState] = mapped_column(_enum(JobState), default=JobState.QUEUED)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    result_key: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
