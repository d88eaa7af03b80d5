"""Score one department against a rubric: pure functions, no I/O, no mutation.

``score`` turns reported figures into suggested indicator scores (each with its explanation),
lets adopted scores (self-score, reviewer's score) replace suggestions within ``bounds``, and adds
everything up with ``aggregate``. ``aggregate`` works from stored indicator scores alone, so a
ranking can be recomputed years later without the original inputs.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Mapping

from .explain import MAX_INTEGER_DIGITS, ZERO, figure, gcd, num, q, typed_number
from .model import Bounds, ComputedFigure, Indicator, IndicatorScore, InputError, InputSpec, Problem, Rubric, ScoreResult, Totals
from .rules import RULES, Deduction, Veto, late_amount

SOURCE = "inputs"
RUBRIC_SOURCE = "rubric"  # a problem of the rubric's rules themselves, never of a department's figures


def _problem(path: str, zh: str, en: str) -> Problem:
    return Problem(SOURCE, None, path, zh, en)


# ---------------------------------------------------------------------------- inputs


def _coerce(spec: InputSpec, value: Any) -> tuple[Any, tuple[str, str] | None]:
    """Typed value of one reported figure, or an error (zh, en). Floats are read through ``str``."""
    if spec.type == "text":
        return (value, None) if isinstance(value, str) else (None, ("应为文字", "must be text"))
    if spec.type == "boolean":
        if isinstance(value, bool):
            return value, None
        if isinstance(value, str) and value.strip().lower() in ("是", "否", "true", "false", "有", "无"):
            return value.strip().lower() in ("是", "true", "有"), None
        return None, ("应为是/否（true/false）", "must be true or false")
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        return None, ("应为数字", "must be a number")
    try:
        number = typed_number(value)  # the one reader of typed numbers: no exponent, NaN or overlong
    except ValueError:
        shown = str(value)[:40]
        return None, (f"“{shown}”不是数字（只写数字，不用科学计数法，最多{MAX_INTEGER_DIGITS}位整数）",
                      f"'{shown}' is not a plain number (no exponent, at most {MAX_INTEGER_DIGITS} digits)")
    if spec.type == "integer" and number != number.to_integral_value():
        return None, (f"应为整数，收到{value}", f"must be a whole number, got {value}")
    lo, hi = spec.effective_min, spec.effective_max
    if lo is not None and number < lo:
        if lo == 0:
            return None, (f"不能为负数（收到{num(number)}）", f"cannot be negative (got {num(number)})")
        return None, (f"不得小于{num(lo)}（收到{num(number)}）", f"must be at least {num(lo)}")
    if hi is not None and number > hi:
        if spec.type == "rate":
            return None, (f"比率不能超过{num(hi)}（收到{num(number)}）", f"rate cannot exceed {num(hi)}")
        return None, (f"不得大于{num(hi)}（收到{num(number)}）", f"must be at most {num(hi)}")
    return number, None


def normalize_inputs(rubric: Rubric, inputs: Any,
                     not_required: frozenset[str] | set[str] = frozenset()) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    """Typed inputs per indicator and what is wrong with the rest: public because the review's suggestions
    read the same figures the engine scores, without scoring them. Indicators in ``not_required`` (不适用, or
    not scored after a veto ended scoring) need none of their figures."""
    problems: list[Problem] = []
    values: dict[str, dict[str, Any]] = {}
    if not isinstance(inputs, Mapping):
        return {}, [_problem("", "填报数据应为“指标代码 → {填报项: 值}”的映射", "inputs must map indicator codes to objects")]
    for code, given in inputs.items():
        ind = rubric.indicator(str(code))
        if ind is None:
            problems.append(_problem(str(code), f"未知指标代码“{code}”", f"unknown indicator code '{code}'"))
            continue
        if not isinstance(given, Mapping):
            problems.append(_problem(str(code), "应为“填报项: 值”的映射", "must be an object of figures"))
            continue
        for name in given:
            if ind.input(str(name)) is None:
                known = "、".join(i.name for i in ind.inputs) or "无"
                problems.append(_problem(f"{code}.{name}", f"指标{code}没有填报项“{name}”（可填：{known}）",
                                         f"indicator {code} has no input '{name}'"))
    for ind in rubric.all_indicators():
        given = inputs.get(ind.code) if isinstance(inputs.get(ind.code), Mapping) else {}
        typed: dict[str, Any] = {}
        for spec in ind.inputs:
            raw = given.get(spec.name)
            path = f"{ind.code}.{spec.name}"
            if raw is None:
                if spec.required and ind.code not in not_required:
                    problems.append(_problem(path, f"缺少必填项“{spec.label}”", f"missing required input '{spec.name}'"))
                continue
            value, error = _coerce(spec, raw)
            if error:
                problems.append(_problem(path, f"{spec.label}：{error[0]}", f"{spec.name}: {error[1]}"))
            else:
                typed[spec.name] = value
        values[ind.code] = typed
    return values, problems


def validate_inputs(rubric: Rubric, inputs: Mapping[str, Mapping[str, Any]]) -> list[Problem]:
    """Every problem with a department's reported figures, with paths like ``A1.received``."""
    return normalize_inputs(rubric, inputs)[1]


