"""Rubric versions in the application: upload, list, the familiar table, browser editing, replay.

Versions are immutable. Every save from the editor stores a NEW version (``parent_id`` = the version it
was edited from), whether or not the base was frozen: a stored version's source never changes, so the
engine's parse cache (keyed by content hash), campaigns and stored results can always rely on it. Only the
``frozen`` flag is ever set on an existing row (by the campaigns capability, when a campaign adopts it).

Services flush, never commit; they raise :class:`RubricsError` (one message, one field) or
:class:`EditError` (messages per editor field) or the engine's :class:`~assess.scoring.RubricError`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

import yaml
from sqlalchemy import func, select

from .. import scoring
from ..audit.services import record
from ..extensions import db
from ..models import Answer, Campaign, IndicatorResult, Rubric, Submission, SubmissionState
from ..scoring.explain import num
from ..scoring.model import Indicator, Problem
from . import store

MAX_UPLOAD_BYTES = 512 * 1024


class RubricsError(ValueError):
    """A refused operation: a user-facing message and the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class EditError(ValueError):
    """The editor's input was refused; ``fields`` maps editor field names to messages ("_" = general)."""

    def __init__(self, fields: dict[str, list[str]], *, latest: int | None = None):
        self.fields = fields
        self.latest = latest  # set when someone saved a newer version meanwhile
        super().__init__("；".join(m for ms in fields.values() for m in ms))


# --------------------------------------------------------------------------- YAML with exact numbers


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Reads YAML floats as Decimal, so 0.1 stays 0.1 on its way through the editor."""


def _float(loader: Any, node: yaml.Node) -> Any:
    text = loader.construct_scalar(node)
    try:
        return Decimal(str(text).replace("_", ""))
    except InvalidOperation:
        return loader.construct_yaml_float(node)


_Loader.add_constructor("tag:yaml.org,2002:float", _float)
# Dates are plain text in a rubric: "0000-00-00" typed into a field must be an error message, not a crash.
_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


class _Dumper(_BaseDumper):  # type: ignore[misc,valid-type]
    pass


def _decimal(dumper: Any, value: Decimal) -> yaml.Node:
    if value == value.to_integral_value():
        return dumper.represent_int(int(value))
    return dumper.represent_scalar("tag:yaml.org,2002:float", format(value.normalize(), "f"))


_Dumper.add_representer(Decimal, _decimal)


def _load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 — a SafeLoader subclass


def _dump_yaml(data: Any, *, flow: bool | None = False) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100,
                     default_flow_style=flow)


# --------------------------------------------------------------------------- storing versions


def shipped_files() -> list[tuple[str, str]]:
    """(file name, rubric name) of the rubrics shipped in ``scoring_rules/``."""
    out = []
    for path in sorted(store.SHIPPED.glob("*.yaml")):
        try:
            out.append((path.name, scoring.load_rubric(path.read_text(encoding="utf-8"), path.name).name))
        except scoring.RubricError:  # pragma: no cover — shipped files are checked by their own tests
            continue
    return out


def _refuse_duplicate(office_id: int, source: str) -> None:
    import hashlib

    sha = hashlib.sha256(source.encode()).hexdigest()
    same = db.session.scalars(select(Rubric).where(Rubric.office_id == office_id, Rubric.sha256 == sha)).first()
    if same is not None:
        raise RubricsError(f"内容与已存的“{same.name}”第{same.version}版完全相同，未重复保存。", "file")


def upload(office_id: int, data: bytes, filename: str, *, actor=None) -> Rubric:
    """Store an uploaded YAML file as the next version of its family (raises RubricError with every problem)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise RubricsError(f"文件过大（上限{MAX_UPLOAD_BYTES // 1024} KB）。", "file")
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RubricsError("文件不是 UTF-8 编码的文本，请另存为 UTF-8 后重新上传。", "file") from None
    if not source.strip():
        raise RubricsError("文件是空的。", "file")
    _refuse_duplicate(office_id, source)
    # store_rubric parses first and raises RubricError (every problem) before anything is written
    return store.store_rubric(office_id, source, filename=filename or "rubric.yaml", actor=actor)


def add_shipped(office_id: int, name: str, *, actor=None) -> Rubric:
    names = [n for n, _ in shipped_files()]
    if name not in names:
        raise RubricsError("请选择平台提供的考核细则。", "name")
    source = store.shipped_source(name)
    _refuse_duplicate(office_id, source)
    return store.store_rubric(office_id, source, filename=name, actor=actor)


