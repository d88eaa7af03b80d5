#!/usr/bin/env bash
# Idempotent set-up of a development / CI machine (Debian 12, Python >= 3.11).
#
#   scripts/setup.sh run    system packages for running the app, .venv, translations, instance/
#   scripts/setup.sh test   the same plus PostgreSQL, Redis, Chromium and ChromeDriver (for `make test`)
#   scripts/setup.sh all    alias of `test`
#
# Only the package registries are used: apt (Debian) and PyPI (pip / uv). Everything is skipped when
# already done, so a second run takes about a second.
#
# Environment:
#   PYTHON          interpreter used to create .venv (default: first of python3.11..3.13, python3 that is >= 3.11)
#   SKIP_APT=1      never call apt-get (report missing packages instead)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Our own and the libraries' bytecode may be cached (__pycache__/ is git-ignored): imports are
# ~2x faster than with PYTHONDONTWRITEBYTECODE, which some shells set.
unset PYTHONDONTWRITEBYTECODE

MODE="${1:-run}"
RUN_PACKAGES=(fonts-noto-cjk fonts-arphic-gkai00mp libharfbuzz-subset0 poppler-utils)
TEST_PACKAGES=(postgresql redis-server chromium chromium-driver)
VENV="$ROOT/.venv"
STAMP="$VENV/.assess-install-stamp-2"  # bump the suffix to force a re-install everywhere
APT_UPDATED=0

log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

case "$MODE" in
  run) PACKAGES=("${RUN_PACKAGES[@]}") ;;
  test|all) PACKAGES=("${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}") ;;
  *) die "usage: $0 run|test" ;;
esac

is_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

apt_install() {  # apt_install PKG... — `apt-get update` at most once per invocation
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "not root and no sudo: please install: $*"
    sudo=(sudo)
  fi
  [ "${SKIP_APT:-0}" = 1 ] && die "SKIP_APT=1 but these Debian packages are missing: $*"
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: please install: $*"
  export DEBIAN_FRONTEND=noninteractive
  local opts=(-o DPkg::Lock::Timeout=900 -o Dpkg::Use-Pty=0)
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    "${sudo[@]}" apt-get "${opts[@]}" update -qq
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  "${sudo[@]}" apt-get "${opts[@]}" install -y -qq "$@" >/dev/null
}

ensure_system_packages() {
  local missing=() p
  command -v dpkg-query >/dev/null 2>&1 || { log "no dpkg: not a Debian system, skipping system packages (${PACKAGES[*]})"; return 0; }
  for p in "${PACKAGES[@]}"; do
    is_installed "$p" || missing+=("$p")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    log "system packages present: ${PACKAGES[*]}"
    return 0
  fi
  apt_install "${missing[@]}"
  for p in "${missing[@]}"; do
    is_installed "$p" || die "Debian package $p is still not installed"
  done
}

python_ok() {  # python_ok EXE — true when EXE is a Python in [3.11, 3.14)
  "$1" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 14) else 1)' >/dev/null 2>&1
}

pick_python() {
  local c
  for c in ${PYTHON:-} python3.11 python3.12 python3.13 python3; do
    if command -v "$c" >/dev/null 2>&1 && python_ok "$c"; then
      command -v "$c"
      return 0
    fi
  done
  die "no Python 3.11-3.13 found (set PYTHON=/path/to/python3.11)"
}

ensure_venv() {
  if [ ! -x "$VENV/bin/python" ] || ! python_ok "$VENV/bin/python"; then
    local py
    py="$(pick_python)"
    log "creating .venv with $py"
    if ! "$py" -m venv --clear "$VENV" 2>/dev/null; then
      # Debian's own python3 needs python3-venv for ensurepip.
      [ "$py" = /usr/bin/python3 ] || die "'$py -m venv' failed"
      apt_install python3-venv
      "$py" -m venv --clear "$VENV"
    fi
    rm -f "$STAMP"
  fi
  if [ -f "$STAMP" ] && [ ! "$ROOT/pyproject.toml" -nt "$STAMP" ] && [ -x "$VENV/bin/uv" ]; then
    log ".venv up to date (pyproject.toml not newer than stamp)"
    return 0
  fi
  if [ ! -x "$VENV/bin/uv" ]; then
    log "installing uv into .venv"
    "$VENV/bin/python" -m pip install -q uv
  fi
  log "installing the project: uv pip install -e '.[test,s3]'"
  if ! "$VENV/bin/uv" pip install -q --python "$VENV/bin/python" -e "$ROOT[test,s3]"; then
    log "uv failed; falling back to pip"
    "$VENV/bin/python" -m pip install -q -e "$ROOT[test,s3]"
  fi
  # Byte-compile site-packages once: where PYTHONDONTWRITEBYTECODE is set, every process would otherwise
  # compile all of SQLAlchemy, Alembic, ... from source again (≈ 3 s per `flask` command).
  log "byte-compiling site-packages"
  "$VENV/bin/python" -m compileall -q -j 0 \
    "$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" >/dev/null 2>&1 || true
  touch "$STAMP"
}

compile_translations() {
  local dir="$ROOT/assess/translations"
  if [ -d "$dir" ] && [ -n "$(find "$dir" -name '*.po' -print -quit)" ]; then
    log "compiling translations"
    "$VENV/bin/pybabel" -q compile -d "$dir"
  fi
}

t0=$SECONDS
ensure_system_packages
ensure_venv
compile_translations
mkdir -p "$ROOT/instance"
if [ "$MODE" != run ] && [ ! -x /usr/bin/chromium ]; then
  die "/usr/bin/chromium missing after installing chromium"
fi
log "done in $((SECONDS - t0)) s"
