"""Fill the English catalog from msgid → English dictionaries.

    .venv/bin/python scripts/i18n_apply.py translations.json [more.json ...]   # fill empty msgstrs
    .venv/bin/python scripts/i18n_apply.py --force translations.json          # also overwrite existing ones
    .venv/bin/python scripts/i18n_apply.py --missing                          # list untranslated msgids

Each JSON file is an object {"中文 msgid": "English", ...}. Run after
`pybabel update -i assess/translations/messages.pot -d assess/translations -l en --no-fuzzy-matching`
and before `pybabel compile -d assess/translations`. Translations whose placeholders (%(name)s, {0}, %%)
differ from the msgid's are refused and listed. Only the .po file is written.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "assess" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[sdifrx]|%%|%[sdif]|\{[0-9A-Za-z_]*\}")


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--force", action="store_true", help="overwrite existing translations")
    ap.add_argument("--missing", action="store_true", help="only list untranslated msgids")
    args = ap.parse_args()

    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    table: dict[str, str] = {}
    for path in args.files:
        table.update(json.loads(path.read_text(encoding="utf-8")))

    filled = refused = 0
    for msg in catalog:
        if not msg.id or msg.pluralizable:
            continue
        if msg.id in table and (args.force or not msg.string):
            # English quotes are ASCII (tests/test_translations.py): Chinese quotes copied along are changed
            english = table[msg.id].replace("“", '"').replace("”", '"')
            if placeholders(english) != placeholders(msg.id):
                print(f"placeholders differ, not applied: {msg.id!r} -> {english!r}", file=sys.stderr)
                refused += 1
                continue
            msg.string = english
            msg.flags.discard("fuzzy")
            filled += 1
    missing = [m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    if catalog.project == "PROJECT":  # header left by `pybabel init`
        catalog.project = "Assess"
        catalog.copyright_holder = "the Assess authors"
        catalog.last_translator = catalog.language_team = "Assess <assess@localhost>"
        catalog.header_comment = "# English translations for Assess (政务公开绩效考核平台).\n#"
    if not args.missing and filled:
        tmp = PO.with_suffix(".po.tmp")
        with tmp.open("wb") as fh:
            write_po(fh, catalog)
        tmp.replace(PO)
    print(f"filled {filled}, refused {refused}, untranslated {len(missing)} of {sum(1 for m in catalog if m.id)}")
    for msgid in missing:
        print(f"  {msgid}")
    return 1 if refused or (args.missing and missing) else 0


if __name__ == "__main__":
    sys.exit(main())
