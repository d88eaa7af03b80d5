"""Fuzz every route: hostile values in its path, its query and each field of its forms must never answer
5xx nor show a traceback (issue 15).

Built on the isolation registry (tests/isolation_registry.py: every route, the roles that may use it, how to
build its URL for a real object) and the form crawler (tests/form_crawler.py: each rendered form as a browser
sends it). Each route is driven as a role allowed to use it, in the victim tenant of the isolation harness:

- **path**: every URL variable of the route (ids and codes) gets every value of PATH_INTS / PATH_TEXTS, for
  each method of the route (an empty body for the unsafe ones);
- **query**: every query parameter the code reads (QUERY_NAMES, found in the source) and every one the
  route's page links to or asks for in a GET form gets each value of QUERY_VALUES — all parameters at once,
  one request per value;
- **posts** (routes without a page of their own): the fields the view reads (its WTForms form, its
  ``request.form.get``), all at once with each of 7 hostile values, then each alone with ``1e999999999``;
- **forms** (GET routes whose page has forms): every distinct form of the page, serialised as rendered; each
  field in turn (at most FIELDS_PER_FORM of them, the others as rendered) gets VALUES_PER_FIELD values:
  ``1e999999999``, one of NUMBER_KILLERS and the rest of FORM_VALUES, rotating choices seeded by the route and field name (sha1,
  so the same in every run and process); a file field gets two hostile file names instead. The answer is followed through its redirect.

The JSON API's routes (tests/isolation_registry.API_ROUTES) get the path and query part with a bearer token;
their bodies are fuzzed from the OpenAPI document by tests/test_api_schemathesis.py.

Bounded and deterministic (no random draw): 11 path requests per integer variable (10 per text variable) and
method; 9 query requests per GET page (4 for a file or PDF) plus VALUES_PER_FIELD per parameter of the page's
own; at most MAX_POSTS_PER_PAGE form posts per page (MAX_FORMS_PER_PAGE forms × FIELDS_PER_FORM fields ×
VALUES_PER_FIELD values, plus two hostile file names per file field; forms sending to different routes
come first; past the cap the fields' ``1e999999999`` come first and the other values are spread
evenly): about 3,300 requests in all. The whole module takes about a minute of CPU (under a minute with
``-n 2`` on the project's 2-core machine when it is quiet, about two when it is shared).
"""
from __future__ import annotations

import hashlib
import inspect
import io
import re
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from werkzeug.routing import IntegerConverter
from flask import url_for
from lxml import html as lxml_html

from tests.conftest import TEST_PASSWORD
from tests.form_crawler import BrowserSubmission, html_of, new_request, submissions
from tests.isolation_registry import API_ROUTES, EXEMPT, ROUTES, Route
from tests.test_isolation import World

PATH_INTS = ["0", "-1", "2147483648", "9999999999999999999999999", "9" * 400, "1e5", "NaN", "%0D%0Ax", "%00",
             "%E2%80%AE1", "%D9%A1"]
PATH_TEXTS = ["", "1e999999999", "NaN", "%0D%0AX-Injected:%201", "a%00b", "%E2%80%AEfdp.exe", "x" * 3000,
              "..%2F..%2Fetc%2Fpasswd", "%F0%9F%98%80", "<script>"]
QUERY_VALUES = ["-1", "2147483648", "9" * 40, "1e999999999", "NaN", "1\r\nX-Injected: 1", "a\x00b",
                "\u202e<script>" + "x" * 5000, "%"]
QUERY_VALUES_NOT_HTML = ["9" * 40, "1e999999999", "1\r\nX-Injected: 1", "a\x00b"]  # files and PDFs: costly to build
EXPONENT = "1e999999999"
FORM_VALUES = ["", "-1", "0", "2147483648", "9" * 40, "1e999999999", "-1e-999999999", "NaN", "Infinity",
               "1\r\nX-Injected: 1", "\u202egpj.exe", "x" * 70000, "中" * 3000, "2026-02-30", "99999-12-31",
               "<script>alert(1)</script>", "=1+1", "１２．５", "a\x00b"]
