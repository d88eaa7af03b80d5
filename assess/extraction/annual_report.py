"""National-format annual report (政府信息公开工作年度报告) → tables, arithmetic checks, figures.

Formats: the 2021 version (国办公开办函〔2021〕30号, used from the 2021 reports on) and the 2019
trial version (reports for 2019–2020). Input: rows of cells from :func:`readers.read_rows`
(.docx tables, HTML tables, PDF tables cell by cell, text lines). Rows are recognised by their
labels (keywords and the fixed numbering of the reasons), so merged cells, blank lines and wrapped
labels do not matter; where labels are missing or garbled (converted PDFs), by their place in the
national table — and then the finding says so.

Blank cells, “—” and “/” are read as ``None`` (not stated); sums count a blank party cell as 0, but
a blank 总计 is its own finding and never read as 0 (see :func:`check`).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from assess.extraction.errors import ExtractionError
from assess.extraction.readers import BLANK_CELL_ROW, Row, read_rows

Value = Decimal | None

REQUEST_COLUMNS = ["natural", "business", "research", "nonprofit", "legal", "other", "total"]
PARTY_COLUMNS = REQUEST_COLUMNS[:-1]
COLUMN_TITLES = {"natural": "自然人", "business": "商业企业", "research": "科研机构",
                 "nonprofit": "社会公益组织", "legal": "法律服务机构", "other": "其他",
                 "total": "总计"}

GROUPS = [  # key, keyword, title, number of reasons (2021)
    ("open", "予以公开", "（一）予以公开", 0),
    ("partial", "部分公开", "（二）部分公开", 0),
    ("withheld", "不予公开", "（三）不予公开", 8),
    ("unable", "无法提供", "（四）无法提供", 3),
    ("not_processed", "不予处理", "（五）不予处理", 5),
    ("other", "其他处理", "（六）其他处理", 3),
]
REASON_TITLES = {
    "withheld": ["属于国家秘密", "其他法律行政法规禁止公开", "危及“三安全一稳定”", "保护第三方合法权益",
                 "属于三类内部事务信息", "属于四类过程性信息", "属于行政执法案卷", "属于行政查询事项"],
    "unable": ["本机关不掌握相关政府信息", "没有现成信息需要另行制作", "补正后申请内容仍不明确"],
    "not_processed": ["信访举报投诉类申请", "重复申请", "要求提供公开出版物", "无正当理由大量反复申请",
                      "要求行政机关确认或重新出具已获取信息"],
    "other": ["申请人无正当理由逾期不补正", "申请人逾期未按收费通知要求缴纳费用", "其他"],
}


# Distinctive words of each numbered reason: a row is recognised by them first, so a wrapped or
# vertically centred group label (PDF text) does not matter.
REASON_KEYWORDS: list[tuple[str, str]] = [
    ("国家秘密", "withheld_1"), ("禁止公开", "withheld_2"), ("三安全一稳定", "withheld_3"),
    ("第三方合法权益", "withheld_4"), ("内部事务", "withheld_5"), ("过程性信息", "withheld_6"),
    ("行政执法案卷", "withheld_7"), ("行政查询事项", "withheld_8"), ("不掌握", "unable_1"),
    ("另行制作", "unable_2"), ("仍不明确", "unable_3"), ("信访举报投诉", "not_processed_1"),
    ("重复申请", "not_processed_2"), ("公开出版物", "not_processed_3"), ("大量反复", "not_processed_4"),
    ("确认或重新", "not_processed_5"), ("逾期不补正", "other_1"), ("收费通知", "other_2"),
    ("缴纳费用", "other_2"),
]


def request_rows(version: str) -> list[tuple[str, str]]:
    """(row key, Chinese title) of the request table, in printed order."""
    rows = [("new", "本年新收政府信息公开申请数量"), ("carried_in", "上年结转政府信息公开申请数量")]
    for key, _kw, title, n in GROUPS:
        if n == 0 or (key == "other" and version == "2019"):
            rows.append((key, title))
        else:
            rows += [(f"{key}_{i}", f"{title} {i}.{REASON_TITLES[key][i - 1]}") for i in range(1, n + 1)]
    rows += [("total", "（七）总计"), ("carried_out", "结转下年度继续办理")]
    return rows


RESULT_ROWS = {  # rows summed into (七) — everything between 上年结转 and 总计
    v: [k for k, _ in request_rows(v) if k not in ("new", "carried_in", "total", "carried_out")]
    for v in ("2021", "2019")
}

PROACTIVE_LAYOUT: dict[str, list[tuple[str, str, list[str]]]] = {
    # key, keyword (in the row label), column titles
    "2021": [
        ("regulations", "规章", ["本年制发件数", "本年废止件数", "现行有效件数"]),
        ("normative", "规范性文件", ["本年制发件数", "本年废止件数", "现行有效件数"]),
        ("licensing", "行政许可", ["本年处理决定数量"]),
        ("penalty", "行政处罚", ["本年处理决定数量"]),
        ("enforcement", "行政强制", ["本年处理决定数量"]),
        ("fees", "行政事业性收费", ["本年收费金额（万元）"]),
    ],
    "2019": [
        ("regulations", "规章", ["本年新制作数量", "本年新公开数量", "对外公开总数量"]),
        ("normative", "规范性文件", ["本年新制作数量", "本年新公开数量", "对外公开总数量"]),
        ("licensing", "行政许可", ["上一年项目数量", "本年增/减", "处理决定数量"]),
        ("other_services", "其他对外管理服务事项", ["上一年项目数量", "本年增/减", "处理决定数量"]),
        ("penalty", "行政处罚", ["上一年项目数量", "本年增/减", "处理决定数量"]),
        ("enforcement", "行政强制", ["上一年项目数量", "本年增/减", "处理决定数量"]),
        ("fees", "行政事业性收费", ["上一年项目数量", "本年增/减"]),
        ("procurement", "政府集中采购", ["采购项目数量", "采购总金额"]),
    ],
}
# columns that may be negative or fractional
SIGNED_OR_MONEY = {("fees", "本年收费金额（万元）"), ("procurement", "采购总金额")} | {
    (k, "本年增/减") for k in ("licensing", "other_services", "penalty", "enforcement", "fees")}
PROACTIVE_TITLES = {"regulations": "规章", "normative": "行政规范性文件", "licensing": "行政许可",
                    "other_services": "其他对外管理服务事项", "penalty": "行政处罚",
                    "enforcement": "行政强制", "fees": "行政事业性收费", "procurement": "政府集中采购"}

REVIEW_GROUPS = [("reconsideration", "行政复议"), ("litigation_direct", "行政诉讼（未经复议直接起诉）"),
                 ("litigation_after", "行政诉讼（复议后起诉）")]
REVIEW_COLUMNS = [("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"),
                  ("pending", "尚未审结"), ("total", "总计")]

TABLE_PROACTIVE = "主动公开政府信息情况"
TABLE_REQUESTS = "收到和处理政府信息公开申请情况"
TABLE_REVIEW = "政府信息公开行政复议、行政诉讼情况"

MARKERS = {
    "2021": ["本年制发", "本年废止", "现行有效", "逾期不补正", "缴纳费用", "本年收费金额", "本年处理决定"],
    "2019": ["本年新制作", "本年新公开", "对外公开总数量", "政府集中采购", "采购总金额", "上一年项目数量",
             "本年增/减"],
}

_NUM_RE = re.compile(r"^[+\-－]?\d+(?:\.\d+)?$")
_BLANK = {"—", "-", "－", "/", "／", "——", "无", "–", "\\"}
_REASON_RE = re.compile(r"(?<![\d.])(\d)\s*[.．、]")


@dataclass
class Report:
    version: str                                       # "2021" | "2019"
    year: int | None
    proactive: dict[str, dict[str, Value]] = field(default_factory=dict)
    requests: dict[str, dict[str, Value]] = field(default_factory=dict)   # row → column → value
    review: dict[str, dict[str, Value]] = field(default_factory=dict)     # group → column → value
    notes: list[str] = field(default_factory=list)     # what the parser could not place
    matched: dict[str, str] = field(default_factory=dict)  # row key → label matched approximately ("" = by position)

    def to_dict(self) -> dict[str, Any]:
        def conv(table: dict[str, dict[str, Value]]) -> dict[str, dict[str, str | None]]:
            return {r: {c: (None if v is None else str(v)) for c, v in cols.items()}
                    for r, cols in table.items()}
        return {"version": self.version, "year": self.year, "proactive": conv(self.proactive),
                "requests": conv(self.requests), "review": conv(self.review), "notes": self.notes,
                "matched": self.matched}


# Every check has an id and a severity. error: the printed figures contradict each other; warning: the
# table cannot be read as printed (a blank 总计, a label matched approximately); format: rows or tables
# missing from the national format. The message starts with the severity's name.
CHECK_SEVERITY = {
    "balance": "error", "row_sum": "error", "results_sum": "error", "review_sum": "error",
    "not_whole": "error", "carry_over": "error",
    "total_blank": "warning", "approximate_label": "warning",
    "missing": "format", "merged_other": "format",
}
SEVERITY_TITLES = {"error": "错误", "warning": "警告", "format": "格式"}


@dataclass
class CheckFailure:
    check: str            # the check's id: a key of CHECK_SEVERITY
    table: str
    row: str
    column: str
    expected: str | None
    actual: str | None
    message: str          # Chinese, starts with the severity, names the table, row, column and the numbers
    cells: list[tuple[str, str]] = field(default_factory=list)  # (row key, column key) involved
    severity: str = ""    # error | warning | format (from CHECK_SEVERITY when not given)

    def __post_init__(self) -> None:
        self.severity = self.severity or CHECK_SEVERITY.get(self.check, "error")
        prefix = SEVERITY_TITLES[self.severity] + "："
        if not self.message.startswith(prefix):
            self.message = prefix + self.message

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cells"] = [list(c) for c in self.cells]
        return data


# --- parsing -----------------------------------------------------------------------------------

_AMOUNT_RE = re.compile(r"^([+\-－]?\d+(?:\.\d+)?)\s*(万元|元)$")
# A page number printed in the text stream ("- 3 -", "— 5 —", "第3页", "3/12"): not a table row.
_PAGE_FURNITURE_RE = re.compile(r"^(?:[-—–－―]+\d{1,3}[-—–－―]+|第\d{1,3}页(?:共\d{1,3}页)?|\d{1,3}/\d{1,3})$")
_MD_RULE_RE = re.compile(r"^:?-{3,}:?$")
_NUMBERING_RE = re.compile(r"^(?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、|\d+[.．、])")


def _cell_value(cell: str) -> tuple[bool, Value]:
    """(is a value cell, value). Blank markers are value cells with None; an amount printed with its
    unit (251000元, 12.5万元) is a value in 元."""
    c = cell.strip().replace(",", "").replace("，", "")
    if c in _BLANK:
        return True, None
    if _NUM_RE.match(c):
        return True, Decimal(c.replace("－", "-"))
    m = _AMOUNT_RE.match(c)
    if m:
        value = Decimal(m.group(1).replace("－", "-"))
        return True, value * 10000 if m.group(2) == "万元" else value
    return False, None


def _amount_unit(cell: str) -> str | None:
    m = _AMOUNT_RE.match(cell.strip().replace(",", ""))
    return m.group(2) if m else None


@dataclass
class _Row:
    label: str                 # the text cells joined, spaces removed
    values: list[Value]        # the number/blank cells in order
    cells: int                 # number of cells after the label (blank ones included)
    prose: bool = False        # text after a number: a sentence, not a table row
    units: list[str | None] = field(default_factory=list)


def _clean(row: Row) -> Row:
    cells = [c.replace("\xa0", " ").replace("\u3000", " ").strip() for c in row]
    if cells and cells[0].startswith("#"):  # a Markdown heading
        cells[0] = cells[0].lstrip("#").strip()
    return cells


def _parse_cells(row: Row) -> _Row:
    """Label, values, and whether the row reads as prose. Blank cells after the label are blank figures
    (None); a row whose cells are all blank carries no figures unless the caller knows its label."""
    cells = _clean(row)
    labels: list[str] = []
    values: list[Value] = []
    units: list[str | None] = []
    explicit = 0
    after_label = 0
    prose = False
    for cell in cells:
        if not cell:
            if labels or values:
                values.append(None)
                units.append(None)
                after_label += 1
            continue
        is_value, value = _cell_value(cell)
        if is_value:
            explicit += 1
            values.append(value)
            units.append(_amount_unit(cell))
            after_label += 1
        else:
            if any(v is not None for v in values) and not _MD_RULE_RE.match(cell):
                prose = True
            labels.append(cell)
    if not explicit:  # header rows with empty cells carry no figures
        values, units = [], []
    label = "".join(labels).replace(" ", "")
    return _Row(label, values, after_label, prose, units)


def _is_furniture(row: Row) -> bool:
    text = "".join(_clean(row)).replace(" ", "")
    return bool(text) and (bool(_PAGE_FURNITURE_RE.match(text)) or all(_MD_RULE_RE.match(c) for c in
                                                                      _clean(row) if c))


def detect_version(text: str) -> str | None:
    scores = {v: sum(1 for m in markers if m in text) for v, markers in MARKERS.items()}
    best = max(scores, key=lambda v: scores[v])
    return best if scores[best] else None


_SECTION_TITLES = [  # distinctive words of the national section titles, for headings without numbering
    ("requests", "收到和处理政府信息公开申请"), ("proactive", "主动公开政府信息情况"),
    ("review", "行政复议、行政诉讼情况"), ("review", "行政复议和行政诉讼情况"),
    ("other", "存在的主要问题"), ("other", "其他需要报告的事项"), ("other", "总体情况"),
]


def _section_of(label: str) -> str | None:
    label = re.sub(r"^表[一二三四五六]\s*[:：]", "", label.lstrip("#").strip())
    m = re.match(r"^([一二三四五六七])、", label)
    if not m:
        # Word auto-numbering drops the numeral from the text; a short line with a section title still counts
        if len(label) <= 30:
            for section, words in _SECTION_TITLES:
                if words in label and not re.search(r"[，。；]", label):
                    return section
        return None
    if "主动公开" in label:
        return "proactive"
    if "收到和处理" in label or ("申请" in label and "情况" in label and m.group(1) == "三"):
        return "requests"
    if "复议" in label or "诉讼" in label:
        return "review"
    if any(k in label for k in ("总体情况", "存在的主要问题", "改进情况", "其他需要报告")):
        return "other"
    return None


def _review_hint(label: str) -> str | None:
    """The review/litigation group a heading names (the table split into one small table a group)."""
    if "复议后起诉" in label:
        return "litigation_after"
    if "未经复议" in label or "直接起诉" in label:
        return "litigation_direct"
    if "行政复议" in label and "诉讼" not in label:
        return "reconsideration"
    return None


@dataclass
class _Candidate:
    label: str          # the row's own label
    context: str        # label text met since the previous row with figures
    values: list[Value]
    group: str | None   # the group heading in force


def _is_value_line(row: Row) -> bool:
    cells = [c for c in _clean(row) if c]
    return len(cells) == 1 and _cell_value(cells[0])[0]


def _join_cell_lines(rows: list[Row]) -> list[Row]:
    """A table copied from a web page as text often comes one cell a line (``规章`` / ``0`` / ``0`` / ``6``,
    with ``|`` or blank lines between). When most of the figures of a document stand alone on their line,
    each run of such lines is joined to the label line before it, so the row reads as it was printed."""
    value_lines = sum(1 for r in rows if _is_value_line(r))
    multi = sum(1 for r in rows if len([c for c in _clean(r) if c]) > 1 and _parse_cells(r).values)
    if value_lines < 10 or value_lines < 2 * multi:
        return rows
    out: list[Row] = []
    open_row: Row | None = None
    for row in rows:
        cells = [c for c in _clean(row) if c]
        if not cells:
            if row == BLANK_CELL_ROW and open_row is not None:
                open_row.append("")  # a cell left blank keeps its place: blank is not zero
            continue
        if len(cells) == 1 and _cell_value(cells[0])[0]:
            if open_row is not None:
                open_row.append(cells[0])
            else:
                out.append(list(cells))
            continue
        out.append(list(cells))
        # a short label line can take the figures that follow; a sentence or a row with cells cannot
        single_label = len(cells) == 1 and len(cells[0]) <= 60 and not re.search(r"[。；;]", cells[0])
        open_row = out[-1] if single_label else None
    return out


def parse_rows(rows: list[Row]) -> Report:
    """Parse rows of cells into a :class:`Report`. Raises ExtractionError if not a national report."""
    rows = _join_cell_lines([r for r in rows if not _is_furniture(r)])
    parsed = [_parse_cells(r) for r in rows]
    text = "\n".join(r.label + " " + " ".join("" if v is None else str(v) for v in r.values) for r in parsed)
    version = detect_version(text)
    has_sections = any(_section_of(r.label) for r in parsed if not r.values)
    report = Report(version=version or "2021", year=_year(["".join(_clean(r)).replace(" ", "") for r in rows]))
    section: str | None = None
    group: str | None = None
    pending = ""
    candidates: list[_Candidate] = []
    review_seq: list[Value] = []
    review_groups: dict[str, list[Value]] = {}
    review_hint: str | None = None
    request_labels = 0  # label-only rows naming a row of table 三 (its figures blank or elsewhere)
    for r in parsed:
        label, values = r.label, r.values
        new_section = _section_of(label) if not values else None
        if new_section:
            section, group, pending, review_hint = new_section, None, "", None
            continue
        if r.prose:
            continue
        if not values and section in ("requests", None) and version:
            key = _request_key(label, _group_in(label) or group, version)
            if key and r.cells >= 7:  # a row printed with every cell blank
                values = [None] * 7
        label_group = _group_in(label)
        if not values:
            if section in ("requests", None) and version and label and \
                    _request_key(label, label_group or group, version):
                request_labels += 1
            if label_group:
                group = label_group
            if section == "review":
                review_hint = _review_hint(label) or review_hint
            pending = (pending + label)[-80:]
            continue
        context, pending = pending, ""
        if section == "review" or (not has_sections and "复议" in text and len(values) >= 15 and not label):
            if len(values) == 5 and review_hint and review_hint not in review_groups:
                review_groups[review_hint] = values
                review_hint = None
            else:
                review_seq += values
            continue
        if len(values) > 7 and all(v is None for v in values[7:]):
            values = values[:7]  # a trailing empty cell (Markdown, Word)
        if len(values) == 7 and section in ("requests", None):
            if label_group:
                group = label_group
            candidates.append(_Candidate(label, context, values, group))
            key = _request_key(label or context, group, version)
            if key and "_" in key and key.rsplit("_", 1)[1].isdigit():
                group = key.rsplit("_", 1)[0]  # the reason tells its group
            continue
        full_label = label or context
        if section in ("proactive", None) and version:
            key = _proactive_key(full_label, version)
            if key:
                titles = next(cols for k, _kw, cols in PROACTIVE_LAYOUT[version] if k == key)
                units = r.units
                while len(values) > len(titles) and values[-1] is None:
                    values, units = values[:-1], units[:-1]  # a closing empty cell, not a column
                report.proactive[key] = _proactive_values(titles, values[-len(titles):], units[-len(titles):])
                continue
        if section in ("proactive", "requests"):
            report.notes.append(f"未识别的表格行：{full_label} {[str(v) for v in values]}")
    _assign_requests(report, candidates, version or "2021")
    _assign_review(report, review_groups, review_seq)
    if not version or len(report.requests) < 4:
        _refuse(version, report, request_labels)
    report.version = version
    return report


def _refuse(version: str | None, report: Report, request_labels: int) -> None:
    """Refuse a document that cannot be checked, saying why: not a national-format report at all; a report
    whose tables carry no figures (blank is not zero: nothing can be checked); or a report cut off, or whose
    table 三 could not be read (a page holding only its beginning, cells merged away in a copy)."""
    if version and request_labels >= 4 and not report.requests:
        raise ExtractionError(
            "tables_blank",
            "年度报告的表格没有填写数字：表三“收到和处理政府信息公开申请情况”各行均为空白。空白不等于0，"
            "无法核对，请上传填好表格的年度报告。",
            "The report's tables carry no figures: every row of table 3 (requests received and processed) "
            "is blank. Blank is not zero and cannot be checked: upload the report with its tables filled in.")
    if version and (request_labels or report.requests or report.proactive):
        found = len(report.requests)
        raise ExtractionError(
            "incomplete",
            f"年度报告不完整：表三“收到和处理政府信息公开申请情况”只读出{found}行（国家格式为"
            f"{len(request_rows(version))}行），报告可能在此中断，或表格在转换中已无法分辨各列。请上传完整的"
            "年度报告原文（Word、带文字层的PDF或网页）。",
            f"The report is incomplete: only {found} rows of table 3 (requests received and processed) could "
            f"be read (the national format has {len(request_rows(version))}); the report may break off here, or "
            "its columns were lost in conversion. Upload the whole report (Word, text-layer PDF or web page).")
    raise ExtractionError(
        "not_annual_report",
        "未识别为国家规定格式（2021年版或2019年试行版）的政府信息公开工作年度报告：请上传含"
        "“收到和处理政府信息公开申请情况”等表格的年度报告原文（Word、带文字层的PDF、网页或文本）。",
        "Not recognised as a national-format annual report (2021 or 2019 version): upload the "
        "report with its tables (Word, text-layer PDF, HTML or text).")


def _proactive_values(titles: list[str], values: list[Value], units: list[str | None]) -> dict[str, Value]:
    """Values by column; an amount printed with a unit is converted to the column's unit (万元 columns)."""
    out: dict[str, Value] = {}
    for title, value, unit in zip(titles, values, units + [None] * len(titles)):
        if value is not None and unit and "万元" in title:
            value = value / 10000
        out[title] = value
    return out


