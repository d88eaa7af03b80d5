"""Demo data: the 2026 campaign of the demo office, with self-assessments filled in.

``demo_campaign(office, rng)`` runs right after ``create_demo``'s own steps (before review, ranking and
rectification): it stores the shipped county rubric for the office, creates "2026年度政务公开工作绩效考核"
with every active department, and fills plausible self-assessments — most departments submitted on time,
one submitted late (县城市管理和环境卫生局, 2 days), a few still in progress or awaiting their leader,
a few not started. The campaign ends in the review state.

It writes answers, submissions and link evidence with bulk statements (thousands of departments take
seconds) and one audit entry for the bulk fill; the campaign itself goes through the services (audited).
The first department (县人力资源和社会保障局, log-ins rsj-editor / rsj-admin) gets real PDF files, so its
evidence can be previewed and downloaded.
"""
from __future__ import annotations

import hashlib
import json
import random
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import bindparam, select

from .. import scoring
from ..audit.services import record
from ..campaigns import services
from ..extensions import db
from ..notify import services as notify_services
from ..models import (Answer, Campaign, CampaignState, Department, Evidence, EvidenceKind, Office, Role, Rubric,
                      Submission, SubmissionState, User)
from ..rubrics import store
from .notifications import scheduled_days
from ..selfassessment import services as selfassessment_services

NAME = "2026年度政务公开工作绩效考核"
RUBRIC_FILE = "county-annual-2026.yaml"
SELF_DEADLINE = date(2026, 11, 10)
CHINA = timezone(timedelta(hours=8))

# figures where more is worse: mostly 0
DEDUCTION_FIGURES = {"data_errors", "copied_from_last_year", "empty_columns", "stale_columns", "wrong_chars",
                     "broken_links", "late_answers", "incomplete_answers", "overturned", "unanswered_events",
                     "named_in_circular", "days_late"}
RANGES = {"meetings": (1, 4), "trainings": (0, 3), "items_published": (40, 420), "press_conferences": (0, 5),
          "adopted": (0, 4), "praised": (0, 2)}
OVERRIDE_REASONS = ["部分信息为转载，按实际情况下调", "个别栏目更新不及时，主动下调", "另有一次专题会议纪要未归档，按建议分下调"]
CLOSINGS = ["相关材料已作为佐证上传。", "详见佐证材料。", "有关文件已在门户网站公开。", ""]


