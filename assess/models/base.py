"""Column mixins shared by every tenant-owned table.

Every tenant row carries its office (``office_id``) so that the schema can be distributed by office on a
sharded PostgreSQL (Citus): indexes and unique constraints start with ``office_id``. Rows owned by one
department also carry ``department_id``. The automatic scoping in :mod:`assess.tenancy.scope` keys on
these two mixins, so a model that forgets them is not scoped — the isolation test catches that.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, ForeignKey, Integer
from sqlalchemy.types import TypeDecorator
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class AwareDateTime(TypeDecorator):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class TenantMixin:
    """A row that belongs to one office."""

    @declared_attr
    def office_id(cls) -> Mapped[int]:
        return mapped_column(Integer, ForeignKey("offices.id"), nullable=False)


class DepartmentMixin(TenantMixin):
    """A row that belongs to one department of one office."""

    @declared_attr
    def department_id(cls) -> Mapped[int]:
        return mapped_column(Integer, ForeignKey("departments.id"), nullable=False)


class TimestampMixin:
    @declared_attr
    def created_at(cls) -> Mapped[datetime]:
        return mapped_column(AwareDateTime(), default=utcnow, nullable=False)

    @declared_attr
    def updated_at(cls) -> Mapped[datetime]:
        return mapped_column(AwareDateTime(), default=utcnow, onupdate=utcnow, nullable=False)
