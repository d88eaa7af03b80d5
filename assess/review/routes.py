"""Review pages: assignment, the reviewing sheet, lead decisions, results and waterfalls, re-check contests.

Every view: load through the scope (another office's or department's row is a 404) → role → the
capability's own access rule (reviewers only what they are assigned) → service → one commit → redirect.
"""
from __future__ import annotations

from typing import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from ..campaigns import services as campaign_services
from ..extensions import db
from ..models import Campaign, CampaignState, Contest, Evidence, EvidenceKind, Group, ReviewAssignment, Role, Submission, SubmissionState, User
from ..tenancy.permissions import roles_required
from ..tenancy.scope import get_scoped_or_404
from ..web import commit_or_flash, id_arg, show_error
from ..tenancy.roles import DEPARTMENT_STAFF, OFFICE_READERS, OFFICE_STAFF, TENANT_ROLES
from . import services
from .services import ReviewError
from .access import RESULTS_VISIBLE_TO_DEPARTMENTS, can_see_results, require_reviewer_of
from .forms import AnswerForm, AssignForm, ContestForm, EmptyForm, LeadForm, ScoreForm

bp = Blueprint("review", __name__, url_prefix="/review")

STATE_LABELS = campaign_services.STATE_LABELS  # the campaign's stage, translated when shown


_fail = show_error  # a refusal at its field, or flashed


def _fail_on_sheet(exc: Exception, form) -> None:
    """A refused score or decision at its field; a stale version is also said above the sheet."""
    _fail(exc, form)
    if getattr(exc, "field", None) == "version":
        flash(str(exc), "error")

#: Where the review sheet finds the unresolved rectification items of a department on an indicator (last
#: year's, shown while scoring): ``finder(department_id, indicator_code, *, office_id, exclude_campaign_id)``
#: returning the items. The rectification capability builds on the review's findings, so the review does not
#: import it: ``create_app`` registers :func:`assess.rectification.services.open_items_for` here through
#: :func:`show_open_items_from`.
OPEN_ITEM_FINDERS: list[Callable[..., list]] = []


def show_open_items_from(finder: Callable[..., list]) -> None:
    """Register ``finder`` in :data:`OPEN_ITEM_FINDERS` (idempotent: create_app runs once per app)."""
    if finder not in OPEN_ITEM_FINDERS:
        OPEN_ITEM_FINDERS.append(finder)


#: Checks of a submission's figures against other sources (its annual reports), shown on the indicator:
#: ``check(submission)`` returning flags with ``code`` (the indicator); the sheet shows them through
#: ``imports/_source_flags.html``. The imports capability
#: builds on the review's sheet, not the reverse: ``create_app`` registers
#: :func:`assess.imports.cross_source.source_flags` here through :func:`show_source_checks_from`.
SOURCE_CHECKS: list[Callable[..., list]] = []


def show_source_checks_from(check: Callable[..., list]) -> None:
    """Register ``check`` in :data:`SOURCE_CHECKS` (idempotent)."""
    if check not in SOURCE_CHECKS:
        SOURCE_CHECKS.append(check)


#: Panels capabilities built on the review add to the sheet, above the department's answer: each is
#: ``panel(submission, indicator_code) -> str`` returning HTML (rendered by that capability's own template) or "".
#: ``create_app`` registers the review aids' flags (:func:`assess.reviewaids.routes.sheet_panel`) through
#: :func:`show_panels_from`; the review does not import them.
SHEET_PANELS: list[Callable[[Submission, str], str]] = []


def show_panels_from(panel: Callable[[Submission, str], str]) -> None:
    """Register ``panel`` in :data:`SHEET_PANELS` (idempotent: create_app runs once per app)."""
    if panel not in SHEET_PANELS:
        SHEET_PANELS.append(panel)


#: Marks capabilities built on the review put beside the department's evidence items on the sheet: each is
#: ``mark(submission, indicator_code) -> {evidence id: HTML}``. ``create_app`` registers the review aids' evidence
#: flags (:func:`assess.reviewaids.routes.evidence_marks`) through :func:`show_evidence_marks_from`.
EVIDENCE_MARKS: list[Callable[[Submission, str], dict[int, str]]] = []


