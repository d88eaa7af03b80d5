"""The OpenAPI description of /api/v1 and its documentation page.

Our app stays a plain Flask app; the API's views are declared on an APIFlask ``APIBlueprint`` (``v1``) with
marshmallow schemas (``@v1.input`` / ``@v1.output`` / ``@v1.doc``). APIFlask generates a spec only for an
APIFlask application, so the description is produced by a *spec-only* ``APIFlask`` instance on which the
same blueprint — the same view functions and annotations — is registered; it never serves a request. The
result is post-processed (bearer security, the common error responses, allowed roles) and cached per app.

The documentation page is rendered on the server from that same document: no JavaScript, no CDN.
"""
from __future__ import annotations

import copy
from typing import Any

from flask import current_app, jsonify, render_template

from .v1 import PUBLIC_ENDPOINTS, v1

API_TITLE = "Assess API"
API_VERSION = "1.0"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "machine-readable code"},
                "message": {"type": "string", "description": "human message in the request's language"},
                "field": {"type": "string", "description": "path of the field at fault"},
                "current_version": {"type": "integer", "description": "the current version (412/428)"},
                "details": {
                    "type": "array",
                    "items": {"type": "object", "properties": {
                        "field": {"type": "string", "nullable": True},
                        "message": {"type": "string"},
                        "line": {"type": "integer", "nullable": True},
                    }},
                },
            },
        }
    },
}

DESCRIPTION = """\
政务公开绩效考核平台的 JSON 接口（第 1 版）。

**认证**：每个请求带 `Authorization: Bearer <令牌>`。令牌由用户在“API 令牌”页面创建（只显示一次），
以该用户的角色和所属单位/部门行事：接口看到的数据与该用户在浏览器中看到的完全相同。浏览器会话（Cookie）
不能调用接口。

**语言**：错误信息随 `Accept-Language`（`zh` / `en`）。

**错误**：`{"error": {"code": "…", "message": "…", "field": "…"}}`；校验错误带字段路径（`field`）和全部明细（`details`）。

**并发**：可修改的资源在读取时返回 `ETag`（版本号）。修改时带 `If-Match: "<版本>"`；版本已变 → 412（带当前版本），
缺少 If-Match → 428。

**分页**：列表接受 `page`、`per_page`（1–100），返回 `items`、`page`、`per_page`、`total`、`pages`。
"""

TAG_ORDER = ["账号", "部门与分组", "考核", "自评", "评审", "排名与等次", "整改", "审计日志", "文件下载"]

COMMON_ERRORS = {
    "401": "未认证：缺少、无效、已撤销或已过期的令牌",
    "403": "角色无权执行此操作",
}
REFUSAL = {"400": "请求格式有误（如 JSON 无法解析）", "422": "请求被拒绝：校验或业务规则（带 field）"}


def _spec_app():
    from apiflask import APIFlask
    from apispec.ext.marshmallow.common import make_schema_key, resolve_schema_instance
    from marshmallow import Schema as MarshmallowSchema

    class SpecApp(APIFlask):
        def _register_schema_and_get_ref(self, spec, registered_schema_classes, schema_obj):
            # A schema already added as a nested schema is referenced, not added a second time.
            if isinstance(schema_obj, MarshmallowSchema) or (isinstance(schema_obj, type)
                                                             and issubclass(schema_obj, MarshmallowSchema)):
                key = make_schema_key(resolve_schema_instance(schema_obj))
                name = self._ma_plugin.converter.refs.get(key) if self._ma_plugin else None
                if name:
                    return {"$ref": f"#/components/schemas/{name}"}
            return super()._register_schema_and_get_ref(spec, registered_schema_classes, schema_obj)

    spec_app = SpecApp("assess.api.spec", title=API_TITLE, version=API_VERSION, spec_path=None, docs_path=None,
                        docs_oauth2_redirect_path=None)
    spec_app.config.update(
        OPENAPI_VERSION="3.0.3",
        AUTO_SERVERS=False,
        AUTO_OPERATION_ID=True,
        AUTO_TAGS=False,
        SUCCESS_DESCRIPTION="成功",
        DESCRIPTION=DESCRIPTION,
        HTTP_ERROR_SCHEMA=ERROR_SCHEMA,
        VALIDATION_ERROR_SCHEMA=ERROR_SCHEMA,
        VALIDATION_ERROR_DESCRIPTION="校验错误（带字段路径）",
        NOT_FOUND_DESCRIPTION="不存在（或不在您的权限范围内）",
        SECURITY_SCHEMES={"bearerAuth": {"type": "http", "scheme": "bearer",
                                         "description": "个人 API 令牌（asst_…）"}},
    )
    spec_app.register_blueprint(v1)
    return spec_app