def _assign_review(report: Report, groups: dict[str, list[Value]], seq: list[Value]) -> None:
    """Fill the three review/litigation groups: those announced by their own headings, then the others
    in national order from the figures met in sequence."""
    missing = [g for g, _t in REVIEW_GROUPS if g not in groups]
    if len(seq) >= 5 * len(missing):
        for i, g in enumerate(missing):
            groups[g] = seq[i * 5:(i + 1) * 5]
    elif seq:
        report.notes.append(f"行政复议、行政诉讼表只找到{len(seq) + 5 * len(groups)}个数字（应为15个）")
    if len(groups) == len(REVIEW_GROUPS):
        for gkey, _t in REVIEW_GROUPS:
            report.review[gkey] = dict(zip([c for c, _c in REVIEW_COLUMNS], groups[gkey]))


def _assign_requests(report: Report, candidates: list[_Candidate], version: str) -> None:
    """Rows of the request table → keys. By label first; where labels are missing or garbled (PDF and
    converted text), by position in the national table: all rows when their number matches it, else
    the rows between two recognised ones when the gap fits exactly."""
    order = [k for k, _t in request_rows(version)]
    own = [_request_key_approx(c.label, c.group, version) if c.label else (None, False) for c in candidates]
    ctx = [(_request_key_approx(c.context + c.label, c.group, version) if c.context else (None, False))
           for c in candidates]
    for i, c in enumerate(candidates[:-1]):  # the label printed after its figures (a row broken by a page)
        after = candidates[i + 1]
        if own[i][0] is None and ctx[i][0] is None and after.label and after.context:
            ctx[i] = _request_key_approx(after.context, c.group, version)
    merged = version == "2021" and any(k == "other" for k, _a in own) and not any(
        (k or "").startswith("other_") for k, _a in own)
    if merged:  # 其他处理 printed as one row: it takes the place of its three sub-rows
        i = order.index("other_1")
        order[i:i + 3] = ["other"]
    keys: list[str | None] = [None] * len(candidates)
    how: dict[int, str] = {}
    if len(candidates) == len(order) and all(k is None or k == order[i] for i, (k, _a) in enumerate(own)):
        for i in range(len(candidates)):
            keys[i] = order[i]
            k, approx = own[i] if own[i][0] else ctx[i]  # a wrapped label: its first line came before
            if k != order[i]:
                how[i] = "position"
            elif approx:
                how[i] = "fuzzy"
    else:
        last = -1
        for i, c in enumerate(candidates):
            k, approx = own[i] if own[i][0] else ctx[i]
            if k in order and order.index(k) > last:
                keys[i], last = k, order.index(k)
                if approx:
                    how[i] = "fuzzy"
        # rows between two recognised ones (or before the first / after the last) fill the gap by position
        known = [(i, order.index(k)) for i, k in enumerate(keys) if k]
        bounds = [(-1, -1)] + known + [(len(candidates), len(order))]
        for (i0, k0), (i1, k1) in zip(bounds, bounds[1:]):
            if i1 - i0 > 1 and i1 - i0 == k1 - k0:
                for j in range(1, i1 - i0):
                    keys[i0 + j] = order[k0 + j]
                    how[i0 + j] = "position"
    for i, c in enumerate(candidates):
        key = keys[i]
        if key is None or key in report.requests:
            report.notes.append(f"未识别的申请表行：{c.label or c.context} {[str(v) for v in c.values]}")
            continue
        report.requests[key] = dict(zip(REQUEST_COLUMNS, c.values))
        if i in how:
            report.matched[key] = "" if how[i] == "position" else (c.label or c.context)


