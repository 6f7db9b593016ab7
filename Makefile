# Two commands on a fresh machine: `make run` and `make test`. Both go through `make install`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1:8000
PYTEST_ARGS ?=

.PHONY: install run test migrate seed messages check clean

install: $(STAMP)

# Re-install only when the project definition changed (fast when nothing did).
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip wheel
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

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
