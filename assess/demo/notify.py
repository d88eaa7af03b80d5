"""Demo step: the notifications of the year went out by e-mail too — most were sent, one address bounced,
the office robot's post was refused, and the latest rectification notices wait for the next ``notify send``.

The department users who log in to the demo have addresses (one switched e-mail off); the rows are what the
sender would have left, dated after their notifications, so the office's 投递情况 page lists two failures.
"""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import Notification, NotificationDelivery, NotificationPreference, Office, OfficeRobot, User
from ..models.notify import CHANNEL_EMAIL, CHANNEL_WEBHOOK, DELIVERY_FAILED, DELIVERY_PENDING, DELIVERY_SENT

DEMO_PREFIXES = ("rsj", "sbj", "hwj", "town")
EMAIL_OFF = "sbj-admin"  # chose the notification centre only
BOUNCED = "hwj-editor"  # the address on file no longer exists


def demo_deliveries(office: Office, rng: random.Random) -> None:
    users = {u.username: u for u in db.session.scalars(select(User).where(
        User.office_id == office.id,
        User.username.in_([f"{p}-{r}" for p in DEMO_PREFIXES for r in ("admin", "editor")] + ["office"])))}
    for name, user in users.items():
        user.email = f"{name}@example.gov.cn"
    if EMAIL_OFF in users:
        db.session.add(NotificationPreference(office_id=office.id, user_id=users[EMAIL_OFF].id, email_enabled=False,
                                              muted=""))
    db.session.add(OfficeRobot(office_id=office.id, url="https://robot.example.com/robot/send?access_token=demo",
                               secret="", enabled=False))  # switched off after its post was refused
    notes = list(db.session.scalars(select(Notification).where(
        Notification.office_id == office.id, Notification.user_id.in_([u.id for u in users.values()]))
        .order_by(Notification.created_at, Notification.id)))
    by_id = {u.id: u for u in users.values()}
    # the latest rectification notice waits for the next ``notify send``
    latest = max((n.created_at for n in notes if n.kind == "rectification_sent"), default=None)
    rows = []
    for note in notes:
        user = by_id[note.user_id]
        if user.username == EMAIL_OFF:
            continue
        at = note.created_at + timedelta(minutes=rng.randint(1, 3))
        if user.username == BOUNCED and note.kind == "remind":
            rows.append(NotificationDelivery(
                office_id=office.id, notification_id=note.id, channel=CHANNEL_EMAIL, status=DELIVERY_FAILED,
                attempts=1, next_attempt_at=note.created_at, failed_at=at,
                last_error=f"SMTP 550 5.1.1 <{user.email}>: Recipient address rejected: User unknown"))
        elif note.kind == "rectification_sent" and note.created_at == latest:
            rows.append(NotificationDelivery(office_id=office.id, notification_id=note.id, channel=CHANNEL_EMAIL,
                                             status=DELIVERY_PENDING, attempts=0, next_attempt_at=note.created_at))
        else:
            rows.append(NotificationDelivery(office_id=office.id, notification_id=note.id, channel=CHANNEL_EMAIL,
                                             status=DELIVERY_SENT, attempts=1, next_attempt_at=note.created_at,
                                             sent_at=at))
    remind = next((n for n in notes if n.kind == "remind"), None)
    if remind is not None:  # the robot's one post for the 催报 event
        rows.append(NotificationDelivery(
            office_id=office.id, notification_id=remind.id, channel=CHANNEL_WEBHOOK, status=DELIVERY_FAILED,
            attempts=1, next_attempt_at=remind.created_at, failed_at=remind.created_at + timedelta(minutes=1),
            last_error='webhook HTTP 404: {"errcode":300001,"errmsg":"token is not exist"}'))
    db.session.add_all(rows)
    db.session.flush()
