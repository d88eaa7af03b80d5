"""Render the evaluation set's annual reports (reports.yaml) as .docx, .html, .txt and .pdf.

Run at test time (``make_all(tmp_dir)``) or by hand: ``python -m tests.extraction_eval.make_docs OUT``.
The national table layout is reproduced with merged cells (docx) and rowspan/colspan (html), so the
parser meets the same shapes as in published reports.
"""

from __future__ import annotations

import html
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assess.extraction.annual_report import (
    COLUMN_TITLES,
    GROUPS,
    PROACTIVE_LAYOUT,
    REASON_TITLES,
    REQUEST_COLUMNS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    request_rows,
)

HERE = Path(__file__).parent
PARTIES = REQUEST_COLUMNS[:-1]
PROACTIVE_HEADINGS = {
    "2021": [("第二十条第（一）项", ["regulations", "normative"]), ("第二十条第（五）项", ["licensing"]),
             ("第二十条第（六）项", ["penalty", "enforcement"]), ("第二十条第（八）项", ["fees"])],
    "2019": [("第二十条第（一）项", ["regulations", "normative"]),
             ("第二十条第（五）项", ["licensing", "other_services"]),
             ("第二十条第（六）项", ["penalty", "enforcement"]), ("第二十条第（八）项", ["fees"]),
             ("第二十条第（九）项", ["procurement"])],
}
PROACTIVE_LABELS = {"regulations": "规章", "normative": "行政规范性文件", "licensing": "行政许可",
                    "other_services": "其他对外管理服务事项", "penalty": "行政处罚",
                    "enforcement": "行政强制", "fees": "行政事业性收费", "procurement": "政府集中采购"}
SECTION_TITLES = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                  "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况",
                  "六、其他需要报告的事项"]


@dataclass
class Tables:
    spec: dict[str, Any]
    version: str
    proactive: dict[str, list[str]]
    requests: dict[str, dict[str, str]]
    review: dict[str, dict[str, str]]
    planted: list[dict[str, str]] = field(default_factory=list)


def load() -> dict[str, Any]:
    return yaml.safe_load((HERE / "reports.yaml").read_text(encoding="utf-8"))


def build(spec: dict[str, Any]) -> Tables:
    """Consistent tables from the spec, then the planted edits."""
    version = str(spec["version"])
    rows = request_rows(version)
    given = spec["requests"]
    req: dict[str, dict[str, int]] = {}
    for key, _title in rows:
        if key in ("total", "carried_out"):
            continue
        values = list(given.get(key, [0] * 6))
        req[key] = dict(zip(PARTIES, values))
    result_keys = [k for k, _ in rows if k not in ("new", "carried_in", "total", "carried_out")]
    req["total"] = {c: sum(req[k][c] for k in result_keys) for c in PARTIES}
    req["carried_out"] = {c: req["new"][c] + req["carried_in"][c] - req["total"][c] for c in PARTIES}
    assert all(v >= 0 for v in req["carried_out"].values()), spec["id"]
    requests = {}
    for key, cols in req.items():
        cols = dict(cols)
        cols["total"] = sum(cols[c] for c in PARTIES)
        requests[key] = {c: str(v) for c, v in cols.items()}
    review = {}
    for (gkey, _t), four in zip(REVIEW_GROUPS, spec["review"]):
        cols = dict(zip([c for c, _ in REVIEW_COLUMNS[:4]], four))
        cols["total"] = sum(four)
        review[gkey] = {c: str(v) for c, v in cols.items()}
    proactive = {k: [str(v) for v in vals] for k, vals in spec["proactive"].items()}
    tables = Tables(spec, version, proactive, requests, review)
    for plant in spec.get("plants") or []:
        table, row, column, value = plant["table"], plant["row"], plant["column"], str(plant["value"])
        if table == "requests":
            tables.requests[row][column] = value
        elif table == "review":
            tables.review[row][column] = value
        else:
            tables.proactive[row][int(column)] = value
            column = next(cols for k, _kw, cols in PROACTIVE_LAYOUT[version] if k == row)[int(column)]
        if plant.get("labelled", True):
            tables.planted.append({"row": row, "column": str(column)})
    return tables


