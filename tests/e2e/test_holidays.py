"""The platform administrator enters a year's holidays in a real browser: the home page's task, the upload
with the notice's title, the preview table, the confirmation, and the year's page."""
from __future__ import annotations

import pytest

from tests.conftest import TEST_PASSWORD
from tests.test_holidays import FIXTURE_2027  # NOT the official 2027 arrangement: a table written for tests

pytestmark = pytest.mark.browser


@pytest.fixture()
def platform_admin(live_app):
    from assess.auth.passwords import hash_password
    from assess.extensions import db
    from assess.models import HolidayYear, Role, User

    with live_app.app_context():
        user = User(username="e2e-root", display_name="平台管理员", role=Role.PLATFORM_ADMIN,
                    password_hash=hash_password(TEST_PASSWORD))
        db.session.add(user)
        db.session.commit()
    yield "e2e-root"
    with live_app.app_context():  # the live server's database is shared by the session's browser tests
        for row in db.session.query(HolidayYear).filter(HolidayYear.year == 2027):
            db.session.delete(row)
        db.session.commit()  # the user stays: the audit log names them


def test_platform_admin_imports_a_year_through_the_preview(page, live_server, platform_admin, monkeypatch):
    from assess.holidays import services

    monkeypatch.setattr(services, "years_needed", lambda today: {2027})  # whatever the date the suite runs on
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("用户名").fill(platform_admin)
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    task = page.locator("#calendar-task-2027")
    assert "2027年节假日安排尚未录入，按周一至周五计算" in task.inner_text()
    task.get_by_role("link", name="录入2027年节假日安排").click()

    page.get_by_label("节假日安排文件（CSV 或 YAML）").set_input_files(str(FIXTURE_2027))
    page.get_by_label("通知标题").fill("测试用2027年节假日安排（非官方）")
    page.get_by_role("button", name="预览").click()
    preview = page.locator("#calendar-preview")
    assert preview.locator("tbody tr").count() == 34
    assert "2027-02-13" in preview.inner_text() and "29 天放假，5 天调休上班" in page.locator(
        "#calendar-preview-summary").inner_text()
    page.get_by_role("button", name="确认录入2027年节假日安排").click()

    assert "已录入2027年节假日安排" in page.locator(".flashes").inner_text()
    assert page.get_by_role("heading", name="2027年节假日安排").is_visible()
    assert "测试用2027年节假日安排（非官方）" in page.content()
    page.goto(f"{live_server}/")
    assert page.locator("#calendar-task-2027").count() == 0
