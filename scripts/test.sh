#!/usr/bin/env bash
# Runs the whole test suite twice: on SQLite, then on PostgreSQL (what `make test` and CI do).
#
# Environment:
#   TEST_DATABASE_URL   PostgreSQL URL for the second run; when unset, a throw-away cluster is
#                       started with scripts/pg_test_server.sh and removed at exit (even on failure)
#   TEST_DATABASES      which runs, default "sqlite postgresql"
#   PYTEST_WORKERS      pytest-xdist workers, default 2 ("0" = no xdist)
#   PYTEST_ARGS         extra pytest arguments (word-split), e.g. PYTEST_ARGS="-x -k login"
#   TEST_RUN_TIMEOUT    seconds per run before it is killed, only when CI is set (default 1200)
#   TEST_REDIS_URL      Redis for the RQ-worker and shared-rate-limit tests (both runs); when unset, a
#                       throw-away server is started with scripts/redis_test_server.sh and stopped at exit
#   TEST_S3_URL         S3-compatible endpoint for the object-store tests; when unset, a throw-away
#                       moto server is started with scripts/s3_test_server.sh for both runs and
#                       stopped at exit
# Extra command-line arguments are passed to pytest as well.
# Exit status: 0 only if every run passed; pytest's 5 (no tests collected) counts as a failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Our own and the libraries' bytecode may be cached (__pycache__/ is git-ignored): imports are
# ~2x faster than with PYTHONDONTWRITEBYTECODE, which some shells set.
unset PYTHONDONTWRITEBYTECODE

T_START=$SECONDS
bash "$ROOT/scripts/setup.sh" test
printf '[test] set-up took %d s\n' "$((SECONDS - T_START))"

PG_URL="${TEST_DATABASE_URL:-}"
unset TEST_DATABASE_URL
WORKERS="${PYTEST_WORKERS:-2}"
DATABASES="${TEST_DATABASES:-sqlite postgresql}"

PYTEST=("$ROOT/.venv/bin/python" -m pytest)  # `-m` puts the repository root on sys.path
if [ "$WORKERS" != 0 ]; then
  PYTEST+=(-n "$WORKERS")
fi
# shellcheck disable=SC2206  # deliberate word splitting
PYTEST+=(${PYTEST_ARGS:-} "$@")
if [ -n "${CI:-}" ] && command -v timeout >/dev/null 2>&1; then
  PYTEST=(timeout --kill-after=30 "${TEST_RUN_TIMEOUT:-1200}" "${PYTEST[@]}")
fi

STARTED_PG_DIR=""
STARTED_REDIS_DIR=""
STARTED_S3_DIR=""
cleanup() {
  if [ -n "$STARTED_PG_DIR" ]; then
    bash "$ROOT/scripts/pg_test_server.sh" stop "$STARTED_PG_DIR" || true
  fi
  if [ -n "$STARTED_REDIS_DIR" ]; then
    bash "$ROOT/scripts/redis_test_server.sh" stop "$STARTED_REDIS_DIR" || true
  fi
  if [ -n "$STARTED_S3_DIR" ]; then
    bash "$ROOT/scripts/s3_test_server.sh" stop "$STARTED_S3_DIR" || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One throw-away Redis for both runs (tests that need it read TEST_REDIS_URL; they are skipped without it).
if [ -z "${TEST_REDIS_URL:-}" ]; then
  out="$(bash "$ROOT/scripts/redis_test_server.sh" start)"
  eval "$out"   # REDIS_TEST_DIR, REDIS_TEST_PORT, TEST_REDIS_URL
  STARTED_REDIS_DIR="$REDIS_TEST_DIR"
fi
export TEST_REDIS_URL
# One object store (S3-compatible) for both runs: the S3 backend, backups and the two-server tests use it
# (every test makes a bucket of its own).
if [ -z "${TEST_S3_URL:-}" ]; then
  out="$(bash "$ROOT/scripts/s3_test_server.sh" start)"
  eval "$out"   # S3_TEST_DIR, TEST_S3_URL
  STARTED_S3_DIR="$S3_TEST_DIR"
fi
export TEST_S3_URL

declare -A RESULT=()
FAILED=0

run_suite() {  # run_suite LABEL [DATABASE_URL] — no URL: conftest's default (SQLite)
  local label="$1" url="${2:-}" rc=0 t0=$SECONDS
  printf '\n== Test suite on %s ==\n' "$label"
  if [ -n "$url" ]; then
    # tests that never touch the database (engine, text extraction, PDF layout) ran in the SQLite run
    env TEST_DATABASE_URL="$url" ASSESS_DB_TESTS_ONLY=1 "${PYTEST[@]}" || rc=$?
  else
    env -u TEST_DATABASE_URL "${PYTEST[@]}" || rc=$?
  fi
  case "$rc" in
    0) RESULT[$label]="passed" ;;
    5) RESULT[$label]="FAILED (pytest exit 5: no tests collected)"; FAILED=1 ;;
    124|137) RESULT[$label]="FAILED (timed out after ${TEST_RUN_TIMEOUT:-1200} s)"; FAILED=1 ;;
    *) RESULT[$label]="FAILED (pytest exit $rc)"; FAILED=1 ;;
  esac
  RESULT[$label]+=" in $((SECONDS - t0)) s"
}

ORDER=()
for db in $DATABASES; do
  case "$db" in
    sqlite)
      ORDER+=(SQLite)
      run_suite SQLite
      ;;
    postgresql|postgres|pg)
      ORDER+=(PostgreSQL)
      if [ -z "$PG_URL" ]; then
        out="$(bash "$ROOT/scripts/pg_test_server.sh" start)"
        eval "$out"   # PG_TEST_DIR, PG_TEST_PORT, TEST_DATABASE_URL
        STARTED_PG_DIR="$PG_TEST_DIR"
        PG_URL="$TEST_DATABASE_URL"
        unset TEST_DATABASE_URL
      fi
      case "$PG_URL" in
        postgresql*) ;;
        *) printf '[test] WARNING: TEST_DATABASE_URL is not a PostgreSQL URL: %s\n' "$PG_URL" >&2 ;;
      esac
      run_suite PostgreSQL "$PG_URL"
      ;;
    *) printf '[test] unknown entry in TEST_DATABASES: %s\n' "$db" >&2; exit 2 ;;
  esac
done

printf '\n== Summary ==\n'
for label in "${ORDER[@]}"; do
  printf '%-11s %s\n' "$label:" "${RESULT[$label]}"
done
printf 'total time: %d s\n' "$((SECONDS - T_START))"
exit "$FAILED"
