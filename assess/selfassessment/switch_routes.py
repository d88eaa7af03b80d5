"""The page that moves a campaign to another version of its rubric: the mapping first, then the office's
confirmation (:mod:`.rubric_switch`). It keeps the campaign's address, ``/campaigns/<id>/rubric``
(endpoint ``campaigns.rubric_switch``, added by ``create_app``): the campaigns do not import the
self-assessment, which builds on them."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..models import Campaign, Role, Rubric
from ..tenancy.permissions import roles_required
from ..tenancy.scope import get_scoped_or_404
from . import rubric_switch
from .forms import RubricSwitchForm


def _int(text) -> int | None:
    return int(text) if str(text or "").isdigit() else None


@roles_required(Role.OFFICE_ADMIN)
def rubric_switch_page(campaign_id: int):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    targets = rubric_switch.switch_targets(campaign)
    form = RubricSwitchForm()
    chosen = _int(request.form.get("rubric_id") if request.method == "POST" else request.args.get("rubric_id"))
    target = None
    if chosen is not None:
        target = get_scoped_or_404(Rubric, chosen)
        if target.id not in {t.id for t in targets}:
            abort(404)
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit() or target is None:
            abort(400)
        if not form.confirm.data:
            form.confirm.errors = [_("请核对上面的对照表，勾选确认后再更换。")]
            status = 422
        else:
            try:
                m = rubric_switch.switch_rubric(campaign, target, actor=current_user,
                                                expected_version=_int(form.version.data),
                                                expected_rubric_id=_int(form.from_rubric.data))
            except rubric_switch.SwitchError as exc:
                db.session.rollback()
                form.confirm.errors = [str(exc)]
                status = 422
                campaign = get_scoped_or_404(Campaign, campaign_id)
            else:
                db.session.commit()
                flash(_("已更换为“%(n)s”第%(v)s版：保留%(k)s项指标的填报，%(c)s项需重新填报，删除%(r)s项的填报。",
                        n=target.name, v=target.version, k=len(m.kept) + len(m.rescored), c=len(m.changed),
                        r=len(m.removed)), "success")
                return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    mapping = rubric_switch.mapping(campaign, target) if target is not None else None
    return render_template("selfassessment/rubric_switch.html", campaign=campaign, targets=targets, target=target,
                           mapping=mapping, problems=rubric_switch.switch_problems(campaign), form=form), status
