#!/usr/bin/env bash
# Throw-away PostgreSQL cluster for the test suite, on 127.0.0.1 and a free port.
#
#   eval "$(scripts/pg_test_server.sh start)"   # starts it; prints `export` lines (see below)
#   scripts/pg_test_server.sh stop [DIR]        # stops it and removes DIR (default: $PG_TEST_DIR)
#   scripts/pg_test_server.sh status [DIR]
#
# `start` prints, on stdout only:
#   export PG_TEST_DIR=/tmp/assess-pg.XXXXXX      data, socket and logs (removed by `stop`)
#   export PG_TEST_PORT=NNNNN
#   export TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:NNNNN/assess_test
# The base database (PG_TEST_DB, default assess_test) exists and is empty; user postgres, no password
# (trust auth, loopback only). Test workers derive their own databases from it (see docs/INSTALL.md).
# As root, initdb/pg_ctl run as the `postgres` user; as another user, as that user.
# PostgreSQL is installed with apt when no /usr/lib/postgresql/*/bin/initdb exists (root only).
set -euo pipefail

PG_TEST_DB="${PG_TEST_DB:-assess_test}"
PG_TEST_ROOT="${PG_TEST_ROOT:-/tmp}"

log() { printf '[pg] %s\n' "$*" >&2; }
die() { printf '[pg] ERROR: %s\n' "$*" >&2; exit 1; }

find_bindir() {
  if [ -n "${PG_BINDIR:-}" ]; then printf '%s\n' "$PG_BINDIR"; return 0; fi
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [ -n "$d" ] && [ -x "$d/initdb" ] || return 1
  printf '%s\n' "$d"
}

ensure_bindir() {
  if ! BINDIR="$(find_bindir)"; then
    [ "$(id -u)" -eq 0 ] || die "PostgreSQL server binaries not found; install the 'postgresql' package"
    log "installing postgresql with apt"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq postgresql >/dev/null
    BINDIR="$(find_bindir)" || die "PostgreSQL binaries still missing after install"
  fi
}

as_pg() {  # run a command as the cluster owner, from / (postgres cannot enter /root)
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

check_dir() {  # refuse to touch anything that is not one of our clusters
  case "$1" in
    */assess-pg.*) [ -d "$1" ] || die "no such cluster directory: $1" ;;
    *) die "refusing to act on '$1' (not an assess-pg.* directory)" ;;
  esac
}

stop_cluster() {
  local dir="$1" pid=""
  if [ -f "$dir/data/postmaster.pid" ]; then
    pid="$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)"
    as_pg "$BINDIR/pg_ctl" -D "$dir/data" -m immediate -w -t 20 stop >/dev/null 2>&1 || true
    # Belt and braces: the postmaster we started, by its pid, if pg_ctl could not stop it.
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  rm -rf "$dir"
}

cmd_start() {
  ensure_bindir
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "user 'postgres' missing (install the postgresql package)"
  fi
  local dir port="" url attempt t0=$SECONDS
  dir="$(mktemp -d "$PG_TEST_ROOT/assess-pg.XXXXXX")"
  # On any failure below, remove what we made (globals: the trap runs after this function returns).
  START_DIR="$dir"
  START_OK=0
  trap '[ "$START_OK" = 1 ] || stop_cluster "$START_DIR"' EXIT
  chmod 700 "$dir"
  [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$dir"
  if ! as_pg "$BINDIR/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
      >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    die "initdb failed"
  fi
  for attempt in 1 2 3 4 5; do  # a port can be taken between free_port and the bind: retry
    port="$(free_port)"
    if as_pg "$BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null; then
      break
    fi
    log "start on port $port failed (attempt $attempt)"
    port=""
  done
  if [ -z "$port" ]; then
    tail -n 30 "$dir/server.log" >&2 || true
    die "PostgreSQL did not start"
  fi
  as_pg "$BINDIR/createdb" -h 127.0.0.1 -p "$port" -U postgres "$PG_TEST_DB"
  url="postgresql+psycopg://postgres@127.0.0.1:$port/$PG_TEST_DB"
  printf '%s\n' "$url" >"$dir/url"
  START_OK=1
  log "PostgreSQL $("$BINDIR/postgres" -V | awk '{print $3}') on 127.0.0.1:$port, database $PG_TEST_DB, dir $dir ($((SECONDS - t0)) s)"
  printf 'export PG_TEST_DIR=%q\n' "$dir"
  printf 'export PG_TEST_PORT=%q\n' "$port"
  printf 'export TEST_DATABASE_URL=%q\n' "$url"
}

cmd_stop() {
  local dir="${1:-${PG_TEST_DIR:-}}"
  [ -n "$dir" ] || die "usage: $0 stop DIR (or set PG_TEST_DIR)"
  [ -e "$dir" ] || { log "already gone: $dir"; return 0; }
  check_dir "$dir"
  BINDIR="$(find_bindir)" || BINDIR=/nonexistent
  stop_cluster "$dir"
  log "stopped and removed $dir"
}

cmd_status() {
  local dir="${1:-${PG_TEST_DIR:-}}"
  [ -n "$dir" ] || die "usage: $0 status DIR (or set PG_TEST_DIR)"
  check_dir "$dir"
  ensure_bindir
  as_pg "$BINDIR/pg_ctl" -D "$dir/data" status
  cat "$dir/url" 2>/dev/null || true
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  status) shift; cmd_status "$@" ;;
  *) die "usage: $0 start | stop [DIR] | status [DIR]" ;;
esac
