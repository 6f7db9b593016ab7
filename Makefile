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
