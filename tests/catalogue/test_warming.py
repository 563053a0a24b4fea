"""After a data change, the list's common counts are computed ahead, not by the first visitor
(practices.catalogue.warming)."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks import default_task_backend

from countries.models import Country
from gfmd_kb.checks import check_shared_cache
from practices.catalogue import warming
from practices.catalogue.tasks import PENDING_KEY, warm_list_counts
from practices.models import Practice
from tests.conftest import make_practice

pytestmark = pytest.mark.django_db

# The statement that counts a list and its facets (facets.FacetCounter) starts so.
COUNTING = "WITH cur "
WARMED = ["", "theme=children", "region=americas", "theme=children&evidence=described"]
WARMED += ["country=MX", "cod=MX", "coo=PH"]


def counting_statements(client, url, **headers) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith(COUNTING)]


@pytest.fixture
def immediate_warming(settings):
    """Warming on, its job run at once in this process (as the worker would)."""
    settings.WARM_CACHE = True
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def queued_warming(settings):
    """Warming on, its jobs kept in a list instead of run."""
    settings.WARM_CACHE = True
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    yield default_task_backend.results
    default_task_backend.clear()


def test_the_common_filters_are_the_lists_visited_most():
    filters = warming.common_filters()
    assert filters[0] == [], "the unfiltered list first"
    for expected in (
        [("theme", "children")],
        [("region", "americas")],
        [("theme", "health"), ("evidence", "independent")],
        [("country", "MX")],
        [("cod", "MX")],
        [("coo", "PH")],
    ):
        assert expected in filters
    # Only countries that have practices, and only in the roles they have.
    assert [("country", "AQ")] not in filters
    assert [("coo", "US")] not in filters and [("cod", "US")] in filters
    assert len(filters) == len({tuple(f) for f in filters})


def test_after_a_change_the_next_visit_to_a_common_list_counts_nothing(
    client, immediate_warming, commit_time_invalidation, django_capture_on_commit_callbacks
):
    assert counting_statements(client, "/practices/?cod=MX"), "a cold list counts"
    with django_capture_on_commit_callbacks(execute=True):
        new = make_practice("warmed-in-mexico", countries=[("MX", "COD"), ("PH", "COO")])
    for query in WARMED:
        assert counting_statements(client, f"/practices/?{query}") == [], query
        # in every language the site speaks
        assert counting_statements(client, f"/practices/?{query}", HTTP_ACCEPT_LANGUAGE="fr") == []
    # The warmed counts are the new data's: the practice saved is in them.
    response = client.get("/practices/?cod=MX")
    assert new in response.context["page"].object_list
    expected = Practice.objects.published().for_country(Country.objects.get(iso2="MX"), "COD")
    assert response.context["page"].paginator.count == expected.count()
    # A list nobody warms is still counted by its first visitor.
    assert counting_statements(client, "/practices/?cod=MX&kind=law")


def test_a_burst_of_changes_queues_one_warming_job(queued_warming, monkeypatch):
    make_practice("first")
    make_practice("second", countries=[("PH", "COO")])
    Practice.objects.filter(slug="first").update(title="First")  # no signal: not counted
    Practice.objects.get(slug="second").save()
    assert [job.task for job in queued_warming] == [warm_list_counts]
    # Once the job starts, the next change queues another (the running one may miss it).
    monkeypatch.setattr(warming, "warm", lambda filters=None: 0)
    warm_list_counts.call()
    make_practice("third")
    assert [job.task for job in queued_warming] == [warm_list_counts, warm_list_counts]


def test_a_job_stops_when_a_newer_change_replaces_what_it_warms(client, monkeypatch):
    counted = []
    counts_for = warming.counts_for

    def count_then_change(filterset):
        # Each list is counted once per language (the options' names come with the counts).
        if filterset.params() not in counted and len(counted) == len(settings.LANGUAGES):
            make_practice("saved-meanwhile")  # a new generation: its own job warms again
        counted.append(filterset.params())
        return counts_for(filterset)

    monkeypatch.setattr(warming, "counts_for", count_then_change)
    assert warming.warm([[], [("theme", "children")], [("cod", "MX")]]) == 1
    assert counted == [[]] * len(settings.LANGUAGES) + [[("theme", "children")]]
    # What was counted before the change is never served after it.
    assert counting_statements(client, "/practices/?theme=children")
    listed = client.get("/practices/?theme=children").context["page"].paginator.count
    assert listed == Practice.objects.published().filter(themes__slug="children").count()


def test_no_job_without_warming(settings):
    """The default with the local-memory cache of the tests: a worker's cache is its own."""
    assert settings.WARM_CACHE is False
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    make_practice("unwarmed")
    assert default_task_backend.results == []
    assert cache.get(PENDING_KEY) is None


def test_warming_without_a_shared_cache_is_named_by_the_deploy_checks(settings):
    settings.WARM_CACHE = True
    assert "gfmd.W002" in [check.id for check in check_shared_cache(None)]
    settings.WARM_CACHE = False
    assert "gfmd.W002" not in [check.id for check in check_shared_cache(None)]


def test_warm_cache_warms_now(client, monkeypatch, capsys):
    from practices.catalogue.management.commands import warm_cache

    monkeypatch.setattr(warm_cache, "common_filters", lambda: [[], [("cod", "MX")]])
    call_command("warm_cache")
    out, err = capsys.readouterr()
    assert "Warmed 2 of 2 lists in 3 languages" in out
    assert "not shared" in err  # the tests' cache is this process's own
    assert counting_statements(client, "/practices/?cod=MX") == []
