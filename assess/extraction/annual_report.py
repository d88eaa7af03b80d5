"""National-format annual report (政府信息公开工作年度报告) → tables, arithmetic checks, figures.

Formats: the 2021 version (国办公开办函〔2021〕30号, used from the 2021 reports on) and the 2019
trial version (reports for 2019–2020). Input: rows of cells from :func:`readers.read_rows`
(.docx tables, HTML tables, text-layer PDF or plain-text lines). Rows are recognised by their
labels (keywords and the fixed numbering of the reasons), not by position, so merged cells, blank
lines and wrapped labels do not matter.

Blank cells, “—” and “/” are read as ``None`` (not stated); sums count them as 0.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from assess.extraction.errors import ExtractionError
from assess.extraction.readers import Row, read_rows

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

    def to_dict(self) -> dict[str, Any]:
        def conv(table: dict[str, dict[str, Value]]) -> dict[str, dict[str, str | None]]:
            return {r: {c: (None if v is None else str(v)) for c, v in cols.items()}
                    for r, cols in table.items()}
        return {"version": self.version, "year": self.year, "proactive": conv(self.proactive),
                "requests": conv(self.requests), "review": conv(self.review), "notes": self.notes}


@dataclass
class CheckFailure:
    check: str            # balance | row_sum | results_sum | review_sum | not_whole | carry_over | missing
    table: str
    row: str
    column: str
    expected: str | None
    actual: str | None
    message: str          # Chinese, names the table, row, column and the numbers
    cells: list[tuple[str, str]] = field(default_factory=list)  # (row key, column key) involved

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cells"] = [list(c) for c in self.cells]
        return data


# --- parsing -----------------------------------------------------------------------------------

def _cell_value(cell: str) -> tuple[bool, Value]:
    """(is a value cell, value). Blank markers are value cells with None."""
    c = cell.strip().replace(",", "").replace("，", "")
    if c in _BLANK:
        return True, None
    if _NUM_RE.match(c):
        return True, Decimal(c.replace("－", "-"))
    return False, None


def _split_row(row: Row) -> tuple[str, list[Value]]:
    """(label: the text cells joined, values: the number/blank cells in order)."""
    labels: list[str] = []
    values: list[Value] = []
    explicit = 0
    for cell in row:
        if cell.strip():
            explicit += _cell_value(cell)[0]
        if not cell.strip():
            if labels or values:  # an empty cell after the label: a blank figure
                values.append(None)
            continue
        is_value, value = _cell_value(cell)
        if is_value:
            values.append(value)
        else:
            labels.append(cell)
    if not explicit:  # header rows with empty cells carry no figures
        values = []
    return "".join(labels).replace(" ", ""), values


def detect_version(text: str) -> str | None:
    scores = {v: sum(1 for m in markers if m in text) for v, markers in MARKERS.items()}
    best = max(scores, key=lambda v: scores[v])
    return best if scores[best] else None


def _section_of(label: str) -> str | None:
    m = re.match(r"^([一二三四五六七])、", label)
    if not m:
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


def parse_rows(rows: list[Row]) -> Report:
    """Parse rows of cells into a :class:`Report`. Raises ExtractionError if not a national report."""
    text = "\n".join("".join(r) for r in rows)
    version = detect_version(text)
    has_sections = any(_section_of(_split_row(r)[0]) for r in rows)
    report = Report(version=version or "2021", year=_year(text))
    section: str | None = None
    group: str | None = None
    pending = ""
    review_values: list[Value] = []
    for row in rows:
        label, values = _split_row(row)
        new_section = _section_of(label) if not values else None
        if new_section:
            section, group, pending = new_section, None, ""
            continue
        label_group = _group_in(label)
        if not values:
            if label_group:
                group = label_group
            pending = (pending + label)[-80:]
            continue
        full_label = label or pending
        pending_before, pending = pending, ""
        if section == "review" or (not has_sections and "复议" in text and len(values) >= 15 and not label):
            review_values += values
            continue
        if len(values) == 7 and section in ("requests", None):
            key = _request_key(label, label_group or group, version) if label else None
            if key is None and pending_before:
                joined = pending_before + label
                key = _request_key(joined, _group_in(joined) or group, version)
            if label_group:
                group = label_group
            if key and "_" in key and key.rsplit("_", 1)[1].isdigit():
                group = key.rsplit("_", 1)[0]  # the reason tells its group
            if key:
                report.requests[key] = dict(zip(REQUEST_COLUMNS, values))
            else:
                report.notes.append(f"未识别的申请表行：{full_label}")
            continue
        if section in ("proactive", None) and version:
            key = _proactive_key(full_label, version)
            if key:
                titles = next(cols for k, _kw, cols in PROACTIVE_LAYOUT[version] if k == key)
                report.proactive[key] = dict(zip(titles, values[-len(titles):]))
                continue
        if section in ("proactive", "requests"):
            report.notes.append(f"未识别的表格行：{full_label} {[str(v) for v in values]}")
    if len(review_values) >= 15:
        for gi, (gkey, _t) in enumerate(REVIEW_GROUPS):
            report.review[gkey] = {ck: review_values[gi * 5 + ci] for ci, (ck, _c) in enumerate(REVIEW_COLUMNS)}
    elif review_values:
        report.notes.append(f"行政复议、行政诉讼表只找到{len(review_values)}个数字（应为15个）")
    if not version or len(report.requests) < 4:
        raise ExtractionError(
            "not_annual_report",
            "未识别为国家规定格式（2021年版或2019年试行版）的政府信息公开工作年度报告：请上传含"
            "“收到和处理政府信息公开申请情况”等表格的年度报告原文（Word、带文字层的PDF、网页或文本）。",
            "Not recognised as a national-format annual report (2021 or 2019 version): upload the "
            "report with its tables (Word, text-layer PDF, HTML or text).")
    report.version = version
    return report


def _year(text: str) -> int | None:
    m = re.search(r"((?:19|20)\d{2})\s*年度?\s*(?:政府信息公开|政务公开)", text)
    return int(m.group(1)) if m else None


def _group_in(label: str) -> str | None:
    found = None
    best = -1
    for key, kw, _t, _n in GROUPS:
        pos = label.rfind(kw)
        if pos > best:
            found, best = key, pos
    return found


def _request_key(label: str, group: str | None, version: str | None) -> str | None:
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


def check(report: Report, previous: Report | None = None) -> list[CheckFailure]:
    """Every printed and implied sum of the report; whole non-negative counts; carry-over."""
    failures: list[CheckFailure] = []
    titles = _row_title(report.version)
    req = report.requests

    for key, title in request_rows(report.version):
        if key not in req:
            failures.append(CheckFailure("missing", TABLE_REQUESTS, title, "", None, None,
                                         f"表三“{TABLE_REQUESTS}”缺少“{title}”行，请核对报告表格是否完整。",
                                         []))

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
        parts = sum((_v(cols.get(c)) for c in PARTY_COLUMNS), Decimal(0))
        total = _v(cols.get("total"))
        if parts != total:
            t = titles.get(key, key)
            failures.append(CheckFailure(
                "row_sum", TABLE_REQUESTS, t, "总计", _fmt(parts), _fmt(total),
                f"表三“{t}”行：自然人与五类法人或其他组织合计为{_fmt(parts)}"
                f"（{'+'.join(_fmt(_v(cols.get(c))) for c in PARTY_COLUMNS)}），但“总计”列为{_fmt(total)}。",
                [(key, c) for c in REQUEST_COLUMNS]))

    for col in REQUEST_COLUMNS:
        ct = COLUMN_TITLES[col]
        # (七) = (一) + (二) + reasons under (三)–(六)
        if "total" in req:
            result_keys = [k for k in RESULT_ROWS[report.version] if k in req]
            parts = sum((_v(req[k].get(col)) for k in result_keys), Decimal(0))
            total = _v(req["total"].get(col))
            if parts != total:
                failures.append(CheckFailure(
                    "results_sum", TABLE_REQUESTS, "（七）总计", ct, _fmt(parts), _fmt(total),
                    f"表三“{ct}”列：（一）至（六）各项办理结果之和为{_fmt(parts)}，但“（七）总计”为{_fmt(total)}。",
                    [("total", col)] + [(k, col) for k in result_keys]))
        # 新收 + 上年结转 = 总计 + 结转下年度
        if all(k in req for k in ("new", "carried_in", "total", "carried_out")):
            left = _v(req["new"].get(col)) + _v(req["carried_in"].get(col))
            right = _v(req["total"].get(col)) + _v(req["carried_out"].get(col))
            if left != right:
                failures.append(CheckFailure(
                    "balance", TABLE_REQUESTS, "本年新收+上年结转", ct, _fmt(left), _fmt(right),
                    f"表三“{ct}”列：本年新收（{_fmt(_v(req['new'].get(col)))}）+上年结转"
                    f"（{_fmt(_v(req['carried_in'].get(col)))}）={_fmt(left)}，但（七）总计"
                    f"（{_fmt(_v(req['total'].get(col)))}）+结转下年度继续办理"
                    f"（{_fmt(_v(req['carried_out'].get(col)))}）={_fmt(right)}。",
                    [("new", col), ("carried_in", col), ("total", col), ("carried_out", col)]))
        # across years
        if previous is not None and "carried_in" in req and "carried_out" in previous.requests:
            now = _v(req["carried_in"].get(col))
            before = _v(previous.requests["carried_out"].get(col))
            if now != before:
                failures.append(CheckFailure(
                    "carry_over", TABLE_REQUESTS, "上年结转政府信息公开申请数量", ct, _fmt(before),
                    _fmt(now), f"表三“{ct}”列：本年“上年结转”为{_fmt(now)}，但上一年度报告的"
                    f"“结转下年度继续办理”为{_fmt(before)}。", [("carried_in", col)]))

    # review / litigation: 总计 = sum of four
    for gkey, gtitle in REVIEW_GROUPS:
        cols = report.review.get(gkey)
        if cols is None:
            continue
        parts = sum((_v(cols.get(c)) for c, _t in REVIEW_COLUMNS[:4]), Decimal(0))
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
