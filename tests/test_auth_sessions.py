"""Browser sessions end on the server: log-out, an absolute lifetime from log-in, an idle timeout.

A copied session cookie is the threat: each test copies the cookie into a second client (another
computer) and checks when the copy stops working. The clock is moved by patching the one the session
rules read (``assess.auth.sessions.utcnow``).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from assess.auth import sessions
from tests.conftest import TEST_PASSWORD

PAGE = "/admin/departments"  # an office administrator's page: 200 logged in, 302 to log-in otherwise


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture()
def clock(monkeypatch, app):
    c = Clock()
    monkeypatch.setattr(sessions, "utcnow", c)
    monkeypatch.setitem(app.config, "PERMANENT_SESSION_LIFETIME", timedelta(hours=8))
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 60)
    return c


def _copy_of(app, client):
    """A second client holding a copy of ``client``'s session cookie (a stolen cookie)."""
    cookie = client.get_cookie("session", domain="assess.test")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value, domain="assess.test")
    return thief


def _logged_in(client) -> bool:
    resp = client.get(PAGE)
    assert resp.status_code in (200, 302)
    return resp.status_code == 200


def test_logout_ends_a_copied_cookie(app, login, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    thief = _copy_of(app, c)
    assert _logged_in(thief)
    c.post("/auth/logout")
    assert not _logged_in(c)
    assert not _logged_in(thief)


def test_logout_ends_the_users_sessions_everywhere(app, login, tenant_a):
    """One session version per user: logging out on one computer logs out the others (the README says so)."""
    user = tenant_a.users["office_admin"]
    elsewhere = app.test_client()
    assert elsewhere.post("/auth/login", data={"username": user.username, "password": TEST_PASSWORD}).status_code == 302
    c = login(user.username)
    c.post("/auth/logout")
    assert not _logged_in(elsewhere)
    # another user's session is untouched
    other = login(tenant_a.users["viewer"].username, c=app.test_client())
    assert other.get("/").status_code == 200


def test_absolute_lifetime_does_not_slide_with_use(app, login, clock, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    thief = _copy_of(app, c)
    for _step in range(15):  # used every 30 minutes for 7.5 hours
        clock.advance(minutes=30)
        assert _logged_in(thief)
    clock.advance(minutes=29)
    assert _logged_in(thief)  # 7 h 59 min after log-in
    clock.advance(minutes=1)
    assert not _logged_in(thief)  # 8 h after log-in, however busy
    assert not _logged_in(c)


def test_idle_session_ends(app, login, clock, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    clock.advance(minutes=59)
    assert _logged_in(c)
    clock.advance(minutes=59)
    assert _logged_in(c)  # each request restarts the idle time
    clock.advance(minutes=60)
    assert not _logged_in(c)


def test_expired_session_goes_to_log_in_with_a_message_and_comes_back(app, login, clock, tenant_a):
    user = tenant_a.users["office_admin"]
    c = login(user.username)
    clock.advance(hours=2)
    resp = c.get(PAGE)
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
    page = c.get(resp.headers["Location"])
    assert "登录已过期，请重新登录" in page.get_data(as_text=True)
    again = c.post(resp.headers["Location"], data={"username": user.username, "password": TEST_PASSWORD})
    assert again.status_code == 302 and again.headers["Location"].endswith(PAGE)
    assert _logged_in(c)  # a new log-in starts a new lifetime


def test_limits_are_configurable(app, login, clock, tenant_a, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 5)
    c = login(tenant_a.users["office_admin"].username)
    clock.advance(minutes=4)
    assert _logged_in(c)
    clock.advance(minutes=5)
    assert not _logged_in(c)
    monkeypatch.setitem(app.config, "PERMANENT_SESSION_LIFETIME", timedelta(hours=1))
    c = login(tenant_a.users["office_admin"].username)
    for _step in range(3):
        clock.advance(minutes=20)
    assert not _logged_in(c)


def test_a_session_without_log_in_time_is_not_accepted(app, login, tenant_a):
    """A cookie signed before these rules (or edited) carries no log-in time: it is treated as expired."""
    c = login(tenant_a.users["office_admin"].username)
    with c.session_transaction() as sess:
        del sess[sessions.LOGIN_AT]
    assert not _logged_in(c)


def test_no_reliance_on_flask_login_session_protection(app):
    """"strong" protection has no effect on permanent sessions (it only marks a copied cookie "not fresh"):
    the application does not switch it on and claim a protection it does not have."""
    from assess.extensions import login_manager

    assert login_manager.session_protection is None