def _compute(comp: ComputedFigure, values: dict[str, Any]) -> Decimal:
    args = [Decimal(values.get(name, ZERO)) for name in comp.of]
    if comp.op == "sum":
        result = sum(args, ZERO)
    elif comp.op == "difference":
        result = args[0] - args[1]
    else:  # ratio
        if args[1] == 0:
            return comp.on_zero
        result = args[0] / args[1]
    return (result * comp.scale).quantize(Decimal(1).scaleb(-comp.places), rounding=ROUND_HALF_UP)


def _basis(ind: Indicator, comp: ComputedFigure, values: Mapping[str, Any]) -> tuple[str, str]:
    """How a computed figure came about: ``按时答复率=按时答复2件÷收到申请3件×100``."""
    parts = [figure(*_labelled(ind, name, values)) for name in comp.of]
    parts_en = [f"{name} {num(values.get(name))}" for name in comp.of]
    label, unit = comp.label, comp.unit
    if comp.op == "ratio" and values.get(comp.of[1]) == 0:
        return (f"{parts[1]}，{label}按{num(comp.on_zero)}{unit}计",
                f"{comp.of[1]} is 0, so {comp.name} counts as {num(comp.on_zero)}")
    sign, sign_en = {"ratio": ("÷", "/"), "sum": ("+", "+"), "difference": ("−", "-")}[comp.op]
    scale = f"×{num(comp.scale)}" if comp.scale != 1 else ""
    return (f"{label}={sign.join(parts)}{scale}", f"{comp.name} = {f' {sign_en} '.join(parts_en)}{scale}")


def _labelled(ind: Indicator, name: str, values: Mapping[str, Any]) -> tuple[str, Any, str]:
    label, unit = ind.figure_label(name)
    return label, values.get(name), unit


def figures_of(ind: Indicator, typed: Mapping[str, Any]) -> dict[str, Any]:
    """Reported values plus computed figures (in dependency order); missing optional ones read as 0/false."""
    values: dict[str, Any] = {}
    for spec in ind.inputs:
        if spec.name in typed:
            values[spec.name] = typed[spec.name]
        elif spec.type == "boolean":
            values[spec.name] = False
        elif spec.numeric:
            values[spec.name] = ZERO
    pending = list(ind.computed)
    while pending:
        ready = [c for c in pending if all(n in values for n in c.of)]
        if not ready:  # cannot happen for a loaded rubric (cycles are refused)
            raise ValueError(f"{ind.code}: unresolved computed figures")
        for c in ready:
            values[c.name] = _compute(c, values)
            pending.remove(c)
    return values


# ---------------------------------------------------------------------------- bounds


def _area_points(rubric: Rubric, code: str) -> Decimal:
    section = rubric.section_of(code)
    area = rubric.area(section)
    return area.points if area else rubric.indicator(code).points  # type: ignore[union-attr]


def bounds(rubric: Rubric, code: str, inputs: Mapping[str, Any] | None = None) -> Bounds:
    """Scores an adopted score for ``code`` may take.

    ``max`` is the indicator's points (a judgement's own ``max``), ``min`` is 0 — or lower for a
    ``deduction`` with ``floor: area`` — and ``step`` is the finest grid the rule itself produces
    (e.g. 0.5 for "每处扣0.5分", 0.01 for pro-rata rules), so an adopted score is always a score the
    rule could have given. ``inputs`` is accepted for rules whose range depends on the facts; no
    shipped kind needs it yet.
    """
    key = ("bounds", code)
    if key not in rubric.memo:
        rubric.memo[key] = _bounds(rubric, code)
    return rubric.memo[key]


