"""The practice list's filters, facet counts, sorting and paging, on the paper's data."""

import re
from urllib.parse import parse_qsl

import pytest
from django.http import QueryDict

from practices.catalogue.filters import PracticeFilter
from practices.models import GCMObjective, Organisation, Practice, Stage, TargetGroup
from tests.conftest import make_practice

pytestmark = pytest.mark.django_db


def listed(client, query: str = "") -> list[str]:
    """The slugs the list page shows for ``query``, every page of it."""
    slugs, page = [], 1
    while True:
        response = client.get(f"/practices/?{query}&page_size=100&page={page}")
        assert response.status_code == 200
        slugs += [practice.slug for practice in response.context["page"]]
        if not response.context["page"].has_next():
            return slugs
        page += 1


def options(facets):
    """(parameter, option) for every option shown, the role options nested under countries."""
    for facet in facets:
        for option in facet.options:
            if option.url is not None:  # a country listed only for its role options
                yield facet.name, option
            for role in option.roles:
                yield role.label.lower(), role


def count_for(query: str) -> int:
    """How many practices the list gives for a query string (without rendering the page)."""
    return PracticeFilter(QueryDict(query), queryset=Practice.objects.published()).qs.count()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Mexico's child-protection practices, whatever its role in them.
        (
            "theme=children&country=MX",
            {
                "mx-child-protection-officers-opi",
                "mx-dif-appleseed-study",
                "mx-dif-shelters-and-community-centres",
                "mx-dif-trust-hsbc-save-the-children",
            },
        ),
        # Mexico itself as a destination: not the practices where it is origin or transit.
        ("cod=MX", {"mx-frontier-worker-migration-form", "mx-local-visitor-migration-form"}),
        # A corridor: the Philippines as origin and Japan as destination.
        ("coo=PH&cod=JP", {"ph-social-workers-japan"}),
        # Mexico both as origin and as transit, in the same practice.
        (
            "coo=MX&cot=MX",
            {"mx-child-protection-officers-opi", "mx-dif-shelters-and-community-centres"},
        ),
        # Values OR within a facet, facets AND together.
        (
            "theme=family-reunification&theme=health&country=PT",
            {"pt-family-reunification-support-offices"},
        ),
        (
            "theme=health&region=asia",
            {
                "ph-domestic-workers-standard-contract",
                "ph-health-insurance-welfare-fund",
                "ph-owwa-pdos-women-migrants",
                "ph-pdos-health-courses",
            },
        ),
        (
            "organisation=iom&theme=children",
            {
                "hn-youth-employment-programme",
                "md-child-rights-information-centre",
                "ouagadougou-road-map-au-ecowas",
            },
        ),
        (
            "year_from=2005&year_to=2007",
            {
                "mx-gt-border-comprehensive-health-model",
                "ouagadougou-action-plan-trafficking",
                "ph-household-workers-language-cultural-training",
                "pt-national-plan-against-trafficking",
                "pt-national-plan-equality-citizenship-gender",
            },
        ),
        ("coo=PH&cod=IT", set()),
    ],
)
def test_filters_give_exactly_these_practices(client, query, expected):
    slugs = listed(client, query)
    assert set(slugs) == expected
    assert len(slugs) == len(set(slugs)), "no practice is listed twice"


def test_a_corridor_needs_both_countries_in_their_own_roles(client):
    corridor = set(listed(client, "coo=MX&cod=US"))
    assert "mx-child-protection-officers-opi" in corridor
    # Mexico is the transit country there, Guatemala the origin.
    assert "mx-gt-border-comprehensive-health-model" not in corridor
    assert "mx-gt-border-comprehensive-health-model" in set(listed(client, "country=MX&cod=US"))


def test_values_are_codes_in_any_case(client):
    assert listed(client, "cod=mx") == listed(client, "cod=MX") == listed(client, "cod=MEX")
    assert listed(client, "organisation=IOM") == listed(client, "organisation=iom")
    assert listed(client, "theme=Children") == listed(client, "theme=children")
    assert listed(client, "region=Americas") == listed(client, "region=americas")