@dataclass
class VersionInfo:
    row: Rubric
    campaigns: list[Campaign]
    file_version: int  # the ``version:`` written inside the YAML


@dataclass
class Family:
    family: str
    name: str
    versions: list[VersionInfo]  # newest first


def families(office_id: int) -> list[Family]:
    """Every rubric family of the office with its versions (newest first) and the campaigns using each."""
    rows = db.session.scalars(select(Rubric).where(Rubric.office_id == office_id)
                              .order_by(Rubric.family, Rubric.version.desc())).all()
    used: dict[int, list[Campaign]] = {}
    for c in db.session.scalars(select(Campaign).where(Campaign.office_id == office_id).order_by(Campaign.year.desc(),
                                                                                              Campaign.id)):
        used.setdefault(c.rubric_id, []).append(c)
    out: dict[str, Family] = {}
    for r in rows:
        fam = out.setdefault(r.family, Family(r.family, r.name, []))
        fam.versions.append(VersionInfo(r, used.get(r.id, []), file_version(r)))
    return list(out.values())


def file_version(row: Rubric) -> int:
    """The ``version:`` written in the stored YAML (read from the text; parsing every version would be slow)."""
    import re

    m = re.search(r"^version:\s*(\d+)\s*(?:#.*)?$", row.source, re.M)
    return int(m.group(1)) if m else row.version


def campaigns_using(row: Rubric) -> list[Campaign]:
    return list(db.session.scalars(select(Campaign).where(Campaign.office_id == row.office_id,
                                                          Campaign.rubric_id == row.id).order_by(Campaign.id)))


def download_name(row: Rubric) -> str:
    return f"{row.family}-v{row.version}.yaml"


# --------------------------------------------------------------------------- the familiar table


def _fig(ind: Indicator, name: str) -> tuple[str, str]:
    return ind.figure_label(name)


def _range(lo: Decimal, hi: Decimal | None, unit: str, integer: bool) -> str:
    if hi is None:
        return f"{num(lo)}{unit}及以上"
    if integer:
        last = hi - 1
        return f"{num(lo)}{unit}" if last == lo else f"{num(lo)}至{num(last)}{unit}"
    if lo == 0:
        return f"低于{num(hi)}{unit}"
    return f"{num(lo)}{unit}（含）至{num(hi)}{unit}（不含）"


def describe_rule(ind: Indicator, rubric: scoring.Rubric | None = None) -> str:
    """The scoring rule in words, as an office writes it in its 评分标准 column."""
    r = ind.rule
    kind = r.kind
    if kind == "boolean":
        label, _ = _fig(ind, r.figure)
        return f"{label}的，得{num(ind.points)}分；否则不得分。"
    if kind == "checklist":
        parts = "、".join(f"{_fig(ind, i.figure)[0]}{num(i.points)}分" for i in r.items)
        total = sum((i.points for i in r.items), Decimal(0))
        cap = f"，合计最高{num(ind.points)}分" if total > ind.points else ""
        return f"按项计分：{parts}{cap}。"
    if kind == "tiers":
        label, unit = _fig(ind, r.figure)
        spec = ind.input(r.figure)
        integer = spec is not None and spec.type == "integer"
        tiers = sorted(r.tiers, key=lambda t: t.from_, reverse=True)
        parts = []
        for t in tiers:
            text = _range(t.from_, t.below, unit, integer)
            parts.append(f"{text}得{num(t.points)}分" if t.points else f"{text}不得分")
        return f"按{label}分档：" + "；".join(parts) + "。"
    if kind == "ratio":
        label, unit = _fig(ind, r.figure)
        text = (f"按{label}得分：达到{num(r.target)}{unit}得满分{num(ind.points)}分，"
                f"未达到的按比例得分（{num(ind.points)}×实际值÷{num(r.target)}）")
        if r.zero_below is not None:
            text += f"；低于{num(r.zero_below)}{unit}不得分"
        return text + "。"
    if kind == "deduction":
        parts = []
        for i in r.items:
            label, unit = _fig(ind, i.figure)
            parts.append(f"每发现{'一' + unit if unit else '一处'}{i.label or label}扣{num(i.per)}分")
        tail = "扣完为止" if r.floor == "indicator" else "扣分可超出本项分值，但本领域最低为0分"
        return "，".join(parts) + f"，{tail}。"
    if kind == "judgement":
        hi = r.max if r.max is not None else ind.points
        default = r.default if r.default is not None else hi
        return (f"评审人员在{num(r.min)}至{num(hi)}分之间评定，步长{num(r.step)}分"
                f"（评定前暂按{num(default)}分计）。")
    if kind == "late":
        label, unit = _fig(ind, r.figure)
        cap = r.max if r.max is not None else ind.points
        parts = []
        if r.fixed:
            parts.append(f"逾期扣{num(r.fixed)}分")
        if r.per_day:
            parts.append(f"每逾期1{unit or '天'}{'再' if r.fixed else ''}扣{num(r.per_day)}分")
        return f"按时完成得{num(ind.points)}分；" + "，".join(parts) + f"，最多扣{num(cap)}分。"
    if kind == "count":
        label, unit = _fig(ind, r.figure)
        return f"{label}每{unit or '项'}得{num(r.per)}分，最多{num(ind.points)}分。"
    if kind == "veto":
        label, _ = _fig(ind, r.figure)
        grade = f"，等次为{rubric.veto_grade}" if rubric is not None else ""
        return f"出现“{label}”情形的，一票否决{grade}。"
    return ""  # pragma: no cover — every kind of the registry is described above