def _bounds(rubric: Rubric, code: str) -> Bounds:
    ind = rubric.indicator(code)
    if ind is None:
        raise KeyError(code)
    rule = ind.rule
    handler = RULES[rule.kind]
    if rule.kind == "veto":
        return Bounds(ZERO, ZERO, Decimal("0.01"))
    if rubric.section_of(code) == "major" and rule.kind == "deduction":  # 重大扣分项: −points..0, stored negative
        return Bounds(-ind.points, ZERO, gcd(handler.steps(rule, ind.points, ind.whole_figures) + [ind.points]))
    hi = rule.max if rule.kind == "judgement" and rule.max is not None else ind.points
    lo = handler.lowest(rule, ind.points, _area_points(rubric, code))
    step = gcd(handler.steps(rule, ind.points, ind.whole_figures) + [hi - lo])
    return Bounds(lo, hi, step)


# ---------------------------------------------------------------------------- scoring


def _check_adopted(rubric: Rubric, given: Mapping[str, Any] | None, what: str,
                   judgement_only: bool) -> tuple[dict[str, Decimal], list[Problem]]:
    out: dict[str, Decimal] = {}
    problems: list[Problem] = []
    for code, raw in (given or {}).items():
        path = f"{what}.{code}"
        ind = rubric.indicator(code)
        if ind is None:
            problems.append(_problem(path, f"未知指标代码“{code}”", f"unknown indicator code '{code}'"))
            continue
        if judgement_only and ind.rule.kind != "judgement":
            problems.append(_problem(path, f"指标{code}不是评审判断类指标，请用采用分（overrides）",
                                     f"{code} is not a judgement indicator"))
            continue
        if ind.rule.kind == "veto":
            problems.append(_problem(path, "否决项没有分值", "veto items carry no score"))
            continue
        try:
            value = typed_number(raw)
        except ValueError:
            problems.append(_problem(path, f"“{str(raw)[:40]}”不是有效分数", f"'{str(raw)[:40]}' is not a score"))
            continue
        b = bounds(rubric, code)
        if not b.contains(value):
            problems.append(_problem(path, f"分数{num(value)}不在允许范围{num(b.min)}至{num(b.max)}分（步长{num(b.step)}分）内",
                                     f"{num(value)} is outside {num(b.min)}..{num(b.max)} step {num(b.step)}"))
            continue
        out[code] = value
    return out, problems


def _not_applicable(rubric: Rubric, given: Mapping[str, Any] | None, group: str | None,
                    tags: tuple[str, ...]) -> tuple[dict[str, str], list[Problem]]:
    """不适用 items: those a unit marked (allowed, with a reason) and those whose ``applies_to`` leaves it out."""
    out: dict[str, str] = {}
    problems: list[Problem] = []
    for code, reason in (given or {}).items():
        path = f"not_applicable.{code}"
        ind = rubric.indicator(str(code))
        if ind is None:
            problems.append(_problem(path, f"未知指标代码“{code}”", f"unknown indicator code '{code}'"))
        elif not ind.allow_na:
            problems.append(_problem(path, f"指标{code}（{ind.title}）不可标为不适用（考核细则未允许）",
                                     f"{code} may not be marked not applicable (the rubric does not allow it)"))
        elif not isinstance(reason, str) or not reason.strip():
            problems.append(_problem(path, "请写明不适用的原因", "give the reason it does not apply"))
        else:
            out[str(code)] = reason.strip()
    for area in rubric.areas:
        for ind in area.indicators:
            if ind.applies_to is not None and not ind.applies(group, tags) and ind.code not in out:
                out[ind.code] = f"本指标仅适用于{ind.applies_to.words()}"
    return out, problems


def _na_score(rubric: Rubric, ind: Indicator, reason: str) -> IndicatorScore:
    b = bounds(rubric, ind.code)
    return IndicatorScore(
        code=ind.code, title=ind.title, section=rubric.section_of(ind.code), kind=ind.rule.kind, points=ind.points,
        suggested=ZERO, score=ZERO, bounds=b, explanation_zh=f"不适用：{reason}（不计分，满分{num(ind.points)}分不计入）",
        explanation_en=f"not applicable: {reason} (left out of the full marks)", not_applicable=reason)


