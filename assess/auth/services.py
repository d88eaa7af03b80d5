"""Log-in, set-password links and password changes (no request objects in here)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select

from ..audit.services import record
from ..extensions import db
from ..models import ApiToken, PasswordLink, User
from ..models.base import utcnow
from .passwords import hash_password, password_problems, verify_password


class AuthError(ValueError):
    """A refusal whose message is shown to the user."""


def find_user(username: str) -> User | None:
    return db.session.scalars(
        select(User).where(User.username == username.strip()).execution_options(unscoped=True)
    ).first()


def authenticate(username: str, password: str) -> User | None:
    """Return the user when the credentials match an active account, else None (no reason leaked).

    The password is checked in every case, against a dummy hash when the account does not exist, so the
    time a refusal takes does not tell whether it exists (nor whether it is deactivated)."""
    user = find_user(username)
    matches = verify_password(user.password_hash if user is not None else None, password)
    if user is None or not user.active or not matches:
        return None
    user.last_login_at = utcnow()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


#: Called as ``fn(user, token, created_by=..., expires_at=...)`` when a set-password link is made, in its
#: transaction (``create_app`` registers the notification that carries the link to the user's e-mail).
AFTER_LINK: list[Callable[..., object]] = []


def after_link(fn: Callable[..., object]) -> None:
    if fn not in AFTER_LINK:
        AFTER_LINK.append(fn)


def create_password_link(user: User, *, created_by: User | None, hours: int = 72) -> str:
    """Make a one-time link token (returned once; only its hash is stored). Older links die."""
    now = utcnow()
    for link in db.session.scalars(
        select(PasswordLink).where(PasswordLink.user_id == user.id, PasswordLink.used_at.is_(None))
        .execution_options(unscoped=True)
    ):
        link.used_at = now
    token = secrets.token_urlsafe(32)
    expires_at: datetime = now + timedelta(hours=hours)
    db.session.add(
        PasswordLink(
            user_id=user.id, token_hash=_token_hash(token), expires_at=expires_at,
            created_by_id=getattr(created_by, "id", None),
        )
    )
    db.session.flush()
    for fn in AFTER_LINK:
        fn(user, token, created_by=created_by, expires_at=expires_at)
    return token


def link_for_token(token: str) -> PasswordLink:
    """The usable link for ``token``, or AuthError saying why not (unknown, used, expired)."""
    from flask_babel import gettext as _

    link = db.session.scalars(
        select(PasswordLink).where(PasswordLink.token_hash == _token_hash(token)).execution_options(unscoped=True)
    ).first()
    if link is None:
        raise AuthError(_("该设置密码链接无效。请向管理员索取新的链接。"))
    if link.used_at is not None:
        raise AuthError(_("该设置密码链接已使用过或已作废。请向管理员索取新的链接。"))
    if link.expires_at <= utcnow():
        raise AuthError(_("该设置密码链接已过期。请向管理员索取新的链接。"))
    return link


def end_sessions(user: User) -> None:
    """End every browser session of ``user``, on every computer (the user loader compares this version)."""
    user.session_version = (user.session_version or 1) + 1


def end_api_tokens(user: User, *, reason: str, actor: User | None = None) -> int:
    """Revoke every API token of ``user`` that is not revoked yet; returns how many.

    Used when the credential behind the tokens changes or is withdrawn (a new password, deactivation):
    a token taken with the old password must not outlive it, and reactivating an account must not bring
    back tokens nobody can vouch for. Revoked, not deleted: the token page still lists them.
    """
    now = utcnow()
    tokens = list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .execution_options(unscoped=True)
    ))
    for token in tokens:
        token.revoked_at = now
        if user.office_id is not None:  # the platform administrator has no office chain
            record(user.office_id, "api_token.revoke", "api_token", token.id, actor=actor or user,
                   department_id=user.department_id, old={"name": token.name, "prefix": token.prefix},
                   reason=reason)
    return len(tokens)


def set_password(user: User, password: str, *, actor: User | None = None) -> None:
    """Set a new password after the rules; every other session and every API token of the user ends."""
    problems = password_problems(password, user.username)
    if problems:
        raise AuthError(" ".join(problems))
    user.password_hash = hash_password(password)
    end_sessions(user)
    if user.office_id is not None:
        record(user.office_id, "user.password_set", "user", user.id, actor=actor or user,
               department_id=user.department_id)
    from flask_babel import gettext as _

    end_api_tokens(user, reason=_("密码已修改"), actor=actor)


def use_password_link(token: str, password: str) -> User:
    link = link_for_token(token)
    # the visitor is anonymous: this deliberate, token-authorised lookup crosses the tenant scope
    user = db.session.get(User, link.user_id, execution_options={"unscoped": True})
    set_password(user, password, actor=user)
    link.used_at = utcnow()
    return user


def change_password(user: User, current: str, new: str) -> None:
    from flask_babel import gettext as _

    if not verify_password(user.password_hash, current):
        raise AuthError(_("当前密码不正确。"))
    set_password(user, new)