def _year(labels: list[str]) -> int | None:
    """The report's year from its title: the year may be followed by the body's name
    (“2019年上海市人民政府办公厅政府信息公开工作年度报告”)."""
    title_re = re.compile(r"((?:19|20)\d{2})年度?[^。；;，,：:（(]{0,30}?(?:政府信息公开|政务公开)")
    for label in labels[:15]:
        m = title_re.search(label)
        if m:
            return int(m.group(1))
    m = re.search(r"((?:19|20)\d{2})\s*年度?\s*(?:政府信息公开|政务公开)", "\n".join(labels))
    return int(m.group(1)) if m else None


def _group_in(label: str) -> str | None:
    found = None
    best = -1
    for key, kw, _t, _n in GROUPS:
        pos = label.rfind(kw)
        if pos > best:
            found, best = key, pos
    return found


def _normal(label: str) -> str:
    """A label as compared: no spaces, brackets and dots in one width, no quotes."""
    table = str.maketrans({"(": "（", ")": "）", ".": "．", "“": "", "”": "", '"': "", " ": ""})
    return label.translate(table)


def _request_key(label: str, group: str | None, version: str | None) -> str | None:
    return _request_key_approx(label, group, version)[0]


def _request_key_approx(label: str, group: str | None, version: str | None) -> tuple[str | None, bool]:
    """(row key, matched only approximately). Exact keywords first; then the title of a numbered reason
    with a few characters wrong (行政止公开 for 禁止公开)."""
    key = _request_key_exact(label, group, version)
    core = _NUMBERING_RE.sub("", _normal(label))
    if key and re.fullmatch(r"(withheld|unable|not_processed|other)_\d", key) and core and not any(
            kw in label for kw, _k in REASON_KEYWORDS):
        # recognised by its number under the group heading: say so when the printed title differs
        group_key, n = key.rsplit("_", 1)
        title = _normal(REASON_TITLES[group_key][int(n) - 1])
        tail = core[-len(title):]
        if title not in core and difflib.SequenceMatcher(None, tail, title).ratio() < 0.9:
            return key, True
    if key or not label:
        return key, False
    number = re.search(r"(\d)[．、]", _normal(label))
    best, best_ratio = None, 0.0
    for gkey, titles in REASON_TITLES.items():
        for i, title in enumerate(titles, 1):
            if number and int(number.group(1)) != i:
                continue
            ratio = difflib.SequenceMatcher(None, core[-len(title) - 4:], _normal(title)).ratio()
            if ratio > best_ratio:
                best, best_ratio = f"{gkey}_{i}", ratio
    if best and best_ratio >= 0.75:
        if version == "2019" and best.startswith("other_"):
            return "other", True
        return best, True
    return None, False


