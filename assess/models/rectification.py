"""Rectification notices (整改通知) and their items (问题清单), tracked from sending to closure.

A notice belongs to one department (``department_id``) and may come from a campaign's published results
(``campaign_id`` set) or from the office's own checks, such as monthly website monitoring
(``campaign_id`` empty, ``source`` = ``monitoring`` / ``other``). Each item is answered by the department
(measure, result, evidence rows with ``owner_type = "rectification_item"``) and checked by the office until
it is accepted; the notice is closed when every item is.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import AwareDateTime, DepartmentMixin, TimestampMixin
from .campaign import SCORE, _enum


class NoticeState(str, enum.Enum):
    DRAFT = "draft"  # being prepared by the office; the department does not see it
    SENT = "sent"  # the department sees it and answers its items
    CLOSED = "closed"  # every item accepted


class NoticeSource(str, enum.Enum):
    CAMPAIGN = "campaign"  # drawn from a campaign's published results
    MONITORING = "monitoring"  # website monitoring (broken links, 错敏字 …)
    OTHER = "other"


class ItemState(str, enum.Enum):
    PENDING = "pending"  # waiting for the department's answer
    AWAITING_LEADER = "awaiting_leader"  # drafted by the editor, waiting for the department's leader
    SUBMITTED = "submitted"  # submitted by the leader, waiting for the office's check
    RETURNED = "returned"  # returned by the office with a comment; the department answers again
    ACCEPTED = "accepted"  # checked and closed by the office


OPEN_ITEM_STATES = (ItemState.PENDING, ItemState.AWAITING_LEADER, ItemState.SUBMITTED, ItemState.RETURNED)


class Notice(DepartmentMixin, TimestampMixin, db.Model):
    __tablename__ = "rectification_notices"
    __table_args__ = (
        Index("ix_rectification_notices_office_department", "office_id", "department_id"),
        Index("ix_rectification_notices_office_campaign", "office_id", "campaign_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    source: Mapped[NoticeSource] = mapped_column(_enum(NoticeSource), default=NoticeSource.CAMPAIGN)
    title: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str] = mapped_column(Text, default="")  # the notice's covering text
    department_name: Mapped[str] = mapped_column(String(120))  # snapshot, like Submission
    state: Mapped[NoticeState] = mapped_column(_enum(NoticeState), default=NoticeState.DRAFT)
    deadline: Mapped[date] = mapped_column(Date)
    # When the deadline was counted in working days: from which day and how many, so that a change of the
    # holiday calendar can count it again (both empty for a date the office typed).
    deadline_start: Mapped[date | None] = mapped_column(Date)
    deadline_workdays: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    read_at: Mapped[datetime | None] = mapped_column(AwareDateTime())  # read receipt: first opened by the dept
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    items: Mapped[list["NoticeItem"]] = relationship(
        back_populates="notice", order_by="NoticeItem.position, NoticeItem.id"
    )

    __mapper_args__ = {"version_id_col": version_id}


class NoticeItem(DepartmentMixin, db.Model):
    __tablename__ = "rectification_items"
    __table_args__ = (
        Index("ix_rectification_items_office_notice", "office_id", "notice_id"),
        Index("ix_rectification_items_office_dept_indicator", "office_id", "department_id", "indicator_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("rectification_notices.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))  # copy of the notice's
    position: Mapped[int] = mapped_column(Integer, default=0)
    indicator_code: Mapped[str | None] = mapped_column(String(40))
    indicator_title: Mapped[str] = mapped_column(String(200), default="")
    result_id: Mapped[int | None] = mapped_column(ForeignKey("indicator_results.id"))  # where it came from
    problem: Mapped[str] = mapped_column(Text)
    points_deducted: Mapped[Decimal | None] = mapped_column(SCORE)
    requirement: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[ItemState] = mapped_column(_enum(ItemState), default=ItemState.PENDING)
    # The department's answer
    measure: Mapped[str] = mapped_column(Text, default="")  # 整改措施
    result: Mapped[str] = mapped_column(Text, default="")  # 整改结果
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    leader_comment: Mapped[str] = mapped_column(Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    # The office's check
    office_comment: Mapped[str] = mapped_column(Text, default="")
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    rounds: Mapped[int] = mapped_column(Integer, default=0)  # times returned by the office
    accepted_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    # Carry-over: the same problem on the same indicator in the previous campaign
    recurring: Mapped[bool] = mapped_column(Boolean, default=False)
    previous_item_id: Mapped[int | None] = mapped_column(ForeignKey("rectification_items.id"))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    notice: Mapped[Notice] = relationship(back_populates="items")

    __mapper_args__ = {"version_id_col": version_id}
