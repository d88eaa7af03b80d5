"""A campaign on tests/fixtures/rubrics/major-veto-na.yaml (major deductions, a veto that ends scoring, 不适用
then rescale) renders on every page that shows scores — rubric table, self-assessment form, review sheet,
results and waterfall, ranking (office and department), PDF score sheet — and reads right.

Department A (group AAA县直部门; scores worked by hand): A2 marked 不适用 by the department (no 办事服务), B2 applies
only to 乡镇 → applicable 100 − 20 − 15 = 65; A1 34 + B1 23 = 57 → 57 × 100 / 65 = 87.6923… → 87.69; bonus X1 2
(base ≥ 60) → 89.69; major M1 −5, M2 −10 = −15, capped at 12 → 89.69 − 12 = 77.69, 合格.
Department B: 网站不可访问 vetoed, nothing else scored → 单项否决, 不合格, no area or bonus shown as scored.
"""
from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from sqlalchemy import select

from assess.extensions import db
from assess.models import CampaignState, IndicatorResult
from assess.ranking.services import compute_ranking, publish_ranking
from assess.review import services as rs
from assess.rubrics.store import store_rubric
from tests.ranking_world import add_department, make_campaign

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "rubrics" / "major-veto-na.yaml"
SCORES_A = {"A1": 34, "B1": 23, "X1": 2, "M1": -5, "M2": -10}
NOT_VETO = ("A1", "A2", "B1", "B2", "X1", "M1", "M2")


@pytest.fixture()
def world(db, tenant_a):
    t = tenant_a
    t.row = store_rubric(t.office.id, FIXTURE.read_text(encoding="utf-8"), filename=FIXTURE.name)
    t.campaign = make_campaign(t.office, rubric=t.row, state=CampaignState.RECHECK)
    add_department(t.campaign, t.dept_a, scores=SCORES_A, problems={"M1": "发生重大政务舆情1次"}, missing=("B2",))
    a2 = db.session.scalars(select(IndicatorResult).where(IndicatorResult.campaign_id == t.campaign.id,
                                                          IndicatorResult.department_id == t.dept_a.id,
                                                          IndicatorResult.indicator_code == "A2")).one()
    a2.final_score, a2.self_score, a2.not_applicable = None, None, "本单位无办事服务"  # what review.decide keeps
    add_department(t.campaign, t.dept_b, vetoes=("V1",), missing=NOT_VETO, problems={"V1": "全年不可访问率6%"})
    rs.assign(t.campaign, t.dept_a.id, t.users["reviewer"], actor=None)
    db.session.commit()
    return t


def _sub(t, dept):
    from sqlalchemy import select

    from assess.models import Submission
    return db.session.scalars(select(Submission).where(Submission.campaign_id == t.campaign.id,
                                                       Submission.department_id == dept.id)).one()


def test_ranking_rows_carry_the_major_deduction_and_the_ended_veto(world):
    rows = {r.department_id: r for r in compute_ranking(world.campaign)}
    a, b = rows[world.dept_a.id], rows[world.dept_b.id]
    assert (str(a.total), a.major, a.grade, a.complete) == ("77.69", -12, "合格", True)
    assert a.areas == {"A": 34, "B": 23}  # the major deduction never touches an area
    assert (a.base_raw, a.applicable_points, str(a.base)) == (57, 65, "87.69")
    assert a.not_applicable == {"A2": "本单位标为不适用", "B2": "本指标仅适用于乡镇组或标记为“有公开栏”的单位"}
    assert (b.ended, b.total, b.grade, b.complete, b.areas) == (True, 0, "不合格", True, {})
    assert b.explanation[0] == "单项否决：网站不可访问。其余指标不再评分"
    assert (a.rank, b.rank) == (1, 2)


