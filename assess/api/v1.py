"""The API blueprint ``api_v1`` (/api/v1): authentication, errors, locale, pagination, versions.

Authentication: ``Authorization: Bearer <token>`` only. The token's user becomes the request's user and
:func:`assess.tenancy.scope.set_request_scope` installs exactly the scope that user has in the browser, so
every ORM select is filtered by the same automatic tenant criteria. Session cookies never authenticate the
API (a request without a valid token gets 401 even with a logged-in browser session), which is why the
blueprint is exempt from CSRF: no API request acts on ambient credentials.

Errors are JSON ``{"error": {"code", "message", "field"?}}``; messages follow Accept-Language (zh/en).
Business rules stay in each capability's services; their errors (``message`` + ``field``) become 422.
"""
from __future__ import annotations

import math
from functools import wraps
from typing import Any, Callable, Iterable, Sequence

from apiflask import APIBlueprint, Schema
from apiflask import fields as f
from apiflask.exceptions import HTTPError
from apiflask.validators import Range
from flask import g, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ..extensions import db
from ..web import MAX_ID  # path ids are bounded by the app's int converter (assess.web.IdConverter)
from ..models import Role
from ..tenancy.scope import set_request_scope
from . import services

v1 = APIBlueprint("api_v1", __name__, url_prefix="/api/v1", tag=None)

# Endpoints anyone may read: the description of the API, not data.
PUBLIC_ENDPOINTS = {"api_v1.openapi", "api_v1.docs"}



# --- errors -------------------------------------------------------------------------------------------------


class ApiError(Exception):
    """An error response: HTTP status, machine-readable code, human message, optional field and extras."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers = headers or {}
        self.extra = extra


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict:
    err: dict[str, Any] = {"code": code, "message": message}
    if field:
        err["field"] = field
    err.update({k: v for k, v in extra.items() if v is not None})
    return {"error": err}


def _respond(status: int, body: dict, headers: dict[str, str] | None = None):
    resp = jsonify(body)
    resp.status_code = status
    resp.headers["Cache-Control"] = "no-store"
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


@v1.errorhandler(ApiError)
def _api_error(exc: ApiError):
    db.session.rollback()
    return _respond(exc.status, error_body(exc.code, exc.message, exc.field, **exc.extra), exc.headers)


HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
              429: "too_many_requests"}


@v1.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    from ..web import ERROR_TITLES

    db.session.rollback()
    code = exc.code or 500
    message = str(ERROR_TITLES[code]) if code in ERROR_TITLES else exc.name
    allow = {k: v for k, v in exc.get_headers() if k == "Allow"}
    return _respond(code, error_body(HTTP_CODES.get(code, exc.name.lower().replace(" ", "_")), message), allow)


# marshmallow's English messages → ours (the validation rules are the schema's types; the business rules
# are the services', whose messages are already translated).
_MM_MESSAGES = {
    "Missing data for required field.": "缺少必填字段。",
    "Field may not be null.": "不能为空值。",
    "Not a valid integer.": "不是有效的整数。",
    "Not a valid number.": "不是有效的数字。",
    "Not a valid string.": "不是有效的文本。",
    "Not a valid boolean.": "不是有效的布尔值。",
    "Not a valid date.": "不是有效的日期（YYYY-MM-DD）。",
    "Not a valid datetime.": "不是有效的日期时间。",
    "Not a valid list.": "不是有效的列表。",
    "Not a valid mapping type.": "不是有效的对象。",
    "Unknown field.": "未知字段。",
    "Invalid input type.": "输入类型无效。",
    "Invalid value.": "值无效。",
    "Not a valid URL.": "不是有效的网址。",
    "Not a valid file.": "不是有效的文件。",
    "Invalid input.": "输入无效。",
}


def _english() -> bool:
    from flask_babel import get_locale

    return str(get_locale() or "").startswith("en")


def _translate_mm(msg: str) -> str:
    if _english():
        return msg  # marshmallow's own messages are English
    if msg in _MM_MESSAGES:
        return _(_MM_MESSAGES[msg])
    if msg.startswith("Must be one of:"):
        return _("必须是以下之一：%(values)s", values=msg.split(":", 1)[1].strip().rstrip("."))
    if msg.startswith("Must be greater than or equal to") or msg.startswith("Must be less than or equal to"):
        return _("超出允许范围：%(detail)s", detail=msg)
    if msg.startswith("Longer than maximum length") or msg.startswith("Shorter than minimum length"):
        return _("长度不符合要求：%(detail)s", detail=msg)
    return _("输入无效：%(detail)s", detail=msg)


def _flatten(messages: Any, prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            out.extend(_flatten(value, path))
    elif isinstance(messages, (list, tuple)):
        if all(isinstance(m, str) for m in messages):
            out.extend((prefix, m) for m in messages)
        else:
            for m in messages:
                out.extend(_flatten(m, prefix))
    else:
        out.append((prefix, str(messages)))
    return out


@v1.errorhandler(HTTPError)
def _validation_error(exc: HTTPError):
    """APIFlask's input validation (webargs/marshmallow): 422 with the first field path and all details."""
    db.session.rollback()
    details = []
    for location, messages in (exc.detail or {}).items():
        for path, msg in _flatten(messages):
            field = path if location in ("json", "files", "form", "form_and_files") else f"{location}.{path}"
            details.append({"field": field, "message": _translate_mm(msg)})
    first = details[0] if details else {"field": None, "message": _("请求数据有误。")}
    status = exc.status_code if exc.status_code in (400, 422) else 422
    return _respond(status, error_body("validation_error", first["message"], first["field"], details=details))


