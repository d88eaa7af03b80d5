"""Who may read which issued document, and how its PDF leaves the application: shared by the document
pages and the API.

Load through the tenant scope (another office's document is a 404); a department user reads the circulars
and its own department's notices and score sheets, nothing of other departments.
"""
from __future__ import annotations

import io

from flask import Response, abort, send_file
from flask_login import current_user

from ..models import DocumentKind, IssuedDocument
from ..tenancy.scope import get_scoped_or_404
from . import services
from .builders import DocumentError


def is_department_user() -> bool:
    return current_user.department_id is not None


def load_document(doc_id: int) -> IssuedDocument:
    """An issued document of the user's office; a department user only its own department's (and circulars)."""
    doc = get_scoped_or_404(IssuedDocument, doc_id)
    if is_department_user() and doc.kind != DocumentKind.CIRCULAR and doc.department_id != current_user.department_id:
        abort(404)
    return doc


def pdf_response(data: bytes, name: str, *, download: bool = False) -> Response:
    """A PDF, shown in the browser or (``download``) saved under ``name``."""
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=download, download_name=name,
                     max_age=0)


def issued_pdf_response(doc: IssuedDocument, *, download: bool = False) -> Response:
    """The PDF stored when ``doc`` was issued, with its checksum in ``X-Content-SHA256``."""
    try:
        data = services.document_bytes(doc)
    except DocumentError as exc:
        abort(Response(str(exc), status=500, mimetype="text/plain"))
    resp = pdf_response(data, services.download_name(doc), download=download)
    resp.headers["X-Content-SHA256"] = doc.sha256
    return resp
