"""Request-wide behaviour: security headers, error pages (HTML or JSON), template helpers."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from flask import Flask, Response, abort, g, jsonify, render_template, request
from markupsafe import escape
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # ids are INTEGER columns (32-bit on PostgreSQL): a larger number names nothing

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "object-src 'none'; frame-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)

ERROR_TITLES = {  # lazy: in the request's language when shown (str() them)
    400: _l("请求有误"),
    403: _l("无权访问"),
    404: _l("页面不存在"),
    405: _l("不允许的请求方式"),
    409: _l("内容已被他人修改"),
    410: _l("链接已失效"),
    413: _l("文件过大"),
    429: _l("尝试次数过多，请稍后再试"),
    500: _l("服务器出错"),
    503: _l("服务暂时不可用"),
}


def show_error(exc: Exception, form=None) -> None:
    """Show a service's refusal at the form field it names (``exc.field``), or as a flash message."""
    from flask import flash

    name = getattr(exc, "field", None)
    field = getattr(form, name, None) if form is not None and name else None
    if field is not None:
        field.errors = list(field.errors) + [str(exc)]
    else:
        flash(str(exc), "error")


@dataclass(frozen=True)
class Outcome:
    """What :func:`commit_or_flash` did: true when it committed; ``result`` is what the action returned
    (the row a view redirects to, the count its message gives)."""

    committed: bool
    result: Any = None

    def __bool__(self) -> bool:
        return self.committed


def commit_or_flash(action: Callable[[], Any], success: str | Callable[[Any], str] | None, *,
                    refused: tuple[type[Exception], ...] = (ValueError,),
                    explain: Callable[[Exception], Any] = lambda exc: exc, form: Any = None,
                    show: Callable[[Exception], None] | None = None) -> Outcome:
    """One service action from a view, the way every view ends one: commit and confirm it, or roll back and
    say why the service refused (``refused``: the capability's error types; ``explain`` turns one into what
    is shown). ``success`` is the confirmation, or a function of the action's result that words it (called
    after the commit: "created 考核 X", "3 departments added"). With ``form`` the refusal goes to the field it
    names (``show_error``) so the caller can render the form again with what was typed; otherwise, and when it
    names no field of that form, it is flashed. ``show``, for a page that presents refusals its own way (on a
    review sheet, in an errors dict), receives the refusal instead. ``success=None`` confirms nothing (the next
    page says it). The :class:`Outcome` is true when it was committed and carries the action's result."""
    from flask import flash

    from .extensions import db

    try:
        result = action()
    except refused as exc:
        db.session.rollback()
        if show is not None:
            show(exc)
        else:
            show_error(explain(exc), form)
        return Outcome(False)
    db.session.commit()
    if success is not None:
        flash(success(result) if callable(success) else success, "success")
    return Outcome(True, result)


class IdConverter(IntegerConverter):
    """``<int:…>`` of every route (``create_app`` installs it as ``int``): an id the database can hold.

    Werkzeug's own converter hands any run of digits to the view, and a number beyond the column's range
    (``/self/9999999999999999999999999``) then fails inside the database driver as a 500. Here such an
    address is a 404 like any unknown one. (Not werkzeug's ``ValidationError``: that reads as "try the other
    rules" and answers 405 where the same path has a rule for another method.) ASCII digits only.
    """

    regex = r"[0-9]+"

    def to_python(self, value: str) -> Any:
        if len(value) > len(str(MAX_ID)) or int(value) > MAX_ID:  # length first: no 5,000-digit int()
            raise NotFound()
        return int(value)


def id_arg(value: str) -> int:
    """An id typed into a query string or a form (``request.args.get("campaign_id", type=id_arg)``): ASCII
    digits naming an id the database can hold, else ``ValueError`` (so ``get`` answers its default) — a
    number beyond the column's range fails inside the database driver otherwise."""
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)) or int(text) > MAX_ID:
        raise ValueError(f"not an id: {text[:20]!r}")
    return int(text)


def id_list(values: list[str]) -> list[int]:
    """The ids among posted values (ticked boxes: ``request.form.getlist("department_ids")``); any other
    value names nothing and is left out, as :func:`id_arg` reads it."""
    out = []
    for value in values:
        try:
            out.append(id_arg(value))
        except ValueError:
            continue
    return out


def install_id_converter(app: Flask) -> None:
    """Make :class:`IdConverter` the ``int`` converter; call before any route is registered."""
    app.url_map.converters["int"] = IdConverter


def previewed_upload(form: Any) -> bytes:
    """The file a preview page carried into its confirm form (base64 in the hidden ``payload`` field), so the
    confirmed import is the previewed one without storing anything in between; 400 when the form is not
    the page's own or the payload was tampered with."""
    import base64

    if not form.validate_on_submit():
        abort(400)
    try:
        return base64.b64decode(form.payload.data, validate=True)
    except ValueError:
        abort(400)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _unstorable(value) -> bool:
    """Text no database column can hold: NUL (PostgreSQL refuses it) or a lone surrogate (not UTF-8)."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unstorable(v) for v in value)
    return False


def register_web_hooks(app: Flask) -> None:
    @app.before_request
    def _refuse_unstorable_text():
        # refused with 400 up front instead of failing in the database (a 500) after the checks
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return
        if request.is_json and _unstorable(request.get_json(silent=True)):
            abort(400)
        if request.form and _unstorable(list(request.form.values())):
            abort(400)

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
        title = str(ERROR_TITLES.get(code, exc.name))
        if _wants_json():
            return jsonify(error={"code": exc.name.lower().replace(" ", "_"), "message": title}), code
        return _error_page(code, title)

    def _error_page(code: int, title: str):
        try:
            return render_template("core/error.html", code=code, title=title, description=""), code
        except Exception:  # the page's menu needs the database: when even that fails, a plain page
            app.logger.exception("error page failed")
            html = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{code}</title></head>'
                    f"<body><h1>{code} · {escape(title)}</h1></body></html>")
            return Response(html, status=code, mimetype="text/html")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        from .extensions import db, login_manager

        try:
            db.session.rollback()
        except Exception:  # the connection is gone as well
            app.logger.warning("rollback failed after an unhandled error", exc_info=True)
        app.logger.exception("unhandled error")
        if app.config.get("PROPAGATE_EXCEPTIONS"):
            raise exc
        # A value the database refuses (out of range, wrong type) is the request's fault, not the server's:
        # forms validate first, this is the safety net.
        name = exc.__class__.__name__
        code = 503 if name in ("OperationalError", "InterfaceError") else 400 if name == "DataError" else 500
        title = str(ERROR_TITLES[code])
        if _wants_json():
            kind = {500: "server_error", 503: "unavailable", 400: "bad_request"}[code]
            return jsonify(error={"code": kind, "message": title}), code
        if code == 503 and "_login_user" not in g:
            # the database is unreachable: render the page as for a visitor (loading the user needs it)
            g._login_user = login_manager.anonymous_user()
        return _error_page(code, title)

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
