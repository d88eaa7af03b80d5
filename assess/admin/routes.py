"""Administration pages: offices (platform), groups, departments, users (office and department)."""
from __future__ import annotations

import base64

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.services import create_password_link
from ..extensions import db
from ..models import Department, Group, Office, Role, User
from ..tenancy.permissions import roles_required
from ..tenancy.roles import USER_ADMINS
from ..tenancy.scope import get_scoped_or_404
from ..web import commit_or_flash, previewed_upload, show_error
from . import importing, services
from .forms import DepartmentForm, EmptyForm, GroupForm, ImportConfirmForm, ImportForm, OfficeForm, RoleForm, UserForm
from .labels import ROLE_LABELS

bp = Blueprint("admin", __name__, url_prefix="/admin")

IMPORT_MAX_BYTES = 2 * 1024 * 1024


def _office() -> Office:
    office = db.session.get(Office, current_user.office_id) if current_user.office_id else None
    if office is None:
        abort(403)
    return office


def _link_url(token: str) -> str:
    return url_for("auth.set_password", token=token, _external=True)


_fail = show_error  # a refusal at its field, or flashed


# --- offices (platform administrator) -------------------------------------------------------------------


@bp.route("/offices", methods=["GET", "POST"])
@roles_required(Role.PLATFORM_ADMIN)
def offices():
    form = OfficeForm()
    link = None
    if form.validate_on_submit():
        def create():  # the office, its administrator and the one-time link, in one transaction
            office = services.create_office(form.code.data, form.name.data, actor=current_user,
                                            region=form.region.data or "")
            admin = services.create_user(actor=current_user, username=form.admin_username.data,
                                         display_name=form.admin_name.data, role=Role.OFFICE_ADMIN, office=office)
            return office, create_password_link(admin, created_by=current_user,
                                                hours=current_app.config["SET_PASSWORD_LINK_HOURS"])

        def at_admin_fields(exc: services.AdminError) -> services.AdminError:  # the form names them admin_*
            field = {"username": "admin_username", "display_name": "admin_name"}.get(exc.field or "", exc.field)
            return services.AdminError(str(exc), field)

        created = commit_or_flash(
            create, lambda done: _("已创建单位“%(name)s”。请将一次性设置密码链接交给其管理员。", name=done[0].name),
            refused=(services.AdminError,), show=lambda exc: _fail(at_admin_fields(exc), form))
        if created:
            link = _link_url(created.result[1])
            form = OfficeForm(formdata=None)
    rows = db.session.scalars(select(Office).order_by(Office.id)).all()
    return render_template("admin/offices.html", form=form, offices=rows, link=link)


# --- groups --------------------------------------------------------------------------------------------


@bp.route("/groups", methods=["GET", "POST"])
@roles_required(Role.OFFICE_ADMIN)
def groups():
    office = _office()
    form = GroupForm()
    if form.validate_on_submit():
        if commit_or_flash(lambda: services.create_group(office, form.name.data, actor=current_user,
                                                          sort_order=form.sort_order.data or 0),
                           _("已添加分组。"), refused=(services.AdminError,), form=form):
            return redirect(url_for("admin.groups"))
    return render_template("admin/groups.html", form=form, groups=services.office_groups(office.id),
                           rename_form=GroupForm(formdata=None))


@bp.route("/groups/<int:group_id>/rename", methods=["POST"])
@roles_required(Role.OFFICE_ADMIN)
def rename_group(group_id: int):
    group = get_scoped_or_404(Group, group_id)
    form = GroupForm()
    if form.validate_on_submit():
        commit_or_flash(lambda: services.rename_group(group, form.name.data, actor=current_user), _("已重命名分组。"),
                        refused=(services.AdminError,))
    else:
        flash(_("请填写分组名称。"), "error")
    return redirect(url_for("admin.groups"))


# --- departments ---------------------------------------------------------------------------------------


def _department_form(office: Office, obj=None) -> DepartmentForm:
    form = DepartmentForm(obj=obj)
    form.group_id.choices = [(g.id, g.name) for g in services.office_groups(office.id)]
    return form


@bp.route("/departments", methods=["GET", "POST"])
@roles_required(Role.OFFICE_ADMIN)
def departments():
    office = _office()
    form = _department_form(office)
    if form.validate_on_submit():
        group = get_scoped_or_404(Group, form.group_id.data)
        if commit_or_flash(lambda: services.create_department(office, form.name.data, group, actor=current_user,
                                                              contact_name=form.contact_name.data or "",
                                                              contact_phone=form.contact_phone.data or ""),
                           _("已添加部门。"), refused=(services.AdminError,), form=form):
            return redirect(url_for("admin.departments"))
    return render_template("admin/departments.html", form=form, departments=services.office_departments(office.id),
                           groups={g.id: g for g in services.office_groups(office.id)}, action_form=EmptyForm())


@bp.route("/departments/<int:dept_id>", methods=["GET", "POST"])
@roles_required(Role.OFFICE_ADMIN)
def edit_department(dept_id: int):
    dept = get_scoped_or_404(Department, dept_id)
    office = _office()
    form = _department_form(office, obj=dept)
    if form.validate_on_submit():
        group = get_scoped_or_404(Group, form.group_id.data)
        if commit_or_flash(lambda: services.update_department(dept, actor=current_user, name=form.name.data,
                                                              group=group, contact_name=form.contact_name.data or "",
                                                              contact_phone=form.contact_phone.data or ""),
                           _("已保存。"), refused=(services.AdminError,), form=form):
            return redirect(url_for("admin.departments"))
    return render_template("admin/department_edit.html", form=form, dept=dept)


