"""Helpers for the notification tests."""
from __future__ import annotations

from sqlalchemy import delete, select

from assess.extensions import db
from assess.models import Notification
from assess.notify import kinds
from tests.campaign_world import make_campaign as _make_campaign


def make_campaign(tenant, **kwargs):
    """A campaign (in self-assessment by default) without the notifications its opening wrote, so that a test
    of another event sees only that event's (tests/test_notify_events.py tests the opening)."""
    campaign = _make_campaign(tenant, **kwargs)
    db.session.execute(delete(Notification).where(Notification.kind == kinds.CAMPAIGN_OPENED)
                       .execution_options(synchronize_session=False))
    db.session.expire_all()
    return campaign


def notes_of(user, kind: str | None = None) -> list[Notification]:
    stmt = select(Notification).where(Notification.user_id == user.id)
    if kind is not None:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt.order_by(Notification.id)))
