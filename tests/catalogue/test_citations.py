"""Every published practice can be cited: BibTeX, RIS and CSL-JSON files that their own
libraries read back, a formatted citation on its page, and a schema.org description (JSON-LD)
that names it, its countries with their roles, its themes and its sources."""

import json
import re

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc import formatter as citeproc_formatter
from citeproc.source.json import CiteProcJSON
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practices.catalogue import citation
from practices.models import Practice, Source
from tests.conftest import make_practice

pytestmark = pytest.mark.django_db

SLUG = "mx-child-protection-officers-opi"  # several sources, Mexico in two roles
FORMATS = ["bib", "ris", "json"]
TRICKY = 'Niños {migrantes} & 100% </script><b>x</b> “Śródmieście” "Ça" ~ $5 #1 a_b'


def cite(client, slug: str, kind: str):
    return client.get(reverse(f"practices:practice-cite-{kind}", kwargs={"slug": slug}))


def page_url(practice) -> str:
    return f"http://testserver{practice.get_absolute_url()}"


def read_bibtex(text: str):
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert library.failed_blocks == []
    (entry,) = library.entries
    return entry


def json_ld_of(html: str) -> dict:
    (found,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(found)


def render_csl(items: list[dict]) -> str:
    # citeproc-py 0.11 bundles Cite Them Right, the style CSL's "harvard1" was renamed to.
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), citeproc_formatter.plain)
    bibliography.register(Citation([CitationItem(items[0]["id"])]))
    return str(bibliography.bibliography()[0])


def test_every_published_practice_has_a_bibtex_entry_that_parses_with_title_url_year(client):
    for practice in Practice.objects.published():
        response = cite(client, practice.slug, "bib")
        assert response.status_code == 200
        entry = read_bibtex(response.content.decode())
        assert entry.entry_type == "misc" and entry.key == practice.slug
        assert entry["title"] == practice.title, practice.slug
        assert entry["url"] == page_url(practice)
        assert entry["year"] == str(practice.updated_at.year)
        assert entry["author"] == "GFMD good-practice knowledge base"


def test_every_published_practice_has_a_ris_record_with_title_and_url(client):
    for practice in Practice.objects.published():
        (record,) = rispy.loads(cite(client, practice.slug, "ris").content.decode())
        assert record["type_of_reference"] == "ELEC"
        assert record["title"] == practice.title
        assert record["urls"] == [page_url(practice)]
        assert record["authors"] == ["GFMD good-practice knowledge base,"]


def test_the_csl_json_renders_with_citeproc_into_text_naming_the_practice(client):
    practice = Practice.objects.get(slug=SLUG)
    items = json.loads(cite(client, SLUG, "json").content)
    assert [item["type"] for item in items] == ["webpage"]
    assert items[0]["author"] == [{"literal": "GFMD good-practice knowledge base"}]
    assert items[0]["abstract"] == practice.summary
    text = render_csl(items)
    assert practice.title in text and page_url(practice) in text


def test_the_note_names_the_paper_section_and_every_source_footnote(client):
    practice = Practice.objects.get(slug=SLUG)
    (item,) = json.loads(cite(client, SLUG, "json").content)
    assert f"section {practice.paper_section}" in item["note"]
    for source in practice.sources.all():
        assert f"footnote {source.footnote}: " in item["note"]
    (record,) = rispy.loads(cite(client, SLUG, "ris").content.decode())
    assert record["notes"] == [item["note"]]


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [
        ("bib", "application/x-bibtex"),
        ("ris", "application/x-research-info-systems"),
        ("json", "application/vnd.citationstyles.csl+json"),
    ],
)
def test_a_citation_is_a_download_named_for_the_practice(client, kind, content_type):
    response = cite(client, SLUG, kind)
    assert response["Content-Type"].split(";")[0] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="gfmd-practice-{SLUG}.{kind}"'


@pytest.mark.parametrize("state", ["draft", "in_review", "archived"])
@pytest.mark.parametrize("kind", FORMATS)
def test_an_unpublished_practice_has_no_citation(client, state, kind):
    make_practice("unpublished-one", publication_state=state)
    assert cite(client, "unpublished-one", kind).status_code == 404
    assert cite(client, "no-such-practice", kind).status_code == 404


