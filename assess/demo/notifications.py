"""The notification centre lived in: the reminders the schedule sent during the year, the events' notifications
dated when their event happened, some read and some not.

The events' notifications are written by the services the other demo steps call (the hooks ``create_app``
registers); the scheduled reminders by :func:`assess.notify.schedule.run` on the days it would have run. Both
are written "now" (when the demo is loaded), so this step dates them back to their day.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable

from sqlalchemy import select

from ..clock import local_today
from ..extensions import db
from ..models import Campaign, CampaignState, Contest, NoticeItem, Notice, Notification, Office
from ..models.base import utcnow
from ..notify import events, kinds
from ..notify import schedule

CHINA = timezone(timedelta(hours=8))
SCHEDULE_HOUR = 8  # the cron line of the README: every day at 08:00


def _at(day: date, hour: int = SCHEDULE_HOUR, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), CHINA).astimezone(timezone.utc)


def scheduled_days(office: Office, days: Iterable[date]) -> list[Notification]:
    """Run the schedule as cron would have on each of ``days`` and date what it wrote to that morning."""
    made: list[Notification] = []
    for day in days:
        report = schedule.run(day, office_ids=[office.id])
        for note in report.made:  # today's run: not before now (loaded at dawn, the 08:00 run is still to come)
            note.created_at = min(_at(day), utcnow())
        made += report.made
    db.session.flush()
    return made


def _when(note: Notification, campaigns: dict[int, Campaign]) -> datetime | None:
    """When the event behind ``note`` happened (None: leave it as written)."""
    parts = note.event_key.split(":")
    kind = note.kind
    try:
        ident = int(parts[-1] if kind in (kinds.NOTICE_SENT, kinds.ITEM_CLOSED) else parts[1])
    except (IndexError, ValueError):
        return None
    if kind == kinds.CAMPAIGN_OPENED and ident in campaigns:
        c = campaigns[ident]
        return _at(c.self_deadline - timedelta(days=28), 9, 30) if c.self_deadline else None
    if kind == kinds.CONTEST_OPENED and ident in campaigns and campaigns[ident].recheck_start:
        return _at(campaigns[ident].recheck_start, 9, 5)
    if kind == kinds.CONTEST_ANSWERED:  # answered the day after the window opened
        contest = db.session.get(Contest, ident)
        c = campaigns.get(contest.campaign_id) if contest else None
        return _at(c.recheck_start + timedelta(days=1), 15, 20) if c and c.recheck_start else None
    if kind == kinds.NOTICE_SENT:
        notice = db.session.get(Notice, ident)
        return notice.sent_at if notice else None
    if kind in (kinds.ITEM_CLOSED, kinds.ITEM_RETURNED):
        item = db.session.get(NoticeItem, ident if kind == kinds.ITEM_CLOSED else int(parts[2]))
        return item.checked_at if item else None
    return None


def demo_notifications(office: Office, rng: random.Random) -> None:
    """Results published, today's scheduled reminders (rectification due and overdue, the office's digest),
    every notification dated to its event, and the older ones mostly read."""
    campaigns = {c.id: c for c in db.session.scalars(select(Campaign).where(Campaign.office_id == office.id))}
    for c in campaigns.values():
        if c.state in (CampaignState.PUBLISHED, CampaignState.CLOSED) and c.year == max(x.year for x in campaigns.values()):
            published = events.results_published(c)
            when = _at(c.recheck_end + timedelta(days=1), 10) if c.recheck_end else utcnow()
            for note in published:
                note.created_at = min(when, utcnow())
    scheduled_days(office, [local_today()])
    notes = list(db.session.scalars(select(Notification).where(Notification.office_id == office.id)
                                    .order_by(Notification.id)))
    now = utcnow()
    for note in notes:
        when = _when(note, campaigns)
        if when is not None:
            note.created_at = min(when, now)
    # read: what is more than two days old, mostly; the last two days' notifications wait in the bell
    for note in notes:
        if note.read_at is None and now - note.created_at > timedelta(days=2) and rng.random() < 0.8:
            note.read_at = note.created_at + timedelta(hours=rng.randint(1, 30))
    db.session.flush()
