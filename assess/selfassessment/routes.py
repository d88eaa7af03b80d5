"""The department's self-assessment pages: the form (per indicator POST + JSON autosave), the flow
(send to leader, submit, return), readiness, carry-over, past campaigns, Excel round-trip. The printable
自评表 (/self/<id>/selfassessment.pdf) is a document: :func:`assess.documents.routes.selfassessment_pdf_page`."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from flask import Blueprint, flash, get_template_attribute, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..campaigns.services import STATE_LABELS, SUBMISSION_LABELS, department_submissions
from ..extensions import db
from ..models import Role, Submission, SubmissionState
from .. import scoring
from ..scoring.explain import num
from ..tenancy.permissions import roles_required
from ..tenancy.roles import DEPARTMENT_STAFF, TENANT_ROLES
from ..web import commit_or_flash
from . import services
from .access import load_submission, require_indicator
from .forms import CommentForm, EmptyForm, UploadForm

bp = Blueprint("selfassessment", __name__, url_prefix="/self")

#: Where the form finds, per indicator whose answer awaits confirmation, where its values came from (a figure
#: import, last year's copy): ``finder(submission, answers) -> {indicator code: origin}``. The imports build on
#: this package, so it does not import them: ``create_app`` registers
#: :func:`assess.imports.services.unconfirmed_origins` through :func:`show_origins_from`.
ORIGIN_FINDERS: list[Callable[[Submission, Mapping[str, Any]], Mapping[str, Any]]] = []


def show_origins_from(finder: Callable[[Submission, Mapping[str, Any]], Mapping[str, Any]]) -> None:
    """Register ``finder`` in :data:`ORIGIN_FINDERS` (idempotent: create_app runs once per app)."""
    if finder not in ORIGIN_FINDERS:
        ORIGIN_FINDERS.append(finder)


def _form_inputs() -> dict[str, str]:
    return {k[3:]: v for k, v in request.form.items() if k.startswith("in_")}


def render_form(submission: Submission, *, errors: dict[str, dict[str, str]] | None = None,
                posted: dict[str, dict] | None = None, conflict: dict | None = None, status: int = 200):
    """The form page. ``errors``/``posted`` are per indicator code (what the user typed is shown back)."""
    rubric = services.rubric_of(submission.campaign)
    answers = services.answers_of(submission)
    evidence = services.evidence_by_code(submission)
    prog = services.progress(submission, rubric, answers=answers,
                             evidence_codes={code for code, items in evidence.items() if items})
    view = {}
    for ind in rubric.all_indicators():
        a = answers.get(ind.code)
        stored = services.stored_inputs(a)
        suggested, why = services.suggest(ind, stored, rubric)
        na_group = "" if ind.applies(submission.group_name) else _(
            "本指标仅适用于%(w)s，本单位不适用（不计分，总分按适用指标满分折算）。", w=ind.applies_to.words())
        na = a.na_reason if a is not None and ind.allow_na else None
        if na:
            suggested, why = None, _("不适用：%(r)s（不计分，总分按适用指标满分折算）", r=na)
        view[ind.code] = {
            "na": na, "na_group": na_group,
            "answer": a, "values": stored, "suggested": suggested, "why": why,
            "bounds": None if ind.rule.kind == "veto" else scoring.bounds(rubric, ind.code),
            "evidence": evidence.get(ind.code, []),
        }
    sections = [(area.code, area.title, area.indicators) for area in rubric.areas]
    if rubric.bonus:
        sections.append(("bonus", _("加分项"), rubric.bonus.indicators))
    if rubric.major:
        sections.append(("major", _("重大扣分项（从总分中扣除）"), rubric.major.indicators))
    if rubric.vetoes:
        sections.append(("veto", _("一票否决项（单项否决：触发即终止评分）") if rubric.veto_ends_scoring
                         else _("一票否决项"), rubric.vetoes))
    editable = services.can_edit(submission, current_user)
    can_lead = current_user.role == Role.DEPT_ADMIN and current_user.department_id == submission.department_id
    leader_issues = (services.readiness(submission) if can_lead and submission.state.value == "awaiting_leader"
                     else [])
    prev = services.previous_submission(submission) if editable else None
    origins = {code: origin for finder in ORIGIN_FINDERS for code, origin in finder(submission, answers).items()}
    totals = services.self_totals(submission, rubric, answers)
    return render_template(
        "selfassessment/form.html", submission=submission, campaign=submission.campaign, rubric=rubric,
        sections=sections, view=view, progress=prog, editable=editable, errors=errors or {}, posted=posted or {},
        conflict=conflict, num=num, sub_labels=SUBMISSION_LABELS, state_labels=STATE_LABELS,
        action_form=EmptyForm(), comment_form=CommentForm(formdata=None), upload_form=UploadForm(formdata=None),
        workbooks=evidence.get("", []),
        can_lead=can_lead, leader_issues=leader_issues,
        can_office_return=current_user.role == Role.OFFICE_ADMIN, previous=prev, origins=origins,
        totals=totals,
    ), status


@bp.route("/")
@roles_required(*TENANT_ROLES)
def index():
    if current_user.department_id is None:
        return redirect(url_for("campaigns.index"))
    subs = department_submissions(current_user.department_id)
    return render_template("selfassessment/index.html", submissions=subs, sub_labels=SUBMISSION_LABELS,
                           state_labels=STATE_LABELS)


@bp.route("/<int:submission_id>")
@roles_required(*TENANT_ROLES)
def form(submission_id: int):
    submission = load_submission(submission_id)
    return render_form(submission)


def _save(submission: Submission, code: str, data: dict, respond=None):
    """Shared by the form POST and the JSON autosave: returns (result, errors, conflict).

    ``respond(result)``, if given, runs before the commit and its value replaces ``result``: what the
    response needs is read inside the saving transaction, not in a second one after it (on SQLite every
    transaction of a POST takes the write lock)."""
    try:
        result = services.save_answer(
            submission, code, actor=current_user, inputs=data.get("inputs") or {},
            self_score=data.get("self_score"), self_score_reason=data.get("self_score_reason") or "",
            explanation=data.get("explanation") or "", expected_version=data.get("version"),
            not_applicable=data.get("na"))
        if respond is not None:
            result = respond(result)
        db.session.commit()
        return result, None, None
    except services.AnswerConflict as exc:
        db.session.rollback()
        return None, None, {"mine": exc.mine, "theirs": exc.theirs}
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        theirs = services.answer_snapshot(services.answers_of_code(submission, code))
        return None, None, {"mine": data, "theirs": theirs}
    except services.SelfAssessmentError as exc:
        db.session.rollback()
        return None, exc.errors or {"_": str(exc)}, None


def _version(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


@bp.route("/<int:submission_id>/answers/<code>", methods=["POST"])
@roles_required(*DEPARTMENT_STAFF)
def save(submission_id: int, code: str):
    submission = load_submission(submission_id)
    require_indicator(submission, code)
    data = {"inputs": _form_inputs(), "self_score": request.form.get("self_score"),
            "self_score_reason": request.form.get("self_score_reason", ""),
            "explanation": request.form.get("explanation", ""), "version": _version(request.form.get("version")),
            "na": request.form.get("na_reason", "") if request.form.get("na") else None}
    result, errors, conflict = _save(submission, code, data)
    if conflict:
        return render_form(submission, posted={code: data}, conflict={"code": code, **conflict}, status=409)
    if errors:
        if "_" in errors and len(errors) == 1:
            flash(errors["_"], "error")
        return render_form(submission, errors={code: errors}, posted={code: data}, status=422)
    flash(_("已保存 %(code)s。", code=code), "success")
    return redirect(url_for("selfassessment.form", submission_id=submission.id, _anchor=f"ind-{code}"))


@bp.route("/api/<int:submission_id>/answers/<code>", methods=["POST"])
@roles_required(*DEPARTMENT_STAFF)
def autosave(submission_id: int, code: str):
    submission = load_submission(submission_id)
    require_indicator(submission, code)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return jsonify(error={"code": "bad_request", "message": _("请求格式有误。")}), 400
    data = {"inputs": payload.get("inputs") if isinstance(payload.get("inputs"), dict) else {},
            "self_score": payload.get("self_score"), "self_score_reason": str(payload.get("self_score_reason") or ""),
            "explanation": str(payload.get("explanation") or ""), "version": _version(payload.get("version"))}
    if "na" in payload:  # 不适用 ticked or not; a client that does not send it keeps what is stored
        data["na"] = str(payload.get("na_reason") or "") if payload.get("na") is True else None
    else:
        stored = services.answers_of_code(submission, code)
        data["na"] = stored.na_reason if stored is not None else None

    def respond(result):
        prog = services.progress(submission)
        a = result.answer
        totals = services.self_totals(submission)
        box = get_template_attribute("selfassessment/_totals.html", "self_totals_box")
        return jsonify(version=a.version_id, suggested=None if result.suggested is None else num(result.suggested),
                       self_score=None if a.self_score is None else num(a.self_score), explanation=result.explanation,
                       progress={"done": prog.done, "total": prog.total, "percent": prog.percent},
                       missing=prog.statuses[code].missing, complete=prog.statuses[code].complete,
                       unclaimed=prog.statuses[code].unclaimed, saved_at=a.updated_at.isoformat(),
                       total=None if totals is None else num(totals.total), totals_html=str(box(totals, num)))

    response, errors, conflict = _save(submission, code, data, respond)
    if conflict:
        return jsonify(error={"code": "conflict", "message": _("该指标已被他人修改，请比较两个版本后再保存。")}, **conflict), 409
    if errors:
        return jsonify(error={"code": "invalid", "message": _("请修改标出的内容后再保存。")}, errors=errors), 422
    return response


# --- flow ----------------------------------------------------------------------------------------------


def _why_refused(exc: Exception) -> str:
    """A refusal's message; a concurrent change of the submission (its version) asks for a reload."""
    return _("自评表已被他人更新，请刷新后重试。") if isinstance(exc, StaleDataError) else str(exc)


