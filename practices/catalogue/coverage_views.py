"""The coverage pages: the countries × themes table, the world map, the corridors and the
evidence gap map. The last three take the list's filters (``maps.MapFilter``); each caches what
it counts like every public count (``practices.cache``), keyed by the filters it applied."""

from urllib.parse import parse_qsl

from django.shortcuts import render

from practices.cache import cached
from practices.models import Practice, PracticeCountry

from . import coverage as cov
from . import gap_map as gaps
from . import maps
from .filters import PracticeFilter, querystring


def coverage(request):
    requested = request.GET.get("role", "").strip()
    # An unknown role is not an error: the page says so and shows every role.
    role = requested.upper() if requested.upper() in PracticeCountry.Role.values else ""
    context = {
        **cached("coverage", role, lambda: coverage_data(role)),
        "role": role,
        "role_label": PracticeCountry.Role(role).label if role else "",
        "roles": PracticeCountry.Role.choices,
        "unknown_role": requested[:30] if requested and not role else "",
    }
    return render(request, "catalogue/coverage.html", context)


def coverage_data(role: str) -> dict:
    matrix = cov.coverage_matrix(role)
    return {
        "matrix": matrix,
        # The charts count every published practice, whatever the role chosen.
        "theme_chart": cov.theme_chart(matrix.themes),
        "region_chart": cov.region_chart(),
    }


def page_choice(request, name: str, choices) -> tuple[str, str]:
    """The page's own choice ``name`` (``by``, ``columns``) if it is one of ``choices``, and
    the value given when it is not (the page says it showed the default instead)."""
    given = request.GET.get(name, "").strip()
    if given.lower() in choices:
        return given.lower(), ""
    return "", given[:30]


def filter_context(filterset, own: tuple[str, ...], page_params: list) -> dict:
    """What every map page shows of the filters: the chips (each removes one filter and keeps
    the page's choices), what was ignored, and the whole filtered list's address."""
    chips = [
        (label, value, querystring([*parse_qsl(without), *page_params]))
        for label, value, without in filterset.chips()
    ]
    return {
        "chips": chips,
        "ignored": filterset.ignored(),
        "list_url": cov.list_url(filterset.params()),
        "filter_query": querystring(filterset.params()),
        "filter_params": filterset.params(),
        "own_picked": [name for name in own if filterset.selections().get(name)],
    }


def filtered(request, own: tuple[str, ...]):
    """The list's filter of the request, and what a map page applies of it."""
    filterset = PracticeFilter(request.GET, queryset=Practice.objects.published())
    return filterset, maps.MapFilter.of(filterset, own)


def cache_key(map_filter, *choices) -> tuple:
    picked = sorted((name, sorted(keys)) for name, keys in map_filter.picked.items())
    return (*choices, tuple(map_filter.params), tuple(picked))


def world_map_of(map_filter, role: str):
    own = maps.ROLE_PARAMS[role]
    return cached(
        "map",
        cache_key(map_filter, role),
        lambda: maps.world_map(
            map_filter.practices, role, map_filter.params, map_filter.picked.get(own)
        ),
    )


def corridors_of(map_filter) -> maps.Corridors:
    return cached(
        "corridors",
        cache_key(map_filter),
        lambda: maps.corridors(
            map_filter.practices,
            map_filter.params,
            map_filter.picked.get("coo"),
            map_filter.picked.get("cod"),
        ),
    )


def coverage_map(request):
    by, unknown = page_choice(request, "by", maps.BY_ROLE)
    role = maps.BY_ROLE.get(by, "")
    own = (maps.ROLE_PARAMS[role],)
    filterset, map_filter = filtered(request, own)
    world = world_map_of(map_filter, role)
    page_params = [("by", by)] if by else []
    context = {
        "world": world,
        "map_title": maps.map_title(role),
        "by": by,
        "role": role,
        "roles": [(param, PracticeCountry.Role(r).label) for param, r in maps.BY_ROLE.items()],
        "unknown_choice": unknown,
        **filter_context(filterset, own, page_params),
    }
    return render(request, "catalogue/coverage_map.html", context)


def coverage_corridors(request):
    filterset, map_filter = filtered(request, ("coo", "cod"))
    found = corridors_of(map_filter)
    taking_part = {c.iso2: c for c in [*found.origins, *found.destinations]}
    requested = request.GET.get("focus", "").strip()
    focus = taking_part.get(requested.upper())
    world = maps.corridor_map(found, focus)
    context = {
        "corridors": found,
        "world": world,
        "focus": focus,
        "focus_choices": sorted(taking_part.values(), key=lambda c: c.name),
        "unknown_focus": requested[:30] if requested and not focus else "",
        **filter_context(filterset, ("coo", "cod"), [("focus", focus.iso2)] if focus else []),
    }
    return render(request, "catalogue/coverage_corridors.html", context)


def coverage_evidence(request):
    columns, unknown = page_choice(request, "columns", gaps.COLUMNS)
    columns = columns or "target_group"
    own = ("theme", columns)
    filterset, map_filter = filtered(request, own)
    found = cached(
        "gap-map", cache_key(map_filter, columns), lambda: gaps.gap_map(map_filter, columns)
    )
    context = {
        "gap_map": found,
        "columns": columns,
        "column_choices": [(key, str(heading)) for key, (_m, _r, heading) in gaps.COLUMNS.items()],
        "levels": [
            (value, label, gaps.LEVEL_COLOURS[value])
            for value, label in Practice.EvidenceLevel.choices
        ],
        "unknown_choice": unknown,
        **filter_context(filterset, own, [("columns", columns)]),
    }
    return render(request, "catalogue/coverage_evidence.html", context)


def every_practice() -> maps.MapFilter:
    return maps.MapFilter(practices=Practice.objects.published(), params=[], picked={})


def home_map() -> maps.WorldMap:
    """The home page's small map: every published practice, countries in any role."""
    return world_map_of(every_practice(), "")


def country_map(country) -> maps.WorldMap:
    """A country page's small map: the country, and the corridors it is an end of."""
    return maps.corridor_map(corridors_of(every_practice()), country, zoom=True)