def _request_label_cells(version: str) -> list[tuple[str, list[str]]]:
    """Row key → label cells [section, group, reason] as printed (empty = merged)."""
    out: list[tuple[str, list[str]]] = [
        ("new", ["一、本年新收政府信息公开申请数量", "", ""]),
        ("carried_in", ["二、上年结转政府信息公开申请数量", "", ""])]
    for key, _kw, title, n in GROUPS:
        if n == 0 or (key == "other" and version == "2019"):
            out.append((key, ["三、本年度办理结果", title, ""]))
        else:
            for i in range(1, n + 1):
                out.append((f"{key}_{i}", ["三、本年度办理结果", title, f"{i}.{REASON_TITLES[key][i - 1]}"]))
    out.append(("total", ["三、本年度办理结果", "（七）总计", ""]))
    out.append(("carried_out", ["四、结转下年度继续办理", "", ""]))
    return out


def _proactive_header(version: str, key: str) -> list[str]:
    return next(cols for k, _kw, cols in PROACTIVE_LAYOUT[version] if k == key)


# --- text --------------------------------------------------------------------------------------

def render_text(t: Tables) -> str:
    lines = [t.spec["title"], SECTION_TITLES[0], t.spec.get("overview", ""), SECTION_TITLES[1]]
    for heading, keys in PROACTIVE_HEADINGS[t.version]:
        lines.append(heading)
        lines.append("信息内容  " + "  ".join(_proactive_header(t.version, keys[0])))
        for key in keys:
            lines.append(PROACTIVE_LABELS[key] + "  " + "  ".join(t.proactive[key]))
    lines += [SECTION_TITLES[2], "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
              "申请人情况  自然人  法人或其他组织  总计",
              "商业企业  科研机构  社会公益组织  法律服务机构  其他"]
    last_group = None
    for key, (section, group, reason) in _request_label_cells(t.version):
        label = section if not group else (group if not reason else reason)
        if group and reason and group != last_group:
            lines.append(group)
        last_group = group
        if key == "open":
            lines.append("三、本年度办理结果")
        lines.append(label + "  " + "  ".join(t.requests[key][c] for c in REQUEST_COLUMNS))
    lines += [SECTION_TITLES[3], "行政复议  行政诉讼",
              "结果维持  结果纠正  其他结果  尚未审结  总计  未经复议直接起诉  复议后起诉",
              "  ".join([c for _k, c in REVIEW_COLUMNS] * 2),
              "  ".join(t.review[g][c] for g, _ in REVIEW_GROUPS for c, _ in REVIEW_COLUMNS),
              SECTION_TITLES[4], "一是政策解读形式较为单一；二是部分栏目更新不够及时。下一步将加强培训。",
              SECTION_TITLES[5], "本机关未收取信息处理费。"]
    return "\n".join(lines) + "\n"


# --- html --------------------------------------------------------------------------------------

def _td(text: str, rowspan: int = 1, colspan: int = 1) -> str:
    attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
    return f"<td{attrs}>{html.escape(text)}</td>"


