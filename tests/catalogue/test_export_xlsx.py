"""The Excel export: the list's practices, the CSV's cells, every figure as a number, a cover
that says what was asked; nothing a spreadsheet would run, a fixed number of queries."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone
from openpyxl import load_workbook

from practices.catalogue.filters import PracticeFilter
from practices.cells import neutralise
from practices.export_record import FIELDNAMES
from practices.export_workbook import CONTENT_TYPE, FIGURE_COLUMNS, MAX_CELL_CHARS, workbook_bytes
from practices.models import OutcomeMetric, Practice, Source
from tests.catalogue.test_export_csv_json import csv_rows, filename, list_slugs
from tests.conftest import make_practice
from tests.public_urls import workbook_formulas

pytestmark = pytest.mark.django_db

FILTERS = {
    "theme=children": ["Theme: Migrant children and adolescents"],
    "country=MX": ["Country: Mexico"],
    # The paper reports outputs at best: none of its practices is evaluated.
    "evidence=outputs": ["Evidence level: Outputs reported"],
    "q=domestic+workers": ["Search: domestic workers"],
    "coo=PH&coo=MX&sort=newest": ["Country of origin: Philippines or Mexico"],
    "theme=children&country=MX": ["Theme: Migrant children and adolescents", "Country: Mexico"],
}


def workbook(client, query: str = ""):
    response = client.get(f"/practices/export.xlsx?{query}")
    assert response.status_code == 200
    return load_workbook(BytesIO(response.content))


def rows(sheet) -> list[dict]:
    """The sheet's rows under its header, as {column: cell}."""
    lines = list(sheet.iter_rows())
    header = [cell.value for cell in lines[0]]
    return [dict(zip(header, line, strict=True)) for line in lines[1:]]


def cover(book) -> dict:
    """The cover's label → value; a label left empty continues the one above (Filters)."""
    found, label = {}, None
    for line in book["Cover"].iter_rows(min_row=4, values_only=True):
        label = line[0] or label
        found.setdefault(label, []).append(line[1])
    return {key: values if len(values) > 1 else values[0] for key, values in found.items()}


def as_csv(value) -> str:
    """A cell's value as the CSV writes it: a year is a number in the sheet, text in the CSV."""
    return "" if value is None else str(value)


def listed(query: str) -> list[Practice]:
    filterset = PracticeFilter(QueryDict(query), queryset=Practice.objects.published())
    return list(filterset.sorted_qs())


@pytest.mark.parametrize("query", FILTERS)
def test_the_workbook_holds_the_lists_practices_with_the_csvs_cells(client, query):
    book = workbook(client, query)
    assert book.sheetnames == ["Cover", "Practices", "Figures"]
    sheet = book["Practices"]
    assert [cell.value for cell in next(sheet.iter_rows(max_row=1))] == FIELDNAMES
    practices = rows(sheet)
    slugs = [row["slug"].value for row in practices]
    assert slugs, "the filter gives practices"
    assert slugs == list_slugs(client, query) == [p.slug for p in listed(query)]
    from_csv = csv_rows(client, query)
    assert [row["slug"] for row in from_csv] == slugs
    for row, csv_row in zip(practices, from_csv, strict=True):
        assert {name: as_csv(row[name].value) for name in FIELDNAMES} == csv_row
        for name in ("start_year", "end_year", "status_as_of"):
            assert row[name].value is None or row[name].data_type == "n", name
    assert all(row["url"].value.startswith("http://testserver/practices/") for row in practices)


@pytest.mark.parametrize("query", FILTERS)
def test_every_figure_of_the_listed_practices_is_there_once_with_its_number(client, query):
    book = workbook(client, query)
    figures = rows(book["Figures"])
    assert [cell.value for cell in next(book["Figures"].iter_rows(max_row=1))] == FIGURE_COLUMNS
    expected = [
        (practice, metric)
        for practice in listed(query)
        for metric in practice.metrics.select_related("source").order_by("position", "id")
    ]
    assert len(figures) == len(expected)
    for row, (practice, metric) in zip(figures, expected, strict=True):
        assert row["practice_slug"].value == practice.slug
        assert row["practice_title"].value == neutralise(practice.title)
        assert row["label"].value == metric.label
        assert row["value"].data_type == "n"
        assert Decimal(str(row["value"].value)) == metric.value
        assert row["qualifier"].value == OutcomeMetric.Qualifier(metric.qualifier).label
        assert row["unit"].value == metric.unit
        assert row["year"].value == metric.year and row["year"].data_type == "n"
        assert as_csv(row["comparison_note"].value) == metric.comparison_note
        if metric.source and metric.source.footnote:
            assert row["source"].value == f"[{metric.source.footnote}] {metric.source.citation}"


