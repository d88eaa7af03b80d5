"""Rubrics: the browser editor — the form's values from a stored version, the layout, moving indicators,
checking the input field by field (:func:`apply_form`) and saving a NEW version (:func:`save_edit`).

YAML typed into a field (a rule, the grades) is read and written by the engine's exact-decimal
:mod:`assess.scoring.yamlnodes`, so 0.1 stays 0.1 on its way through the editor; the saved source is then
loaded by the engine like any upload.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

import yaml
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import scoring
from ..audit.services import record
from ..extensions import db
from ..models import Rubric
from ..scoring.explain import num
from ..scoring import yamlnodes
from ..scoring.model import Problem
from . import ruleforms as rf
from . import store
from .versions import EditError


AREA_FIELDS = ("title",)


IND_FIELDS = ("title", "points", "standard", "guidance", "rule")


META_FIELDS = ("name", "year", "description", "total", "bonus_cap", "grades", "tie_break", "share_rounding",
               "veto_grade", "late_submission", "bonus_gate")

GRADE_ROWS = (rf.Rows("grades", "", rf.GRADE_FIELDS),)
BONUS_GATE = (rf.P("bonus_gate", "", rf.LINE, keys=("at_least", "above")),)


def _gate_of(bonus: dict) -> dict:
    """The bonus gate as ``{at_least: X}`` or ``{above: X}`` (``min_base: X`` is ``at_least``); {} without."""
    if isinstance(bonus.get("gate"), dict):
        return dict(bonus["gate"])
    return {"at_least": bonus["min_base"]} if "min_base" in bonus else {}


def base_raw(row: Rubric) -> dict:
    """The stored version as a plain mapping (numbers as Decimal), normalised through the engine's dump."""
    return yamlnodes.load(scoring.dump_rubric(store.engine_rubric(row)))


def _sections(raw: dict) -> list[tuple[str, str, list[dict]]]:
    """(section key, heading, indicators) for areas, bonus and veto, in file order."""
    out = [(a["code"], a["title"], a["indicators"]) for a in raw.get("areas", [])]
    if raw.get("bonus"):
        out.append(("bonus", "加分项", raw["bonus"]["indicators"]))
    if raw.get("veto"):
        out.append(("veto", "一票否决项", raw["veto"]["indicators"]))
    return out


def editor_sections(raw: dict) -> list[tuple[str, str, list[dict]]]:
    """(section key, heading, indicators) of a rubric mapping: the areas, then bonus and veto."""
    return _sections(raw)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return num(value)
    return str(value)


def editor_values(raw: dict, *, yaml_fields: bool = False) -> dict[str, str]:
    """Form values (field name → text) of a rubric mapping; field names as read by :func:`apply_form`.

    Grade bands, late submission, the bonus gate and each rule are plain fields (``grades.0.label``,
    ``C1.rule.kind``, ``C1.rule.tiers.0.points``); a rule the fields cannot show whole stays one YAML box
    (``C1.rule``). ``yaml_fields=True`` gives the grades and every rule as YAML boxes instead (both are
    read by :func:`apply_form`)."""
    v: dict[str, str] = {"name": raw["name"], "year": str(raw["year"]), "description": raw.get("description", ""),
                         "total": _text(raw["total"]),
                         "bonus_cap": _text(raw["bonus"]["cap"]) if raw.get("bonus") else "",
                         "tie_break": "、".join(raw.get("tie_break", []))}
    if yaml_fields:
        v["grades"] = yamlnodes.dump(raw["grades"], flow=None)
    else:
        v.update(rf.write_params(GRADE_ROWS, raw, ""))
        v["share_rounding"] = raw.get("share_rounding", "floor")
        v["veto_grade"] = raw.get("veto_grade", "")
        v.update(rf.write_params(rf.LATE_FIELDS, raw.get("late_submission") or {}, "late_submission"))
        if raw.get("bonus"):
            v.update(rf.write_params(BONUS_GATE, _gate_of(raw["bonus"]), ""))
    for key, title, inds in _sections(raw):
        if key not in ("bonus", "veto"):
            v[f"{key}.title"] = title
        v[f"{key}.order"] = ",".join(i["code"] for i in inds)
        for ind in inds:
            c = ind["code"]
            v[f"{c}.title"] = ind["title"]
            v[f"{c}.points"] = _text(ind["points"])
            v[f"{c}.standard"] = ind.get("standard", "")
            v[f"{c}.guidance"] = ind.get("guidance", "")
            fields = None if yaml_fields else rf.rule_fields(c, ind["rule"])
            if fields is None:
                v[f"{c}.rule"] = yamlnodes.dump(ind["rule"], flow=None)
            else:
                v.update(fields)
    return v


