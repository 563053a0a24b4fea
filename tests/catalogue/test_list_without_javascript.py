"""The list's form works without JavaScript, and its addresses stay short and shareable.

A browser without the script sends every field of the GET form, filled or not; the list answers
with a redirect to the same list without the empty ones (and without the defaults). A country's
role options submit the form, so that what is ticked but not yet applied is kept.
"""

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

pytestmark = pytest.mark.django_db

FORM_AS_SENT = "q=&sort=title&page_size=25&theme=gender&year_from=&year_to=&criterion=&min_rating="


@pytest.mark.parametrize(
    ("query", "clean"),
    [
        (FORM_AS_SENT, "theme=gender"),
        ("q=&sort=title&page_size=25", ""),
        # A search's default order is relevance; another order or size is kept.
        ("q=kafeel&sort=relevance&page_size=25&year_from=", "q=kafeel"),
        ("q=kafeel&sort=title&page_size=50&coo=", "q=kafeel&sort=title&page_size=50"),
        ("theme=children&theme=&theme=health&q=++", "theme=children&theme=health"),
        # Values are kept as they were written: cleaning is not validating.
        ("cod=mx&year_to=&theme=bogus", "cod=mx&theme=bogus"),
    ],
)
def test_empty_parameters_are_redirected_away(client, query, clean):
    response = client.get(f"/practices/?{query}")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/practices/"
    assert parse_qsl(location.query) == parse_qsl(clean)
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("query", ["", "sort=title", "page_size=25", "theme=gender&q=family"])
def test_a_query_without_empty_values_is_answered_as_it_is(client, query):
    assert client.get(f"/practices/?{query}").status_code == 200


def test_a_role_option_submits_the_form_and_a_picked_one_is_a_ticked_box(client):
    html = client.get("/practices/?cod=US").content.decode()
    # Not yet picked: a button that submits the form with every tick, and adds the role.
    assert re.search(
        r'<button type="submit" class="role-option[^"]*" [^>]*name="coo" value="MX"', html
    )
    # Picked: a ticked checkbox, unticked to drop it; no hidden copy that would keep it.
    assert re.search(r'<input type="checkbox" id="r-cod-US" name="cod" value="US" checked', html)
    assert 'type="hidden"' not in html
    assert '<a class="role-option' not in html


def test_the_roles_are_told_apart_from_the_ticks_that_widen(client):
    html = client.get("/practices/").content.decode()
    assert "COO, COT and COD narrow a country to one role" in html
    assert re.search(r'aria-label="COO \d+: narrow to Mexico as COO \(\d+ practices\)"', html)


def test_the_default_order_is_sent_as_no_order(client):
    """So that words typed with Title shown are sorted by relevance, the search's default."""
    browsing = client.get("/practices/").content.decode()
    assert '<option value="" selected>Title</option>' in browsing
    searching = client.get("/practices/?q=kafeel").content.decode()
    assert '<option value="" selected>Relevance</option>' in searching
    assert '<option value="title">Title</option>' in searching
    response = client.get("/practices/?q=kafeel&sort=&page_size=25")
    assert response["Location"] == "/practices/?q=kafeel"
