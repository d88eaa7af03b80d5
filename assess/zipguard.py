"""ZIP-bomb guard for Office files (.docx/.xlsx are ZIP packages) before anything decompresses them.

Pure (no Flask). Python's ``zipfile`` never inflates an entry past the size its central directory
declares (a lying entry fails its CRC check instead), so checking the declared sizes bounds the memory
that openpyxl / python-docx can use on an uploaded package.
"""
from __future__ import annotations

import io
import zipfile

MAX_ENTRIES = 5000
MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024   # all entries together
MAX_ENTRY_UNCOMPRESSED = 100 * 1024 * 1024   # any one entry
MAX_RATIO = 200                                # uncompressed / compressed, for entries above 1 MiB


class ZipBombError(ValueError):
    """The package would decompress to too much (or is not a readable ZIP)."""


def check_zip(data: bytes) -> None:
    """Raise :class:`ZipBombError` when ``data`` is a ZIP whose entries decompress to too much."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise ZipBombError("unreadable zip") from exc
    if len(infos) > MAX_ENTRIES:
        raise ZipBombError(f"{len(infos)} entries")
    total = 0
    for info in infos:
        size = info.file_size
        total += size
        if size > MAX_ENTRY_UNCOMPRESSED or total > MAX_TOTAL_UNCOMPRESSED:
            raise ZipBombError(f"{info.filename}: {size} bytes uncompressed")
        if size > 1024 * 1024 and size > MAX_RATIO * max(info.compress_size, 1):
            raise ZipBombError(f"{info.filename}: ratio {size // max(info.compress_size, 1)}")