@v1.errorhandler(StaleDataError)
def _stale(exc: StaleDataError):
    db.session.rollback()
    return _respond(412, error_body("version_conflict", _("内容已被他人修改，请重新读取后再提交。")))


@v1.errorhandler(IntegrityError)
def _integrity(exc: IntegrityError):
    """Two writers created the same row at once (e.g. the first answer to an indicator): the later one loses."""
    db.session.rollback()
    return _respond(409, error_body("conflict", _("内容刚被他人同时保存，您的修改未保存。请重新读取后再提交。")))


@v1.errorhandler(ValueError)
def _capability_error(exc: ValueError):
    """Every capability raises a ValueError subclass with ``field``: that is a refusal (422), not a crash."""
    if not hasattr(exc, "field"):
        raise exc
    db.session.rollback()
    field_map: dict[str, str] = getattr(g, "api_field_map", {}) or {}
    field = exc.field  # type: ignore[attr-defined]
    if field:
        field = field_map.get(field, field)
    extra: dict[str, Any] = {}
    errors = getattr(exc, "errors", None)
    if isinstance(errors, dict) and errors:
        extra["details"] = [{"field": field_map.get(k, k), "message": str(v)} for k, v in errors.items()]
        if not field:
            field = extra["details"][0]["field"]
    return _respond(422, error_body("rejected", str(exc), field, **extra))


def field_map(mapping: dict[str, str]) -> None:
    """Name, for the current request, the API field path of a service's field name."""
    g.api_field_map = mapping


# --- authentication -----------------------------------------------------------------------------------------

_AUTH_MESSAGES = {  # lazy: in the request's language (Accept-Language)
    "missing": _l("需要 API 令牌：请在 Authorization 头中提供 Bearer 令牌。"),
    "malformed": _l("Authorization 头格式有误，应为“Bearer <令牌>”。"),
    "unknown": _l("API 令牌无效。"),
    "revoked": _l("API 令牌已被撤销。"),
    "expired": _l("API 令牌已过期。"),
    "inactive": _l("该令牌所属的账号已停用。"),
}


@v1.before_request
def _authenticate():
    from flask_babel import refresh

    refresh()  # the locale is this request's Accept-Language, never one cached by an enclosing context
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    result = services.authenticate(request.headers.get("Authorization"))
    if result.user is None:
        raise ApiError(401, "unauthorized" if result.problem in ("missing", "malformed") else f"token_{result.problem}",
                       str(_AUTH_MESSAGES[result.problem]), headers={"WWW-Authenticate": 'Bearer realm="assess"'})
    # The token's user is the request's user: Flask-Login's current_user and the tenant scope follow.
    g._login_user = result.user
    g.api_token = result.token
    set_request_scope(result.user)
    if services.touch(result.token):
        db.session.commit()
    return None


def Id(**kwargs):
    """An id field of a query or body: a positive 32-bit integer."""
    return f.Integer(validate=Range(min=1, max=MAX_ID), **kwargs)


@v1.after_request
def _no_store(resp):
    resp.headers.setdefault("Cache-Control", "no-store")
    resp.headers["Vary"] = "Authorization, Accept-Language"
    resp.headers["Content-Language"] = "en" if _english() else "zh-CN"
    return resp


def user():
    """The authenticated user of this API request."""
    from flask_login import current_user

    return current_user._get_current_object()  # type: ignore[attr-defined]


