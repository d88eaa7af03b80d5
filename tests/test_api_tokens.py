"""API tokens end with the credential behind them, and a session alone cannot mint one.

- a new password (changed by the user or set through an administrator's link) revokes every token;
- deactivation revokes them, so reactivating the account does not bring them back;
- the token page asks for the current password before it creates a token (wrong guesses are rate-limited).
"""
from __future__ import annotations

from sqlalchemy import select

from assess.admin.services import set_user_active
from assess.api import services
from assess.auth import services as auth
from assess.models import ApiToken, AuditEntry
from tests.api_helpers import auth as bearer
from tests.api_helpers import token_for
from tests.conftest import TEST_PASSWORD

NEW_PASSWORD = "Changed-2026-pw"


def _works(client, raw: str) -> bool:
    return client.get("/api/v1/me", headers=bearer(raw)).status_code == 200


def test_password_change_ends_every_token(login, db, tenant_a):
    user = tenant_a.users["reviewer"]
    first, second = token_for(user, "a"), token_for(user, "b")
    db.session.commit()
    c = login(user.username)
    assert _works(c, first) and _works(c, second)
    page = c.get("/auth/password").get_data(as_text=True)
    assert "全部 API 令牌都将失效" in page  # said before the change
    resp = c.post("/auth/password", data={"current": TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                  follow_redirects=True)
    assert "全部 API 令牌已失效" in resp.get_data(as_text=True)  # and after it
    for raw in (first, second):
        resp = c.get("/api/v1/me", headers=bearer(raw))
        assert resp.status_code == 401 and resp.json["error"]["code"] == "token_revoked"
    reasons = db.session.scalars(select(AuditEntry.reason).where(AuditEntry.action == "api_token.revoke")).all()
    assert reasons == ["密码已修改", "密码已修改"]


def test_password_set_through_a_link_ends_every_token(client, db, tenant_a):
    user = tenant_a.users["dept_editor"]
    raw = token_for(user)
    link = auth.create_password_link(user, created_by=tenant_a.users["office_admin"])
    db.session.commit()
    assert "API 令牌都将失效" in client.get(f"/auth/set-password/{link}").get_data(as_text=True)
    assert client.post(f"/auth/set-password/{link}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert not _works(client, raw)


def test_reactivating_a_user_does_not_bring_old_tokens_back(client, db, tenant_a):
    user, admin = tenant_a.users["viewer"], tenant_a.users["office_admin"]
    raw = token_for(user)
    db.session.commit()
    assert _works(client, raw)
    set_user_active(user, False, actor=admin)
    db.session.commit()
    assert not _works(client, raw)
    set_user_active(user, True, actor=admin)
    db.session.commit()
    resp = client.get("/api/v1/me", headers=bearer(raw))
    assert resp.status_code == 401 and resp.json["error"]["code"] == "token_revoked"
    fresh = token_for(user, "after")  # a token made after the reactivation works
    db.session.commit()
    assert _works(client, fresh)


def test_deactivation_through_the_admin_page_revokes_tokens(login, db, tenant_a):
    user = tenant_a.users["dept_editor"]
    raw = token_for(user)
    db.session.commit()
    c = login(tenant_a.users["office_admin"].username)
    assert c.post(f"/admin/users/{user.id}/active").status_code == 302
    assert c.post(f"/admin/users/{user.id}/active").status_code == 302
    assert user.active
    assert not _works(c, raw)


def test_minting_a_token_asks_for_the_password_again(login, db, tenant_a):
    user = tenant_a.users["dept_editor"]
    c = login(user.username)
    page = c.get("/account/api-tokens").get_data(as_text=True)
    assert 'type="password"' in page and "当前密码" in page
    mine = select(ApiToken).where(ApiToken.user_id == user.id)
    missing = c.post("/account/api-tokens", data={"name": "网站监测", "days": "365"})
    assert missing.status_code == 200 and "请输入当前密码" in missing.get_data(as_text=True)
    wrong = c.post("/account/api-tokens", data={"name": "网站监测", "days": "365", "password": "not-my-password"})
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 200 and "当前密码不正确" in html
    assert 'value="网站监测"' in html  # what was typed is kept
    assert db.session.scalars(mine).all() == []
    ok = c.post("/account/api-tokens", data={"name": "网站监测", "days": "365", "password": TEST_PASSWORD})
    assert ok.status_code == 200 and 'value="asst_' in ok.get_data(as_text=True)
    assert len(db.session.scalars(mine).all()) == 1


def test_password_guesses_on_the_token_page_are_rate_limited(login, db, tenant_a):
    c = login(tenant_a.users["dept_editor"].username)
    codes = [c.post("/account/api-tokens", data={"name": "x", "days": "30", "password": f"guess-{i}"}).status_code
             for i in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429


def test_revoking_all_tokens_leaves_revoked_ones_alone(db, tenant_a):
    user = tenant_a.users["reviewer"]
    row, _raw = services.create_token(user, "old", days=30)
    services.revoke_token(user, row.id)
    revoked_at = row.revoked_at
    services.create_token(user, "live", days=30)
    assert auth.end_api_tokens(user, reason="test") == 1
    assert row.revoked_at == revoked_at
