"""Personal API tokens: create (the secret is returned once), list, revoke, and authenticate."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit.services import record
from ..extensions import db
from ..models import ApiToken, User
from ..models.base import utcnow

TOKEN_PREFIX = "asst_"
MAX_ACTIVE_TOKENS = 20
MAX_DAYS = 366
TOUCH_EVERY = timedelta(minutes=5)  # last_used_at is written at most this often


class TokenError(ValueError):
    """A refusal with a message for the user; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def user_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def _audit(user: User, action: str, token: ApiToken, **kw) -> None:
    if user.office_id is not None:  # the platform administrator has no office chain
        record(user.office_id, action, "api_token", token.id, actor=user, department_id=user.department_id, **kw)


def create_token(user: User, name: str, *, days: int | None = 90, now: datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the secret, which is never shown again."""
    now = now or utcnow()
    name = (name or "").strip()
    if not name:
        raise TokenError(_("请填写令牌名称。"), "name")
    if len(name) > 80:
        raise TokenError(_("令牌名称不能超过80个字符。"), "name")
    if days is not None and not (1 <= days <= MAX_DAYS):
        raise TokenError(_("有效期须为1至%(n)s天。", n=MAX_DAYS), "days")
    active = [t for t in user_tokens(user) if t.is_usable(now)]
    if any(t.name == name for t in active):
        raise TokenError(_("已有同名的有效令牌“%(name)s”。", name=name), "name")
    if len(active) >= MAX_ACTIVE_TOKENS:
        raise TokenError(_("有效令牌最多%(n)s个，请先撤销不用的令牌。", n=MAX_ACTIVE_TOKENS), "name")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, office_id=user.office_id, name=name, token_hash=hash_token(raw),
                     prefix=raw[: len(TOKEN_PREFIX) + 6], created_at=now,
                     expires_at=(now + timedelta(days=days)) if days else None)
    db.session.add(token)
    db.session.flush()
    _audit(user, "api_token.create", token, new={"name": name, "prefix": token.prefix,
                                                 "expires_at": token.expires_at})
    return token, raw


def revoke_token(user: User, token_id: int, *, now: datetime | None = None) -> ApiToken:
    """Revoke one of the user's own tokens (someone else's token is simply not found)."""
    token = db.session.scalars(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    ).first()
    if token is None:
        raise TokenError(_("令牌不存在。"), "token")
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        _audit(user, "api_token.revoke", token, old={"name": token.name, "prefix": token.prefix})
    return token


@dataclass(frozen=True)
class AuthResult:
    user: User | None
    token: ApiToken | None
    problem: str = ""  # missing | malformed | unknown | revoked | expired | inactive


def authenticate(header: str | None, *, now: datetime | None = None) -> AuthResult:
    """Resolve an ``Authorization: Bearer <token>`` header to its user (the token row is read by hash)."""
    now = now or utcnow()
    if not header:
        return AuthResult(None, None, "missing")
    scheme, _sep, raw = header.strip().partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return AuthResult(None, None, "malformed")
    token = db.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == hash_token(raw)).execution_options(unscoped=True)
    ).first()
    if token is None:
        return AuthResult(None, None, "unknown")
    if token.revoked_at is not None:
        return AuthResult(None, token, "revoked")
    if token.expires_at is not None and token.expires_at <= now:
        return AuthResult(None, token, "expired")
    user = db.session.scalars(
        select(User).where(User.id == token.user_id).execution_options(unscoped=True)
    ).first()
    if user is None or not user.active:
        return AuthResult(None, token, "inactive")
    return AuthResult(user, token)


def touch(token: ApiToken, *, now: datetime | None = None) -> bool:
    """Note the token's use (at most every few minutes, to keep reads from writing each time)."""
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = now
        return True
    return False


def active_count(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ) or 0