NUMBER_KILLERS = ["9" * 40, "2147483648", "NaN", "-1e-999999999", "Infinity", "-1"]
FILE_NAMES = ["a\u202egpj.pdf", "../../x.pdf", "x" * 300 + ".pdf", "a\r\nb.pdf", "a\x00.pdf", "", "报告.pdf"]

def _query_names_in_source() -> list[str]:
    """Every query parameter a view reads by name (``request.args.get("…")``, the helpers that take a name),
    found in the source so that a new one is fuzzed without editing this list; plus the API's paging."""
    pattern = re.compile(r'(?:args|values)\.get\(\s*"(\w+)"|(?:_int_arg|as_int)\(\s*"(\w+)"')
    names = {"page", "per_page"}
    for path in (Path(__file__).resolve().parents[1] / "assess").rglob("*.py"):
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            names.add(match.group(1) or match.group(2))
    return sorted(names)


QUERY_NAMES = _query_names_in_source()
MAX_FORMS_PER_PAGE = 6
FIELDS_PER_FORM = 10
VALUES_PER_FIELD = 3
MAX_POSTS_PER_PAGE = 40
SENTINEL_INT = 987654321
SENTINEL_TEXT = "ZQXSENTINEL"
SKIPPED_ACTIONS = ("/auth/logout", "/auth/locale/")  # the header's forms: would end the session or switch language

WEB_ROUTES = [r for r in ROUTES if not r.endpoint.startswith("api_v1")]
ROUTE_BY_ENDPOINT = {r.endpoint: r for r in ROUTES}
# objects built alongside a route's own so that its page offers its forms (a reviewer assigned to the submission)
ALONGSIDE = {"review_submission": ("review_assignment",)}


def _build(d: "Driver", route: Route) -> None:
    d.url(route)
    for key in route.args.values():
        for extra in ALONGSIDE.get(key, ()):
            d.world.obj(extra)
    d.db.session.commit()


def _seed(*parts: str) -> int:
    return int(hashlib.sha1("|".join(parts).encode()).hexdigest()[:8], 16)


def _rotation(values: list, seed: int, n: int) -> list:
    start = seed % len(values)
    return [values[(start + i) % len(values)] for i in range(min(n, len(values)))]


def _field_values(seed: str, name: str) -> list[str]:
    """VALUES_PER_FIELD values for one field: ``1e999999999`` (decimal arithmetic's overflow, the issue's own
    example) first, then one of NUMBER_KILLERS and the rest of FORM_VALUES, rotating."""
    killer = _rotation(NUMBER_KILLERS, _seed(seed, name, "n"), 1)
    others = [v for v in _rotation(FORM_VALUES, _seed(seed, name), VALUES_PER_FIELD) if v not in killer + [EXPONENT]]
    return ([EXPONENT] + killer + others)[:VALUES_PER_FIELD]


def _role(route: Route) -> str:
    """A role allowed to use the route; department roles for department A's objects."""
    allowed = [r for r in route.allowed if r != "platform_admin"] or list(route.allowed)
    return allowed[0]


class Driver:
    """The victim tenant's world, a logged-in client per role, and every failure seen."""

    def __init__(self, app, db, tenant, platform_admin):
        self.app, self.db = app, db
        self.world = World(tenant)
        self.users = {**tenant.users, "platform_admin": platform_admin}
        self.clients: dict = {}
        self.tokens: dict = {}
        self.failures: list[str] = []
        self.requests = 0

    def client(self, role: str):
        if role == "anonymous":
            return self.clients.setdefault(role, self.app.test_client())
        if role not in self.clients:
            c = self.app.test_client()
            resp = c.post("/auth/login", data={"username": self.users[role].username, "password": TEST_PASSWORD})
            assert resp.status_code == 302, f"log-in as {role} failed"
            self.clients[role] = c
        return self.clients[role]

    def token(self, role: str) -> str:
        if role not in self.tokens:
            from assess.api import services as api_services

            self.tokens[role] = api_services.create_token(self.users[role], "fuzz", days=1)[1]
            self.db.session.commit()
        return self.tokens[role]

    def url(self, route: Route, override: dict | None = None) -> str:
        values = {var: self.world.obj(key).id for var, key in route.args.items()}
        values.update(route.extra)
        values.update(override or {})
        with self.app.test_request_context():
            return url_for(route.endpoint, **values)

    def send(self, role: str, method: str, url: str, what: str, *, api: bool = False, **kwargs):
        """One request; a 5xx, a traceback or an exception escaping the app is a failure."""
        new_request()
        self.requests += 1
        headers = {"Authorization": f"Bearer {self.token(role)}"} if api else {}
        try:
            resp = self.client(role).open(url, method=method, headers=headers, **kwargs)
        except Exception as exc:  # noqa: BLE001 — the app let it escape: what a 500 is made of
            self.failures.append(f"{what}: {method} {url[:120]} raised {exc.__class__.__name__}: {str(exc)[:200]}")
            self.db.session.rollback()
            return None
        body = resp.get_data(as_text=True) if (resp.mimetype or "").startswith(("text/", "application/json")) else ""
        if resp.status_code >= 500 or "Traceback (most recent call last)" in body:
            self.failures.append(f"{what}: {method} {url[:120]} → {resp.status_code}")
        return resp


