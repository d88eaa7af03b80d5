"""Unit tests for the official-document formatting helpers (no PDF rendering)."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal

import pytest

from assess.documents import official


@pytest.mark.parametrize(
    ("prefix", "year", "seq", "expected"),
    [
        ("示政公办", 2026, 3, "示政公办〔2026〕3号"),
        ("示政公办", 2026, 10, "示政公办〔2026〕10号"),
        (" 县政办发 ", 2027, 125, "县政办发〔2027〕125号"),
    ],
)
def test_doc_number(prefix: str, year: int, seq: int, expected: str) -> None:
    assert official.format_doc_number(prefix, year, seq) == expected


@pytest.mark.parametrize(("prefix", "year", "seq"), [("", 2026, 1), ("示政", 26, 1), ("示政", 2026, 0)])
def test_doc_number_rejects_bad_parts(prefix: str, year: int, seq: int) -> None:
    with pytest.raises(ValueError):
        official.format_doc_number(prefix, year, seq)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 11, 21), "2026年11月21日"),
        (dt.date(2026, 1, 5), "2026年1月5日"),  # no leading zeros
        (dt.datetime(2027, 3, 9, 23, 59), "2027年3月9日"),
    ],
)
def test_cn_date(value: dt.date, expected: str) -> None:
    assert official.format_cn_date(value) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "一"), (9, "九"), (10, "十"), (11, "十一"), (19, "十九"), (20, "二十"), (21, "二十一"),
        (99, "九十九"), (100, "一百"), (101, "一百零一"), (110, "一百一十"), (999, "九百九十九"),
        (1005, "一千零五"), (10010, "一万零一十"), (120345, "十二万零三百四十五"),
    ],
)
def test_cn_ordinal(n: int, expected: str) -> None:
    assert official.cn_ordinal(n) == expected


def test_cn_ordinal_rejects_zero() -> None:
    with pytest.raises(ValueError):
        official.cn_ordinal(0)


@pytest.mark.parametrize(
    ("level", "n", "expected"),
    [(1, 3, "三、"), (2, 12, "（十二）"), (3, 4, "4."), (4, 2, "（2）"), (1, 100, "一百、")],
)
def test_heading_label(level: int, n: int, expected: str) -> None:
    assert official.heading_label(level, n) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("87.50"), "87.5"),
        (Decimal("90.00"), "90"),
        (Decimal("90"), "90"),
        (Decimal("-0.25"), "-0.25"),
        (Decimal("0.005"), "0.01"),  # half-up, like hand rounding
        (Decimal("1E+2"), "100"),  # never exponent notation
        (Decimal("-0.001"), "0"),  # no "-0"
        (7, "7"),
        ("12.30", "12.3"),
        (None, ""),
    ],
)
def test_format_score(value: object, expected: str) -> None:
    assert official.format_score(value) == expected  # type: ignore[arg-type]


def test_format_score_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        official.format_score("abc")


def test_verify_code_shape_and_alphabet() -> None:
    codes = {official.generate_verify_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4]
        assert set("".join(groups)) <= set(official.VERIFY_ALPHABET)
    assert not set("01ILOUV") & set(official.VERIFY_ALPHABET)  # no look-alikes


def test_normalize_verify_code() -> None:
    assert official.normalize_verify_code(" 7kqm-3hxp 9trd ") == "7KQM3HXP9TRD"


def test_qr_data_urls() -> None:
    svg = official.qr_svg_data_url("https://assess.example.gov.cn/v/7KQM3HXP9TRD")
    assert svg.startswith("data:image/svg+xml")
    png = official.qr_png_data_url("https://assess.example.gov.cn/v/7KQM3HXP9TRD")
    assert png.startswith("data:image/png;base64,")
    assert base64.b64decode(png.split(",", 1)[1]).startswith(b"\x89PNG")


def test_png_data_url_accepts_only_png() -> None:
    assert official.png_data_url(b"\x89PNG\r\n\x1a\nrest").startswith("data:image/png;base64,")
    with pytest.raises(ValueError):
        official.png_data_url(b"<svg xmlns='http://www.w3.org/2000/svg'/>")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("关于2026年度政务公开工作考核结果的通报", ["关于2026年度政务公开工作考核结果的通报"]),
        ("关于县人力资源和社会保障局政务公开问题整改的通知", ["关于县人力资源和社会保障局", "政务公开问题整改的通知"]),
        ("关于印发《示范县政务公开工作考核细则（2026年修订）》的通知",
         ["关于印发《示范县政务公开工作", "考核细则（2026年修订）》的通知"]),
        ("关于某某问题\n的通知", ["关于某某问题", "的通知"]),  # explicit break wins
    ],
)
def test_title_lines_balanced(title: str, expected: list[str]) -> None:
    assert official.title_lines(title) == expected


def test_title_lines_never_split_numbers_or_start_with_punctuation() -> None:
    title = "关于12345678901234567890号文件中，“第一项”和“第二项”落实情况的通报（第三次）"
    lines = official.title_lines(title)
    assert "".join(lines) == title
    for a, b in zip(lines, lines[1:], strict=False):
        assert not (a[-1].isdigit() and b[0].isdigit())
        assert b[0] not in "，。）》”" and a[-1] not in "（《“"
    assert all(sum(0.5 if ord(c) < 0x2E80 else 1 for c in line) <= 20 for line in lines)
