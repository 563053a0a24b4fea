"""Curators can reach and edit every model in the admin; strangers cannot."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from practices.models import Practice

pytestmark = pytest.mark.django_db

# Derived data, rebuilt from the practices: edited by no one (an edit would make an export
# disagree with its practice until the next change).
DERIVED = {"exportrow"}
# Edited only as rows of the record they belong to: {model: the model whose page has them}.
INLINE_ONLY = {"dossierpractice": "dossier"}
# A record's history, written by its steps and read on its own page: never edited.
STEPS_ONLY = {"submissionevent"}
MODELS = [
    model
    for label in ("practices", "countries")
    for model in apps.get_app_config(label).get_models()
    # History tables are read through each record's history page, not edited.
    if not model._meta.model_name.startswith("historical")
    and model._meta.model_name not in DERIVED | INLINE_ONLY.keys() | STEPS_ONLY
]


def test_derived_data_and_steps_are_not_in_the_admin():
    for name in DERIVED | STEPS_ONLY:
        assert not admin.site.is_registered(apps.get_model("practices", name))


def test_rows_of_a_record_are_edited_on_its_page():
    for name, owner in INLINE_ONLY.items():
        model = apps.get_model("practices", name)
        assert not admin.site.is_registered(model)
        owner_admin = admin.site.get_model_admin(apps.get_model("practices", owner))
        assert model in [inline.model for inline in owner_admin.inlines]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_every_model_is_registered_and_its_pages_open(admin_client, model):
    assert admin.site.is_registered(model)
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert admin_client.get(changelist).status_code == 200
    add = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    # Some records are only ever made by the workflow (a practice's revisions): no add page.
    addable = admin.site.get_model_admin(model).has_add_permission(add.wsgi_request)
    assert add.status_code == (200 if addable else 403)
    obj = model.objects.first()
    if obj is not None:
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        assert admin_client.get(change).status_code == 200


def test_practice_form_has_inlines_for_countries_figures_and_evidence(admin_client):
    practice = Practice.objects.get(slug="mx-child-protection-officers-opi")
    response = admin_client.get(reverse("admin:practices_practice_change", args=[practice.pk]))
    prefixes = {formset.formset.prefix for formset in response.context["inline_admin_formsets"]}
    assert prefixes == {"country_links", "metrics", "evaluations", "ratings"}
    # Sources are a field of the form, so that history records their changes.
    assert "sources" in response.context["adminform"].form.fields


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("admin:practices_practice_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
