"""Annual report: parsing in every format, the arithmetic checks, figures, the CLI."""

import copy
import io
import importlib.util
import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from assess.extraction.annual_report import (
    REQUEST_COLUMNS,
    Report,
    check,
    detect_version,
    parse_report,
    parse_rows,
    report_to_figures,
    request_rows,
)
from assess.extraction.cli import import_cli
from assess.extraction.errors import ExtractionError

EVAL = Path(__file__).parent / "extraction_eval"


def _make_docs():
    spec = importlib.util.spec_from_file_location("extraction_eval_make_docs", EVAL / "make_docs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


MAKE_DOCS = _make_docs()


def _spec(report_id: str) -> dict:
    return copy.deepcopy(next(r for r in MAKE_DOCS.load()["reports"] if r["id"] == report_id))


def _render(report_id: str, fmt: str, plants: list | None = None) -> tuple[bytes, str]:
    spec = _spec(report_id)
    if plants is not None:
        spec["plants"] = plants
    tables = MAKE_DOCS.build(spec)
    return MAKE_DOCS.RENDERERS[fmt](tables), f"{report_id}.{fmt}"


@pytest.mark.parametrize("fmt", ["txt", "html", "docx"])
def test_parse_2021_all_formats(fmt: str) -> None:
    report = parse_report(*_render("shichang-2023", fmt, plants=[]))
    assert report.version == "2021" and report.year == 2023
    assert [k for k, _ in request_rows("2021")] == list(report.requests)
    assert report.requests["new"]["total"] == Decimal(34)
    assert report.requests["unable_1"]["legal"] == Decimal(1)
    assert report.requests["other_3"]["natural"] == Decimal(1)
    assert report.review["reconsideration"] == {"upheld": 2, "corrected": 1, "other": 0, "pending": 1, "total": 4}
    assert report.proactive["normative"] == {"本年制发件数": 5, "本年废止件数": 3, "现行有效件数": 21}
    assert report.proactive["licensing"] == {"本年处理决定数量": 2870}
    assert check(report) == []


def test_parse_2019_version() -> None:
    report = parse_report(*_render("minzheng-2020", "docx"))
    assert report.version == "2019"
    assert "other" in report.requests and "other_1" not in report.requests
    assert report.proactive["licensing"]["本年增/减"] == Decimal(-1)
    assert report.proactive["procurement"]["采购总金额"] == Decimal("86.4")
    assert check(report) == []  # 本年增/减 may be negative


def test_formats_agree() -> None:
    dicts = [parse_report(*_render("renshe-2024", f)).to_dict() for f in ("txt", "html", "docx")]
    assert dicts[0] == dicts[1] == dicts[2]


def test_wrapped_labels_and_dashes_in_text() -> None:
    report = parse_report((EVAL / "reports" / "shuili-2024.txt").read_bytes(), "shuili-2024.txt")
    assert report.requests["new"]["total"] == Decimal(6)
    assert report.requests["other_1"]["total"] == Decimal(0)
    assert report.proactive["regulations"] == {"本年制发件数": None, "本年废止件数": None, "现行有效件数": None}
    assert report.proactive["fees"] == {"本年收费金额（万元）": Decimal("12.8")}
    assert check(report) == []


def test_not_a_report() -> None:
    with pytest.raises(ExtractionError) as info:
        parse_report((EVAL / "summaries" / "s1_renshe.txt").read_bytes(), "s1.txt")
    assert info.value.code == "not_annual_report"
    assert detect_version("全年公开信息246条") is None


def _consistent() -> Report:
    return parse_report(*_render("shichang-2023", "txt", plants=[]))


def _checks(report: Report, previous: Report | None = None) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in check(report, previous):
        out.setdefault(f.check, []).append(f)
    return out


def test_row_sum_and_results_sum() -> None:
    report = _consistent()
    report.requests["open"]["natural"] = Decimal(9)  # was 8
    found = _checks(report)
    (row,) = found["row_sum"]
    assert row.row == "（一）予以公开" and row.column == "总计" and (row.expected, row.actual) == ("15", "14")
    assert "自然人与五类法人或其他组织合计为15" in row.message
    (col,) = found["results_sum"]
    assert col.column == "自然人" and (col.expected, col.actual) == ("22", "21")
    assert "balance" not in found


def test_balance() -> None:
    report = _consistent()
    for c in ("natural", "total"):
        report.requests["carried_out"][c] += 2
    found = _checks(report)
    assert {f.column for f in found["balance"]} == {"自然人", "总计"}
    msg = found["balance"][0].message
    assert "本年新收（20）+上年结转（1）=21" in msg and "=23" in msg


def test_review_sum_and_not_whole() -> None:
    report = _consistent()
    report.review["litigation_after"]["total"] = Decimal(5)
    report.requests["withheld_1"]["research"] = Decimal("0.5")
    report.requests["withheld_1"]["total"] = Decimal("0.5")
    report.proactive["penalty"]["本年处理决定数量"] = Decimal(-3)
    found = _checks(report)
    (review,) = found["review_sum"]
    assert review.row == "行政诉讼（复议后起诉）" and review.actual == "5" and review.expected == "1"
    whole = {(f.table[:5], f.row, f.column) for f in found["not_whole"]}
    assert ("收到和处理", "（三）不予公开 1.属于国家秘密", "科研机构") in whole
    assert ("主动公开政", "行政处罚", "本年处理决定数量") in whole


def test_carry_over_across_years() -> None:
    previous = _consistent()
    report = _consistent()
    report.requests["carried_in"]["natural"] = Decimal(3)
    report.requests["carried_in"]["total"] = Decimal(3)
    report.requests["new"]["natural"] = Decimal(18)
    report.requests["new"]["total"] = Decimal(32)
    found = _checks(report, previous)
    assert set(found) == {"carry_over"}
    assert {f.column for f in found["carry_over"]} == {"自然人", "总计"}
    assert check(report) == []  # without last year's report nothing is wrong


def test_missing_rows_reported() -> None:
    report = _consistent()
    del report.requests["withheld_7"]
    report.review = {}
    found = _checks(report)
    assert {f.table[:2] for f in found["missing"]} == {"收到", "政府"}


def test_report_to_figures() -> None:
    figures = report_to_figures(_consistent())
    assert figures["requests_received"] == Decimal(34)
    assert figures["requests_answered"] == Decimal(35)
    assert figures["requests_disclosed"] == Decimal(19)
    assert figures["requests_unable"] == Decimal(8)
    assert figures["reconsideration_corrected"] == Decimal(1)
    assert figures["overturned"] == Decimal(2)  # 1 reconsideration + 1 litigation after reconsideration
    assert figures["litigation_total"] == Decimal(3)
    assert figures["normative_issued"] == Decimal(5) and figures["normative_in_force"] == Decimal(21)
    assert figures["penalty_decisions"] == Decimal(214)


def test_parse_rows_ignores_prose_numbers() -> None:
    rows = [r.split("  ") for r in MAKE_DOCS.render_text(MAKE_DOCS.build(_spec("weijian-2025"))).splitlines()]
    rows.insert(2, ["二、主动公开政府信息情况"])
    rows.insert(3, ["全年行政处罚", "7", "件"])  # prose in another place must not count
    report = parse_rows(rows)
    assert report.proactive["penalty"]["本年处理决定数量"] == Decimal(57)
    assert set(REQUEST_COLUMNS) == set(report.requests["new"])


# --- CLI ---------------------------------------------------------------------------------------

def test_cli_annual_report(tmp_path: Path) -> None:
    runner = CliRunner()
    good = tmp_path / "good.docx"
    good.write_bytes(_render("renshe-2024", "docx")[0])
    result = runner.invoke(import_cli, ["annual-report", str(good)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["checks"]["ok"] is True and data["report"]["version"] == "2021"
    assert data["figures"]["requests_received"] == "9"

    bad = tmp_path / "bad.html"
    bad.write_bytes(_render("jiaoyu-2024", "html")[0])
    result = runner.invoke(import_cli, ["annual-report", str(bad)])
    assert result.exit_code == 1
    assert json.loads(result.output)["checks"]["failures"]

    current = EVAL / "reports" / "shuili-2024.txt"
    result = runner.invoke(import_cli, ["annual-report", str(current), "--previous", str(current)])
    assert result.exit_code == 1  # 2024 carried 1 over; the same file says 0 carried in

    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 broken")
    result = runner.invoke(import_cli, ["annual-report", str(broken)])
    assert result.exit_code == 2
    assert "error" in result.output


def test_cli_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(import_cli, [
        "summary", str(EVAL / "summaries" / "s4_jiaoyu.txt"), "--rubric", str(EVAL / "specs.yaml")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    by_name = {f["name"]: f for f in data["figures"]}
    assert by_name["published_items"]["value"] == "2035"
    assert by_name["satisfaction_rate"]["qualifier"] == "以上"
    assert data["by_indicator"]["R1"]
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = CliRunner().invoke(import_cli, ["summary", str(empty), "--rubric", str(EVAL / "specs.yaml")])
    assert result.exit_code == 2


def test_cli_summary_with_project_rubric() -> None:
    rubric = Path(__file__).parent.parent / "scoring_rules" / "county-annual-2026.yaml"
    result = CliRunner().invoke(import_cli, [
        "summary", str(EVAL / "summaries" / "s1_renshe.txt"), "--rubric", str(rubric)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["passages"]


# --- layouts met in real published reports (issue 17): each from a small fixture of our own ----------

from assess.extraction.annual_report import CHECK_SEVERITY, SEVERITY_TITLES  # noqa: E402


def _lines(report_id: str = "shichang-2023") -> list[str]:
    spec = _spec(report_id)
    spec["plants"] = []
    return MAKE_DOCS.render_text(MAKE_DOCS.build(spec)).splitlines()


def _parse_text(lines: list[str]) -> Report:
    return parse_report("\n".join(lines).encode("utf-8"), "r.txt")


def _replace(lines: list[str], startswith: str, *new: str) -> list[str]:
    i = next(i for i, line in enumerate(lines) if line.startswith(startswith))
    return lines[:i] + list(new) + lines[i + 1:]


def test_page_footer_and_running_header_are_not_rows() -> None:
    lines = _lines()
    # a page break inside a wrapped label: footer "- 3 -" then the next page's running header
    lines = _replace(lines, "1.本机关不掌握相关政府信息", "1.本机关不掌握相关政", "- 3 -",
                     "府信息  4  2  0  0  1  0  7")
    lines = _replace(lines, "2.重复申请", "— 5 —", "第5页", "2.重复申请  1  1  0  0  0  0  2")
    report = _parse_text(lines)
    assert report.requests["unable_1"]["total"] == Decimal(7)
    assert report.requests["not_processed_2"]["total"] == Decimal(2)
    assert not report.notes
    assert check(report) == []


def test_blank_row_and_blank_total_cell() -> None:
    """A row printed with every cell blank is a row of blanks (not missing); a blank 总计 where the row has
    figures is one warning “总计未填”, not an arithmetic error, and nothing is derived from it."""
    html = MAKE_DOCS.render_html(MAKE_DOCS.build({**_spec("shichang-2023"), "plants": []}))
    html = html.replace("<td>1.属于国家秘密</td>" + "<td>0</td>" * 7, "<td>1.属于国家秘密</td>" + "<td>&nbsp;</td>" * 7)
    html = html.replace("<td colspan=\"2\">（一）予以公开</td><td>8</td><td>5</td><td>0</td><td>0</td><td>1</td><td>0</td><td>14</td>",
                        "<td colspan=\"2\">（一）予以公开</td><td>8</td><td>5</td><td>0</td><td>0</td><td>1</td><td>0</td><td> </td>")
    assert html.count("&nbsp;") == 7 and "<td> </td>" in html, "fixture did not apply"
    report = parse_report(html.encode("utf-8"), "r.html")
    assert report.requests["withheld_1"] == dict.fromkeys(REQUEST_COLUMNS)
    assert report.requests["open"]["total"] is None
    failures = check(report)
    assert [(f.check, f.severity, f.row, f.cells) for f in failures] == [
        ("total_blank", "warning", "（一）予以公开", [("open", "total")])]
    assert failures[0].message.startswith("警告：") and "总计”未填" in failures[0].message
    assert "14" in failures[0].message  # the row's own parts, for the office to fill in


def test_blank_total_still_checks_the_rest() -> None:
    report = _consistent()
    report.requests["open"]["total"] = None
    report.requests["partial"]["natural"] = Decimal(4)  # a real contradiction elsewhere is still found
    found = _checks(report)
    assert [f.row for f in found["total_blank"]] == ["（一）予以公开"]
    assert [f.row for f in found["row_sum"]] == ["（二）部分公开"]
    assert {f.column for f in found["results_sum"]} == {"自然人"}  # not 总计: its blank is not a 0


def test_markdown_headings_and_review_split_into_small_tables() -> None:
    lines = _lines()
    i = lines.index("四、政府信息公开行政复议、行政诉讼情况")
    lines = lines[:i] + [
        "## 四、政府信息公开行政复议、行政诉讼情况",
        "### 行政诉讼（复议后起诉）", "| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |", "|---|---|---|---|---|",
        "| 0 | 1 | 0 | 0 | 1 |",
        "### 行政复议", "| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |", "|---|---|---|---|---|",
        "| 2 | 1 | 0 | 1 | 4 |",
        "### 行政诉讼（未经复议直接起诉）", "| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |",
        "|---|---|---|---|---|", "| 1 | 0 | 1 | 0 | 2 |",
    ] + lines[i + 4:]
    lines = ["## " + x if x.startswith(("三、收到", "二、主动")) else x for x in lines]
    report = _parse_text(lines)
    assert report.review["reconsideration"]["total"] == Decimal(4)
    assert report.review["litigation_direct"]["total"] == Decimal(2)
    assert report.review["litigation_after"] == {"upheld": 0, "corrected": 1, "other": 0, "pending": 0, "total": 1}
    assert check(report) == []


def test_word_auto_numbered_headings_without_numerals() -> None:
    lines = [x.split("、", 1)[1] if x.startswith(("二、主动", "三、收到", "四、政府")) else x for x in _lines()]
    report = _parse_text(lines)
    assert report.review["reconsideration"]["total"] == Decimal(4)
    assert check(report) == []


def test_label_typo_matched_approximately_and_said() -> None:
    lines = _replace(_lines(), "2.其他法律行政法规禁止公开", "2.其他法律行政法规行政止公开  0  0  0  0  0  0  0")
    lines = _replace(lines, "（二）部分公开", "(二) 部分公开  3  2  0  0  0  0  5")  # half-width brackets, a space
    report = _parse_text(lines)
    assert report.requests["withheld_2"]["total"] == Decimal(0)
    assert report.requests["partial"]["total"] == Decimal(5)
    failures = check(report)
    assert [(f.check, f.severity, f.actual) for f in failures] == [
        ("approximate_label", "warning", "2.其他法律行政法规行政止公开")]
    assert "近似" in failures[0].message and failures[0].message.startswith("警告：")


def test_rows_without_labels_read_by_position() -> None:
    """Converted PDFs print some rows without their labels (the labels land elsewhere in the text)."""
    lines = _lines()
    for label in ("（二）部分公开", "2.没有现成信息需要另行制作", "5.要求行政机关确认"):
        i = next(i for i, x in enumerate(lines) if x.startswith(label))
        lines[i] = "| " + " | ".join(lines[i].split()[1:]) + " |"
    report = _parse_text(lines)
    assert report.requests["partial"]["natural"] == Decimal(3)
    assert report.requests["unable_2"]["total"] == Decimal(1)
    failures = check(report)
    assert {f.check for f in failures} == {"approximate_label"}
    assert all("位置" in f.message for f in failures) and len(failures) == 3


def test_year_when_the_body_name_stands_between() -> None:
    lines = _lines()
    lines[0] = "2019年上海市某某区人民政府办公室政府信息公开工作年度报告"
    assert _parse_text(lines).year == 2019
    lines[0] = "2024 年上海市某某委员会政府信息公开工作"  # converted PDF: a space, the title wrapped
    lines.insert(1, "年度报告")
    assert _parse_text(lines).year == 2024


def test_amounts_with_units() -> None:
    lines = _lines("minzheng-2020")
    i = next(i for i, x in enumerate(lines) if x.startswith("政府集中采购"))
    lines[i] = "政府集中采购  6  251000元"
    assert _parse_text(lines).proactive["procurement"]["采购总金额"] == Decimal(251000)
    lines[i] = "政府集中采购  6  12.5万元"
    assert _parse_text(lines).proactive["procurement"]["采购总金额"] == Decimal(125000)
    lines = _replace(_lines(), "行政事业性收费", "行政事业性收费  125000元")
    assert _parse_text(lines).proactive["fees"] == {"本年收费金额（万元）": Decimal("12.5")}


def test_prose_line_with_many_numbers_is_not_a_row() -> None:
    lines = _lines()
    i = lines.index("三、本年度办理结果")
    lines.insert(i, "本年 新收 申请 21 件 ， 结转 1 件 ， 公开 14 件 、 部分公开 5 件 ， 其余 3 件 ， 另有 2 件 ， 共 35 件")
    report = _parse_text(lines)
    assert report.requests["new"]["total"] == Decimal(34)
    assert check(report) == []


def test_2021_other_processing_printed_as_one_row() -> None:
    lines = _lines()
    i = lines.index("（六）其他处理")
    lines = lines[:i] + ["（六）其他处理  1  0  0  0  0  0  1"] + lines[i + 4:]
    report = _parse_text(lines)
    failures = check(report)
    assert [(f.check, f.severity) for f in failures] == [("merged_other", "format")]
    assert failures[0].message.startswith("格式：")


def test_every_check_has_an_id_and_a_severity_named_in_its_message() -> None:
    report = _consistent()
    report.requests["open"]["natural"] = Decimal(9)
    report.requests["partial"]["total"] = None
    del report.requests["withheld_7"]
    report.matched["withheld_8"] = ""
    failures = check(report)
    assert {f.check for f in failures} >= {"row_sum", "results_sum", "total_blank", "missing", "approximate_label"}
    for f in failures:
        assert f.severity == CHECK_SEVERITY[f.check] in ("error", "warning", "format")
        assert f.message.startswith(SEVERITY_TITLES[f.severity] + "：")
        assert f.to_dict()["severity"] == f.severity


def _pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def test_pdf_rows_read_by_position() -> None:
    """A tall row whose figures are printed at the top of their cells and the label at the bottom (text
    order: figures first), and a label wrapped over two lines around the figures' line."""
    html = MAKE_DOCS.render_html(MAKE_DOCS.build({**_spec("shichang-2023"), "plants": []}))
    html = html.replace("<style>", "<style>td{vertical-align:top}")
    html = html.replace("<td>1.本机关不掌握相关政府信息</td>",
                        '<td style="vertical-align:bottom;height:60pt">1.本机关不掌握相关政府信息</td>')
    html = html.replace("<td>1.属于国家秘密</td>",
                        '<td style="vertical-align:middle;width:4em">1.属于国家秘密</td>')
    report = parse_report(_pdf(html), "r.pdf")
    assert report.requests["unable_1"] == {"natural": 4, "business": 2, "research": 0, "nonprofit": 0,
                                           "legal": 1, "other": 0, "total": 7}
    assert report.requests["withheld_1"]["total"] == Decimal(0)
    assert check(report) == []


def test_pdf_running_header_and_page_numbers() -> None:
    html = MAKE_DOCS.render_html(MAKE_DOCS.build({**_spec("shichang-2023"), "plants": []}))
    html = html.replace("<style>", "<style>@page{size:A5;@top-center{content:'县市场监督管理局政府信息公开工作年度报告'}"
                                   "@bottom-center{content:'- ' counter(page) ' -'}} ")
    data = _pdf(html)
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) >= 3  # the tables run over page breaks
    report = parse_report(data, "r.pdf")
    assert not report.notes
    assert check(report) == []


def _one_cell_a_line(lines: list[str], separator: str) -> list[str]:
    """The text of a web page copied as text: every table cell on its own line (a label may keep spaces)."""
    out: list[str] = []
    for line in lines:
        cells = line.split("  ") if "  " in line else [line]
        for cell in (c.strip() for c in cells):
            if cell:
                out += [cell, separator] if separator else [cell, ""]
    return out


@pytest.mark.parametrize("separator", ["|", ""])
def test_table_copied_one_cell_a_line(separator: str) -> None:
    """Web pages copied as text put every cell on its own line, with a '|' line or a blank line between:
    each run of figures belongs to the label line before it."""
    plain = _parse_text(_lines())
    lines = _one_cell_a_line(_lines(), separator)
    assert sum(1 for x in lines if x.isdigit()) > 150, "fixture did not apply"
    report = _parse_text(lines)
    assert report.requests == plain.requests
    assert report.review == plain.review
    assert report.proactive == plain.proactive
    assert check(report) == []
    # a contradiction in such a copy is still found, in the right cell
    i = lines.index("（一）予以公开")
    assert lines[i + 2] == "8"
    lines[i + 2] = "9"  # the natural-person cell of 予以公开
    found = _checks(_parse_text(lines))
    assert [f.row for f in found["row_sum"]] == ["（一）予以公开"]


def _bar_cells(lines: list[str], blank: dict[str, set[int]] | None = None) -> list[str]:
    """The text of a web page whose table cells each end in a bar, one a line (``56 |``): a cell left blank
    is a line holding only ``|``, and a row may close with ``|`` or ``||``. ``blank``: the cells (by index
    after the label) of the rows starting with that label to print blank."""
    out: list[str] = []
    for line in lines:
        cells = [c.strip() for c in line.split("  ")] if "  " in line else [line.strip()]
        cells = [c for c in cells if c]
        if not cells:
            continue
        gone = next((idx for label, idx in (blank or {}).items() if cells[0].startswith(label)), set())
        out += [f"{cells[0]} |"] + ["|" if i in gone else f"{c} |" for i, c in enumerate(cells[1:])]
        if len(cells) > 1:
            out.append("||" if len(cells) > 4 else "|")  # the row's closing bar(s)
    return out


def test_table_copied_one_cell_a_line_with_blank_cells_as_bars() -> None:
    """Some portals' tables copied as text put each cell on its own line closed by a bar; a cell left blank
    then leaves a line holding only "|". That line is the blank cell, in its place: the row's figures must
    not slide left (a 总计 read from the 自然人 cell), and a blank 总计 stays blank — a warning, not a 0. A
    row's closing bar is not a column (行政许可 keeps its one figure)."""
    plain = _parse_text(_lines())
    lines = _bar_cells(_lines(), {"一、本年新收": {2, 3}, "（一）予以公开": {6}})
    assert lines.count("|") > 10 and "8 |" in lines, "fixture did not apply"
    report = _parse_text(lines)
    assert report.proactive == plain.proactive
    assert report.requests["new"]["research"] is None and report.requests["new"]["nonprofit"] is None
    assert report.requests["new"]["total"] == plain.requests["new"]["total"]
    assert report.requests["open"]["natural"] == plain.requests["open"]["natural"]
    assert report.requests["open"]["total"] is None
    for key in plain.requests.keys() - {"new", "open"}:
        assert report.requests[key] == plain.requests[key], key
    assert [(f.check, f.cells) for f in check(report)] == [("total_blank", [("open", "total")])]


def test_figures_standing_alone_in_a_table_with_cells_are_not_joined() -> None:
    """Only a document laid out one cell a line is re-joined: a table printed with its cells keeps its rows
    even where a line holds one figure (a page number, a stray total)."""
    lines = _lines()
    i = lines.index("三、本年度办理结果")
    lines[i:i] = ["12"]
    report = _parse_text(lines)
    assert report.requests == _parse_text(_lines()).requests


def test_refusal_says_why_a_report_cannot_be_checked() -> None:
    """A report cut off (a web page's copy that ends in 表三) or one whose tables carry no figures is refused
    with its own reason, not told it is no annual report at all."""
    lines = _lines()
    cut = next(i for i, x in enumerate(lines) if x.startswith("（一）予以公开"))
    with pytest.raises(ExtractionError) as info:
        _parse_text(lines[:cut])
    assert info.value.code == "incomplete"
    assert "只读出2行" in info.value.message_zh and "2 rows" in info.value.message_en
    cut = lines.index("三、收到和处理政府信息公开申请情况")
    with pytest.raises(ExtractionError) as info:
        _parse_text(lines[:cut])
    assert info.value.code == "incomplete"
    blank = [" ".join(c for c in x.split() if not c.isdigit()) for x in lines]  # every figure left out
    with pytest.raises(ExtractionError) as info:
        _parse_text(blank)
    assert info.value.code == "tables_blank"
    assert "空白不等于0" in info.value.message_zh
