"""Backup while data exists, restore into an empty installation, compare every row and every file."""
from __future__ import annotations

import hashlib

from sqlalchemy import select

from assess import create_app
from assess.backup import BackupError, _encode, make_backup, restore_backup
from assess.extensions import db
from assess.storage import get_storage
from tests.dbutil import fresh_database_url




def _app(tmp_path, suffix):
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_database_url(tmp_path, suffix), "SECRET_KEY": "x", "TESTING": True,
                      "STORAGE_DIR": str(tmp_path / f"storage-{suffix}"), "PASSWORD_HASH_FAST": True})
    with app.app_context():
        db.create_all()
    return app


def _snapshot():
    rows = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns)
        rows[table.name] = [
            {k: _encode(v) for k, v in r.items()} for r in db.session.execute(select(table).order_by(*order)).mappings()
        ]
    files = {k: hashlib.sha256(get_storage().get(k)).hexdigest() for k in get_storage().keys()}
    return rows, files


def test_backup_and_restore_reproduce_every_row_and_file(tmp_path):
    from assess.demo import create_demo

    source = _app(tmp_path, "src")
    with source.app_context():
        create_demo(departments=6, seed=3)  # the lived-in demo: evidence files and issued PDFs in storage
        get_storage().put("evidence/ab/cdef.pdf", b"%PDF-1.7 demo evidence \x00\xff")
        get_storage().put("seals/1.png", b"\x89PNG fake seal")
        db.session.commit()
        before = _snapshot()
        manifest = make_backup(tmp_path / "backup.zip")
        assert manifest["tables"]["departments"] == 7
        assert set(manifest["files"]) == set(before[1]) and {"evidence/ab/cdef.pdf", "seals/1.png"} <= set(before[1])
        assert manifest["tables"]["issued_documents"] > 0 and manifest["tables"]["rectification_items"] > 0
        db.session.remove()
        db.engine.dispose()

    target = _app(tmp_path, "dst")
    with target.app_context():
        restore_backup(tmp_path / "backup.zip")
        after = _snapshot()
        assert after == before
        # the restored installation keeps working: new rows get fresh ids
        from assess.admin import services
        from assess.models import Office

        office = db.session.scalars(select(Office).filter_by(code="demo-county")).one()
        group = services.office_groups(office.id)[0]
        services.create_department(office, "恢复后新增部门", group, actor=None)
        db.session.commit()
        # a second restore is refused: the installation is no longer empty
        try:
            restore_backup(tmp_path / "backup.zip")
        except BackupError as exc:
            assert "not empty" in str(exc)
        else:
            raise AssertionError("restore into a non-empty database must be refused")
        db.session.remove()
        db.engine.dispose()


def test_damaged_backup_is_refused(tmp_path):
    import zipfile

    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("hello.txt", "not a backup")
    app = _app(tmp_path, "bad")
    with app.app_context():
        try:
            restore_backup(bad)
        except BackupError as exc:
            assert "manifest" in str(exc)
        else:
            raise AssertionError("expected BackupError")
        db.engine.dispose()