def describe_computed(ind: Indicator) -> list[str]:
    out = []
    for c in ind.computed:
        names = [_fig(ind, n)[0] for n in c.of]
        if c.op == "ratio":
            scale = f"×{num(c.scale)}" if c.scale != 1 else ""
            out.append(f"{c.label}＝{names[0]}÷{names[1]}{scale}（{names[1]}为0时按{num(c.on_zero)}{c.unit}计）")
        elif c.op == "sum":
            out.append(f"{c.label}＝{'＋'.join(names)}")
        else:
            out.append(f"{c.label}＝{names[0]}－{names[1]}")
    return out


_TYPE = {"integer": "整数", "decimal": "数值", "rate": "百分比", "boolean": "是/否", "text": "文字"}
_KINDS = {"document": "文件", "screenshot": "截图", "link": "链接", "photo": "照片", "table": "表格", "other": "其他"}


def _reports(ind: Indicator) -> list[str]:
    out = []
    for i in ind.inputs:
        unit = f"，单位：{i.unit}" if i.unit else ""
        opt = "" if i.required else "，选填"
        out.append(f"{i.label}（{_TYPE.get(i.type, i.type)}{unit}{opt}）")
    return out


def _evidence(ind: Indicator) -> list[str]:
    out = []
    for e in ind.evidence:
        kinds = "、".join(_KINDS.get(k, k) for k in e.kinds)
        out.append(f"{e.title}{'（必附）' if e.required else ''}{('：' + kinds) if kinds else ''}")
    return out


@dataclass
class TableRow:
    number: str  # 序号
    code: str
    title: str
    points: Decimal
    standard: str
    rule: str
    kind: str
    reports: list[str]
    computed: list[str]
    evidence: list[str]
    guidance: str


@dataclass
class TableSection:
    code: str
    title: str
    points: Decimal
    rows: list[TableRow]


@dataclass
class RubricTable:
    rubric: scoring.Rubric
    sections: list[TableSection]
    bonus: TableSection | None
    bonus_cap: Decimal | None
    bonus_min_base: Decimal
    vetoes: TableSection | None
    grades: list[str]
    tie_break: str
    late: str


_CN_NUM = "一二三四五六七八九十"


def _cn(n: int) -> str:
    if n <= 10:
        return _CN_NUM[n - 1]
    if n < 20:
        return "十" + _CN_NUM[n - 11]
    return str(n)


def _row(number: str, ind: Indicator, rubric: scoring.Rubric) -> TableRow:
    return TableRow(number, ind.code, ind.title, ind.points, ind.standard, describe_rule(ind, rubric),
                    ind.rule.kind, _reports(ind), describe_computed(ind), _evidence(ind), ind.guidance)


