"""Evidence (佐证材料) files and links: the generic checks and storage every capability shares.

Files are checked by their bytes (``filetype``), never by their names; stored under generated keys
``<office>/<department>/<hex>`` through :mod:`assess.storage` with their SHA-256. Each capability attaches
them to its own rows with its own owner type: the self-assessment's evidence (``owner_type="submission"``)
is :mod:`assess.selfassessment.evidence`; review and rectification evidence use :func:`check_file` and
:func:`store_file` too. This package builds on no capability.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlsplit

import filetype
from flask import current_app
from flask_babel import gettext as _

from ..models import Evidence, EvidenceKind
from ..storage import ChecksumError, get_storage, open_verified, put_upload
from ..uploads import UploadNameError, check_upload_name
from ..zipguard import ZipBombError, check_zip

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # .doc/.xls and WPS .wps/.et files

# detected extension → (content type, label); the bytes decide, not the name
ALLOWED = {
    "pdf": ("application/pdf", "PDF"),
    "jpg": ("image/jpeg", "JPEG"),
    "png": ("image/png", "PNG"),
    "gif": ("image/gif", "GIF"),
    "webp": ("image/webp", "WebP"),
    "bmp": ("image/bmp", "BMP"),
    "doc": ("application/msword", "Word"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word"),
    "xls": ("application/vnd.ms-excel", "Excel"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel"),
}
OLE_BY_NAME = {"doc": "doc", "wps": "wps", "xls": "xls", "et": "et"}
OLE_TYPES = {"wps": ("application/vnd.ms-works", "WPS"), "et": ("application/vnd.ms-excel", "WPS")}
INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp"}


class EvidenceError(ValueError):
    """A refused file or link, with a user-facing message; ``field`` names the input, ``errors`` maps several
    fields. Callers turn it into their own capability's refusal (a review, a rectification answer)."""

    def __init__(self, message: str, field: str | None = None, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.field = field
        self.errors = errors or ({field: message} if field else {})


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    extension: str
    content_type: str
    size: int
    sha256: str


def check_filename(name: str) -> str:
    """The one file-name rule of every upload (:func:`assess.uploads.check_upload_name`), as an evidence refusal."""
    try:
        return check_upload_name(name)
    except UploadNameError as exc:
        raise EvidenceError(str(exc), "file") from None


def check_file(filename: str, data: bytes, *, max_mb: int | None = None) -> CheckedFile:
    """Refuse bad names, empty or too large files, and anything whose content is not an allowed type."""
    name = check_filename(filename)
    max_mb = max_mb if max_mb is not None else int(current_app.config.get("MAX_UPLOAD_MB", 20))
    if not data:
        raise EvidenceError(_("文件是空的。"), "file")
    if len(data) > max_mb * 1024 * 1024:
        raise EvidenceError(_("文件过大：上限为%(n)s MB。", n=max_mb), "file")
    kind = filetype.guess(data[:8192] if len(data) > 8192 else data)
    # OOXML detection needs the zip directory: look at the whole file when the head says "zip"
    if kind is not None and kind.extension == "zip":
        kind = filetype.guess(data)
    ext = kind.extension if kind is not None else None
    if ext in ALLOWED:
        ctype = ALLOWED[ext][0]
    elif data.startswith(OLE_MAGIC):
        by_name = OLE_BY_NAME.get(name.rsplit(".", 1)[-1].lower()) if "." in name else None
        ext = by_name or "doc"
        ctype = OLE_TYPES.get(ext, ALLOWED.get(ext, ("application/octet-stream",)))[0]
    else:
        raise EvidenceError(_("不支持的文件类型：只接受PDF、图片（JPG/PNG/GIF/WebP/BMP）、Word、Excel或WPS文档。"), "file")
    if ext in ("docx", "xlsx"):  # ZIP packages: refuse bombs before anything decompresses them
        try:
            check_zip(data)
        except ZipBombError:
            raise EvidenceError(_("文件已损坏或解压后过大，请用Office或WPS打开确认后重新保存上传。"), "file") from None
    return CheckedFile(name, ext, ctype, len(data), hashlib.sha256(data).hexdigest())


def store_file(office_id: int, department_id: int, data: bytes, checked: CheckedFile, *,
               error: type[Exception] = EvidenceError, field: str = "file", keep: bool = False) -> str:
    """Write a checked file under a new key; a full or unwritable storage raises ``error(message, field)``
    (see :func:`assess.storage.put_upload`, which also removes the file if the transaction is not committed)."""
    key = f"o{office_id}/d{department_id}/{secrets.token_hex(16)}"
    return put_upload(key, data, checked.content_type, error=error, field=field, keep=keep)


def check_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise EvidenceError(_("请填写链接地址。"), "url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(ch.isspace() for ch in url):
        raise EvidenceError(_("链接应以 http:// 或 https:// 开头，且不含空格。"), "url")
    if len(url) > 2000:
        raise EvidenceError(_("链接过长（最多2000个字符）。"), "url")
    return url


def read(ev: Evidence) -> bytes:
    """The evidence file's bytes, checked against the SHA-256 recorded at upload (a changed or damaged
    object raises :class:`assess.storage.ChecksumError`)."""
    data = get_storage().get(ev.storage_key or "")
    if ev.sha256 and hashlib.sha256(data).hexdigest() != ev.sha256:
        raise ChecksumError(f"checksum mismatch: {ev.storage_key}")
    return data


def open_file(ev: Evidence) -> IO[bytes]:
    """The evidence file as an open, rewound temporary copy, checked against its SHA-256 before it is
    returned: how a download is served without holding the file in memory (:func:`assess.storage.open_verified`)."""
    return open_verified(ev.storage_key or "", ev.sha256)


def inline_ok(ev: Evidence) -> bool:
    return ev.kind == EvidenceKind.FILE and (ev.content_type or "") in INLINE_TYPES
