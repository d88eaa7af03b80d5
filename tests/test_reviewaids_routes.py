"""Review aids in the browser's requests: flags on the review sheet, dismissing, the office's list and switches."""
from __future__ import annotations

from sqlalchemy import select

from assess.extensions import db
from assess.models import ReviewFlag
from assess.review import services as review_services
from assess.reviewaids import services as aids
from tests.review_aids_world import build


def _world(tenant):
    campaign, subs, old = build(tenant)
    review_services.assign(campaign, subs["B"].department_id, tenant.users["reviewer"], actor=None)
    aids.run_checks(campaign)
    flag = db.session.scalars(select(ReviewFlag).where(ReviewFlag.department_id == subs["B"].department_id)).one()
    return campaign, subs, flag


def test_the_assigned_reviewer_sees_the_copied_passages_and_dismisses_with_a_reason(client, login, tenant_a):
    campaign, subs, flag = _world(tenant_a)
    login("office-a-reviewer")
    page = client.get(f"/review/submissions/{subs['B'].id}?code=A3").get_data(as_text=True)
    assert "内容雷同" in page and "今年本局依托门户网站" in page and "今年我局依托门户网站" in page
    assert subs["A"].department_name in page
    refused = client.post(f"/review-aids/flags/{flag.id}/dismiss", data={"reason": "  ", "back": "sheet"})
    assert refused.status_code == 400 and "请说明忽略的理由" in refused.get_data(as_text=True)
    done = client.post(f"/review-aids/flags/{flag.id}/dismiss", data={"reason": "联合专栏", "back": "sheet"})
    assert done.status_code == 302 and f"/review/submissions/{subs['B'].id}" in done.headers["Location"]
    db.session.refresh(flag)
    assert flag.dismiss_reason == "联合专栏"
    page = client.get(f"/review/submissions/{subs['B'].id}?code=A3").get_data(as_text=True)
    assert "已忽略" in page and "忽略此提示" not in page


def test_a_reviewer_not_assigned_may_not_dismiss_nor_list_the_department(client, login, tenant_a):
    campaign, subs, flag = _world(tenant_a)
    other = db.session.scalars(select(ReviewFlag).where(ReviewFlag.department_id == subs["A"].department_id)).first()
    login("office-a-reviewer")
    assert client.post(f"/review-aids/flags/{other.id}/dismiss", data={"reason": "x"}).status_code == 403
    page = client.get(f"/review-aids/campaigns/{campaign.id}").get_data(as_text=True)
    assert f'id="flag-{flag.id}"' in page and f'id="flag-{other.id}"' not in page


def test_the_office_runs_the_checks_from_its_list_and_sets_the_switches(client, login, tenant_a):
    campaign, subs, _old = build(tenant_a)
    login("office-a-office_admin")
    assert "暂无提示" in client.get(f"/review-aids/campaigns/{campaign.id}").get_data(as_text=True)
    resp = client.post(f"/review-aids/campaigns/{campaign.id}/run", follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "检查完成" in page and "内容雷同" in page and subs["C"].department_name in page
    bad = client.post(f"/review-aids/campaigns/{campaign.id}/settings",
                      data={"copied_text": "y", "jump_ratio": "many", "jump_z": "3.5", "text_similarity": "0.5"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "请输入数字" in text and 'value="many"' in text
    ok = client.post(f"/review-aids/campaigns/{campaign.id}/settings",
                     data={"figure_jump": "y", "jump_ratio": "3", "jump_z": "3.5", "text_similarity": "0.5"},
                     follow_redirects=True)
    assert "设置已保存" in ok.get_data(as_text=True) and "今年本局" not in ok.get_data(as_text=True)


def test_departments_never_see_flags(client, login, tenant_a):
    campaign, subs, flag = _world(tenant_a)
    login("office-a-dept_b_admin")
    assert client.get(f"/review-aids/campaigns/{campaign.id}").status_code == 403
    assert client.get(f"/review-aids/flags/{flag.id}/dismiss").status_code in (403, 404)


def test_a_figure_that_jumps_shows_last_year_and_the_group_median_on_the_sheet(client, login, tenant_a):
    from tests.review_aids_world import set_figure

    campaign, subs, _old = build(tenant_a)
    set_figure(subs["A"], "A3", "meetings", 30)
    db.session.flush()
    review_services.assign(campaign, subs["A"].department_id, tenant_a.users["reviewer"], actor=None)
    aids.run_checks(campaign)
    login("office-a-reviewer")
    page = client.get(f"/review/submissions/{subs['A'].id}?code=A3").get_data(as_text=True)
    assert "数据异常波动" in page and "专题研究会议" in page
    assert "<strong>30次</strong>" in page and "上年 3次" in page and "同组中位数 3次" in page
    assert "相差 10 倍" in page


def test_a_run_colliding_with_another_is_a_message_not_an_error_page(client, login, tenant_a, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    campaign, subs, _old = build(tenant_a)

    def collide(*args, **kwargs):
        raise IntegrityError("INSERT", {}, Exception("uq_review_flags_office_id_campaign_id_fingerprint"))

    monkeypatch.setattr(aids, "run_checks", collide)
    login("office-a-office_admin")
    resp = client.post(f"/review-aids/campaigns/{campaign.id}/run", follow_redirects=True)
    assert resp.status_code == 200 and "另一次检查正在进行" in resp.get_data(as_text=True)
