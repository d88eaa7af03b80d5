"""The audit log for office administrators: verify the hash chain, browse recent entries, export."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models import Campaign, Department, Role
from ..tenancy.permissions import roles_required
from ..web import id_arg
from . import services

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _filters() -> tuple[int | None, int | None]:
    campaign_id = request.args.get("campaign_id", type=id_arg) or None
    department_id = request.args.get("department_id", type=id_arg) or None
    # Ids of another office are simply not found (the scope applies to these lookups).
    if campaign_id and db.session.scalar(select(Campaign.id).where(Campaign.id == campaign_id)) is None:
        abort(404)
    if department_id and db.session.scalar(select(Department.id).where(Department.id == department_id)) is None:
        abort(404)
    return campaign_id, department_id


@bp.route("/")
@roles_required(Role.OFFICE_ADMIN)
def index():
    campaign_id, department_id = _filters()
    report = services.verify_chain(current_user.office_id) if request.args.get("verify") else None
    rows = services.entries(current_user.office_id, campaign_id=campaign_id, department_id=department_id,
                            limit=100, newest_first=True)
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.year.desc(), Campaign.id.desc())).all()
    departments = db.session.scalars(select(Department).order_by(Department.name)).all()
    return render_template("audit/index.html", report=report, rows=rows, campaigns=campaigns,
                           departments=departments, campaign_id=campaign_id, department_id=department_id)


@bp.route("/export.<fmt>")
@roles_required(Role.OFFICE_ADMIN)
def export(fmt: str):
    if fmt not in ("csv", "json"):
        abort(404)
    campaign_id, department_id = _filters()
    rows = services.entries(current_user.office_id, campaign_id=campaign_id, department_id=department_id)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    parts = ["audit", f"c{campaign_id}" if campaign_id else "", f"d{department_id}" if department_id else "", stamp]
    name = "-".join(p for p in parts if p) + "." + fmt
    if fmt == "csv":
        body, mimetype = services.export_csv(rows), "text/csv; charset=utf-8"
    else:
        body, mimetype = services.export_json(rows), "application/json"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
