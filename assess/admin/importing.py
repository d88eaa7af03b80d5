"""Importing departments from a CSV or Excel list, with a preview and row-numbered errors.

Nothing is written unless every row is valid ("no partial import"). CSV files may be UTF-8 (with or
without BOM) or GBK/GB18030 — what Excel on a Chinese Windows saves.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..models import Department, Office, User
from ..uploads import UploadNameError, check_upload_name
from . import services

# Accepted headers (Chinese first) → field name. Data, so offices' variants can be added here.
HEADERS = {
    "部门名称": "name", "部门": "name", "单位名称": "name", "名称": "name", "name": "name", "department": "name",
    "分组": "group", "排名分组": "group", "组别": "group", "group": "group",
    "联系人": "contact_name", "contact": "contact_name", "contact_name": "contact_name",
    "联系电话": "contact_phone", "电话": "contact_phone", "phone": "contact_phone", "contact_phone": "contact_phone",
}
REQUIRED = ("name", "group")
MAX_ROWS = 20000


@dataclass
class ImportRow:
    line: int
    name: str
    group: str
    contact_name: str = ""
    contact_phone: str = ""
    action: str = "create"  # create | update | unchanged


@dataclass
class ImportProblem:
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = _("第%(n)s行", n=self.line) if self.line else _("文件")
        return f"{where}{'（' + self.field + '）' if self.field else ''}：{self.message}"


@dataclass
class ImportPreview:
    filename: str
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)


def decode_text(data: bytes) -> str:
    """UTF-8 (BOM or not) first, then GB18030 (a superset of GBK); anything else is refused."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(_("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV。"))


def _table_from_bytes(data: bytes, filename: str) -> list[list[str]]:
    lower = filename.lower()
    if lower.endswith((".xlsx", ".xlsm")) or data[:2] == b"PK":
        from openpyxl import load_workbook

        from ..zipguard import ZipBombError, check_zip

        try:
            check_zip(data)
        except ZipBombError as exc:
            raise ValueError(_("无法读取 Excel 文件：%(err)s", err="ZipBombError")) from exc
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ValueError(_("无法读取 Excel 文件：%(err)s", err=exc.__class__.__name__)) from exc
        ws = wb.worksheets[0]
        table = [["" if v is None else str(v).strip() for v in row] for row in ws.iter_rows(values_only=True)]
        wb.close()
        return table
    if lower.endswith(".xls"):
        raise ValueError(_("不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV。"))
    text = decode_text(data)
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",\t;，")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    if delimiter == "，":
        text, delimiter = text.replace("，", ","), ","
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def parse_departments(office: Office, data: bytes, filename: str) -> ImportPreview:
    """Read and check every row against the office's groups and departments; write nothing."""
    preview = ImportPreview(filename=filename)
    try:
        check_upload_name(filename)  # the one file-name rule of every upload
    except UploadNameError as exc:
        preview.problems.append(ImportProblem(None, None, str(exc)))
        return preview
    if not data.strip():
        preview.problems.append(ImportProblem(None, None, _("文件是空的。")))
        return preview
    try:
        table = _table_from_bytes(data, filename)
    except ValueError as exc:
        preview.problems.append(ImportProblem(None, None, str(exc)))
        return preview
    # the first non-empty row is the header
    start = next((i for i, r in enumerate(table) if any(r)), None)
    if start is None:
        preview.problems.append(ImportProblem(None, None, _("文件中没有数据。")))
        return preview
    header = table[start]
    columns: dict[int, str] = {}
    for idx, raw in enumerate(header):
        key = raw.strip().lower().replace(" ", "")
        if not key:
            continue
        name = HEADERS.get(key) or HEADERS.get(raw.strip())
        if name is None:
            preview.problems.append(ImportProblem(start + 1, raw, _("无法识别的列“%(col)s”。可用列：部门名称、分组、联系人、联系电话。", col=raw)))
        elif name in columns.values():
            preview.problems.append(ImportProblem(start + 1, raw, _("列“%(col)s”重复。", col=raw)))
        else:
            columns[idx] = name
    for req in REQUIRED:
        if req not in columns.values():
            label = {"name": _("部门名称"), "group": _("分组")}[req]
            preview.problems.append(ImportProblem(start + 1, label, _("缺少必需的列“%(col)s”。", col=label)))
    if preview.problems:
        return preview

    groups = {g.name: g for g in services.office_groups(office.id)}
    existing = {d.name: d for d in services.office_departments(office.id)}
    seen: dict[str, int] = {}
    for offset, raw_row in enumerate(table[start + 1:], start=start + 2):
        if not any(c.strip() for c in raw_row):
            continue  # empty rows are skipped, not errors
        values = {name: (raw_row[idx].strip() if idx < len(raw_row) else "") for idx, name in columns.items()}
        row = ImportRow(line=offset, name=values.get("name", ""), group=values.get("group", ""),
                        contact_name=values.get("contact_name", ""), contact_phone=values.get("contact_phone", ""))
        if not row.name:
            preview.problems.append(ImportProblem(offset, _("部门名称"), _("部门名称为空。")))
        elif len(row.name) > 120:
            preview.problems.append(ImportProblem(offset, _("部门名称"), _("部门名称不能超过120个字符。")))
        elif row.name in seen:
            preview.problems.append(ImportProblem(offset, _("部门名称"), _("与第%(n)s行重复。", n=seen[row.name])))
        else:
            seen[row.name] = offset
        if not row.group:
            preview.problems.append(ImportProblem(offset, _("分组"), _("分组为空。")))
        elif row.group not in groups:
            preview.problems.append(ImportProblem(offset, _("分组"), _("分组“%(g)s”不存在。现有分组：%(all)s", g=row.group, all="、".join(groups) or "—")))
        if len(row.contact_phone) > 40 or len(row.contact_name) > 60:
            preview.problems.append(ImportProblem(offset, _("联系人"), _("联系人或电话过长。")))
        old = existing.get(row.name)
        if old is not None:
            same = (groups.get(row.group) is not None and old.group_id == groups[row.group].id
                    and old.contact_name == row.contact_name and old.contact_phone == row.contact_phone)
            row.action = "unchanged" if same else "update"
        preview.rows.append(row)
        if len(preview.rows) > MAX_ROWS:
            preview.problems.append(ImportProblem(offset, None, _("一次最多导入%(n)s行。", n=MAX_ROWS)))
            break
    if not preview.rows and not preview.problems:
        preview.problems.append(ImportProblem(None, None, _("文件中没有数据行。")))
    return preview


def apply_departments(office: Office, preview: ImportPreview, *, actor: User | None) -> dict[str, int]:
    """Write a valid preview; refuses an invalid one whole (no partial import)."""
    if not preview.ok:
        raise services.AdminError(_("导入文件有错误，未导入任何数据。"))
    groups = {g.name: g for g in services.office_groups(office.id)}
    existing: dict[str, Department] = {d.name: d for d in services.office_departments(office.id)}
    counts = {"create": 0, "update": 0, "unchanged": 0}
    for row in preview.rows:
        group = groups[row.group]
        dept = existing.get(row.name)
        if dept is None:
            services.create_department(office, row.name, group, actor=actor, contact_name=row.contact_name,
                                       contact_phone=row.contact_phone)
            counts["create"] += 1
        elif row.action == "update":
            services.update_department(dept, actor=actor, name=row.name, group=group,
                                       contact_name=row.contact_name, contact_phone=row.contact_phone)
            counts["update"] += 1
        else:
            counts["unchanged"] += 1
    return counts
