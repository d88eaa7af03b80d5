"""Builders shared by the rectification tests and the isolation registry (no tests here)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from assess.extensions import db
from assess.models import Campaign, CampaignState, IndicatorResult, Notice, NoticeSource, Rubric
from assess.rectification import services
from assess.rubrics.store import shipped_source, store_rubric

RUBRIC_FILE = "county-annual-2026.yaml"


def rubric_for(office) -> Rubric:
    row = db.session.scalars(select(Rubric).where(Rubric.office_id == office.id).order_by(Rubric.id)).first()
    return row or store_rubric(office.id, shipped_source(RUBRIC_FILE), filename=RUBRIC_FILE)


def make_campaign(tenant, *, year: int = 2026, name: str | None = None,
                  state: CampaignState = CampaignState.PUBLISHED, rectify_deadline: date | None = None) -> Campaign:
    campaign = Campaign(office_id=tenant.office.id, name=name or f"{year}年度政务公开考核", year=year,
                        rubric_id=rubric_for(tenant.office).id, state=state, rectify_deadline=rectify_deadline)
    db.session.add(campaign)
    db.session.flush()
    return campaign


def add_result(tenant, campaign, dept, code: str, final: str, *, problem: str = "", self_score: str | None = None):
    r = IndicatorResult(office_id=tenant.office.id, department_id=dept.id, campaign_id=campaign.id,
                        indicator_code=code, final_score=Decimal(final), reviewed_score=Decimal(final),
                        self_score=Decimal(self_score) if self_score else None, problem=problem)
    db.session.add(r)
    db.session.flush()
    return r


def future(days: int = 30) -> date:
    return services.today_local() + timedelta(days=days)


def make_notice(tenant, dept=None, *, problem: str = "SECRET-DEPT-A 首页有 3 处断链", send: bool = True,
                deadline: date | None = None) -> Notice:
    notice = services.create_notice(
        tenant.office, dept or tenant.dept_a, actor=tenant.users["office_admin"], title="网站监测问题整改通知",
        deadline=deadline or future(), problem=problem, requirement="修复断链并自查全站",
        source=NoticeSource.MONITORING)
    if send:
        services.send_notice(notice, actor=tenant.users["office_admin"])
    return notice


def isolation_notice(world):
    """Department A's sent notice for the isolation harness (problem text carries the DEPT marker)."""
    return make_notice(world.tenant, problem="SECRET-DEPT-A 网站首页存在断链")


def isolation_evidence(world):
    item = world.obj("rect_item")
    return services.add_evidence(item, actor=None, kind="excerpt", title="SECRET-DEPT-A 自查记录",
                                 text="SECRET-DEPT-A 已修复")
