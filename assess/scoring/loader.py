"""Load, check and dump rubric files.

``load_rubric`` reports EVERY problem it can find in one go (an office fixing a 300-line file wants
the whole list, not one error per attempt), each with the file, the YAML line and a dotted path.
Three passes: YAML syntax → JSON Schema (shape and types) → consistency checks the schema cannot
express. Consistency checks skip any part that already failed the schema, so they never trip over
malformed data.
"""

from __future__ import annotations

import difflib
import re
from decimal import Decimal
from typing import Any, Iterable

import yaml
from jsonschema import Draft202012Validator

from .explain import ZERO, num
from .model import (
    AppliesTo,
    Area,
    BonusSection,
    ComputedFigure,
    EvidenceSpec,
    GradeBand,
    Indicator,
    InputSpec,
    LateSubmission,
    MajorSection,
    Problem,
    Rubric,
    RubricError,
)
from .rules import RULES, Context, D
from .schema import SCHEMA
from .yamlnodes import Parsed, Path, Refused, dotted, dump, parse

_VALIDATOR = Draft202012Validator(SCHEMA)

_TYPE_ZH = {"number": "数字", "integer": "整数", "string": "文字", "boolean": "是/否（true/false）",
            "object": "映射（键: 值）", "array": "列表"}


def load_rubric(text: str, filename: str = "<string>") -> Rubric:
    """Parse and check a rubric; raise ``RubricError`` listing every problem (sorted by line)."""
    try:
        parsed = parse(text)
    except Refused as exc:
        raise RubricError([Problem(filename, exc.line, "", exc.zh, exc.en)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = exc.problem or "语法错误"
        if exc.context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            reason += f"（{exc.context}，始于第{exc.context_mark.line + 1}行）"
        raise RubricError([Problem(filename, line, "", f"YAML 语法错误：{reason}", f"YAML syntax error: {reason}")]) from None
    except yaml.YAMLError as exc:
        raise RubricError([Problem(filename, None, "", f"YAML 语法错误：{exc}", f"YAML syntax error: {exc}")]) from None

    checker = _Checker(parsed, filename)
    for line, path, zh, en in parsed.problems:
        checker.problems.append(Problem(filename, line, dotted(path), zh, en))
    if parsed.data is not None:
        checker.schema()
        checker.consistency()
    if checker.problems:
        unique = {(p.line or 0, p.path, p.message): p for p in checker.problems}
        raise RubricError([unique[k] for k in sorted(unique)])
    return _build(parsed.data)


def load_rubric_file(path: str) -> Rubric:
    with open(path, encoding="utf-8") as fh:
        return load_rubric(fh.read(), path)


# ---------------------------------------------------------------------------- checking


class _Checker:
    def __init__(self, parsed: Parsed, filename: str):
        self.parsed = parsed
        self.data = parsed.data
        self.filename = filename
        self.problems: list[Problem] = []
        self.bad_paths: list[Path] = []

    def add(self, path: Path, zh: str, en: str = "", *, key: bool = False) -> None:
        self.problems.append(Problem(self.filename, self.parsed.line(path, key=key), dotted(path), zh, en))

    def clean(self, path: Path) -> bool:
        """True when no schema problem lies at or under ``path``."""
        n = len(path)
        return not any(tuple(b[:n]) == tuple(path) for b in self.bad_paths)

    # -- pass 2: schema
    def schema(self) -> None:
        for err in _VALIDATOR.iter_errors(self.data):
            path: Path = tuple(err.absolute_path)
            self.bad_paths.append(path)
            for sub, zh, en, key in _translate(err):
                self.add(path + sub, zh, en, key=key)

    # -- pass 3: consistency
    def consistency(self) -> None:
        d = self.data
        if not isinstance(d, dict):
            return
        self._codes()
        self._points()
        self._grades()
        sections: list[tuple[Path, str]] = []
        for a, area in enumerate(_list(d.get("areas"))):
            for i, _ in enumerate(_list(_get(area, "indicators"))):
                sections.append((("areas", a, "indicators", i), "area"))
        for part in ("bonus", "veto", "major_deductions"):
            for i, _ in enumerate(_list(_get(d.get(part), "indicators"))):
                sections.append(((part, "indicators", i), part))
        for path, section in sections:
            if self._checkable(path):
                self._indicator(path, section)
        self._gate(("bonus",), "加分")
        late = d.get("late_submission")
        if isinstance(late, dict) and self.clean(("late_submission",)):
            if D(late.get("fixed", 0)) == 0 and D(late.get("per_day", 0)) == 0:
                self.add(("late_submission",), "fixed 与 per_day 不能都为0，否则逾期报送不扣分",
                         "late_submission: fixed and per_day are both zero")

    def _gate(self, path: Path, what: str) -> None:
        """A part's gate (``gate: {above: 80}`` / ``{at_least: 80}``): one way of saying it, and reachable."""
        part = _get(self._node_or_none(path), "gate") if self.clean(path + ("gate",)) else None
        if not isinstance(part, dict) or len(part) != 1:
            return
        parent = self._node(path)
        if "min_base" in parent:
            self.add(path + ("gate",), f"gate 与 min_base 只能写一个（min_base: {num(D(parent['min_base']))} 即 "
                     f"gate: {{at_least: {num(D(parent['min_base']))}}}，“达到”；above 为“高于”）",
                     "write either gate or min_base, not both", key=True)
        total = self.data.get("total")
        (how, value), = part.items()
        if _is_num(total) and _is_num(value) and (D(value) >= D(total) if how == "above" else D(value) > D(total)):
            word = "高于" if how == "above" else "达到"
            self.add(path + ("gate", how), f"基础分不可能{word}{num(D(value))}分（总分{num(D(total))}分），{what}永远不计入",
                     f"the base can never be {how.replace('_', ' ')} {num(D(value))} (total {num(D(total))})")

    def _node_or_none(self, path: Path) -> Any:
        try:
            return self._node(path)
        except (KeyError, IndexError, TypeError):
            return None

    def _checkable(self, path: Path) -> bool:
        """An indicator can be cross-checked when the parts the checks read passed the schema.

        A missing title or a malformed evidence list must not hide problems in its rule.
        """
        node = self._node(path)
        return (isinstance(node, dict) and _is_num(node.get("points")) and isinstance(node.get("rule"), dict)
                and all(self.clean(path + (part,)) for part in ("points", "rule", "inputs", "computed")))

    def _node(self, path: Path) -> Any:
        node = self.data
        for part in path:
            node = node[part]
        return node

    def _codes(self) -> None:
        seen: dict[str, Path] = {}
        areas = _list(self.data.get("areas"))
        found: list[Path] = []
        for a, area in enumerate(areas):
            found.append(("areas", a, "code"))
            for i, _ in enumerate(_list(_get(area, "indicators"))):
                found.append(("areas", a, "indicators", i, "code"))
        for part in ("bonus", "veto", "major_deductions"):
            for i, _ in enumerate(_list(_get(self.data.get(part), "indicators"))):
                found.append((part, "indicators", i, "code"))
        for path in found:
            try:
                code = self._node(path)
            except (KeyError, IndexError, TypeError):
                continue
            if not isinstance(code, str):
                continue
            if code in ("bonus", "veto", "major"):
                self.add(path, f"代码“{code}”为保留字，请换一个", f"code '{code}' is reserved")
            elif code in seen:
                first = self.parsed.line(seen[code])
                self.add(path, f"代码“{code}”重复（第{first}行的 {dotted(seen[code][:-1])} 已使用）",
                         f"duplicate code '{code}' (already used by {dotted(seen[code][:-1])} on line {first})")
            else:
                seen[code] = path
        area_codes = {_get(a, "code") for a in areas}
        for n, code in enumerate(_list(self.data.get("tie_break"))):
            if isinstance(code, str) and code not in area_codes:
                self.add(("tie_break", n), f"并列排序依据“{code}”不是领域代码", f"tie_break '{code}' is not an area code")

    def _points(self) -> None:
        """Stated area points and the total against the indicators' points, naming what was summed."""
        d = self.data
        total_sum = ZERO
        complete = True
        summed_zh: list[str] = []
        summed_en: list[str] = []
        for a, area in enumerate(_list(d.get("areas"))):
            area_sum = ZERO
            parts_zh: list[str] = []
            parts_en: list[str] = []
            for ind in _list(_get(area, "indicators")):
                p = _get(ind, "points")
                if _is_num(p):
                    area_sum += D(p)
                    code, title = _get(ind, "code"), _get(ind, "title")
                    parts_zh.append(f"{code} {title} {num(D(p))}分" if title else f"{code} {num(D(p))}分")
                    parts_en.append(f"{code} {num(D(p))}")
                else:
                    complete = False
            total_sum += area_sum
            area_title = _get(area, "title") or ""
            summed_zh.append(f"{_get(area, 'code')} {area_title}{num(area_sum)}分（{'、'.join(parts_zh)}）")
            summed_en.append(f"{_get(area, 'code')} {num(area_sum)} ({' + '.join(parts_en)})")
            stated = _get(area, "points")
            if _is_num(stated) and complete and D(stated) != area_sum:
                self.add(("areas", a, "points"),
                         f"领域分值{num(D(stated))}分与其指标分值合计{num(area_sum)}分不符："
                         f"{'、'.join(parts_zh)}，合计{num(area_sum)}分",
                         f"area points {num(D(stated))} differ from the sum of its indicators {num(area_sum)}: "
                         f"{' + '.join(parts_en)}")
        total = d.get("total")
        if complete and _is_num(total) and D(total) != total_sum:
            self.add(("total",), f"各领域指标分值合计{num(total_sum)}分，与总分{num(D(total))}分不符（加分项不计入）："
                     f"{'；'.join(summed_zh)}",
                     f"indicator points add up to {num(total_sum)}, not the stated total {num(D(total))} "
                     f"(bonus excluded): {'; '.join(summed_en)}")

    def _grades(self) -> None:
        d = self.data
        grades = d.get("grades")
        if not isinstance(grades, list) or not self.clean(("grades",)) or not grades:
            return
        labels: dict[str, int] = {}
        previous: tuple[int, Decimal, bool] | None = None  # (index, line value, strict) of the band above
        for n, g in enumerate(grades):
            if g["label"] in labels:
                first = self.parsed.line(("grades", labels[g["label"]], "label"))
                self.add(("grades", n, "label"), f"等次名称“{g['label']}”重复（第{first}行已有）",
                         f"duplicate grade '{g['label']}' (also on line {first})")
            labels.setdefault(g["label"], n)
            if ("min" in g) == ("above" in g):
                self.add(("grades", n), "等次写且只写一个分数线：min（达到，含）或 above（高于，不含）",
                         "a grade band takes exactly one of min or above")
                previous = None
                continue
            key = "above" if "above" in g else "min"
            value, strict = D(g[key]), key == "above"
            if previous is not None and (value, strict) >= (previous[1], previous[2]):
                above = grades[previous[0]]
                self.add(("grades", n, key), f"等次应按分数线从高到低排列：“{g['label']}”的分数线{num(value)}"
                         f"不低于上一等次“{above['label']}”的{num(previous[1])}",
                         "grade bands must be ordered by strictly decreasing min")
            previous = (n, value, strict)
            if _is_num(d.get("total")) and (value >= D(d["total"]) if strict else value > D(d["total"])):
                self.add(("grades", n, key), f"分数线{num(value)}高于总分", "grade min above the total")
        last = grades[-1]
        if "above" in last and "min" not in last:
            self.add(("grades", len(grades) - 1, "above"), "最低等次的分数线应为0（min: 0），否则低分单位没有等次",
                     "the lowest grade must start at 0 (min: 0)")
        elif "min" in last and D(last["min"]) != 0:
            self.add(("grades", len(grades) - 1, "min"), "最低等次的分数线应为0，否则低分单位没有等次",
                     "the lowest grade must start at 0")
        if last.get("max_share") is not None:
            self.add(("grades", len(grades) - 1, "max_share"), "最低等次不能设比例上限", "the lowest grade cannot be capped")
        veto = d.get("veto_grade")
        if isinstance(veto, str) and veto not in labels:
            self.add(("veto_grade",), f"否决等次“{veto}”不在等次列表中", f"veto_grade '{veto}' is not a grade label")

    def _indicator(self, path: Path, section: str) -> None:
        ind = self._node(path)
        points = D(ind["points"])
        rule = ind["rule"]
        kind = rule.get("kind")
        if section == "veto" and kind != "veto":
            self.add(path + ("rule", "kind"), "否决项的规则类型应为 veto", "veto items must use kind 'veto'")
        if section != "veto" and kind == "veto":
            self.add(path + ("rule", "kind"), "veto 规则只能用于 veto 部分", "kind 'veto' belongs in the veto section")
        if section == "veto" and points != 0:
            self.add(path + ("points",), "否决项分值应为0", "veto items carry 0 points")
        if section != "veto" and points == 0:
            self.add(path + ("points",), "指标分值应大于0", "points must be above 0")
        if section == "major_deductions" and kind not in ("deduction", "veto"):
            self.add(path + ("rule", "kind"), f"重大扣分项的规则类型应为 deduction（扣分），不是“{kind}”；"
                     "points 为本项最多扣除的分数", "major deductions use kind 'deduction' (points = the most it deducts)")
        if section == "major_deductions" and kind == "deduction" and rule.get("floor") == "area":
            self.add(path + ("rule", "floor"), "重大扣分项从总分中扣除，不属于任何领域，不能写 floor: area",
                     "a major deduction is outside the areas: floor: area does not apply", key=True)
        for key in ("allow_na", "applies_to"):
            if key in ind and section != "area":
                self.add(path + (key,), f"{key} 只用于各领域的指标（不适用后按适用指标满分折算），不用于加分、否决或重大扣分项",
                         f"{key} only applies to the areas' indicators", key=True)

        figures: dict[str, str] = {}  # name → "number" | "boolean" | "text"
        mins: dict[str, Decimal | None] = {}
        integers: set[str] = set()
        seen_inputs: dict[str, int] = {}
        for n, spec in enumerate(ind.get("inputs", [])):
            name = spec["name"]
            if name in figures:
                first = self.parsed.line(path + ("inputs", seen_inputs[name], "name"))
                self.add(path + ("inputs", n, "name"), f"填报项名称“{name}”重复（第{first}行已有）",
                         f"duplicate input '{name}' (also on line {first})")
                continue
            seen_inputs[name] = n
            t = spec["type"]
            figures[name] = "number" if t in ("integer", "decimal", "rate") else t
            lo = spec.get("min")
            hi = spec.get("max")
            if t in ("boolean", "text") and (lo is not None or hi is not None):
                self.add(path + ("inputs", n), "是/否与文字类填报项不能设 min/max", "min/max only apply to numbers")
            if lo is not None and hi is not None and D(lo) > D(hi):
                self.add(path + ("inputs", n, "min"), f"最小值{num(D(lo))}大于最大值{num(D(hi))}", "min is above max")
            if t == "rate" and hi is not None and D(hi) > 100:
                self.add(path + ("inputs", n, "max"), "比率（rate）最大不超过100", "rates cannot exceed 100")
            if figures[name] == "number":
                mins[name] = D(lo) if lo is not None else ZERO
            if t == "integer":
                integers.add(name)
            if spec.get("phrases") and t == "text":
                pass
        computed = ind.get("computed", [])
        comp_index: dict[str, int] = {}
        for n, comp in enumerate(computed):
            name = comp["name"]
            if name in figures:
                self.add(path + ("computed", n, "name"), f"计算项名称“{name}”与已有填报项或计算项重复",
                         f"computed figure '{name}' clashes with another figure")
                continue
            figures[name] = "number"
            comp_index[name] = n
            if comp["op"] in ("ratio", "difference") and len(comp["of"]) != 2:
                self.add(path + ("computed", n, "of"), f"{comp['op']} 需要恰好两个运算项（被除数/被减数在前）",
                         f"{comp['op']} takes exactly two operands")
        for name, n in comp_index.items():
            for k, ref in enumerate(computed[n]["of"]):
                cpath = path + ("computed", n, "of", k)
                if ref == name:
                    self.add(cpath, f"计算项“{name}”引用了自身", f"computed figure '{name}' refers to itself")
                elif ref not in figures:
                    self.add(cpath, f"计算项引用了不存在的数据项“{ref}”", f"unknown figure '{ref}'")
                elif figures[ref] != "number":
                    self.add(cpath, f"计算项只能引用数值，“{ref}”不是数值", f"'{ref}' is not a number")
        for name in _cycles(comp_index, computed):
            n = comp_index[name]
            self.add(path + ("computed", n, "of"), f"计算项“{name}”存在循环引用", f"computed figure '{name}' is part of a cycle")
        for name, n in comp_index.items():
            mins[name] = _computed_min(computed[n], mins, comp_index, computed)

        if kind not in RULES:
            return
        handler = RULES[kind]
        rpath = path + ("rule",)
        for ref in handler.figures(rule):
            fpath = rpath + tuple(_split(ref.path))
            have = figures.get(ref.name)
            if have is None:
                self.add(fpath, f"规则引用了不存在的数据项“{ref.name}”（应先在 inputs 或 computed 中定义）",
                         f"rule refers to unknown figure '{ref.name}'")
            elif ref.need == "number" and have != "number":
                self.add(fpath, f"规则需要数值，“{ref.name}”是{_KIND_ZH[have]}", f"'{ref.name}' must be a number")
            elif ref.need == "boolean" and have != "boolean":
                self.add(fpath, f"规则需要是/否项，“{ref.name}”是{_KIND_ZH[have]}", f"'{ref.name}' must be a yes/no fact")
            elif ref.need == "fact_or_count" and have == "text":
                self.add(fpath, f"扣分项需要数值或是/否项，“{ref.name}”是文字", f"'{ref.name}' must be a number or a yes/no fact")
            elif ref.need == "flag" and have == "text":
                self.add(fpath, f"否决规则需要是/否项或数值，“{ref.name}”是文字", f"'{ref.name}' must be yes/no or a number")
        ctx = Context(points=points, figure_min=mins, integer_figures=frozenset(integers),
                      booleans=frozenset(n for n, t in figures.items() if t == "boolean"))
        for sub, zh, en in handler.check(rule, ctx):
            self.add(rpath + tuple(_split(sub)), zh, en)


_KIND_ZH = {"number": "数值", "boolean": "是/否项", "text": "文字"}


def _cycles(index: dict[str, int], computed: list[dict]) -> list[str]:
    """Names of computed figures lying on a reference cycle (self-references are reported apart)."""
    graph = {name: [r for r in computed[n]["of"] if r in index and r != name] for name, n in index.items()}
    on_cycle: list[str] = []
    for start in graph:
        stack, seen = list(graph[start]), set()
        while stack:
            node = stack.pop()
            if node == start:
                on_cycle.append(start)
                break
            if node not in seen:
                seen.add(node)
                stack.extend(graph.get(node, []))
    return on_cycle


def _computed_min(comp: dict, mins: dict, index: dict, computed: list) -> Decimal | None:
    """The lowest value a computed figure can take, when it is easy to tell (for tier coverage)."""
    if comp["op"] == "ratio":
        return min(ZERO, D(comp.get("on_zero", 0)))
    if comp["op"] == "sum":
        vals = [mins.get(r) for r in comp["of"] if r not in index]
        if len(vals) == len(comp["of"]) and all(v is not None for v in vals):
            return sum(vals, ZERO)  # type: ignore[arg-type]
    return None


def _split(sub: str) -> list[str | int]:
    """``"items[2].figure"`` → ``["items", 2, "figure"]``."""
    out: list[str | int] = []
    for part in sub.split("."):
        m = re.fullmatch(r"([^\[]+)((?:\[\d+\])*)", part)
        if not m:
            out.append(part)
            continue
        out.append(m.group(1))
        out.extend(int(x) for x in re.findall(r"\[(\d+)\]", m.group(2)))
    return out


def _translate(err: Any) -> Iterable[tuple[Path, str, str, bool]]:
    """A jsonschema error in Chinese (and English), as (sub-path, zh, en, at-key-line)."""
    v, val = err.validator, err.validator_value
    if v == "required":
        m = re.search(r"'([^']+)' is a required property", err.message)
        name = m.group(1) if m else "?"
        yield (), f"缺少必填字段“{name}”", f"missing required field '{name}'", False
    elif v == "additionalProperties":
        allowed = set(err.schema.get("properties", {}))
        for key in err.instance:
            if key not in allowed:
                hint = f"（可用字段：{', '.join(sorted(allowed))}）" if allowed else ""
                yield (key,), f"未知字段“{key}”{hint}", f"unknown field '{key}'", True
    elif v == "type":
        yield (), f"类型错误：应为{_TYPE_ZH.get(val, val)}", f"wrong type: expected {val}", False
    elif v == "enum":
        if err.absolute_path and err.absolute_path[-1] == "kind":
            near = difflib.get_close_matches(str(err.instance), [str(k) for k in val], n=1, cutoff=0.6)
            hint_zh = f"是否应为“{near[0]}”？" if near else ""
            hint_en = f" (did you mean '{near[0]}'?)" if near else ""
            yield ((), f"未知规则类型“{err.instance}”，{hint_zh}可用：{', '.join(val)}",
                   f"unknown rule kind '{err.instance}'{hint_en}", False)
        else:
            yield (), f"取值“{err.instance}”无效，应为：{'、'.join(map(str, val))}", f"'{err.instance}' is not one of {val}", False
    elif v == "const":
        yield (), f"取值应为“{val}”", f"must be '{val}'", False
    elif v == "minimum":
        yield (), f"不得小于{num(D(val))}", f"must be at least {val}", False
    elif v == "exclusiveMinimum":
        yield (), f"应大于{num(D(val))}", f"must be above {val}", False
    elif v == "maximum":
        yield (), f"不得大于{num(D(val))}", f"must be at most {val}", False
    elif v == "pattern":
        if val.startswith("^[a-z][a-z0-9_]"):
            yield (), f"名称“{err.instance}”格式不正确：小写字母开头，只含小写字母、数字和下划线", "invalid name", False
        else:
            yield (), f"代码“{err.instance}”格式不正确：字母开头，只含字母、数字、- 和 _", "invalid code", False
    elif v in ("minProperties", "maxProperties") and err.absolute_path and err.absolute_path[-1] == "gate":
        yield ((), "gate 应写且只写一项：above（高于，不含）或 at_least（达到，含）",
               "gate takes exactly one of above (strictly) or at_least (inclusive)", False)
    elif v == "minProperties" and err.absolute_path and err.absolute_path[-1] == "applies_to":
        yield ((), "applies_to 至少写一项：groups（适用的排名分组）或 tags（适用的单位标签）",
               "applies_to needs groups or tags", False)
    elif v == "minItems":
        yield (), f"至少需要{val}项", f"needs at least {val} item(s)", False
    elif v == "minLength":
        yield (), "不能为空", "must not be empty", False
    else:
        yield (), f"不符合格式要求：{err.message}", err.message, False


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def _is_num(value: Any) -> bool:
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


# ---------------------------------------------------------------------------- building


def _opt(raw: dict, key: str) -> Decimal | None:
    return D(raw[key]) if raw.get(key) is not None else None


def _indicator(raw: dict) -> Indicator:
    inputs = tuple(
        InputSpec(
            name=i["name"], label=i["label"], type=i["type"], unit=i.get("unit", ""),
            min=_opt(i, "min"), max=_opt(i, "max"), required=i.get("required", True),
            phrases=tuple(i.get("phrases", ())), help=i.get("help", ""),
        )
        for i in raw.get("inputs", [])
    )
    computed = tuple(
        ComputedFigure(
            name=c["name"], label=c["label"], op=c["op"], of=tuple(c["of"]), unit=c.get("unit", ""),
            scale=D(c.get("scale", 1)), on_zero=D(c.get("on_zero", 0)), places=c.get("places", 2),
        )
        for c in raw.get("computed", [])
    )
    evidence = tuple(
        EvidenceSpec(e["title"], e.get("required", False), tuple(e.get("kinds", ()))) for e in raw.get("evidence", [])
    )
    applies = raw.get("applies_to")
    return Indicator(
        code=raw["code"], title=raw["title"], points=D(raw["points"]),
        rule=RULES[raw["rule"]["kind"]].from_raw(raw["rule"]),
        standard=raw.get("standard", ""), guidance=raw.get("guidance", ""),
        inputs=inputs, computed=computed, evidence=evidence, allow_na=raw.get("allow_na", False),
        applies_to=AppliesTo(tuple(applies.get("groups", ())), tuple(applies.get("tags", ()))) if applies else None,
    )


def _bonus(raw: dict) -> BonusSection:
    gate = raw.get("gate") or {"at_least": raw.get("min_base", 0)}
    (how, value), = gate.items()
    return BonusSection(D(raw["cap"]), tuple(_indicator(i) for i in raw["indicators"]), D(value), strict=how == "above")


def _build(d: dict) -> Rubric:
    grades = tuple(GradeBand(g["label"], D(g["above"] if "above" in g else g["min"]), _opt(g, "max_share"), "above" in g)
                   for g in d["grades"])
    late = d.get("late_submission")
    bonus = d.get("bonus")
    return Rubric(
        code=d["code"], name=d["name"], office=d["office"], year=d["year"], version=d["version"],
        total=D(d["total"]),
        areas=tuple(Area(a["code"], a["title"], tuple(_indicator(i) for i in a["indicators"])) for a in d["areas"]),
        grades=grades,
        veto_grade=d.get("veto_grade", grades[-1].label),
        description=d.get("description", ""),
        share_rounding=d.get("share_rounding", "floor"),
        tie_break=tuple(d.get("tie_break", ())),
        late_submission=LateSubmission(D(late.get("fixed", 0)), D(late.get("per_day", 0)), D(late["max"])) if late else None,
        bonus=_bonus(bonus) if bonus else None,
        vetoes=tuple(_indicator(i) for i in d.get("veto", {}).get("indicators", ())),
        veto_zeroes_total=d.get("veto_zeroes_total", False),
        major=(MajorSection(tuple(_indicator(i) for i in d["major_deductions"]["indicators"]),
                            _opt(d["major_deductions"], "cap")) if d.get("major_deductions") else None),
        veto_ends_scoring=d.get("veto", {}).get("ends_scoring", False),
    )


# ---------------------------------------------------------------------------- dumping


def _indicator_raw(ind: Indicator) -> dict:
    out: dict[str, Any] = {"code": ind.code, "title": ind.title, "points": ind.points}
    if ind.standard:
        out["standard"] = ind.standard
    if ind.guidance:
        out["guidance"] = ind.guidance
    if ind.inputs:
        out["inputs"] = []
        for i in ind.inputs:
            item: dict[str, Any] = {"name": i.name, "label": i.label, "type": i.type}
            if i.unit:
                item["unit"] = i.unit
            if i.min is not None:
                item["min"] = i.min
            if i.max is not None:
                item["max"] = i.max
            if not i.required:
                item["required"] = False
            if i.phrases:
                item["phrases"] = list(i.phrases)
            if i.help:
                item["help"] = i.help
            out["inputs"].append(item)
    if ind.computed:
        out["computed"] = [
            {"name": c.name, "label": c.label, "op": c.op, "of": list(c.of), "unit": c.unit,
             "scale": c.scale, "on_zero": c.on_zero, "places": c.places}
            for c in ind.computed
        ]
    if ind.evidence:
        out["evidence"] = [{"title": e.title, "required": e.required, "kinds": list(e.kinds)} for e in ind.evidence]
    out["rule"] = RULES[ind.rule.kind].to_raw(ind.rule)
    if ind.allow_na:
        out["allow_na"] = True
    if ind.applies_to is not None:
        out["applies_to"] = {k: list(v) for k, v in (("groups", ind.applies_to.groups), ("tags", ind.applies_to.tags)) if v}
    return out


def dump_rubric(rubric: Rubric) -> str:
    """YAML text of ``rubric`` such that ``load_rubric(dump_rubric(r)) == r``."""
    d: dict[str, Any] = {
        "format": "assess-rubric/1", "code": rubric.code, "name": rubric.name, "office": rubric.office,
        "year": rubric.year, "version": rubric.version,
    }
    if rubric.description:
        d["description"] = rubric.description
    d["total"] = rubric.total
    d["grades"] = []
    for g in rubric.grades:
        band: dict[str, Any] = {"label": g.label, ("above" if g.strict else "min"): g.min}
        if g.max_share is not None:
            band["max_share"] = g.max_share
        d["grades"].append(band)
    d["veto_grade"] = rubric.veto_grade
    if rubric.veto_zeroes_total:
        d["veto_zeroes_total"] = True
    d["share_rounding"] = rubric.share_rounding
    if rubric.tie_break:
        d["tie_break"] = list(rubric.tie_break)
    if rubric.late_submission:
        ls = rubric.late_submission
        d["late_submission"] = {"fixed": ls.fixed, "per_day": ls.per_day, "max": ls.max}
    d["areas"] = [{"code": a.code, "title": a.title, "indicators": [_indicator_raw(i) for i in a.indicators]}
                  for a in rubric.areas]
    if rubric.bonus:
        gate = {"gate": {"above": rubric.bonus.min_base}} if rubric.bonus.strict else {"min_base": rubric.bonus.min_base}
        d["bonus"] = {"cap": rubric.bonus.cap, **gate, "indicators": [_indicator_raw(i) for i in rubric.bonus.indicators]}
    if rubric.vetoes:
        d["veto"] = {**({"ends_scoring": True} if rubric.veto_ends_scoring else {}),
                     "indicators": [_indicator_raw(i) for i in rubric.vetoes]}
    if rubric.major:
        d["major_deductions"] = {**({"cap": rubric.major.cap} if rubric.major.cap is not None else {}),
                                 "indicators": [_indicator_raw(i) for i in rubric.major.indicators]}
    return dump(d)
