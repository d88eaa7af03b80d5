"""Campaign/submission/answer rows for review tests, built directly with the models.

(The campaigns and self-assessment capabilities have their own services; review tests need only rows.)
"""
from __future__ import annotations

import json
from decimal import Decimal

from assess import scoring
from assess.extensions import db
from assess.models import Answer, Campaign, CampaignState, Submission, SubmissionState
from assess.rubrics.store import engine_rubric, shipped_source, store_rubric

RUBRIC_FILE = "county-annual-2026.yaml"


def sample_inputs(rubric: scoring.Rubric) -> dict:
    """Plausible reported figures for every indicator (numbers small, booleans true, nothing vetoed)."""
    out = {}
    for ind in rubric.all_indicators():
        given = {}
        for spec in ind.inputs:
            if ind.rule.kind == "veto":
                given[spec.name] = False if spec.type == "boolean" else 0
            elif spec.type == "boolean":
                given[spec.name] = True
            elif spec.type == "rate":
                given[spec.name] = 100
            elif spec.type == "text":
                given[spec.name] = "已落实"
            else:
                hi = spec.effective_max
                given[spec.name] = int(min(Decimal(3), hi)) if hi is not None else 3
        out[ind.code] = given
    return out


def make_campaign(office, *, state=CampaignState.REVIEW, threshold="1", contest_max_chars=500, rubric_row=None,
                  **dates) -> Campaign:
    if rubric_row is None:
        rubric_row = store_rubric(office.id, shipped_source(RUBRIC_FILE), filename=RUBRIC_FILE)
    c = Campaign(office_id=office.id, name="2026年度政务公开考核", year=2026, rubric_id=rubric_row.id, state=state,
                 review_diff_threshold=Decimal(threshold), contest_max_chars=contest_max_chars, **dates)
    db.session.add(c)
    db.session.flush()
    return c


def make_submission(campaign: Campaign, department, *, explanation="已按要求落实。", self_scores=None,
                    state=SubmissionState.SUBMITTED) -> Submission:
    """A submitted self-assessment; every self-score equals the rule's suggestion unless ``self_scores`` says."""
    rubric = engine_rubric(campaign.rubric)
    inputs = sample_inputs(rubric)
    result = scoring.score(rubric, inputs)
    sub = Submission(office_id=campaign.office_id, department_id=department.id, campaign_id=campaign.id,
                     department_name=department.name, group_id=department.group_id, group_name="县直部门",
                     state=state)
    db.session.add(sub)
    db.session.flush()
    for ind in rubric.all_indicators():
        own = (self_scores or {}).get(ind.code)
        db.session.add(Answer(office_id=campaign.office_id, department_id=department.id, submission_id=sub.id,
                              campaign_id=campaign.id, indicator_code=ind.code,
                              inputs=json.dumps(inputs[ind.code], ensure_ascii=False),
                              self_score=None if ind.rule.kind == "veto" else (own or result.indicators[ind.code].score),
                              explanation=explanation))
    db.session.flush()
    return sub


# --- objects for the isolation harness (tests/isolation_registry.py) -----------------------------------------


def isolation_campaign(w):
    return make_campaign(w.tenant.office, state=CampaignState.REVIEW)


def isolation_submission(w):
    return make_submission(w.obj("review_campaign"), w.tenant.dept_a, explanation="SECRET-DEPT-A 自评说明")


def isolation_assignment(w):
    from assess.review import services as rs

    sub = w.obj("review_submission")
    return rs.assign(sub.campaign, sub.department_id, w.tenant.users["reviewer"], actor=None)


def isolation_contest(w):
    from assess.models import Contest

    sub = w.obj("review_submission")
    c = Contest(office_id=sub.office_id, department_id=sub.department_id, campaign_id=sub.campaign_id,
                indicator_code="A1", explanation="SECRET-DEPT-A 复核理由", answer="")
    db.session.add(c)
    db.session.flush()
    return c


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def isolation_evidence(w):
    """A reviewer's file evidence on department A's score (stored, so allowed users could download it)."""
    from assess.review import services as rs

    sub = w.obj("review_submission")
    w.obj("review_assignment")
    row = rs.save_score(sub, "A1", actor=w.tenant.users["reviewer"], version=0, score="0",
                        problem="SECRET-DEPT-A 未见文件", evidence_title="SECRET-DEPT-A 截图",
                        evidence_file=("shot.png", PNG))
    return rs.evidence_for(sub.office_id, "review", [row.id])[row.id][0]
