"""The office's calendar: "today" and local dates in the configured time zone.

Deadlines, appeal windows and document dates are calendar dates where the office works, so every
"today" in the application comes from here and follows the ``TIMEZONE`` setting (config key
``BABEL_DEFAULT_TIMEZONE``, the same zone Flask-Babel shows times in; default Asia/Shanghai). Outside an
application context (a script, a pure helper) the ``TIMEZONE`` environment variable is read instead.
Timestamps stay in UTC in the database; only dates are local.
"""
from __future__ import annotations

import os
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Shanghai"
CONFIG_KEY = "BABEL_DEFAULT_TIMEZONE"


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_tz() -> ZoneInfo:
    """The configured zone: the app's setting when there is an app, else ``TIMEZONE`` from the environment."""
    name = current_app.config.get(CONFIG_KEY) if has_app_context() else os.environ.get("TIMEZONE")
    return _zone(name or DEFAULT_TIMEZONE)


def local_now() -> datetime:
    """Now, as an aware datetime in the configured zone."""
    return datetime.now(local_tz())


def local_today() -> date:
    """Today's date in the configured zone (deadlines are calendar dates there)."""
    return local_now().date()


def local_date(moment: datetime) -> date:
    """The local calendar date of an aware timestamp (e.g. the day a notice was sent, for its document)."""
    return moment.astimezone(local_tz()).date()
