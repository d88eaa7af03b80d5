"""The editor's decisions reach the form only through the self-assessment's own ``save_answer``; the answer
is then unconfirmed until the editor confirms it, and the form says where its content came from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from flask_babel import gettext as _

from ..audit.services import record
from ..extensions import db
from ..models import AnnualReport, Answer, Evidence, EvidenceKind, FigureImport, Submission, User
from ..models.base import utcnow
from ..scoring.explain import num, typed_number
from ..selfassessment import services as selfassessment_services
from .base import DECISIONS, ImportsError, _dumps, _loads, _require_editor, imports_of, submission_of

# --- where an unconfirmed answer came from ----------------------------------------------------------------


@dataclass
class Origin:
    """Where the unconfirmed content of one answer came from, for the note above it in the form.

    ``kind``: ``summary`` (figures taken from an uploaded year-end summary), ``annual_report`` (from an uploaded
    annual report), ``last_year`` (texts copied from last year's self-assessment, figures cleared) or ``""``
    (unknown). ``figures``: (label, value, proposed) for each figure taken, ``proposed`` set when the editor
    corrected the number read from the file. ``explanation_year``: the 情况说明 is last year's text.
    """

    kind: str
    filename: str = ""
    year: int | None = None
    at: datetime | None = None
    figures: list[tuple[str, str, str | None]] = field(default_factory=list)
    explanation_year: int | None = None


def unconfirmed_origins(submission: Submission, answers: Mapping[str, Answer] | None = None) -> dict[str, Origin]:
    """Per indicator whose answer awaits confirmation: the latest import that filled it, else last year's copy.

    Nothing extra is stored: the import's recorded decisions and last year's answers tell the story.
    """
    answers = answers if answers is not None else selfassessment_services.answers_of(submission)
    pending = {code: a for code, a in answers.items() if a.carried_over}
    if not pending:
        return {}
    rubric = selfassessment_services.rubric_of(submission.campaign)
    latest: dict[str, tuple[str, FigureImport, dict]] = {}
    for fi in imports_of(submission):
        for code, mine in _loads(fi.decisions, {}).items():
            if code not in pending:
                continue
            taken = {n: d for n, d in (mine.get("figures") or {}).items() if d.get("decision") in ("accept", "correct")}
            if not taken:
                continue
            at = max(d.get("at", "") for d in taken.values())
            if code not in latest or at > latest[code][0]:
                latest[code] = (at, fi, taken)
    prev = selfassessment_services.previous_submission(submission)
    last = selfassessment_services.answers_of(prev) if prev is not None else {}
    prev_year = prev.campaign.year if prev is not None else None
    out: dict[str, Origin] = {}
    for code, answer in pending.items():
        old = last.get(code)
        same_text = prev_year if old is not None and old.explanation and old.explanation == answer.explanation else None
        if code in latest:
            at, fi, taken = latest[code]
            ind = rubric.indicator(code)
            figs = []
            for name, d in taken.items():
                spec = ind.input(name) if ind is not None else None
                label, unit = (spec.label, spec.unit or "") if spec is not None else (name, "")
                proposed = d.get("proposed") if d.get("decision") == "correct" else None
                figs.append((label, f"{d.get('value', '')}{unit}", f"{proposed}{unit}" if proposed else None))
            year = None
            if fi.source == "annual_report" and fi.annual_report_id:
                report = db.session.get(AnnualReport, fi.annual_report_id)
                year = report.year if report is not None else None
            out[code] = Origin("annual_report" if fi.source == "annual_report" else "summary", fi.filename, year,
                               _parse_at(at), figs, same_text)
        elif prev_year is not None and old is not None:
            out[code] = Origin("last_year", year=prev_year)
        else:
            out[code] = Origin("")
    return out


def _parse_at(raw: str) -> datetime | None:
    try:
        return datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None


# --- decisions → the form ------------------------------------------------------------------------------


@dataclass
class DecisionResult:
    accepted: list[str]
    rejected: list[str]
    attached: int
    answer: Answer | None


def _answer_form_values(answer: Answer | None) -> dict[str, Any]:
    """The answer as the form would post it back, so that one changed figure leaves the rest as it was."""
    if answer is None:
        return {"inputs": {}, "self_score": None, "self_score_reason": "", "explanation": ""}
    inputs = {k: ("true" if v is True else "false" if v is False else str(v))
              for k, v in selfassessment_services.stored_inputs(answer).items()}
    # the self-score stays an override only where it departed from the suggestion (else: re-suggested)
    override = answer.self_score if (answer.self_score is not None and answer.self_score != answer.suggested_score) \
        else None
    return {"inputs": inputs, "self_score": None if override is None else num(override),
            "self_score_reason": answer.self_score_reason or "", "explanation": answer.explanation or ""}


def _mark_unconfirmed(submission: Submission, answer: Answer) -> None:
    """Adapter: the self-assessment service has no "imported, unconfirmed" setter; its carried-over flag is
    that notion (shown in the form with a confirm button; readiness blocks submission until confirmed)."""
    answer.carried_over = True
    db.session.flush()


def _add_excerpt(submission: Submission, code: str, *, actor: User, title: str, text: str,
                 source: str) -> Evidence:
    """Adapter: the evidence service has add_file/add_link but no excerpt; same rules, same audit."""
    title = title.strip()[:200] or _("摘录")
    ev = Evidence(office_id=submission.office_id, department_id=submission.department_id,
                  campaign_id=submission.campaign_id, owner_type="submission", owner_id=submission.id,
                  indicator_code=code, kind=EvidenceKind.EXCERPT, title=title, text=text,
                  filename=source[:255], created_by_id=actor.id)
    db.session.add(ev)
    db.session.flush()
    selfassessment_services.touch(submission)
    record(submission.office_id, "evidence.add", "evidence", ev.id, actor=actor,
           new={"indicator": code, "kind": "excerpt", "title": title, "source": source, "chars": len(text)},
           department_id=submission.department_id, campaign_id=submission.campaign_id)
    return ev


def decide(fi: FigureImport, code: str, *, actor: User, figures: Mapping[str, tuple[str, str]],
           passages: list[str] = (), expected_version: int | None = None) -> DecisionResult:
    """Apply the editor's decisions for one indicator.

    ``figures``: input name → (decision, value) with decision ``accept`` (the proposed value), ``correct``
    (the value typed by the editor) or ``reject``; names left out stay undecided. ``passages``: keys
    (``"start-end"``) of the proposed passages to attach as evidence excerpts. Accepted and corrected figures
    are saved through :func:`assess.selfassessment.services.save_answer` (its validation, its conflict check on
    ``expected_version``) and the answer is marked unconfirmed until the editor confirms it in the form.
    Errors raise :class:`ImportsError` with ``errors`` keyed ``fig-<name>`` (nothing is stored) or
    :class:`assess.selfassessment.services.AnswerConflict`.
    """
    submission = submission_of(fi)
    _require_editor(submission, actor)
    rubric = selfassessment_services.rubric_of(submission.campaign)
    ind = rubric.indicator(code)
    if ind is None:
        raise ImportsError(_("未知指标“%(c)s”。", c=code))
    proposals = _loads(fi.proposals, {})
    proposed = {f["name"]: f for f in proposals.get("figures", []) if f["indicator_code"] == code}
    offered = {f"{p['start']}-{p['end']}": p for p in proposals.get("by_indicator", {}).get(code, [])}
    errors: dict[str, str] = {}
    chosen: dict[str, str] = {}
    kinds: dict[str, str] = {}
    rejected: list[str] = []
    for name, (decision, value) in figures.items():
        if name not in proposed:
            raise ImportsError(_("“%(n)s”不是本次导入提出的数字。", n=name))
        if decision not in DECISIONS:
            continue  # undecided
        if decision == "reject":
            rejected.append(name)
            continue
        typed = (value or "").strip()
        if decision == "accept" and typed and typed != proposed[name]["value"]:
            decision = "correct"  # "采用" with the number edited is a correction: the typed number wins
        kinds[name] = decision
        value = typed if decision == "correct" else proposed[name]["value"]
        if not value:
            errors[f"fig-{name}"] = _("请填写更正后的数字。")
            continue
        try:
            typed_number(value)  # the one reader of typed numbers: no exponent, NaN or overlong
        except ValueError:
            errors[f"fig-{name}"] = _("“%(v)s”不是数字：只填数字，不带单位。", v=value)
            continue
        chosen[name] = value
    unknown = [k for k in passages if k not in offered]
    if unknown:
        raise ImportsError(_("所选段落不是本次导入提出的段落，请刷新页面后重试。"))
    if errors:
        raise ImportsError(_("请修改标出的内容后再保存。"), errors=errors)

    decisions = _loads(fi.decisions, {})
    mine = decisions.setdefault(code, {"figures": {}, "passages": {}})
    mine.setdefault("figures", {})
    mine.setdefault("passages", {})
    answer = selfassessment_services.answers_of_code(submission, code)
    now = utcnow().isoformat()
    if chosen:
        form = _answer_form_values(answer)
        form["inputs"].update(chosen)
        try:
            result = selfassessment_services.save_answer(submission, code, actor=actor, inputs=form["inputs"],
                                                         self_score=form["self_score"],
                                                         self_score_reason=form["self_score_reason"],
                                                         explanation=form["explanation"],
                                                         expected_version=expected_version)
        except selfassessment_services.SelfAssessmentError as exc:
            mapped = {f"fig-{k}" if k in chosen else k: v for k, v in exc.errors.items()}
            if not mapped:
                mapped = {"_": str(exc)}
            raise ImportsError(str(exc), errors=mapped) from exc
        answer = result.answer
        _mark_unconfirmed(submission, answer)
    try:
        attached = _attach(fi, submission, code, mine, offered, passages, actor)
    except selfassessment_services.SelfAssessmentError as exc:  # e.g. the form was sent to the leader meanwhile
        raise ImportsError(str(exc)) from exc
    for name in chosen:
        mine["figures"][name] = {"decision": kinds[name], "value": chosen[name],
                                 "proposed": proposed[name]["value"], "by": actor.id, "at": now}
    for name in rejected:
        mine["figures"][name] = {"decision": "reject", "proposed": proposed[name]["value"], "by": actor.id, "at": now}
    fi.decisions = _dumps(decisions)
    db.session.flush()
    if chosen or rejected or attached:
        record(submission.office_id, "import.decide", "figure_import", fi.id, actor=actor,
               new={"indicator": code, "accepted": {n: chosen[n] for n in chosen},
                    "qualifiers": {n: proposed[n].get("qualifier") for n in chosen if proposed[n].get("qualifier")},
                    "rejected": rejected, "excerpts": attached},
               department_id=submission.department_id, campaign_id=submission.campaign_id)
    return DecisionResult(sorted(chosen), rejected, attached, answer)


def _attach(fi: FigureImport, submission: Submission, code: str, mine: dict, offered: dict, passages: list[str],
            actor: User) -> int:
    """Checked passages → evidence excerpts of the indicator (each passage once)."""
    attached = 0
    for key in passages:
        if mine["passages"].get(key):
            continue
        p = offered[key]
        label = _("工作总结") if fi.source == "summary" else _("年度报告")
        ev = _add_excerpt(submission, code, actor=actor, title=_("%(src)s摘录：%(t)s", src=label, t=p["text"][:40]),
                          text=p["text"], source=fi.filename)
        mine["passages"][key] = ev.id
        attached += 1
    return attached
