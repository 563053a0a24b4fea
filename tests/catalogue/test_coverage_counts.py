"""The coverage matrix, the theme index and the country page's role × theme table count
published practices only, link each number to the list that shows those very practices, and
cost a fixed number of queries."""

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils.text import slugify

from countries.models import Country, name_sort_key
from practices.catalogue.coverage import BAR_AREA, HEAT_LEVELS, bar_chart, heat_legend, heat_level
from practices.models import Practice, PracticeCountry, Theme
from tests.conftest import make_practice

pytestmark = pytest.mark.django_db

ROLES = ["COO", "COT", "COD"]


class TableLinks(HTMLParser):
    """``(href, text)`` of every link inside a data cell of the tables of class ``matrix``."""

    def __init__(self):
        super().__init__()
        self.links, self._depth, self._in_td, self._href, self._text = [], 0, False, None, ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "matrix" in (attrs.get("class") or "").split():
            self._depth += 1
        elif tag == "td" and self._depth:
            self._in_td = True
        elif tag == "a" and self._in_td:
            self._href, self._text = attrs["href"], ""

    def handle_data(self, data):
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, self._text.strip()))
            self._href = None
        elif tag == "td":
            self._in_td = False
        elif tag == "table" and self._depth:
            self._depth -= 1


def cell_links(html: str) -> list[tuple[str, str]]:
    parser = TableLinks()
    parser.feed(html)
    return parser.links


def listed_count(url: str) -> int:
    """What the practice list at ``url`` should hold, computed straight from the models."""
    parts = urlsplit(url)
    assert parts.path == "/practices/"
    params = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert set(params) <= {"country", "coo", "cot", "cod", "theme", "region"}, params
    practices = Practice.objects.published()
    if "theme" in params:
        practices = practices.filter(themes__slug=params.pop("theme"))
    if "region" in params:
        practices = practices.filter(country_links__country__region__iexact=params.pop("region"))
    (param, iso2), *rest = params.items()
    assert not rest and iso2 == iso2.upper() and len(iso2) == 2
    link = {"country_links__country__iso2": iso2}
    if param != "country":
        link["country_links__role"] = param.upper()
    return practices.filter(**link).distinct().count()


def matrix_cell(matrix, iso2: str, theme_slug: str):
    row = next(r for _region, rows in matrix.regions for r in rows if r.country.iso2 == iso2)
    return row.cells[[t.slug for t in matrix.themes].index(theme_slug)]


def matrix_numbers(matrix) -> dict:
    numbers = {("total",): matrix.total}
    numbers.update(
        {("theme", t.slug): n for t, n in zip(matrix.themes, matrix.theme_totals, strict=True)}
    )
    for _region, rows in matrix.regions:
        for row in rows:
            numbers[(row.country.iso2,)] = row.total.count
            for theme, cell in zip(matrix.themes, row.cells, strict=True):
                numbers[(row.country.iso2, theme.slug)] = cell.count
    return numbers


def test_matrix_counts_published_practices_of_a_country_and_theme(client):
    matrix = client.get("/coverage/").context["matrix"]
    expected = (
        Practice.objects.published()
        .filter(themes__slug="children", country_links__country__iso2="MX")
        .distinct()
        .count()
    )
    assert expected > 0
    cell = matrix_cell(matrix, "MX", "children")
    assert cell.count == expected
    assert cell.url == "/practices/?country=MX&theme=children"


@pytest.mark.parametrize("role", ["", *ROLES])
def test_every_number_in_the_matrix_links_to_the_practices_it_counts(client, role):
    response = client.get("/coverage/", {"role": role} if role else {})
    links = cell_links(response.content.decode())
    param = role.lower() or "country"
    assert links
    for href, text in links:
        assert parse_qs(urlsplit(href).query).keys() & {"country", "coo", "cot", "cod"} == {param}
        assert int(text) == listed_count(href), href
    # Each country's cells and total are links, except the gaps, which are plainly marked.
    matrix = response.context["matrix"]
    cells = [c for _region, rows in matrix.regions for r in rows for c in [*r.cells, r.total]]
    assert len(links) == sum(1 for c in cells if c.count)
    assert all(c.url == "" for c in cells if c.count == 0)