def show_evidence_marks_from(mark: Callable[[Submission, str], dict[int, str]]) -> None:
    """Register ``mark`` in :data:`EVIDENCE_MARKS` (idempotent)."""
    if mark not in EVIDENCE_MARKS:
        EVIDENCE_MARKS.append(mark)


def _upload() -> tuple[str, bytes] | None:
    f = request.files.get("evidence_file")
    if f is None or not f.filename:
        return None
    return f.filename, f.read()


# --- entry points ----------------------------------------------------------------------------------------


@bp.route("/")
@roles_required(*TENANT_ROLES)
def index():
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.year.desc(), Campaign.id.desc())).all()
    if current_user.department_id is not None:
        subs = db.session.scalars(select(Submission).where(Submission.department_id == current_user.department_id)
                                  .order_by(Submission.id.desc())).all()
        return render_template("review/index_department.html", submissions=subs, labels=STATE_LABELS,
                               visible=RESULTS_VISIBLE_TO_DEPARTMENTS)
    rows = []
    for c in campaigns:
        if current_user.role == Role.REVIEWER:
            prog = services.progress(c, current_user.id)
            if not prog:
                continue
        else:
            prog = services.progress(c)
        rows.append((c, services.progress_summary(prog)))
    return render_template("review/index.html", rows=rows, labels=STATE_LABELS)


@bp.route("/campaigns/<int:campaign_id>")
@roles_required(*OFFICE_READERS)
def campaign(campaign_id: int):
    c = get_scoped_or_404(Campaign, campaign_id)
    if current_user.department_id is not None:
        abort(403)
    mine = current_user.role == Role.REVIEWER
    prog = services.progress(c, current_user.id if mine else None)
    assigned: dict[int, list[ReviewAssignment]] = {}
    for a in db.session.scalars(select(ReviewAssignment).where(ReviewAssignment.campaign_id == c.id)):
        assigned.setdefault(a.department_id, []).append(a)
    names = {u.id: u.display_name for u in db.session.scalars(select(User).where(User.office_id == c.office_id))}
    return render_template("review/campaign.html", campaign=c, progress=prog, summary=services.progress_summary(prog),
                           assigned=assigned, names=names,
                           mine=mine, labels=STATE_LABELS, incomplete=None if mine else services.review_complete(c))


# --- assignment ------------------------------------------------------------------------------------------


def _assign_form(c: Campaign) -> AssignForm:
    form = AssignForm()
    people = services.office_reviewers(c.office_id)
    form.reviewer_id.choices = [(u.id, u.display_name) for u in people]
    form.second_id.choices = [(0, _("（不设）"))] + [(u.id, u.display_name) for u in people]
    groups = db.session.scalars(select(Group).order_by(Group.sort_order, Group.name)).all()
    form.group_id.choices = [(0, _("（不按分组）"))] + [(g.id, g.name) for g in groups]
    subs = db.session.scalars(select(Submission).where(Submission.campaign_id == c.id)
                              .order_by(Submission.group_name, Submission.department_name)).all()
    form.department_ids.choices = [(s.department_id, s.department_name) for s in subs]
    return form


@bp.route("/campaigns/<int:campaign_id>/assign", methods=["GET", "POST"])
@roles_required(Role.OFFICE_ADMIN)
def assign(campaign_id: int):
    c = get_scoped_or_404(Campaign, campaign_id)
    form = _assign_form(c)
    if form.validate_on_submit():
        dept_ids = list(form.department_ids.data or [])
        if not dept_ids and form.group_id.data:
            dept_ids = list(db.session.scalars(select(Submission.department_id).where(
                Submission.campaign_id == c.id, Submission.group_id == form.group_id.data)))
        reviewer = db.session.get(User, form.reviewer_id.data)
        second = db.session.get(User, form.second_id.data) if form.second_id.data else None
        if not dept_ids:
            form.department_ids.errors = [_("请选择分组或至少一个部门。")]
        elif reviewer is None or reviewer.office_id != c.office_id:
            form.reviewer_id.errors = [_("请选择评审人员。")]
        else:
            done = commit_or_flash(lambda: services.assign_many(c, dept_ids, reviewer, second=second, actor=current_user),
                                   lambda out: _("已分配%(n)s项。", n=out.assigned), refused=(ReviewError,),
                                   show=lambda exc: _fail(exc, form))
            if done:
                for message in done.result.skipped[:20]:
                    flash(message, "warning")
                return redirect(url_for("review.assign", campaign_id=c.id))
    subs = db.session.scalars(select(Submission).where(Submission.campaign_id == c.id)
                              .order_by(Submission.group_name, Submission.department_name)).all()
    assigned: dict[int, list[ReviewAssignment]] = {}
    for a in db.session.scalars(select(ReviewAssignment).where(ReviewAssignment.campaign_id == c.id)
                                .order_by(ReviewAssignment.is_lead.desc(), ReviewAssignment.id)):
        assigned.setdefault(a.department_id, []).append(a)
    names = {u.id: u.display_name for u in db.session.scalars(select(User).where(User.office_id == c.office_id))}
    return render_template("review/assign.html", campaign=c, form=form, submissions=subs, assigned=assigned,
                           names=names, empty=EmptyForm(), conflict_days=services.conflict_days())


