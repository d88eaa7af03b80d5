"""Rubric engine (考核细则): load rubric files, score departments, rank groups. Pure Python, no Flask.

Typical use::

    rubric = load_rubric(text, "county-annual-2026.yaml")
    result = score(rubric, {"A1": {"has_group": True}, ...}, late_days=0)
    ranked = rank_group(rubric, [RankEntry("dept-1", result.total, result.areas), ...])
"""

from .explain import typed_number
from .engine import aggregate, bounds, figures_of, grade_for, score, validate_inputs
from .loader import dump_rubric, load_rubric, load_rubric_file
from .model import (
    AppliesTo,
    Area,
    BonusSection,
    Bounds,
    ComputedFigure,
    EvidenceSpec,
    GradeBand,
    Indicator,
    IndicatorScore,
    InputError,
    InputSpec,
    LateSubmission,
    MajorSection,
    Problem,
    Ranked,
    RankEntry,
    Rubric,
    RubricError,
    ScoreResult,
    Totals,
)
from .ranking import rank_group, share_limit
from .rules import RULES

__all__ = [
    "RULES", "AppliesTo", "Area", "BonusSection", "Bounds", "ComputedFigure", "EvidenceSpec", "GradeBand", "Indicator",
    "IndicatorScore", "InputError", "InputSpec", "LateSubmission", "MajorSection", "Problem", "RankEntry", "Ranked", "Rubric",
    "RubricError", "ScoreResult", "Totals", "aggregate", "bounds", "dump_rubric", "figures_of", "grade_for",
    "load_rubric", "load_rubric_file", "rank_group", "score", "share_limit", "typed_number", "validate_inputs",
]
