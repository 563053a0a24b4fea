"""The admin refuses a login after repeated failures, for a while, from the right address.

django-axes counts failed admin logins per user name and client address (settings.py): the
sixth attempt is refused, even with the right password, until the cool-off has passed.
Behind the reverse proxy the address is the one the proxy saw, not one the client wrote.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.conftest import make_user

PASSWORD = "Right-password-for-curator-7"
LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    """Dozens of logins: a quick hasher keeps them in milliseconds (the rules are the same)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def curator(django_user_model):
    user = make_user(django_user_model, "cora", "curator")
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def fail_until_locked(client, username="cora", **extra):
    """Fail as often as the limit allows: the form again each time, then the lock-out page."""
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        response = log_in(client, username, "wrong-guess", **extra)
        assert response.status_code == (429 if attempt == settings.AXES_FAILURE_LIMIT else 200)


@pytest.mark.django_db
def test_repeated_failures_lock_the_login_even_with_the_right_password(curator):
    client = Client()
    fail_until_locked(client)
    response = log_in(client, "cora", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_correct_login_before_the_limit_is_let_in(curator):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "cora", "wrong-guess")
    response = log_in(client, "cora", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"


@pytest.mark.django_db
def test_the_lock_is_lifted_after_the_cool_off(curator):
    client = Client()
    fail_until_locked(client)
    assert log_in(client, "cora", PASSWORD).status_code == 429
    # The cool-off passes: the attempts are now older than it.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    response = log_in(client, "cora", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"


@pytest.mark.django_db
def test_a_guesser_elsewhere_does_not_lock_the_curator_out(curator):
    fail_until_locked(Client(REMOTE_ADDR="198.51.100.7"))
    assert log_in(Client(REMOTE_ADDR="198.51.100.7"), "cora", PASSWORD).status_code == 429
    response = log_in(Client(REMOTE_ADDR="192.0.2.10"), "cora", PASSWORD)
    assert response.status_code == 302


@pytest.mark.django_db
def test_behind_the_proxy_a_forged_forwarded_address_does_not_escape_the_lock(curator, settings):
    settings.BEHIND_PROXY = True
    # The proxy (127.0.0.1) appends the address it saw; what the client sent comes before it.
    client = Client(REMOTE_ADDR="127.0.0.1")
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "cora", "wrong-guess", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.9")
    forged = log_in(client, "cora", PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.9")
    assert forged.status_code == 429
    # Another client behind the same proxy is a different address.
    other = log_in(client, "cora", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.44")
    assert other.status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


@pytest.mark.django_db
def test_without_the_proxy_setting_the_forwarded_header_is_ignored(curator, settings):
    settings.BEHIND_PROXY = False
    client = Client(REMOTE_ADDR="198.51.100.20")
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "cora", "wrong-guess", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.20"}
    assert log_in(client, "cora", PASSWORD, HTTP_X_FORWARDED_FOR="10.1.1.1").status_code == 429
