"""Demo data: reviewers assigned and the demo campaign's submitted departments reviewed.

``demo_reviews(office, rng)`` runs after ``demo_campaign`` (which leaves the campaign in the review state)
and before the ranking and rectification steps. It assigns reviewer1 (李华) and reviewer2 (赵雪) — leads
alternating, every fourth department with both — and reviews every submitted department: most indicators
accepted, plausible deductions with problem statements, self-scores above the rule brought back to it, a
few differences between the two reviewers settled by the lead. It then opens the re-check (the campaign
moves to "结果复核中" through the campaign state machine) and files three contests from departments with
log-ins: two answered (one corrected, one upheld), one left for the office to answer.

Scores and results are written with :func:`services.bulk_review` (multi-row inserts, one summary audit
entry), so thousands of departments take seconds; assignments likewise. Contests go through the normal
services. ``publish=True`` also publishes the results (campaign state "已发布").
"""
from __future__ import annotations

import random
from decimal import Decimal

from sqlalchemy import insert, select

from .. import scoring
from ..audit.services import record
from ..clock import local_today
from ..extensions import db
from ..models import (Answer, Campaign, CampaignState, Membership, Office, ReviewAssignment, Role, Submission,
                      SubmissionState, User)
from ..models.base import utcnow
from ..review import services as review_services
from ..tenancy.roles import DEPARTMENT_STAFF

# Problem statements as a reviewer writes them (问题描述): by indicator where the rubric is specific,
# otherwise by area of the county rubric.
BY_INDICATOR = {
    "A1": ["领导小组成员调整后未及时印发调整文件，组长仍为已调离的原负责同志"],
    "A2": ["承办科室人员调离后两个月未明确接替人员"],
    "A3": ["全年仅在年初召开一次专题会议，年中推进、年末总结无会议纪要"],
    "A4": ["年度实施方案未将任务分解到具体科室和责任人"],
    "A5": ["培训签到表无日期，无法认定培训次数"],
    "B1": ["保密审查制度为讨论稿，未见正式印发文本"],
    "B2": ["政府信息公开指南未随机构调整更新，受理机构地址仍为旧址"],
    "B4": ["年度报告“收到和处理政府信息公开申请情况”表格数据前后不一致"],
    "B5": ["上级通报问题整改台账缺少整改完成时间"],
    "C2": ["部分规范性文件未在印发后20个工作日内公开"],
    "C3": ["财政预决算信息缺少“三公”经费说明"],
    "C4": ["政务新媒体账号超过两周未发布信息"],
    "C5": ["“政策解读”栏目近三个月未更新", "“意见征集”栏目内容空白"],
    "C6": ["“通知公告”栏目一篇文章存在错别字，将“部署”误写为“布署”"],
    "C8": ["网站专栏存在失效链接，“通知公告”栏目3处链接无法打开"],
    "C9": ["“意见征集”栏目未公开征集结果及采纳情况"],
    "D1": ["2件政策文件发布时未同步发布解读材料"],
    "D2": ["解读形式单一，全年仅有文字解读"],
    "D4": ["解读材料照搬文件原文，未说明出台背景和主要变化"],
    "E1": ["1件依申请公开答复超过法定期限"],
    "E2": ["依申请公开答复书未告知救济途径"],
    "E4": ["“互动交流”栏目有留言超过5个工作日未回复"],
    "E5": ["对群众关注的停水事件未在24小时内发布回应信息"],
}
PROBLEMS = {
    "A": ["组织领导工作材料不完整，部分事项无文件佐证"],
    "B": ["制度文本未见正式印发，仍为征求意见稿"],
    "C": ["“政策解读”栏目近三个月未更新", "栏目内容与上年度重复，未见本年度更新"],
    "D": ["政策解读材料与文件发布间隔超过3个工作日"],
    "E": ["办理记录不完整，无法核实答复时限"],
}
FORCED = ["C5", "C4", "E4", "A3"]
OVER_CLAIM = "自评分高于按填报数据计算的规则分，按规则核定"
REASONS = ["经核查门户网站及佐证材料", "对照佐证材料逐项核实", "网站抽查结果", "与上年度材料比对"]
LEAD_REASON = "经调阅原始材料，按问题核实情况认定"
CONTESTS = [
    ("该问题已在考核期内整改到位，整改前后的页面截图见补充材料，请予复核。", "changed", "核实整改完成时间在考核期内，恢复该项得分。"),
    ("评审时依据的是草稿版本，现补充正式印发文本，请予复核。", "upheld", "补充文本的印发日期在考核期之后，维持原评分。"),
    ("我单位对该项扣分有不同意见，情况说明和佐证材料见补充链接。", None, ""),
]