def _request_key_exact(label: str, group: str | None, version: str | None) -> str | None:
    if "本年新收" in label or "新收" in label:
        return "new"
    if "上年结转" in label:
        return "carried_in"
    if "结转下年度" in label or "继续办理" in label:
        return "carried_out"
    if "总计" in label:
        return "total"
    own = _group_in(label)
    if own in ("open", "partial"):
        return own
    for kw, key in REASON_KEYWORDS:
        if kw in label:
            return "other" if (version == "2019" and key.startswith("other_")) else key
    if re.fullmatch(r"(?:\d[.．、])?其他", _normal(label)):  # “3.其他” under a heading garbled or missing
        return "other" if version == "2019" else "other_3"
    g = own or group
    reasons = list(_REASON_RE.finditer(label))
    if g and reasons:
        n = int(reasons[-1].group(1))
        limit = next(c for k, _kw, _t, c in GROUPS if k == g)
        if g == "other" and version == "2019":
            return "other"
        if 1 <= n <= limit:
            return f"{g}_{n}"
        return None
    if g in ("withheld", "unable", "not_processed", "other") and own:
        return g  # a group row printed with its own figures (2019 其他处理, or a subtotal)
    return None


def _proactive_key(label: str, version: str) -> str | None:
    if "规范性文件" in label:
        return "normative"
    for key, kw, _cols in PROACTIVE_LAYOUT[version]:
        if key != "normative" and kw in label:
            return key
    return None