@dataclass
class EditorField:
    name: str  # the form field's name (``C1.rule.tiers.0.points``)
    label: Any
    type: str  # ruleforms.FIGURE / NUMBER / CHOICE / BOOL / TEXT / LINE
    choices: list[tuple[str, Any]]  # (value, label) for selects; LINE: the ways of writing the line


@dataclass
class EditorRows:
    name: str  # ``C1.rule.tiers``: row n's fields are ``<name>.<n>.<key>``
    label: Any
    columns: list[Any]
    rows: list[tuple[str, list[EditorField]]]  # (``<name>.<n>``, fields)


@dataclass
class EditorIndicator:
    code: str
    kind: str
    inputs: list[str]
    mode: str = "yaml"  # "form": the rule's fields; "yaml": one YAML box (``<code>.rule``)
    params: list = None  # EditorField | EditorRows, in the kind's order


@dataclass
class EditorSection:
    key: str
    heading: str  # for bonus/veto; areas show their editable title
    indicators: list[EditorIndicator]


def _figure_choices(ind: dict, current: str) -> list[tuple[str, str]]:
    out = [("", "—")] + [(i["name"], f"{i['label']}（{i['name']}）") for i in ind.get("inputs", [])]
    out += [(c["name"], f"{c['label']}（{c['name']}）") for c in ind.get("computed", [])]
    if current and current not in [v for v, _l in out]:
        out.append((current, current))
    return out


def _field(p: "rf.P", name: str, values: Mapping[str, str], ind: dict | None) -> EditorField:
    if p.type == rf.FIGURE:
        choices = _figure_choices(ind or {}, values.get(name, ""))
    elif p.type == rf.CHOICE:
        choices = [("", "—"), *p.choices]
    elif p.type == rf.BOOL:
        choices = [("", "—"), ("true", _l("为“是”时扣分")), ("false", _l("为“否”时扣分"))]
    elif p.type == rf.LINE:
        choices = [(k, rf.LINE_WORDS.get(k, k)) for k in p.keys]
    else:
        choices = []
    return EditorField(name, p.label, p.type, choices)


def param_layout(params, values: Mapping[str, str], prefix: str, ind: dict | None = None) -> list:
    """The fields and row tables of ``params`` under ``prefix``, with the rows posted plus blank ones."""
    out: list = []
    for p in params:
        if isinstance(p, rf.Rows):
            base = f"{prefix}.{p.key}" if prefix else p.key
            posted = rf.row_indices(values, base)
            filled = [n for n in posted if any((values.get(f"{base}.{n}.{f.key}") or "").strip() for f in p.fields)]
            last = max(filled) if filled else -1
            numbers = [n for n in posted if n <= last] + list(range(last + 1, last + 1 + rf.EXTRA_ROWS))
            out.append(EditorRows(base, p.label, [f.label for f in p.fields], [
                (f"{base}.{n}", [_field(f, f"{base}.{n}.{f.key}", values, ind) for f in p.fields]) for n in numbers]))
        else:
            out.append(_field(p, f"{prefix}.{p.key}" if prefix else p.key, values, ind))
    return out


