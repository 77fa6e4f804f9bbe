# NAP 1325 portal: build, demo and test entry points. `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.napportal-runtime.stamp
DEV_STAMP := $(VENV)/.napportal-dev.stamp
RESULTS := test-results

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONUNBUFFERED := 1

PYTEST := $(PY) -m pytest -m "not browser" $(PYTEST_ARGS)
# pytest exits 5 when it collected no test: say so, and fail.
NO_TESTS_FAILS := || { rc=$$?; [ $$rc -ne 5 ] || echo "error: pytest collected no tests" >&2; exit $$rc; }

.PHONY: help demo run serve install install-dev system-deps system-deps-runtime lint format \
	migrations-check deploy-check messages test test-sqlite test-postgres test-db-outage test-browser pg-start \
	pg-stop clean bench

help:
	@echo "make demo              install, migrate, load the demo data and run the portal on :8000"
	@echo "make test              install everything the tests need and run lint + all test suites"
	@echo "make lint              ruff check + ruff format --check"
	@echo "make format            ruff format + ruff check --fix"
	@echo "make migrations-check  fail when a model change has no migration"
	@echo "make deploy-check      check --deploy and collectstatic with the production settings"
	@echo "make messages          update the nl/en/fr catalogues (makemessages) and compile them"
	@echo "make test-sqlite       pytest (not browser) on SQLite"
	@echo "make test-postgres     pytest (not browser) on a throw-away PostgreSQL 15 (scripts/pg.sh)"
	@echo "make test-db-outage    stop and start PostgreSQL under gunicorn: fast 503s, recovery"
	@echo "make test-browser      pytest -m browser in headless Chromium"
	@echo "make run               runserver on 127.0.0.1:8000 without reloading the demo"
	@echo "make pg-start|pg-stop  the throw-away PostgreSQL used by test-postgres"
	@echo "make bench             benchmarks (pages, API, saving, report) at 1x/10x/100x data, targets"
	@echo "make clean             remove the venv, var/, test results and caches"
	@echo "Extra pytest arguments: make test-sqlite PYTEST_ARGS='-k plan -x'"

# --- installation -------------------------------------------------------------------------
# scripts/venv.sh compares a hash of pyproject.toml with the stamp, so a newer mtime alone
# (a checkout, a touch) costs one hash, not a pip run.
$(RUNTIME_STAMP): pyproject.toml
	@scripts/venv.sh runtime

$(DEV_STAMP): pyproject.toml
	@scripts/venv.sh dev

install: system-deps-runtime $(RUNTIME_STAMP)
install-dev: system-deps $(DEV_STAMP)

system-deps:
	@scripts/install-system-deps.sh test

system-deps-runtime:
	@scripts/install-system-deps.sh runtime

# --- demo ---------------------------------------------------------------------------------
demo: install
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py create_demo_users
	@echo "Portal: http://127.0.0.1:8000/  (admin: http://127.0.0.1:8000/nl/admin/)"
	@$(MAKE) serve

run: install
	DEBUG=1 $(PY) manage.py migrate --no-input
	@$(MAKE) serve

# The portal plus the background worker that renders reports (stopped with the portal).
serve:
	@DEBUG=1 $(PY) manage.py db_worker --queue-name '*' & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

# --- checks -------------------------------------------------------------------------------
# Both checks always run, so one report shows every problem.
lint: $(DEV_STAMP)
	@rc=0; \
	echo "ruff check ."; $(VENV)/bin/ruff check . || rc=1; \
	echo "ruff format --check ."; $(VENV)/bin/ruff format --check . || rc=1; \
	exit $$rc

format: $(DEV_STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: $(DEV_STAMP)
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

# The production settings (DEBUG off, a real-looking key, a host name): Django's deployment
# checks must pass with warnings counted as failures and nothing silenced, and the hashed,
# compressed static files must build (a file that a stylesheet names but that is missing fails).
DEPLOY_ENV := env -u DJANGO_SETTINGS_MODULE -u DEBUG DEBUG=false ALLOWED_HOSTS=nap1325.example.org \
	SECRET_KEY=deploy-check-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')

deploy-check: $(DEV_STAMP)
	$(DEPLOY_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	@tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	$(DEPLOY_ENV) STATIC_ROOT="$$tmp" $(PY) manage.py collectstatic --no-input --verbosity 0 \
		&& echo "collectstatic: hashed and compressed static files built"

# Interface translations: extract every marked string into the catalogues under locale/ (and
# an app's own locale/ when it has one), keep existing translations, then compile the .mo files,
# which are committed. Translate new or fuzzy entries in the .po files, then run it again.
MESSAGES_IGNORE := --ignore=.venv --ignore=var --ignore=static/vendor --ignore=tests \
	--ignore=node_modules --ignore=test-results

messages: system-deps-runtime $(RUNTIME_STAMP)
	DEBUG=1 $(PY) manage.py makemessages -l nl -l en -l fr $(MESSAGES_IGNORE)
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

# --- tests --------------------------------------------------------------------------------
# `make test` runs every stage below (scripts/test-all.sh), goes on after a failed stage,
# prints a summary and fails when any stage failed. FAIL_FAST=1 stops at the first failure.
test:
	@scripts/test-all.sh

test-sqlite: system-deps $(DEV_STAMP)
	@mkdir -p $(RESULTS)
	env -u DATABASE_URL $(PYTEST) --junitxml=$(RESULTS)/sqlite.xml $(NO_TESTS_FAILS)

test-postgres: system-deps $(DEV_STAMP)
	@mkdir -p $(RESULTS)
	@trap 'scripts/pg.sh stop' EXIT; \
	url="$$(scripts/pg.sh start)"; \
	echo "DATABASE_URL=$$url"; \
	DATABASE_URL="$$url" $(PYTEST) --junitxml=$(RESULTS)/postgres.xml $(NO_TESTS_FAILS)

# The portal under gunicorn while its own throw-away PostgreSQL stops and starts (bench/db_outage.py).
test-db-outage: system-deps $(DEV_STAMP)
	$(PY) bench/db_outage.py

test-browser: system-deps $(DEV_STAMP)
	@mkdir -p $(RESULTS)
	env -u DATABASE_URL $(PY) -m pytest -m browser $(PYTEST_ARGS) \
		--junitxml=$(RESULTS)/browser.xml $(NO_TESTS_FAILS)

# Benchmarks of issue #7 on PostgreSQL + gunicorn with production settings, load from wrk;
# prints each target met or missed. Figures in var/bench/; see bench/RESULTS.md.
bench: system-deps $(DEV_STAMP)
	$(PY) bench/run.py $(BENCH_ARGS)

pg-start:
	@scripts/pg.sh start

pg-stop:
	@scripts/pg.sh stop

clean:
	-@scripts/pg.sh destroy 2>/dev/null
	rm -rf $(VENV) var $(RESULTS) .pytest_cache .ruff_cache
