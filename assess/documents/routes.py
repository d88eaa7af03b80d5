"""Document pages: settings, campaign documents, circular draft, previews, issuing, downloads, bulk jobs,
and the public verification page ``/verify``.

Each view: load through the tenant scope → check the role → call a service → commit once → redirect (PRG).
Office users only (documents are the office's records); ``/verify`` is public on purpose and shows only
number, kind, issuer, date and checksum of the document whose code is entered.
"""
from __future__ import annotations

import io
from typing import Callable

from flask import (Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db, limiter
from ..models import Campaign, Department, DocumentJob, DocumentKind, Notice, Office, Role
from ..rectification.access import load_notice
from ..selfassessment.access import load_submission
from ..storage import get_storage
from ..tenancy.permissions import office_side, roles_required
from ..tenancy.roles import OFFICE_READERS, TENANT_ROLES
from ..tenancy.scope import get_scoped_or_404
from ..web import commit_or_flash
from . import jobs, services
from .access import is_department_user, issued_pdf_response, load_document, pdf_response
from .builders import DocumentError
from .forms import BulkForm, DraftForm, EmptyForm, SealForm, SettingsForm, VerifyForm

bp = Blueprint("documents", __name__)


@bp.app_context_processor
def _document_checks() -> dict:
    """The pages that issue documents say when the printed verification link would not work."""
    return {"public_base_problem": services.public_base_problem, "issue_blocker": services.issue_blocker}

# Department users read their own department's issued notices and score sheets, and the circulars.
PREVIEW_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src 'self' data:; "
               "frame-ancestors 'self'; base-uri 'none'; form-action 'none'")




def _office() -> Office:
    office = db.session.get(Office, current_user.office_id)
    if office is None:
        abort(403)
    return office


def _at_field(name: str, *, always: bool = False) -> Callable[[DocumentError], DocumentError]:
    """A refusal shown at the form field ``name`` when it names none (``always``: whatever it names)."""
    return lambda exc: DocumentError(str(exc), name if always else exc.field or name)


# --------------------------------------------------------------------------- index and settings


@bp.route("/documents/")
@roles_required(*TENANT_ROLES)
def index():
    office = _office()
    if is_department_user():
        docs = services.issued_documents(office.id, department_id=current_user.department_id)
        return render_template("documents/index.html", office=office, campaigns=[], documents=docs[:200],
                               labels=services.KIND_LABELS)
    return render_template("documents/index.html", office=office, campaigns=services.campaigns(office.id),
                           documents=services.issued_documents(office.id)[:200], labels=services.KIND_LABELS)


@bp.route("/documents/settings", methods=["GET", "POST"])
@office_side(Role.OFFICE_ADMIN)
def settings():
    office = _office()
    form = SettingsForm(data=services.settings_of(office))
    seal_form = SealForm()
    if request.method == "POST" and form.validate_on_submit():
        if commit_or_flash(lambda: services.update_settings(office, form.data, actor=current_user),
                           lambda changed: _("公文设置已保存。") if changed else _("没有修改。"),
                           refused=(DocumentError,), explain=_at_field("doc_prefix"), form=form):
            return redirect(url_for("documents.settings"))
    return render_template("documents/settings.html", form=form, seal_form=seal_form, office=office)


@bp.route("/documents/settings/seal", methods=["POST"])
@office_side(Role.OFFICE_ADMIN)
def upload_seal():
    office = _office()
    seal_form = SealForm()
    if seal_form.validate_on_submit():
        f = seal_form.seal.data
        if seal_form.remove.data:
            action, message = (lambda: services.remove_seal(office, actor=current_user)), _("印章已删除。")
        else:
            action, message = (lambda: services.upload_seal(office, f.read() if f else b"", actor=current_user),
                               _("印章已上传。"))
        if commit_or_flash(action, message, refused=(DocumentError,), explain=_at_field("seal", always=True),
                           form=seal_form):
            return redirect(url_for("documents.settings"))
    form = SettingsForm(data=services.settings_of(office))
    return render_template("documents/settings.html", form=form, seal_form=seal_form, office=office), 400


