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


_dummy_hashes: dict[int, str] = {}


def _dummy_hash() -> str:
    """A hash made with the current parameters, checked when there is no stored hash (made once per hasher)."""
    key = id(_hasher)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = _hasher.hash("assess-dummy-password")
    return _dummy_hashes[key]


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``. Without a stored hash (unknown user, no password set yet)
    a dummy hash is checked and the answer is always no, so a log-in takes as long whether or not the
    account exists."""
    try:
        ok = _hasher.verify(stored or _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return bool(stored) and ok


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
