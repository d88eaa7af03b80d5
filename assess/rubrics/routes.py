"""Rubric pages (考核细则): versions list, upload, the familiar table, download, browser editor.

The replay page (/rubrics/replay, endpoint ``rubrics.replay``) is a ranking and lives with it:
:func:`assess.ranking.routes.replay_page`, added by ``create_app``."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .. import scoring
from ..extensions import db
from ..models import Role, Rubric
from ..tenancy.permissions import roles_required
from ..tenancy.roles import OFFICE_READERS
from ..tenancy.scope import get_scoped_or_404
from . import services, store
from .forms import EditorForm, ShippedForm, UploadForm

bp = Blueprint("rubrics", __name__, url_prefix="/rubrics")



def _office_reader() -> None:
    """Office staff only; department-bound viewers are refused."""
    if current_user.department_id is not None or current_user.office_id is None:
        abort(403)


def _index(upload_form=None, shipped_form=None, problems=None, status=200):
    shipped_form = shipped_form or ShippedForm(formdata=None)
    shipped_form.name.choices = [(n, f"{title}（{n}）") for n, title in services.shipped_files()]
    page = render_template("rubrics/index.html", families=services.families(current_user.office_id),
                           upload_form=upload_form or UploadForm(formdata=None), shipped_form=shipped_form,
                           problems=problems or [], can_edit=current_user.role == Role.OFFICE_ADMIN)
    return page, status


@bp.route("/")
@roles_required(*OFFICE_READERS)
def index():
    _office_reader()
    return _index()


@bp.route("/upload", methods=["POST"])
@roles_required(Role.OFFICE_ADMIN)
def upload():
    form = UploadForm()
    if not form.validate_on_submit():
        return _index(upload_form=form, status=422)
    f = form.file.data
    try:
        row = services.upload(current_user.office_id, f.read(), f.filename or "rubric.yaml", actor=current_user)
    except scoring.RubricError as exc:
        db.session.rollback()
        form.file.errors = [_("文件未导入：共发现%(n)d处问题，请逐条修改后重新上传。", n=len(exc.problems))]
        return _index(upload_form=form, problems=exc.problems, status=422)
    except services.RubricsError as exc:
        db.session.rollback()
        form.file.errors = [str(exc)]
        return _index(upload_form=form, status=422)
    db.session.commit()
    flash(_("已导入“%(n)s”第%(v)d版。", n=row.name, v=row.version), "success")
    return redirect(url_for("rubrics.show", rubric_id=row.id))


@bp.route("/shipped", methods=["POST"])
@roles_required(Role.OFFICE_ADMIN)
def add_shipped():
    form = ShippedForm()
    form.name.choices = [(n, n) for n, _t in services.shipped_files()]
    if not form.validate_on_submit():
        return _index(shipped_form=form, status=422)
    try:
        row = services.add_shipped(current_user.office_id, form.name.data, actor=current_user)
    except services.RubricsError as exc:
        db.session.rollback()
        form.name.errors = [str(exc)]
        return _index(shipped_form=form, status=422)
    db.session.commit()
    flash(_("已添加“%(n)s”第%(v)d版。", n=row.name, v=row.version), "success")
    return redirect(url_for("rubrics.show", rubric_id=row.id))


@bp.route("/<int:rubric_id>")
@roles_required(*OFFICE_READERS)
def show(rubric_id: int):
    _office_reader()
    row = get_scoped_or_404(Rubric, rubric_id)
    parent = db.session.get(Rubric, row.parent_id) if row.parent_id else None
    return render_template("rubrics/show.html", row=row, parent=parent,
                           table=services.rubric_table(store.engine_rubric(row)),
                           campaigns=services.campaigns_using(row), can_edit=current_user.role == Role.OFFICE_ADMIN)


@bp.route("/<int:rubric_id>/download")
@roles_required(*OFFICE_READERS)
def download(rubric_id: int):
    _office_reader()
    row = get_scoped_or_404(Rubric, rubric_id)
    return Response(row.source.encode("utf-8"), mimetype="application/x-yaml",
                    headers={"Content-Disposition": f'attachment; filename="{services.download_name(row)}"'})


@bp.route("/<int:rubric_id>/edit", methods=["GET", "POST"])
@roles_required(Role.OFFICE_ADMIN)
def edit(rubric_id: int):
    row = get_scoped_or_404(Rubric, rubric_id)
    form = EditorForm()
    raw = services.base_raw(row)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        values = {k: v for k, v in request.form.items() if k != "csrf_token"}
        code = request.form.get("rekind") or request.form.get("rule_yaml") or request.form.get("rule_form")
        if code is not None and code not in _codes(raw):
            abort(400)
        if request.form.get("move"):
            values = services.move(values, raw, request.form["move"])
        elif request.form.get("rekind"):  # a new rule kind chosen: its parameters' fields, nothing saved
            values = services.change_kind(values, code)
        elif request.form.get("rule_yaml"):
            values = services.rule_as_yaml(values, code)
        elif request.form.get("rule_form"):
            values, problem = services.rule_as_form(values, code)
            if problem:
                errors, status = {f"{code}.rule": [problem]}, 422
        else:
            seen = values.get("seen_latest", "")
            try:
                new = services.save_edit(row, values, actor=current_user,
                                         seen_latest=int(seen) if seen.isdigit() else None)
                db.session.commit()
            except services.EditError as exc:
                db.session.rollback()
                errors, status = exc.fields, 422
                if exc.latest is not None:  # someone saved meanwhile: told once, the next save goes through
                    values["seen_latest"] = str(exc.latest)
            except IntegrityError:
                db.session.rollback()
                errors, status = {"_": [_("刚刚有人保存了同一细则的新版本，请再点一次保存（您的修改仍在页面上）。")]}, 409
            else:
                flash(_("已保存为第%(v)d版（由第%(b)d版修改）。", v=new.version, b=row.version), "success")
                return redirect(url_for("rubrics.show", rubric_id=new.id))
    else:
        values = services.editor_values(raw)
        values["seen_latest"] = str(services.latest_version(row))
    return render_template("rubrics/edit.html", row=row, form=form, values=values, errors=errors,
                           layout=services.editor_layout(raw, values), meta=services.meta_layout(values),
                           kinds=services.KIND_LABELS, share_roundings=SHARE_ROUNDINGS,
                           general=errors.get("_", [])), status


SHARE_ROUNDINGS = (("floor", _l("向下取整（不超过比例）")), ("ceil", _l("向上取整")), ("half_up", _l("四舍五入")))


def _codes(raw: dict) -> set[str]:
    return {i["code"] for _k, _t, inds in services.editor_sections(raw) for i in inds}
