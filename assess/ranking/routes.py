"""Ranking pages: the ranking table, publication, analytics and exports of a campaign; the rubrics' replay.

Office users (administrator, reviewers, office viewers) see every group; a department's users see their own
row (rank, total, grade) of the published ranking and their own analytics, nothing of other departments.
"""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models import Campaign, Group, Role, Rubric, Submission, User
from ..review.access import departments_readable_by
from ..rubrics.store import engine_rubric
from ..rubrics.versions import RubricsError, families
from ..tenancy.permissions import is_office_reader, roles_required
from ..tenancy.roles import OFFICE_READERS, TENANT_ROLES
from ..tenancy.scope import get_scoped_or_404
from ..web import commit_or_flash, id_arg
from . import analytics, charts, exports, replay, services
from .forms import PublishForm, ReplayForm

bp = Blueprint("ranking", __name__, url_prefix="/ranking")

PAGE_SIZE = 100


def _is_office_user() -> bool:
    return is_office_reader(current_user)


def _office_only() -> None:
    if not _is_office_user():
        abort(403)


def _int_arg(name: str) -> int | None:
    return request.args.get(name, type=id_arg)  # ids and page numbers: beyond an id's range is no value


def _groups(campaign: Campaign) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Submission.group_id, Submission.group_name, Group.sort_order).join(Group, Group.id == Submission.group_id)
        .where(Submission.office_id == campaign.office_id, Submission.campaign_id == campaign.id).distinct()
    ).all()
    return [(g, n) for g, n, _s in sorted(rows, key=lambda r: (r[2], r[1]))]


@bp.route("/")
@roles_required(*TENANT_ROLES)
def index():
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.year.desc(), Campaign.id.desc())).all()
    if not _is_office_user():
        mine = set(db.session.scalars(select(Submission.campaign_id)))  # scoped: own department's submissions
        campaigns = [c for c in campaigns if c.id in mine]
    published = {c.id: services.latest_publication(c) for c in campaigns}
    return render_template("ranking/index.html", campaigns=campaigns, published=published)