def test_tricky_text_round_trips_through_every_format(client):
    practice = make_practice("tricky", title=TRICKY, summary=f"Summary: {TRICKY}")
    source = Source.objects.create(key="tricky-source", citation="Report {v2} 50% & “ü”")
    practice.sources.add(source)

    bib = cite(client, "tricky", "bib").content.decode()
    assert "\\{migrantes\\}" in bib and "100\\%" in bib and "\\&" in bib  # escaped, not raw
    entry = read_bibtex(bib)
    assert entry["title"] == TRICKY
    assert entry["abstract"] == f"Summary: {TRICKY}"
    assert "Report {v2} 50% & “ü”" in entry["note"]

    (record,) = rispy.loads(cite(client, "tricky", "ris").content.decode())
    assert record["title"] == TRICKY

    (item,) = json.loads(cite(client, "tricky", "json").content)
    assert item["title"] == TRICKY and TRICKY in render_csl([item])

    html = client.get(practice.get_absolute_url()).content.decode()
    assert json_ld_of(html)["name"] == TRICKY
    # Nothing of the title ends the JSON-LD element or becomes markup on the page.
    assert html.count("</script>") == html.count("<script")
    assert "<b>x</b>" not in html
    formatted = html[html.index('<blockquote class="citation">') :].split("</blockquote>")[0]
    assert (
        "&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in formatted and "{migrantes} &amp; 100%" in formatted
    )


def test_the_practice_page_offers_the_citation_and_its_three_files(client):
    practice = Practice.objects.get(slug=SLUG)
    html = client.get(practice.get_absolute_url()).content.decode()
    assert "Cite this practice" in html
    formatted = html[html.index('<blockquote class="citation">') :].split("</blockquote>")[0]
    assert "GFMD good-practice knowledge base (" in formatted
    assert f"<i>{practice.title}</i>" in formatted and page_url(practice) in formatted
    for kind in FORMATS:
        assert f'href="{practice.get_absolute_url()}cite.{kind}"' in html


def test_the_formatted_citation_is_cached_until_the_practice_changes(client, monkeypatch):
    calls = []
    original = citation.formatted
    monkeypatch.setattr(citation, "formatted", lambda record: calls.append(1) or original(record))
    practice = Practice.objects.get(slug=SLUG)
    client.get(practice.get_absolute_url())
    client.get(practice.get_absolute_url())
    assert len(calls) == 1
    practice.title = "A new title"
    practice.save()
    assert "<i>A new title</i>" in client.get(practice.get_absolute_url()).content.decode()
    assert len(calls) == 2


def test_the_json_ld_names_the_practice_its_countries_with_roles_its_themes_and_sources(client):
    practice = Practice.objects.get(slug=SLUG)
    data = json_ld_of(client.get(practice.get_absolute_url()).content.decode())
    assert data["@context"] == "https://schema.org" and data["@type"] == "CreativeWork"
    assert data["name"] == practice.title and data["description"] == practice.summary
    assert data["url"] == page_url(practice)
    assert data["dateModified"].startswith(practice.updated_at.date().isoformat())
    roles = {
        (role["roleName"], role["spatialCoverage"]["identifier"], role["spatialCoverage"]["name"])
        for role in data["spatialCoverage"]
    }
    assert roles == {
        (link.role, link.country.iso2, link.country.name) for link in practice.country_links.all()
    }
    assert ("COO", "MX", "Mexico") in roles and ("COT", "MX", "Mexico") in roles
    assert {"@type": "Country"}.items() <= data["spatialCoverage"][0]["spatialCoverage"].items()
    assert [t["name"] for t in data["about"]] == [t.name for t in practice.themes.all()]
    cited = {c["name"] for c in data["citation"]}
    assert cited == {" ".join(s.citation.split()) for s in practice.sources.all()}
    assert data["isBasedOn"]["name"] == "Family and gender in migration and development"
    assert data["publisher"]["name"] == "GFMD good-practice knowledge base"


def test_a_practice_added_by_curators_is_not_based_on_the_paper(client):
    practice = make_practice("curated-one")
    data = json_ld_of(client.get(practice.get_absolute_url()).content.decode())
    assert "isBasedOn" not in data
    assert data["spatialCoverage"][0]["spatialCoverage"]["identifier"] == "MX"


@pytest.mark.parametrize("kind", FORMATS)
def test_a_citation_takes_the_same_queries_whatever_the_number_of_sources(client, kind):
    few = make_practice("few-sources")
    many = make_practice("many-sources")
    for i in range(30):
        many.sources.add(Source.objects.create(key=f"s-{i}", citation=f"Source {i}", year=2000 + i))
    few.sources.add(Source.objects.get(key="s-0"))
    counts = []
    for slug in ("few-sources", "many-sources"):
        with CaptureQueriesContext(connection) as queries:
            assert cite(client, slug, kind).status_code == 200
        counts.append(len(queries))
    # The practice, its themes, its sources.
    assert counts == [3, 3]


def test_the_about_page_says_how_to_cite(client):
    html = client.get(reverse("practices:about")).content.decode()
    assert 'id="how-to-cite"' in html
    for name in ("BibTeX", "RIS", "CSL-JSON", "cite.bib", "cite.ris", "cite.json"):
        assert name in html
    assert "numbered in the order a reader first meets them" in html
