"""Whatever a URL carries, every public page answers with a page, never a server error."""

import pytest

from tests.conftest import make_practice
from tests.public_urls import PUBLIC_URLS, XLSX, fetch, workbook_formulas

pytestmark = pytest.mark.django_db

BAD_QUERIES = [
    "theme=no-such-theme",
    "country=ZZ&coo=XX&cot=123&cod=<script>",
    "region=atlantis&organisation=nobody&gcm=99&gcm=abc&stage=%00",
    "scope=galactic&kind=&evidence=proven&status=%27%22",
    "year_from=abc&year_to=99999",
    "year_from=2010&year_to=1990",
    "page=999999",
    "page=-1",
    "page=abc",
    "page=1e9",
    "page_size=100000",
    "page_size=-5",
    "page_size=abc",
    "q=" + "x" * 5000,
    "q=%00",
    "q=%22unbalanced+%28%28+%26%26+%21",
    "theme=children&theme=children&theme=health&q=a&q=b&page=1&page=2",
    "sort=drop+table&sort=title",
    "role=XYZ&role=COD",
    "theme=" + "&theme=".join(f"t{i}" for i in range(500)),
    "%ff%fe=%ff",
]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_bad_queries_never_give_a_server_error(client, query):
    for url in PUBLIC_URLS:
        response, content = fetch(client, f"{url}?{query}")
        assert response.status_code == 200, (url, query, response.status_code)
        assert "Traceback" not in content
        if response["Content-Type"] == XLSX:
            # Cells are text, not markup (the cover names what was ignored): none is a formula.
            assert workbook_formulas(response.content) == [], (url, query)
        else:
            assert "<script>" not in content, "what the URL carries is escaped"


def test_an_ignored_value_is_said_on_the_list_page(client):
    _response, content = fetch(client, "/practices/?theme=no-such-theme&year_from=abc")
    assert "Ignored" in content and "no-such-theme" in content and "year_from=abc" in content


def test_a_long_search_is_cut_and_says_so(client):
    response, content = fetch(client, "/practices/?q=" + "family " * 800)
    assert response.status_code == 200
    assert "only the first 200 characters are searched" in content


def test_an_oversized_page_size_is_clamped(client):
    for _ in range(3):
        make_practice(f"p-{_}")
    response, content = fetch(client, "/practices/?page_size=100000")
    assert response.context["page"].paginator.per_page == 100
    assert "at most 100" in content


@pytest.mark.parametrize(
    "url",
    [
        "/countries/zzz/",
        "/countries/%00/",
        "/countries/zz/",
        "/practices/no-such-practice/",
        "/themes/no-such-theme/",
        "/practices/export.xml",
    ],
)
def test_unknown_addresses_are_404(client, url):
    assert client.get(url).status_code == 404
