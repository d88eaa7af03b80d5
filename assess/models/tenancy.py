"""Offices (the top-level tenant), their ranking groups and their departments."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import AwareDateTime, TenantMixin, TimestampMixin


class Office(TimestampMixin, db.Model):
    """A disclosure office (政务公开办). Its id is the ``office_id`` of every row it owns."""

    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    region: Mapped[str] = mapped_column(String(60), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Document settings (GB/T 9704 letterhead), set once by the office.
    authority_mark: Mapped[str] = mapped_column(String(120), default="")
    doc_prefix: Mapped[str] = mapped_column(String(40), default="")
    issuer_name: Mapped[str] = mapped_column(String(120), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    cc_block: Mapped[str] = mapped_column(Text, default="")
    printed_by: Mapped[str] = mapped_column(String(120), default="")
    seal_key: Mapped[str | None] = mapped_column(String(200))


class Group(TenantMixin, TimestampMixin, db.Model):
    """A ranking group (排名分组) such as 县直部门 or 乡镇（街道）, defined by the office."""

    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("office_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    departments: Mapped[list["Department"]] = relationship(back_populates="group")


class Department(TenantMixin, TimestampMixin, db.Model):
    """An assessed unit (被考核单位). Never deleted: deactivation keeps its history."""

    __tablename__ = "departments"
    __table_args__ = (
        UniqueConstraint("office_id", "name"),
        Index("ix_departments_office_group", "office_id", "group_id"),
    )
    # For department-bound users the scoping keys on this column (their own department only).
    __department_column__ = "id"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    name: Mapped[str] = mapped_column(String(120))
    contact_name: Mapped[str] = mapped_column(String(60), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    group: Mapped[Group] = relationship(back_populates="departments")