@bp.route("/departments/<int:dept_id>/active", methods=["POST"])
@roles_required(Role.OFFICE_ADMIN)
def toggle_department(dept_id: int):
    dept = get_scoped_or_404(Department, dept_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    commit_or_flash(lambda: services.set_department_active(dept, not dept.active, actor=current_user),
                    lambda changed: _("已启用部门。") if changed.active else _("已停用部门，其历史数据保留。"),
                    refused=(services.AdminError,))
    return redirect(url_for("admin.departments"))


@bp.route("/departments/import", methods=["GET", "POST"])
@roles_required(Role.OFFICE_ADMIN)
def import_departments():
    office = _office()
    form = ImportForm()
    preview = None
    confirm = None
    if form.validate_on_submit():
        data = form.file.data.read(IMPORT_MAX_BYTES + 1)
        filename = form.file.data.filename or "upload.csv"
        if len(data) > IMPORT_MAX_BYTES:
            form.file.errors.append(_("文件超过2MB。"))
        else:
            preview = importing.parse_departments(office, data, filename)
            if preview.ok:
                confirm = ImportConfirmForm(formdata=None, filename=filename,
                                            payload=base64.b64encode(data).decode())
    return render_template("admin/import.html", form=form, preview=preview, confirm=confirm)


@bp.route("/departments/import/confirm", methods=["POST"])
@roles_required(Role.OFFICE_ADMIN)
def confirm_import():
    office = _office()
    form = ImportConfirmForm()
    data = previewed_upload(form)
    preview = importing.parse_departments(office, data, form.filename.data or "upload.csv")
    if not commit_or_flash(lambda: importing.apply_departments(office, preview, actor=current_user),
                           lambda counts: _("导入完成：新增%(c)s个，更新%(u)s个，未变%(n)s个。", c=counts["create"],
                                            u=counts["update"], n=counts["unchanged"]),
                           refused=(services.AdminError,)):
        return render_template("admin/import.html", form=ImportForm(formdata=None), preview=preview, confirm=None)
    return redirect(url_for("admin.departments"))


# --- users ---------------------------------------------------------------------------------------------


def _department_choices(actor: User) -> list[tuple[int, str]]:
    """Only the places the grant table lets ``actor`` put someone ("—" is the whole office)."""
    office_wide, departments = services.grantable_departments(actor)
    return ([(0, "—")] if office_wide else []) + [(d.id, d.name) for d in departments]


def _role_choices(actor: User) -> list[tuple[str, str]]:
    return [(r.value, str(ROLE_LABELS[r])) for r in services.allowed_roles(actor)]


@bp.route("/users", methods=["GET", "POST"])
@roles_required(*USER_ADMINS)
def users():
    form = UserForm()
    form.role.choices = _role_choices(current_user)
    form.department_id.choices = _department_choices(current_user)
    link = None
    if form.validate_on_submit():
        office = db.session.get(Office, current_user.office_id) if current_user.office_id else None
        department = None
        if form.department_id.data:
            department = get_scoped_or_404(Department, form.department_id.data)
        if current_user.role == Role.PLATFORM_ADMIN:
            flash(_("请在“单位管理”中为单位创建管理员。"), "error")
            return redirect(url_for("admin.offices"))
        def create():  # the account and its one-time link, in one transaction
            user = services.create_user(actor=current_user, username=form.username.data,
                                        display_name=form.display_name.data, role=Role(form.role.data),
                                        office=office, department=department, phone=form.phone.data or "")
            return user, create_password_link(user, created_by=current_user,
                                              hours=current_app.config["SET_PASSWORD_LINK_HOURS"])

        created = commit_or_flash(
            create, lambda done: _("已添加用户“%(name)s”。请将下面的一次性链接交给本人设置密码。", name=done[0].username),
            refused=(services.AdminError,), show=lambda exc: _fail(exc, form))
        if created:
            link = _link_url(created.result[1])
            form = UserForm(formdata=None)
            form.role.choices = _role_choices(current_user)
            form.department_id.choices = _department_choices(current_user)
    return render_template("admin/users.html", form=form, users=services.users_visible_to(current_user),
                           link=link, labels=ROLE_LABELS, action_form=EmptyForm())


def _managed_user(user_id: int) -> User:
    user = get_scoped_or_404(User, user_id)
    if not services.can_manage_user(current_user, user):
        abort(404)
    return user


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(*USER_ADMINS)
def edit_user(user_id: int):
    user = _managed_user(user_id)
    form = RoleForm(obj=None if request.method == "POST" else user)
    form.role.choices = _role_choices(current_user)
    form.department_id.choices = _department_choices(current_user)
    if request.method == "GET":
        form.role.data = user.role.value
        form.department_id.data = user.department_id or 0
    if form.validate_on_submit():
        department = get_scoped_or_404(Department, form.department_id.data) if form.department_id.data else None
        if commit_or_flash(lambda: services.change_user_role(user, Role(form.role.data), department,
                                                             actor=current_user),
                           _("已保存。"), refused=(services.AdminError,), form=form):
            return redirect(url_for("admin.users"))
    return render_template("admin/user_edit.html", form=form, user=user, labels=ROLE_LABELS,
                           action_form=EmptyForm())


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required(*USER_ADMINS)
def toggle_user(user_id: int):
    user = _managed_user(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    commit_or_flash(lambda: services.set_user_active(user, not user.active, actor=current_user),
                    lambda changed: _("已启用账号。") if changed.active else _("已停用账号。"),
                    refused=(services.AdminError,))
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/link", methods=["POST"])
@roles_required(*USER_ADMINS)
def password_link(user_id: int):
    user = _managed_user(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    token = create_password_link(user, created_by=current_user, hours=current_app.config["SET_PASSWORD_LINK_HOURS"])
    db.session.commit()
    return render_template("admin/link.html", user=user, link=_link_url(token))
