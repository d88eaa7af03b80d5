"""Consistent backups (database rows + stored files) and restore into an empty installation.

The backup is a ZIP: ``manifest.json`` (format, schema revision, row counts, file checksums),
``tables/<table>.jsonl`` (one JSON object per row, values typed by the column) and ``files/<key>``.
Rows are read inside one snapshot (REPEATABLE READ on PostgreSQL, one read transaction on SQLite in
WAL mode), so a backup taken while the app runs is consistent. Stored files are immutable once written
(generated names), so copying them after the snapshot yields every file the rows refer to. Files are
copied in chunks (from the local folder or the object store), never whole in memory. The format is
database-neutral: a SQLite backup restores into PostgreSQL and back, a local-folder backup into S3.
"""
from __future__ import annotations

import base64
import enum
import hashlib
import json
import zipfile
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import Date, DateTime, Enum, LargeBinary, Numeric, Table, func, insert, inspect, select, text

from .extensions import db
from .storage import CHUNK, get_storage

FORMAT = "assess-backup/1"


class BackupError(RuntimeError):
    pass


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _decoder(column) -> Callable[[Any], Any]:
    t = column.type
    impl = getattr(t, "impl", t)
    if isinstance(t, Enum) and t.enum_class is not None:
        return lambda v: t.enum_class(v)
    if isinstance(impl, DateTime):
        return datetime.fromisoformat
    if isinstance(impl, Date):
        return date.fromisoformat
    if isinstance(impl, Numeric):
        return Decimal
    if isinstance(impl, LargeBinary):
        return base64.b64decode
    return lambda v: v


def _tables() -> list[Table]:
    return list(db.metadata.sorted_tables)


def _revision(conn) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None  # schema made by create_all (tests)
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def make_backup(path: str | Path) -> dict:
    """Write a backup ZIP to ``path``; returns the manifest."""
    path = Path(path)
    engine = db.engine
    counts: dict[str, int] = {}
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
        with engine.connect().execution_options(**options) as conn:
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    conn.execute(text("SET TRANSACTION READ ONLY"))
                revision = _revision(conn)
                for table in _tables():
                    order = [c for c in table.primary_key.columns] or list(table.columns)
                    n = 0
                    with zf.open(f"tables/{table.name}.jsonl", "w") as out:
                        for row in conn.execute(select(table).order_by(*order)).mappings():
                            line = json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False)
                            out.write(line.encode() + b"\n")
                            n += 1
                    counts[table.name] = n
        storage = get_storage()
        files: dict[str, str] = {}
        for key in storage.keys():
            # copied in chunks: the store may hold files larger than the memory of the machine taking it
            digest = hashlib.sha256()
            with zf.open(f"files/{key}", "w", force_zip64=True) as out:
                for chunk in storage.stream(key):
                    digest.update(chunk)
                    out.write(chunk)
            files[key] = digest.hexdigest()
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(timezone.utc).isoformat(),
            "dialect": engine.dialect.name,
            "revision": revision,
            "tables": counts,
            "files": files,
        }
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    tmp.replace(path)
    return manifest


def restore_backup(path: str | Path) -> dict:
    """Restore a backup into an empty installation (schema present, no rows, no files)."""
    with zipfile.ZipFile(path) as zf:
        try:
            manifest = json.loads(zf.read("manifest.json"))
        except KeyError as exc:
            raise BackupError("not an Assess backup: manifest.json missing") from exc
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unsupported backup format: {manifest.get('format')!r}")
        engine = db.engine
        with engine.begin() as conn:
            revision = _revision(conn)
            if manifest.get("revision") and revision and manifest["revision"] != revision:
                raise BackupError(f"schema revision {revision} differs from the backup's {manifest['revision']}; "
                                  "upgrade or downgrade first")
            for table in _tables():
                if conn.execute(select(func.count()).select_from(table)).scalar():
                    raise BackupError(f"the database is not empty (table {table.name}); restore needs an empty one")
            for table in _tables():
                name = f"tables/{table.name}.jsonl"
                if name not in zf.namelist():
                    continue
                decoders = {c.name: _decoder(c) for c in table.columns}
                batch: list[dict] = []
                with zf.open(name) as fh:
                    for raw in fh:
                        row = json.loads(raw)
                        batch.append({k: (None if v is None else decoders[k](v)) for k, v in row.items()
                                      if k in decoders})
                        if len(batch) >= 1000:
                            conn.execute(insert(table), batch)
                            batch = []
                if batch:
                    conn.execute(insert(table), batch)
            if engine.dialect.name == "postgresql":
                for table in _tables():
                    pk = list(table.primary_key.columns)
                    if len(pk) == 1 and pk[0].autoincrement is not False and pk[0].type.python_type is int:
                        conn.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                            f"COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 0) + 1, false)"))
        storage = get_storage()
        for key, digest in manifest["files"].items():
            # checked in a first pass, then copied in a second (both in chunks): nothing damaged is stored
            check = hashlib.sha256()
            with zf.open(f"files/{key}") as fh:
                while chunk := fh.read(CHUNK):
                    check.update(chunk)
            if check.hexdigest() != digest:
                raise BackupError(f"file {key} is damaged in the backup (checksum mismatch)")
            with zf.open(f"files/{key}") as fh:
                storage.put(key, fh)
    return manifest
