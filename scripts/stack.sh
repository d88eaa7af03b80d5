#!/usr/bin/env bash
# The whole production stack on this machine, on 127.0.0.1 (`make stack`, `make stack-stop`):
#
#   PostgreSQL ─┐
#   Redis ──────┼── app server 1 (gunicorn) ─┐
#   object store┤   app server 2 (gunicorn) ─┼── load balancer (scripts/stack_proxy.py) :STACK_PORT
#               └── background worker (RQ)    ┘
#
#   scripts/stack.sh start     start what is not running, migrate, load the demo into an empty database
#   scripts/stack.sh stop      stop everything (data stays in var/stack/)
#   scripts/stack.sh status    what runs, with pids and addresses
#   scripts/stack.sh destroy   stop, then delete var/stack/ (database, objects, logs)
#
# Everything lives in var/stack/ (git-ignored): pg/ (PostgreSQL cluster), redis/, objects/ (the object
# store's contents between runs: moto keeps them in memory, so `stop` saves them and `start` loads them),
# log/, run/ (pid files), env (the stack's variables: `set -a; . var/stack/env; set +a` to run
# `flask --app wsgi …` against the stack), secret_key.
# Processes are started in their own sessions and stopped by the pids recorded in run/, nothing else.
#
# Environment: STACK_PORT (default 8080) the load balancer's port; STACK_DIR (default var/stack);
# STACK_SKIP_SETUP=1 skips scripts/setup.sh (the .venv and Debian packages are already there);
# APP_WORKERS (default 2) gunicorn workers per app server.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
unset PYTHONDONTWRITEBYTECODE
STACK_DIR="${STACK_DIR:-$ROOT/var/stack}"
STACK_PORT="${STACK_PORT:-8080}"
APP_WORKERS="${APP_WORKERS:-2}"
VENV="$ROOT/.venv"
RUN="$STACK_DIR/run"
LOG="$STACK_DIR/log"
BUCKET=assess
PG_DB=assess

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

alive() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

find_pg_bindir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [ -n "$d" ] && [ -x "$d/initdb" ] || return 1
  printf '%s\n' "$d"
}

as_pg() {  # the cluster's owner: `postgres` when we are root (initdb refuses root)
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else (cd / && "$@"); fi
}

