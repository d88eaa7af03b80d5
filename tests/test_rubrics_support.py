"""Builders for the rubric tests and the isolation harness (no tests here)."""
from __future__ import annotations

from decimal import Decimal

from assess.extensions import db
from assess.models import Answer, Campaign, CampaignState, IndicatorResult, Submission, SubmissionState
from assess.rubrics.store import engine_rubric, shipped_source, store_rubric

COUNTY = "county-annual-2026.yaml"


def county_source(name: str | None = None) -> str:
    src = shipped_source(COUNTY)
    if name:
        src = src.replace("name: 2026年度政务公开工作考核细则", f"name: {name}", 1)
    return src


def isolation_rubric(world):
    """Office A's rubric; its name carries the office marker."""
    return store_rubric(world.tenant.office.id, county_source("AAA考核细则"), filename=COUNTY)


# Full reported figures for the county rubric (every required input), tuned per department below.
BASE_INPUTS = {
    "A1": {"has_group": True}, "A2": {"office_named": True, "staff_named": True, "staff_stable": True},
    "A3": {"meetings": 3}, "A4": {"has_plan": True}, "A5": {"trainings": 2},
    "B1": {k: True for k in ("rule_proactive", "rule_request", "rule_secrecy", "rule_coordination",
                             "rule_accountability", "rule_interpretation", "rule_response")},
    "B2": {"guide_current": True, "catalogue_current": True}, "B3": {"days_late": 0},
    "B4": {"data_errors": 0, "copied_from_last_year": 0}, "B5": {"issues_reported": 2, "issues_fixed": 2},
    "C1": {"items_published": 250}, "C2": {"docs_issued": 4, "docs_on_time": 4},
    "C3": {k: True for k in ("plans", "budgets", "three_public", "powers_list", "fund_monthly", "employment")},
    "C4": {"posts_per_week": 6}, "C5": {"empty_columns": 0, "stale_columns": 0},
    "C6": {"wrong_chars": 0, "broken_links": 0},
    "C7": {"notice_board": True, "reading_point": True, "hall_guides": True},
    "C9": {"consultations": 2, "feedback_published": 2}, "D1": {"key_docs": 4, "interpreted": 4},
    "D2": {"graphic": True, "qa": True, "video": True, "interview": False}, "D3": {"press_conferences": 4},
    "E1": {"received": 3, "answered_on_time": 3}, "E2": {"late_answers": 0, "incomplete_answers": 0},
    "E3": {"overturned": 0}, "E4": {"reply_rate": 98}, "E5": {"unanswered_events": 0},
    "E6": {"named_in_circular": 0},
}


def scored_campaign(office, depts, *, inputs_by_dept: dict, judgements: dict | None = None, rubric=None,
                    vetoes: dict | None = None):
    """A campaign on the county rubric whose departments reported ``inputs`` and were scored by the engine
    (final score = the rule's score; judgement indicators from ``judgements``), built with the models."""
    import json

    from assess import scoring

    rubric = rubric or store_rubric(office.id, county_source(), filename=COUNTY)
    rubric.frozen = True
    c = Campaign(office_id=office.id, name="2026年度政务公开考核", year=2026, rubric_id=rubric.id,
                 state=CampaignState.CLOSED)
    db.session.add(c)
    db.session.flush()
    eng = engine_rubric(rubric)
    for dept in depts:
        inputs = inputs_by_dept[dept.id]
        judged = (judgements or {}).get(dept.id, {})
        result = scoring.score(eng, inputs, judgements={k: Decimal(str(v)) for k, v in judged.items()})
        db.session.add(Submission(office_id=office.id, department_id=dept.id, campaign_id=c.id,
                                  department_name=dept.name, group_id=dept.group_id, group_name=dept.group.name,
                                  state=SubmissionState.SUBMITTED))
        db.session.flush()
        sub = db.session.query(Submission).filter_by(campaign_id=c.id, department_id=dept.id).one()
        for code, given in inputs.items():
            db.session.add(Answer(office_id=office.id, department_id=dept.id, submission_id=sub.id, campaign_id=c.id,
                                  indicator_code=code, inputs=json.dumps(given, ensure_ascii=False)))
        for code, s in result.indicators.items():
            veto = code in (vetoes or {}).get(dept.id, ())
            db.session.add(IndicatorResult(office_id=office.id, department_id=dept.id, campaign_id=c.id,
                                           indicator_code=code, suggested_score=s.suggested,
                                           final_score=None if s.kind == "veto" else s.score, veto=veto))
    db.session.flush()
    return c
