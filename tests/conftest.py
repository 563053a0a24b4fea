"""The cast and helpers every test module shares.

The paper's fixtures are loaded once per test session into the test database; each test runs
in a transaction that is rolled back, so tests may change data freely.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.utils import translation

import practices.cache
from countries.models import Country
from practices.models import Dossier, DossierPractice, Practice, PracticeCountry, Theme

PAPER = Path(__file__).resolve().parent.parent / "fixtures" / "paper"
PAPER_TEXT = (PAPER / "gfmd-2010-rt2.2-family-gender-migration.txt").read_text(encoding="utf-8")


def pytest_configure(config):
    """Refuse to run on a developer's `.env`: it is for their own site, not for the tests.

    pytest-django has read the settings before any conftest, so this can only say so;
    `make test` runs the tests with ENV_FILE= and never gets here.
    """
    if settings.ENV_FILE_VARIABLES and "ENV_FILE" not in os.environ:
        raise pytest.UsageError(
            f"the settings took {', '.join(settings.ENV_FILE_VARIABLES)} from "
            f"{settings.ENV_FILE}, a file for this machine's own site. Run the tests with "
            "ENV_FILE= in front (as `make test` does), or ENV_FILE=<file> to mean it."
        )


def normalise(text: str) -> str:
    """Collapse the PDF's line breaks and spacing so passages compare as running text."""
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_paper", verbosity=0)


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """Serve static names unhashed: the hashed manifest exists only after collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def own_media_root(settings, tmp_path):
    """Each test its own MEDIA_ROOT: the files the site keeps (a brief's PDF, an import's
    upload) never leave one test for the next, nor land in the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def without_history(settings):
    """For a test whose many practices are its setting, not its subject: they are made without
    history rows (django-simple-history writes one for every link added, which was most of
    such a test's time). What the test then reads never depends on history."""
    settings.SIMPLE_HISTORY_ENABLED = False


@pytest.fixture
def commit_time_invalidation():
    """Asked for by a test of when the cache is invalidated: see ``empty_cache``."""


@pytest.fixture(autouse=True)
def in_english():
    """Each test starts in English: a request in French leaves French active in its thread (as
    a server's next request would not: its middleware activates that request's language)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def empty_cache(request, monkeypatch):
    """Each test starts with no cached counts: its database changes are rolled back after it,
    so counts cached by an earlier test would describe data that no longer exists.

    A test's writes are never committed (the test runs in a transaction that is rolled back),
    so the cache is invalidated at each write instead of at commit, as if each were committed;
    tests asking for ``commit_time_invalidation`` keep the real timing.
    """
    cache.clear()
    if "commit_time_invalidation" not in request.fixturenames:
        monkeypatch.setattr(practices.cache, "invalidate_on_commit", practices.cache.invalidate)


@pytest.fixture
def paper_text() -> str:
    return normalise(PAPER_TEXT)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.org", "pw-admin-1")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def make_practice(slug: str = "test-practice", *, countries=(("MX", "COD"),), **fields):
    """A published practice with one theme and the given (iso2, role) links."""
    defaults = {
        "title": slug.replace("-", " ").title(),
        "summary": "A summary.",
        "description": "A description.",
        "scope": Practice.Scope.UNILATERAL,
        "kind": Practice.Kind.PROGRAMME,
        "status": Practice.Status.ONGOING,
        "publication_state": Practice.PublicationState.PUBLISHED,
    }
    defaults.update(fields)
    practice = Practice.objects.create(slug=slug, **defaults)
    practice.themes.add(Theme.objects.get(slug="children"))
    for iso2, role in countries:
        PracticeCountry.objects.create(
            practice=practice, country=Country.objects.get(iso2=iso2), role=role
        )
    return practice


def make_user(django_user_model, username: str, group: str | None = None):
    """A staff user in ``group`` (curator, reviewer, preparer) or in none."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        username, f"{username}@example.org", f"pw-{username}-1", is_staff=True
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def curator(django_user_model):
    return make_user(django_user_model, "curator", "curator")


@pytest.fixture
def reviewer(django_user_model):
    return make_user(django_user_model, "reviewer", "reviewer")


@pytest.fixture
def preparer(django_user_model):
    """Keeps roundtable dossiers, and may do nothing else in the admin."""
    return make_user(django_user_model, "preparer", "preparer")


@pytest.fixture
def outsider(django_user_model):
    """Staff, but in neither group: must not reach the admin."""
    return make_user(django_user_model, "outsider")


def make_dossier(owner, title: str = "Roundtable 2.2 dossier", *, picks=(), **fields):
    """A dossier of ``owner``'s, with ``picks``: (practice, change, note) rows."""
    dossier = Dossier.objects.create(owner=owner, title=title, **fields)
    for practice, change, note in picks:
        DossierPractice.objects.create(dossier=dossier, practice=practice, change=change, note=note)
    return dossier
