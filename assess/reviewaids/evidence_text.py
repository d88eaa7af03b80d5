"""What an evidence file says, for the check "can it support the claim": its text (PDF text layer, Word),
the dates in it, and whether it mentions any of the indicator's key terms — pure, no database.

Key terms: the rubric indicator's ``keywords`` when the rubric gives them; otherwise they are taken from the
indicator's title and the titles of the evidence it asks for: the Chinese runs split at punctuation and at
function words (的、和、与、及 …), and each run of two or more characters cut into its two-character words
minus the ones every document of the field uses (公开、政务、信息、工作 …). Lenient on purpose: a file is
flagged only when it mentions *none* of them — a scan without text or a document on another subject — so a
reviewer is not sent after files that merely word things differently.
"""
from __future__ import annotations

import io
import re
from datetime import date
from typing import Iterable

MAX_TEXT = 20000  # characters kept per file: the beginning and the end (where a document is dated)
MAX_PDF_PAGES = 30

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_SPLIT = re.compile("[的和与及或等是否对在为按于由将把被了有无并其中之以各类项个]")
COMMON = frozenset(
    "公开 政务 信息 工作 情况 开展 落实 建设 管理 制度 规范 完善 推进 加强 相关 有关 要求 部门 单位 本级 政府 "
    "人民 全年 年度 及时 主动 做好 组织 实施 机制 考核 指标 材料 佐证 说明 提供 包括 内容 方面 进行 目录 标准 "
    "文件 页面 截图 通知 名单 文本 发布 按时 质量".split())

# 2026年3月5日, 2026-03-05, 2026/3/5, 2026.3.5 (a year from 1990 to 2099; month and day checked by date())
_DATE = re.compile(r"((?:19|20)\d{2})\s*(?:年\s*|[-/.])(\d{1,2})\s*(?:月\s*|[-/.])(\d{1,2})(?!\d)")


def extract_text(data: bytes, extension: str) -> str:
    """The text of a PDF (its text layer: a scan has none) or a Word .docx; "" for anything else or a file
    that cannot be read."""
    try:
        if extension == "pdf":
            text = _pdf_text(data)
        elif extension == "docx":
            text = _docx_text(data)
        else:
            return ""
    except Exception:  # noqa: BLE001 — a damaged file is "no text", never a failed run
        return ""
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT // 2] + "\n…\n" + text[-MAX_TEXT // 2:]
    return text


def _pdf_text(data: bytes) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        parts = []
        for i in range(min(len(pdf), MAX_PDF_PAGES)):
            page = pdf[i]
            textpage = page.get_textpage()
            parts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return "\n".join(parts)
    finally:
        pdf.close()


def _docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def key_terms(title: str, extra: Iterable[str] = (), keywords: Iterable[str] = ()) -> list[str]:
    """The terms a supporting document is expected to mention (see the module docstring)."""
    given = [k.strip() for k in keywords if k and k.strip()]
    if given:
        return given
    terms: list[str] = []
    for source in (title, *extra):
        for run in _CJK_RUN.findall(source or ""):
            for part in _SPLIT.split(run):
                for i in range(len(part) - 1):
                    word = part[i:i + 2]
                    if word not in COMMON and word not in terms:
                        terms.append(word)
    return terms


def mentions(text: str, terms: Iterable[str]) -> list[str]:
    """The terms the text contains (spaces and line breaks, which PDF extraction scatters, ignored)."""
    flat = re.sub(r"\s+", "", text or "")
    return [t for t in terms if re.sub(r"\s+", "", t) in flat]


def dates_in(text: str) -> list[date]:
    """Every full date written in the text (year, month and day), in order."""
    out = []
    for y, m, d in _DATE.findall(text or ""):
        try:
            out.append(date(int(y), int(m), int(d)))
        except ValueError:
            continue
    return out
