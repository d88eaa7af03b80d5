"""Offline round-trip: the form as an Excel workbook (structure locked, instructions and bounds visible),
read back with validation and a diff against what is stored."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from .. import scoring
from ..models import Submission
from ..scoring.explain import num
from ..spreadsheet import workbook_bytes
from . import services

SHEET = "自评表"
META = "meta"
SPECIAL = {"__self_score__": "自评分", "__reason__": "调整理由", "__explanation__": "情况说明"}
HEADERS = ["指标代码", "指标", "填报项代码", "填报项", "类型与单位", "允许范围", "填报值（请在此列填写）"]
VALUE_COL = 7
EDIT_FILL = PatternFill("solid", fgColor="FFF8DC")


def _show(value: Any) -> Any:
    if value is True:
        return "是"
    if value is False:
        return "否"
    if value is None:
        return None
    if isinstance(value, str):
        try:
            d = Decimal(value)
        except Exception:
            return value
        return int(d) if d == d.to_integral_value() and "." not in value else float(d)
    return value


def export_workbook(submission: Submission) -> bytes:
    rubric = services.rubric_of(submission.campaign)
    answers = services.answers_of(submission)
    wb = Workbook()
    info = wb.active
    info.title = "填写说明"
    lines = [
        f"{submission.campaign.name} — {submission.department_name}",
        "1. 只在“自评表”工作表的黄色“填报值”列中填写，其余内容已锁定，请勿改动结构。",
        "2. 是/否类填“是”或“否”；数字类只填数字，不要带单位；比率填0–100之间的百分数。",
        "3. 自评分留空表示采用系统按细则计算的建议分；与建议分不同时须在“调整理由”中说明。",
        "4. 填好后在系统中“上传Excel填报表”，核对差异并确认后才会保存；上传的文件将作为佐证留存。",
        f"考核细则：{rubric.name}（第{submission.campaign.rubric.version}版）",
    ]
    for i, line in enumerate(lines, 1):
        info.cell(row=i, column=1, value=line)
    info.column_dimensions["A"].width = 100
    info.protection.sheet = True

    ws = wb.create_sheet(SHEET)
    ws.append(HEADERS)
    for c in ws[1]:
        c.font = Font(bold=True)
    yes_no = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    ws.add_data_validation(yes_no)
    for ind in rubric.all_indicators():
        a = answers.get(ind.code)
        values = services.stored_inputs(a)
        rows: list[tuple[str, str, str, str, Any, bool]] = []
        for spec in ind.inputs:
            kind = {"integer": "整数", "decimal": "数字", "rate": "百分比", "boolean": "是/否", "text": "文字"}[spec.type]
            lo, hi = spec.effective_min, spec.effective_max
            rng = "" if not spec.numeric else f"{num(lo) if lo is not None else '—'} 至 {num(hi) if hi is not None else '不限'}"
            rows.append((spec.name, spec.label + ("" if spec.required else "（选填）"), kind + (f"（{spec.unit}）" if spec.unit else ""),
                         rng, _show(values.get(spec.name)), spec.type == "boolean"))
        if ind.rule.kind != "veto":
            b = scoring.bounds(rubric, ind.code)
            override = _override(a)
            hint = f"{num(b.min)} 至 {num(b.max)}，步长{num(b.step)}；留空采用建议分"
            if a is not None and a.suggested_score is not None:
                hint += f"（当前{num(a.suggested_score)}分）"
            rows.append(("__self_score__", "自评分", "分数", hint, float(override) if override is not None else None, False))
            rows.append(("__reason__", "调整理由", "文字", "", a.self_score_reason if a else None, False))
        rows.append(("__explanation__", "情况说明", "文字", "", a.explanation if a else None, False))
        for key, label, kind, rng, value, boolean in rows:
            ws.append([ind.code, ind.title, key, label, kind, rng, value])
            cell = ws.cell(row=ws.max_row, column=VALUE_COL)
            cell.protection = Protection(locked=False)  # typed in and read back: kept as typed, never a formula
            cell.fill = EDIT_FILL
            cell.alignment = Alignment(wrap_text=True)
            if boolean:
                yes_no.add(cell)
    ws.column_dimensions["C"].hidden = True
    for col, width in zip("ABCDEFG", (8, 22, 16, 26, 14, 24, 40)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    ws.protection.sheet = True
    ws.protection.formatRows = False
    ws.protection.formatColumns = False

    meta = wb.create_sheet(META)
    meta.append(["submission", submission.id])
    meta.append(["campaign", submission.campaign_id])
    meta.append(["rubric_sha256", submission.campaign.rubric.sha256])
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    wb.security = WorkbookProtection(lockStructure=True)  # no sheets added, renamed or unhidden
    return workbook_bytes(wb)  # every cell through the formula guard


@dataclass
class Change:
    code: str
    label: str
    old: str
    new: str


@dataclass
class ParsedWorkbook:
    answers: dict[str, dict] = field(default_factory=dict)  # code → {"inputs", "self_score", ...} (changed only)
    changes: list[Change] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _as_input(spec: scoring.InputSpec, value: Any) -> str:
    text = _cell_text(value)
    if spec.type == "boolean":
        return {"是": "true", "否": "false", "有": "true", "无": "false"}.get(text, text)
    return text


def parse_workbook(submission: Submission, data: bytes) -> ParsedWorkbook:
    """Read an uploaded workbook; validate every indicator it changes; list the differences."""
    result = ParsedWorkbook()
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:
        result.errors.append(_("无法读取此文件：请上传从本系统下载的Excel填报表（.xlsx）。"))
        return result
    if SHEET not in wb.sheetnames or META not in wb.sheetnames:
        result.errors.append(_("这不是本系统下载的填报表（缺少“自评表”工作表）。"))
        return result
    meta = {r[0]: r[1] for r in wb[META].iter_rows(values_only=True) if r and r[0]}
    if meta.get("submission") != submission.id:
        result.errors.append(_("这份填报表属于另一个部门或另一次考核，请下载本部门的填报表。"))
        return result
    if meta.get("rubric_sha256") != submission.campaign.rubric.sha256:
        result.errors.append(_("填报表与当前考核细则版本不一致，请重新下载。"))
        return result
    rubric = services.rubric_of(submission.campaign)
    sheet: dict[str, dict[str, Any]] = {}
    for row in wb[SHEET].iter_rows(min_row=2, values_only=True):
        if not row or not row[0]:
            continue
        code, key, value = str(row[0]).strip(), str(row[2] or "").strip(), row[VALUE_COL - 1]
        sheet.setdefault(code, {})[key] = value
    answers = services.answers_of(submission)
    for ind in rubric.all_indicators():
        given = sheet.get(ind.code)
        if given is None:
            continue
        a = answers.get(ind.code)
        stored = services.stored_inputs(a)
        inputs = {s.name: _as_input(s, given.get(s.name)) for s in ind.inputs}
        new = {"inputs": inputs, "self_score": _cell_text(given.get("__self_score__")),
               "self_score_reason": _cell_text(given.get("__reason__")),
               "explanation": _cell_text(given.get("__explanation__")), "version": a.version_id if a else 0}
        changes = []
        for s in ind.inputs:
            old = stored.get(s.name)
            old_t = "" if old is None else ("true" if old is True else "false" if old is False else str(old))
            if _norm(old_t) != _norm(inputs[s.name]):
                changes.append(Change(ind.code, s.label, _pretty(old_t), _pretty(inputs[s.name])))
        override = _override(a)
        old_score = "" if override is None else num(override)
        if ind.rule.kind != "veto" and _norm(new["self_score"]) != _norm(old_score):
            changes.append(Change(ind.code, "自评分", old_score or "（建议分）", new["self_score"] or "（建议分）"))
        for key, label, old in (("self_score_reason", "调整理由", a.self_score_reason if a else ""),
                                ("explanation", "情况说明", a.explanation if a else "")):
            if (new[key] or "") != (old or ""):
                changes.append(Change(ind.code, label, old or "", new[key]))
        if not changes:
            continue
        values, errors = services.parse_inputs(rubric, ind, inputs)
        for name, msg in errors.items():
            result.errors.append(f"{ind.code} {ind.title}：{msg}")
        result.answers[ind.code] = new
        result.changes.extend(changes)
    return result


def _override(a) -> Decimal | None:
    """The self-score when it departs from the suggestion (judgement items: always the self-score)."""
    if a is None or a.self_score is None or a.self_score == a.suggested_score:
        return None
    return a.self_score


def _norm(text: str) -> str:
    try:
        return str(Decimal(text).normalize())
    except Exception:
        return text


def _pretty(text: str) -> str:
    return {"true": "是", "false": "否"}.get(text, text)


def apply_workbook(submission: Submission, parsed: ParsedWorkbook, *, actor, filename: str, data: bytes):
    """Save every changed indicator (all or nothing: the caller rolls back on error) and keep the file as
    evidence of what was submitted. Returns the evidence row."""
    from ..audit.services import record
    from . import evidence

    if parsed.errors:
        raise services.SelfAssessmentError(parsed.errors[0], "file")
    for code, new in parsed.answers.items():
        try:
            services.save_answer(submission, code, actor=actor, inputs=new["inputs"], self_score=new["self_score"] or None,
                                 self_score_reason=new["self_score_reason"], explanation=new["explanation"],
                                 expected_version=new["version"])
        except services.SelfAssessmentError as exc:
            detail = "；".join(exc.errors.values()) if exc.errors else str(exc)
            raise services.SelfAssessmentError(f"{code}：{detail}", "file") from exc
    ev = evidence.add_file(submission, None, actor=actor, filename=filename, data=data,
                           title=_("离线填报表（Excel上传）"))
    record(submission.office_id, "submission.workbook_import", "submission", submission.id, actor=actor,
           new={"indicators": sorted(parsed.answers), "evidence_id": ev.id, "sha256": ev.sha256},
           department_id=submission.department_id, campaign_id=submission.campaign_id)
    return ev