def roles(*allowed: Role) -> Callable:
    """Allow only these roles (403 otherwise); the roles are listed in the operation's documentation."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if user().role not in allowed:
                raise ApiError(403, "forbidden", _("您的角色无权执行此操作。"))
            return view(*args, **kwargs)

        wrapped._api_roles = tuple(r.value for r in allowed)  # type: ignore[attr-defined]
        return wrapped

    return decorator


def office_of_user():
    """The caller's office (403 for the platform administrator, who acts on no office's data here)."""
    from ..models import Office

    u = user()
    office = db.session.get(Office, u.office_id) if u.office_id else None
    if office is None:
        raise ApiError(403, "forbidden", _("该操作需要所属单位的账号。"))
    return office


def commit() -> None:
    db.session.commit()


# --- versions (ETag / If-Match) -----------------------------------------------------------------------------


def etag(version: int | None) -> str:
    return f'"{version}"' if version is not None else '"0"'


def _parse_if_match(raw: str) -> list[str]:
    return [part.strip().removeprefix("W/").strip('"') for part in raw.split(",") if part.strip()]


def if_match(current: int | None, what: str = "") -> int | None:
    """Check the If-Match header against the current version; returns the version the client edited.

    Missing header where a version exists → 428; a different version → 412 with the current version.
    ``*`` matches any existing version.
    """
    raw = request.headers.get("If-Match")
    if current is None:
        return None
    if not raw:
        raise ApiError(428, "precondition_required",
                       _("修改须带 If-Match 头（当前版本 %(v)s），以免覆盖他人的修改。", v=current),
                       headers={"ETag": etag(current)}, current_version=current)
    tags = _parse_if_match(raw)
    if "*" in tags:
        return current
    for t in tags:
        if t.isdigit() and int(t) == current:
            return current
    mine = tags[0] if tags else raw
    raise ApiError(412, "version_conflict",
                   _("内容已被他人修改：您修改的是版本 %(mine)s，当前版本为 %(cur)s。请重新读取后再提交。",
                     mine=mine, cur=current),
                   headers={"ETag": etag(current)}, current_version=current)


# For @v1.doc(responses=...) of every write that carries a version.
VERSIONED = {412: "版本冲突：If-Match 与当前版本不符（响应带当前版本）", 428: "缺少 If-Match（响应带当前版本）"}


def with_etag(body: Any, version: int | None, status: int = 200):
    resp = jsonify(body)
    resp.status_code = status
    resp.headers["ETag"] = etag(version)
    return resp


# --- pagination and lists ----------------------------------------------------------------------------------


class PageQuery(Schema):
    page = f.Integer(load_default=1, validate=Range(min=1, max=100000), metadata={"description": "页码，从 1 开始"})
    per_page = f.Integer(load_default=20, validate=Range(min=1, max=100), metadata={"description": "每页条数（1–100）"})


_page_schemas: dict[str, type[Schema]] = {}


def page_of(item_schema: type[Schema], name: str) -> type[Schema]:
    """A page schema: ``items`` plus ``page``, ``per_page``, ``total``, ``pages``."""
    if name not in _page_schemas:
        _page_schemas[name] = Schema.from_dict({
            "items": f.List(f.Nested(item_schema), required=True),
            "page": f.Integer(required=True),
            "per_page": f.Integer(required=True),
            "total": f.Integer(required=True),
            "pages": f.Integer(required=True),
        }, name=name)
    return _page_schemas[name]


def paginate(source: Select | Sequence[Any], query: dict, serialize: Callable[[Any], dict] = lambda x: x) -> dict:
    page, per_page = query.get("page", 1), query.get("per_page", 20)
    if isinstance(source, Select):
        total = db.session.scalar(select(func.count()).select_from(source.order_by(None).subquery())) or 0
        rows: Iterable[Any] = db.session.scalars(source.limit(per_page).offset((page - 1) * per_page))
    else:
        items = list(source)
        total = len(items)
        rows = items[(page - 1) * per_page: page * per_page]
    return {
        "items": [serialize(r) for r in rows],
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": max(1, math.ceil(total / per_page)) if per_page else 1,
    }


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def dec(value) -> str | None:
    return None if value is None else format(value, "f")


def _setup(state) -> None:
    """Config APIFlask's decorators read at request time; CSRF exemption (token-only blueprint)."""
    from ..extensions import csrf

    app = state.app
    app.config.setdefault("VALIDATION_ERROR_STATUS_CODE", 422)
    app.config.setdefault("VALIDATION_ERROR_DESCRIPTION", "Validation error")
    app.config.setdefault("BASE_RESPONSE_SCHEMA", None)
    app.config.setdefault("BASE_RESPONSE_DATA_KEY", "data")
    csrf.exempt(v1)


v1.record_once(_setup)