def test_several_values_of_a_facet_give_the_union(client):
    children = set(listed(client, "theme=children"))
    health = set(listed(client, "theme=health"))
    both = listed(client, "theme=children&theme=health")
    assert set(both) == children | health
    assert len(both) == len(set(both))


def test_a_practice_in_two_roles_and_two_themes_is_listed_once(client):
    make_practice("two-of-everything", countries=[("MX", "COO"), ("MX", "COT"), ("US", "COD")])
    Practice.objects.get(slug="two-of-everything").themes.add(
        *Practice.objects.get(slug="mx-dif-appleseed-study").themes.all(),
        *Practice.objects.get(slug="pt-family-reunification-support-offices").themes.all(),
    )
    for query in [
        "country=MX",
        "country=MX&country=US",
        "theme=children&theme=family-reunification",
    ]:
        slugs = listed(client, query)
        assert slugs.count("two-of-everything") == 1, query


def test_an_unknown_value_is_named_and_the_valid_filters_still_apply(client):
    response = client.get("/practices/?theme=bogus&theme=children&country=ZZ&year_from=abc")
    html = response.content.decode()
    assert response.status_code == 200
    assert [p.slug for p in response.context["page"]] == listed(client, "theme=children")
    for shown in ["theme=bogus", "country=ZZ", "year_from=abc"]:
        assert shown in html
    ignored = {(name, value) for name, value, _why in response.context["ignored"]}
    assert ignored == {("theme", "bogus"), ("country", "ZZ"), ("year_from", "abc")}


def test_drafts_are_not_counted_or_listed(client):
    make_practice("draft-in-mexico", publication_state="draft", countries=[("MX", "COD")])
    assert "draft-in-mexico" not in listed(client, "cod=MX")
    response = client.get("/practices/?cod=MX")
    mexico = next(
        option
        for name, option in options(response.context["facets"])
        if name == "cod" and option.value == "MX"
    )
    assert mexico.count == 2


STATES = [
    "",
    "theme=children",
    "theme=children&country=MX",
    "theme=gender&theme=health&region=asia",
    "country=MX&role=coo",
    "country=MX&country=GT&role=cot&role=cod&has_figures=yes",
    "has_figures=no&theme=children",
]


@pytest.mark.parametrize("state", STATES)
def test_each_facet_count_is_the_size_of_the_list_it_links_to(client, state):
    response = client.get(f"/practices/?{state}")
    total = response.context["page"].paginator.count
    checked = 0
    for name, option in options(response.context["facets"]):
        if option.selected:
            # A ticked option counts the current results that carry it: the list with the
            # other filters and this option alone.
            others = [(k, v) for k, v in parse_qsl(state) if k != name]
            alone = "&".join(f"{k}={v}" for k, v in [*others, (name, option.value)])
            assert option.count == count_for(alone), (name, option.value)
            assert option.count <= total
        else:
            assert option.count == count_for(option.url), (name, option.value)
        checked += 1
    assert checked > 40


def test_facet_links_and_chips_reproduce_the_view(client):
    response = client.get("/practices/?theme=children&cod=us&sort=newest")
    theme = next(facet for facet in response.context["facets"] if facet.name == "theme")
    health = next(option for option in theme.options if option.value == "health")
    assert dict(parse_qsl(health.url, keep_blank_values=True))["sort"] == "newest"
    assert ("theme", "health") in parse_qsl(health.url)
    assert ("cod", "US") in parse_qsl(health.url)
    chips = {value: query for _label, value, query in response.context["chips"]}
    assert set(chips) == {"Migrant children and adolescents", "United States"}
    assert parse_qsl(chips["United States"]) == [("theme", "children"), ("sort", "newest")]


def test_sort_orders(client):
    by_title = listed(client, "sort=title")
    titles = [Practice.objects.get(slug=s).title.lower() for s in by_title]
    assert titles == sorted(titles)
    newest = [Practice.objects.get(slug=s).start_year for s in listed(client, "sort=newest")]
    known = [year for year in newest if year is not None]
    assert known == sorted(known, reverse=True)
    assert newest[: len(known)] == known, "practices without a year come last"
    oldest = [Practice.objects.get(slug=s).start_year for s in listed(client, "sort=oldest")]
    assert [y for y in oldest if y is not None] == sorted(known)