def _error_response(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def build_spec() -> dict:
    """Generate and post-process the description (called once per app, then cached)."""
    spec_app = _spec_app()
    with spec_app.app_context():
        doc: dict = copy.deepcopy(spec_app._get_spec("json", force_update=True))  # type: ignore[arg-type]
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPError", "ValidationError"):  # APIFlask's own error shapes: ours is "Error"
        schemas.pop(unused, None)
    schemas["Error"] = ERROR_SCHEMA
    doc["paths"] = dict(sorted(doc.get("paths", {}).items()))
    doc["security"] = [{"bearerAuth": []}]
    tags: list[str] = []
    for ops in doc.get("paths", {}).values():
        for op in ops.values():
            for tag in op.get("tags", []) if isinstance(op, dict) else []:
                if tag not in tags:
                    tags.append(tag)
    tags.sort(key=lambda t: TAG_ORDER.index(t) if t in TAG_ORDER else len(TAG_ORDER))
    doc["tags"] = [{"name": t} for t in tags]
    doc["servers"] = [{"url": "/"}]
    public_paths = set()
    view_roles: dict[tuple[str, str], tuple[str, ...]] = {}
    for rule in spec_app.url_map.iter_rules():
        view = spec_app.view_functions.get(rule.endpoint)
        path = _openapi_path(rule.rule)
        if rule.endpoint in PUBLIC_ENDPOINTS:
            public_paths.add(path)
        for method in rule.methods or ():
            view_roles[(path, method.lower())] = getattr(view, "_api_roles", ())
    for path, ops in doc.get("paths", {}).items():
        for method, op in ops.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = op.setdefault("responses", {})
            for code in list(responses):
                content = responses[code].get("content", {}).get("application/json", {})
                if code[0] in "45" and content:
                    content["schema"] = {"$ref": "#/components/schemas/Error"}
            if path in public_paths:
                op["security"] = []
                continue
            for code, text in COMMON_ERRORS.items():
                responses.setdefault(code, _error_response(text))
            if method != "get":
                for code, text in REFUSAL.items():
                    responses.setdefault(code, _error_response(text))
            allowed = view_roles.get((path, method), ())
            if allowed:
                op["x-roles"] = list(allowed)
                note = "允许的角色：" + "、".join(allowed)
                op["description"] = (op.get("description", "") + "\n\n" + note).strip()
    return doc


def _openapi_path(rule: str) -> str:
    import re

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def get_spec() -> dict:
    cache = current_app.extensions.setdefault("assess_api", {})
    if "spec" not in cache:
        cache["spec"] = build_spec()
    return cache["spec"]


@v1.get("/openapi.json")
@v1.doc(hide=True)
def openapi():
    resp = jsonify(get_spec())
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


@v1.get("/docs")
@v1.doc(hide=True)
def docs():
    spec = get_spec()
    intro = [_markdown(p) for p in (spec.get("info", {}).get("description") or "").split("\n\n") if p.strip()]
    return render_template("api/docs.html", spec=spec, groups=_grouped(spec), intro=intro)


def _markdown(text: str):
    """The little Markdown the description uses (**bold**, `code`), escaped first."""
    import re

    from markupsafe import Markup, escape

    html = str(escape(text))
    html = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html)
    html = re.sub(r"`([^`]+)`", r"<code>\1</code>", html)
    return Markup(html)


def _grouped(spec: dict) -> list[tuple[str, list[dict]]]:
    """Operations by tag, in path order, each with its parameters, body and responses resolved for display."""
    schemas = spec.get("components", {}).get("schemas", {})
    groups: dict[str, list[dict]] = {}
    for path, ops in spec.get("paths", {}).items():
        for method, op in ops.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            tag = (op.get("tags") or ["其他"])[0]
            body = None
            for ctype, content in (op.get("requestBody", {}).get("content") or {}).items():
                body = {"content_type": ctype, "fields": _fields(content.get("schema", {}), schemas)}
                break
            responses = []
            for code, r in sorted(op.get("responses", {}).items()):
                schema = (r.get("content") or {}).get("application/json", {}).get("schema")
                name = schema.get("$ref", "").rsplit("/", 1)[-1] if schema else ""
                responses.append({"code": code, "description": r.get("description", ""), "schema": name})
            groups.setdefault(tag, []).append({
                "id": op.get("operationId", f"{method}-{path}"),
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""), "parameters": op.get("parameters", []),
                "body": body, "responses": responses, "roles": op.get("x-roles", []),
                "public": op.get("security") == [],
            })
    order = {t["name"]: i for i, t in enumerate(spec.get("tags", []))}
    return sorted(groups.items(), key=lambda kv: order.get(kv[0], len(order)))


def _fields(schema: dict, schemas: dict, prefix: str = "", depth: int = 0) -> list[dict]:
    if "$ref" in schema:
        schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
    out = []
    required = set(schema.get("required", []))
    for name, prop in (schema.get("properties") or {}).items():
        target = prop
        if "$ref" in prop:
            target = schemas.get(prop["$ref"].rsplit("/", 1)[-1], {})
        typ = target.get("type", "object")
        if typ == "array":
            item = target.get("items", {})
            inner = schemas.get(item["$ref"].rsplit("/", 1)[-1], {}) if "$ref" in item else item
            typ = f"array<{inner.get('type', 'object')}>"
            target = inner
        out.append({"name": prefix + name, "type": typ, "required": name in required,
                    "description": prop.get("description", "") or target.get("description", ""),
                    "enum": target.get("enum")})
        if depth < 2 and target.get("properties"):
            out.extend(_fields(target, schemas, prefix + name + ".", depth + 1))
    return out
