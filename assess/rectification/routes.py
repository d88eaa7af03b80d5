"""Rectification pages: notices (office and department side), answers, checks, the ledger and its export.

Each view: load through the tenant scope → check the role → call a service → commit once → redirect (PRG).
A refusal re-renders the page with the message at the field and the user's input kept.
"""
from __future__ import annotations

import io
from functools import wraps
from typing import Any, Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..holidays.services import window_notes
from ..web import Outcome, commit_or_flash, id_arg
from ..models import (Campaign, Department, Evidence, ItemState, Notice, NoticeItem, NoticeSource, NoticeState,
                      Office, Role)
from ..tenancy.permissions import office_side, roles_required
from ..tenancy.roles import DEPARTMENT_STAFF, OFFICE_READERS, OFFICE_STAFF, TENANT_ROLES
from ..tenancy.scope import get_scoped_or_404
from . import generation
from . import ledger as rectification_ledger
from . import services
from .access import evidence_file_response, is_office_user, load_item, load_notice
from .forms import (AnswerForm, CommentForm, EmptyForm, EvidenceForm, GenerateForm, ItemForm, NewNoticeForm,
                    NoticeEditForm)
from .services import RectificationError

bp = Blueprint("rectification", __name__, url_prefix="/rectification")





def department_side(*roles: Role) -> Callable:
    def decorator(view: Callable) -> Callable:
        @roles_required(*roles)
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.department_id is None:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _office() -> Office:
    office = db.session.get(Office, current_user.office_id) if current_user.office_id else None
    if office is None:
        abort(403)
    return office


def _fail(exc: RectificationError, form: Any = None) -> None:
    field = getattr(form, exc.field, None) if form is not None and exc.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = list(field.errors) + [str(exc)]
    elif form is not None:
        form.form_errors.append(str(exc))
    else:
        flash(str(_as_error(exc)), "error")


def _as_error(exc: Exception) -> RectificationError:
    """A concurrent write detected at flush (version_id_col) becomes a message like a stale form's."""
    if isinstance(exc, RectificationError):
        return exc
    return RectificationError(_("内容已被他人同时修改，您的修改未保存。请刷新页面，核对后重新提交。"), "version")


# --- lists ----------------------------------------------------------------------------------------------------


def _commit_or_flash(action: Callable[[], Any], success: str | Callable[[Any], str] | None,
                     form: Any = None) -> Outcome:
    """Run one service action: commit and confirm it, or roll back and say why (refusal or stale edit), on
    the ``form`` shown again when there is one (:func:`_fail`)."""
    return commit_or_flash(action, success, refused=(RectificationError, StaleDataError), explain=_as_error,
                           show=None if form is None else (lambda exc: _fail(_as_error(exc), form)))


@bp.route("/")
@roles_required(*TENANT_ROLES)
def notices():
    state = request.args.get("state", "")
    rows = services.notices_for(current_user, state=state)
    today = services.today_local()
    overdue = {n.id: sum(1 for i in n.items if services.is_overdue(i, n, today)) for n in rows}
    return render_template(
        "rectification/notices.html", notices=rows, state=state, overdue=overdue, office_view=is_office_user(),
        deadline_notes=services.deadline_notes,
        form=EmptyForm(), labels=services.NOTICE_STATE_LABELS, source_labels=services.SOURCE_LABELS,
        overdue_total=services.overdue_count(current_user.office_id, current_user.department_id, today=today),
    )


def _fallback_flash(notice: Notice | None) -> None:
    """Say at once when a deadline just counted went through a year without holiday arrangements."""
    if notice is not None:
        for note in services.deadline_notes(notice):
            flash(_("整改期限 %(d)s：%(note)s。", d=notice.deadline.isoformat(), note=note), "warning")


