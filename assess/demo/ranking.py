"""Demo data for rankings: last year's campaign (closed, published) and this year's publication.

``demo_ranking(office, rng)`` runs after the campaign and review demo steps. It adds
"2025年度政务公开工作绩效考核" (closed) for the same departments with final scores and a few problems, and
publishes its ranking, so that the analytics can compare years; then it publishes the demo campaign's
ranking if every submitted department has its final scores (otherwise the ranking stays live and unpublished).
"""
from __future__ import annotations

import random
from decimal import Decimal

from sqlalchemy import insert, select

from .. import scoring
from ..extensions import db
from ..models import (Campaign, CampaignState, IndicatorResult, Office, Role, Submission, SubmissionState, User)
from ..models.base import utcnow
from ..ranking.services import RankingError, publish_ranking
from ..ranking.sums import refresh_campaign
from ..rubrics.store import engine_rubric

LAST_YEAR = "2025年度政务公开工作绩效考核"
PROBLEMS = {
    "C": ["部分栏目长期未更新", "公开目录与实际发布信息不一致", "政策文件未标注有效性"],
    "D": ["解读材料简单重复原文", "解读发布时间晚于文件公开时间"],
    "E": ["依申请答复未载明救济途径", "个别申请逾期答复"],
    "B": ["年度报告未按模板编制"],
    "A": ["领导小组成员调整后未及时更新"],
}


def _last_year(office: Office, campaign: Campaign, rng: random.Random, actor) -> Campaign:
    rubric = engine_rubric(campaign.rubric)
    prev = Campaign(office_id=office.id, name=LAST_YEAR, year=campaign.year - 1, rubric_id=campaign.rubric_id,
                    state=CampaignState.CLOSED)
    db.session.add(prev)
    db.session.flush()
    subs = db.session.execute(select(Submission.department_id, Submission.department_name, Submission.group_id,
                                     Submission.group_name)
                              .where(Submission.office_id == office.id, Submission.campaign_id == campaign.id)).all()
    now = utcnow()
    db.session.execute(insert(Submission), [
        {"office_id": office.id, "department_id": d, "campaign_id": prev.id, "department_name": n, "group_id": g,
         "group_name": gn, "state": SubmissionState.SUBMITTED, "submitted_at": now, "late_days": 0,
         "created_at": now, "updated_at": now, "last_change_at": now, "version_id": 1} for d, n, g, gn in subs])
    rows = []
    inds = [i for i in rubric.all_indicators() if i.rule.kind != "veto"]
    for dept_id, *_rest in subs:
        strength = rng.uniform(0.55, 1.0)
        for ind in inds:
            b = scoring.bounds(rubric, ind.code)
            section = rubric.section_of(ind.code)
            lo = max(b.min, Decimal(0))
            steps = int((b.max - lo) / b.step)
            if section == "bonus":
                k = 0 if rng.random() < 0.7 else rng.randint(0, steps)
            else:
                k = steps if rng.random() < strength else rng.randint(0, steps)
            score = lo + b.step * k
            problem = ""
            if score < ind.points and section in PROBLEMS and rng.random() < 0.5:
                problem = rng.choice(PROBLEMS[section])
            rows.append({"office_id": office.id, "department_id": dept_id, "campaign_id": prev.id,
                         "indicator_code": ind.code, "self_score": ind.points if section != "bonus" else score,
                         "final_score": score, "veto": False, "problem": problem, "decision_reason": "",
                         "updated_at": now, "version_id": 1})
    for start in range(0, len(rows), 20_000):
        db.session.execute(insert(IndicatorResult), rows[start:start + 20_000])
    refresh_campaign(prev)  # bulk rows bypass the ORM hook that keeps department sums
    publish_ranking(prev, actor, "")
    return prev


def demo_ranking(office: Office, rng: random.Random) -> None:
    campaign = db.session.scalars(select(Campaign).where(Campaign.office_id == office.id)
                                  .order_by(Campaign.year.desc(), Campaign.id.desc())).first()
    if campaign is None:
        return
    actor = db.session.scalars(select(User).where(User.office_id == office.id, User.role == Role.OFFICE_ADMIN)
                               .order_by(User.id)).first()
    if not db.session.scalar(select(Campaign.id).where(Campaign.office_id == office.id, Campaign.name == LAST_YEAR)):
        _last_year(office, campaign, rng, actor)
    try:
        publish_ranking(campaign, actor, "")
    except RankingError:
        pass  # scores not final yet: the ranking page shows the live computation
    db.session.flush()
