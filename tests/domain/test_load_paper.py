"""Loading the paper is repeatable, and its natural keys survive a dump and reload."""

import io
import json

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test.utils import override_settings

from countries.models import Country
from practices.curation.workflow import apply_transition
from practices.models import OutcomeMetric, Practice, Source
from tests.conftest import make_practice
from tests.domain.base_snapshot import APP_LABELS, data_models, snapshot

pytestmark = pytest.mark.django_db


def test_load_paper_twice_changes_nothing():
    before = snapshot()
    call_command("load_paper", verbosity=0)
    assert snapshot() == before


def test_dry_run_writes_nothing_and_says_what_it_would_load(settings):
    # An empty base, as before the first load: emptying it is not a curator's deletion.
    settings.SIMPLE_HISTORY_ENABLED = False
    Practice.objects.all().delete()
    out = io.StringIO()
    call_command("load_paper", "--dry-run", verbosity=0, stdout=out)
    assert not Practice.objects.exists()
    assert "59 practices, 35 figures, 37 sources (dry run" in out.getvalue()


def test_dumpdata_then_loaddata_into_an_empty_database_gives_the_same_records(tmp_path, settings):
    # Emptying the tables is not an edit to remember.
    settings.SIMPLE_HISTORY_ENABLED = False
    before = snapshot()
    dump = tmp_path / "dump.json"
    call_command(
        "dumpdata",
        *[model._meta.label for model in data_models()],
        natural_foreign=True,
        natural_primary=True,
        output=str(dump),
        verbosity=0,
    )
    data = json.loads(dump.read_text())
    assert not any("pk" in record for record in data), "every record is keyed by natural key"
    # Practices first: reference rows they point to are protected while they exist.
    Practice.objects.all().delete()
    for label in reversed(APP_LABELS):
        for model in apps.get_app_config(label).get_models():
            model.objects.all().delete()
    assert sum(m.objects.count() for m in apps.get_app_config("practices").get_models()) == 0
    call_command("loaddata", str(dump), verbosity=0)
    assert snapshot() == before


def test_every_iso_country_is_there_with_its_region():
    assert Country.objects.count() == 249
    ivory = Country.objects.get(iso2="CI")
    assert (ivory.name, ivory.region, ivory.subregion) == (
        "Côte d'Ivoire",
        "Africa",
        "Western Africa",
    )
    assert Country.objects.get(iso2="MX").subregion == "Central America"
    assert not Country.objects.exclude(iso2="AQ").filter(region="").exists()


def test_load_paper_counts_the_papers_records_not_the_whole_base():
    """A base grown by curators (or synthetic practices) still loads 59 practices and 35
    figures from the paper; the message used to give the base's totals."""
    extra = make_practice("curator-addition")
    OutcomeMetric.objects.create(practice=extra, label="Reached", value=1, unit="people", year=2020)
    Source.objects.create(key="curator-report", citation="A curator's report, 2024.")
    out = io.StringIO()
    call_command("load_paper", verbosity=0, stdout=out)
    assert "59 practices, 35 figures, 37 sources." in out.getvalue()


PORTUGAL = "pt-family-reunification-support-offices"
OPIS = "mx-child-protection-officers-opi"


def test_loading_again_keeps_every_curators_edit_and_every_reviewers_decision(reviewer):
    """What ``make run`` does at every start: the base as curated comes back unchanged."""
    edited = Practice.objects.get(slug=PORTUGAL)
    edited.summary = "A curator's newer summary, checked against the ministry's 2025 report."
    edited.status = Practice.Status.COMPLETED
    edited.save()
    edited.themes.set(edited.themes.all()[:1])
    link = edited.country_links.first()
    link.note = "A curator's note on the link."
    link.save()
    apply_transition(Practice.objects.get(slug=OPIS), "unpublish", reviewer)
    figure = OutcomeMetric.objects.filter(practice__paper_section__gt="").first()
    figure.value = 17_500
    figure.save()
    dropped = OutcomeMetric.objects.filter(practice__paper_section__gt="").exclude(pk=figure.pk)[0]
    dropped.delete()
    before = snapshot()

    out = io.StringIO()
    call_command("load_paper", verbosity=0, stdout=out)

    assert snapshot() == before
    assert Practice.objects.get(slug=OPIS).publication_state == Practice.PublicationState.DRAFT
    assert not Practice.objects.published().filter(slug=OPIS).exists()
    assert "Added 0 missing records" in out.getvalue()


