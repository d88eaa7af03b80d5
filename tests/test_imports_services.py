"""Imports services: summary → proposals → decisions through the self-assessment service; annual reports
parsed, checked (including last year's carry-over), stored, and their figures proposed for indicators."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from assess.imports import services
from assess.models import AnnualReport, AuditEntry, CampaignState, Evidence, EvidenceKind, SubmissionState
from assess.selfassessment import services as sa
from tests.campaign_world import make_campaign, submission_of
from tests.imports_world import SUMMARY, docx_bytes, report_text


@pytest.fixture()
def sub(db, tenant_a):
    return submission_of(make_campaign(tenant_a), tenant_a.dept_a)


@pytest.fixture()
def editor(tenant_a):
    return tenant_a.users["dept_editor"]


def _figures(fi):
    return {(f["indicator_code"], f["name"]): f for f in json.loads(fi.proposals)["figures"]}


def test_summary_proposals_are_stored_and_the_form_untouched(db, sub, editor):
    fi = services.import_summary(sub, actor=editor, filename="总结.txt", data=SUMMARY.encode("utf-8"))
    figs = _figures(fi)
    assert figs[("C1", "items_published")]["value"] == "246"
    assert figs[("E1", "received")]["value"] == "3" and figs[("E1", "received")]["unit"] == "件"
    assert "收到申请3件" in figs[("E1", "received")]["source_sentence"]
    assert figs[("E4", "reply_rate")]["value"] == "97"
    assert sa.answers_of(sub) == {}  # nothing in the form before a decision
    db.session.refresh(sub)
    assert sub.state == SubmissionState.NOT_STARTED
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "import.summary")).first()


def test_gbk_text_and_docx_are_read(db, sub, editor):
    fi = services.import_summary(sub, actor=editor, filename="gbk.txt", data=SUMMARY.encode("gbk"))
    assert _figures(fi)[("C1", "items_published")]["value"] == "246"
    fi = services.import_summary(sub, actor=editor, filename="总结.docx", data=docx_bytes(SUMMARY))
    assert _figures(fi)[("E1", "received")]["value"] == "3"


def test_qualifier_is_kept(db, sub, editor):
    text = "四、新媒体\n全年通过微信公众号推送约300条信息，每周推送超过5条。"
    fi = services.import_summary(sub, actor=editor, filename="q.txt", data=text.encode("utf-8"))
    quals = [f["qualifier"] for f in json.loads(fi.proposals)["figures"]]
    assert any(q in ("约", "超过") for q in quals)
    f = next(f for f in json.loads(fi.proposals)["figures"] if f["qualifier"])
    assert f["printed"].startswith(f["qualifier"]) or f["printed"].endswith(f["qualifier"])


@pytest.mark.parametrize("filename,data,code", [
    ("empty.txt", b"", "empty"),
    ("scan.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", None),
    ("bad.docx", b"PK\x03\x04 not really a zip", "corrupt"),
    ("latin.txt", bytes(range(128, 256)) * 20, None),
])
def test_bad_files_give_the_extraction_message_and_touch_nothing(db, sub, editor, filename, data, code):
    with pytest.raises(services.ImportsError) as exc:
        services.import_summary(sub, actor=editor, filename=filename, data=data)
    assert exc.value.field == "file" and str(exc.value)
    if code:
        assert exc.value.code == code
    assert sa.answers_of(sub) == {}


def test_unsupported_type_is_refused(db, sub, editor):
    with pytest.raises(services.ImportsError) as exc:
        services.import_summary(sub, actor=editor, filename="x.exe", data=b"MZ")
    assert "不支持" in str(exc.value)


def test_other_departments_and_viewers_cannot_import(db, sub, tenant_a):
    for key in ("dept_b_editor", "dept_viewer", "office_admin"):
        with pytest.raises(services.ImportsError):
            services.import_summary(sub, actor=tenant_a.users[key], filename="s.txt", data=SUMMARY.encode())


def test_accept_correct_reject_reach_the_form_unconfirmed(db, sub, editor):
    sa.save_answer(sub, "E1", actor=editor, inputs={"received": "9"}, explanation="SECRET-DEPT-A 说明")
    fi = services.import_summary(sub, actor=editor, filename="s.txt", data=SUMMARY.encode("utf-8"))
    version = sa.answers_of_code(sub, "E1").version_id
    passage = json.loads(fi.proposals)["by_indicator"]["E1"][0]
    result = services.decide(fi, "E1", actor=editor, figures={
        "received": ("accept", ""), "answered_on_time": ("correct", "2")},
        passages=[f"{passage['start']}-{passage['end']}"], expected_version=version)
    assert result.accepted == ["answered_on_time", "received"] and result.attached == 1
    answer = sa.answers_of_code(sub, "E1")
    assert sa.stored_inputs(answer) == {"received": "3", "answered_on_time": "2"}
    assert answer.explanation == "SECRET-DEPT-A 说明"  # the rest of the answer is kept
    assert answer.carried_over is True  # imported: unconfirmed until confirmed in the form
    assert answer.suggested_score is not None
    status = sa.progress(sub).statuses["E1"]
    assert not status.complete
    ev = db.session.scalars(select(Evidence).where(Evidence.kind == EvidenceKind.EXCERPT)).one()
    assert ev.indicator_code == "E1" and ev.owner_id == sub.id and passage["text"] in ev.text
    decisions = json.loads(fi.decisions)["E1"]
    assert decisions["figures"]["answered_on_time"]["decision"] == "correct"
    # the editor confirms in the form (the self-assessment's own function)
    sa.confirm_carried_over(sub, "E1", actor=editor)
    assert sa.answers_of_code(sub, "E1").carried_over is False
    # reject records the decision and leaves the form alone
    services.decide(fi, "C1", actor=editor, figures={"items_published": ("reject", "")})
    assert sa.answers_of_code(sub, "C1") is None
    assert json.loads(fi.decisions)["C1"]["figures"]["items_published"]["decision"] == "reject"
    # attaching the same passage twice adds nothing
    again = services.decide(fi, "E1", actor=editor, figures={},
                            passages=[f"{passage['start']}-{passage['end']}"])
    assert again.attached == 0


def test_invalid_correction_is_an_error_at_the_field_and_nothing_is_saved(db, sub, editor):
    fi = services.import_summary(sub, actor=editor, filename="s.txt", data=SUMMARY.encode("utf-8"))
    with pytest.raises(services.ImportsError) as exc:
        services.decide(fi, "E1", actor=editor, figures={"received": ("correct", "三件")})
    assert "fig-received" in exc.value.errors
    with pytest.raises(services.ImportsError) as exc:
        services.decide(fi, "E1", actor=editor, figures={"received": ("correct", "2.5")})
    assert "fig-received" in exc.value.errors  # the form's own validation (integer)
    with pytest.raises(services.ImportsError) as exc:
        services.decide(fi, "E1", actor=editor, figures={"received": ("correct", "-1")})
    assert "fig-received" in exc.value.errors
    assert sa.answers_of_code(sub, "E1") is None


def test_stale_version_is_a_conflict(db, sub, editor, tenant_a):
    fi = services.import_summary(sub, actor=editor, filename="s.txt", data=SUMMARY.encode("utf-8"))
    sa.save_answer(sub, "C1", actor=tenant_a.users["dept_admin"], inputs={"items_published": "100"})
    with pytest.raises(sa.AnswerConflict):
        services.decide(fi, "C1", actor=editor, figures={"items_published": ("accept", "")}, expected_version=0)
    assert sa.stored_inputs(sa.answers_of_code(sub, "C1")) == {"items_published": "100"}


def test_unknown_names_and_passages_are_refused(db, sub, editor):
    fi = services.import_summary(sub, actor=editor, filename="s.txt", data=SUMMARY.encode("utf-8"))
    with pytest.raises(services.ImportsError):
        services.decide(fi, "E1", actor=editor, figures={"invented": ("accept", "")})
    with pytest.raises(services.ImportsError):
        services.decide(fi, "E1", actor=editor, figures={}, passages=["0-99999"])
    with pytest.raises(services.ImportsError):
        services.decide(fi, "ZZ", actor=editor, figures={})


def test_decisions_refused_once_submitted(db, sub, editor, tenant_a):
    fi = services.import_summary(sub, actor=editor, filename="s.txt", data=SUMMARY.encode("utf-8"))
    sub.state = SubmissionState.SUBMITTED
    db.session.flush()
    with pytest.raises(services.ImportsError):
        services.decide(fi, "E1", actor=editor, figures={"received": ("accept", "")})


def test_review_view_highlights_the_figure_in_its_sentence(db, sub, editor):
    fi = services.import_summary(sub, actor=editor, filename="s.txt", data=SUMMARY.encode("utf-8"))
    views = {v.code: v for v in services.review_view(fi)}
    f = next(f for f in views["E1"].figures if f.name == "received")
    assert ("3件", "figure") in f.segments and "".join(t for t, _k in f.segments) == f.source
    assert views["E1"].passages


def test_units_are_converted_to_the_rubric_unit():
    assert services.in_spec_unit(Decimal("34560000"), "万元") == Decimal("3456")
    assert services.in_spec_unit(Decimal("5"), "件") == Decimal("5")


# --- annual reports ------------------------------------------------------------------------------------


def test_report_upload_checks_and_carry_over(db, tenant_a, editor):
    dept = tenant_a.dept_a
    r2023 = services.upload_report(dept, actor=editor, filename="2023.txt",
                                   data=report_text(2023, carried_out=1).encode("utf-8"))
    assert r2023.year == 2023 and r2023.failure_count == 0 and r2023.checked_against_id is None
    # 2024 says 上年结转 0 although 2023 carried 1 over: named by table, row, column and numbers
    r2024 = services.upload_report(dept, actor=editor, filename="2024.txt",
                                   data=report_text(2024, carried_in=0).encode("utf-8"))
    failures = services.failures_of(r2024)
    assert r2024.checked_against_id == r2023.id
    carry = [f for f in failures if f["check"] == "carry_over"]
    assert carry and carry[0]["row"] == "上年结转政府信息公开申请数量" and carry[0]["column"] in ("自然人", "总计")
    assert "1" in carry[0]["message"] and "0" in carry[0]["message"]
    # a corrected 2023 (carried over 0) makes the stored 2024 pass: next year is re-checked
    services.upload_report(dept, actor=editor, filename="2023b.txt",
                           data=report_text(2023, carried_out=0, new_natural=4).encode("utf-8"))
    db.session.refresh(r2024)
    assert r2024.failure_count == 0
    assert len(db.session.scalars(select(AnnualReport)).all()) == 2  # the 2023 upload replaced


def test_report_arithmetic_error_is_named(db, tenant_a, editor):
    text = report_text(2024).replace("（七）总计   4   1   0   0   0   0   5", "（七）总计   4   1   0   0   0   0   7")
    row = services.upload_report(tenant_a.dept_a, actor=editor, filename="bad.txt", data=text.encode("utf-8"))
    failures = services.failures_of(row)
    assert row.failure_count == len(failures) >= 2
    assert any(f["check"] == "row_sum" and f["row"] == "（七）总计" and f["expected"] == "5" and f["actual"] == "7"
               for f in failures)


def test_report_refusals(db, tenant_a, editor):
    with pytest.raises(services.ImportsError) as exc:
        services.upload_report(tenant_a.dept_a, actor=editor, filename="x.txt", data="这是一份会议纪要。".encode())
    assert exc.value.code == "not_annual_report"
    with pytest.raises(services.ImportsError) as exc:
        services.upload_report(tenant_a.dept_a, actor=editor, filename="x.txt",
                               data=report_text(2024).encode(), year="2023")
    assert exc.value.field == "year"
    with pytest.raises(services.ImportsError) as exc:
        services.upload_report(tenant_a.dept_a, actor=editor, filename="x.txt", data=b"x", year="abc")
    assert exc.value.field == "year"
    with pytest.raises(services.ImportsError):
        services.upload_report(tenant_a.dept_a, actor=tenant_a.users["dept_b_editor"], filename="x.txt",
                               data=report_text(2024).encode())


def test_report_figures_feed_the_indicators_that_name_them(db, sub, tenant_a, editor):
    row = services.upload_report(tenant_a.dept_a, actor=editor, filename="2024.txt",
                                 data=report_text(2024).encode("utf-8"))
    rubric = sa.rubric_of(sub.campaign)
    mapping = services.report_mapping(rubric)
    assert ("requests_received", "E1", "received") in mapping
    assert ("overturned", "E3", "overturned") in mapping
    fi = services.import_report_figures(row, sub, actor=editor)
    figs = _figures(fi)
    assert figs[("E1", "received")]["value"] == "6" and figs[("E3", "overturned")]["value"] == "0"
    assert "表三" in figs[("E1", "received")]["source_sentence"]
    assert sa.answers_of(sub) == {}
    services.decide(fi, "E3", actor=editor, figures={"overturned": ("accept", "")})
    assert sa.stored_inputs(sa.answers_of_code(sub, "E3")) == {"overturned": "0"}


def test_overview_lists_every_department(db, tenant_a, editor):
    services.upload_report(tenant_a.dept_a, actor=editor, filename="2024.txt", data=report_text(2024).encode())
    years, rows = services.overview(tenant_a.office.id)
    assert years == [2024]
    by_name = {r.department.name: r for r in rows}
    assert by_name[tenant_a.dept_a.name].cells[2024].failure_count == 0
    assert by_name[tenant_a.dept_b.name].cells == {}


def test_report_tables_flag_failed_cells(db, tenant_a, editor):
    text = report_text(2024).replace("（七）总计   4   1   0   0   0   0   5", "（七）总计   4   1   0   0   0   0   7")
    row = services.upload_report(tenant_a.dept_a, actor=editor, filename="bad.txt", data=text.encode())
    t = services.report_tables(row)
    total = next(r for r in t["requests"] if r["key"] == "total")
    assert total["cells"][-1][0] == Decimal(7) and total["cells"][-1][1]


def test_campaign_not_in_self_assessment_refuses(db, tenant_a, editor):
    c = make_campaign(tenant_a, state=CampaignState.REVIEW, name="AAA 评审中", year=2025)
    s = submission_of(c, tenant_a.dept_a)
    with pytest.raises(services.ImportsError):
        services.import_summary(s, actor=editor, filename="s.txt", data=SUMMARY.encode())


def test_passages_name_their_place(db, sub, editor):
    fi = services.import_summary(sub, actor=editor, filename="s.txt", data=SUMMARY.encode("utf-8"))
    views = {v.code: v for v in services.review_view(fi)}
    places = [p.place for p in views["E1"].passages]
    assert any("二、依申请公开" in p and p.startswith("第") for p in places)
    assert services.place_in_text("一、甲\n正文\n", 4) == "第2段（一、甲）"
    assert services.place_in_text("", None) == ""


def _pdf(body: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<html><body style=\"font-family:'Noto Serif CJK SC'\">{body}</body></html>").write_pdf()


def test_text_layer_pdf_summary(db, sub, editor):
    html = "".join(f"<p>{line}</p>" for line in SUMMARY.splitlines() if line.strip())
    fi = services.import_summary(sub, actor=editor, filename="总结.pdf", data=_pdf(html))
    figs = _figures(fi)
    assert figs[("C1", "items_published")]["value"] == "246" and figs[("E1", "received")]["value"] == "3"


def test_scanned_and_password_protected_pdfs_are_refused_with_their_message(db, sub, editor):
    import io

    import pypdf
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (300, 400), "white").save(buf, format="PDF")
    with pytest.raises(services.ImportsError) as exc:
        services.import_summary(sub, actor=editor, filename="扫描件.pdf", data=buf.getvalue())
    assert exc.value.code == "scanned_pdf" and "文字层" in str(exc.value)
    writer = pypdf.PdfWriter()
    for page in pypdf.PdfReader(io.BytesIO(_pdf("<p>公开信息246条</p>"))).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    buf = io.BytesIO()
    writer.write(buf)
    with pytest.raises(services.ImportsError) as exc:
        services.import_summary(sub, actor=editor, filename="加密.pdf", data=buf.getvalue())
    assert exc.value.code == "encrypted_pdf" and "密码" in str(exc.value)
    assert sa.answers_of(sub) == {}


def test_html_and_docx_reports(db, tenant_a, tenant_b, editor, tmp_path):
    from pathlib import Path

    from tests.extraction_eval import make_docs
    from tests.imports_world import EVAL

    data = (EVAL / "reports" / "jiaotong-2022.html").read_bytes()
    row = services.upload_report(tenant_a.dept_a, actor=editor, filename="jiaotong-2022.html", data=data, year="2022")
    assert row.year == 2022 and row.format_version in ("2021", "2019")
    manifest = [m for m in make_docs.make_all(tmp_path, {"docx"}) if not m.get("expect_error")]
    clean = next(m for m in manifest if not m["errors"] and not m.get("previous"))
    planted = next(m for m in manifest if m["errors"] and not m.get("previous"))
    for m, dept, actor in ((clean, tenant_b.dept_a, tenant_b.users["dept_editor"]),
                           (planted, tenant_a.dept_b, tenant_a.users["dept_b_editor"])):
        path = Path(m["file"])
        row = services.upload_report(dept, actor=actor, filename=path.name, data=path.read_bytes())
        assert (row.failure_count == 0) == (m is clean), (m["id"], services.failures_of(row))


def test_accept_with_an_edited_number_is_a_correction(db, sub, editor):
    fi = services.import_summary(sub, actor=editor, filename="s.txt", data=SUMMARY.encode("utf-8"))
    services.decide(fi, "C1", actor=editor, figures={"items_published": ("accept", "250")})
    assert sa.stored_inputs(sa.answers_of_code(sub, "C1")) == {"items_published": "250"}
    assert json.loads(fi.decisions)["C1"]["figures"]["items_published"]["decision"] == "correct"


def test_report_tables_show_a_merged_other_row(db, tenant_a, editor):
    """A 2021 report printing （六）其他处理 as one row: the page shows that row (issue 17)."""
    lines = report_text(2024).splitlines()
    i = next(i for i, x in enumerate(lines) if x.startswith("（六）其他处理"))
    j = next(i for i, x in enumerate(lines) if x.startswith("（七）总计"))
    lines[i:j] = ["（六）其他处理   0   0   0   0   0   0   0"]
    row = services.upload_report(tenant_a.dept_a, actor=editor, filename="2024.txt", data="\n".join(lines).encode())
    assert [f["check"] for f in services.failures_of(row)] == ["merged_other"]
    keys = [r["key"] for r in services.report_tables(row)["requests"]]
    assert "other" in keys and "other_1" not in keys
    assert keys.index("other") == keys.index("total") - 1
