"""Pages: upload a year-end summary and review its proposals indicator by indicator; upload annual reports,
see their checks; the office's overview of every department's reports."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import AnnualReport, CampaignState, Department, FigureImport, Submission
from ..selfassessment import services as selfassessment_services
from ..selfassessment.forms import EmptyForm
from ..storage import StorageError, get_storage
from ..tenancy.permissions import roles_required
from ..tenancy.roles import DEPARTMENT_STAFF, OFFICE_READERS, TENANT_ROLES
from ..tenancy.scope import get_scoped_or_404
from ..web import id_arg
from . import services

bp = Blueprint("imports", __name__, url_prefix="/imports")



def _load_submission(submission_id: int) -> Submission:
    submission = get_scoped_or_404(Submission, submission_id)
    if current_user.department_id != submission.department_id or submission.campaign.state == CampaignState.DRAFT:
        abort(404)
    return submission


def _load_import(import_id: int) -> FigureImport:
    fi = get_scoped_or_404(FigureImport, import_id)
    if current_user.department_id != fi.department_id:
        abort(404)
    return fi


def _load_report(report_id: int) -> AnnualReport:
    row = get_scoped_or_404(AnnualReport, report_id)
    if current_user.department_id is not None and current_user.department_id != row.department_id:
        abort(404)
    return row


@bp.route("/")
@roles_required(*TENANT_ROLES)
def index():
    """Department: its editable self-assessments (upload a summary) and its annual reports."""
    if current_user.department_id is None:
        return redirect(url_for("imports.overview"))
    submissions = services.editable_submissions(current_user.department_id, current_user)
    return render_template("imports/index.html", submissions=submissions,
                           imports={s.id: services.imports_of(s) for s in submissions},
                           reports=services.reports_of(current_user.department_id))


# --- summaries -----------------------------------------------------------------------------------------


@bp.route("/submissions/<int:submission_id>/summary", methods=["GET", "POST"])
@roles_required(*DEPARTMENT_STAFF)
def summary(submission_id: int):
    submission = _load_submission(submission_id)
    form = EmptyForm()
    error = None
    if request.method == "POST" and form.validate_on_submit():
        f = request.files.get("file")
        try:
            if f is None or not f.filename:
                raise services.ImportsError(_("请选择要上传的工作总结文件。"), "file")
            fi = services.import_summary(submission, actor=current_user, filename=f.filename, data=f.read())
        except services.ImportsError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("已读取“%(n)s”：请逐项核对建议的数字，采用、更正或不采用。", n=fi.filename), "success")
            return redirect(url_for("imports.review", import_id=fi.id))
    elif request.method == "POST":
        error = _("表单已过期，请重新上传。")
    return render_template("imports/summary.html", submission=submission, form=form, error=error,
                           editable=selfassessment_services.can_edit(submission, current_user),
                           imports=services.imports_of(submission)), (422 if error else 200)


@bp.route("/<int:import_id>")
@roles_required(*DEPARTMENT_STAFF)
def review(import_id: int):
    fi = _load_import(import_id)
    return _render_review(fi)


def _render_review(fi: FigureImport, *, errors: dict | None = None, posted: dict | None = None,
                   conflict: dict | None = None, status: int = 200):
    submission = services.submission_of(fi)
    report = db.session.get(AnnualReport, fi.annual_report_id) if fi.annual_report_id else None
    return render_template("imports/review.html", fi=fi, submission=submission, views=services.review_view(fi),
                           editable=selfassessment_services.can_edit(submission, current_user), form=EmptyForm(),
                           errors=errors or {}, posted=posted or {}, conflict=conflict, report=report), status


@bp.route("/<int:import_id>/indicators/<code>", methods=["POST"])
@roles_required(*DEPARTMENT_STAFF)
def decide(import_id: int, code: str):
    fi = _load_import(import_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    views = {v.code: v for v in services.review_view(fi)}
    if code not in views:
        abort(404)
    figures = {}
    for f in views[code].figures:
        decision = request.form.get(f"decision-{f.name}", "")
        figures[f.name] = (decision, request.form.get(f"value-{f.name}", ""))
    passages = request.form.getlist("passage")
    try:
        version = int(request.form.get("version", ""))
    except ValueError:
        version = None
    posted = {code: {"figures": figures, "passages": passages}}
    try:
        result = services.decide(fi, code, actor=current_user, figures=figures, passages=passages,
                                 expected_version=version)
    except services.ImportsError as exc:
        db.session.rollback()
        errs = exc.errors or {"_": str(exc)}
        if "_" in errs or not any(k.startswith("fig-") for k in errs):
            flash("；".join(errs.values()) if errs else str(exc), "error")
        return _render_review(fi, errors={code: errs}, posted=posted, status=422)
    except selfassessment_services.AnswerConflict as exc:
        db.session.rollback()
        return _render_review(fi, posted=posted, conflict={"code": code, "theirs": exc.theirs}, status=409)
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        answers = selfassessment_services.answers_of_code(services.submission_of(fi), code)
        theirs = selfassessment_services.answer_snapshot(answers)
        return _render_review(fi, posted=posted, conflict={"code": code, "theirs": theirs}, status=409)
    db.session.commit()
    parts = []
    if result.accepted:
        parts.append(_("%(n)s个数字已填入自评表（待确认）", n=len(result.accepted)))
    if result.rejected:
        parts.append(_("%(n)s个不采用", n=len(result.rejected)))
    if result.attached:
        parts.append(_("%(n)s段已作为佐证摘录", n=result.attached))
    flash(_("%(code)s：%(what)s。", code=code, what="，".join(parts) or _("未作选择")), "success")
    return redirect(url_for("imports.review", import_id=fi.id, _anchor=f"imp-{code}"))


# --- annual reports ------------------------------------------------------------------------------------


@bp.route("/reports", methods=["GET", "POST"])
@roles_required(*DEPARTMENT_STAFF)
def reports():
    department = get_scoped_or_404(Department, current_user.department_id)
    form = EmptyForm()
    errors: dict[str, str] = {}
    if request.method == "POST" and form.validate_on_submit():
        f = request.files.get("file")
        try:
            if f is None or not f.filename:
                raise services.ImportsError(_("请选择要上传的年度报告文件。"), "file")
            row = services.upload_report(department, actor=current_user, filename=f.filename, data=f.read(),
                                         year=request.form.get("year"))
        except services.ImportsError as exc:
            db.session.rollback()
            errors = exc.errors or {"file": str(exc)}
        else:
            db.session.commit()
            if row.failure_count:
                flash(_("已上传%(y)s年度报告：核对发现%(n)s处问题，请查看。", y=row.year, n=row.failure_count), "error")
            else:
                flash(_("已上传%(y)s年度报告：表格数字核对无误。", y=row.year), "success")
            return redirect(url_for("imports.report", report_id=row.id))
    elif request.method == "POST":
        errors = {"file": _("表单已过期，请重新上传。")}
    return render_template("imports/reports.html", form=form, errors=errors, year=request.form.get("year", ""),
                           reports=services.reports_of(department.id), department=department), \
        (422 if errors else 200)


@bp.route("/reports/overview")
@roles_required(*OFFICE_READERS)
def overview():
    if current_user.department_id is not None:  # a department's viewer: its own reports
        return redirect(url_for("imports.index"))
    years, rows = services.overview(current_user.office_id)
    return render_template("imports/overview.html", years=years, rows=rows)


@bp.route("/reports/<int:report_id>")
@roles_required(*TENANT_ROLES)
def report(report_id: int):
    row = _load_report(report_id)
    department = get_scoped_or_404(Department, row.department_id)
    submissions = (services.editable_submissions(row.department_id, current_user)
                   if current_user.department_id == row.department_id else [])
    return render_template("imports/report.html", row=row, department=department, t=services.report_tables(row),
                           submissions=submissions, form=EmptyForm())


@bp.route("/reports/<int:report_id>/file")
@roles_required(*TENANT_ROLES)
def report_file(report_id: int):
    row = _load_report(report_id)
    try:
        data = get_storage().get(row.storage_key or "")
    except StorageError:
        abort(404)
    import io

    resp = send_file(io.BytesIO(data), mimetype="application/octet-stream", as_attachment=True,
                     download_name=row.filename)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.route("/reports/<int:report_id>/use", methods=["POST"])
@roles_required(*DEPARTMENT_STAFF)
def report_use(report_id: int):
    row = _load_report(report_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        submission_id = id_arg(request.form.get("submission_id", ""))
    except ValueError:
        flash(_("请选择要填入的自评表。"), "error")
        return redirect(url_for("imports.report", report_id=row.id))
    submission = _load_submission(submission_id)
    try:
        fi = services.import_report_figures(row, submission, actor=current_user)
    except services.ImportsError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("imports.report", report_id=row.id))
    db.session.commit()
    flash(_("已从%(y)s年度报告提出建议数字，请逐项核对后采用。", y=row.year), "success")
    return redirect(url_for("imports.review", import_id=fi.id))