@bp.route("/generate", methods=["GET", "POST"])
@office_side(Role.OFFICE_ADMIN)
def generate():
    """Draft notices from a published campaign's problem statements, at the office's threshold (points)."""
    office = _office()
    form = GenerateForm(data={"threshold": generation.last_threshold(office.id)} if request.method == "GET" else None)
    campaigns = services.published_campaigns(office.id)
    form.campaign_id.choices = [(c.id, c.name) for c in campaigns]
    if form.validate_on_submit():
        campaign = get_scoped_or_404(Campaign, form.campaign_id.data)
        try:
            plan = generation.plan_generation(campaign, form.threshold.data if form.threshold.data is not None
                                            else generation.last_threshold(office.id))
            created = generation.generate_notices(office, campaign, actor=current_user,
                                                workdays_count=form.workdays.data, plan=plan)
        except (RectificationError, StaleDataError) as exc:
            db.session.rollback()
            _fail(_as_error(exc), form)
        else:
            db.session.commit()
            if created:
                flash(_("已生成 %(n)s 份整改通知草稿（%(i)s 个问题），请核对、合并或修改后下发。", n=len(created),
                        i=sum(len(n.items) for n in created)), "success")
            else:
                flash(_("没有需要生成的整改通知（无问题或已生成）。"), "info")
            _fallback_flash(created[0] if created else None)
            if plan.without_statement:
                flash(_("另有 %(n)s 个指标扣分达到起算分值但没有问题描述，未列入通知；如需整改，请在通知中手动添加问题。",
                        n=plan.without_statement), "warning")
            return redirect(url_for("rectification.notices", state="draft"))
    status = 400 if request.method == "POST" else 200
    threshold = form.threshold.data if not form.threshold.errors and form.threshold.data is not None \
        else generation.DEFAULT_THRESHOLD
    preview = {c.id: (c.name, generation.generation_preview(c, threshold)) for c in campaigns}
    return render_template("rectification/generate.html", form=form, preview=preview, threshold=threshold,
                           calendar_notes=window_notes(services.today_local())), status


@bp.route("/new", methods=["GET", "POST"])
@office_side(Role.OFFICE_ADMIN)
def new():
    office = _office()
    form = NewNoticeForm()
    departments = [d for d in db.session.scalars(
        db.select(Department).where(Department.office_id == office.id, Department.active.is_(True))
        .order_by(Department.name))]
    form.department_id.choices = [(d.id, d.name) for d in departments]
    if form.validate_on_submit():
        dept = get_scoped_or_404(Department, form.department_id.data)
        created = _commit_or_flash(lambda: services.create_notice(
            office, dept, actor=current_user, title=form.title.data,
            deadline=services.deadline_from(deadline=form.deadline.data, workdays_count=form.workdays.data,
                                            office_id=office.id),
            problem=form.problem.data, requirement=form.requirement.data or "",
            source=NoticeSource(form.source.data), intro=form.intro.data or "",
            indicator_code=form.indicator_code.data or "", counted=services.counted_from(form.workdays.data)),
            _("已创建整改通知草稿。"), form)
        if created:
            _fallback_flash(created.result)
            return redirect(url_for("rectification.show", notice_id=created.result.id))
    status = 400 if request.method == "POST" else 200
    return render_template("rectification/new.html", form=form,
                           calendar_notes=window_notes(services.today_local())), status


# --- one notice -------------------------------------------------------------------------------------------------


