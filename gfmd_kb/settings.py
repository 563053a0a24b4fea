"""Settings for the GFMD good-practice knowledge base.

Everything that differs between a laptop, CI and production comes from the environment, or
from a `.env` file in the project folder (see `.env.example`). With no `DATABASE_URL` the
embedded SQLite file is used.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from gfmd_kb import envfile

BASE_DIR = Path(__file__).resolve().parent.parent

# The machine's `.env` (or the file ENV_FILE names; ENV_FILE= reads none), before any setting:
# each variable it sets is a default that the real environment overrides (gfmd_kb/envfile.py).
ENV_FILE, ENV_FILE_VARIABLES = envfile.read_into_environ(BASE_DIR / ".env")


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no variable; refuse anything that is not clearly one or the other."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. On a server, set it to a long random "
            "string in the environment or in the project's .env file (see .env.example; "
            + (f"{ENV_FILE} was read" if ENV_FILE else "no .env file was read")
            + "). On a developer's machine, put DEBUG=true in front of the command instead, "
            "as the README's local commands do: DEBUG=true .venv/bin/python manage.py …"
        )
    # A development-only key: DEBUG is on, so this instance is never public.
    SECRET_KEY = "dev-only-insecure-key-set-SECRET_KEY-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
# The public addresses forms are posted from, e.g. https://kb.example.org (needed behind a
# proxy that terminates HTTPS, for the admin's forms).
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # The content's French and Spanish columns (practices/translation.py); before the admin,
    # whose forms it extends.
    "modeltranslation",
    # django.contrib.admin with a site that admits curators and reviewers only.
    "gfmd_kb.apps.KnowledgeBaseAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "import_export",
    "simple_history",
    "axes",
    # Background jobs (the spreadsheet import's preview and confirmation) run by
    # `manage.py db_worker`, queued in the database: django-tasks-db.
    "django_tasks",
    "django_tasks_db",
    "countries",
    "practices",
    # The practice domain's two sides (ARCHITECTURE.md): what the public reads, and the
    # curators' desk.
    "practices.catalogue",
    "practices.curation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses what every middleware below has finished with (Django's docs: before anything
    # that reads or changes the body), streamed exports chunk by chunk, with Django's BREACH
    # mitigation. After whitenoise: static files are its own, pre-compressed, never seen here.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The address's language on public pages, the curator's own in the admin.
    "gfmd_kb.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Records the signed-in user on every history entry a request writes.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gfmd_kb.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "gfmd_kb.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# PostgreSQL fails fast (gfmd_kb.postgresql): a server that hangs gets a request a 503 within
# seconds instead of holding its thread. Web requests, which a person waits on, get a few
# seconds a statement; manage.py's commands (migrations, the import worker, load_paper) are
# given longer, as their work may need it. Every connection ends a transaction left idle.
DB_CONNECT_TIMEOUT = env_int("DB_CONNECT_TIMEOUT", 3)
DB_STATEMENT_TIMEOUT = env_int("DB_STATEMENT_TIMEOUT", 5)
DB_COMMAND_STATEMENT_TIMEOUT = env_int("DB_COMMAND_STATEMENT_TIMEOUT", 600)
DB_IDLE_IN_TRANSACTION_TIMEOUT = env_int("DB_IDLE_IN_TRANSACTION_TIMEOUT", 60)
# manage.py says which kind of process this is (runserver serves web requests).
RUNS_COMMAND = os.environ.get("GFMD_PROCESS") == "command"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "gfmd_kb.postgresql"
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.update(
        {
            # PostgreSQL's JIT compiler spends seconds compiling the export's and the facets'
            # plans for queries that then run in milliseconds: it pays off for long
            # analytics, not here.
            "options": " ".join(filter(None, ["-c jit=off", options.get("options")])),
            "connect_timeout": DB_CONNECT_TIMEOUT,
            "statement_timeout": (
                DB_COMMAND_STATEMENT_TIMEOUT if RUNS_COMMAND else DB_STATEMENT_TIMEOUT
            ),
            "idle_in_transaction_timeout": DB_IDLE_IN_TRANSACTION_TIMEOUT,
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The import's worker writes while the site serves: in WAL mode readers never wait for a
    # writer (a curator's progress page reads while the worker's import transaction is open),
    # and a writer waits up to 20 s for another one instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# GFMD works in English, French and Spanish: the interface from locale/ (compiled by `make
# install`), English at /, French at /fr/, Spanish at /es/ (gfmd_kb/urls.py).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The content's words per language (practices/translation.py): a column per language, English
# the language every record has and the one shown where a translation is missing.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = ("en", "fr", "es")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# collectstatic writes here and whitenoise serves from here (env: a folder of the release).
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files, such as the spreadsheet kept between an import's preview and its
# confirmation: with several app servers, a folder they all share. Nothing here is served.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

LOGIN_URL = "admin:login"

# --- Security: Django's deployment checklist --------------------------------------------------
# HTTPS is on unless DEBUG is: the secure cookies, the redirect to https:// and HSTS all follow
# it. Set HTTPS=false only for a site that is never public (the test suite, a benchmark).
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", 31_536_000 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Behind one reverse proxy (nginx, a load balancer) that terminates HTTPS: it says which
# scheme the client used, and the client's address is the last one it appends to
# X-Forwarded-For (gfmd_kb.proxy). Never set this on a server reachable without the proxy.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy (django-csp): every script and style comes from our own static
# files; the pages carry no inline script, style attribute or <style> element.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Admin login throttling (django-axes) ----------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failed logins for one user name from one address lock that pair out for a cool-off
# period (then they may try again), not for ever: an officer who mistypes is not locked out
# of the office's shared address, and a guesser cannot lock a curator out from elsewhere.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "curation/locked_out.html"
# The client's address, also behind a proxy: what logins and submissions are throttled by.
CLIENT_IP_CALLABLE = "gfmd_kb.proxy.client_ip"
AXES_CLIENT_IP_CALLABLE = CLIENT_IP_CALLABLE
AXES_VERBOSE = False

# --- Cache: the facet counts and the coverage page (practices.cache) -------------------------
# CACHE_URL chooses the backend: redis://host:6379/1 in production (one cache every app server
# shares, so a save invalidates it everywhere), locmem:// for one process, dummy:// for none.
CACHE_URL = os.environ.get("CACHE_URL", "locmem://")


def cache_from_url(url: str) -> dict:
    scheme = url.split("://", 1)[0]
    if scheme in {"redis", "rediss", "unix"}:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "gfmd",
            "TIMEOUT": 24 * 3600,
        }
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "TIMEOUT": 3600}
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(f"CACHE_URL must be redis://, locmem:// or dummy://, not {url!r}")


CACHES = {"default": cache_from_url(CACHE_URL)}
# After each data change, a background job computes the list's common counts ahead
# (practices.catalogue.warming). Only a shared cache lets web processes read them: on by
# default with Redis only.
WARM_CACHE = env_bool("WARM_CACHE", CACHES["default"]["BACKEND"].endswith("RedisCache"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING").upper()},
}

# django-import-export: the practice admin's spreadsheets (practices.curation.imports.resources).
# One transaction per import, so that a failing row leaves nothing half imported.
IMPORT_EXPORT_USE_TRANSACTIONS = True
# Import and export each need their own permission: practices.import_practice, .export_practice.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
# The library's own import pages are replaced by import jobs (practices.curation.imports.jobs),
# which keep the file in MEDIA_ROOT/imports/ and log imported practices in the admin's "recent
# actions" themselves.

# Background jobs (django-tasks with its database backend, django-tasks-db): the import's
# preview and confirmation are queued in the database and run by `manage.py db_worker`, any
# number of them, on any host that shares the database and MEDIA_ROOT.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# The spreadsheet import (practices.curation.imports): the largest file accepted, and how long
# the files of a preview nobody confirms are kept (`manage.py clean_imports` removes them).
# A file past a limit is refused with a message before it is read whole (imports/upload.py):
# its bytes and a workbook's size unzipped on the upload form; its rows by the worker, which
# stops reading at the first row past the limit.
# - Rows: 10,000 is twice the benchmarked 5,000 rows. 10,000 rows took a worker 18 s and 230 MB
#   at its peak (bench/README.md), where the attack run's 200,000 rows got no answer. A
#   curator's file holds tens or hundreds of practices; a larger one can be split.
# - Unzipped: a workbook is a ZIP, and 7.5 MB of XLSX unzipped to 303 MB. 10,000 rows of the
#   paper's practices unzip to 21 MB; 50 MB leaves room for longer texts, and bounds what
#   openpyxl holds whole even when it streams the sheet: the shared strings (50 MB of tiny
#   ones peaked at 307 MB, 100 MB at 591 MB).
IMPORT_MAX_FILE_MB = env_int("IMPORT_MAX_FILE_MB", 50)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 10_000)
IMPORT_MAX_UNZIPPED_MB = env_int("IMPORT_MAX_UNZIPPED_MB", 50)
IMPORT_PREVIEW_MAX_AGE = timedelta(hours=int(os.environ.get("IMPORT_PREVIEW_MAX_AGE_HOURS", "24")))

# The living base (practices.models.practice.currency_cutoff): a practice nobody has verified
# for longer than this many years shows a "may be out of date" notice.
CURRENCY_YEARS = int(os.environ.get("CURRENCY_YEARS", "3"))

# --- The call for practices (practices.submissions) -----------------------------------------
# How many submissions the public form takes from one address in an hour and for one email
# address in a day; the next is refused with a page that says when to try again.
SUBMISSIONS_PER_ADDRESS_PER_HOUR = env_int("SUBMISSIONS_PER_ADDRESS_PER_HOUR", 5)
SUBMISSIONS_PER_EMAIL_PER_DAY = env_int("SUBMISSIONS_PER_EMAIL_PER_DAY", 3)
# The submitter's name, organisation and email are erased this many months after the decision
# (manage.py erase_submitters, run daily).
SUBMITTER_DETAILS_MONTHS = env_int("SUBMITTER_DETAILS_MONTHS", 12)

# --- Email: the daily review digest (manage.py send_review_digest) ---------------------------
# Printed on the console unless configured: EMAIL_URL, or EMAIL_HOST with EMAIL_PORT,
# EMAIL_HOST_USER, EMAIL_HOST_PASSWORD and EMAIL_USE_TLS (or EMAIL_USE_SSL).
SMTP_SCHEMES = {
    # scheme: (STARTTLS, TLS from the start, default port)
    "smtp": (False, False, 25),
    "smtp+tls": (True, False, 587),
    "smtps": (False, True, 465),
}


def email_from_env() -> dict:
    """Django's EMAIL_* settings from the environment; refuses what it cannot read.

    ``EMAIL_URL`` is ``smtp+tls://user:password@host:587`` (STARTTLS), ``smtps://…`` (TLS from
    the start), ``smtp://host`` (neither: a relay on the same machine), ``console://`` or
    ``dummy://``; a user name or password with ``@``, ``:`` or ``/`` in it is percent-encoded.
    """
    url = os.environ.get("EMAIL_URL", "").strip()
    host = os.environ.get("EMAIL_HOST", "").strip()
    if url and host:
        raise ImproperlyConfigured("Set EMAIL_URL or EMAIL_HOST, not both")
    if not url and not host:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if url:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme in ("console", "dummy"):
            return {"EMAIL_BACKEND": f"django.core.mail.backends.{scheme}.EmailBackend"}
        if scheme not in SMTP_SCHEMES or not parts.hostname:
            raise ImproperlyConfigured(
                "EMAIL_URL must be smtp+tls://user:password@host:port, smtps://…, "
                f"smtp://host, console:// or dummy://, not {scheme or url!r}://…"
            )
        use_tls, use_ssl, default_port = SMTP_SCHEMES[scheme]
        try:
            port = parts.port or default_port
        except ValueError:
            raise ImproperlyConfigured("EMAIL_URL has a port that is not a number") from None
        host, user, password = parts.hostname, parts.username or "", parts.password or ""
        user, password = unquote(user), unquote(password)
    else:
        use_tls = env_bool("EMAIL_USE_TLS", False)
        use_ssl = env_bool("EMAIL_USE_SSL", False)
        if use_tls and use_ssl:
            raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL exclude each other")
        port = env_int("EMAIL_PORT", 465 if use_ssl else 587 if use_tls else 25)
        user = os.environ.get("EMAIL_HOST_USER", "")
        password = os.environ.get("EMAIL_HOST_PASSWORD", "")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": host,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": user,
        "EMAIL_HOST_PASSWORD": password,
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
    }


_email = email_from_env()
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
# A mail server that never answers must not hang the digest's cron job.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "GFMD good-practice knowledge base <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The site's public address, for the links in emails, which have no request to take it from.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").strip().rstrip("/")
if SITE_URL and not SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"SITE_URL must start with https:// or http://, not {SITE_URL!r}")
