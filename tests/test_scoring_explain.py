"""aggregate(explain=False): the same figures as with explanations, without the sentences."""
from __future__ import annotations

import random
from decimal import Decimal as D
from pathlib import Path

from assess.scoring import aggregate, bounds, load_rubric_file

ROOT = Path(__file__).resolve().parent.parent
COUNTY = load_rubric_file(str(ROOT / "scoring_rules" / "county-annual-2026.yaml"))


def test_aggregate_without_explanations_gives_the_same_figures():
    rng = random.Random(11)
    for _ in range(200):
        scores = {}
        for ind in COUNTY.all_indicators():
            if ind.rule.kind == "veto":
                continue
            b = bounds(COUNTY, ind.code)
            scores[ind.code] = b.min + b.step * rng.randint(0, int((b.max - b.min) / b.step))
        vetoes = tuple(i.code for i in COUNTY.vetoes if rng.random() < 0.1)
        late = rng.choice([0, 0, 3])
        full = aggregate(COUNTY, scores, vetoes=vetoes, late_days=late)
        bare = aggregate(COUNTY, scores, vetoes=vetoes, late_days=late, explain=False)
        assert full.explanation_zh and full.explanation_en
        assert bare.explanation_zh == () and bare.explanation_en == ()
        assert (bare.areas, bare.base, bare.bonus_raw, bare.bonus, bare.late_deduction, bare.veto, bare.total,
                bare.grade) == (full.areas, full.base, full.bonus_raw, full.bonus, full.late_deduction, full.veto,
                                full.total, full.grade)


def test_explain_is_on_by_default():
    scores = {i.code: bounds(COUNTY, i.code).max for a in COUNTY.areas for i in a.indicators}
    assert aggregate(COUNTY, scores).explanation_zh[-1].startswith("总分")
    assert aggregate(COUNTY, scores, explain=False).total == aggregate(COUNTY, scores).total > D(0)
