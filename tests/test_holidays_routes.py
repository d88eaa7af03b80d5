"""HTTP and CLI: the platform administrator enters a year (upload → preview → confirm), offices add their own
days, pages that set or show a deadline say when it was counted Monday–Friday only, and the command line."""
from __future__ import annotations

import io
import re
from datetime import date

from sqlalchemy import select

from assess.holidays import services
from assess.models import AuditEntry, HolidayYear, OfficeDay
from tests.test_holidays import FIXTURE_2027, NOTE_2027, START, notice_2027


def _hidden(html: str, name: str) -> str:
    m = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(rf'value="([^"]*)"[^>]*name="{name}"', html)
    return m.group(1) if m else ""


def test_platform_admin_enters_a_year_through_the_preview(client, login, platform_admin, tenant_a, monkeypatch, db):
    monkeypatch.setattr(services, "years_needed", lambda today: {2027})
    notice = notice_2027(tenant_a)
    db.session.commit()
    c = login(platform_admin.username)
    home = c.get("/").get_data(as_text=True)
    assert 'id="calendar-task-2027"' in home and NOTE_2027 in home
    assert NOTE_2027 in c.get("/calendar/").get_data(as_text=True)

    resp = c.post("/calendar/import", data={
        "file": (io.BytesIO(FIXTURE_2027.read_bytes()), FIXTURE_2027.name),
        "notice_title": "测试用2027年节假日安排（非官方）", "notice_number": "测〔2026〕1号"},
        content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="calendar-preview"' in html and "2027-02-13" in html
    assert "29 天放假，5 天调休上班" in html
    assert db.session.scalars(select(HolidayYear)).first() is None  # a preview saves nothing
    moves = html[html.index('id="calendar-moves"'):]
    assert "AAA公开办" in moves and "网站监测问题整改通知" not in moves  # counts per office, no office's notices
    assert notice.deadline == date(2027, 2, 19)
    fields = {k: _hidden(html, k) for k in ("filename", "payload", "notice_title", "notice_number", "version")}
    assert fields["version"] == "0" and fields["payload"]
    resp = c.post("/calendar/import/confirm", data=fields)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/calendar/2027")
    page = c.get("/calendar/2027").get_data(as_text=True)
    assert "已录入2027年节假日安排" in page and "AAA公开办：1 个" in page
    assert "测〔2026〕1号" in page
    assert notice.deadline == date(2027, 2, 25)
    assert 'id="calendar-task-2027"' not in c.get("/").get_data(as_text=True)
    # the office sees which deadline moved
    office = login(tenant_a.users["office_admin"].username)
    assert 'id="deadlines-moved"' in office.get("/").get_data(as_text=True)
    own = office.get("/calendar/office").get_data(as_text=True)
    assert 'id="moved-deadlines"' in own and "2027-02-25" in own
    # a stale confirmation (the year changed since the preview) is refused, not overwritten
    c = login(platform_admin.username)
    resp = c.post("/calendar/import/confirm", data=fields, follow_redirects=True)
    assert "已被他人修改" in resp.get_data(as_text=True)


def test_a_bad_file_names_line_and_field_and_saves_nothing(client, login, platform_admin, db):
    c = login(platform_admin.username)
    data = "date,kind,name\n2027-02-05,off,春节\n2027-02-30,off,春节\n2027-02-08,work,春节\n".encode()
    resp = c.post("/calendar/import", data={"file": (io.BytesIO(data), "2027.csv"), "notice_title": "通知"},
                  content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "第 3 行 date" in html and "第 4 行 kind" in html
    assert 'id="calendar-confirm"' not in html and 'value="通知"' in html  # what was typed stays
    resp = c.post("/calendar/import", data={"notice_title": "通知"}, content_type="multipart/form-data")
    assert resp.status_code == 400 and "请选择文件" in resp.get_data(as_text=True)


def test_office_adds_and_removes_its_own_days(client, login, tenant_a, tenant_b, db):
    c = login(tenant_a.users["office_admin"].username)
    resp = c.post("/calendar/office/days", data={"day": "2027-03-01", "kind": "off", "name": "AAA本地节日"})
    assert resp.status_code == 302
    page = c.get("/calendar/office").get_data(as_text=True)
    assert "AAA本地节日" in page and 'id="office-days"' in page and "全国节假日安排" in page
    resp = c.post("/calendar/office/days", data={"day": "2027-03-02", "kind": "work", "name": "补班"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "本就是工作日" in html and 'value="补班"' in html
    row = db.session.scalars(select(OfficeDay).where(OfficeDay.office_id == tenant_a.office.id)).one()
    assert "AAA本地节日" not in login(tenant_b.users["office_admin"].username).get("/calendar/office").get_data(as_text=True)
    assert login(tenant_a.users["reviewer"].username).post(f"/calendar/office/days/{row.id}/delete").status_code == 403
    c = login(tenant_a.users["office_admin"].username)
    assert c.post(f"/calendar/office/days/{row.id}/delete").status_code == 302
    assert db.session.scalars(select(OfficeDay)).first() is None
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.office_id == tenant_a.office.id)))
    assert {"holidays.office_day.add", "holidays.office_day.remove"} <= actions


def test_pages_that_set_or_show_a_deadline_say_when_a_year_is_missing(client, login, tenant_a, monkeypatch, db):
    from assess.rectification import services as rect

    monkeypatch.setattr(rect, "today_local", lambda: date(2026, 12, 3))
    notice = notice_2027(tenant_a)
    db.session.commit()
    c = login(tenant_a.users["office_admin"].username)
    assert NOTE_2027 in c.get("/rectification/new").get_data(as_text=True)
    assert NOTE_2027 in c.get("/rectification/generate").get_data(as_text=True)
    assert NOTE_2027 in c.get(f"/rectification/{notice.id}").get_data(as_text=True)
    assert NOTE_2027 in c.get("/rectification/").get_data(as_text=True)
    dept = login(tenant_a.users["dept_editor"].username)
    assert NOTE_2027 in dept.get("/").get_data(as_text=True)
    assert NOTE_2027 in dept.get(f"/rectification/{notice.id}").get_data(as_text=True)
    # counting a deadline into 2027 says so at once
    c = login(tenant_a.users["office_admin"].username)
    resp = c.post("/rectification/new", data={"department_id": tenant_a.dept_a.id, "title": "通知", "problem": "断链",
                                              "source": "monitoring", "workdays": "60"}, follow_redirects=True)
    assert NOTE_2027 in resp.get_data(as_text=True)
    services.save_year(services.parse_year(FIXTURE_2027.read_bytes(), "x.csv", notice_title="t"), actor=None,
                       today=START)
    db.session.commit()
    assert NOTE_2027 not in c.get(f"/rectification/{notice.id}").get_data(as_text=True)


def test_cli_import_and_show(app, db, tmp_path):
    runner = app.test_cli_runner()
    res = runner.invoke(args=["calendar", "show", "2027"])
    assert res.exit_code == 0 and NOTE_2027 in res.output
    bad = tmp_path / "bad.csv"
    bad.write_text("date,kind,name\n2027-13-01,off,x\n", encoding="utf-8")
    res = runner.invoke(args=["calendar", "import", str(bad), "--title", "t"])
    assert res.exit_code == 1 and f"{bad}:2: date:" in res.output
    res = runner.invoke(args=["calendar", "import", str(FIXTURE_2027), "--title", "测试用（非官方）", "--dry-run"])
    assert res.exit_code == 0 and db.session.scalars(select(HolidayYear)).first() is None
    res = runner.invoke(args=["calendar", "import", str(FIXTURE_2027), "--title", "测试用（非官方）"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(args=["calendar", "show", "2027"])
    assert "holiday table" in res.output and "2027-02-13" in res.output
    res = runner.invoke(args=["calendar", "show", "2026"])
    assert "chinese_calendar package" in res.output and "2026-02-14" in res.output


def test_the_api_says_when_a_notice_deadline_was_counted_monday_to_friday(client, tenant_a, db):
    from tests.api_helpers import auth, token_for

    notice = notice_2027(tenant_a)
    db.session.commit()
    token = token_for(tenant_a.users["office_admin"])
    body = client.get(f"/api/v1/rectification/notices/{notice.id}", headers=auth(token)).get_json()
    assert body["deadline"] == "2027-02-19" and body["deadline_notes"] == [NOTE_2027]
    services.save_year(services.parse_year(FIXTURE_2027.read_bytes(), "x.csv", notice_title="t"), actor=None,
                       today=START)
    db.session.commit()
    body = client.get(f"/api/v1/rectification/notices/{notice.id}", headers=auth(token)).get_json()
    assert body["deadline"] == "2027-02-25" and body["deadline_notes"] == []


def test_the_same_day_added_twice_at_once_is_an_error_at_the_field(client, login, tenant_a, monkeypatch, db):
    c = login(tenant_a.users["office_admin"].username)
    assert c.post("/calendar/office/days", data={"day": "2027-03-01", "kind": "off", "name": "甲"}).status_code == 302
    # the other request checked before this one's row existed: the unique constraint answers
    monkeypatch.setattr(services, "office_day_on", lambda office_id, day: None)
    resp = c.post("/calendar/office/days", data={"day": "2027-03-01", "kind": "off", "name": "乙"})
    assert resp.status_code == 400 and "已列入本单位日历" in resp.get_data(as_text=True)
