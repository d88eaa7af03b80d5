"""Demo data: rectification notices for the demo office, in every state of their life.

``demo_rectification(office, rng)`` runs after the campaign, review and ranking steps: it drafts a notice for
every department with problems in the office's latest published campaign, sends most of them, and moves
items along — answered, sent to the leader, submitted, returned, accepted (some notices closed) — and makes
a few overdue. It also raises two notices outside the campaign from website monitoring. Without a
published campaign only the monitoring notices are made.
"""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from ..clock import local_today
from ..extensions import db
from ..models import Department, ItemState, NoticeSource, NoticeState, Office, Role, User
from ..rectification import generation, services

MEASURES = [
    ("调整政务公开工作领导小组，由主要负责同志任组长，印发调整通知。", "已印发调整文件并在网站公开。"),
    ("明确办公室为承办科室，指定一名信息公开专干，人员变动时由分管领导当周指定接替人员。", "分工文件已印发。"),
    ("逐一核对栏目链接，修复失效链接，建立每周巡查台账。", "失效链接已全部修复，巡查台账已建立。"),
    ("对照目录补充公开年度预决算、重点项目等信息，明确每项的责任人和更新时限。", "已补充公开 12 条信息。"),
    ("组织全体信息发布人员学习保密审查和错敏字校对要求，实行三审三校。", "已完成培训，发布流程已调整。"),
]
RETURN_COMMENTS = ["佐证材料不足，请附整改后的页面链接。", "整改措施过于笼统，请写明责任人和完成时间。"]
MONITORING = [
    ("首页“政策文件”栏目有 4 处链接无法打开（404）。", "修复失效链接，并对全站链接做一次自查。"),
    ("“通知公告”中一篇文章将“国务院”误写为“国物院”。", "更正错字，落实发布前三审三校。"),
]


def _dept_user(department_id: int, role: Role) -> User | None:
    return db.session.scalars(
        select(User).where(User.department_id == department_id, User.role == role, User.active.is_(True))
        .order_by(User.id)
    ).first()


def _office_user(office: Office) -> User | None:
    return db.session.scalars(
        select(User).where(User.office_id == office.id, User.department_id.is_(None), User.role == Role.OFFICE_ADMIN)
        .order_by(User.id)
    ).first()


def _answer(item, leader: User, editor: User | None, rng: random.Random, *, submit: bool = True) -> None:
    measure, result = MEASURES[rng.randrange(len(MEASURES))]
    services.save_answer(item, actor=editor or leader, measure=measure, result=result)
    if rng.random() < 0.6:
        services.add_evidence(item, actor=editor or leader, kind="link", title="整改后的页面",
                              url=f"https://www.example.gov.cn/zwgk/{item.id}.html")
    if editor is not None:
        services.send_to_leader(item, actor=editor)
    if submit:
        services.submit_answer(item, actor=leader)


def _make_overdue(notice, today, rng: random.Random) -> None:
    """Move a sent notice back in time so that its deadline has passed (flagged to both sides)."""
    late = rng.randint(1, 15)
    notice.deadline = today - timedelta(days=late)
    notice.sent_at = notice.sent_at - timedelta(days=late + 21)


def demo_rectification(office: Office, rng: random.Random) -> None:
    actor = _office_user(office)
    today = local_today()
    notices = []
    campaigns = services.published_campaigns(office.id)
    if campaigns:
        notices = generation.generate_notices(office, campaigns[0], actor=actor, workdays_count=15)
    # two notices from the monthly website monitoring, outside any campaign
    depts = list(db.session.scalars(
        select(Department).where(Department.office_id == office.id, Department.active.is_(True)).order_by(Department.id)
    ))
    for (problem, requirement), dept in zip(MONITORING, depts[:2]):
        notices.append(services.create_notice(
            office, dept, actor=actor, title="关于网站监测发现问题整改的通知", problem=problem,
            requirement=requirement, source=NoticeSource.MONITORING,
            deadline=services.deadline_from(workdays_count=10, start=today)))
    # keep one or two drafts for the office to review; send the rest
    drafts = set(n.id for n in notices[-3:-1]) if len(notices) > 4 else set()
    for notice in notices:
        if notice.id in drafts:
            continue
        services.send_notice(notice, actor=actor)
        leader = _dept_user(notice.department_id, Role.DEPT_ADMIN)
        editor = _dept_user(notice.department_id, Role.DEPT_EDITOR)
        reader = editor or leader
        if reader is not None and rng.random() < 0.7:
            services.mark_read(notice, reader)
        if leader is None:
            # no log-ins in this department: left pending; about a third of them overdue
            if rng.random() < 0.35:
                _make_overdue(notice, today, rng)
            continue
        for item in notice.items:
            fate = rng.random()
            if fate < 0.2:
                continue  # not answered yet
            if fate < 0.35:
                _answer(item, leader, editor, rng, submit=False)  # waiting for the leader
                continue
            _answer(item, leader, editor, rng)
            if fate < 0.5:
                continue  # waiting for the office's check
            if fate < 0.7:
                services.check_item(item, actor=actor, accept=False, comment=rng.choice(RETURN_COMMENTS))
                continue
            services.check_item(item, actor=actor, accept=True)
        if notice.state == NoticeState.SENT and any(i.state != ItemState.ACCEPTED for i in notice.items) \
                and rng.random() < 0.3:
            _make_overdue(notice, today, rng)
    db.session.flush()