def _act(submission: Submission, fn, ok_message: str, **kwargs):
    commit_or_flash(lambda: fn(submission, actor=current_user, **kwargs), ok_message,
                    refused=(services.SelfAssessmentError, StaleDataError), explain=_why_refused)
    return redirect(url_for("selfassessment.form", submission_id=submission.id))


def _act_or_show_missing(submission: Submission, fn, ok_message: str):
    """Send/submit; when something required is missing, the form comes back with each message at its field."""
    open_states = services.EDITABLE + (SubmissionState.AWAITING_LEADER,)
    missing = services.missing_by_field(submission) if submission.state in open_states else {}
    try:
        fn(submission, actor=current_user)
    except services.SelfAssessmentError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        if missing:
            return render_form(submission, errors=missing, status=422)
    except StaleDataError:
        db.session.rollback()
        flash(_("自评表已被他人更新，请刷新后重试。"), "error")
    else:
        db.session.commit()
        flash(ok_message, "success")
    return redirect(url_for("selfassessment.form", submission_id=submission.id))


@bp.route("/<int:submission_id>/send", methods=["POST"])
@roles_required(*DEPARTMENT_STAFF)
def send(submission_id: int):
    submission = load_submission(submission_id)
    return _act_or_show_missing(submission, services.send_to_leader, _("已送分管领导审核。"))


