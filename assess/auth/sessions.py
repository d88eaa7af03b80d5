"""How long a browser session lives, decided on the server and not by the cookie.

A signed cookie is a bearer credential: whoever holds a copy is the user. What limits a copy is therefore
checked here on every request, from the session's own time stamps and the user's session version:

- **absolute lifetime** (``SESSION_HOURS``, default 8): counted from the log-in and never renewed by use,
  so a cookie used every few minutes still ends when the working day does;
- **idle timeout** (``SESSION_IDLE_MINUTES``, default 60): a session nobody used for that long ends;
- **session version** (``User.session_version``, checked by the user loader): log-out, a password change,
  a role change and deactivation bump it, which ends every session of that user on every computer.

The session is not bound to the browser or the address (Flask-Login's "strong" protection only marks a
permanent session "not fresh", and binding to the address would end the sessions of clerks whose
requests leave through several proxies): nothing here relies on such a binding.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, request, session
from flask_babel import gettext as _
from flask_login import logout_user

from ..models.base import utcnow

LOGIN_AT = "login_at"  # epoch seconds of the log-in (absolute lifetime)
SEEN_AT = "seen_at"  # epoch seconds of the last request (idle timeout)


def _now() -> int:
    return int(utcnow().timestamp())


def start() -> None:
    """Stamp a fresh log-in into the (already rotated) session."""
    now = _now()
    session[LOGIN_AT] = now
    session[SEEN_AT] = now


def expired(login_at: object, seen_at: object, now: int) -> bool:
    """Whether a session stamped ``login_at``/``seen_at`` is over at ``now`` (missing stamps: over)."""
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        return True
    lifetime: timedelta = current_app.config["PERMANENT_SESSION_LIFETIME"]
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    return now - login_at >= lifetime.total_seconds() or now - seen_at >= idle.total_seconds()


def enforce() -> None:
    """Before every browser request: end an expired session, else note that it was used now.

    The request then continues as anonymous: a page that needs a log-in sends the browser to the log-in
    page (which returns to the page after log-in), and the message says why.
    """
    if "_user_id" not in session or request.endpoint == "static" or request.path.startswith("/api/"):
        return
    now = _now()
    if expired(session.get(LOGIN_AT), session.get(SEEN_AT), now):
        logout_user()
        session.clear()
        flash(_("登录已过期，请重新登录。"), "warning")
        return
    session[SEEN_AT] = now
