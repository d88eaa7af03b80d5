"""Read rendered PDFs back and check them against GB/T 9704 and against their contexts.

Geometry (pdfplumber: origin top-left, points; 1 mm = 72/25.4 pt):
* A4 page 595.3 × 841.9 pt;
* type area x 28–184 mm, y 37–262 mm: every character must be inside it, except the page
  number, which GB/T 9704 puts below the type area (its dash 7 mm under the bottom edge), so
  characters below 262 mm must be exactly the page number "— N —";
* the 版记 is inside the type area, at its bottom, on the last page.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterator
from decimal import Decimal

import pdfplumber
import pypdf
import pytest

from assess.documents.contexts import CircularContext, NoticeContext, ScoreSheetContext
from assess.documents.official import format_cn_date, format_score
from assess.documents.render import render_pdf
from assess.documents.samples import sample_circular, sample_notice, sample_scoresheet

MM = 72 / 25.4
TYPE_LEFT, TYPE_RIGHT, TYPE_TOP, TYPE_BOTTOM = 28 * MM, 184 * MM, 37 * MM, 262 * MM
TOL = 0.6 * MM  # glyph boxes overhang the advance slightly (negative letter-spacing)
RED = (1.0, 0.0, 0.0)


@dataclasses.dataclass
class Rendered:
    ctx: CircularContext | NoticeContext | ScoreSheetContext
    data: bytes
    pdf: pdfplumber.PDF


def _render(template: str, ctx: object) -> Iterator[Rendered]:
    data = render_pdf(template, {"doc": ctx})
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        yield Rendered(ctx, data, pdf)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def circular() -> Iterator[Rendered]:
    """One multi-page circular: 120 units → ranking table over several attachment pages."""
    yield from _render("circular.html", sample_circular(120))


@pytest.fixture(scope="module")
def notice() -> Iterator[Rendered]:
    yield from _render("notice.html", sample_notice(8))


@pytest.fixture(scope="module")
def scoresheet() -> Iterator[Rendered]:
    yield from _render("scoresheet.html", sample_scoresheet())


@pytest.fixture(scope="module")
def long_notice() -> Iterator[Rendered]:
    """A notice whose intro fills whole pages with plain paragraphs, to measure the grid."""
    para = ("县政务公开办对照考核细则逐项检查了你单位门户网站、政务新媒体和公开专栏，"
            "发现部分栏目更新不及时，政策文件与解读材料未同步发布，依申请公开答复文书要素不全，"
            "请你单位认真研究，切实抓好整改落实，并建立长效机制，防止问题反弹。")
    ctx = dataclasses.replace(sample_notice(1), intro=tuple(para for _ in range(14)))
    yield from _render("notice.html", ctx)


def _all(request: pytest.FixtureRequest) -> list[Rendered]:
    return [request.getfixturevalue(n) for n in ("circular", "notice", "scoresheet")]


def _lines(chars: list[dict], *, size: float | None = None) -> list[str]:
    """Text lines (chars grouped by rounded top), top to bottom."""
    rows: dict[int, list[dict]] = {}
    for c in chars:
        if size is None or abs(c["size"] - size) < 0.1:
            rows.setdefault(round(c["top"]), []).append(c)
    return ["".join(c["text"] for c in sorted(r, key=lambda c: c["x0"])) for _, r in sorted(rows.items())]


def _body_text(doc: Rendered) -> str:
    """All text inside the type area (page numbers left out), without blanks."""
    return "".join("".join(_lines([c for c in p.chars if c["top"] < TYPE_BOTTOM])) for p in doc.pdf.pages
                   ).replace(" ", "")


def _attachment_pages(doc: Rendered) -> list[pdfplumber.page.Page]:
    start = next(i for i, p in enumerate(doc.pdf.pages) if (p.extract_text() or "").startswith("附件"))
    return doc.pdf.pages[start:]


# ---- page geometry --------------------------------------------------------------------------

def test_pages_are_a4(request: pytest.FixtureRequest) -> None:
    for doc in _all(request):
        for page in doc.pdf.pages:
            assert page.width == pytest.approx(595.28, abs=1)
            assert page.height == pytest.approx(841.89, abs=1)


def test_text_stays_in_type_area_and_page_numbers_below_it(request: pytest.FixtureRequest) -> None:
    for doc in _all(request):
        for page in doc.pdf.pages:
            inside = [c for c in page.chars if c["top"] < TYPE_BOTTOM]
            below = [c for c in page.chars if c["top"] >= TYPE_BOTTOM]
            for c in inside:
                assert TYPE_LEFT - TOL <= c["x0"] and c["x1"] <= TYPE_RIGHT + TOL, (page.page_number, c["text"])
                assert c["top"] >= TYPE_TOP - TOL and c["bottom"] <= TYPE_BOTTOM + TOL, (page.page_number, c["text"])
            assert "".join(c["text"] for c in below).replace(" ", "") == f"—{page.page_number}—"
            for img in page.images:
                assert TYPE_LEFT - TOL <= img["x0"] and img["x1"] <= TYPE_RIGHT + TOL
                assert TYPE_TOP - TOL <= img["top"] and img["bottom"] <= TYPE_BOTTOM + TOL


def test_page_numbers_odd_right_even_left(circular: Rendered) -> None:
    assert len(circular.pdf.pages) >= 6
    one_char = 14  # pt: 4号, one character in from the type-area edge
    for page in circular.pdf.pages:
        num = [c for c in page.chars if c["top"] >= TYPE_BOTTOM]
        assert _lines(num)[0].replace(" ", "") == f"—{page.page_number}—"
        assert all(c["size"] == pytest.approx(14, abs=0.1) for c in num)
        top = min(c["top"] for c in num)
        assert TYPE_BOTTOM + 3 * MM < top < TYPE_BOTTOM + 9 * MM  # dash ≈ 7 mm below the type area
        if page.page_number % 2:
            assert max(c["x1"] for c in num) == pytest.approx(TYPE_RIGHT - one_char, abs=1.5 * MM)
        else:
            assert min(c["x0"] for c in num) == pytest.approx(TYPE_LEFT + one_char, abs=1.5 * MM)


def test_fonts_are_embedded(request: pytest.FixtureRequest) -> None:
    for doc in _all(request):
        reader = pypdf.PdfReader(io.BytesIO(doc.data))
        names = set()
        for page in reader.pages:
            for font in page["/Resources"]["/Font"].values():
                font = font.get_object()
                for desc_font in font.get("/DescendantFonts", [font]):
                    descriptor = desc_font.get_object()["/FontDescriptor"].get_object()
                    assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font["/BaseFont"]
                    names.add(str(font["/BaseFont"]).split("+", 1)[-1])
        assert "Noto-Serif-CJK-SC" in names  # 仿宋 stand-in for the body / table text


def test_circular_uses_all_four_roles(circular: Rendered) -> None:
    fonts = {c["fontname"].split("+", 1)[-1] for p in circular.pdf.pages for c in p.chars}
    assert {"Noto-Serif-CJK-SC", "Noto-Serif-CJK-SC-Bold", "Noto-Sans-CJK-SC", "AR-PL-KaitiM-GB"} <= fonts


# ---- red header, title, addressee ------------------------------------------------------------

@pytest.mark.parametrize("name", ["circular", "notice"])
def test_red_header_and_rule(request: pytest.FixtureRequest, name: str) -> None:
    doc: Rendered = request.getfixturevalue(name)
    page = doc.pdf.pages[0]
    lh = doc.ctx.letterhead  # type: ignore[union-attr]
    mark = [c for c in page.chars if c["non_stroking_color"] == RED]
    assert "".join(c["text"] for c in mark) == lh.authority_mark
    assert min(c["top"] for c in mark) == pytest.approx(TYPE_TOP + 35 * MM, abs=1.5 * MM)
    mark_centre = (min(c["x0"] for c in mark) + max(c["x1"] for c in mark)) / 2
    assert mark_centre == pytest.approx(106 * MM, abs=2 * MM)

    below_mark = [c for c in page.chars if c["top"] > max(m["bottom"] for m in mark)]
    number_line = sorted((c for c in below_mark if round(c["top"]) == round(min(n["top"] for n in below_mark))),
                         key=lambda c: c["x0"])
    assert "".join(c["text"] for c in number_line) == lh.doc_number
    number_centre = (number_line[0]["x0"] + number_line[-1]["x1"]) / 2
    assert number_centre == pytest.approx(106 * MM, abs=2 * MM)

    red_rules = [r for r in page.rects + page.lines
                 if r.get("non_stroking_color") == RED or r.get("stroking_color") == RED]
    assert len(red_rules) == 1
    rule = red_rules[0]
    assert rule["x0"] == pytest.approx(TYPE_LEFT, abs=1)
    assert rule["width"] == pytest.approx(156 * MM, abs=1)
    gap = rule["top"] - max(c["bottom"] for c in number_line)
    assert 2 * MM < gap < 6 * MM  # 4 mm under the document number


@pytest.mark.parametrize("name", ["circular", "notice"])
def test_title_centred_and_addressee_flush_left(request: pytest.FixtureRequest, name: str) -> None:
    doc: Rendered = request.getfixturevalue(name)
    page = doc.pdf.pages[0]
    title_chars = [c for c in page.chars if c["size"] == pytest.approx(22, abs=0.1)]
    assert "".join(c["text"] for c in title_chars) == doc.ctx.title  # type: ignore[union-attr]
    for line in {round(c["top"]) for c in title_chars}:
        row = [c for c in title_chars if round(c["top"]) == line]
        centre = (min(c["x0"] for c in row) + max(c["x1"] for c in row)) / 2
        assert centre == pytest.approx(106 * MM, abs=2 * MM)
    addressee = doc.ctx.addressee if name == "circular" else doc.ctx.department + "："  # type: ignore[union-attr]
    body = [c for c in page.chars if c["size"] == pytest.approx(16, abs=0.1) and c["top"] > max(
        t["bottom"] for t in title_chars)]
    first = _lines(body)[0]
    assert first == addressee and first.endswith("：")
    assert min(c["x0"] for c in body if round(c["top"]) == round(min(b["top"] for b in body))) == pytest.approx(
        TYPE_LEFT, abs=1)


# ---- body grid -------------------------------------------------------------------------------

def test_full_body_page_has_22_lines_of_28_characters(long_notice: Rendered) -> None:
    page = long_notice.pdf.pages[1]
    body = [c for c in page.chars if c["top"] < TYPE_BOTTOM and c["size"] == pytest.approx(16, abs=0.1)]
    tops = sorted({round(c["top"], 1) for c in body})
    assert len(tops) == 22
    pitches = {round(b - a, 1) for a, b in zip(tops, tops[1:], strict=False)}
    assert pitches <= {28.9, 29.0, 28.95}
    lengths = [len(line) for line in _lines(body)]
    assert max(lengths) == 28  # the para is all full-width characters
    assert lengths.count(28) >= 15


# ---- circular content ------------------------------------------------------------------------

def test_circular_text_and_grades(circular: Rendered) -> None:
    ctx: CircularContext = circular.ctx  # type: ignore[assignment]
    text = _body_text(circular)
    for piece in (ctx.opening, ctx.letterhead.issuer, format_cn_date(ctx.letterhead.date), ctx.public_note,
                  "一、总体情况", "二、存在的主要问题", "三、下一步工作要求", "（一）抓好问题整改",
                  "附件：" + ctx.attachments[0], ctx.verify_code, "2026年12月31日前整改到位",
                  f"（{ctx.letterhead.contact}）"):
        assert piece.replace(" ", "") in text.replace(" ", ""), piece
    for grade, units in ctx.grades.items():
        assert f"评定为{grade}等次的单位（{len(units)}个）：{'、'.join(units)}。" in text


def test_circular_signature_has_seal_and_qr(circular: Rendered) -> None:
    ctx: CircularContext = circular.ctx  # type: ignore[assignment]
    date_text = format_cn_date(ctx.letterhead.date)
    page = next(p for p in circular.pdf.pages if date_text in _lines(p.chars, size=16))
    rows: dict[int, list[dict]] = {}
    for c in page.chars:
        if c["size"] == pytest.approx(16, abs=0.1):
            rows.setdefault(round(c["top"]), []).append(c)
    date_chars = next(r for r in rows.values() if "".join(c["text"] for c in sorted(r, key=lambda c: c["x0"]))
                      == date_text)
    date_right = max(c["x1"] for c in date_chars)
    assert date_right == pytest.approx(TYPE_RIGHT - 4 * 15.79, abs=2 * MM)  # 右空四字
    issuer = next(r for r in rows.values() if "".join(c["text"] for c in sorted(r, key=lambda c: c["x0"]))
                  == ctx.letterhead.issuer)
    date_centre = (min(c["x0"] for c in date_chars) + date_right) / 2
    assert (min(c["x0"] for c in issuer) + max(c["x1"] for c in issuer)) / 2 == pytest.approx(date_centre, abs=1.5 * MM)
    assert page.images, "seal image missing"
    seal = max(page.images, key=lambda i: i["width"])
    assert seal["width"] == pytest.approx(42 * MM, abs=1)
    assert seal["x0"] < date_right and seal["x1"] > min(c["x0"] for c in date_chars)
    assert seal["top"] < date_chars[0]["top"] < seal["bottom"]


def test_ranking_table_matches_context(circular: Rendered) -> None:
    ctx: CircularContext = circular.ctx  # type: ignore[assignment]
    expected = []
    for row in ctx.ranking_rows:
        expected.append([str(row.rank) if row.rank is not None else "—", row.department,
                         *[format_score(s) for s in row.area_scores], format_score(row.bonus),
                         format_score(row.total), row.grade, row.note])
    found = []
    for page in _attachment_pages(circular):
        for table in page.extract_tables():
            for cells in table:
                cells = [(c or "").replace("\n", "") for c in cells]
                if cells[0] and (cells[0].isdigit() or cells[0] == "—"):
                    found.append(cells)
    assert found == expected
    assert {r.group for r in ctx.ranking_rows} == {"县直部门", "乡镇（街道）"}


def test_ranking_header_repeated_on_every_attachment_page(circular: Rendered) -> None:
    ctx: CircularContext = circular.ctx  # type: ignore[assignment]
    pages = _attachment_pages(circular)
    assert len(pages) >= 3
    header = ["排名", "单位", *ctx.area_titles, "加分", "总分", "等次", "备注"]
    for page in pages:
        tables = page.extract_tables()
        if not tables:  # a last page holding only the 版记
            continue
        assert [(c or "").replace("\n", "") for c in tables[0][0]] == header, page.page_number


def test_banji_on_last_page_between_rules(request: pytest.FixtureRequest) -> None:
    for name in ("circular", "notice"):
        doc: Rendered = request.getfixturevalue(name)
        lh = doc.ctx.letterhead  # type: ignore[union-attr]
        last = doc.pdf.pages[-1]
        lines = _lines([c for c in last.chars if c["size"] == pytest.approx(14, abs=0.1) and c["top"] < TYPE_BOTTOM])
        assert lines[-2] == f"抄送：{'，'.join(lh.cc)}。"
        assert lines[-1] == f"{lh.printed_by}{format_cn_date(lh.print_date)}印发"
        rules = sorted((r for r in last.rects if r["width"] == pytest.approx(156 * MM, abs=1)),
                       key=lambda r: r["top"])
        assert len(rules) == 3
        assert rules[-1]["bottom"] == pytest.approx(TYPE_BOTTOM, abs=1 * MM)  # foot of the type area
        assert rules[0]["height"] > rules[1]["height"]  # thick – thin – thick
        for page in doc.pdf.pages[:-1]:
            assert "抄送" not in (page.extract_text() or "")


# ---- notice and score sheet ------------------------------------------------------------------

def test_notice_problem_list(notice: Rendered) -> None:
    ctx: NoticeContext = notice.ctx  # type: ignore[assignment]
    text = _body_text(notice)
    for piece in (*ctx.intro, ctx.how_to_answer, f"（{ctx.contact}）", f"整改时限：{format_cn_date(ctx.deadline)}前。"):
        assert piece.replace(" ", "") in text, piece
    rows = []
    for page in _attachment_pages(notice):
        for table in page.extract_tables():
            rows += [[(c or "").replace("\n", "") for c in r] for r in table if r[0] and r[0].isdigit()]
    assert rows == [[str(i.seq), i.area, f"{i.indicator_code} {i.indicator_title}", i.problem,
                     format_score(i.points_deducted), i.requirement] for i in ctx.items]


def test_scoresheet_rows_and_totals(scoresheet: Rendered) -> None:
    ctx: ScoreSheetContext = scoresheet.ctx  # type: ignore[assignment]
    rows = []
    for page in scoresheet.pdf.pages:
        for table in page.extract_tables():
            rows += [[(c or "").replace("\n", "") for c in r] for r in table]
    by_code = {r[0]: r for r in rows if r and re.fullmatch(r"\d+\.\d+", r[0] or "")}
    assert len(by_code) == len(ctx.rows)
    for row in ctx.rows:
        got = by_code[row.code]
        assert got[1:5] == [row.title, format_score(row.max_points), format_score(row.self_score),
                            format_score(row.final_score)]
        assert got[5] == row.problem and got[6] == row.reviewer_reason
    subtotal_rows = {r[0]: r for r in rows if r and (r[0] or "").endswith("小计")}
    for st in ctx.area_subtotals:
        assert subtotal_rows[f"{st.area}小计"][2:5] == [format_score(st.max_points), format_score(st.self_score),
                                                       format_score(st.final_score)]
    assert sum((s.final_score for s in ctx.area_subtotals), Decimal(0)) + ctx.bonus == ctx.total
    text = _body_text(scoresheet)
    assert f"总分：{format_score(ctx.total)}" in text
    assert f"{ctx.group}第{ctx.rank}名（共{ctx.group_size}个）" in text
    assert f"等次：{ctx.grade}" in text
