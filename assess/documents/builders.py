"""Database → plain contexts for the PDF templates (the only place documents read the database).

Every number comes from the ranking capability: the circular's grades and 附件 ranking table and the score
sheet's total, rank and grade are the rows of the campaign's latest ranking publication
(:func:`assess.ranking.services.latest_publication` / ``frozen_rows``), never recomputed here. The most
frequent problems come from :func:`assess.ranking.analytics.problems`. A rectification notice's context is
built here too (:func:`notice_document`, from the notice's items and the rubric's areas): as a draft for
the rectification pages, and with the issued number, date, seal and verification code put in
(:func:`notice_context`).

Contexts are serialised to JSON (:func:`dumps` / :func:`loads`) and stored with each issued document, so
what was issued can be rendered again and compared.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..clock import local_date
from ..extensions import db
from ..models import (Campaign, Department, IndicatorResult, Notice, Office, RankingPublication, ReviewScore,
                      Submission, User)
from ..review.findings import standing_findings
from ..rubrics.store import engine_rubric
from . import contexts as C
from .official import format_cn_date, format_score

ZERO = Decimal(0)


class DocumentError(ValueError):
    """A document operation refused, with a user-facing message and the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --------------------------------------------------------------------------- JSON codec of contexts

_CLASSES = {name: getattr(C, name) for name in C.__all__}