def test_searching_sorts_by_relevance_unless_asked_otherwise(client):
    response = client.get("/practices/?q=kafeel")
    assert response.context["filter"].sort == "relevance"
    response = client.get("/practices/?sort=relevance")
    assert response.context["filter"].sort == "title", "no relevance without a search"


@pytest.mark.parametrize(
    ("page_size", "shown"), [("10", 10), ("100", 59), ("100000", 59), ("abc", 25), ("0", 25)]
)
def test_page_size_is_a_choice_capped_at_100(client, page_size, shown):
    response = client.get(f"/practices/?page_size={page_size}")
    assert response.status_code == 200
    assert len(response.context["page"]) == shown
    assert response.context["page_size"] <= 100


def test_a_page_past_the_end_shows_the_last_page_and_says_so(client):
    response = client.get("/practices/?page=999999")
    assert response.context["page"].number == response.context["page"].paginator.num_pages
    assert "There is no page" in response.content.decode()


def test_the_list_works_without_javascript(client):
    html = client.get("/practices/?theme=children").content.decode()
    assert '<form id="filters"' in html and 'method="get"' in html
    # One script, a file that only enhances the form (tests/browser/test_live_filters.py).
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == ['<script src="/static/js/practice_list.js" defer>']
    assert 'name="theme" value="children" checked' in html
    assert 'id="apply-filters"' in html


def test_an_empty_list_offers_no_download_of_nothing(client):
    listed = client.get("/practices/?coo=MX").content.decode()
    assert 'id="export-csv"' in listed and 'id="export-json"' in listed

    empty = client.get("/practices/?coo=US").content.decode()
    assert "No practice matches these filters" in empty
    assert 'id="export-csv"' not in empty and 'id="export-json"' not in empty


# The page's statements: the total and every facet's counts in one (facets.py), the page of
# practices, and its themes and country links (prefetched). Each parameter naming records
# (a theme, a country, an organisation) adds the one lookup of its values; choice values
# (scope, kind, evidence, status, currency), regions and years are looked up in no table.
PAGE_STATEMENTS = 1 + 3


@pytest.mark.parametrize("extra", [10, 200])
@pytest.mark.parametrize(
    ("query", "lookups"),
    [
        ("", 0),
        ("theme=children&cod=US&page_size=100", 2),
        ("q=children&sort=relevance&year_from=1990", 0),
        # Every kind of facet ticked, so each counts over its own "every filter but this
        # one": still the one statement.
        (
            "theme=children&theme=health&country=MX&coo=MX&cot=MX&cod=US"
            "&region=americas&target_group=migrant-children&stage=return&gcm=7"
            "&organisation=iom&scope=bilateral&kind=programme&evidence=described"
            "&status=ongoing&currency=current",
            9,
        ),
        ("q=children&theme=children&coo=MX&scope=bilateral&scope=unilateral", 2),
    ],
)
def test_list_page_queries_are_fixed(
    client, django_assert_num_queries, without_history, extra, query, lookups
):
    links = {
        "target_groups": TargetGroup.objects.get(slug="migrant-children"),
        "stages": Stage.objects.get(slug="return"),
        "gcm_objectives": GCMObjective.objects.get(number=7),
        "partners": Organisation.objects.get(slug="iom"),
    }
    for i in range(extra):
        practice = make_practice(
            f"bulk-{i:03}",
            countries=[("MX", "COO"), ("MX", "COT"), ("MX", "COD"), ("US", "COD")],
            scope=Practice.Scope.BILATERAL,
            evidence_level=Practice.EvidenceLevel.DESCRIBED,
        )
        for relation, item in links.items():
            getattr(practice, relation).add(item)
    with django_assert_num_queries(lookups + PAGE_STATEMENTS):
        response = client.get(f"/practices/?{query}")
    assert not response.context["ignored"], "every value names something that exists"
    assert len(response.context["page"]), "a page of practices, with their prefetches"


def test_home_region_counts_match_the_lists_they_link_to(client):
    regions = client.get("/").context["regions"]
    assert regions, "the paper's practices span several regions"
    for region, count in regions:
        assert count == count_for(f"region={region.lower()}"), region
