"""Curators translate in the admin: each language's words side by side, with their origin;
the change is in history, and on a published practice it waits for a reviewer like any other.
The admin speaks the curator's language; the import and export carry the language columns."""

import pytest
from django.urls import reverse

from practices.curation import revisions
from practices.models import Practice, PracticeRevision, Theme
from tests.curation.admin_form import form_data
from tests.curation.history_helpers import change_url, edit, history_url
from tests.curation.imports_helpers import csv_bytes, import_file, row

pytestmark = pytest.mark.django_db

DRAFT = "pt-choices-programme"
PUBLISHED = "mx-child-protection-officers-opi"


@pytest.fixture
def draft():
    Practice.objects.filter(slug=DRAFT).update(publication_state=Practice.PublicationState.DRAFT)
    return Practice.objects.get(slug=DRAFT)


def test_the_practice_form_has_each_language_with_its_origin(client, curator, draft):
    client.force_login(curator)
    content = client.get(change_url(draft)).content.decode()
    for name in ["title_en", "summary_en", "description_en", "title_fr", "summary_fr"]:
        assert f'name="{name}"' in content, name
    for name in ["description_fr", "origin_fr", "title_es", "summary_es", "origin_es"]:
        assert f'name="{name}"' in content, name
    assert "In French" in content and "In Spanish" in content
    # The bare field, which holds no language of its own, is not in the form.
    assert 'name="title"' not in content


def test_the_admin_speaks_the_curators_language(client, curator, draft):
    client.force_login(curator)
    content = client.get(change_url(draft), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr"' in content
    assert "En français" in content and "En espagnol" in content
    # The address stays the admin's one: no /fr/admin/.
    assert reverse("admin:index") == "/admin/"


def test_a_french_title_saved_by_a_curator_is_in_history(client, curator, draft):
    client.force_login(curator)
    edit(
        client,
        draft,
        lambda data: data.update(title_fr="Programme Choix", origin_fr="human"),
    )
    draft.refresh_from_db()
    assert (draft.title_fr, draft.origin_fr) == ("Programme Choix", "human")
    entry = draft.history.latest("history_id")
    changed = {change.field for change in entry.diff_against(entry.prev_record).changes}
    assert {"title_fr", "origin_fr"} <= changed
    page = client.get(history_url(draft)).content.decode()
    assert "Programme Choix" in page


def test_a_translation_of_a_published_practice_waits_for_a_reviewer(client, curator, reviewer):
    practice = Practice.objects.get(slug=PUBLISHED)
    old_title = practice.title_es
    client.force_login(curator)
    data = form_data(client.get(change_url(practice)), "practice_form")
    data["title_es"] = "Oficiales de Protección a la Infancia (revisado)"
    assert client.post(change_url(practice), data).status_code == 302

    practice.refresh_from_db()
    assert practice.title_es == old_title, "nothing public changed"
    revision = PracticeRevision.objects.open().get(practice=practice)
    assert revision.content["fields"]["title_es"].endswith("(revisado)")
    revisions.publish(revision, reviewer)
    practice.refresh_from_db()
    assert practice.title_es.endswith("(revisado)")
    content = client.get(f"/es/practices/{PUBLISHED}/").content.decode()
    assert "Oficiales de Protección a la Infancia (revisado)" in content


def test_the_vocabularies_are_translated_side_by_side(admin_client):
    theme = Theme.objects.get(slug="children")
    url = reverse("admin:practices_theme_change", args=[theme.pk])
    content = admin_client.get(url).content.decode()
    for name in ["name_en", "name_fr", "name_es", "description_fr"]:
        assert f'name="{name}"' in content, name


@pytest.mark.usefixtures("media")
def test_an_import_carries_the_language_columns(curator_client):
    cells = row(
        title_fr="Guichet pour les familles des migrants",
        summary_fr="Un guichet pour les familles que les migrants laissent derrière eux.",
        origin_fr="human",
        title_es="",
    )
    import_file(curator_client, csv_bytes([cells]))
    practice = Practice.objects.get(slug="new-help-desk")
    assert practice.title_en == "Help desk for families of migrants"
    assert practice.title_fr == "Guichet pour les familles des migrants"
    assert practice.origin_fr == Practice.TranslationOrigin.HUMAN
    assert practice.title_es is None  # an empty cell is no translation
