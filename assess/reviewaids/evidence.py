"""The evidence checks: **reused evidence** (the same file, or a near-duplicate picture or PDF, used by another
department, for another indicator, or in an earlier year) and **evidence that cannot support the claim** (a
link that does not answer, a document that mentions none of the indicator's key terms, one dated after the
self-assessment deadline or before the assessed year).

What a file says is read once and kept (:class:`~assess.models.EvidencePrint`): its content hash, the
perceptual hashes of the picture or of the first rendered PDF pages (:mod:`.perceptual`), the text of a PDF
or Word file (:mod:`.evidence_text`), a link's last answer (:mod:`.links`, asked again after a day). Only
evidence of submitted self-assessments attached to an indicator the department answered is checked.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Iterable

from flask import current_app
from sqlalchemy import and_, select

from ..evidence import services as files
from ..extensions import db
from ..models import (FLAG_REUSED_EVIDENCE, FLAG_WEAK_EVIDENCE, Answer, Campaign, Evidence, EvidenceKind,
                      EvidencePrint, Submission, SubmissionState)
from ..models.base import utcnow
from ..review.services import rubric_of
from ..storage import StorageError
from . import evidence_text, links, perceptual

LINK_RECHECK = timedelta(days=1)
MAX_OTHERS = 10  # other uses listed on one flag
REASON_DEAD_LINK, REASON_OFF_TOPIC, REASON_LATE, REASON_OLD = "dead_link", "off_topic", "dated_late", "outside_year"
IMAGE_EXTENSIONS = ("jpg", "png", "gif", "webp", "bmp")


@dataclass
class Item:
    """One evidence item as the checks see it (plain values: a campaign has hundreds of thousands)."""

    id: int
    department_id: int
    department: str
    campaign_id: int
    campaign: str
    year: int
    indicator: str
    kind: str
    title: str
    url: str | None
    filename: str | None
    sha256: str | None
    current: bool
    submission_id: int | None = None
    answer_id: int | None = None


_COLUMNS = (Evidence.id, Evidence.department_id, Submission.department_name, Evidence.campaign_id, Campaign.name,
            Campaign.year, Evidence.indicator_code, Evidence.kind, Evidence.title, Evidence.url, Evidence.filename,
            Evidence.sha256)


def _base(office_id: int):
    return (select(*_COLUMNS, Submission.id)
            .join(Submission, and_(Submission.id == Evidence.owner_id, Evidence.owner_type == "submission"))
            .join(Campaign, Campaign.id == Evidence.campaign_id)
            .where(Evidence.office_id == office_id, Evidence.deleted_at.is_(None),
                   Evidence.kind.in_([EvidenceKind.FILE, EvidenceKind.LINK])))


def _items(rows: Iterable, current: bool, answers: dict[tuple[int, str], int]) -> list[Item]:
    """Items of the rows whose indicator the department answered (a flag hangs on the answer)."""
    out = []
    for row in rows:
        answer_id = answers.get((row[12], row[6]))
        if answer_id is not None:
            out.append(Item(*row[:7], row[7].value if hasattr(row[7], "value") else str(row[7]), *row[8:12], current,
                            submission_id=row[12], answer_id=answer_id))
    return out


def _answers(office_id: int, campaign_ids: Iterable[int], submission: Submission | None = None) -> dict[tuple[int, str], int]:
    stmt = select(Answer.submission_id, Answer.indicator_code, Answer.id).where(Answer.office_id == office_id,
                                                                               Answer.campaign_id.in_(list(campaign_ids)))
    if submission is not None:
        stmt = stmt.where(Answer.submission_id == submission.id)
    return {(s, c): i for s, c, i in db.session.execute(stmt)}


def current_items(campaign: Campaign, submission: Submission | None = None) -> list[Item]:
    """The evidence of the campaign's submitted self-assessments (of one submission)."""
    stmt = _base(campaign.office_id).where(Evidence.campaign_id == campaign.id,
                                           Submission.state == SubmissionState.SUBMITTED)
    if submission is not None:
        stmt = stmt.where(Submission.id == submission.id)
    return _items(db.session.execute(stmt), True, _answers(campaign.office_id, [campaign.id], submission))


def earlier_items(campaign: Campaign) -> list[Item]:
    """The files of the office's earlier campaigns (any department: last year's screenshot is last year's)."""
    earlier = db.session.scalars(select(Campaign.id).where(Campaign.office_id == campaign.office_id,
                                                           Campaign.year < campaign.year)).all()
    if not earlier:
        return []
    stmt = _base(campaign.office_id).where(Evidence.campaign_id.in_(earlier), Evidence.kind == EvidenceKind.FILE)
    return _items(db.session.execute(stmt), False, _answers(campaign.office_id, earlier))


# --- what a file says, read once -------------------------------------------------------------------------


def _read_print(ev: Evidence) -> EvidencePrint:
    row = EvidencePrint(office_id=ev.office_id, department_id=ev.department_id, evidence_id=ev.id,
                        sha256=ev.sha256, hashes="", text="")
    if ev.kind != EvidenceKind.FILE:
        return row
    try:
        data = files.read(ev)
    except StorageError:
        return row
    ext = (ev.filename or "").rsplit(".", 1)[-1].lower()
    ctype = ev.content_type or ""
    if ctype == "application/pdf":
        row.hashes = perceptual.to_text(perceptual.pdf_hashes(data))
        row.text = evidence_text.extract_text(data, "pdf")
    elif ctype.startswith("image/"):
        row.hashes = perceptual.to_text(perceptual.image_hashes(data))
    elif ext == "docx" or ctype.endswith("wordprocessingml.document"):
        row.text = evidence_text.extract_text(data, "docx")
    return row


