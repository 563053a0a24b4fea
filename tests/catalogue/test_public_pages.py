"""The public pages show the paper's data, only what is published, in a fixed number of queries."""

import pytest
from django.urls import reverse

from practices.models import Evaluation, Practice, ScorecardRating
from tests.conftest import make_practice

pytestmark = pytest.mark.django_db

PUBLIC_URLS = [
    "/",
    "/practices/",
    "/practices/?q=children",
    "/practices/pt-family-reunification-support-offices/",
    "/themes/children/",
    "/countries/",
    "/countries/mx/",
    "/about/",
]


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_public_pages_answer(client, url):
    assert client.get(url).status_code == 200


def test_home_counts_practices_per_theme(client):
    response = client.get("/")
    children = next(t for t in response.context["themes"] if t.slug == "children")
    assert children.practice_count == Practice.objects.filter(themes__slug="children").count()
    assert response.context["practice_count"] == Practice.objects.published().count()


def test_detail_page_shows_every_figure_with_unit_and_year(client):
    practice = Practice.objects.get(slug="pt-family-reunification-support-offices")
    html = client.get(practice.get_absolute_url()).content.decode()
    assert "10,831" in html
    assert "2009" in html
    for metric in practice.metrics.all():
        assert metric.label in html
        assert metric.unit in html
    assert "Country of destination" in html
    assert "Portugal" in html


def test_detail_page_shows_sources_with_footnote_numbers(client):
    html = client.get("/practices/bh-abolition-kafeel-sponsorship/").content.decode()
    assert "Footnote 22" in html
    assert "Kafeel" in html


def test_country_page_groups_practices_by_role(client):
    response = client.get(reverse("practices:country-detail", kwargs={"iso2": "mx"}))
    roles = {role for role, _practices in response.context["by_role"]}
    assert {"COO", "COT", "COD"} <= roles
    cod = next(ps for role, ps in response.context["by_role"] if role == "COD")
    assert "mx-frontier-worker-migration-form" in {p.slug for p in cod}


def test_unknown_country_and_practice_give_404(client):
    assert client.get("/countries/zz/").status_code == 404
    assert client.get("/practices/no-such-practice/").status_code == 404
    assert client.get("/themes/no-such-theme/").status_code == 404


def test_draft_is_nowhere_public(client):
    make_practice("secret-draft", title="Secret draft practice", publication_state="draft")
    assert client.get("/practices/secret-draft/").status_code == 404
    for url in [*PUBLIC_URLS, "/practices/?q=Secret"]:
        assert "Secret draft practice" not in client.get(url).content.decode(), url


def test_search_finds_words_in_any_case(client):
    response = client.get("/practices/", {"q": "kafeel"})
    slugs = [p.slug for p in response.context["page"]]
    assert slugs == ["bh-abolition-kafeel-sponsorship"]


def test_bad_page_numbers_are_clamped(client):
    for page in ["abc", "0", "999999", "-1"]:
        assert client.get("/practices/", {"page": page}).status_code == 200


@pytest.mark.parametrize("extra", [10, 200])
def test_detail_page_query_count_is_fixed(
    client, django_assert_num_queries, django_user_model, extra
):
    practice = Practice.objects.get(slug="mx-child-protection-officers-opi")
    # Its evidence: evaluations with sources, a rating per criterion by different reviewers.
    for i in range(3):
        Evaluation.objects.create(
            practice=practice,
            evaluator=f"Evaluator {i}",
            year=2010 + i,
            method="audit",
            findings="Findings.",
            source=practice.sources.first(),
        )
    for i, criterion in enumerate(ScorecardRating.Criterion):
        reviewer = django_user_model.objects.create_user(f"reviewer-{i}", first_name="R")
        ScorecardRating.objects.create(
            practice=practice,
            criterion=criterion,
            rating=1 + i % 5,
            justification="Why.",
            reviewer=reviewer,
        )
    # Practices sharing its theme and countries: all of them are related practices.
    for i in range(extra):
        make_practice(f"related-{i:03}", countries=[("MX", "COO"), ("US", "COD")])
    # The practice, one query per prefetched relation (evaluations with their sources,
    # ratings: one each), and the related practices: ranked on their ids, then the six read.
    with django_assert_num_queries(15):
        response = client.get("/practices/mx-child-protection-officers-opi/")
    assert len(response.context["related"]) == 6
    assert response.content.decode().count(" of 5</td>") == len(ScorecardRating.Criterion)


def test_countries_are_listed_origin_then_transit_then_destination(client):
    response = client.get("/practices/", {"q": "Officers for the Protection of Infants"})
    practice = next(p for p in response.context["page"] if p.slug.endswith("opi"))
    roles = [link.role for link in practice.country_links.all()]
    assert roles == sorted(roles, key=["COO", "COT", "COD"].index)
    assert roles[0] == "COO" and roles[-1] == "COD"


def test_country_index_lists_each_region_alphabetically(client):
    regions = dict(client.get("/countries/").context["regions"])
    africa = [country.name for country in regions["Africa"]]
    assert len(africa) == 60
    assert africa[:3] == ["Algeria", "Angola", "Benin"]
    # Accents do not push a name to the end, whatever the database's collation.
    assert africa.index("Réunion") < africa.index("Rwanda")
    assert africa.index("Côte d'Ivoire") < africa.index("Djibouti")


@pytest.mark.parametrize("code", ["mex", "MEX", "Mex"])
def test_an_alpha3_code_redirects_permanently_to_the_country_page(client, code):
    response = client.get(f"/countries/{code}/")
    assert response.status_code == 301
    assert response["Location"] == "/countries/mx/"


def test_an_unknown_alpha3_code_is_404(client):
    assert client.get("/countries/zzz/").status_code == 404


@pytest.mark.parametrize("code", ["m", "mexi", "m1x", "mx1"])
def test_a_code_of_neither_two_nor_three_letters_is_404_before_any_query(
    client, django_assert_num_queries, code
):
    with django_assert_num_queries(0):
        assert client.get(f"/countries/{code}/").status_code == 404
