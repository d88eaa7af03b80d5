"""Rubric → FigureSpec/AreaSpec, from the rubric engine's objects or straight from the YAML file.

``specs_from_rubric`` reads any object shaped like ``assess.scoring.Rubric`` (areas with ``code``,
``title``, ``indicators``; indicators with ``code`` and ``inputs`` having ``name``, ``label``,
``unit``, ``phrases``, ``type``) by attribute, so this package never imports the engine.
"""

from __future__ import annotations

from typing import Any

from assess.extraction.summary import AreaSpec, FigureSpec, area_specs_with_defaults

NON_FIGURE_TYPES = {"boolean", "text"}


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def specs_from_rubric(rubric: Any) -> tuple[list[FigureSpec], list[AreaSpec]]:
    """Figure specs (numeric inputs with phrases) and area specs of a loaded rubric or its raw dict."""
    figures: list[FigureSpec] = []
    areas: list[AreaSpec] = []
    for area in _get(rubric, "areas", ()) or ():
        codes = []
        for indicator in _get(area, "indicators", ()) or ():
            code = str(_get(indicator, "code", ""))
            codes.append(code)
            for spec in _get(indicator, "inputs", ()) or ():
                phrases = [str(p) for p in (_get(spec, "phrases", ()) or ())]
                if not phrases or _get(spec, "type", "integer") in NON_FIGURE_TYPES:
                    continue
                name = str(_get(spec, "name", ""))
                unit = str(_get(spec, "unit", "") or "")
                if _get(spec, "type") == "rate" and not unit:
                    unit = "%"
                figures.append(FigureSpec(code, name, str(_get(spec, "label", name) or name), unit,
                                          phrases, title=str(_get(indicator, "title", "") or "")))
        areas.append(AreaSpec(str(_get(area, "code", "")), str(_get(area, "title", "")),
                              [str(k) for k in (_get(area, "keywords", ()) or ())], codes))
    return figures, area_specs_with_defaults(areas)


def load_specs(text: str, filename: str) -> tuple[list[FigureSpec], list[AreaSpec]]:
    """Specs from a rubric file: through ``assess.scoring.load_rubric`` when it is importable,
    otherwise (or if the engine rejects a partial file) straight from the YAML."""
    try:
        from assess.scoring import load_rubric  # type: ignore[attr-defined]
    except ImportError:
        load_rubric = None
    if load_rubric is not None:
        try:
            return specs_from_rubric(load_rubric(text, filename))
        except Exception:  # noqa: BLE001 — a rubric the engine refuses may still name phrases
            pass
    try:  # the guarded reader: a file the engine refused for aliases or depth must not be expanded here
        from assess.scoring import yamlnodes

        data = yamlnodes.parse(text).data
    except ImportError:
        import yaml

        data = yaml.safe_load(text)
    return specs_from_rubric(data or {})
