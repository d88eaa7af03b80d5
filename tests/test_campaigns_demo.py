"""The demo step: a campaign in review with plausible self-assessments."""
from __future__ import annotations

import json
import random
from collections import Counter

from sqlalchemy import func, select

from assess import scoring
from assess.demo.campaigns import NAME, demo_campaign
from assess.demo import create_demo
from assess.models import AuditEntry, Answer, CampaignState, Evidence, Notification, Submission, SubmissionState
from assess.selfassessment import services as sa


def test_demo_campaign(db, monkeypatch):
    result = create_demo(departments=40, seed=7, lived_in=False)
    campaign = demo_campaign(result.office, random.Random(7))
    assert campaign.name == NAME and campaign.state == CampaignState.REVIEW and campaign.rubric.frozen
    subs = db.session.scalars(select(Submission).where(Submission.campaign_id == campaign.id)).all()
    states = Counter(s.state for s in subs)
    assert len(subs) == 40 and states[SubmissionState.SUBMITTED] >= 30
    assert states[SubmissionState.NOT_STARTED] and states[SubmissionState.IN_PROGRESS] and states[SubmissionState.AWAITING_LEADER]
    late = [s for s in subs if s.late_days]
    assert len(late) == 1 and late[0].department_name == "县城市管理和环境卫生局"
    rubric = sa.rubric_of(campaign)
    for s in subs:
        if s.state == SubmissionState.SUBMITTED:
            r = scoring.score(rubric, sa.scoring_inputs(s), overrides=sa.self_scores(s), late_days=s.late_days)
            assert r.total > 40
            assert not sa.blocking(sa.readiness(s)), s.department_name
    first = min(subs, key=lambda s: s.department_id)
    files = db.session.scalars(select(Evidence).where(Evidence.owner_id == first.id, Evidence.storage_key.is_not(None))).all()
    assert files and all(f.sha256 for f in files)
    assert db.session.scalar(select(func.count()).select_from(Answer)) > 1000
    # the departments that had not submitted were reminded (催报); some have read it, some not
    notes = db.session.scalars(select(Notification).where(Notification.kind == "remind")).all()
    reminded = {s.id for s in subs if s.state != SubmissionState.SUBMITTED or s.late_days}
    assert {int(n.link.rsplit("/", 1)[1]) for n in notes} == {late[0].id}  # the only one of them with users
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "notify.remind")).all()
    assert len(json.loads(entry.new)["departments"]) == len(reminded)
    assert any(n.read_at for n in notes) and any(n.read_at is None for n in notes)
    # sent before the deadline it reminds of, read after it was sent
    assert all(n.created_at.date() < subs[0].campaign.self_deadline for n in notes)
    assert all(n.read_at is None or n.read_at > n.created_at for n in notes)
