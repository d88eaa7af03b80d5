"""Helpers for campaign / self-assessment tests: a campaign on the shipped county rubric."""
from __future__ import annotations

from datetime import timedelta

from assess.campaigns import services as campaigns
from assess.extensions import db
from assess.models import CampaignState
from assess.rubrics import store

RUBRIC_FILE = "county-annual-2026.yaml"

# Answers that make the shipped county rubric complete (figures per indicator; judgement items get a score).
FULL_INPUTS = {
    "A1": {"has_group": "true"}, "A2": {"office_named": "true", "staff_named": "true", "staff_stable": "true"},
    "A3": {"meetings": "3"}, "A4": {"has_plan": "true"}, "A5": {"trainings": "2"},
    "B1": {k: "true" for k in ("rule_proactive", "rule_request", "rule_secrecy", "rule_coordination",
                                "rule_accountability", "rule_interpretation", "rule_response")},
    "B2": {"guide_current": "true", "catalogue_current": "true"}, "B3": {"days_late": "0"},
    "B4": {"data_errors": "0", "copied_from_last_year": "0"}, "B5": {"issues_reported": "2", "issues_fixed": "2"},
    "B6": {}, "C1": {"items_published": "246"}, "C2": {"docs_issued": "4", "docs_on_time": "4"},
    "C3": {k: "true" for k in ("plans", "budgets", "three_public", "powers_list", "fund_monthly", "employment")},
    "C4": {"posts_per_week": "5.5"}, "C5": {"empty_columns": "0", "stale_columns": "0"},
    "C6": {"wrong_chars": "0", "broken_links": "0"},
    "C7": {"notice_board": "true", "reading_point": "true", "hall_guides": "true"}, "C8": {},
    "C9": {"consultations": "1", "feedback_published": "1"}, "D1": {"key_docs": "2", "interpreted": "2"},
    "D2": {"graphic": "true", "qa": "true", "video": "false", "interview": "false"}, "D3": {"press_conferences": "2"},
    "D4": {}, "E1": {"received": "3", "answered_on_time": "3"}, "E2": {"late_answers": "0", "incomplete_answers": "0"},
    "E3": {"overturned": "0"}, "E4": {"reply_rate": "96"}, "E5": {"unanswered_events": "0"},
    "E6": {"named_in_circular": "0"},
}
JUDGED = {"B6": "1.5", "C8": "3", "D4": "2"}


def stored_rubric(office, actor=None):
    return store.store_rubric(office.id, store.shipped_source(RUBRIC_FILE), filename=RUBRIC_FILE, actor=actor)


def make_campaign(tenant, *, state=CampaignState.SELF_ASSESSMENT, name="2026年度政务公开工作绩效考核", year=2026,
                  deadline_days=10, departments=None):
    actor = tenant.users["office_admin"]
    rubric = stored_rubric(tenant.office, actor)
    depts = departments or [tenant.dept_a, tenant.dept_b]
    campaign = campaigns.create_campaign(
        tenant.office, name=name, year=year, rubric=rubric, actor=actor, department_ids=[d.id for d in depts],
        allow_other_year=year != rubric.year,  # a past-year campaign on the one shipped rubric, on purpose
        self_deadline=campaigns.local_today() + timedelta(days=deadline_days))
    if state != CampaignState.DRAFT:
        campaigns.transition(campaign, CampaignState.SELF_ASSESSMENT, actor=actor)
    if state not in (CampaignState.DRAFT, CampaignState.SELF_ASSESSMENT):
        campaign.state = state
    db.session.flush()
    return campaign


def submission_of(campaign, dept):
    return next(s for s in campaign.submissions if s.department_id == dept.id)


def fill_all(submission, actor, *, evidence=True):
    """Answer every base indicator (and attach a file where evidence is required)."""
    from assess.selfassessment import evidence as ev
    from assess.selfassessment import services as sa

    rubric = sa.rubric_of(submission.campaign)
    for code, inputs in FULL_INPUTS.items():
        sa.save_answer(submission, code, actor=actor, inputs=inputs, self_score=JUDGED.get(code),
                       explanation=f"{code} 情况说明")
    if evidence:
        for ind in rubric.all_indicators():
            if rubric.section_of(ind.code) in ("bonus", "veto"):
                continue
            if any(e.required for e in ind.evidence):
                ev.add_file(submission, ind.code, actor=actor, filename=f"{ind.code}.pdf",
                            data=pdf_bytes(ind.code), title=f"{ind.code} 佐证")


def pdf_bytes(tag: str = "x") -> bytes:
    return (b"%PDF-1.4\n1 0 obj<<>>endobj\n% " + tag.encode() + b"\ntrailer<<>>\n%%EOF\n")


PNG = bytes.fromhex("89504E470D0A1A0A0000000D4948445200000001000000010806000000"
                    "1F15C4890000000D49444154789C6360000002000154A24F5D0000000049454E44AE426082")


# --- isolation harness objects (tests/isolation_registry.py) --------------------------------------------


def isolation_campaign(w):
    return make_campaign(w.tenant, name="AAA 2026年度考核（隔离测试）")


def isolation_submission(w):
    from assess.selfassessment import services as sa

    submission = submission_of(w.obj("campaign"), w.tenant.dept_a)
    sa.save_answer(submission, "A1", actor=w.tenant.users["dept_editor"], inputs={"has_group": "true"},
                   explanation="SECRET-DEPT-A 领导小组由局长任组长")
    return submission


def isolation_evidence(w):
    from assess.selfassessment import evidence as ev

    return ev.add_file(w.obj("submission_a"), "A1", actor=w.tenant.users["dept_editor"], filename="a1.pdf",
                       data=pdf_bytes("secret"), title="SECRET-DEPT-A 领导小组文件")
