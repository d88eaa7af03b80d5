"""The demo step: reviewers assigned, submitted departments reviewed, re-check opened, contests answered."""
from __future__ import annotations

import random
import time

from sqlalchemy import func, select

from assess.audit.services import verify_chain
from assess.demo import create_demo
from assess.models import (CampaignState, Contest, IndicatorResult, ReviewAssignment, ReviewScore, Submission,
                           SubmissionState)
from assess.review import services as rs
from assess.demo.review import demo_reviews


def _run(db, monkeypatch, n):
    from assess.demo.campaigns import demo_campaign

    result = create_demo(departments=n, seed=11, lived_in=False)
    demo_campaign(result.office, random.Random(11))
    started = time.perf_counter()
    campaign = demo_reviews(result.office, random.Random(11))
    return result.office, campaign, time.perf_counter() - started


def test_demo_reviews(db, monkeypatch):
    office, campaign, _ = _run(db, monkeypatch, 40)
    assert campaign.state == CampaignState.RECHECK
    assert rs.review_complete(campaign) is None
    submitted = db.session.scalar(select(func.count()).select_from(Submission).where(
        Submission.campaign_id == campaign.id, Submission.state == SubmissionState.SUBMITTED))
    assigned = db.session.scalar(select(func.count(func.distinct(ReviewAssignment.department_id))).where(
        ReviewAssignment.campaign_id == campaign.id))
    assert assigned == submitted
    problems = db.session.scalars(select(IndicatorResult.problem).where(
        IndicatorResult.campaign_id == campaign.id, IndicatorResult.problem != "")).all()
    assert len(problems) >= 10 and any("栏目" in p for p in problems)
    two = db.session.scalar(select(func.count()).select_from(ReviewScore).where(ReviewScore.campaign_id == campaign.id))
    assert two > submitted * len(rs.indicator_codes(rs.rubric_of(campaign)))  # some departments have two reviewers
    contests = db.session.scalars(select(Contest).where(Contest.campaign_id == campaign.id)).all()
    assert len(contests) == 3 and sum(1 for c in contests if c.outcome is not None) == 2
    assert verify_chain(office.id).ok


def test_demo_reviews_published(db, monkeypatch):
    from assess.demo.campaigns import demo_campaign

    result = create_demo(departments=30, seed=5, lived_in=False)
    demo_campaign(result.office, random.Random(5))
    campaign = demo_reviews(result.office, random.Random(5), publish=True)
    assert campaign.state == CampaignState.PUBLISHED
    contests = db.session.scalars(select(Contest).where(Contest.campaign_id == campaign.id)).all()
    assert contests and all(c.outcome is not None for c in contests)
