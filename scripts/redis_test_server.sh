#!/usr/bin/env bash
# Throw-away Redis server for the test suite, on 127.0.0.1 and a free port, nothing kept on disk.
#
#   eval "$(scripts/redis_test_server.sh start)"   # starts it; prints `export` lines (see below)
#   scripts/redis_test_server.sh stop [DIR]        # stops it and removes DIR (default: $REDIS_TEST_DIR)
#   scripts/redis_test_server.sh status [DIR]
#
# `start` prints, on stdout only:
#   export REDIS_TEST_DIR=/tmp/assess-redis.XXXXXX   pid file and log (removed by `stop`)
#   export REDIS_TEST_PORT=NNNNN
#   export TEST_REDIS_URL=redis://127.0.0.1:NNNNN/0
# No persistence (no RDB snapshots, no AOF), no password (loopback only), 64 databases: each test that
# needs Redis gets a database number of its own (tests/redis_support.py).
# Debian's redis-server is installed with apt when /usr/bin/redis-server (or REDIS_SERVER) is missing.
set -euo pipefail

REDIS_TEST_ROOT="${REDIS_TEST_ROOT:-/tmp}"

log() { printf '[redis] %s\n' "$*" >&2; }
die() { printf '[redis] ERROR: %s\n' "$*" >&2; exit 1; }

find_server() {
  if [ -n "${REDIS_SERVER:-}" ]; then printf '%s\n' "$REDIS_SERVER"; return 0; fi
  command -v redis-server 2>/dev/null || { [ -x /usr/bin/redis-server ] && printf '/usr/bin/redis-server\n'; }
}

ensure_server() {
  if ! SERVER="$(find_server)" || [ -z "$SERVER" ]; then
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
      command -v sudo >/dev/null 2>&1 || die "redis-server not found; install Debian's 'redis-server' package"
      sudo=(sudo)
    fi
    [ "${SKIP_APT:-0}" = 1 ] && die "SKIP_APT=1 but redis-server is missing (Debian package 'redis-server')"
    log "installing redis-server with apt"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
      redis-server >/dev/null
    SERVER="$(find_server)" || die "redis-server still missing after install"
    # The package starts a system-wide server on port 6379; the tests never use it.
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

check_dir() {  # refuse to touch anything that is not one of our servers
  case "$1" in
    */assess-redis.*) [ -d "$1" ] || die "no such server directory: $1" ;;
    *) die "refusing to act on '$1' (not an assess-redis.* directory)" ;;
  esac
}

ping() {  # ping PORT — true when a Redis answers PONG there
  python3 - "$1" <<'EOF' >/dev/null 2>&1
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
s.sendall(b"PING\r\n")
sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
EOF
}

stop_server() {
  local dir="$1" pid=""
  if [ -f "$dir/redis.pid" ]; then
    pid="$(cat "$dir/redis.pid" 2>/dev/null || true)"
  fi
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}

cmd_start() {
  ensure_server
  local dir port="" url attempt pid t0=$SECONDS
  dir="$(mktemp -d "$REDIS_TEST_ROOT/assess-redis.XXXXXX")"
  START_DIR="$dir"
  START_OK=0
  trap '[ "$START_OK" = 1 ] || stop_server "$START_DIR"' EXIT
  chmod 700 "$dir"
  for attempt in 1 2 3 4 5; do  # a port can be taken between free_port and the bind: retry
    port="$(free_port)"
    rm -f "$dir/redis.pid"
    # --save "" and --appendonly no: nothing written to disk; daemonized with a pid file in $dir.
    "$SERVER" --bind 127.0.0.1 --port "$port" --dir "$dir" --save "" --appendonly no \
      --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
      --databases 64 --protected-mode yes >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do
      ping "$port" && break
      sleep 0.1
    done
    if ping "$port"; then
      break
    fi
    log "start on port $port failed (attempt $attempt)"
    if [ -f "$dir/redis.pid" ]; then
      pid="$(cat "$dir/redis.pid" 2>/dev/null || true)"
      [ -z "$pid" ] || kill -9 "$pid" 2>/dev/null || true
    fi
    port=""
  done
  if [ -z "$port" ]; then
    tail -n 30 "$dir/redis.log" >&2 || true
    die "redis-server did not start"
  fi
  url="redis://127.0.0.1:$port/0"
  printf '%s\n' "$url" >"$dir/url"
  START_OK=1
  log "Redis $("$SERVER" --version | awk '{print $3}' | sed 's/^v=//') on 127.0.0.1:$port, dir $dir ($((SECONDS - t0)) s)"
  printf 'export REDIS_TEST_DIR=%q\n' "$dir"
  printf 'export REDIS_TEST_PORT=%q\n' "$port"
  printf 'export TEST_REDIS_URL=%q\n' "$url"
}

cmd_stop() {
  local dir="${1:-${REDIS_TEST_DIR:-}}"
  [ -n "$dir" ] || die "usage: $0 stop DIR (or set REDIS_TEST_DIR)"
  [ -e "$dir" ] || { log "already gone: $dir"; return 0; }
  check_dir "$dir"
  stop_server "$dir"
  log "stopped and removed $dir"
}

cmd_status() {
  local dir="${1:-${REDIS_TEST_DIR:-}}" port
  [ -n "$dir" ] || die "usage: $0 status DIR (or set REDIS_TEST_DIR)"
  check_dir "$dir"
  port="$(sed -E 's#.*:([0-9]+)/.*#\1#' "$dir/url")"
  if ping "$port"; then
    printf 'running, pid %s\n' "$(cat "$dir/redis.pid" 2>/dev/null)"
  else
    printf 'not answering\n'
    return 3
  fi
  cat "$dir/url"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  status) shift; cmd_status "$@" ;;
  *) die "usage: $0 start | stop [DIR] | status [DIR]" ;;
esac