@bp.route("/assignments/<int:assignment_id>/delete", methods=["POST"])
@roles_required(Role.OFFICE_ADMIN)
def unassign(assignment_id: int):
    a = get_scoped_or_404(ReviewAssignment, assignment_id)
    campaign_id = a.campaign_id
    if EmptyForm().validate_on_submit():
        commit_or_flash(lambda: services.unassign(a, actor=current_user), _("已取消分配。"), refused=(ReviewError,))
    return redirect(url_for("review.assign", campaign_id=campaign_id))


@bp.route("/assignments/<int:assignment_id>/lead", methods=["POST"])
@roles_required(Role.OFFICE_ADMIN)
def set_lead(assignment_id: int):
    a = get_scoped_or_404(ReviewAssignment, assignment_id)
    campaign_id = a.campaign_id
    if EmptyForm().validate_on_submit():
        commit_or_flash(lambda: services.set_lead(a, actor=current_user), _("已设为组长。"), refused=(ReviewError,))
    return redirect(url_for("review.assign", campaign_id=campaign_id))


# --- reviewing -------------------------------------------------------------------------------------------


def _neighbours(sub: Submission) -> tuple[Submission | None, Submission | None]:
    """Previous and next department in the reviewer's own work list (all departments for administrators)."""
    prog = services.progress(sub.campaign, current_user.id if current_user.role == Role.REVIEWER else None)
    subs = [p["submission"] for p in prog if p["submission"].state == SubmissionState.SUBMITTED]
    ids = [s.id for s in subs]
    if sub.id not in ids:
        return None, None
    i = ids.index(sub.id)
    return (subs[i - 1] if i > 0 else None), (subs[i + 1] if i + 1 < len(subs) else None)


