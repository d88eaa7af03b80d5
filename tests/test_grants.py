"""Who may grant which role in which scope (issue 15, privilege escalation).

The rule is one table (``assess.tenancy.roles.GRANTS``) used by the user form, the admin service and
anything else that creates or changes users. The expectations below are written out by hand, independently
of that table, and every (actor role × target role × target scope) is tried on create and on update.
"""
from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from assess.admin import services
from assess.models import Membership, Role, User

# --- the reproduction: a department administrator makes an office-wide viewer ---------------------------


def test_department_admin_cannot_create_an_office_wide_viewer(login, db, tenant_a):
    c = login(tenant_a.users["dept_admin"].username)
    resp = c.post("/admin/users", data={"username": "wide-viewer", "display_name": "全局查看",
                                        "role": "viewer", "department_id": ""})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert db.session.scalars(select(User).filter_by(username="wide-viewer")).first() is None
    assert "本部门" in html and 'value="全局查看"' in html  # a message at the field, the input kept


def test_department_admin_cannot_make_a_colleague_an_office_wide_viewer(login, db, tenant_a):
    colleague = tenant_a.users["dept_editor"]
    c = login(tenant_a.users["dept_admin"].username)
    resp = c.post(f"/admin/users/{colleague.id}", data={"role": "viewer", "department_id": ""})
    assert resp.status_code == 200 and "本部门" in resp.get_data(as_text=True)
    db.session.expire_all()
    colleague = db.session.get(User, colleague.id)
    assert colleague.role == Role.DEPT_EDITOR and colleague.department_id == tenant_a.dept_a.id


def test_department_admin_cannot_make_themselves_an_office_wide_viewer(login, db, tenant_a):
    me = tenant_a.users["dept_admin"]
    c = login(me.username)
    resp = c.post(f"/admin/users/{me.id}", data={"role": "viewer", "department_id": ""})
    assert resp.status_code == 200 and "本部门" in resp.get_data(as_text=True)
    db.session.expire_all()
    me = db.session.get(User, me.id)
    assert me.role == Role.DEPT_ADMIN and me.department_id == tenant_a.dept_a.id


def test_department_admin_may_still_add_a_viewer_of_their_department(login, db, tenant_a):
    c = login(tenant_a.users["dept_admin"].username)
    resp = c.post("/admin/users", data={"username": "dept-viewer2", "display_name": "本部门查看",
                                        "role": "viewer", "department_id": tenant_a.dept_a.id})
    assert resp.status_code == 200 and "/auth/set-password/" in resp.get_data(as_text=True)
    made = db.session.scalars(select(User).filter_by(username="dept-viewer2")).one()
    assert made.role == Role.VIEWER and made.department_id == tenant_a.dept_a.id


def test_the_form_offers_only_what_the_table_grants(login, tenant_a):
    html = login(tenant_a.users["dept_admin"].username).get("/admin/users").get_data(as_text=True)
    assert 'value="viewer"' in html and 'value="reviewer"' not in html and 'value="office_admin"' not in html
    assert f'value="{tenant_a.dept_a.id}"' in html and f'value="{tenant_a.dept_b.id}"' not in html
    assert 'value="0"' not in html  # no "—" (office-wide) choice for a department administrator
    html = login(tenant_a.users["office_admin"].username).get("/admin/users").get_data(as_text=True)
    assert 'value="reviewer"' in html and 'value="0"' in html and f'value="{tenant_a.dept_b.id}"' in html
    assert 'value="platform_admin"' not in html


# --- every combination, on create and on update -------------------------------------------------------

ACTORS = ["platform_admin", "office_admin", "reviewer", "viewer", "dept_admin", "dept_editor", "dept_viewer"]
TARGET_ROLES = list(Role)
#: own department (the actor's, department A) / another department of the office / no department (the
#: whole office) / another office (no department) / a department of another office.
SCOPES = ["own_dept", "other_dept", "office", "other_office", "other_office_dept"]

#: Written out by hand: what may be granted. Office administrators and reviewers sit at the office, so the
#: department sent with them is ignored and the user lands at the office (``OFFICE_ONLY`` below).
ALLOWED = {
    ("platform_admin", Role.OFFICE_ADMIN, "own_dept"),
    ("platform_admin", Role.OFFICE_ADMIN, "other_dept"),
    ("platform_admin", Role.OFFICE_ADMIN, "office"),
    ("platform_admin", Role.OFFICE_ADMIN, "other_office"),
    *{("office_admin", r, s) for r in (Role.OFFICE_ADMIN, Role.REVIEWER, Role.VIEWER)
      for s in ("own_dept", "other_dept", "office")},
    *{("office_admin", r, s) for r in (Role.DEPT_ADMIN, Role.DEPT_EDITOR) for s in ("own_dept", "other_dept")},
    ("dept_admin", Role.DEPT_ADMIN, "own_dept"),
    ("dept_admin", Role.DEPT_EDITOR, "own_dept"),
    ("dept_admin", Role.VIEWER, "own_dept"),
}
OFFICE_ONLY = {Role.OFFICE_ADMIN, Role.REVIEWER}


