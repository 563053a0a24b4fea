"""History in the admin: who changed what and when, links and dependent records included,
each dependent record with a history page of its own, at a cost that does not grow with the
history's length."""

from decimal import Decimal

import pytest
from django.urls import reverse

from practices.history import BASELINE
from practices.models import (
    Evaluation,
    OutcomeMetric,
    Practice,
    ScorecardRating,
    Theme,
)
from tests.conftest import make_practice
from tests.curation.admin_form import set_values
from tests.curation.history_helpers import edit, history_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def drafts():
    """The practices edited here are drafts, so an edit saves them at once (a published
    practice's edits wait as a revision: tests/curation/test_revisions.py)."""
    Practice.objects.filter(
        slug__in=["pt-choices-programme", "bh-abolition-kafeel-sponsorship"]
    ).update(publication_state=Practice.PublicationState.DRAFT)


# -- who, when and what -------------------------------------------------------------------


def test_a_curators_title_edit_records_the_user_and_the_change(client, curator):
    practice = Practice.objects.get(slug="pt-choices-programme")
    old_title = practice.title
    client.force_login(curator)

    edit(client, practice, lambda data: data.update(title_en="Choices, renamed"))

    entry = practice.history.filter(title_en="Choices, renamed").earliest("history_id")
    assert (entry.history_type, entry.history_user) == ("~", curator)
    # The paper's practices are loaded without history: their state before the first
    # change is kept as an entry of its own, so the change says what it changed.
    baseline = practice.history.filter(history_id__lt=entry.history_id).get()
    assert (baseline.title_en, baseline.history_change_reason) == (old_title, BASELINE)
    assert [change.field for change in entry.diff_against(baseline).changes] == ["title_en"]
    html = client.get(history_url(practice)).content.decode()
    assert f"<strong>Title [en]:</strong> {old_title} → Choices, renamed" in html
    assert "<td>curator</td>" in html


def test_a_theme_change_is_recorded_with_what_was_added_and_removed(client, curator):
    practice = Practice.objects.get(slug="pt-choices-programme")
    before = set(practice.themes.values_list("pk", flat=True))
    health = Theme.objects.get(slug="health")
    client.force_login(curator)

    edit(client, practice, lambda data: set_values(data, "themes", [health.pk]))

    latest = practice.history.latest("history_id")
    assert set(latest.themes.values_list("theme_id", flat=True)) == {health.pk}
    assert latest.history_user == curator
    html = client.get(history_url(practice)).content.decode()
    removed = ", ".join(sorted(Theme.objects.get(pk=pk).name for pk in before - {health.pk}))
    # The admin sets the links in two steps, removals then additions: two entries.
    assert f"<strong>Themes:</strong> removed {removed}</li>" in html
    assert f"<strong>Themes:</strong> added {health.name}</li>" in html


def test_sources_are_a_field_so_their_changes_are_in_history(client, curator):
    practice = Practice.objects.get(slug="bh-abolition-kafeel-sponsorship")
    source = practice.sources.first()
    assert source is not None
    client.force_login(curator)

    edit(client, practice, lambda data: set_values(data, "sources", []))

    assert not practice.sources.exists()
    latest = practice.history.latest("history_id")
    assert (latest.sources.exists(), latest.history_user) == (False, curator)
    html = client.get(history_url(practice)).content.decode()
    assert f"<strong>Sources:</strong> removed {source}</li>" in html


def test_deleting_a_figure_records_who_deleted_it(client, curator):
    practice = Practice.objects.get(slug="pt-choices-programme")
    metric = practice.metrics.first()
    client.force_login(curator)

    def delete_first_figure(data):
        index = next(
            key.split("-")[1]
            for key, value in data.items()
            if key.startswith("metrics-") and key.endswith("-id") and value == str(metric.pk)
        )
        data[f"metrics-{index}-DELETE"] = "on"

    edit(client, practice, delete_first_figure)

    assert not OutcomeMetric.objects.filter(pk=metric.pk).exists()
    entry = OutcomeMetric.history.get(id=metric.pk, history_type="-")
    assert entry.history_user == curator
    html = client.get(history_url(practice)).content.decode()
    assert "Deleted" in html and metric.label in html
    metric_history = reverse("admin:practices_outcomemetric_history", args=[metric.pk])
    assert metric_history in html
    assert client.get(metric_history).status_code == 200


def test_every_dependent_record_has_its_own_history_page(client, reviewer):
    practice = make_practice("with-everything", countries=[("MX", "COO")])
    link = practice.country_links.get()
    metric = OutcomeMetric.objects.create(
        practice=practice, label="People", value=Decimal(3), unit="people", year=2010
    )
    evaluation = Evaluation.objects.create(
        practice=practice, evaluator="IOM", year=2011, method="audit", findings="Fine."
    )
    rating = ScorecardRating.objects.create(
        practice=practice,
        criterion="effectiveness",
        rating=4,
        justification="Works.",
        reviewer=reviewer,
    )
    client.force_login(reviewer)
    for name, obj in [
        ("practicecountry", link),
        ("outcomemetric", metric),
        ("evaluation", evaluation),
        ("scorecardrating", rating),
    ]:
        response = client.get(reverse(f"admin:practices_{name}_history", args=[obj.pk]))
        assert response.status_code == 200, name
    html = client.get(history_url(practice)).content.decode()
    for obj in (link, metric, evaluation, rating):
        assert str(obj) in html


@pytest.mark.parametrize(("edits", "queries"), [(2, 18), (12, 18), (40, 19)])
def test_the_history_page_costs_the_same_whatever_its_length(
    client, reviewer, django_assert_num_queries, edits, queries
):
    practice = make_practice("often-edited", countries=[("MX", "COO")])
    themes = list(Theme.objects.all())
    for i in range(edits):
        practice.title = f"Edit {i}"
        practice.save()
        practice.themes.set([themes[i % len(themes)]])
        OutcomeMetric.objects.create(
            practice=practice, label=f"Figure {i}", value=Decimal(i), unit="people", year=2010
        )
    client.force_login(reviewer)
    # session, user, role; one query per kind of dependent record (four); the practice;
    # the user's and groups' permissions; count and page of entries; one query per link
    # field (six) for every entry's changes. Past a page of 100 entries (40 edits), one
    # more: the next page's newest entry, which the page's oldest is compared with.
    with django_assert_num_queries(queries):
        response = client.get(history_url(practice))
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count > (100 if edits == 40 else edits)
