"""Organisations and sources have a history in the admin, like practices: who changed what,
from what. load_paper reads it: an organisation or source a curator renamed or deleted is not
added again under the paper's slug or key.
"""

import io

import pytest
from django.core.management import call_command
from django.test.utils import override_settings
from django.urls import reverse

from practices.history import BASELINE
from practices.models import Organisation, OutcomeMetric, Practice, Source
from tests.curation.admin_form import form_data

pytestmark = pytest.mark.django_db

OWWA = "ph-owwa"
OWWA_PRACTICE = "ph-owwa-pdos-women-migrants"


def admin_url(obj, view: str) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk])


def edit_in_admin(client, obj, **changes):
    """Open the record's admin page, change ``changes`` in the form, save it."""
    form_id = f"{obj._meta.model_name}_form"
    data = form_data(client.get(admin_url(obj, "change")), form_id)
    response = client.post(admin_url(obj, "change"), {**data, **changes})
    assert response.status_code == 302, response.context["adminform"].form.errors


def delete_in_admin(client, obj):
    response = client.post(admin_url(obj, "delete"), {"post": "yes"})
    assert response.status_code == 302


def load_paper() -> str:
    out = io.StringIO()
    call_command("load_paper", verbosity=0, stdout=out)
    return out.getvalue()


# -- history pages -----------------------------------------------------------------------------


def test_an_organisations_history_shows_who_renamed_its_slug_from_what(client, curator):
    owwa = Organisation.objects.get(slug=OWWA)
    client.force_login(curator)

    edit_in_admin(client, owwa, slug="ph-owwa-welfare", acronym="OWWA-PH")

    # The paper's organisations are loaded without history: their state before the first
    # change is kept, so the change says what it changed.
    baseline, change = owwa.history.order_by("history_id")
    assert (baseline.slug, baseline.history_change_reason) == (OWWA, BASELINE)
    assert (change.slug, change.history_user) == ("ph-owwa-welfare", curator)
    html = client.get(admin_url(owwa, "history")).content.decode()
    assert "<strong>Slug:</strong> ph-owwa → ph-owwa-welfare" in html
    assert "<strong>Acronym:</strong> OWWA → OWWA-PH" in html
    assert "<td>curator</td>" in html


def test_a_sources_history_shows_who_changed_its_key_and_citation(client, curator):
    source = Source.objects.get(key="fn-22")
    client.force_login(curator)

    edit_in_admin(client, source, key="unicef-2009-opi", citation="UNICEF, OPI report, 2009.")

    html = client.get(admin_url(source, "history")).content.decode()
    assert "<strong>Key:</strong> fn-22 → unicef-2009-opi" in html
    assert "<strong>Citation:</strong>" in html and "UNICEF, OPI report, 2009." in html
    assert source.history.latest("history_id").history_user == curator


# -- load_paper after a rename or a deletion ---------------------------------------------------


def test_an_organisation_renamed_in_the_admin_is_not_added_again(client, curator):
    owwa = Organisation.objects.get(slug=OWWA)
    count = Organisation.objects.count()
    client.force_login(curator)
    edit_in_admin(client, owwa, slug="ph-owwa-welfare")

    report = load_paper()

    assert Organisation.objects.count() == count
    assert not Organisation.objects.filter(slug=OWWA).exists()
    assert Practice.objects.get(slug=OWWA_PRACTICE).lead_organisation == owwa
    assert (
        "Kept 1 organisations renamed by curators, not added again under the paper's name: "
        "ph-owwa (now ph-owwa-welfare)" in report
    )
    assert "Added 0 missing records" in report


def test_a_source_whose_key_was_renamed_is_not_added_again(client, curator):
    source = Source.objects.get(key="fn-22")
    count = Source.objects.count()
    client.force_login(curator)
    edit_in_admin(client, source, key="unicef-2009-opi")

    report = load_paper()

    assert Source.objects.count() == count
    assert not Source.objects.filter(key="fn-22").exists()
    assert "Kept 1 sources renamed by curators" in report
    assert "fn-22 (now unicef-2009-opi)" in report


def test_a_practice_renamed_in_the_admin_is_not_added_again():
    practice = Practice.objects.get(slug=OWWA_PRACTICE)
    practice.slug = "ph-owwa-pre-departure-seminar"
    practice.save()  # as the admin saves it: history keeps the paper's slug

    report = load_paper()

    assert not Practice.objects.filter(slug=OWWA_PRACTICE).exists()
    assert Practice.objects.filter(title=practice.title).count() == 1
    assert f"{OWWA_PRACTICE} (now ph-owwa-pre-departure-seminar)" in report


def test_an_organisation_or_a_source_deleted_in_the_admin_is_not_added_again(admin_client):
    unused = Organisation.objects.filter(led_practices=None).order_by("slug").first()
    source = Source.objects.get(key="fn-3")
    delete_in_admin(admin_client, unused)
    delete_in_admin(admin_client, source)

    report = load_paper()

    assert not Organisation.objects.filter(slug=unused.slug).exists()
    assert not Source.objects.filter(key="fn-3").exists()
    assert f"Left out 1 organisations deleted by curators: {unused.slug}" in report
    assert "Left out 1 sources deleted by curators: fn-3" in report


def test_a_renamed_and_then_deleted_organisation_stays_deleted(admin_client):
    unused = Organisation.objects.filter(led_practices=None).order_by("slug").first()
    paper_slug = unused.slug
    edit_in_admin(admin_client, unused, slug=f"{paper_slug}-renamed")
    delete_in_admin(admin_client, Organisation.objects.get(pk=unused.pk))

    report = load_paper()

    assert not Organisation.objects.filter(slug=paper_slug).exists()
    assert f"deleted by curators: {paper_slug}" in report


def test_an_organisation_the_base_never_had_is_added():
    """Missing without a trace in history (a base loaded before the transcription grew)."""
    unused = Organisation.objects.filter(led_practices=None).order_by("slug").first()
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        unused.delete()

    load_paper()

    assert Organisation.objects.filter(slug=unused.slug).exists()


def test_a_new_practice_from_the_paper_names_the_renamed_source(client, curator):
    """A paper practice missing from the base is added pointing at the source as renamed,
    not at a second copy under the paper's key."""
    figure = OutcomeMetric.objects.filter(source__isnull=False).select_related("practice").first()
    paper_key, slug = figure.source.key, figure.practice.slug
    client.force_login(curator)
    edit_in_admin(client, figure.source, key="renamed-source")
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        Practice.objects.get(slug=slug).delete()

    load_paper()

    added = Practice.objects.get(slug=slug)
    assert added.metrics.get(label=figure.label).source.key == "renamed-source"
    assert not Source.objects.filter(key=paper_key).exists()


def test_revert_to_paper_reads_a_renamed_organisation_under_its_slug_now(client, curator):
    """It used to stop with a deserialization error: the paper's slug named nothing."""
    client.force_login(curator)
    edit_in_admin(client, Organisation.objects.get(slug=OWWA), slug="ph-owwa-welfare")
    out = io.StringIO()

    call_command("revert_to_paper", OWWA_PRACTICE, stdout=out)

    assert "Would revert 0 of 1 practices to the paper." in out.getvalue()
