"""Evidence: upload a file, add a link, remove, download and preview (only within the viewer's scope)."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..models import Evidence, EvidenceKind
from ..selfassessment.routes import load_submission, render_form, require_indicator
from ..storage import StorageError
from ..tenancy.permissions import roles_required
from ..tenancy.scope import get_scoped_or_404
from ..tenancy.roles import DEPARTMENT_STAFF, TENANT_ROLES
from . import services

bp = Blueprint("evidence", __name__, url_prefix="/evidence")


def _back(submission_id: int, code: str):
    return redirect(url_for("selfassessment.form", submission_id=submission_id, _anchor=f"evidence-{code}"))


@bp.route("/submissions/<int:submission_id>/<code>/file", methods=["POST"])
@roles_required(*DEPARTMENT_STAFF)
def upload(submission_id: int, code: str):
    submission = load_submission(submission_id)
    require_indicator(submission, code)
    f = request.files.get("file")
    title = request.form.get("title", "")
    try:
        if f is None or not f.filename:
            raise services.EvidenceError(_("请选择要上传的文件。"), "file")
        ev = services.add_file(submission, code, actor=current_user, filename=f.filename, data=f.read(), title=title)
    except services.EvidenceError as exc:
        db.session.rollback()
        errs = dict(exc.errors) or {"file": str(exc)}
        return render_form(submission, errors={code: {"_evidence": {**errs, "_title": title}}}, status=422)
    key = ev.storage_key
    try:
        db.session.commit()
    except Exception:  # the row was not stored: neither may its file stay behind
        db.session.rollback()
        services.discard_file(key)
        raise
    flash(_("已上传材料。"), "success")
    return _back(submission.id, code)


@bp.route("/submissions/<int:submission_id>/<code>/link", methods=["POST"])
@roles_required(*DEPARTMENT_STAFF)
def add_link(submission_id: int, code: str):
    submission = load_submission(submission_id)
    require_indicator(submission, code)
    url, title = request.form.get("url", ""), request.form.get("title", "")
    try:
        services.add_link(submission, code, actor=current_user, url=url, title=title)
    except services.EvidenceError as exc:
        db.session.rollback()
        errs = dict(exc.errors) or {"url": str(exc)}
        return render_form(submission, errors={code: {"_link": {**errs, "_url": url, "_title": title}}}, status=422)
    db.session.commit()
    flash(_("已添加链接。"), "success")
    return _back(submission.id, code)


def _load(evidence_id: int) -> Evidence:
    """Evidence of a self-assessment the caller may see (scope: office, and own department for departments)."""
    ev = get_scoped_or_404(Evidence, evidence_id)
    if ev.owner_type != "submission" or ev.deleted_at is not None:
        abort(404)
    submission = load_submission(ev.owner_id)  # draft campaigns stay hidden from departments
    if submission.department_id != ev.department_id:
        abort(404)
    return ev


@bp.route("/<int:evidence_id>/remove", methods=["POST"])
@roles_required(*DEPARTMENT_STAFF)
def remove(evidence_id: int):
    ev = _load(evidence_id)
    try:
        services.remove(ev, actor=current_user)
    except services.EvidenceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("已删除材料。"), "success")
    return _back(ev.owner_id, ev.indicator_code or "")


def _send(ev: Evidence, inline: bool) -> Response:
    if ev.kind != EvidenceKind.FILE:
        abort(404)
    try:
        data = services.read(ev)
    except StorageError:
        abort(404)
    name = ev.filename or "file"
    disposition = "inline" if inline else "attachment"
    ascii_name = "".join(ch if ch.isascii() and ch.isalnum() or ch in "._-" else "_" for ch in name)
    resp = Response(data, mimetype=ev.content_type if inline else (ev.content_type or "application/octet-stream"))
    resp.headers["Content-Disposition"] = f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    if inline:
        # shown in a tab or an <img>/<iframe> of our own pages; nothing in it may run scripts
        resp.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'"
        resp.headers["X-Frame-Options"] = "SAMEORIGIN"
    else:
        resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp


@bp.route("/<int:evidence_id>/download")
@roles_required(*TENANT_ROLES)
def download(evidence_id: int):
    return _send(_load(evidence_id), inline=False)


@bp.route("/<int:evidence_id>/preview")
@roles_required(*TENANT_ROLES)
def preview(evidence_id: int):
    ev = _load(evidence_id)
    if not services.inline_ok(ev):
        return _send(ev, inline=False)
    return _send(ev, inline=True)
