"""The English catalog is complete, compiles, and keeps every placeholder.

A new ``_("…")`` / ``_l("…")`` / ``{{ _("…") }}`` that has no English yet fails
``test_every_extracted_msgid_has_an_english_translation`` with the list of what is missing. To fix it:

    .venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o assess/translations/messages.pot \
        --no-location --sort-output --ignore-dirs=".venv node_modules" .
    .venv/bin/pybabel update -i assess/translations/messages.pot -d assess/translations -l en --no-fuzzy-matching
    # write the English (e.g. scripts/i18n_apply.py with a {"中文": "English"} JSON file), then
    .venv/bin/pybabel compile -d assess/translations --statistics
"""
from __future__ import annotations

import gettext
import io
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "assess" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"

# %(name)s / %(n)d / %(x).2f, %%, bare %s / %d, and str.format fields {0} / {name}.
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[sdifrx]|%%|%[sdif]|\{[0-9A-Za-z_]*\}")


def _placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (tuple, list)) else [message.string]


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, (tuple, list)) else [message.id]


def _msgid(message) -> str:
    return _ids(message)[0]


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as fh:
        return read_po(fh, locale="en")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """A fresh extraction with the project's own command (babel.cfg, keywords _l and lazy_gettext)."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
        "-o", str(pot), "--no-location", "--sort-output", "--ignore-dirs=.* _* node_modules", str(ROOT),
    ])
    with pot.open("rb") as fh:
        template = read_po(fh)
    ids = [m for m in template if m.id]
    assert len(ids) > 100, f"extraction found only {len(ids)} messages: is babel.cfg still at the repo root?"
    return ids


def test_catalog_compiles(catalog):
    errors = [f"{_msgid(m)!r}: {err}" for m, errs in catalog.check() for err in errs]
    assert not errors, "catalog errors:\n" + "\n".join(errors)
    assert not catalog.fuzzy, "the catalog header is marked fuzzy: `pybabel compile` would skip it"
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    translations = gettext.GNUTranslations(buf)
    assert translations.gettext("保存") == "Save"


def test_every_extracted_msgid_has_an_english_translation(catalog, extracted):
    missing, fuzzy = [], []
    for message in extracted:
        entry = catalog.get(message.id, message.context)
        if entry is None or not all(s.strip() for s in _strings(entry)):
            missing.append(_msgid(message))
        elif entry.fuzzy:
            fuzzy.append(_msgid(message))  # compiled .mo files leave fuzzy entries out
    assert not missing and not fuzzy, (
        f"{len(missing)} msgid(s) without English and {len(fuzzy)} fuzzy in {PO.relative_to(ROOT)} "
        "(see this module's docstring to update the catalog):\n"
        + "\n".join(f"  missing: {m}" for m in missing) + ("\n" if missing and fuzzy else "")
        + "\n".join(f"  fuzzy: {m}" for m in fuzzy)
    )


def test_placeholders_match(catalog):
    bad = []
    for message in catalog:
        if not message.id:
            continue
        ids = _ids(message)
        for i, string in enumerate(_strings(message)):
            if not string:
                continue
            source = ids[min(i, len(ids) - 1)] if len(ids) > 1 else ids[0]
            if _placeholders(string) != _placeholders(source):
                # a singular msgstr may drop the count (%(num)d) that only the plural needs
                if len(ids) > 1 and i == 0 and _placeholders(string) <= _placeholders(source):
                    continue
                bad.append(f"  {source!r}\n    -> {string!r}")
    assert not bad, "placeholders differ between msgid and msgstr:\n" + "\n".join(bad)


def test_no_full_width_punctuation_in_english(catalog):
    """English text uses ASCII punctuation; the Chinese source's ，。：；（）“” must not leak into msgstrs."""
    full_width = re.compile(r"[，。：；（）“”！？、]")
    bad = [f"  {_msgid(m)!r} -> {s!r}" for m in catalog if m.id for s in _strings(m) if full_width.search(s)]
    assert not bad, "full-width punctuation in English translations:\n" + "\n".join(bad)
