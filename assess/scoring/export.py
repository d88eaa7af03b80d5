"""Plain-data (JSON-ready) form of results, for the CLI, the web layer and stored snapshots.

Decimals become strings ("83.90") so nothing is lost on the way through JSON.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .model import Bounds, IndicatorScore, Ranked, ScoreResult, Totals


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def bounds_to_dict(b: Bounds) -> dict[str, str]:
    return {"min": str(b.min), "max": str(b.max), "step": str(b.step)}


def indicator_to_dict(s: IndicatorScore) -> dict[str, Any]:
    return {
        "code": s.code, "title": s.title, "section": s.section, "kind": s.kind, "points": str(s.points),
        "suggested": str(s.suggested), "score": str(s.score), "overridden": s.overridden,
        "bounds": bounds_to_dict(s.bounds), "explanation_zh": s.explanation_zh, "explanation_en": s.explanation_en,
        "inputs_used": _plain(dict(s.inputs_used)), **({"triggered": True} if s.triggered else {}),
        **({"not_applicable": s.not_applicable} if s.not_applicable is not None else {}),
    }


def totals_to_dict(t: Totals) -> dict[str, Any]:
    return {
        "areas": _plain(dict(t.areas)), "base": str(t.base), "bonus_raw": str(t.bonus_raw), "bonus": str(t.bonus),
        "late_deduction": str(t.late_deduction), "veto": list(t.veto), "total": str(t.total), "grade": t.grade,
        "explanation_zh": list(t.explanation_zh), "explanation_en": list(t.explanation_en),
        **({"major": str(t.major)} if t.major else {}), **({"ended": True} if t.ended else {}),
        **({"base_raw": str(t.base_raw), "applicable_points": str(t.applicable_points),
            "not_applicable": dict(t.not_applicable)} if t.not_applicable else {}),
    }


def result_to_dict(r: ScoreResult) -> dict[str, Any]:
    """Everything needed to show or re-check a score later: rubric code/version, every indicator."""
    return {
        "rubric": {"code": r.rubric_code, "version": r.rubric_version},
        "indicators": [indicator_to_dict(s) for s in r.indicators.values()],
        **totals_to_dict(r),
    }


def ranked_to_dict(r: Ranked) -> dict[str, Any]:
    return {"key": r.key, "rank": r.rank, "total": str(r.total), "grade": r.grade, "grade_by_score": r.grade_by_score,
            "submitted": r.submitted, "veto": r.veto, "capped": r.capped, "note_zh": r.note_zh}
