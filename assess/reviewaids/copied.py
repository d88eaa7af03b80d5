"""Copied text: passages of one self-assessment the same or nearly the same as another department's in the
same campaign, or as the same department's in an earlier campaign — pure, no database.

How: each free-text answer is cut into passages (sentences); a passage is its character 5-grams minus the
ignored ones — the rubric's own wording, and boilerplate learned from the whole campaign (5-grams that occur
in the texts of many departments: "根据县政府办公室关于…的通知要求" is everyone's). An inverted index over
each passage's rarest 5-grams (prefix filtering, :func:`.minhash.similar_pairs`: every pair above the
threshold and few others, without all pairs and without MinHash signatures, which cost most of a
5,000-department run in pure Python) proposes passage pairs; each proposed pair is then compared exactly (Jaccard of its
5-grams) and kept above the threshold. What is reported per answer and other source: the matching passages
side by side, and the share of the answer's own (not ignored) 5-grams that occur in the other text.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Hashable

from .minhash import jaccard, passages, shingles, similar_pairs

NGRAM = 5
MIN_SHINGLES = 6  # a passage with fewer own 5-grams (about 10 characters) says too little to be "copied"
BOILERPLATE_SHARE = 0.3  # a 5-gram in the texts of this share of the departments is common wording …
BOILERPLATE_MIN_DEPARTMENTS = 4  # … and of at least this many departments


@dataclass(frozen=True)
class Text:
    """One free-text answer: ``key`` names it for the caller; ``current`` is this campaign (else earlier)."""

    key: Hashable
    department_id: int
    current: bool
    text: str


@dataclass
class Match:
    """``key``'s text has passages the same or nearly the same as ``other``'s."""

    key: Hashable
    other: Hashable
    similarity: float  # share of key's own 5-grams that occur in the other text
    passages: list[tuple[str, str, float]] = field(default_factory=list)  # (mine, theirs, Jaccard)


def boilerplate(texts: list[Text], *, share: float = BOILERPLATE_SHARE,
                min_departments: int = BOILERPLATE_MIN_DEPARTMENTS) -> set[str]:
    """5-grams used by many departments of this campaign (the common wording nobody copied from anyone)."""
    by_gram: dict[str, set[int]] = defaultdict(set)
    departments = set()
    for t in texts:
        if not t.current:
            continue
        departments.add(t.department_id)
        for g in shingles(t.text, NGRAM):
            by_gram[g].add(t.department_id)
    needed = max(min_departments, math.ceil(share * len(departments)))
    return {g for g, depts in by_gram.items() if len(depts) >= needed}


def _comparable(a: Text, b: Text) -> bool:
    """Another department in this campaign, or the same department in an earlier one."""
    if a.current and b.current:
        return a.department_id != b.department_id
    if a.current != b.current:
        return a.department_id == b.department_id
    return False


def find_copies(texts: list[Text], *, ignore: set[str] = frozenset(), threshold: float = 0.5,
                focus: Hashable | None = None) -> list[Match]:
    """Every (current text, other text) with at least one pair of passages whose own 5-grams have a Jaccard
    similarity of ``threshold`` or more. ``ignore``: 5-grams not counted (the rubric's wording); the
    campaign's boilerplate is added here. Both directions are reported for two current texts (each
    department's reviewer sees it). ``focus`` (a department id): only pairs with that department's current
    texts (one submission just submitted)."""
    ignored = set(ignore) | boilerplate(texts)
    by_key = {t.key: t for t in texts}
    own: dict[Hashable, set[str]] = {}  # a text's own 5-grams
    units: dict[tuple, set[str]] = {}  # (text key, passage index) → own 5-grams
    words: dict[tuple, str] = {}
    for t in texts:
        own[t.key] = shingles(t.text, NGRAM) - ignored
        for i, p in enumerate(passages(t.text)):
            grams = shingles(p, NGRAM) - ignored
            if len(grams) >= MIN_SHINGLES:
                units[(t.key, i)] = grams
                words[(t.key, i)] = p
    focused = None
    if focus is not None:
        focused = [u for u in units if by_key[u[0]].current and by_key[u[0]].department_id == focus]
    found: dict[tuple, list[tuple[tuple, tuple, float]]] = defaultdict(list)
    for u, v in similar_pairs(units, threshold, focused):
        a, b = by_key[u[0]], by_key[v[0]]
        if not _comparable(a, b):
            continue
        sim = jaccard(units[u], units[v])
        if sim < threshold:
            continue
        if a.current:
            found[(a.key, b.key)].append((u, v, sim))
        if b.current:
            found[(b.key, a.key)].append((v, u, sim))
    matches = []
    for (key, other), pairs in found.items():
        pairs.sort(key=lambda p: p[0][1])
        mine = own[key]
        similarity = len(mine & own[other]) / len(mine) if mine else 0.0
        matches.append(Match(key, other, round(similarity, 4),
                             [(words[u], words[v], round(s, 4)) for u, v, s in pairs]))
    return matches