def _figures(ind: scoring.Indicator, rng: random.Random, strong: float) -> dict:
    """Plausible figures for one indicator; ``strong`` (0..1) is how good the department is."""
    values: dict = {}
    ratio_pairs = {c.of for c in ind.computed if c.op == "ratio"}
    for num_name, den_name in ratio_pairs:
        den = rng.randint(0, 12)
        short = 0 if rng.random() < strong else rng.randint(1, max(1, den // 3))
        values[den_name] = str(den)
        values[num_name] = str(max(0, den - short))
    for spec in ind.inputs:
        if spec.name in values:
            continue
        if spec.type == "boolean":
            if ind.rule.kind == "veto":
                continue
            if not spec.required:
                if rng.random() < 0.1:
                    values[spec.name] = True
                continue
            values[spec.name] = rng.random() < 0.55 + 0.45 * strong
        elif spec.name in DEDUCTION_FIGURES:
            values[spec.name] = str(0 if rng.random() < strong else rng.randint(1, 2 if spec.max is None else int(spec.max)))
        elif spec.type == "rate":
            values[spec.name] = str(Decimal(rng.randint(780, 1000)) / 10 if rng.random() > 0.2 * (1 - strong) else Decimal(rng.randint(600, 900)) / 10)
        elif spec.type == "decimal":
            values[spec.name] = str(Decimal(rng.randint(5, 80)) / 10)
        elif spec.type == "integer":
            if ind.rule.kind == "veto":
                continue
            lo, hi = RANGES.get(spec.name, (0, 10))
            if not spec.required and rng.random() < 0.5:
                continue
            values[spec.name] = str(rng.randint(lo, hi))
    return values


def _explanation(ind: scoring.Indicator, values: dict, rng: random.Random) -> str:
    parts = []
    for spec in ind.inputs:
        if spec.name not in values:
            continue
        v = values[spec.name]
        if isinstance(v, bool):
            parts.append(f"{spec.label}：{'是' if v else '否'}")
        else:
            parts.append(f"{spec.label}{v}{spec.unit}")
    text = "；".join(parts)
    return (f"本单位{text}。" if text else "") + rng.choice(CLOSINGS)


def _judged(rubric: scoring.Rubric, code: str, rng: random.Random, strong: float) -> Decimal:
    b = scoring.bounds(rubric, code)
    steps = int((b.max - b.min) / b.step)
    k = max(0, min(steps, round(steps * (0.5 + 0.5 * strong) - rng.randint(0, 1))))
    return b.min + b.step * k


def _pdf(title: str) -> bytes:
    text = title.encode("ascii", "replace").decode()
    return (f"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            f"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n% demo evidence {text}\n"
            f"trailer<</Root 1 0 R>>\n%%EOF\n").encode()


def demo_campaign(office: Office, rng: random.Random) -> Campaign:
    actor = db.session.scalars(select(User).where(User.office_id == office.id, User.role == Role.OFFICE_ADMIN,
                                                  User.department_id.is_(None)).order_by(User.id)).first()
    source = store.shipped_source(RUBRIC_FILE)
    row = db.session.scalars(select(Rubric).where(  # reuse the shipped version when another step stored it
        Rubric.office_id == office.id, Rubric.sha256 == hashlib.sha256(source.encode()).hexdigest())).first()
    row = row or store.store_rubric(office.id, source, filename=RUBRIC_FILE, actor=actor)
    rubric = store.engine_rubric(row)
    groups = {d.group_id for d in db.session.scalars(select(Department).where(Department.office_id == office.id))}
    campaign = services.create_campaign(
        office, name=NAME, year=2026, rubric=row, actor=actor, group_ids=sorted(groups),
        self_deadline=SELF_DEADLINE, review_start=date(2026, 11, 11), review_end=date(2026, 11, 30),
        recheck_start=date(2026, 12, 1), recheck_end=date(2026, 12, 7), rectify_deadline=date(2026, 12, 31))
    services.transition(campaign, CampaignState.SELF_ASSESSMENT, actor=actor, reason="演示数据")
    subs = db.session.execute(select(Submission.id, Submission.department_id, Department.name)
                              .join(Department, Department.id == Submission.department_id)
                              .where(Submission.campaign_id == campaign.id).order_by(Submission.department_id)).all()
    n = len(subs)
    # who is where: most submitted; index 2 (环卫局) late; a few in progress / with the leader / not started
    late_index = 2 if n > 2 else None
    pending = list(range(4, n))
    rng.shuffle(pending)
    share = max(1, n // 25) if n > 6 else 0
    not_started = set(pending[:share])
    in_progress = set(pending[share:2 * share])
    awaiting = set(pending[2 * share:3 * share])

    answers, evidence, sub_updates = [], [], []
    base_time = datetime.combine(SELF_DEADLINE, time(9, 0), CHINA).astimezone(timezone.utc)
    indicators = rubric.all_indicators()
    memo: dict = {}
    for i, (sid, dept_id, dept_name) in enumerate(subs):
        if i in not_started:
            continue
        strong = rng.random()
        partial = i in in_progress
        chosen = indicators[: rng.randint(5, 20)] if partial else indicators
        when = base_time - timedelta(days=rng.randint(1, 12), minutes=rng.randint(0, 600))
        for ind in chosen:
            values = _figures(ind, rng, strong)
            memo_key = (ind.code, tuple(sorted(values.items())))
            if memo_key not in memo:
                memo[memo_key] = selfassessment_services.suggest(ind, values)[0]
            suggested = memo[memo_key]
            score, reason = suggested, ""
            if ind.rule.kind == "judgement":
                score = _judged(rubric, ind.code, rng, strong)
            elif suggested is not None and suggested > 0 and rng.random() < 0.03:
                b = scoring.bounds(rubric, ind.code)
                if suggested - b.step >= b.min:
                    score, reason = suggested - b.step, rng.choice(OVERRIDE_REASONS)
            stored = {k: (v if isinstance(v, bool) else str(v)) for k, v in values.items()}
            answers.append(dict(office_id=office.id, department_id=dept_id, submission_id=sid, campaign_id=campaign.id,
                                indicator_code=ind.code, inputs=json.dumps(stored, ensure_ascii=False, sort_keys=True),
                                self_score=score, suggested_score=suggested, self_score_reason=reason,
                                explanation=_explanation(ind, values, rng), carried_over=False, updated_at=when,
                                version_id=1))
            section = rubric.section_of(ind.code)
            claimed = score is not None and score > 0
            if i != 0 and (section not in ("bonus", "veto") or claimed):
                for spec in ind.evidence:
                    if spec.required or rng.random() < 0.3:
                        evidence.append(dict(office_id=office.id, department_id=dept_id, campaign_id=campaign.id,
                                             owner_type="submission", owner_id=sid, indicator_code=ind.code,
                                             kind=EvidenceKind.LINK, title=spec.title, created_at=when,
                                             url=f"https://www.example.gov.cn/zwgk/{dept_id}/{ind.code.lower()}.html"))
        if i == late_index:
            state, submitted, late = SubmissionState.SUBMITTED, base_time + timedelta(days=2, hours=1), 2
        elif partial:
            state, submitted, late = SubmissionState.IN_PROGRESS, None, 0
        elif i in awaiting:
            state, submitted, late = SubmissionState.AWAITING_LEADER, None, 0
        else:
            state, submitted, late = SubmissionState.SUBMITTED, when + timedelta(hours=rng.randint(1, 48)), 0
        sub_updates.append(dict(b_id=sid, b_state=state, b_sent=None if partial else when,
                                b_submitted=submitted, b_late=late, b_changed=submitted or when))
    # 催报 before the deadline to the departments not yet submitted then (also the one that submits late, 环卫局,
    # whose users log in to the demo); some have read it, some not
    unsent = [sid for i, (sid, _, _) in enumerate(subs) if i in not_started | in_progress | awaiting or i == late_index]
    if unsent:
        reminded = notify_services.send_reminder(campaign, unsent, actor=actor,
                                                 message="请于截止日期前提交，逾期未提交的将在通报中说明。")
        sent_at = base_time - timedelta(days=3)  # three days before the deadline it reminds of
        for note in reminded:
            note.created_at = sent_at
        for note in reminded[::2]:
            notify_services.mark_read(note, when=sent_at + timedelta(hours=2))
    if answers:
        db.session.execute(Answer.__table__.insert(), answers)
    if evidence:
        db.session.execute(Evidence.__table__.insert(), evidence)
    # the departments' states as they stood at the deadline (the late one had not submitted yet); the reminders
    # the schedule sent (7, 3 and 1 working days before, overdue the day after), then the late submission
    late_sid = subs[late_index][0] if late_index is not None else None
    _update_submissions([u for u in sub_updates if u["b_id"] != late_sid])
    scheduled_days(office, [date(2026, 10, 30), date(2026, 11, 5), date(2026, 11, 9), date(2026, 11, 11)])
    _update_submissions([u for u in sub_updates if u["b_id"] == late_sid])
    if subs:
        _real_files(office, campaign, subs[0][0], rubric)
    record(office.id, "campaign.demo_fill", "campaign", campaign.id, actor=actor, campaign_id=campaign.id,
           new={"answers": len(answers), "evidence": len(evidence), "submissions": len(sub_updates)})
    campaign = db.session.get(Campaign, campaign.id)
    campaign.state = CampaignState.REVIEW  # the deadline has passed (the review precondition holds by date)
    campaign.state_changed_at = datetime.combine(date(2026, 11, 11), time(9, 0), CHINA).astimezone(timezone.utc)
    record(office.id, "campaign.transition", "campaign", campaign.id, actor=actor, campaign_id=campaign.id,
           old={"state": "self_assessment"}, new={"state": "review"}, reason="演示数据")
    db.session.flush()
    return campaign


def _update_submissions(rows: list[dict]) -> None:
    if rows:
        t = Submission.__table__
        db.session.execute(
            t.update().where(t.c.id == bindparam("b_id")).values(
                state=bindparam("b_state"), sent_to_leader_at=bindparam("b_sent"), submitted_at=bindparam("b_submitted"),
                late_days=bindparam("b_late"), last_change_at=bindparam("b_changed")),
            rows)
    db.session.expire_all()


def _real_files(office: Office, campaign: Campaign, submission_id: int, rubric: scoring.Rubric) -> None:
    """The first department's required evidence as small real PDF files (preview/download in the demo)."""
    from ..evidence import services as evidence_services

    sub = db.session.get(Submission, submission_id)
    rows = []
    for ind in rubric.all_indicators():
        if rubric.section_of(ind.code) in ("bonus", "veto"):
            continue
        for spec in ind.evidence:
            if not spec.required:
                continue
            data = _pdf(f"{ind.code} {sub.department_id}")
            checked = evidence_services.check_file(f"{ind.code}-{spec.title}.pdf", data)
            key = evidence_services.store_file(office.id, sub.department_id, data, checked)
            rows.append(dict(office_id=office.id, department_id=sub.department_id, campaign_id=campaign.id,
                             owner_type="submission", owner_id=sub.id, indicator_code=ind.code, kind=EvidenceKind.FILE,
                             title=spec.title, storage_key=key, filename=checked.filename,
                             content_type=checked.content_type, size=checked.size, sha256=checked.sha256))
            if "link" in spec.kinds:
                rows.append(dict(office_id=office.id, department_id=sub.department_id, campaign_id=campaign.id,
                                 owner_type="submission", owner_id=sub.id, indicator_code=ind.code,
                                 kind=EvidenceKind.LINK, title=f"{spec.title}（网页）",
                                 url=f"https://www.example.gov.cn/zwgk/{sub.department_id}/{ind.code.lower()}.html"))
    if rows:
        keys = set().union(*rows)
        db.session.execute(Evidence.__table__.insert(), [{k: r.get(k) for k in keys} for r in rows])