def _user(office: Office, username: str) -> User | None:
    return db.session.scalars(select(User).where(User.office_id == office.id, User.username == username)).first()


def _office_admin(office: Office) -> User | None:
    return db.session.scalars(select(User).where(User.office_id == office.id, User.role == Role.OFFICE_ADMIN,
                                                 User.department_id.is_(None)).order_by(User.id)).first()


def _campaign(office: Office) -> Campaign | None:
    return db.session.scalars(select(Campaign).where(Campaign.office_id == office.id,
                                                     Campaign.state == CampaignState.REVIEW)
                              .order_by(Campaign.year.desc(), Campaign.id.desc())).first()


def _step_down(value: Decimal, b: scoring.Bounds, rng: random.Random) -> Decimal:
    """Half a point or a point below (a whole number of the rule's steps, never below its minimum)."""
    unit = b.step * max(1, int(Decimal("0.5") / b.step))
    return max(b.min, value - unit * (1 if rng.random() < 0.7 else 2))


def demo_reviews(office: Office, rng: random.Random, *, publish: bool = False) -> Campaign | None:
    campaign = _campaign(office)
    if campaign is None:
        return None
    admin = _office_admin(office)
    reviewers = [u for u in (_user(office, "reviewer1"), _user(office, "reviewer2")) if u is not None]
    if not reviewers:
        reviewers = list(db.session.scalars(select(User).where(User.office_id == office.id,
                                                               User.role == Role.REVIEWER).order_by(User.id)))[:2]
    if not reviewers:
        return None
    rubric = review_services.rubric_of(campaign)
    codes = review_services.indicator_codes(rubric)
    bounds = {c: scoring.bounds(rubric, c) for c in codes}
    subs = list(db.session.scalars(select(Submission).where(
        Submission.office_id == office.id, Submission.campaign_id == campaign.id,
        Submission.state == SubmissionState.SUBMITTED).order_by(Submission.department_id)))

    # --- assignments (conflicts of interest respected), in one statement ----------------------------------
    conflicted = set(db.session.execute(select(Membership.user_id, Membership.department_id).where(
        Membership.office_id == office.id, Membership.user_id.in_([u.id for u in reviewers]))).all())
    rows, team = [], {}
    for i, sub in enumerate(subs):
        order = reviewers[i % len(reviewers):] + reviewers[:i % len(reviewers)]
        people = [u for u in order if (u.id, sub.department_id) not in conflicted]
        people = people[:2] if (i % 4 == 0 and len(people) > 1) else people[:1]
        team[sub.department_id] = [u.id for u in people]
        rows += [dict(office_id=office.id, department_id=sub.department_id, campaign_id=campaign.id, reviewer_id=uid,
                      is_lead=k == 0, created_at=utcnow()) for k, uid in enumerate(team[sub.department_id])]
    if rows:
        db.session.execute(insert(ReviewAssignment), rows)
    record(office.id, "review.assign_bulk", "campaign", campaign.id, actor=admin, campaign_id=campaign.id,
           new={"assignments": len(rows), "reviewers": [u.username for u in reviewers]}, reason="演示数据")

    # --- scores -----------------------------------------------------------------------------------------------
    answers: dict[int, dict[str, Answer]] = {}
    for ans in db.session.scalars(select(Answer).where(Answer.office_id == office.id,
                                                       Answer.campaign_id == campaign.id)):
        answers.setdefault(ans.department_id, {})[ans.indicator_code] = ans
    plans, leads, suggested = {}, {}, {}
    # departments with log-ins get one certain deduction each, so that their users can try the re-check
    with_logins = sorted({d for (d,) in db.session.execute(select(User.department_id).where(
        User.office_id == office.id, User.department_id.is_not(None)))})
    forced = {dept_id: FORCED[k % len(FORCED)] for k, dept_id in enumerate(with_logins)}
    for i, sub in enumerate(subs):
        ids = team.get(sub.department_id, [])
        if not ids:
            continue
        dept_answers = answers.get(sub.department_id, {})
        sugg = suggested[sub.department_id] = review_services.suggestions(rubric, dept_answers)
        strict = rng.random()
        first: dict[str, tuple[Decimal, str, str]] = {}
        for code in codes:
            b, ans = bounds[code], dept_answers.get(code)
            area = rubric.section_of(code)
            if area == "veto":
                first[code] = (Decimal(0), "", "")
                continue
            own = ans.self_score if ans is not None and ans.self_score is not None else sugg[code].score
            value, problem, reason = own, "", ""
            if own > sugg[code].score and rubric.indicator(code).rule.kind != "judgement":
                value, problem, reason = sugg[code].score, OVER_CLAIM, "按规则计算"
            elif area in PROBLEMS and own > b.min and (rng.random() < 0.05 + 0.12 * strict or forced.get(sub.department_id) == code):
                value, reason = _step_down(own, b, rng), rng.choice(REASONS)
                problem = rng.choice(BY_INDICATOR.get(code) or PROBLEMS[area])
            first[code] = (value, problem, reason)
        plans[sub.department_id] = {ids[0]: first}
        if len(ids) > 1:
            second = dict(first)
            for code in codes:
                value, problem, reason = first[code]
                b = bounds[code]
                if rubric.section_of(code) != "veto" and rng.random() < 0.05 and value + b.step <= b.max:
                    up = value + b.step * (1 if rng.random() < 0.7 else 3)
                    up = min(up, b.max)
                    second[code] = (up, problem if up < value else "", "与另一评审人员意见不同")
                    if abs(up - value) > campaign.review_diff_threshold:
                        leads[(sub.department_id, code)] = (value, problem, LEAD_REASON, ids[0])
            plans[sub.department_id][ids[1]] = second
    review_services.bulk_review(campaign, plans, actor=admin, leads=leads, suggested=suggested)
    db.session.expire_all()

    # --- re-check: open it, file three contests, answer two ----------------------------------------------------
    campaign = db.session.get(Campaign, campaign.id)
    try:
        from ..campaigns import services as campaigns

        campaigns.transition(campaign, CampaignState.RECHECK, actor=admin, reason="评审完成，公布初步结果")
    except (ImportError, ValueError):  # campaigns capability absent or refusing: open the re-check directly
        campaign.state = CampaignState.RECHECK
        campaign.state_changed_at = utcnow()
        record(office.id, "campaign.transition", "campaign", campaign.id, actor=admin, campaign_id=campaign.id,
               old="review", new="recheck", reason="评审完成，公布初步结果")
    today = campaign.recheck_start or local_today()
    made = 0
    submitted = {sub_id for (sub_id,) in db.session.execute(select(Submission.id).where(
        Submission.campaign_id == campaign.id, Submission.state == SubmissionState.SUBMITTED))}
    persons: dict[int, User] = {}
    for person in db.session.scalars(select(User).where(
            User.office_id == office.id, User.role.in_(DEPARTMENT_STAFF))
            .order_by(User.department_id, User.role.desc(), User.id)):
        persons.setdefault(person.department_id, person)
    for sub in db.session.scalars(select(Submission).where(Submission.campaign_id == campaign.id,
                                                           Submission.department_id.in_(list(persons)))
                                  .order_by(Submission.department_id)).all():
        if made >= len(CONTESTS):
            break
        if sub.id not in submitted:
            continue
        person = persons[sub.department_id]
        found = [r for r in review_services.deductions(sub) if r.problem and r.problem != OVER_CLAIM]
        if not found:
            continue
        explanation, outcome, answer = CONTESTS[made]
        if outcome is None and publish:  # results get published: no contest may stay unanswered
            outcome, answer = "upheld", "经复核，扣分依据充分，维持原评分。"
        target = found[0]
        contest = review_services.create_contest(
            sub, target.indicator_code, actor=person, explanation=explanation[:campaign.contest_max_chars],
            evidence_url=f"https://www.example.gov.cn/zwgk/{sub.department_id}/recheck.html",
            evidence_title="补充材料", today=today)
        if outcome is not None:
            answerer = next((u for u in reviewers + ([admin] if admin else [])
                             if review_services.may_answer(contest, u) is None), None)
            if answerer is not None:
                new_score = target.self_score if outcome == "changed" else None
                review_services.answer_contest(contest, actor=answerer, outcome=outcome, version=contest.version_id,
                                               reason=answer, new_score=new_score)
        made += 1
    if publish:
        try:
            from ..campaigns import services as campaigns

            campaigns.transition(campaign, CampaignState.PUBLISHED, actor=admin, reason="复核结束，发布结果")
        except (ImportError, ValueError):
            campaign.state = CampaignState.PUBLISHED
    db.session.flush()
    return campaign
