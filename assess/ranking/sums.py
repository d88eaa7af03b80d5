"""Each department's area sums of final scores, kept beside the scores so that a ranking reads one row per
department (5,000) instead of every indicator score (500,000).

``department_sums`` is derived data with one writer: :func:`refresh`, which recomputes a department's row
from ``indicator_results`` with the ranking's own aggregate query. It runs

- after every flush that adds, changes or deletes an ``IndicatorResult`` through the ORM (the review
  services), for the departments touched, in the same transaction — so the sums can never be older than
  the scores a committed transaction left;
- after bulk inserts that bypass the ORM (bulk review, demo and benchmark data), called explicitly for the
  whole campaign.

Readers never trust a row blindly: :func:`load` recomputes, in memory, any participant whose row is missing
or was summed for another rubric, so a database restored from an older backup still ranks correctly.
"""
from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from sqlalchemy import and_, delete, event, false, func, insert, literal, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from .. import scoring
from ..extensions import db
from ..models import Campaign, DepartmentSums, IndicatorResult, Rubric
from ..models.base import utcnow
from ..rubrics.store import engine_rubric
from ..tenancy.scope import all_departments
from .adapter import code_runs

ZERO = Decimal(0)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Sums:
    """What the ranking needs of one department: area sums, bonus sum, base indicators scored, vetoes."""

    areas: dict[str, Decimal]
    bonus: Decimal
    scored: int
    vetoes: tuple[str, ...]
    major: Decimal = ZERO  # 重大扣分项: the sum of their (negative) final scores
    na: tuple[str, ...] = ()  # 不适用 indicators (left out of the full marks, the total rescaled)

    def to_json(self) -> str:
        extra = {**({"major": str(self.major)} if self.major else {}), **({"na": list(self.na)} if self.na else {})}
        return json.dumps({"areas": {k: str(v) for k, v in self.areas.items()}, "bonus": str(self.bonus),
                           "scored": self.scored, "vetoes": list(self.vetoes), **extra}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "Sums":
        d = json.loads(text)
        return cls({k: Decimal(v) for k, v in d["areas"].items()}, Decimal(d["bonus"]), int(d["scored"]),
                   tuple(d["vetoes"]), Decimal(d.get("major", 0)), tuple(d.get("na", ())))


NOTHING_SCORED = Sums({}, ZERO, 0, ())  # a participant without any result yet


def _dec(value) -> Decimal:
    """A summed score as an exact Decimal in cents (SQLite sums NUMERIC as binary floats)."""
    if value is None:
        return ZERO
    if isinstance(value, float):
        value = Decimal(repr(value))
    return Decimal(value).quantize(CENT)


def sums_statement(office_id: int, campaign_id: int, rubric: scoring.Rubric, dialect: str,
                   department_ids: Iterable[int] | None = None):
    """The one aggregate query: one row per department with the sum of final scores of each area and of the
    bonus items, the number of base indicators scored, and per veto item whether it was flagged.

    Area membership is a ``FILTER (WHERE code BETWEEN first AND last)`` per run of consecutive codes (see
    :func:`.adapter.code_runs`; usually one run per area): two string comparisons per row and area, about
    half the cost of an ``IN (…)`` look-up on SQLite. Comparisons use code-point order on both databases
    (``COLLATE "C"`` on PostgreSQL), the order ``code_runs`` sorts in. The index
    ``ix_indicator_results_ranking`` covers every column read.
    """
    ir = IndicatorResult
    code = ir.indicator_code.collate("C") if dialect == "postgresql" else ir.indicator_code

    def member(codes: list[str]):
        runs = code_runs(rubric, codes)
        parts = [code == lo if lo == hi else code.between(lo, hi) for lo, hi in runs]
        return or_(*parts) if len(parts) > 1 else parts[0] if parts else false()

    cols = [func.sum(ir.final_score).filter(member([i.code for i in a.indicators])) for a in rubric.areas]
    bonus = [i.code for i in rubric.bonus.indicators] if rubric.bonus else []
    cols.append(func.sum(ir.final_score).filter(member(bonus)) if bonus else literal(0))
    base = [i.code for a in rubric.areas for i in a.indicators]
    cols.append(func.count(ir.final_score).filter(member(base)))
    cols += [func.count().filter(and_(ir.veto == True, ir.indicator_code == v.code)) for v in rubric.vetoes]  # noqa: E712
    if rubric.major:  # 重大扣分项, last so that the columns before keep their places
        cols.append(func.sum(ir.final_score).filter(member([i.code for i in rubric.major.indicators])))
    cols += [func.count().filter(and_(ir.not_applicable.is_not(None), ir.indicator_code == i.code))
             for i in may_be_na(rubric)]  # 不适用: only rubrics that allow it read this column
    stmt = (select(ir.department_id, *cols)
            .where(ir.office_id == office_id, ir.campaign_id == campaign_id)
            .group_by(ir.department_id))
    if department_ids is not None:
        stmt = stmt.where(ir.department_id.in_(list(department_ids)))
    return stmt


def _parse_rows(rubric: scoring.Rubric, rows) -> dict[int, Sums]:
    n, m = len(rubric.areas), len(rubric.vetoes)
    k = 3 + n + m + (1 if rubric.major else 0)  # first 不适用 column
    na_items = may_be_na(rubric)
    return {rec[0]: Sums({a.code: _dec(v) for a, v in zip(rubric.areas, rec[1:1 + n])}, _dec(rec[1 + n]),
                         int(rec[2 + n] or 0), tuple(v.code for v, hit in zip(rubric.vetoes, rec[3 + n:3 + n + m]) if hit),
                         _dec(rec[3 + n + m]) if rubric.major else ZERO,
                         tuple(i.code for i, hit in zip(na_items, rec[k:k + len(na_items)]) if hit))
            for rec in rows}


def may_be_na(rubric: scoring.Rubric) -> list[scoring.Indicator]:
    """Indicators that may be 不适用 for a department (allow_na, or applies_to only some groups)."""
    return [i for a in rubric.areas for i in a.indicators if i.allow_na or i.applies_to is not None]


def compute(campaign: Campaign, rubric: scoring.Rubric, department_ids: Iterable[int] | None = None) -> dict[int, Sums]:
    """Sums straight from ``indicator_results`` (no stored row involved). Crosses the department boundary on
    purpose (a rank needs the whole group) with ``all_departments``: the office wall stays automatic."""
    dialect = db.session.get_bind().dialect.name
    stmt = sums_statement(campaign.office_id, campaign.id, rubric, dialect, department_ids)
    return _parse_rows(rubric, db.session.execute(all_departments(stmt)).all())


def load(campaign: Campaign, rubric: scoring.Rubric, department_ids: Iterable[int]) -> dict[int, Sums]:
    """The stored sums of ``department_ids``; any without a row summed for this rubric is computed here."""
    sha256 = campaign.rubric.sha256
    ds = DepartmentSums
    out: dict[int, Sums] = {}
    parsed = _parsed_cache(campaign.office_id, campaign.id, sha256)
    for dept_id, sha, version, data in db.session.execute(all_departments(
            select(ds.department_id, ds.rubric_sha256, ds.version_id, ds.data)
            .where(ds.office_id == campaign.office_id, ds.campaign_id == campaign.id))):
        if sha != sha256:
            continue
        known = parsed.get(dept_id)
        if known is None or known[0] != version or known[1] != data:
            known = parsed[dept_id] = (version, data, Sums.from_json(data))
        out[dept_id] = known[2]
    missing = [d for d in department_ids if d not in out]
    if missing:
        out.update(compute(campaign, rubric, None if len(missing) > 500 else missing))
    return out


_PARSED: "OrderedDict[tuple, dict[int, tuple[int, str, Sums]]]" = OrderedDict()


def _parsed_cache(office_id: int, campaign_id: int, sha256: str) -> dict[int, tuple[int, str, Sums]]:
    """Rows already parsed in this process, per department with the version and text they were parsed from
    (a row is parsed again as soon as either differs): after one score changes, one row is parsed, not 5,000."""
    key = (office_id, campaign_id, sha256)
    cache = _PARSED.get(key)
    if cache is None:
        cache = _PARSED[key] = {}
        while len(_PARSED) > 8:
            _PARSED.popitem(last=False)
    _PARSED.move_to_end(key)
    return cache


def fingerprint(campaign: Campaign) -> tuple:
    """Changes whenever any stored sums row of the campaign is rewritten (versions only grow)."""
    ds = DepartmentSums
    return tuple(db.session.execute(all_departments(
        select(func.count(), func.sum(ds.version_id), func.max(ds.updated_at))
        .where(ds.office_id == campaign.office_id, ds.campaign_id == campaign.id))).one())


# --------------------------------------------------------------------------- the one writer


def _rubric_of(conn: Connection, campaign_id: int) -> tuple[scoring.Rubric, str]:
    row = conn.execute(select(Rubric.sha256, Rubric.source, Rubric.family, Rubric.version)
                       .join(Campaign, Campaign.rubric_id == Rubric.id).where(Campaign.id == campaign_id)).one()
    return engine_rubric(row), row.sha256  # engine_rubric reads only these four columns


def refresh(conn: Connection, office_id: int, campaign_id: int, department_ids: Iterable[int] | None = None) -> int:
    """Rewrite the sums rows of ``department_ids`` (all the campaign's when None) from ``indicator_results``,
    on ``conn`` inside its transaction. Returns the number of rows written."""
    rubric, sha = _rubric_of(conn, campaign_id)
    ids = None if department_ids is None else sorted(set(department_ids))
    if ids is not None and len(ids) > 500:  # most of the campaign: one pass over all of it is cheaper
        ids = None
    stmt = sums_statement(office_id, campaign_id, rubric, conn.dialect.name, ids)
    fresh = _parse_rows(rubric, conn.execute(stmt).all())
    ds = DepartmentSums.__table__
    where = [ds.c.office_id == office_id, ds.c.campaign_id == campaign_id]
    if ids is not None:
        where.append(ds.c.department_id.in_(ids))
    versions = dict(conn.execute(select(ds.c.department_id, ds.c.version_id).where(*where)).all())
    conn.execute(delete(ds).where(*where))
    now = utcnow()
    rows = [{"office_id": office_id, "department_id": d, "campaign_id": campaign_id, "rubric_sha256": sha,
             "data": s.to_json(), "version_id": versions.get(d, 0) + 1, "updated_at": now}
            for d, s in fresh.items()]
    for start in range(0, len(rows), 5000):
        conn.execute(insert(ds), rows[start:start + 5000])
    return len(rows)


def refresh_campaign(campaign: Campaign) -> int:
    """After bulk inserts of results that bypassed the ORM: every department's sums of ``campaign``."""
    return refresh(db.session.connection(), campaign.office_id, campaign.id)


def _after_flush(session: Session, _context) -> None:
    touched: dict[tuple[int, int], set[int]] = {}
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, IndicatorResult) and obj.campaign_id is not None:
            touched.setdefault((obj.office_id, obj.campaign_id), set()).add(obj.department_id)
    if touched:
        conn = session.connection()
        for (office_id, campaign_id), departments in touched.items():
            refresh(conn, office_id, campaign_id, departments)


_installed = False


def install() -> None:
    """Keep the sums in step with every ORM flush of indicator results (idempotent)."""
    global _installed
    if not _installed:
        event.listen(Session, "after_flush", _after_flush)
        _installed = True
