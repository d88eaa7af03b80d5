"""Moving a campaign to a new rubric version: the mapping shown first (kept / rescored / re-entry / added /
removed), answers kept for unchanged indicators, the suggestion worked out again where only the rule changed,
refusals (review started, signed submissions, another rubric, a stale page), every change audited."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from assess.campaigns.services import create_campaign, transition
from assess.extensions import db
from assess.models import Answer, AuditEntry, CampaignState, Submission, SubmissionState
from assess.rubrics.store import engine_rubric, store_rubric
from assess.selfassessment import rubric_switch
from assess.selfassessment.answers import answers_of_code, save_answer
from tests.test_rubrics_support import COUNTY, county_source


def _v2_source() -> str:
    """The county rubric, version 2: C6 deducts 1 per wrong character (rule changed, same figures); E1 asks
    for ``answered_in_time`` (figures changed); C9 is renamed C10 (removed + added); C1 untouched."""
    src = county_source()
    src = src.replace("- {figure: wrong_chars, per: 0.5}", "- {figure: wrong_chars, per: 1}")
    src = src.replace("answered_on_time", "answered_in_time")
    src = src.replace("code: C9", "code: C10")
    return src.replace("version: 1", "version: 2", 1)


@pytest.fixture()
def world(tenant_a):
    office, admin = tenant_a.office, tenant_a.users["office_admin"]
    v1 = store_rubric(office.id, county_source(), filename=COUNTY, actor=admin)
    camp = create_campaign(office, name="2026年度政务公开考核", year=2026, rubric=v1, actor=admin,
                           group_ids=[tenant_a.group.id], self_deadline=date(2099, 12, 31))
    transition(camp, CampaignState.SELF_ASSESSMENT, actor=admin)
    v2 = store_rubric(office.id, _v2_source(), filename="county-v2.yaml", actor=admin, parent=v1)
    subs = {s.department_id: s for s in db.session.scalars(select(Submission).where(Submission.campaign_id == camp.id))}
    sub_a, sub_b = subs[tenant_a.dept_a.id], subs[tenant_a.dept_b.id]
    ed_a, ed_b = tenant_a.users["dept_editor"], tenant_a.users["dept_b_editor"]
    save_answer(sub_a, "C1", actor=ed_a, inputs={"items_published": "246"}, explanation="门户网站统计")
    save_answer(sub_a, "C6", actor=ed_a, inputs={"wrong_chars": "2", "broken_links": "3"})
    save_answer(sub_a, "E1", actor=ed_a, inputs={"received": "3", "answered_on_time": "3"}, explanation="3件均按时")
    save_answer(sub_a, "C9", actor=ed_a, inputs={"consultations": "2", "feedback_published": "2"})
    # department B chose its own C6 score, with a reason
    save_answer(sub_b, "C6", actor=ed_b, inputs={"wrong_chars": "2", "broken_links": "0"}, self_score="4.4",
                self_score_reason="监测报告误报一处")
    db.session.flush()
    return type("W", (), dict(camp=camp, v1=v1, v2=v2, sub_a=sub_a, sub_b=sub_b, admin=admin, tenant=tenant_a))


def test_mapping_lists_kept_rescored_changed_added_and_removed(world):
    m = rubric_switch.mapping(world.camp, world.v2)
    assert "C1" in m.codes("kept") and "A1" in m.codes("kept")
    assert m.codes("rescored") == ["C6"]
    assert m.rescored[0].what == ["计分规则改变"] and m.rescored[0].answers == 2
    assert m.codes("changed") == ["E1"] and "按时答复" in m.changed[0].what[0]
    assert m.codes("added") == ["C10"] and m.codes("removed") == ["C9"] and m.removed[0].answers == 1
    assert len(m.kept) + len(m.rescored) + len(m.changed) + len(m.added) == 36


def test_switch_keeps_unchanged_answers_rescores_clears_and_deletes(world):
    a_c1_before = answers_of_code(world.sub_a, "C1")
    c1_inputs, c1_version = a_c1_before.inputs, a_c1_before.version_id
    assert answers_of_code(world.sub_a, "C6").suggested_score == Decimal("3.4")  # 5 − 2×0.5 − 3×0.2
    rubric_switch.switch_rubric(world.camp, world.v2, actor=world.admin, expected_version=world.camp.version_id,
                                expected_rubric_id=world.v1.id)
    db.session.flush()
    assert world.camp.rubric_id == world.v2.id and world.v2.frozen
    c1 = answers_of_code(world.sub_a, "C1")
    assert (c1.inputs, c1.self_score, c1.explanation) == (c1_inputs, Decimal(6), "门户网站统计")
    assert c1.version_id == c1_version  # not touched at all
    c6 = answers_of_code(world.sub_a, "C6")
    # the same figures under the new rule: 5 − 2×1 − 3×0.2 = 2.4; the self-score followed the suggestion
    assert json.loads(c6.inputs) == {"broken_links": "3", "wrong_chars": "2"}
    assert (c6.suggested_score, c6.self_score) == (Decimal("2.4"), Decimal("2.4"))
    b6 = answers_of_code(world.sub_b, "C6")  # 5 − 2 = 3 suggested; the department's own 4.4 is still on the grid
    assert (b6.suggested_score, b6.self_score, b6.self_score_reason) == (Decimal(3), Decimal("4.4"), "监测报告误报一处")
    e1 = answers_of_code(world.sub_a, "E1")
    assert (json.loads(e1.inputs), e1.self_score, e1.suggested_score, e1.explanation) == ({}, None, None, "3件均按时")
    assert answers_of_code(world.sub_a, "C9") is None
    # the department goes on under the new version: the new figure is accepted
    save_answer(world.sub_a, "E1", actor=world.tenant.users["dept_editor"],
                inputs={"received": "3", "answered_in_time": "2"})
    assert engine_rubric(world.camp.rubric).indicator("C10") is not None


def test_switch_is_audited(world):
    rubric_switch.switch_rubric(world.camp, world.v2, actor=world.admin)
    db.session.flush()
    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert actions[-1] == "campaign.rubric_switch"
    assert {"answer.rubric_removed", "answer.rubric_cleared", "answer.rubric_rescored"} <= set(actions)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.rubric_switch")).one()
    new = entry.new if isinstance(entry.new, dict) else json.loads(entry.new)
    assert new["rubric_id"] == world.v2.id and new["removed"] == ["C9"] and new["changed"] == ["E1"]


def test_refused_after_review_started(world):
    world.camp.state = CampaignState.REVIEW
    assert rubric_switch.switch_problems(world.camp)
    with pytest.raises(rubric_switch.SwitchError, match="评审开始后不能更换"):
        rubric_switch.switch_rubric(world.camp, world.v2, actor=world.admin)


def test_refused_while_a_department_signed_the_old_version(world):
    world.sub_b.state = SubmissionState.AWAITING_LEADER
    db.session.flush()
    with pytest.raises(rubric_switch.SwitchError) as exc:
        rubric_switch.switch_rubric(world.camp, world.v2, actor=world.admin)
    assert world.sub_b.department_name in str(exc.value)
    assert world.camp.rubric_id == world.v1.id


def test_refused_for_a_stale_page_another_rubric_or_the_same_version(world, tenant_a):
    with pytest.raises(rubric_switch.SwitchError, match="已被他人修改"):
        rubric_switch.switch_rubric(world.camp, world.v2, actor=world.admin, expected_version=world.camp.version_id - 1)
    with pytest.raises(rubric_switch.SwitchError, match="已在使用"):
        rubric_switch.switch_rubric(world.camp, world.v1, actor=world.admin)
    other = store_rubric(tenant_a.office.id, county_source().replace("code: county-annual-2026", "code: other-2026", 1),
                         filename="other.yaml")
    with pytest.raises(rubric_switch.SwitchError, match="同一考核细则"):
        rubric_switch.switch_rubric(world.camp, other, actor=world.admin)
    assert db.session.scalar(select(Answer).where(Answer.indicator_code == "C9")) is not None


def test_page_shows_the_mapping_and_needs_the_tick(world, client, login):
    db.session.commit()
    c = login(world.admin.username)
    page = c.get(f"/campaigns/{world.camp.id}/rubric?rubric_id={world.v2.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="map-C9"' in text and 'id="map-E1"' in text and "计分规则改变" in text
    form = {"rubric_id": str(world.v2.id), "version": str(world.camp.version_id), "from_rubric": str(world.v1.id)}
    refused = c.post(f"/campaigns/{world.camp.id}/rubric", data=form)
    assert refused.status_code == 422 and "勾选确认" in refused.get_data(as_text=True)
    done = c.post(f"/campaigns/{world.camp.id}/rubric", data={**form, "confirm": "y"})
    assert done.status_code == 302
    db.session.expire_all()
    assert world.camp.rubric_id == world.v2.id
    again = c.post(f"/campaigns/{world.camp.id}/rubric", data={**form, "rubric_id": str(world.v1.id), "confirm": "y"})
    assert again.status_code == 422 and "已被他人修改" in again.get_data(as_text=True)


def test_reviewer_may_not_switch(world, client, login):
    db.session.commit()
    c = login(world.tenant.users["reviewer"].username)
    assert c.get(f"/campaigns/{world.camp.id}/rubric").status_code == 403