def _actor(key, tenant_a, platform_admin):
    return platform_admin if key == "platform_admin" else tenant_a.users[key]


def _where(scope, tenant_a, tenant_b):
    """(office, department) of a scope."""
    return {
        "own_dept": (tenant_a.office, tenant_a.dept_a),
        "other_dept": (tenant_a.office, tenant_a.dept_b),
        "office": (tenant_a.office, None),
        "other_office": (tenant_b.office, None),
        "other_office_dept": (tenant_a.office, tenant_b.dept_a),
    }[scope]


def _expected_place(role, scope, tenant_a, tenant_b):
    office, dept = _where(scope, tenant_a, tenant_b)
    return office.id, None if role in OFFICE_ONLY else (dept.id if dept is not None else None)


def _snapshot(db):
    users = db.session.execute(select(User.id, User.username, User.role, User.office_id, User.department_id,
                                      User.session_version).order_by(User.id)).all()
    members = db.session.execute(select(Membership.user_id, Membership.department_id, Membership.ended_at)
                                 .order_by(Membership.id)).all()
    return users, members


def _update_target(actor_key, tenant):
    """A user the actor could manage if the actor manages users at all (so the scope is what is tested)."""
    return tenant.users["office_admin" if actor_key == "platform_admin" else "dept_editor"]


@pytest.mark.parametrize("actor_key, role, scope", sorted(ALLOWED, key=str))
def test_every_grant_in_the_table_works(db, tenant_a, tenant_b, platform_admin, actor_key, role, scope):
    actor = _actor(actor_key, tenant_a, platform_admin)
    office, dept = _where(scope, tenant_a, tenant_b)
    made = services.create_user(actor=actor, username="granted", display_name="某人", role=role,
                                office=office, department=dept)
    assert (made.role, made.office_id, made.department_id) == (role, *_expected_place(role, scope, tenant_a,
                                                                                       tenant_b))
    target = _update_target(actor_key, tenant_b if scope == "other_office" else tenant_a)
    services.change_user_role(target, role, dept, actor=actor)
    db.session.flush()
    assert (target.role, target.office_id, target.department_id) == (role, *_expected_place(role, scope,
                                                                                             tenant_a, tenant_b))


def test_every_combination_on_create_and_update(db, tenant_a, tenant_b, platform_admin):
    """The product of all (actor × role × scope): refused ones leave the database as it was."""
    seen_refused = 0
    for n, (actor_key, role, scope) in enumerate(itertools.product(ACTORS, TARGET_ROLES, SCOPES)):
        actor = _actor(actor_key, tenant_a, platform_admin)
        office, dept = _where(scope, tenant_a, tenant_b)
        allowed = (actor_key, role, scope) in ALLOWED
        case = f"{actor_key} grants {role.value} at {scope}"

        before = _snapshot(db)
        with db.session.begin_nested():
            try:
                made = services.create_user(actor=actor, username=f"combo-{n}", display_name="某人", role=role,
                                            office=office, department=dept)
            except services.AdminError as exc:
                assert not allowed, f"{case} (create) refused: {exc}"
                assert exc.field in {"role", "department", "office"}, case
                seen_refused += 1
                assert _snapshot(db) == before, case
            else:
                assert allowed, f"{case} (create) was let through"
                assert (made.office_id, made.department_id) == _expected_place(role, scope, tenant_a, tenant_b)

        target = _update_target(actor_key, tenant_b if scope == "other_office" else tenant_a)
        with db.session.begin_nested() as sp:
            before = _snapshot(db)
            try:
                services.change_user_role(target, role, dept, actor=actor)
                db.session.flush()
            except services.AdminError as exc:
                assert not allowed, f"{case} (update) refused: {exc}"
                assert _snapshot(db) == before, case
            else:
                assert allowed, f"{case} (update) was let through"
                assert (target.role, target.office_id, target.department_id) == (
                    role, *_expected_place(role, scope, tenant_a, tenant_b)), case
            sp.rollback()
        db.session.expire_all()
    assert seen_refused > 150


@pytest.mark.parametrize("actor_key", ["office_admin", "dept_admin"])
def test_oneself_never_widens(db, tenant_a, actor_key):
    me = tenant_a.users[actor_key]
    before = (me.role, me.department_id)
    for role in Role:
        for dept in (None, tenant_a.dept_a, tenant_a.dept_b):
            with db.session.begin_nested() as sp:
                try:
                    services.change_user_role(me, role, dept, actor=me)
                    db.session.flush()
                except services.AdminError:
                    pass
                else:
                    if actor_key == "dept_admin":  # stays in the department, whatever the role
                        assert me.department_id == tenant_a.dept_a.id, (role, dept)
                    assert me.role != Role.PLATFORM_ADMIN
                sp.rollback()
            db.session.expire_all()
            me = db.session.get(User, me.id)
    assert (me.role, me.department_id) == before
