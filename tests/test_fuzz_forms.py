"""Fuzz every form: each POST route of the isolation registry, as a user allowed to use it, with
malformed and hostile values for the fields its page shows. Nothing may answer 5xx or show a traceback.

Bounded: a few examples per route (HYPOTHESIS_FORM_EXAMPLES, default 6), so the whole run stays short;
derandomized, so every run (and CI) draws the same examples. tests/test_fuzz_routes.py fuzzes the rendered
forms field by field, and paths and queries.
"""
from __future__ import annotations

import io
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import TEST_PASSWORD
from tests.isolation_registry import ROUTES
from tests.test_isolation import World, _url

HOSTILE = [
    "", " ", "0", "-1", "-0.5", "1e309", "NaN", "Infinity", "99999999999999999999", "3.14159265358979323846",
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "'; DROP TABLE users; --", "=1+1",
    "@SUM(A1)", "+cmd|' /C calc'!A0", "../../etc/passwd", "C:\\Windows\\win.ini", "\x00\x01\x02\x1b[31m",
    "\u202e\u200b\ufeff", "𠀀𠀁😀", "中文" * 3000, "x" * 70000, "%s%s%n", "{{7*7}}", "${7*7}", "null", "true",
    "[]", "{}", "2026-02-30", "9999-12-31", "0000-00-00",
]
VALUES = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40), st.integers(-10**12, 10**12).map(str),
                   st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str))
FIELD_RE = re.compile(r'<(input|select|textarea)\b[^>]*\bname="([^"]+)"[^>]*>', re.I)
EXAMPLES = int(os.environ.get("HYPOTHESIS_FORM_EXAMPLES", "6"))

POST_ROUTES = [r for r in ROUTES if "POST" in r.methods and r.allowed and not r.endpoint.startswith("api")]


def _fields(html: str) -> dict[str, str]:
    fields = {}
    for tag, name in FIELD_RE.findall(html):
        if name in ("csrf_token",):
            continue
        kind = "file" if re.search(rf'name="{re.escape(name)}"[^>]*type="file"|type="file"[^>]*name="{re.escape(name)}"',
                                   html) else tag
        fields[name] = kind
    return fields


@pytest.fixture()
def fuzz_world(app, db, tenant_a, platform_admin):
    world = World(tenant_a)  # objects are built lazily, only those the route needs
    users = dict(tenant_a.users)
    users["platform_admin"] = platform_admin
    clients: dict = {}

    def client_for(role: str):
        if role not in clients:
            c = app.test_client()
            resp = c.post("/auth/login", data={"username": users[role].username, "password": TEST_PASSWORD})
            assert resp.status_code == 302
            clients[role] = c
        return clients[role]

    return world, client_for


@pytest.mark.parametrize("route", POST_ROUTES, ids=lambda r: r.endpoint)
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_forms_survive_hostile_input(app, db, fuzz_world, route, data):
    world, client_for = fuzz_world
    role = next((r for r in route.allowed if r != "platform_admin"), route.allowed[0])
    url = _url(app, route, world)
    db.session.commit()
    client = client_for(role)
    fields: dict[str, str] = {}
    if "GET" in route.methods:
        page = client.get(url)
        if page.status_code < 400:
            fields = _fields(page.get_data(as_text=True))
    if not fields:
        fields = {"name": "input", "value": "input", "comment": "textarea", "reason": "textarea"}
    payload = {}
    for name, kind in fields.items():
        if kind == "file":
            blob = data.draw(st.binary(max_size=2048))
            fname = data.draw(st.sampled_from(["a.pdf", "../../x.pdf", "evil.svg", "a\x00b.png", "x" * 300 + ".docx",
                                               "报告.xlsx", ""]))
            payload[name] = (io.BytesIO(blob), fname)
        else:
            payload[name] = data.draw(VALUES)
    resp = client.post(url, data=payload, content_type="multipart/form-data", follow_redirects=False)
    body = resp.get_data(as_text=True)
    assert resp.status_code < 500, f"POST {url} → {resp.status_code}"
    assert "Traceback" not in body
