"""The world map, the corridors and the evidence gap map: every number is the length of the list
it links to, on the paper's data and with the list's filters; the evidence segments are the
evidence levels of that list; the pages cost a fixed number of queries; bad choices get a
message, never an error."""

import itertools
import math
import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest

from countries.models import Country
from practices.catalogue.gap_map import LEVEL_COLOURS
from practices.models import Practice, PracticeCountry, TargetGroup
from tests.conftest import make_practice

pytestmark = pytest.mark.django_db

LEVEL_OF_LABEL = {str(label).lower(): value for value, label in Practice.EvidenceLevel.choices}


class Links(HTMLParser):
    """``(href, accessible name or text, where)`` of every link: ``where`` is "map" inside the
    map's SVG, "table" inside a table's data cell, else ""."""

    def __init__(self):
        super().__init__()
        self.links, self._svg, self._td, self._open = [], 0, False, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg" and "world-map" in (attrs.get("class") or ""):
            self._svg += 1
        elif tag == "td":
            self._td = True
        elif tag == "a" and "href" in attrs:
            where = "map" if self._svg else "table" if self._td else ""
            self._open = [attrs["href"], attrs.get("aria-label") or "", where, ""]

    def handle_data(self, data):
        if self._open is not None:
            self._open[3] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._open is not None:
            href, label, where, text = self._open
            self.links.append((href, label or text.strip(), where, text.strip()))
            self._open = None
        elif tag == "svg" and self._svg:
            self._svg -= 1
        elif tag == "td":
            self._td = False


def links(html: str, where: str):
    parser = Links()
    parser.feed(html)
    return [(href, label, text) for href, label, at, text in parser.links if at == where]


def listed(client, href: str) -> int:
    """How many practices the list page at ``href`` says it holds."""
    assert urlsplit(href).path == "/practices/", href
    html = client.get(href).content.decode()
    return int(re.search(r'data-count="(\d+)"', html).group(1))


def first_number(label: str) -> int:
    return int(re.search(r": (\d+)", label).group(1))


MAP_URLS = [
    "/coverage/map/",
    "/coverage/map/?by=coo",
    "/coverage/map/?by=cot",
    "/coverage/map/?by=cod",
    "/coverage/map/?theme=children",
    "/coverage/map/?theme=children&by=cod",
    "/coverage/map/?region=americas&by=coo",
    "/coverage/map/?evidence=outputs&evidence=evaluated",
    "/coverage/map/?country=MX",
    "/coverage/map/?country=MX&by=coo",
]


@pytest.mark.parametrize("url", MAP_URLS)
def test_each_map_country_counts_the_list_it_links_to(client, url):
    html = client.get(url).content.decode()
    countries = links(html, "map")
    assert countries, "the map shades no country"
    for href, label, _text in countries:
        assert listed(client, href) == first_number(label), (label, href)
    # The table beside the map: each linked number is its list's length too.
    for href, _label, text in links(html, "table"):
        assert listed(client, href) == int(text), href


def test_the_map_names_a_country_with_its_numbers(client):
    html = client.get("/coverage/map/").content.decode()
    mexico = next(label for _h, label, _t in links(html, "map") if label.startswith("Mexico:"))
    mx = Country.objects.get(iso2="MX")
    published = Practice.objects.published()
    total = published.filter(country_links__country=mx).distinct().count()
    as_destination = published.filter(country_links__country=mx, country_links__role="COD")
    assert mexico.startswith(f"Mexico: {total} practices")
    assert f"{as_destination.distinct().count()} as destination" in mexico
    role_map = client.get("/coverage/map/?by=cod").content.decode()
    assert f"Mexico: {as_destination.distinct().count()} practices as destination" in role_map


def test_the_map_shades_exactly_the_countries_with_practices_in_the_role(client):
    html = client.get("/coverage/map/?by=cot").content.decode()
    shaded = {dict(parse_qsl(urlsplit(href).query))["cot"] for href, _l, _t in links(html, "map")}
    in_transit = set(
        PracticeCountry.objects.filter(
            role="COT", practice__publication_state=Practice.PublicationState.PUBLISHED
        ).values_list("country__iso2", flat=True)
    )
    assert shaded == in_transit


def test_a_country_named_by_the_filter_is_the_only_one_drawn(client):
    html = client.get("/coverage/map/?country=PH&theme=children").content.decode()
    drawn = links(html, "map")
    assert [label.split(":")[0] for _h, label, _t in drawn] == ["Philippines"]
    assert "Only the countries the filter names are drawn" in html


def test_a_small_state_is_a_dot_and_a_link(client):
    """Bahrain is too small for the 1:110m outlines: it is drawn as a dot, still a link."""
    html = client.get("/coverage/map/?by=cod").content.decode()
    bahrain = [h for h, label, _t in links(html, "map") if label.startswith("Bahrain:")]
    assert bahrain and re.search(r'<circle class="country dot heat-\d"', html)


