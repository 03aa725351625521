# Entry points: `make run` starts the whole development stack, `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_BOOTSTRAP ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
PACKAGES := config tenants agents httptools transcripts usage widget demo docsgen
# SQL-model tests: the apps with SQL models, plus the cross-app tests of their rules, secrets and admin. The SQLite
# pass leaves out the tests marked slow (they start servers: relay drills, the simulator), which run once, on PostgreSQL;
# agents/tests/test_voice_live.py keeps the live path covered on SQLite, the development database.
SQL_MODEL_TESTS := agents httptools usage demo/tests/test_seed.py tests/test_models_validation.py tests/test_secrets.py \
	tests/test_admin_pages.py
DOCS_PORT ?= 8001
POSTGRES_TEST_URL := postgres://postgres@127.0.0.1:5432/voiceagents
# Both pytest passes run on TEST_WORKERS pytest-xdist processes: most tests wait on sockets (live servers, the
# simulator, Chromium), so three workers keep two cores busy. Each worker starts its own SecantusDB and Redis
# (conftest.py) and gets its own test database (pytest-django suffixes it: test_voiceagents_gw0, ...). `--dist load`
# hands the tests out in collection order, so each worker keeps pytest-django's order: the tests inside a rolled-back
# transaction first, then the transactional ones, whose flush empties the rows the migrations add (the model
# catalogue, the "Tenant operator" group). `--maxschedchunk 1` hands them out one or two at a time, so no worker is
# left at the end with a queue of long tests while the others idle. TEST_WORKERS=0 runs a pass in one process.
TEST_WORKERS ?= 3
PYTEST_WORKERS := -n $(TEST_WORKERS) --dist load --maxschedchunk 1
APT_PACKAGES := chromium espeak-ng gettext
# The languages the widget is translated into (widget/strings.py TRANSLATED_LANGUAGES; English is the source).
LANGUAGES := de fr es pt
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: help install run test lint bench docs docs-serve screenshots clean system-packages postgres messages

help:
	@echo "make run    start the development stack (embedded Redis and MongoDB, Daphne, Celery, simulator)"
	@echo "make test   ruff, mypy, then pytest on SQLite (SQL-model tests) and on PostgreSQL (everything)"
	@echo "make lint   ruff (lint and format check), import contracts and mypy only"
	@echo "make bench  run every bench/bench_*.py"
	@echo "make docs   build the documentation site (mkdocs build --strict)"
	@echo "make docs-serve  preview the documentation site on http://127.0.0.1:8001/, rebuilt on every save"
	@echo "make screenshots  browser tests, then copy their screenshots into docs/screenshots/"
	@echo "make messages  update the widget's translation files (locale/*/LC_MESSAGES/django.po) and compile them"
	@echo "make clean  remove caches and build output (keeps .venv and var/)"

$(PY):
	$(PYTHON_BOOTSTRAP) -m venv $(VENV)

# Each install reruns only when pyproject.toml is newer than its stamp. `make run` needs the project and its
# dependencies; the checks, docs and benches need the dev extra too, which includes the former, so installing
# it also renews the run stamp.
$(RUN_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -e .
	@touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -e '.[dev]'
	@touch $(RUN_STAMP) $@

install: $(RUN_STAMP)

run: $(RUN_STAMP)
	$(PY) -m config.devstack

# The widget's translations: extract the marked strings into each language's .po (new ones untranslated, the
# old ones kept), then compile every .po into the .mo committed beside it, so running the platform needs no
# gettext. A test fails when a string has no translation or a .mo is older than its .po. After a merge that
# conflicted in them, keep both sides' entries in the .po files and run this again for the .mo files.
messages: $(RUN_STAMP) system-packages
	DEBUG=1 $(PY) manage.py makemessages --no-obsolete --add-location=file $(addprefix -l ,$(LANGUAGES)) \
		$(addprefix --ignore=,'var/*' 'site/*' 'build/*' 'docs/*' 'bench/*' 'tests/*' '*/tests/*' 'templates/admin/*')
	@# No extraction date in the .po files: branches that each add a string then conflict only where they add it.
	sed -i '/^"POT-Creation-Date: /d' $(foreach language,$(LANGUAGES),locale/$(language)/LC_MESSAGES/django.po)
	DEBUG=1 $(PY) manage.py compilemessages $(addprefix -l ,$(LANGUAGES)) --ignore=$(VENV) --ignore=var

# Debian packages the browser, speech and translation tests need; apt-get runs only when one is missing.
system-packages:
	@if ! command -v dpkg >/dev/null; then echo "not Debian: install $(APT_PACKAGES) yourself"; exit 0; fi; \
	missing=""; for package in $(APT_PACKAGES); do \
		dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y --no-install-recommends $$missing; \
	fi

# The local PostgreSQL server, started if it is down (only when DATABASE_URL is not given).
postgres:
ifndef DATABASE_URL
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
		echo "PostgreSQL is down: starting it"; \
		$(SUDO) pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | sort -V | tail -n 1) main start; }; \
	pg_isready -q -h 127.0.0.1 -p 5432 -t 20 || { echo "PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }
endif

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache --no-logo
	DEBUG=1 $(BIN)/mypy $(PACKAGES)

# Every step runs even if an earlier one failed, so one run shows every problem; the exit status is
# non-zero if any failed. The full PostgreSQL run goes last so its summary is the last line printed.
test: $(DEV_STAMP) system-packages postgres
	@status=0; \
	echo "== ruff check ."; $(BIN)/ruff check . || status=1; \
	echo "== ruff format --check ."; $(BIN)/ruff format --check . || status=1; \
	echo "== lint-imports (app layers, no cycles)"; $(BIN)/lint-imports --no-cache --no-logo || status=1; \
	echo "== mypy $(PACKAGES)"; DEBUG=1 $(BIN)/mypy $(PACKAGES) || status=1; \
	echo "== mkdocs build --strict"; NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict || status=1; \
	echo "== pytest on SQLite: $(SQL_MODEL_TESTS)"; \
	env -u DATABASE_URL $(BIN)/pytest $(SQL_MODEL_TESTS) -m "not browser and not slow" $(PYTEST_WORKERS) || status=1; \
	echo "== pytest on PostgreSQL: the whole suite"; \
	DATABASE_URL="$${DATABASE_URL:-$(POSTGRES_TEST_URL)}" $(BIN)/pytest $(PYTEST_WORKERS) || status=1; \
	exit $$status

bench: $(DEV_STAMP)
	@shopt -s nullglob; benches=(bench/bench_*.py); status=0; \
	if [ $${#benches[@]} -eq 0 ]; then echo "no bench/bench_*.py yet"; fi; \
	for bench in "$${benches[@]}"; do \
		echo "== $$bench"; DEBUG=$${DEBUG:-1} PYTHONPATH=$(CURDIR) $(PY) $$bench || status=1; done; \
	exit $$status

docs: $(DEV_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# Port 8001, so the preview runs beside `make run` (8000).
docs-serve: $(DEV_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr 127.0.0.1:$(DOCS_PORT)

# The browser tests write their screenshots to build/screenshots/; only a fully green run replaces the ones
# docs/widget.md shows.
screenshots: $(DEV_STAMP) system-packages postgres
	rm -rf build/screenshots
	DATABASE_URL="$${DATABASE_URL:-$(POSTGRES_TEST_URL)}" $(BIN)/pytest tests/browser
	cp build/screenshots/*.png docs/screenshots/

clean:
	rm -rf site build *.egg-info .mypy_cache .ruff_cache .pytest_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
