"""Every kind of notification: its label (the list, the user's mute choices) and whether it is essential.

A plain table, the one place a kind is named. Essential kinds (deadlines, overdue work, the account's own
set-password link) cannot be muted: a user who muted them could miss the deadline the platform exists to keep.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

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
KINDS: dict[str, tuple[object, bool]] = {
    REMIND: (_l("催报"), True),
    NOTICE_SENT: (_l("整改通知下发"), True),
    SELF_DUE: (_l("自评截止提醒"), True),
    SELF_OVERDUE: (_l("自评逾期提醒"), True),
    SELF_OVERDUE_DIGEST: (_l("自评逾期汇总"), True),
    RECT_DUE: (_l("整改到期提醒"), True),
    RECT_OVERDUE: (_l("整改逾期提醒"), True),
    RECT_OVERDUE_DIGEST: (_l("整改逾期汇总"), True),
    CAMPAIGN_OPENED: (_l("考核开始自评"), False),
    SUBMISSION_SENT: (_l("自评表送审"), False),
    SUBMISSION_RETURNED: (_l("自评表退回"), False),
    REVIEW_ASSIGNED: (_l("评审分配"), False),
    CONTEST_OPENED: (_l("复核申诉开始"), False),
    CONTEST_CLOSING: (_l("复核申诉截止"), True),
    CONTEST_ANSWERED: (_l("复核申请已答复"), False),
    RESULTS_PUBLISHED: (_l("考核结果发布"), False),
    ITEM_RETURNED: (_l("整改答复退回"), False),
    ITEM_CLOSED: (_l("整改问题销号"), False),
    PASSWORD_LINK: (_l("设置密码链接"), True),
}


def label(kind: str) -> str:
    """The kind's label in the current language (the kind itself for one not in the table)."""
    entry = KINDS.get(kind)
    return str(entry[0]) if entry else kind


def is_essential(kind: str) -> bool:
    """Whether users may not mute ``kind`` (unknown kinds count as essential: never silently dropped)."""
    entry = KINDS.get(kind)
    return entry[1] if entry else True
