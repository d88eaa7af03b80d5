"""Role checks for views: load → ownership (scope) → permission → action."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import abort
from flask_login import current_user, login_required

from ..models import Role, User
from .roles import OFFICE_READERS


def roles_required(*roles: Role) -> Callable:
    """Require a logged-in user holding one of ``roles`` (403 otherwise)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def office_side(*roles: Role) -> Callable:
    """roles_required, and the user must belong to the office itself (not to one of its departments)."""

    def decorator(view: Callable) -> Callable:
        @roles_required(*roles)
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.department_id is not None or current_user.office_id is None:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def require(condition: bool) -> None:
    if not condition:
        abort(403)


def is_office_reader(user: User) -> bool:
    """``user`` reads the office's side: an office role, sitting at the office itself (a viewer bound to a
    department holds the same role but is refused). Shared by the campaign and ranking pages and the API."""
    return user.role in OFFICE_READERS and user.department_id is None and user.office_id is not None