def editor_layout(raw: dict, values: Mapping[str, str]) -> list[EditorSection]:
    """Sections and indicators in the order the form says (``<section>.order``), falling back to the file's;
    each rule as the fields of its kind (as posted) or, when it is kept as YAML, one box."""
    out = []
    for key, heading, inds in _sections(raw):
        by_code = {i["code"]: i for i in inds}
        order = _order(values.get(f"{key}.order", ""), list(by_code))
        section = []
        for c in order:
            ind = by_code[c]
            e = EditorIndicator(c, ind["rule"].get("kind", ""),
                                [f"{i['name']}（{i['label']}）" for i in ind.get("inputs", [])])
            if f"{c}.rule" not in values and f"{c}.rule.kind" in values:
                e.mode, e.kind = "form", values[f"{c}.rule.kind"]
                e.params = param_layout(rf.KINDS.get(e.kind, ()), values, f"{c}.rule", ind)
            section.append(e)
        out.append(EditorSection(key, heading, section))
    return out


def meta_layout(values: Mapping[str, str]) -> dict[str, list]:
    """The grade bands (rows), the late-submission rule and the bonus gate as fields."""
    return {"grades": param_layout(GRADE_ROWS, values, "")[0],
            "late": param_layout(rf.LATE_FIELDS, values, "late_submission"),
            "gate": param_layout(BONUS_GATE, values, "")}


def _order(text: str, codes: list[str]) -> list[str]:
    """The order posted by the form, if it is a permutation of the section's codes; else the file's order."""
    posted = [c.strip() for c in (text or "").split(",") if c.strip()]
    return posted if sorted(posted) == sorted(codes) and len(set(posted)) == len(posted) else codes


def move(values: dict[str, str], raw: dict, instruction: str) -> dict[str, str]:
    """Apply "CODE:up" / "CODE:down" to the posted order of the indicator's section; other input kept as is."""
    code, _, direction = instruction.partition(":")
    out = dict(values)
    for key, _heading, inds in _sections(raw):
        order = _order(values.get(f"{key}.order", ""), [i["code"] for i in inds])
        if code in order:
            n = order.index(code)
            m = n - 1 if direction == "up" else n + 1
            if 0 <= m < len(order):
                order[n], order[m] = order[m], order[n]
            out[f"{key}.order"] = ",".join(order)
    return out


def _number(text: str, name: str, errors: dict[str, list[str]], *, integer: bool = False) -> Any:
    t = (text or "").strip()
    try:
        value = scoring.typed_number(t)  # the one reader of typed numbers: no exponent, NaN or overlong
    except ValueError:
        errors.setdefault(name, []).append("请输入数字。" if t else "必填。")
        return None
    if integer:
        if value != value.to_integral_value():
            errors.setdefault(name, []).append("请输入整数。")
            return None
        return int(value)
    return value


def _yaml_field(text: str, name: str, errors: dict[str, list[str]], want: type) -> Any:
    try:
        value = yamlnodes.load(text or "")
    except yamlnodes.Refused as exc:
        where = f"第{exc.line}行：" if exc.line else ""
        errors.setdefault(name, []).append(f"{where}{exc.zh}")
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"第{mark.line + 1}行：" if mark else ""
        errors.setdefault(name, []).append(f"YAML 语法错误，{where}{exc.problem or exc}")
        return None
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        errors.setdefault(name, []).append(f"YAML 语法错误：{exc}")
        return None
    if not isinstance(value, want):
        errors.setdefault(name, []).append("应为映射（如 kind: boolean）。" if want is dict else "应为列表。")
        return None
    return value


def apply_form(raw: dict, values: Mapping[str, str]) -> tuple[dict, dict[str, list[str]]]:
    """A new rubric mapping from ``raw`` with the editor's values applied, and the field errors found while
    reading them (numbers, YAML). Codes, inputs, computed figures and evidence are taken from ``raw``."""
    new, errors, _rowmap = _apply(raw, values)
    return new, errors


def _has(values: Mapping[str, str], prefix: str) -> bool:
    return any(k == prefix or k.startswith(prefix + ".") for k in values)


