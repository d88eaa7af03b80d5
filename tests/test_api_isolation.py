"""The isolation harness for the JSON API: every /api/v1 endpoint, with tokens of users who must not reach it.

Same rules as tests/test_isolation.py (see tests/isolation_registry.py), with bearer tokens instead of
log-in sessions: no token → 401; another office's users, the platform administrator, roles not allowed and
department B's users (for department A's objects) → 401/403/404; list endpoints never show the markers.
Write endpoints get a plausible body (API_BODIES) so that a refusal is about who asks, not what is sent.
"""
from __future__ import annotations

import io
import json

import pytest

from tests.api_helpers import token_for
from tests.isolation_registry import (API_ROUTES, DEPT_B_ROLE_KEYS, DEPT_MARKER, OBJECTS, OFFICE_MARKER,
                                      Route)
from tests.test_isolation import World

REFUSED = {401, 403, 404}

# endpoint → request keyword arguments for the test client (json=… or data=…)
API_BODIES: dict[str, callable] = {
    "api_v1.import_departments": lambda: {
        "data": {"file": (io.BytesIO("部门名称,分组\n入侵局,BBB县直部门\n".encode()), "x.csv")},
        "content_type": "multipart/form-data"},
    "api_v1.create_campaign": lambda: {"json": {"name": "入侵考核", "year": 2026, "rubric_id": 1}},
    "api_v1.transition_campaign": lambda: {"json": {"target": "review"}},
    "api_v1.send_reminders": lambda: {"json": {"submission_ids": [1]}},
    "api_v1.create_assignment": lambda: {"json": {"department_id": 1, "reviewer_id": 1}},
    "api_v1.put_answer": lambda: {"json": {"inputs": {"has_group": "false"}, "explanation": "入侵"}},
    "api_v1.add_link": lambda: {"json": {"url": "https://example.org/x", "title": "入侵"}},
    "api_v1.add_file": lambda: {"data": {"file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "x.pdf")},
                                "content_type": "multipart/form-data"},
    "api_v1.leader_return": lambda: {"json": {"comment": "入侵"}},
    "api_v1.office_return": lambda: {"json": {"comment": "入侵"}},
    "api_v1.put_score": lambda: {"json": {"score": "0", "problem": "入侵"}},
    "api_v1.lead_decision": lambda: {"json": {"score": "0", "problem": "入侵", "reason": "入侵"}},
    "api_v1.publish": lambda: {"json": {"reason": "入侵"}},
    "api_v1.answer_item": lambda: {"json": {"measure": "入侵", "action": "save"}},
    "api_v1.return_item": lambda: {"json": {"comment": "入侵"}},
    "api_v1.check_item": lambda: {"json": {"decision": "accept"}},
    "api_v1.add_item_evidence": lambda: {"json": {"kind": "link", "title": "入侵", "url": "https://example.org/x"}},
    "api_v1.add_item_file": lambda: {"data": {"file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "x.pdf")},
                                     "content_type": "multipart/form-data"},
}


def test_every_api_endpoint_is_registered(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("api_v1.")}
    declared = {r.endpoint for r in API_ROUTES} | {"api_v1.openapi", "api_v1.docs"}
    assert endpoints == declared, (sorted(endpoints - declared), sorted(declared - endpoints))


@pytest.fixture()
def api_harness(app, db, tenant_a, tenant_b, platform_admin):
    world = World(tenant_a)
    for route in API_ROUTES:
        for key in route.args.values():
            world.obj(key)
    tokens = {f"b:{k}": token_for(u, "iso") for k, u in tenant_b.users.items()}
    tokens["platform_admin"] = token_for(platform_admin, "iso")
    tokens.update({f"a:{k}": token_for(u, "iso") for k, u in tenant_a.users.items()})
    # tokens of office A's administrator that must no longer work anywhere
    from datetime import timedelta

    from assess.api.services import create_token, revoke_token
    from assess.models.base import utcnow

    admin = tenant_a.users["office_admin"]
    revoked, raw = create_token(admin, "revoked", days=30)
    revoke_token(admin, revoked.id)
    tokens["dead:revoked"] = raw
    expired, raw = create_token(admin, "expired", days=1, now=utcnow() - timedelta(days=2))
    tokens["dead:expired"] = raw
    db.session.commit()
    return world, tokens


def _url(app, route: Route, world: World) -> str:
    values = {var: world.obj(key).id for var, key in route.args.items()}
    values.update(route.extra)
    with app.test_request_context():
        from flask import url_for

        return url_for(route.endpoint, **values)


def _call(client, method: str, url: str, token: str | None, endpoint: str):
    headers = {"If-Match": "*"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    kwargs = API_BODIES[endpoint]() if method != "GET" and endpoint in API_BODIES else {}
    if method != "GET" and not kwargs:
        kwargs = {"json": {}}
    return client.open(url, method=method, headers=headers, **kwargs)


def test_api_refuses_other_tenants_and_roles(app, client, api_harness):
    world, tokens = api_harness
    failures = []
    for route in API_ROUTES:
        url = _url(app, route, world)
        refused = [] if "platform_admin" in route.allowed else ["platform_admin"]
        for key in tokens:
            if key == "platform_admin":
                continue
            if key.startswith("dead:"):
                refused.append(key)  # revoked or expired: 401 whatever the route
                continue
            side, role = key.split(":", 1)
            role_as = role.replace("dept_b_", "dept_")
            if role_as not in route.allowed:
                refused.append(key)
            elif route.args and (side == "b" or (route.department_owned and role in DEPT_B_ROLE_KEYS)):
                refused.append(key)
        for method in route.methods:
            anon = _call(client, method, url, None, route.endpoint)
            if anon.status_code != 401:
                failures.append(f"{method} {url} without token → {anon.status_code}")
            for key in refused:
                resp = _call(client, method, url, tokens[key], route.endpoint)
                if key.startswith("dead:") and resp.status_code != 401:
                    failures.append(f"{method} {url} with a {key[5:]} token → {resp.status_code}")
                elif resp.status_code not in REFUSED:
                    failures.append(f"{method} {url} as {key} → {resp.status_code} {resp.get_data(as_text=True)[:200]}")
                elif not resp.is_json or "error" not in resp.json:
                    failures.append(f"{method} {url} as {key} → non-JSON error")
    assert not failures, "\n".join(failures)


def test_api_lists_never_show_foreign_markers(app, client, api_harness):
    world, tokens = api_harness
    leaks = []
    for route in [r for r in API_ROUTES if not r.args and "GET" in r.methods]:
        url = _url(app, route, world) + "?per_page=100"
        for key, token in tokens.items():
            if key.startswith("dead:"):
                continue
            foreign_office = key.startswith("b:") or key == "platform_admin"
            foreign_dept = key.startswith("a:") and key[2:] in DEPT_B_ROLE_KEYS
            if not (foreign_office or foreign_dept):
                continue
            body = json.dumps(_call(client, "GET", url, token, route.endpoint).json, ensure_ascii=False)
            if foreign_office and key != "platform_admin" and OFFICE_MARKER in body:
                leaks.append(f"{url} as {key} shows {OFFICE_MARKER}")
            if DEPT_MARKER in body:
                leaks.append(f"{url} as {key} shows {DEPT_MARKER}")
    assert not leaks, "\n".join(leaks)


def test_objects_used_by_the_api_exist():
    for route in API_ROUTES:
        for key in route.args.values():
            assert key in OBJECTS, key
