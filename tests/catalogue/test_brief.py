"""The roundtable brief of a list: the page, its PDF and its Word file hold exactly the list's
practices, each country's under the role it plays, every figure with its unit and year, and the
same numbered references, in the order a reader meets them."""

import io
import os
import re
import time

import docx
import pypdf
import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks import default_task_backend

from practices.catalogue.brief import files, pdf
from practices.catalogue.brief.files import make_brief_file
from practices.catalogue.filters import PracticeFilter
from practices.models import DiscussionQuestion, OutcomeMetric, Practice, PracticeCountry
from tests.catalogue.brief_readers import pdf_text, read_docx, read_html
from tests.conftest import make_practice

pytestmark = pytest.mark.django_db

# Lists of the paper's practices a preparer would brief on: a theme, a country, an evidence
# level, a search, a corridor. Each gives several countries and roles, figures and sources.
FILTERS = [
    "theme=children",
    "country=MX",
    "evidence=outputs",
    "q=unaccompanied children",
    "theme=gender&theme=health",
]
# The PDF takes seconds: three of them.
PDF_FILTERS = ["theme=children", "country=PH", "theme=family-reunification"]
ROLE_LABELS = {role.value: str(role.label) for role in PracticeCountry.Role}

_files: dict[str, bytes] = {}


def brief_file(url: str) -> bytes:
    """The file at ``url``, made once per test session: the paper's data does not change
    between these tests (each rolls its own changes back)."""
    if url not in _files:
        response = Client().get(url)
        assert response.status_code == 200, url
        _files[url] = response.content
    return _files[url]


def listed(query: str) -> list[Practice]:
    filterset = PracticeFilter(QueryDict(query), queryset=Practice.objects.published())
    return list(
        filterset.sorted_qs().prefetch_related("country_links__country", "metrics", "sources")
    )


def expected_placements(practices) -> dict[tuple[str, str], set[str]]:
    """(country name, role) → the titles of the listed practices where it plays that role;
    ("Practices that name no country", "") for those naming none."""
    placements: dict[tuple[str, str], set[str]] = {}
    for practice in practices:
        links = practice.country_links.all()
        for link in links:
            placements.setdefault((link.country.name, link.role), set()).add(practice.title)
        if not links:
            placements.setdefault(("Practices that name no country", ""), set()).add(practice.title)
    return placements


def figure_rows(practice) -> list[tuple[str, str, str, str]]:
    rows = []
    for metric in practice.metrics.all():
        label = (
            f"{metric.label} ({metric.comparison_note})" if metric.comparison_note else metric.label
        )
        value = metric.display_value
        if metric.qualifier == OutcomeMetric.Qualifier.TARGET:
            value = f"target: {value}"
        rows.append((label, value, metric.unit, str(metric.year)))
    return rows


def cited_sources(practice) -> set[str]:
    sources = {source.citation for source in practice.sources.all()}
    sources |= {m.source.citation for m in practice.metrics.all() if m.source}
    if practice.evaluation_source:
        sources.add(practice.evaluation_source.citation)
    return sources


def check_against_the_list(read, query: str) -> None:
    practices = listed(query)
    assert practices, f"{query} should list practices"
    by_title = {p.title: p for p in practices}
    assert read.count == len(practices)

    placements = {key: set(titles) for key, titles in read.placements().items()}
    assert placements == expected_placements(practices)
    # Exactly the list's practices: none missing, none added.
    assert {t for titles in placements.values() for t in titles} == set(by_title)

    for mention in read.full_mentions():
        practice = by_title[mention.title]
        assert [f[:4] for f in mention.figures] == figure_rows(practice), mention.title
        # Each number in the reference list is one of the practice's sources.
        cited = {read.references[n] for n in mention.references}
        for citation in cited_sources(practice):
            assert any(citation in text for text in cited), (mention.title, citation)
        assert len(cited) == len(cited_sources(practice))
        for *_figure, number in mention.figures:
            assert number is None or number in mention.references


def reading_order_of_references(read) -> list[int]:
    seen = []
    for mention in read.full_mentions():
        for number in [*mention.references, *(f[4] for f in mention.figures if f[4])]:
            if number not in seen:
                seen.append(number)
    return seen


@pytest.mark.parametrize("query", FILTERS)
def test_the_brief_page_holds_the_lists_practices_under_each_countrys_roles(client, query):
    read = read_html(client.get(f"/practices/brief/?{query}").content)
    check_against_the_list(read, query)
    # References are numbered in the order a reader meets them, and the list has each once.
    assert reading_order_of_references(read) == list(range(1, len(read.references) + 1))


