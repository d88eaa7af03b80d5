"""Helpers for the API tests: tokens for the conftest users, and authorised calls."""
from __future__ import annotations


def token_for(user, name: str = "test", days: int | None = 30) -> str:
    from assess.api.services import create_token

    _row, raw = create_token(user, f"{name}-{user.username}", days=days)
    return raw


def auth(raw: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}", **extra}