def test_a_paper_practice_a_curator_deleted_stays_deleted():
    Practice.objects.get(slug=PORTUGAL).delete()  # through the admin or not: history has it
    before = snapshot()

    out = io.StringIO()
    call_command("load_paper", verbosity=0, stdout=out)

    assert not Practice.objects.filter(slug=PORTUGAL).exists()
    assert snapshot() == before
    assert f"Left out 1 practices deleted by curators: {PORTUGAL}" in out.getvalue()


def test_a_missing_paper_practice_is_added_whole_and_found_by_search(settings):
    """A record the base never had (a base loaded before the transcription grew, say)."""
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        Practice.objects.get(slug=PORTUGAL).delete()
    out = io.StringIO()
    call_command("load_paper", verbosity=0, stdout=out)

    practice = Practice.objects.get(slug=PORTUGAL)
    assert practice.publication_state == Practice.PublicationState.PUBLISHED
    assert practice.country_links.exists() and practice.themes.exists()
    assert (
        Practice.objects.search("family reunification support offices")
        .filter(pk=practice.pk)
        .exists()
    )
    assert "(1 practices)" in out.getvalue()


# -- the knowledge base's French and Spanish words ---------------------------------------------

OPI = "mx-child-protection-officers-opi"


def test_the_paper_is_loaded_with_its_french_and_spanish_words():
    practice = Practice.objects.get(slug=OPI)
    assert "enfants non accompagnés" in practice.summary_fr
    assert "niños no acompañados" in practice.summary_es
    assert practice.origin_fr == practice.origin_es == Practice.TranslationOrigin.KNOWLEDGE_BASE
    assert practice.description_fr is None  # the paper's English words, not translated
    figure = practice.metrics.get(label_en="OPIs in service in Mexico")
    assert figure.label_fr and figure.unit_es
    translated = Practice.objects.exclude(paper_section="")
    assert translated.filter(title_fr__isnull=True).count() == 0
    assert translated.filter(summary_es__isnull=True).count() == 0


def test_loading_again_keeps_a_curators_translation_and_fills_only_what_is_missing():
    """A base from before the translations (or with some removed) gets them, where a record has
    none; a curator's own French words and a rewritten English are left as they are."""
    opi = Practice.objects.get(slug=OPI)
    Practice.objects.filter(slug=OPI).update(
        title_fr="Titre d'une curatrice", summary_fr=None, origin_fr="human"
    )
    rewritten = Practice.objects.exclude(slug=OPI).exclude(paper_section="").first()
    Practice.objects.filter(pk=rewritten.pk).update(
        title_en="Rewritten by a curator", title_fr=None, origin_fr=""
    )
    out = io.StringIO()
    call_command("load_paper", stdout=out)

    opi.refresh_from_db()
    assert opi.title_fr == "Titre d'une curatrice"  # kept
    assert "enfants non accompagnés" in opi.summary_fr  # was missing: given
    assert opi.origin_fr == "human"  # the practice's own record of its origin stands
    rewritten.refresh_from_db()
    assert rewritten.title_fr is None, "the translation is of the paper's title, not this one"
    assert "Gave 1 records the knowledge base's French words" in out.getvalue()
    # Given to an existing record: its history says so.
    reason = opi.history.latest("history_id").history_change_reason
    assert reason == "The knowledge base's French words (load_paper)"


def test_a_base_loaded_before_the_country_names_gets_them():
    Country.objects.update(name_fr=None, name_es=None)
    out = io.StringIO()
    call_command("load_paper", stdout=out)
    mexico = Country.objects.get(iso2="MX")
    assert (mexico.name_en, mexico.name_fr, mexico.name_es) == ("Mexico", "Mexique", "México")
    assert "Gave 249 countries their French and Spanish names." in out.getvalue()
    out = io.StringIO()
    call_command("load_paper", stdout=out)
    assert "countries" not in out.getvalue(), "given once"
