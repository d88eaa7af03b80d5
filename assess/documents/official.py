"""Official-document (公文) formatting helpers: document numbers, dates, heading labels,
scores, verification codes and QR codes.

Pure functions with no Flask or database access, so the rendering core, the web views and
the tests all format the same thing the same way. The rules come from GB/T 9704-2012 (see
``shared/domain/README.md``): the year of a document number sits in 〔〕 and no number carries
leading zeros; dates are written with Arabic numerals, again without leading zeros.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import secrets
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import segno

__all__ = [
    "VERIFY_ALPHABET",
    "cn_number",
    "cn_ordinal",
    "format_cn_date",
    "format_doc_number",
    "format_score",
    "generate_verify_code",
    "heading_label",
    "normalize_verify_code",
    "png_data_url",
    "qr_png_data_url",
    "qr_svg_data_url",
    "title_lines",
]

_DIGITS = "零一二三四五六七八九"
_UNITS = ("", "十", "百", "千")


def format_doc_number(prefix: str, year: int, seq: int) -> str:
    """Return a 发文字号 such as ``示政公办〔2026〕3号``.

    The year goes in hexagonal brackets 〔〕 (not 【】 or []) and the sequence number has no
    leading zeros and no 第 — both are the commonest mistakes reviewers flag in real documents.
    """
    prefix = prefix.strip()
    if not prefix:
        raise ValueError("发文字号缺少机关代字（prefix 为空）")
    if not 1000 <= int(year) <= 9999:
        raise ValueError(f"发文字号年份应为四位数字：{year!r}")
    if int(seq) < 1:
        raise ValueError(f"发文字号序号应为正整数：{seq!r}")
    return f"{prefix}〔{int(year)}〕{int(seq)}号"


def format_cn_date(value: dt.date | dt.datetime) -> str:
    """Return a 成文日期 such as ``2026年11月21日`` (Arabic numerals, no leading zeros)."""
    return f"{value.year}年{value.month}月{value.day}日"


def cn_number(n: int) -> str:
    """Write a non-negative integer below 100 000 000 in Chinese numerals (一, 十一, 二十, 一百零一 …).

    Numbers 10–19 are written 十, 十一 … (not 一十一) as in 公文 headings; zeros inside a number
    collapse to one 零 (一千零五, 一百零一).
    """
    if n < 0:
        raise ValueError("cn_number needs a non-negative integer")
    if n == 0:
        return _DIGITS[0]
    if n >= 100_000_000:
        raise ValueError("cn_number supports numbers below 100 000 000")
    if n >= 10_000:
        high, low = divmod(n, 10_000)
        text = cn_number(high) + "万"
        if low:
            text += ("零" if low < 1000 else "") + _below_10000(low)
        return text
    text = _below_10000(n)
    if 10 <= n < 20:
        text = text.removeprefix("一")  # 十一 … 十九, not 一十一
    return text


def _below_10000(n: int) -> str:
    digits = [int(c) for c in str(n)]
    out: list[str] = []
    pending_zero = False
    for i, d in enumerate(digits):
        unit = _UNITS[len(digits) - 1 - i]
        if d == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(_DIGITS[d] + unit)
    return "".join(out)


def cn_ordinal(n: int) -> str:
    """Chinese ordinal for heading numbers: 1 → 一, 12 → 十二, 99 → 九十九, 101 → 一百零一."""
    if n < 1:
        raise ValueError("heading numbers start at 1")
    return cn_number(n)


def heading_label(level: int, n: int) -> str:
    """Label of the n-th heading at a level (1–4), per GB/T 9704: 一、 （一） 1. （1）.

    Level 1 is set in 黑体, level 2 in 楷体, levels 3–4 in the body font; the template decides
    the font, this function only the text.
    """
    if level == 1:
        return f"{cn_ordinal(n)}、"
    if level == 2:
        return f"（{cn_ordinal(n)}）"
    if level == 3:
        return f"{n}."
    if level == 4:
        return f"（{n}）"
    raise ValueError(f"heading level must be 1–4, got {level}")


def format_score(value: Decimal | int | str | None, *, places: int = 2) -> str:
    """Format a score for print: at most ``places`` decimals, trailing zeros dropped.

    ``Decimal("87.50")`` → ``87.5``, ``Decimal("90.00")`` → ``90``, ``Decimal("-0.25")`` →
    ``-0.25``. Half-up rounding, as score sheets are rounded by hand. Never goes through
    float, and never prints exponent notation (``Decimal('1E+2').normalize()`` would).
    ``None`` prints as an empty string (indicator not scored).
    """
    if value is None:
        return ""
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not a score: {value!r}") from exc
    quantum = Decimal(1).scaleb(-places)
    d = d.quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{d:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


# Verification codes are read aloud and typed from paper: leave out 0/O, 1/I/L and U/V.
VERIFY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"


def generate_verify_code(groups: int = 3, group_len: int = 4) -> str:
    """Random verification code such as ``7KQM-3HXP-9TRD`` printed on issued documents.

    12 characters from a 29-letter alphabet ≈ 58 bits: unguessable for an online check, short
    enough to type. Uses ``secrets``, never ``random``.
    """
    return "-".join(
        "".join(secrets.choice(VERIFY_ALPHABET) for _ in range(group_len)) for _ in range(groups)
    )


def normalize_verify_code(text: str) -> str:
    """Normalise a typed code for comparison: upper-case, blanks and dashes removed.

    The alphabet has no look-alike pairs, so no character needs mapping; compare the result
    with the stored code normalised the same way.
    """
    return "".join(ch for ch in text.upper() if ch.isalnum())


def png_data_url(data: bytes) -> str:
    """``data:`` URL for PNG bytes (e.g. a seal image), after checking it really is a PNG.

    Only PNG is accepted: an SVG from an upload could carry scripts or external references.
    """
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("印章图片必须是 PNG 格式")
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def qr_svg_data_url(content: str, *, scale: int = 4, border: int = 1) -> str:
    """QR code of ``content`` as an SVG ``data:`` URL (vector: sharp at any print size)."""
    qr = segno.make(content, error="m", micro=False)
    return qr.svg_data_uri(scale=scale, border=border, xmldecl=False, nl=False)


def qr_png_data_url(content: str, *, scale: int = 6, border: int = 1) -> str:
    """QR code of ``content`` as a PNG ``data:`` URL, for places that cannot show SVG."""
    qr = segno.make(content, error="m", micro=False)
    return qr.png_data_uri(scale=scale, border=border)


# A line may not start with closing punctuation or end with opening punctuation (避头尾).
_NO_LINE_START = set("，。、；：？！）》」』”’〕】…—%")
_NO_LINE_END = set("（《「『“‘〔【")
# Good places to break a title: after these characters (particles, organisation suffixes).
_GOOD_BREAK_AFTER = set("的于和及与、，局办委院厅府室部镇乡处所站队")


def _em(ch: str) -> float:
    # ASCII/Latin are half-width; CJK fonts draw “ ” — … (U+2000 block) full-width.
    return 0.5 if ord(ch) < 0x2000 else 1.0


def title_lines(title: str, max_em: float = 20.0) -> list[str]:
    """Split a 公文 title into balanced lines (GB/T 9704: 梯形或菱形, not one long line + a stub).

    ``max_em`` is the line capacity in full-width characters (2号 22 pt over the 156 mm type
    area → 20). A title that fits stays one line. Otherwise it is cut into the fewest lines,
    each as close as possible to an equal share, preferring breaks after particles and
    organisation suffixes (的, 于, 局, 办 …), never splitting a number and respecting the
    line-start/line-end punctuation rules. Explicit ``\n`` in the title is honoured as is.
    """
    if "\n" in title:
        return [part.strip() for part in title.split("\n") if part.strip()]
    widths = [_em(c) for c in title]
    total = sum(widths)
    if total <= max_em:
        return [title]
    cum = [0.0]
    for w in widths:
        cum.append(cum[-1] + w)
    for n in range(math.ceil(total / max_em), len(title) + 1):
        cuts = _balanced_cuts(title, cum, n, max_em)
        bounds = [0, *cuts, len(title)]
        if all(cum[b] - cum[a] <= max_em for a, b in zip(bounds, bounds[1:], strict=False)):
            break
    return [title[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def _balanced_cuts(title: str, cum: list[float], n: int, max_em: float) -> list[int]:
    """Cut positions for ``n`` lines near equal shares (see :func:`title_lines`)."""
    total = cum[-1]
    cuts: list[int] = []
    start = 0
    for k in range(1, n):
        target = total * k / n
        best, best_score = None, math.inf
        for i in range(start + 1, len(title)):
            if cum[i] - cum[start] > max_em:
                break
            if title[i] in _NO_LINE_START or title[i - 1] in _NO_LINE_END:
                continue
            if title[i - 1].isdigit() and title[i].isdigit():
                continue
            score = abs(cum[i] - target) - (2.0 if title[i - 1] in _GOOD_BREAK_AFTER else 0.0)
            if score < best_score:
                best, best_score = i, score
        if best is None:  # nothing allowed within reach: cut at capacity
            best = max(start + 1, next((i for i in range(start + 1, len(title) + 1)
                                        if cum[i] - cum[start] > max_em), len(title)) - 1)
        cuts.append(best)
        start = best
    return cuts