def rubric_table(rubric: scoring.Rubric) -> RubricTable:
    """Plain data for the table 序号、考核内容、分值、评分标准 (plus reporting, evidence, guidance)."""
    sections = []
    for a, area in enumerate(rubric.areas, 1):
        rows = [_row(f"{a}.{i}", ind, rubric) for i, ind in enumerate(area.indicators, 1)]
        sections.append(TableSection(area.code, f"{_cn(a)}、{area.title}", area.points, rows))
    bonus = vetoes = None
    if rubric.bonus and rubric.bonus.indicators:
        bonus = TableSection("bonus", "加分项", rubric.bonus.cap,
                             [_row(f"加{i}", ind, rubric) for i, ind in enumerate(rubric.bonus.indicators, 1)])
    if rubric.vetoes:
        vetoes = TableSection("veto", "一票否决项", Decimal(0),
                              [_row(f"否{i}", ind, rubric) for i, ind in enumerate(rubric.vetoes, 1)])
    grades = []
    for n, g in enumerate(rubric.grades):
        upper = f"，且不超过排名分组的{num(g.max_share)}%" if g.max_share is not None else ""
        grades.append(f"{g.label}：{num(g.min)}分及以上{upper}" if n < len(rubric.grades) - 1
                      else f"{g.label}：低于{num(rubric.grades[n - 1].min)}分" if n else f"{g.label}")
    grades.append(f"触发一票否决的，等次为{rubric.veto_grade}"
                  + ("，总分按0分计" if rubric.veto_zeroes_total else "") + "。")
    titles = {a.code: a.title for a in rubric.areas}
    tie = ("总分相同时依次比较" + "、".join(f"“{titles.get(c, c)}”" for c in rubric.tie_break) + "得分，高者在前；"
           if rubric.tie_break else "总分相同时名次并列；")
    tie += "有否决项的排在其他报送单位之后，未报送的排在最后。"
    late = ""
    if rubric.late_submission:
        ls = rubric.late_submission
        parts = [p for p in (f"扣{num(ls.fixed)}分" if ls.fixed else "",
                             f"每逾期1天扣{num(ls.per_day)}分" if ls.per_day else "") if p]
        late = "自评逾期报送的，" + "，".join(parts) + f"，最多扣{num(ls.max)}分（从总分中扣除）。"
    return RubricTable(rubric, sections, bonus, rubric.bonus.cap if rubric.bonus else None,
                       rubric.bonus.min_base if rubric.bonus else Decimal(0), vetoes, grades, tie, late)


# --------------------------------------------------------------------------- the editor

AREA_FIELDS = ("title",)
IND_FIELDS = ("title", "points", "standard", "guidance", "rule")
META_FIELDS = ("name", "year", "description", "total", "bonus_cap", "grades", "tie_break")


def base_raw(row: Rubric) -> dict:
    """The stored version as a plain mapping (numbers as Decimal), normalised through the engine's dump."""
    return _load_yaml(scoring.dump_rubric(store.engine_rubric(row)))


def _sections(raw: dict) -> list[tuple[str, str, list[dict]]]:
    """(section key, heading, indicators) for areas, bonus and veto, in file order."""
    out = [(a["code"], a["title"], a["indicators"]) for a in raw.get("areas", [])]
    if raw.get("bonus"):
        out.append(("bonus", "加分项", raw["bonus"]["indicators"]))
    if raw.get("veto"):
        out.append(("veto", "一票否决项", raw["veto"]["indicators"]))
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return num(value)
    return str(value)


def editor_values(raw: dict) -> dict[str, str]:
    """Form values (field name → text) of a rubric mapping; field names as read by :func:`apply_form`."""
    v: dict[str, str] = {"name": raw["name"], "year": str(raw["year"]), "description": raw.get("description", ""),
                         "total": _text(raw["total"]),
                         "bonus_cap": _text(raw["bonus"]["cap"]) if raw.get("bonus") else "",
                         "grades": _dump_yaml(raw["grades"], flow=None),
                         "tie_break": "、".join(raw.get("tie_break", []))}
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
            v[f"{c}.rule"] = _dump_yaml(ind["rule"], flow=None)
    return v


@dataclass
class EditorIndicator:
    code: str
    kind: str
    inputs: list[str]


@dataclass
class EditorSection:
    key: str
    heading: str  # for bonus/veto; areas show their editable title
    indicators: list[EditorIndicator]


