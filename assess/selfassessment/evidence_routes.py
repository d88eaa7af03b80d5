"""A self-assessment's evidence pages: upload a file, add a link, remove, download and preview (only within the
viewer's scope). Their blueprint keeps the name ``evidence`` and the /evidence addresses; the rules are
:mod:`.evidence` (self-assessment) on top of the shared file checks (:mod:`assess.evidence`)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..evidence.access import file_response
from ..evidence.services import inline_ok
from ..web import commit_or_flash
from ..tenancy.permissions import roles_required
from ..tenancy.roles import DEPARTMENT_STAFF, TENANT_ROLES
from . import evidence
from .access import load_evidence, load_submission, require_indicator
from .routes import render_form

bp = Blueprint("evidence", __name__, url_prefix="/evidence")


def _back(submission_id: int, code: str):
    return redirect(url_for("selfassessment.form", submission_id=submission_id, _anchor=f"evidence-{code}"))


def _at_field(exc: evidence.EvidenceError) -> dict[str, str]:
    """A refusal's messages by input; one about no input (the form was sent meanwhile, so its evidence
    inputs are no longer shown) is flashed above the form instead."""
    if not exc.errors:
        flash(str(exc), "error")
    return dict(exc.errors)


@bp.route("/submissions/<int:submission_id>/<code>/file", methods=["POST"])
@roles_required(*DEPARTMENT_STAFF)
def upload(submission_id: int, code: str):
    submission = load_submission(submission_id)
    require_indicator(submission, code)
    f = request.files.get("file")
    title = request.form.get("title", "")
    errors: dict[str, str] = {}

    def add() -> None:  # a failed commit removes the stored file again (assess.storage.put_upload)
        if f is None or not f.filename:
            raise evidence.EvidenceError(_("请选择要上传的文件。"), "file")
        evidence.add_file(submission, code, actor=current_user, filename=f.filename, data=f.read(), title=title)

    if commit_or_flash(add, _("已上传材料。"), refused=(evidence.EvidenceError,),
                       show=lambda exc: errors.update(_at_field(exc))):
        return _back(submission.id, code)
    return render_form(submission, errors={code: {"_evidence": {**errors, "_title": title}}}, status=422)


@bp.route("/submissions/<int:submission_id>/<code>/link", methods=["POST"])
@roles_required(*DEPARTMENT_STAFF)
def add_link(submission_id: int, code: str):
    submission = load_submission(submission_id)
    require_indicator(submission, code)
    url, title = request.form.get("url", ""), request.form.get("title", "")
    errors: dict[str, str] = {}
    if commit_or_flash(lambda: evidence.add_link(submission, code, actor=current_user, url=url, title=title),
                       _("已添加链接。"), refused=(evidence.EvidenceError,), show=lambda exc: errors.update(_at_field(exc))):
        return _back(submission.id, code)
    return render_form(submission, errors={code: {"_link": {**errors, "_url": url, "_title": title}}}, status=422)


@bp.route("/<int:evidence_id>/remove", methods=["POST"])
@roles_required(*DEPARTMENT_STAFF)
def remove(evidence_id: int):
    ev = load_evidence(evidence_id)
    commit_or_flash(lambda: evidence.remove(ev, actor=current_user), _("已删除材料。"), refused=(evidence.EvidenceError,))
    return _back(ev.owner_id, ev.indicator_code or "")


@bp.route("/<int:evidence_id>/download")
@roles_required(*TENANT_ROLES)
def download(evidence_id: int):
    return file_response(load_evidence(evidence_id), inline=False)


@bp.route("/<int:evidence_id>/preview")
@roles_required(*TENANT_ROLES)
def preview(evidence_id: int):
    ev = load_evidence(evidence_id)
    if not inline_ok(ev):
        return file_response(ev, inline=False)
    return file_response(ev, inline=True)
