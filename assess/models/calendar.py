"""The holiday calendar: the installation's table of official arrangements, and each office's own days.

The State Council publishes each December the next year's holidays and the weekend days worked in exchange
(调休). ``holiday_years`` holds one row per year the platform administrator has entered (with the notice it
comes from), ``holiday_days`` the dates it lists; a year in the table is read instead of the
``chinese_calendar`` package, and instead of the Monday–Friday fallback where the package has no data.
``office_days`` are an office's own additions on top (a local holiday, an office closure, a day worked):
tenant rows like any other, scoped by :mod:`assess.tenancy.scope`.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import AwareDateTime, TenantMixin, TimestampMixin, utcnow

DAY_OFF = "off"  # 放假: not a working day, even on a weekday
DAY_WORKED = "work"  # 调休上班: a working day, even on a weekend
DAY_KINDS = (DAY_OFF, DAY_WORKED)


class HolidayYear(TimestampMixin, db.Model):
    """One year of the installation-wide table: its days replace the package's data for that year."""

    __tablename__ = "holiday_years"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    notice_title: Mapped[str] = mapped_column(String(200))  # 国务院办公厅关于2027年部分节假日安排的通知
    notice_number: Mapped[str] = mapped_column(String(60), default="")  # 国办发明电〔2026〕N号
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    days: Mapped[list["HolidayDay"]] = relationship(
        back_populates="holiday_year", order_by="HolidayDay.day", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version_id}


class HolidayDay(db.Model):
    """A date of an entered year: a day off (``off``) or a weekend day worked (``work``)."""

    __tablename__ = "holiday_days"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("holiday_years.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(60), default="")

    holiday_year: Mapped[HolidayYear] = relationship(back_populates="days")


class OfficeDay(TenantMixin, db.Model):
    """An office's own day on top of the installation's table (a local holiday, a closure, a day worked)."""

    __tablename__ = "office_days"
    __table_args__ = (UniqueConstraint("office_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(60), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
