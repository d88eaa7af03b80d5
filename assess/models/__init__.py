"""All models, re-exported so that Alembic and the app see every table."""
from .audit import AuditEntry
from .base import DepartmentMixin, TenantMixin
from .tenancy import Department, Group, Office
from .user import DEPARTMENT_ROLES, OFFICE_ROLES, Membership, PasswordLink, Role, User

__all__ = [
    "AuditEntry",
    "DEPARTMENT_ROLES",
    "Department",
    "DepartmentMixin",
    "Group",
    "Membership",
    "OFFICE_ROLES",
    "Office",
    "PasswordLink",
    "Role",
    "TenantMixin",
    "User",
]
