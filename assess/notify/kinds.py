"""Every kind of notification: its label (the list, the user's mute choices) and whether it is essential.

A plain table, the one place a kind is named, read by the notification settings page (what can be muted) and
by the outbox (what a mute stops). Essential kinds (deadlines, overdue work, 催报, rectification notices, the
account's own set-password link) cannot be muted: a user who muted them could miss the deadline the platform
exists to keep. A kind missing from the table counts as essential: never silently dropped.
"""
from __future__ import annotations

from typing import NamedTuple

from flask_babel import lazy_gettext as _l


class Kind(NamedTuple):
    label: object  # a lazy string: str() it in the reader's language
    essential: bool

REMIND = "remind"  # 催报 now, sent by the office
NOTICE_SENT = "rectification_sent"  # a rectification notice reached the department
SELF_DUE = "self_due"  # N working days before the self-assessment deadline
SELF_OVERDUE = "self_overdue"  # the department's daily reminder while its self-assessment is overdue
SELF_OVERDUE_DIGEST = "self_overdue_digest"  # the office's daily list of overdue departments
RECT_DUE = "rectification_due"  # N working days before a rectification deadline
RECT_OVERDUE = "rectification_overdue"  # daily while a notice's items are overdue
RECT_OVERDUE_DIGEST = "rectification_overdue_digest"  # the office's daily list of overdue notices
CAMPAIGN_OPENED = "campaign_opened"  # self-assessment starts
SUBMISSION_SENT = "submission_sent"  # the editor sent the self-assessment to the leader
SUBMISSION_RETURNED = "submission_returned"  # returned by the leader or the office
REVIEW_ASSIGNED = "review_assigned"
CONTEST_OPENED = "contest_opened"  # the appeal (复核) window opens
CONTEST_CLOSING = "contest_closing"  # the appeal window's last working day
CONTEST_ANSWERED = "contest_answered"
RESULTS_PUBLISHED = "results_published"
ITEM_RETURNED = "rectification_item_returned"  # returned by the office or the department's leader
ITEM_CLOSED = "rectification_item_closed"  # accepted (销号) by the office
PASSWORD_LINK = "password_link"  # a set-password link (by e-mail only: in-app cannot reach a user without a password)

#: kind → (label, essential)
KINDS: dict[str, Kind] = {
    REMIND: Kind(_l("催报"), True),
    NOTICE_SENT: Kind(_l("整改通知下发"), True),
    SELF_DUE: Kind(_l("自评截止提醒"), True),
    SELF_OVERDUE: Kind(_l("自评逾期提醒"), True),
    SELF_OVERDUE_DIGEST: Kind(_l("自评逾期汇总"), True),
    RECT_DUE: Kind(_l("整改到期提醒"), True),
    RECT_OVERDUE: Kind(_l("整改逾期提醒"), True),
    RECT_OVERDUE_DIGEST: Kind(_l("整改逾期汇总"), True),
    CAMPAIGN_OPENED: Kind(_l("考核开始自评"), False),
    SUBMISSION_SENT: Kind(_l("自评表送审"), False),
    SUBMISSION_RETURNED: Kind(_l("自评表退回"), False),
    REVIEW_ASSIGNED: Kind(_l("评审分配"), False),
    CONTEST_OPENED: Kind(_l("复核申诉开始"), False),
    CONTEST_CLOSING: Kind(_l("复核申诉截止"), True),
    CONTEST_ANSWERED: Kind(_l("复核申请已答复"), False),
    RESULTS_PUBLISHED: Kind(_l("考核结果发布"), False),
    ITEM_RETURNED: Kind(_l("整改答复退回"), False),
    ITEM_CLOSED: Kind(_l("整改问题销号"), False),
    PASSWORD_LINK: Kind(_l("设置密码链接"), True),
}


def label(kind: str) -> str:
    """The kind's label in the current language (the kind itself for one not in the table)."""
    entry = KINDS.get(kind)
    return str(entry.label) if entry else kind


def is_essential(kind: str) -> bool:
    """Whether users may not mute ``kind`` (unknown kinds count as essential: never silently dropped)."""
    entry = KINDS.get(kind)
    return entry.essential if entry else True


def mutable_kinds() -> list[str]:
    """The kinds a user may mute, in the table's order."""
    return [k for k, entry in KINDS.items() if not entry.essential]


def essential_kinds() -> list[str]:
    return [k for k, entry in KINDS.items() if entry.essential]