def test_rubric_table_reads_the_three_shapes(world, login):
    page = login(world.users["office_admin"].username).get(f"/rubrics/{world.row.id}").get_data(as_text=True)
    for text in ("重大扣分项（从总分中扣除，不计入各领域得分，合计最多扣12分）",
                 "每发现一次重大政务舆情扣5分，本项最多扣10分，从总分中扣除（不计入各领域得分）。",
                 "公开内容泄露个人信息的扣10分，本项最多扣10分",
                 "一票否决项（单项否决：触发即终止评分，其余指标不再评分）",
                 "触发一票否决的，考核结果为单项否决，等次为不合格，其余指标不再评分。",
                 "适用范围：仅适用于乡镇组或标记为“有公开栏”的单位，其他单位不适用；不适用的不计分，总分按适用指标满分折算。",
                 "适用范围：无此项工作的单位可标为不适用并写明原因；不适用的不计分，总分按适用指标满分折算。"):
        assert text in page, text


def test_office_ranking_and_the_departments_own_row(world, login):
    c = login(world.users["office_admin"].username)
    page = c.get(f"/ranking/{world.campaign.id}").get_data(as_text=True)
    table = page[page.index('id="ranking-table"'):]
    assert "重大扣分" in table and "-12.00" in table and "77.69" in table and "不适用2项，已折算" in table
    row_b = table[table.index("AAA乙局"):table.index("</tr>", table.index("AAA乙局"))]
    assert "单项否决" in row_b and "0.00" not in row_b  # no area, bonus or total shown as if scored
    publish_ranking(world.campaign, world.users["office_admin"])
    db.session.commit()
    own = login(world.users["dept_editor"].username).get(f"/ranking/{world.campaign.id}").get_data(as_text=True)
    assert "重大扣分" in own and "-12.00" in own and "77.69" in own
    assert "适用指标满分65分，得分57.00分，折算为87.69分" in own
    assert ("不适用：A2 办事服务（本单位标为不适用）、B2 村务公开栏（本指标仅适用于乡镇组或标记为“有公开栏”的单位），共35分；"
            "适用指标满分65分，得分57分折算为100分制：57×100÷65=87.69分") in own
    assert "重大扣分项：各项扣15分，合计15分，以12分为限，从总分中扣除12分（不计入各领域得分）" in own
    own_b = login(world.users["dept_b_admin"].username).get(f"/ranking/{world.campaign.id}").get_data(as_text=True)
    block = own_b[own_b.index('id="own-row"'):]
    assert "考核结果" in block and "单项否决" in block and "加分" not in block.split("</table>")[0]


def test_score_sheets(world, login):
    publish_ranking(world.campaign, world.users["office_admin"])
    db.session.commit()
    c = login(world.users["office_admin"].username)
    base = f"/documents/campaigns/{world.campaign.id}/scoresheets"
    a = c.get(f"{base}/{world.dept_a.id}/preview")
    assert a.status_code == 200
    html = a.get_data(as_text=True)
    assert "重大扣分项" in html and "重大扣分</td><td>-12" in html and "总分</td><td>77.69" in html
    assert "不适用：本单位无办事服务" in html
    assert "不适用指标不计分，适用指标满分65分，得分57分折算为100分制计87.69分。" in html
    assert "重大扣分项扣12分，从总分中扣除（不计入各领域得分）。" in html
    b = c.get(f"{base}/{world.dept_b.id}/preview").get_data(as_text=True)
    assert "考核结果：<strong>单项否决</strong>" in b and "单项否决：网站不可访问。其余指标不再评分" in b
    assert "小计" not in b and "加分</td>" not in b  # nothing printed as if scored
    assert c.get(f"{base}/{world.dept_b.id}/preview?fmt=pdf").data.startswith(b"%PDF")