def _page(notice: Notice, overrides: dict | None = None, status: int = 200):
    overrides = overrides or {}
    items = list(notice.items)
    today = services.today_local()
    edit_form = overrides.get("edit") or NoticeEditForm(
        formdata=None, obj=notice, data={"version": notice.version_id, "workdays": None})
    forms: dict[str, dict[int, Any]] = {"item": {}, "answer": {}, "evidence": {}, "check": {}, "leader": {}}
    for i in items:
        forms["item"][i.id] = overrides.get(("item", i.id)) or ItemForm(
            formdata=None, obj=i, prefix=f"i{i.id}", data={"version": i.version_id,
                                                            "points_deducted": i.points_deducted or ""})
        forms["answer"][i.id] = overrides.get(("answer", i.id)) or AnswerForm(
            formdata=None, obj=i, prefix=f"a{i.id}", data={"version": i.version_id})
        forms["evidence"][i.id] = overrides.get(("evidence", i.id)) or EvidenceForm(formdata=None, prefix=f"e{i.id}")
        forms["check"][i.id] = overrides.get(("check", i.id)) or CommentForm(
            formdata=None, prefix=f"c{i.id}", data={"version": i.version_id})
        forms["leader"][i.id] = overrides.get(("leader", i.id)) or CommentForm(formdata=None, prefix=f"l{i.id}")
    add_form = overrides.get("add") or ItemForm(formdata=None, prefix="new")
    evidence = {i.id: services.item_evidence(i) for i in items}
    previous = {}
    for i in items:
        if i.previous_item_id:
            previous[i.id] = db.session.get(NoticeItem, i.previous_item_id)
    role = current_user.role
    return render_template(
        "rectification/notice.html", notice=notice, items=items, evidence=evidence, forms=forms,
        issued=services.issued_notice(notice),
        edit_form=edit_form, add_form=add_form, empty=EmptyForm(), today=today, previous=previous,
        overdue={i.id: services.is_overdue(i, notice, today) for i in items},
        overdue_days=services.overdue_days(notice, today),
        office_view=is_office_user(),
        can_edit=role == Role.OFFICE_ADMIN and is_office_user() and notice.state != NoticeState.CLOSED,
        can_check=role in OFFICE_STAFF and is_office_user(),
        can_answer=role in DEPARTMENT_STAFF and not is_office_user()
        and notice.state == NoticeState.SENT,
        is_leader=role == Role.DEPT_ADMIN and not is_office_user(),
        state_labels=services.STATE_LABELS, notice_labels=services.NOTICE_STATE_LABELS,
        source_labels=services.SOURCE_LABELS, user_name=services.user_name, ItemState=ItemState,
        NoticeState=NoticeState, deadline_notes=services.deadline_notes(notice),
        calendar_notes=window_notes(today) if role == Role.OFFICE_ADMIN and is_office_user()
        and notice.state != NoticeState.CLOSED else [],
    ), status


@bp.route("/<int:notice_id>")
@roles_required(*TENANT_ROLES)
def show(notice_id: int):
    notice = load_notice(notice_id)
    if not is_office_user() and services.mark_read(notice, current_user):
        db.session.commit()  # the read receipt (logged) is this request's one write
    return _page(notice)


def _redirect(notice: Notice, anchor: str = ""):
    return redirect(url_for("rectification.show", notice_id=notice.id) + (f"#{anchor}" if anchor else ""))


@bp.route("/<int:notice_id>/edit", methods=["POST"])
@office_side(Role.OFFICE_ADMIN)
def edit_notice(notice_id: int):
    notice = load_notice(notice_id)
    form = NoticeEditForm()
    if form.validate_on_submit() and _commit_or_flash(
            lambda: services.update_notice(
                notice, actor=current_user, title=form.title.data, intro=form.intro.data or "",
                deadline=services.deadline_from(deadline=form.deadline.data, workdays_count=form.workdays.data,
                                                office_id=notice.office_id),
                reason=form.reason.data or "", version=form.version.data,
                counted=services.counted_from(form.workdays.data)),
            _("已保存通知。"), form):
        _fallback_flash(notice)
        return _redirect(notice)
    return _page(get_scoped_or_404(Notice, notice_id), {"edit": form}, 400)


@bp.route("/<int:notice_id>/items", methods=["POST"])
@office_side(Role.OFFICE_ADMIN)
def add_item(notice_id: int):
    notice = load_notice(notice_id)
    form = ItemForm(prefix="new")
    if form.validate_on_submit():
        added = _commit_or_flash(
            lambda: services.add_item(notice, actor=current_user, problem=form.problem.data or "",
                                      requirement=form.requirement.data or "",
                                      indicator_code=form.indicator_code.data or "",
                                      indicator_title=form.indicator_title.data or "",
                                      points_deducted=form.points_deducted.data, reason=form.reason.data or ""),
            _("已添加问题。"), form)
        if added:
            return _redirect(notice, f"item-{added.result.id}")
    return _page(get_scoped_or_404(Notice, notice_id), {"add": form}, 400)


