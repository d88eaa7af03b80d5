"""The capability packages (``assess/<package>/``) depend on each other without a cycle.

Every ``import`` counts, also those inside functions: a lazy import hides a cycle from Python, not from a
reader who has to know which package may be changed without the other. The edges are read from the source
(no import is executed), so the test is fast and names the lines that close a cycle.
"""
from __future__ import annotations

import ast
from pathlib import Path

ASSESS = Path(__file__).resolve().parent.parent / "assess"
PACKAGES = sorted(p.name for p in ASSESS.iterdir() if (p / "__init__.py").is_file())


def _imported_packages(path: Path, package: str) -> dict[str, list[str]]:
    """{other package: [file:line, ...]} for every import of another ``assess`` package in ``path``."""
    parts = ["assess", *path.relative_to(ASSESS).with_suffix("").parts]
    here = parts[:-1]  # the package a relative import starts from (also for __init__.py)
    found: dict[str, list[str]] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[list[str]] = []
        if isinstance(node, ast.ImportFrom):
            base = (here[:len(here) - node.level + 1] if node.level else [])
            full = base + (node.module.split(".") if node.module else [])
            targets = [full + [a.name] for a in node.names] if full == ["assess"] else [full]
        elif isinstance(node, ast.Import):
            targets = [a.name.split(".") for a in node.names]
        for t in targets:
            if len(t) > 1 and t[0] == "assess" and t[1] in PACKAGES and t[1] != package:
                found.setdefault(t[1], []).append(f"{path.relative_to(ASSESS.parent)}:{node.lineno}")
    return found


def import_graph() -> dict[str, dict[str, list[str]]]:
    graph: dict[str, dict[str, list[str]]] = {p: {} for p in PACKAGES}
    for package in PACKAGES:
        for path in sorted((ASSESS / package).rglob("*.py")):
            for other, where in _imported_packages(path, package).items():
                graph[package].setdefault(other, []).extend(where)
    return graph


def _cycle_from(graph: dict[str, dict[str, list[str]]], start: str) -> list[str] | None:
    """A shortest path start → … → start, if there is one (breadth-first)."""
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node]):
            if nxt == start:
                return paths[node] + [start]
            if nxt not in paths:
                paths[nxt] = paths[node] + [nxt]
                queue.append(nxt)
    return None


def test_the_reader_finds_edges_of_every_kind():
    graph = import_graph()
    assert "models" in graph["campaigns"]  # from ..models import …
    assert "campaigns" in graph["demo"]  # from ..campaigns import services
    assert all(p not in graph[p] for p in PACKAGES)  # imports inside a package are not edges


def test_no_cycle_between_capability_packages():
    graph = import_graph()
    cycles = {}
    for package in PACKAGES:
        cycle = _cycle_from(graph, package)
        if cycle and frozenset(cycle) not in cycles:
            cycles[frozenset(cycle)] = cycle
    described = [" → ".join(c) + "\n      " + "\n      ".join(
        f"{a} → {b}: {', '.join(graph[a][b][:3])}" for a, b in zip(c, c[1:])) for c in cycles.values()]
    assert not cycles, "import cycles between packages:\n  " + "\n  ".join(described)
