"""Markup a curator types into any text field is shown as text, on public pages and in the admin.

Every text field of every model a curator or reviewer may add or change is enumerated from the
models and the roles' permissions, so a new field or model cannot be left out: each gets its own
payload, and each page it appears on must show it escaped, never as live markup.
"""

import csv
import datetime
import io
import json

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.db import models
from django.urls import reverse
from django.utils.html import escape

from countries.models import Country
from practices.curation.workflow import Role
from practices.languages import is_translated, is_translation_column
from practices.models import (
    Dossier,
    DossierPractice,
    Evaluation,
    Organisation,
    OutcomeMetric,
    Practice,
    PracticeCountry,
    ScorecardRating,
    Source,
)
from practices.search_index import update_search_index
from tests.conftest import make_practice
from tests.public_urls import fetch

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
# Breaking out of an attribute, a textarea, and a template evaluated twice.
MORE = '"><img src=x onerror=alert(1)></textarea><svg onload=alert(1)>{{ 7*7 }}'
RAW_MARKERS = ["<script>alert", "<img src=x", "<svg onload"]
# Curator-set text the public detail page does not show (an organisation's internal note).
NOT_ON_DETAIL = {(Organisation, "note")}
# A preparer's dossier is no practice's: its text is on its own pages.
DOSSIER_MODELS = {Dossier, DossierPractice}


def curator_models() -> set:
    """The models a curator or reviewer may add or change, read from the roles' permissions."""
    perms = Permission.objects.filter(
        group__name__in=Role.values, codename__regex=r"^(add|change)_"
    ).select_related("content_type")
    return {apps.get_model(p.content_type.app_label, p.content_type.model) for p in perms}


def text_fields(model) -> list:
    """Free-text fields a form can set: not slugs, not choices, not derived data."""
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and not isinstance(field, models.SlugField)
        and field.editable
        and not field.choices
        and not language_column(model, field.name)
    ]


def language_column(model, name: str) -> bool:
    """A translated field's column of one language (title_en, title_fr): planted through its
    plain name (title, the English), the French and Spanish ones by their own test."""
    return is_translation_column(model, name) or (
        name.endswith("_en") and is_translated(model, name[:-3])
    )


class Planted:
    """A published practice whose every curator-set text, on it and on each related record,
    is a payload of its own."""

    def __init__(self):
        self.payloads: dict[tuple, str] = {}

    def texts(self, model) -> dict[str, str]:
        values = {}
        for field in text_fields(model):
            tag = f"x{len(self.payloads):02d}"
            if isinstance(field, models.URLField):
                value = f"https://example.org/{tag}?a={SCRIPT}"
            else:
                value = f"{tag} {SCRIPT}{MORE}"
                if field.max_length and len(value) > field.max_length:
                    value = f"{tag}{SCRIPT}"
            self.payloads[(model, field.name)] = values[field.name] = value
        return values


