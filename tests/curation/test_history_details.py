"""History reads true in the details: an empty foreign key is empty, not a deleted record,
a baseline is dated when the record stood that way, and saving a new practice once is one
entry."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from practices.curation.workflow import apply_transition
from practices.history import BASELINE
from practices.models import OutcomeMetric, Practice, Source, Theme
from tests.conftest import make_practice
from tests.curation.admin_form import PRACTICE_ADD_URL, new_practice_form, set_values
from tests.curation.history_helpers import edit, history_url

pytestmark = pytest.mark.django_db


def as_draft(practice) -> None:
    """Edited directly: a draft (a published practice's edits wait as a revision)."""
    Practice.objects.filter(pk=practice.pk).update(publication_state="draft")


# -- an empty foreign key is empty ---------------------------------------------------------


def test_the_first_state_change_reads_from_nobody_to_the_user(client, curator):
    practice = make_practice("first-submission", publication_state="draft")
    assert practice.state_changed_by is None

    apply_transition(practice, "submit", curator)

    client.force_login(curator)
    html = client.get(history_url(practice)).content.decode()
    assert "<strong>State changed by:</strong> — → curator</li>" in html
    assert "pk=None" not in html


def test_a_source_set_where_there_was_none_reads_from_nothing(client, curator):
    practice = Practice.objects.get(slug="pt-choices-programme")
    as_draft(practice)
    assert practice.evaluation_source is None
    source = Source.objects.get(key="fn-22")
    client.force_login(curator)

    edit(client, practice, lambda data: data.update(evaluation_source=str(source.pk)))

    html = client.get(history_url(practice)).content.decode()
    assert f"<strong>Evaluation source:</strong> — → {source}</li>" in html
    assert "pk=None" not in html


def test_a_figures_source_set_where_there_was_none_reads_from_nothing(client, curator):
    practice = make_practice("with-a-figure")
    metric = OutcomeMetric.objects.create(
        practice=practice, label="People", value=Decimal(3), unit="people", year=2010
    )
    source = Source.objects.get(key="fn-22")
    metric.source = source
    metric.save()

    client.force_login(curator)
    html = client.get(history_url(practice)).content.decode()
    assert f"<strong>Source:</strong> — → {source}</li>" in html
    assert "pk=None" not in html


def test_a_source_deleted_since_is_named_as_deleted(client, curator):
    practice = make_practice("source-gone")
    source = Source.objects.create(key="gone", citation="A report nobody keeps.")
    practice.evaluation_source = source
    practice.save()
    source_pk = source.pk
    source.delete()

    client.force_login(curator)
    html = client.get(history_url(practice)).content.decode()
    assert f"<strong>Evaluation source:</strong> — → source {source_pk} (deleted since)" in html


# -- the baseline is dated when the record stood that way -------------------------------------


def test_the_baseline_is_dated_when_the_practice_last_stood_that_way(client, curator):
    practice = Practice.objects.get(slug="pt-choices-programme")
    as_draft(practice)
    stood_since = practice.updated_at
    assert stood_since < timezone.now() - datetime.timedelta(minutes=1)
    client.force_login(curator)

    edit(client, practice, lambda data: data.update(title_en="Choices, renamed"))

    baseline = practice.history.get(history_change_reason=BASELINE)
    edit_entry = practice.history.get(title_en="Choices, renamed")
    assert baseline.history_date == stood_since
    assert baseline.history_date < edit_entry.history_date


def test_a_figures_baseline_is_dated_when_its_practice_was_loaded(client, curator):
    practice = Practice.objects.get(slug="pt-choices-programme")
    metric = practice.metrics.first()
    loaded = practice.created_at

    metric.label = "A relabelled figure"
    metric.save()

    baseline = OutcomeMetric.history.get(id=metric.pk, history_change_reason=BASELINE)
    assert baseline.history_date == loaded


def test_a_baseline_is_never_dated_in_the_future():
    practice = make_practice("clock-skew")
    future = timezone.now() + datetime.timedelta(days=2)
    Practice.objects.filter(pk=practice.pk).update(updated_at=future)
    practice.history.all().delete()

    practice = Practice.objects.get(pk=practice.pk)
    practice.title = "Saved again"
    practice.save()

    baseline = practice.history.get(history_change_reason=BASELINE)
    assert baseline.history_date <= timezone.now()


# -- a new practice saved once is one entry ---------------------------------------------------


def test_adding_a_practice_in_the_admin_writes_one_entry_with_its_links(client, curator):
    themes = [Theme.objects.get(slug="children"), Theme.objects.get(slug="health")]
    source = Source.objects.get(key="fn-22")
    client.force_login(curator)
    data = new_practice_form(client, "A new practice")
    set_values(data, "themes", [theme.pk for theme in themes])
    set_values(data, "sources", [source.pk])

    response = client.post(PRACTICE_ADD_URL, {**data, "_save": "Save"})

    assert response.status_code == 302
    practice = Practice.objects.get(slug="a-new-practice")
    entry = practice.history.get()
    assert (entry.history_type, entry.history_user) == ("+", curator)
    assert {row.theme_id for row in entry.themes.all()} == {theme.pk for theme in themes}
    assert [row.source_id for row in entry.sources.all()] == [source.pk]
    html = client.get(history_url(practice)).content.decode()
    assert html.count("<td>Created</td>") == 1
