"""YAML ↔ plain data with exact numbers, remembering the line of every node.

``yaml.safe_load`` forgets where things were and turns ``0.1`` into a float. Here the node tree is
composed first; each scalar is built from its text (floats become ``Decimal(text)``, never a float)
and the line of each path is kept, so every problem can say ``file:line``.

The one YAML reader and writer of rubrics: the engine's loader (:mod:`.loader`) and the rubric editor
(:mod:`assess.rubrics.editor`) both read with :func:`parse` / :func:`load` and write with :func:`dump`.

Guarded against hostile files (an upload, the CLI and the editor all come through here): anchors and
aliases are refused at the first one the composer meets — so a "billion laughs" file is refused before
any expansion is built — nesting deeper than :data:`MAX_DEPTH` is refused before the composer recurses
(no RecursionError), and text longer than :data:`MAX_CHARS` is refused before it is parsed. Each refusal
is a :class:`Refused`, a ``yaml.MarkedYAMLError`` that says the line.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

Path = tuple[str | int, ...]

MAX_DEPTH = 32  # a rubric nests about 9 levels deep (areas → indicators → rule → …)
MAX_CHARS = 1024 * 1024  # twice the upload limit; the CLI reads files of any size

_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_INT = "tag:yaml.org,2002:int"
_STR = "tag:yaml.org,2002:str"


class Parsed:
    """Data plus ``lines[path]`` (value line) and ``key_lines[path]`` (line of the mapping key)."""

    def __init__(self) -> None:
        self.data: Any = None
        self.lines: dict[Path, int] = {}
        self.key_lines: dict[Path, int] = {}
        self.problems: list[tuple[int, Path, str, str]] = []  # (line, path, zh, en)

    def line(self, path: Path, *, key: bool = False) -> int | None:
        """Line of ``path``, or of its nearest ancestor that exists."""
        p = tuple(path)
        if key and p in self.key_lines:
            return self.key_lines[p]
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), 1)


def dotted(path: Path) -> str:
    """``("areas", 2, "indicators", 0)`` → ``areas[2].indicators[0]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class Refused(yaml.MarkedYAMLError):
    """A file refused before it is built: anchors/aliases, too deep, too long. ``zh``/``en`` say why."""

    def __init__(self, mark: yaml.Mark | None, zh: str, en: str) -> None:
        super().__init__(problem=en, problem_mark=mark)
        self.zh = zh
        self.en = en

    @property
    def line(self) -> int | None:
        return self.problem_mark.line + 1 if self.problem_mark is not None else None


class _GuardedLoader(yaml.SafeLoader):
    """SafeLoader whose composer refuses anchors, aliases and deep nesting before building a node."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise Refused(event.start_mark, "不支持 YAML 锚点与别名（& 与 *），请把内容直接写出",
                          "YAML anchors and aliases (& and *) are not supported: write the content out")
        if self._depth >= MAX_DEPTH:
            raise Refused(event.start_mark, f"嵌套超过{MAX_DEPTH}层，文件结构不对",
                          f"nested deeper than {MAX_DEPTH} levels")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def compose(text: str) -> yaml.Node | None:
    """The node tree of ``text`` through the guard (see the module docstring); raises ``yaml.YAMLError``."""
    if len(text) > MAX_CHARS:
        raise Refused(None, f"文件过长（上限{MAX_CHARS // 1024} KB）", f"the file is too long (limit {MAX_CHARS // 1024} KB)")
    loader = _GuardedLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def parse(text: str) -> Parsed:
    """Compose ``text`` into data; raises ``yaml.YAMLError`` on a syntax error, :class:`Refused` on a
    file refused by the guard."""
    result = Parsed()
    node = compose(text)
    if node is None:
        result.problems.append((1, (), "文件为空", "the file is empty"))
        return result
    constructor = yaml.SafeLoader("")
    result.data = _build(node, (), result, constructor)
    return result


def _build(node: yaml.Node, path: Path, out: Parsed, constructor: yaml.SafeLoader) -> Any:
    out.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                out.problems.append((key_node.start_mark.line + 1, path, "键必须是简单文字", "keys must be plain scalars"))
                continue
            if key_node.tag == "tag:yaml.org,2002:merge":
                out.problems.append((key_node.start_mark.line + 1, path, "不支持 YAML 合并键 <<", "merge keys are not supported"))
                continue
            key = str(key_node.value)
            sub = path + (key,)
            if key in mapping:
                first = out.key_lines.get(sub)
                out.problems.append((key_node.start_mark.line + 1, sub, f"字段“{key}”重复出现（第{first}行已有）",
                                     f"duplicate key '{key}' (also on line {first})"))
                continue
            out.key_lines[sub] = key_node.start_mark.line + 1
            mapping[key] = _build(value_node, sub, out, constructor)
        return mapping
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (n,), out, constructor) for n, item in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    if node.tag == _FLOAT:
        text = node.value.replace("_", "")
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            out.problems.append((node.start_mark.line + 1, path, f"数值“{node.value}”无效", f"invalid number '{node.value}'"))
            return None
        return value
    if node.tag == _STR:
        return node.value
    if node.tag == _TIMESTAMP:
        return node.value  # rubric files hold no datetimes; "2026-00-00" must not crash the loader
    try:
        value = constructor.construct_object(node, deep=True)
    except (ValueError, OverflowError, yaml.YAMLError):
        out.problems.append((node.start_mark.line + 1, path, f"值“{node.value}”无效", f"invalid value '{node.value}'"))
        return None
    if node.tag == _INT:
        return int(value)
    if not isinstance(value, (bool, int, str)) and value is not None:
        return str(node.value)  # dates and other YAML types are kept as the text written
    return value


def load(text: str) -> Any:
    """Plain data of ``text`` (floats as Decimal), or None for an empty document.

    Raises ``yaml.YAMLError`` on a syntax error, and ``ValueError`` naming the line and the first problem
    :func:`parse` found (a duplicate key, a merge key, an invalid number).
    """
    parsed = parse(text)
    if parsed.data is None and not parsed.lines:  # an empty document: nothing, as yaml.safe_load says
        return None
    if parsed.problems:
        line, _path, zh, _en = parsed.problems[0]
        raise ValueError(f"第{line}行：{zh}")
    return parsed.data


# ---------------------------------------------------------------------------- dumping


class _Dumper(yaml.SafeDumper):
    pass


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    if value == value.to_integral_value():
        return dumper.represent_int(int(value))
    return dumper.represent_scalar("tag:yaml.org,2002:float", format(value.normalize(), "f"))


_Dumper.add_representer(Decimal, _represent_decimal)


def dump(data: Any, *, flow: bool | None = False) -> str:
    """YAML text of plain data, Decimals written as the numbers they are (what :func:`parse` reads back)."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100,
                     default_flow_style=flow)
