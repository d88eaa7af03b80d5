"""Pages of the holiday calendar: the installation's table (platform administrator) and an office's own
days (office). Thin views: load → check → service → commit once → redirect."""
from __future__ import annotations

import base64
import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..clock import local_today
from ..extensions import db
from ..models import AuditEntry, Office, OfficeDay, Role
from ..tenancy.permissions import office_side, roles_required
from ..tenancy.roles import OFFICE_READERS
from ..tenancy.scope import get_scoped_or_404
from ..web import previewed_upload
from . import services, workdays
from .forms import EmptyForm, OfficeDayForm, YearConfirmForm, YearUploadForm
from .services import HolidayError

bp = Blueprint("holidays", __name__, url_prefix="/calendar")

MOVED_SHOWN = 30  # moved deadlines listed one by one in the messages; the rest are counted


def _per_office(moved: list[services.MovedDeadline]) -> list[tuple[str, int]]:
    """Moved deadlines counted per office, for the platform administrator, who sees no office's notices."""
    counts: dict[int, int] = {}
    for m in moved:
        counts[m.office_id] = counts.get(m.office_id, 0) + 1
    names = dict(db.session.execute(select(Office.id, Office.name).where(Office.id.in_(counts))).all()) if counts else {}
    return sorted(((names.get(k, str(k)), n) for k, n in counts.items()), key=lambda r: r[0])


def _flash_moved_per_office(moved: list[services.MovedDeadline]) -> None:
    if not moved:
        flash(_("没有需要调整的未到期整改期限。"), "info")
        return
    flash(_("已按新的日历重新计算 %(n)s 个未到期的整改期限（已记入各单位审计日志，各单位在“本单位日历”中可见）：",
            n=len(moved)), "warning")
    for name, n in _per_office(moved):
        flash(_("%(office)s：%(n)s 个", office=name, n=n), "warning")


def _flash_moved(moved: list[services.MovedDeadline]) -> None:
    if not moved:
        flash(_("没有需要调整的未到期整改期限。"), "info")
        return
    flash(_("已按新的日历重新计算 %(n)s 个未到期的整改期限（已记入审计日志）：", n=len(moved)), "warning")
    for m in moved[:MOVED_SHOWN]:
        flash(_("%(what)s：%(old)s → %(new)s", what=m.what, old=m.old.isoformat(), new=m.new.isoformat()), "warning")
    if len(moved) > MOVED_SHOWN:
        flash(_("另有 %(n)s 个期限已调整，详见各单位审计日志。", n=len(moved) - MOVED_SHOWN), "warning")


# --- the installation's table (platform administrator) ------------------------------------------------------


@bp.route("/")
@roles_required(Role.PLATFORM_ADMIN)
def index():
    today = local_today()
    return render_template("holidays/index.html", years=services.years_overview(today),
                           missing=services.missing_years(today), labels=_source_labels())


def _source_labels() -> dict[str, str]:
    return {workdays.SOURCE_TABLE: _("已录入"), workdays.SOURCE_PACKAGE: _("内置日历数据"),
            workdays.SOURCE_WEEKDAYS: _("尚未录入（按周一至周五计算）")}


@bp.route("/<int:year>")
@roles_required(Role.PLATFORM_ADMIN)
def year(year: int):
    if not 1990 <= year <= 2100:
        abort(404)
    return render_template("holidays/year.html", view=services.year_view(year), labels=_source_labels(),
                           kind_label=services.kind_label, weekday=services.weekday_label,
                           note=workdays.missing_year_note(year))


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.PLATFORM_ADMIN)
def import_year():
    """Upload → preview table (every problem with its line and field) → confirm."""
    form = YearUploadForm()
    preview = confirm = current = None
    moves: list[services.MovedDeadline] = []
    status = 200
    if form.validate_on_submit():
        data = form.file.data.read(services.MAX_FILE_BYTES + 1)
        filename = form.file.data.filename or "upload.csv"
        preview = services.parse_year(data, filename, notice_title=form.notice_title.data or "",
                                      notice_number=form.notice_number.data or "")
        if preview.ok:
            entered = services.holiday_year(preview.year)
            current = services.year_view(preview.year)
            moves = services.preview_moves(preview, today=local_today())
            confirm = YearConfirmForm(formdata=None, filename=filename, payload=base64.b64encode(data).decode(),
                                      notice_title=preview.notice_title, notice_number=preview.notice_number,
                                      version=str(entered.version_id) if entered else "0")
        else:
            status = 400
    elif request.method == "POST":
        status = 400
    return render_template("holidays/import.html", form=form, preview=preview, confirm=confirm, current=current,
                           moves=_per_office(moves),
                           labels=_source_labels(), kind_label=services.kind_label,
                           weekday=services.weekday_label), status


