"""The one registry of notification kinds: what each is called and whether a user may mute it.

A plain table, read by the notification settings page (what can be muted) and by the outbox (what a mute
stops). Essential kinds — deadline and overdue reminders, 催报, rectification notices — cannot be muted: a
department must not be able to switch off being told it is late. A kind missing here is treated as
non-essential and shown by its key.
"""
from __future__ import annotations

from typing import NamedTuple

from flask_babel import lazy_gettext as _l


class Kind(NamedTuple):
    label: object  # a lazy string: str() it in the reader's language
    essential: bool


KINDS: dict[str, Kind] = {
    "remind": Kind(_l("催报"), True),
    "rectification_sent": Kind(_l("整改通知"), True),
}


def is_essential(kind: str) -> bool:
    """Whether ``kind`` always reaches every channel the user has switched on (mutes do not apply)."""
    entry = KINDS.get(kind)
    return bool(entry and entry.essential)


def label(kind: str) -> str:
    entry = KINDS.get(kind)
    return str(entry.label) if entry else kind


def mutable_kinds() -> list[str]:
    """The kinds a user may mute, in the registry's order."""
    return [k for k, entry in KINDS.items() if not entry.essential]


def essential_kinds() -> list[str]:
    return [k for k, entry in KINDS.items() if entry.essential]