@bp.route("/<int:submission_id>/submit", methods=["POST"])
@roles_required(Role.DEPT_ADMIN)
def submit(submission_id: int):
    submission = load_submission(submission_id)
    return _act_or_show_missing(submission, services.leader_submit, _("已以本部门名义提交自评表。"))


@bp.route("/<int:submission_id>/return", methods=["POST"])
@roles_required(Role.DEPT_ADMIN)
def leader_return(submission_id: int):
    submission = load_submission(submission_id)
    return _act(submission, services.leader_return, _("已退回填报人员修改。"), comment=request.form.get("comment", ""))


@bp.route("/<int:submission_id>/office-return", methods=["POST"])
@roles_required(Role.OFFICE_ADMIN)
def office_return(submission_id: int):
    submission = load_submission(submission_id)
    return _act(submission, services.office_return, _("已退回该部门修改。"), comment=request.form.get("comment", ""))


@bp.route("/<int:submission_id>/readiness")
@roles_required(*TENANT_ROLES)
def readiness(submission_id: int):
    submission = load_submission(submission_id)
    issues = services.readiness(submission)
    return render_template("selfassessment/readiness.html", submission=submission, issues=issues,
                           errors=services.blocking(issues), totals=services.self_totals(submission), num=num)


@bp.route("/<int:submission_id>/prefill", methods=["POST"])
@roles_required(*DEPARTMENT_STAFF)
def prefill(submission_id: int):
    submission = load_submission(submission_id)
    try:
        n = services.prefill_from_last_year(submission, actor=current_user)
    except services.SelfAssessmentError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("已从上一年度沿用%(n)s项说明（数字已清空），请逐项确认。", n=n), "success")
    return redirect(url_for("selfassessment.form", submission_id=submission.id))


