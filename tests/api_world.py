"""A small world for the API tests and the schemathesis run: a campaign in self-assessment with department
A's submission (answers, a file), and a campaign in review with an assigned reviewer."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ApiWorld:
    campaign: object
    submission: object
    evidence: object
    review_campaign: object | None = None
    review_submission: object | None = None


def build_world(tenant) -> ApiWorld:
    from tests.campaign_world import make_campaign, pdf_bytes, submission_of

    from assess.selfassessment import evidence as ev
    from assess.selfassessment import services as sa

    campaign = make_campaign(tenant, name="AAA 2026年度考核（接口测试）")
    submission = submission_of(campaign, tenant.dept_a)
    editor = tenant.users["dept_editor"]
    sa.save_answer(submission, "A1", actor=editor, inputs={"has_group": "true"}, explanation="SECRET-DEPT-A 说明")
    evidence = ev.add_file(submission, "A1", actor=editor, filename="a1.pdf", data=pdf_bytes("w"),
                           title="SECRET-DEPT-A 文件")
    world = ApiWorld(campaign, submission, evidence)
    try:
        from tests.review_factories import make_campaign as review_campaign, make_submission

        from assess.review import services as rs

        rc = review_campaign(tenant.office)
        rsub = make_submission(rc, tenant.dept_a, explanation="SECRET-DEPT-A 自评说明")
        rs.assign(rc, tenant.dept_a.id, tenant.users["reviewer"], actor=None)
        world.review_campaign, world.review_submission = rc, rsub
    except ImportError:
        pass
    return world
