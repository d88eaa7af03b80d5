"""A WeasyPrint URL fetcher that serves only our own assets.

WeasyPrint's default fetcher reads any ``file://`` path and any http(s) address. A PDF built
from user-entered text (department names, problem descriptions, reviewer reasons) would then
be a file-read and SSRF hole as soon as any such text reached markup. Autoescaping keeps user
text out of markup; this fetcher is the second wall:

* ``file:`` — only files inside the allowed folders (``templates/pdf`` and, when configured,
  the licensed-font folder), after resolving symlinks and ``..``;
* ``data:`` — only the image types we generate ourselves (PNG seal, SVG/PNG QR codes);
* everything else (http, https, ftp, file outside the folders, …) is refused.

WeasyPrint 70 API: subclass :class:`weasyprint.urls.URLFetcher` and override ``fetch``. A
refusal raises :class:`RefusedURL`; WeasyPrint catches it, logs a warning and leaves the
resource out, so one bad reference never aborts an official document.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = ["RefusedURL", "SafeURLFetcher"]

log = logging.getLogger(__name__)

_DATA_TYPES = ("image/png", "image/svg+xml")


class RefusedURL(ValueError):
    """Raised for any URL the document renderer must not fetch."""


class SafeURLFetcher(URLFetcher):
    """Serve files from ``allowed_dirs`` and our own ``data:`` images; refuse the rest."""

    def __init__(self, allowed_dirs: Iterable[Path]) -> None:
        super().__init__(
            timeout=1,
            allowed_protocols=("file", "data"),
            allow_redirects=False,
            fail_on_errors=False,
        )
        self.allowed_dirs: tuple[Path, ...] = tuple(Path(d).resolve() for d in allowed_dirs)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """Return the resource at ``url`` or raise :class:`RefusedURL`."""
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return self._fetch_data(url)
        if scheme == "file":
            return self._fetch_file(url)
        log.warning("PDF renderer refused URL with scheme %r: %.200s", scheme, url)
        raise RefusedURL(f"URL not allowed in documents: {url[:200]}")

    def _fetch_data(self, url: str) -> URLFetcherResponse:
        media_type = url[5:].split(",", 1)[0].split(";", 1)[0].strip().lower()
        if media_type not in _DATA_TYPES:
            log.warning("PDF renderer refused data: URL of type %r", media_type)
            raise RefusedURL(f"data: URL type not allowed: {media_type or '(none)'}")
        # urllib's DataHandler (registered by the base class) decodes base64 and %-escapes.
        return super().fetch(url)

    def _fetch_file(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"file: URL with a host is not allowed: {url[:200]}")
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not any(path.is_relative_to(d) for d in self.allowed_dirs) or not path.is_file():
            log.warning("PDF renderer refused file outside its asset folders: %s", path)
            raise RefusedURL(f"file not allowed in documents: {path}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix.lower() == ".css":
            mime = "text/css"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})
