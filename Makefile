# One command to serve the portal with demo data, one to run every test.
# Needs only Python 3.11+ and make; everything else is installed into .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))

# Development defaults; a real deployment sets its own (see README).
export DEBUG ?= true
# Links in e-mails lead to the address `make run` serves at.
export PORTAL_URL ?= http://$(HOST):$(PORT)

# The suite runs in one process per core, a test file to a process (pytest-xdist); PYTEST_ARGS=-n0 runs
# it in one.
PYTEST_ARGS ?= --numprocesses auto --dist loadfile

.PHONY: run test bench setup setup-dev messages migrate lint format clean

# The worker beside the development server sends the e-mails (printed here); it stops with the server.
run: setup migrate
	$(BIN)/python manage.py seed_demo
	@echo "Serving the portal at http://$(HOST):$(PORT)/ (Ctrl+C stops it); e-mails are printed below"
	$(BIN)/python manage.py db_worker --no-reload --no-startup-delay & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

setup: $(VENV)/.installed messages

setup-dev: $(VENV)/.installed-dev messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

# Compiled translations are built, not committed; Babel needs no system gettext.
# The benchmark: needs PostgreSQL (DATABASE_URL) and wrk (apt-get install wrk); see README.
bench: setup-dev
	$(BIN)/python bench/run.py $(BENCH_ARGS)

messages: $(MO_FILES)

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

# After the migrations, placements' status is computed from their rows (a no-op once it is up to date).
migrate: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py recompute_status

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
	find locale -name '*.mo' -delete
