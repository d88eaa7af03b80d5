"""The scope's options: ``all_departments`` lifts only the department filter, the office wall stays;
``unscoped`` lifts both (kept for the few look-ups that must cross offices)."""
from __future__ import annotations

from sqlalchemy import select

from assess.extensions import db
from assess.models import Department, Notice, User
from assess.tenancy.scope import all_departments, set_request_scope, unscoped
from tests.test_rectification_support import make_notice


def _as(app, user, stmt):
    with app.test_request_context():
        set_request_scope(user)
        return set(db.session.scalars(stmt))


def test_all_departments_lifts_the_department_filter_and_keeps_the_office_wall(app, tenant_a, tenant_b):
    a1, a2 = make_notice(tenant_a, tenant_a.dept_a), make_notice(tenant_a, tenant_a.dept_b)
    b1 = make_notice(tenant_b, tenant_b.dept_a)
    dept_user = tenant_a.users["dept_admin"]  # bound to office A, department A
    notices = select(Notice.id)
    assert _as(app, dept_user, notices) == {a1.id}
    assert _as(app, dept_user, all_departments(notices)) == {a1.id, a2.id}
    assert _as(app, dept_user, unscoped(notices)) >= {a1.id, a2.id, b1.id}  # the contrast: the wall is gone

    # the same for the department rows and the users (the other department-bound criteria)
    assert _as(app, dept_user, all_departments(select(Department.id))) == {tenant_a.dept_a.id, tenant_a.dept_b.id}
    colleagues = _as(app, dept_user, all_departments(select(User.id)))
    assert {u.id for u in tenant_a.users.values()} == colleagues
    assert not colleagues & {u.id for u in tenant_b.users.values()}


def test_all_departments_changes_nothing_for_office_users_and_fails_closed_without_a_user(app, tenant_a, tenant_b):
    a1, a2 = make_notice(tenant_a, tenant_a.dept_a), make_notice(tenant_a, tenant_a.dept_b)
    make_notice(tenant_b, tenant_b.dept_a)
    stmt = all_departments(select(Notice.id))
    assert _as(app, tenant_a.users["office_admin"], stmt) == {a1.id, a2.id}
    assert _as(app, None, stmt) == set()  # anonymous: no office, nothing


def test_all_departments_keeps_the_office_wall_even_when_a_query_names_another_office(app, tenant_a, tenant_b):
    b1 = make_notice(tenant_b, tenant_b.dept_a)
    stmt = all_departments(select(Notice.id).where(Notice.office_id == tenant_b.office.id))
    assert _as(app, tenant_a.users["dept_admin"], stmt) == set()
    assert _as(app, tenant_a.users["office_admin"], stmt) == set()
    assert _as(app, tenant_b.users["office_admin"], stmt) == {b1.id}