def test_a_figure_keeps_its_exact_value_and_its_footnoted_source(client):
    practice = make_practice("decimal-figures", countries=[("CL", "COD")])
    source = Source.objects.create(key="xlsx-test", footnote=99, citation="A 2011 report.")
    OutcomeMetric.objects.create(
        practice=practice,
        label="Share reached",
        value=Decimal("12.35"),
        qualifier=OutcomeMetric.Qualifier.ABOUT,
        unit="%",
        year=2011,
        source=source,
    )
    OutcomeMetric.objects.create(
        practice=practice, label="Families", value=Decimal("123456789012.00"), unit="families",
        year=2012, position=1,
    )  # fmt: skip
    share, families = rows(workbook(client, "cod=CL")["Figures"])
    assert share["value"].value == 12.35 and Decimal(str(share["value"].value)) == Decimal("12.35")
    assert share["qualifier"].value == "about"
    assert share["source"].value == "[99] A 2011 report."
    assert families["value"].value == 123456789012 and families["value"].data_type == "n"


def test_a_paper_figure_gives_its_footnote_and_a_large_one_its_whole_number(client):
    figures = rows(workbook(client)["Figures"])
    (garf,) = [r for r in figures if r["value"].value == 10831]
    assert garf["practice_slug"].value == "pt-family-reunification-support-offices"
    assert (garf["year"].value, garf["qualifier"].value) == (2009, "exact")
    (hours,) = [r for r in figures if r["label"].value == "Hours of service per day"]
    assert hours["practice_slug"].value == "lk-slbfe-children-of-migrant-workers-unit"
    assert hours["source"].value.startswith("[27] Sri Lanka Bureau for Foreign Employment")
    assert (hours["value"].value, hours["unit"].value) == (24, "hours per day")


@pytest.mark.parametrize("query", FILTERS)
def test_the_cover_says_what_was_asked_and_how_many(client, query):
    book = workbook(client, query)
    said = cover(book)
    filters = said["Filters"] if isinstance(said["Filters"], list) else [said["Filters"]]
    assert filters == FILTERS[query]
    assert said["Practices"] == len(listed(query))
    assert said["Figures"] == book["Figures"].max_row - 1
    assert said["Site"] == "http://testserver/"
    assert said["This list online"].startswith("http://testserver/practices/?")
    assert "status_as_of" in said["Evidence"] and "source" in said["Evidence"]
    assert book["Cover"]["A1"].value == "Family, gender and migration: good practices"


def test_the_cover_of_the_whole_list_says_so_and_names_the_day(client):
    book = workbook(client)
    said = cover(book)
    assert said["Filters"] == "All published practices"
    assert said["Practices"] == Practice.objects.published().count()
    assert said["Order"] == "Title"
    assert said["Date"] == formats.date_format(timezone.localdate(), "DATE_FORMAT")


def test_an_empty_list_gives_the_headers_and_a_cover_that_says_none(client):
    book = workbook(client, "evidence=evaluated")
    assert list(book["Practices"].iter_rows(min_row=2)) == []
    assert list(book["Figures"].iter_rows(min_row=2)) == []
    said = cover(book)
    assert (said["Filters"], said["Practices"], said["Figures"]) == (
        "Evidence level: Evaluated",
        0,
        0,
    )


def test_unknown_filter_values_are_ignored_and_named_never_an_error(client):
    response = client.get("/practices/export.xlsx?theme=bogus&cod=PT&year_from=abc&sort=nope")
    assert response.status_code == 200
    assert response["X-Ignored-Filters"] == "theme=bogus, year_from=abc, sort=nope"
    book = load_workbook(BytesIO(response.content))
    said = cover(book)
    assert said["Filters"] == "Country of destination: Portugal"
    assert said["Ignored"].startswith("theme=bogus (no such theme); year_from=abc (")
    assert "sort=nope (not a sort order)" in said["Ignored"]
    slugs = [row["slug"].value for row in rows(book["Practices"])]
    assert slugs == [row["slug"] for row in csv_rows(client, "cod=PT")]
    assert filename(response) == f"gfmd-practices-pt-{timezone.localdate():%Y-%m-%d}.xlsx"


def test_it_is_a_named_excel_download(client):
    response = client.get("/practices/export.xlsx?theme=children&country=MX")
    assert response["Content-Type"] == CONTENT_TYPE
    assert filename(response) == (
        f"gfmd-practices-children-mx-{timezone.localdate():%Y-%m-%d}.xlsx"
    )
    # The same list gives the same file that day, byte for byte.
    assert client.get("/practices/export.xlsx?theme=children&country=MX").content == (
        response.content
    )


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("title", '=HYPERLINK("http://evil.example","click")'),
        ("title", "#N/A"),
        ("summary", "@SUM(1+1)*cmd|' /C calc'!A0"),
        ("summary", "-2+3"),
        ("description", "\tTabbed"),
        ("description", "\rReturned"),
    ],
)
def test_text_a_spreadsheet_would_run_is_stored_as_text(client, field, text):
    practice = make_practice("formula-cells", countries=[("CL", "COD")], **{field: text})
    OutcomeMetric.objects.create(
        practice=practice, label="+1+1", value=3, unit="people", year=2010, comparison_note="=1"
    )
    response = client.get("/practices/export.xlsx?cod=CL")
    assert workbook_formulas(response.content) == []
    book = load_workbook(BytesIO(response.content))
    row = next(r for r in rows(book["Practices"]) if r["slug"].value == "formula-cells")
    cell = row[field]
    assert cell.data_type == "s"
    assert cell.value == neutralise(text) and cell.value[0] not in "=+-@\t\r"
    assert cell.value == next(r for r in csv_rows(client, "cod=CL"))[field]
    (figure,) = rows(book["Figures"])
    assert (figure["label"].value, figure["label"].data_type) == ("'+1+1", "s")
    assert (figure["comparison_note"].value, figure["comparison_note"].data_type) == ("'=1", "s")
    assert figure["practice_title"].data_type == "s"
    assert not figure["practice_title"].value.startswith("=")