@pytest.fixture
def planted(superuser):
    plant = Planted()
    organisation = Organisation.objects.create(
        slug="xss-org", kind=Organisation.Kind.NGO, **plant.texts(Organisation)
    )
    source = Source.objects.create(key="xss-source", **plant.texts(Source))
    practice_texts = plant.texts(Practice)
    # Created under another title, then given the payload: the history shows old -> new.
    practice = make_practice(
        "xss-practice",
        countries=(),
        paper_section=Practice.PaperSection.CHILDREN,
        lead_organisation=organisation,
        evaluation_source=source,
        # Verified: the detail page shows what against.
        verified_on=datetime.date(2025, 3, 5),
        **{**practice_texts, "title": "A plain title"},
    )
    practice.title = practice_texts["title"]
    practice.save()
    practice.partners.add(organisation)
    practice.sources.add(source)
    mexico = Country.objects.get(iso2="MX")
    plant.records = [
        organisation,
        source,
        PracticeCountry.objects.create(
            practice=practice, country=mexico, role="COD", **plant.texts(PracticeCountry)
        ),
        OutcomeMetric.objects.create(
            practice=practice, value=10, year=2010, source=source, **plant.texts(OutcomeMetric)
        ),
        Evaluation.objects.create(
            practice=practice,
            year=2011,
            method=Evaluation.Method.AUDIT,
            source=source,
            **plant.texts(Evaluation),
        ),
        ScorecardRating.objects.create(
            practice=practice,
            criterion=ScorecardRating.Criterion.EFFECTIVENESS,
            rating=4,
            reviewer=superuser,
            **plant.texts(ScorecardRating),
        ),
    ]
    # The index follows a commit, which a test's transaction never makes.
    update_search_index(Practice.objects.filter(pk=practice.pk))
    plant.practice = practice
    deleted = make_practice("xss-deleted", title=f"deleted {SCRIPT}{MORE}")
    deleted.delete()
    plant.deleted_title = deleted.title
    plant.dossier = Dossier.objects.create(owner=superuser, **plant.texts(Dossier))
    plant.records.append(plant.dossier)
    # Its query is text a preparer types too, but the dossier's pages show what it means (a
    # filter's values, in words), not the text: asked for a practice that the filter gives.
    plant.dossier.query = f"q={practice.title.split()[0]}&{plant.dossier.query}"
    plant.dossier.save()
    DossierPractice.objects.create(
        dossier=plant.dossier,
        practice=practice,
        change=DossierPractice.Change.NOTE,
        **plant.texts(DossierPractice),
    )
    plant.dossier.share()
    return plant


def assert_no_raw_markup(url: str, response, content: str) -> None:
    assert response.status_code == 200, (url, response.status_code)
    for marker in RAW_MARKERS:
        assert marker not in content, (url, marker)


def test_every_model_a_curator_edits_is_planted(planted):
    """A model given to curators later must be added to the fixture, so its text is checked."""
    assert curator_models() == {type(record) for record in planted.records} | {Practice}


def test_the_detail_page_shows_every_field_escaped(client, planted):
    url = planted.practice.get_absolute_url()
    response, content = fetch(client, url)
    assert_no_raw_markup(url, response, content)
    for (model, name), payload in planted.payloads.items():
        if (model, name) not in NOT_ON_DETAIL and model not in DOSSIER_MODELS:
            assert escape(payload) in content, (model.__name__, name)
    # Shown as typed, never evaluated as a template.
    assert "{{ 7*7 }}" in content


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/practices/?sort=updated",
        "/practices/?q={title_word}",
        "/practices/?organisation=xss-org",
        "/themes/",
        "/themes/children/",
        "/countries/",
        "/countries/mx/",
        "/coverage/",
        "/about/",
    ],
)
def test_pages_listing_the_practice_show_its_title_escaped(client, planted, url):
    url = url.format(title_word=planted.practice.title.split()[0])
    response, content = fetch(client, url)
    assert_no_raw_markup(url, response, content)
    if url not in ("/themes/", "/countries/", "/coverage/", "/about/"):
        assert escape(planted.practice.title) in content, url


def test_the_dossier_pages_show_every_text_escaped(admin_client, planted):
    dossier = planted.dossier
    urls = [
        reverse("practices:dossier", args=[dossier.pk]),
        reverse("practices:dossier-shared", args=[dossier.share_token]),
    ]
    for url in urls:
        response, content = fetch(admin_client, url)
        assert_no_raw_markup(url, response, content)
        assert escape(planted.practice.title) in content, url
        for key in [(Dossier, "title"), (Dossier, "session"), (DossierPractice, "note")]:
            assert escape(planted.payloads[key]) in content, (url, key)


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_translated_page_shows_the_translations_escaped(client, planted, language):
    practice = planted.practice
    words = {name: f"{language}-{name} {SCRIPT}{MORE}" for name in ("title", "summary")}
    for name, text in words.items():
        setattr(practice, f"{name}_{language}", text)
    practice.save()
    metric = practice.metrics.get()
    metric.label_fr = metric.label_es = f"{language}-label {SCRIPT}"
    metric.save()
    url = f"/{language}/practices/{practice.slug}/"
    response, content = fetch(client, url)
    assert_no_raw_markup(url, response, content)
    for text in [*words.values(), metric.label_fr]:
        assert escape(text) in content, text