@bp.route("/<int:submission_id>/answers/<code>/confirm", methods=["POST"])
@roles_required(*DEPARTMENT_STAFF)
def confirm(submission_id: int, code: str):
    submission = load_submission(submission_id)
    require_indicator(submission, code)
    commit_or_flash(lambda: services.confirm_carried_over(submission, code, actor=current_user),
                    _("已确认 %(code)s 的内容。", code=code), refused=(services.SelfAssessmentError,))
    return redirect(url_for("selfassessment.form", submission_id=submission.id, _anchor=f"ind-{code}"))


# --- Excel round-trip ----------------------------------------------------------------------------------


def _serializer():
    from flask import current_app
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.secret_key, salt="selfassessment-workbook")


@bp.route("/<int:submission_id>/export.xlsx")
@roles_required(*TENANT_ROLES)
def export(submission_id: int):
    from flask import Response
    from urllib.parse import quote

    from . import excel

    submission = load_submission(submission_id)
    data = excel.export_workbook(submission)
    name = f"{submission.campaign.name}-{submission.department_name}.xlsx"
    resp = Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp.headers["Content-Disposition"] = f"attachment; filename=\"selfassessment.xlsx\"; filename*=UTF-8''{quote(name)}"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.route("/<int:submission_id>/upload", methods=["GET", "POST"])
@roles_required(*DEPARTMENT_STAFF)
def upload(submission_id: int):
    from ..evidence import services as evidence
    from . import excel

    submission = load_submission(submission_id)
    if not services.can_edit(submission, current_user):
        flash(_("自评表当前不能修改。"), "error")
        return redirect(url_for("selfassessment.form", submission_id=submission.id))
    form = UploadForm()
    parsed = token = None
    if request.method == "POST":
        f = request.files.get("file")
        try:
            if f is None or not f.filename:
                raise services.SelfAssessmentError(_("请选择要上传的Excel文件。"), "file")
            data = f.read()
            checked = evidence.check_file(f.filename, data)
            if checked.extension != "xlsx":
                raise services.SelfAssessmentError(_("请上传从本系统下载的Excel填报表（.xlsx）。"), "file")
            parsed = excel.parse_workbook(submission, data)
            if parsed.errors and not parsed.changes:
                raise services.SelfAssessmentError(parsed.errors[0], "file")
            if not parsed.errors:  # kept for the confirmation (no row refers to it: the signed token does)
                key = evidence.store_file(submission.office_id, submission.department_id, data, checked, keep=True)
                token = _serializer().dumps({"s": submission.id, "k": key, "n": checked.filename, "h": checked.sha256})
        except (services.SelfAssessmentError, evidence.EvidenceError) as exc:  # a refused file, a full disk too
            form.file.errors = [str(exc)]
            parsed = token = None
    status = 422 if form.file.errors or (parsed and parsed.errors) else 200
    return render_template("selfassessment/upload.html", submission=submission, form=form, parsed=parsed,
                           token=token, action_form=EmptyForm()), status


@bp.route("/<int:submission_id>/upload/confirm", methods=["POST"])
@roles_required(*DEPARTMENT_STAFF)
def upload_confirm(submission_id: int):
    import hashlib

    from itsdangerous import BadSignature

    from ..storage import StorageError, get_storage
    from . import excel

    submission = load_submission(submission_id)
    try:
        payload = _serializer().loads(request.form.get("token", ""), max_age=3600)
        if payload.get("s") != submission.id:
            raise BadSignature("other submission")
        data = get_storage().get(payload["k"])
        if hashlib.sha256(data).hexdigest() != payload["h"]:
            raise BadSignature("changed")
    except (BadSignature, StorageError, KeyError, TypeError, AttributeError):
        flash(_("上传已失效，请重新上传Excel填报表。"), "error")
        return redirect(url_for("selfassessment.upload", submission_id=submission.id))
    try:
        parsed = excel.parse_workbook(submission, data)
        excel.apply_workbook(submission, parsed, actor=current_user, filename=payload["n"], data=data)
    except services.AnswerConflict:
        db.session.rollback()
        flash(_("上传后又有人修改了自评表，请重新上传以核对差异。"), "error")
        return redirect(url_for("selfassessment.upload", submission_id=submission.id))
    except services.SelfAssessmentError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("selfassessment.upload", submission_id=submission.id))
    db.session.commit()
    get_storage().delete(payload["k"])  # the evidence copy has its own key
    flash(_("已按Excel填报表更新%(n)s个指标，上传的文件已作为佐证留存。", n=len(parsed.answers)), "success")
    return redirect(url_for("selfassessment.form", submission_id=submission.id))
