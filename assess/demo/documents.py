"""Demo data for documents: ``demo_documents(office, rng)`` — run LAST, after campaigns, review, ranking and
rectification.

It fills the office's document settings when empty (with the specimen seal "样章", so a demo document can
never pass for a real one), then, for the office's latest campaign with a published ranking, saves an edited
circular draft and issues the circular, every sent rectification notice and a few score sheets; sent notices
of earlier published campaigns are issued too. Without a published ranking it only fills the settings.
"""
from __future__ import annotations

import random

from sqlalchemy import select

from ..documents import services
from ..documents.samples import sample_seal_png
from ..extensions import db
from ..models import Campaign, DocumentKind, Office, Role, User
from ..ranking.services import latest_publication

# Issued notices in the demo: enough to show the ledger of issued documents, few enough that a
# province-sized demo (``--departments 5000``) is not spent rendering thousands of PDFs.
DEMO_NOTICES = 12
# Above this many departments the demo saves the circular's draft but does not render it (its results table
# runs to a hundred pages and more; the office issues it from the documents page, or ``flask documents``).
DEMO_CIRCULAR_MAX_DEPARTMENTS = 1000

CLOSING = ("希望受到表扬的单位珍惜荣誉、再接再厉；各单位要以此次考核为契机，"
           "把政务公开工作抓在日常、落在实处。")


def demo_documents(office: Office, rng: random.Random) -> None:
    actor = db.session.scalars(select(User).where(User.office_id == office.id, User.department_id.is_(None),
                                                  User.role == Role.OFFICE_ADMIN).order_by(User.id)).first()
    if not office.doc_prefix:
        short = office.name.removesuffix("政务公开办").removesuffix("公开办") or office.name
        services.update_settings(office, {
            "authority_mark": f"{short}人民政府办公室文件",
            "doc_prefix": f"{short[:1]}政公办",
            "issuer_name": office.name,
            "contact": "联系人：王晓明，电话：0000-6123456",
            "cc_block": f"{short}委办公室\n{short}人大常委会办公室\n{short}政协办公室",
            "printed_by": f"{short}人民政府办公室",
        }, actor=actor)
    if not office.seal_key:
        services.upload_seal(office, sample_seal_png(), actor=actor)
    published = [c for c in services.campaigns(office.id) if latest_publication(c) is not None]
    if not published:
        return
    _issue_campaign(office, published[0], rng, actor)
    for campaign in published[1:]:  # notices raised on an earlier campaign's results (rectification demo)
        _issue_notices(office, campaign, actor)


def _issue_campaign(office: Office, campaign: Campaign, rng: random.Random, actor) -> None:
    if services.issued_for(campaign, DocumentKind.CIRCULAR) is None:
        body, _row = services.circular_body(campaign, office)
        body["requirements"] = body["requirements"] + "\n" + CLOSING
        services.save_draft(campaign, office, body, actor=actor)
    departments = services.campaign_departments(campaign)
    if len(departments) <= DEMO_CIRCULAR_MAX_DEPARTMENTS:
        services.issue(services.Target(DocumentKind.CIRCULAR, campaign), office, actor=actor)
    _issue_notices(office, campaign, actor)
    for dept_id, _name in departments[:3]:  # the first three in rank order
        services.issue(services.Target(DocumentKind.SCORESHEET, campaign, dept_id), office, actor=actor)


def _issue_notices(office: Office, campaign: Campaign, actor) -> None:
    for notice in services.campaign_notices(campaign)[:DEMO_NOTICES]:
        services.issue(services.Target(DocumentKind.NOTICE, campaign, notice.department_id, notice), office,
                       actor=actor)
