"""The landing page: each role's starting point, saying what to do next (figures: ``dashboard.py``)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from ..extensions import db
from ..models import Role
from ..tenancy.roles import DEPARTMENT_STAFF, OFFICE_READERS, TENANT_ROLES, USER_ADMINS

bp = Blueprint("core", __name__)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("core/home.html", **home_context(current_user))


def home_context(user) -> dict:
    """The figures of the user's home page (assess/core/dashboard.py), by role."""
    from ..campaigns.services import STATE_LABELS, SUBMISSION_LABELS, local_today
    from ..holidays import services as holidays
    from ..models import Office
    from ..rectification.services import deadline_notes
    from . import dashboard

    today = local_today()
    ctx: dict = {"today": today, "state_labels": STATE_LABELS, "sub_labels": SUBMISSION_LABELS}
    if user.role == Role.PLATFORM_ADMIN:
        ctx["offices"] = db.session.scalar(select(func.count()).select_from(Office).where(Office.active.is_(True)))
        ctx["calendar_missing"] = holidays.missing_years(today)  # a task: enter next year's arrangements
    elif user.department_id is not None:
        ctx["dept"] = dashboard.department_home(user, today)
        ctx["deadline_notes"] = deadline_notes
    elif user.role == Role.REVIEWER:
        ctx["reviewer"] = rows = dashboard.reviewer_home(user, today)
        ctx["contest_names"] = dashboard.submission_names([k for r in rows for k in r.contests])
    elif user.office_id is not None:
        ctx["office"] = dashboard.office_home(user.office_id, today)
        ctx["deadlines_moved"] = holidays.recent_recounts(user.office_id, days=30)
    return ctx


@bp.route("/healthz")
def health():
    """Liveness: the process answers (no dependency is touched; the load balancer's check)."""
    return {"status": "ok"}


@bp.route("/readyz")
def ready():
    """Readiness: the database, Redis (when configured) and the file store answer (``core/health.py``)."""
    from .health import readiness

    ok, results = readiness(current_app)
    resp = jsonify(status="ready" if ok else "unavailable", checks=results)
    resp.status_code = 200 if ok else 503
    resp.headers["Cache-Control"] = "no-store"
    return resp


# Each capability adds its entries here: (endpoint, label, roles, group). Data, not branches. Entries of a
# group (the office's settings: set once, visited rarely) fold under one menu so the bar stays one line.
SETTINGS = _l("设置")
NAV: list[tuple[str, object, tuple[Role, ...], object | None]] = [
    # in the order of the year's work, administration last
    ("admin.offices", _l("单位管理"), (Role.PLATFORM_ADMIN,), None),
    ("holidays.index", _l("节假日安排"), (Role.PLATFORM_ADMIN,), None),
    ("campaigns.index", _l("考核"), OFFICE_READERS, None),
    ("selfassessment.index", _l("自评"), DEPARTMENT_STAFF, None),
    ("imports.index", _l("材料导入"), DEPARTMENT_STAFF, None),
    ("review.index", _l("评审与复核"), TENANT_ROLES, None),
    ("ranking.index", _l("排名"), TENANT_ROLES, None),
    ("rectification.notices", _l("整改通知"), TENANT_ROLES, None),
    ("documents.index", _l("公文"), TENANT_ROLES, None),
    ("imports.overview", _l("年度报告"), OFFICE_READERS, None),
    ("rubrics.index", _l("考核细则"), (Role.OFFICE_ADMIN,), None),
    ("admin.departments", _l("部门"), (Role.OFFICE_ADMIN,), SETTINGS),
    ("admin.groups", _l("排名分组"), (Role.OFFICE_ADMIN,), SETTINGS),
    ("admin.users", _l("用户"), USER_ADMINS, SETTINGS),
    ("holidays.office", _l("本单位日历"), (Role.OFFICE_ADMIN,), SETTINGS),
    ("audit.index", _l("审计日志"), (Role.OFFICE_ADMIN,), SETTINGS),
]


@dataclass(frozen=True)
class NavEntry:
    """One item of the bar: a link (``endpoint``) or a folded group of links (``children``)."""

    label: object
    endpoint: str = ""
    children: tuple[tuple[str, object], ...] = ()


def navigation(role: Role) -> list[NavEntry]:
    """The bar for a role: each group where its first entry stands, folded only when it holds more than
    one link (a department administrator's one settings page stays a plain link)."""
    mine = [(endpoint, label, group) for endpoint, label, roles, group in NAV if role in roles]
    entries: list[NavEntry] = []
    placed: set[str] = set()
    for endpoint, label, group in mine:
        if group is None:
            entries.append(NavEntry(label, endpoint))
            continue
        key = str(group)
        if key in placed:
            continue
        placed.add(key)
        children = tuple((e, lbl) for e, lbl, g in mine if g is not None and str(g) == key)
        entries.append(NavEntry(group, children=children) if len(children) > 1 else NavEntry(label, endpoint))
    return entries
