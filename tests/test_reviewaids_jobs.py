"""A submission's review-aid checks in the background: started only once the submission is committed (a
thread of the web process, or an RQ job when Redis is configured), never for a rolled-back one."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from assess.extensions import db
from assess.models import CampaignState, ReviewFlag, SubmissionState
from assess.reviewaids import jobs
from assess.selfassessment import flow
from tests.review_aids_world import build


@pytest.fixture()
def late(app, tenant_a, monkeypatch):
    """Department B's self-assessment (a passage copied from A's, lightly edited) waiting for its leader."""
    campaign, subs, _old = build(tenant_a)
    campaign.state = CampaignState.SELF_ASSESSMENT
    b = subs["B"]
    b.state = SubmissionState.AWAITING_LEADER
    db.session.commit()
    monkeypatch.setattr(flow, "blocking", lambda _r: [])  # the sample answers are complete enough here
    leader = next(u for u in tenant_a.users.values() if u.department_id == b.department_id and u.role.value == "dept_admin")
    return campaign, b, leader


def _copied(campaign):
    db.session.expire_all()
    return {(f.department_id, f.indicator_code) for f in db.session.scalars(
        select(ReviewFlag).where(ReviewFlag.campaign_id == campaign.id, ReviewFlag.kind == "copied_text"))}


def test_a_thread_checks_the_submission_after_it_is_committed(app, late, monkeypatch):
    campaign, b, leader = late
    monkeypatch.setitem(app.config, "AIDS_JOBS", "thread")
    flow.leader_submit(b, actor=leader)
    assert app.extensions.get("review_aids_threads", []) == []  # nothing starts before the commit
    db.session.commit()
    thread = app.extensions["review_aids_threads"].pop()
    thread.join(120)
    assert (b.department_id, "A3") in _copied(campaign)


def test_a_rolled_back_submission_starts_nothing(app, late, monkeypatch):
    campaign, b, leader = late
    monkeypatch.setitem(app.config, "AIDS_JOBS", "thread")
    flow.leader_submit(b, actor=leader)
    db.session.rollback()
    db.session.commit()
    assert app.extensions.get("review_aids_threads", []) == []
    assert _copied(campaign) == set()


def test_with_redis_the_submission_is_queued_and_the_worker_checks_it(app, late, monkeypatch):
    import rq

    campaign, b, leader = late
    calls = []

    class FakeQueue:
        def __init__(self, name, connection):
            calls.append(("queue", name))

        def enqueue(self, func, *args, **kwargs):
            calls.append((func, args))

    monkeypatch.setattr(rq, "Queue", FakeQueue)
    monkeypatch.delitem(app.config, "AIDS_JOBS", raising=False)
    monkeypatch.setattr(app, "testing", False)
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    assert jobs.mode() == "rq"
    flow.leader_submit(b, actor=leader)
    assert calls == []
    db.session.commit()
    assert calls == [("queue", "aids"), (jobs.run_job, (b.id,))]
    assert _copied(campaign) == set()
    jobs.run_job(b.id)  # what the worker runs
    assert (b.department_id, "A3") in _copied(campaign)
