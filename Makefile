# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Where `make run` serves: `make run PORT=8001`, or HOST=0.0.0.0 for every interface.
HOST ?= 127.0.0.1
PORT ?= 8000
# The same site as this machine's browser opens it (0.0.0.0 is no address to open).
LOCAL_URL = http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
# The address in the links of the emails `make run` prints (a submitter's status link): the
# one it serves at, unless SITE_URL says otherwise.
SITE_URL ?= $(LOCAL_URL)

.PHONY: install run serve worker test lint load clean superuser screenshots

# A background worker for the import jobs (`manage.py db_worker`, django-tasks-db) beside a
# server: in a process group of its own (setsid), so that when the server stops, for whatever
# reason (Ctrl-C included), the worker and the child its autoreloader starts stop with it. A
# worker busy with an import finishes it first (a second TERM would stop it at once, and the
# import's transaction would be rolled back).
define with_worker
	$(1) $(BIN)/python manage.py db_worker & worker=$$!; \
	trap 'kill -TERM -$$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(2)
endef

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-installs only when pyproject.toml changes. The brief's PDF (WeasyPrint) needs the system's
# Pango library: installed with apt-get where this runs as root on Debian or Ubuntu, otherwise
# named (every other page works without it; the PDF link then says what is missing).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@$(BIN)/python -c 'import weasyprint' 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null || \
	    { apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0; }; \
	  else echo "note: install Pango (libpango-1.0-0, libpangoft2-1.0-0) for the brief's PDF"; fi; }
	touch $@

# The interface's French and Spanish (locale/*/LC_MESSAGES/django.po), compiled for Django
# whenever a catalogue changes. msgfmt is GNU gettext's: installed with apt-get where this runs
# as root on Debian or Ubuntu.
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po | $(VENV)/.installed
	@command -v msgfmt >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get install -y -qq gettext >/dev/null || \
	    { apt-get update -qq && apt-get install -y -qq gettext; }; \
	  else echo "install GNU gettext (msgfmt) to compile the French and Spanish catalogues"; exit 1; fi; }
	DEBUG=true $(BIN)/python manage.py compilemessages --locale $* --ignore '.venv' -v0

install: $(VENV)/.installed $(MO_FILES)

# Serve the knowledge base locally with the paper's practices loaded (SQLite by default), and
# the worker that runs spreadsheet imports.
run: install
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py load_paper
	$(call with_worker,DEBUG=true setsid,DEBUG=true SITE_URL=$(SITE_URL) $(BIN)/python manage.py runserver $(HOST):$(PORT))

# Production serving: gunicorn (gunicorn.conf.py) with DEBUG off, hashed and compressed static
# files, and the deployment checks. Needs SECRET_KEY and ALLOWED_HOSTS in the environment (and
# DATABASE_URL, CACHE_URL); see "Running in production" in the README.
# One import worker runs beside gunicorn; add workers on any host with `make worker`.
serve: install
	$(BIN)/python manage.py check --deploy
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py migrate --noinput
	$(call with_worker,setsid,$(BIN)/gunicorn -c gunicorn.conf.py gfmd_kb.wsgi)

# One more import worker, on this host or another that shares the database and MEDIA_ROOT
# (the same environment as `make serve`). Stop it with TERM: it finishes its job first.
worker: install
	$(BIN)/python manage.py db_worker --no-reload

load: install
	DEBUG=true $(BIN)/python manage.py load_paper

# The whole suite; DATABASE_URL chooses the database (SQLite when unset).
# HTTPS=false: the test client speaks plain HTTP (production redirects it to https://).
# ENV_FILE=: the tests never read this machine's .env (settings.py).
test: install
	DEBUG=false HTTPS=false SECRET_KEY=test-only-not-secret ENV_FILE= $(BIN)/pytest $(PYTEST_ARGS)

# Full-page PNGs of the main pages at 1280 and 390 px wide, of a site already running
# (`make run` in another terminal, given the same HOST and PORT), into SHOTS (default
# /tmp/gfmd-shots). Needs Debian's chromium.
screenshots: install
	$(BIN)/python tests/browser/screenshots.py $(LOCAL_URL) $(if $(SHOTS),--out $(SHOTS))

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