def _render_sheet(sub: Submission, code: str | None, form: ScoreForm | None = None, lead_form: LeadForm | None = None,
                  status: int = 200):
    requested = request.values.get("r", type=id_arg)
    if not requested and form and form.reviewer_id.data:
        try:
            requested = id_arg(form.reviewer_id.data)
        except ValueError:
            requested = None
    try:
        owner = services.score_owner(sub, current_user, requested)
    except ReviewError as exc:
        flash(str(exc), "error")
        return redirect(url_for("review.campaign", campaign_id=sub.campaign_id))
    rows = services.review_sheet(sub, owner)
    codes = [r.code for r in rows]
    if code not in codes:
        code = next((r.code for r in rows if not r.done), codes[0])
    i = codes.index(code)
    row = rows[i]
    if form is None:
        form = ScoreForm(formdata=None)
        if row.mine is not None:
            form.score.data = services.fmt(row.mine.score)
            form.veto.data = row.mine.veto
            form.problem.data, form.reason.data = row.mine.problem, row.mine.reason
        form.version.data = str(row.mine.version_id if row.mine else 0)
        form.reviewer_id.data = str(owner)
    if lead_form is None:
        lead_form = LeadForm(formdata=None)
        if row.result is not None:
            lead_form.version.data = str(row.result.version_id)
            if row.result.lead_score is not None:
                lead_form.score.data = services.fmt(row.result.lead_score)
                lead_form.problem.data, lead_form.reason.data = row.result.lead_problem, row.result.lead_reason
    prev_sub, next_sub = _neighbours(sub)
    assigned = services.assignments_of(sub.campaign, sub.department_id)
    names = {u.id: u.display_name for u in db.session.scalars(
        select(User).where(User.id.in_([a.reviewer_id for a in assigned] or [0])))}
    evidence = services.evidence_for(sub.office_id, "review",
                                     [s.id for _u, s in row.others] + ([row.mine.id] if row.mine else []))
    # Last year's unresolved rectification items on this indicator, so the reviewer sees them while scoring.
    open_items = [item for finder in OPEN_ITEM_FINDERS
                  for item in finder(sub.department_id, row.code, office_id=sub.office_id,
                                     exclude_campaign_id=sub.campaign_id)]
    # One number, several sources: the department's figures against its own annual reports.
    source_flags = [f for check in SOURCE_CHECKS for f in check(sub)]


    panels = [Markup(panel(sub, row.code)) for panel in SHEET_PANELS]
    evidence_marks: dict[int, Markup] = {}
    for mark in EVIDENCE_MARKS:
        for ev_id, html in mark(sub, row.code).items():
            evidence_marks[ev_id] = evidence_marks.get(ev_id, Markup("")) + Markup(html)
    html = render_template(
        "review/sheet.html", sub=sub, rows=rows, row=row, form=form, lead_form=lead_form,
        source_flags=[f for f in source_flags if f.code == row.code],
        flagged_codes={f.code for f in source_flags},
        prev_code=codes[i - 1] if i > 0 else None, next_code=codes[i + 1] if i + 1 < len(codes) else None,
        prev_sub=prev_sub, next_sub=next_sub, done=sum(1 for r in rows if r.done), owner=owner, names=names,
        assigned=assigned, is_lead=services.is_lead(sub, current_user),
        editable=sub.campaign.state == CampaignState.REVIEW,
        review_evidence=evidence, fmt=services.fmt, open_items=open_items, panels=panels, empty=EmptyForm(),
        evidence_marks=evidence_marks,
        area_title=_area_title(sub, row.area),
        left_in_area=sum(1 for r in rows if r.area == row.area and not r.done),
        left_in_department=sum(1 for r in rows if not r.done))
    return html, status


def _area_title(sub: Submission, section: str) -> str:
    rubric = services.rubric_of(sub.campaign)
    titles = {a.code: a.title for a in rubric.areas}
    titles.update({"bonus": _("加分项"), "veto": _("一票否决项")})
    return str(titles.get(section, section))


@bp.route("/submissions/<int:submission_id>")
@roles_required(*OFFICE_STAFF)
def sheet(submission_id: int):
    sub = get_scoped_or_404(Submission, submission_id)
    require_reviewer_of(sub)
    return _render_sheet(sub, request.args.get("code"))


@bp.route("/submissions/<int:submission_id>/scores/<code>", methods=["POST"])
@roles_required(*OFFICE_STAFF)
def save_score(submission_id: int, code: str):
    sub = get_scoped_or_404(Submission, submission_id)
    require_reviewer_of(sub)
    form = ScoreForm()
    if not form.validate_on_submit():
        return _render_sheet(sub, code, form=form, status=422)
    accept = request.form.get("action") == "accept"
    if not commit_or_flash(
            lambda: services.save_score(
                sub, code, actor=current_user, version=int(form.version.data or 0) if
                (form.version.data or "0").isdigit() else -1, accept=accept, score=form.score.data,
                veto=form.veto.data, problem=form.problem.data or "", reason=form.reason.data or "",
                reviewer_id=int(form.reviewer_id.data) if (form.reviewer_id.data or "").isdigit() else None,
                evidence_url=form.evidence_url.data or "", evidence_title=form.evidence_title.data or "",
                evidence_file=_upload()),
            _("已保存指标%(c)s的评审分。", c=code), refused=(ReviewError,), show=lambda exc: _fail_on_sheet(exc, form)):
        return _render_sheet(sub, code, form=form, status=422)
    codes = services.indicator_codes(services.rubric_of(sub.campaign))
    nxt = codes[codes.index(code) + 1] if code in codes and codes.index(code) + 1 < len(codes) else code
    return redirect(url_for("review.sheet", submission_id=sub.id, code=nxt, r=form.reviewer_id.data or None))


