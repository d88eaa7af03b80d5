from datetime import timedelta

import pytest

from assess.auth import services as auth
from assess.auth.passwords import password_problems
from assess.models import PasswordLink
from assess.models.base import utcnow
from tests.conftest import TEST_PASSWORD


def test_wrong_password_is_refused_with_a_clear_message(client, tenant_a):
    resp = client.post("/auth/login", data={"username": tenant_a.users["reviewer"].username, "password": "nope"})
    assert resp.status_code == 200
    assert "用户名或密码不正确" in resp.get_data(as_text=True)
    assert client.get("/admin/users").status_code == 302  # still anonymous


def test_failed_logins_are_rate_limited_per_account(app, client, tenant_a):
    user = tenant_a.users["reviewer"].username
    codes = [client.post("/auth/login", data={"username": user, "password": "bad"}).status_code for _ in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429
    # another account from the same address is not locked out
    ok = client.post("/auth/login", data={"username": tenant_a.users["viewer"].username, "password": TEST_PASSWORD})
    assert ok.status_code == 302


def _post_login(client, username, password, address):
    return client.post("/auth/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}).status_code


def test_failed_logins_are_counted_per_account_from_any_address(app, client, tenant_a, monkeypatch):
    """A guess spread over many addresses: each address stays under the per-address-and-account limit, the
    account's own counter refuses the next attempt, whatever address it comes from (the right password too)."""
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_RATE_LIMIT", "3 per minute")
    user = tenant_a.users["reviewer"].username
    codes = [_post_login(client, user, "bad", f"198.51.100.{i}") for i in range(1, 4)]
    assert codes == [200, 200, 200]
    assert _post_login(client, user, TEST_PASSWORD, "198.51.100.99") == 429
    # another account is not locked by it, from the same addresses
    assert _post_login(client, tenant_a.users["viewer"].username, TEST_PASSWORD, "198.51.100.1") == 302


def test_failed_logins_are_counted_per_address_over_any_account(app, client, tenant_a, monkeypatch):
    """One address trying a password on many accounts is refused once its own counter is full; another
    address is not affected."""
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_RATE_LIMIT", "3 per minute")
    names = [tenant_a.users[r].username for r in ("reviewer", "viewer", "dept_editor", "office_admin")]
    assert [_post_login(client, n, "bad", "203.0.113.5") for n in names[:3]] == [200, 200, 200]
    assert _post_login(client, names[3], TEST_PASSWORD, "203.0.113.5") == 429
    assert _post_login(client, names[3], TEST_PASSWORD, "203.0.113.6") == 302


def test_successful_logins_do_not_count(app, client, tenant_a, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "2 per minute")
    user = tenant_a.users["viewer"].username
    assert [_post_login(client, user, TEST_PASSWORD, "192.0.2.1") for _ in range(4)] == [302] * 4
    assert [_post_login(client, user, "bad", "192.0.2.1") for _ in range(3)] == [200, 200, 429]


def test_set_password_link_is_one_time(client, db, tenant_a):
    user = tenant_a.users["dept_editor"]
    token = auth.create_password_link(user, created_by=None)
    db.session.commit()
    page = client.get(f"/auth/set-password/{token}")
    assert page.status_code == 200 and user.username in page.get_data(as_text=True)
    weak = client.post(f"/auth/set-password/{token}", data={"password": "short", "confirm": "short"})
    assert "至少需要" in weak.get_data(as_text=True)
    good = "Lian-2026-pass"
    resp = client.post(f"/auth/set-password/{token}", data={"password": good, "confirm": good})
    assert resp.status_code == 302
    again = client.get(f"/auth/set-password/{token}")
    assert again.status_code == 410 and "已使用过" in again.get_data(as_text=True)
    assert client.post("/auth/login", data={"username": user.username, "password": good}).status_code == 302


def test_expired_and_unknown_links(client, db, tenant_a):
    user = tenant_a.users["dept_editor"]
    token = auth.create_password_link(user, created_by=None)
    link = db.session.query(PasswordLink).filter_by(user_id=user.id, used_at=None).one()
    link.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert "已过期" in client.get(f"/auth/set-password/{token}").get_data(as_text=True)
    assert "无效" in client.get("/auth/set-password/not-a-token").get_data(as_text=True)


def test_new_link_voids_the_old_one(db, tenant_a):
    user = tenant_a.users["dept_editor"]
    first = auth.create_password_link(user, created_by=None)
    auth.create_password_link(user, created_by=None)
    with pytest.raises(auth.AuthError):
        auth.link_for_token(first)


def test_password_change_ends_other_sessions(app, login, tenant_a):
    user = tenant_a.users["office_admin"]
    other = app.test_client()
    other.post("/auth/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert other.get("/admin/departments").status_code == 200
    c = login(user.username)
    new = "Changed-2026-pw"
    resp = c.post("/auth/password", data={"current": TEST_PASSWORD, "password": new, "confirm": new})
    assert resp.status_code == 302
    assert c.get("/admin/departments").status_code == 200  # this session continues
    assert other.get("/admin/departments").status_code == 302  # the other one ended


def test_password_change_needs_the_current_password(login, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    resp = c.post("/auth/password", data={"current": "wrong", "password": "Changed-2026-pw", "confirm": "Changed-2026-pw"})
    assert "当前密码不正确" in resp.get_data(as_text=True)


def test_logout_ends_the_session(login, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    c.post("/auth/logout")
    assert c.get("/admin/departments").status_code == 302


def test_deactivated_user_is_logged_out_and_cannot_log_in(app, db, login, tenant_a):
    from assess.admin.services import set_user_active

    user = tenant_a.users["reviewer"]
    c = login(user.username)
    set_user_active(user, False, actor=tenant_a.users["office_admin"])
    db.session.commit()
    assert c.get("/").status_code == 302
    resp = app.test_client().post("/auth/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert resp.status_code == 200


def test_password_rules():
    assert password_problems("abc") and password_problems("aaaaaaaaaaaa")
    assert password_problems("zhangwei-2026", "zhangwei")
    assert password_problems("Good-pass-2026", "zhangwei") == []


def test_open_redirect_is_refused(client, tenant_a):
    resp = client.post("/auth/login?next=//evil.example/x",
                       data={"username": tenant_a.users["viewer"].username, "password": TEST_PASSWORD})
    assert resp.headers["Location"] == "/"


def test_locale_choice_is_remembered(app, login, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    c.post("/auth/locale/en", data={"next": "/admin/departments"})
    html = c.get("/admin/departments").get_data(as_text=True)
    assert 'lang="en"' in html
    # a new log-in restores the stored preference
    c2 = app.test_client()
    c2.post("/auth/login", data={"username": tenant_a.users["office_admin"].username, "password": TEST_PASSWORD})
    assert 'lang="en"' in c2.get("/admin/departments").get_data(as_text=True)


def test_security_headers_and_cookie_flags(client, tenant_a):
    resp = client.get("/auth/login")
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY" and resp.headers["X-Content-Type-Options"] == "nosniff"
    login = client.post("/auth/login", data={"username": tenant_a.users["viewer"].username, "password": TEST_PASSWORD})
    cookie = login.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
