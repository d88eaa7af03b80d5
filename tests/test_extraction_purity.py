"""assess.extraction stays a pure package: no Flask, no database, no network."""

import ast
from pathlib import Path

FORBIDDEN = {"flask", "flask_sqlalchemy", "sqlalchemy", "requests", "urllib3", "httpx", "werkzeug"}


def test_no_flask_or_db_imports() -> None:
    package = Path(__file__).parent.parent / "assess" / "extraction"
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"
                if name.startswith("assess."):
                    assert name.startswith("assess.extraction") or name == "assess.scoring", (path.name, name)