def test_the_json_export_gives_every_text_back_as_data(client, planted):
    _response, content = fetch(client, "/practices/export.json")
    [record] = [r for r in json.loads(content) if r["slug"] == planted.practice.slug]

    def strings(value):
        if isinstance(value, dict):
            return [s for v in value.values() for s in strings(v)]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return [value] if isinstance(value, str) else []

    exported = set(strings(record))
    for key in [
        (Practice, "title"),
        (Practice, "summary"),
        (Practice, "description"),
        (Practice, "coverage"),
        (Organisation, "name"),
        (Source, "citation"),
        (Source, "url"),
        (OutcomeMetric, "label"),
        (OutcomeMetric, "unit"),
        (Evaluation, "evaluator"),
        (Evaluation, "findings"),
        (ScorecardRating, "justification"),
    ]:
        assert planted.payloads[key] in exported, key


def test_the_csv_export_holds_the_text_as_cells(client, planted):
    response, content = fetch(client, "/practices/export.csv")
    assert response.status_code == 200
    rows = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    [row] = [r for r in rows if r["slug"] == planted.practice.slug]
    assert row["title"] == planted.practice.title


def admin_page(obj_or_model, view: str, *args) -> str:
    opts = obj_or_model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def admin_urls(planted) -> list[str]:
    """The practice's admin pages, and each related record's changelist, form and history."""
    practice = planted.practice
    urls = [
        reverse("admin:index"),
        admin_page(Practice, "changelist"),
        admin_page(Practice, "changelist") + "?q=" + SCRIPT,
        admin_page(Practice, "change", practice.pk),
        admin_page(Practice, "history", practice.pk),
        admin_page(Practice, "deleted"),
    ]
    for record in planted.records:
        urls += [
            admin_page(record, "changelist"),
            admin_page(record, "change", record.pk),
            admin_page(record, "history", record.pk),
        ]
    return urls


def test_admin_pages_show_every_field_escaped(admin_client, planted):
    pages = {}
    for url in admin_urls(planted):
        response, content = fetch(admin_client, url)
        assert_no_raw_markup(url, response, content)
        pages[url] = content
    practice = planted.practice
    # The practice's form, with its inlines.
    inlines = {Practice, PracticeCountry, OutcomeMetric, Evaluation, ScorecardRating}
    for (model, name), payload in planted.payloads.items():
        if model in inlines:
            assert escape(payload) in pages[admin_page(practice, "change", practice.pk)], name
    history = pages[admin_page(practice, "history", practice.pk)]
    assert escape(practice.title) in history, "the title's change, old -> new"
    assert escape(planted.deleted_title) in pages[admin_page(Practice, "deleted")]
    for record in planted.records:
        form = pages[admin_page(record, "change", record.pk)]
        for field in text_fields(type(record)):
            assert escape(planted.payloads[(type(record), field.name)]) in form, field


def test_admin_messages_and_recent_actions_show_the_title_escaped(admin_client, planted):
    url = reverse("admin:practices_practice_transition", args=[planted.practice.pk])
    response = admin_client.post(url, {"transition": "unpublish"}, follow=True)
    content = response.content.decode()
    assert_no_raw_markup(url, response, content)
    assert escape(planted.practice.title) in content, "the message names the practice"
    response, content = fetch(admin_client, reverse("admin:index"))
    assert_no_raw_markup("admin:index", response, content)
    assert escape(planted.practice.title) in content, "recent actions name the practice"


def test_a_source_address_must_be_a_web_address(admin_client):
    """A ``javascript:`` address would run when a reader clicks the source's link."""
    response = admin_client.post(
        reverse("admin:practices_source_add"),
        {"key": "js-source", "citation": "A citation.", "url": "javascript:alert(1)"},
    )
    assert response.status_code == 200
    assert "Enter a valid URL" in response.content.decode()
    assert not Source.objects.filter(key="js-source").exists()
