"""Builders for ranking tests: a campaign on the county rubric with departments, submissions and final scores.

Rows are created directly with the models (the campaign and review services are written in parallel).
"""
from __future__ import annotations

from decimal import Decimal

from assess.extensions import db
from assess.models import (Campaign, CampaignState, IndicatorResult, ReviewScore, Submission, SubmissionState)
from assess.rubrics.store import engine_rubric, shipped_source, store_rubric

RUBRIC_FILE = "county-annual-2026.yaml"


def make_rubric(office, source: str | None = None):
    return store_rubric(office.id, source or shipped_source(RUBRIC_FILE), filename=RUBRIC_FILE)


def make_campaign(office, *, rubric=None, year=2026, state=CampaignState.RECHECK, name=None) -> Campaign:
    rubric = rubric or make_rubric(office)
    c = Campaign(office_id=office.id, name=name or f"{year}年度政务公开考核", year=year, rubric_id=rubric.id, state=state)
    db.session.add(c)
    db.session.flush()
    return c


def add_department(campaign, dept, *, scores: dict | None = None, submitted=True, late_days=0, vetoes=(),
                   self_scores: dict | None = None, problems: dict | None = None, group=None, missing=()):
    """A submission and a final score for every base and bonus indicator (full points unless ``scores``)."""
    rubric = engine_rubric(campaign.rubric)
    group = group or dept.group
    db.session.add(Submission(
        office_id=campaign.office_id, department_id=dept.id, campaign_id=campaign.id, department_name=dept.name,
        group_id=group.id, group_name=group.name,
        state=SubmissionState.SUBMITTED if submitted else SubmissionState.IN_PROGRESS, late_days=late_days))
    scores = scores or {}
    for ind in rubric.all_indicators():
        if ind.code in missing:
            continue
        veto = ind.code in vetoes
        if ind.rule.kind == "veto":
            final = None
        elif ind.code in scores:
            final = Decimal(str(scores[ind.code]))
        else:
            final = ind.points if rubric.section_of(ind.code) != "bonus" else Decimal(0)
        self_score = Decimal(str((self_scores or {}).get(ind.code, final))) if final is not None else None
        db.session.add(IndicatorResult(
            office_id=campaign.office_id, department_id=dept.id, campaign_id=campaign.id, indicator_code=ind.code,
            self_score=self_score, final_score=final, veto=veto, problem=(problems or {}).get(ind.code, "")))
    db.session.flush()


def add_review(campaign, dept, reviewer, code, score, problem=""):
    db.session.add(ReviewScore(office_id=campaign.office_id, department_id=dept.id, campaign_id=campaign.id,
                               indicator_code=code, reviewer_id=reviewer.id, score=Decimal(str(score)),
                               problem=problem))
    db.session.flush()


def more_departments(office, group, n, prefix="部门"):
    from assess.admin import services

    return [services.create_department(office, f"{prefix}{i:02d}", group, actor=None) for i in range(n)]


def isolation_campaign(world):
    """For the isolation harness: a published campaign of office A; department A's problem text holds the marker."""
    from assess.ranking.services import publish_ranking

    t = world.tenant
    c = make_campaign(t.office)
    add_department(c, t.dept_a, scores={"A1": 0}, problems={"A1": "SECRET-DEPT-A 领导小组未调整"},
                   self_scores={"A1": 3})
    add_department(c, t.dept_b, scores={"C1": 2}, problems={"C1": "乙局目录不全"})
    add_review(c, t.dept_a, t.users["reviewer"], "A1", 0, "SECRET-DEPT-A 评审意见")
    publish_ranking(c, t.users["office_admin"])
    return c
