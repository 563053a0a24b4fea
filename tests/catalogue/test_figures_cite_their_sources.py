"""A figure on a practice's page names its source as a reader knows it: the footnote, linked
to the page's list of sources, or the citation; never the source's internal key."""

import re
from decimal import Decimal

import pytest

from practices.models import OutcomeMetric, Practice, Source
from tests.conftest import make_practice

pytestmark = pytest.mark.django_db


def figures_table(client, practice) -> str:
    html = client.get(practice.get_absolute_url()).content.decode()
    return re.search(r'<table class="figures">.*?</table>', html, re.S).group(0)


def figure(practice, source) -> OutcomeMetric:
    return OutcomeMetric.objects.create(
        practice=practice, label="People", value=Decimal(3), unit="people", year=2019, source=source
    )


def test_a_paper_figure_links_its_footnote_in_the_list_of_sources(client):
    practice = Practice.objects.get(slug="lk-slbfe-children-of-migrant-workers-unit")
    source = practice.metrics.get(source__isnull=False).source
    assert source in practice.sources.all()

    table = figures_table(client, practice)

    assert f'<a href="#source-{source.key}"' in table
    assert f">Footnote {source.footnote}</a>" in table


def test_a_source_without_a_footnote_shows_its_citation_not_its_key(client):
    practice = make_practice("newer-figures")
    source = Source.objects.create(
        key="unhcr-global-trends-2019", citation="UNHCR, Global Trends 2019.", year=2019
    )
    practice.sources.add(source)
    figure(practice, source)

    table = figures_table(client, practice)

    assert "UNHCR, Global Trends 2019." in table
    assert ">unhcr-global-trends-2019<" not in table
    assert 'href="#source-unhcr-global-trends-2019"' in table


def test_a_source_missing_from_the_list_is_cited_in_full_without_a_dead_link(client):
    practice = make_practice("figure-source-unlisted")
    source = Source.objects.get(key="fn-22")
    figure(practice, source)
    assert not practice.sources.exists()

    table = figures_table(client, practice)

    assert "#source-fn-22" not in table
    assert f"Footnote {source.footnote}" in table
    assert "Kafeel" in table
