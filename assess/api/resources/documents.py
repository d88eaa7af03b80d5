"""Issued official documents (通报, 整改通知, 评分表): list and download, through assess.documents — office users
only, as on the documents pages."""
from __future__ import annotations

from apiflask import Schema
from apiflask import fields as f
from apiflask.schemas import FileSchema
from apiflask.validators import OneOf
from flask import request

from ...documents import services as ds
from ...documents.access import issued_pdf_response, load_document
from ...tenancy.roles import OFFICE_READERS
from ..v1 import Id, PageQuery, iso, page_of, paginate, roles, user, v1
from .campaigns import require_office_user

KINDS = ["circular", "notice", "scoresheet"]


class DocumentOut(Schema):
    id = f.Integer(required=True)
    kind = f.String(required=True, metadata={"enum": KINDS})
    kind_label = f.String(required=True)
    campaign_id = f.Integer(allow_none=True)
    department_id = f.Integer(allow_none=True)
    number = f.String(required=True, metadata={"description": "文号"})
    title = f.String(required=True)
    issuer_name = f.String(required=True)
    issued_at = f.String(allow_none=True)
    sha256 = f.String(required=True)
    size = f.Integer(required=True)
    verify_code = f.String(required=True, metadata={"description": "核验码（公开核验页面）"})
    download = f.String(required=True)


class DocumentQuery(PageQuery):
    campaign_id = Id(load_default=None)
    kind = f.String(load_default=None, validate=OneOf(KINDS))
    department_id = Id(load_default=None)


def _doc(d) -> dict:
    from flask import url_for

    return {"id": d.id, "kind": d.kind.value, "kind_label": str(ds.KIND_LABELS[d.kind]), "campaign_id": d.campaign_id,
            "department_id": d.department_id, "number": d.number, "title": d.title, "issuer_name": d.issuer_name,
            "issued_at": iso(d.issued_at), "sha256": d.sha256, "size": d.size, "verify_code": d.verify_code,
            "download": url_for("api_v1.document_pdf", doc_id=d.id)}


@v1.get("/documents")
@roles(*OFFICE_READERS)
@v1.input(DocumentQuery, location="query", arg_name="query")
@v1.output(page_of(DocumentOut, "DocumentPage"))
@v1.doc(tags=["文件下载"], summary="已印发的公文（通报、整改通知、评分表）", description="单位账号；可按考核、类型、部门筛选。")
def list_documents(query):
    require_office_user()
    docs = ds.issued_documents(user().office_id, campaign_id=query.get("campaign_id"))
    if query.get("kind"):
        docs = [d for d in docs if d.kind.value == query["kind"]]
    if query.get("department_id") is not None:
        docs = [d for d in docs if d.department_id == query["department_id"]]
    return paginate(docs, query, _doc)


@v1.get("/documents/<int:doc_id>/pdf")
@roles(*OFFICE_READERS)
@v1.output(FileSchema(type="string", format="binary"), content_type="application/pdf",
           description="印发时保存的 PDF（响应头 X-Content-SHA256）")
@v1.doc(tags=["文件下载"], summary="下载已印发的公文 PDF")
def document_pdf(doc_id: int):
    require_office_user()
    # the documents page's download: same scope, same stored file and checksum
    return issued_pdf_response(load_document(doc_id), download=request.args.get("download") == "1")