@pytest.mark.parametrize("query", FILTERS)
def test_the_word_file_says_what_the_page_says(client, query):
    body = brief_file(f"/practices/brief.docx?{query}")
    read = read_docx(body)
    check_against_the_list(read, query)
    page = read_html(client.get(f"/practices/brief/?{query}").content)
    assert read.sections == page.sections  # same countries, roles, practices, figures, numbers
    assert read.references.keys() == page.references.keys()
    for number, text in page.references.items():
        assert read.references[number].startswith(text.split(" http")[0][:60])


def test_the_word_file_has_real_headings_tables_and_a_page_number_field():
    document = docx.Document(io.BytesIO(brief_file("/practices/brief.docx?theme=children")))
    styles = {p.style.name for p in document.paragraphs}
    assert {"Title", "Heading 1", "Heading 2", "Heading 3", "Heading 4"} <= styles
    assert document.tables, "figures and the country × theme counts are tables"
    footer = document.sections[0].footer.paragraphs[0]._p.xml
    assert "PAGE" in footer
    assert document.sections[0].page_width.mm == pytest.approx(210, abs=1)


@pytest.mark.parametrize("query", PDF_FILTERS)
def test_the_pdf_holds_the_pages_countries_roles_practices_figures_and_references(client, query):
    pages = pdf_text(brief_file(f"/practices/brief.pdf?{query}"))
    text = " ".join(pages)
    page = read_html(client.get(f"/practices/brief/?{query}").content)
    check_against_the_list(page, query)
    # The PDF gives the page's sequence: each country, its roles, their practices; each full
    # description with its sources and every figure's value, unit and year.
    cursor = 0
    for section in page.sections:
        cursor = _after(text, section.heading, cursor)
        for role, mentions in section.roles.items():
            if role:
                cursor = _after(text, ROLE_LABELS[role].upper(), cursor)
            for mention in mentions:
                cursor = _after(text, mention.title, cursor)
                if not mention.full:
                    continue
                if mention.references:
                    cites = " ".join(f"[{n}]" for n in mention.references)
                    _after(text, f"Sources: {cites}", cursor)
                for _label, value, unit, year, _ref in mention.figures:
                    figure = text[cursor:]
                    assert value.split()[-1] in figure and unit.split()[0] in figure
                    assert year in figure
    for number, citation in page.references.items():
        assert f"[{number}]" in text
        assert citation.removeprefix(f"[{number}] ")[:40] in text


def _after(text: str, needle: str, cursor: int) -> int:
    found = text.find(" ".join(needle.split()), cursor)
    assert found >= 0, f"{needle!r} not found after position {cursor}"
    return found + len(needle)


def test_the_pdf_is_a4_with_page_numbers_and_no_site_navigation():
    body = brief_file("/practices/brief.pdf?theme=children")
    reader = pypdf.PdfReader(io.BytesIO(body))
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points
    pages = pdf_text(body)
    assert f"1 / {len(pages)}" in pages[0] and f"{len(pages)} / {len(pages)}" in pages[-1]
    assert "Skip to content" not in pages[0] and "About the data" not in pages[0]
    # The fonts are the ones shipped with the site (static/fonts, the brief's "Brief Sans"),
    # embedded: none is the machine's own.
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all("Brief-Sans" in name for name in fonts), fonts


