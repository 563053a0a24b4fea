# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run serve test lint load clean superuser screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-installs only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Serve the knowledge base locally with the paper's practices loaded (SQLite by default).
run: install
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py load_paper
	DEBUG=true $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production serving: gunicorn (gunicorn.conf.py) with DEBUG off, hashed and compressed static
# files, and the deployment checks. Needs SECRET_KEY and ALLOWED_HOSTS in the environment (and
# DATABASE_URL, CACHE_URL); see "Running in production" in the README.
serve: install
	$(BIN)/python manage.py check --deploy
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/gunicorn -c gunicorn.conf.py gfmd_kb.wsgi

load: install
	DEBUG=true $(BIN)/python manage.py load_paper

# The whole suite; DATABASE_URL chooses the database (SQLite when unset).
# HTTPS=false: the test client speaks plain HTTP (production redirects it to https://).
test: install
	DEBUG=false HTTPS=false SECRET_KEY=test-only-not-secret $(BIN)/pytest $(PYTEST_ARGS)

# Full-page PNGs of the main pages at 1280 and 390 px wide, of a site already running
# (`make run` in another terminal), into SHOTS (default /tmp/gfmd-shots). Needs Debian's chromium.
screenshots: install
	$(BIN)/python tests/browser/screenshots.py http://$(HOST):$(PORT) $(if $(SHOTS),--out $(SHOTS))

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache

# An admin account for the local site (asks for a name and password).
superuser: install
	DEBUG=true $(BIN)/python manage.py createsuperuser
