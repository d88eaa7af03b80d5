"""Stored rubric versions ↔ the engine: parse once per version, store new versions, freeze on use."""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from pathlib import Path

from sqlalchemy import func, select

from .. import scoring
from ..audit.services import record
from ..extensions import db
from ..models import Rubric

SHIPPED = Path(__file__).resolve().parents[2] / "scoring_rules"


_PARSED: "OrderedDict[str, scoring.Rubric]" = OrderedDict()


def engine_rubric(row: Rubric) -> scoring.Rubric:
    """The parsed rubric of a stored version, cached by content hash (versions never change). The source
    column is deferred: every request that scores or checks reads the rubric, and only a version not yet
    parsed in this process needs its ~25 KB of YAML from the database."""
    parsed = _PARSED.get(row.sha256)
    if parsed is None:
        parsed = _PARSED[row.sha256] = scoring.load_rubric(row.source, f"{row.family}-v{row.version}.yaml")
        while len(_PARSED) > 128:
            _PARSED.popitem(last=False)
    return parsed


def store_rubric(office_id: int, source: str, *, filename: str, actor=None, parent: Rubric | None = None) -> Rubric:
    """Validate ``source`` and store it as the next version of its family. Raises scoring.RubricError."""
    parsed = scoring.load_rubric(source, filename)
    family = parsed.code
    latest = db.session.scalar(
        select(func.max(Rubric.version)).where(Rubric.office_id == office_id, Rubric.family == family)
    )
    row = Rubric(
        office_id=office_id, family=family, name=parsed.name, year=parsed.year, version=(latest or 0) + 1,
        source=source, sha256=hashlib.sha256(source.encode()).hexdigest(), frozen=False,
        parent_id=parent.id if parent else None, created_by_id=getattr(actor, "id", None),
    )
    db.session.add(row)
    db.session.flush()
    record(office_id, "rubric.store", "rubric", row.id, actor=actor,
           new={"family": family, "version": row.version, "sha256": row.sha256})
    return row


def shipped_source(name: str) -> str:
    """Text of a rubric shipped in scoring_rules/ (e.g. 'county-annual-2026.yaml')."""
    return (SHIPPED / name).read_text(encoding="utf-8")


def freeze(row: Rubric, *, actor=None) -> None:
    """Mark a version as in use: from now on editing it makes a new version."""
    if not row.frozen:
        row.frozen = True
        record(row.office_id, "rubric.freeze", "rubric", row.id, actor=actor)