@bp.route("/documents/settings/seal.png")
@office_side(Role.OFFICE_ADMIN)
def seal():
    data = services.seal_png(_office())
    if data is None:
        abort(404)
    return send_file(io.BytesIO(data), mimetype="image/png", max_age=0)


# --------------------------------------------------------------------------- a campaign's documents


def _campaign(campaign_id: int) -> Campaign:
    return get_scoped_or_404(Campaign, campaign_id)


@bp.route("/documents/campaigns/<int:campaign_id>")
@office_side(*OFFICE_READERS)
def campaign(campaign_id: int):
    c = _campaign(campaign_id)
    office = _office()
    error = ""
    departments: list[tuple[int, str]] = []
    try:
        departments = services.campaign_departments(c)
    except DocumentError as exc:
        error = str(exc)
    issued = services.issued_documents(office.id, campaign_id=c.id)
    circular = next((d for d in issued if d.kind == DocumentKind.CIRCULAR), None)
    by_source = {d.source_id: d for d in issued if d.kind == DocumentKind.NOTICE}
    by_dept = {d.department_id: d for d in issued if d.kind == DocumentKind.SCORESHEET}
    return render_template("documents/campaign.html", campaign=c, office=office, error=error, circular=circular,
                           notices=services.campaign_notices(c), by_source=by_source, departments=departments,
                           by_dept=by_dept, bulk_form=BulkForm(), form=EmptyForm(),
                           jobs=db.session.scalars(db.select(DocumentJob).where(DocumentJob.campaign_id == c.id)
                                                   .order_by(DocumentJob.id.desc()).limit(5)).all())


@bp.route("/documents/campaigns/<int:campaign_id>/circular", methods=["GET", "POST"])
@office_side(Role.OFFICE_ADMIN)
def circular(campaign_id: int):
    c = _campaign(campaign_id)
    office = _office()
    issued = services.issued_for(c, DocumentKind.CIRCULAR)
    try:
        body, row = services.circular_body(c, office)
    except DocumentError as exc:
        flash(str(exc), "error")
        return redirect(url_for("documents.campaign", campaign_id=c.id))
    form = DraftForm(data={**body, "version": row.version_id if row else ""})
    if request.method == "POST" and form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        if commit_or_flash(lambda: services.save_draft(c, office, form.data, actor=current_user, version=version),
                           _("通报草稿已保存，请在下方预览。"), refused=(DocumentError,), explain=_at_field("title"),
                           form=form):
            return redirect(url_for("documents.circular", campaign_id=c.id) + "#preview")
    return render_template("documents/circular.html", campaign=c, form=form, issued=issued, draft=row,
                           issue_form=EmptyForm()), (400 if form.errors else 200)


