"""The demo step builds notices in every state for the demo office."""
from __future__ import annotations

import random
from decimal import Decimal

from sqlalchemy import select

from assess.demo import create_demo
from assess.models import (Campaign, CampaignState, Department, IndicatorResult, ItemState, Notice, NoticeItem,
                           NoticeState)
from assess.rectification import ledger, services
from assess.demo.rectification import demo_rectification
from assess.rubrics.store import shipped_source, store_rubric


def test_demo_rectification(db):
    result = create_demo(departments=10, seed=7, lived_in=False)
    office = result.office
    rubric = store_rubric(office.id, shipped_source("county-annual-2026.yaml"), filename="county-annual-2026.yaml")
    campaign = Campaign(office_id=office.id, name="2026年度政务公开考核", year=2026, rubric_id=rubric.id,
                        state=CampaignState.PUBLISHED)
    db.session.add(campaign)
    db.session.flush()
    rng = random.Random(3)
    for dept in db.session.scalars(select(Department).where(Department.office_id == office.id)):
        for code in ("A1", "A2", "A3"):
            if rng.random() < 0.6:
                db.session.add(IndicatorResult(office_id=office.id, department_id=dept.id, campaign_id=campaign.id,
                                               indicator_code=code, final_score=Decimal(rng.choice(["0", "1"])),
                                               problem=f"{dept.name}在{code}方面存在不足"))
    db.session.flush()
    demo_rectification(office, random.Random(2026))
    notices = db.session.scalars(select(Notice).where(Notice.office_id == office.id)).all()
    assert any(n.campaign_id is None for n in notices) and any(n.campaign_id == campaign.id for n in notices)
    states = {i.state for i in db.session.scalars(select(NoticeItem).where(NoticeItem.office_id == office.id))}
    assert ItemState.ACCEPTED in states and len(states) >= 3
    assert {n.state for n in notices} >= {NoticeState.DRAFT, NoticeState.SENT}
    assert ledger.ledger(office.id) and services.overdue_count(office.id) > 0


def test_demo_rectification_without_a_campaign(db):
    office = create_demo(departments=4, seed=1, lived_in=False).office
    demo_rectification(office, random.Random(1))
    notices = db.session.scalars(select(Notice).where(Notice.office_id == office.id)).all()
    assert len(notices) == 2 and all(n.campaign_id is None for n in notices)
