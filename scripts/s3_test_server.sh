#!/usr/bin/env bash
# Throw-away S3-compatible object store for the test suite (moto's standalone server), on 127.0.0.1.
#
#   eval "$(scripts/s3_test_server.sh start)"   # starts it; prints `export` lines (see below)
#   scripts/s3_test_server.sh stop [DIR]        # stops it and removes DIR (default: $S3_TEST_DIR)
#   scripts/s3_test_server.sh status [DIR]
#
# `start` prints, on stdout only:
#   export S3_TEST_DIR=/tmp/assess-s3.XXXXXX     pid and log (removed by `stop`)
#   export TEST_S3_URL=http://127.0.0.1:NNNNN    the endpoint (S3_ENDPOINT_URL of the app)
# The server binds port 0 itself (the kernel picks a free port; no race with another run) and keeps its
# objects in memory: they are gone when it stops. Any access key is accepted; tests create their own
# buckets. `moto_server` comes from the `moto[server]` package of the test extra (in .venv).
#
# Environment: MOTO_SERVER (default: .venv/bin/moto_server, else the one on PATH), S3_TEST_ROOT (default /tmp).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
S3_TEST_ROOT="${S3_TEST_ROOT:-/tmp}"

log() { printf '[s3] %s\n' "$*" >&2; }
die() { printf '[s3] ERROR: %s\n' "$*" >&2; exit 1; }

find_server() {
  if [ -n "${MOTO_SERVER:-}" ]; then printf '%s\n' "$MOTO_SERVER"; return 0; fi
  if [ -x "$ROOT/.venv/bin/moto_server" ]; then printf '%s\n' "$ROOT/.venv/bin/moto_server"; return 0; fi
  command -v moto_server
}

check_dir() {  # refuse to touch anything that is not one of ours
  case "$1" in
    */assess-s3.*) [ -d "$1" ] || die "no such directory: $1" ;;
    *) die "refusing to act on '$1' (not an assess-s3.* directory)" ;;
  esac
}

stop_dir() {
  local dir="$1" pid="" i
  pid="$(cat "$dir/pid" 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}

cmd_start() {
  local server dir pid port="" i t0=$SECONDS
  server="$(find_server)" || die "moto_server not found: install the test extra (pip install -e '.[test]')"
  dir="$(mktemp -d "$S3_TEST_ROOT/assess-s3.XXXXXX")"
  START_DIR="$dir"
  START_OK=0
  trap '[ "$START_OK" = 1 ] || stop_dir "$START_DIR"' EXIT
  # its own session (setsid): a Ctrl-C in the caller's terminal does not reach it; `stop` ends it by pid
  setsid "$server" -H 127.0.0.1 -p 0 >"$dir/server.log" 2>&1 </dev/null &
  pid=$!
  printf '%s\n' "$pid" >"$dir/pid"
  for i in $(seq 1 300); do  # up to 30 s on a busy machine
    port="$(sed -n 's#.*Running on http://127\.0\.0\.1:\([0-9][0-9]*\).*#\1#p' "$dir/server.log" | head -n 1)"
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$dir/server.log" >&2; die "moto_server exited"; }
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$dir/server.log" >&2; die "moto_server did not start"; }
  printf 'http://127.0.0.1:%s\n' "$port" >"$dir/url"
  START_OK=1
  log "object store (moto) on http://127.0.0.1:$port, pid $pid, dir $dir ($((SECONDS - t0)) s)"
  printf 'export S3_TEST_DIR=%q\n' "$dir"
  printf 'export TEST_S3_URL=%q\n' "http://127.0.0.1:$port"
}

cmd_stop() {
  local dir="${1:-${S3_TEST_DIR:-}}"
  [ -n "$dir" ] || die "usage: $0 stop DIR (or set S3_TEST_DIR)"
  [ -e "$dir" ] || { log "already gone: $dir"; return 0; }
  check_dir "$dir"
  stop_dir "$dir"
  log "stopped and removed $dir"
}

cmd_status() {
  local dir="${1:-${S3_TEST_DIR:-}}" pid
  [ -n "$dir" ] || die "usage: $0 status DIR (or set S3_TEST_DIR)"
  check_dir "$dir"
  pid="$(cat "$dir/pid" 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    printf 'running, pid %s, %s\n' "$pid" "$(cat "$dir/url" 2>/dev/null)"
  else
    printf 'not running\n'; return 3
  fi
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  status) shift; cmd_status "$@" ;;
  *) die "usage: $0 start | stop [DIR] | status [DIR]" ;;
esac