def _enc(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {"__dc__": type(value).__name__}
        for f in dataclasses.fields(value):
            out[f.name] = _enc(getattr(value, f.name))
        return out
    if isinstance(value, Decimal):
        return {"__dec__": str(value)}
    if isinstance(value, dt.datetime):
        raise TypeError("contexts hold dates, not datetimes")
    if isinstance(value, dt.date):
        return {"__date__": value.isoformat()}
    if isinstance(value, bytes):
        return {"__b64__": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {"__map__": [[k, _enc(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_enc(v) for v in value]
    if value is None or isinstance(value, (str, int, bool)):
        return value
    raise TypeError(f"cannot store {type(value).__name__} in a document context")


def _dec(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_dec(v) for v in value)
    if isinstance(value, dict):
        if "__dc__" in value:
            cls = _CLASSES[value["__dc__"]]
            return cls(**{k: _dec(v) for k, v in value.items() if k != "__dc__"})
        if "__dec__" in value:
            return Decimal(value["__dec__"])
        if "__date__" in value:
            return dt.date.fromisoformat(value["__date__"])
        if "__b64__" in value:
            return base64.b64decode(value["__b64__"])
        if "__map__" in value:
            return {k: _dec(v) for k, v in value["__map__"]}
    return value


def dumps(ctx: Any) -> str:
    """A context as JSON text (dataclasses, Decimal, date and bytes tagged, order kept)."""
    return json.dumps(_enc(ctx), ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> Any:
    """The context stored by :func:`dumps`, rebuilt as the same frozen dataclasses."""
    return _dec(json.loads(text))


# --------------------------------------------------------------------------- shared parts


def split_list(text: str) -> tuple[str, ...]:
    """抄送 bodies from the office's settings: one per line or separated by ，,、；。 — the 版记 adds the one
    closing 。 itself, so a list typed as a sentence (“…县政协办公室。”) must not bring its own."""
    parts = (x.strip().strip("。.；;：:") for x in re.split(r"[\n，,、；;。]", text or ""))
    return tuple(x for x in parts if x)


def paragraphs(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in (text or "").splitlines() if p.strip())


def letterhead(office: Office, *, number: str, date: dt.date, seal_png: bytes | None) -> C.Letterhead:
    return C.Letterhead(
        authority_mark=office.authority_mark or f"{office.name}文件",
        doc_number=number,
        issuer=office.issuer_name or office.name,
        date=date,
        printed_by=office.printed_by or office.issuer_name or office.name,
        print_date=date,
        seal_png=seal_png,
        cc=split_list(office.cc_block),
        contact=office.contact or "",
    )


def publication(campaign: Campaign) -> RankingPublication:
    from ..ranking.services import latest_publication

    pub = latest_publication(campaign)
    if pub is None:
        raise DocumentError("本次考核的排名尚未发布，不能生成通报和评分表。", "campaign")
    return pub


def published_rows(campaign: Campaign):
    from ..ranking.services import frozen_rows

    pub = publication(campaign)
    return frozen_rows(pub), pub


def _grade_order(campaign: Campaign) -> list[str]:
    rubric = engine_rubric(campaign.rubric)
    order = [g.label for g in rubric.grades]
    if rubric.veto_grade and rubric.veto_grade not in order:
        order.append(rubric.veto_grade)
    return order


def grades_named(campaign: Campaign, rows) -> dict[str, tuple[str, ...]]:
    """Grade → unit names (rank order), in the rubric's grade order; grades nobody holds are left out."""
    by: dict[str, list[str]] = {}
    for r in rows:
        by.setdefault(r.grade, []).append(r.department_name)
    order = _grade_order(campaign)
    order += [g for g in by if g not in order]
    return {g: tuple(by[g]) for g in order if by.get(g)}


# --------------------------------------------------------------------------- the circular


def default_deadline(campaign: Campaign) -> dt.date:
    return default_deadline_noted(campaign)[0]


def default_deadline_noted(campaign: Campaign) -> tuple[dt.date, list[str]]:
    """The circular's rectification deadline, and the notes it must carry when it was counted through a year
    with no holiday arrangements (a document never prints such a date without saying so)."""
    if campaign.rectify_deadline:
        return campaign.rectify_deadline, []
    from ..holidays import workdays
    from ..rectification.generation import default_deadline_counted

    deadline, counted = default_deadline_counted(campaign)
    if counted is None:
        return deadline, []
    cal = workdays.load(campaign.office_id)
    return deadline, [workdays.missing_year_note(y) for y in cal.fallback_years(counted[0], deadline)]


def circular_defaults(campaign: Campaign, office: Office) -> dict[str, str]:
    """The pre-filled draft of a campaign's circular (text fields the office edits before issuing)."""
    from ..ranking import analytics

    rows, _pub = published_rows(campaign)
    rubric = engine_rubric(campaign.rubric)
    groups = list(dict.fromkeys(r.group_name for r in rows))
    grades = grades_named(campaign, rows)
    counts = "，".join(f"{g}{len(units)}个" for g, units in grades.items())
    areas = "、".join(a.title for a in rubric.areas)
    submitted = sum(1 for r in rows if r.submitted)
    issuer = office.issuer_name or office.name
    overview = (
        f"本次考核对象为{len(rows)}个单位（{'、'.join(groups)}分组排名），其中{submitted}个单位按要求报送了自评材料。"
        f"考核采取单位自评、材料审核、网站和政务新媒体检查相结合的方式，对照《{rubric.name}》，"
        f"重点考核{areas}等方面，经评分、复核，评定结果如下：{counts}。"
    )
    top = [r for r in rows if r.submitted and not r.veto][:3]
    achievements = (
        "各单位普遍重视政务公开工作，“领导、机构、人员”三到位基本落实，重点领域信息公开更加及时，"
        "政策解读和回应关切工作进一步规范。"
        + (f"{'、'.join(r.department_name for r in top)}等单位工作扎实，成效明显。" if top else "")
    )
    found = analytics.problems(campaign, limit=30)
    merged: dict[str, list[dict]] = {}
    for p in found:
        merged.setdefault(p["title"], []).append(p)
    ordered = sorted(merged.items(), key=lambda kv: -sum(p["count"] for p in kv[1]))[:5]
    lines = []
    for n, (title, items) in enumerate(ordered, start=1):
        units = sum(p["count"] for p in items)
        texts = "；".join(p["problem"].rstrip("。；;") for p in items[:2])
        lines.append(f"{_nth(n)}是{title}方面。{texts}（涉及{units}个单位）。")
    problems = "\n".join(lines) or "本次考核未发现共性问题。"
    deadline, notes = default_deadline_noted(campaign)
    noted = f"（{'；'.join(notes)}）" if notes else ""
    requirements = (
        f"各单位要对照本通报和各自的问题清单，逐条制定整改措施，于{format_cn_date(deadline)}前{noted}整改到位，"
        f"并通过考核平台报送整改情况。\n"
        f"要落实信息发布审核制度，做到先审后发、专人维护，坚决杜绝空白栏目和错敏信息。\n"
        f"考核结果纳入年度综合考核，{issuer}将适时组织复查，复查结果另行通报。"
    )
    return {
        "title": f"关于{campaign.year}年度政务公开工作考核结果的通报",
        "addressee": "各单位：",
        "opening": (f"为深入推进政务公开工作，根据《{rubric.name}》，{issuer}组织开展了{campaign.year}年度"
                    f"政务公开工作考核。现将有关情况通报如下："),
        "overview": overview,
        "achievements": achievements,
        "problems": problems,
        "requirements": requirements,
        "attachment": f"{campaign.year}年度政务公开工作考核得分及排名表",
    }


def _nth(n: int) -> str:
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)


DRAFT_FIELDS = ("title", "addressee", "opening", "overview", "achievements", "problems", "requirements",
                "attachment")


def circular_context(campaign: Campaign, office: Office, body: dict[str, str], *, number: str, date: dt.date,
                     seal_png: bytes | None = None, verify_code: str = "", verify_url: str = "") -> C.CircularContext:
    rows, pub = published_rows(campaign)
    payload = json.loads(pub.data)
    areas = [(code, title) for code, title, _pts in payload["rubric"]["areas"]]
    ranking = tuple(
        C.RankingRow(group=r.group_name, rank=r.rank, department=r.department_name,
                     area_scores=tuple(r.areas.get(code, ZERO) for code, _ in areas), bonus=r.bonus,
                     total=r.total, grade=r.grade, note=r.note)
        for r in rows
    )
    sections = (
        C.Section("总体情况", paragraphs(body.get("overview", ""))),
        C.Section("主要成效", paragraphs(body.get("achievements", ""))),
        C.Section("存在的主要问题", paragraphs(body.get("problems", ""))),
        C.Section("下一步工作要求", paragraphs(body.get("requirements", ""))),
    )
    return C.CircularContext(
        letterhead=letterhead(office, number=number, date=date, seal_png=seal_png),
        title=body.get("title", "").strip(),
        addressee=body.get("addressee", "").strip(),
        opening=body.get("opening", "").strip(),
        sections=tuple(s for s in sections if s.paragraphs),
        grades=grades_named(campaign, rows),
        area_titles=tuple(t for _, t in areas),
        ranking_rows=ranking,
        attachments=(body.get("attachment", "").strip() or "考核得分及排名表",),
        verify_code=verify_code,
        verify_url=verify_url,
    )


# --------------------------------------------------------------------------- rectification notice


def notice_document(notice: Notice, office: Office, *, today: dt.date | None = None):
    """Plain data for ``templates/pdf/notice.html`` (GB/T 9704 layout): letterhead, intro, problem list.

    It carries no 发文字号: a notice gets its number when the office issues it (``assess.documents``), which
    puts the number into this context; before that it is a draft (see :func:`notice_pdf`).
    """
    from ..rectification.services import SOURCE_LABELS, today_local
    from .contexts import Letterhead, NoticeContext, ProblemItem

    today = today or today_local()
    when = (local_date(notice.sent_at) if notice.sent_at else today)
    area_of: dict[str, str] = {}
    if notice.campaign_id:
        campaign = db.session.get(Campaign, notice.campaign_id)
        rubric = engine_rubric(campaign.rubric) if campaign else None
        special = {"bonus": _("加分项"), "veto": _("一票否决项")}
        for item in notice.items:
            if rubric is None or not item.indicator_code or rubric.indicator(item.indicator_code) is None:
                continue
            section = rubric.section_of(item.indicator_code)
            area = rubric.area(section)
            area_of[item.indicator_code] = special.get(section) or getattr(area, "title", "") or ""
    items = tuple(
        ProblemItem(n, area_of.get(i.indicator_code or "", "") or str(SOURCE_LABELS[notice.source]), i.indicator_code or "",
                    i.indicator_title or "", i.problem, i.points_deducted if i.points_deducted is not None else Decimal(0),
                    i.requirement or "")
        for n, i in enumerate(notice.items, start=1)
    )
    intro = [p for p in (notice.intro or "").splitlines() if p.strip()] or [
        _("经检查，你单位存在%(n)s项问题（详见附件）。", n=len(items))]
    from ..rectification.services import deadline_notes

    notes = deadline_notes(notice)
    intro.append(_("请对照问题清单逐条整改，于%(d)s前整改到位。", d=format_cn_date(notice.deadline)))
    if notes:
        intro.append(_("（整改期限按工作日计算：%(notes)s。）", notes="；".join(notes)))
    letterhead = Letterhead(
        authority_mark=office.authority_mark or office.name, doc_number="",
        issuer=office.issuer_name or office.name, date=when, printed_by=office.printed_by or office.name,
        print_date=when, seal_png=None,
        cc=split_list(office.cc_block),
    )
    return NoticeContext(
        letterhead=letterhead, department=notice.department_name, title=notice.title, intro=tuple(intro),
        items=items, deadline=notice.deadline, deadline_note="；".join(notes),
        how_to_answer=_("请在考核平台“整改通知”栏目逐条填写整改措施、整改结果并附佐证材料，经分管领导审核后提交。"),
        contact=office.contact or office.name,
    )


def notice_context(notice: Notice, office: Office, *, number: str, date: dt.date, seal_png: bytes | None = None,
                   verify_code: str = "", verify_url: str = "") -> C.NoticeContext:
    """The rectification capability's notice context, with this document's number, date, seal and code."""
    base = notice_document(notice, office, today=date)
    lh = dataclasses.replace(letterhead(office, number=number, date=date, seal_png=seal_png), contact="")
    return dataclasses.replace(base, letterhead=lh, verify_code=verify_code, verify_url=verify_url)


# --------------------------------------------------------------------------- score sheet


def scoresheet_context(campaign: Campaign, office: Office, department_id: int, *, date: dt.date,
                       verify_code: str = "", verify_url: str = "") -> C.ScoreSheetContext:
    rows, _pub = published_rows(campaign)
    row = next((r for r in rows if r.department_id == department_id), None)
    if row is None:
        raise DocumentError("该部门未参加本次考核排名。", "department")
    rubric = engine_rubric(campaign.rubric)
    ir = IndicatorResult
    results = {r.indicator_code: r for r in db.session.scalars(
        select(ir).where(ir.office_id == campaign.office_id, ir.campaign_id == campaign.id,
                         ir.department_id == department_id))}
    # a finding a contest overturned is no problem of the department's any more
    standing = {f.code: f.problem for f in standing_findings(campaign, department_id=department_id,
                                                             with_evidence=False)}
    score_rows: list[C.ScoreRow] = []
    subtotals: list[C.AreaSubtotal] = []

    def _row(area_title: str, ind) -> C.ScoreRow:
        res = results.get(ind.code)
        reason = (res.lead_reason or res.decision_reason) if res else ""
        problem = standing.get(ind.code, "") or (f"不适用：{res.not_applicable}" if res and res.not_applicable else "")
        return C.ScoreRow(area=area_title, code=ind.code, title=ind.title, max_points=ind.points,
                          self_score=res.self_score if res else None, final_score=res.final_score if res else None,
                          problem=problem or "", reviewer_reason=reason or "")

    if row.ended:  # 单项否决: only the veto items that ended scoring are printed, nothing as if scored
        score_rows += [_row("单项否决", ind) for ind in rubric.vetoes if ind.code in row.vetoes]
    else:
        for area in rubric.areas:
            mine = [_row(area.title, ind) for ind in area.indicators]
            score_rows += mine
            subtotals.append(C.AreaSubtotal(
                area=area.title, max_points=area.points,
                self_score=sum((r.self_score or ZERO for r in mine), ZERO),
                final_score=row.areas.get(area.code, ZERO)))
        if rubric.bonus:
            score_rows += [_row("加分项", ind) for ind in rubric.bonus.indicators]
        if rubric.major:
            score_rows += [_row("重大扣分项", ind) for ind in rubric.major.indicators]
    reviewer_ids = db.session.scalars(
        select(ReviewScore.reviewer_id).where(ReviewScore.office_id == campaign.office_id,
                                              ReviewScore.campaign_id == campaign.id,
                                              ReviewScore.department_id == department_id).distinct()).all()
    names = sorted(n for n in (db.session.get(User, i).display_name for i in reviewer_ids if i) if n)
    notes = tuple(n for n in (row.note,) if n)
    if row.late_deduction and not row.ended:
        notes += (f"逾期报送扣{row.late_deduction}分。",)
    if row.not_applicable and not row.ended:
        notes += (f"不适用指标不计分，适用指标满分{format_score(row.applicable_points)}分，得分{format_score(row.base_raw)}分"
                  f"折算为{format_score(rubric.total)}分制计{format_score(row.base)}分。",)
    if row.major and not row.ended:
        notes += (f"重大扣分项扣{format_score(-row.major)}分，从总分中扣除（不计入各领域得分）。",)
    if row.ended:
        notes += tuple(line for line in row.explanation if line.startswith("单项否决"))
    return C.ScoreSheetContext(
        office=office.issuer_name or office.name, department=row.department_name, group=row.group_name,
        campaign_name=campaign.name, rows=tuple(score_rows), area_subtotals=tuple(subtotals), bonus=row.bonus,
        total=row.total, rank=row.rank if row.submitted else None, group_size=row.group_size, grade=row.grade,
        reviewed_by="、".join(names), date=date, verify_code=verify_code, verify_url=verify_url, notes=notes,
        major=row.major if rubric.major else None, ended=row.ended)


# --------------------------------------------------------------------------- self-assessment table (自评表)


def selfassessment_context(submission: Submission, office: Office, *, today: dt.date) -> C.SelfAssessmentContext:
    """A department's self-assessment table from its stored answers: every indicator's self-score and
    explanation, per-area subtotals and the total as the scoring engine counts them (areas floored at 0,
    the bonus capped; no late deduction: that is the office's), for the leader to sign and seal.

    Base indicators not yet self-scored count as 0 and are reported in ``missing``; bonus items not claimed
    are left blank. Veto items carry no score and are not listed.
    """
    from .. import scoring
    from ..selfassessment.services import answers_of

    campaign = submission.campaign
    rubric = engine_rubric(campaign.rubric)
    answers = answers_of(submission)

    def claimed(code: str) -> Decimal | None:
        a = answers.get(code)
        return a.self_score if a is not None else None

    scores = {ind.code: claimed(ind.code) or ZERO for area in rubric.areas for ind in area.indicators}
    scores.update({ind.code: s for ind in (rubric.bonus.indicators if rubric.bonus else ())
                   if (s := claimed(ind.code)) is not None})
    try:
        totals = scoring.aggregate(rubric, scores, explain=False)
        area_sums, bonus, total = dict(totals.areas), totals.bonus, totals.base + totals.bonus
    except scoring.InputError:  # a stored score the current bounds refuse: print the plain sums
        area_sums = {a.code: sum((scores[i.code] for i in a.indicators), ZERO) for a in rubric.areas}
        bonus = sum((scores.get(i.code, ZERO) for i in (rubric.bonus.indicators if rubric.bonus else ())), ZERO)
        total = sum(area_sums.values(), ZERO) + bonus

    seq = 0

    def rows(indicators) -> tuple[C.SelfAssessmentRow, ...]:
        nonlocal seq
        out = []
        for ind in indicators:
            seq += 1
            a = answers.get(ind.code)
            out.append(C.SelfAssessmentRow(seq=seq, code=ind.code, title=ind.title, max_points=ind.points,
                                           self_score=claimed(ind.code),
                                           explanation=(a.explanation or "").strip() if a is not None else ""))
        return tuple(out)

    areas = [C.SelfAssessmentArea(title=a.title, max_points=a.points, rows=rows(a.indicators),
                                  subtotal=area_sums[a.code]) for a in rubric.areas]
    if rubric.bonus:
        areas.append(C.SelfAssessmentArea(title="加分项", max_points=rubric.bonus.cap,
                                          rows=rows(rubric.bonus.indicators), subtotal=bonus, is_bonus=True))
    missing = sum(1 for area in rubric.areas for ind in area.indicators if claimed(ind.code) is None)
    submitted = submission.submitted_at is not None and submission.state.value == "submitted"
    date = local_date(submission.submitted_at) if submitted else today
    contact = ""
    dept = db.session.get(Department, submission.department_id)
    if dept is not None and (dept.contact_name or dept.contact_phone):
        contact = "　".join(x for x in (f"联系人：{dept.contact_name}" if dept.contact_name else "",
                                       f"电话：{dept.contact_phone}" if dept.contact_phone else "") if x)
    return C.SelfAssessmentContext(
        office=office.issuer_name or office.name, department=submission.department_name,
        campaign_name=campaign.name, year=campaign.year, areas=tuple(areas), total=total,
        max_total=rubric.total,
        date=date, submitted=submitted, missing=missing, contact=contact)
