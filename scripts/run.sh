#!/usr/bin/env bash
# `make run`: set up (idempotent), migrate the database, load the demo when empty, serve.
#
# Environment: PORT (default 5000), HOST (default 127.0.0.1), DATABASE_URL (default: SQLite in
# instance/, chosen by the app).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Our own and the libraries' bytecode may be cached (__pycache__/ is git-ignored): imports are
# ~2x faster than with PYTHONDONTWRITEBYTECODE, which some shells set.
unset PYTHONDONTWRITEBYTECODE

bash "$ROOT/scripts/setup.sh" run

FLASK=("$ROOT/.venv/bin/flask" --app wsgi)
if [ -d "$ROOT/migrations" ]; then
  echo "[run] flask db upgrade" >&2
  "${FLASK[@]}" db upgrade
else
  # Until migrations/ is generated: create the tables from the models.
  echo "[run] no migrations/ folder: creating tables with db.create_all()" >&2
  "$ROOT/.venv/bin/python" -c '
from wsgi import app
from assess.extensions import db
with app.app_context():
    db.create_all()
'
fi
echo "[run] flask demo --if-empty" >&2
"${FLASK[@]}" demo --if-empty

PORT="${PORT:-5000}"
HOST="${HOST:-127.0.0.1}"
echo "[run] serving on http://$HOST:$PORT  (Ctrl-C to stop)" >&2
exec "${FLASK[@]}" run --host "$HOST" --port "$PORT"
