"""Demo data for the API capability: a few named tokens for the demo office's users (their secrets are not
kept — a token is shown only once — so the demo shows the token list, one revoked and one expired token)."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from ..api import services
from ..extensions import db
from ..models import Office, User
from ..models.base import utcnow


def demo_api(office: Office, rng: random.Random) -> int:
    """Create the demo tokens; returns how many. Needs only the demo office's users (run after assess.demo)."""
    users = {u.username: u for u in db.session.scalars(select(User).where(User.office_id == office.id))}
    plan = [
        ("office", "省级政务公开平台对接", 365, 0, False),
        ("office", "网站监测服务（旧）", 90, 120, True),
        ("rsj-editor", "部门自建台账表格", 30, 45, False),  # created 45 days ago for 30 days: expired
    ]
    made = 0
    for username, name, days, ago, revoke in plan:
        user = users.get(username)
        if user is None:
            continue
        created = utcnow() - timedelta(days=ago, minutes=rng.randint(0, 600))
        token, _secret = services.create_token(user, name, days=days, now=created)
        if token.expires_at and token.expires_at > utcnow():
            token.last_used_at = created + timedelta(days=rng.randint(0, max(ago, 1)), hours=rng.randint(1, 9))
            if token.last_used_at > utcnow():
                token.last_used_at = utcnow() - timedelta(hours=1)
        if revoke:
            services.revoke_token(user, token.id, now=created + timedelta(days=30))
        made += 1
    db.session.flush()
    return made
