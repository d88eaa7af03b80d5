"""People, their roles, their department memberships over time, and one-time set-password links."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import AwareDateTime, TenantMixin, TimestampMixin, utcnow
from .tenancy import Department, Office


class Role(str, enum.Enum):
    """The six roles. A user holds exactly one; its tenant follows from office_id / department_id."""

    PLATFORM_ADMIN = "platform_admin"
    OFFICE_ADMIN = "office_admin"
    REVIEWER = "reviewer"
    DEPT_ADMIN = "dept_admin"
    DEPT_EDITOR = "dept_editor"
    VIEWER = "viewer"
    # Which roles belong together (office staff, department staff, …) is named in assess/tenancy/roles.py.


class User(UserMixin, TimestampMixin, db.Model):
    """A person. Platform administrators have no office; department roles have a department.

    A viewer may be bound to the office (reads the office's results) or to one department.
    """

    __tablename__ = "users"
    __table_args__ = (Index("ix_users_office_department", "office_id", "department_id"),)
    __office_column__ = "office_id"
    __department_column__ = "department_id"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    role: Mapped[Role] = mapped_column(
        db.Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    phone: Mapped[str] = mapped_column(String(40), default="")
    # Where e-mail notifications go (the user sets it on the notification settings page); none: no e-mail.
    email: Mapped[str | None] = mapped_column(String(254))
    # Bumped on password change or deactivation: every existing session of the user ends.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    office: Mapped[Office | None] = relationship()
    department: Mapped[Department | None] = relationship()

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


class Membership(TenantMixin, db.Model):
    """Who belonged to which department when — needed for reviewers' conflict-of-interest checks."""

    __tablename__ = "memberships"
    __table_args__ = (Index("ix_memberships_office_user", "office_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    started_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(AwareDateTime())


class PasswordLink(db.Model):
    """A one-time set-password link. Only the SHA-256 of the token is stored."""

    __tablename__ = "password_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime())
    used_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
