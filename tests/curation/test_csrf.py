"""No form changes anything unless it came from the site's own page (Django's CSRF token).

A page elsewhere that makes a signed-in curator's browser POST to the admin must get a 403 and
leave the database exactly as it was; the public site has no form that changes anything.
"""

import hashlib
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from practices.curation.models import ImportJob
from practices.models import Practice
from tests.conftest import make_dossier, make_practice
from tests.public_urls import PUBLIC_URLS, fetch

pytestmark = pytest.mark.django_db


def database_state() -> dict[str, str]:
    """A digest of every table's rows: what a refused POST must leave as it was."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        rows = list(model._base_manager.order_by("pk").values_list())
        state[model._meta.db_table] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return [table for table in before if before[table] != after[table]]


@pytest.fixture
def csrf_client(superuser):
    """A signed-in superuser's browser that checks CSRF, as a real browser's requests are."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    return client


@pytest.fixture
def targets(superuser):
    """A published practice with a history version to revert to, a deleted practice, an
    import job ready to confirm (the admin's own) and a dossier to share."""
    practice = make_practice("csrf-target", title="Before")
    practice.title = "After"
    practice.save()
    gone = make_practice("csrf-deleted")
    gone.delete()
    return {
        "practice": practice,
        "version": practice.history.order_by("history_id").first().history_id,
        "deleted": Practice.history.get(slug="csrf-deleted", history_type="-").history_id,
        "job": ImportJob.objects.create(
            user=superuser, file_name="p.csv", format="csv", state=ImportJob.State.PREVIEWED
        ).pk,
        "dossier": make_dossier(superuser).pk,
    }


def admin_url(opts, view: str, *args) -> str:
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def every_admin_post(targets) -> list[tuple[str, str, dict]]:
    """(what, URL, body) for every POST the admin takes, each a body that would do its job."""
    practice = targets["practice"]
    opts = Practice._meta
    posts = [
        ("logout", reverse("admin:logout"), {}),
        (
            "password change",
            reverse("admin:password_change"),
            {
                "old_password": "pw-admin-1",
                "new_password1": "x-Long-pw-9",
                "new_password2": "x-Long-pw-9",
            },
        ),
        ("transition", admin_url(opts, "transition", practice.pk), {"transition": "unpublish"}),
        ("restore", admin_url(opts, "restore", targets["deleted"]), {}),
        (
            "history revert",
            admin_url(opts, "simple_history", practice.pk, targets["version"]),
            {"title": "Before", "slug": practice.slug, "_save": "Save"},
        ),
        (
            "import upload",
            admin_url(opts, "import"),
            {"import_file": SimpleUploadedFile("p.csv", b"slug,title\nx,X\n")},
        ),
        (
            "import confirm",
            admin_url(opts, "process_import"),
            {"format": "0", "import_file_name": "p.csv", "original_file_name": "p.csv"},
        ),
        ("import job confirm", admin_url(opts, "import_job_confirm", targets["job"]), {}),
        ("import job cancel", admin_url(opts, "import_job_cancel", targets["job"]), {}),
        ("export", admin_url(opts, "export"), {"format": "0"}),
        (
            "dossier share",
            reverse("admin:practices_dossier_share", args=[targets["dossier"]]),
            {"action": "create"},
        ),
    ]
    for model in admin.site._registry:
        model_opts = model._meta
        label = model_opts.label
        posts.append((f"{label} add", admin_url(model_opts, "add"), {"name": "csrf-probe"}))
        obj = model._base_manager.order_by("pk").first()
        if obj is None:
            continue
        posts += [
            (f"{label} change", admin_url(model_opts, "change", obj.pk), {"name": "csrf-probe"}),
            (f"{label} delete", admin_url(model_opts, "delete", obj.pk), {"post": "yes"}),
            (
                f"{label} delete selected",
                admin_url(model_opts, "changelist"),
                {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
            ),
        ]
    return posts


def test_every_admin_post_without_a_token_is_refused_and_changes_nothing(csrf_client, targets):
    posts = every_admin_post(targets)
    before = database_state()
    answered = {what: csrf_client.post(url, body).status_code for what, url, body in posts}
    assert {what: code for what, code in answered.items() if code != 403} == {}
    assert changed_tables(before, database_state()) == []
    # Still signed in: the refused logout logged nobody out.
    assert csrf_client.get(reverse("admin:index")).status_code == 200


def test_the_same_post_with_the_pages_token_goes_through(csrf_client, targets):
    """The refusals above are the token's doing: with it, the transition is applied."""
    practice = targets["practice"]
    csrf_client.get(admin_url(Practice._meta, "change", practice.pk))
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post(
        admin_url(Practice._meta, "transition", practice.pk),
        {"transition": "unpublish", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.publication_state == Practice.PublicationState.DRAFT


def test_signing_in_without_a_token_is_refused(superuser):
    """Login CSRF: a page elsewhere cannot sign a browser into the attacker's account."""
    client = Client(enforce_csrf_checks=True)
    before = database_state()
    response = client.post(reverse("admin:login"), {"username": "admin", "password": "pw-admin-1"})
    assert response.status_code == 403
    assert "sessionid" not in client.cookies
    assert changed_tables(before, database_state()) == []
    assert client.get(reverse("admin:index")).status_code == 302


def test_public_forms_only_read(client):
    """The public site's forms are searches and filters: GET, and no request changes data.
    The one exception is the submission form, which posts with its CSRF token
    (tests/catalogue/test_submission_form.py)."""
    before = database_state()
    for url in PUBLIC_URLS:
        _response, content = fetch(client, f"{url}?q=family&theme=children&sort=title")
        methods = re.findall(r"<form\b[^>]*\bmethod=\"(\w+)\"", content, flags=re.I)
        assert len(methods) == content.lower().count("<form"), (url, "a form without a method")
        if url == "/submit/":
            assert [m.lower() for m in methods] == ["post"]
            assert 'name="csrfmiddlewaretoken"' in content
            continue
        assert {m.lower() for m in methods} <= {"get"}, url
    assert changed_tables(before, database_state()) == []
    assert 'method="get"' in fetch(client, "/practices/")[1]
