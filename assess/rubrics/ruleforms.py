"""Rubrics: a rubric's parts as plain form fields instead of YAML — grade bands, late submission, the bonus
gate and each indicator's rule with its parameters (kind, figure, points, per-occurrence amounts, tiers,
thresholds, caps).

A part is described once, as data (:data:`KINDS`, :data:`GRADE_FIELDS`): scalar parameters (:class:`P`)
and lists of rows (:class:`Rows`). The same description writes a mapping into form values
(:func:`write_params`) and reads them back (:func:`read_params`), so the editor cannot drift from what it
shows. Whatever the description does not cover (a key added to the format later, a nested list) is never
lost: :func:`rule_fields` returns None for such a rule and the editor keeps it as YAML.

Only the reading of typed numbers happens here (:func:`assess.scoring.typed_number`, the engine's reader);
every rule about values — points adding up, tiers without gaps, thresholds rising — is the engine's
(``load_rubric``), whose messages the editor shows at these fields (:func:`field_for_path`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l

from .. import scoring
from ..scoring.explain import num

FIGURE, NUMBER, CHOICE, BOOL, TEXT, LINE = "figure", "number", "choice", "bool", "text", "line"


@dataclass(frozen=True)
class P:
    """One parameter. ``LINE`` is a number written under one of ``keys`` (``from``/``above``: 含 or 不含)."""

    key: str
    label: Any
    type: str
    keys: tuple[str, ...] = ()
    choices: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Rows:
    """A list parameter: one row per item, each with ``fields``."""

    key: str
    label: Any
    fields: tuple[P, ...]


LINE_WORDS = {"from": _l("达到（含）"), "at_least": _l("达到（含）"), "min": _l("达到（含）"),
              "above": _l("高于（不含）"), "below": _l("低于（不含）"), "to": _l("至（含）")}

_FIGURE = P("figure", _l("数据项"), FIGURE)

KINDS: dict[str, tuple[P | Rows, ...]] = {
    "boolean": (_FIGURE,),
    "checklist": (Rows("items", _l("分项（每项成立得分）"), (_FIGURE, P("points", _l("分值"), NUMBER))),),
    "tiers": (_FIGURE, Rows("tiers", _l("档次"), (
        P("lower", _l("下限"), LINE, keys=("from", "above")), P("upper", _l("上限"), LINE, keys=("below", "to")),
        P("points", _l("得分"), NUMBER), P("label", _l("档次名称"), TEXT)))),
    "ratio": (_FIGURE, P("target", _l("满分目标值"), NUMBER), P("zero_below", _l("低于此值不得分"), NUMBER)),
    "deduction": (Rows("items", _l("扣分项"), (
        _FIGURE, P("per", _l("每处（次）扣分"), NUMBER), P("label", _l("说法（如：未公开目录）"), TEXT),
        P("when", _l("是/否项：何时扣分"), BOOL))),
        P("floor", _l("扣分下限"), CHOICE, choices=(("indicator", _l("本指标扣完为止")),
                                               ("area", _l("可超出本指标，领域扣完为止"))))),
    "judgement": (P("min", _l("最低分"), NUMBER), P("max", _l("最高分"), NUMBER), P("step", _l("步长"), NUMBER),
                  P("default", _l("默认分"), NUMBER)),
    "late": (_FIGURE, P("fixed", _l("逾期即扣"), NUMBER), P("per_day", _l("每天扣"), NUMBER),
             P("max", _l("最多扣"), NUMBER)),
    "count": (_FIGURE, P("per", _l("每条（次）得分"), NUMBER)),
    "veto": (_FIGURE, P("threshold", _l("阈值（数值项）"), LINE, keys=("at_least", "above"))),
}
"""Every rule kind of the engine (``scoring.RULES``) with its parameters, as the form shows them."""

KIND_LABELS = {"boolean": _l("有则得分（是/否）"), "checklist": _l("逐项得分（清单）"), "tiers": _l("分档得分"),
               "ratio": _l("按比例得分"), "deduction": _l("扣分制"), "judgement": _l("评审评定"),
               "late": _l("逾期扣分"), "count": _l("按条计分"), "veto": _l("一票否决")}

GRADE_FIELDS = (P("label", _l("等次"), TEXT), P("line", _l("分数线"), LINE, keys=("min", "above")),
                P("max_share", _l("至多占分组（%）"), NUMBER))
LATE_FIELDS = (P("fixed", _l("逾期即扣"), NUMBER), P("per_day", _l("每天扣"), NUMBER), P("max", _l("最多扣"), NUMBER))

EXTRA_ROWS = 2  # blank rows offered under a list, to add items without JavaScript


# --- writing a mapping into form values ------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (Decimal, int)):
        return num(Decimal(value))
    return str(value)


def _write_one(p: P, node: Mapping[str, Any], name: str, out: dict[str, str]) -> None:
    if p.type == LINE:
        key = next((k for k in p.keys if k in node), p.keys[0])
        out[name] = _text(node.get(key))
        out[f"{name}_how"] = key
    else:
        out[name] = _text(node.get(p.key))


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def write_params(params: tuple[P | Rows, ...], node: Mapping[str, Any], prefix: str) -> dict[str, str]:
    """Form values of ``node`` under ``prefix`` (``C1.rule``): ``C1.rule.figure``, ``C1.rule.tiers.0.points``."""
    out: dict[str, str] = {}
    for p in params:
        if isinstance(p, Rows):
            for n, item in enumerate(node.get(p.key) or []):
                for f in p.fields:
                    _write_one(f, item, f"{_join(prefix, p.key)}.{n}.{f.key}", out)
        else:
            _write_one(p, node, _join(prefix, p.key), out)
    return out


# --- reading form values back -----------------------------------------------------------------------------


def _read_one(p: P, values: Mapping[str, str], name: str, errors: dict[str, list[str]]) -> tuple[str, Any] | None:
    """(yaml key, value) of one field, None when blank; number errors go to ``errors[name]``."""
    text = (values.get(name) or "").strip()
    if not text:
        return None
    if p.type in (NUMBER, LINE):
        try:
            value: Any = scoring.typed_number(text)
        except ValueError:
            errors.setdefault(name, []).append(str(_l("请输入数字。")))
            return None
        key = p.key
        if p.type == LINE:
            how = values.get(f"{name}_how") or p.keys[0]
            key = how if how in p.keys else p.keys[0]
        return key, value
    if p.type == BOOL:
        return (p.key, True) if text == "true" else (p.key, False) if text == "false" else None
    return p.key, text


def row_indices(values: Mapping[str, str], prefix: str) -> list[int]:
    """The row numbers posted under ``prefix`` (``C1.rule.tiers``), in order."""
    pat = re.compile(re.escape(prefix) + r"\.(\d+)\.")
    return sorted({int(m.group(1)) for k in values if (m := pat.match(k))})


def read_params(params: tuple[P | Rows, ...], values: Mapping[str, str], prefix: str,
                errors: dict[str, list[str]], rowmap: dict[str, list[int]]) -> dict[str, Any]:
    """The mapping the form fields under ``prefix`` describe. Rows left entirely blank are dropped;
    ``rowmap[<prefix>.<list>]`` records which form row each kept item came from (to put the engine's
    messages about item N at the row the user typed it in)."""
    out: dict[str, Any] = {}
    for p in params:
        if isinstance(p, Rows):
            items, kept = [], []
            base = _join(prefix, p.key)
            for n in row_indices(values, base):
                item: dict[str, Any] = {}
                for f in p.fields:
                    got = _read_one(f, values, f"{base}.{n}.{f.key}", errors)
                    if got is not None:
                        item[got[0]] = got[1]
                if item or any((values.get(f"{base}.{n}.{f.key}") or "").strip() for f in p.fields):
                    items.append(item)
                    kept.append(n)
            if items:
                out[p.key] = items
            rowmap[base] = kept
        else:
            got = _read_one(p, values, _join(prefix, p.key), errors)
            if got is not None:
                out[got[0]] = got[1]
    return out


# --- a rule ----------------------------------------------------------------------------------------------


def rule_fields(code: str, rule: Mapping[str, Any]) -> dict[str, str] | None:
    """Form values of an indicator's rule, or None when the form cannot show every part of it (the editor
    then keeps the rule as YAML, so nothing is lost)."""
    kind = rule.get("kind")
    params = KINDS.get(kind) if isinstance(kind, str) else None
    if params is None:
        return None
    prefix = f"{code}.rule"
    out = {f"{prefix}.kind": kind, **write_params(params, rule, prefix)}
    errors: dict[str, list[str]] = {}
    back = read_rule(code, out, errors, {})
    return out if not errors and back == dict(rule) else None


def read_rule(code: str, values: Mapping[str, str], errors: dict[str, list[str]],
              rowmap: dict[str, list[int]]) -> dict[str, Any]:
    """An indicator's rule from its form fields (``<code>.rule.kind`` and the kind's parameters)."""
    prefix = f"{code}.rule"
    kind = (values.get(f"{prefix}.kind") or "").strip()
    params = KINDS.get(kind)
    if params is None:  # the engine names the unknown kind (and suggests the nearest known one)
        return {"kind": kind}
    return {"kind": kind, **read_params(params, values, prefix, errors, rowmap)}


def blank_rule_fields(code: str, kind: str, keep: Mapping[str, str]) -> dict[str, str]:
    """Fields of a new kind chosen for an indicator: its figure kept when the new kind has one."""
    prefix = f"{code}.rule"
    out = {f"{prefix}.kind": kind}
    figure = keep.get(f"{prefix}.figure") or keep.get(f"{prefix}.items.0.figure") or ""
    params = KINDS.get(kind, ())
    if any(isinstance(p, P) and p.key == "figure" for p in params):
        out[f"{prefix}.figure"] = figure
    return out


def field_key(params: tuple[P | Rows, ...], yaml_key: str) -> str:
    """The form field's key for a key of the file (``above`` of a tier is the field ``lower``)."""
    for p in params:
        fields = p.fields if isinstance(p, Rows) else (p,)
        for f in fields:
            if f.key == yaml_key or yaml_key in f.keys:
                return f.key
    return yaml_key


