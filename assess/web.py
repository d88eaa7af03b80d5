"""Request-wide behaviour: security headers, error pages (HTML or JSON), template helpers."""
from __future__ import annotations

from decimal import Decimal

from flask import Flask, jsonify, render_template, request
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "object-src 'none'; frame-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)

ERROR_TITLES = {
    400: "请求有误",
    403: "无权访问",
    404: "页面不存在",
    405: "不允许的请求方式",
    409: "内容已被他人修改",
    410: "链接已失效",
    413: "文件过大",
    429: "尝试次数过多，请稍后再试",
    500: "服务器出错",
    503: "服务暂时不可用",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register_web_hooks(app: Flask) -> None:
    @app.after_request
    def _security_headers(resp):
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("ASSESS_ENV") == "production":
            resp.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return resp

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code = exc.code or 500
        title = _(ERROR_TITLES.get(code, exc.name))
        if _wants_json():
            return jsonify(error={"code": exc.name.lower().replace(" ", "_"), "message": title}), code
        return render_template("core/error.html", code=code, title=title, description=""), code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        from .extensions import db

        db.session.rollback()
        app.logger.exception("unhandled error")
        if app.config.get("PROPAGATE_EXCEPTIONS"):
            raise exc
        code = 503 if exc.__class__.__name__ in ("OperationalError", "InterfaceError") else 500
        title = _(ERROR_TITLES[code])
        if _wants_json():
            return jsonify(error={"code": "server_error" if code == 500 else "unavailable", "message": title}), code
        return render_template("core/error.html", code=code, title=title, description=""), code

    @app.template_filter("score")
    def _score(value) -> str:
        if value is None:
            return "—"
        d = Decimal(value).quantize(Decimal("0.01"))
        text = format(d, "f").rstrip("0").rstrip(".")
        return text or "0"

    @app.template_filter("dt")
    def _dt(value) -> str:
        if value is None:
            return "—"
        return format_datetime(value, "yyyy-MM-dd HH:mm")

    @app.context_processor
    def _globals():
        from .admin.labels import ROLE_LABELS
        from .core.routes import navigation
        from .models import Role

        return {
            "Role": Role,
            "current_locale": str(get_locale() or "zh_CN"),
            "nav_items": navigation,
            "role_label": lambda role: ROLE_LABELS.get(role, ""),
        }