@bp.route("/items/<int:item_id>/edit", methods=["POST"])
@office_side(Role.OFFICE_ADMIN)
def edit_item(item_id: int):
    item = load_item(item_id)
    notice = item.notice
    form = ItemForm(prefix=f"i{item.id}")
    if form.validate_on_submit() and _commit_or_flash(
            lambda: services.update_item(item, actor=current_user, problem=form.problem.data or "",
                                         requirement=form.requirement.data or "",
                                         indicator_code=form.indicator_code.data or "",
                                         indicator_title=form.indicator_title.data or "",
                                         points_deducted=form.points_deducted.data, reason=form.reason.data or "",
                                         version=form.version.data),
            _("已保存问题。"), form):
        return _redirect(notice, f"item-{item.id}")
    return _page(get_scoped_or_404(Notice, notice.id), {("item", item_id): form}, 400)


@bp.route("/items/<int:item_id>/delete", methods=["POST"])
@office_side(Role.OFFICE_ADMIN)
def delete_item(item_id: int):
    item = load_item(item_id)
    notice = item.notice
    if EmptyForm().validate_on_submit():
        _commit_or_flash(lambda: services.delete_item(item, actor=current_user), _("已删除问题。"))
    return _redirect(notice)


@bp.route("/<int:notice_id>/merge", methods=["POST"])
@office_side(Role.OFFICE_ADMIN)
def merge(notice_id: int):
    notice = load_notice(notice_id)
    if EmptyForm().validate_on_submit():
        try:
            ids = [int(x) for x in request.form.getlist("item_ids")]
            item = services.merge_items(notice, ids, actor=current_user)
        except (ValueError, StaleDataError) as exc:  # RectificationError, a tampered id, a concurrent edit
            db.session.rollback()
            flash(str(_as_error(exc)) if not type(exc) is ValueError else _("请勾选要合并的问题。"), "error")
        else:
            db.session.commit()
            flash(_("已合并问题。"), "success")
            return _redirect(notice, f"item-{item.id}")
    return _redirect(notice)


@bp.route("/<int:notice_id>/send", methods=["POST"])
@office_side(Role.OFFICE_ADMIN)
def send(notice_id: int):
    notice = load_notice(notice_id)
    if EmptyForm().validate_on_submit():
        _commit_or_flash(lambda: services.send_notice(notice, actor=current_user), _("已下发通知，部门即时可见。"))
    return _redirect(notice)


@bp.route("/send", methods=["POST"])
@office_side(Role.OFFICE_ADMIN)
def send_bulk():
    if EmptyForm().validate_on_submit():
        try:
            ids = {id_arg(x) for x in request.form.getlist("notice_ids")}
        except ValueError:
            ids = set()
        if not ids:
            flash(_("请勾选要下发的通知。"), "error")
            return redirect(url_for("rectification.notices", state="draft"))
        chosen = [get_scoped_or_404(Notice, i) for i in sorted(ids)]
        sent, refused = services.send_notices(chosen, actor=current_user)
        db.session.commit()
        if sent:
            flash(_("已下发 %(n)s 份通知。", n=len(sent)), "success")
        for msg in refused:
            flash(msg, "error")
    return redirect(url_for("rectification.notices"))


@bp.route("/<int:notice_id>/close", methods=["POST"])
@office_side(Role.OFFICE_ADMIN)
def close(notice_id: int):
    notice = load_notice(notice_id)
    if EmptyForm().validate_on_submit():
        _commit_or_flash(lambda: services.close_notice(notice, actor=current_user), _("通知已办结。"))
    return _redirect(notice)


# --- the department's answers -------------------------------------------------------------------------------------


ANSWER_FIELDS = ("measure", "result")