def translate(parts: list[str | int], params: tuple[P | Rows, ...], prefix: str,
              rowmap: Mapping[str, list[int]]) -> list[str]:
    """Candidate field names, finest first, for the path ``parts`` below a part written with ``params``:
    ``["tiers", 1, "above"]`` → ``C1.rule.tiers.3.lower``, ``C1.rule.tiers.3`` (row 1 of the file was typed
    in form row 3)."""
    out = [prefix] if prefix else []
    if not parts or not isinstance(parts[0], str):
        return out
    head = parts[0]
    rows = next((p for p in params if isinstance(p, Rows) and p.key == head), None)
    if rows is None:
        out.insert(0, f"{prefix}.{field_key(params, head)}" if prefix else field_key(params, head))
        return out
    name = f"{prefix}.{head}" if prefix else head
    out.insert(0, name)
    if len(parts) > 1 and isinstance(parts[1], int):
        kept = rowmap.get(name)
        n = kept[parts[1]] if kept is not None and parts[1] < len(kept) else parts[1]
        out.insert(0, f"{name}.{n}")
        if len(parts) > 2 and isinstance(parts[2], str):
            out.insert(0, f"{name}.{n}.{field_key(rows.fields, parts[2])}")
    return out


def split_path(path: str) -> list[str | int]:
    """``areas[2].indicators[0].rule.tiers[1]`` → ``["areas", 2, "indicators", 0, "rule", "tiers", 1]``."""
    out: list[str | int] = []
    for m in re.finditer(r"([^.\[\]]+)|\[(\d+)\]", path or ""):
        out.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
    return out