@pytest.mark.parametrize("url", ["/coverage/", "/coverage/?role=COD", "/countries/mx/"])
def test_the_list_behind_each_number_holds_that_many_practices(client, url):
    """Through the real list page and its filters; the matrix keeps two countries' rows, as
    the test above already checks every cell against the models."""
    response = client.get(url)
    links = [
        (href, text)
        for href, text in cell_links(response.content.decode())
        if "=MX" in href or "=PH" in href
    ]
    for chart in ("theme_chart", "region_chart"):
        if chart in response.context:
            links += [(bar.url, str(bar.count)) for bar in response.context[chart].bars]
    assert links
    for href, text in links:
        assert client.get(href).context["page"].paginator.count == int(text), href


@pytest.mark.parametrize("role", ["", *ROLES])
def test_matrix_rows_are_the_countries_with_a_published_practice_in_the_role(client, role):
    matrix = client.get("/coverage/", {"role": role} if role else {}).context["matrix"]
    links = PracticeCountry.objects.filter(practice__publication_state="published")
    if role:
        links = links.filter(role=role)
    expected = set(links.values_list("country__iso2", flat=True))
    shown = [r.country for _region, rows in matrix.regions for r in rows]
    assert {c.iso2 for c in shown} == expected
    assert len(shown) == len(expected)
    # Regions alphabetically, each region's countries alphabetically, accents folded.
    assert [region for region, _rows in matrix.regions] == sorted({c.region for c in shown})
    for region, rows in matrix.regions:
        names = [r.country.name for r in rows]
        assert names == sorted(names, key=name_sort_key)
        assert {r.country.region for r in rows} == {region}


def test_matrix_columns_are_the_themes_in_order_with_distinct_totals(client):
    matrix = client.get("/coverage/").context["matrix"]
    assert [t.slug for t in matrix.themes] == list(Theme.objects.values_list("slug", flat=True))
    in_matrix = Practice.objects.published().filter(country_links__isnull=False)
    for theme, total in zip(matrix.themes, matrix.theme_totals, strict=True):
        assert total == in_matrix.filter(themes=theme).distinct().count()
    assert matrix.total == in_matrix.distinct().count()


def test_role_matrix_counts_only_links_in_that_role(client):
    before = {
        role: matrix_cell(
            client.get("/coverage/", {"role": role}).context["matrix"], "MX", "children"
        )
        for role in ROLES
    }
    make_practice("mexico-origin-only", countries=[("MX", "COO")])
    for role in ROLES:
        after = matrix_cell(
            client.get("/coverage/", {"role": role}).context["matrix"], "MX", "children"
        )
        assert after.count == before[role].count + (role == "COO")
    cod = client.get("/coverage/", {"role": "COD"}).context["matrix"]
    expected = (
        Practice.objects.published()
        .filter(
            themes__slug="children",
            country_links__country__iso2="MX",
            country_links__role="COD",
        )
        .distinct()
        .count()
    )
    assert matrix_cell(cod, "MX", "children").count == expected
    assert matrix_cell(cod, "MX", "children").url in ("", "/practices/?cod=MX&theme=children")


def test_a_country_only_of_origin_is_not_a_row_of_the_destination_matrix(client):
    def rows(role):
        matrix = client.get("/coverage/", {"role": role}).context["matrix"]
        return {r.country.iso2 for _region, members in matrix.regions for r in members}

    make_practice("tonga-origin", countries=[("TO", "COO")])
    assert "TO" in rows("COO")
    assert "TO" not in rows("COD")


