"""The reviewer sees last year's unresolved rectification items on the indicator being reviewed."""
from datetime import date

from assess.rectification import services as rect
from assess.review import services as rs
from tests.review_factories import make_campaign, make_submission


def test_reviewer_page_shows_unresolved_items_of_the_indicator(login, db, tenant_a):
    admin = tenant_a.users["office_admin"]
    campaign = make_campaign(tenant_a.office)
    sub = make_submission(campaign, tenant_a.dept_a)
    rs.assign(campaign, tenant_a.dept_a.id, tenant_a.users["reviewer"], actor=admin)
    notice = rect.create_notice(tenant_a.office, tenant_a.dept_a, actor=admin, title="网站监测问题整改",
                                deadline=date(2026, 12, 31), problem="“政策解读”栏目长期未更新（监测发现）",
                                indicator_code="D1")
    rect.send_notice(notice, actor=admin)
    db.session.commit()
    c = login(tenant_a.users["reviewer"].username)
    on_d1 = c.get(f"/review/submissions/{sub.id}?code=D1").get_data(as_text=True)
    assert "未销号的整改问题" in on_d1 and "栏目长期未更新" in on_d1
    on_a1 = c.get(f"/review/submissions/{sub.id}?code=A1").get_data(as_text=True)
    assert "栏目长期未更新" not in on_a1