def score(
    rubric: Rubric,
    inputs: Mapping[str, Mapping[str, Any]],
    *,
    judgements: Mapping[str, Decimal] | None = None,
    late_days: int = 0,
    overrides: Mapping[str, Decimal] | None = None,
    not_applicable: Mapping[str, str] | None = None,
    group: str | None = None,
    tags: tuple[str, ...] | list[str] = (),
) -> ScoreResult:
    """Score a department; raise ``InputError`` (every problem, with paths) on bad inputs.

    ``judgements`` are reviewers' values for ``judgement`` indicators (they become the suggestion);
    ``overrides`` are adopted scores replacing any suggestion, checked against ``bounds``.
    ``not_applicable`` maps codes the unit marked 不适用 to the reason (only items with ``allow_na``);
    ``group`` (ranking group name) and ``tags`` (unit tags) decide the items with ``applies_to``.
    With ``veto: {ends_scoring: true}`` a triggered veto ends scoring: the other figures are not required
    and only the veto items are in the result.
    """
    na, p0 = _not_applicable(rubric, not_applicable, group, tuple(tags))
    values, problems = normalize_inputs(rubric, inputs, set(na))
    ended = False
    if rubric.veto_ends_scoring:
        ended = any(Veto.triggered(v.rule, figures_of(v, values.get(v.code, {}))) for v in rubric.vetoes
                    if not any(p.path.startswith(f"{v.code}.") for p in problems))
        if ended:  # 单项否决: the other figures are no longer required
            others = {i.code for i in rubric.all_indicators() if rubric.section_of(i.code) != "veto"}
            values, problems = normalize_inputs(rubric, inputs, others)
    judged, p1 = _check_adopted(rubric, judgements, "judgements", True)
    adopted, p2 = _check_adopted(rubric, overrides, "overrides", False)
    if isinstance(late_days, bool) or not isinstance(late_days, int) or late_days < 0:
        problems.append(_problem("late_days", "逾期天数应为非负整数", "late_days must be a non-negative integer"))
    problems += p0 + p1 + p2
    if problems:
        raise InputError(problems)

    scores: dict[str, IndicatorScore] = {}
    for ind in rubric.all_indicators():
        section = rubric.section_of(ind.code)
        if ended and section != "veto":
            continue
        if ind.code in na:
            scores[ind.code] = _na_score(rubric, ind, na[ind.code])
            continue
        figs = figures_of(ind, values.get(ind.code, {}))
        if ind.code in judged:
            figs["__judgement__"] = judged[ind.code]
        suggested, zh, en = evaluate(rubric, ind, figs)
        suggested = q(suggested)
        for comp in ind.computed:
            basis_zh, basis_en = _basis(ind, comp, figs)
            zh += f"；{basis_zh}"
            en += f"; {basis_en}"
        b = bounds(rubric, ind.code)
        if suggested < b.min:  # floor: area — a deduction never takes more than the area's points
            suggested = b.min
            zh += f"（扣分以本领域分值为限，计{num(b.min)}分）"
            en += f" (limited to the area's points: {num(b.min)})"
        if not b.contains(suggested):  # the engine's own grid refusing its own suggestion: a rule's fault
            raise InputError([Problem(
                RUBRIC_SOURCE, None, ind.code,
                f"评分规则（{ind.rule.kind}）建议的{num(suggested)}分不在该指标允许的分值范围{num(b.min)}至{num(b.max)}分"
                f"（步长{num(b.step)}分）内：这是评分规则的问题，不是填报数据的问题",
                f"the {ind.rule.kind} rule suggests {num(suggested)}, outside its own grid "
                f"{num(b.min)}..{num(b.max)} step {num(b.step)}: a fault of the rubric, not of the inputs")])
        final = adopted.get(ind.code, suggested)
        if ind.code in adopted and final != suggested:
            zh += f"；采用分{num(final)}分（建议分{num(suggested)}分）"
            en += f"; adopted {num(final)} (suggested {num(suggested)})"
        used = {k: v for k, v in figs.items() if k != "__judgement__"}
        scores[ind.code] = IndicatorScore(
            code=ind.code, title=ind.title, section=section, kind=ind.rule.kind,
            points=ind.points, suggested=suggested, score=final, bounds=b,
            explanation_zh=zh, explanation_en=en, inputs_used=used, overridden=ind.code in adopted,
            triggered=ind.rule.kind == "veto" and Veto.triggered(ind.rule, figs),
        )
    vetoes = tuple(c for c, s in scores.items() if s.triggered)
    totals = aggregate(rubric, {c: s.score for c, s in scores.items() if s.kind != "veto" and c not in na},
                       vetoes=vetoes, late_days=late_days, not_applicable=na,
                       veto_reasons={c: scores[c].explanation_zh for c in vetoes})
    return ScoreResult(
        **{f: getattr(totals, f) for f in Totals.__dataclass_fields__},
        rubric_code=rubric.code, rubric_version=rubric.version, indicators=scores,
    )


