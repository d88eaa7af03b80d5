"""Official documents in the application: office settings, circular drafts, previews, issuing and verification.

Issuing (:func:`issue`) is the one path by which a document leaves the office. In one transaction it
allocates the 文号 (:func:`allocate_number`), builds the context from the database (:mod:`.builders`),
renders the PDF through the one entry point (:func:`assess.documents.render.render_pdf`), stores the bytes
with their SHA-256 and writes the audit entry. Afterwards nothing of it changes: the stored bytes are served
again as they are.

Services flush, never commit; the view or CLI command commits once.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import ipaddress
import json
import secrets
import zipfile
from dataclasses import dataclass
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..clock import local_date, local_today
from ..extensions import db
from ..models import (Campaign, CircularDraft, Department, DocumentCounter, DocumentKind, IssuedDocument, Notice,
                      NoticeState, Office, Submission)
from ..models.base import utcnow
from ..rectification.services import issued_notice
from ..storage import get_storage, put_upload
from . import builders
from .builders import DocumentError
from .official import format_doc_number, generate_verify_code, normalize_verify_code

__all__ = ["DocumentError", "issue", "allocate_number", "verify_lookup"]

MAX_SEAL_BYTES = 2 * 1024 * 1024
TEMPLATES = {DocumentKind.CIRCULAR: "circular.html", DocumentKind.NOTICE: "notice.html",
             DocumentKind.SCORESHEET: "scoresheet.html"}
# lazy: translated when shown, in the request's language; ``str()`` it for names and data
KIND_LABELS = {DocumentKind.CIRCULAR: _l("考核结果通报"), DocumentKind.NOTICE: _l("整改通知"),
               DocumentKind.SCORESHEET: _l("考核评分表")}
SETTINGS_FIELDS = {
    "authority_mark": ("发文机关标志", 120), "doc_prefix": ("发文字号机关代字", 40),
    "issuer_name": ("发文机关署名", 120), "contact": ("联系人及电话", 200), "cc_block": ("抄送", 2000),
    "printed_by": ("印发机关", 120),
}


# --------------------------------------------------------------------------- office settings


def settings_of(office: Office) -> dict[str, str]:
    return {k: getattr(office, k) or "" for k in SETTINGS_FIELDS}


def update_settings(office: Office, data: dict[str, Any], *, actor: Any) -> bool:
    """Save the office's document settings (audit ``documents.settings`` lists what changed)."""
    clean: dict[str, str] = {}
    for key, (label, limit) in SETTINGS_FIELDS.items():
        value = str(data.get(key) or "").strip()
        if len(value) > limit:
            raise DocumentError(f"“{label}”不能超过{limit}个字。", key)
        if any(ord(ch) < 32 and ch not in "\r\n" for ch in value) or ("\n" in value and key != "cc_block"):
            raise DocumentError(f"“{label}”不能包含换行或控制字符。", key)
        clean[key] = value.replace("\r\n", "\n")
    if clean["doc_prefix"] and any(ch in clean["doc_prefix"] for ch in "〔〕[]【】号"):
        raise DocumentError("机关代字只填代字本身（如“示政公办”），年份和序号由系统生成。", "doc_prefix")
    old = settings_of(office)
    changed = {k: v for k, v in clean.items() if v != old[k]}
    if not changed:
        return False
    for k, v in changed.items():
        setattr(office, k, v)
    db.session.flush()
    record(office.id, "documents.settings", "office", office.id, actor=actor,
           old={k: old[k] for k in changed}, new=changed)
    return True


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def upload_seal(office: Office, data: bytes, *, actor: Any) -> str:
    """Store the office's seal image; it must really be a PNG (checked by content, not by name)."""
    if not data:
        raise DocumentError("请选择印章图片文件。", "seal")
    if len(data) > MAX_SEAL_BYTES:
        raise DocumentError("印章图片不能超过2 MB。", "seal")
    if not data.startswith(PNG_MAGIC):
        raise DocumentError("印章图片必须是 PNG 格式（透明背景）。", "seal")
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as img:
            img.verify()
            if img.format != "PNG":
                raise ValueError(img.format)
            width, height = img.size
    except Exception as exc:  # noqa: BLE001 — any decoder error means a broken file
        raise DocumentError("印章图片无法读取，请上传完整的 PNG 文件。", "seal") from exc
    if not (100 <= width <= 4000 and 100 <= height <= 4000):
        raise DocumentError("印章图片的宽和高应在100至4000像素之间。", "seal")
    key = f"{office.id}/documents/seal-{secrets.token_hex(8)}.png"
    put_upload(key, data, "image/png", error=DocumentError, field="seal")  # disk full: at the seal field
    old = office.seal_key
    office.seal_key = key
    db.session.flush()
    record(office.id, "documents.seal", "office", office.id, actor=actor, old={"seal": old},
           new={"seal": key, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
    return key


def remove_seal(office: Office, *, actor: Any) -> None:
    if not office.seal_key:
        return
    old = office.seal_key
    office.seal_key = None
    db.session.flush()
    record(office.id, "documents.seal", "office", office.id, actor=actor, old={"seal": old}, new={"seal": None})


def seal_png(office: Office) -> bytes | None:
    if not office.seal_key:
        return None
    return get_storage().get(office.seal_key)


# --------------------------------------------------------------------------- circular draft


def draft_row(campaign: Campaign) -> CircularDraft | None:
    return db.session.scalars(select(CircularDraft).where(
        CircularDraft.office_id == campaign.office_id, CircularDraft.campaign_id == campaign.id)).first()


def circular_body(campaign: Campaign, office: Office) -> tuple[dict[str, str], CircularDraft | None]:
    """The circular's text: the office's saved draft, or the pre-filled default."""
    row = draft_row(campaign)
    if row is not None:
        body = builders.circular_defaults(campaign, office) | json.loads(row.body)
        return body, row
    return builders.circular_defaults(campaign, office), None


def save_draft(campaign: Campaign, office: Office, data: dict[str, Any], *, actor: Any,
               version: int | None = None) -> CircularDraft:
    """Save the edited text of the circular (refused when someone saved meanwhile: versions shown)."""
    if issued_for(campaign, DocumentKind.CIRCULAR):
        raise DocumentError("通报已印发，不能再修改。", "title")
    body: dict[str, str] = {}
    for key in builders.DRAFT_FIELDS:
        value = str(data.get(key) or "").replace("\r\n", "\n").strip()
        if len(value) > 20000:
            raise DocumentError("内容过长（不能超过20000字）。", key)
        body[key] = value
    for key, label in (("title", "标题"), ("addressee", "主送机关"), ("overview", "总体情况")):
        if not body[key]:
            raise DocumentError(f"请填写{label}。", key)
    if len(body["title"]) > 200:
        raise DocumentError("标题不能超过200个字。", "title")
    row = draft_row(campaign)
    if row is not None and version is not None and int(version) != row.version_id:
        raise DocumentError(f"草稿已被他人保存（您编辑的是第{version}版，当前为第{row.version_id}版），"
                            "请刷新后再改。", "title")
    if row is None:
        row = CircularDraft(office_id=campaign.office_id, campaign_id=campaign.id, body="{}")
        db.session.add(row)
    old = json.loads(row.body)
    row.body = json.dumps(body, ensure_ascii=False)
    row.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    record(campaign.office_id, "documents.draft", "circular_draft", row.id, actor=actor, campaign_id=campaign.id,
           old={k: old.get(k) for k in body if old.get(k) != body[k]} or None,
           new={k: v for k, v in body.items() if old.get(k) != v})
    return row


# --------------------------------------------------------------------------- contexts and rendering


def _loopback(host: str) -> bool:
    host = (host or "").strip("[]").lower()
    if host in ("", "localhost") or host.endswith(".localhost"):
        return True
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return False
    return addr.is_loopback or addr.is_unspecified


def public_base_problem() -> str:
    """Why the verification link printed in documents would not work for a reader ("" when it would).

    The link (and its QR code) is ``PUBLIC_BASE_URL/verify?code=…``; unset or pointing at this machine
    (127.0.0.1, localhost), it reaches nobody who holds the paper copy.
    """
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").strip()
    if not base:
        return str(_l("未设置 PUBLIC_BASE_URL（本平台的公网地址），文件上的核验链接和二维码将无法使用。"))
    parsed = urlsplit(base)
    if parsed.scheme not in ("http", "https") or _loopback(parsed.hostname or ""):
        return str(_l("PUBLIC_BASE_URL 为“%(url)s”，是本机地址，文件上的核验链接和二维码在其他电脑和手机上无法打开。",
                      url=base))
    return ""


def issue_blocker() -> str:
    """The reason issuing is refused outright ("" when it may go ahead): in production a document must not
    leave with a verification link nobody can open. In development the same problem is only a warning."""
    problem = public_base_problem()
    if problem and current_app.config.get("ASSESS_ENV") == "production":
        return problem + str(_l("请管理员设置 PUBLIC_BASE_URL 后再印发。"))
    return ""


def verify_url(code: str) -> str:
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return f"{base}/verify?code={normalize_verify_code(code)}"


@dataclass
class Target:
    """What a document is about: the kind, the campaign, and the department / notice when it has one."""

    kind: DocumentKind
    campaign: Campaign
    department_id: int | None = None
    notice: Notice | None = None

    @property
    def source_id(self) -> int | None:
        return self.notice.id if self.notice is not None else None


def build_context(target: Target, office: Office, *, number: str, date: dt.date, code: str = "",
                  sealed: bool = False):
    url = verify_url(code) if code else ""
    seal = seal_png(office) if sealed else None
    if target.kind == DocumentKind.CIRCULAR:
        body, _row = circular_body(target.campaign, office)
        return builders.circular_context(target.campaign, office, body, number=number, date=date, seal_png=seal,
                                         verify_code=code, verify_url=url)
    if target.kind == DocumentKind.NOTICE:
        assert target.notice is not None
        return builders.notice_context(target.notice, office, number=number, date=date, seal_png=seal,
                                       verify_code=code, verify_url=url)
    assert target.department_id is not None
    return builders.scoresheet_context(target.campaign, office, target.department_id, date=date,
                                       verify_code=code, verify_url=url)


def _prefix(office: Office) -> str:
    return office.doc_prefix or office.name[:4]


def preview(target: Target, office: Office, *, fmt: str = "html") -> bytes | str:
    """A draft rendering: marked 草稿 on every page, no number, no seal, no code (HTML or PDF).

    A document has one number, the one it is issued with; a draft shows none rather than a guess.
    """
    from .render import render_html, render_pdf

    ctx = build_context(target, office, number="", date=local_today())
    template = TEMPLATES[target.kind]
    if fmt == "pdf":
        return render_pdf(template, {"doc": ctx, "draft": True})
    return render_html(template, {"doc": ctx, "draft": True}, preview=True)


def notice_pdf(notice: Notice, office: Office) -> tuple[bytes, IssuedDocument | None]:
    """A rectification notice as a PDF, and its issued document (or None).

    Issued: the stored bytes of the issued document, so the department reads exactly the copy with its one
    number. Not issued: a rendering marked 草稿 without any number.
    """
    from .render import render_pdf

    issued = issued_notice(notice)
    if issued is not None:
        return document_bytes(issued), issued
    return render_pdf("notice.html", {"doc": builders.notice_document(notice, office), "draft": True}), None


# --------------------------------------------------------------------------- numbering


def allocate_number(office_id: int, year: int, *, session: Any = None) -> int:
    """The next 文号 sequence of an office in a year, inside the caller's transaction.

    The counter row is incremented with one UPDATE (on PostgreSQL it stays locked until the transaction
    ends, so concurrent issuers queue; on SQLite the write lock does the same). A missing row is inserted in
    a savepoint; losing that race to another transaction just means updating its row. The unique constraint
    (office_id, year, seq) on issued documents is the backstop: a duplicate can never be stored.
    """
    session = session if session is not None else db.session
    dc = DocumentCounter
    for _attempt in range(3):
        res = session.execute(
            update(dc).where(dc.office_id == office_id, dc.year == year).values(last_seq=dc.last_seq + 1)
            .execution_options(synchronize_session=False))
        if res.rowcount == 1:
            return int(session.scalar(
                select(dc.last_seq).where(dc.office_id == office_id, dc.year == year)
                .execution_options(unscoped=True, populate_existing=True)))
        try:
            with session.begin_nested():
                session.add(dc(office_id=office_id, year=year, last_seq=1))
            return 1
        except IntegrityError:
            continue
    raise DocumentError("文号分配冲突，请重试。", "number")


# --------------------------------------------------------------------------- issuing


def issued_for(campaign: Campaign, kind: DocumentKind, *, department_id: int | None = None,
               source_id: int | None = None) -> IssuedDocument | None:
    d = IssuedDocument
    stmt = select(d).where(d.office_id == campaign.office_id, d.campaign_id == campaign.id, d.kind == kind)
    if kind != DocumentKind.CIRCULAR:
        stmt = stmt.where(d.department_id == department_id)
    if source_id is not None:
        stmt = stmt.where(d.source_id == source_id)
    return db.session.scalars(stmt.order_by(d.id)).first()


def _storage_key(office_id: int, doc_id: int, sha: str) -> str:
    return f"{office_id}/documents/{doc_id}-{sha[:16]}.pdf"


def _title(target: Target, ctx: Any) -> str:
    if target.kind == DocumentKind.SCORESHEET:
        return f"{ctx.campaign_name}评分表（{ctx.department}）"
    return ctx.title


def issue(target: Target, office: Office, *, actor: Any, today: dt.date | None = None) -> IssuedDocument:
    """Issue (freeze) a document: number, context, PDF in storage with SHA-256, verification code, audit.

    A document already issued for the same campaign, kind and department (or notice) is returned as it is;
    it is never issued twice.
    """
    from .render import render_pdf

    campaign = target.campaign
    if campaign.office_id != office.id:
        raise DocumentError("考核不属于本单位。", "campaign")
    existing = issued_for(campaign, target.kind, department_id=target.department_id, source_id=target.source_id)
    if existing is not None:
        return existing
    if blocker := issue_blocker():
        raise DocumentError(blocker, "public_base_url")
    if target.kind == DocumentKind.NOTICE and target.notice is not None and target.notice.state == NoticeState.DRAFT:
        raise DocumentError("整改通知仍是草稿，请先在“整改通知”中发送后再印发。", "notice")
    if target.kind != DocumentKind.SCORESHEET and not office.doc_prefix:
        raise DocumentError("请先在“公文设置”中填写发文字号机关代字。", "doc_prefix")
    date = today or local_today()
    builders.publication(campaign)  # refuses before the ranking is published
    seq = None
    number = ""
    if target.kind != DocumentKind.SCORESHEET:
        seq = allocate_number(office.id, date.year)
        number = format_doc_number(_prefix(office), date.year, seq)
    code = generate_verify_code()
    ctx = build_context(target, office, number=number, date=date, code=code, sealed=True)
    pdf = render_pdf(TEMPLATES[target.kind], {"doc": ctx})
    sha = hashlib.sha256(pdf).hexdigest()
    addressee = getattr(ctx, "addressee", "") or getattr(ctx, "department", "")
    doc = IssuedDocument(
        office_id=office.id, kind=target.kind, campaign_id=campaign.id, department_id=target.department_id,
        source_id=target.source_id, year=date.year, seq=seq, number=number, title=_title(target, ctx)[:300],
        addressee=addressee[:200], issuer_name=office.issuer_name or office.name, context=builders.dumps(ctx),
        storage_key="pending", sha256=sha, size=len(pdf), verify_code=code, issued_at=utcnow(),
        issued_by_id=getattr(actor, "id", None))
    db.session.add(doc)
    db.session.flush()
    doc.storage_key = _storage_key(office.id, doc.id, sha)
    get_storage().put(doc.storage_key, pdf, "application/pdf")
    db.session.flush()
    record(office.id, "documents.issue", "issued_document", doc.id, actor=actor, campaign_id=campaign.id,
           department_id=target.department_id,
           new={"kind": target.kind.value, "number": number, "title": doc.title, "sha256": sha,
                "verify_code": code, "size": len(pdf)})
    return doc


def document_bytes(doc: IssuedDocument) -> bytes:
    """The stored PDF exactly as issued (checked against its SHA-256)."""
    data = get_storage().get(doc.storage_key)
    if hashlib.sha256(data).hexdigest() != doc.sha256:
        raise DocumentError("存储的文件与印发时的校验值不一致，请联系管理员。", "file")
    return data


def download_name(doc: IssuedDocument) -> str:
    label = doc.number or f"{KIND_LABELS[doc.kind]}-{doc.id}"
    return f"{label}-{doc.title}.pdf".replace("/", "-")


# --------------------------------------------------------------------------- campaign listings


def campaigns(office_id: int) -> list[Campaign]:
    return list(db.session.scalars(select(Campaign).where(Campaign.office_id == office_id)
                                   .order_by(Campaign.year.desc(), Campaign.id.desc())))


def campaign_notices(campaign: Campaign) -> list[Notice]:
    return list(db.session.scalars(
        select(Notice).where(Notice.office_id == campaign.office_id, Notice.campaign_id == campaign.id,
                             Notice.state != NoticeState.DRAFT)
        .order_by(Notice.department_name, Notice.id)))


def campaign_departments(campaign: Campaign) -> list[tuple[int, str]]:
    rows, _pub = builders.published_rows(campaign)
    return [(r.department_id, r.department_name) for r in rows]


def issued_documents(office_id: int, *, campaign_id: int | None = None,
                     department_id: int | None = None) -> list[IssuedDocument]:
    """The office's register, newest first; with ``department_id`` only that department's documents and the
    circulars (what a department user may read)."""
    stmt = select(IssuedDocument).where(IssuedDocument.office_id == office_id)
    if department_id is not None:
        stmt = stmt.where((IssuedDocument.department_id == department_id)
                          | (IssuedDocument.kind == DocumentKind.CIRCULAR))
    if campaign_id is not None:
        stmt = stmt.where(IssuedDocument.campaign_id == campaign_id)
    return list(db.session.scalars(stmt.order_by(IssuedDocument.issued_at.desc(), IssuedDocument.id.desc())))


def targets(campaign: Campaign, kind: DocumentKind) -> list[Target]:
    """Every document of a kind in a bulk run: sent notices of the campaign, or every ranked department."""
    if kind == DocumentKind.NOTICE:
        return [Target(kind, campaign, n.department_id, n) for n in campaign_notices(campaign)]
    if kind == DocumentKind.SCORESHEET:
        return [Target(kind, campaign, d) for d, _ in campaign_departments(campaign)]
    raise DocumentError("只能批量生成整改通知或评分表。", "kind")


def zip_documents(docs: Iterable[IssuedDocument]) -> bytes:
    """The issued PDFs (stored bytes, unchanged) as one ZIP with a manifest of numbers and checksums."""
    buf = io.BytesIO()
    manifest = ["文件名\t文号\t标题\t核验码\tSHA-256"]
    used: set[str] = set()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for doc in docs:
            name = download_name(doc)
            if name in used:
                name = f"{doc.id}-{name}"
            used.add(name)
            zf.writestr(name, document_bytes(doc))
            manifest.append(f"{name}\t{doc.number}\t{doc.title}\t{doc.verify_code}\t{doc.sha256}")
        zf.writestr("清单.txt", "\n".join(manifest) + "\n")
    return buf.getvalue()


def issue_all(campaign: Campaign, office: Office, kind: DocumentKind, *, actor: Any,
              progress: Callable[[int, int], None] | None = None, commit_each: bool = False) -> list[IssuedDocument]:
    """Issue every document of a kind for a campaign (already issued ones are reused), reporting progress."""
    todo = targets(campaign, kind)
    docs: list[IssuedDocument] = []
    for n, target in enumerate(todo, start=1):
        docs.append(issue(target, office, actor=actor))
        if commit_each:
            db.session.commit()
        if progress is not None:
            progress(n, len(todo))
    return docs


# --------------------------------------------------------------------------- public verification


@dataclass(frozen=True)
class Verified:
    """What the public verification page may show — and nothing else."""

    number: str
    kind_label: str
    issuer: str
    issued_on: dt.date
    sha256: str
    size: int


def verify_lookup(code: str) -> Verified | None:
    """Find an issued document by its code, across offices on purpose (the public page has no tenant)."""
    norm = normalize_verify_code(code or "")
    if len(norm) != 12:
        return None
    formatted = "-".join(norm[i:i + 4] for i in range(0, 12, 4))
    doc = db.session.scalars(select(IssuedDocument).where(IssuedDocument.verify_code == formatted)
                             .execution_options(unscoped=True)).first()
    if doc is None:
        return None
    return Verified(doc.number, str(KIND_LABELS[doc.kind]), doc.issuer_name,
                    local_date(doc.issued_at), doc.sha256, doc.size)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def department_name(office_id: int, department_id: int) -> str:
    dept = db.session.get(Department, department_id)
    return dept.name if dept is not None and dept.office_id == office_id else ""


def has_submission(campaign: Campaign, department_id: int) -> bool:
    return db.session.scalar(select(Submission.id).where(
        Submission.office_id == campaign.office_id, Submission.campaign_id == campaign.id,
        Submission.department_id == department_id)) is not None


# --------------------------------------------------------------------------- the department's 自评表


def selfassessment_pdf(submission: Submission, office: Office, *, today: dt.date | None = None) -> bytes:
    """The department's self-assessment table (自评表) as a PDF to print, sign and seal.

    Rendered on request and not stored or numbered: it is the department's own form handed in beside the
    online submission, not a document the office issues (so it carries no 文号 and no verification code).
    """
    from .render import render_pdf

    ctx = builders.selfassessment_context(submission, office, today=today or local_today())
    return render_pdf("selfassessment.html", {"doc": ctx})
