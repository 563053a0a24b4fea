"""Production settings: the deployment checklist, the security headers, the error pages.

The suite runs with HTTPS=false (the test client speaks plain HTTP); what production sends is
checked here by switching the same settings on, and `check --deploy` runs in a child process
with a production environment, as `make serve` runs it.
"""

import os
import secrets
import subprocess
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

from tests.processes import BASE_DIR, manage


def check_deploy(**overrides: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "kb.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://kb.example.org",
        "CACHE_URL": "redis://127.0.0.1:6379/1",
        "BEHIND_PROXY": "true",
    }
    env.pop("HTTPS", None)  # the production default: on
    env.update(overrides)
    return manage(env, "check", "--deploy", "--fail-level", "WARNING")


def test_check_deploy_is_clean_with_the_production_settings():
    result = check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "warning"),
    [
        ({"HTTPS": "false"}, "security.W008"),
        ({"CACHE_URL": "locmem://", "WEB_CONCURRENCY": "1"}, "gfmd.W001"),
        ({"HSTS_SECONDS": "0"}, "security.W004"),
    ],
)
def test_check_deploy_names_what_is_missing(overrides, warning):
    """The check above can fail: each weakened setting is reported."""
    result = check_deploy(**overrides)
    assert result.returncode != 0
    assert warning in result.stdout + result.stderr


@pytest.mark.parametrize("workers", ["", "2"])
def test_several_workers_with_a_per_process_cache_are_an_error(workers):
    """Each process would keep its own counts: a practice unpublished in one worker would still
    be counted by the others. Without WEB_CONCURRENCY, gunicorn runs two per core."""
    env = {key: value for key, value in os.environ.items() if key != "CACHE_URL"}
    env.update(
        DEBUG="false", SECRET_KEY="x" * 50, ALLOWED_HOSTS="kb.example.org", WEB_CONCURRENCY=workers
    )
    result = manage(env, "check", "--deploy")
    assert result.returncode != 0
    assert "gfmd.E001" in result.stderr and "CACHE_URL=redis://" in result.stderr


def test_make_serve_refuses_to_start_with_a_per_process_cache(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CACHE_URL", "WEB_CONCURRENCY", "DATABASE_URL"}
    }
    env.update(
        ENV_FILE="",
        DEBUG="false",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        HTTPS="false",
        STATIC_ROOT=str(tmp_path / "static"),
        WEB_CONCURRENCY="4",
    )
    result = subprocess.run(
        ["make", "--no-print-directory", "serve"],  # noqa: S607
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "gfmd.E001" in result.stderr
    assert not (tmp_path / "static").exists(), "it stopped before collecting static files"


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    result = manage({**os.environ, "DEBUG": "false", "SECRET_KEY": ""}, "check")
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert "SECRET_KEY must be set when DEBUG is off" in message
    # It says what to do, on a server and on a developer's machine.
    assert "in the project's .env file (see .env.example; no .env file was read)" in message
    assert "put DEBUG=true in front of the command" in message
    env_file = tmp_path / "site.env"
    env_file.write_text("DEBUG=false\n")
    result = manage({**os.environ, "SECRET_KEY": "", "ENV_FILE": str(env_file)}, "check")
    assert f"{env_file} was read" in result.stderr


@pytest.fixture
def production(settings):
    """The HTTPS settings as production has them (HTTPS on)."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    return settings


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(production):
    response = Client().get("/practices/?theme=children")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/practices/?theme=children"


@pytest.mark.django_db
def test_an_https_page_carries_every_security_header(production):
    response = Client().get("/practices/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'"):
        assert directive in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_admin_login_cookies_are_secure_and_http_only(production):
    client = Client()
    client.get("/admin/login/", secure=True)
    csrf = client.cookies["csrftoken"]
    assert csrf["secure"] is True
    client.cookies.clear()


@pytest.mark.django_db
def test_error_pages_carry_the_policy_and_no_inline_style(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "script-src 'self'" in response["Content-Security-Policy"]
    for name in (
        "error_page.html",
        "500.html",
        "503.html",
        "404.html",
        "403_csrf.html",
        "curation/locked_out.html",
    ):
        text = (BASE_DIR / "templates" / name).read_text(encoding="utf-8")
        assert "style=" not in text and "<style" not in text and "<script" not in text, name


def unreachable(*args, **kwargs):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: refused')


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/", "/practices/?theme=children", "/coverage/", "/practices/export.csv"]
)
def test_an_unreachable_database_gives_a_clear_page_then_recovers(url):
    client = Client(raise_request_exception=False)
    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", unreachable):
        response = client.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    text = response.content.decode()
    assert "temporarily unavailable" in text and "database cannot be reached" in text
    assert "Traceback" not in text and "OperationalError" not in text
    assert "script-src 'self'" in response["Content-Security-Policy"]
    # The database is back: the same address answers normally, with no restart.
    assert client.get(url).status_code in (200, 302)


@pytest.mark.django_db
def test_any_other_server_error_is_a_plain_500_page():
    client = Client(raise_request_exception=False)
    with mock.patch("practices.catalogue.views.render", side_effect=ValueError("a bug")):
        response = client.get("/about/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert "a bug" not in response.content.decode()


@pytest.mark.django_db
def test_a_form_sent_without_its_token_gets_a_page_that_says_what_to_do():
    response = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": "x"})
    assert response.status_code == 403
    text = response.content.decode()
    assert "could not be accepted" in text and "Nothing was saved" in text
    assert "<style" not in text


def test_a_lower_case_log_level_is_understood():
    """LOG_LEVEL=info, as gunicorn takes it, used to stop Django from starting."""
    result = manage({**os.environ, "DEBUG": "true", "LOG_LEVEL": "info"}, "check")
    assert result.returncode == 0, result.stderr
