"""Whatever a query string carries, no public page breaks or echoes it as markup.

Property-based: hypothesis draws query strings from the list filter's own parameter names and
arbitrary ones, with values of any text (control characters, NUL, HTML and SQL metacharacters,
long runs, repeats) and raw percent-encoded bytes that are not UTF-8.
"""

import json
from urllib.parse import quote_from_bytes, unquote_plus, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from practices.catalogue.filters import PracticeFilter
from tests.public_urls import PUBLIC_URLS, fetch

pytestmark = pytest.mark.django_db

# The list's filters, its paging and sorting, and the coverage page's role.
PARAMETERS = [*PracticeFilter.base_filters, "sort", "page", "page_size", "role"]
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


names = st.one_of(st.sampled_from(PARAMETERS), st.text(max_size=20))
values = st.one_of(
    st.text(max_size=40),
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
    st.one_of(st.sampled_from([n.encode() for n in PARAMETERS]), st.binary(max_size=8)),
    st.binary(max_size=12).map(lambda b: b + b"\xff\xfe"),
)


def check(client, url: str, query: str) -> None:
    """The page answers with a page or a clear client error, and echoes nothing raw."""
    response, content = fetch(client, f"{url}?{query}")
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
    for marker in RAW_MARKERS:
        assert marker not in content, (url, query, marker)
        assert marker not in headers, (url, query, marker)


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
    params = [(name, payload) for name in PARAMETERS for payload in MARKUP]
    check(client, url, urlencode(params))
