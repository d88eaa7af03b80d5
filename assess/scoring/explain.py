"""Decimal helpers and the wording of explanations ("公开信息246条，≥200条档，得5分").

Kept in one place so every rule speaks the same way and numbers print without float noise
(``5`` not ``5.00``, ``0.5`` not ``0.50``).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal(0)


def dec(value: Any) -> Decimal:
    """A Decimal from a Decimal, int, numeric text or float — floats through their shortest text,
    so ``0.1`` becomes ``Decimal("0.1")``, not 0.1000000000000000055…"""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, float, str)):
        return Decimal(str(value).strip())
    raise TypeError(f"not a number: {value!r}")


MAX_INTEGER_DIGITS = 15  # far beyond any count, amount or score of an assessment; within what every column holds
MAX_TYPED_CHARS = 32
MIN_EXPONENT = -30  # a number arriving typed (float, Decimal) may carry a float's digits, not a thousand zeros
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def typed_number(value: Any) -> Decimal:
    """The number a person (a form field, an API string, a spreadsheet cell) gave, or ``ValueError``.

    The one reader of typed numbers. Text must be plain decimal notation (full-width digits are read as
    digits) of at most :data:`MAX_TYPED_CHARS` characters; every number has at most
    :data:`MAX_INTEGER_DIGITS` digits before the point. Exponents (``1e999999999``: printed, its digits
    alone would fill a gigabyte), NaN, Infinity, underscores and overlong numbers are refused here, at
    the edge, before any arithmetic, formatting or storing. Numbers that arrive typed (int, float,
    Decimal: JSON bodies, the CLI) obey the same bounds; a float is read through its shortest text.
    """
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if len(text) > MAX_TYPED_CHARS or not _PLAIN_NUMBER.fullmatch(text):
            raise ValueError(f"not a plain number: {value[:40]!r}")
        number = Decimal(text)
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        if abs(value) >= 10**MAX_INTEGER_DIGITS:
            raise ValueError("too many digits")
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        raise ValueError(f"not a number: {value!r}")
    if not number.is_finite():
        raise ValueError("not a finite number")
    if number and (number.adjusted() >= MAX_INTEGER_DIGITS or number.as_tuple().exponent < MIN_EXPONENT):
        raise ValueError("too many digits")
    return number


def q(value: Decimal) -> Decimal:
    """Round a score to 0.01 (half up), the precision of stored scores (Numeric(7, 2))."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def num(value: Any) -> str:
    """Print a number the way a person writes it: no exponent, no trailing zeros."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(value.quantize(Decimal(1)))
        text = format(value.normalize(), "f")
        return text
    return str(value)


def yes_no(value: bool, lang: str = "zh") -> str:
    if lang == "zh":
        return "是" if value else "否"
    return "yes" if value else "no"


def figure(label: str, value: Any, unit: str, lang: str = "zh") -> str:
    """``公开信息246条`` / ``公开信息: 246 条``."""
    if isinstance(value, bool):
        return f"{label}：{yes_no(value)}" if lang == "zh" else f"{label}: {yes_no(value, 'en')}"
    if lang == "zh":
        return f"{label}{num(value)}{unit}"
    return f"{label}: {num(value)}{(' ' + unit) if unit else ''}"


def pts(value: Decimal, lang: str = "zh") -> str:
    return f"{num(value)}分" if lang == "zh" else f"{num(value)} pt"


def gcd(values: list[Decimal]) -> Decimal:
    """Greatest common step of some scores, at 0.01 precision (0.5 and 2 → 0.5; 0.2 and 0.5 → 0.1).

    An amount finer than a cent (0.125) makes scores that are rounded to the cent, so the step is 0.01.
    """
    from math import gcd as igcd

    result = 0
    for v in values:
        exact = abs(v) * 100
        if exact != exact.to_integral_value():
            return CENT
        cents = int(exact)
        if cents:
            result = igcd(result, cents)
    return (Decimal(result) / 100) if result else CENT
