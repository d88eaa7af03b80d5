"""Rubrics: the public names of the rubrics capability in one place, for callers that use them as
``services.<name>`` (its pages, the demo, tests). Imports only — the code lives in:

- :mod:`.versions` — stored versions: upload, shipped files, families, the refusals;
- :mod:`.table` — the familiar table of a rubric;
- :mod:`.editor` — the browser editor (values, layout, checks, saving a new version);

YAML with exact numbers is the engine's (:mod:`assess.scoring.yamlnodes`). New code may import from those
modules directly. Replaying a campaign with another rubric version is a ranking:
:mod:`assess.ranking.replay` (the rubrics do not import the ranking, which builds on them).
"""
from __future__ import annotations

from .editor import (AREA_FIELDS, IND_FIELDS, META_FIELDS, EditorIndicator, EditorSection,
                     apply_form, base_raw, change_kind, editor_layout, editor_sections, editor_values, field_of,
                     latest_version, meta_layout, move, rule_as_form, rule_as_yaml, save_edit)  # noqa: F401
from .ruleforms import KIND_LABELS  # noqa: F401
from .table import (RubricTable, TableRow, TableSection, describe_computed, describe_rule,
                    rubric_table)  # noqa: F401
from .versions import (MAX_UPLOAD_BYTES, EditError, Family, RubricsError, VersionInfo, add_shipped,
                       campaigns_using, download_name, families, file_version, shipped_files,
                       upload)  # noqa: F401
