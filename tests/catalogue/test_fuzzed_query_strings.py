"""Whatever a query string carries, no public page breaks or echoes it as markup.

Property-based: hypothesis draws query strings from the parameter names the public pages read
(``parameters_read``: recorded from the code as it answers, so a new parameter is drawn the
day it is added) and arbitrary ones, with values of any text (control characters, NUL, HTML and
SQL metacharacters, long runs, repeats), numbers written with any of Unicode's digits, and raw
percent-encoded bytes that are not UTF-8.
"""

import json
from urllib.parse import quote, quote_from_bytes, unquote_plus, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from practices.catalogue.filters import PracticeFilter
from tests.public_urls import PUBLIC_URLS, XLSX, fetch, parameters_read, workbook_formulas

pytestmark = pytest.mark.django_db


def every_parameter() -> list[str]:
    """Every parameter any public page reads, in a fixed order (hypothesis replays by index)."""
    return sorted(set().union(*parameters_read().values()))


# Drawn when first needed: reading the pages' parameters needs the test's open database.
known_names = st.deferred(lambda: st.sampled_from(every_parameter()))
# The pages that read parameters: where a number could be taken for one.
reading_urls = st.deferred(
    lambda: st.sampled_from([url for url in PUBLIC_URLS if parameters_read()[url]])
)

# What would execute if a page wrote the input out raw; a page never writes these itself.
MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
]
RAW_MARKERS = ["<script>alert", "<img src=x", "<svg onload"]
# Text a page shows only when something broke (Django's debug pages, a leaked traceback).
FAILURE_MARKERS = ["Traceback", "Exception Value", "Error at"]
METACHARACTERS = [
    "'",
    '"',
    "' OR '1'='1",
    "1; DROP TABLE practices_practice; --",
    "%",
    "_",
    "\\",
    "\x00",
    "&",
    "=",
    "#",
    "{{ 7*7 }}",
    "${7*7}",
    "-1",
    "0",
    "1e9",
    "99999999999999999999999",
    "NaN",
    "inf",
    "mx",
    "MEX",
    "children",
    "effectiveness",
    "title",
]

FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# Numbers in every script and form: decimal digits of every script, fullwidth ones included
# (Nd: "٣", "３"), letter numbers (Nl: "Ⅻ"), other numbers (No: "²", "①", "½"), and 0-9,
# mixed. int() refuses some of them and reads others as 0-9: neither may reach the database.
NUMBER_CATEGORIES = ["Nd", "Nl", "No"]
digits = st.text(
    st.one_of(st.characters(categories=NUMBER_CATEGORIES), st.sampled_from("0123456789")),
    min_size=1,
    max_size=8,
)

names = st.one_of(known_names, st.text(max_size=20))
values = st.one_of(
    st.text(max_size=40),
    digits,
    st.sampled_from(MARKUP + METACHARACTERS),
    st.builds(lambda a, b: a + b, st.sampled_from(MARKUP), st.text(max_size=10)),
    st.builds(
        lambda c, n: c * n, st.sampled_from(["x", "é", "\x00", "<", "'"]), st.integers(1, 6000)
    ),
)
pairs = st.lists(st.tuples(names, values), max_size=8)
# A parameter repeated: several values OR together, or the last one wins.
repeated = st.builds(
    lambda name, vals: [(name, v) for v in vals], names, st.lists(values, min_size=2, max_size=6)
)
raw_bytes = st.builds(
    lambda key, value: f"{quote_from_bytes(key)}={quote_from_bytes(value)}",
    st.one_of(known_names.map(str.encode), st.binary(max_size=8)),
    st.binary(max_size=12).map(lambda b: b + b"\xff\xfe"),
)


