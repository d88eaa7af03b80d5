"""Builders for the documents tests: a published campaign of tenant A with a sent notice, and settings.

(No tests here; the module name keeps it with the documents tests.)
"""
from __future__ import annotations

from assess.extensions import db
from assess.models import CampaignState
from tests.ranking_world import add_department, add_review, make_campaign


def configure_office(office):
    office.authority_mark = f"{office.name}文件"
    office.doc_prefix = "测公办"
    office.issuer_name = office.name
    office.contact = "联系人：张三，电话：0000-1234567"
    office.cc_block = "县委办公室\n县人大常委会办公室"
    office.printed_by = f"{office.name}秘书科"
    db.session.flush()


def published_campaign(tenant, *, configure=True, notices=True):
    """Campaign (state published) with departments A and B, ranking published; A's sent notice."""
    from assess.rectification import generation as rect_generation
    from assess.rectification import services as rect
    from assess.ranking.services import publish_ranking

    if configure:
        configure_office(tenant.office)
    c = make_campaign(tenant.office, state=CampaignState.RECHECK)
    add_department(c, tenant.dept_a, scores={"A1": 0, "C1": 1}, self_scores={"A1": 3},
                   problems={"A1": "SECRET-DEPT-A 领导小组未调整", "C1": "目录不全"})
    add_department(c, tenant.dept_b, scores={"C1": 2}, problems={"C1": "目录不全"})
    add_review(c, tenant.dept_a, tenant.users["reviewer"], "A1", 0, "SECRET-DEPT-A 评审意见")
    publish_ranking(c, tenant.users["office_admin"])
    c.state = CampaignState.PUBLISHED
    db.session.flush()
    if notices:
        created = rect_generation.generate_notices(tenant.office, c, actor=tenant.users["office_admin"])
        for n in created:
            rect.send_notice(n, actor=tenant.users["office_admin"])
    return c


def notice_of(campaign, department):
    from sqlalchemy import select

    from assess.models import Notice

    return db.session.scalars(select(Notice).where(Notice.campaign_id == campaign.id,
                                                   Notice.department_id == department.id)).first()


def isolation_campaign(world):
    return published_campaign(world.tenant)


def isolation_document(world):
    """Office A's issued score sheet of department A (its stored context carries the DEPT marker)."""
    from assess.documents import services
    from assess.models import DocumentKind

    c = world.obj("doc_campaign")
    return services.issue(services.Target(DocumentKind.SCORESHEET, c, world.tenant.dept_a.id), world.tenant.office,
                          actor=world.tenant.users["office_admin"])


def isolation_job(world):
    from assess.models import DocumentJob, DocumentKind

    c = world.obj("doc_campaign")
    job = DocumentJob(office_id=c.office_id, kind=DocumentKind.NOTICE, campaign_id=c.id, total=1)
    db.session.add(job)
    db.session.flush()
    return job