def _apply(raw: dict, values: Mapping[str, str]) -> tuple[dict, dict[str, list[str]], dict[str, list[int]]]:
    """:func:`apply_form`, also returning which form row each list item came from (see ``ruleforms``)."""
    import copy

    new = copy.deepcopy(raw)
    errors: dict[str, list[str]] = {}
    rowmap: dict[str, list[int]] = {}
    new["name"] = (values.get("name") or "").strip()
    year = _number(values.get("year", ""), "year", errors, integer=True)
    if year is not None:
        new["year"] = year
    desc = (values.get("description") or "").strip()
    if desc:
        new["description"] = desc
    else:
        new.pop("description", None)
    total = _number(values.get("total", ""), "total", errors)
    if total is not None:
        new["total"] = total
    if new.get("bonus"):
        cap = _number(values.get("bonus_cap", ""), "bonus_cap", errors)
        if cap is not None:
            new["bonus"]["cap"] = cap
    if "grades" in values:  # the grades as one YAML box
        grades = _yaml_field(values.get("grades", ""), "grades", errors, list)
        if grades is not None:
            new["grades"] = grades
    elif _has(values, "grades"):
        new["grades"] = rf.read_params(GRADE_ROWS, values, "", errors, rowmap).get("grades", [])
    for key in ("share_rounding", "veto_grade"):
        if key in values:
            text = (values.get(key) or "").strip()
            if text:
                new[key] = text
            else:
                new.pop(key, None)
    if _has(values, "late_submission"):
        late = rf.read_params(rf.LATE_FIELDS, values, "late_submission", errors, rowmap)
        if late:
            new["late_submission"] = late
        else:
            new.pop("late_submission", None)
    if new.get("bonus") and "bonus_gate" in values:
        gate = rf.read_params(BONUS_GATE, values, "", errors, rowmap)
        had_gate = "gate" in new["bonus"]
        new["bonus"].pop("gate", None)
        new["bonus"].pop("min_base", None)
        if "above" in gate or (had_gate and "at_least" in gate):
            new["bonus"]["gate"] = gate
        elif "at_least" in gate:
            new["bonus"]["min_base"] = gate["at_least"]
    tie = [c.strip() for c in (values.get("tie_break") or "").replace("，", ",").replace("、", ",").split(",")
           if c.strip()]
    if tie:
        new["tie_break"] = tie
    else:
        new.pop("tie_break", None)

    def section(key: str, inds: list[dict]) -> list[dict]:
        by_code = {i["code"]: i for i in inds}
        out = []
        for c in _order(values.get(f"{key}.order", ""), list(by_code)):
            ind = by_code[c]
            ind["title"] = (values.get(f"{c}.title") or "").strip()
            points = _number(values.get(f"{c}.points", ""), f"{c}.points", errors)
            if points is not None:
                ind["points"] = points
            for text_field in ("standard", "guidance"):
                text = (values.get(f"{c}.{text_field}") or "").strip()
                if text:
                    ind[text_field] = text
                else:
                    ind.pop(text_field, None)
            if f"{c}.rule" in values:  # kept as one YAML box
                rule = _yaml_field(values.get(f"{c}.rule", ""), f"{c}.rule", errors, dict)
                if rule is not None:
                    ind["rule"] = rule
            elif f"{c}.rule.kind" in values:
                ind["rule"] = rf.read_rule(c, values, errors, rowmap)
            out.append(ind)
        return out

    for area in new.get("areas", []):
        area["title"] = (values.get(f"{area['code']}.title") or "").strip()
        area["indicators"] = section(area["code"], area["indicators"])
    if new.get("bonus"):
        new["bonus"]["indicators"] = section("bonus", new["bonus"]["indicators"])
    if new.get("veto"):
        new["veto"]["indicators"] = section("veto", new["veto"]["indicators"])
    return new, errors, rowmap


