"""The JSON Schema of a rubric file — the one source; ``scoring_rules/rubric.schema.json`` is its dump.

Regenerate the file with ``flask rubric schema > scoring_rules/rubric.schema.json``
(a test fails when they differ). The schema checks shape and types; what it cannot express
(points adding up, tiers without gaps, references between figures, cycles) is checked in
``loader.py``.
"""

from __future__ import annotations

import json
from typing import Any

CODE = {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_-]{0,31}$"}
NAME = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,47}$"}
TEXT = {"type": "string", "minLength": 1}
NUMBER = {"type": "number"}
POSITIVE = {"type": "number", "exclusiveMinimum": 0}
NONNEG = {"type": "number", "minimum": 0}

INPUT = {
    "type": "object",
    "required": ["name", "label", "type"],
    "additionalProperties": False,
    "properties": {
        "name": NAME,
        "label": TEXT,
        "type": {"enum": ["integer", "decimal", "rate", "boolean", "text"]},
        "unit": {"type": "string"},
        "min": NUMBER,
        "max": NUMBER,
        "required": {"type": "boolean"},
        "phrases": {"type": "array", "items": TEXT},
        "help": {"type": "string"},
    },
}

COMPUTED = {
    "type": "object",
    "required": ["name", "label", "op", "of"],
    "additionalProperties": False,
    "properties": {
        "name": NAME,
        "label": TEXT,
        "op": {"enum": ["ratio", "sum", "difference"]},
        "of": {"type": "array", "items": NAME, "minItems": 1},
        "unit": {"type": "string"},
        "scale": POSITIVE,
        "on_zero": NUMBER,
        "places": {"type": "integer", "minimum": 0, "maximum": 6},
    },
}

EVIDENCE = {
    "type": "object",
    "required": ["title"],
    "additionalProperties": False,
    "properties": {
        "title": TEXT,
        "required": {"type": "boolean"},
        "kinds": {"type": "array", "items": {"enum": ["document", "screenshot", "link", "photo", "table", "other"]}},
    },
}


GATE = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "maxProperties": 1,
    "properties": {"above": NONNEG, "at_least": NONNEG},
}
"""A threshold a part is counted behind: ``{above: 80}`` strictly above (高于80分), ``{at_least: 80}`` at or
above (达到80分)."""


DEDUCTION_TIERS = {
    "type": "array",
    "minItems": 1,
    "items": {"type": "object", "required": ["deduct"], "additionalProperties": False,
              "properties": {"at_least": NUMBER, "above": NUMBER, "deduct": POSITIVE}},
}
"""Deductions by threshold on a figure (1–2个扣1分，3个及以上扣2分): each tier ``at_least`` or ``above`` a value."""


def _kind(kind: str, required: list[str], props: dict[str, Any]) -> dict[str, Any]:
    return {
        "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
        "then": {
            "required": ["kind", *required],
            "additionalProperties": False,
            "properties": {"kind": {"const": kind}, **props},
        },
    }


RULE = {
    "type": "object",
    "required": ["kind"],
    "properties": {
        "kind": {"enum": ["boolean", "checklist", "tiers", "ratio", "deduction", "judgement", "late", "count", "veto"]},
    },
    "allOf": [
        _kind("boolean", ["figure"], {"figure": NAME}),
        _kind("checklist", ["items"], {"items": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["figure", "points"], "additionalProperties": False,
            "properties": {"figure": NAME, "points": POSITIVE}}}}),
        _kind("tiers", ["figure", "tiers"], {"figure": NAME, "tiers": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["points"], "additionalProperties": False,
            "properties": {"from": NUMBER, "above": NUMBER, "below": NUMBER, "to": NUMBER, "points": NONNEG,
                           "label": {"type": "string"}}}}}),
        _kind("ratio", ["figure", "target"], {"figure": NAME, "target": POSITIVE, "zero_below": NONNEG}),
        _kind("deduction", ["items"], {"items": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["figure"], "additionalProperties": False,
            "properties": {"figure": NAME, "per": POSITIVE, "tiers": DEDUCTION_TIERS, "label": {"type": "string"},
                           "when": {"type": "boolean"}}}},
            "floor": {"enum": ["indicator", "area"]}}),
        _kind("judgement", [], {"min": NONNEG, "max": NONNEG, "step": POSITIVE, "default": NONNEG}),
        _kind("late", ["figure"], {"figure": NAME, "fixed": NONNEG, "per_day": NONNEG, "max": POSITIVE}),
        _kind("count", ["figure", "per"], {"figure": NAME, "per": POSITIVE}),
        _kind("veto", ["figure"], {"figure": NAME, "at_least": NUMBER, "above": NUMBER}),
    ],
}