def render_html(t: Tables) -> str:
    e = html.escape
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>", e(t.spec["title"]),
           "</title><style>body{font-family:'Noto Serif CJK SC',serif;font-size:9pt}"
           "table{border-collapse:collapse;width:100%;margin:6pt 0}td{border:1px solid #000;"
           "padding:2pt;text-align:center}</style></head><body>",
           f"<h1>{e(t.spec['title'])}</h1>", f"<h2>{SECTION_TITLES[0]}</h2>",
           f"<p>{e(t.spec.get('overview', ''))}</p>", f"<h2>{SECTION_TITLES[1]}</h2>", "<table>"]
    width = 4
    for heading, keys in PROACTIVE_HEADINGS[t.version]:
        out.append(f"<tr>{_td(heading, colspan=width)}</tr>")
        cols = _proactive_header(t.version, keys[0])
        span = width - len(cols)
        out.append("<tr>" + _td("信息内容", colspan=span) + "".join(_td(c) for c in cols) + "</tr>")
        for key in keys:
            out.append("<tr>" + _td(PROACTIVE_LABELS[key], colspan=span)
                       + "".join(_td(v) for v in t.proactive[key]) + "</tr>")
    out += ["</table>", f"<h2>{SECTION_TITLES[2]}</h2>", "<table>",
            "<tr>" + _td("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rowspan=2, colspan=3)
            + _td("申请人情况", colspan=7) + "</tr>",
            "<tr>" + _td("自然人", rowspan=2) + _td("法人或其他组织", colspan=5) + _td("总计", rowspan=2) + "</tr>",
            "<tr>" + _td("", colspan=3) + "".join(_td(COLUMN_TITLES[c]) for c in REQUEST_COLUMNS[1:6]) + "</tr>"]
    cells = _request_label_cells(t.version)
    result_rows = sum(1 for _k, (s, _g, _r) in cells if s.startswith("三、"))
    seen_section, seen_group = set(), set()
    for key, (section, group, reason) in cells:
        row = ["<tr>"]
        if not group:
            row.append(_td(section, colspan=3))
        else:
            if section not in seen_section:
                row.append(_td(section, rowspan=result_rows))
                seen_section.add(section)
            if not reason:
                row.append(_td(group, colspan=2))
            else:
                if group not in seen_group:
                    n = sum(1 for _k, (_s, g, _r) in cells if g == group)
                    row.append(_td(group, rowspan=n))
                    seen_group.add(group)
                row.append(_td(reason))
        row += [_td(t.requests[key][c]) for c in REQUEST_COLUMNS]
        out.append("".join(row) + "</tr>")
    out += ["</table>", f"<h2>{SECTION_TITLES[3]}</h2>", "<table>",
            "<tr>" + _td("行政复议", colspan=5) + _td("行政诉讼", colspan=10) + "</tr>",
            "<tr>" + "".join(_td(c, rowspan=2) for _k, c in REVIEW_COLUMNS)
            + _td("未经复议直接起诉", colspan=5) + _td("复议后起诉", colspan=5) + "</tr>",
            "<tr>" + "".join(_td(c) for _k, c in REVIEW_COLUMNS) * 2 + "</tr>",
            "<tr>" + "".join(_td(t.review[g][c]) for g, _ in REVIEW_GROUPS for c, _ in REVIEW_COLUMNS) + "</tr>",
            "</table>", f"<h2>{SECTION_TITLES[4]}</h2>", "<p>一是政策解读形式较为单一；二是部分栏目更新不够及时。</p>",
            f"<h2>{SECTION_TITLES[5]}</h2>", "<p>本机关未收取信息处理费。</p>", "</body></html>"]
    return "\n".join(out)


# --- docx --------------------------------------------------------------------------------------

def render_docx(t: Tables) -> bytes:
    import docx

    d = docx.Document()
    d.add_heading(t.spec["title"], level=1)
    d.add_paragraph(SECTION_TITLES[0])
    d.add_paragraph(t.spec.get("overview", ""))
    d.add_paragraph(SECTION_TITLES[1])
    rows: list[list[str]] = []
    for heading, keys in PROACTIVE_HEADINGS[t.version]:
        rows.append([heading])
        rows.append(["信息内容", *_proactive_header(t.version, keys[0])])
        rows += [[PROACTIVE_LABELS[k], *t.proactive[k]] for k in keys]
    table = d.add_table(rows=len(rows), cols=4)
    for i, cells in enumerate(rows):
        r = table.rows[i]
        span = 4 - (len(cells) - 1)
        first = r.cells[0].merge(r.cells[span - 1]) if span > 1 else r.cells[0]
        first.text = cells[0]
        for j, v in enumerate(cells[1:]):
            r.cells[span + j].text = v
    d.add_paragraph(SECTION_TITLES[2])
    cells = _request_label_cells(t.version)
    table = d.add_table(rows=3 + len(cells), cols=10)
    hdr = table.rows
    a = hdr[0].cells[0].merge(hdr[2].cells[2])
    a.text = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    hdr[0].cells[3].merge(hdr[0].cells[9]).text = "申请人情况"
    hdr[1].cells[3].merge(hdr[2].cells[3]).text = "自然人"
    hdr[1].cells[4].merge(hdr[1].cells[8]).text = "法人或其他组织"
    hdr[1].cells[9].merge(hdr[2].cells[9]).text = "总计"
    for j, c in enumerate(REQUEST_COLUMNS[1:6]):
        hdr[2].cells[4 + j].text = COLUMN_TITLES[c]
    base = 3
    first_result = next(i for i, (_k, (s, _g, _r)) in enumerate(cells) if s.startswith("三、"))
    last_result = max(i for i, (_k, (s, _g, _r)) in enumerate(cells) if s.startswith("三、"))
    table.rows[base + first_result].cells[0].merge(table.rows[base + last_result].cells[0]).text = "三、本年度办理结果"
    groups_done: set[str] = set()
    for i, (key, (section, group, reason)) in enumerate(cells):
        r = table.rows[base + i]
        if not group:
            r.cells[0].merge(r.cells[2]).text = section
        elif not reason:
            r.cells[1].merge(r.cells[2]).text = group
        else:
            if group not in groups_done:
                idx = [j for j, (_k, (_s, g, _r)) in enumerate(cells) if g == group]
                table.rows[base + idx[0]].cells[1].merge(table.rows[base + idx[-1]].cells[1]).text = group
                groups_done.add(group)
            r.cells[2].text = reason
        for j, c in enumerate(REQUEST_COLUMNS):
            r.cells[3 + j].text = t.requests[key][c]
    d.add_paragraph(SECTION_TITLES[3])
    table = d.add_table(rows=4, cols=15)
    table.rows[0].cells[0].merge(table.rows[0].cells[4]).text = "行政复议"
    table.rows[0].cells[5].merge(table.rows[0].cells[14]).text = "行政诉讼"
    for j, (_k, c) in enumerate(REVIEW_COLUMNS):
        table.rows[1].cells[j].merge(table.rows[2].cells[j]).text = c
        table.rows[2].cells[5 + j].text = c
        table.rows[2].cells[10 + j].text = c
    table.rows[1].cells[5].merge(table.rows[1].cells[9]).text = "未经复议直接起诉"
    table.rows[1].cells[10].merge(table.rows[1].cells[14]).text = "复议后起诉"
    values = [t.review[g][c] for g, _ in REVIEW_GROUPS for c, _ in REVIEW_COLUMNS]
    for j, v in enumerate(values):
        table.rows[3].cells[j].text = v
    d.add_paragraph(SECTION_TITLES[4])
    d.add_paragraph("一是政策解读形式较为单一；二是部分栏目更新不够及时。")
    d.add_paragraph(SECTION_TITLES[5])
    d.add_paragraph("本机关未收取信息处理费。")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def render_pdf(t: Tables) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_html(t)).write_pdf()