def parse_report(data: bytes, filename: str) -> Report:
    """Read an uploaded annual report (.docx/.html/.pdf/.txt) and parse its tables."""
    return parse_rows(read_rows(data, filename))


# --- checks ------------------------------------------------------------------------------------

def _v(x: Value) -> Decimal:
    return x if x is not None else Decimal(0)


def _fmt(x: Decimal) -> str:
    return format(x.normalize(), "f") if x != x.to_integral_value() else str(int(x))


def _row_title(version: str) -> dict[str, str]:
    return dict(request_rows(version))


def _parts(cols: dict[str, Value], columns: list[str]) -> Decimal:
    return sum((_v(cols.get(c)) for c in columns), Decimal(0))


def check(report: Report, previous: Report | None = None) -> list[CheckFailure]:
    """Every printed and implied sum of the report; whole non-negative counts; carry-over.

    A blank 总计 cell is its own finding (warning “总计未填”), never read as 0: sums that need it use
    the row's own parts instead, so nothing else is derived from the blank."""
    failures: list[CheckFailure] = []
    titles = _row_title(report.version)
    req = report.requests
    merged_other = report.version == "2021" and "other" in req and not any(
        k in req for k in ("other_1", "other_2", "other_3"))

    for key, title in request_rows(report.version):
        if key not in req and not (merged_other and key.startswith("other_")):
            failures.append(CheckFailure("missing", TABLE_REQUESTS, title, "", None, None,
                                         f"表三“{TABLE_REQUESTS}”缺少“{title}”行，请核对报告表格是否完整。",
                                         []))
    if merged_other:
        failures.append(CheckFailure(
            "merged_other", TABLE_REQUESTS, "（六）其他处理", "", None, None,
            "表三“（六）其他处理”按2021年版格式应分列三项（逾期不补正、逾期未缴费、其他），报告合并为一行；"
            "合计仍按该行核对。", [("other", c) for c in REQUEST_COLUMNS]))
    for key, label in report.matched.items():
        t = titles.get(key, key)
        message = (f"表三“{t}”行的名称印作“{label}”，与国家格式不一致，已按近似名称识别，请核对。" if label else
                   f"表三“{t}”行没有可识别的名称，已按其在国家格式中的位置识别，请核对。")
        failures.append(CheckFailure("approximate_label", TABLE_REQUESTS, t, "", None, label or None, message,
                                     [(key, c) for c in REQUEST_COLUMNS]))

    # a blank 总计 where the row has figures: a form defect, reported once; sums use the row's parts
    blank_total: set[str] = set()
    for key, cols in req.items():
        parts = _parts(cols, PARTY_COLUMNS)
        if cols.get("total") is None and parts:
            blank_total.add(key)
            t = titles.get(key, key)
            failures.append(CheckFailure(
                "total_blank", TABLE_REQUESTS, t, "总计", _fmt(parts), None,
                f"表三“{t}”行“总计”未填（自然人与五类法人或其他组织合计为{_fmt(parts)}）：空白不等于0，请补填。",
                [(key, "total")]))

    def cell(key: str, col: str) -> Decimal:
        cols = req[key]
        if col == "total" and key in blank_total:
            return _parts(cols, PARTY_COLUMNS)
        return _v(cols.get(col))

    # whole, non-negative counts
    for key, cols in req.items():
        for col, value in cols.items():
            if value is not None and (value < 0 or value != value.to_integral_value()):
                failures.append(CheckFailure(
                    "not_whole", TABLE_REQUESTS, titles.get(key, key), COLUMN_TITLES[col], None,
                    _fmt(value), f"表三“{titles.get(key, key)}”行“{COLUMN_TITLES[col]}”列为{_fmt(value)}，"
                    "申请数量应为非负整数。", [(key, col)]))
    for gkey, cols in report.review.items():
        for col, value in cols.items():
            if value is not None and (value < 0 or value != value.to_integral_value()):
                gtitle = dict(REVIEW_GROUPS)[gkey]
                ctitle = dict(REVIEW_COLUMNS)[col]
                failures.append(CheckFailure(
                    "not_whole", TABLE_REVIEW, gtitle, ctitle, None, _fmt(value),
                    f"表四“{gtitle}”“{ctitle}”为{_fmt(value)}，案件数应为非负整数。", [(gkey, col)]))
    for key, cols in report.proactive.items():
        for col, value in cols.items():
            if (key, col) in SIGNED_OR_MONEY or value is None:
                continue
            if value < 0 or value != value.to_integral_value():
                failures.append(CheckFailure(
                    "not_whole", TABLE_PROACTIVE, PROACTIVE_TITLES[key], col, None, _fmt(value),
                    f"表二“{PROACTIVE_TITLES[key]}”行“{col}”为{_fmt(value)}，件数应为非负整数。",
                    [(key, col)]))
        for col, value in cols.items():
            if (key, col) in SIGNED_OR_MONEY and "金额" in col and value is not None and value < 0:
                failures.append(CheckFailure(
                    "not_whole", TABLE_PROACTIVE, PROACTIVE_TITLES[key], col, None, _fmt(value),
                    f"表二“{PROACTIVE_TITLES[key]}”行“{col}”为{_fmt(value)}，金额不应为负数。",
                    [(key, col)]))

    # total column = natural person + five legal-person columns, every row
    for key, cols in req.items():
        if key in blank_total:
            continue
        parts = _parts(cols, PARTY_COLUMNS)
        total = _v(cols.get("total"))
        if parts != total:
            t = titles.get(key, key)
            failures.append(CheckFailure(
                "row_sum", TABLE_REQUESTS, t, "总计", _fmt(parts), _fmt(total),
                f"表三“{t}”行：自然人与五类法人或其他组织合计为{_fmt(parts)}"
                f"（{'+'.join(_fmt(_v(cols.get(c))) for c in PARTY_COLUMNS)}），但“总计”列为{_fmt(total)}。",
                [(key, c) for c in REQUEST_COLUMNS]))

    result_rows = RESULT_ROWS[report.version] + (["other"] if merged_other else [])
    for col in REQUEST_COLUMNS:
        ct = COLUMN_TITLES[col]
        # (七) = (一) + (二) + reasons under (三)–(六)
        if "total" in req:
            result_keys = [k for k in result_rows if k in req]
            parts = sum((cell(k, col) for k in result_keys), Decimal(0))
            total = cell("total", col)
            if parts != total:
                failures.append(CheckFailure(
                    "results_sum", TABLE_REQUESTS, "（七）总计", ct, _fmt(parts), _fmt(total),
                    f"表三“{ct}”列：（一）至（六）各项办理结果之和为{_fmt(parts)}，但“（七）总计”为{_fmt(total)}。",
                    [("total", col)] + [(k, col) for k in result_keys]))
        # 新收 + 上年结转 = 总计 + 结转下年度
        if all(k in req for k in ("new", "carried_in", "total", "carried_out")):
            left = cell("new", col) + cell("carried_in", col)
            right = cell("total", col) + cell("carried_out", col)
            if left != right:
                failures.append(CheckFailure(
                    "balance", TABLE_REQUESTS, "本年新收+上年结转", ct, _fmt(left), _fmt(right),
                    f"表三“{ct}”列：本年新收（{_fmt(cell('new', col))}）+上年结转"
                    f"（{_fmt(cell('carried_in', col))}）={_fmt(left)}，但（七）总计"
                    f"（{_fmt(cell('total', col))}）+结转下年度继续办理"
                    f"（{_fmt(cell('carried_out', col))}）={_fmt(right)}。",
                    [("new", col), ("carried_in", col), ("total", col), ("carried_out", col)]))
        # across years
        if previous is not None and "carried_in" in req and "carried_out" in previous.requests:
            now = cell("carried_in", col)
            prev_cols = previous.requests["carried_out"]
            before = _parts(prev_cols, PARTY_COLUMNS) if col == "total" and prev_cols.get("total") is None \
                else _v(prev_cols.get(col))
            if now != before:
                failures.append(CheckFailure(
                    "carry_over", TABLE_REQUESTS, "上年结转政府信息公开申请数量", ct, _fmt(before),
                    _fmt(now), f"表三“{ct}”列：本年“上年结转”为{_fmt(now)}，但上一年度报告的"
                    f"“结转下年度继续办理”为{_fmt(before)}。", [("carried_in", col)]))

    # review / litigation: 总计 = sum of four
    four = [c for c, _t in REVIEW_COLUMNS[:4]]
    for gkey, gtitle in REVIEW_GROUPS:
        cols = report.review.get(gkey)
        if cols is None:
            continue
        parts = _parts(cols, four)
        if cols.get("total") is None:
            if parts:
                failures.append(CheckFailure(
                    "total_blank", TABLE_REVIEW, gtitle, "总计", _fmt(parts), None,
                    f"表四“{gtitle}”“总计”未填（结果维持、结果纠正、其他结果、尚未审结之和为{_fmt(parts)}）："
                    "空白不等于0，请补填。", [(gkey, "total")]))
            continue
        total = _v(cols.get("total"))
        if parts != total:
            failures.append(CheckFailure(
                "review_sum", TABLE_REVIEW, gtitle, "总计", _fmt(parts), _fmt(total),
                f"表四“{gtitle}”：结果维持、结果纠正、其他结果、尚未审结之和为{_fmt(parts)}，"
                f"但“总计”为{_fmt(total)}。", [(gkey, c) for c, _t in REVIEW_COLUMNS]))
    if not report.review:
        failures.append(CheckFailure("missing", TABLE_REVIEW, "", "", None, None,
                                     f"未找到表四“{TABLE_REVIEW}”的15个数字，请核对报告表格是否完整。",
                                     []))
    return failures


