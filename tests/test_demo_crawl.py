"""The demo's lived-in year, crawled as each of its people would click through it.

The isolation registry's crawl (tests/test_form_crawler.py) sees one small world per route. Here the
demo of `make run` is loaded (a published campaign, reviews, contests, notices, issued documents) and each
demo user starts at the home page, follows the links a page shows (same site, one page per kind of
address), and presses every button of every form found on the way as a browser would
(tests/form_crawler.py). No page and no press may answer a server error or the generic "请求有误".
Bounded: at most PAGES_PER_USER pages and PRESSES_PER_USER presses per user.
"""
from __future__ import annotations

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import html as lxml_html

from assess import create_app
from assess.extensions import db
from tests.dbutil import fresh_database_url
from tests.form_crawler import get_page, html_of, markup_problems, problem_of, send, submissions

PAGES_PER_USER = 70
PRESSES_PER_USER = 90
# Addresses a crawler must not press or follow: they end its own session or switch its language (the
# checks read Chinese), or are not pages.
NOT_FOLLOWED = ("/auth/logout", "/auth/locale/", "/auth/password", "/static/", "/api/v1/")
# Demo users in an order where one's presses cannot lock the next out (the office's and the platform
# administrator's pages can deactivate accounts and reset passwords: they go last).
USERS = ("rsj-editor", "rsj-admin", "town-editor", "reviewer1", "reviewer2", "viewer", "city-office", "office",
         "admin")


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo-crawl")
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_database_url(tmp, "crawl"), "SECRET_KEY": "crawl",
                      "TESTING": True, "STORAGE_DIR": str(tmp / "storage"), "PASSWORD_HASH_FAST": True,
                      "WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": False, "DOCUMENT_JOBS": "inline",
                      "SERVER_NAME": "assess.test"})
    from assess.demo import create_demo

    with app.app_context():
        db.create_all()
        create_demo(departments=8, seed=5)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _pattern(url: str) -> str:
    """One page per kind of address: ids and query values do not make a new kind."""
    parts = urlsplit(url)
    query = "&".join(sorted(re.sub(r"=.*", "", q) for q in parts.query.split("&") if q))
    return re.sub(r"\d+", "N", parts.path) + ("?" + query if query else "")


def _links(body: str, base: str) -> list[str]:
    doc = lxml_html.fromstring(body)
    out = []
    for href in doc.xpath("//a/@href"):
        url = urljoin(base, href.split("#")[0])
        if urlsplit(url).netloc == "assess.test" and not any(p in url for p in NOT_FOLLOWED):
            out.append(url)
    return out


def _log_in(app, username: str):
    from assess.demo import DEMO_PASSWORD

    client = app.test_client()
    page = client.get("/auth/login")
    (login,) = [s for s in submissions(html_of(page), "http://assess.test/auth/login") if s.url.endswith("/login")]
    login.fields = [(n, {"username": username, "password": DEMO_PASSWORD}.get(n, v)) for n, v in login.fields]
    resp = send(client, login)
    assert "/auth/login" not in resp.request.path, f"log-in as {username} failed"
    return client


@pytest.mark.parametrize("username", USERS)
def test_every_page_and_button_of_the_demo_year(demo_app, username):
    client = _log_in(demo_app, username)
    queue, seen_pages, seen_presses = deque(["http://assess.test/"]), set(), set()
    failures: list[str] = []
    pages = presses = 0
    while queue and pages < PAGES_PER_USER:
        url = queue.popleft()
        if _pattern(url) in seen_pages:
            continue
        seen_pages.add(_pattern(url))
        resp = get_page(client, url)
        pages += 1
        if problem_of(resp):
            failures.append(f"GET {url}: {problem_of(resp)}")
            continue
        body = html_of(resp)
        if not body:
            continue  # a download
        failures += [f"on {url}: {p}" for p in markup_problems(body)]
        queue.extend(_links(body, url))
        for sub in submissions(body, url):
            if any(p in sub.url for p in NOT_FOLLOWED) or sub.signature() in seen_presses:
                continue
            if presses >= PRESSES_PER_USER:
                break
            seen_presses.add(sub.signature())
            presses += 1
            problem = problem_of(send(client, sub))
            if problem:
                failures.append(f"on {url}: {sub.describe()} {problem}")
    assert pages >= 5, f"{username} reached only {pages} pages"
    assert not failures, f"{username}:\n" + "\n".join(failures)
