"""Figures that jump — pure arithmetic, no database.

A reported figure is worth a second look when it is far from the department's own figure last year (the
larger over the smaller above the office's ratio, ×3 by default) or far from its group this year (a robust
z-score above the office's limit, 3.5 by default). Robust: the median and the median absolute deviation
(MAD) are not dragged by the one outlier they are meant to find, as a mean and standard deviation are.
"""
from __future__ import annotations

from decimal import Decimal
from statistics import median

MIN_GROUP = 5  # fewer departments reporting a figure make no distribution to stand out from
MAD_SCALE = 0.6745  # the MAD of a normal distribution in standard deviations (Iglewicz and Hoaglin)
MEAN_AD_SCALE = 1.253314  # the same for the mean absolute deviation, used when the MAD is 0


def ratio(value: float, last_year: float) -> float | None:
    """How many times larger the larger of the two is (a zero counts as 1); None for negative figures."""
    if value < 0 or last_year < 0:
        return None
    hi, lo = max(value, last_year), min(value, last_year)
    if hi == 0:
        return 1.0
    return hi / max(lo, 1.0)


def robust_z(value: float, values: list[float]) -> float | None:
    """The modified z-score of ``value`` among ``values`` (which include it): 0.6745·(x − median) / MAD, or
    (x − median) / (1.2533·mean absolute deviation) where more than half the values are equal. None when the
    group is too small or every value is the same."""
    if len(values) < MIN_GROUP:
        return None
    med = median(values)
    mad = median(abs(v - med) for v in values)
    if mad > 0:
        return MAD_SCALE * (value - med) / mad
    mean_ad = sum(abs(v - med) for v in values) / len(values)
    if mean_ad == 0:
        return None
    return (value - med) / (MEAN_AD_SCALE * mean_ad)


def number(raw) -> float | None:
    """A reported figure as a float (None for missing, booleans and text)."""
    if raw is None or isinstance(raw, bool):
        return None
    try:
        return float(Decimal(str(raw)))
    except (ArithmeticError, ValueError):
        return None