def editor_layout(raw: dict, values: Mapping[str, str]) -> list[EditorSection]:
    """Sections and indicators in the order the form says (``<section>.order``), falling back to the file's."""
    out = []
    for key, heading, inds in _sections(raw):
        by_code = {i["code"]: i for i in inds}
        order = _order(values.get(f"{key}.order", ""), list(by_code))
        out.append(EditorSection(key, heading, [
            EditorIndicator(c, by_code[c]["rule"].get("kind", ""),
                            [f"{i['name']}（{i['label']}）" for i in by_code[c].get("inputs", [])])
            for c in order]))
    return out


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
        value = Decimal(t)
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
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
        value = _load_yaml(text or "")
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
    import copy

    new = copy.deepcopy(raw)
    errors: dict[str, list[str]] = {}
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
    grades = _yaml_field(values.get("grades", ""), "grades", errors, list)
    if grades is not None:
        new["grades"] = grades
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
            rule = _yaml_field(values.get(f"{c}.rule", ""), f"{c}.rule", errors, dict)
            if rule is not None:
                ind["rule"] = rule
            out.append(ind)
        return out

    for area in new.get("areas", []):
        area["title"] = (values.get(f"{area['code']}.title") or "").strip()
        area["indicators"] = section(area["code"], area["indicators"])
    if new.get("bonus"):
        new["bonus"]["indicators"] = section("bonus", new["bonus"]["indicators"])
    if new.get("veto"):
        new["veto"]["indicators"] = section("veto", new["veto"]["indicators"])
    return new, errors


def field_of(problem_path: str, raw: dict) -> str:
    """The editor field a problem of the engine belongs to (``_`` when it has none)."""
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
    head = re.split(r"[.\[]", problem_path, maxsplit=1)[0]
    return head if head in META_FIELDS else "_"


def _message(p: Problem) -> str:
    return f"{p.message}（{p.path}）" if p.path else p.message


def latest_version(row: Rubric) -> int:
    return db.session.scalar(select(func.max(Rubric.version)).where(Rubric.office_id == row.office_id,
                                                                     Rubric.family == row.family)) or 0


def _changes(old: dict, new: dict) -> list[str]:
    """What an edit changed, in short (for the audit entry): meta keys, area titles, indicator codes, order."""
    out = [k for k in ("name", "year", "description", "total", "grades", "tie_break") if old.get(k) != new.get(k)]
    if (old.get("bonus") or {}).get("cap") != (new.get("bonus") or {}).get("cap"):
        out.append("bonus.cap")
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
    new, errors = apply_form(raw, values)
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
    source = f"# {new['name']}（第{latest + 1}版，由第{base.version}版在线编辑生成）\n" + _dump_yaml(new)
    filename = f"{base.family}-v{latest + 1}.yaml"
    try:  # store_rubric parses first: a RubricError means nothing was written
        row = store.store_rubric(base.office_id, source, filename=filename, actor=actor, parent=base)
    except scoring.RubricError as exc:
        fields: dict[str, list[str]] = {}
        for p in exc.problems:
            fields.setdefault(field_of(p.path, new), []).append(_message(p))
        raise EditError(fields) from None
    record(base.office_id, "rubric.edit", "rubric", row.id, actor=actor,
           old={"rubric_id": base.id, "version": base.version, "frozen": base.frozen},
           new={"version": row.version, "changed": _changes(raw, {**new, "version": raw["version"]})[:200]})
    return row


# --------------------------------------------------------------------------- replay

ZERO = Decimal(0)
CENT = Decimal("0.01")


def replayable_campaigns(office_id: int) -> list[Campaign]:
    """Campaigns of the office that have indicator results (final scores) to replay."""
    has = select(IndicatorResult.campaign_id).where(IndicatorResult.office_id == office_id,
                                                    IndicatorResult.final_score.is_not(None)).distinct()
    return list(db.session.scalars(select(Campaign).where(Campaign.office_id == office_id, Campaign.id.in_(has))
                                   .order_by(Campaign.year.desc(), Campaign.id.desc())))


@dataclass
class ReplayRow:
    department_id: int
    department_name: str
    group_name: str
    submitted: bool
    before_total: Decimal
    after_total: Decimal
    before_rank: int
    after_rank: int
    before_grade: str
    after_grade: str
    moved: list[tuple[str, Decimal | None, Decimal]] = field(default_factory=list)  # code, before, after

    @property
    def changed(self) -> bool:
        return self.before_rank != self.after_rank or self.before_grade != self.after_grade


