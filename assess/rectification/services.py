"""Rectification notices: creating, editing, sending, answers, evidence, checks, closure.

Drafting notices from a campaign's results is in :mod:`.generation`; the ledger and its Excel export are in
:mod:`.ledger`; the notice's PDF (context and rendering) is produced with the other documents
(:func:`assess.documents.services.notice_pdf`), which build on this package and not the reverse.

Over 500 lines on purpose: this is one state machine (the item life cycle below), and every transition's
checks, audit entries and refusals are read together; splitting it by transition would scatter one rule.

Rules in one place; views call these and commit once. Services flush, never commit, and record every state
change in the audit chain. A refusal raises :class:`RectificationError` with a message for the user and the
form field at fault.

Item life cycle::

    pending ──(editor sends)──▶ awaiting_leader ──(leader submits)──▶ submitted ──(office accepts)──▶ accepted
       ▲   ╲──────────(leader answers and submits directly)──────────▶    │
       └───────(leader returns to editor)── awaiting_leader               └─(office returns)─▶ returned ─▶ …

A notice is closed automatically when its last item is accepted; closing by hand is refused while any
item is open; answering after closure is refused.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Callable, Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..audit.services import record
from ..clock import local_today as today_local  # the one "today" (configured TIMEZONE), under its old name here
from ..extensions import db
from ..models import (Campaign, CampaignState, Department, DocumentKind, Evidence, EvidenceKind, IssuedDocument,
                      ItemState, Notice, NoticeItem, NoticeSource, NoticeState, Office, Role, User)
from ..models.base import utcnow
from ..models.rectification import OPEN_ITEM_STATES
from ..scoring.explain import typed_number
from ..holidays import workdays

OWNER_TYPE = "rectification_item"
DEFAULT_WORKDAYS = 15
MAX_TEXT = 4000
MAX_EVIDENCE_PER_ITEM = 20
PUBLISHED_STATES = (CampaignState.PUBLISHED, CampaignState.CLOSED)
# Labels are lazy (translated when shown, in the request's language); ``str()`` them for files and data.
STATE_LABELS = {
    ItemState.PENDING: _l("待整改"),
    ItemState.AWAITING_LEADER: _l("待领导审核"),
    ItemState.SUBMITTED: _l("待公开办核查"),
    ItemState.RETURNED: _l("已退回"),
    ItemState.ACCEPTED: _l("已销号"),
}
NOTICE_STATE_LABELS = {NoticeState.DRAFT: _l("草稿"), NoticeState.SENT: _l("已下发"), NoticeState.CLOSED: _l("已办结")}
SOURCE_LABELS = {NoticeSource.CAMPAIGN: _l("年度考核"), NoticeSource.MONITORING: _l("网站监测"),
                 NoticeSource.OTHER: _l("其他检查")}


class RectificationError(ValueError):
    """A refusal with a message for the user; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- small checks ---------------------------------------------------------------------------------------