def test_review_pages_and_self_assessment_form(world, login):
    sub = _sub(world, world.dept_a)
    c = login(world.users["reviewer"].username)
    sheet = c.get(f"/review/submissions/{sub.id}")
    assert sheet.status_code == 200 and "M1" in sheet.get_data(as_text=True)
    office = login(world.users["office_admin"].username)
    results = office.get(f"/review/submissions/{sub.id}/results").get_data(as_text=True)
    assert "M1 重大政务舆情" in results and "-5" in results and 'title="本单位无办事服务">不适用' in results
    fall_a2 = office.get(f"/review/submissions/{sub.id}/results/A2").get_data(as_text=True)
    assert "不适用：本单位无办事服务（不计分，总分按适用指标满分折算）" in fall_a2
    fall = office.get(f"/review/submissions/{sub.id}/results/M1")
    assert fall.status_code == 200 and "-5" in fall.get_data(as_text=True)
    sub_b = _sub(world, world.dept_b)
    assert office.get(f"/review/submissions/{sub_b.id}/results").status_code == 200
    assert office.get(f"/review/submissions/{sub_b.id}/results/V1").status_code == 200
    form = login(world.users["dept_editor"].username).get(f"/self/{sub.id}")
    assert form.status_code == 200
    body = form.get_data(as_text=True)
    assert "重大扣分项（从总分中扣除）" in body and "一票否决项（单项否决：触发即终止评分）" in body


def test_a_department_marks_an_item_not_applicable_in_its_form(db, tenant_a, login):
    from datetime import timedelta

    from assess.campaigns import services as campaigns
    from assess.review.base import suggestions
    from assess.rubrics.store import engine_rubric
    from assess.selfassessment import services as sa
    from tests.campaign_world import submission_of

    actor = tenant_a.users["office_admin"]
    row = store_rubric(tenant_a.office.id, FIXTURE.read_text(encoding="utf-8"), filename=FIXTURE.name, actor=actor)
    campaign = campaigns.create_campaign(
        tenant_a.office, name="2026年度不适用测试", year=2026, rubric=row, actor=actor,
        department_ids=[tenant_a.dept_a.id], self_deadline=campaigns.local_today() + timedelta(days=10))
    campaigns.transition(campaign, CampaignState.SELF_ASSESSMENT, actor=actor)
    db.session.commit()
    sub = submission_of(campaign, tenant_a.dept_a)
    c = login(tenant_a.users["dept_editor"].username)
    body = c.get(f"/self/{sub.id}").get_data(as_text=True)
    assert "本单位无此项工作，标为不适用" in body  # A2 allows it
    assert "本指标仅适用于乡镇组或标记为“有公开栏”的单位，本单位不适用" in body  # B2 by group
    # ticked without a reason: refused at the field, the tick kept
    resp = c.post(f"/self/{sub.id}/answers/A2", data={"version": 0, "na": "1", "na_reason": "  "})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "请写明不适用的原因。" in page and 'name="na" value="1" checked' in page
    resp = c.post(f"/self/{sub.id}/answers/A2", data={"version": 0, "na": "1", "na_reason": "本单位无办事服务"})
    assert resp.status_code == 302
    body = c.get(f"/self/{sub.id}").get_data(as_text=True)
    assert "不适用：本单位无办事服务（不计分，总分按适用指标满分折算）" in body
    prog = sa.progress(sub)
    assert prog.statuses["A2"].complete and prog.statuses["B2"].complete and not prog.statuses["A1"].complete
    # A1 self-scored 34, B1 23 → 57 of 65 → 87.69 on the self-scored total
    sa.save_answer(sub, "A1", actor=tenant_a.users["dept_editor"], inputs={"errors": "3"})
    sa.save_answer(sub, "B1", actor=tenant_a.users["dept_editor"], inputs={"late_replies": "2"})
    db.session.commit()
    assert sa.self_totals(sub).total == D("87.69")
    # the review's suggestion carries it on to the result
    sugg = suggestions(engine_rubric(row), sa.answers_of(sub))
    assert sugg["A2"].not_applicable == "本单位无办事服务" and sugg["B2"].not_applicable.startswith("本指标仅适用于")
    # an indicator the rubric does not allow to be marked is refused
    resp = c.post(f"/self/{sub.id}/answers/A1", data={"version": 1, "na": "1", "na_reason": "不涉及"})
    assert resp.status_code == 422 and "考核细则未允许本指标标为不适用。" in resp.get_data(as_text=True)
