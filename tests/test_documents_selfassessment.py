"""The printable self-assessment table (自评表): read back from the PDF, its department, every indicator's
self-score, the area subtotals and the total equal the stored figures; A4; signature and seal space; who may
download it."""
from __future__ import annotations

import io
import re
from decimal import Decimal

import pdfplumber
import pypdf
import pytest

from assess import scoring
from assess.documents.official import format_score
from assess.selfassessment import evidence as ev
from assess.rubrics.store import engine_rubric
from assess.selfassessment import services as sa
from tests import campaign_world as cw


def _text(data: bytes) -> tuple[str, list]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = [(p.width, p.height) for p in pdf.pages]
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
    return text, pages


def _rows(data: bytes) -> dict[str, list[str]]:
    """Table rows keyed by their 指标 cell's indicator code (the code that starts the cell)."""
    out: dict[str, list[str]] = {}
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            for table in page.extract_tables():
                for row in table:
                    cells = [(c or "").replace("\n", "") for c in row]
                    if len(cells) >= 4 and (m := re.match(r"([A-Z]+\d+) ", cells[1] or "")):
                        out[m.group(1)] = cells
                    elif cells and cells[0]:
                        out.setdefault(cells[0], cells)
    return out


@pytest.fixture()
def submitted(tenant_a):
    t = tenant_a
    c = cw.make_campaign(t)
    sub = cw.submission_of(c, t.dept_a)
    cw.fill_all(sub, t.users["dept_editor"])
    sa.save_answer(sub, "X2", actor=t.users["dept_editor"], inputs={"pilot": "true"}, explanation="获评省级示范")
    ev.add_file(sub, "X2", actor=t.users["dept_editor"], filename="x2.pdf", data=cw.pdf_bytes("x2"), title="试点文件")
    sa.send_to_leader(sub, actor=t.users["dept_editor"])
    sa.leader_submit(sub, actor=t.users["dept_admin"])
    return sub


def test_pdf_shows_department_each_self_score_subtotals_and_total(client, login, tenant_a, submitted):
    sub = submitted
    rubric = engine_rubric(sub.campaign.rubric)
    stored = {a.indicator_code: a.self_score for a in sa.answers_of(sub).values()}
    resp = login(tenant_a.users["dept_editor"].username).get(f"/self/{sub.id}/selfassessment.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert "attachment" in resp.headers["Content-Disposition"]
    text, pages = _text(resp.data)
    assert all(w == pytest.approx(595.28, abs=1) and h == pytest.approx(841.89, abs=1) for w, h in pages)  # A4
    assert sub.department_name in text and f"{sub.campaign.name}自评表" in text.replace("\n", "")
    for label in ("序号", "指标", "分值", "自评分", "自评说明", "加盖单位公章", "签字"):
        assert label in text, label

    rows = _rows(resp.data)
    for area in rubric.areas:
        for ind in area.indicators:
            cells = rows[ind.code]
            assert cells[2] == format_score(ind.points), ind.code
            assert cells[3] == format_score(stored.get(ind.code)), ind.code
    assert rows["A1"][4].startswith("A1 情况说明")
    assert stored["X2"] and rows["X2"][3] == format_score(stored["X2"]) and rows["X1"][3] == ""

    scores = {ind.code: stored.get(ind.code) or Decimal(0) for a in rubric.areas for ind in a.indicators}
    if rubric.bonus:
        scores.update({i.code: stored[i.code] for i in rubric.bonus.indicators if stored.get(i.code) is not None})
    totals = scoring.aggregate(rubric, scores, explain=False)
    for area in rubric.areas:
        assert rows[f"{area.title}小计"][3] == format_score(totals.areas[area.code]), area.title
    total = totals.base + totals.bonus
    assert rows["自评总分"][3] == format_score(total)
    assert f"自评总分：{format_score(total)}分" in text
    assert "提交日期" in text and "尚未通过平台提交" not in text
    assert pypdf.PdfReader(io.BytesIO(resp.data)).metadata.title.startswith(sub.campaign.name)


def test_unsubmitted_pdf_says_so_and_counts_missing_scores(client, login, tenant_a):
    c = cw.make_campaign(tenant_a)
    sub = cw.submission_of(c, tenant_a.dept_a)
    sa.save_answer(sub, "A1", actor=tenant_a.users["dept_editor"], inputs={"has_group": "true"}, explanation="只填了一项")
    resp = login(tenant_a.users["dept_admin"].username).get(f"/self/{sub.id}/selfassessment.pdf")
    text, _pages = _text(resp.data)
    base = sum(len(a.indicators) for a in engine_rubric(c.rubric).areas)
    assert "尚未通过平台提交" in text and "打印日期" in text
    assert f"尚有{base - 1}项未填自评分" in text.replace("\n", "")
    rows = _rows(resp.data)
    assert rows["A1"][3] == format_score(sa.answers_of(sub)["A1"].self_score) and rows["A2"][3] == ""


def test_office_downloads_any_department_of_its_office_and_others_do_not(client, login, tenant_a, tenant_b, submitted):
    url = f"/self/{submitted.id}/selfassessment.pdf"
    assert login(tenant_a.users["office_admin"].username).get(url).status_code == 200
    assert login(tenant_a.users["dept_b_editor"].username).get(url).status_code in (403, 404)
    assert login(tenant_b.users["office_admin"].username).get(url).status_code in (403, 404)


def test_form_page_links_the_pdf(client, login, tenant_a, submitted):
    page = login(tenant_a.users["dept_editor"].username).get(f"/self/{submitted.id}").get_data(as_text=True)
    assert f'href="/self/{submitted.id}/selfassessment.pdf"' in page