@pytest.mark.parametrize("state", ["draft", "in_review", "archived"])
def test_an_unpublished_practice_changes_no_number(client, state):
    urls = [
        "/coverage/",
        "/coverage/?role=COD",
        "/coverage/?role=COO",
        "/themes/",
        "/countries/mx/",
    ]
    before = {url: client.get(url).content for url in urls}
    make_practice(
        "unpublished-one",
        countries=[("MX", "COD"), ("PH", "COO"), ("ES", "COT")],
        publication_state=state,
    )
    for url in urls:
        assert client.get(url).content == before[url], url
    # The same practice published does change them: the comparison above can fail.
    practice = Practice.objects.get(slug="unpublished-one")
    practice.publication_state = "published"
    practice.save()
    for url in urls:
        assert client.get(url).content != before[url], url


def test_unknown_role_shows_every_role_with_a_message(client):
    any_role = matrix_numbers(client.get("/coverage/").context["matrix"])
    for value in ["XYZ", "origin", "<b>COD</b>"]:
        response = client.get("/coverage/", {"role": value})
        assert response.status_code == 200
        html = response.content.decode()
        assert "There is no role" in html
        assert "&lt;b&gt;COD&lt;/b&gt;" in html or "<b>" not in value
        assert "<b>COD</b>" not in html
        assert response.context["role"] == ""
        assert matrix_numbers(response.context["matrix"]) == any_role


def test_known_role_in_any_case_is_not_unknown(client):
    response = client.get("/coverage/", {"role": "cod"})
    assert response.context["role"] == "COD"
    assert "There is no role" not in response.content.decode()


def test_region_chart_counts_a_practice_once_per_region(client):
    def region_numbers():
        chart = client.get("/coverage/").context["region_chart"]
        return {bar.label: (bar.count, bar.url) for bar in chart.bars}

    before = region_numbers()
    for region, (count, url) in before.items():
        assert url == f"/practices/?region={slugify(region)}"
        expected = (
            Practice.objects.published()
            .filter(country_links__country__region=region)
            .distinct()
            .count()
        )
        assert count == expected
    assert before["Americas"][1] == "/practices/?region=americas"
    # Three countries of the Americas in three roles, and one of Europe.
    make_practice(
        "across-americas",
        countries=[("MX", "COO"), ("GT", "COT"), ("US", "COD"), ("ES", "COD")],
    )
    after = region_numbers()
    assert after["Americas"][0] == before["Americas"][0] + 1
    assert after["Europe"][0] == before["Europe"][0] + 1
    assert after["Asia"] == before["Asia"]


@pytest.mark.parametrize(("url", "key"), [("/coverage/", "theme_chart"), ("/themes/", "chart")])
def test_theme_chart_counts_every_published_practice_of_each_theme(client, url, key):
    chart = client.get(url).context[key]
    assert [bar.label for bar in chart.bars] == list(Theme.objects.values_list("name", flat=True))
    for bar, theme in zip(chart.bars, Theme.objects.all(), strict=True):
        assert bar.count == Practice.objects.published().filter(themes=theme).count()
        assert bar.url == f"/practices/?theme={theme.slug}"


def test_theme_index_links_each_theme_page_with_its_count(client):
    response = client.get("/themes/")
    html = response.content.decode()
    themes = list(response.context["themes"])
    assert [t.slug for t in themes] == list(Theme.objects.values_list("slug", flat=True))
    for theme in themes:
        assert f'href="/themes/{theme.slug}/"' in html
        assert theme.practice_count == Practice.objects.published().filter(themes=theme).count()
        assert client.get(f"/themes/{theme.slug}/").status_code == 200


