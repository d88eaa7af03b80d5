"""Review aids' services: running the checks on a campaign, the office's switches, dismissing a flag."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from assess.extensions import db
from assess.models import Answer, AuditEntry, IndicatorResult, ReviewFlag
from assess.reviewaids import services as aids
from tests.review_aids_world import answer, build, set_figure


def _flags(campaign, kind):
    return db.session.scalars(select(ReviewFlag).where(ReviewFlag.campaign_id == campaign.id,
                                                       ReviewFlag.kind == kind)).all()


@pytest.fixture()
def world(tenant_a):
    return build(tenant_a)


def test_copied_text_between_departments_and_from_last_year(world, tenant_a):
    campaign, subs, old = world
    counts = aids.run_checks(campaign, actor=tenant_a.users["office_admin"])
    flags = {(f.department_id, f.indicator_code, f.other_department_id, f.other_campaign_id): f
             for f in _flags(campaign, "copied_text")}
    a, b, c = (subs[k].department_id for k in "ABC")
    assert set(flags) == {(a, "A1", b, campaign.id), (b, "A3", a, campaign.id), (c, "A1", c, old["C"].campaign_id)}
    assert counts["copied_text"] == 3
    detail = json.loads(flags[(b, "A3", a, campaign.id)].detail)
    mine, theirs, sim = detail["passages"][0]
    assert mine.startswith("今年本局") and theirs.startswith("今年我局") and 0.5 <= sim < 1
    assert detail["other"]["indicator"] == "A1" and detail["other"]["department"] == subs["A"].department_name
    assert 0.5 < detail["similarity"] < 1
    # the boilerplate every department opens A2 with, and D's own text, are not flagged
    assert not any(f.indicator_code == "A2" or f.department_id == subs["D"].department_id
                   for f in _flags(campaign, "copied_text"))


def test_a_figure_ten_times_last_year_and_the_group_is_flagged_normal_ones_not(world):
    campaign, subs, old = world
    set_figure(subs["A"], "A3", "meetings", 30)  # 3 last year, 3 in every other department
    db.session.flush()
    aids.run_checks(campaign)
    flags = _flags(campaign, "figure_jump")
    assert [(f.department_id, f.indicator_code, f.field) for f in flags] == [(subs["A"].department_id, "A3", "meetings")]
    detail = json.loads(flags[0].detail)
    assert detail["value"] == 30 and detail["last_year"] == 3 and detail["group_median"] == 3
    assert detail["ratio"] == 10 and set(detail["reasons"]) == {"last_year", "group"}


def test_flags_never_change_a_score_and_a_dismissal_is_logged_and_kept(world, tenant_a):
    campaign, subs, old = world
    scores = [(a.id, a.self_score) for a in db.session.scalars(select(Answer).where(Answer.campaign_id == campaign.id))]
    aids.run_checks(campaign)
    assert [(a.id, a.self_score) for a in db.session.scalars(
        select(Answer).where(Answer.campaign_id == campaign.id))] == scores
    assert db.session.scalars(select(IndicatorResult).where(IndicatorResult.campaign_id == campaign.id)).all() == []
    flag = next(f for f in _flags(campaign, "copied_text") if f.department_id == subs["B"].department_id)
    reviewer = tenant_a.users["reviewer"]
    with pytest.raises(aids.AidsError) as exc:
        aids.dismiss(flag, "  ", actor=reviewer)
    assert exc.value.field == "reason"
    aids.dismiss(flag, "两单位联合开展的专栏，说明一致属正常", actor=reviewer)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "review_flag.dismiss")).one()
    assert entry.object_id == str(flag.id) and "联合开展" in entry.reason and entry.actor_id == reviewer.id
    aids.run_checks(campaign)  # found again: still dismissed
    db.session.refresh(flag)
    assert flag.dismissed_at is not None and flag.dismiss_reason.startswith("两单位")
    assert [v.flag.id for v, _s in aids.campaign_flags(campaign)].count(flag.id) == 0
    assert flag.id in [v.flag.id for v, _s in aids.campaign_flags(campaign, include_dismissed=True)]


def test_a_flag_no_longer_found_is_removed(world):
    campaign, subs, old = world
    aids.run_checks(campaign)
    answer(subs["B"], "A3").explanation = "本局今年重点推进了政务新媒体矩阵建设，新开通短视频账号一个。"
    db.session.flush()
    aids.run_checks(campaign)
    assert not any(f.department_id in (subs["A"].department_id, subs["B"].department_id)
                   for f in _flags(campaign, "copied_text"))


def test_the_office_switches_a_check_off_and_sets_thresholds(world, tenant_a):
    campaign, subs, old = world
    set_figure(subs["A"], "A3", "meetings", 30)
    db.session.flush()
    aids.run_checks(campaign)
    admin = tenant_a.users["office_admin"]
    aids.update_settings(campaign, enabled=["copied_text"], jump_ratio="3", jump_z="3.5", text_similarity="0.5",
                         actor=admin)
    assert [v.flag.kind for v in aids.flags_for(subs["A"], "A3")] == []  # switched off: not shown
    counts = aids.run_checks(campaign)
    assert "figure_jump" not in counts
    aids.update_settings(campaign, enabled=["figure_jump"], jump_ratio="20", jump_z="50", text_similarity="0.5",
                         actor=admin)
    assert aids.run_checks(campaign) == {"figure_jump": 0}  # ×10 is below ×20, z below 50
    with pytest.raises(aids.AidsError) as exc:
        aids.update_settings(campaign, enabled=[], jump_ratio="abc", jump_z="3", text_similarity="0.5", actor=admin)
    assert exc.value.field == "jump_ratio"
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "review_aids.settings")).all()


def test_the_cli_runs_the_checks(app, world):
    campaign, subs, old = world
    db.session.commit()  # the fixture's connection rolls back at the end
    res = app.test_cli_runner().invoke(args=["aids", "run", str(campaign.id)])
    assert res.exit_code == 0, res.output
    assert "copied_text: 3" in res.output and "figure_jump: 0" in res.output
    assert len(_flags(campaign, "copied_text")) == 3
    assert app.test_cli_runner().invoke(args=["aids", "run", "999999"]).exit_code != 0


def test_two_reviewers_dismissing_the_same_flag_keep_the_first_reason(world, tenant_a):
    from sqlalchemy import update

    from assess.models.base import utcnow

    campaign, subs, old = world
    aids.run_checks(campaign)
    flag = _flags(campaign, "copied_text")[0]
    assert flag.dismissed_at is None  # this reviewer's page was loaded before …
    db.session.execute(update(ReviewFlag).where(ReviewFlag.id == flag.id)  # … another reviewer dismissed it
                       .values(dismissed_at=utcnow(), dismiss_reason="第一位的理由")
                       .execution_options(synchronize_session=False))
    with pytest.raises(aids.AidsError) as exc:
        aids.dismiss(flag, "第二位的理由", actor=tenant_a.users["office_admin"])
    assert exc.value.field == "reason"
    db.session.refresh(flag)
    assert flag.dismiss_reason == "第一位的理由"


def test_one_among_zeros_is_unusual_but_no_jump(world):
    """A count of 1 where the group reports 0 has a large z-score but is no jump: far from the group means
    also as many times off its median as the office's ratio asks (the demo's 数据错误 1处 among 0处)."""
    campaign, subs, old = world
    for key in subs:
        set_figure(subs[key], "A3", "meetings", 0)
    set_figure(subs["A"], "A3", "meetings", 1)
    db.session.flush()
    aids.run_checks(campaign)
    assert [f for f in _flags(campaign, "figure_jump") if "group" in json.loads(f.detail)["reasons"]] == []
