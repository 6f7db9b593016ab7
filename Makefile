# Two commands on a fresh machine: `make run` and `make test`. Both go through `make install`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1:8000
PYTEST_ARGS ?=

.PHONY: install run test migrate seed messages check clean lock prod-local load

install: $(STAMP)

# --- issue 21: installs exactly the locked versions (requirements/*.txt, hashed) -------------
# uv itself comes from PyPI through the venv's pip, pinned and hashed (requirements/uv.txt);
# `uv pip sync` then makes the venv equal to the lock (removes what the lock does not name).
# Re-runs only when the lock or the project definition changed (fast when nothing did).
UV := $(BIN)/uv
LOCK := requirements/dev.txt
UV_COMPILE = $(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes --no-header

$(STAMP): $(LOCK) requirements/uv.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/uv.txt
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes $(LOCK) requirements/uv.txt
	$(UV) pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# Refresh the lock from pyproject.toml (and requirements/uv.in, load/requirements.in): newest
# versions that satisfy the declared ranges. The runtime lock (the Docker image) is the same
# versions without the test extra. Then `make install` installs them.
lock:
	@test -x $(UV) || { test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); $(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/uv.txt; }
	$(UV_COMPILE) pyproject.toml --extra test -o $(LOCK)
	$(UV_COMPILE) pyproject.toml -c $(LOCK) -o requirements/runtime.txt
	$(UV_COMPILE) requirements/uv.in -o requirements/uv.txt
	$(UV_COMPILE) load/requirements.in -o requirements/load.txt
	@echo "lock refreshed: review 'git diff requirements/', then 'make install'"
# --- end issue 21 --------------------------------------------------------------------------

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

# The tracking links in notices point at this address too, unless SITE_URL is set.
run: seed
	RUNSERVER_ADDRESS=$(HOST) $(BIN)/python manage.py runserver $(HOST)

test: install
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# Rebuild the translation catalogues (needs GNU gettext); the compiled .mo files are committed.
messages: install
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=tests --ignore=bench
	$(BIN)/python manage.py compilemessages --ignore=.venv

check: install
	$(BIN)/python manage.py check

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles

# --- issue 21: the production processes without containers --------------------------------
# gunicorn (2 workers), two Celery workers and beat from the Procfile, through honcho, against
# the PostgreSQL and Redis given by DATABASE_URL and REDIS_URL; migrations and collectstatic
# first. Production settings (DEBUG off, JSON logs) on plain http://$(PROD_BIND) (so the API of
# issue 15 answers plain HTTP here, API_REQUIRE_HTTPS=false). Ctrl-C or
# SIGTERM stops every process gracefully — within 5 s: honcho then sends SIGKILL (fixed in
# honcho); under systemd or supervisord give it GUNICORN_GRACEFUL_TIMEOUT (30 s) or more.
PROD_BIND ?= 127.0.0.1:8000
prod-local: export DEBUG = false
prod-local: export SECRET_KEY ?= prod-local-only-never-used-behind-a-real-proxy-0123456789
prod-local: export SECURE_SSL_REDIRECT ?= false
prod-local: export SECURE_COOKIES ?= false
prod-local: export API_REQUIRE_HTTPS ?= false
prod-local: export SECURE_HSTS_SECONDS ?= 0
prod-local: export LOG_FORMAT ?= json
prod-local: export GUNICORN_BIND ?= $(PROD_BIND)
prod-local: export WEB_CONCURRENCY ?= 2
prod-local: export SITE_URL ?= http://$(PROD_BIND)
prod-local: install
	@test -n "$$DATABASE_URL" && test -n "$$REDIS_URL" || { echo "make prod-local needs DATABASE_URL (PostgreSQL) and REDIS_URL (Redis)"; exit 2; }
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput -v 0
	PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/honcho start -f Procfile -c worker=2

# The load test (load/locustfile.py) in its own virtualenv (locust and gevent stay out of the
# app's); see load/run.sh for the stack it starts and the figures it writes.
LOAD_VENV := .venv-load
$(LOAD_VENV)/.installed-stamp: requirements/load.txt requirements/uv.txt | install
	@test -x $(LOAD_VENV)/bin/python || $(PYTHON) -m venv $(LOAD_VENV)
	$(UV) pip sync --quiet --python $(LOAD_VENV)/bin/python --require-hashes requirements/load.txt
	@touch $@
load: $(LOAD_VENV)/.installed-stamp
	load/run.sh
# --- end issue 21 ---------------------------------------------------------------------------
