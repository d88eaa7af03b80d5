"""The API's infrastructure: tokens, authentication, scope, errors, locale, pagination, spec and docs."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from assess.api import services
from assess.models import ApiToken, AuditEntry, Department
from assess.models.base import utcnow
from tests.api_helpers import auth, token_for
from tests.conftest import TEST_PASSWORD


@pytest.fixture()
def api(client):
    return client


# --- token services -----------------------------------------------------------------------------------------


def test_token_is_stored_hashed_and_shown_once(db, tenant_a):
    user = tenant_a.users["office_admin"]
    row, raw = services.create_token(user, "省平台对接", days=30)
    assert raw.startswith("asst_") and len(raw) > 40
    assert row.token_hash == services.hash_token(raw) and raw not in (row.token_hash, row.prefix)
    assert raw.startswith(row.prefix)
    assert row.expires_at - utcnow() > timedelta(days=29)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "api_token.create")).one()
    assert raw not in entry.new and row.prefix in entry.new


@pytest.mark.parametrize("name,days,field", [("", 30, "name"), ("x" * 81, 30, "name"), ("ok", 0, "days"),
                                             ("ok", 400, "days")])
def test_token_creation_refusals(db, tenant_a, name, days, field):
    with pytest.raises(services.TokenError) as exc:
        services.create_token(tenant_a.users["viewer"], name, days=days)
    assert exc.value.field == field


def test_duplicate_active_name_refused(db, tenant_a):
    user = tenant_a.users["viewer"]
    services.create_token(user, "同名", days=30)
    with pytest.raises(services.TokenError):
        services.create_token(user, "同名", days=30)


def test_revoke_only_own_token(db, tenant_a):
    mine, _ = services.create_token(tenant_a.users["viewer"], "a", days=30)
    with pytest.raises(services.TokenError):
        services.revoke_token(tenant_a.users["reviewer"], mine.id)
    services.revoke_token(tenant_a.users["viewer"], mine.id)
    assert mine.revoked_at is not None


def test_authenticate_outcomes(db, tenant_a):
    user = tenant_a.users["viewer"]
    row, raw = services.create_token(user, "a", days=30)
    assert services.authenticate(f"Bearer {raw}").user is user
    assert services.authenticate(None).problem == "missing"
    assert services.authenticate("Basic abc").problem == "malformed"
    assert services.authenticate("Bearer asst_nope").problem == "unknown"
    assert services.authenticate(f"Bearer {raw}", now=utcnow() + timedelta(days=31)).problem == "expired"
    user.active = False
    assert services.authenticate(f"Bearer {raw}").problem == "inactive"
    user.active = True
    services.revoke_token(user, row.id)
    assert services.authenticate(f"Bearer {raw}").problem == "revoked"


# --- authentication over HTTP -------------------------------------------------------------------------------


def test_missing_and_bad_tokens_get_401_json(api, db, tenant_a):
    for headers in ({}, {"Authorization": "Bearer asst_wrong"}, {"Authorization": "Token x"}):
        resp = api.get("/api/v1/me", headers=headers)
        assert resp.status_code == 401
        assert resp.json["error"]["code"] in ("unauthorized", "token_unknown")
        assert "Bearer" in resp.headers["WWW-Authenticate"]


def test_revoked_and_expired_tokens_refused(api, db, tenant_a):
    user = tenant_a.users["office_admin"]
    row, raw = services.create_token(user, "x", days=30)
    assert api.get("/api/v1/me", headers=auth(raw)).status_code == 200
    services.revoke_token(user, row.id)
    resp = api.get("/api/v1/me", headers=auth(raw))
    assert resp.status_code == 401 and resp.json["error"]["code"] == "token_revoked"
    row2, raw2 = services.create_token(user, "y", days=30)
    row2.expires_at = utcnow() - timedelta(seconds=1)
    resp = api.get("/api/v1/departments", headers=auth(raw2))
    assert resp.status_code == 401 and resp.json["error"]["code"] == "token_expired"


def test_token_of_deactivated_user_refused(api, db, tenant_a):
    user = tenant_a.users["reviewer"]
    raw = token_for(user)
    user.active = False
    assert api.get("/api/v1/me", headers=auth(raw)).status_code == 401


def test_session_cookie_does_not_authenticate_the_api(login, db, tenant_a):
    c = login(tenant_a.users["office_admin"].username)
    assert c.get("/api/v1/departments").status_code == 401
    data = {"file": (io.BytesIO("部门名称,分组\n新局,AAA县直部门\n".encode()), "d.csv")}
    assert c.post("/api/v1/departments/import", data=data, content_type="multipart/form-data").status_code == 401
    assert db.session.scalar(select(Department).where(Department.name == "新局")) is None


def test_me_and_last_used(api, db, tenant_a):
    user = tenant_a.users["dept_editor"]
    row, raw = services.create_token(user, "me", days=30)
    resp = api.get("/api/v1/me", headers=auth(raw))
    assert resp.status_code == 200
    assert resp.json["role"] == "dept_editor" and resp.json["department_id"] == tenant_a.dept_a.id
    assert resp.json["token_name"] == "me"
    assert row.last_used_at is not None
    assert resp.headers["Cache-Control"] == "no-store"


# --- scope, roles, pagination, errors ------------------------------------------------------------------------


def test_department_user_sees_only_own_department(api, db, tenant_a, tenant_b):
    raw = token_for(tenant_a.users["dept_editor"])
    resp = api.get("/api/v1/departments", headers=auth(raw))
    assert [d["id"] for d in resp.json["items"]] == [tenant_a.dept_a.id]
    assert api.get(f"/api/v1/departments/{tenant_a.dept_b.id}", headers=auth(raw)).status_code == 404
    assert api.get(f"/api/v1/departments/{tenant_b.dept_a.id}", headers=auth(raw)).status_code == 404


def test_office_user_sees_own_office_only_paginated_and_filtered(api, db, tenant_a, tenant_b):
    raw = token_for(tenant_a.users["reviewer"])
    resp = api.get("/api/v1/departments?per_page=1&page=2", headers=auth(raw))
    body = resp.json
    assert body["total"] == 2 and body["pages"] == 2 and body["page"] == 2 and len(body["items"]) == 1
    assert all("AAA" in d["name"] for d in api.get("/api/v1/departments", headers=auth(raw)).json["items"])
    resp = api.get("/api/v1/departments?name=乙", headers=auth(raw))
    assert [d["id"] for d in resp.json["items"]] == [tenant_a.dept_b.id]
    resp = api.get(f"/api/v1/groups", headers=auth(raw))
    assert [g["id"] for g in resp.json["items"]] == [tenant_a.group.id]


def test_validation_error_has_field_and_language(api, db, tenant_a):
    raw = token_for(tenant_a.users["reviewer"])
    resp = api.get("/api/v1/departments?per_page=1000", headers=auth(raw, **{"Accept-Language": "zh-CN"}))
    assert resp.status_code == 422
    err = resp.json["error"]
    assert err["code"] == "validation_error" and err["field"] == "query.per_page"
    assert "范围" in err["message"]
    resp = api.get("/api/v1/departments?page=x", headers=auth(raw, **{"Accept-Language": "en"}))
    assert resp.json["error"]["field"] == "query.page"
    assert resp.json["error"]["message"] == "Not a valid integer."


def test_message_language_follows_accept_language(api, db):
    """The locale is chosen by Accept-Language (never the session); messages go through gettext."""
    zh = api.get("/api/v1/me", headers={"Accept-Language": "zh"})
    assert zh.headers["Content-Language"] == "zh-CN" and "令牌" in zh.json["error"]["message"]
    en = api.get("/api/v1/me", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert en.headers["Content-Language"] == "en"
    other = api.get("/api/v1/me", headers={"Accept-Language": "fr"})
    assert other.headers["Content-Language"] == "zh-CN"


def test_role_refused_with_403_json(api, db, tenant_a):
    raw = token_for(tenant_a.users["viewer"])
    resp = api.get("/api/v1/audit", headers=auth(raw))
    assert resp.status_code == 403 and resp.json["error"]["code"] == "forbidden"


def test_unknown_api_path_is_json_404(api, db, tenant_a):
    raw = token_for(tenant_a.users["viewer"])
    resp = api.get("/api/v1/nothing-here", headers=auth(raw))
    assert resp.status_code == 404 and resp.json["error"]["code"] == "not_found"


# --- import and audit ---------------------------------------------------------------------------------------


def _csv(text: str):
    return {"file": (io.BytesIO(text.encode("utf-8")), "depts.csv")}


def test_import_departments_dry_run_then_apply(api, db, tenant_a):
    raw = token_for(tenant_a.users["office_admin"])
    text = "部门名称,分组,联系人\n新建局,AAA县直部门,张三\nAAA甲局,AAA县直部门,李四\n"
    resp = api.post("/api/v1/departments/import", data={**_csv(text), "dry_run": "true"}, headers=auth(raw),
                    content_type="multipart/form-data")
    assert resp.status_code == 200, resp.json
    assert resp.json["counts"] == {"create": 1, "update": 1, "unchanged": 0} and resp.json["dry_run"] is True
    assert db.session.scalar(select(Department).where(Department.name == "新建局")) is None
    resp = api.post("/api/v1/departments/import", data=_csv(text), headers=auth(raw), content_type="multipart/form-data")
    assert resp.status_code == 200 and resp.json["counts"]["create"] == 1
    assert db.session.scalar(select(Department).where(Department.name == "新建局")) is not None


def test_import_errors_are_row_numbered_and_nothing_written(api, db, tenant_a):
    raw = token_for(tenant_a.users["office_admin"])
    text = "部门名称,分组\n好局,AAA县直部门\n坏局,不存在的组\n"
    resp = api.post("/api/v1/departments/import", data=_csv(text), headers=auth(raw), content_type="multipart/form-data")
    assert resp.status_code == 422
    err = resp.json["error"]
    assert err["code"] == "import_invalid" and err["field"] == "file"
    assert err["details"][0]["line"] == 3 and "不存在的组" in err["details"][0]["message"]
    assert db.session.scalar(select(Department).where(Department.name == "好局")) is None


def test_import_requires_file_and_office_admin(api, db, tenant_a):
    raw = token_for(tenant_a.users["office_admin"])
    resp = api.post("/api/v1/departments/import", data={}, headers=auth(raw), content_type="multipart/form-data")
    assert resp.status_code == 422 and resp.json["error"]["field"] == "file"
    raw = token_for(tenant_a.users["reviewer"])
    resp = api.post("/api/v1/departments/import", data=_csv("部门名称,分组\nx,AAA县直部门\n"), headers=auth(raw),
                    content_type="multipart/form-data")
    assert resp.status_code == 403


def test_audit_log_filtered_and_scoped(api, db, tenant_a, tenant_b):
    raw = token_for(tenant_a.users["office_admin"])
    resp = api.get("/api/v1/audit?action=department.&per_page=100", headers=auth(raw))
    assert resp.status_code == 200
    items = resp.json["items"]
    assert len(items) == 2 and all(i["action"] == "department.create" for i in items)
    assert {i["department_id"] for i in items} == {tenant_a.dept_a.id, tenant_a.dept_b.id}
    resp = api.get(f"/api/v1/audit?department_id={tenant_b.dept_a.id}", headers=auth(raw))
    assert resp.json["total"] == 0
    assert api.get("/api/v1/audit?since=2000-01-01&until=2999-12-31", headers=auth(raw)).json["total"] >= 2
    assert api.get("/api/v1/audit?until=2000-01-01", headers=auth(raw)).json["total"] == 0


# --- description and documentation --------------------------------------------------------------------------


def test_openapi_document_is_public_and_complete(api, app, db):
    resp = api.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    spec = resp.json
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    documented = {p for p in spec["paths"]}
    routes = {r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("api_v1.")
              and r.endpoint not in ("api_v1.openapi", "api_v1.docs")}
    import re

    assert {re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", r) for r in routes} == documented
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert "401" in op["responses"], (method, path)
            assert op.get("x-roles"), (method, path)


def test_docs_page_renders_without_scripts_or_cdn(api, db):
    resp = api.get("/api/v1/docs")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "/api/v1/departments" in html and "DepartmentOut" in html
    assert "cdn" not in html.lower() and "<script>" not in html
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]


# --- token pages --------------------------------------------------------------------------------------------


def test_token_page_create_shows_once_list_and_revoke(login, db, tenant_a):
    user = tenant_a.users["dept_editor"]
    c = login(user.username)
    page = c.get("/account/api-tokens")
    assert page.status_code == 200 and "API 令牌" in page.get_data(as_text=True)
    resp = c.post("/account/api-tokens", data={"name": "网站监测", "days": "90", "password": TEST_PASSWORD})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    token = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    import re

    secret = re.search(r'value="(asst_[^"]+)"', html).group(1)
    assert services.hash_token(secret) == token.token_hash
    again = c.get("/account/api-tokens").get_data(as_text=True)
    assert secret not in again and "网站监测" in again and token.prefix in again
    assert c.get("/api/v1/me", headers=auth(secret)).status_code == 200
    resp = c.post(f"/account/api-tokens/{token.id}/revoke")
    assert resp.status_code == 302
    assert token.revoked_at is not None
    assert c.get("/api/v1/me", headers=auth(secret)).status_code == 401


def test_token_page_errors_at_field_and_foreign_revoke_404(login, db, tenant_a):
    other, _raw = services.create_token(tenant_a.users["reviewer"], "theirs", days=30)
    db.session.commit()
    c = login(tenant_a.users["viewer"].username)
    resp = c.post("/account/api-tokens", data={"name": "", "days": "90", "password": TEST_PASSWORD})
    assert resp.status_code == 200 and "请填写令牌名称" in resp.get_data(as_text=True)
    assert c.post(f"/account/api-tokens/{other.id}/revoke").status_code == 404
    assert other.revoked_at is None


def test_token_page_requires_login(client, db):
    assert client.get("/account/api-tokens").status_code == 302


def test_demo_tokens(db):
    import random

    from assess.admin import services as admin
    from assess.demo.api import demo_api
    from assess.models import Role

    office = admin.create_office("demo-api", "演示公开办", actor=None)
    group = admin.create_group(office, "县直部门", actor=None)
    dept = admin.create_department(office, "人社局", group, actor=None)
    office_user = admin.create_user(actor=None, username="office", display_name="办公室", role=Role.OFFICE_ADMIN,
                                    office=office)
    editor = admin.create_user(actor=None, username="rsj-editor", display_name="填报员", role=Role.DEPT_EDITOR,
                               office=office, department=dept)
    assert demo_api(office, random.Random(1)) == 3
    now = utcnow()
    mine = services.user_tokens(office_user)
    assert sorted(t.is_usable(now) for t in mine) == [False, True]
    assert [t.is_usable(now) for t in services.user_tokens(editor)] == [False]


def test_wrong_method_is_json_405(api, db, tenant_a):
    raw = token_for(tenant_a.users["office_admin"])
    resp = api.delete("/api/v1/departments", headers=auth(raw))
    assert resp.status_code == 405 and resp.is_json and resp.json["error"]["code"] == "method_not_allowed"


def test_csrf_applies_to_pages_but_not_to_token_requests(app, db, tenant_a):
    """With CSRF on (production): a token-authenticated API write needs no CSRF token; a form still does."""
    from assess import create_app

    secured = create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "STORAGE_DIR", "SERVER_NAME")},
                          "TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": True,
                          "PASSWORD_HASH_FAST": True})
    raw = token_for(tenant_a.users["office_admin"])
    db.session.commit()
    from assess.extensions import db as _db

    try:
        with secured.app_context():
            c = secured.test_client()
            data = {"file": (io.BytesIO("部门名称,分组\n令牌局,AAA县直部门\n".encode()), "d.csv"), "dry_run": "true"}
            resp = c.post("/api/v1/departments/import", data=data, headers=auth(raw),
                          content_type="multipart/form-data")
            assert resp.status_code == 200, resp.get_data(as_text=True)
            # a form (session) still requires the CSRF token
            assert c.post("/auth/login", data={"username": "x", "password": "y"}).status_code == 400
    finally:
        with secured.app_context():
            _db.engine.dispose()
