"""Chinese and mixed numerals."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assess.extraction.numerals import parse_chinese, parse_number

DIG = "零一二三四五六七八九"


def to_chinese(n: int) -> str:
    """Reference writer for 0 ≤ n < 10^12 (standard form, 一十 → 十 at the start)."""
    if n == 0:
        return "零"

    def below_10000(x: int) -> str:
        out, zero = "", False
        for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d = x // value % 10
            if d:
                if zero and out:
                    out += "零"
                out += DIG[d] + unit
                zero = False
            else:
                zero = True
        return out

    parts = []
    for value, unit in ((10**8, "亿"), (10**4, "万"), (1, "")):
        chunk = n // value % 10**4
        if chunk:
            text = below_10000(chunk)
            if parts and chunk < 1000:
                text = "零" + text
            parts.append(text + unit)
    s = "".join(parts)
    return s[1:] if s.startswith("一十") else s


@pytest.mark.parametrize("text,value", [
    ("二十三", 23), ("十三", 13), ("十", 10), ("两千", 2000), ("一百零五", 105), ("三千零二", 3002),
    ("一万二千", 12000), ("六万二千", 62000), ("一亿二千万", 120000000), ("二〇二〇", 2020),
    ("两", 2), ("零", 0), ("一百", 100), ("百", 100),
])
def test_parse_chinese(text: str, value: int) -> None:
    assert parse_chinese(text) == Decimal(value)


@pytest.mark.parametrize("text,mult,value", [
    ("6.2", "万", "62000"), ("1.2", "亿", "120000000"), ("3456", "万", "34560000"),
    ("1,286", "", "1286"), ("96.5", "", "96.5"), ("2,367.5", "万", "23675000"), ("两千", "", "2000"),
])
def test_parse_number(text: str, mult: str, value: str) -> None:
    assert parse_number(text, mult) == Decimal(value)


def test_invalid() -> None:
    with pytest.raises(ValueError):
        parse_chinese("二十x")
    with pytest.raises(ValueError):
        parse_number("1.2.3")


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_round_trip(n: int) -> None:
    assert parse_chinese(to_chinese(n)) == n