def _preview_response(target: services.Target, office: Office, name: str):
    fmt = request.args.get("fmt", "html")
    try:
        out = services.preview(target, office, fmt="pdf" if fmt == "pdf" else "html")
    except DocumentError as exc:
        abort(Response(str(exc), status=409, mimetype="text/plain"))
    if isinstance(out, bytes):
        return pdf_response(out, f"{name}-预览.pdf")
    resp = Response(out, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = PREVIEW_CSP
    resp.headers["X-Frame-Options"] = "SAMEORIGIN"
    return resp


@bp.route("/documents/campaigns/<int:campaign_id>/circular/preview")
@office_side(Role.OFFICE_ADMIN)
def preview_circular(campaign_id: int):
    c = _campaign(campaign_id)
    return _preview_response(services.Target(DocumentKind.CIRCULAR, c), _office(), "circular")


def _issue(target: services.Target, back: str):
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    issued = commit_or_flash(lambda: services.issue(target, _office(), actor=current_user),
                             lambda doc: _("已印发：%(n)s", n=doc.number or doc.title), refused=(DocumentError,))
    return redirect(url_for("documents.show", doc_id=issued.result.id) if issued else back)


@bp.route("/documents/campaigns/<int:campaign_id>/circular/issue", methods=["POST"])
@office_side(Role.OFFICE_ADMIN)
def issue_circular(campaign_id: int):
    c = _campaign(campaign_id)
    return _issue(services.Target(DocumentKind.CIRCULAR, c), url_for("documents.circular", campaign_id=c.id))


def _notice(notice_id: int) -> tuple[Notice, Campaign]:
    notice = get_scoped_or_404(Notice, notice_id)
    if notice.campaign_id is None:
        abort(404)
    return notice, _campaign(notice.campaign_id)


@bp.route("/documents/notices/<int:notice_id>/preview")
@office_side(Role.OFFICE_ADMIN)
def preview_notice(notice_id: int):
    notice, c = _notice(notice_id)
    return _preview_response(services.Target(DocumentKind.NOTICE, c, notice.department_id, notice), _office(),
                             f"notice-{notice.id}")


@bp.route("/documents/notices/<int:notice_id>/issue", methods=["POST"])
@office_side(Role.OFFICE_ADMIN)
def issue_notice(notice_id: int):
    notice, c = _notice(notice_id)
    return _issue(services.Target(DocumentKind.NOTICE, c, notice.department_id, notice),
                  url_for("documents.campaign", campaign_id=c.id))


def _department(department_id: int) -> Department:
    return get_scoped_or_404(Department, department_id)


@bp.route("/documents/campaigns/<int:campaign_id>/scoresheets/<int:department_id>/preview")
@office_side(Role.OFFICE_ADMIN)
def preview_scoresheet(campaign_id: int, department_id: int):
    c, dept = _campaign(campaign_id), _department(department_id)
    return _preview_response(services.Target(DocumentKind.SCORESHEET, c, dept.id), _office(), f"scoresheet-{dept.id}")


@bp.route("/documents/campaigns/<int:campaign_id>/scoresheets/<int:department_id>/issue", methods=["POST"])
@office_side(Role.OFFICE_ADMIN)
def issue_scoresheet(campaign_id: int, department_id: int):
    c, dept = _campaign(campaign_id), _department(department_id)
    return _issue(services.Target(DocumentKind.SCORESHEET, c, dept.id),
                  url_for("documents.campaign", campaign_id=c.id))


# --------------------------------------------------------------------------- issued documents


@bp.route("/documents/<int:doc_id>")
@roles_required(*TENANT_ROLES)
def show(doc_id: int):
    doc = load_document(doc_id)
    return render_template("documents/show.html", doc=doc, labels=services.KIND_LABELS,
                           verify_url=services.verify_url(doc.verify_code))


@bp.route("/documents/<int:doc_id>/pdf")
@roles_required(*TENANT_ROLES)
def download(doc_id: int):
    return issued_pdf_response(load_document(doc_id), download=request.args.get("download") == "1")


# --------------------------------------------------------------------------- bulk jobs


@bp.route("/documents/campaigns/<int:campaign_id>/bulk", methods=["POST"])
@office_side(Role.OFFICE_ADMIN)
def bulk(campaign_id: int):
    c = _campaign(campaign_id)
    form = BulkForm()
    if not form.validate_on_submit():
        flash(_("请选择要批量生成的文件。"), "error")
        return redirect(url_for("documents.campaign", campaign_id=c.id))
    created = commit_or_flash(lambda: jobs.create_job(c, DocumentKind(form.kind.data), actor=current_user), None,
                              refused=(DocumentError,))
    if not created:
        return redirect(url_for("documents.campaign", campaign_id=c.id))
    jobs.dispatch(created.result.id)  # after the commit: a worker must find the job
    return redirect(url_for("documents.job", job_id=created.result.id))


def _job(job_id: int) -> DocumentJob:
    return get_scoped_or_404(DocumentJob, job_id)


@bp.route("/documents/jobs/<int:job_id>")
@office_side(Role.OFFICE_ADMIN)
def job(job_id: int):
    j = _job(job_id)
    return render_template("documents/job.html", job=j, status=jobs.status(j), labels=services.KIND_LABELS,
                           campaign=db.session.get(Campaign, j.campaign_id))


@bp.route("/documents/jobs/<int:job_id>/status")
@office_side(Role.OFFICE_ADMIN)
def job_status(job_id: int):
    j = _job(job_id)
    data = jobs.status(j)
    if data["done"]:
        data["download_url"] = url_for("documents.job_download", job_id=j.id)
    resp = jsonify(data)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/documents/jobs/<int:job_id>/download")
@office_side(Role.OFFICE_ADMIN)
def job_download(job_id: int):
    j = _job(job_id)
    if not j.result_key:
        abort(404)
    c = db.session.get(Campaign, j.campaign_id)
    name = f"{c.name}-{services.KIND_LABELS[j.kind]}.zip"
    return send_file(io.BytesIO(get_storage().get(j.result_key)), mimetype="application/zip", as_attachment=True,
                     download_name=name, max_age=0)


# --------------------------------------------------------------------------- public verification


def _verify_limit() -> str:
    return current_app.config.get("VERIFY_RATE_LIMIT", "30 per minute")


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(_verify_limit)
def verify():
    """Public: enter a document's code → number, kind, issuer, date, checksum; optionally compare a PDF."""
    # GET ?code=… (the QR code's link) needs no token; the POST form carries the CSRF token (global CSRFProtect)
    form = VerifyForm(request.form if request.method == "POST" else request.args, meta={"csrf": False})
    code = (form.code.data or "").strip()
    result = services.verify_lookup(code) if code else None
    match = None
    if request.method == "POST" and result is not None:
        f = request.files.get("file")
        if f and f.filename:
            data = f.read(services.MAX_SEAL_BYTES * 25 + 1)
            match = services.sha256_of(data) == result.sha256
    if code and result is None:
        form.code.errors = [_("没有找到该核验码对应的文件。请核对后重新输入；伪造或篡改的文件无法通过核验。")]
    return render_template("documents/verify.html", form=form, result=result, match=match, code=code), (
        404 if code and result is None else 200)


@roles_required(*TENANT_ROLES)
def rectification_notice_pdf(notice_id: int):
    """A rectification notice as an official document: the issued copy once issued, else a draft marked 草稿
    (no number). Produced here with the other documents; reached from the notice page at
    /rectification/<id>/pdf (endpoint ``rectification.pdf``, which ``create_app`` adds), so the rectification
    package never imports the documents that render it."""
    notice = load_notice(notice_id)
    office = db.session.get(Office, current_user.office_id) if current_user.office_id else None
    if office is None:
        abort(403)
    data, issued = services.notice_pdf(notice, office)
    resp = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=False, max_age=0,
                     download_name=f"rectification-notice-{notice.id}.pdf")
    if issued is not None:
        resp.headers["X-Content-SHA256"] = issued.sha256
    return resp


@roles_required(*TENANT_ROLES)
def selfassessment_pdf_page(submission_id: int):
    """The printable 自评表 (to be signed by the leader and sealed): the department's own, or any department of
    the office for office users (the scope and ``load_submission`` decide which). Produced here with the other
    documents; reached from the self-assessment pages at /self/<id>/selfassessment.pdf (endpoint
    ``selfassessment.pdf``, which ``create_app`` adds), so the self-assessment never imports the documents."""
    from urllib.parse import quote

    submission = load_submission(submission_id)
    office = db.session.get(Office, submission.office_id)
    data = services.selfassessment_pdf(submission, office)
    name = f"{submission.campaign.name}自评表-{submission.department_name}.pdf"
    resp = Response(data, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f"attachment; filename=\"selfassessment.pdf\"; filename*=UTF-8''{quote(name)}"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
