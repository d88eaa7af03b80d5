"""Who may reach which piece of self-assessment evidence, and how its file leaves the application.

Shared by the evidence pages and the API: an evidence is visible exactly when its submission is
(``selfassessment.access.load_submission``: scope, own department, no draft campaigns); a file is served so
that nothing in it can run in our origin.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort

from ..models import Evidence, EvidenceKind
from ..selfassessment.access import load_submission
from ..storage import StorageError
from ..tenancy.scope import get_scoped_or_404
from . import services


def load_evidence(evidence_id: int) -> Evidence:
    """Evidence of a self-assessment the caller may see (scope: office, and own department for departments)."""
    ev = get_scoped_or_404(Evidence, evidence_id)
    if ev.owner_type != "submission" or ev.deleted_at is not None:
        abort(404)
    submission = load_submission(ev.owner_id)  # draft campaigns stay hidden from departments
    if submission.department_id != ev.department_id:
        abort(404)
    return ev


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
