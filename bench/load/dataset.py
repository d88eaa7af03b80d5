"""The load benchmark's data set, built into an empty database through the app's own services.

- ``create_demo(departments)``: the demo office (300 departments by default) and its people;
- ``demo_campaign``: the 2026 campaign, filled and in review — what the reviewers score and the office
  ranks while the deadline hour of the next campaign runs;
- a 2027 campaign in self-assessment: every department whose 2026 answers were complete (but the first)
  gets them copied (version 1, state "in progress") and a department administrator ``load-dNNN`` — the
  pool from which ``n_dept_users`` people at a time re-save indicators during the run, then send and
  submit, the next department taking the place of one that has submitted;
- ``n_reviewers`` reviewers ``load-rNN``, each assigned a share of 2026's submitted departments.

Every user shares one password, hashed once (cheap Argon2 parameters unless ``production_hash``). The plan written
to JSON is what the locust users need (their usernames, submission ids, indicator codes and figures).
"""
from __future__ import annotations

import json
import random
from datetime import date

from argon2 import PasswordHasher
from sqlalchemy import select

from assess.auth.passwords import hash_password
from assess.extensions import db

PASSWORD = "Load-test-2026!"
CAMPAIGN_2027 = "2027年度政务公开工作绩效考核（负载测试）"


def build(departments: int = 500, n_dept_users: int = 200, n_reviewers: int = 10, seed: int = 2026,
          production_hash: bool = False) -> dict:
    from assess.admin import services as admin
    from assess.campaigns import services as campaigns
    from assess.demo.campaigns import demo_campaign
    from assess.demo import create_demo
    from assess.models import (Answer, Campaign, CampaignState, Department, Evidence, Office, Role, Submission,
                               SubmissionState, User)
    from assess.review import services as rs
    from assess.rubrics import store

    rng = random.Random(seed)
    result = create_demo(departments=departments, seed=seed, lived_in=False)
    office: Office = result.office
    c26: Campaign = demo_campaign(office, rng)
    db.session.flush()
    actor = db.session.scalars(select(User).where(User.username == "office")).one()
    # The deadline hour is about saving, not logging in: by default the load users' hash uses cheap Argon2
    # parameters (verification reads them from the hash), else 211 log-ins at once cost ~200 × the production
    # Argon2id (64 MiB, t=3) on two cores before the first save. --production-hash measures that instead.
    pw = hash_password(PASSWORD) if production_hash else PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    actor.password_hash = pw
    rubric = store.engine_rubric(c26.rubric)
    veto_codes = {ind.code for ind in rubric.vetoes}
    codes = [ind.code for ind in rubric.all_indicators()]

    # --- 2027: the deadline hour -------------------------------------------------------------------
    complete = db.session.execute(
        select(Submission.id, Submission.department_id).where(
            Submission.campaign_id == c26.id,
            Submission.state.in_([SubmissionState.SUBMITTED, SubmissionState.AWAITING_LEADER]))
        .order_by(Submission.department_id)).all()
    # the first department's 2026 evidence is real files without its bonus claim's evidence: not ready to submit
    chosen = complete[1:]
    if len(chosen) < n_dept_users:
        raise SystemExit(f"only {len(chosen)} complete departments for {n_dept_users} users; use more --departments")
    groups = sorted({d.group_id for d in db.session.scalars(select(Department).where(Department.office_id == office.id))})
    c27 = campaigns.create_campaign(office, name=CAMPAIGN_2027, year=2027, rubric=c26.rubric, actor=actor,
                                    group_ids=groups, self_deadline=date(2027, 11, 10),
                                    allow_other_year=True)  # last year's rubric, on purpose
    campaigns.transition(c27, CampaignState.SELF_ASSESSMENT, actor=actor, reason="负载测试")
    sub27 = dict(db.session.execute(select(Submission.department_id, Submission.id)
                                    .where(Submission.campaign_id == c27.id)).all())
    old_to_new = {old_sid: sub27[dept_id] for old_sid, dept_id in chosen}
    answers, evidence = [], []
    a_cols = ["office_id", "department_id", "indicator_code", "inputs", "self_score", "suggested_score",
              "self_score_reason", "explanation", "carried_over", "updated_at"]
    for a in db.session.scalars(select(Answer).where(Answer.submission_id.in_(list(old_to_new)))):
        row = {k: getattr(a, k) for k in a_cols}
        row.update(submission_id=old_to_new[a.submission_id], campaign_id=c27.id, version_id=1)
        answers.append(row)
    e_cols = ["office_id", "department_id", "owner_type", "indicator_code", "kind", "title", "url", "storage_key",
              "filename", "content_type", "size", "sha256"]
    for e in db.session.scalars(select(Evidence).where(Evidence.owner_type == "submission",
                                                       Evidence.owner_id.in_(list(old_to_new)))):
        row = {k: getattr(e, k) for k in e_cols}
        row.update(owner_id=old_to_new[e.owner_id], campaign_id=c27.id)
        evidence.append(row)
    db.session.execute(Answer.__table__.insert(), answers)
    if evidence:
        db.session.execute(Evidence.__table__.insert(), evidence)
    t = Submission.__table__
    db.session.execute(t.update().where(t.c.id.in_(list(old_to_new.values())))
                       .values(state=SubmissionState.IN_PROGRESS))

    figures: dict[int, dict[str, dict]] = {}
    for a in db.session.scalars(select(Answer).where(Answer.campaign_id == c27.id)):
        figures.setdefault(a.submission_id, {})[a.indicator_code] = {
            "inputs": json.loads(a.inputs or "{}"), "self_score": None if a.self_score is None else str(a.self_score),
            "self_score_reason": a.self_score_reason}
    depts = {d.id: d for d in db.session.scalars(select(Department).where(Department.office_id == office.id))}
    dept_users = []
    for n, (_old, dept_id) in enumerate(chosen, start=1):
        username = f"load-d{n:03d}"
        u = admin.create_user(actor=None, username=username, display_name=f"负载{n:03d}", role=Role.DEPT_ADMIN,
                              office=office, department=depts[dept_id])
        u.password_hash = pw
        sid = sub27[dept_id]
        dept_users.append({"username": username, "submission_id": sid,
                           "answers": {c: v for c, v in figures[sid].items() if c not in veto_codes}})

    # --- 2026: reviewers -----------------------------------------------------------------------------
    submitted = db.session.execute(select(Submission.id, Submission.department_id).where(
        Submission.campaign_id == c26.id, Submission.state == SubmissionState.SUBMITTED)
        .order_by(Submission.department_id)).all()
    reviewers = []
    for r in range(1, n_reviewers + 1):
        u = admin.create_user(actor=None, username=f"load-r{r:02d}", display_name=f"评审{r:02d}", role=Role.REVIEWER,
                              office=office)
        u.password_hash = pw
        reviewers.append({"username": u.username, "user": u, "submissions": []})
    db.session.flush()
    for i, (sid, dept_id) in enumerate(submitted):
        rv = reviewers[i % n_reviewers]
        rs.assign(c26, dept_id, rv["user"], actor=actor)
        rv["submissions"].append(sid)
    db.session.flush()
    return {
        "password": PASSWORD, "campaign_review": c26.id, "campaign_self": c27.id,
        "codes": [c for c in codes if c not in veto_codes],
        "dept_users": dept_users,
        "reviewers": [{"username": r["username"], "submissions": r["submissions"]} for r in reviewers],
        "office_users": ["office"],
    }
