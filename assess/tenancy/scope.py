"""The one tenant-scoping mechanism.

Inside a request every ORM SELECT gets, automatically, the criteria of the logged-in user's tenant:
``office_id = <office>`` on every :class:`TenantMixin` row (and on users), and for department-bound
users ``department_id = <department>`` on every :class:`DepartmentMixin` row (their own department row and
colleagues too). It fails closed: a request with no resolved scope (anonymous, or before the user is
loaded) sees no tenant rows at all. Code that must read across the boundary on purpose — the login
lookup, the public document-verification page — says so with ``execution_options(unscoped=True)``
(see :func:`unscoped`), which is easy to grep and to review. Code that must see every department of the
user's office — a department's rank needs its whole group — lifts only the department filter with
``execution_options(all_departments=True)`` (see :func:`all_departments`): the office wall stays automatic.

Outside requests (CLI, service unit tests) nothing is added: those callers pass tenants explicitly.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from flask import abort, g, has_request_context
from sqlalchemy import Select, event, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from ..models import DepartmentMixin, Role, TenantMixin, User
from ..models.tenancy import Department

T = TypeVar("T")

_NO_TENANT = -1  # an id no row has: the fail-closed criterion


@dataclass(frozen=True)
class Scope:
    """What the current user may see: one office (None = every office), maybe one department."""

    office_id: int | None
    department_id: int | None
    user_id: int | None
    role: Role | None

    @classmethod
    def for_user(cls, user: Any) -> "Scope":
        if user is None or not getattr(user, "is_authenticated", False):
            return cls(_NO_TENANT, _NO_TENANT, None, None)
        if user.role == Role.PLATFORM_ADMIN:
            return cls(None, None, user.id, user.role)
        return cls(user.office_id, user.department_id, user.id, user.role)

    @property
    def is_platform(self) -> bool:
        return self.office_id is None


def set_request_scope(user: Any) -> Scope:
    scope = Scope.for_user(user)
    g.assess_scope = scope
    return scope


def current_scope() -> Scope | None:
    """The scope in force: None outside a request (no automatic criteria)."""
    if not has_request_context():
        return None
    return g.get("assess_scope") or Scope(_NO_TENANT, _NO_TENANT, None, None)


def unscoped(stmt: Select) -> Select:
    """Mark a statement as deliberately crossing the tenant boundary (review these by grep)."""
    return stmt.execution_options(unscoped=True)


def all_departments(stmt: Select) -> Select:
    """Mark a statement as reading every department of the user's own office on purpose (ranks, group
    statistics): the department filter is lifted, the office filter stays. Grep for it like ``unscoped``."""
    return stmt.execution_options(all_departments=True)


def _criteria(scope: Scope, *, departments: bool = True) -> list:
    opts = []
    if scope.office_id is not None:
        office_id = scope.office_id
        opts.append(with_loader_criteria(TenantMixin, lambda cls: cls.office_id == office_id, include_aliases=True))
        opts.append(with_loader_criteria(User, lambda cls: cls.office_id == office_id, include_aliases=True))
    if departments and scope.department_id is not None:
        dept_id = scope.department_id
        opts.append(
            with_loader_criteria(DepartmentMixin, lambda cls: cls.department_id == dept_id, include_aliases=True)
        )
        opts.append(with_loader_criteria(Department, lambda cls: cls.id == dept_id, include_aliases=True))
        opts.append(with_loader_criteria(User, lambda cls: cls.department_id == dept_id, include_aliases=True))
    return opts


def install() -> None:
    """Attach the scoping hook to Flask-SQLAlchemy's session class (idempotent).

    Listening on the class rather than one ``scoped_session`` covers every session the app makes,
    including the per-test sessions bound to a rolled-back connection.
    """
    from flask_sqlalchemy.session import Session as FlaskSession

    if event.contains(FlaskSession, "do_orm_execute", _add_tenant_criteria):
        return
    event.listen(FlaskSession, "do_orm_execute", _add_tenant_criteria)


def _add_tenant_criteria(state: ORMExecuteState) -> None:
    if not state.is_select or state.is_column_load or state.is_relationship_load:
        return
    if state.execution_options.get("unscoped"):
        return
    scope = current_scope()
    if scope is None:
        return
    opts = _criteria(scope, departments=not state.execution_options.get("all_departments"))
    if opts:
        state.statement = state.statement.options(*opts)


def get_scoped_or_404(model: type[T], ident: Any, session: Session | None = None) -> T:
    """Load one row by id through the scope; another tenant's row is simply not found (404)."""
    from ..extensions import db

    session = session or db.session
    if isinstance(ident, int) and not 0 < ident < 2**63:  # no such row (and no database overflow on a huge id)
        abort(404)
    obj = session.execute(select(model).where(model.id == ident)).scalar_one_or_none()  # type: ignore[attr-defined]
    if obj is None:
        abort(404)
    return obj
