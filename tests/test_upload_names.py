"""One file-name rule for every upload path (issue 15): ``assess.uploads.check_upload_name``.

A name with a right-to-left override (U+202E: ``报告‮xcod.exe`` shows as ``报告exe.docx``), another
invisible format or control character, a path or an overlong name is refused at the file field by every
path that keeps or shows an uploaded file's name: evidence (self-assessment, review, rectification, the
offline workbook: all through ``evidence.services.check_file``), the annual report and the year-end summary
imports, the rubric upload and the department import.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from assess.models import AnnualReport, FigureImport, Rubric
from assess.uploads import UploadNameError, check_upload_name
from tests.campaign_world import make_campaign, submission_of
from tests.imports_world import SUMMARY, report_text

RTL = "\u202e"
BAD_NAMES = [f"2024年报{RTL}txt.exe", "年报\u200b.txt", "a/b.txt", "..\\年报.txt", "年报\x07.txt", "长" * 201 + ".txt"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_the_rule(name):
    with pytest.raises(UploadNameError):
        check_upload_name(name)


def test_ordinary_names_pass():
    for name in ("2024年度政府信息公开工作年度报告.docx", "report (final) v2.PDF", "年报 2024.txt"):
        assert check_upload_name(f"  {name} ") == name


def _message(name):
    with pytest.raises(UploadNameError) as exc:
        check_upload_name(name)
    return str(exc.value)


@pytest.mark.parametrize("name", BAD_NAMES)
def test_annual_report_upload(db, tenant_a, name):
    from assess.imports import services

    with pytest.raises(services.ImportsError) as exc:
        services.upload_report(tenant_a.dept_a, actor=tenant_a.users["dept_editor"], filename=name,
                               data=report_text(2024).encode("utf-8"))
    assert exc.value.field == "file" and str(exc.value) == _message(name)
    assert db.session.scalar(select(func.count()).select_from(AnnualReport)) == 0


def test_annual_report_upload_page_shows_it_at_the_field(client, login, db, tenant_a):
    import io

    login(tenant_a.users["dept_editor"].username)
    resp = client.post("/imports/reports", data={"year": "2024", "file": (io.BytesIO(report_text(2024).encode()),
                                                                        f"年报{RTL}txt.exe")},
                       content_type="multipart/form-data")
    assert resp.status_code in (200, 422) and _message(f"年报{RTL}txt.exe") in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AnnualReport)) == 0


def test_summary_import(db, tenant_a):
    from assess.imports import services

    sub = submission_of(make_campaign(tenant_a), tenant_a.dept_a)
    with pytest.raises(services.ImportsError) as exc:
        services.import_summary(sub, actor=tenant_a.users["dept_editor"], filename=f"总结{RTL}txt.exe",
                                data=SUMMARY.encode("utf-8"))
    assert exc.value.field == "file" and str(exc.value) == _message(f"总结{RTL}txt.exe")
    assert db.session.scalar(select(func.count()).select_from(FigureImport)) == 0


def test_evidence_files(app):
    from assess.evidence.services import EvidenceError, check_file

    with pytest.raises(EvidenceError) as exc:
        check_file(f"佐证{RTL}fdp.exe", b"%PDF-1.4 x")
    assert exc.value.field == "file" and str(exc.value) == _message(f"佐证{RTL}fdp.exe")


def test_rubric_upload(db, tenant_a):
    from assess.rubrics import store, versions

    source = store.shipped_source("county-annual-2026.yaml").encode("utf-8")
    with pytest.raises(versions.RubricsError) as exc:
        versions.upload(tenant_a.office.id, source, f"细则{RTL}lmay.exe", actor=tenant_a.users["office_admin"])
    assert str(exc.value) == _message(f"细则{RTL}lmay.exe")
    assert db.session.scalar(select(func.count()).select_from(Rubric)) == 0


def test_department_import(db, tenant_a):
    from assess.admin import importing

    preview = importing.parse_departments(tenant_a.office, "部门名称,分组\n县档案馆,AAA县直部门\n".encode(),
                                          f"部门{RTL}vsc.exe")
    assert not preview.ok and [str(p.message) for p in preview.problems] == [_message(f"部门{RTL}vsc.exe")]
