"""Where the evidence is, and where the gaps are: published practices counted by country,
migration role, theme and region, for the coverage page, the theme index and country pages.

Every number is a GROUP BY over the country links, so a page costs the same few queries
whatever the number of countries, themes or practices: never one query per row or per cell.
Counts are of distinct practices: a practice with two themes counts once in each theme's
column but once only in its country's total.
"""

import math
from dataclasses import dataclass, field
from itertools import groupby
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from countries.models import Country, name_sort_key, region_name
from practices.models import Practice, PracticeCountry, Theme

PUBLISHED = Practice.PublicationState.PUBLISHED

# Shading steps of a non-empty cell; step 0 is a gap. The CSS defines .heat-0 to .heat-5.
HEAT_LEVELS = 5


def list_url(pairs=(), /, **params: str) -> str:
    """The practice list filtered by ``pairs`` (``[(name, value)]``, a name may repeat) and
    ``params``, e.g. ``/practices/?cod=MX&theme=children``."""
    return f"{reverse('practices:practice-list')}?{urlencode([*pairs, *params.items()])}"


def country_param(role: str = "") -> str:
    """The list page's parameter for a country in ``role``: ``coo``/``cot``/``cod``, or any."""
    return role.lower() if role else "country"


def published_links(prefix: str = "", role: str = "") -> Q:
    """Country links to published practices (in ``role`` if given), as seen from ``prefix``.

    One Q, so that callers put it in a single filter() and every condition holds on the same
    link row (Mexico as destination of a published practice, not Mexico in some practice and
    a destination in another).
    """
    conditions = {f"{prefix}practice__publication_state": PUBLISHED}
    if role:
        conditions[f"{prefix}role"] = role
    return Q(**conditions)


def heat_level(count: int, maximum: int) -> int:
    """0 for a gap, else 1 to HEAT_LEVELS in proportion to the best-covered cell."""
    if count <= 0 or maximum <= 0:
        return 0
    return max(1, math.ceil(HEAT_LEVELS * count / maximum))


def heat_legend(maximum: int) -> list[tuple[int, int, int]]:
    """``(level, lowest, highest)`` count for each shading step in use, gap first."""
    steps = [(0, 0, 0)]
    for level, counts in groupby(range(1, maximum + 1), key=lambda n: heat_level(n, maximum)):
        counts = list(counts)
        steps.append((level, counts[0], counts[-1]))
    return steps


@dataclass(frozen=True)
class Cell:
    count: int
    level: int
    # Empty for a gap: there is nothing to list.
    url: str = ""


def shaded_cell(count: int, maximum: int, **params: str) -> Cell:
    """A count, its shading step and the filtered list it links to (a gap links nowhere)."""
    return Cell(count, heat_level(count, maximum), list_url(**params) if count else "")


@dataclass
class CountryRow:
    country: Country
    cells: list[Cell]
    total: Cell


@dataclass
class Matrix:
    role: str
    themes: list[Theme]
    regions: list[tuple[str, list[CountryRow]]]
    theme_totals: list[int]
    total: int
    legend: list[tuple[int, int, int]] = field(default_factory=list)


def countries_with_practice_counts():
    """Every country with ``practice_count``: its published practices, in any role."""
    return Country.objects.annotate(
        practice_count=Count(
            "practice_links__practice", filter=published_links("practice_links__"), distinct=True
        )
    )


def themes_with_counts(role: str = "") -> list[Theme]:
    """The themes in order, each with ``practice_count`` (every published practice) and
    ``matrix_count`` (published practices with a country in ``role``, any role if empty).

    One query: the two counts are distinct counts over the same joins.
    """
    in_matrix = Q(practices__publication_state=PUBLISHED)
    if role:
        in_matrix &= Q(practices__country_links__role=role)
    else:
        in_matrix &= Q(practices__country_links__isnull=False)
    return list(
        Theme.objects.with_practice_counts().annotate(
            matrix_count=Count("practices", filter=in_matrix, distinct=True)
        )
    )


