"""Structure rules a newcomer can rely on, checked on the source (no app, no database).

- Role sets are named once, in ``assess/tenancy/roles.py``: no other module lists two or more roles
  together (a tuple/list/set literal, or a call such as ``roles_required(Role.A, Role.B)``), nor builds
  one from the whole enum (``tuple(Role)``). Checks of one role (``user.role == Role.REVIEWER``,
  ``(Role.OFFICE_ADMIN,)``) are fine.
- The API (``assess/api``) imports no ``routes`` module: access rules it shares with the pages live in each
  capability's ``access.py``, downloads in public service functions.
- No capability (the API included) uses another capability's private (``_x``) name.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "assess"
ROLES_MODULE = PACKAGE / "tenancy" / "roles.py"


def _is_role_member(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Role"


def role_sets_in(source: str) -> list[int]:
    """Line numbers where ``source`` groups two or more roles itself."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            members = node.elts
        elif isinstance(node, ast.Call):
            members = node.args
            func = node.func
            if (isinstance(func, ast.Name) and func.id in {"tuple", "list", "set", "frozenset", "sorted"}
                    and len(node.args) == 1 and isinstance(node.args[0], ast.Name) and node.args[0].id == "Role"):
                lines.append(node.lineno)
                continue
        else:
            continue
        if sum(_is_role_member(m) for m in members) >= 2:
            lines.append(node.lineno)
    return lines


def _modules(root: Path):
    for path in sorted(root.rglob("*.py")):
        yield path, path.read_text(encoding="utf-8")


@pytest.mark.parametrize("source, expected", [
    ("X = (Role.OFFICE_ADMIN, Role.REVIEWER)", [1]),
    ("def f(u):\n    return u.role in {Role.DEPT_ADMIN, Role.DEPT_EDITOR}", [2]),
    ("@roles_required(Role.OFFICE_ADMIN, Role.VIEWER)\ndef v(): pass", [1]),
    ("q.where(User.role.in_([Role.OFFICE_ADMIN, Role.PLATFORM_ADMIN]))", [1]),
    ("ALL = tuple(Role)", [1]),
    ("X = frozenset((Role.VIEWER, Role.REVIEWER))", [1]),
    # one role at a time is not a set
    ("@roles_required(Role.OFFICE_ADMIN)\ndef v(): pass", []),
    ("NAV = [('a', 'b', (Role.PLATFORM_ADMIN,)), ('c', 'd', (Role.OFFICE_ADMIN,))]", []),
    ("ok = user.role == Role.REVIEWER or user.role is Role.VIEWER", []),
    ("create(role=Role.OFFICE_ADMIN, other=Role.VIEWER)", []),
])
def test_role_set_detector(source, expected):
    assert role_sets_in(source) == expected


def test_role_sets_are_defined_only_in_tenancy_roles():
    offenders = [f"{path.relative_to(PACKAGE.parent)}:{line}"
                 for path, source in _modules(PACKAGE) if path != ROLES_MODULE
                 for line in role_sets_in(source)]
    assert offenders == [], "name the set in assess/tenancy/roles.py and import it: " + ", ".join(offenders)


def routes_imports_in(source: str, module: str) -> list[str]:
    """The ``routes`` modules (and ``routes`` names) that ``source``, the module ``module``, imports."""
    package = module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if "routes" in a.name.split(".")]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[:len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            if "routes" in base.split("."):
                found.append(base)
            found += [f"{base}.{a.name}" for a in node.names if a.name == "routes"]
    return found


@pytest.mark.parametrize("source, expected", [
    ("from ...rectification.routes import _load_item", ["assess.rectification.routes"]),
    ("def f():\n    from ...documents.routes import download", ["assess.documents.routes"]),
    ("from ... import ranking\nfrom ...evidence import routes", ["assess.evidence.routes"]),
    ("import assess.review.routes as r", ["assess.review.routes"]),
    ("from ...rectification.access import load_item\nfrom ..v1 import roles", []),
])
def test_routes_import_detector(source, expected):
    assert routes_imports_in(source, "assess.api.resources.x") == expected


def test_api_imports_no_routes_module():
    """The API shares access rules through ``<capability>/access.py``, never through the HTML pages."""
    offenders = []
    for path, source in _modules(PACKAGE / "api"):
        if path.name == "routes.py":  # the API package's own token pages (a blueprint, not borrowed)
            continue
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        offenders += [f"{path.relative_to(PACKAGE.parent)}: {m}" for m in routes_imports_in(source, module)]
    assert offenders == []


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` in ``module`` reads from."""
    if not node.level:
        return node.module or ""
    parts = module.split(".")[:-node.level]
    return ".".join(parts + ([node.module] if node.module else []))


def _capability(module: str) -> str:
    """``assess.review.scoring`` → ``assess.review``: the package a module belongs to."""
    return ".".join(module.split(".")[:2])


def borrowings_across_capabilities(source: str, module: str) -> list[str]:
    """Private names ``module`` takes from another capability's modules (inside a capability they are its
    own business)."""
    tree = ast.parse(source)
    own = _capability(module)
    foreign: set[str] = set()  # local names bound to another capability's modules
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = _resolve(module, node)
        if base.split(".")[0] != "assess":
            continue
        for a in node.names:
            origin = f"{base}.{a.name}" if base.count(".") < 1 else base
            if _capability(origin) == own:
                continue
            if a.name.startswith("_") and not a.name.startswith("__"):
                found.append(f"{base}.{a.name}")
            foreign.add(a.asname or a.name)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in foreign
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            found.append(f"{node.value.id}.{node.attr}")
    return found


@pytest.mark.parametrize("source, module, expected", [
    ("from ..selfassessment import services as s\ns._touch(x)", "assess.imports.services", ["s._touch"]),
    ("from ..review.base import _load\n", "assess.ranking.services", ["assess.review.base._load"]),
    ("from .base import _load\nfrom . import scoring\nscoring._x()", "assess.review.results", []),
    ("from .. import review\nreview._x", "assess.ranking.services", ["review._x"]),
    ("from ..selfassessment import services\nservices.save_answer()", "assess.imports.services", []),
    ("from ...review.routes import _can_see_results", "assess.api.resources.review",
     ["assess.review.routes._can_see_results"]),
    ("from flask import g\ng._login_user = u", "assess.core.routes", []),  # Flask-Login's slot, not ours
])
def test_cross_capability_borrowing_detector(source, module, expected):
    assert borrowings_across_capabilities(source, module) == expected


def test_no_capability_uses_another_capabilitys_private_name():
    """What one capability offers another is public and named; a leading underscore means "mine"."""
    offenders = []
    for path, source in _modules(PACKAGE):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if path.name == "__init__.py":
            module += ".__init__"
        offenders += [f"{path.relative_to(PACKAGE.parent)}: {n}" for n in borrowings_across_capabilities(source, module)]
    assert offenders == []