@bp.route("/submissions/<int:submission_id>/accept-rest", methods=["POST"])
@roles_required(*OFFICE_STAFF)
def accept_rest(submission_id: int):
    """Accept the rest of one area, or of the whole department, in one action (each acceptance logged)."""
    sub = get_scoped_or_404(Submission, submission_id)
    require_reviewer_of(sub)
    code = request.form.get("code") or None
    owner = request.form.get("reviewer_id", "")
    back = url_for("review.sheet", submission_id=sub.id, code=code, r=owner if owner.isdigit() else None)
    if not EmptyForm().validate_on_submit():
        flash(_("请求有误，请重试。"), "error")
        return redirect(back)
    done = commit_or_flash(lambda: services.accept_rest(sub, actor=current_user,
                                                        section=request.form.get("section") or None,
                                                        reviewer_id=int(owner) if owner.isdigit() else None),
                           None, refused=(ReviewError,))
    if not done:
        return redirect(back)
    out = done.result
    if out.accepted:
        flash(_("已采纳%(n)s项指标的自评分：%(c)s。", n=len(out.accepted), c="、".join(out.accepted)), "success")
    else:
        flash(_("没有可以直接采纳的指标。"), "info")
    if out.skipped:
        flash(_("跳过%(n)s项，请逐项评审：%(d)s。", n=len(out.skipped),
                d="；".join(_("%(c)s（%(w)s）", c=c, w=why.rstrip("。")) for c, why in out.skipped)), "warning")
    return redirect(back)


@bp.route("/submissions/<int:submission_id>/lead/<code>", methods=["POST"])
@roles_required(*OFFICE_STAFF)
def lead_decide(submission_id: int, code: str):
    sub = get_scoped_or_404(Submission, submission_id)
    require_reviewer_of(sub)
    form = LeadForm()
    if not form.validate_on_submit():
        return _render_sheet(sub, code, lead_form=form, status=422)
    if not commit_or_flash(
            lambda: services.lead_decide(sub, code, actor=current_user, version=int(form.version.data) if
                                   (form.version.data or "").isdigit() else -1, score=form.score.data,
                                   veto=form.veto.data, problem=form.problem.data or "", reason=form.reason.data or ""),
            _("已记录指标%(c)s的最终裁定。", c=code), refused=(ReviewError,), show=lambda exc: _fail_on_sheet(exc, form)):
        return _render_sheet(sub, code, lead_form=form, status=422)
    return redirect(url_for("review.sheet", submission_id=sub.id, code=code))


# --- results and waterfall -------------------------------------------------------------------------------


@bp.route("/submissions/<int:submission_id>/results")
@roles_required(*TENANT_ROLES)
def results(submission_id: int):
    sub = get_scoped_or_404(Submission, submission_id)
    if not can_see_results(sub):
        abort(403)
    table = services.results_table(sub)
    contestable = {r.indicator_code for r in services.deductions(sub)}
    standing = {f.code for f in services.standing_findings(sub.campaign, department_id=sub.department_id,
                                                     with_evidence=False)}
    return render_template("review/results.html", sub=sub, table=table, fmt=services.fmt, contestable=contestable,
                           standing=standing,
                           can_contest=(current_user.department_id == sub.department_id
                                        and current_user.role in DEPARTMENT_STAFF and services.recheck_open(sub.campaign)),
                           outcomes=services.OUTCOME_LABELS)


@bp.route("/submissions/<int:submission_id>/results/<code>")
@roles_required(*TENANT_ROLES)
def waterfall(submission_id: int, code: str):
    sub = get_scoped_or_404(Submission, submission_id)
    if not can_see_results(sub):
        abort(403)
    try:
        steps = services.waterfall(sub, code)
    except ReviewError:
        abort(404)
    ind = services.rubric_of(sub.campaign).indicator(code)
    return render_template("review/waterfall.html", sub=sub, ind=ind, steps=steps, fmt=services.fmt)


# --- re-check --------------------------------------------------------------------------------------------


