"""Review: evidence attached to a reviewer's score or a contest (a link or a file, checked before anything is
written), and the lookup of the evidence attached to rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import urlparse

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit.services import record
from ..extensions import db
from ..models import Evidence, EvidenceKind, Submission
from .base import ReviewError


@dataclass(frozen=True)
class PendingEvidence:
    """Checked evidence not yet written (checks run before anything is saved: a refusal loses nothing)."""

    kind: EvidenceKind
    title: str
    url: str | None = None
    text: str | None = None
    data: bytes | None = None
    checked: Any = None


def prepare_evidence(url: str, title: str, file: tuple[str, bytes] | None = None) -> list[PendingEvidence]:
    """Check a link, a text excerpt and/or a file (content-checked by the evidence capability's rules)."""
    url, title = (url or "").strip(), (title or "").strip()
    if len(title) > 200:
        raise ReviewError(_("证据说明最多200个字。"), "evidence_title")
    out: list[PendingEvidence] = []
    if file is not None and file[1]:
        from ..evidence import services as evidence  # the shared file checks and storage

        try:
            checked = evidence.check_file(file[0], file[1])
        except evidence.EvidenceError as exc:
            raise ReviewError(str(exc), "evidence_file") from None
        out.append(PendingEvidence(EvidenceKind.FILE, title or checked.filename[:200], data=file[1], checked=checked))
        title = ""  # the title went with the file
    if url:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or any(ch.isspace() for ch in url):
            raise ReviewError(_("证据链接应以 http:// 或 https:// 开头，且不含空格。"), "evidence_url")
        if len(url) > 2000:
            raise ReviewError(_("证据链接过长（最多2000个字符）。"), "evidence_url")
        out.append(PendingEvidence(EvidenceKind.LINK, (title or url)[:200], url=url))
    elif title and not out:
        out.append(PendingEvidence(EvidenceKind.EXCERPT, title[:200], text=title))
    return out


def attach_evidence(pending: list[PendingEvidence], *, office_id: int, department_id: int, campaign_id: int,
                    owner_type: str, owner_id: int, code: str, actor) -> list[Evidence]:
    added = []
    for p in pending:
        ev = Evidence(office_id=office_id, department_id=department_id, campaign_id=campaign_id, owner_type=owner_type,
                      owner_id=owner_id, indicator_code=code, kind=p.kind, title=p.title, url=p.url, text=p.text,
                      created_by_id=getattr(actor, "id", None))
        if p.kind == EvidenceKind.FILE:
            from ..evidence import services as evidence

            ev.storage_key = evidence.store_file(office_id, department_id, p.data, p.checked,
                                                 error=ReviewError, field="evidence_file")
            ev.filename, ev.content_type = p.checked.filename, p.checked.content_type
            ev.size, ev.sha256 = p.checked.size, p.checked.sha256
        db.session.add(ev)
        db.session.flush()
        record(office_id, "evidence.add", "evidence", ev.id, actor=actor,
               new={"owner": owner_type, "owner_id": owner_id, "indicator": code, "kind": ev.kind.value,
                    "title": ev.title, "url": ev.url, "filename": ev.filename, "sha256": ev.sha256},
               department_id=department_id, campaign_id=campaign_id)
        added.append(ev)
    return added


def evidence_for(office_id: int, owner_type: str, owner_ids: Iterable[int]) -> dict[int, list[Evidence]]:
    ids = list(owner_ids)
    if not ids:
        return {}
    out: dict[int, list[Evidence]] = {}
    for ev in db.session.scalars(select(Evidence).where(
            Evidence.office_id == office_id, Evidence.owner_type == owner_type, Evidence.owner_id.in_(ids),
            Evidence.deleted_at.is_(None)).order_by(Evidence.id)):
        out.setdefault(ev.owner_id, []).append(ev)
    return out


def department_evidence(submission: Submission) -> dict[str, list[Evidence]]:
    """The department's own evidence per indicator (the evidence capability stores it on the submission)."""
    out: dict[str, list[Evidence]] = {}
    for ev in db.session.scalars(select(Evidence).where(
            Evidence.office_id == submission.office_id, Evidence.owner_type == "submission",
            Evidence.owner_id == submission.id, Evidence.deleted_at.is_(None)).order_by(Evidence.id)):
        out.setdefault(ev.indicator_code or "", []).append(ev)
    return out