@dataclass
class Replay:
    campaign: Campaign
    candidate: Rubric
    grades: list[str]  # labels in band order (union of both rubrics)
    before: dict[str, int]
    after: dict[str, int]
    rows: list[ReplayRow]
    removed: list[tuple[str, str]]  # indicators of the campaign's rubric missing from the candidate
    added: list[tuple[str, str]]  # candidate indicators the campaign's rubric did not have
    rescored: list[tuple[str, str]]  # indicators whose points/rule/figures differ
    no_data: dict[str, int]  # candidate code → departments without usable reported figures
    missing: str

    @property
    def changed(self) -> list[ReplayRow]:
        return [r for r in self.rows if r.changed]


def _same_scoring(a: Indicator, b: Indicator) -> bool:
    return (a.points, a.rule, a.inputs, a.computed) == (b.points, b.rule, b.inputs, b.computed)


def _fit(value: Decimal, b: scoring.Bounds) -> Decimal:
    """``value`` moved into ``b``: clamped to min..max, then down onto the step grid."""
    v = min(max(value, b.min), b.max)
    return b.min + ((v - b.min) // b.step) * b.step


def _placeholder(ind: Indicator) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in ind.inputs:
        if not spec.required:
            continue
        if spec.type == "boolean":
            out[spec.name] = False
        elif spec.type == "text":
            out[spec.name] = ""
        else:
            out[spec.name] = spec.effective_min if spec.effective_min is not None else ZERO
    return out


def replay(campaign: Campaign, candidate: Rubric, *, missing: str = "min") -> Replay:
    """What would move if ``campaign`` had been scored with ``candidate``: grades and ranks before and after.

    Before: the campaign's live ranking (:func:`assess.ranking.services.compute_ranking`, final scores).
    After, per department and indicator of the candidate:
      - same points, rule and figures as in the campaign's rubric → the final score stands (reviewers'
        adjustments kept), moved into the candidate's bounds if an area's points changed;
      - a reviewer's-judgement rule → the final score of that code as the judgement, moved into the bounds;
      - otherwise → the candidate's rule applied to the reported figures (``Answer.inputs``);
      - no usable figures (a new indicator, new required figures) → the lowest score (``missing="min"``)
        or full points (``"max"``), counted in ``no_data``.
    Vetoes: the reviewers' veto decisions for veto codes the campaign had; new veto items from the figures.
    Totals by the engine's ``aggregate``; ranks and grades by the engine's ``rank_group`` per ranking group
    (the group snapshot on each submission) — the ranking rule itself is never re-implemented here.
    """
    from ..ranking.services import compute_ranking

    old = store.engine_rubric(campaign.rubric)
    new = store.engine_rubric(candidate)
    office_id = campaign.office_id
    before = {r.department_id: r for r in compute_ranking(campaign)}
    subs = db.session.scalars(select(Submission).where(Submission.office_id == office_id,
                                                       Submission.campaign_id == campaign.id)).all()
    answers: dict[tuple[int, str], dict] = {}
    for a in db.session.scalars(select(Answer).where(Answer.office_id == office_id, Answer.campaign_id == campaign.id)):
        try:
            data = json.loads(a.inputs or "{}")
        except ValueError:
            data = {}
        answers[(a.department_id, a.indicator_code)] = data if isinstance(data, dict) else {}
    results: dict[tuple[int, str], IndicatorResult] = {
        (r.department_id, r.indicator_code): r
        for r in db.session.scalars(select(IndicatorResult).where(IndicatorResult.office_id == office_id,
                                                                  IndicatorResult.campaign_id == campaign.id))}

    no_data: dict[str, int] = {}
    scored: dict[int, tuple[scoring.Totals, dict[str, Decimal], Submission]] = {}
    for sub in subs:
        d = sub.department_id
        inputs: dict[str, dict] = {}
        overrides: dict[str, Decimal] = {}
        judgements: dict[str, Decimal] = {}
        vetoes: list[str] = []
        given_all: dict[str, dict] = {}
        for ind in new.all_indicators():
            known = {s.name for s in ind.inputs}
            given_all[ind.code] = {k: v for k, v in answers.get((d, ind.code), {}).items()
                                   if k in known and v is not None}
        bad = {p.path.split(".", 1)[0] for p in scoring.validate_inputs(new, given_all)}
        for ind in new.all_indicators():
            usable = ind.code not in bad
            inputs[ind.code] = given_all[ind.code] if usable else _placeholder(ind)
            old_ind = old.indicator(ind.code)
            res = results.get((d, ind.code))
            if ind.rule.kind == "veto":
                if old_ind is not None and old_ind.rule.kind == "veto":
                    if res is not None and res.veto:
                        vetoes.append(ind.code)
                    inputs[ind.code] = _placeholder(ind)
                continue
            b = scoring.bounds(new, ind.code)
            final = res.final_score if res is not None else None
            if old_ind is not None and final is not None and _same_scoring(old_ind, ind):
                overrides[ind.code] = _fit(Decimal(final), b)
            elif ind.rule.kind == "judgement":
                if old_ind is not None and final is not None:
                    judgements[ind.code] = _fit(Decimal(final), b)
            elif not usable:
                no_data[ind.code] = no_data.get(ind.code, 0) + 1
                overrides[ind.code] = b.max if missing == "max" else b.min
        submitted = sub.state == SubmissionState.SUBMITTED
        late = int(sub.late_days or 0) if submitted else 0
        try:
            result = scoring.score(new, inputs, judgements=judgements, overrides=overrides, late_days=late)
        except scoring.InputError as exc:  # pragma: no cover — inputs are fitted above; say so if not
            raise RubricsError(f"无法重算{sub.department_name}：" + "；".join(f"{p.path} {p.message}" for p in exc.problems),
                               "rubric_id") from None
        vetoes += [c for c, s in result.indicators.items() if s.triggered and c not in vetoes
                   and (old.indicator(c) is None or old.indicator(c).rule.kind != "veto")]
        per = {c: s.score for c, s in result.indicators.items() if s.kind != "veto"}
        totals = scoring.aggregate(new, per, vetoes=tuple(vetoes), late_days=late)
        scored[d] = (totals, per, sub)

    after: dict[int, scoring.Ranked] = {}
    groups: dict[int, list[int]] = {}
    for d, (_t, _p, sub) in scored.items():
        groups.setdefault(sub.group_id, []).append(d)
    for members in groups.values():
        entries = [scoring.RankEntry(key=str(d), total=scored[d][0].total, area_subtotals=scored[d][0].areas,
                                     submitted=scored[d][2].state == SubmissionState.SUBMITTED,
                                     veto=bool(scored[d][0].veto)) for d in members]
        for ranked in scoring.rank_group(new, entries):
            after[int(ranked.key)] = ranked

    rows = []
    for d, (totals, per, sub) in scored.items():
        b = before.get(d)
        a = after[d]
        moved = []
        for code, score_after in per.items():
            res = results.get((d, code))
            prev = Decimal(res.final_score) if res is not None and res.final_score is not None else None
            if prev is None or prev != score_after:
                if prev is None and new.section_of(code) == "bonus" and score_after == 0:
                    continue
                moved.append((code, prev.quantize(CENT) if prev is not None else None, score_after.quantize(CENT)))
        rows.append(ReplayRow(d, sub.department_name, sub.group_name, a.submitted,
                              b.total if b else ZERO, a.total, b.rank if b else 0, a.rank,
                              b.grade if b else "", a.grade, moved))
    rows.sort(key=lambda r: (r.group_name, r.after_rank, r.department_name))

    labels = [g.label for g in old.grades] + [g.label for g in new.grades if g.label not in {x.label for x in old.grades}]
    dist_before = {g: 0 for g in labels}
    dist_after = {g: 0 for g in labels}
    for r in rows:
        if r.before_grade:
            dist_before[r.before_grade] = dist_before.get(r.before_grade, 0) + 1
        dist_after[r.after_grade] = dist_after.get(r.after_grade, 0) + 1
    old_codes = {i.code: i for i in old.all_indicators()}
    new_codes = {i.code: i for i in new.all_indicators()}
    return Replay(
        campaign=campaign, candidate=candidate, grades=labels, before=dist_before, after=dist_after, rows=rows,
        removed=[(c, i.title) for c, i in old_codes.items() if c not in new_codes],
        added=[(c, i.title) for c, i in new_codes.items() if c not in old_codes],
        rescored=[(c, i.title) for c, i in new_codes.items() if c in old_codes and not _same_scoring(old_codes[c], i)],
        no_data=no_data, missing=missing)
