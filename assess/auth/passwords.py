"""Password hashing (Argon2id) and the password rules shared by every form and the API."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import lazy_gettext as _l

_hasher = PasswordHasher()
MIN_LENGTH = 10


def use_fast_hasher() -> None:
    """Cheap Argon2 parameters for test suites only (config PASSWORD_HASH_FAST); verify still accepts
    hashes made with the strong defaults, since the parameters are stored in each hash."""
    global _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_problems(password: str, username: str = "") -> list[str]:
    """Why a new password is refused (empty list = acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(str(_l("密码至少需要 %(n)s 个字符。", n=MIN_LENGTH)))
    kinds = sum(
        [any(c.isdigit() for c in password), any(c.isalpha() for c in password),
         any(not c.isalnum() for c in password)]
    )
    if kinds < 2:
        problems.append(str(_l("密码需同时包含字母、数字或符号中的至少两类。")))
    if username and username.lower() in password.lower():
        problems.append(str(_l("密码不能包含用户名。")))
    return problems