@bp.route("/submissions/<int:submission_id>/contest/<code>", methods=["GET", "POST"])
@roles_required(*DEPARTMENT_STAFF)
def contest(submission_id: int, code: str):
    sub = get_scoped_or_404(Submission, submission_id)
    if current_user.department_id != sub.department_id:
        abort(404)
    result = next((r for r in services.deductions(sub) if r.indicator_code == code), None)
    ind = services.rubric_of(sub.campaign).indicator(code)
    if ind is None:
        abort(404)
    form = ContestForm()
    if form.validate_on_submit() and commit_or_flash(
            lambda: services.create_contest(sub, code, actor=current_user, explanation=form.explanation.data or "",
                                      evidence_url=form.evidence_url.data or "",
                                      evidence_title=form.evidence_title.data or "", evidence_file=_upload()),
            _("已提交指标%(c)s的复核申请。", c=code), refused=(ReviewError,), show=lambda exc: _fail(exc, form)):
        return redirect(url_for("review.results", submission_id=sub.id))
    return render_template("review/contest.html", sub=sub, ind=ind, result=result, form=form, fmt=services.fmt,
                           open=services.recheck_open(sub.campaign))


@bp.route("/campaigns/<int:campaign_id>/contests")
@roles_required(*OFFICE_STAFF)
def contests(campaign_id: int):
    c = get_scoped_or_404(Campaign, campaign_id)
    rows = services.contests_for(c, current_user)
    subs = {s.department_id: s for s in db.session.scalars(select(Submission).where(Submission.campaign_id == c.id))}
    return render_template("review/contests.html", campaign=c, contests=rows, subs=subs,
                           outcomes=services.OUTCOME_LABELS)


@bp.route("/contests/<int:contest_id>", methods=["GET", "POST"])
@roles_required(*OFFICE_STAFF)
def answer(contest_id: int):
    ct = get_scoped_or_404(Contest, contest_id)
    if (current_user.role == Role.REVIEWER
            and not services.is_assigned(ct.campaign_id, ct.department_id, current_user.id)):
        abort(403)
    sub = db.session.scalar(select(Submission).where(Submission.campaign_id == ct.campaign_id,
                                                     Submission.department_id == ct.department_id))
    form = AnswerForm()
    if request.method == "GET":
        form.version.data = str(ct.version_id)
        if ct.outcome is not None:
            form.outcome.data = ct.outcome.value
            form.new_score.data = services.fmt(ct.new_score) if ct.new_score is not None else ""
            form.reason.data = ct.answer
    elif form.validate_on_submit() and commit_or_flash(
            lambda: services.answer_contest(ct, actor=current_user, outcome=form.outcome.data or "",
                                      version=int(form.version.data) if (form.version.data or "").isdigit() else -1,
                                      reason=form.reason.data or "", new_score=form.new_score.data,
                                      evidence_url=form.evidence_url.data or "",
                                      evidence_title=form.evidence_title.data or "", evidence_file=_upload()),
            _("已答复复核申请。"), refused=(ReviewError,), show=lambda exc: _fail(exc, form)):
        return redirect(url_for("review.contests", campaign_id=ct.campaign_id))
    steps = services.waterfall(sub, ct.indicator_code)
    return render_template("review/answer.html", contest=ct, sub=sub, steps=steps, form=form, fmt=services.fmt,
                           refusal=services.may_answer(ct, current_user),
                           ind=services.rubric_of(sub.campaign).indicator(ct.indicator_code))


# --- reviewers' and contests' own evidence files --------------------------------------------------------------

REVIEW_EVIDENCE_OWNERS = ("review", "contest", "contest_answer")


@bp.route("/evidence/<int:evidence_id>")
@roles_required(*TENANT_ROLES)
def evidence_file(evidence_id: int):
    """A file attached to a reviewer's score, a contest or its answer: for whoever may see that department's
    review (reviewers assigned to it, the office, and the department itself once results are open)."""
    ev = get_scoped_or_404(Evidence, evidence_id)
    if ev.owner_type not in REVIEW_EVIDENCE_OWNERS or ev.kind != EvidenceKind.FILE or ev.deleted_at is not None:
        abort(404)
    sub = db.session.scalar(select(Submission).where(Submission.campaign_id == ev.campaign_id,
                                                     Submission.department_id == ev.department_id))
    if sub is None:
        abort(404)
    if not (services.may_review(current_user, sub) or can_see_results(sub)):
        abort(403)
    from ..evidence import services as evidence
    from ..evidence.access import file_response  # the shared, hardened file response

    return file_response(ev, inline=bool(request.args.get("inline")) and evidence.inline_ok(ev))
