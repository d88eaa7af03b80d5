"""Who may reach which rectification notice, item and answer file: shared by its pages and the API.

Load through the tenant scope (another office's or department's notice is a 404); a department never sees
the office's drafts, nor the items and files of a notice it cannot see.
"""
from __future__ import annotations

from flask import Response, abort
from flask_login import current_user

from ..evidence.access import file_response
from ..models import Evidence, EvidenceKind, Notice, NoticeItem, NoticeState
from ..tenancy.scope import get_scoped_or_404
from . import services


def load_notice(notice_id: int) -> Notice:
    """A notice the current user may see (departments: their own, never a draft)."""
    notice = get_scoped_or_404(Notice, notice_id)
    if current_user.department_id is not None and notice.state == NoticeState.DRAFT:
        abort(404)  # a department never sees the office's drafts
    return notice


def load_item(item_id: int) -> NoticeItem:
    """An item of a notice the current user may see."""
    item = get_scoped_or_404(NoticeItem, item_id)
    load_notice(item.notice_id)
    return item


def is_office_user() -> bool:
    """The user sits at the office itself (not in one of its departments)."""
    return current_user.department_id is None


def evidence_file_response(evidence_id: int) -> Response:
    """A file attached to an answer the user may see, as an attachment (never shown inline, sandboxed)."""
    ev = get_scoped_or_404(Evidence, evidence_id)
    if ev.owner_type != services.OWNER_TYPE or ev.deleted_at is not None or ev.kind != EvidenceKind.FILE:
        abort(404)
    load_item(ev.owner_id)
    return file_response(ev, inline=False)  # a file missing from the storage is a 404 there