@bp.route("/import/confirm", methods=["POST"])
@roles_required(Role.PLATFORM_ADMIN)
def confirm_import():
    form = YearConfirmForm()
    data = previewed_upload(form)
    parsed = services.parse_year(data, form.filename.data or "upload.csv", notice_title=form.notice_title.data or "",
                                 notice_number=form.notice_number.data or "")
    try:
        change = services.save_year(parsed, actor=current_user, today=local_today(), version=form.version.data)
    except (HolidayError, IntegrityError, StaleDataError) as exc:  # the same year saved at the same moment
        db.session.rollback()
        flash(str(exc) if isinstance(exc, HolidayError) else
              _("%(y)s年的节假日安排已被他人修改，请重新上传并核对。", y=parsed.year), "error")
        return redirect(url_for("holidays.import_year"))
    db.session.commit()
    flash(_("已录入%(y)s年节假日安排（%(off)s 天放假，%(work)s 天调休上班）。", y=change.year, off=parsed.days_off,
            work=parsed.days_worked), "success")
    _flash_moved_per_office(change.moved)
    return redirect(url_for("holidays.year", year=change.year))


# --- an office's own days ---------------------------------------------------------------------------------


def _office_page(form: OfficeDayForm, status: int = 200):
    today = local_today()
    office_id = current_user.office_id
    recounts = list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.office_id == office_id,
                                 AuditEntry.action == services.RECOUNT_ACTION)
        .order_by(AuditEntry.seq.desc()).limit(20)))
    moved = []
    for e in recounts:
        try:
            moved.append((e, json.loads(e.old).get("deadline"), json.loads(e.new).get("deadline")))
        except (ValueError, AttributeError):
            continue
    years = sorted({today.year, today.year + 1} | {d.day.year for d in services.office_days(office_id)})
    return render_template(
        "holidays/office.html", form=form, empty=EmptyForm(), days=services.office_days(office_id),
        years=[services.year_view(y) for y in years], labels=_source_labels(), kind_label=services.kind_label,
        weekday=services.weekday_label, can_edit=current_user.role == Role.OFFICE_ADMIN, moved=moved,
        note=workdays.missing_year_note), status


@bp.route("/office")
@office_side(*OFFICE_READERS)
def office():
    """The office's own days (local holidays, closures, days worked), shown apart from the official table."""
    return _office_page(OfficeDayForm(formdata=None))


@bp.route("/office/days", methods=["POST"])
@office_side(Role.OFFICE_ADMIN)
def add_office_day():
    form = OfficeDayForm()
    if form.validate_on_submit():
        try:
            row, moved = services.add_office_day(current_user.office_id, day=form.day.data, kind=form.kind.data,
                                                 name=form.name.data, actor=current_user, today=local_today())
        except HolidayError as exc:
            db.session.rollback()
            getattr(form, exc.field or "day").errors.append(str(exc))
        except IntegrityError:  # the same day added by someone else at the same moment
            db.session.rollback()
            form.day.errors.append(_("%(d)s 已列入本单位日历。", d=form.day.data.isoformat()))
        else:
            db.session.commit()
            flash(_("已添加本单位日历：%(d)s %(n)s。", d=row.day.isoformat(), n=row.name), "success")
            _flash_moved(moved)
            return redirect(url_for("holidays.office"))
    return _office_page(form, 400)


@bp.route("/office/days/<int:day_id>/delete", methods=["POST"])
@office_side(Role.OFFICE_ADMIN)
def delete_office_day(day_id: int):
    row = get_scoped_or_404(OfficeDay, day_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    moved = services.remove_office_day(row, actor=current_user, today=local_today())
    db.session.commit()
    flash(_("已删除本单位日历中的一天。"), "success")
    _flash_moved(moved)
    return redirect(url_for("holidays.office"))

