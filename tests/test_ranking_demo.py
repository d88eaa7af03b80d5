"""demo_ranking on a small demo office: last year's campaign published, analytics can compare years."""
from __future__ import annotations

import random

from sqlalchemy import select

from assess.models import Campaign, RankingPublication


def test_demo_ranking(app, db):
    from assess.demo import create_demo
    from assess.demo.ranking import LAST_YEAR, demo_ranking
    from assess.ranking.services import compute_ranking

    result = create_demo(departments=12, seed=3, lived_in=False)
    office = result.office
    campaign = db.session.scalars(select(Campaign).where(Campaign.office_id == office.id)).first()
    if campaign is None:  # the campaign demo step is not registered: make one
        from tests.ranking_world import add_department, make_campaign
        from assess.models import Department

        campaign = make_campaign(office)
        for d in db.session.scalars(select(Department).where(Department.office_id == office.id)):
            add_department(campaign, d)
    demo_ranking(office, random.Random(5))
    prev = db.session.scalars(select(Campaign).where(Campaign.name == LAST_YEAR)).one()
    pubs = db.session.scalars(select(RankingPublication).where(RankingPublication.campaign_id == prev.id)).all()
    assert len(pubs) == 1
    rows = compute_ranking(prev)
    assert rows and all(r.complete for r in rows) and {r.rank for r in rows} >= {1}
    demo_ranking(office, random.Random(5))  # idempotent for last year's campaign
    assert db.session.scalars(select(Campaign).where(Campaign.name == LAST_YEAR)).all() == [prev]