@pytest.fixture()
def driver(app, db, tenant_a, platform_admin, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_JOBS", "inline")
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", False)
    return Driver(app, db, tenant_a, platform_admin)


def _path_variants(d: Driver, route: Route) -> list[tuple[str, str]]:
    """(what, url) for every URL variable × its hostile values."""
    out = []
    variables = list(route.args) + list(route.extra)
    rule = d.app.url_map._rules_by_endpoint[route.endpoint][0]
    for var in variables:
        # an id the registry fills from an object, or any other variable the rule reads as a number (a year)
        is_int = var in route.args or isinstance(rule._converters.get(var), IntegerConverter)
        sentinel = SENTINEL_INT if is_int else SENTINEL_TEXT
        base = d.url(route, {var: sentinel})
        for value in PATH_INTS if is_int else PATH_TEXTS:
            out.append((f"path {var}={value[:20]!r}", base.replace(str(sentinel), value if "%" in value else quote(value))))
    return out


def _page_query_names(body: str, path: str) -> set[str]:
    """Query parameter names the page links to on its own path or asks for in a GET form."""
    if not body:
        return set()
    names = set()
    doc = lxml_html.fromstring(body)
    for href in doc.xpath("//a/@href"):
        parts = urlsplit(href)
        if parts.query and (not parts.path or parts.path == path):
            names.update(k for k, _ in parse_qsl(parts.query, keep_blank_values=True))
    for form in doc.xpath('//form[not(@method) or translate(@method, "GET", "get")="get"]'):
        names.update(el.get("name") for el in form.iter("input", "select", "textarea") if el.get("name"))
    return names


def _fuzz_path_and_query(d: Driver, route: Route, *, api: bool = False) -> str:
    """Path and query parts; returns the route's page (GET as the role) for the form part."""
    role = _role(route)
    for what, url in _path_variants(d, route):
        for method in route.methods:
            d.send(role, method, url, what, api=api)
    if "GET" not in route.methods:
        return ""
    url = d.url(route)
    page = d.send(role, "GET", url, "page", api=api, follow_redirects=True)
    body = html_of(page) if page is not None else ""
    own = _page_query_names(body, urlsplit(url).path) - {"csrf_token"}
    values = QUERY_VALUES if body or api else QUERY_VALUES_NOT_HTML
    for value in values:  # every name at once: what the view reads, it reads
        d.send(role, "GET", url, f"query *={value[:20]!r}", api=api, follow_redirects=True,
               query_string={n: value for n in sorted(set(QUERY_NAMES) | own)})
    for name in sorted(own):  # the page's own parameters one by one: one refused early cannot hide another
        for value in _rotation(QUERY_VALUES, _seed(route.endpoint, name), VALUES_PER_FIELD):
            d.send(role, "GET", url, f"query {name}={value[:20]!r}", api=api, follow_redirects=True,
                   query_string={name: value})
    return body


def _post(d: Driver, role: str, sub: BrowserSubmission, fields: list[tuple[str, str]], files, what: str) -> None:
    data: dict[str, list] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    for name, filename, content in files:
        data.setdefault(name, []).append((io.BytesIO(content), filename))
    if sub.method == "GET":
        d.send(role, "GET", sub.url.split("?")[0], what, query_string=fields, follow_redirects=True)
    else:
        d.send(role, sub.method, sub.url, what, data=data, content_type="multipart/form-data", follow_redirects=True)


def _target_roles(d: Driver, sub: BrowserSubmission) -> tuple[str, ...] | None:
    """The roles that may use the route a form sends to (None when the registry does not name it)."""
    try:
        endpoint, _ = d.app.url_map.bind("assess.test").match(urlsplit(sub.url).path, method=sub.method)
    except Exception:  # noqa: BLE001 — no route: the form is still sent, as rendered
        return None
    route = ROUTE_BY_ENDPOINT.get(endpoint)
    return route.allowed if route else None


def _forms(d: Driver, route: Route, body: str) -> list[tuple[str, BrowserSubmission]]:
    """Each distinct form of the page, with a role that sees it and may use its route (the page is rendered
    as each allowed role: an office administrator's self-assessment page has none of the editor's forms)."""
    if "<html" not in body:
        return []
    url = d.url(route)
    seen, out = set(), []
    for role in [_role(route)] + [r for r in route.allowed if r not in (_role(route), "platform_admin")]:
        if role != _role(route):
            page = d.send(role, "GET", url, f"page as {role}", follow_redirects=True)
            body = html_of(page) if page is not None else ""
        if "<form" not in body:
            continue
        for sub in submissions(body, f"http://assess.test{url}"):
            if any(part in sub.url for part in SKIPPED_ACTIONS) or sub.signature() in seen:
                continue
            allowed = _target_roles(d, sub)
            if allowed is not None and role not in allowed:
                continue
            seen.add(sub.signature())
            out.append((role, sub))
    # forms sending to different routes first: under the cap, a page of many buttons still reaches each route
    firsts, again, targets = [], [], set()
    for role, sub in out:
        target = (urlsplit(sub.url).path, sub.method)
        (again if target in targets else firsts).append((role, sub))
        targets.add(target)
    return firsts + again


def _fuzz_forms(d: Driver, route: Route, body: str) -> None:
    """Each field of each distinct form on the page, one at a time, the others as rendered."""
    first: list[tuple[str, BrowserSubmission, list, list, str]] = []  # each field's first value: 1e999999999
    rest: list[tuple[str, BrowserSubmission, list, list, str]] = []
    for role, sub in _forms(d, route, body)[:MAX_FORMS_PER_PAGE]:
        names = list(dict.fromkeys(n for n, _ in sub.fields if n != "csrf_token"))
        names = _rotation(names, _seed(route.endpoint, sub.url), FIELDS_PER_FORM) if names else []
        for name in names:
            for i, value in enumerate(_field_values(route.endpoint, name)):
                fields = [(n, value if n == name else v) for n, v in sub.fields]
                (rest if i else first).append((role, sub, fields, sub.files, f"form {sub.describe()} {name}={value[:20]!r}"))
        for file_field in dict.fromkeys(n for n, _, _ in sub.files):
            for i, filename in enumerate(_rotation(FILE_NAMES, _seed(route.endpoint, file_field), 2)):
                files = [(n, filename if n == file_field else f, b"%PDF-1.4\n%%EOF\n" if n == file_field else c)
                         for n, f, c in sub.files]
                (rest if i else first).append((role, sub, sub.fields, files,
                                               f"form {sub.describe()} {file_field} file {filename[:20]!r}"))
    # past the cap: every field's first value (evenly spread when even those are too many), then the other
    # values evenly spread over the forms and fields
    posts = first[::max(1, -(-len(first) // MAX_POSTS_PER_PAGE))]
    room = MAX_POSTS_PER_PAGE - len(posts)
    if room > 0 and rest:
        posts += rest[::max(1, -(-len(rest) // room))]
    for role, sub, fields, files, what in posts:
        _post(d, role, sub, fields, files, what)


def _posted_names(app, endpoint: str) -> list[str]:
    """The form fields a view reads: its WTForms form's fields and its ``request.form.get("…")`` names."""
    view = inspect.unwrap(app.view_functions[endpoint])
    source = inspect.getsource(view)
    names = set(re.findall(r'request\.(?:form|values)\.(?:get|getlist)\(\s*"(\w+)"', source))
    for class_name in re.findall(r"\b([A-Z]\w*Form)\(", source):
        form_class = view.__globals__.get(class_name)
        if form_class is not None:
            with app.test_request_context(method="POST"):
                try:
                    names |= set(form_class()._fields)
                except Exception:  # noqa: BLE001 — a form that needs arguments: its names stay unknown
                    pass
    return sorted(names - {"csrf_token"})


def _fuzz_post_only(d: Driver, route: Route) -> None:
    """A route without a page of its own (its form is on another page, often only in some states): the
    fields its view reads, all at once with each hostile value, then each alone with ``1e999999999``."""
    names = _posted_names(d.app, route.endpoint)
    if not names or "POST" not in route.methods:
        return
    role, url = _role(route), d.url(route)
    for value in [EXPONENT] + NUMBER_KILLERS[:3] + ["1\r\nX-Injected: 1", "\u202egpj.exe", "x" * 70000]:
        d.send(role, "POST", url, f"post *={value[:20]!r}", data={n: value for n in names}, follow_redirects=True)
    for name in names[:FIELDS_PER_FORM]:
        d.send(role, "POST", url, f"post {name}={EXPONENT!r}", data={n: EXPONENT if n == name else "1" for n in names})


@pytest.mark.parametrize("route", WEB_ROUTES, ids=lambda r: r.endpoint)
def test_route_survives_hostile_path_query_and_form_values(app, db, driver, route: Route):
    d = driver
    _build(d, route)
    body = _fuzz_path_and_query(d, route)
    _fuzz_forms(d, route, body)
    if "GET" not in route.methods:
        _fuzz_post_only(d, route)
    assert not d.failures, f"{len(d.failures)} of {d.requests} requests failed:\n" + "\n".join(d.failures[:40])


@pytest.mark.parametrize("route", API_ROUTES, ids=lambda r: r.endpoint)
def test_api_route_survives_hostile_path_and_query_values(app, db, driver, route: Route):
    d = driver
    _build(d, route)
    _fuzz_path_and_query(d, route, api=True)
    assert not d.failures, f"{len(d.failures)} of {d.requests} requests failed:\n" + "\n".join(d.failures[:40])


def test_every_route_is_fuzzed(app):
    """A new route is fuzzed as soon as it is in the isolation registry (tests/test_isolation.py requires it)."""
    fuzzed = {r.endpoint for r in WEB_ROUTES} | {r.endpoint for r in API_ROUTES}
    exempt_public = set(EXEMPT) | {"api_v1.openapi", "api_v1.docs", "documents.verify"}
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - fuzzed - exempt_public == set()


PUBLIC_PAGES = [("/auth/login", "anonymous"), ("/auth/set-password/x", "anonymous"), ("/documents/verify", "anonymous"),
                ("/auth/change", "viewer"), ("/", "viewer")]


@pytest.mark.parametrize("path,role", PUBLIC_PAGES)
def test_public_and_identity_pages_survive_hostile_query_and_forms(app, db, driver, path, role):
    """The pages the registry exempts: log-in, set-password link, verification (anonymous), password change
    and start page (a viewer)."""
    d = driver
    db.session.commit()
    page = d.send(role, "GET", path, "page", follow_redirects=True)
    body = html_of(page) if page is not None else ""
    names = sorted(set(QUERY_NAMES) | _page_query_names(body, path))
    for value in QUERY_VALUES:
        d.send(role, "GET", path, f"query *={value[:20]!r}", query_string={n: value for n in names})
    for sub in [s for s in submissions(body, f"http://assess.test{path}")
                if not any(p in s.url for p in SKIPPED_ACTIONS)][:MAX_FORMS_PER_PAGE]:
        for name in list(dict.fromkeys(n for n, _ in sub.fields if n != "csrf_token"))[:FIELDS_PER_FORM]:
            for value in _field_values(path, name):
                _post(d, role, sub, [(n, value if n == name else v) for n, v in sub.fields], sub.files,
                      f"form {sub.describe()} {name}={value[:20]!r}")
    assert not d.failures, f"{len(d.failures)} of {d.requests} requests failed:\n" + "\n".join(d.failures[:40])
