"""The isolation harness: every route, as every user who must not reach the victim's data.

See tests/isolation_registry.py for how routes and objects are declared.
"""
from __future__ import annotations

import pytest

from tests.conftest import TEST_PASSWORD
from tests.isolation_registry import (DEPT_B_ROLE_KEYS, DEPT_MARKER, EXEMPT, OBJECTS, OFFICE_MARKER, ROUTES,
                                      Route)

REFUSED = {403, 404}


class World:
    """The victim tenant's objects, built lazily through OBJECTS so factories can depend on each other."""

    def __init__(self, tenant):
        self.tenant = tenant
        self._cache: dict[str, object] = {}

    def obj(self, key: str):
        if key not in self._cache:
            self._cache[key] = OBJECTS[key](self)
        return self._cache[key]


def test_every_route_is_covered(app):
    declared = {r.endpoint for r in ROUTES} | set(EXEMPT)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - declared)
    assert not missing, f"routes not covered by the isolation harness: {missing}"
    stale = sorted({r.endpoint for r in ROUTES} - endpoints)
    assert not stale, f"registry names routes that do not exist: {stale}"


def _clients(app, users):
    clients = {}
    for key, user in users.items():
        c = app.test_client()
        resp = c.post("/auth/login", data={"username": user.username, "password": TEST_PASSWORD})
        assert resp.status_code == 302, f"log-in failed for {key}"
        clients[key] = c
    return clients


@pytest.fixture()
def harness(app, db, tenant_a, tenant_b, platform_admin):
    world = World(tenant_a)
    for route in ROUTES:
        for key in route.args.values():
            world.obj(key)
    db.session.flush()
    attackers = {f"b:{k}": u for k, u in tenant_b.users.items()}
    attackers["platform_admin"] = platform_admin
    home = {f"a:{k}": u for k, u in tenant_a.users.items()}
    db.session.commit()
    return world, _clients(app, {**attackers, **home})


def _url(app, route: Route, world: World) -> str:
    values = {var: world.obj(key).id for var, key in route.args.items()}
    values.update(route.extra)
    with app.test_request_context():
        from flask import url_for

        return url_for(route.endpoint, **values)


def _call(client, method: str, url: str):
    return client.open(url, method=method, data={}, follow_redirects=False)


def test_routes_refuse_other_tenants_and_roles(app, harness):
    world, clients = harness
    failures = []
    for route in ROUTES:
        url = _url(app, route, world)
        refused = [] if "platform_admin" in route.allowed else ["platform_admin"]
        for key in clients:
            if key == "platform_admin":
                continue
            side, role = key.split(":", 1)
            role_as = role.replace("dept_b_", "dept_")  # dept B's roles are the same roles, other department
            if role_as not in route.allowed:
                refused.append(key)  # wrong role, whatever the tenant
            elif route.args and (side == "b" or (route.department_owned and role in DEPT_B_ROLE_KEYS)):
                refused.append(key)  # right role, someone else's object
        for method in route.methods:
            anon = _call(app.test_client(), method, url)
            if anon.status_code not in REFUSED | {302, 401} or (
                anon.status_code == 302 and "/auth/login" not in anon.headers.get("Location", "")
            ):
                failures.append(f"{method} {url} anonymous → {anon.status_code}")
            for key in refused:
                resp = _call(clients[key], method, url)
                if resp.status_code not in REFUSED:
                    failures.append(f"{method} {url} as {key} → {resp.status_code}")
    assert not failures, "\n".join(failures)


def test_pages_never_show_foreign_markers(app, harness):
    """Every GET page without ids, as every foreign user: office A's names and department A's secrets stay hidden."""
    world, clients = harness
    leaks = []
    pages = [r for r in ROUTES if not r.args and "GET" in r.methods] + [Route("core.home")]
    for route in pages:
        url = _url(app, route, world)
        for key, c in clients.items():
            foreign_office = key.startswith("b:") or key == "platform_admin"
            foreign_dept = key[2:] in DEPT_B_ROLE_KEYS if key.startswith("a:") else False
            if not (foreign_office or foreign_dept):
                continue
            body = c.get(url).get_data(as_text=True)
            if foreign_office and key != "platform_admin" and OFFICE_MARKER in body:
                leaks.append(f"{url} as {key} shows {OFFICE_MARKER}")
            if DEPT_MARKER in body:
                leaks.append(f"{url} as {key} shows {DEPT_MARKER}")
    assert not leaks, "\n".join(leaks)
