"""Every list can be followed: /practices/feed.atom?<the list's query string> is an Atom feed of
exactly that list's published practices, the most recently changed first."""

import xml.etree.ElementTree as ET  # noqa: S405 (the site's own feed, not untrusted XML)
from datetime import timedelta
from html import escape

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from practices.catalogue.feeds import MAX_ENTRIES
from practices.catalogue.filters import PracticeFilter
from practices.models import Practice, Theme
from tests.conftest import make_practice

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
FEED = "/practices/feed.atom"


def read_feed(client, query: str = ""):
    response = client.get(f"{FEED}?{query}" if query else FEED)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return ET.fromstring(response.content)  # noqa: S314


def entry_slugs(feed) -> list[str]:
    return [
        entry.find(f"{ATOM}link").get("href").rstrip("/").rsplit("/", 1)[-1]
        for entry in feed.findall(f"{ATOM}entry")
    ]


def listed(query: str):
    """The list page's practices for ``query``, as its view filters them."""
    return PracticeFilter(QueryDict(query), queryset=Practice.objects.published()).qs


@pytest.mark.parametrize(
    "query", ["theme=children&country=MX", "cod=US", "q=family", "evidence=described", ""]
)
def test_the_feed_holds_exactly_the_lists_practices_newest_changes_first(client, query):
    expected = [p.slug for p in listed(query).order_by("-updated_at", "-pk")[:MAX_ENTRIES]]
    assert expected
    assert entry_slugs(read_feed(client, query)) == expected


def test_each_entry_has_title_link_summary_dates_and_themes_as_categories(client):
    practice = Practice.objects.get(slug="mx-child-protection-officers-opi")
    feed = read_feed(client, "country=MX")
    (entry,) = [
        e for e in feed.findall(f"{ATOM}entry") if e.find(f"{ATOM}title").text == practice.title
    ]
    assert (
        entry.find(f"{ATOM}link").get("href") == f"http://testserver{practice.get_absolute_url()}"
    )
    assert entry.find(f"{ATOM}summary").text == escape(practice.summary, quote=False)
    assert entry.find(f"{ATOM}updated").text.startswith(practice.updated_at.date().isoformat())
    assert entry.find(f"{ATOM}published") is not None
    categories = [c.get("term") for c in entry.findall(f"{ATOM}category")]
    assert categories == [theme.name for theme in practice.themes.all()]


def test_the_summary_is_the_practices_text_not_markup(client):
    make_practice(
        "marked-up", summary="Fathers & mothers <b>together</b>", countries=[("IS", "COD")]
    )
    feed = read_feed(client, "country=IS")
    (summary,) = [e.find(f"{ATOM}summary") for e in feed.findall(f"{ATOM}entry")]
    assert summary.get("type") == "html"
    # HTML once unescaped by the reader: the practice's words, shown as text.
    assert summary.text == "Fathers &amp; mothers &lt;b&gt;together&lt;/b&gt;"


def test_the_feed_title_says_what_was_filtered(client):
    feed = read_feed(client, "theme=children&country=MX")
    title = feed.find(f"{ATOM}title").text
    children = Theme.objects.get(slug="children").name
    assert title == f"New and changed practices: Theme: {children}; Country: Mexico"
    assert read_feed(client).find(f"{ATOM}title").text == "New and changed practices"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links["alternate"] == "http://testserver/practices/?theme=children&country=MX"
    assert links["self"] == f"http://testserver{FEED}?theme=children&country=MX"


def test_at_most_fifty_entries_the_latest_changed_first(client):
    for i in range(MAX_ENTRIES + 5):
        make_practice(f"bulk-{i:02}", countries=[("IS", "COD")])
    # One of them changed last: it comes first.
    Practice.objects.filter(slug="bulk-03").update(updated_at=timezone.now() + timedelta(days=1))
    slugs = entry_slugs(read_feed(client, "country=IS"))
    assert len(slugs) == MAX_ENTRIES and slugs[0] == "bulk-03"


@pytest.mark.parametrize("state", ["draft", "in_review", "archived"])
def test_an_unpublished_practice_is_never_in_the_feed(client, state):
    make_practice("hidden-one", title="Zqhidden practice", publication_state=state)
    for query in ["", "country=MX", "q=Zqhidden", "theme=children"]:
        response = client.get(f"{FEED}?{query}")
        assert "Zqhidden practice" not in response.content.decode()
        assert "hidden-one" not in entry_slugs(ET.fromstring(response.content))  # noqa: S314


@pytest.mark.parametrize(
    "query",
    [
        "theme=no-such-theme",
        "country=ZZ&cod=<script>",
        "year_from=abc&gcm=99",
        "sort=drop+table",
        "q=%00%01bell%07",
        "%ff%fe=%ff",
    ],
)
def test_a_bad_filter_value_gives_a_feed_not_an_error(client, query):
    feed = read_feed(client, query)
    assert feed.tag == f"{ATOM}feed"


def test_the_feed_names_what_it_ignored(client):
    feed = read_feed(client, "theme=no-such-theme&country=MX")
    assert "Ignored theme=no-such-theme" in feed.find(f"{ATOM}subtitle").text
    # The valid value still applies, as on the list page.
    assert entry_slugs(feed) == [
        p.slug for p in listed("country=MX").order_by("-updated_at", "-pk")
    ]


@pytest.mark.parametrize("query", ["", "theme=children&country=MX"])
def test_the_feed_takes_the_same_queries_whatever_the_number_of_practices(client, query):
    counts = []
    for batch in range(2):
        with CaptureQueriesContext(connection) as queries:
            read_feed(client, query)
        counts.append(len(queries))
        for i in range(30):
            make_practice(f"more-{batch}-{i}")
    assert counts[0] == counts[1]


def test_the_list_page_offers_its_feed(client):
    html = client.get("/practices/?theme=children&country=MX").content.decode()
    feed = f"{FEED}?theme=children&amp;country=MX"
    assert f'<link rel="alternate" type="application/atom+xml" href="{feed}"' in html
    assert f'<a id="feed-atom" href="{feed}"' in html and "Follow (Atom feed)" in html