apt_install() {
  [ "$(id -u)" -eq 0 ] || die "$1 is missing; install the Debian package '$1'"
  log "installing $1 with apt"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq "$1" >/dev/null
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

port_in_use() {
  python3 -c 'import socket, sys; s = socket.socket(); sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)' "$1"
}

wait_for_log() {  # wait_for_log FILE REGEX NAME PIDNAME → prints the first capture group
  local file="$1" regex="$2" name="$3" pidname="$4" i value
  for i in $(seq 1 600); do
    value="$(sed -n "s#$regex#\\1#p" "$file" 2>/dev/null | head -n 1)"
    if [ -n "$value" ]; then printf '%s\n' "$value"; return 0; fi
    alive "$pidname" || { tail -n 30 "$file" >&2; die "$name exited"; }
    sleep 0.1
  done
  tail -n 30 "$file" >&2
  die "$name did not start within 60 s"
}

spawn() {  # spawn NAME LOGFILE CMD... — own session, pid recorded in run/NAME.pid
  local name="$1" logfile="$2"
  shift 2
  setsid "$@" >>"$logfile" 2>&1 </dev/null &
  printf '%s\n' "$!" >"$RUN/$name.pid"
}

stop_pid() {  # stop_pid NAME [SIGNAL]: the process group we started, by its recorded pid
  local name="$1" sig="${2:-TERM}" pid i t0=$SECONDS
  [ -f "$RUN/$name.pid" ] || return 0
  pid="$(cat "$RUN/$name.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "-$sig" -- "-$pid" 2>/dev/null || kill "-$sig" "$pid" 2>/dev/null || true
    for i in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name did not stop in 15 s: SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    log "stopped $name (pid $pid, $((SECONDS - t0)) s)"
  fi
  rm -f "$RUN/$name.pid"
}

# --- the parts --------------------------------------------------------------------------------------------

start_postgres() {
  local bindir dir="$STACK_DIR/pg" port
  bindir="$(find_pg_bindir)" || { apt_install postgresql; bindir="$(find_pg_bindir)"; }
  if [ "$(id -u)" -eq 0 ]; then id postgres >/dev/null 2>&1 || die "user 'postgres' missing"; fi
  mkdir -p "$dir"
  [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$dir"
  chmod 700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    log "initdb $dir/data"
    as_pg "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$LOG/initdb.log" 2>&1 \
      || { cat "$LOG/initdb.log" >&2; die "initdb failed"; }
  fi
  if [ -f "$dir/data/postmaster.pid" ] && as_pg "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    port="$(sed -n 4p "$dir/data/postmaster.pid")"
    log "PostgreSQL already running on 127.0.0.1:$port"
  else
    port="$(free_port)"
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir" start >/dev/null \
      || { tail -n 30 "$dir/server.log" >&2; die "PostgreSQL did not start"; }
    log "PostgreSQL on 127.0.0.1:$port"
  fi
  if ! as_pg "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$PG_DB'" | grep -q 1; then
    as_pg "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres "$PG_DB"
  fi
  PG_PORT="$port"
}

stop_postgres() {
  local bindir dir="$STACK_DIR/pg"
  [ -f "$dir/data/postmaster.pid" ] || return 0
  bindir="$(find_pg_bindir)" || return 0
  as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 && log "stopped PostgreSQL" || true
}

start_redis() {
  local server
  server="$(command -v redis-server || true)"
  [ -n "$server" ] || { apt_install redis-server; server="$(command -v redis-server)"; }
  mkdir -p "$STACK_DIR/redis"
  if alive redis; then
    REDIS_PORT="$(cat "$RUN/redis.port")"
    log "Redis already running on 127.0.0.1:$REDIS_PORT"
    return
  fi
  REDIS_PORT="$(free_port)"
  # snapshots to var/stack/redis (queued jobs survive a stop); no protected-mode fuss on loopback
  spawn redis "$LOG/redis.log" "$server" --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$STACK_DIR/redis" \
    --save 60 1 --daemonize no --protected-mode yes
  printf '%s\n' "$REDIS_PORT" >"$RUN/redis.port"
  wait_for_log "$LOG/redis.log" ".*\\(Ready to accept connections\\).*" Redis redis >/dev/null
  log "Redis on 127.0.0.1:$REDIS_PORT"
}

start_objects() {
  if alive objects; then
    S3_PORT="$(cat "$RUN/objects.port")"
    log "object store already running on 127.0.0.1:$S3_PORT"
    return
  fi
  : >"$LOG/objects.log"
  spawn objects "$LOG/objects.log" "$VENV/bin/moto_server" -H 127.0.0.1 -p 0
  S3_PORT="$(wait_for_log "$LOG/objects.log" '.*Running on http://127\.0\.0\.1:\([0-9][0-9]*\).*' "object store" objects)"
  printf '%s\n' "$S3_PORT" >"$RUN/objects.port"
  log "object store (moto) on 127.0.0.1:$S3_PORT"
  AWS_ACCESS_KEY_ID=stack AWS_SECRET_ACCESS_KEY=stack-secret AWS_DEFAULT_REGION=us-east-1 \
    "$VENV/bin/python" "$ROOT/scripts/stack_objects.py" load "http://127.0.0.1:$S3_PORT" "$BUCKET" "$STACK_DIR/objects"
}

write_env() {
  local secret
  [ -f "$STACK_DIR/secret_key" ] || python3 -c 'import secrets; print(secrets.token_hex(32))' >"$STACK_DIR/secret_key"
  chmod 600 "$STACK_DIR/secret_key"
  secret="$(cat "$STACK_DIR/secret_key")"
  umask 077
  cat >"$STACK_DIR/env" <<EOF
# the local stack (scripts/stack.sh); load with: set -a; . $STACK_DIR/env; set +a
DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/$PG_DB
REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
RATELIMIT_STORAGE_URI=redis://127.0.0.1:$REDIS_PORT/1
STORAGE_BACKEND=s3
S3_BUCKET=$BUCKET
S3_ENDPOINT_URL=http://127.0.0.1:$S3_PORT
AWS_ACCESS_KEY_ID=stack
AWS_SECRET_ACCESS_KEY=stack-secret
AWS_DEFAULT_REGION=us-east-1
SECRET_KEY=$secret
PROXY_COUNT=1
PUBLIC_BASE_URL=http://127.0.0.1:$STACK_PORT
EOF
  umask 022
}

start_app() {  # start_app NAME
  local name="$1" port
  if alive "$name"; then
    log "$name already running on $(cat "$RUN/$name.addr")"
    return
  fi
  : >"$LOG/$name.log"
  spawn "$name" "$LOG/$name.log" "$VENV/bin/gunicorn" -w "$APP_WORKERS" -b 127.0.0.1:0 --timeout 120 --graceful-timeout 30 \
    --access-logfile "$LOG/$name-access.log" wsgi:app
  port="$(wait_for_log "$LOG/$name.log" '.*Listening at: http://127\.0\.0\.1:\([0-9][0-9]*\).*' "$name" "$name")"
  printf '127.0.0.1:%s\n' "$port" >"$RUN/$name.addr"
  log "$name (gunicorn, $APP_WORKERS workers) on 127.0.0.1:$port"
}

worker_command() {  # the documented background worker command (whichever this checkout has)
  if "$VENV/bin/flask" --app wsgi --help 2>/dev/null | grep -qE '^  worker\b'; then
    printf '%s\n' worker
  else
    printf '%s\n' documents-worker
  fi
}

# --- commands ---------------------------------------------------------------------------------------------

cmd_start() {
  local t0=$SECONDS i
  if [ -z "${STACK_SKIP_SETUP:-}" ]; then bash "$ROOT/scripts/setup.sh" test; fi
  mkdir -p "$RUN" "$LOG"
  if ! alive proxy && port_in_use "$STACK_PORT"; then
    die "port $STACK_PORT is taken by another program: choose another with STACK_PORT=NNNN make stack"
  fi
  start_postgres
  start_redis
  start_objects
  write_env
  set -a; . "$STACK_DIR/env"; set +a
  log "flask db upgrade"
  "$VENV/bin/flask" --app wsgi db upgrade >"$LOG/migrate.log" 2>&1 || { tail -n 30 "$LOG/migrate.log" >&2; die "migration failed"; }
  log "flask demo --if-empty (first start: about a minute)"
  "$VENV/bin/flask" --app wsgi demo --if-empty >"$LOG/demo.log" 2>&1 || { tail -n 30 "$LOG/demo.log" >&2; die "demo failed"; }
  start_app app1
  start_app app2
  if alive worker; then
    log "worker already running"
  else
    local cmd
    cmd="$(worker_command)"
    spawn worker "$LOG/worker.log" "$VENV/bin/flask" --app wsgi "$cmd"
    log "worker: flask --app wsgi $cmd (pid $(cat "$RUN/worker.pid"))"
  fi
  if alive proxy; then
    log "load balancer already running"
  else
    spawn proxy "$LOG/proxy.log" "$VENV/bin/python" "$ROOT/scripts/stack_proxy.py" --listen "127.0.0.1:$STACK_PORT" \
      --backend "$(cat "$RUN/app1.addr")" --backend "$(cat "$RUN/app2.addr")"
  fi
  for i in $(seq 1 100); do
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' \
      "http://127.0.0.1:$STACK_PORT/readyz" 2>/dev/null && break  # database, Redis, object store answer
    alive proxy || { tail -n 20 "$LOG/proxy.log" >&2; die "load balancer exited"; }
    sleep 0.2
  done
  log "readiness: $(python3 -c 'import sys, urllib.request
try: print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())
except Exception as e: print(getattr(e, "read", lambda: str(e).encode())().decode())' "http://127.0.0.1:$STACK_PORT/readyz")"
  cat >&2 <<EOF

[stack] up in $((SECONDS - t0)) s — open http://127.0.0.1:$STACK_PORT
        demo logins (password Demo-2026!): admin, office, reviewer1, reviewer2, viewer,
        rsj-admin / rsj-editor (department leader / editor), city-office (the other office)
        PostgreSQL 127.0.0.1:$PG_PORT · Redis 127.0.0.1:$REDIS_PORT · object store http://127.0.0.1:$S3_PORT
        app servers $(cat "$RUN/app1.addr"), $(cat "$RUN/app2.addr") · worker · logs in ${LOG#"$ROOT"/}/
        flask against the stack: set -a; . ${STACK_DIR#"$ROOT"/}/env; set +a; .venv/bin/flask --app wsgi …
        stop with: make stack-stop
EOF
}

cmd_stop() {
  [ -d "$STACK_DIR" ] || { log "no stack in $STACK_DIR"; return 0; }
  stop_pid proxy
  stop_pid app1
  stop_pid app2
  stop_pid worker
  if alive objects; then
    AWS_ACCESS_KEY_ID=stack AWS_SECRET_ACCESS_KEY=stack-secret AWS_DEFAULT_REGION=us-east-1 \
      "$VENV/bin/python" "$ROOT/scripts/stack_objects.py" save "http://127.0.0.1:$(cat "$RUN/objects.port")" \
      "$BUCKET" "$STACK_DIR/objects" || log "WARNING: the object store's contents could not be saved"
  fi
  stop_pid objects
  stop_pid redis   # SIGTERM: Redis writes its snapshot first
  stop_postgres
  rm -f "$RUN"/*.port "$RUN"/*.addr
}

cmd_status() {
  local name
  for name in proxy app1 app2 worker objects redis; do
    if alive "$name"; then printf '%-8s running, pid %s\n' "$name" "$(cat "$RUN/$name.pid")"
    else printf '%-8s stopped\n' "$name"; fi
  done
  if [ -f "$STACK_DIR/pg/data/postmaster.pid" ]; then printf '%-8s running, port %s\n' postgres "$(sed -n 4p "$STACK_DIR/pg/data/postmaster.pid")"
  else printf '%-8s stopped\n' postgres; fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  destroy)
    cmd_stop
    case "$STACK_DIR" in */var/stack) rm -rf "$STACK_DIR"; log "removed $STACK_DIR" ;; *) die "refusing to remove $STACK_DIR" ;; esac
    ;;
  *) die "usage: $0 start | stop | status | destroy" ;;
esac
