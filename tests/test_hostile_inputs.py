"""Inputs that once answered 500 (issue 15): a CR/LF in the log-in page's ``?next=``, ids beyond the
database's range in every ``<int:…>`` of every route, and typed numbers such as ``1e999999999``.
tests/test_fuzz_routes.py sweeps every route with such values; these are the focused regressions."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from assess.models import IndicatorResult
from assess.review import services as rs
from assess.web import MAX_ID
from tests.conftest import TEST_PASSWORD
from tests.review_factories import make_campaign, make_submission

# --------------------------------------------------------------------------- ?next= on the log-in page


@pytest.mark.parametrize("target", ["/\r\nSet-Cookie: x=1", "/ranking/\r\n", "/a\x00b", "/\u202egpj.exe",
                                    "/\\evil.example", "//evil.example/", "https://evil.example/", "/" + "a" * 5000])
def test_login_next_that_no_header_can_carry_goes_home(client, tenant_a, target):
    resp = client.post("/auth/login", query_string={"next": target},
                       data={"username": tenant_a.users["viewer"].username, "password": TEST_PASSWORD})
    assert resp.status_code == 302
    assert resp.headers["Location"] in ("/", "http://assess.test/")


def test_login_next_to_a_page_of_this_site_is_kept(client, tenant_a):
    resp = client.post("/auth/login", query_string={"next": "/ranking/?x=1"},
                       data={"username": tenant_a.users["viewer"].username, "password": TEST_PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/ranking/?x=1")


def test_login_page_with_crlf_next_renders(client):
    assert client.get("/auth/login", query_string={"next": "/\r\nX: y"}).status_code == 200


# --------------------------------------------------------------------------- ids beyond the database's range


def _int_rules(app):
    from werkzeug.routing import IntegerConverter

    for rule in app.url_map.iter_rules():
        ints = [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        if ints:
            yield rule, ints


@pytest.mark.parametrize("huge", ["9999999999999999999999999", str(2**63), str(MAX_ID + 1), "9" * 5000])
def test_ids_beyond_the_database_range_are_404_on_every_route(app, db, login, tenant_a, huge):
    """Every ``<int:…>`` of every route, as the office administrator (or with a bearer token for the API)."""
    from assess.api import services as api_services

    c = login(tenant_a.users["office_admin"].username)
    token = api_services.create_token(tenant_a.users["office_admin"], "fuzz", days=1)[1]
    db.session.commit()
    failures, checked = [], 0
    for rule, ints in _int_rules(app):
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", huge).replace(f"<{name}>", "A1").replace(f"<path:{name}>", "x")
            path = __import__("re").sub(rf"<[a-z_]+(\([^)]*\))?:{name}>", "csv", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
            resp = c.open(path, method=method, headers=headers)
            checked += 1
            if resp.status_code != 404:
                failures.append(f"{method} {path[:60]} → {resp.status_code}")
    assert checked > 100
    assert not failures, "\n".join(failures)


def test_largest_id_still_reaches_the_view(login, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    assert c.get(f"/self/{MAX_ID}").status_code == 404  # looked up, not found: the converter let it through
    assert c.get("/self/00").status_code == 404


# --------------------------------------------------------------------------- typed numbers


@pytest.fixture()
def review_world(db, tenant_a):
    campaign = make_campaign(tenant_a.office)
    sub = make_submission(campaign, tenant_a.dept_a)
    rs.assign(campaign, tenant_a.dept_a.id, tenant_a.users["reviewer"], actor=None)
    db.session.commit()
    return sub


@pytest.mark.parametrize("typed", ["1e999999999", "1E+5", "-1e-999999999", "NaN", "sNaN", "Infinity", "-inf",
                                   "1" * 60, "0." + "1" * 60, "1_0", "0x10", "١", "1e1"])
def test_a_typed_score_that_is_no_plain_number_is_refused_at_the_field(login, db, review_world, typed):
    c = login("office-a-reviewer")
    resp = c.post(f"/review/submissions/{review_world.id}/scores/A2",
                  data={"action": "save", "score": typed, "problem": "x", "version": "0"})
    assert resp.status_code == 422, typed
    body = resp.get_data(as_text=True)
    assert 'id="score-err"' in body and ("不是有效的分数" in body or "12" in body)  # the number, or its length
    assert db.session.scalar(select(IndicatorResult).where(IndicatorResult.indicator_code == "A2")) is None


def test_a_plain_score_is_still_read(login, db, review_world):
    c = login("office-a-reviewer")
    resp = c.post(f"/review/submissions/{review_world.id}/scores/A2",
                  data={"action": "save", "score": " 1.0 ", "problem": "栏目空白", "version": "0"})
    assert resp.status_code == 302
    db.session.expire_all()
    result = db.session.scalar(select(IndicatorResult).where(IndicatorResult.indicator_code == "A2"))
    assert result.final_score == Decimal(1)


@pytest.mark.parametrize("typed", ["1e999999999", "Infinity", "9" * 40])
def test_a_typed_figure_or_self_score_beyond_plain_numbers_is_refused_at_its_field(login, db, tenant_a, typed):
    """The same reader behind the self-assessment's figures (the engine's input check) and its self-score."""
    from tests.campaign_world import make_campaign, submission_of

    sub = submission_of(make_campaign(tenant_a), tenant_a.dept_a)
    db.session.commit()
    c = login(tenant_a.users["dept_editor"].username)
    resp = c.post(f"/self/api/{sub.id}/answers/C1", headers={"Accept": "application/json"},
                  json={"inputs": {"items_published": typed}, "explanation": "", "version": 0})
    assert resp.status_code < 500
    assert "items_published" in str(resp.get_json())
    resp = c.post(f"/self/api/{sub.id}/answers/B6", headers={"Accept": "application/json"},
                  json={"inputs": {}, "self_score": typed, "explanation": "", "version": 0})
    assert resp.status_code in (400, 422) and "self_score" in str(resp.get_json())


# --------------------------------------------------------------------------- ids in query strings


@pytest.mark.parametrize("url", ["/audit/?campaign_id={v}&department_id={v}", "/audit/export.csv?campaign_id={v}",
                                 "/rectification/ledger?department_id={v}&campaign_id={v}"])
@pytest.mark.parametrize("value", ["99999999999999999999", str(MAX_ID + 1), "-1", "1e5"])
def test_query_ids_beyond_the_database_range_are_no_filter(login, tenant_a, url, value):
    """Found by tests/test_fuzz_routes.py: ``type=int`` handed any number to the database (500 on SQLite,
    DataError on PostgreSQL). ``web.id_arg`` reads such a value as no value."""
    c = login(tenant_a.users["office_admin"].username)
    assert c.get(url.format(v=value)).status_code == 200


# --------------------------------------------------------------------------- ids in posted forms (found by the fuzz)


def test_posted_ids_beyond_the_database_range_name_nothing(app, db, login, tenant_a):
    """Found by tests/test_fuzz_routes.py: ticked boxes and a chosen submission with a number beyond an id's
    range went to the database (500). ``web.id_arg`` / ``web.id_list`` read them as naming nothing."""
    from tests.isolation_registry import OBJECTS
    from tests.test_isolation import World

    world = World(tenant_a)
    campaign, report = OBJECTS["campaign"](world), OBJECTS["report_a"](world)
    db.session.commit()
    huge = "99999999999999999999"
    admin = login(tenant_a.users["office_admin"].username)
    assert admin.post(f"/campaigns/{campaign.id}/departments", data={"department_ids": [huge]}).status_code < 500
    assert admin.post("/rectification/send", data={"notice_ids": [huge, str(MAX_ID + 1)]}).status_code == 302
    editor = login(tenant_a.users["dept_editor"].username)
    resp = editor.post(f"/imports/reports/{report.id}/use", data={"submission_id": huge})
    assert resp.status_code == 302 and f"/imports/reports/{report.id}" in resp.headers["Location"]
