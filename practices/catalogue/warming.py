"""The list page's common counts, computed ahead after each data change.

Every committed change replaces the cache's data generation (``practices.cache``), so every
list's counts are computed again by the first request that asks for them: the unlucky visitor
waits for the counting statement and the facets' rendering. After a change, one background job
(``tasks.warm_list_counts``, run by ``manage.py db_worker``) computes and stores, in every
language, the entries the list page would (``views.cached_list_counts``) for the filters
visited most: the unfiltered list, each theme, each region, each theme with each evidence
level, and each country that has practices, in any role and in each role it has (most
practices first). ``manage.py warm_cache`` does the same at once, in its own process.

A burst of changes (an import, a curator's afternoon) queues one job: a change queues one
only when none is pending (``tasks.queue_warming``: a flag in the cache, cleared when the job
starts), and a job stops
as soon as a newer change replaces the generation it warms, leaving the rest to the job that
change queued.

**Only with a shared cache.** The job runs in the worker's process: with Redis
(``CACHE_URL=redis://…``) every web process reads what it stored. With ``locmem://`` it would
fill the worker's own memory, which no web process reads, so ``settings.WARM_CACHE`` (a change
queues the job) is on by default with Redis only, and the deploy checks warn when it is set
without it (``gfmd_kb.checks``). ``warm_cache`` in a shell is as useless there.
"""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count
from django.http import QueryDict
from django.utils import translation
from django.utils.text import slugify

from practices.cache import generation
from practices.models import Practice, PracticeCountry, Theme

from .facet_places import COUNTRY_FACETS
from .facets import counts_for
from .filters import PracticeFilter
from .views import cached_list_counts, render_facets

logger = logging.getLogger(__name__)


def common_filters() -> list[list[tuple[str, str]]]:
    """The filters warmed, as URL parameters, the most visited first."""
    published = Practice.objects.published()
    themes = list(Theme.objects.values_list("slug", flat=True))
    links = PracticeCountry.objects.filter(practice__in=published).order_by()
    regions = links.exclude(country__region="").values_list("country__region", flat=True).distinct()
    countries = (
        links.values_list("country__iso2")
        .annotate(n=Count("practice", distinct=True))
        .order_by("-n", "country__iso2")
    )
    roles = {role: name for name, role in COUNTRY_FACETS.items() if role}
    in_roles = (
        links.values_list("country__iso2", "role")
        .annotate(n=Count("pk"))
        .order_by("-n", "country__iso2", "role")
    )
    return [
        [],
        *([("theme", slug)] for slug in themes),
        *([("region", slugify(region))] for region in sorted(regions)),
        *(
            [("theme", slug), ("evidence", level)]
            for slug in themes
            for level in Practice.EvidenceLevel.values
        ),
        *([("country", iso2)] for iso2, _n in countries),
        *([(roles[role], iso2)] for iso2, role, _n in in_roles),
    ]


class Stale(Exception):
    """The data changed since the job began: what it would store is already out of date."""


def warm(filters=None) -> int:
    """Compute and cache the list's counts for ``filters`` (``common_filters()``), in every
    language; stop when a newer change replaces the generation. How many were warmed."""
    token = generation()
    warmed = 0
    for params in common_filters() if filters is None else filters:
        filterset = PracticeFilter(
            QueryDict(urlencode(params)), queryset=Practice.objects.published()
        )

        def compute(filterset=filterset):
            # cached() stores this under the generation it read just before: never store
            # counts of an older generation under a newer one. Counted in each language: the
            # options' names come with the counts, in the page's language.
            if generation() != token:
                raise Stale
            total, facets = counts_for(filterset)
            return total, facets, render_facets(facets)

        try:
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    cached_list_counts(filterset, compute)
        except Stale:
            logger.info("data changed while warming: stopped after %s lists", warmed)
            break
        warmed += 1
    return warmed
