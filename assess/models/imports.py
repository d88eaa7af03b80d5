"""Figures imported from what departments already wrote (issue #11): year-end summaries and annual reports.

- :class:`FigureImport` — one upload's proposals for one self-assessment (a summary, or an annual report's
  checked figures) and the editor's decision on each (accepted / corrected / rejected, passages attached).
  Nothing reaches the form without a decision; the form is written only through the self-assessment service.
- :class:`AnnualReport` — a department's 政府信息公开工作年度报告 for one year: parsed tables, arithmetic check
  results (including 上年结转 against last year's stored report) and the original file.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import AwareDateTime, DepartmentMixin, utcnow


class FigureImport(DepartmentMixin, db.Model):
    """Proposals extracted from one uploaded text for one submission, with the editor's decisions.

    ``source`` is ``summary`` (a year-end summary: ``text`` holds the extracted text, so that proposals can be
    shown with their sentences highlighted by offset) or ``annual_report`` (``annual_report_id``).
    ``proposals`` (JSON): ``{"figures": [...], "by_indicator": {code: [passages]}}``;
    ``decisions`` (JSON): ``{code: {"figures": {name: {...}}, "passages": {"start-end": evidence id}}}``.
    """

    __tablename__ = "figure_imports"
    __table_args__ = (Index("ix_figure_imports_office_submission", "office_id", "submission_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    source: Mapped[str] = mapped_column(String(20), default="summary")
    annual_report_id: Mapped[int | None] = mapped_column(ForeignKey("annual_reports.id"))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="")
    proposals: Mapped[str] = mapped_column(Text, default="{}")
    decisions: Mapped[str] = mapped_column(Text, default="{}")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class AnnualReport(DepartmentMixin, db.Model):
    """A department's annual report for one year (the latest upload replaces the previous one)."""

    __tablename__ = "annual_reports"
    __table_args__ = (UniqueConstraint("office_id", "department_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    format_version: Mapped[str] = mapped_column(String(8))  # "2021" | "2019"
    parsed: Mapped[str] = mapped_column(Text, default="{}")  # Report.to_dict()
    checks: Mapped[str] = mapped_column(Text, default="[]")  # [CheckFailure.to_dict()]
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    checked_against_id: Mapped[int | None] = mapped_column(Integer)  # last year's report used for 上年结转
    filename: Mapped[str] = mapped_column(String(255))
    storage_key: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}
