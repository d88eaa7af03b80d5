"""The caller, the office's groups and departments, and the department import (assess.admin services)."""
from __future__ import annotations

from apiflask import Schema
from apiflask import fields as f
from flask_babel import gettext as _
from sqlalchemy import select

from ...admin import importing
from ...models import Department, Group, Role
from ...tenancy.roles import ALL_ROLES, TENANT_ROLES
from ...tenancy.scope import get_scoped_or_404
from ..v1 import (Id, ApiError, PageQuery, commit, iso, office_of_user, page_of, paginate, roles, user,
                  v1)

IMPORT_MAX_BYTES = 2 * 1024 * 1024


class MeOut(Schema):
    id = f.Integer(required=True)
    username = f.String(required=True)
    display_name = f.String(required=True)
    role = f.String(required=True)
    office_id = f.Integer(allow_none=True)
    office_name = f.String(allow_none=True)
    department_id = f.Integer(allow_none=True)
    department_name = f.String(allow_none=True)
    token_name = f.String(required=True)
    token_expires_at = f.String(allow_none=True)


@v1.get("/me")
@roles(*ALL_ROLES)
@v1.output(MeOut)
@v1.doc(tags=["账号"], summary="当前令牌的用户", description="令牌所属用户、角色、单位和部门。")
def me():
    from flask import g

    u = user()
    return {
        "id": u.id, "username": u.username, "display_name": u.display_name, "role": u.role.value,
        "office_id": u.office_id, "office_name": u.office.name if u.office else None,
        "department_id": u.department_id, "department_name": u.department.name if u.department else None,
        "token_name": g.api_token.name, "token_expires_at": iso(g.api_token.expires_at),
    }


# --- groups -----------------------------------------------------------------------------------------------


class GroupOut(Schema):
    id = f.Integer(required=True)
    name = f.String(required=True)
    sort_order = f.Integer(required=True)
    active = f.Boolean(required=True)


class GroupQuery(PageQuery):
    name = f.String(load_default=None, metadata={"description": "名称包含"})


def _group(g: Group) -> dict:
    return {"id": g.id, "name": g.name, "sort_order": g.sort_order, "active": g.active}


@v1.get("/groups")
@roles(*TENANT_ROLES)
@v1.input(GroupQuery, location="query", arg_name="query")
@v1.output(page_of(GroupOut, "GroupPage"))
@v1.doc(tags=["部门与分组"], summary="排名分组列表")
def list_groups(query):
    stmt = select(Group).order_by(Group.sort_order, Group.id)
    if query.get("name"):
        stmt = stmt.where(Group.name.contains(query["name"]))
    return paginate(stmt, query, _group)


# --- departments ------------------------------------------------------------------------------------------


class DepartmentOut(Schema):
    id = f.Integer(required=True)
    name = f.String(required=True)
    group_id = f.Integer(required=True)
    group_name = f.String(required=True)
    contact_name = f.String(required=True)
    contact_phone = f.String(required=True)
    active = f.Boolean(required=True)
    deactivated_at = f.String(allow_none=True)


class DepartmentQuery(PageQuery):
    group_id = Id(load_default=None, metadata={"description": "只列出该分组"})
    active = f.Boolean(load_default=None, metadata={"description": "true：在用；false：已停用"})
    name = f.String(load_default=None, metadata={"description": "名称包含"})


def _department(d: Department) -> dict:
    return {"id": d.id, "name": d.name, "group_id": d.group_id, "group_name": d.group.name,
            "contact_name": d.contact_name, "contact_phone": d.contact_phone, "active": d.active,
            "deactivated_at": iso(d.deactivated_at)}


@v1.get("/departments")
@roles(*TENANT_ROLES)
@v1.input(DepartmentQuery, location="query", arg_name="query")
@v1.output(page_of(DepartmentOut, "DepartmentPage"))
@v1.doc(tags=["部门与分组"], summary="部门列表",
        description="单位账号看到本单位全部部门；部门账号只看到本部门。")
def list_departments(query):
    stmt = select(Department).order_by(Department.group_id, Department.name, Department.id)
    if query.get("group_id") is not None:
        stmt = stmt.where(Department.group_id == query["group_id"])
    if query.get("active") is not None:
        stmt = stmt.where(Department.active.is_(query["active"]))
    if query.get("name"):
        stmt = stmt.where(Department.name.contains(query["name"]))
    return paginate(stmt, query, _department)


@v1.get("/departments/<int:department_id>")
@roles(*TENANT_ROLES)
@v1.output(DepartmentOut)
@v1.doc(tags=["部门与分组"], summary="一个部门")
def get_department(department_id: int):
    return _department(get_scoped_or_404(Department, department_id))


class ImportIn(Schema):
    file = f.File(required=True, metadata={"description": "部门名单：CSV（UTF-8 或 GBK）或 .xlsx；列：部门名称、分组、联系人、联系电话"})
    dry_run = f.Boolean(load_default=False, metadata={"description": "true：只检查、不写入（预览）"})


class ImportRowOut(Schema):
    line = f.Integer(required=True)
    name = f.String(required=True)
    group = f.String(required=True)
    contact_name = f.String(required=True)
    contact_phone = f.String(required=True)
    action = f.String(required=True, metadata={"description": "create | update | unchanged"})


class ImportOut(Schema):
    dry_run = f.Boolean(required=True)
    rows = f.List(f.Nested(ImportRowOut), required=True)
    counts = f.Dict(keys=f.String(), values=f.Integer(), required=True)


@v1.post("/departments/import")
@roles(Role.OFFICE_ADMIN)
@v1.input(ImportIn, location="form_and_files", arg_name="data")
@v1.output(ImportOut)
@v1.doc(tags=["部门与分组"], summary="导入部门名单",
        description="与页面上的导入相同的检查：任何一行有错则不导入任何数据（422，`details` 中列出行号和字段）。")
def import_departments(data):
    office = office_of_user()
    upload = data["file"]
    raw = upload.read(IMPORT_MAX_BYTES + 1)
    if len(raw) > IMPORT_MAX_BYTES:
        raise ApiError(413, "too_large", _("文件过大（最大 2 MB）。"), "file")
    preview = importing.parse_departments(office, raw, upload.filename or "upload.csv")
    if preview.problems:
        details = [{"field": "file", "line": p.line, "message": str(p)} for p in preview.problems]
        raise ApiError(422, "import_invalid", _("导入文件有错误，未导入任何数据。"), "file", details=details)
    rows = [{"line": r.line, "name": r.name, "group": r.group, "contact_name": r.contact_name,
             "contact_phone": r.contact_phone, "action": r.action} for r in preview.rows]
    if data.get("dry_run"):
        counts = {"create": 0, "update": 0, "unchanged": 0}
        for r in preview.rows:
            counts[r.action] += 1
        return {"dry_run": True, "rows": rows, "counts": counts}
    counts = importing.apply_departments(office, preview, actor=user())
    commit()
    return {"dry_run": False, "rows": rows, "counts": counts}

