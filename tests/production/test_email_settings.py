"""Email settings from the environment: the console unless configured, SMTP from EMAIL_URL or
from EMAIL_HOST and its companions, the site's address for the links, and a clear refusal of
what cannot be read."""

import os

import pytest
from django.core.exceptions import ImproperlyConfigured

from gfmd_kb.settings import email_from_env
from tests.processes import manage

VARIABLES = [
    "EMAIL_URL",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
]
SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def env(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def set_env(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        return email_from_env()

    return set_env


def test_without_configuration_emails_go_to_the_console(env):
    assert env() == {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}


def test_an_email_url_gives_the_smtp_server_with_starttls(env):
    settings = env(EMAIL_URL="smtp+tls://digest%40kb.example.org:p%40ss%3Aw%2Fd@mail.example.org")
    assert settings == {
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": "mail.example.org",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "digest@kb.example.org",
        "EMAIL_HOST_PASSWORD": "p@ss:w/d",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
    }


@pytest.mark.parametrize(
    ("url", "port", "tls", "ssl"),
    [
        ("smtps://u:p@mail.example.org", 465, False, True),
        ("smtp://localhost", 25, False, False),
        ("smtp+tls://u:p@mail.example.org:2525", 2525, True, False),
    ],
)
def test_each_scheme_says_how_the_connection_is_secured(env, url, port, tls, ssl):
    settings = env(EMAIL_URL=url)
    assert (settings["EMAIL_PORT"], settings["EMAIL_USE_TLS"], settings["EMAIL_USE_SSL"]) == (
        port,
        tls,
        ssl,
    )


def test_email_host_and_its_companions_give_the_smtp_server(env):
    settings = env(
        EMAIL_HOST="mail.example.org",
        EMAIL_HOST_USER="digest",
        EMAIL_HOST_PASSWORD="secret",
        EMAIL_USE_TLS="true",
    )
    assert settings["EMAIL_BACKEND"] == SMTP
    assert (settings["EMAIL_HOST"], settings["EMAIL_PORT"]) == ("mail.example.org", 587)
    assert (settings["EMAIL_HOST_USER"], settings["EMAIL_HOST_PASSWORD"]) == ("digest", "secret")
    assert env(EMAIL_PORT="2525")["EMAIL_PORT"] == 2525


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"EMAIL_URL": "imap://mail.example.org"}, "EMAIL_URL must be"),
        ({"EMAIL_URL": "smtp+tls://"}, "EMAIL_URL must be"),
        ({"EMAIL_URL": "smtp://mail.example.org:twenty"}, "port that is not a number"),
        ({"EMAIL_URL": "console://", "EMAIL_HOST": "mail.example.org"}, "not both"),
        ({"EMAIL_HOST": "mail.example.org", "EMAIL_PORT": "587a"}, "EMAIL_PORT must be"),
        (
            {"EMAIL_HOST": "m.example.org", "EMAIL_USE_TLS": "yes", "EMAIL_USE_SSL": "yes"},
            "exclude each other",
        ),
        ({"EMAIL_HOST": "mail.example.org", "EMAIL_USE_TLS": "perhaps"}, "true or false"),
    ],
)
def test_what_cannot_be_read_is_refused_with_a_reason(env, values, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        env(**values)


def test_a_site_url_without_its_scheme_is_refused_at_start():
    env = {**os.environ, "DEBUG": "false", "SECRET_KEY": "t", "SITE_URL": "kb.example.org"}
    result = manage(env, "check")
    assert result.returncode != 0
    assert "SITE_URL must start with https://" in result.stderr
