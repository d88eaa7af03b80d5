"""How an evidence file leaves the application: served so that nothing in it can run in our origin.

Shared by every capability's evidence pages and the API; who may reach which evidence is the owning
capability's rule (e.g. :func:`assess.selfassessment.access.load_evidence`).
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort, current_app
from flask_babel import gettext as _

from ..models import Evidence, EvidenceKind
from ..storage import ChecksumError, MissingError, StorageError, iter_file
from . import services


def file_response(ev: Evidence, inline: bool) -> Response:
    """The evidence's file: an attachment, or shown ``inline`` in our pages with nothing allowed to run."""
    if ev.kind != EvidenceKind.FILE:
        abort(404)
    try:
        fh = services.open_file(ev)  # checked against its SHA-256 before a byte is sent
    except MissingError:
        abort(404)
    except ChecksumError:
        # the store holds other bytes than were uploaded: never serve them (logged by the storage)
        abort(Response(_("存储的文件与上传时的校验值不一致，请联系管理员。"), status=500, mimetype="text/plain"))
    except StorageError:
        current_app.logger.warning("evidence %s not readable", ev.id, exc_info=True)
        abort(503)
    size = fh.seek(0, 2)
    fh.seek(0)
    name = ev.filename or "file"
    disposition = "inline" if inline else "attachment"
    ascii_name = "".join(ch if ch.isascii() and ch.isalnum() or ch in "._-" else "_" for ch in name)
    # streamed from the temporary copy in chunks (a large file never sits in memory whole)
    resp = Response(iter_file(fh, 256 * 1024), direct_passthrough=True,
                    mimetype=ev.content_type if inline else (ev.content_type or "application/octet-stream"))
    resp.content_length = size
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
