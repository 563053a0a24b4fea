"""A list card shows how well a practice is known: its evidence level, how many figures it has."""

import re

import pytest

from practices.models import OutcomeMetric, Practice
from tests.catalogue.test_list_filters_facets_paging import PAGE_STATEMENTS
from tests.conftest import make_practice

pytestmark = pytest.mark.django_db


def card(html: str, slug: str) -> str:
    """The HTML of the list row that links to ``slug``."""
    rows = re.findall(
        r'<li class="practice-row">.*?</li>\s*(?=<li class="practice-row">|</ul>)', html, re.S
    )
    return next(row for row in rows if f'href="/practices/{slug}/"' in row)


def test_a_card_shows_the_evidence_level_and_the_number_of_figures(client):
    html = client.get("/practices/?theme=children&page_size=100").content.decode()
    officers = card(html, "mx-child-protection-officers-opi")
    assert "Outputs reported" in officers
    assert "7 figures" in officers
    # No figure, no "0 figures": the evidence level alone.
    study = card(html, "mx-dif-appleseed-study")
    assert "Described only" in study
    assert "figure" not in study


def add_figures(practice, n: int) -> None:
    OutcomeMetric.objects.bulk_create(
        OutcomeMetric(practice=practice, label=f"figure {i}", value=i, unit="people", year=2009)
        for i in range(n)
    )


def test_figure_count_neither_repeats_practices_nor_multiplies_counts():
    practice = make_practice("many-figures", countries=[("MX", "COO"), ("US", "COD")])
    add_figures(practice, 3)
    cards = Practice.objects.published().with_card_data()
    assert cards.count() == Practice.objects.published().count()
    assert cards.get(slug="many-figures").figure_count == 3
    counted = {p.slug: p.figure_count for p in cards}
    for practice in Practice.objects.published():
        assert counted[practice.slug] == practice.metrics.count(), practice.slug


@pytest.mark.parametrize("figures", [0, 4])
def test_the_list_queries_stay_fixed_with_figures(client, django_assert_num_queries, figures):
    for i in range(60):
        add_figures(make_practice(f"bulk-{i:03}"), figures)
    # The same count as tests/catalogue/test_list_filters_facets_paging.py's bare list.
    with django_assert_num_queries(PAGE_STATEMENTS):
        response = client.get("/practices/?page_size=100")
    assert len(response.context["page"]) == 100