def evaluate(rubric: Rubric, ind: Indicator, figs: dict[str, Any]) -> tuple[Decimal, str, str]:
    """The rule's suggestion for one indicator with its explanation (zh, en): its kind's ``evaluate``, except a
    major deduction (重大扣分项), whose score is the amount it takes off the total, as a negative number.
    Every caller that suggests one indicator at a time (self-assessment, review) goes through here."""
    if rubric.section_of(ind.code) == "major" and ind.rule.kind == "deduction":
        return _major(ind, figs)
    return RULES[ind.rule.kind].evaluate(ind.rule, ind, figs)


def _major(ind: Indicator, figs: dict[str, Any]) -> tuple[Decimal, str, str]:
    """A major deduction (重大扣分项): the amount its deduction rule takes, as a negative score, at most its points."""
    amount, zh, en = Deduction.parts(ind.rule, ind, figs)
    if not zh:
        return ZERO, "未发生重大扣分情形，不扣分", "no major deduction"
    capped = min(amount, ind.points)
    cap_zh = f"，以{num(ind.points)}分为限" if amount > ind.points else ""
    cap_en = f" (at most {num(ind.points)})" if amount > ind.points else ""
    return (-capped, f"{'；'.join(zh)}；重大扣分项扣{num(capped)}分{cap_zh}，从总分中扣除",
            f"{'; '.join(en)}; major deduction -{num(capped)}{cap_en} from the total")


def grade_for(rubric: Rubric, total: Decimal, veto: bool = False) -> str:
    """Grade by score bands alone (share caps are applied by ``rank_group``); any veto → veto grade."""
    if veto:
        return rubric.veto_grade
    for band in rubric.grades:
        if band.holds(total):
            return band.label
    return rubric.grades[-1].label


