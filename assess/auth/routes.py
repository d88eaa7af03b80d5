"""Log-in, log-out, set-password links, password change and the language switch."""
from __future__ import annotations

from typing import Callable
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, limiter
from .forms import ChangePasswordForm, LoginForm, SetPasswordForm
from . import sessions
from .services import AuthError, authenticate, change_password, end_sessions, link_for_token, use_password_link

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str:
    """Where to go after log-in: a path of this site, else the start page. Anything a header cannot carry
    (CR/LF, NUL, other control or format characters) or a browser may read as another host (``//``, ``\\``)
    falls back to the start page instead of failing in the redirect."""
    if (target and len(target) <= 2048 and target.isprintable() and "\\" not in target
            and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc):
        return target
    return url_for("core.home")


def _failed(resp) -> bool:
    """Only failed log-ins count: a successful one redirects."""
    return resp.status_code != 302


def _account() -> str:
    return (request.form.get("username") or "").strip().lower()


# Three counters of failed log-ins, each refusing the next attempt (429) once full, whichever worker or
# server answers (they live in RATELIMIT_STORAGE_URI): per address and account, so that one office's NAT
# does not lock all its clerks out; per account from any address, so that a guess spread over many
# addresses is slowed down too; per address over any account, so that one address cannot try a password
# on every account. Limits and keys are data, stacked as decorators below.
LOGIN_LIMITS: list[tuple[str, Callable[[], str]]] = [
    ("LOGIN_RATE_LIMIT", lambda: f"pair|{request.remote_addr}|{_account()}"),
    ("LOGIN_ACCOUNT_RATE_LIMIT", lambda: f"account|{_account()}"),
    ("LOGIN_ADDRESS_RATE_LIMIT", lambda: f"address|{request.remote_addr}"),
]


def _limited(view):
    for setting, key in LOGIN_LIMITS:
        view = limiter.limit(lambda s=setting: current_app.config[s], methods=["POST"], key_func=key,
                             deduct_when=_failed)(view)
    return view


@bp.route("/login", methods=["GET", "POST"])
@_limited
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is None:
            flash(_("用户名或密码不正确。"), "error")
        else:
            session.clear()  # rotate the session at log-in
            if user.locale:
                session["locale"] = user.locale
            session.permanent = True
            login_user(user)
            sessions.start()
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session on the server too: a copy of the cookie taken before no longer works. The user's
    sessions on other computers end with it (one session version per user: log-out means everywhere)."""
    if current_user.is_authenticated:
        end_sessions(current_user)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    try:
        link = link_for_token(token)
    except AuthError as exc:
        return render_template("auth/link_error.html", message=str(exc)), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            use_password_link(token, form.password.data)
        except AuthError as exc:
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            logout_user()
            flash(_("密码已设置，请登录。"), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=link.user)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current.data, form.password.data)
        except AuthError as exc:
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            login_user(current_user)  # keep this session alive with the new session version
            flash(_("密码已修改。其他设备上的登录和您的全部 API 令牌已失效。"), "success")
            return redirect(url_for("core.home"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/locale/<code>", methods=["POST"])
def set_locale(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["locale"] = code
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    return redirect(_safe_next(request.form.get("next")))
