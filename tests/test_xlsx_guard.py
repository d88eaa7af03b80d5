"""Every cell of every .xlsx export goes through the one formula guard (``assess.spreadsheet``), issue 15.

A cell is safe when it is not a formula and its text does not start like one, unless it is a cell the
department types into and uploads again (the self-assessment's value column), which is kept as typed but
stored as text with Excel's quote prefix.
"""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from assess.campaigns import services as campaigns
from assess.extensions import db
from assess.rubrics import store
from assess.spreadsheet import FORMULA_START
from tests.campaign_world import RUBRIC_FILE, submission_of

EVIL_TITLE = '=HYPERLINK("http://evil.example/","领导小组")'


def unsafe_cells(data: bytes) -> list[str]:
    """Cells of a workbook that a spreadsheet program would run, or show as a formula."""
    wb = load_workbook(io.BytesIO(data))
    bad = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    bad.append(f"{ws.title}!{c.coordinate} formula {c.value!r}")
                elif isinstance(c.value, str) and c.value.startswith(FORMULA_START) and not c.quotePrefix:
                    bad.append(f"{ws.title}!{c.coordinate} {c.value!r}")
    return bad


def _hostile_campaign(tenant):
    actor = tenant.users["office_admin"]
    source = store.shipped_source(RUBRIC_FILE).replace("title: 领导小组", f"title: '{EVIL_TITLE}'", 1)
    rubric = store.store_rubric(tenant.office.id, source, filename=RUBRIC_FILE, actor=actor)
    campaign = campaigns.create_campaign(
        tenant.office, name="=1+2 年度考核", year=rubric.year, rubric=rubric, actor=actor,
        department_ids=[tenant.dept_a.id], self_deadline=campaigns.local_today() + timedelta(days=10))
    campaigns.transition(campaign, campaigns.CampaignState.SELF_ASSESSMENT, actor=actor)
    db.session.commit()
    return campaign


def test_an_indicator_title_starting_with_equals_exports_as_text(client, login, tenant_a):
    campaign = _hostile_campaign(tenant_a)
    sub = submission_of(campaign, tenant_a.dept_a)
    login(tenant_a.users["dept_editor"].username)
    resp = client.get(f"/self/{sub.id}/export.xlsx")
    assert resp.status_code == 200
    assert unsafe_cells(resp.data) == []
    ws = load_workbook(io.BytesIO(resp.data))["自评表"]
    titles = [c.value for c in ws["B"] if c.value and "HYPERLINK" in str(c.value)]
    assert titles and all(t == "'" + EVIL_TITLE for t in titles)


def test_a_typed_formula_still_reads_back_as_typed(client, login, tenant_a):
    from assess.selfassessment import excel

    campaign = _hostile_campaign(tenant_a)
    sub = submission_of(campaign, tenant_a.dept_a)
    c = login(tenant_a.users["dept_editor"].username)
    r = c.post(f"/self/api/{sub.id}/answers/A1", headers={"Accept": "application/json"},
               json={"inputs": {"has_group": "true"}, "explanation": "=1+2 已落实", "version": 0})
    assert r.status_code == 200
    data = c.get(f"/self/{sub.id}/export.xlsx").data
    assert unsafe_cells(data) == []
    parsed = excel.parse_workbook(sub, data)
    assert not parsed.errors and not parsed.changes  # the round trip changes nothing


@pytest.mark.parametrize("kind", ["ranking", "scores", "problems"])
def test_every_ranking_workbook_is_guarded(client, login, tenant_a, kind):
    from tests.ranking_world import add_department, make_campaign

    c = make_campaign(tenant_a.office, name="=cmd 考核")
    add_department(c, tenant_a.dept_a, scores={"A1": 0}, problems={"A1": "@SUM(A1) 未调整"})
    db.session.commit()
    login(tenant_a.users["office_admin"].username)
    resp = client.get(f"/ranking/{c.id}/export/{kind}.xlsx")
    assert resp.status_code == 200 and unsafe_cells(resp.data) == []


def test_the_ledger_workbook_is_guarded(tenant_a):
    from assess.rectification import ledger
    from tests.test_rectification_support import make_notice

    make_notice(tenant_a, problem="-1+cmd 错敏字")
    data = ledger.ledger_workbook(ledger.ledger(tenant_a.office.id), title="=整改台账")
    assert unsafe_cells(data) == []


def test_no_workbook_is_saved_around_the_guard():
    """A new .xlsx writer saves through ``spreadsheet.workbook_bytes``; the one streamed (write-only)
    workbook, the ranking's, guards each cell as it writes it (``exports._cell``)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "assess"
    savers = sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                    if "Workbook(" in p.read_text(encoding="utf-8") and ".save(" in p.read_text(encoding="utf-8"))
    assert savers == ["ranking/exports.py"]