def test_the_pdf_maker_fetches_nothing_but_the_sites_static_files():
    fetcher = pdf.static_files()
    assert fetcher.fetch("http://testserver/static/css/brief.css").status == 200
    for url in (
        "https://fonts.example.com/font.woff2",
        "http://testserver/admin/",
        "file:///etc/passwd",
        "http://testserver/static/../../gfmd_kb/settings.py",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_the_brief_opens_with_what_was_asked_the_date_and_the_count(client):
    page = client.get("/practices/brief/?theme=children&cod=US&sort=newest&theme=nope")
    html = page.content.decode()
    assert page.status_code == 200
    asked = re.search(r"What was asked</dt>\s*<dd>(.*?)</dd>", html, re.S).group(1)
    assert "Theme: Migrant children and adolescents" in asked
    assert "Country of destination: United States" in asked
    assert "theme=nope" in html  # named as not applied
    assert read_html(page.content).count == len(listed("theme=children&cod=US"))


def test_named_countries_come_first_in_their_order_and_the_rest_together(client):
    response = client.get("/practices/brief/?theme=children&countries=us,MEX,XX")
    read = read_html(response.content)
    headings = [section.heading for section in read.sections]
    assert headings == ["United States", "Mexico", "Other practices in this list"]
    assert "XX" in response.content.decode()  # not a country: said so
    # Still exactly the list's practices: those naming neither country come last.
    titles = {t for titles in read.placements().values() for t in titles}
    assert titles == {p.title for p in listed("theme=children")}
    # And the download links keep the countries.
    assert "brief.pdf?theme=children&amp;countries=us%2CMEX%2CXX" in response.content.decode()


def test_a_named_country_without_practices_is_shown_as_a_gap(client):
    read = read_html(client.get("/practices/brief/?theme=children&countries=MX,FR").content)
    france = next(s for s in read.sections if s.heading == "France")
    assert france.roles == {}


def test_discussion_questions_list_the_listed_practices_that_inform_them(client):
    query = "theme=children"
    html = client.get(f"/practices/brief/?{query}").content.decode()
    titles = {p.title for p in listed(query)}
    for question in DiscussionQuestion.objects.prefetch_related("practices"):
        informing = sorted(p.title for p in question.practices.all() if p.title in titles)
        text = " ".join(question.text.split())
        if informing:
            block = html.split(f"<strong>{question.number}.</strong>")[1].split("</div>")[0]
            assert " ".join(block.split()).startswith(text[:50])
            for title in informing:
                assert title.replace("&", "&amp;").replace('"', "&quot;") in block
        else:
            assert f"<strong>{question.number}.</strong>" not in html


def test_the_country_theme_table_counts_the_list_only_and_marks_gaps(client):
    html = client.get("/practices/brief/?country=MX").content.decode()
    table = html.split('class="brief-matrix"')[1].split("</table>")[0]
    mexico = table.split('<th scope="row">Mexico</th>')[1].split("</tr>")[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", mexico, re.S)
    practices = listed("country=MX")
    assert cells[-1] == str(len(practices))  # the total: every listed practice
    children = sum(1 for p in practices if p.themes.filter(slug="children").exists())
    assert cells[2].startswith(str(children))  # themes in their order: children third
    assert 'class="num gap"' in table  # a theme with no Mexican practice is a gap


def test_the_file_names_say_what_was_filtered(client):
    response = client.get("/practices/brief.docx?theme=children&country=MX")
    assert re.fullmatch(
        r'attachment; filename="gfmd-brief-children-mx-\d{4}-\d\d-\d\d\.docx"',
        response["Content-Disposition"],
    )


def test_the_list_page_links_to_its_brief_with_its_filter(client):
    html = client.get("/practices/?theme=children&country=MX").content.decode()
    assert 'href="/practices/brief/?theme=children&amp;country=MX"' in html


@pytest.mark.parametrize("state", ["draft", "in_review", "archived"])
def test_unpublished_practices_never_reach_a_brief(client, state):
    make_practice("unpublished-for-brief", countries=(("AM", "COO"),), publication_state=state)
    assert b"Unpublished For Brief" not in client.get("/practices/brief/?country=AM").content
    word = read_docx(client.get("/practices/brief.docx?country=AM").content)
    assert word.count == len(listed("country=AM"))
    assert "Unpublished For Brief" not in str(word)
    if state == "draft":
        pdf = " ".join(pdf_text(client.get("/practices/brief.pdf?country=AM").content))
        assert "Armenia" in pdf and "Unpublished For Brief" not in pdf


@pytest.mark.parametrize(
    "query",
    ["year_from=abc", "countries=" + "x," * 500, "q=" + "é" * 400, "theme=%00", "country=ZZ"],
)
def test_bad_input_gives_a_brief_never_an_error(client, query):
    assert client.get(f"/practices/brief/?{query}").status_code == 200
    assert client.get(f"/practices/brief.docx?{query}&country=AM").status_code == 200


def test_an_empty_list_gives_a_brief_that_says_so(client):
    response = client.get("/practices/brief/?q=zzzzzzzz")
    assert "No practice matches this list." in response.content.decode()
    assert client.get("/practices/brief.docx?q=zzzzzzzz").status_code == 200


def test_the_brief_takes_a_fixed_number_of_queries(client):
    def queries(query: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/practices/brief/?{query}").status_code == 200
        return len(captured)

    small, large = queries("country=AM"), queries("country=MX")
    assert len(listed("country=MX")) >= 4 * len(listed("country=AM"))
    assert small == large
    assert queries("country=MX&countries=MX,US") == large + 1  # the named countries: one query


def test_a_brief_file_is_made_once_until_the_data_changes(client):
    url = "/practices/brief.docx?country=AM"
    with CaptureQueriesContext(connection) as first:
        before = client.get(url).content
    with CaptureQueriesContext(connection) as second:
        assert client.get(url).content == before
    assert len(second) < len(first)  # the file came from the cache: no practice was read
    practice = listed("country=AM")[0]
    practice.title = "A title changed after the first download"
    practice.save()
    after = read_docx(client.get(url).content)
    assert "A title changed after the first download" in str(after)


def test_without_the_pdf_library_the_pdf_says_so_and_the_rest_works(client, monkeypatch):
    """A machine without Pango: the PDF answers with a page saying what is missing (503),
    the checks warn, and the brief's page and Word file still work."""
    import builtins

    from gfmd_kb.checks import check_pdf_library

    real_import = builtins.__import__

    def no_pango(name, *args, **kwargs):
        if name.startswith("weasyprint"):
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pango)
    response = client.get("/practices/brief.pdf?theme=children")
    assert response.status_code == 503
    assert "Pango" in response.content.decode()
    assert 'href="/practices/brief/?theme=children"' in response.content.decode()
    assert [check.id for check in check_pdf_library(None)] == ["gfmd.W003"]
    assert client.get("/practices/brief/?theme=children").status_code == 200
    assert client.get("/practices/brief.docx?theme=children").status_code == 200


@pytest.fixture
def short_inline_limits(monkeypatch, settings):
    """Briefs of more than two practices are made by the worker; its queue is a dummy one,
    whose queued jobs the test reads (and runs itself)."""
    monkeypatch.setattr(files, "INLINE_LIMITS", {"pdf": 2, "docx": 2})
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    yield
    default_task_backend.clear()


def test_a_long_briefs_file_is_made_by_the_worker_while_a_page_says_so(client, short_inline_limits):
    url = "/practices/brief.docx?country=MX"
    waiting = client.get(url)
    assert waiting.status_code == 202
    html = waiting.content.decode()
    assert '<meta http-equiv="refresh" content="5">' in html
    assert f"has {len(listed('country=MX'))} practices" in html
    assert 'href="/practices/brief/?country=MX"' in html
    # Asked again before the worker got to it: still one job.
    assert client.get(url).status_code == 202
    (job,) = default_task_backend.results
    make_brief_file.call(*job.args)
    ready = client.get(url)
    assert ready.status_code == 200 and ready["Content-Disposition"].startswith("attachment")
    read = read_docx(ready.content)
    assert read.count == len(listed("country=MX"))
    # A short brief is still made at once.
    assert client.get("/practices/brief.docx?country=AM").status_code == 200


def test_a_kept_file_is_never_served_after_the_data_changed(client, short_inline_limits):
    url = "/practices/brief.docx?country=MX"
    client.get(url)
    make_brief_file.call(*default_task_backend.results[0].args)
    assert client.get(url).status_code == 200
    practice = listed("country=MX")[0]
    practice.title = "Renamed after the file was made"
    practice.save()
    assert client.get(url).status_code == 202  # a new file is being made, the old one not given


def test_brief_files_older_than_a_day_are_removed(settings, tmp_path):
    folder = files.folder()
    folder.mkdir(parents=True)
    old, new = folder / "old.pdf", folder / "new.pdf"
    old.write_bytes(b"%PDF")
    new.write_bytes(b"%PDF")
    day_and_more = time.time() - files.KEEP.total_seconds() - 60
    os.utime(old, (day_and_more, day_and_more))
    assert files.remove_old_files() == 1
    assert not old.exists() and new.exists()


def test_the_about_page_shows_the_briefs_reference_style_as_the_brief_writes_it(client):
    about = client.get("/about/").content.decode()
    example = about.split('id="brief-references"')[1].split("</blockquote>")[0]
    brief = client.get("/practices/brief/?country=LK").content.decode()
    sri_lanka = next(r for r in read_html(brief.encode()).references.values() if "slbfe" in r)
    assert " ".join(re.sub(r"<[^>]+>", "", example).split()).endswith(
        sri_lanka.removeprefix("[1] ").removeprefix("[2] ")
    )


def test_the_word_file_takes_a_fixed_number_of_queries(client):
    def queries(query: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/practices/brief.docx?{query}").status_code == 200
        return len(captured)

    assert queries("country=AM") == queries("country=MX")


def test_no_practice_can_take_the_briefs_address_as_its_slug():
    """/practices/brief/ is the brief: a practice slugged "brief" could never be opened."""
    from django.core.exceptions import ValidationError

    practice = listed("country=AM")[0]
    practice.slug = "brief"
    with pytest.raises(ValidationError) as refused:
        practice.full_clean()
    assert "slug" in refused.value.message_dict
