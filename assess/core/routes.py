"""The landing page: each role's starting point, saying what to do next (figures: ``dashboard.py``)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
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
    return {"status": "ok"}


# Each capability adds its entries here: (endpoint, label, roles). Data, not branches.
NAV: list[tuple[str, object, tuple[Role, ...]]] = [
    # in the order of the year's work, administration last
    ("admin.offices", _l("单位管理"), (Role.PLATFORM_ADMIN,)),
    ("holidays.index", _l("节假日安排"), (Role.PLATFORM_ADMIN,)),
    ("campaigns.index", _l("考核"), OFFICE_READERS),
    ("selfassessment.index", _l("自评"), DEPARTMENT_STAFF),
    ("imports.index", _l("材料导入"), DEPARTMENT_STAFF),
    ("review.index", _l("评审与复核"), TENANT_ROLES),
    ("ranking.index", _l("排名"), TENANT_ROLES),
    ("rectification.notices", _l("整改通知"), TENANT_ROLES),
    ("documents.index", _l("公文"), TENANT_ROLES),
    ("imports.overview", _l("年度报告"), OFFICE_READERS),
    ("rubrics.index", _l("考核细则"), (Role.OFFICE_ADMIN,)),
    ("admin.departments", _l("部门"), (Role.OFFICE_ADMIN,)),
    ("admin.groups", _l("排名分组"), (Role.OFFICE_ADMIN,)),
    ("admin.users", _l("用户"), USER_ADMINS),
    ("holidays.office", _l("本单位日历"), (Role.OFFICE_ADMIN,)),
    ("audit.index", _l("审计日志"), (Role.OFFICE_ADMIN,)),
]


def navigation(role: Role) -> list[tuple[str, object]]:
    return [(endpoint, label) for endpoint, label, roles in NAV if role in roles]
