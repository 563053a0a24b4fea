"""The public site's pages, the query parameters they read, and reading a response whole:
shared by the tests that crawl them."""

import re
from functools import cache
from io import BytesIO
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.http import QueryDict
from django.test import Client, override_settings
from openpyxl import load_workbook

from practices.export_workbook import CONTENT_TYPE as XLSX

PUBLIC_URLS = [
    "/",
    "/practices/",
    "/practices/export.csv",
    "/practices/export.json",
    "/practices/feed.atom",
    # The brief's files (brief.pdf, brief.docx) lay out every listed practice and take seconds:
    # tests/catalogue/test_brief.py gives them bad input and drafts on short lists.
    "/practices/brief/",
    "/practices/export.xlsx",
    "/practices/pt-family-reunification-support-offices/",
    "/practices/pt-family-reunification-support-offices/cite.bib",
    "/practices/pt-family-reunification-support-offices/cite.ris",
    "/practices/pt-family-reunification-support-offices/cite.json",
    "/themes/",
    "/themes/children/",
    "/countries/",
    "/countries/mx/",
    "/coverage/",
    "/coverage/map/",
    "/coverage/corridors/",
    "/coverage/evidence/",
    "/about/",
    "/submit/",
]


def fetch(client, url):
    """The page at ``url``, its body read. The list's one redirect of a query carrying empty
    values to the same page without them (``practice_list``) is followed, checked to lead to
    the same path with no empty value. A workbook is read as the text of its cells."""
    response = client.get(url)
    path = urlsplit(url).path
    if response.status_code == 302 and path == "/practices/":
        location = urlsplit(response["Location"])
        assert location.path == path, response["Location"]
        assert all(value for _name, value in parse_qsl(location.query, keep_blank_values=True))
        response = client.get(response["Location"])
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type") == XLSX:
        # A workbook is a zip: what its reader sees is the text of its cells.
        return response, workbook_text(raw)
    return response, raw.decode("utf-8", "replace")


# The submission form's CSRF token is masked afresh on every render.
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def public_pages(client) -> dict[str, str]:
    """Every public page's content, to compare before and after a change that must not reach
    the public (its CSRF tokens set aside)."""
    pages = {}
    for url in PUBLIC_URLS:
        response, content = fetch(client, url)
        assert response.status_code == 200, url
        pages[url] = CSRF_TOKEN.sub('name="csrfmiddlewaretoken"', content)
    return pages


def workbook_formulas(raw: bytes) -> list[str]:
    """Every cell of the workbook a spreadsheet would run: none may be."""
    book = load_workbook(BytesIO(raw))
    return [
        f"{sheet.title}!{cell.coordinate}"
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def workbook_text(raw: bytes) -> str:
    """Every cell of every sheet, a line per row, its cells separated by tabs."""
    book = load_workbook(BytesIO(raw), read_only=True)
    return "\n".join(
        "\t".join("" if value is None else str(value) for value in row)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


class ReadingQueryDict(QueryDict):
    """A query string that notes the name of every parameter looked up in it."""

    def __init__(self, query: str):
        self.names_read: set[str] = set()
        super().__init__(query)
        self.names_read.clear()  # parsing the query string looks its own names up

    def __getitem__(self, key):
        self.names_read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.names_read.add(key)
        return super().__contains__(key)

    def getlist(self, key, default=None):
        self.names_read.add(key)
        return super().getlist(key, default)


class NoteParametersRead:
    """Middleware for ``parameters_read``: the response carries the names the page read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.GET = ReadingQueryDict(request.GET.urlencode())
        response = self.get_response(request)
        response.parameters_read = request.GET.names_read
        return response


# No page reads it; a query string is never empty, as django-filter reads none of an empty one.
UNREAD = "not-a-parameter"


@cache
def parameters_read() -> dict[str, frozenset[str]]:
    """Every query parameter each public page reads, as the code reads it: recorded while the
    page answers (the database must be open), not copied here where it could fall behind."""
    middleware = [f"{__name__}.{NoteParametersRead.__name__}", *settings.MIDDLEWARE]
    with override_settings(MIDDLEWARE=middleware):
        client = Client()  # a client of its own: a client keeps the middleware it first ran
        return {
            # A value, not "": the list redirects a query with an empty value unread.
            url: frozenset(client.get(url, {UNREAD: "x"}).parameters_read - {UNREAD})
            for url in PUBLIC_URLS
        }