def field_of(problem_path: str, raw: dict, values: Mapping[str, str] | None = None,
             rowmap: Mapping[str, list[int]] | None = None) -> str:
    """The editor field a problem of the engine belongs to (``_`` when it has none).

    Without ``values``: the coarse field (``C1.rule``, ``grades``). With the posted ``values``: the finest
    field or row on the page (``C1.rule.tiers.3.lower``, ``grades.1.line``, ``late_submission.max``), the
    row numbers translated through ``rowmap`` when rows were left blank."""
    coarse = _coarse_field(problem_path, raw)
    if values is None:
        return coarse
    rowmap = rowmap or {}

    def on_page(name: str) -> bool:
        return name in values or any(k.startswith(name + ".") for k in values)

    parts = rf.split_path(problem_path)
    candidates: list[str] = []
    if coarse.endswith(".rule") and f"{coarse}" not in values:
        code = coarse[:-len(".rule")]
        at = parts.index("rule") if "rule" in parts else None
        kind = values.get(f"{code}.rule.kind", "")
        if at is not None:
            candidates = rf.translate(parts[at + 1:], rf.KINDS.get(kind, ()), f"{code}.rule", rowmap)
    elif parts[:1] == ["grades"] and "grades" not in values:
        candidates = rf.translate(parts, GRADE_ROWS, "", rowmap) + ["grades"]
    elif parts[:1] == ["late_submission"]:
        candidates = rf.translate(parts[1:], rf.LATE_FIELDS, "late_submission", rowmap)
    elif parts[:1] == ["bonus"] and len(parts) > 1 and parts[1] in ("gate", "min_base"):
        candidates = ["bonus_gate"]
    for name in candidates:
        if on_page(name):
            return name
    return coarse


def _coarse_field(problem_path: str, raw: dict) -> str:
    import re

    m = re.match(r"^areas\[(\d+)\](?:\.indicators\[(\d+)\](?:\.(\w+))?|\.(\w+))?", problem_path)
    if m:
        a = int(m.group(1))
        areas = raw.get("areas", [])
        if a >= len(areas):
            return "_"
        if m.group(2) is not None:
            inds = areas[a].get("indicators", [])
            i = int(m.group(2))
            if i >= len(inds):
                return "_"
            part = m.group(3)
            return f"{inds[i]['code']}.{part if part in IND_FIELDS else 'rule'}"
        return f"{areas[a]['code']}.title" if m.group(4) in (None, "title", "code") else "_"
    m = re.match(r"^(bonus|veto)\.indicators\[(\d+)\](?:\.(\w+))?", problem_path)
    if m:
        inds = raw.get(m.group(1), {}).get("indicators", [])
        i = int(m.group(2))
        if i >= len(inds):
            return "_"
        part = m.group(3)
        return f"{inds[i]['code']}.{part if part in IND_FIELDS else 'rule'}"
    if problem_path.startswith("bonus.cap"):
        return "bonus_cap"
    if problem_path.startswith(("bonus.gate", "bonus.min_base")):
        return "bonus_gate"
    head = re.split(r"[.\[]", problem_path, maxsplit=1)[0]
    return head if head in META_FIELDS else "_"


def _message(p: Problem) -> str:
    return f"{p.message}（{p.path}）" if p.path else p.message


def latest_version(row: Rubric) -> int:
    return db.session.scalar(select(func.max(Rubric.version)).where(Rubric.office_id == row.office_id,
                                                                     Rubric.family == row.family)) or 0


def _changes(old: dict, new: dict) -> list[str]:
    """What an edit changed, in short (for the audit entry): meta keys, area titles, indicator codes, order."""
    out = [k for k in ("name", "year", "description", "total", "grades", "tie_break", "share_rounding", "veto_grade",
                       "late_submission") if old.get(k) != new.get(k)]
    for key in ("cap", "gate", "min_base"):
        if (old.get("bonus") or {}).get(key) != (new.get("bonus") or {}).get(key):
            out.append(f"bonus.{key}")
    olds = {k: (t, inds) for k, t, inds in _sections(old)}
    for key, title, inds in _sections(new):
        o_title, o_inds = olds.get(key, ("", []))
        if title != o_title:
            out.append(f"{key}.title")
        if [i["code"] for i in inds] != [i["code"] for i in o_inds]:
            out.append(f"{key}.order")
        by_code = {i["code"]: i for i in o_inds}
        out += [i["code"] for i in inds if by_code.get(i["code"]) != i]
    return out


