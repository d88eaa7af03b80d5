"""Rubrics: the stored versions — upload, the shipped files, the list by family, the campaigns using one.

Versions are immutable. Every save from the editor stores a NEW version (``parent_id`` = the version it
was edited from), whether or not the base was frozen: a stored version's source never changes, so the
engine's parse cache (keyed by content hash), campaigns and stored results can always rely on it. Only the
``frozen`` flag is ever set on an existing row (by the campaigns capability, when a campaign adopts it).

Services flush, never commit; they raise :class:`RubricsError` (one message, one field) or
:class:`EditError` (messages per editor field) or the engine's :class:`~assess.scoring.RubricError`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .. import scoring
from ..extensions import db
from ..models import Campaign, Rubric
from ..uploads import UploadNameError, check_upload_name
from . import store


MAX_UPLOAD_BYTES = 512 * 1024


class RubricsError(ValueError):
    """A refused operation: a user-facing message and the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class EditError(ValueError):
    """The editor's input was refused; ``fields`` maps editor field names to messages ("_" = general)."""

    def __init__(self, fields: dict[str, list[str]], *, latest: int | None = None):
        self.fields = fields
        self.latest = latest  # set when someone saved a newer version meanwhile
        super().__init__("；".join(m for ms in fields.values() for m in ms))


def shipped_files() -> list[tuple[str, str]]:
    """(file name, rubric name) of the rubrics shipped in ``scoring_rules/``."""
    out = []
    for path in sorted(store.SHIPPED.glob("*.yaml")):
        try:
            out.append((path.name, scoring.load_rubric(path.read_text(encoding="utf-8"), path.name).name))
        except scoring.RubricError:  # pragma: no cover — shipped files are checked by their own tests
            continue
    return out


def _refuse_duplicate(office_id: int, source: str) -> None:
    import hashlib

    sha = hashlib.sha256(source.encode()).hexdigest()
    same = db.session.scalars(select(Rubric).where(Rubric.office_id == office_id, Rubric.sha256 == sha)).first()
    if same is not None:
        raise RubricsError(f"内容与已存的“{same.name}”第{same.version}版完全相同，未重复保存。", "file")


def upload(office_id: int, data: bytes, filename: str, *, actor=None) -> Rubric:
    """Store an uploaded YAML file as the next version of its family (raises RubricError with every problem)."""
    try:
        filename = check_upload_name(filename or "rubric.yaml")  # the one file-name rule of every upload
    except UploadNameError as exc:
        raise RubricsError(str(exc), "file") from None
    if len(data) > MAX_UPLOAD_BYTES:
        raise RubricsError(f"文件过大（上限{MAX_UPLOAD_BYTES // 1024} KB）。", "file")
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RubricsError("文件不是 UTF-8 编码的文本，请另存为 UTF-8 后重新上传。", "file") from None
    if not source.strip():
        raise RubricsError("文件是空的。", "file")
    _refuse_duplicate(office_id, source)
    # store_rubric parses first and raises RubricError (every problem) before anything is written
    return store.store_rubric(office_id, source, filename=filename or "rubric.yaml", actor=actor)


def add_shipped(office_id: int, name: str, *, actor=None) -> Rubric:
    names = [n for n, _ in shipped_files()]
    if name not in names:
        raise RubricsError("请选择平台提供的考核细则。", "name")
    source = store.shipped_source(name)
    _refuse_duplicate(office_id, source)
    return store.store_rubric(office_id, source, filename=name, actor=actor)


@dataclass
class VersionInfo:
    row: Rubric
    campaigns: list[Campaign]
    file_version: int  # the ``version:`` written inside the YAML


@dataclass
class Family:
    family: str
    name: str
    versions: list[VersionInfo]  # newest first


def families(office_id: int) -> list[Family]:
    """Every rubric family of the office with its versions (newest first) and the campaigns using each."""
    rows = db.session.scalars(select(Rubric).where(Rubric.office_id == office_id)
                              .order_by(Rubric.family, Rubric.version.desc())).all()
    used: dict[int, list[Campaign]] = {}
    for c in db.session.scalars(select(Campaign).where(Campaign.office_id == office_id).order_by(Campaign.year.desc(),
                                                                                              Campaign.id)):
        used.setdefault(c.rubric_id, []).append(c)
    out: dict[str, Family] = {}
    for r in rows:
        fam = out.setdefault(r.family, Family(r.family, r.name, []))
        fam.versions.append(VersionInfo(r, used.get(r.id, []), file_version(r)))
    return list(out.values())


def file_version(row: Rubric) -> int:
    """The ``version:`` written in the stored YAML (read from the text; parsing every version would be slow)."""
    import re

    m = re.search(r"^version:\s*(\d+)\s*(?:#.*)?$", row.source, re.M)
    return int(m.group(1)) if m else row.version


def campaigns_using(row: Rubric) -> list[Campaign]:
    return list(db.session.scalars(select(Campaign).where(Campaign.office_id == row.office_id,
                                                          Campaign.rubric_id == row.id).order_by(Campaign.id)))


def download_name(row: Rubric) -> str:
    return f"{row.family}-v{row.version}.yaml"
