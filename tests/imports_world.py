"""Inputs for the imports tests (texts written for these tests) and isolation-harness objects."""
from __future__ import annotations

import io
from pathlib import Path

from tests.campaign_world import make_campaign, submission_of

EVAL = Path(__file__).parent / "extraction_eval"

SUMMARY = """县人社局2026年政务公开工作总结

一、主动公开情况
全年通过政府网站公开信息246条，其中政策文件12件。召开专题研究会议3次，组织业务培训2次。

二、依申请公开
全年收到申请3件，均按时答复3件，无逾期答复。SECRET-DEPT-A 申请人信息一律不对外提供。

三、回应关切
12345热线每日接听约300通，留言按时办结率达到97%。
"""

REPORT_2024 = (EVAL / "reports" / "shuili-2024.txt").read_text(encoding="utf-8")


def report_text(year: int, *, carried_in: int = 0, carried_out: int = 1, new_natural: int = 5) -> str:
    """The evaluation set's 2024 report rewritten for another year and other carry-overs (sums kept right
    when ``new_natural - 5 == carried_out - 1 - carried_in``)."""
    text = REPORT_2024.replace("2025", "\0NEXT").replace("2024", str(year)).replace("\0NEXT", str(year + 1))
    text = text.replace("公开申请数量          5   1   0   0   0   0   6",
                        f"公开申请数量          {new_natural}   1   0   0   0   0   {new_natural + 1}", 1)
    text = text.replace("公开申请数量          0   0   0   0   0   0   0",
                        f"公开申请数量          {carried_in}   0   0   0   0   0   {carried_in}", 1)
    return text.replace("四、结转下年度继续办理   1   0   0   0   0   0   1",
                        f"四、结转下年度继续办理   {carried_out}   0   0   0   0   0   {carried_out}")


def docx_bytes(text: str) -> bytes:
    from docx import Document

    doc = Document()
    for line in text.splitlines():
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# --- isolation harness objects (tests/isolation_registry.py) --------------------------------------------


def isolation_import(w):
    from assess.imports import services

    submission = w.obj("submission_a")
    return services.import_summary(submission, actor=w.tenant.users["dept_editor"], filename="总结.txt",
                                   data=SUMMARY.encode("utf-8"))


def isolation_report(w):
    from assess.imports import services

    text = report_text(2024).replace("本机关2024年未收取信息处理费。", "SECRET-DEPT-A 本机关未收取信息处理费。")
    return services.upload_report(w.tenant.dept_a, actor=w.tenant.users["dept_editor"],
                                  filename="SECRET-DEPT-A-2024.txt", data=text.encode("utf-8"))


__all__ = ["make_campaign", "submission_of"]