def check(client, url: str, query: str):
    """The page answers with a page or a clear client error, and echoes nothing raw."""
    response, content = fetch(client, f"{url}?{query}")
    if response.status_code == 302 and url == "/practices/":
        # Empty values: the list redirects to itself without them (practice_list), once.
        location = response["Location"]
        assert urlsplit(location).path == url, (query, location)
        response, content = fetch(client, location)
    assert response.status_code == 200 or 400 <= response.status_code < 500, (
        url,
        query,
        response.status_code,
    )
    sent = unquote_plus(query, errors="replace")
    for marker in FAILURE_MARKERS:
        assert marker not in content or marker in sent, (url, query, marker)
    if url.endswith(".json") and response.status_code == 200:
        json.loads(content)
    headers = "\n".join(f"{k}: {v}" for k, v in response.items())
    workbook = response.get("Content-Type") == XLSX and response.status_code == 200
    for marker in RAW_MARKERS:
        # A workbook's cells are text, never markup (its cover names the values ignored).
        assert workbook or marker not in content, (url, query, marker)
        assert marker not in headers, (url, query, marker)
    if workbook:
        # What would run in a spreadsheet is a formula: no cell is one.
        assert workbook_formulas(response.content) == [], (url, query)
    return response, content


@FUZZ
@given(url=st.sampled_from(PUBLIC_URLS), params=st.one_of(pairs, repeated))
def test_any_query_parameters_give_a_page_never_an_error(client, url, params):
    """A mistyped, hand-edited or hostile bookmark still opens a page."""
    check(client, url, urlencode(params))


@FUZZ
@given(
    url=st.sampled_from(PUBLIC_URLS),
    raw=st.lists(raw_bytes, min_size=1, max_size=4),
    params=pairs,
)
def test_bytes_that_are_not_utf8_give_a_page_never_an_error(client, url, raw, params):
    """A link mangled by another encoding (Latin-1, a truncated character) still opens."""
    check(client, url, "&".join([*raw, urlencode(params)]))


@pytest.mark.parametrize("url", ["/practices/", "/practices/export.csv", "/practices/export.json"])
def test_every_filter_with_markup_in_every_parameter_is_escaped(client, url):
    """Not left to chance: every parameter at once carries every payload."""
    params = [(name, payload) for name in every_parameter() for payload in MARKUP]
    check(client, url, urlencode(params))


def says_it_ignored(response, content: str, name: str, value: str) -> bool:
    """Whether the page names ``value`` as ignored, or a download in X-Ignored-Filters."""
    if response.streaming:
        return quote(f"{name}={value}", safe="=, ") in response.get("X-Ignored-Filters", "")
    # "Ignored gcm=①", or the paging's and the coverage page's notes: Page size “①” ...
    return f"{name}={value}" in content or f"“{value}”" in content


def check_numbers(client, url: str, params: list[tuple[str, str]]) -> None:
    """``check``, and each value written with other digits than 0-9 is named as ignored by
    the page that reads it; but a search, which takes any text: "٣" is searched for."""
    response, content = check(client, url, urlencode(params))
    for name, value in params:
        if name in parameters_read()[url] - {"q"} and not value.isascii():
            assert says_it_ignored(response, content, name, value), (url, name, value)


@settings(FUZZ, max_examples=100)
@given(
    url=reading_urls,
    params=st.lists(
        st.tuples(known_names, digits), min_size=1, max_size=6, unique_by=lambda pair: pair[0]
    ),
)
def test_a_number_in_any_script_gives_a_page_that_names_it(client, url, params):
    """Only 0-9 make a number: any other digit is an unknown value, named like any other."""
    check_numbers(client, url, params)


@pytest.mark.parametrize("digit", ["²", "①", "½", "Ⅻ", "٣", "３"])
def test_every_parameter_with_a_digit_of_each_kind_names_it(client, digit):
    """Not left to chance: every parameter of a page at once, one kind of digit each time."""
    for url, names in parameters_read().items():
        if names:
            check_numbers(client, url, [(name, digit) for name in sorted(names)])


def test_the_parameters_drawn_are_those_the_pages_read():
    read = parameters_read()
    assert {*PracticeFilter.base_filters, "page", "page_size", "sort"} <= read["/practices/"]
    assert {*PracticeFilter.base_filters, "sort"} <= read["/practices/export.csv"]
    assert read["/practices/export.json"] == read["/practices/export.csv"]
    assert "role" in read["/coverage/"]
