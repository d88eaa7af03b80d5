"""Every page with a form, as each role that sees it: press every button the way a browser does.

For each page route of the isolation registry (tests/isolation_registry.py) and each role of the victim
tenant that may open it, the page is rendered with CSRF protection on, every form on it is serialised
as a browser would (tests/form_crawler.py: rendered fields, rendered values, one pressed button) and
sent, and the answer — after its redirect — must be neither "bad request" nor a server error. This is
what caught the campaign page's stage buttons (a duplicated hidden ``target`` field that every press
sent empty), a mistake that tests posting hand-built data can never see.
"""
from __future__ import annotations

import pytest

from tests.conftest import TEST_PASSWORD
from tests.form_crawler import (BAD_REQUEST_TEXT, get_page, html_of, markup_problems, new_request, problem_of, send,
                                submissions)
from tests.isolation_registry import ROUTES, Route
from tests.test_isolation import World, _url

EVERY_PAGE = ("/auth/logout", "/auth/locale/")  # the header's own forms, pressed once in their own test
MAX_PRESSES_PER_PAGE = 25

PAGE_ROUTES = [r for r in ROUTES if "GET" in r.methods and not r.endpoint.startswith("api")]


@pytest.fixture()
def browser_like(app, db, tenant_a, platform_admin, monkeypatch):
    """Clients of the victim tenant's users, with CSRF checked as in production and jobs run inline."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    monkeypatch.setitem(app.config, "DOCUMENT_JOBS", "inline")
    users = dict(tenant_a.users)
    users["platform_admin"] = platform_admin
    world = World(tenant_a)
    clients: dict = {}

    def client_for(role: str):
        if role not in clients:
            c = app.test_client()
            login_page = get_page(c, "/auth/login")
            fields = dict(submissions(html_of(login_page), "http://assess.test/auth/login")[0].fields)
            fields.update(username=users[role].username, password=TEST_PASSWORD)
            new_request()
            resp = c.post("/auth/login", data=fields)
            assert resp.status_code == 302, f"log-in as {role} failed"
            clients[role] = c
        return clients[role]

    return world, client_for


def _press_every_button(client, url: str) -> tuple[list[str], int]:
    page = get_page(client, url)
    body = html_of(page)
    if page.status_code != 200 or "<form" not in body:
        return [], 0
    failures, seen, pressed = [f"on {url}: {p}" for p in markup_problems(body)], set(), 0
    for sub in submissions(body, f"http://assess.test{url}"):
        if any(part in sub.url for part in EVERY_PAGE) or sub.signature() in seen:
            continue
        seen.add(sub.signature())
        if pressed >= MAX_PRESSES_PER_PAGE:
            break
        pressed += 1
        problem = problem_of(send(client, sub))
        if problem:
            failures.append(f"on {url}: {sub.describe()} {problem}")
    return failures, pressed


@pytest.mark.parametrize("route", PAGE_ROUTES, ids=lambda r: r.endpoint)
def test_every_button_works_as_a_browser_presses_it(app, db, browser_like, route: Route):
    world, client_for = browser_like
    url = _url(app, route, world)
    db.session.commit()
    failures: list[str] = []
    for role in route.allowed:
        found, _ = _press_every_button(client_for(role), url)
        failures += [f"{role}: {f}" for f in found]
    assert not failures, "\n".join(failures)


def test_a_stage_button_reaches_the_service(app, db, browser_like):
    """The press that the duplicated hidden field broke: the service decides (moves the stage or says
    why not) — the form layer never answers "请求有误"."""
    world, client_for = browser_like
    from tests.isolation_registry import OBJECTS

    campaign = OBJECTS["campaign"](world)
    db.session.commit()
    client = client_for("office_admin")
    page = html_of(get_page(client, f"/campaigns/{campaign.id}"))
    stage = [s for s in submissions(page, "http://assess.test/") if s.url.endswith("/transition")]
    assert stage, "no stage button on the campaign page"
    body = html_of(send(client, stage[0]))
    assert BAD_REQUEST_TEXT not in body
    assert "考核已进入" in body or "不能转入下一阶段" in body


def test_serialisation_sends_what_the_page_renders():
    """Duplicated names are sent in page order (the first wins in WTForms), unchecked boxes are not sent,
    a select sends its selected option, the pressed button its value, ``form=`` owners join the form."""
    page = """<form id="f" method="post" action="/x"><input type="hidden" name="target" value="">
      <input type="hidden" name="target" value="review"><input type="checkbox" name="c" value="1">
      <input type="checkbox" name="d" value="2" checked><select name="s"><option value="a">A</option>
      <option value="b" selected>B</option></select><textarea name="t">已填</textarea>
      <input name="req" required><input type="file" name="f1">
      <button name="go" value="yes">确定</button><button type="button">取消</button></form>
      <input type="checkbox" name="ids" value="7" form="f" checked>"""
    (sub,) = submissions(page, "http://assess.test/p")
    assert sub.method == "POST" and sub.url == "http://assess.test/x"
    assert sub.fields == [("target", ""), ("target", "review"), ("d", "2"), ("s", "b"), ("t", "已填"),
                          ("req", "按要求填写的内容"), ("ids", "7"), ("go", "yes")]
    assert sub.files == [("f1", "", b"")]


def test_header_forms_work(app, db, browser_like):
    """The language switch and the log-out on every page's header."""
    _, client_for = browser_like
    client = client_for("office_admin")
    home = html_of(get_page(client, "/"))
    subs = [s for s in submissions(home, "http://assess.test/") if any(p in s.url for p in EVERY_PAGE)]
    assert {("/auth/logout" in s.url) for s in subs} == {True, False}
    for sub in sorted(subs, key=lambda s: "/auth/logout" in s.url):  # log out last
        resp = send(client, sub)
        assert problem_of(resp) is None, sub.describe()
    assert "/auth/login" in client.get("/", follow_redirects=False).headers.get("Location", "")
