"""Rubrics using format-2 keys (strict bonus gate, yes/no facts in a deduction, thresholds on figures for
deductions and vetoes) render in the rubric table and the self-assessment form, and a saved answer gets the
engine's suggestion and explanation."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from assess.campaigns import services as campaigns
from assess.extensions import db
from assess.models import CampaignState
from assess.rubrics.store import store_rubric
from assess.selfassessment import services as sa
from tests.campaign_world import submission_of

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rubrics"


def _campaign(tenant, name="gates-facts.yaml"):
    actor = tenant.users["office_admin"]
    row = store_rubric(tenant.office.id, (FIXTURES / name).read_text(encoding="utf-8"), filename=name, actor=actor)
    campaign = campaigns.create_campaign(
        tenant.office, name="2026年度严格门槛测试", year=2026, rubric=row, actor=actor,
        department_ids=[tenant.dept_a.id], self_deadline=campaigns.local_today() + timedelta(days=10))
    campaigns.transition(campaign, CampaignState.SELF_ASSESSMENT, actor=actor)
    db.session.commit()
    return row, campaign


def test_rubric_table_shows_the_strict_gate_and_the_fact_deductions(client, login, tenant_a):
    row, _ = _campaign(tenant_a)
    c = login(tenant_a.users["office_admin"].username)
    resp = c.get(f"/rubrics/{row.id}")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    for text in ("基础分高于16分方可加分", "未公开信息公开目录的扣0.5分", "公开指南按时更新为“否”的扣1分",
                 "每发现一处错敏字扣0.5分，扣完为止"):
        assert text in page, text
    assert "基础分达到16分" not in page


def test_self_assessment_form_renders_and_scores_a_fact_deduction(client, login, tenant_a):
    _, campaign = _campaign(tenant_a)
    sub = submission_of(campaign, tenant_a.dept_a)
    c = login(tenant_a.users["dept_editor"].username)
    resp = c.get(f"/self/{sub.id}")
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    for text in ("A1 目录与指南", "公开信息公开目录", "泄露个人信息", "错敏字", "X1 经验做法被采用"):
        assert text in body, text
    r = sa.save_answer(sub, "A1", actor=tenant_a.users["dept_editor"],
                       inputs={"has_catalogue": "false", "guide_updated": "true", "leak": "false", "errors": "2"})
    db.session.commit()
    # 4 − 0.5 (no catalogue) − 2 × 0.5 (errors) = 2.5
    assert r.suggested == Decimal("2.50") and "未公开信息公开目录，扣0.5分" in r.explanation
    body = c.get(f"/self/{sub.id}").get_data(as_text=True)
    assert "未公开信息公开目录，扣0.5分" in body


def test_threshold_rubric_table_and_form(client, login, tenant_a):
    row, campaign = _campaign(tenant_a, "thresholds.yaml")
    page = login(tenant_a.users["office_admin"].username).get(f"/rubrics/{row.id}").get_data(as_text=True)
    for text in ("不更新栏目达到1个（含）扣1分，达到3个（含）扣2分，达到5个（含）扣3分", "不可访问率高于1%扣2分，高于3%扣4分",
                 "全年不可访问率达到5%（含）的，一票否决", "空白栏目高于5个的，一票否决"):
        assert text in page, text
    sub = submission_of(campaign, tenant_a.dept_a)
    c = login(tenant_a.users["dept_editor"].username)
    resp = c.get(f"/self/{sub.id}")
    assert resp.status_code == 200 and "不更新栏目" in resp.get_data(as_text=True)
    r = sa.save_answer(sub, "A1", actor=tenant_a.users["dept_editor"],
                       inputs={"stale_columns": "3", "wrong_chars": "0"})
    db.session.commit()
    assert r.suggested == Decimal("3.00") and "达到3个，扣2分" in r.explanation  # 5 − 2
    assert c.get(f"/self/{sub.id}").status_code == 200


def test_editor_keeps_the_new_keys_and_refuses_their_misuse_at_the_rule_field(client, login, tenant_a):
    from assess.models import Rubric
    from assess.rubrics import services
    from assess.rubrics.store import engine_rubric
    from sqlalchemy import select

    c = login(tenant_a.users["office_admin"].username)
    for name in ("gates-facts.yaml", "thresholds.yaml"):
        row = store_rubric(tenant_a.office.id, (FIXTURES / name).read_text(encoding="utf-8"), filename=name)
        db.session.commit()
        assert c.get(f"/rubrics/{row.id}/edit").status_code == 200
        data = services.editor_values(services.base_raw(row), yaml_fields=True)  # the YAML boxes (still accepted)
        counted = "- {figure: errors, per: 0.5}" if name == "gates-facts.yaml" else "- {figure: wrong_chars, per: 0.5}"
        assert counted in data["A1.rule"]
        bad = {**data, "A1.rule": data["A1.rule"].replace(counted, counted[:-1] + ", when: true}")}
        resp = c.post(f"/rubrics/{row.id}/edit", data={**bad, "save": "1"})
        assert resp.status_code == 422 and "只用于是/否项" in resp.get_data(as_text=True)
        resp = c.post(f"/rubrics/{row.id}/edit", data={**data, "A2.standard": "改了一句标准", "save": "1"})
        assert resp.status_code == 302
        new = db.session.scalars(select(Rubric).where(Rubric.parent_id == row.id)).one()
        old_r, new_r = engine_rubric(row), engine_rubric(new)
        assert new_r.indicator("A2").standard == "改了一句标准"
        assert new_r.indicator("A1") == old_r.indicator("A1")
        assert new_r.bonus == old_r.bonus and new_r.vetoes == old_r.vetoes