def coverage_matrix(role: str = "") -> Matrix:
    """Countries × themes counts of published practices, rows grouped by M49 region.

    Four queries: themes with their column totals, the cells, the countries with their
    row totals, and the grand total.
    """
    themes = themes_with_counts(role)
    counts = {
        (row["country"], row["practice__themes"]): row["n"]
        for row in PracticeCountry.objects.filter(published_links(role=role))
        .values("country", "practice__themes")
        .annotate(n=Count("practice", distinct=True))
        .order_by()
    }
    # The link filter comes before annotate(), so the count runs over the same filtered links.
    countries = Country.objects.filter(published_links("practice_links__", role)).annotate(
        total=Count("practice_links__practice", distinct=True)
    )
    total = (
        Practice.objects.published()
        .filter(published_links("country_links__", role))
        .distinct()
        .count()
    )
    maximum = max(counts.values(), default=0)
    rows = []
    for country in countries:
        where = {country_param(role): country.iso2}
        cells = [
            shaded_cell(counts.get((country.pk, theme.pk), 0), maximum, **where, theme=theme.slug)
            for theme in themes
        ]
        rows.append(CountryRow(country, cells, total=Cell(country.total, 0, list_url(**where))))
    # Regions alphabetically, countries without one last; names with accents folded.
    rows.sort(key=lambda r: (not r.country.region, r.country.region, name_sort_key(r.country.name)))
    regions = [
        (region or _("No M49 region"), list(members))
        for region, members in groupby(rows, key=lambda r: r.country.region)
    ]
    return Matrix(
        role=role,
        themes=themes,
        regions=regions,
        theme_totals=[theme.matrix_count for theme in themes],
        total=total,
        legend=heat_legend(maximum),
    )


def country_role_table(country: Country, themes: list[Theme]) -> list[tuple]:
    """``(role, cells, total)`` for each role ``country`` holds in published practices,
    origin, transit, destination; one cell per theme of ``themes``.

    Two queries: the role × theme counts, and each role's distinct total.
    """
    links = PracticeCountry.objects.filter(published_links(), country=country)
    counts = {
        (row["role"], row["practice__themes"]): row["n"]
        for row in links.values("role", "practice__themes")
        .annotate(n=Count("practice", distinct=True))
        .order_by()
    }
    totals = dict(
        links.values("role").annotate(n=Count("practice", distinct=True)).values_list("role", "n")
    )
    maximum = max(counts.values(), default=0)
    table = []
    for role in PracticeCountry.Role:
        if role.value not in totals:
            continue
        where = {country_param(role.value): country.iso2}
        cells = [
            shaded_cell(counts.get((role.value, theme.pk), 0), maximum, **where, theme=theme.slug)
            for theme in themes
        ]
        table.append((role, cells, Cell(totals[role.value], 0, list_url(**where))))
    return table


def region_counts() -> list[tuple[str, int]]:
    """``(region, n)``: published practices involving a country of each M49 region.

    A practice counts once per region, however many of that region's countries it names.
    """
    rows = (
        Country.objects.exclude(region="")
        .filter(published_links("practice_links__"))
        .values("region")
        .annotate(n=Count("practice_links__practice", distinct=True))
        .order_by("region")
    )
    return [(row["region"], row["n"]) for row in rows]


# Bar chart geometry, in SVG user units: each bar sits under its label, its number after it.
CHART_WIDTH = 480
BAR_AREA = 400
BAR_HEIGHT = 18
ROW_HEIGHT = 50


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    url: str
    width: int
    label_y: int
    bar_y: int
    value_x: int
    value_y: int


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    bars: list[Bar]
    width: int
    height: int
    bar_height: int = BAR_HEIGHT


def bar_chart(chart_id: str, title: str, items: list[tuple[str, int, str]]) -> BarChart:
    """A horizontal bar chart of ``(label, count, url)``, bars scaled to the largest count.

    All geometry is whole numbers, so templates print it unlocalised ("12", never "12,5").
    """
    maximum = max((count for _label, count, _url in items), default=0)
    bars = []
    for index, (label, count, url) in enumerate(items):
        top = index * ROW_HEIGHT
        # A non-zero count always shows a sliver of bar; zero shows none.
        width = max(2, round(BAR_AREA * count / maximum)) if count else 0
        bars.append(
            Bar(
                label=label,
                count=count,
                url=url,
                width=width,
                label_y=top + 16,
                bar_y=top + 23,
                value_x=width + 6,
                value_y=top + 23 + BAR_HEIGHT - 4,
            )
        )
    return BarChart(chart_id, title, bars, CHART_WIDTH, max(len(items) * ROW_HEIGHT, ROW_HEIGHT))


def theme_chart(themes: list[Theme]) -> BarChart:
    """Published practices per theme; ``themes`` carry ``practice_count``."""
    items = [(t.name, t.practice_count, list_url(theme=t.slug)) for t in themes]
    return bar_chart("chart-themes", _("Published practices per theme"), items)


def region_chart() -> BarChart:
    """Published practices per M49 region of the countries they involve (one query)."""
    items = [(region_name(r), n, list_url(region=slugify(r))) for r, n in region_counts()]
    return bar_chart("chart-regions", _("Published practices per region"), items)