def _evidence_typed(form: EvidenceForm) -> bool:
    """Whether the person typed or chose anything in the evidence part of the answer form."""
    upload = form.file.data
    return bool((form.title.data or "").strip() or (form.url.data or "").strip() or (form.text.data or "").strip()
                or (upload is not None and getattr(upload, "filename", "")))


def _add_evidence_from(item: NoticeItem, form: EvidenceForm) -> None:
    if form.kind.data == "file":
        upload = form.file.data
        if upload is None or not getattr(upload, "filename", ""):
            raise RectificationError(_("请选择要上传的文件。"), "file")
        services.add_evidence_file(item, actor=current_user, filename=upload.filename, data=upload.read(),
                                   title=form.title.data or "")
    else:
        services.add_evidence(item, actor=current_user, kind=form.kind.data, title=form.title.data or "",
                              url=form.url.data or "", text=form.text.data or "")


def _fail_on(exc: RectificationError, answer_form: AnswerForm, evidence_form: EvidenceForm) -> None:
    """Put a refusal at the field it concerns, in whichever part of the answer form holds that field."""
    in_answer = exc.field in ANSWER_FIELDS or exc.field == "version" or exc.field is None
    _fail(exc, answer_form if in_answer else evidence_form)


@bp.route("/items/<int:item_id>/answer", methods=["POST"])
@department_side(*DEPARTMENT_STAFF)
def answer(item_id: int):
    """The answer form: measure, result and the evidence part, with one button per action.

    Every button keeps everything typed on the form: adding evidence (``action=evidence``) also saves the
    measure and result when they were changed, and saving or sending also adds the evidence filled in. A
    refusal rolls all of it back and shows the form again with what was typed.
    """
    item = load_item(item_id)
    notice = item.notice
    form = AnswerForm(prefix=f"a{item.id}")
    evidence_form = EvidenceForm(prefix=f"e{item.id}")
    action = form.action.data or "save"
    wants_evidence = action == "evidence" or _evidence_typed(evidence_form)
    # the evidence part is checked (its own token and lengths) only when it is used
    if form.validate_on_submit() and (not wants_evidence or evidence_form.validate()):
        try:
            typed = {k: (getattr(form, k).data or "") for k in ANSWER_FIELDS}
            changed = any(typed[k].strip() != (getattr(item, k) or "").strip() for k in ANSWER_FIELDS)
            if action != "evidence" or changed:
                services.save_answer(item, actor=current_user, measure=typed["measure"], result=typed["result"],
                                     version=form.version.data)
            if wants_evidence:
                _add_evidence_from(item, evidence_form)
            if action == "leader":
                services.send_to_leader(item, actor=current_user)
            elif action == "submit":
                services.submit_answer(item, actor=current_user)
        except (RectificationError, StaleDataError) as exc:
            db.session.rollback()
            _fail_on(_as_error(exc), form, evidence_form)
        else:
            db.session.commit()
            flash({"leader": _("已送领导审核。"), "submit": _("已提交公开办核查。"),
                   "evidence": _("已添加佐证材料。")}.get(action, _("已保存答复。")), "success")
            return _redirect(notice, f"item-{item.id}")
    return _page(get_scoped_or_404(Notice, notice.id),
                 {("answer", item_id): form, ("evidence", item_id): evidence_form}, 400)


@bp.route("/items/<int:item_id>/leader-return", methods=["POST"])
@department_side(Role.DEPT_ADMIN)
def leader_return(item_id: int):
    item = load_item(item_id)
    notice = item.notice
    form = CommentForm(prefix=f"l{item.id}")
    if form.validate_on_submit() and _commit_or_flash(
            lambda: services.leader_return(item, actor=current_user, comment=form.comment.data or ""),
            _("已退回填报人修改。"), form):
        return _redirect(notice, f"item-{item.id}")
    return _page(get_scoped_or_404(Notice, notice.id), {("leader", item_id): form}, 400)