def prints_for(items: list[Item], *, check_links: bool = True) -> dict[int, EvidencePrint]:
    """The prints of ``items``, reading (and keeping) those not read yet and asking links not asked for a day."""
    ids = [i.id for i in items]
    have: dict[int, EvidencePrint] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        for p in db.session.scalars(select(EvidencePrint).where(EvidencePrint.evidence_id.in_(chunk))):
            have[p.evidence_id] = p
    missing = [i for i in ids if i not in have]
    for start in range(0, len(missing), 500):
        for ev in db.session.scalars(select(Evidence).where(Evidence.id.in_(missing[start:start + 500]))):
            have[ev.id] = _read_print(ev)
            db.session.add(have[ev.id])
    if check_links and current_app.config.get("AIDS_CHECK_LINKS", True):
        stale = utcnow() - LINK_RECHECK
        due = [i for i in items if i.kind == EvidenceKind.LINK.value and i.url
               and (have[i.id].link_checked_at is None or have[i.id].link_checked_at < stale)]
        answers = links.statuses((i.url for i in due), timeout=float(current_app.config.get("AIDS_LINK_TIMEOUT", 5)),
                                 allow_private=bool(current_app.config.get("AIDS_CHECK_PRIVATE_LINKS")))
        now = utcnow()
        for i in due:
            have[i.id].link_status, have[i.id].link_checked_at = answers[i.url], now
    db.session.flush()
    return have


# --- reused evidence --------------------------------------------------------------------------------------


def _comparable(a: Item, b: Item) -> bool:
    """Another department, or another indicator, in this campaign; or anyone's file of an earlier year."""
    if a.id == b.id or not a.current:
        return False
    if b.current:
        return a.department_id != b.department_id or a.indicator != b.indicator
    return True


def _where(i: Item, how: str, distance: int | None) -> dict[str, Any]:
    return {"evidence_id": i.id, "department": i.department, "indicator": i.indicator, "year": i.year,
            "campaign": i.campaign, "title": i.title, "filename": i.filename or "", "how": how,
            "distance": distance, "current": i.current}


def reused(current: list[Item], earlier: list[Item], prints: dict[int, EvidencePrint],
           focus: set[int] | None = None) -> dict[int, list[tuple[Item, str, int | None]]]:
    """{current evidence id: [(other item, "same_file" | "similar", distance)]}; with ``focus`` (evidence ids)
    only pairs one of whose items is in it."""
    items = {i.id: i for i in (*current, *earlier) if i.kind == EvidenceKind.FILE.value}
    found: dict[int, dict[int, tuple[str, int | None]]] = defaultdict(dict)

    def note(a: Item, b: Item, how: str, d: int | None) -> None:
        for x, y in ((a, b), (b, a)):
            if _comparable(x, y) and (focus is None or x.id in focus or y.id in focus):
                old = found[x.id].get(y.id)
                if old is None or old[0] != "same_file":
                    found[x.id][y.id] = (how, d)

    by_sha: dict[str, list[Item]] = defaultdict(list)
    for i in items.values():
        sha = i.sha256 or (prints.get(i.id).sha256 if prints.get(i.id) else None)
        if sha:
            by_sha[sha].append(i)
    for group in by_sha.values():
        if len(group) > 1 and (focus is None or any(i.id in focus for i in group)):
            for n, a in enumerate(group):
                for b in group[n + 1:]:
                    note(a, b, "same_file", 0)
    index = perceptual.HashIndex()
    for i in items.values():
        p = prints.get(i.id)
        for h in perceptual.from_text(p.hashes if p else ""):
            index.add(i.id, h)
    for a, b, d in index.pairs(focus):
        if a != b:
            note(items[a], items[b], "similar", d)
    return {k: sorted(((items[o], how, d) for o, (how, d) in v.items()),
                      key=lambda t: (t[1] != "same_file", t[2] or 0, not t[0].current, t[0].id))
            for k, v in found.items() if v}


# --- evidence that cannot support the claim ----------------------------------------------------------------


def weak_reasons(item: Item, p: EvidencePrint | None, campaign: Campaign, indicator: Any) -> list[tuple[str, dict]]:
    """Why this item cannot support the claim: (reason, detail) pairs, none when nothing is wrong or nothing
    can be said (a scan without text, a link not asked)."""
    if p is None:
        return []
    out: list[tuple[str, dict]] = []
    if item.kind == EvidenceKind.LINK.value:
        if p.link_status is not None and p.link_status != links.NOT_CHECKED and links.dead(p.link_status):
            out.append((REASON_DEAD_LINK, {"status": p.link_status, "url": item.url}))
        return out
    text = p.text or ""
    if not text.strip():
        return out
    if indicator is not None:
        terms = evidence_text.key_terms(indicator.title, [e.title for e in indicator.evidence],
                                        getattr(indicator, "keywords", ()) or ())
        if terms and not evidence_text.mentions(text, terms):
            out.append((REASON_OFF_TOPIC, {"terms": terms[:12]}))
    dates = evidence_text.dates_in(text)
    if dates:
        latest = max(dates)  # a document's own date is its latest: it cites earlier ones
        if campaign.self_deadline is not None and latest > campaign.self_deadline:
            out.append((REASON_LATE, {"date": latest.isoformat(), "deadline": campaign.self_deadline.isoformat()}))
        elif latest.year < campaign.year:
            out.append((REASON_OLD, {"date": latest.isoformat(), "year": campaign.year}))
    return out


def rubric_indicators(campaign: Campaign) -> dict[str, Any]:
    return {ind.code: ind for ind in rubric_of(campaign).all_indicators()}