def aggregate(
    rubric: Rubric,
    indicator_scores: Mapping[str, Decimal],
    *,
    vetoes: tuple[str, ...] | list[str] = (),
    late_days: int = 0,
    explain: bool = True,
    not_applicable: Mapping[str, str] | None = None,
    veto_reasons: Mapping[str, str] | None = None,
    na_rubric: Rubric | None = None,
) -> Totals:
    """Area subtotals, capped bonus, late deduction, major deductions, total and grade from final indicator scores.

    ``explain=False`` leaves ``explanation_zh``/``explanation_en`` empty (same figures, no sentences):
    for bulk work such as ranking thousands of departments, where the sentences are not shown.

    Every base indicator must have a score, except those ``not_applicable`` (code → reason: 不适用); bonus and
    major-deduction items may be left out (0). Area subtotals never drop below zero (减分不超过一级指标分值);
    with items not applicable the base is rescaled to the full marks (× total / applicable points, to 0.01);
    the bonus is capped and only counts when the base reaches ``bonus.min_base`` (or, for a strict gate, is
    above it); major deductions (≤ 0, capped by ``major.cap``) come off the total, never off an area; the total
    never drops below zero. ``na_rubric``: the rubric the ``not_applicable`` codes belong to, when ``rubric`` is
    the ranking's section rubric (one indicator per area, same area codes). With ``veto.ends_scoring`` a veto ends scoring: nothing else is required or
    scored, the total is 0 and the grade the veto grade (单项否决); ``veto_reasons`` say why.
    """
    problems: list[Problem] = []
    scores: dict[str, Decimal] = {}
    src = na_rubric or rubric  # ``rubric`` may be the ranking's section rubric (one indicator per area)
    given_na = dict(not_applicable or {})
    na = {i.code: given_na[i.code] for i in src.all_indicators() if i.code in given_na}  # in the rubric's order
    na.update({c: r for c, r in given_na.items() if c not in na})  # unknown codes: refused below
    for code in na:
        if src.indicator(code) is None or src.section_of(code) in ("bonus", "veto", "major"):
            problems.append(_problem(f"not_applicable.{code}", f"“{code}”不是可标为不适用的指标",
                                     f"'{code}' is not an indicator that can be not applicable"))
    for code, raw in indicator_scores.items():
        ind = rubric.indicator(code)
        if ind is None:
            problems.append(_problem(code, f"未知指标代码“{code}”", f"unknown indicator code '{code}'"))
            continue
        try:
            value = typed_number(raw)
        except ValueError:
            problems.append(_problem(code, f"“{str(raw)[:40]}”不是有效分数", f"'{str(raw)[:40]}' is not a score"))
            continue
        b = bounds(rubric, code)
        if ind.rule.kind != "veto" and not b.contains(value):
            problems.append(_problem(code, f"分数{num(value)}不在{num(b.min)}至{num(b.max)}分（步长{num(b.step)}）内",
                                     f"{num(value)} is outside {num(b.min)}..{num(b.max)} step {num(b.step)}"))
        scores[code] = value
    veto_codes = {i.code for i in rubric.vetoes}
    for code in vetoes:
        if code not in veto_codes:
            problems.append(_problem(f"vetoes.{code}", f"“{code}”不是否决项", f"'{code}' is not a veto item"))
    ended = bool(vetoes) and rubric.veto_ends_scoring
    if not ended:
        for area in rubric.areas:
            for ind in area.indicators:
                if ind.code not in indicator_scores and ind.code not in na:
                    problems.append(_problem(ind.code, f"缺少指标{ind.code}（{ind.title}）的得分", f"missing score for {ind.code}"))
    if problems:
        raise InputError(problems)
    if ended:
        return _ended(rubric, tuple(vetoes), veto_reasons or {}, explain)

    zh: list[str] = []
    en: list[str] = []
    areas: dict[str, Decimal] = {}
    for area in rubric.areas:
        raw = sum((scores.get(i.code, ZERO) for i in area.indicators if i.code not in na), ZERO)
        areas[area.code] = max(ZERO, raw)
        if explain:
            floor = "（减分不超过本领域分值，按0分计）" if raw < 0 else ""
            left_out = sum((src.indicator(c).points for c in na if src.section_of(c) == area.code), ZERO)  # type: ignore[union-attr]
            full = area.points - left_out
            na_zh = f"，不适用{num(left_out)}分不计入" if left_out else ""
            zh.append(f"{area.title}得{num(areas[area.code])}分（满分{num(full)}分{na_zh}）{floor}")
            en.append(f"{area.code} {area.title}: {num(areas[area.code])} / {num(full)}")
    base = sum(areas.values(), ZERO)
    base_raw = applicable = None
    if na:
        base_raw = base
        applicable = rubric.total - sum((src.indicator(c).points for c in na), ZERO)  # type: ignore[union-attr]
        base = q(base_raw * rubric.total / applicable) if applicable > 0 else ZERO
        if explain:
            items = "、".join(f"{c} {src.indicator(c).title}（{r}）" for c, r in na.items())  # type: ignore[union-attr]
            zh.append(f"不适用：{items}，共{num(rubric.total - applicable)}分；适用指标满分{num(applicable)}分，"
                      f"得分{num(base_raw)}分折算为{num(rubric.total)}分制：{num(base_raw)}×{num(rubric.total)}÷"
                      f"{num(applicable)}={num(base)}分")
            en.append(f"not applicable: {', '.join(na)} ({num(rubric.total - applicable)} pts); "
                      f"{num(base_raw)} of {num(applicable)} rescaled to {num(rubric.total)}: "
                      f"{num(base_raw)} × {num(rubric.total)} / {num(applicable)} = {num(base)}")

    bonus_raw = bonus = ZERO
    if rubric.bonus:
        bonus_raw = sum((scores.get(i.code, ZERO) for i in rubric.bonus.indicators), ZERO)
        gate = rubric.bonus.min_base
        if not rubric.bonus.counts(base):
            if bonus_raw and explain and rubric.bonus.strict:  # 加分项在基础分高于80分时计入
                zh.append(f"基础分{num(base)}分未高于{num(gate)}分，加分不计入")
                en.append(f"bonus not counted: base {num(base)} is not above {num(gate)}")
            elif bonus_raw and explain:
                zh.append(f"基础分{num(base)}分未达{num(gate)}分，加分不计入")
                en.append("bonus not counted: base below min_base")
        else:
            bonus = min(bonus_raw, rubric.bonus.cap)
            if bonus_raw and explain:
                cap = f"，以{num(rubric.bonus.cap)}分为限" if bonus_raw > rubric.bonus.cap else ""
                above_zh = f"基础分{num(base)}分高于{num(gate)}分，" if rubric.bonus.strict else ""
                above_en = f"base {num(base)} above {num(gate)}, " if rubric.bonus.strict else ""
                zh.append(f"{above_zh}加分{num(bonus_raw)}分{cap}，计{num(bonus)}分")
                en.append(f"{above_en}bonus {num(bonus_raw)} (cap {num(rubric.bonus.cap)}): {num(bonus)}")

    late = ZERO
    if late_days > 0 and rubric.late_submission:
        ls = rubric.late_submission
        late = late_amount(Decimal(late_days), ls.fixed, ls.per_day, ls.max)
        if explain:
            zh.append(f"逾期报送{late_days}天，扣{num(late)}分")
            en.append(f"submitted {late_days} day(s) late: -{num(late)}")

    major = ZERO
    if rubric.major:
        hits = [(i, scores.get(i.code, ZERO)) for i in rubric.major.indicators if scores.get(i.code, ZERO)]
        raw_major = sum((v for _, v in hits), ZERO)
        cap = rubric.major.cap
        major = q(max(raw_major, -cap) if cap is not None else raw_major)
        if hits and explain:
            said = "、".join(f"{i.title}扣{num(-v)}分" for i, v in hits)
            cap_zh = f"，合计{num(-raw_major)}分，以{num(cap)}分为限" if major != raw_major else ""
            zh.append(f"重大扣分项：{said}{cap_zh}，从总分中扣除{num(-major)}分（不计入各领域得分）")
            en.append(f"major deductions: {', '.join(f'{i.code} {num(v)}' for i, v in hits)}"
                      f"{' (capped)' if major != raw_major else ''}: {num(major)} from the total")

    total = max(ZERO, base + bonus - late + major)
    veto = tuple(vetoes)
    if veto:
        if explain:
            titles = "、".join(rubric.indicator(c).title for c in veto)  # type: ignore[union-attr]
            zh.append(f"触发一票否决：{titles}，等次为{rubric.veto_grade}")
            en.append(f"veto: {', '.join(veto)}")
        if rubric.veto_zeroes_total:
            total = ZERO
            if explain:
                zh.append("否决后总分按0分计")
    grade = grade_for(rubric, total, bool(veto))
    if explain:
        zh.append(f"总分{num(total)}分，等次：{grade}")
        en.append(f"total {num(total)}, grade {grade}")
    return Totals(areas=areas, base=base, bonus_raw=bonus_raw, bonus=bonus, late_deduction=late, veto=veto,
                  total=total, grade=grade, explanation_zh=tuple(zh), explanation_en=tuple(en), major=major,
                  base_raw=base_raw, applicable_points=applicable, not_applicable=na)


def _ended(rubric: Rubric, vetoes: tuple[str, ...], reasons: Mapping[str, str], explain: bool) -> Totals:
    """单项否决: scoring ended on a veto — no area, bonus or total scored; the grade is the veto grade."""
    zh: list[str] = []
    en: list[str] = []
    if explain:
        said = "；".join(f"{rubric.indicator(c).title}" + (f"（{reasons[c]}）" if reasons.get(c) else "")  # type: ignore[union-attr]
                        for c in vetoes)
        zh.append(f"单项否决：{said}。其余指标不再评分")
        en.append(f"scoring ended by veto: {', '.join(vetoes)}; nothing else is scored")
        zh.append(f"考核结果：单项否决，等次：{rubric.veto_grade}")
        en.append(f"result: vetoed, grade {rubric.veto_grade}")
    nothing = q(ZERO)  # 0.00: printed like every other total
    return Totals(areas={}, base=nothing, bonus_raw=nothing, bonus=nothing, late_deduction=nothing, veto=vetoes, total=nothing,
                  grade=rubric.veto_grade, explanation_zh=tuple(zh), explanation_en=tuple(en), ended=True)
