# 实事进度: the two commands a new machine needs are `make run` and `make test`.
# Needs GNU make and Python 3.12 (python3.12 on PATH, or PYTHON=/path/to/python3.12).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.12
VENV ?= .venv
PY := $(VENV)/bin/python
# The PostgreSQL pass of `make test`; pytest-django creates and drops test_<name> on that server.
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
SQLITE_URL ?= sqlite:///$(CURDIR)/db.sqlite3
# Extra pytest arguments for both passes, e.g. `make test PYTEST_ARGS="-k import -x"`.
# `-n auto` (pytest-xdist) works on both databases but, on 2 cores and ~180 tests, was slower
# than one process (SQLite 16.7 s vs 14.8 s, PostgreSQL 21.8 s vs 20.3 s), so it is not the default.
PYTEST_ARGS ?=
CI_MODE := $(filter 1 true yes,$(shell printf '%s' "$${CI:-}" | tr A-Z a-z))

.PHONY: help setup messages run worker serve test lint test-sqlite test-postgres bench-import bench-load bench-export fixtures-formats bench-pdf bench-scorecard

help:
	@echo "make run    set up, migrate, load the demo data and accounts, serve on http://127.0.0.1:8000 (PORT=8001 for another port)"
	@echo "make test   set up, lint, check, then the test suite on SQLite and on PostgreSQL"
	@echo "make setup  create $(VENV) with $(PYTHON) and install the dependencies of pyproject.toml"
	@echo "make worker one background worker (exports, imports, statuses, reminders) on DATABASE_URL"
	@echo "make serve  one production-style server (gunicorn, WhiteNoise, production settings) on http://127.0.0.1:8000"

# The project is not a package: install [project.dependencies] and the dev extra straight
# from pyproject.toml. Re-runs only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	@if ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then \
		command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.12 or pass PYTHON=/path/to/python3.12" >&2; exit 1; }; \
		echo "Creating $(VENV) with $$($(PYTHON) --version)"; \
		rm -rf $(VENV); $(PYTHON) -m venv $(VENV); \
	fi
	$(PY) -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
		print("\n".join(p["dependencies"] + p["optional-dependencies"]["dev"]))' > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r $(VENV)/requirements.txt
	@touch $@

setup: $(VENV)/.installed messages

# The .mo files are committed; compiling them again only needs gettext's msgfmt.
PO_FILES := $(shell find . -path ./$(VENV) -prune -o -name '*.po' -print 2>/dev/null)
messages: $(VENV)/.installed
	@if [ -z "$(PO_FILES)" ]; then \
		:; \
	elif command -v msgfmt >/dev/null; then \
		$(PY) manage.py compilemessages --ignore=$(VENV) --verbosity 0; \
	else \
		echo "msgfmt not found (apt-get install gettext): using the committed .mo files"; \
	fi

# `make run PORT=8001` serves on another port (and load_demo prints that address). The
# background worker (exports, imports, status refreshes, reminders) runs beside the server
# and stops with it.
PORT ?= 8000
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo --port $(PORT)
	$(PY) manage.py jobs_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null || true' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# One background worker on DATABASE_URL (run as many as docs/jobs.md says, on any machine).
worker: setup
	$(PY) manage.py jobs_worker --no-reload

# One production-style server: config.settings.production under gunicorn (gunicorn.conf.py),
# static files collected and served by WhiteNoise. The database is DATABASE_URL (default: the
# demo's SQLite file of `make run`); without SECRET_KEY a fixed development key is used and
# said so. Plain HTTP on 127.0.0.1, so the HTTPS redirect and secure cookies are off unless
# set; a real deployment sets SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL and keeps them on.
SERVE_BIND ?= 127.0.0.1:8000
serve: setup
	@if [ -z "$${SECRET_KEY:-}" ]; then \
		echo "make serve: SECRET_KEY is not set, using a development key (never do this in production)"; \
	fi
	@export DJANGO_SETTINGS_MODULE=config.settings.production \
		SECRET_KEY="$${SECRET_KEY:-make-serve-development-key-not-secret-9f3c1a7e52d84b6b8e0d}" \
		DATABASE_URL="$${DATABASE_URL:-$(SQLITE_URL)}" \
		ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost}" \
		SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-false}" \
		SESSION_COOKIE_SECURE="$${SESSION_COOKIE_SECURE:-false}" \
		CSRF_COOKIE_SECURE="$${CSRF_COOKIE_SECURE:-false}" \
		GUNICORN_BIND="$${GUNICORN_BIND:-$(SERVE_BIND)}"; \
	echo "make serve: $$DATABASE_URL on http://$$GUNICORN_BIND/"; \
	$(PY) manage.py collectstatic --noinput --verbosity 0; \
	$(PY) manage.py migrate --noinput; \
	$(PY) manage.py createcachetable; \
	exec $(VENV)/bin/gunicorn -c gunicorn.conf.py config.wsgi

lint: setup
	$(PY) -m ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

# PostgreSQL-only tests are deselected here; they run in the PostgreSQL pass.
test-sqlite: setup
	DATABASE_URL='$(SQLITE_URL)' $(PY) -m pytest -m 'not postgres' $(PYTEST_ARGS)

# Without a server: a SKIPPED line locally, a failure under CI=true.
test-postgres: setup
	@if $(PY) -c 'import sys, psycopg2; psycopg2.connect(sys.argv[1], dbname="postgres", connect_timeout=5).close()' \
			'$(PG_URL)' 2>/dev/null; then \
		echo "DATABASE_URL=$(PG_URL) $(PY) -m pytest $(PYTEST_ARGS)"; \
		DATABASE_URL='$(PG_URL)' $(PY) -m pytest $(PYTEST_ARGS); \
	elif [ -n "$(CI_MODE)" ]; then \
		echo "FAILED: PostgreSQL is not reachable at $(PG_URL), and CI requires the PostgreSQL pass" >&2; \
		exit 1; \
	else \
		echo "SKIPPED: PostgreSQL pass: no server at $(PG_URL) (start it, or set PG_URL=postgres://user@host:port/db)"; \
	fi

test: lint test-sqlite test-postgres

bench-import: setup
	$(PY) benchmarks/import_bench.py

# The legacy-format files of fixtures/formats, made once from the samples by LibreOffice and
# committed (see the script's docstring); needs soffice. Tests only read them.
fixtures-formats: setup
	$(PY) fixtures/formats/make_formats.py

# Two gunicorn servers on PostgreSQL (PG_URL's server, database load_bench) with the synthetic
# 20,000-item jurisdiction; Redis when one answers on 127.0.0.1:6379. BENCH_ARGS="--reuse" keeps
# the seeded database.
BENCH_ARGS ?=
bench-load: setup
	$(PY) benchmarks/load.py --pg '$(patsubst %/,%,$(dir $(PG_URL)))' $(BENCH_ARGS)

bench-export: setup
	$(PY) benchmarks/export_bench.py

# Needs the synthetic jurisdiction: manage.py seed_synthetic --subitems 20000 --months 12
bench-scorecard: setup
	$(PY) benchmarks/scorecard_bench.py

# Needs LibreOffice (soffice) and a Chinese font (fonts-noto-cjk) to print the list to PDF.
bench-pdf: setup
	$(PY) benchmarks/pdf_bench.py