CORRIDOR_URLS = [
    "/coverage/corridors/",
    "/coverage/corridors/?theme=children",
    "/coverage/corridors/?region=americas",
    "/coverage/corridors/?coo=MX&coo=GT",
    "/coverage/corridors/?focus=PH",
]


@pytest.mark.parametrize("url", CORRIDOR_URLS)
def test_each_corridor_counts_the_list_it_links_to(client, url):
    html = client.get(url).content.decode()
    cells = links(html, "table")
    assert cells
    for href, _label, text in cells:
        query = dict(parse_qsl(urlsplit(href).query))
        assert {"coo", "cod"} <= set(query)
        assert listed(client, href) == int(text), href
    # Each arc is a corridor of the matrix, with its number.
    matrix = {href: int(text) for href, _label, text in cells}
    for href, label, _text in links(html, "map"):
        assert matrix[href] == int(re.search(r": (\d+) practices?", label).group(1))


def test_the_matrix_holds_every_corridor_and_only_those(client):
    """Rows are the origins, columns the destinations that occur; an empty cell's list is empty."""
    html = client.get("/coverage/corridors/").content.decode()
    shown = {
        (q["coo"], q["cod"]): int(text)
        for href, _l, text in links(html, "table")
        for q in [dict(parse_qsl(urlsplit(href).query))]
    }
    published = Practice.objects.published()
    expected = {}
    for practice in published.prefetch_related("country_links__country"):
        origins = {c.country.iso2 for c in practice.country_links.all() if c.role == "COO"}
        ends = {c.country.iso2 for c in practice.country_links.all() if c.role == "COD"}
        for pair in itertools.product(origins, ends):
            expected[pair] = expected.get(pair, 0) + 1
    assert shown == expected
    origins = {o for o, _d in expected}
    destinations = {d for _o, d in expected}
    for origin, destination in itertools.product(origins, destinations):
        if (origin, destination) not in expected:
            assert listed(client, f"/practices/?coo={origin}&cod={destination}") == 0


def test_a_focus_draws_only_that_countrys_corridors(client):
    html = client.get("/coverage/corridors/?focus=ph").content.decode()
    arcs = links(html, "map")
    assert arcs and all("Philippines" in label for _h, label, _t in arcs)
    everything = links(client.get("/coverage/corridors/").content.decode(), "map")
    assert len(everything) > len(arcs)


GAP_URLS = [
    "/coverage/evidence/",
    "/coverage/evidence/?columns=stage",
    "/coverage/evidence/?country=MX",
    "/coverage/evidence/?coo=PH&columns=stage",
    "/coverage/evidence/?region=americas&year_from=2000",
    "/coverage/evidence/?theme=children&theme=health",
]


def level_counts(label: str) -> dict[str, int]:
    """``{"described": 2, "evaluated": 1}`` from
    "…: 3 practices (2 described only, 1 evaluated)"."""
    inside = re.search(r"\((.*)\)$", label)
    counts = {}
    for part in inside.group(1).split(", ") if inside else []:
        n, level = part.split(" ", 1)
        counts[LEVEL_OF_LABEL[level]] = int(n)
    return counts


@pytest.mark.parametrize("url", GAP_URLS)
def test_each_gap_map_cell_is_its_list_and_its_evidence_levels(client, url):
    html = client.get(url).content.decode()
    cells = links(html, "table")
    assert cells
    counted = 0
    for href, label, _text in cells:
        query = dict(parse_qsl(urlsplit(href).query))
        assert "theme" in query and ("target_group" in query or "stage" in query)
        count = 0 if "a gap" in label else first_number(label)
        assert listed(client, href) == count, label
        levels = level_counts(label)
        assert sum(levels.values()) == count
        for level, n in levels.items():
            assert listed(client, f"{href}&evidence={level}") == n, (label, level)
        counted += count
    assert counted, "every cell is a gap"


def test_gap_map_segments_are_coloured_by_their_levels(client):
    html = client.get("/coverage/evidence/").content.decode()
    for cell in re.findall(r'<td class="cell">(.*?)</td>', html, re.S):
        label = re.search(r'aria-label="([^"]*)"', cell).group(1)
        fills = re.findall(r'fill="(#[0-9a-f]{6})"', cell)
        assert fills == [LEVEL_COLOURS[level] for level in level_counts(label)], label


def test_an_empty_cell_is_marked_as_a_gap(client):
    html = client.get("/coverage/evidence/").content.decode()
    gaps = re.findall(r'<td class="cell heat-0 gap-cell">(.*?)</td>', html, re.S)
    assert gaps and all("a gap" in gap and ">gap<" in gap for gap in gaps)


