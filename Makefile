# Assess — developer entry points. The work is done by bash scripts in scripts/, shared with CI
# (.ci/run = `make test`). Works from any directory: `make -C /path/to/repo test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
VENV := $(ROOT)/.venv

.PHONY: help setup setup-run run test test-sqlite test-pg e2e bench lint clean distclean pg-start pg-stop stack stack-stop stack-status

help:
	@echo "make setup        install everything for running and testing (apt packages, .venv, translations)"
	@echo "make run          set up, migrate, load the demo if the database is empty, serve on http://127.0.0.1:\$${PORT:-5000}"
	@echo "make test         the whole suite on SQLite, then on PostgreSQL (throw-away cluster unless TEST_DATABASE_URL)"
	@echo "make test-sqlite  only the SQLite run        make test-pg   only the PostgreSQL run"
	@echo "make e2e          only the browser tests (tests/e2e, on SQLite)"
	@echo "make bench        python -m bench.<name> for each bench/<name>.py"
	@echo "make stack        PostgreSQL, Redis, object store, two app servers, a worker and a load balancer on"
	@echo "                  http://127.0.0.1:\$${STACK_PORT:-8080} with the demo (var/stack/)   make stack-stop   ends it"
	@echo "make lint         byte-compile + shell syntax (+ ruff when installed)"
	@echo "make clean        caches and build output   make distclean   also .venv and instance/ (deletes the local database)"
	@echo "Variables: PORT, HOST, PYTEST_ARGS, PYTEST_WORKERS (default 2), TEST_DATABASE_URL; see docs/INSTALL.md"

setup:
	@bash "$(ROOT)/scripts/setup.sh" test

setup-run:
	@bash "$(ROOT)/scripts/setup.sh" run

run:
	@bash "$(ROOT)/scripts/run.sh"

test:
	@bash "$(ROOT)/scripts/test.sh"

test-sqlite:
	@TEST_DATABASES=sqlite bash "$(ROOT)/scripts/test.sh"

test-pg:
	@TEST_DATABASES=postgresql bash "$(ROOT)/scripts/test.sh"

e2e:
	@TEST_DATABASES=sqlite bash "$(ROOT)/scripts/test.sh" "$(ROOT)/tests/e2e"

bench:
	@bash "$(ROOT)/scripts/bench.sh"

lint:
	@bash "$(ROOT)/scripts/setup.sh" run
	@cd "$(ROOT)" && "$(VENV)/bin/python" -m compileall -q $(wildcard $(ROOT)/assess $(ROOT)/tests $(ROOT)/bench $(ROOT)/wsgi.py)
	@for f in "$(ROOT)"/scripts/*.sh "$(ROOT)/.ci/run"; do bash -n "$$f"; done
	@if [ -x "$(VENV)/bin/ruff" ]; then "$(VENV)/bin/ruff" check "$(ROOT)"; else echo "(ruff not installed: skipped)"; fi

# A throw-away PostgreSQL for manual use: eval "$(make -s pg-start)"; ...; make pg-stop
pg-start:
	@bash "$(ROOT)/scripts/pg_test_server.sh" start

pg-stop:
	@bash "$(ROOT)/scripts/pg_test_server.sh" stop

# The production stack on this machine (scripts/stack.sh; docs/DEPLOY.md explains the parts)
stack:
	@bash "$(ROOT)/scripts/stack.sh" start

stack-stop:
	@bash "$(ROOT)/scripts/stack.sh" stop

stack-status:
	@bash "$(ROOT)/scripts/stack.sh" status

clean:
	@cd "$(ROOT)" && find . -path ./.venv -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
	@cd "$(ROOT)" && rm -rf .pytest_cache .hypothesis build dist bench/out var/e2e-artifacts
	@cd "$(ROOT)" && if [ -d assess/translations ]; then find assess/translations -name '*.mo' -delete; fi

distclean: clean
	@cd "$(ROOT)" && rm -rf .venv instance *.egg-info
