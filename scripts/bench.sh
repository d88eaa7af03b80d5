#!/usr/bin/env bash
# `make bench`: runs `python -m bench.<name>` for every bench/<name>.py (not __init__ or _private)
# and every package bench/<name>/ with a __main__.py.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Our own and the libraries' bytecode may be cached (__pycache__/ is git-ignored): imports are
# ~2x faster than with PYTHONDONTWRITEBYTECODE, which some shells set.
unset PYTHONDONTWRITEBYTECODE

bash "$ROOT/scripts/setup.sh" run

shopt -s nullglob
modules=()
for f in "$ROOT"/bench/*.py; do
  name="$(basename "$f" .py)"
  case "$name" in __init__|_*) continue ;; esac
  modules+=("$name")
done
for f in "$ROOT"/bench/*/__main__.py; do  # packages such as bench/load/
  modules+=("$(basename "$(dirname "$f")")")
done
if [ "${#modules[@]}" -eq 0 ]; then
  echo "[bench] no benchmarks in bench/" >&2
  exit 0
fi

failed=()
for name in "${modules[@]}"; do
  printf '\n== bench.%s ==\n' "$name"
  t0=$SECONDS
  "$ROOT/.venv/bin/python" -m "bench.$name" || failed+=("$name")
  printf '[bench] bench.%s took %d s\n' "$name" "$((SECONDS - t0))"
done
if [ "${#failed[@]}" -ne 0 ]; then
  echo "[bench] FAILED: ${failed[*]}" >&2
  exit 1
fi