@bp.route("/items/<int:item_id>/evidence", methods=["POST"])
@department_side(*DEPARTMENT_STAFF)
def add_evidence(item_id: int):
    item = load_item(item_id)
    notice = item.notice
    form = EvidenceForm(prefix=f"e{item.id}")
    if form.validate_on_submit() and _commit_or_flash(lambda: _add_evidence_from(item, form), _("已添加佐证材料。"), form):
        return _redirect(notice, f"item-{item.id}")
    return _page(get_scoped_or_404(Notice, notice.id), {("evidence", item_id): form}, 400)


@bp.route("/evidence/<int:evidence_id>/delete", methods=["POST"])
@department_side(*DEPARTMENT_STAFF)
def delete_evidence(evidence_id: int):
    ev = get_scoped_or_404(Evidence, evidence_id)
    if ev.owner_type != services.OWNER_TYPE:
        abort(404)
    item = load_item(ev.owner_id)
    if EmptyForm().validate_on_submit():
        _commit_or_flash(lambda: services.remove_evidence(ev, actor=current_user), _("已删除佐证材料。"))
    return _redirect(item.notice, f"item-{item.id}")


@bp.route("/evidence/<int:evidence_id>/file")
@roles_required(*TENANT_ROLES)
def evidence_file(evidence_id: int):
    return evidence_file_response(evidence_id)


# --- the office's check -------------------------------------------------------------------------------------------


@bp.route("/items/<int:item_id>/check", methods=["POST"])
@office_side(*OFFICE_STAFF)
def check(item_id: int):
    item = load_item(item_id)
    notice = item.notice
    form = CommentForm(prefix=f"c{item.id}")
    if form.validate_on_submit():
        accept = form.decision.data == "accept"
        if form.decision.data not in ("accept", "return"):
            _fail(RectificationError(_("请选择“销号”或“退回”。")), form)
        else:
            if _commit_or_flash(
                    lambda: services.check_item(item, actor=current_user, accept=accept,
                                                comment=form.comment.data or "", version=form.version.data),
                    lambda _result: (_("已销号，通知全部问题已销号，通知已办结。") if notice.state == NoticeState.CLOSED
                                     else (_("已销号。") if accept else _("已退回部门重新整改。"))), form):
                return _redirect(notice, f"item-{item.id}")
    return _page(get_scoped_or_404(Notice, notice.id), {("check", item_id): form}, 400)


# --- ledger -------------------------------------------------------------------------------------------------------


def _filters() -> rectification_ledger.LedgerFilters:
    def as_int(name: str) -> int | None:
        return request.args.get(name, type=id_arg)

    state = request.args.get("state", "")
    return rectification_ledger.LedgerFilters(
        department_id=as_int("department_id"), campaign_id=as_int("campaign_id"),
        indicator_code=request.args.get("indicator_code", "").strip()[:40],
        state=state if state in rectification_ledger.LEDGER_STATES else "",
    )


@bp.route("/ledger")
@office_side(*OFFICE_READERS)
def ledger():
    """The ledger page; ``?format=xlsx`` downloads the same (filtered) rows as an Excel workbook."""
    office = _office()
    filters = _filters()
    rows = rectification_ledger.ledger(office.id, filters)
    if request.args.get("format") == "xlsx":
        today = services.today_local()
        data = rectification_ledger.ledger_workbook(rows, title=_("%(office)s整改台账（%(date)s）", office=office.name,
                                                      date=today.isoformat()))
        return send_file(io.BytesIO(data), as_attachment=True, download_name=f"rectification-ledger-{today}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    departments = list(db.session.scalars(
        db.select(Department).where(Department.office_id == office.id).order_by(Department.name)))
    export_args = {k: v for k, v in request.args.items() if k != "format"}
    return render_template(
        "rectification/ledger.html", rows=rows, filters=filters, departments=departments,
        campaigns=services.office_campaigns(office.id), states=services.STATE_LABELS,
        source_labels=services.SOURCE_LABELS, export_args=export_args,
    )