def test_the_gap_maps_own_filters_pick_its_rows(client):
    html = client.get("/coverage/evidence/?theme=health").content.decode()
    rows = re.findall(r'<th scope="row"><a href="/themes/([a-z-]+)/"', html)
    assert rows == ["health"]
    groups = TargetGroup.objects.count()
    assert len(links(html, "table")) == groups


def simulated(hex_colour: str, matrix) -> tuple[float, float, float]:
    """The colour as seen with a dichromacy (Machado, Oliveira and Fernandes, 2009), in CIELAB."""

    def linear(c):
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    rgb = [linear(int(hex_colour[i : i + 2], 16)) for i in (1, 3, 5)]
    r, g, b = (min(1, max(0, sum(m * c for m, c in zip(row, rgb, strict=True)))) for row in matrix)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


NORMAL = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
DEUTERANOPIA = [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
]
PROTANOPIA = [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
]


@pytest.mark.parametrize("vision", [NORMAL, DEUTERANOPIA, PROTANOPIA])
def test_evidence_colours_stay_apart_for_colour_blind_readers(vision):
    colours = list(LEVEL_COLOURS.values())
    closest = min(
        math.dist(simulated(a, vision), simulated(b, vision))
        for a, b in itertools.combinations(colours, 2)
    )
    assert closest > 40, closest


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/coverage/map/?by=sideways", "There is no role “sideways”"),
        ("/coverage/evidence/?columns=people", "There are no columns “people”"),
        ("/coverage/corridors/?focus=ZZ", "No corridor runs through “ZZ”"),
        ("/coverage/map/?theme=no-such-theme", "Ignored"),
        ("/coverage/evidence/?year_from=abc", "Ignored"),
        ("/coverage/corridors/?coo=%00%ff", "Ignored"),
    ],
)
def test_a_bad_choice_is_named_and_the_page_still_answers(client, url, message):
    response = client.get(url)
    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/coverage/map/?theme=children",
        "/coverage/corridors/",
        "/coverage/evidence/",
        "/",
        "/countries/ph/",
    ],
)
def test_map_pages_need_no_script_and_no_inline_style(client, url):
    html = client.get(url).content.decode()
    assert "<script" not in html and 'style="' not in html and "<style" not in html
    assert 'class="world-map' in html or "gap-map" in html


def test_a_new_published_practice_is_on_the_map_at_once(client):
    before = client.get("/coverage/map/?by=cod").content.decode()
    assert "Kenya:" not in before
    make_practice("kenya-practice", countries=[("KE", "COD"), ("MX", "COO")])
    after = client.get("/coverage/map/?by=cod").content.decode()
    assert "Kenya: 1 practice as destination" in after
    corridors = client.get("/coverage/corridors/").content.decode()
    assert "Mexico to Kenya: 1 practice" in corridors


def test_drafts_are_on_no_map(client):
    make_practice(
        "draft-in-kenya",
        countries=[("KE", "COD"), ("MX", "COO")],
        publication_state=Practice.PublicationState.DRAFT,
    )
    for url in ("/coverage/map/", "/coverage/corridors/", "/"):
        assert "Kenya" not in client.get(url).content.decode(), url
    gap_map = client.get("/coverage/evidence/?country=KE").content.decode()
    assert 'class="bubble' not in gap_map and "a gap" in gap_map


# Per page: the filter's lookups (none unfiltered; one for a theme or a country), then the
# counts. The map: counts per country and role, per country, the countries, the total. The
# corridors: the pairs and their countries. The gap map: themes, columns, the cells. Cached,
# only the filter's lookups are left.
QUERIES = [
    ("/coverage/map/", 4, 0),
    ("/coverage/map/?theme=children&by=cod", 5, 1),
    ("/coverage/corridors/", 2, 0),
    ("/coverage/corridors/?region=americas&focus=MX", 2, 0),
    ("/coverage/evidence/", 3, 0),
    ("/coverage/evidence/?country=MX&columns=stage", 4, 1),
]


@pytest.mark.parametrize("extra", [10, 200])
@pytest.mark.parametrize(("url", "queries", "cached"), QUERIES)
def test_map_pages_cost_a_fixed_number_of_queries(
    client, django_assert_num_queries, without_history, url, queries, cached, extra
):
    places = ["MX", "PH", "ES", "TO", "KE", "BR", "DE", "BH"]
    roles = ["COO", "COT", "COD"]
    for i in range(extra):
        make_practice(
            f"bulk-{i:03}",
            countries=[(places[i % 8], roles[i % 3]), (places[(i + 3) % 8], "COD")],
            evidence_level=Practice.EvidenceLevel.values[i % 4],
        )
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(cached):
        assert client.get(url).status_code == 200
