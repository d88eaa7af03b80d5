"""Review aids' pages: the flags on the review sheet (a panel), dismissing one, the campaign-wide list with the
office's switches and the button that runs the checks.

Who: the office administrator sees and acts on every department, a reviewer the departments assigned to them
(the review's own rule, ``review.access``); office viewers read the list; departments never see flags.
"""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..models import FLAG_KINDS, Campaign, ReviewFlag, Role, Submission
from ..review.access import departments_readable_by
from ..review.services import may_review
from ..tenancy.permissions import office_side
from ..tenancy.roles import OFFICE_READERS, OFFICE_STAFF
from ..tenancy.scope import get_scoped_or_404
from ..web import commit_or_flash, show_error
from . import services
from .forms import DismissForm, RunForm, SettingsForm
from .services import AidsError

bp = Blueprint("reviewaids", __name__, url_prefix="/review-aids")


def sheet_panel(sub: Submission, code: str) -> str:
    """The flags of ``sub`` on indicator ``code`` for the review sheet (HTML; "" when there are none)."""
    flags = [v for v in services.flags_for(sub, code) if v.flag.evidence_id is None]  # evidence: by the item
    if not flags:
        return ""
    return render_template("reviewaids/_panel.html", flags=flags, form=DismissForm(formdata=None),
                           may_dismiss=may_review(current_user, sub))


def evidence_marks(sub: Submission, code: str) -> dict[int, str]:
    """The evidence flags of ``sub`` on indicator ``code``, as HTML beside each evidence item of the sheet."""
    by_item: dict[int, list] = {}
    for v in services.flags_for(sub, code):
        if v.flag.evidence_id is not None:
            by_item.setdefault(v.flag.evidence_id, []).append(v)
    if not by_item:
        return {}
    form, may = DismissForm(formdata=None), may_review(current_user, sub)
    return {ev_id: render_template("reviewaids/_evidence_mark.html", flags=flags, form=form, may_dismiss=may)
            for ev_id, flags in by_item.items()}


def _back(flag: ReviewFlag, where: str):
    if where == "list":
        return redirect(url_for("reviewaids.campaign", campaign_id=flag.campaign_id) + f"#flag-{flag.id}")
    return redirect(url_for("review.sheet", submission_id=flag.submission_id, code=flag.indicator_code))


@bp.route("/flags/<int:flag_id>/dismiss", methods=["GET", "POST"])
@office_side(*OFFICE_STAFF)
def dismiss(flag_id: int):
    flag = get_scoped_or_404(ReviewFlag, flag_id)
    sub = get_scoped_or_404(Submission, flag.submission_id)
    if not may_review(current_user, sub):
        abort(403)
    form = DismissForm()
    if request.method == "GET":
        form.back.data = request.args.get("back", "sheet")
    back = form.back.data if form.back.data in ("sheet", "list") else "sheet"
    if form.validate_on_submit():
        if commit_or_flash(lambda: services.dismiss(flag, form.reason.data, actor=current_user), _("已忽略该提示。"),
                           refused=(AidsError,), form=form):
            return _back(flag, back)
    elif request.method == "POST":
        show_error(AidsError(_("请检查输入。"), "reason"), form)
    status = 400 if request.method == "POST" else 200
    return render_template("reviewaids/dismiss.html", v=services.view(flag), sub=sub, form=form), status


def _settings_form(campaign: Campaign, formdata=None) -> SettingsForm:
    settings = services.settings_for(campaign)
    form = SettingsForm(formdata=formdata)
    if formdata is None:
        on = services.enabled_kinds(settings)
        for kind in FLAG_KINDS:
            getattr(form, kind).data = kind in on
        form.jump_ratio.data, form.jump_z.data = str(settings.jump_ratio), str(settings.jump_z)
        form.text_similarity.data = str(settings.text_similarity)
    return form


def _render_campaign(campaign: Campaign, settings_form: SettingsForm | None = None, status: int = 200):
    readable = departments_readable_by(current_user, campaign)
    show_dismissed = request.args.get("dismissed") == "1"
    rows = services.campaign_flags(campaign, readable, include_dismissed=show_dismissed)
    is_admin = current_user.role == Role.OFFICE_ADMIN
    return render_template("reviewaids/campaign.html", campaign=campaign, rows=rows, is_admin=is_admin,
                           settings_form=settings_form or _settings_form(campaign), run_form=RunForm(),
                           show_dismissed=show_dismissed, kind_labels=services.KIND_LABELS), status


@bp.route("/campaigns/<int:campaign_id>")
@office_side(*OFFICE_READERS)
def campaign(campaign_id: int):
    return _render_campaign(get_scoped_or_404(Campaign, campaign_id))


@bp.route("/campaigns/<int:campaign_id>/run", methods=["POST"])
@office_side(Role.OFFICE_ADMIN)
def run(campaign_id: int):
    c = get_scoped_or_404(Campaign, campaign_id)
    if RunForm().validate_on_submit():
        # Two runs of the same campaign at once: the second one's new flags collide with the first one's.
        commit_or_flash(lambda: services.run_checks(c, actor=current_user),
                        lambda counts: _("检查完成：%(n)s 条提示。", n=sum(counts.values())),
                        refused=(AidsError, IntegrityError),
                        explain=lambda exc: exc if isinstance(exc, AidsError) else AidsError(
                            _("另一次检查正在进行，请稍后再试。")))
    return redirect(url_for("reviewaids.campaign", campaign_id=c.id))


@bp.route("/campaigns/<int:campaign_id>/settings", methods=["POST"])
@office_side(Role.OFFICE_ADMIN)
def settings(campaign_id: int):
    c = get_scoped_or_404(Campaign, campaign_id)
    form = _settings_form(c, request.form)
    if form.validate_on_submit():
        enabled = [k for k in FLAG_KINDS if getattr(form, k).data]
        if commit_or_flash(lambda: services.update_settings(c, enabled=enabled, jump_ratio=form.jump_ratio.data,
                                                            jump_z=form.jump_z.data,
                                                            text_similarity=form.text_similarity.data,
                                                            actor=current_user),
                           _("设置已保存。"), refused=(AidsError,), form=form):
            return redirect(url_for("reviewaids.campaign", campaign_id=c.id))
    return _render_campaign(c, form, 400)
