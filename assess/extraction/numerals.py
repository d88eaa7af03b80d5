"""Chinese and mixed numerals → Decimal.

``parse_chinese("二十三") == 23``, ``parse_chinese("两千") == 2000``, ``parse_chinese("一万二千")
== 12000``, digit strings such as ``"二〇二〇"`` read digit by digit; ``parse_number("6.2", "万")
== 62000``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
          "七": 7, "八": 8, "九": 9}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS = {"万": 10**4, "亿": 10**8}
MULTIPLIERS = {"": 1, "十": 10, "百": 100, "千": 1000, "万": 10**4, "亿": 10**8}
CN_NUMERAL_CHARS = "".join(DIGITS) + "".join(SMALL_UNITS) + "".join(BIG_UNITS)


def parse_chinese(text: str) -> Decimal:
    """Value of a Chinese numeral (一二三…十百千万亿, 两, 〇/零). Raises ValueError if invalid."""
    if not text or any(ch not in CN_NUMERAL_CHARS for ch in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    if all(ch in DIGITS for ch in text) and len(text) > 1:
        # 二〇二〇 — digits read one by one
        return Decimal("".join(str(DIGITS[ch]) for ch in text))
    result = 0      # completed 亿 part
    section = 0     # below 亿, completed 万 part plus current < 万 part
    small = 0       # current part below 万
    digit: int | None = None
    for ch in text:
        if ch in DIGITS:
            digit = DIGITS[ch]
        elif ch in SMALL_UNITS:
            small += (1 if digit is None else digit) * SMALL_UNITS[ch]
            digit = None
        elif ch == "万":
            section = (section + small + (digit or 0)) * 10**4
            small, digit = 0, None
        else:  # 亿
            result = (result + section + small + (digit or 0)) * 10**8
            section = small = 0
            digit = None
    return Decimal(result + section + small + (digit or 0))


def parse_arabic(text: str) -> Decimal:
    """Arabic number with optional thousands separators (``1,234.5``). Raises ValueError."""
    cleaned = text.replace(",", "").replace("，", "").replace(" ", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {text!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not a number: {text!r}")
    return value


def parse_number(text: str, multiplier: str = "") -> Decimal:
    """Arabic or Chinese numeral with an optional trailing multiplier (万, 亿, 千, 百, 十)."""
    text = text.strip()
    if text and text[0].isdigit():
        base = parse_arabic(text)
    else:
        base = parse_chinese(text)
    return normalise(base * MULTIPLIERS[multiplier])


def normalise(value: Decimal) -> Decimal:
    """Drop a meaningless exponent/trailing zeros: 62000.0 → 62000, 1.50 → 1.5."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
