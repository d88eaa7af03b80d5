"""A self-assessment's evidence (佐证材料): files and links a department attaches to an indicator of its
submission (``owner_type="submission"``, ``owner_id=<submission id>``, the indicator code).

The file and link checks and the storage are the evidence capability's, shared with review and
rectification (:mod:`assess.evidence.services`); what is the self-assessment's own is here: only while the
form may be edited, by its department's staff, and every change touches the submission's last change.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit.services import record
from ..evidence import services as files
from ..extensions import db
from ..models import Evidence, EvidenceKind, Submission, User
from ..models.base import utcnow
from . import services


class EvidenceError(services.SelfAssessmentError, files.EvidenceError):
    """A refused piece of self-assessment evidence: a refusal of the self-assessment (its pages and the API
    show it at the field) and of the shared file checks alike."""


def require_edit(submission: Submission, actor: User) -> None:
    """The form's edit rule (:func:`services.require_edit`), refused as an :class:`EvidenceError`: the one
    error type the evidence pages catch, so a closed form is a message there and never a server error."""
    try:
        services.require_edit(submission, actor)
    except services.SelfAssessmentError as exc:
        raise EvidenceError(str(exc), exc.field, exc.errors) from None


def touch(submission: Submission) -> None:
    """The submission's last change (:func:`services.touch`); a form sent meanwhile is an EvidenceError."""
    try:
        services.touch(submission)
    except services.SelfAssessmentError as exc:
        raise EvidenceError(str(exc), exc.field, exc.errors) from None


def _check_code(submission: Submission, code: str) -> None:
    if services.rubric_of(submission.campaign).indicator(code) is None:
        raise EvidenceError(_("未知指标“%(c)s”。", c=code))


def _title(title: str, fallback: str) -> str:
    title = (title or "").strip() or fallback
    if len(title) > 200:
        raise EvidenceError(_("标题不能超过200个字符。"), "title")
    return title


def add_file(submission: Submission, code: str | None, *, actor: User, filename: str, data: bytes,
             title: str = "") -> Evidence:
    """Attach a file to an indicator (``code=None``: to the whole self-assessment, e.g. an uploaded workbook)."""
    require_edit(submission, actor)
    if code is not None:
        _check_code(submission, code)
    try:
        checked = files.check_file(filename, data)
    except files.EvidenceError as exc:
        raise EvidenceError(str(exc), exc.field, exc.errors) from None
    title = _title(title, checked.filename.rsplit(".", 1)[0] or checked.filename)
    key = files.store_file(submission.office_id, submission.department_id, data, checked,
                           error=EvidenceError)  # disk full: EvidenceError at the file field
    ev = Evidence(office_id=submission.office_id, department_id=submission.department_id,
                  campaign_id=submission.campaign_id, owner_type="submission", owner_id=submission.id,
                  indicator_code=code, kind=EvidenceKind.FILE, title=title, storage_key=key,
                  filename=checked.filename, content_type=checked.content_type, size=checked.size,
                  sha256=checked.sha256, created_by_id=actor.id)
    db.session.add(ev)
    db.session.flush()
    touch(submission)
    record(submission.office_id, "evidence.add", "evidence", ev.id, actor=actor,
           new={"indicator": code, "kind": "file", "title": title, "filename": checked.filename,
                "sha256": checked.sha256, "size": checked.size},
           department_id=submission.department_id, campaign_id=submission.campaign_id)
    return ev


def add_link(submission: Submission, code: str, *, actor: User, url: str, title: str) -> Evidence:
    require_edit(submission, actor)
    _check_code(submission, code)
    try:
        url = files.check_url(url)
    except files.EvidenceError as exc:
        raise EvidenceError(str(exc), exc.field, exc.errors) from None
    if not (title or "").strip():
        raise EvidenceError(_("请填写标题。"), "title")
    title = _title(title, url)
    ev = Evidence(office_id=submission.office_id, department_id=submission.department_id,
                  campaign_id=submission.campaign_id, owner_type="submission", owner_id=submission.id,
                  indicator_code=code, kind=EvidenceKind.LINK, title=title, url=url, created_by_id=actor.id)
    db.session.add(ev)
    db.session.flush()
    touch(submission)
    record(submission.office_id, "evidence.add", "evidence", ev.id, actor=actor,
           new={"indicator": code, "kind": "link", "title": title, "url": url},
           department_id=submission.department_id, campaign_id=submission.campaign_id)
    return ev


def submission_of(ev: Evidence) -> Submission | None:
    if ev.owner_type != "submission":
        return None
    return db.session.scalars(select(Submission).where(Submission.id == ev.owner_id)).first()


def remove(ev: Evidence, *, actor: User) -> None:
    """Soft delete (the file stays in storage: the audit log may refer to it)."""
    submission = submission_of(ev)
    if submission is None:
        raise EvidenceError(_("无法删除此材料。"))
    require_edit(submission, actor)
    if ev.deleted_at is None:
        ev.deleted_at = utcnow()
        db.session.flush()
        touch(submission)
        record(ev.office_id, "evidence.remove", "evidence", ev.id, actor=actor,
               old={"indicator": ev.indicator_code, "title": ev.title, "sha256": ev.sha256, "url": ev.url},
               department_id=ev.department_id, campaign_id=ev.campaign_id)
