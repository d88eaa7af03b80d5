"""The one exception the extraction package raises for unreadable or unrecognised input."""

from __future__ import annotations


class ExtractionError(Exception):
    """An input the package cannot use, with a code and user-facing messages in both languages.

    Codes: ``empty``, ``scanned_pdf``, ``encrypted_pdf``, ``corrupt``, ``unsupported_type``,
    ``undecodable``, ``not_annual_report``, ``incomplete`` (an annual report cut off, or its table 三
    unreadable), ``tables_blank`` (an annual report whose tables carry no figures), ``bad_rubric`` (a rubric file the YAML reader refuses).
    """

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message_zh": self.message_zh, "message_en": self.message_en}
