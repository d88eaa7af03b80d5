"""Rectification ledger (整改台账): every item of every sent or closed notice of an office, with filters, and
its Excel export.

Kept apart from the notices' life cycle (:mod:`assess.rectification.services`) because it only reads: it
lists what the life cycle wrote, with the overdue rule and the labels of the services.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import Campaign, ItemState, Notice, NoticeItem, NoticeState
from ..spreadsheet import safe_cell, workbook_bytes
from ..clock import local_date
from .services import SOURCE_LABELS, STATE_LABELS, is_overdue, overdue_days, today_local


@dataclass(frozen=True)
class LedgerFilters:
    department_id: int | None = None
    campaign_id: int | None = None  # 0 = notices outside any campaign
    indicator_code: str = ""
    state: str = ""  # an ItemState value, or "overdue" / "recurring"


@dataclass
class LedgerRow:
    item: NoticeItem
    notice: Notice
    campaign_name: str
    age_days: int  # days since the notice was sent
    overdue: bool
    overdue_days: int

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.item.state])


LEDGER_STATES = [s.value for s in ItemState] + ["overdue", "recurring"]


def ledger(office_id: int, filters: LedgerFilters = LedgerFilters(), *, today: date | None = None) -> list[LedgerRow]:
    """Every item of every sent or closed notice of the office (整改台账), newest notice first.

    Overdue: the notice is sent (not closed), the item is not accepted, and today is past the deadline.
    """
    today = today or today_local()
    stmt = (
        select(NoticeItem, Notice, Campaign.name)
        .join(Notice, Notice.id == NoticeItem.notice_id)
        .outerjoin(Campaign, Campaign.id == Notice.campaign_id)
        .where(NoticeItem.office_id == office_id, Notice.state != NoticeState.DRAFT)
        .order_by(Notice.sent_at.desc(), Notice.id.desc(), NoticeItem.position, NoticeItem.id)
    )
    f = filters
    if f.department_id:
        stmt = stmt.where(NoticeItem.department_id == f.department_id)
    if f.campaign_id == 0:
        stmt = stmt.where(Notice.campaign_id.is_(None))
    elif f.campaign_id:
        stmt = stmt.where(Notice.campaign_id == f.campaign_id)
    if f.indicator_code:
        stmt = stmt.where(NoticeItem.indicator_code == f.indicator_code.strip())
    if f.state in {s.value for s in ItemState}:
        stmt = stmt.where(NoticeItem.state == ItemState(f.state))
    elif f.state == "recurring":
        stmt = stmt.where(NoticeItem.recurring.is_(True))
    elif f.state == "overdue":
        stmt = stmt.where(Notice.state == NoticeState.SENT, NoticeItem.state != ItemState.ACCEPTED,
                          Notice.deadline < today)
    rows = []
    for item, notice, campaign_name in db.session.execute(stmt):
        sent = local_date(notice.sent_at) if notice.sent_at else today
        over = is_overdue(item, notice, today)
        rows.append(LedgerRow(item, notice, campaign_name or "", (today - sent).days, over,
                              overdue_days(notice, today) if over else 0))
    return rows


LEDGER_HEADERS = [_l("序号"), _l("部门"), _l("考核/来源"), _l("指标"), _l("问题描述"), _l("扣分"), _l("整改要求"),
                  _l("状态"), _l("下发日期"), _l("整改期限"), _l("已下发天数"), _l("逾期天数"), _l("反复出现"),
                  _l("整改措施"), _l("整改结果"), _l("公开办意见"), _l("退回次数")]


def ledger_workbook(rows: list[LedgerRow], *, title: str | None = None) -> bytes:
    """The ledger as .xlsx, in the request's language (Chinese by default and outside a request)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = str(_l("整改台账"))[:31]
    ws.append([safe_cell(title if title is not None else ws.title)])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([str(h) for h in LEDGER_HEADERS])  # cells take plain text, never a lazy string
    for cell in ws[2]:
        cell.font = Font(bold=True)
    red = PatternFill("solid", fgColor="FDE2E1")
    for n, r in enumerate(rows, start=1):
        i, notice = r.item, r.notice
        indicator = " ".join(x for x in (i.indicator_code or "", i.indicator_title or "") if x)
        source = r.campaign_name or str(SOURCE_LABELS.get(notice.source, ""))
        values = [
            n, notice.department_name, source, indicator, i.problem,
            float(i.points_deducted) if i.points_deducted is not None else None,
            i.requirement, r.state_label + (_("（逾期）") if r.overdue else ""),
            local_date(notice.sent_at) if notice.sent_at else None, notice.deadline,
            r.age_days, r.overdue_days or None, _("是") if i.recurring else "", i.measure, i.result,
            i.office_comment, i.rounds,
        ]
        ws.append([safe_cell(v) for v in values])
        if r.overdue or i.recurring:
            for cell in ws[ws.max_row]:
                cell.fill = red
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if cell.column in (9, 10) and cell.value is not None:
                cell.number_format = "yyyy-mm-dd"
    for col, width in zip("ABCDEFGHIJKLMNOPQ", [6, 20, 18, 16, 40, 8, 30, 14, 12, 12, 10, 10, 8, 30, 30, 24, 8]):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A3"
    return workbook_bytes(wb)  # every cell, headers included, through the formula guard