def _text(value: str | None, field: str, label: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise RectificationError(_("请填写%(label)s。", label=label), field)
    if len(value) > limit:
        raise RectificationError(_("%(label)s不能超过 %(n)s 字。", label=label, n=limit), field)
    return value


def parse_points(value: Any, field: str, *, highest: int, not_a_number: str, out_of_range: str) -> Decimal | None:
    """A number of points typed by a person (an item's deduction, the notices' threshold): None when empty,
    else 0 ≤ points ≤ ``highest`` to the hundredth, or a refusal at ``field`` with the caller's words."""
    if value in (None, ""):
        return None
    try:
        points = typed_number(value)  # the one reader of typed numbers: no exponent, NaN or overlong
    except ValueError:
        raise RectificationError(not_a_number, field) from None
    if points < 0 or points > highest:
        raise RectificationError(out_of_range, field)
    return points.quantize(Decimal("0.01"))


def _points(value: Any, field: str = "points_deducted") -> Decimal | None:
    return parse_points(value, field, highest=1000, not_a_number=_("扣分应为数字，例如 1.5。"),
                        out_of_range=_("扣分应在 0 到 1000 之间。"))


def check_version(obj: Any, version: Any, what: str) -> None:
    """Refuse a write based on a stale form: show both versions, never overwrite silently."""
    if version in (None, ""):
        return
    try:
        edited = int(version)
    except (TypeError, ValueError):
        raise RectificationError(_("表单版本号无效，请刷新页面后重试。"), "version") from None
    if edited != obj.version_id:
        raise RectificationError(
            _("%(what)s已被他人修改：您编辑的是第 %(mine)s 版，当前为第 %(current)s 版。请刷新页面，核对后重新提交。",
              what=what, mine=edited, current=obj.version_id),
            "version",
        )


def deadline_from(*, deadline: date | None = None, workdays_count: int | None = None, start: date | None = None,
                  field: str = "deadline", office_id: int | None = None) -> date:
    """A notice deadline: an explicit date, or ``workdays_count`` working days after ``start`` (today), on
    the office's calendar (see :func:`counted_from` for what to store with it)."""
    start = start or today_local()
    if workdays_count:
        try:
            return workdays.add_workdays(start, int(workdays_count), office_id=office_id)
        except workdays.WorkdayError as exc:
            raise RectificationError(str(exc), "workdays") from None
    if deadline is None:
        raise RectificationError(_("请填写整改期限（截止日期或工作日数）。"), field)
    return deadline


def counted_from(workdays_count: int | None, start: date | None = None) -> tuple[date, int] | None:
    """What a deadline was counted from (start, working days), kept on the notice so that a change of the
    holiday calendar can count it again; None for a typed date."""
    return (start or today_local(), int(workdays_count)) if workdays_count else None


def _request_calendar(office_id: int) -> workdays.Calendar:
    """The office's calendar, read once per request for pages and lists that note many deadlines (a change
    of the calendar recounts with a fresh :func:`workdays.load`, never this one)."""
    from flask import has_request_context, request

    if not has_request_context():
        return workdays.load(office_id)
    cache = request.__dict__.setdefault("_assess_calendars", {})  # the request object, not ``g`` (which an
    if office_id not in cache:  # enclosing app context may carry over from one request to the next)
        cache[office_id] = workdays.load(office_id)
    return cache[office_id]


def deadline_notes(notice: Notice, calendar: workdays.Calendar | None = None) -> list[str]:
    """The notes a page or document prints next to a deadline counted Monday–Friday only (a year with no
    holiday arrangements entered); empty for a typed date or a fully known count."""
    if not notice.deadline_workdays or notice.deadline_start is None:
        return []
    cal = calendar or _request_calendar(notice.office_id)
    return [workdays.missing_year_note(y) for y in cal.fallback_years(notice.deadline_start, notice.deadline)]


def recount_deadlines(office_id: int | None, *, actor: Any, today: date, reason: str, dry_run: bool = False,
                      amend: Any = None) -> list:
    """Count again every open notice deadline that was counted in working days and has not passed, after the
    holiday calendar changed (of one office, or of every office); audit and return those that moved.

    ``dry_run`` changes nothing and returns what would move, on each office's calendar as ``amend(calendar)``
    returns it (the preview of a year before it is saved)."""
    from ..holidays.services import RECOUNT_ACTION, MovedDeadline, recorded_moves

    stmt = select(Notice).where(Notice.state != NoticeState.CLOSED, Notice.deadline >= today,
                                Notice.deadline_workdays.is_not(None), Notice.deadline_start.is_not(None))
    if office_id is not None:
        stmt = stmt.where(Notice.office_id == office_id)
    calendars: dict[int, workdays.Calendar] = {}
    moved: list[MovedDeadline] = []
    entries: dict[int, list[dict]] = {}
    for notice in db.session.scalars(stmt.order_by(Notice.office_id, Notice.id)):
        if notice.office_id not in calendars:
            cal = workdays.load(notice.office_id)
            calendars[notice.office_id] = amend(cal) if amend else cal
        new = calendars[notice.office_id].add(notice.deadline_start, notice.deadline_workdays)
        if new == notice.deadline:
            continue
        moved.append(MovedDeadline(notice.office_id, f"{notice.department_name}：{notice.title}", notice.deadline,
                                   new, "rectification.show", {"notice_id": notice.id}))
        if dry_run:
            continue
        old, notice.deadline = notice.deadline, new
        entries.setdefault(notice.office_id, []).append(dict(
            action=RECOUNT_ACTION, object_type="rectification_notice",
            object_id=notice.id, old={"deadline": old.isoformat()},
            new={"deadline": new.isoformat(), "start": notice.deadline_start.isoformat(),
                 "workdays": notice.deadline_workdays},
            reason=reason, department_id=notice.department_id, campaign_id=notice.campaign_id))
    db.session.flush()
    for office, rows in entries.items():
        recorded_moves(rows, office, actor)
    return moved


def _check_deadline(deadline: date, today: date, field: str = "deadline") -> None:
    if deadline < today:
        raise RectificationError(_("整改期限 %(d)s 已过，请重新设定。", d=deadline.isoformat()), field)
    if deadline > today + timedelta(days=400):
        raise RectificationError(_("整改期限不能超过一年。"), field)


def _audit(notice: Notice, action: str, object_type: str, object_id: Any, *, actor: Any, old: Any = None,
           new: Any = None, reason: str = "") -> None:
    record(notice.office_id, action, object_type, object_id, actor=actor, old=old, new=new, reason=reason,
           department_id=notice.department_id, campaign_id=notice.campaign_id)


def _item_snapshot(item: NoticeItem) -> dict:
    return {"indicator_code": item.indicator_code, "problem": item.problem, "requirement": item.requirement,
            "points_deducted": item.points_deducted, "state": item.state}


# --- notices outside a campaign --------------------------------------------------------------------------


def create_notice(office: Office, department: Department, *, actor: Any, title: str, deadline: date,
                  problem: str, requirement: str = "", source: NoticeSource = NoticeSource.MONITORING,
                  intro: str = "", campaign: Campaign | None = None, indicator_code: str | None = None,
                  today: date | None = None, counted: tuple[date, int] | None = None) -> Notice:
    """A notice raised by the office on its own checks (e.g. monthly website monitoring), with a first item."""
    if department.office_id != office.id:
        raise RectificationError(_("部门不属于本单位。"), "department_id")
    if not department.active:
        raise RectificationError(_("部门“%(name)s”已停用。", name=department.name), "department_id")
    title = _text(title, "title", _("通知标题"), limit=200)
    problem = _text(problem, "problem", _("问题描述"))
    requirement = _text(requirement, "requirement", _("整改要求"), required=False)
    _check_deadline(deadline, today or today_local())
    notice = Notice(
        office_id=office.id, department_id=department.id, campaign_id=campaign.id if campaign else None,
        source=source, title=title, intro=_text(intro, "intro", _("通知正文"), required=False),
        department_name=department.name, deadline=deadline, created_by_id=getattr(actor, "id", None),
        deadline_start=counted[0] if counted else None, deadline_workdays=counted[1] if counted else None,
    )
    db.session.add(notice)
    db.session.flush()
    db.session.add(NoticeItem(
        office_id=office.id, department_id=department.id, notice_id=notice.id, campaign_id=notice.campaign_id,
        position=1, indicator_code=(indicator_code or "").strip() or None, problem=problem, requirement=requirement,
    ))
    db.session.flush()
    _audit(notice, "rectification.notice.create", "rectification_notice", notice.id, actor=actor,
           new={"title": title, "source": source, "deadline": deadline.isoformat()})
    return notice


# --- editing before (and, with a reason, after) sending ----------------------------------------------------


def _require_editable(notice: Notice, reason: str) -> str:
    if notice.state == NoticeState.CLOSED:
        raise RectificationError(_("通知已办结，不能再修改。"))
    reason = (reason or "").strip()
    if notice.state == NoticeState.SENT and not reason:
        raise RectificationError(_("通知已下发，修改须填写修改原因（将记入日志）。"), "reason")
    return reason


def update_notice(notice: Notice, *, actor: Any, title: str, intro: str, deadline: date, reason: str = "",
                  version: Any = None, today: date | None = None,
                  counted: tuple[date, int] | None = None) -> Notice:
    """Edit a notice; ``counted`` (start, working days) when the deadline was counted, so that it follows
    later changes of the holiday calendar (a typed new date stops following it)."""
    check_version(notice, version, _("该通知"))
    reason = _require_editable(notice, reason)
    title = _text(title, "title", _("通知标题"), limit=200)
    intro = _text(intro, "intro", _("通知正文"), required=False)
    if deadline != notice.deadline:
        _check_deadline(deadline, today or today_local())
    old = {"title": notice.title, "intro": notice.intro, "deadline": notice.deadline.isoformat()}
    if counted is not None:
        notice.deadline_start, notice.deadline_workdays = counted
    elif deadline != notice.deadline:
        notice.deadline_start = notice.deadline_workdays = None
    notice.title, notice.intro, notice.deadline = title, intro, deadline
    db.session.flush()
    _audit(notice, "rectification.notice.edit", "rectification_notice", notice.id, actor=actor, old=old,
           new={"title": title, "intro": intro, "deadline": deadline.isoformat()}, reason=reason)
    return notice


def add_item(notice: Notice, *, actor: Any, problem: str, requirement: str = "", indicator_code: str = "",
             indicator_title: str = "", points_deducted: Any = None, reason: str = "") -> NoticeItem:
    reason = _require_editable(notice, reason)
    item = NoticeItem(
        office_id=notice.office_id, department_id=notice.department_id, notice_id=notice.id,
        campaign_id=notice.campaign_id,
        position=1 + max([i.position for i in notice.items] or [0]),
        indicator_code=(indicator_code or "").strip()[:40] or None,
        indicator_title=_text(indicator_title, "indicator_title", _("指标名称"), required=False, limit=200),
        problem=_text(problem, "problem", _("问题描述")),
        requirement=_text(requirement, "requirement", _("整改要求"), required=False),
        points_deducted=_points(points_deducted),
    )
    db.session.add(item)
    db.session.flush()
    if notice.state == NoticeState.CLOSED:  # pragma: no cover — refused above
        raise RectificationError(_("通知已办结，不能再修改。"))
    _audit(notice, "rectification.item.add", "rectification_item", item.id, actor=actor,
           new=_item_snapshot(item), reason=reason)
    db.session.refresh(notice)
    return item


def update_item(item: NoticeItem, *, actor: Any, problem: str, requirement: str, indicator_code: str = "",
                indicator_title: str = "", points_deducted: Any = None, reason: str = "",
                version: Any = None) -> NoticeItem:
    check_version(item, version, _("该问题"))
    reason = _require_editable(item.notice, reason)
    if item.state == ItemState.ACCEPTED:
        raise RectificationError(_("该问题已销号，不能再修改。"))
    old = _item_snapshot(item)
    item.problem = _text(problem, "problem", _("问题描述"))
    item.requirement = _text(requirement, "requirement", _("整改要求"), required=False)
    item.indicator_code = (indicator_code or "").strip()[:40] or None
    item.indicator_title = _text(indicator_title, "indicator_title", _("指标名称"), required=False, limit=200)
    item.points_deducted = _points(points_deducted)
    db.session.flush()
    _audit(item.notice, "rectification.item.edit", "rectification_item", item.id, actor=actor, old=old,
           new=_item_snapshot(item), reason=reason)
    return item


def delete_item(item: NoticeItem, *, actor: Any) -> None:
    notice = item.notice
    if notice.state != NoticeState.DRAFT:
        raise RectificationError(_("通知已下发，不能删除问题；如需调整请修改问题并填写原因。"))
    if len(notice.items) <= 1:
        raise RectificationError(_("通知至少要有一个问题。"))
    _audit(notice, "rectification.item.delete", "rectification_item", item.id, actor=actor, old=_item_snapshot(item))
    db.session.delete(item)
    db.session.flush()
    db.session.refresh(notice)


def merge_items(notice: Notice, item_ids: Iterable[int], *, actor: Any) -> NoticeItem:
    """Merge the chosen items of a draft notice into the first of them (texts joined, deductions added)."""
    if notice.state != NoticeState.DRAFT:
        raise RectificationError(_("只能合并未下发通知中的问题。"), "item_ids")
    wanted = {int(i) for i in item_ids}
    chosen = [i for i in notice.items if i.id in wanted]
    if len(chosen) < 2 or len(chosen) != len(wanted):
        raise RectificationError(_("请至少勾选本通知中的两个问题再合并。"), "item_ids")
    keep, rest = chosen[0], chosen[1:]
    old = [_item_snapshot(i) for i in chosen]
    keep.problem = "\n".join(i.problem for i in chosen)
    reqs = [i.requirement for i in chosen if i.requirement]
    keep.requirement = "\n".join(dict.fromkeys(reqs))
    points = [i.points_deducted for i in chosen if i.points_deducted is not None]
    keep.points_deducted = sum(points, Decimal(0)) if points else None
    codes = list(dict.fromkeys(i.indicator_code for i in chosen if i.indicator_code))
    keep.indicator_code = codes[0] if len(codes) == 1 else (keep.indicator_code if len(codes) > 1 else None)
    keep.recurring = any(i.recurring for i in chosen)
    for i in rest:
        db.session.delete(i)
    db.session.flush()
    _audit(notice, "rectification.item.merge", "rectification_item", keep.id, actor=actor, old=old,
           new=_item_snapshot(keep))
    db.session.refresh(notice)
    return keep


# --- sending and reading ------------------------------------------------------------------------------------


# fn(notice, *, actor) for every notice sent, in its transaction (the notifications register here, see
# ``create_app``: they build on the rectification, not the reverse).
AFTER_SEND: list[Callable[..., Any]] = []


def after_send(fn: Callable[..., Any]) -> None:
    if fn not in AFTER_SEND:
        AFTER_SEND.append(fn)


def send_notice(notice: Notice, *, actor: Any, today: date | None = None) -> Notice:
    if notice.state != NoticeState.DRAFT:
        raise RectificationError(_("通知“%(t)s”已下发。", t=notice.title))
    if not notice.items:
        raise RectificationError(_("通知“%(t)s”没有问题，不能下发。", t=notice.title))
    _check_deadline(notice.deadline, today or today_local())
    notice.state = NoticeState.SENT
    notice.sent_at = utcnow()
    notice.sent_by_id = getattr(actor, "id", None)
    db.session.flush()
    _audit(notice, "rectification.notice.send", "rectification_notice", notice.id, actor=actor,
           old={"state": NoticeState.DRAFT}, new={"state": NoticeState.SENT, "deadline": notice.deadline.isoformat(),
                                                  "items": len(notice.items)})
    for fn in AFTER_SEND:
        fn(notice, actor=actor)
    return notice


def send_notices(notices: Iterable[Notice], *, actor: Any, today: date | None = None) -> tuple[list[Notice], list[str]]:
    """Send each draft; returns (sent, messages of those refused) — one refusal does not stop the others."""
    sent, refused = [], []
    for notice in notices:
        try:
            with db.session.begin_nested():
                send_notice(notice, actor=actor, today=today)
        except RectificationError as exc:
            refused.append(f"{notice.department_name}：{exc}")
        else:
            sent.append(notice)
    return sent, refused


def mark_read(notice: Notice, user: Any) -> bool:
    """Record the read receipt when a department user opens a sent notice for the first time."""
    if notice.read_at is not None or notice.state == NoticeState.DRAFT:
        return False
    if getattr(user, "department_id", None) != notice.department_id:
        return False
    notice.read_at = utcnow()
    notice.read_by_id = user.id
    db.session.flush()
    _audit(notice, "rectification.notice.read", "rectification_notice", notice.id, actor=user)
    return True


# --- the department's answer ---------------------------------------------------------------------------------


def _require_answerable(item: NoticeItem) -> None:
    notice = item.notice
    if notice.state == NoticeState.CLOSED:
        raise RectificationError(_("通知已办结，不能再作答。"))
    if notice.state != NoticeState.SENT:
        raise RectificationError(_("通知尚未下发。"))
    if item.state == ItemState.ACCEPTED:
        raise RectificationError(_("该问题已销号，不能再修改答复。"))
    if item.state == ItemState.SUBMITTED:
        raise RectificationError(_("答复已提交公开办核查，核查前不能修改。"))


def save_answer(item: NoticeItem, *, actor: Any, measure: str, result: str, version: Any = None) -> NoticeItem:
    check_version(item, version, _("该问题的答复"))
    _require_answerable(item)
    if item.state == ItemState.AWAITING_LEADER and getattr(actor, "role", None) != Role.DEPT_ADMIN:
        raise RectificationError(_("答复已送领导审核，领导退回后才能修改。"))
    old = {"measure": item.measure, "result": item.result}
    item.measure = _text(measure, "measure", _("整改措施"))
    item.result = _text(result, "result", _("整改结果"), required=False)
    item.answered_by_id = getattr(actor, "id", None)
    item.answered_at = utcnow()
    db.session.flush()
    _audit(item.notice, "rectification.answer.save", "rectification_item", item.id, actor=actor, old=old,
           new={"measure": item.measure, "result": item.result})
    return item


def send_to_leader(item: NoticeItem, *, actor: Any) -> NoticeItem:
    _require_answerable(item)
    if item.state == ItemState.AWAITING_LEADER:
        raise RectificationError(_("答复已送领导审核。"))
    if not item.measure.strip():
        raise RectificationError(_("请先填写整改措施。"), "measure")
    old = item.state
    item.state = ItemState.AWAITING_LEADER
    item.leader_comment = ""
    db.session.flush()
    _audit(item.notice, "rectification.answer.to_leader", "rectification_item", item.id, actor=actor,
           old={"state": old}, new={"state": item.state})
    return item


def submit_answer(item: NoticeItem, *, actor: Any) -> NoticeItem:
    """The department's leader submits the answer to the office."""
    if getattr(actor, "role", None) != Role.DEPT_ADMIN:
        raise RectificationError(_("答复须由部门管理员（分管领导）提交。"))
    _require_answerable(item)
    if not item.measure.strip():
        raise RectificationError(_("请先填写整改措施。"), "measure")
    old = item.state
    item.state = ItemState.SUBMITTED
    item.submitted_by_id = actor.id
    item.submitted_at = utcnow()
    db.session.flush()
    _audit(item.notice, "rectification.answer.submit", "rectification_item", item.id, actor=actor,
           old={"state": old}, new={"state": item.state, "measure": item.measure, "result": item.result})
    return item


def leader_return(item: NoticeItem, *, actor: Any, comment: str) -> NoticeItem:
    if getattr(actor, "role", None) != Role.DEPT_ADMIN:
        raise RectificationError(_("只有部门管理员（分管领导）可以退回。"))
    if item.state != ItemState.AWAITING_LEADER:
        raise RectificationError(_("该答复不在待领导审核状态。"))
    comment = _text(comment, "comment", _("退回意见"))
    item.state = ItemState.PENDING
    item.leader_comment = comment
    db.session.flush()
    _audit(item.notice, "rectification.answer.leader_return", "rectification_item", item.id, actor=actor,
           old={"state": ItemState.AWAITING_LEADER}, new={"state": item.state}, reason=comment)
    for fn in AFTER_ITEM:
        fn(item, "leader_return", actor=actor)
    return item


# --- evidence (links and excerpts on Evidence rows) -----------------------------------------------------------

URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def item_evidence(item: NoticeItem) -> list[Evidence]:
    return list(db.session.scalars(
        select(Evidence).where(Evidence.office_id == item.office_id, Evidence.owner_type == OWNER_TYPE,
                               Evidence.owner_id == item.id, Evidence.deleted_at.is_(None))
        .order_by(Evidence.id)
    ))


def add_evidence(item: NoticeItem, *, actor: Any, kind: str, title: str, url: str = "", text: str = "") -> Evidence:
    """Attach a link (e.g. the corrected page) or a text excerpt to an item's answer."""
    _require_answerable(item)
    title = _text(title, "title", _("佐证材料名称"), limit=200)
    if kind == EvidenceKind.LINK.value:
        url = (url or "").strip()
        if not url:
            raise RectificationError(_("请填写链接地址。"), "url")
        if len(url) > 2000 or not URL_RE.match(url):
            raise RectificationError(_("链接地址应以 http:// 或 https:// 开头，且不含空格。"), "url")
        ev_kind, text = EvidenceKind.LINK, None
    elif kind == EvidenceKind.EXCERPT.value:
        text = _text(text, "text", _("摘录内容"))
        ev_kind, url = EvidenceKind.EXCERPT, None
    else:
        raise RectificationError(_("请选择佐证材料类型（链接或摘录）。"), "kind")
    if len(item_evidence(item)) >= MAX_EVIDENCE_PER_ITEM:
        raise RectificationError(_("每个问题最多 %(n)s 份佐证材料。", n=MAX_EVIDENCE_PER_ITEM), "title")
    ev = Evidence(office_id=item.office_id, department_id=item.department_id, campaign_id=item.campaign_id,
                  owner_type=OWNER_TYPE, owner_id=item.id, indicator_code=item.indicator_code, kind=ev_kind,
                  title=title, url=url or None, text=text or None, created_by_id=getattr(actor, "id", None))
    db.session.add(ev)
    db.session.flush()
    _audit(item.notice, "rectification.evidence.add", "evidence", ev.id, actor=actor,
           new={"item": item.id, "kind": ev_kind, "title": title, "url": url})
    return ev


def _evidence_services():
    """The evidence capability's file checks and storage (imported late: it is optional for this module)."""
    try:
        from ..evidence import services as evidence_services
    except ImportError:  # pragma: no cover — only while the evidence capability is absent
        raise RectificationError(_("暂不能上传文件，请改用链接或摘录。"), "file") from None
    return evidence_services


def add_evidence_file(item: NoticeItem, *, actor: Any, filename: str, data: bytes, title: str = "") -> Evidence:
    """Attach an uploaded file, checked by content (type, size, name) by the evidence capability's rules."""
    _require_answerable(item)
    ev_services = _evidence_services()
    try:
        checked = ev_services.check_file(filename, data)
    except ev_services.EvidenceError as exc:
        raise RectificationError(str(exc), "file") from None
    title = _text(title or checked.filename.rsplit(".", 1)[0] or checked.filename, "title", _("佐证材料名称"),
                  limit=200)
    if len(item_evidence(item)) >= MAX_EVIDENCE_PER_ITEM:
        raise RectificationError(_("每个问题最多 %(n)s 份佐证材料。", n=MAX_EVIDENCE_PER_ITEM), "file")
    key = ev_services.store_file(item.office_id, item.department_id, data, checked, error=RectificationError)
    ev = Evidence(office_id=item.office_id, department_id=item.department_id, campaign_id=item.campaign_id,
                  owner_type=OWNER_TYPE, owner_id=item.id, indicator_code=item.indicator_code,
                  kind=EvidenceKind.FILE, title=title, storage_key=key, filename=checked.filename,
                  content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
                  created_by_id=getattr(actor, "id", None))
    db.session.add(ev)
    db.session.flush()
    _audit(item.notice, "rectification.evidence.add", "evidence", ev.id, actor=actor,
           new={"item": item.id, "kind": EvidenceKind.FILE, "title": title, "filename": checked.filename,
                "sha256": checked.sha256, "size": checked.size})
    return ev


def read_evidence_file(ev: Evidence) -> bytes:
    return _evidence_services().read(ev)


def remove_evidence(ev: Evidence, *, actor: Any) -> NoticeItem:
    if ev.owner_type != OWNER_TYPE or ev.deleted_at is not None:
        raise RectificationError(_("佐证材料不存在。"))
    item = db.session.get(NoticeItem, ev.owner_id)
    if item is None or item.department_id != ev.department_id:
        raise RectificationError(_("佐证材料不存在。"))
    _require_answerable(item)
    ev.deleted_at = utcnow()
    db.session.flush()
    _audit(item.notice, "rectification.evidence.remove", "evidence", ev.id, actor=actor,
           old={"item": item.id, "title": ev.title})
    return item


# --- the office's check and closure -----------------------------------------------------------------------------


#: Called as ``fn(item, action, actor=...)`` when an item is returned ("office_return", "leader_return") or
#: accepted ("accept"), in its transaction (``create_app`` registers the department's notification here).
AFTER_ITEM: list[Callable[..., Any]] = []


def after_item(fn: Callable[..., Any]) -> None:
    if fn not in AFTER_ITEM:
        AFTER_ITEM.append(fn)


def check_item(item: NoticeItem, *, actor: Any, accept: bool, comment: str = "", version: Any = None) -> NoticeItem:
    """Accept (销号) or return an item; the notice closes itself when its last item is accepted."""
    check_version(item, version, _("该问题"))
    notice = item.notice
    if notice.state == NoticeState.CLOSED:
        raise RectificationError(_("通知已办结。"))
    if item.state != ItemState.SUBMITTED:
        raise RectificationError(_("该问题尚未提交答复，不能核查。"))
    comment = (comment or "").strip()
    if not accept and not comment:
        raise RectificationError(_("退回时请填写退回意见，说明还需整改什么。"), "comment")
    if len(comment) > MAX_TEXT:
        raise RectificationError(_("意见不能超过 %(n)s 字。", n=MAX_TEXT), "comment")
    old = item.state
    item.office_comment = comment
    item.checked_by_id = getattr(actor, "id", None)
    item.checked_at = utcnow()
    if accept:
        item.state = ItemState.ACCEPTED
        item.accepted_at = item.checked_at
    else:
        item.state = ItemState.RETURNED
        item.rounds += 1
    db.session.flush()
    _audit(notice, "rectification.item.accept" if accept else "rectification.item.return", "rectification_item",
           item.id, actor=actor, old={"state": old}, new={"state": item.state}, reason=comment)
    for fn in AFTER_ITEM:
        fn(item, "accept" if accept else "office_return", actor=actor)
    db.session.refresh(notice)
    if accept and all(i.state == ItemState.ACCEPTED for i in notice.items):
        close_notice(notice, actor=actor)
    return item


def close_notice(notice: Notice, *, actor: Any) -> Notice:
    if notice.state == NoticeState.CLOSED:
        raise RectificationError(_("通知已办结。"))
    if notice.state != NoticeState.SENT:
        raise RectificationError(_("通知尚未下发，不能办结。"))
    open_items = [i for i in notice.items if i.state != ItemState.ACCEPTED]
    if open_items:
        raise RectificationError(_("还有 %(n)s 个问题未销号，不能办结通知。", n=len(open_items)))
    notice.state = NoticeState.CLOSED
    notice.closed_at = utcnow()
    notice.closed_by_id = getattr(actor, "id", None)
    db.session.flush()
    _audit(notice, "rectification.notice.close", "rectification_notice", notice.id, actor=actor,
           old={"state": NoticeState.SENT}, new={"state": NoticeState.CLOSED})
    return notice


# --- overdue and carry-over ----------------------------------------------------------------------------------------


def is_overdue(item: NoticeItem, notice: Notice | None = None, today: date | None = None) -> bool:
    notice = notice or item.notice
    return (notice.state == NoticeState.SENT and item.state != ItemState.ACCEPTED
            and (today or today_local()) > notice.deadline)


def overdue_days(notice: Notice, today: date | None = None) -> int:
    return max(((today or today_local()) - notice.deadline).days, 0)


def open_items_for(department_id: int, indicator_code: str, *, office_id: int | None = None,
                   exclude_campaign_id: int | None = None) -> list[NoticeItem]:
    """Unresolved items (sent, not accepted) of one department on one indicator — for the reviewer's page.

    Inside a request the tenant scope applies on top; ``office_id`` narrows explicitly for CLI/services.
    ``exclude_campaign_id`` leaves out the items raised by the campaign being reviewed itself.
    """
    stmt = (
        select(NoticeItem).join(Notice, Notice.id == NoticeItem.notice_id)
        .where(NoticeItem.department_id == department_id, NoticeItem.indicator_code == indicator_code,
               NoticeItem.state.in_(OPEN_ITEM_STATES), Notice.state == NoticeState.SENT)
        .order_by(Notice.deadline, NoticeItem.id)
    )
    if office_id is not None:
        stmt = stmt.where(NoticeItem.office_id == office_id)
    if exclude_campaign_id is not None:
        stmt = stmt.where((NoticeItem.campaign_id.is_(None)) | (NoticeItem.campaign_id != exclude_campaign_id))
    return list(db.session.scalars(stmt))


def overdue_count(office_id: int, department_id: int | None = None, *, today: date | None = None) -> int:
    today = today or today_local()
    stmt = (
        select(func.count()).select_from(NoticeItem).join(Notice, Notice.id == NoticeItem.notice_id)
        .where(NoticeItem.office_id == office_id, Notice.state == NoticeState.SENT,
               NoticeItem.state != ItemState.ACCEPTED, Notice.deadline < today)
    )
    if department_id is not None:
        stmt = stmt.where(NoticeItem.department_id == department_id)
    return db.session.scalar(stmt) or 0


# --- lists for pages ----------------------------------------------------------------------------------------------


def notices_for(user: Any, *, state: str = "") -> list[Notice]:
    """The notices a user's list shows: the office sees all of its own; a department only sent ones."""
    stmt = (select(Notice).where(Notice.office_id == user.office_id).options(selectinload(Notice.items))
            .order_by(Notice.created_at.desc(), Notice.id.desc()))
    if user.department_id is not None:
        stmt = stmt.where(Notice.department_id == user.department_id, Notice.state != NoticeState.DRAFT)
    if state in {s.value for s in NoticeState}:
        stmt = stmt.where(Notice.state == NoticeState(state))
    return list(db.session.scalars(stmt))


def published_campaigns(office_id: int) -> list[Campaign]:
    return list(db.session.scalars(
        select(Campaign).where(Campaign.office_id == office_id, Campaign.state.in_(PUBLISHED_STATES))
        .order_by(Campaign.year.desc(), Campaign.id.desc())
    ))


def office_campaigns(office_id: int) -> list[Campaign]:
    return list(db.session.scalars(
        select(Campaign).where(Campaign.office_id == office_id).order_by(Campaign.year.desc(), Campaign.id.desc())
    ))


def user_name(user_id: int | None) -> str:
    if not user_id:
        return ""
    user = db.session.get(User, user_id)
    return user.display_name if user else ""


# --- the notice's issued document (its PDF is produced by assess.documents.services.notice_pdf) -------------------


def issued_notice(notice: Notice) -> IssuedDocument | None:
    """The issued document of a rectification notice, if the office has issued it (the notice page names
    its 文号; the documents capability serves its bytes)."""
    d = IssuedDocument
    return db.session.scalars(select(d).where(d.office_id == notice.office_id, d.kind == DocumentKind.NOTICE,
                                              d.source_id == notice.id).order_by(d.id)).first()
