"""Old rubric files load and score exactly as before the format grew optional keys.

``tests/fixtures/rubrics/golden-scores.json`` holds the engine's full results (every indicator's suggested
score, explanation and bounds; area subtotals, bonus, total, grade and sentences) for every shipped rubric
and every valid fixture rubric, over a fixed set of generated inputs, as scored by the engine BEFORE the
format-2 keys existed. Regenerate only on purpose, from a checkout of that older engine::

    PYTHONPATH=<old checkout> .venv/bin/python tests/test_scoring_unchanged.py > tests/fixtures/rubrics/golden-scores.json
"""

from __future__ import annotations

import json
import random
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "fixtures" / "rubrics" / "golden-scores.json"
FILES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "scoring_rules").glob("*.yaml")) + [
    "tests/fixtures/rubrics/minimal.yaml", "tests/fixtures/rubrics/year-e2e.yaml"]
SETS = 6


def _value(spec, rng: random.Random):
    """A value for one input, within its bounds; the first set is all zeros/false, the second all high."""
    if spec.type == "boolean":
        return rng.random() < 0.6
    if spec.type == "text":
        return "见附件"
    lo = spec.effective_min if spec.effective_min is not None else Decimal(0)
    hi = spec.effective_max if spec.effective_max is not None else lo + 300
    if spec.type == "integer":
        return int(min(hi, lo + rng.choice([0, 0, 1, 2, 3, 5, 8, 13, 40, 120, 250])))
    raw = lo + (hi - lo) * Decimal(rng.randint(0, 1000)) / 1000
    return str(min(hi, raw.quantize(Decimal("0.1"))))


def inputs_for(rubric, n: int) -> dict:
    rng = random.Random(f"{rubric.code}:{n}")
    out: dict = {}
    for ind in rubric.all_indicators():
        given = {}
        for spec in ind.inputs:
            if not spec.required and rng.random() < 0.3:
                continue
            if n == 0:
                given[spec.name] = False if spec.type == "boolean" else ("" if spec.type == "text" else 0)
                if spec.numeric and spec.effective_min is not None and spec.effective_min > 0:
                    given[spec.name] = str(spec.effective_min)
            else:
                given[spec.name] = _value(spec, rng)
        out[ind.code] = given
    return out


def results() -> dict:
    from assess.scoring import load_rubric_file, score
    from assess.scoring.export import result_to_dict

    out: dict = {}
    for name in FILES:
        rubric = load_rubric_file(str(ROOT / name))
        runs = []
        for n in range(SETS):
            judgements = {i.code: i.rule.min for i in rubric.all_indicators()
                          if i.rule.kind == "judgement"} if n % 2 else None
            res = score(rubric, inputs_for(rubric, n), judgements=judgements, late_days=n % 3 * 2)
            runs.append(result_to_dict(res))
        out[name] = runs
    return out


def test_every_old_rubric_scores_exactly_as_before():
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert sorted(golden) == FILES
    now = results()
    for name in FILES:
        for n, (old, new) in enumerate(zip(golden[name], now[name])):
            assert new == old, f"{name} set {n}"


if __name__ == "__main__":
    json.dump(results(), sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
    sys.stdout.write("\n")