def test_a_search_starting_with_an_equals_sign_is_text_on_the_cover(client):
    response = client.get("/practices/export.xlsx?q==1%2B1")
    assert workbook_formulas(response.content) == []


def test_text_excel_cannot_hold_is_cut_or_dropped_not_an_error(client):
    make_practice(
        "long-and-odd",
        countries=[("CL", "COD")],
        title="Bell\x07 and \ufffe odd \x01characters",  # PostgreSQL keeps no NUL
        description="word " * 8000,
    )
    response = client.get("/practices/export.xlsx?cod=CL")
    assert response.status_code == 200
    (row,) = rows(load_workbook(BytesIO(response.content))["Practices"])
    assert row["title"].value == "Bell and  odd characters"
    assert len(row["description"].value) == MAX_CELL_CHARS
    assert row["description"].value.endswith("…")


def test_drafts_and_practices_in_review_are_never_in_the_workbook(client):
    for state in ("draft", "in_review"):
        practice = make_practice(f"unseen-{state}", publication_state=state)
        OutcomeMetric.objects.create(
            practice=practice, label="Unseen figure", value=1, unit="people", year=2010
        )
    for query in ("", "cod=MX", "q=unseen"):
        book = workbook(client, query)
        slugs = {row["slug"].value for row in rows(book["Practices"])}
        assert not {"unseen-draft", "unseen-in_review"} & slugs
        labels = {row["label"].value for row in rows(book["Figures"])}
        assert "Unseen figure" not in labels
        assert cover(book)["Practices"] == len(slugs)


def test_the_sheets_are_laid_out_for_reading(client):
    book = workbook(client, "theme=children")
    practices, figures = book["Practices"], book["Figures"]
    for sheet in (practices, figures):
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}" + (
            f"{sheet.max_row}"
        )
        assert sheet["A1"].font.b
    assert practices.column_dimensions["D"].width == 80  # description
    assert practices["D2"].alignment.wrap_text


def test_any_list_of_practices_can_be_written_with_its_own_cover():
    """As a roundtable dossier does: its own hand-picked practices, in its order, its cover."""
    slugs = ["pt-family-reunification-support-offices", "bh-abolition-kafeel-sponsorship"]
    picked = Practice.objects.published().filter(slug__in=slugs).order_by("-slug")
    raw = workbook_bytes(
        picked,
        [("Dossier", "Roundtable 2.2"), ("Session", "Family reunification")],
        "https://kb.example.org",
    )
    book = load_workbook(BytesIO(raw))
    assert [row["slug"].value for row in rows(book["Practices"])] == sorted(slugs, reverse=True)
    said = cover(book)
    assert (said["Dossier"], said["Session"]) == ("Roundtable 2.2", "Family reunification")
    assert said["Practices"] == 2
    assert rows(book["Practices"])[0]["url"].value == (
        "https://kb.example.org/practices/pt-family-reunification-support-offices/"
    )


def test_the_list_page_links_to_the_workbook_and_the_about_page_describes_it(client):
    html = client.get("/practices/?theme=children&cod=us&page=2").content.decode()
    assert 'href="/practices/export.xlsx?theme=children&amp;cod=US"' in html
    about = client.get("/about/").content.decode()
    assert "Excel workbook" in about and "<code>practice_slug</code>" in about


def test_the_workbook_takes_a_fixed_number_of_queries(client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/practices/export.xlsx?cod=BR").status_code == 200
        return len(captured)

    def add(numbers):
        for i in numbers:
            practice = make_practice(f"bulk-{i:03}", countries=[("BR", "COD"), ("GT", "COO")])
            for year in (2009, 2010):
                OutcomeMetric.objects.create(
                    practice=practice, label="People", value=i, unit="people", year=year
                )

    add(range(2))
    few = queries()
    add(range(2, 20))
    assert queries() == few
    assert len(rows(workbook(client, "cod=BR")["Figures"])) == 40
    # The country's lookup, the export record's one query, the figures' one query.
    assert few == 3
