"""The one rule for the name of an uploaded file, on every upload path.

Files are judged by their bytes, never by their names; but a name is kept and shown (the evidence list, the
annual reports, a rubric's origin, the import preview), so a name must not lie about the file: a
right-to-left override (U+202E: ``报告‮xcod.exe`` reads ``报告exe.docx``) or any other invisible format or
control character, a path, or an overlong name is refused. Every path that accepts a file calls
:func:`check_upload_name` and turns :class:`UploadNameError` into its own refusal at its file field.
"""
from __future__ import annotations

import unicodedata

from flask_babel import gettext as _

MAX_NAME_CHARS = 200


class UploadNameError(ValueError):
    """A refused file name, with the message for the file field."""

    field = "file"


def check_upload_name(name: str | None) -> str:
    """The uploaded file's name, stripped of surrounding spaces, or :class:`UploadNameError` saying why not."""
    name = (name or "").strip()
    if not name:
        raise UploadNameError(_("请选择文件。"))
    if ("/" in name or "\\" in name or name in (".", "..")
            or any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name)):
        raise UploadNameError(_("文件名不能包含路径分隔符或控制字符，请改名后再上传。"))
    if len(name) > MAX_NAME_CHARS:
        raise UploadNameError(_("文件名过长（最多200个字符）。"))
    return name
