"""Text going into a spreadsheet (a CSV or .xlsx export): the one formula-injection guard.

A cell whose text starts like a formula (``=`` ``+`` ``-`` ``@``, a tab or a carriage return, as OWASP
lists them; also a line feed and the full-width ``＝＋－＠`` a Chinese input method types) would be run by
Excel/WPS/LibreOffice when the file is opened. Such text is prefixed with an apostrophe, so it shows as
typed and never runs. Every export passes its cells through :func:`safe_cell`: CSV writers and streamed
(write-only) workbooks cell by cell, every other workbook by saving through :func:`workbook_bytes`, which
guards every cell of every sheet at once.
"""
from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell import Cell

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_cell(value: Any) -> Any:
    """``value`` unchanged unless it is text starting like a formula: then ``'`` + the text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def guard_cell(cell: Cell) -> None:
    """The guard for one cell of a workbook: text starting like a formula never runs.

    A cell left unlocked for a person to type into (the self-assessment's value column, read back on upload)
    keeps its text exactly, stored as text with Excel's quote prefix; any other cell gets :func:`safe_cell`.
    """
    value = cell.value
    if not (isinstance(value, str) and value.startswith(FORMULA_START)) and cell.data_type != "f":
        return
    if cell.protection.locked is False:
        cell.data_type = "s"
        cell.quotePrefix = True
    else:
        cell.value = safe_cell(str(value))


def workbook_bytes(wb: Workbook) -> bytes:
    """Save ``wb`` after every cell of every sheet went through :func:`guard_cell`: the one way an export
    turns a (not write-only) workbook into a file, so no cell is left out whoever wrote it."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                guard_cell(cell)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
