"""Annual report: parsing in every format, the arithmetic checks, figures, the CLI."""

import copy
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