APPLIES_TO = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {"groups": {"type": "array", "minItems": 1, "items": TEXT},
                   "tags": {"type": "array", "minItems": 1, "items": TEXT}},
}
"""Units an indicator applies to (by ranking group name or unit tag); the others have it 不适用."""

INDICATOR = {
    "type": "object",
    "required": ["code", "title", "points", "rule"],
    "additionalProperties": False,
    "properties": {
        "code": CODE,
        "title": TEXT,
        "points": NONNEG,
        "standard": {"type": "string"},
        "guidance": {"type": "string"},
        "inputs": {"type": "array", "items": INPUT},
        "computed": {"type": "array", "items": COMPUTED},
        "evidence": {"type": "array", "items": EVIDENCE},
        "rule": RULE,
        "allow_na": {"type": "boolean"},
        "applies_to": APPLIES_TO,
    },
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://assess.example/scoring_rules/rubric.schema.json",
    "title": "Assess rubric (考核细则)",
    "type": "object",
    "required": ["format", "code", "name", "office", "year", "version", "total", "grades", "areas"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": "assess-rubric/1"},
        "code": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,63}$"},
        "name": TEXT,
        "office": TEXT,
        "year": {"type": "integer", "minimum": 2000, "maximum": 2100},
        "version": {"type": "integer", "minimum": 1},
        "description": {"type": "string"},
        "total": POSITIVE,
        "grades": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["label"], "additionalProperties": False,
            "properties": {"label": TEXT, "min": NONNEG, "above": NONNEG,
                           "max_share": {"type": "number", "exclusiveMinimum": 0, "maximum": 100}}}},
        "veto_grade": TEXT,
        "veto_zeroes_total": {"type": "boolean"},
        "share_rounding": {"enum": ["floor", "ceil", "half_up"]},
        "tie_break": {"type": "array", "items": CODE},
        "late_submission": {"type": "object", "additionalProperties": False,
                            "required": ["max"],
                            "properties": {"fixed": NONNEG, "per_day": NONNEG, "max": POSITIVE}},
        "areas": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["code", "title", "indicators"], "additionalProperties": False,
            "properties": {"code": CODE, "title": TEXT, "points": POSITIVE,
                           "indicators": {"type": "array", "minItems": 1, "items": INDICATOR}}}},
        "bonus": {"type": "object", "required": ["cap", "indicators"], "additionalProperties": False,
                  "properties": {"cap": POSITIVE, "min_base": NONNEG, "gate": GATE,
                                 "indicators": {"type": "array", "minItems": 1, "items": INDICATOR}}},
        "veto": {"type": "object", "required": ["indicators"], "additionalProperties": False,
                 "properties": {"ends_scoring": {"type": "boolean"},
                                "indicators": {"type": "array", "minItems": 1, "items": INDICATOR}}},
        "major_deductions": {"type": "object", "required": ["indicators"], "additionalProperties": False,
                             "properties": {"cap": POSITIVE,
                                            "indicators": {"type": "array", "minItems": 1, "items": INDICATOR}}},
    },
}


def dumps() -> str:
    return json.dumps(SCHEMA, ensure_ascii=False, indent=2) + "\n"

