"""MinHash signatures and locality-sensitive hashing (banding) over character n-grams — pure Python.

Why our own: no package for it is installed and the method is short. Chinese has no spaces, so a text is
compared by its character n-grams ("shingles"); two texts' Jaccard similarity (shared shingles / all
shingles) is estimated by the share of equal positions in their MinHash signatures, and banding the
signatures puts texts that are probably similar into a common bucket, so only those pairs are compared
exactly instead of every pair of a campaign.
"""
from __future__ import annotations

import hashlib
import math
import random
import re
import unicodedata
from collections import defaultdict
from typing import Hashable, Iterable, Mapping

_PRIME = (1 << 61) - 1
_MAX_HASH = (1 << 32) - 1
_PASSAGE_END = re.compile(r"[。！？；;!?\n\r]+")


def normalize(text: str) -> str:
    """What is compared: full-width forms folded (NFKC), lower case, only letters and digits (CJK included),
    so punctuation, spaces and line breaks do not hide a copy."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text or "").lower() if ch.isalnum())


def passages(text: str) -> list[str]:
    """The text's sentences (split at 。！？； and line ends), as written, without empty ones."""
    return [p.strip() for p in _PASSAGE_END.split(text or "") if p.strip()]


def shingles(text: str, n: int = 5) -> set[str]:
    """The character n-grams of the normalized text (the whole text if it is shorter than n)."""
    s = normalize(text)
    if not s:
        return set()
    if len(s) <= n:
        return {s}
    return {s[i:i + n] for i in range(len(s) - n + 1)}


def jaccard(a: set, b: set) -> float:
    """Shared elements over all elements (0 for two empty sets)."""
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def _hash(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest(), "big")


class MinHasher:
    """Signatures of ``num_perm`` hash functions ``(a·x + b) mod p`` (seeded, so runs agree)."""

    def __init__(self, num_perm: int = 64, seed: int = 1):
        rng = random.Random(seed)
        self.num_perm = num_perm
        self._perms = [(rng.randrange(1, _PRIME), rng.randrange(0, _PRIME)) for _ in range(num_perm)]

    def signature(self, items: Iterable[str]) -> tuple[int, ...]:
        hashes = [_hash(s) for s in items]
        if not hashes:
            return tuple([_MAX_HASH] * self.num_perm)
        return tuple(min(((a * h + b) % _PRIME) & _MAX_HASH for h in hashes) for a, b in self._perms)


def estimate(sig_a: tuple[int, ...], sig_b: tuple[int, ...]) -> float:
    """The Jaccard similarity estimated from two signatures: the share of equal positions."""
    return sum(1 for x, y in zip(sig_a, sig_b) if x == y) / len(sig_a)


def candidate_pairs(signatures: Mapping[Hashable, tuple[int, ...]], bands: int, rows: int) -> set[tuple]:
    """Pairs of keys whose signatures agree on every row of at least one band (each pair once, in key order
    of first appearance). With b bands of r rows a pair of Jaccard s becomes a candidate with probability
    1 − (1 − s^r)^b: 32 bands of 2 rows catch s = 0.4 almost surely and s = 0.1 about a quarter of the time."""
    order = {k: i for i, k in enumerate(signatures)}
    pairs: set[tuple] = set()
    for band in range(bands):
        buckets: dict[tuple, list] = defaultdict(list)
        lo = band * rows
        for key, sig in signatures.items():
            buckets[tuple(sig[lo:lo + rows])].append(key)
        for keys in buckets.values():
            for i, a in enumerate(keys):
                for b in keys[i + 1:]:
                    pairs.add((a, b) if order[a] < order[b] else (b, a))
    return pairs


def similar_pairs(sets: Mapping[Hashable, set[str]], threshold: float,
                  focus: Iterable[Hashable] | None = None) -> set[tuple]:
    """Pairs of keys whose sets may have a Jaccard similarity of ``threshold`` or more — every such pair, and
    few others (prefix filtering: sets whose elements are ordered rarest first share an element among the
    first ``|s| − ⌈t·|s|⌉ + 1`` of each if J ≥ t). An inverted index over those prefixes proposes the pairs,
    so the work follows the pairs that share rare n-grams, not all pairs; exact, unlike banding signatures,
    and needs no signatures (the costly part of MinHash in pure Python). With ``focus`` only pairs with one
    of those keys (one submission's passages against the rest)."""
    freq: dict[str, int] = defaultdict(int)
    for s in sets.values():
        for g in s:
            freq[g] += 1
    order = {k: i for i, k in enumerate(sets)}

    def prefix(s: set[str]) -> list[str]:
        toks = sorted(s, key=lambda g: (freq[g], g))
        return toks[:len(toks) - math.ceil(threshold * len(toks)) + 1]

    pairs: set[tuple] = set()
    if focus is not None:
        wanted = {k: set(prefix(sets[k])) for k in focus if k in sets}
        every = set().union(*wanted.values()) if wanted else set()
        for k, s in sets.items():
            if not s & every:
                continue
            mine = set(prefix(s))
            for f, p in wanted.items():
                if f != k and mine & p:
                    pairs.add((f, k) if order[f] < order[k] else (k, f))
        return pairs
    index: dict[str, list] = defaultdict(list)
    for k, s in sets.items():
        seen = set()
        for g in prefix(s):
            for other in index[g]:
                if other not in seen:
                    seen.add(other)
                    pairs.add((other, k))
            index[g].append(k)
    return pairs
