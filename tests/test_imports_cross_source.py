"""One number, three sources: a department's self-reported figures against its own annual reports of the
same year and of last year; a mismatch is a flag on the indicator in the review sheet (issue 17)."""
import json

from assess.imports import cross_source, services
from assess.review import services as rs
from assess.selfassessment import services as sa
from tests.imports_world import report_text
from tests.review_factories import make_campaign, make_submission


def _set_input(sub, code: str, name: str, value: str) -> None:
    answer = sa.answers_of_code(sub, code)
    inputs = sa.stored_inputs(answer)
    inputs[name] = value
    answer.inputs = json.dumps(inputs, ensure_ascii=False)


def _flags(sub, code: str) -> list:
    return [f for f in cross_source.source_flags(sub) if f.code == code]


def _store(dept, year: int, **kw):
    return services.store_report(dept, uploaded_by=None, filename=f"{year}.txt",
                                 data=report_text(year, **kw).encode("utf-8"), year=year)


def test_self_reported_figure_against_the_same_years_report(db, tenant_a):
    sub = make_submission(make_campaign(tenant_a.office), tenant_a.dept_a)
    _set_input(sub, "E1", "received", "3")
    assert cross_source.source_flags(sub) == []  # no report stored: nothing to compare
    row = _store(tenant_a.dept_a, 2026)  # 本年新收 6
    (flag,) = _flags(sub, "E1")
    assert (flag.code, flag.name, flag.reported, flag.report_value, flag.report_year, flag.which) == \
        ("E1", "received", "3", "6", 2026, "same_year")
    assert flag.report_id == row.id and "本年新收" in flag.source
    _set_input(sub, "E1", "received", "6")
    assert _flags(sub, "E1") == []
    _store(tenant_a.dept_b, 2026, new_natural=4, carried_out=0)  # another department's report is not this one's
    assert _flags(sub, "E1") == []


def test_carried_over_figure_against_last_years_report(db, tenant_a, monkeypatch):
    sub = make_submission(make_campaign(tenant_a.office), tenant_a.dept_a)
    monkeypatch.setattr(cross_source, "report_mapping", lambda rubric: [("requests_carried_in", "E1", "received")])
    _store(tenant_a.dept_a, 2025)                             # 结转下年度 1
    _store(tenant_a.dept_a, 2026, carried_in=2, carried_out=3)  # 上年结转 2
    _set_input(sub, "E1", "received", "2")
    (flag,) = cross_source.source_flags(sub)
    assert (flag.which, flag.report_year, flag.reported, flag.report_value) == ("last_year", 2025, "2", "1")
    assert "结转下年度" in flag.source


def test_review_sheet_shows_the_flag_with_both_sources(login, db, tenant_a):
    admin = tenant_a.users["office_admin"]
    campaign = make_campaign(tenant_a.office)
    sub = make_submission(campaign, tenant_a.dept_a)
    rs.assign(campaign, tenant_a.dept_a.id, tenant_a.users["reviewer"], actor=admin)
    _set_input(sub, "E1", "received", "3")
    row = _store(tenant_a.dept_a, 2026)
    db.session.commit()
    c = login(tenant_a.users["reviewer"].username)
    on_e1 = c.get(f"/review/submissions/{sub.id}?code=E1").get_data(as_text=True)
    assert 'id="source-flags"' in on_e1
    assert '<td class="reported">3' in on_e1 and '<td class="report-value">6' in on_e1
    assert f'href="/imports/reports/{row.id}"' in on_e1
    on_a1 = c.get(f"/review/submissions/{sub.id}?code=A1").get_data(as_text=True)
    assert 'id="source-flags"' not in on_a1
    flagged = {f.code for f in cross_source.source_flags(sub)}
    assert "E1" in flagged and "A1" not in flagged
    assert on_a1.count('class="badge warn source-flag"') == len(flagged)  # the indicator list marks them