@bp.route("/<int:campaign_id>")
@roles_required(*TENANT_ROLES)
def show(campaign_id: int):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    if not _is_office_user():
        return _department_view(campaign)
    rubric = engine_rubric(campaign.rubric)
    groups = _groups(campaign)
    group_id = _int_arg("group")
    if group_id is not None and group_id not in {g for g, _n in groups}:
        group_id = None
    live = request.args.get("live") == "1"
    pub = services.latest_publication(campaign)
    if live or pub is None:
        rows = services.live_ranking(campaign, group_id=group_id)
    else:
        rows, pub = services.current_rows(campaign, group_id=group_id)
    total_rows = len(rows)
    pages = max(1, -(-total_rows // PAGE_SIZE))
    page = min(max(_int_arg("page") or 1, 1), pages)
    counts = services.grade_counts(rows)
    labels = [b.label for b in rubric.grades]
    chart = charts.bar_chart(_("等次分布（部门数）"), labels, [counts.get(lb, 0) for lb in labels])
    publisher = db.session.get(User, pub.published_by_id) if pub and pub.published_by_id else None
    return render_template(
        "ranking/show.html", campaign=campaign, rubric=rubric, rows=rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE],
        total_rows=total_rows, page=page, pages=pages, groups=groups, group_id=group_id, live=live, pub=pub,
        publisher=publisher, history=services.publications(campaign), chart=chart, labels=labels, counts=counts,
        form=PublishForm(), can_publish=current_user.role == Role.OFFICE_ADMIN, kinds=exports.KINDS)


def _own_row(campaign: Campaign):
    pub = services.latest_publication(campaign)
    if pub is None:
        return None, None, []
    rows = services.frozen_rows(pub)
    own = next((r for r in rows if r.department_id == current_user.department_id), None)
    group = [r for r in rows if own is not None and r.group_id == own.group_id]
    return pub, own, group


def _department_view(campaign: Campaign):
    pub, own, _group = _own_row(campaign)
    rubric = engine_rubric(campaign.rubric)
    return render_template("ranking/department.html", campaign=campaign, rubric=rubric, pub=pub, row=own)


@bp.route("/<int:campaign_id>/publish", methods=["POST"])
@roles_required(Role.OFFICE_ADMIN)
def publish(campaign_id: int):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    _office_only()
    form = PublishForm()
    if not form.validate_on_submit():
        for e in form.reason.errors:
            flash(_("发布说明：%(e)s", e=e), "error")
        return redirect(url_for(".show", campaign_id=campaign.id))
    commit_or_flash(lambda: services.publish_ranking(campaign, current_user, form.reason.data or ""),
                    lambda pub: _("已发布排名（第%(n)s版）。", n=pub.version), refused=(services.RankingError,))
    return redirect(url_for(".show", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/analytics")
@roles_required(*TENANT_ROLES)
def analysis(campaign_id: int):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    rubric = engine_rubric(campaign.rubric)
    areas = [(a.code, a.title, a.points) for a in rubric.areas]
    if not _is_office_user():
        return _department_analytics(campaign, rubric, areas)
    rows, pub = services.current_rows(campaign)
    stats = analytics.group_stats(rows, rubric)
    groups = [(s.group_id, s.name) for s in stats]
    group_id = _int_arg("group")
    if group_id not in {g for g, _n in groups}:
        group_id = groups[0][0] if groups else None
    group_rows = [r for r in rows if r.group_id == group_id]
    names = {r.department_id: r.department_name for r in rows}
    dept_id = _int_arg("dept")
    focus = next((r for r in group_rows if r.department_id == dept_id), group_rows[0] if group_rows else None)
    gstat = next((s for s in stats if s.group_id == group_id), None)
    readable = departments_readable_by(current_user, campaign)  # review content: a reviewer's departments only
    ctx = _charts_common(campaign, rubric, areas, rows=group_rows, gstat=gstat, focus=focus, office=True,
                         readable=readable)
    svf = analytics.self_vs_final(campaign, departments=readable)
    for d in svf:
        d["name"] = names.get(d["department_id"], "")
    dist_charts = [charts.grouped_bars(_("%(g)s：总分分布", g=s.name), [b for b, _n in s.buckets],
                                       [(_("部门数"), [Decimal(n) for _b, n in s.buckets])]) for s in stats]
    return render_template(
        "ranking/analytics.html", campaign=campaign, pub=pub, office=True, stats=stats, groups=groups,
        group_id=group_id, group_rows=group_rows, focus=focus, gstat=gstat, areas=areas, dist_charts=dist_charts, svf=svf,
        svf_chart=charts.bar_chart(_("自评分高出终评分最多的部门"), [d["name"] for d in svf[:12]],
                                   [d["gap"] for d in svf[:12]], unit=_("分")),
        consistency=analytics.reviewer_consistency(campaign), **ctx)


def _charts_common(campaign, rubric, areas, *, rows, gstat, focus, office: bool, readable=None) -> dict:
    """The charts both views share. ``readable``: the departments whose review content (per-indicator
    scores, problems) the reader may read (``review.access.departments_readable_by``); None: all."""
    profile = None
    if focus is not None and gstat is not None:
        profile = charts.grouped_bars(
            _("%(d)s：各领域得分与组内平均", d=focus.department_name), [t for _c, t, _p in areas],
            [(focus.department_name, [focus.areas.get(c, Decimal(0)) for c, _t, _p in areas]),
             (_("组内平均"), [gstat.area_average.get(c, Decimal(0)) for c, _t, _p in areas])])
    heat_rows = [r for r in rows if readable is None or r.department_id in readable][: analytics.HEATMAP_ROWS]
    codes, grid = analytics.heatmap_data(campaign, heat_rows, office_wide=office)
    heat = charts.heatmap(_("部门×指标得分率"), [r.department_name for r in heat_rows], codes, grid)
    deductions = analytics.deductions(campaign, department_id=None if office else focus.department_id,
                                      departments=readable)
    problems = analytics.problems(campaign, department_id=None if office else focus.department_id,
                                  departments=readable)
    change = analytics.year_change(campaign, rows if office else [focus])
    return {"profile": profile, "heat": heat, "heat_rows": heat_rows, "codes": codes, "grid": grid,
            "deductions": deductions, "problems": problems, "change": change,
            "ded_chart": charts.bar_chart(_("扣分最多的指标（涉及部门数）"), [f"{d['code']} {d['title']}" for d in deductions[:10]],
                                          [d["departments"] for d in deductions[:10]])}


def _department_analytics(campaign, rubric, areas):
    pub, own, group = _own_row(campaign)
    if own is None:
        return render_template("ranking/analytics.html", campaign=campaign, pub=pub, office=False, focus=None,
                               areas=areas)
    gstat = analytics.group_stats(group, rubric)[0]
    ctx = _charts_common(campaign, rubric, areas, rows=[own], gstat=gstat, focus=own, office=False)
    svf = analytics.self_vs_final(campaign, department_id=own.department_id)
    return render_template("ranking/analytics.html", campaign=campaign, pub=pub, office=False, focus=own,
                           gstat=gstat, areas=areas, svf=svf, **ctx)


@bp.route("/<int:campaign_id>/export/<kind>.<fmt>")
@roles_required(*OFFICE_READERS)
def export(campaign_id: int, kind: str, fmt: str):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    _office_only()
    return exports.download(campaign, kind, fmt, reader=current_user, group_id=_int_arg("group"))

@roles_required(Role.OFFICE_ADMIN)
def replay_page():
    """The rubrics' 往期重算 page: a past campaign ranked again with another rubric version. It lives with
    the ranking (it is one, :mod:`.replay`), and is reached from the rubric pages at /rubrics/replay
    (endpoint ``rubrics.replay``, which ``create_app`` adds), so the rubrics never import the ranking."""
    office_id = current_user.office_id
    form = ReplayForm(request.args)
    campaigns = replay.replayable_campaigns(office_id)
    form.campaign_id.choices = [(c.id, f"{c.name}（{c.year}年）") for c in campaigns]
    versions = [v.row for fam in families(office_id) for v in fam.versions]
    form.rubric_id.choices = [(r.id, f"{r.name} 第{r.version}版{'（已冻结）' if r.frozen else ''}") for r in versions]
    result = None
    if request.args.get("campaign_id") and request.args.get("rubric_id") and form.validate():
        campaign = get_scoped_or_404(Campaign, form.campaign_id.data)
        candidate = get_scoped_or_404(Rubric, form.rubric_id.data)
        try:
            result = replay.replay(campaign, candidate, missing=form.missing.data)
        except RubricsError as exc:
            form.rubric_id.errors = [str(exc)]
    return render_template("rubrics/replay.html", form=form, result=result, has_campaigns=bool(campaigns))
