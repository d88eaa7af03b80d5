"""Text going into a spreadsheet (a CSV or .xlsx export): the one formula-injection guard.

A cell whose text starts like a formula (``=`` ``+`` ``-`` ``@``, a tab or a carriage return, as OWASP
lists them; also a line feed and the full-width ``＝＋－＠`` a Chinese input method types) would be run by
Excel/WPS/LibreOffice when the file is opened. Such text is prefixed with an apostrophe, so it shows as
typed and never runs. Every export passes its cells through :func:`safe_cell`.
"""
from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_cell(value: Any) -> Any:
    """``value`` unchanged unless it is text starting like a formula: then ``'`` + the text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
