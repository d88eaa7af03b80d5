"""Writing and verifying the hash-chained audit log.

Each office has one chain. An entry's hash covers its own fields and the previous entry's hash, so an
edited, deleted or reordered row breaks :func:`verify_chain` from that point on. Appends lock the office
row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises writers anyway) so two concurrent writers
cannot both take the same sequence number.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Iterable

from flask import has_request_context, request
from sqlalchemy import select

from ..extensions import db
from ..models import AuditEntry, Office
from ..models.base import utcnow

GENESIS = "0" * 64


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return str(value)


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_default)


def _entry_hash(e: AuditEntry) -> str:
    payload = to_json(
        [
            e.prev_hash, e.office_id, e.seq, e.at.astimezone(timezone.utc).isoformat(timespec="microseconds"), e.actor_id,
            e.actor_name, e.ip, e.department_id, e.campaign_id, e.action, e.object_type,
            e.object_id, e.old, e.new, e.reason,
        ]
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def record(
    office_id: int,
    action: str,
    object_type: str,
    object_id: Any = "",
    *,
    actor: Any = None,
    old: Any = None,
    new: Any = None,
    reason: str = "",
    department_id: int | None = None,
    campaign_id: int | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Append one entry to the office's chain (flushes, never commits)."""
    return record_many(office_id, [dict(action=action, object_type=object_type, object_id=object_id, old=old,
                                        new=new, reason=reason, department_id=department_id,
                                        campaign_id=campaign_id)], actor=actor, ip=ip)[0]


def chain_lock(office_id: int):
    """The lock that serialises appends to an office's chain: the office row, ``FOR NO KEY UPDATE`` on
    PostgreSQL. Plain ``FOR UPDATE`` would also wait for every open transaction that inserted a row
    referencing the office (its foreign-key check holds ``KEY SHARE`` on the office row), so two requests that
    each inserted such a row and then appended to the chain deadlocked (seen under the load benchmark)."""
    return select(Office.id).where(Office.id == office_id).with_for_update(key_share=True)


def record_many(office_id: int, entries: list[dict[str, Any]], *, actor: Any = None,
                ip: str | None = None) -> list[AuditEntry]:
    """Append several entries to the office's chain in order, under one lock and with one flush — the same
    entries as :func:`record` called for each (keys: its keyword arguments). For operations that touch
    thousands of objects at once (generating a province's rectification notices)."""
    db.session.execute(chain_lock(office_id).execution_options(unscoped=True))
    last = db.session.execute(
        select(AuditEntry.seq, AuditEntry.hash)
        .where(AuditEntry.office_id == office_id)
        .order_by(AuditEntry.seq.desc())
        .limit(1)
        .execution_options(unscoped=True)
    ).first()
    if ip is None and has_request_context():
        ip = request.remote_addr or ""
    seq, prev_hash = (last.seq, last.hash) if last else (0, GENESIS)
    out: list[AuditEntry] = []
    for e in entries:
        seq += 1
        entry = AuditEntry(
            office_id=office_id,
            seq=seq,
            at=utcnow(),
            actor_id=getattr(actor, "id", None),
            actor_name=getattr(actor, "username", "") or "",
            ip=ip or "",
            department_id=e.get("department_id"),
            campaign_id=e.get("campaign_id"),
            action=e["action"],
            object_type=e["object_type"],
            object_id=str(e.get("object_id", "")),
            old=to_json(e.get("old")),
            new=to_json(e.get("new")),
            reason=e.get("reason") or "",
            prev_hash=prev_hash,
        )
        entry.hash = prev_hash = _entry_hash(entry)
        out.append(entry)
    db.session.add_all(out)
    db.session.flush()
    return out


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def verify_chain(office_id: int) -> ChainReport:
    """Recompute every hash of the office's chain; report the first entry that does not match."""
    entries: Iterable[AuditEntry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.office_id == office_id).order_by(AuditEntry.seq)
        .execution_options(unscoped=True)
    )
    prev, expected_seq, n = GENESIS, 1, 0
    for e in entries:
        n += 1
        if e.seq != expected_seq:
            return ChainReport(False, n, e.seq, f"缺少序号 {expected_seq}")
        if e.prev_hash != prev:
            return ChainReport(False, n, e.seq, "前一条记录的哈希不符")
        if _entry_hash(e) != e.hash:
            return ChainReport(False, n, e.seq, "记录内容与哈希不符")
        prev, expected_seq = e.hash, expected_seq + 1
    return ChainReport(True, n)


# --- reading and exporting -------------------------------------------------------------------------------

EXPORT_FIELDS = ("seq", "at", "actor_name", "ip", "department_id", "campaign_id", "action", "object_type",
                 "object_id", "old", "new", "reason", "prev_hash", "hash")


def entries(office_id: int, *, campaign_id: int | None = None, department_id: int | None = None,
            limit: int | None = None, newest_first: bool = False) -> list[AuditEntry]:
    """The office's entries, optionally of one campaign and/or one department, in chain order."""
    stmt = select(AuditEntry).where(AuditEntry.office_id == office_id)
    if campaign_id is not None:
        stmt = stmt.where(AuditEntry.campaign_id == campaign_id)
    if department_id is not None:
        stmt = stmt.where(AuditEntry.department_id == department_id)
    stmt = stmt.order_by(AuditEntry.seq.desc() if newest_first else AuditEntry.seq)
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def _row(e: AuditEntry) -> dict:
    return {f: (e.at.astimezone(timezone.utc).isoformat() if f == "at" else getattr(e, f)) for f in EXPORT_FIELDS}


def export_json(rows: Iterable[AuditEntry]) -> str:
    """Entries as JSON; ``old``/``new`` stay the exact stored JSON text so hashes can be re-checked."""
    return json.dumps([_row(e) for e in rows], ensure_ascii=False, indent=1)


def export_csv(rows: Iterable[AuditEntry]) -> str:
    import csv
    import io

    from ..spreadsheet import safe_cell

    buf = io.StringIO()
    buf.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese text correctly only with a BOM
    writer = csv.DictWriter(buf, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for e in rows:
        row = _row(e)
        writer.writerow({k: safe_cell(v) for k, v in row.items()})  # no cell may run as a formula
    return buf.getvalue()
