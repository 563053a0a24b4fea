"""The cached counts (practices.cache): fewer queries, never a stale number after a commit.

The list's count and facet counts, the coverage page and the home page's figures are cached
under a data generation that every committed change replaces.
"""

import uuid

import pytest
import redis
from django.core.cache import cache
from django.db import connection, transaction

from practices import cache as kb_cache
from practices.models import Practice
from tests.conftest import make_practice

pytestmark = pytest.mark.django_db


def listed_total(client, query=""):
    return client.get(f"/practices/?{query}").context["page"].paginator.count


def theme_count(client, slug="children", query=""):
    facets = client.get(f"/practices/?{query}").context["facets"]
    theme = next(facet for facet in facets if facet.name == "theme")
    return next(option.count for option in theme.options if option.value == slug)


@pytest.mark.parametrize(
    ("query", "queries"),
    [
        # the page of practices, their themes and their country links
        ("", 3),
        # plus one lookup of each parameter's values
        ("theme=children&cod=US&page_size=100", 2 + 3),
    ],
)
def test_a_second_visit_reads_the_counts_from_the_cache(
    client, django_assert_num_queries, query, queries
):
    first = client.get(f"/practices/?{query}")
    with django_assert_num_queries(queries):
        second = client.get(f"/practices/?{query}")
    assert second.context["page"].paginator.count == first.context["page"].paginator.count
    assert second.content == first.content


def test_coverage_and_home_are_cached(client, django_assert_num_queries):
    client.get("/coverage/?role=COD")
    client.get("/")
    with django_assert_num_queries(0):
        client.get("/coverage/?role=COD")
    with django_assert_num_queries(3):  # the six newest practices, their themes and countries
        client.get("/")


def test_a_committed_save_is_counted_at_once(
    client, commit_time_invalidation, django_capture_on_commit_callbacks
):
    before = listed_total(client, "cod=MX")
    children_before = theme_count(client)
    with django_capture_on_commit_callbacks(execute=True):
        make_practice("new-in-mexico", countries=[("MX", "COD")])
        # Not committed yet: the cached numbers stand (and nobody else sees the practice).
        assert listed_total(client, "cod=MX") == before
    assert listed_total(client, "cod=MX") == before + 1
    assert theme_count(client) == children_before + 1


def test_one_invalidation_per_transaction_and_none_after_a_rollback(commit_time_invalidation):
    def pending():
        """The cache's callbacks waiting for the commit (the search index has its own)."""
        return [f for _sids, f, _robust in connection.run_on_commit if f is kb_cache.invalidate]

    with transaction.atomic():
        make_practice("rolled-back")
        assert pending() == [kb_cache.invalidate]  # a practice, its theme, its country: once
        transaction.set_rollback(True)
    assert pending() == []
    make_practice("kept")
    assert pending() == [kb_cache.invalidate]


def test_a_published_practice_appears_in_the_cached_counts(client):
    before = listed_total(client, "cod=MX")
    practice = make_practice("later-published", publication_state="draft")
    assert listed_total(client, "cod=MX") == before
    practice.publication_state = Practice.PublicationState.PUBLISHED
    practice.save()
    assert listed_total(client, "cod=MX") == before + 1


def test_an_unreachable_cache_costs_speed_not_the_page(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    expected = Practice.objects.published().count()
    for url in ("/practices/", "/coverage/", "/"):
        assert client.get(url).status_code == 200, url
    assert listed_total(client) == expected
    make_practice("saved-while-the-cache-is-down")
    assert listed_total(client) == expected + 1


@pytest.fixture
def redis_cache(settings):
    location = "redis://127.0.0.1:6379/15"
    server = redis.Redis.from_url(location)
    try:
        server.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis server at 127.0.0.1:6379")
    # Keys of this test's own, removed one by one: cache.clear() would empty the whole Redis
    # database, under another run of the suite using it at the same time (an xdist worker,
    # another checkout's `make test`).
    prefix = f"gfmd-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": prefix,
        }
    }
    yield server
    if keys := list(server.scan_iter(f"{prefix}:*")):
        server.delete(*keys)


def test_with_redis_a_save_replaces_the_shared_generation(client, redis_cache):
    """Every app server reads the same token from Redis: one save invalidates them all."""
    listed_total(client)
    key = cache.make_key(kb_cache.GENERATION_KEY)
    token = redis_cache.get(key)
    assert token is not None
    make_practice("seen-by-every-server")
    assert redis_cache.get(key) not in (None, token)
    assert listed_total(client) == Practice.objects.published().count()
