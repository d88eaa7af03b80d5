"""Campaign pages: list, create, detail with live progress, state transitions, dates."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..admin.services import office_departments, office_groups
from ..extensions import db
from ..models import Campaign, Office, Role, Rubric, SubmissionState
from ..tenancy.permissions import is_office_reader, roles_required
from ..tenancy.roles import OFFICE_READERS, TENANT_ROLES
from ..tenancy.scope import get_scoped_or_404
from ..web import commit_or_flash, id_list, show_error
from . import services
from .forms import CampaignForm, DatesForm, TransitionForm

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")



def _office() -> Office:
    office = db.session.get(Office, current_user.office_id) if current_user.office_id else None
    if office is None:
        abort(403)
    return office


def _office_reader() -> None:
    """Office staff (and office-bound viewers) only; department-bound viewers are refused."""
    if not is_office_reader(current_user):
        abort(403)


_fail = show_error  # a refusal at its field, or flashed


@bp.route("/")
@roles_required(*TENANT_ROLES)
def index():
    if current_user.department_id is not None:
        return redirect(url_for("selfassessment.index"))
    return render_template("campaigns/list.html", campaigns=services.office_campaigns(current_user.office_id),
                           labels=services.STATE_LABELS)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.OFFICE_ADMIN)
def create():
    office = _office()
    form = CampaignForm()
    rubrics = services.office_rubrics(office.id)
    form.rubric_id.choices = [(0, _("请选择考核细则版本"))] + [
        (r.id, _("%(name)s（%(y)s年度，第%(v)s版%(frozen)s）", name=r.name, y=r.year, v=r.version,
                 frozen=_("，已用于考核") if r.frozen else "")) for r in rubrics]
    form.group_ids.choices = [(g.id, g.name) for g in office_groups(office.id)]
    form.department_ids.choices = [(d.id, d.name) for d in office_departments(office.id) if d.active]
    if request.method == "GET" and not form.year.data:
        form.year.data = services.local_today().year
    if form.validate_on_submit():
        rubric = get_scoped_or_404(Rubric, form.rubric_id.data)
        created = commit_or_flash(
            lambda: services.create_campaign(
                office, name=form.name.data, year=form.year.data, rubric=rubric, actor=current_user,
                group_ids=form.group_ids.data or [], department_ids=form.department_ids.data or [],
                allow_other_year=bool(form.other_year.data),
                **{k: getattr(form, k).data for k in services.DATE_FIELDS}),
            lambda campaign: _("已创建考核“%(n)s”。", n=campaign.name), refused=(services.CampaignError,),
            show=lambda exc: _fail(exc, form))
        if created:
            return redirect(url_for("campaigns.detail", campaign_id=created.result.id))
    year = form.year.data if isinstance(form.year.data, int) else None
    same_year = [r for r in rubrics if r.year == year]
    return render_template("campaigns/new.html", form=form, has_rubrics=bool(rubrics), year=year,
                           same_year=same_year, other_years=sorted({r.year for r in rubrics if r.year != year}),
                           latest=max(rubrics, key=lambda r: (r.year, r.version)) if rubrics else None)


@bp.route("/<int:campaign_id>")
@roles_required(*OFFICE_READERS)
def detail(campaign_id: int):
    _office_reader()
    return _render_detail(get_scoped_or_404(Campaign, campaign_id))


def _render_detail(campaign: Campaign, form: TransitionForm | None = None, status: int = 200):
    """The campaign page; ``form`` is a refused stage step, shown again with what was typed and its error."""
    state = request.args.get("state")
    try:
        state_filter = SubmissionState(state) if state else None
    except ValueError:
        state_filter = None
    rows, counts = services.progress(campaign, state=state_filter)
    transitions = [(t, services.transition_problems(campaign, t.target), services.transition_warnings(campaign, t.target))
                   for t in services.next_transitions(campaign)]
    dates_form = DatesForm(obj=campaign, version=campaign.version_id)
    outside = services.departments_outside(campaign) if current_user.role == Role.OFFICE_ADMIN else []
    return render_template("campaigns/detail.html", campaign=campaign, rows=rows, counts=counts,
                           transitions=transitions, labels=services.STATE_LABELS, sub_labels=services.SUBMISSION_LABELS,
                           form=form or TransitionForm(formdata=None), dates_form=dates_form, state_filter=state_filter,
                           date_fields=services.DATE_FIELDS, outside=outside), status


@bp.route("/<int:campaign_id>/transition", methods=["POST"])
@roles_required(Role.OFFICE_ADMIN)
def transition(campaign_id: int):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        flash(_("请求有误，请重试。"), "error")
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    try:
        services.transition(campaign, form.target.data, actor=current_user, reason=form.reason.data or "",
                            confirmed=bool(form.confirm.data))
    except services.CampaignError as exc:
        db.session.rollback()
        flash(_("不能转入下一阶段：%(r)s", r=str(exc)), "error")
        if exc.field == "confirm":  # shown again with the reason typed and the message at the checkbox
            form.confirm.errors = [_("请勾选确认后再操作。")]
            return _render_detail(campaign, form, 422)
    else:
        db.session.commit()
        flash(_("考核已进入“%(s)s”阶段。", s=services.STATE_LABELS[campaign.state]), "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/dates", methods=["POST"])
@roles_required(Role.OFFICE_ADMIN)
def dates(campaign_id: int):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    form = DatesForm()
    if not form.validate_on_submit():
        for f in services.DATE_FIELDS:
            for e in getattr(form, f).errors:
                flash(f"{getattr(form, f).label.text}：{e}", "error")
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))

    def labelled(exc: services.CampaignError) -> str:
        """The refusal after the label of the date it concerns: flashed, the page comes back by a redirect."""
        field = getattr(form, exc.field, None) if exc.field else None
        return (field.label.text + "：" if field is not None else "") + str(exc)

    version = int(form.version.data) if (form.version.data or "").isdigit() else None
    commit_or_flash(lambda: services.update_dates(campaign, actor=current_user, expected_version=version,
                                                  **{k: getattr(form, k).data for k in services.DATE_FIELDS}),
                    _("已保存日期。"), refused=(services.CampaignError,), explain=labelled)
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/departments", methods=["POST"])
@roles_required(Role.OFFICE_ADMIN)
def join(campaign_id: int):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    ids = id_list(request.form.getlist("department_ids"))
    commit_or_flash(lambda: services.join_departments(campaign, ids, actor=current_user),
                    lambda n: _("已增加%(n)s个部门。", n=n), refused=(services.CampaignError,))
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
