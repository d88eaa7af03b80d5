"""What every import path shares: the refusal type, the upload check, the stored JSON, units, and the
imports of a self-assessment.
"""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..extraction.errors import ExtractionError
from ..models import FigureImport, Submission, User
from ..selfassessment import services as selfassessment_services
from ..uploads import UploadNameError, check_upload_name


MAX_PASSAGES = 5          # passages kept per indicator
MAX_TEXT_CHARS = 400_000  # a summary longer than this is not a year-end summary
SUMMARY_TYPES = (".docx", ".txt", ".pdf")
REPORT_TYPES = (".docx", ".html", ".htm", ".pdf", ".txt")
DECISIONS = ("accept", "correct", "reject")

# Annual-report figures (assess.extraction.annual_report.report_to_figures) and the Chinese names a rubric may
# give them in an input's label or ``phrases``. An input whose ``name`` equals the key matches first.
REPORT_FIGURE_NAMES: dict[str, tuple[str, ...]] = {
    "requests_received": ("收到申请", "新收申请", "受理申请", "本年新收", "申请数量"),
    "requests_answered": ("办结申请", "答复申请", "办理申请", "已办结"),
    "requests_carried_over": ("结转下年度", "结转申请"),
    "requests_carried_in": ("上年结转",),
    "requests_disclosed": ("予以公开",),
    "overturned": ("纠错", "被纠错", "复议纠正", "败诉"),
    "reconsideration_total": ("行政复议",),
    "reconsideration_corrected": ("复议纠错",),
    "litigation_total": ("行政诉讼",),
    "normative_issued": ("规范性文件", "制发规范性文件"),
    "regulations_issued": ("规章",),
    "licensing_decisions": ("行政许可",),
    "penalty_decisions": ("行政处罚",),
}
REPORT_FIGURE_SOURCES: dict[str, str] = {
    "requests_received": "表三“本年新收政府信息公开申请数量”行“总计”列",
    "requests_answered": "表三“（七）总计”行“总计”列",
    "requests_carried_over": "表三“结转下年度继续办理”行“总计”列",
    "requests_carried_in": "表三“上年结转政府信息公开申请数量”行“总计”列",
    "requests_disclosed": "表三“（一）予以公开”与“（二）部分公开”行“总计”列之和",
    "overturned": "表四行政复议、行政诉讼“结果纠正”之和",
    "reconsideration_total": "表四“行政复议”“总计”",
    "reconsideration_corrected": "表四“行政复议”“结果纠正”",
    "litigation_total": "表四两类行政诉讼“总计”之和",
    "normative_issued": "表二“行政规范性文件”行“本年制发件数”",
    "regulations_issued": "表二“规章”行“本年制发件数”",
    "licensing_decisions": "表二“行政许可”行“本年处理决定数量”",
    "penalty_decisions": "表二“行政处罚”行“本年处理决定数量”",
}


class ImportsError(ValueError):
    """A refusal with a user-facing message; ``field`` names the form field, ``errors`` maps several."""

    def __init__(self, message: str, field: str | None = None, errors: dict[str, str] | None = None,
                 code: str | None = None):
        super().__init__(message)
        self.field = field
        self.errors = errors or ({field: message} if field else {})
        self.code = code


def _extraction_error(exc: ExtractionError) -> ImportsError:
    return ImportsError(exc.message_zh, "file", code=exc.code)


def _check_upload(filename: str, data: bytes, allowed: tuple[str, ...]) -> str:
    if not (filename or "").strip():
        raise ImportsError(_("请选择要上传的文件。"), "file")
    try:
        name = check_upload_name(filename)  # the one file-name rule of every upload
    except UploadNameError as exc:
        raise ImportsError(str(exc), "file") from None
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in allowed:
        raise ImportsError(_("不支持的文件类型“%(e)s”：请上传 %(a)s 文件。", e=ext or name,
                             a="、".join(a.lstrip(".") for a in allowed)), "file")
    max_mb = int(current_app.config.get("MAX_UPLOAD_MB", 20))
    if len(data) > max_mb * 1024 * 1024:
        raise ImportsError(_("文件过大：上限为%(n)s MB。", n=max_mb), "file")
    return name


def _loads(raw: str | None, default: Any) -> Any:
    try:
        value = json.loads(raw or "")
    except ValueError:
        return default
    return value if isinstance(value, type(default)) else default


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _require_editor(submission: Submission, actor: User) -> None:
    """The self-assessment's own rule: only the department's editors, only while it can be edited."""
    try:
        selfassessment_services.require_edit(submission, actor)
    except selfassessment_services.SelfAssessmentError as exc:
        raise ImportsError(str(exc)) from exc


# --- units ---------------------------------------------------------------------------------------------

_MULTIPLIERS = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "千": Decimal(1000), "百": Decimal(100)}


def in_spec_unit(value: Decimal, spec_unit: str) -> Decimal:
    """A normalised value (base unit: 元, 人) expressed in the rubric input's unit (万元 → ÷10000)."""
    if len(spec_unit) > 1 and spec_unit[0] in _MULTIPLIERS:
        value = value / _MULTIPLIERS[spec_unit[0]]
    return value


def _plain(value: Decimal) -> str:
    value = value.normalize() if value != value.to_integral_value() else value.to_integral_value()
    return format(value, "f")



def imports_of(submission: Submission) -> list[FigureImport]:
    return list(db.session.scalars(select(FigureImport).where(
        FigureImport.office_id == submission.office_id, FigureImport.submission_id == submission.id)
        .order_by(FigureImport.id.desc())))


def submission_of(fi: FigureImport) -> Submission:
    return db.session.scalars(select(Submission).where(
        Submission.office_id == fi.office_id, Submission.id == fi.submission_id)).one()



def editable_submissions(department_id: int, actor: User) -> list[Submission]:
    from ..campaigns.services import department_submissions

    return [s for s in department_submissions(department_id) if selfassessment_services.can_edit(s, actor)]
