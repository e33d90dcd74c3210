# Pillars — every command a person runs. `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in the demo's printout and in emails point at the server `make run` starts.
export SITE_URL ?= http://$(HOST):$(PORT)
PLOTLY_JS := static/vendor/plotly.min.js

.PHONY: run setup venv system-deps vendor migrate demo serve worker scheduler test lint format messages \
	migrations-check pytest pytest-future pytest-pg audit bench clean prod-web prod-worker \
	prod-scheduler

## run: set up everything (venv, packages, database, question bank, demo data) and serve
run: setup
	@echo ""
	@echo "  Pillars is running at http://$(HOST):$(PORT)/"
	@echo "  HR:     hr@example.com     / pillars-demo"
	@echo "  Leader: ana@example.com    / pillars-demo   (leads Platform)"
	@echo ""
	@# The worker's own chatter is silenced; the console email backend still prints the emails.
	@# The scheduler starts automatic reminders when they are due (the worker sends them).
	@$(PY) manage.py run_worker --queue-name default --verbosity 0 & echo $$! > .worker.pid; \
	$(PY) manage.py run_schedule & echo $$! > .scheduler.pid; \
	trap 'kill $$(cat .worker.pid) $$(cat .scheduler.pid) 2>/dev/null; rm -f .worker.pid .scheduler.pid' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

setup: venv vendor migrate demo

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

system-deps:
	./scripts/install-system-deps.sh

vendor: venv
	@mkdir -p static/vendor
	@test -f $(PLOTLY_JS) || cp "$$($(PY) -c 'import plotly, pathlib; print(pathlib.Path(plotly.__file__).parent / "package_data" / "plotly.min.js")')" $(PLOTLY_JS)

migrate: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

demo: migrate
	$(PY) manage.py load_bank
	$(PY) manage.py seed_demo

serve: venv
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: venv
	$(PY) manage.py run_worker --queue-name default

## scheduler: start scheduled work (automatic reminders) every minute; safe on several servers
scheduler: venv
	$(PY) manage.py run_schedule

## test: lint, migrations check, and the whole suite (SQLite; SQLite with the clock a year ahead;
## PostgreSQL too when TEST_DATABASE_URL is set)
test: system-deps venv vendor lint audit migrations-check pytest pytest-future pytest-pg

## lint: ruff, the import rules of LAYOUT.md (import-linter contracts in pyproject.toml) and
## mypy with django-stubs on assessments/ and leadership/ (settings in pyproject.toml)
lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy

format: venv
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

## messages: gather every translatable string into locale/*/LC_MESSAGES/django.po (new ones come
## in untranslated: translate them), then compile the .mo files the server reads. Needs gettext
## (scripts/install-system-deps.sh). tests/test_catalogue.py runs the same gathering.
MESSAGES_IGNORE := -i tests -i benchmarks -i docs -i deploy -i staticfiles -i media -i scripts
messages: venv
	DATABASE_URL= $(PY) manage.py makemessages --all --no-obsolete $(MESSAGES_IGNORE)
	DATABASE_URL= $(PY) manage.py compilemessages -i .venv

migrations-check: venv
	DATABASE_URL= $(PY) manage.py makemigrations --check --dry-run

# Two processes (the suite's SQLite databases are per-process files); a module stays on one
# process so its module-scoped fixtures are built once.
PYTEST_JOBS ?= 2
PYTEST := $(PY) -m pytest -n $(PYTEST_JOBS) --dist loadfile

pytest: venv
	DATABASE_URL= $(PYTEST)

# The suite again with the system clock a year ahead (libfaketime): a test or a demo that only
# works near the day it was written fails here the day it is written. Browser tests are left out
# (Chromium keeps the real clock), and so are the slow `clockless` ones (a server killed mid-burst,
# a PDF of 1,000 teams: nothing in them depends on the date); the property test draws fewer
# organisations here and on PostgreSQL, where what is new is the date or the database.
FUTURE ?= +365d
REPEAT_EXAMPLES := PILLARS_PROPERTY_EXAMPLES=15
pytest-future: venv
	DATABASE_URL= $(REPEAT_EXAMPLES) faketime -f "$(FUTURE)" $(PYTEST) -m "not browser and not clockless"

pytest-pg: venv
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "Running the suite against PostgreSQL ($$TEST_DATABASE_URL)"; \
		DATABASE_URL="$$TEST_DATABASE_URL" $(REPEAT_EXAMPLES) $(PYTEST) -m "not browser"; \
	else echo "TEST_DATABASE_URL not set: skipping the PostgreSQL run"; fi

## audit: pip-audit --strict of every pin (PILLARS_AUDIT=require in CI: see scripts/audit.sh)
audit: venv
	PY=$(PY) ./scripts/audit.sh

## prod-web / prod-worker: the production processes (settings from the environment; docs/deploy.md)
prod-web: venv
	$(PY) manage.py collectstatic --noinput
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(VENV)/bin/gunicorn -c deploy/gunicorn.conf.py

prod-worker: venv
	$(PY) manage.py run_worker --queue-name default

prod-scheduler: venv
	$(PY) manage.py run_schedule

bench: setup
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) db.sqlite3* staticfiles media .pytest_cache $(PLOTLY_JS)