def test_bar_lengths_are_proportional_and_a_non_zero_bar_always_shows():
    chart = bar_chart("c", "title", [("none", 0, "/a"), ("one", 1, "/b"), ("most", 400, "/c")])
    widths = [bar.width for bar in chart.bars]
    assert widths == [0, 2, BAR_AREA]
    half = bar_chart("c", "title", [("a", 10, "/a"), ("b", 5, "/b")])
    assert [bar.width for bar in half.bars] == [BAR_AREA, BAR_AREA // 2]


def test_shading_steps_cover_every_count_once():
    for maximum in [1, 2, 6, 17]:
        levels = [heat_level(n, maximum) for n in range(maximum + 1)]
        assert levels[0] == 0 and levels[-1] == HEAT_LEVELS
        assert levels == sorted(levels) and min(levels[1:]) >= 1
        legend = heat_legend(maximum)
        covered = [n for _level, low, high in legend[1:] for n in range(low, high + 1)]
        assert covered == list(range(1, maximum + 1))
        assert all(heat_level(low, maximum) == level for level, low, _high in legend)


def test_country_page_counts_each_role_and_theme(client):
    response = client.get("/countries/mx/")
    html = response.content.decode()
    assert "Americas" in html and "Central America" in html
    table = response.context["role_table"]
    assert [role.value for role, _cells, _total in table] == ROLES
    themes = response.context["themes"]
    for role, cells, total in table:
        links = Practice.objects.published()
        for theme, cell in zip(themes, cells, strict=True):
            expected = (
                links.filter(
                    themes=theme,
                    country_links__country__iso2="MX",
                    country_links__role=role,
                )
                .distinct()
                .count()
            )
            assert cell.count == expected
            if cell.count:
                assert cell.url == f"/practices/?{role.lower()}=MX&theme={theme.slug}"
            else:
                assert cell.url == ""
        assert (
            total.count
            == Practice.objects.published()
            .for_country(Country.objects.get(iso2="MX"), role)
            .count()
        )
    for href, text in cell_links(html):
        assert int(text) == listed_count(href), href
    # The practices are still grouped by role below the table.
    assert {role for role, _practices in response.context["by_role"]} == set(ROLES)


def test_country_page_shows_only_the_roles_a_country_holds(client):
    make_practice("tonga-destination", countries=[("TO", "COD")])
    table = client.get("/countries/to/").context["role_table"]
    assert [role.value for role, _cells, _total in table] == ["COD"]
    assert client.get("/countries/tv/").context["role_table"] == []


# The coverage page: themes with their column totals, the cells, the countries with their
# totals, the grand total, and the region chart. The theme index: the themes with their
# counts. The country page: the country, its practices, their themes, their countries (the
# existing list), then the themes, the role × theme cells and each role's total, then its
# small map's corridors (their pairs and their countries).
PAGE_QUERIES = [
    ("/coverage/", 5),
    ("/coverage/?role=COD", 5),
    ("/coverage/?role=nonsense", 5),
    ("/themes/", 1),
    ("/countries/mx/", 9),
]


@pytest.mark.parametrize("extra", [0, 20])
@pytest.mark.parametrize(("url", "queries"), PAGE_QUERIES)
def test_page_queries_do_not_grow_with_practices(
    client, django_assert_num_queries, url, queries, extra
):
    countries = ["MX", "PH", "ES", "TO", "KE", "BR", "DE"]
    for i in range(extra):
        make_practice(
            f"bulk-{i:02}",
            countries=[(countries[i % 7], ROLES[i % 3]), (countries[(i + 3) % 7], "COD")],
        )
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/coverage/", "/coverage/?role=COT", "/coverage/?role=bad", "/themes/", "/countries/mx/"],
)
def test_pages_have_no_inline_style_or_script(client, url):
    html = client.get(url).content.decode()
    assert 'style="' not in html
    assert "<style" not in html
    assert "<script" not in html


def test_charts_are_titled_groups_of_links_named_with_their_numbers(client):
    html = client.get("/coverage/").content.decode()
    assert html.count('class="bar-chart" role="group"') == 2
    assert '<title id="chart-themes-title">' in html
    assert '<title id="chart-regions-title">' in html
    # Each bar is a link whose name carries the number, for screen readers and keyboards.
    for theme in Theme.objects.with_practice_counts():
        assert f'aria-label="{theme.name}: {theme.practice_count} practices"' in html