# --- figures for indicators --------------------------------------------------------------------

def report_to_figures(report: Report) -> dict[str, Decimal | None]:
    """Named figures for rubric indicators (request counts, overturned cases, documents …)."""
    req = report.requests

    def total(key: str) -> Decimal | None:
        row = req.get(key)
        return None if row is None else _v(row.get("total"))

    def group_sum(prefix: str) -> Decimal | None:
        keys = [k for k in req if k == prefix or k.startswith(prefix + "_")]
        return sum((_v(req[k].get("total")) for k in keys), Decimal(0)) if keys else None

    def review(g: str, c: str) -> Decimal | None:
        return None if g not in report.review else _v(report.review[g].get(c))

    def pro(key: str, col_index: int) -> Decimal | None:
        row = report.proactive.get(key)
        if not row:
            return None
        vals = list(row.values())
        return vals[col_index] if col_index < len(vals) else None

    disclosed = [total("open"), total("partial")]
    corrected = [review(g, "corrected") for g, _t in REVIEW_GROUPS]
    lit_total = [review("litigation_direct", "total"), review("litigation_after", "total")]
    figures: dict[str, Decimal | None] = {
        "requests_received": total("new"),
        "requests_carried_in": total("carried_in"),
        "requests_answered": total("total"),
        "requests_carried_over": total("carried_out"),
        "requests_disclosed": None if None in disclosed else sum(disclosed, Decimal(0)),  # type: ignore[arg-type]
        "requests_open": total("open"),
        "requests_partial": total("partial"),
        "requests_withheld": group_sum("withheld"),
        "requests_unable": group_sum("unable"),
        "requests_not_processed": group_sum("not_processed"),
        "requests_other": group_sum("other"),
        "reconsideration_total": review("reconsideration", "total"),
        "reconsideration_corrected": review("reconsideration", "corrected"),
        "litigation_total": None if None in lit_total else sum(lit_total, Decimal(0)),  # type: ignore[arg-type]
        "litigation_corrected": None if None in corrected[1:] else sum(corrected[1:], Decimal(0)),  # type: ignore[arg-type]
        "overturned": None if None in corrected else sum(corrected, Decimal(0)),  # type: ignore[arg-type]
        "regulations_issued": pro("regulations", 0),
        "normative_issued": pro("normative", 0),
        "licensing_decisions": pro("licensing", 0 if report.version == "2021" else 2),
        "penalty_decisions": pro("penalty", 0 if report.version == "2021" else 2),
        "enforcement_decisions": pro("enforcement", 0 if report.version == "2021" else 2),
    }
    if report.version == "2021":
        figures["normative_repealed"] = pro("normative", 1)
        figures["normative_in_force"] = pro("normative", 2)
        figures["fees_wan_yuan"] = pro("fees", 0)
    return figures
