"""How an evidence file leaves the application: served so that nothing in it can run in our origin.

Shared by every capability's evidence pages and the API; who may reach which evidence is the owning
capability's rule (e.g. :func:`assess.selfassessment.access.load_evidence`).
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort

from ..models import Evidence, EvidenceKind
from ..storage import StorageError
from . import services


def file_response(ev: Evidence, inline: bool) -> Response:
    """The evidence's file: an attachment, or shown ``inline`` in our pages with nothing allowed to run."""
    if ev.kind != EvidenceKind.FILE:
        abort(404)
    try:
        data = services.read(ev)
    except StorageError:
        abort(404)
    name = ev.filename or "file"
    disposition = "inline" if inline else "attachment"
    ascii_name = "".join(ch if ch.isascii() and ch.isalnum() or ch in "._-" else "_" for ch in name)
    resp = Response(data, mimetype=ev.content_type if inline else (ev.content_type or "application/octet-stream"))
    resp.headers["Content-Disposition"] = f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    if inline:
        # shown in a tab or an <img>/<iframe> of our own pages; nothing in it may run scripts
        resp.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'"
        resp.headers["X-Frame-Options"] = "SAMEORIGIN"
    else:
        resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp
