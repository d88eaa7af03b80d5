"""Offices, groups, departments and users: the rules every form, import and API call goes through."""
from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit.services import record
from ..auth.services import end_api_tokens, end_sessions
from ..extensions import db
from ..models import Department, Group, Membership, Office, Role, User
from ..models.base import utcnow
from ..tenancy.roles import DEPARTMENT_STAFF, GRANTS, OFFICE_STAFF, PLATFORM_MANAGED, GrantScope

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-@]{3,60}$")


class AdminError(ValueError):
    """A refusal with a message for the user; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- offices -------------------------------------------------------------------------------------------


def create_office(code: str, name: str, *, actor: User | None, region: str = "", **settings: Any) -> Office:
    code = code.strip().lower()
    if not re.fullmatch(r"[a-z0-9\-]{2,40}", code):
        raise AdminError(_("代码只能包含小写字母、数字和连字符（2–40位）。"), "code")
    if db.session.scalar(select(func.count()).select_from(Office).where(Office.code == code)):
        raise AdminError(_("代码“%(code)s”已被使用。", code=code), "code")
    office = Office(code=code, name=name.strip(), region=region, **settings)
    db.session.add(office)
    db.session.flush()
    record(office.id, "office.create", "office", office.id, actor=actor, new={"code": code, "name": office.name})
    return office


# --- groups --------------------------------------------------------------------------------------------


def create_group(office: Office, name: str, *, actor: User | None, sort_order: int = 0) -> Group:
    name = name.strip()
    if not name:
        raise AdminError(_("请填写分组名称。"), "name")
    exists = db.session.scalar(
        select(func.count()).select_from(Group).where(Group.office_id == office.id, Group.name == name)
    )
    if exists:
        raise AdminError(_("分组“%(name)s”已存在。", name=name), "name")
    group = Group(office_id=office.id, name=name, sort_order=sort_order)
    db.session.add(group)
    db.session.flush()
    record(office.id, "group.create", "group", group.id, actor=actor, new={"name": name})
    return group


def rename_group(group: Group, name: str, *, actor: User | None) -> Group:
    name = name.strip()
    if not name:
        raise AdminError(_("请填写分组名称。"), "name")
    clash = db.session.scalar(
        select(func.count()).select_from(Group)
        .where(Group.office_id == group.office_id, Group.name == name, Group.id != group.id)
    )
    if clash:
        raise AdminError(_("分组“%(name)s”已存在。", name=name), "name")
    old = group.name
    group.name = name
    record(group.office_id, "group.rename", "group", group.id, actor=actor, old={"name": old}, new={"name": name})
    return group


def office_groups(office_id: int) -> list[Group]:
    return list(db.session.scalars(
        select(Group).where(Group.office_id == office_id).order_by(Group.sort_order, Group.id)
    ))


def group_by_name(office_id: int, name: str) -> Group | None:
    return db.session.scalars(select(Group).where(Group.office_id == office_id, Group.name == name)).first()


# --- departments ---------------------------------------------------------------------------------------


def _check_department_name(office_id: int, name: str, exclude_id: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise AdminError(_("请填写部门名称。"), "name")
    if len(name) > 120:
        raise AdminError(_("部门名称不能超过120个字符。"), "name")
    q = select(func.count()).select_from(Department).where(Department.office_id == office_id, Department.name == name)
    if exclude_id is not None:
        q = q.where(Department.id != exclude_id)
    if db.session.scalar(q):
        raise AdminError(_("部门“%(name)s”已存在。", name=name), "name")
    return name


def create_department(
    office: Office, name: str, group: Group, *, actor: User | None, contact_name: str = "", contact_phone: str = ""
) -> Department:
    if group.office_id != office.id:
        raise AdminError(_("分组不属于本单位。"), "group")
    name = _check_department_name(office.id, name)
    dept = Department(
        office_id=office.id, group_id=group.id, name=name,
        contact_name=contact_name.strip(), contact_phone=contact_phone.strip(),
    )
    db.session.add(dept)
    db.session.flush()
    record(office.id, "department.create", "department", dept.id, actor=actor, department_id=dept.id,
           new={"name": name, "group": group.name})
    return dept


def update_department(
    dept: Department, *, actor: User | None, name: str, group: Group, contact_name: str = "", contact_phone: str = ""
) -> Department:
    """Rename / regroup / change contact. The old values stay in the audit log (history kept)."""
    if group.office_id != dept.office_id:
        raise AdminError(_("分组不属于本单位。"), "group")
    name = _check_department_name(dept.office_id, name, exclude_id=dept.id)
    old = {"name": dept.name, "group_id": dept.group_id, "contact_name": dept.contact_name,
           "contact_phone": dept.contact_phone}
    dept.name, dept.group_id = name, group.id
    dept.contact_name, dept.contact_phone = contact_name.strip(), contact_phone.strip()
    new = {"name": dept.name, "group_id": dept.group_id, "contact_name": dept.contact_name,
           "contact_phone": dept.contact_phone}
    if old != new:
        record(dept.office_id, "department.update", "department", dept.id, actor=actor, department_id=dept.id,
               old=old, new=new)
    return dept


def set_department_active(dept: Department, active: bool, *, actor: User | None) -> Department:
    """Deactivate instead of deleting: past campaigns, scores and notices keep pointing at it."""
    if dept.active == active:
        return dept
    dept.active = active
    dept.deactivated_at = None if active else utcnow()
    record(dept.office_id, "department.activate" if active else "department.deactivate", "department", dept.id,
           actor=actor, department_id=dept.id, old={"active": not active}, new={"active": active})
    return dept


def office_departments(office_id: int, *, include_inactive: bool = True) -> list[Department]:
    q = select(Department).where(Department.office_id == office_id)
    if not include_inactive:
        q = q.where(Department.active.is_(True))
    return list(db.session.scalars(q.order_by(Department.group_id, Department.name)))


# --- users ---------------------------------------------------------------------------------------------


def allowed_roles(actor: User) -> tuple[Role, ...]:
    """Which roles ``actor`` may hand out (``GRANTS``), in the order the user form lists them."""
    return tuple(GRANTS.get(actor.role, {}))


def grantable_departments(actor: User) -> tuple[bool, list[Department]]:
    """Where ``actor`` may place the roles they hand out: (office-wide allowed?, the departments allowed).

    The user form offers exactly these, so it never shows a choice the service would refuse.
    """
    scopes = {s for role_scopes in GRANTS.get(actor.role, {}).values() for s in role_scopes}
    if GrantScope.ANY_DEPARTMENT in scopes and actor.office_id is not None:
        departments = office_departments(actor.office_id, include_inactive=False)
    elif GrantScope.OWN_DEPARTMENT in scopes and actor.department_id is not None:
        departments = [db.session.get(Department, actor.department_id)]
    else:
        departments = []
    return GrantScope.OFFICE in scopes, departments


def _grant_refusal(actor: User, role: Role, office_id: int | None,
                   department: Department | None) -> AdminError | None:
    """Why ``actor`` may not place ``role`` at (``office_id``, ``department``), or None when ``GRANTS`` allows it.

    ``department`` must already be None for the roles that sit only at the office (``OFFICE_STAFF``).
    """
    scopes = GRANTS.get(actor.role, {}).get(role, ())
    if not scopes:
        return AdminError(_("您不能分配该角色。"), "role")
    if office_id is None or (actor.role != Role.PLATFORM_ADMIN and office_id != actor.office_id):
        return AdminError(_("您只能在本单位内分配角色。"), "office")
    if department is not None and department.office_id != office_id:
        return AdminError(_("部门不属于本单位。"), "department")
    if department is None:
        if GrantScope.OFFICE in scopes:
            return None
        if role in DEPARTMENT_STAFF:
            return AdminError(_("部门角色必须选择所属部门。"), "department")
        return AdminError(_("您只能在本部门内分配角色，请选择本部门。"), "department")
    if GrantScope.ANY_DEPARTMENT in scopes:
        return None
    if GrantScope.OWN_DEPARTMENT in scopes and department.id == actor.department_id:
        return None
    if GrantScope.OFFICE in scopes:
        return AdminError(_("该角色只能在单位层面分配，请不要选择部门。"), "department")
    return AdminError(_("您只能在本部门内分配角色，请选择本部门。"), "department")


def check_grant(actor: User, role: Role, office_id: int | None, department: Department | None) -> None:
    """Refuse, at the field at fault, a grant the ``GRANTS`` table does not allow: the one check behind every
    creation of a user and every change of role (oneself included), whatever page or client asks."""
    refusal = _grant_refusal(actor, role, office_id, department)
    if refusal is not None:
        raise refusal


def create_user(
    *,
    actor: User | None,
    username: str,
    display_name: str,
    role: Role,
    office: Office | None,
    department: Department | None = None,
    phone: str = "",
) -> User:
    """Add a user (no password yet: the administrator hands over a one-time set-password link)."""
    username = username.strip()
    if not USERNAME_RE.fullmatch(username):
        raise AdminError(_("用户名须为3–60位字母、数字或 _ . - @。"), "username")
    if db.session.scalar(
        select(func.count()).select_from(User).where(func.lower(User.username) == username.lower())
        .execution_options(unscoped=True)
    ):
        raise AdminError(_("用户名“%(name)s”已被使用。", name=username), "username")
    if not display_name.strip():
        raise AdminError(_("请填写姓名。"), "display_name")
    if actor is not None and role not in allowed_roles(actor):
        raise AdminError(_("您不能分配该角色。"), "role")
    if role == Role.PLATFORM_ADMIN:
        office = None
        department = None
    elif office is None:
        raise AdminError(_("请选择所属单位。"), "office")
    if department is not None and (office is None or department.office_id != office.id):
        raise AdminError(_("部门不属于本单位。"), "department")
    if role in DEPARTMENT_STAFF and department is None:
        raise AdminError(_("部门角色必须选择所属部门。"), "department")
    if role in OFFICE_STAFF:
        department = None
    if actor is not None:
        check_grant(actor, role, office.id if office else None, department)
    user = User(
        username=username, display_name=display_name.strip(), role=role,
        office_id=office.id if office else None, department_id=department.id if department else None,
        phone=phone.strip(),
    )
    db.session.add(user)
    db.session.flush()
    if department is not None:
        db.session.add(Membership(office_id=department.office_id, user_id=user.id, department_id=department.id))
    if office is not None:
        record(office.id, "user.create", "user", user.id, actor=actor, department_id=user.department_id,
               new={"username": username, "role": role.value, "department_id": user.department_id})
    return user


def set_user_active(user: User, active: bool, *, actor: User | None) -> User:
    if actor is not None and actor.id == user.id and not active:
        raise AdminError(_("不能停用自己的账号。"))
    user.active = active
    end_sessions(user)
    if not active:  # reactivating later must not bring the old tokens back
        end_api_tokens(user, reason=_("账号已停用"), actor=actor)
    if user.office_id is not None:
        record(user.office_id, "user.activate" if active else "user.deactivate", "user", user.id, actor=actor,
               department_id=user.department_id, new={"active": active})
    return user


def change_user_role(user: User, role: Role, department: Department | None, *, actor: User) -> User:
    """Give ``user`` another role or department; only what ``actor`` could have granted them in the first
    place (``GRANTS``), so nobody widens a colleague's scope, nor their own, beyond what they hold."""
    if not can_manage_user(actor, user):
        raise AdminError(_("您不能管理该用户。"))
    if role not in allowed_roles(actor):
        raise AdminError(_("您不能分配该角色。"), "role")
    if department is not None and department.office_id != user.office_id:
        raise AdminError(_("部门不属于本单位。"), "department")
    if role in DEPARTMENT_STAFF and department is None:
        raise AdminError(_("部门角色必须选择所属部门。"), "department")
    if role in OFFICE_STAFF:
        department = None
    check_grant(actor, role, user.office_id, department)
    old = {"role": user.role.value, "department_id": user.department_id}
    new_dept_id = department.id if department is not None else None
    if new_dept_id != user.department_id:
        now = utcnow()
        for m in db.session.scalars(
            select(Membership).where(Membership.user_id == user.id, Membership.ended_at.is_(None))
        ):
            m.ended_at = now
        if new_dept_id is not None:
            db.session.add(Membership(office_id=user.office_id, user_id=user.id, department_id=new_dept_id))
    user.role, user.department_id = role, new_dept_id
    user.session_version = (user.session_version or 1) + 1
    record(user.office_id, "user.role", "user", user.id, actor=actor, old=old,
           new={"role": role.value, "department_id": new_dept_id})
    return user


def users_visible_to(actor: User) -> list[User]:
    """Platform admins see office administrators; others see their own tenant's users (scoped)."""
    q = select(User)
    if actor.role == Role.PLATFORM_ADMIN:
        q = q.where(User.role.in_(PLATFORM_MANAGED))
    elif actor.role == Role.DEPT_ADMIN:
        q = q.where(User.office_id == actor.office_id, User.department_id == actor.department_id)
    else:
        q = q.where(User.office_id == actor.office_id)
    return list(db.session.scalars(q.order_by(User.department_id.is_not(None), User.department_id, User.username)))


def can_manage_user(actor: User, user: User) -> bool:
    """An administrator manages exactly the accounts they could have created as they are now (``GRANTS``):
    the platform administrator the office administrators, an office administrator everyone of their office,
    a department administrator the people of their department."""
    department = db.session.get(Department, user.department_id) if user.department_id is not None else None
    return _grant_refusal(actor, user.role, user.office_id, department) is None
