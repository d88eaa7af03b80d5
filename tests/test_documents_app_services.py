"""Documents in the application, service level: numbering, issuing and immutability, contexts from the
ranking, settings and seal, circular drafts, ZIP, jobs and the CLI."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import threading
import zipfile
from decimal import Decimal

import pdfplumber
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from assess.clock import local_today
from assess.documents import builders, jobs, services
from assess.documents.builders import DocumentError
from assess.documents.official import format_score
from assess.documents.samples import sample_seal_png
from assess.extensions import db as _db
from assess.models import (AuditEntry, DocumentCounter, DocumentJob, DocumentKind, IssuedDocument, JobState,
                           NoticeState, Office)
from assess.ranking.services import compute_ranking
from tests.test_documents_app_support import configure_office, notice_of, published_campaign


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(p.extract_text() or "" for p in doc.pages)


def _audit(office_id: int, action: str) -> list[AuditEntry]:
    return list(_db.session.scalars(select(AuditEntry).where(AuditEntry.office_id == office_id,
                                                             AuditEntry.action == action)))


def _target(kind, campaign, dept=None, notice=None):
    return services.Target(kind, campaign, dept.id if dept is not None else None, notice)


# --------------------------------------------------------------------------- numbering


def test_numbers_run_per_office_and_year(db, tenant_a, tenant_b):
    a, b = tenant_a.office.id, tenant_b.office.id
    assert [services.allocate_number(a, 2026) for _ in range(3)] == [1, 2, 3]
    assert services.allocate_number(b, 2026) == 1
    assert services.allocate_number(a, 2027) == 1
    assert services.allocate_number(a, 2026) == 4
    counters = db.session.scalars(select(DocumentCounter).where(DocumentCounter.office_id == a)).all()
    assert {(c.year, c.last_seq) for c in counters} == {(2026, 4), (2027, 1)}


def test_concurrent_allocation_cannot_duplicate(app):
    """Six transactions on their own connections allocate at once: 30 numbers, no duplicate, no gap."""
    from sqlalchemy.orm import Session

    with app.app_context():
        engine = _db.engine
        with Session(engine) as s:
            office = Office(code="documents-concurrency", name="并发测试公开办")
            s.add(office)
            s.commit()
            oid = office.id
        got: list[int] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(6)

        def worker():
            try:
                with Session(engine) as s:
                    barrier.wait()
                    for _ in range(5):
                        seq = services.allocate_number(oid, 2031, session=s)
                        s.commit()
                        got.append(seq)
            except BaseException as exc:  # noqa: BLE001 — reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(6)]
        try:
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert not errors, errors
            assert sorted(got) == list(range(1, 31))
        finally:
            with Session(engine) as s:
                s.execute(delete(DocumentCounter).where(DocumentCounter.office_id == oid))
                s.execute(delete(Office).where(Office.id == oid))
                s.commit()


def test_unique_constraint_backs_the_counter(db, tenant_a):
    c = published_campaign(tenant_a, notices=False)
    doc = services.issue(_target(DocumentKind.CIRCULAR, c), tenant_a.office, actor=None)
    clone = IssuedDocument(office_id=doc.office_id, kind=DocumentKind.NOTICE, campaign_id=c.id, year=doc.year,
                           seq=doc.seq, number=doc.number, title="x", issuer_name="x", context="{}",
                           storage_key="x", sha256="0" * 64, size=1, verify_code="2222-2222-2222")
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(clone)
            db.session.flush()


# --------------------------------------------------------------------------- issuing and immutability


def test_issue_circular_freezes_number_text_bytes(app, db, tenant_a):
    c = published_campaign(tenant_a, notices=False)
    office = tenant_a.office
    services.upload_seal(office, sample_seal_png(), actor=None)
    doc = services.issue(_target(DocumentKind.CIRCULAR, c), office, actor=tenant_a.users["office_admin"],
                         today=dt.date(2026, 12, 1))
    assert doc.number == "测公办〔2026〕1号" and doc.seq == 1 and doc.year == 2026
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", doc.verify_code)
    data = services.document_bytes(doc)
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == doc.sha256 and len(data) == doc.size
    text = _text(data)
    assert "测公办〔2026〕1号" in text and doc.verify_code in text and "2026年12月1日" in text
    assert "关于2026年度政务公开工作考核结果的通报" in text
    # the stored context is what was rendered: it rebuilds the same dataclasses (seal included)
    ctx = builders.loads(doc.context)
    assert ctx.letterhead.doc_number == doc.number and ctx.letterhead.seal_png == sample_seal_png()
    assert ctx.verify_url == f"{app.config['PUBLIC_BASE_URL']}/verify?code={doc.verify_code.replace('-', '')}"
    assert builders.dumps(ctx) == doc.context
    # issuing again returns the same document; later edits of settings do not touch it
    office.doc_prefix = "改公办"
    again = services.issue(_target(DocumentKind.CIRCULAR, c), office, actor=None)
    assert again.id == doc.id and services.document_bytes(again) == data
    with pytest.raises(DocumentError, match="已印发"):
        services.save_draft(c, office, {"title": "新", "addressee": "各单位：", "overview": "x"}, actor=None)
    entry = _audit(office.id, "documents.issue")[-1]
    assert entry.object_id == str(doc.id) and doc.sha256 in entry.new


def test_circular_attachment_numbers_equal_compute_ranking(db, tenant_a):
    c = published_campaign(tenant_a, notices=False)
    doc = services.issue(_target(DocumentKind.CIRCULAR, c), tenant_a.office, actor=None)
    ctx = builders.loads(doc.context)
    live = compute_ranking(c)
    assert [(r.department, r.rank, r.total, r.grade) for r in ctx.ranking_rows] == [
        (r.department_name, r.rank, r.total, r.grade) for r in live]
    text = _text(services.document_bytes(doc))
    attachment = text[text.index("附件\n"):] if "附件\n" in text else text
    for r in live:
        line = next(ln for ln in attachment.splitlines() if r.department_name in ln)
        cells = line.split()
        assert cells[0] == str(r.rank) and format_score(r.total) in cells and r.grade in cells
    # grades named per grade in the body, as the ranking has them
    assert ctx.grades == {"良好": tuple(r.department_name for r in live)}


def test_notice_reuses_rectification_context_and_needs_a_sent_notice(db, tenant_a):
    c = published_campaign(tenant_a)
    notice = notice_of(c, tenant_a.dept_a)
    doc = services.issue(_target(DocumentKind.NOTICE, c, tenant_a.dept_a, notice), tenant_a.office, actor=None)
    ctx = builders.loads(doc.context)
    assert ctx.department == notice.department_name and [i.problem for i in ctx.items] == [
        i.problem for i in notice.items]
    assert doc.number.endswith("〔%d〕1号" % doc.year) and doc.source_id == notice.id
    text = _text(services.document_bytes(doc))
    assert doc.number in text and doc.verify_code in text and "AAA甲局" in text
    notice.state = NoticeState.DRAFT
    db.session.flush()
    other = notice_of(c, tenant_a.dept_b)
    other.state = NoticeState.DRAFT
    with pytest.raises(DocumentError, match="草稿"):
        services.issue(_target(DocumentKind.NOTICE, c, tenant_a.dept_b, other), tenant_a.office, actor=None)


def test_scoresheet_every_indicator_subtotals_total_rank(db, tenant_a):
    from assess.rubrics.store import engine_rubric

    c = published_campaign(tenant_a, notices=False)
    doc = services.issue(_target(DocumentKind.SCORESHEET, c, tenant_a.dept_a), tenant_a.office, actor=None)
    assert doc.number == "" and doc.seq is None  # score sheets are forms: no 文号
    ctx = builders.loads(doc.context)
    rubric = engine_rubric(c.rubric)
    assert [r.code for r in ctx.rows][:rubric.indicator_count] == [i.code for a in rubric.areas for i in a.indicators]
    a1 = next(r for r in ctx.rows if r.code == "A1")
    assert (a1.self_score, a1.final_score, a1.problem) == (Decimal(3), Decimal(0), "SECRET-DEPT-A 领导小组未调整")
    row = next(r for r in compute_ranking(c) if r.department_id == tenant_a.dept_a.id)
    assert (ctx.total, ctx.rank, ctx.grade, ctx.group_size) == (row.total, row.rank, row.grade, row.group_size)
    assert [s.final_score for s in ctx.area_subtotals] == [row.areas[a.code] for a in rubric.areas]
    assert ctx.reviewed_by == tenant_a.users["reviewer"].display_name
    text = _text(services.document_bytes(doc))
    assert format_score(row.total) in text and doc.verify_code in text


def test_issue_refusals(db, tenant_a):
    from tests.ranking_world import add_department, make_campaign

    c = make_campaign(tenant_a.office)
    add_department(c, tenant_a.dept_a)
    configure_office(tenant_a.office)
    with pytest.raises(DocumentError, match="排名尚未发布"):
        services.issue(_target(DocumentKind.CIRCULAR, c), tenant_a.office, actor=None)
    c2 = published_campaign(tenant_a, notices=False)
    tenant_a.office.doc_prefix = ""
    with pytest.raises(DocumentError, match="机关代字") as exc:
        services.issue(_target(DocumentKind.CIRCULAR, c2), tenant_a.office, actor=None)
    assert exc.value.field == "doc_prefix"
    assert db.session.scalar(select(func.count()).select_from(IssuedDocument)) == 0


def test_stored_bytes_are_checked(db, tenant_a):
    from assess.storage import get_storage

    c = published_campaign(tenant_a, notices=False)
    doc = services.issue(_target(DocumentKind.SCORESHEET, c, tenant_a.dept_b), tenant_a.office, actor=None)
    get_storage().put(doc.storage_key, b"%PDF-altered")
    with pytest.raises(DocumentError, match="校验值不一致"):
        services.document_bytes(doc)


# --------------------------------------------------------------------------- settings, seal, draft


def test_settings_validated_and_audited(db, tenant_a):
    office = tenant_a.office
    assert services.update_settings(office, {"doc_prefix": "示政公办", "issuer_name": "示范县政务公开办",
                                             "cc_block": "县委办\r\n县人大办"}, actor=None)
    assert office.cc_block == "县委办\n县人大办"
    entry = _audit(office.id, "documents.settings")[-1]
    assert json.loads(entry.new)["doc_prefix"] == "示政公办"
    assert not services.update_settings(office, services.settings_of(office), actor=None)
    for data, field in (({"doc_prefix": "示政〔2026〕"}, "doc_prefix"), ({"issuer_name": "x" * 121}, "issuer_name"),
                        ({"contact": "a\nb"}, "contact")):
        with pytest.raises(DocumentError) as exc:
            services.update_settings(office, data, actor=None)
        assert exc.value.field == field


def test_seal_must_be_a_png(db, tenant_a):
    office = tenant_a.office
    for data, msg in ((b"", "请选择"), (b"GIF89a" + b"0" * 100, "PNG"), (b"\x89PNG\r\n\x1a\n" + b"junk", "无法读取")):
        with pytest.raises(DocumentError, match=msg):
            services.upload_seal(office, data, actor=None)
    key = services.upload_seal(office, sample_seal_png(), actor=None)
    assert office.seal_key == key and services.seal_png(office) == sample_seal_png()
    assert _audit(office.id, "documents.seal")
    services.remove_seal(office, actor=None)
    assert services.seal_png(office) is None


def test_draft_prefilled_saved_and_version_checked(db, tenant_a):
    c = published_campaign(tenant_a, notices=False)
    office = tenant_a.office
    body, row = services.circular_body(c, office)
    assert row is None and body["title"] == "关于2026年度政务公开工作考核结果的通报"
    assert "良好2个" in body["overview"]
    assert "目录不全（涉及2个单位）" in body["problems"]  # most frequent problem first
    assert body["problems"].index("目录不全") < body["problems"].index("领导小组未调整")
    body["achievements"] = "各单位工作扎实。<script>alert(1)</script>"
    saved = services.save_draft(c, office, body, actor=None)
    assert saved.version_id == 1
    with pytest.raises(DocumentError, match="第1版") as exc:
        services.save_draft(c, office, body, actor=None, version=0)
    assert exc.value.field == "title"
    with pytest.raises(DocumentError, match="标题"):
        services.save_draft(c, office, {**body, "title": ""}, actor=None)
    html = services.preview(_target(DocumentKind.CIRCULAR, c), office)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert 'class="draft-mark"' in html and "草稿" in html and "测公办〔" not in html  # a draft has no number


# --------------------------------------------------------------------------- ZIP, jobs, CLI


def _zip_names(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_issue_all_and_zip_contents(db, tenant_a):
    c = published_campaign(tenant_a)
    seen: list[tuple[int, int]] = []
    docs = services.issue_all(c, tenant_a.office, DocumentKind.NOTICE, actor=None,
                              progress=lambda n, t: seen.append((n, t)))
    assert seen == [(1, 2), (2, 2)] and [d.seq for d in docs] == [1, 2]
    files = _zip_names(services.zip_documents(docs))
    pdfs = {n: b for n, b in files.items() if n.endswith(".pdf")}
    assert len(pdfs) == 2
    for d in docs:
        name = services.download_name(d)
        assert pdfs[name] == services.document_bytes(d)
        assert f"{d.number}\t" in files["清单.txt"].decode() and d.sha256 in files["清单.txt"].decode()
    again = services.issue_all(c, tenant_a.office, DocumentKind.NOTICE, actor=None)
    assert [d.id for d in again] == [d.id for d in docs]  # reused, never numbered twice


def test_job_in_a_thread_reports_progress(app, db, tenant_a):
    from assess.storage import get_storage

    c = published_campaign(tenant_a)
    job = jobs.create_job(c, DocumentKind.SCORESHEET, actor=tenant_a.users["office_admin"])
    assert job.total == 2 and job.state == JobState.QUEUED
    db.session.commit()
    app.config["DOCUMENT_JOBS"] = "thread"
    try:
        jobs.dispatch(job.id)
        thread = app.extensions["document_job_threads"].pop()
        thread.join(120)
    finally:
        app.config.pop("DOCUMENT_JOBS")
    db.session.expire_all()
    job = db.session.get(DocumentJob, job.id)
    assert jobs.status(job) | {"id": 0} == {"id": 0, "state": "done", "progress": 2, "total": 2, "percent": 100,
                                            "error": "", "done": True, "failed": False}
    files = _zip_names(get_storage().get(job.result_key))
    assert len([n for n in files if n.endswith(".pdf")]) == 2


def test_job_failure_is_reported(app, db, tenant_a, monkeypatch):
    c = published_campaign(tenant_a)
    job = jobs.create_job(c, DocumentKind.NOTICE, actor=None)
    db.session.commit()

    def boom(*a, **k):
        raise DocumentError("模板出错了", "x")

    monkeypatch.setattr(services, "issue", boom)
    jobs.execute(job.id)
    job = db.session.get(DocumentJob, job.id)
    assert job.state == JobState.FAILED and job.error == "模板出错了" and jobs.status(job)["failed"]


def test_job_refusals(db, tenant_a):
    c = published_campaign(tenant_a, notices=False)
    with pytest.raises(DocumentError, match="没有可生成"):
        jobs.create_job(c, DocumentKind.NOTICE, actor=None)
    with pytest.raises(DocumentError, match="只能批量"):
        jobs.create_job(c, DocumentKind.CIRCULAR, actor=None)


def test_rq_dispatch_enqueues_run_job(app, db, tenant_a, monkeypatch):
    import rq

    c = published_campaign(tenant_a)
    job = jobs.create_job(c, DocumentKind.NOTICE, actor=None)
    db.session.commit()
    calls = []

    class FakeQueue:
        def __init__(self, name, connection):
            calls.append(("queue", name))

        def enqueue(self, func, *args, **kwargs):
            calls.append((func, args))

    monkeypatch.setattr(rq, "Queue", FakeQueue)
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    assert jobs.mode() == "rq"
    jobs.dispatch(job.id)
    assert calls == [("queue", "documents"), (jobs.run_job, (job.id,))]
    jobs.run_job(job.id)  # what the worker runs
    assert db.session.get(DocumentJob, job.id).state == JobState.DONE


def test_cli_circular_and_notices(app, db, tenant_a, tmp_path):
    c = published_campaign(tenant_a)
    db.session.commit()
    runner = app.test_cli_runner()
    out = tmp_path / "c.pdf"
    res = runner.invoke(args=["circular", str(c.id), "-o", str(out), "--user", tenant_a.users["office_admin"].username])
    assert res.exit_code == 0, res.output
    doc = db.session.scalars(select(IssuedDocument).where(IssuedDocument.kind == DocumentKind.CIRCULAR)).one()
    assert out.read_bytes() == services.document_bytes(doc) and doc.number in res.output
    res2 = runner.invoke(args=["circular", str(c.id), "-o", str(tmp_path / "again.pdf")])
    assert res2.exit_code == 0 and (tmp_path / "again.pdf").read_bytes() == out.read_bytes()
    res = runner.invoke(args=["notices", str(c.id), "-o", str(tmp_path / "n")])
    assert res.exit_code == 0, res.output
    assert len(list((tmp_path / "n").glob("*.pdf"))) == 2 and "2 份整改通知" in res.output
    assert runner.invoke(args=["circular", "999999", "-o", str(out)]).exit_code != 0
    assert doc.issued_by_id == tenant_a.users["office_admin"].id


# --------------------------------------------------------------------------- 版记


def test_cc_list_ends_in_one_full_stop(db, tenant_a):
    """The office typed its 抄送 list as a sentence (“…县政协办公室。”): the 版记 ends in exactly one 。."""
    assert builders.split_list("县委办公室，县人大常委会办公室，县政协办公室。") == (
        "县委办公室", "县人大常委会办公室", "县政协办公室")
    c = published_campaign(tenant_a)
    tenant_a.office.cc_block = "县委办公室，县人大常委会办公室，县政协办公室。"
    db.session.flush()
    notice = notice_of(c, tenant_a.dept_a)
    doc = services.issue(_target(DocumentKind.NOTICE, c, tenant_a.dept_a, notice), tenant_a.office, actor=None)
    circular = services.issue(_target(DocumentKind.CIRCULAR, c), tenant_a.office, actor=None)
    for pdf in (services.document_bytes(doc), services.document_bytes(circular)):
        text = re.sub(r"\s+", "", _text(pdf))
        assert "抄送：县委办公室，县人大常委会办公室，县政协办公室。" in text
        assert "。。" not in text


# --------------------------------------------------------------------------- one document, one number


def test_notice_pdf_is_the_issued_copy_and_a_draft_before(client, login, db, tenant_a):
    """The department's /rectification/<id>/pdf: 草稿 without a number before issue, the issued bytes after."""
    c = published_campaign(tenant_a)
    notice = notice_of(c, tenant_a.dept_a)
    services.allocate_number(tenant_a.office.id, local_today().year)  # the register moved on: 2 ≠ id
    db.session.commit()
    login(tenant_a.users["dept_viewer"].username)
    before = client.get(f"/rectification/{notice.id}/pdf")
    assert before.status_code == 200
    text = re.sub(r"\s+", "", _text(before.data))
    assert "草稿" in text and "测公办〔" not in text and not re.search(r"〔\d{4}〕\d+号", text)
    doc = services.issue(_target(DocumentKind.NOTICE, c, tenant_a.dept_a, notice), tenant_a.office, actor=None)
    db.session.commit()
    after = client.get(f"/rectification/{notice.id}/pdf")
    assert after.data == services.document_bytes(doc) and after.headers["X-Content-SHA256"] == doc.sha256
    text = re.sub(r"\s+", "", _text(after.data))
    assert doc.number in text and re.findall(r"测公办〔\d{4}〕\d+号", text) == [doc.number]
    assert "草稿" not in text
    page = client.get(f"/rectification/{notice.id}").get_data(as_text=True)
    assert doc.number in page


def test_previews_say_draft_and_carry_no_number(db, tenant_a):
    c = published_campaign(tenant_a)
    notice = notice_of(c, tenant_a.dept_a)
    for target in (_target(DocumentKind.CIRCULAR, c), _target(DocumentKind.NOTICE, c, tenant_a.dept_a, notice),
                   _target(DocumentKind.SCORESHEET, c, tenant_a.dept_a)):
        text = re.sub(r"\s+", "", _text(services.preview(target, tenant_a.office, fmt="pdf")))
        assert "草稿" in text and "〔" not in text and "×号" not in text, target.kind