def save_edit(base: Rubric, values: Mapping[str, str], *, actor=None, seen_latest: int | None = None) -> Rubric:
    """Store the editor's values as a new version of ``base``'s family (``parent_id`` = base).

    ``seen_latest`` is the family's newest version number when the editor was opened; if someone saved a
    newer version meanwhile the save is refused once, saying so (the caller shows the page again with the
    user's input and the new number, so a second save goes through as the next version — nothing is ever
    overwritten either way). Raises :class:`EditError` with the engine's messages at the fields they
    concern; nothing is stored then.
    """
    raw = base_raw(base)
    new, errors, rowmap = _apply(raw, values)
    if errors:
        raise EditError(errors)
    latest = latest_version(base)
    if seen_latest is not None and latest != seen_latest:
        raise EditError({"_": [f"您编辑期间，已有人保存了本细则的第{latest}版（您打开页面时最新为第{seen_latest}版）。"
                               f"您的修改仍在页面上；核对后再次保存，将另存为第{latest + 1}版，不会覆盖第{latest}版。"]},
                        latest=latest)
    unchanged = {**new, "version": raw["version"]} == raw
    if unchanged:
        raise EditError({"_": ["没有任何修改，未保存新版本。"]})
    new["version"] = latest + 1
    source = f"# {new['name']}（第{latest + 1}版，由第{base.version}版在线编辑生成）\n" + yamlnodes.dump(new)
    filename = f"{base.family}-v{latest + 1}.yaml"
    try:  # store_rubric parses first: a RubricError means nothing was written
        row = store.store_rubric(base.office_id, source, filename=filename, actor=actor, parent=base)
    except scoring.RubricError as exc:
        fields: dict[str, list[str]] = {}
        for p in exc.problems:
            fields.setdefault(field_of(p.path, new, values, rowmap), []).append(_message(p))
        raise EditError(fields) from None
    record(base.office_id, "rubric.edit", "rubric", row.id, actor=actor,
           old={"rubric_id": base.id, "version": base.version, "frozen": base.frozen},
           new={"version": row.version, "changed": _changes(raw, {**new, "version": raw["version"]})[:200]})
    return row


def change_kind(values: dict[str, str], code: str) -> dict[str, str]:
    """The indicator's rule fields for the kind now chosen in its select (``<code>.rule.kind``): the old
    kind's parameters go, the figure stays; nothing else on the page changes and nothing is saved."""
    prefix = f"{code}.rule."
    kind = values.get(f"{code}.rule.kind", "")
    out = {k: v for k, v in values.items() if not k.startswith(prefix)}
    out.update(rf.blank_rule_fields(code, kind, values))
    return out


def rule_as_yaml(values: dict[str, str], code: str) -> dict[str, str]:
    """Show an indicator's rule as one YAML box, with what its fields say now (for what the fields cannot
    express); the page comes back, nothing is saved."""
    if f"{code}.rule.kind" not in values:
        return values
    rule = rf.read_rule(code, values, {}, {})
    out = {k: v for k, v in values.items() if not k.startswith(f"{code}.rule.")}
    out[f"{code}.rule"] = yamlnodes.dump(rule, flow=None)
    return out


def rule_as_form(values: dict[str, str], code: str) -> tuple[dict[str, str], str | None]:
    """Back from the YAML box to the fields, when they can show the whole rule; else the reason why not."""
    errors: dict[str, list[str]] = {}
    rule = _yaml_field(values.get(f"{code}.rule", ""), f"{code}.rule", errors, dict)
    if rule is None:
        return values, errors[f"{code}.rule"][0]
    fields = rf.rule_fields(code, rule)
    if fields is None:
        return values, "此规则含有表单无法显示的部分（如分档扣分项或未知的规则类型），请继续以 YAML 编辑。"
    out = {k: v for k, v in values.items() if k != f"{code}.rule"}
    out.update(fields)
    return out, None
