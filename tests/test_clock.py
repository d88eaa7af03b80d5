"""The TIMEZONE setting reaches every "today": deadlines, appeal windows, overdue notices and document dates.

Two zones 26 hours apart are used so that their calendar dates always differ (Kiritimati is always one or
two days ahead of UTC-12), whatever the time the test runs at: a "today" hard-coded to any one zone agrees
with at most one of them.
"""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from assess import clock
from assess.campaigns import services as campaigns
from assess.models import CampaignState, ItemState, NoticeState
from assess.rectification import services as rectification
from assess.review import services as review

AHEAD, BEHIND = "Pacific/Kiritimati", "Etc/GMT+12"  # UTC+14 and UTC-12


def today_in(zone: str):
    return datetime.now(ZoneInfo(zone)).date()


@pytest.fixture()
def set_zone(app, monkeypatch):
    with app.app_context():
        yield lambda zone: monkeypatch.setitem(app.config, "BABEL_DEFAULT_TIMEZONE", zone)


def test_local_today_follows_the_configured_zone(set_zone):
    for zone in (AHEAD, BEHIND):
        set_zone(zone)
        assert clock.local_tz() == ZoneInfo(zone)
        assert clock.local_today() == today_in(zone)
        assert clock.local_now().utcoffset() == datetime.now(ZoneInfo(zone)).utcoffset()


def test_local_date_of_a_timestamp_follows_the_configured_zone(set_zone):
    moment = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    set_zone(AHEAD)
    assert clock.local_date(moment).isoformat() == "2026-03-02"
    set_zone(BEHIND)
    assert clock.local_date(moment).isoformat() == "2026-03-01"


def test_without_an_app_the_environment_or_the_default_zone_is_used(monkeypatch):
    monkeypatch.setenv("TIMEZONE", AHEAD)
    assert clock.local_today() == today_in(AHEAD)
    monkeypatch.delenv("TIMEZONE")
    assert clock.local_tz() == ZoneInfo("Asia/Shanghai")


def test_self_assessment_deadline_follows_the_zone(set_zone):
    campaign = SimpleNamespace(self_deadline=today_in(BEHIND))
    set_zone(BEHIND)
    assert campaigns.overdue_days(campaign) == 0  # the deadline day itself is not late
    set_zone(AHEAD)
    assert campaigns.overdue_days(campaign) >= 1


def test_recheck_window_follows_the_zone(set_zone):
    campaign = SimpleNamespace(state=CampaignState.RECHECK, recheck_start=today_in(AHEAD), recheck_end=None)
    set_zone(AHEAD)
    assert review.recheck_open(campaign)
    set_zone(BEHIND)
    assert not review.recheck_open(campaign)


def test_rectification_deadline_follows_the_zone(set_zone):
    notice = SimpleNamespace(state=NoticeState.SENT, deadline=today_in(BEHIND))
    item = SimpleNamespace(state=ItemState.PENDING, notice=notice)
    set_zone(BEHIND)
    assert not rectification.is_overdue(item) and rectification.overdue_days(notice) == 0
    set_zone(AHEAD)
    assert rectification.is_overdue(item) and rectification.overdue_days(notice) >= 1