RENDERERS = {"txt": lambda t: render_text(t).encode("utf-8"), "html": lambda t: render_html(t).encode("utf-8"),
             "docx": render_docx, "pdf": render_pdf}


def make_all(out_dir: Path, formats: set[str] | None = None) -> list[dict[str, Any]]:
    """Write every report of reports.yaml in its formats; return the labelled manifest.

    Manifest entries: file (path), id, version, errors (planted cells: row, column), previous
    (path or None), expect_error (for inputs that are not reports)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = load()
    manifest: list[dict[str, Any]] = []
    static_dir = HERE / "reports"
    for spec in data["reports"]:
        tables = build(spec)
        for fmt in spec["formats"]:
            if formats is not None and fmt not in formats:
                continue
            path = out_dir / f"{spec['id']}.{fmt}"
            path.write_bytes(RENDERERS[fmt](tables))
            prev = spec.get("previous")
            manifest.append({"file": path, "id": spec["id"], "version": str(spec["version"]),
                             "errors": tables.planted, "previous": static_dir / prev if prev else None,
                             "expect_error": None})
    for item in data.get("static", []):
        manifest.append({"file": static_dir / item["file"], "id": item["file"],
                         "version": item.get("version"), "errors": item.get("errors", []),
                         "previous": None, "expect_error": item.get("expect_error")})
    return manifest


if __name__ == "__main__":
    for entry in make_all(Path(sys.argv[1] if len(sys.argv) > 1 else "bench/out/reports")):
        print(entry["file"], len(entry["errors"]), "planted")
