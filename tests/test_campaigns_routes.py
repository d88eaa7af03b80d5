"""Campaign pages over HTTP: list, create (errors at the field), detail with progress, transitions, dates."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from assess.campaigns.services import local_today
from assess.models import Campaign, CampaignState, Submission
from tests.campaign_world import make_campaign, stored_rubric


def test_create_campaign_by_group(client, login, db, tenant_a):
    rubric = stored_rubric(tenant_a.office)
    db.session.commit()
    c = login(tenant_a.users["office_admin"].username)
    page = c.get("/campaigns/new")
    assert page.status_code == 200 and "新建考核" in page.get_data(as_text=True)
    deadline = (local_today() + timedelta(days=20)).isoformat()
    resp = c.post("/campaigns/new", data={"name": "2026年度政务公开工作绩效考核", "year": "2026", "rubric_id": rubric.id,
                                          "group_ids": [tenant_a.group.id], "self_deadline": deadline})
    assert resp.status_code == 302
    campaign = db.session.scalars(select(Campaign)).one()
    assert len(db.session.scalars(select(Submission).where(Submission.campaign_id == campaign.id)).all()) == 2
    page = c.get(resp.headers["Location"]).get_data(as_text=True)
    assert "2026年度政务公开工作绩效考核" in page and "开始自评" in page and tenant_a.dept_a.name in page


def test_create_errors_at_field_keep_input(client, login, db, tenant_a):
    rubric = stored_rubric(tenant_a.office)
    db.session.commit()
    c = login(tenant_a.users["office_admin"].username)
    resp = c.post("/campaigns/new", data={"name": "我的考核", "year": "2026", "rubric_id": rubric.id})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "请至少选择一个分组或一个部门" in body and 'value="我的考核"' in body


def test_transition_refused_with_reason_then_allowed(client, login, db, tenant_a):
    campaign = make_campaign(tenant_a)
    db.session.commit()
    c = login(tenant_a.users["office_admin"].username)
    resp = c.post(f"/campaigns/{campaign.id}/transition", data={"target": "review"}, follow_redirects=True)
    body = resp.get_data(as_text=True)
    assert "不能转入下一阶段" in body and "未提交" in body
    campaign.self_deadline = local_today() - timedelta(days=1)
    db.session.commit()
    page = c.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "2个部门尚未提交自评，进入评审后这些部门将无法再填报或提交。" in page and 'name="confirm"' in page
    resp = c.post(f"/campaigns/{campaign.id}/transition", data={"target": "review", "reason": "截止"},
                  follow_redirects=True)  # not confirmed: refused with the warning, nothing changes
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "不能转入下一阶段" in body and "请勾选确认" in body
    assert 'id="confirm-review-err"' in body and 'value="截止"' in body  # what was typed stays
    db.session.refresh(campaign)
    assert campaign.state == CampaignState.SELF_ASSESSMENT
    resp = c.post(f"/campaigns/{campaign.id}/transition", data={"target": "review", "reason": "截止", "confirm": "y"},
                  follow_redirects=True)
    assert "评审中" in resp.get_data(as_text=True)
    db.session.refresh(campaign)
    assert campaign.state == CampaignState.REVIEW


def test_progress_page_for_reviewer_and_filter(client, login, db, tenant_a):
    campaign = make_campaign(tenant_a)
    db.session.commit()
    c = login(tenant_a.users["reviewer"].username)
    body = c.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert tenant_a.dept_a.name in body and "未开始 2" in body and "阶段操作" not in body
    body = c.get(f"/campaigns/{campaign.id}?state=submitted").get_data(as_text=True)
    assert tenant_a.dept_a.name not in body
    assert c.post(f"/campaigns/{campaign.id}/transition", data={"target": "review"}).status_code == 403


def test_dates_form(client, login, db, tenant_a):
    campaign = make_campaign(tenant_a)
    db.session.commit()
    c = login(tenant_a.users["office_admin"].username)
    today = local_today()
    resp = c.post(f"/campaigns/{campaign.id}/dates", data={
        "self_deadline": (today + timedelta(days=3)).isoformat(), "review_start": today.isoformat(),
        "version": campaign.version_id}, follow_redirects=True)
    assert "评审开始日期：此日期不能早于" in resp.get_data(as_text=True)
    resp = c.post(f"/campaigns/{campaign.id}/dates", data={
        "self_deadline": (today + timedelta(days=3)).isoformat(), "review_start": (today + timedelta(days=4)).isoformat(),
        "version": campaign.version_id}, follow_redirects=True)
    assert "已保存日期" in resp.get_data(as_text=True)


def test_list_pages(client, login, db, tenant_a):
    make_campaign(tenant_a)
    db.session.commit()
    c = login(tenant_a.users["viewer"].username)
    assert "2026年度政务公开工作绩效考核" in c.get("/campaigns/").get_data(as_text=True)
    c = login(tenant_a.users["dept_editor"].username)
    resp = c.get("/campaigns/")
    assert resp.status_code == 302 and "/self/" in resp.headers["Location"]
    assert "2026年度政务公开工作绩效考核" in c.get("/self/").get_data(as_text=True)


def test_join_departments_later(client, login, db, tenant_a):
    from assess.admin import services as admin

    campaign = make_campaign(tenant_a, departments=[tenant_a.dept_a])
    late = admin.create_department(tenant_a.office, "AAA新设局", tenant_a.group, actor=None)
    db.session.commit()
    c = login(tenant_a.users["office_admin"].username)
    body = c.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "增加参加考核的部门" in body and "AAA新设局" in body
    resp = c.post(f"/campaigns/{campaign.id}/departments", data={"department_ids": [late.id, tenant_a.dept_b.id]},
                  follow_redirects=True)
    assert "已增加2个部门" in resp.get_data(as_text=True)
    resp = c.post(f"/campaigns/{campaign.id}/departments", data={}, follow_redirects=True)
    assert "请至少选择一个部门" in resp.get_data(as_text=True)
    campaign.state = CampaignState.REVIEW
    db.session.commit()
    resp = c.post(f"/campaigns/{campaign.id}/departments", data={"department_ids": [late.id]}, follow_redirects=True)
    assert "不能再增加部门" in resp.get_data(as_text=True)


def test_create_page_makes_the_office_choose_the_rubric(client, login, db, tenant_a):
    """Issue 14: no rubric is pre-selected; a rubric of another year needs the confirmation box."""
    import re

    rubric = stored_rubric(tenant_a.office)
    db.session.commit()
    c = login(tenant_a.users["office_admin"].username)
    page = c.get("/campaigns/new").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="rubric_id".*?</select>', page, re.S).group(0)
    first = re.search(r"<option[^>]*>", select_html).group(0)
    assert 'value="0"' in first and "selected" not in select_html.split(first, 1)[1]
    assert "2026年度，第1版" in select_html
    base = {"name": "2027年度政务公开工作绩效考核", "year": "2027", "group_ids": [tenant_a.group.id]}
    body = c.post("/campaigns/new", data={**base, "rubric_id": "0"}).get_data(as_text=True)
    assert "请选择考核细则。" in body
    resp = c.post("/campaigns/new", data={**base, "rubric_id": rubric.id})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "本单位还没有2027年度的考核细则" in body
    assert "所选考核细则是2026年度的" in body and 'value="2027年度政务公开工作绩效考核"' in body
    assert f'/rubrics/{rubric.id}/edit' in body
    assert db.session.scalars(select(Campaign)).all() == []
    resp = c.post("/campaigns/new", data={**base, "rubric_id": rubric.id, "other_year": "y"})
    assert resp.status_code == 302
    assert db.session.scalars(select(Campaign)).one().year == 2027


def test_overdue_column_after_the_deadline(client, login, db, tenant_a):
    """Issue 14: the 逾期 column stayed empty after the deadline for departments that had not submitted."""
    from assess.models import SubmissionState
    from tests.campaign_world import submission_of

    campaign = make_campaign(tenant_a)
    campaign.self_deadline = local_today() - timedelta(days=4)
    late = submission_of(campaign, tenant_a.dept_b)
    late.state, late.late_days = SubmissionState.SUBMITTED, 3
    db.session.commit()
    c = login(tenant_a.users["office_admin"].username)

    def cells():
        body = c.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
        rows = {}
        for name in (tenant_a.dept_a.name, tenant_a.dept_b.name):
            row = body.split(f">{name}</a>", 1)[1].split("</tr>", 1)[0]
            rows[name] = row.rsplit("<td>", 1)[1]
        return rows

    rows = cells()
    assert "已逾期4天，未提交" in rows[tenant_a.dept_a.name]
    assert "逾期3天提交" in rows[tenant_a.dept_b.name]
    campaign.state = CampaignState.REVIEW  # the stage has closed: no count growing day by day any more
    db.session.commit()
    rows = cells()
    assert "逾期未提交" in rows[tenant_a.dept_a.name] and "4天" not in rows[tenant_a.dept_a.name]
    campaign.state = CampaignState.SELF_ASSESSMENT
    campaign.self_deadline = local_today()  # the deadline day itself is not late
    db.session.commit()
    assert "逾期" not in cells()[tenant_a.dept_a.name]
