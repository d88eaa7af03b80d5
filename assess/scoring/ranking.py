"""Ranking and grades within a group (县直部门, 乡镇（街道）…) — the one ranking function."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from .engine import grade_for
from .explain import ZERO, dec, num
from .model import RankEntry, Ranked, Rubric

_ROUNDING = {"floor": ROUND_FLOOR, "ceil": ROUND_CEILING, "half_up": ROUND_HALF_UP}


def share_limit(rubric: Rubric, group_size: int, share: Decimal) -> int:
    """How many units a band capped at ``share`` percent may hold in a group of ``group_size``.

    ``group_size × share / 100`` rounded by the rubric's ``share_rounding`` — ``floor`` by default,
    so the cap is never exceeded (3 units at 20 % → 0 优秀; 10 units → 2). Offices that read
    "不超过20%" as "at least one" choose ``ceil``.
    """
    exact = Decimal(group_size) * share / 100
    return int(exact.to_integral_value(rounding=_ROUNDING[rubric.share_rounding]))


def _sort_key(rubric: Rubric, e: RankEntry) -> tuple:
    if not e.submitted:
        return (2,)
    subtotals = tuple(-dec(e.area_subtotals.get(code, ZERO)) for code in rubric.tie_break)
    return (1 if e.veto else 0, -dec(e.total), *subtotals)


def rank_group(rubric: Rubric, entries: list[RankEntry]) -> list[Ranked]:
    """Rank one group and give each unit its grade; returns the entries in rank order.

    Order (the tie-break rule):
    1. units that submitted and triggered no veto, by total, highest first;
    2. then, among equal totals, by the subtotal of each area in the rubric's ``tie_break`` list in
       turn (e.g. ``[C, E]``: higher 主动公开, then higher 回应关切), highest first;
    3. units with a veto come after all others that submitted (same ordering among them);
    4. units that did not submit come last, all sharing one rank, marked 未报送.
    Units still equal after all of this share a rank and the next rank skips (1, 2, 2, 4); the input
    order only decides how tied units are listed.

    Grades: the score bands first (any veto → the veto grade; not submitted → the lowest grade).
    Then share caps, band by band from the top: a band with ``max_share`` keeps at most
    ``share_limit`` units, taken in rank order; units sharing a rank are kept or moved together
    (so the cap is never exceeded), and those moved go to the next band down, where that band's cap
    applies in turn. The group size counts every entry, submitted or not.
    """
    key_of = [_sort_key(rubric, e) for e in entries]  # once per entry: a province's group has thousands
    order = sorted(range(len(entries)), key=key_of.__getitem__)
    keys = [key_of[n] for n in order]
    ranks: list[int] = []
    for pos, key in enumerate(keys):
        ranks.append(ranks[-1] if pos and key == keys[pos - 1] else pos + 1)

    lowest = rubric.grades[-1].label
    by_score: list[str] = []
    for n in order:
        e = entries[n]
        by_score.append(lowest if not e.submitted else grade_for(rubric, dec(e.total), e.veto))
    grades = list(by_score)
    capped = [False] * len(order)
    labels = [b.label for b in rubric.grades]
    for b_index, band in enumerate(rubric.grades):
        if band.max_share is None:
            continue
        limit = share_limit(rubric, len(entries), band.max_share)
        holders = [pos for pos, g in enumerate(grades) if g == band.label]  # already in rank order
        kept, cut, i = 0, False, 0
        while i < len(holders):
            j = i
            while j < len(holders) and ranks[holders[j]] == ranks[holders[i]]:
                j += 1
            tied = holders[i:j]  # units sharing a rank are adjacent
            if not cut and kept + len(tied) <= limit:
                kept += len(tied)
            else:
                cut = True
                for p in tied:
                    grades[p] = labels[b_index + 1]
                    capped[p] = True
            i += len(tied)

    out: list[Ranked] = []
    for pos, n in enumerate(order):
        e = entries[n]
        notes = []
        if not e.submitted:
            notes.append("未报送")
        if e.veto:
            notes.append("一票否决")
        if capped[pos]:
            band = next(b for b in rubric.grades if b.label == by_score[pos])
            notes.append(f"{band.label}比例不超过{num(band.max_share)}%（按排名），评为{grades[pos]}")  # type: ignore[arg-type]
        out.append(Ranked(key=e.key, rank=ranks[pos], total=dec(e.total), grade=grades[pos],
                          grade_by_score=by_score[pos], submitted=e.submitted, veto=e.veto,
                          capped=capped[pos], note_zh="；".join(notes)))
    return out
