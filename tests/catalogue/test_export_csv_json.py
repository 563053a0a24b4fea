"""CSV and JSON exports: the list page's exact rows, documented columns, safe in a spreadsheet."""

import csv
import io
import json
import re
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.utils import timezone

from practices.catalogue.export import FIELDNAMES, MAX_FILENAME_FILTERS, export_filename
from practices.models import OutcomeMetric, Practice
from tests.conftest import make_practice

pytestmark = pytest.mark.django_db

# Every column there was before the name columns came, in order: scripts rely on them.
REQUIRED_COLUMNS = [
    "slug",
    "title",
    "summary",
    "description",
    "themes",
    "countries",
    "coo",
    "cot",
    "cod",
    "coverage",
    "organisations",
    "target_groups",
    "stages",
    "scope",
    "kind",
    "gcm_objectives",
    "status",
    "status_as_of",
    "verified_on",
    "evidence_level",
    "start_year",
    "end_year",
    "metrics",
    "sources",
    "evaluations",
    "scorecard",
    "url",
]


def body(response) -> bytes:
    assert response.status_code == 200
    assert response.streaming, "exports are streamed"
    return b"".join(response.streaming_content)


def csv_rows(client, query: str = "") -> list[dict]:
    raw = body(client.get(f"/practices/export.csv?{query}"))
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def json_rows(client, query: str = "") -> list[dict]:
    return json.loads(body(client.get(f"/practices/export.json?{query}")))


def list_slugs(client, query: str = "") -> list[str]:
    slugs, page = [], 1
    while True:
        response = client.get(f"/practices/?{query}&page={page}")
        slugs += [practice.slug for practice in response.context["page"]]
        if not response.context["page"].has_next():
            return slugs
        page += 1


@pytest.mark.parametrize(
    "query",
    ["", "theme=children&country=MX", "coo=PH&sort=newest", "q=domestic+workers", "theme=bogus"],
)
def test_csv_json_and_the_list_page_give_the_same_rows_in_the_same_order(client, query):
    from_list = list_slugs(client, query)
    assert [row["slug"] for row in csv_rows(client, query)] == from_list
    assert [row["slug"] for row in json_rows(client, query)] == from_list


def test_csv_is_utf8_with_a_byte_order_mark_and_the_documented_columns(client):
    raw = body(client.get("/practices/export.csv"))
    assert raw.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert header == FIELDNAMES
    assert set(REQUIRED_COLUMNS) <= set(header)
    response = client.get("/practices/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]


def test_every_column_is_documented_on_the_about_page(client):
    html = client.get("/about/").content.decode()
    for column in FIELDNAMES:
        assert f"<code>{column}</code>" in html


def test_a_csv_row_joins_values_and_writes_figures_with_unit_and_year(client):
    row = next(
        r
        for r in csv_rows(client, "country=PT")
        if r["slug"] == "pt-family-reunification-support-offices"
    )
    practice = Practice.objects.get(slug=row["slug"])
    assert row["cod"] == "PT"
    assert "Portugal (COD)" in row["countries"]
    assert row["themes"].split("; ") == [t.slug for t in practice.themes.all()]
    metric = practice.metrics.get(value=10831)
    assert f"{metric.label}: 10,831 {metric.unit} ({metric.year})" in row["metrics"].split("; ")
    assert row["url"] == "http://testserver/practices/pt-family-reunification-support-offices/"
    kafeel = next(r for r in csv_rows(client, "cod=BH"))
    assert kafeel["sources"].startswith("[22] ")


def test_the_earlier_columns_keep_their_order_and_each_name_column_follows_its_slugs():
    assert [name for name in FIELDNAMES if name in REQUIRED_COLUMNS] == REQUIRED_COLUMNS
    for slugs, names in [
        ("themes", "theme_names"),
        ("target_groups", "target_group_names"),
        ("stages", "stage_names"),
    ]:
        assert FIELDNAMES.index(names) == FIELDNAMES.index(slugs) + 1


def test_csv_gives_names_beside_slugs_and_the_paper_section_with_its_title(client):
    row = next(
        r for r in csv_rows(client, "coo=GT") if r["slug"] == "mx-local-visitor-migration-form"
    )
    assert row["themes"] == "family-reunification; transnational-families"
    assert row["theme_names"] == "Family reunification; Transnational families"
    assert row["target_groups"] == "border-residents; migrant-families"
    assert row["target_group_names"] == (
        "People living in border areas; Migrant families and accompanying family members"
    )
    assert row["stages"] == "destination"
    assert row["stage_names"] == "Stay abroad"
    assert row["paper_section"] == "4.1"
    assert row["paper_section_title"] == "4.1 Family reunification in the COD"
    registry = next(
        r for r in csv_rows(client, "coo=PH") if r["slug"] == "ph-registry-poorest-ofw-households"
    )
    assert registry["stages"] == "destination; return"
    assert registry["stage_names"] == "Stay abroad; Return and reintegration"


def test_json_gives_names_as_lists_paired_with_the_slugs(client):
    record = next(
        r for r in json_rows(client, "coo=GT") if r["slug"] == "mx-local-visitor-migration-form"
    )
    assert record["themes"] == ["family-reunification", "transnational-families"]
    assert record["theme_names"] == ["Family reunification", "Transnational families"]
    assert record["target_group_names"] == [
        "People living in border areas",
        "Migrant families and accompanying family members",
    ]
    assert record["stage_names"] == ["Stay abroad"]
    assert record["paper_section"] == "4.1"
    assert record["paper_section_title"] == "4.1 Family reunification in the COD"


def test_a_practice_added_after_the_paper_has_an_empty_paper_section(client):
    make_practice("added-later", countries=[("CL", "COD")])
    row = next(r for r in csv_rows(client, "cod=CL") if r["slug"] == "added-later")
    assert (row["paper_section"], row["paper_section_title"]) == ("", "")
    assert row["theme_names"] == "Migrant children and adolescents"
    assert (row["target_group_names"], row["stage_names"]) == ("", "")


def test_accented_names_survive_the_round_trip(client):
    make_practice("ivorian-families", countries=[("CI", "COO"), ("FR", "COD")])
    row = next(r for r in csv_rows(client, "coo=CI"))
    assert row["countries"] == "Côte d'Ivoire (COO); France (COD)"


def test_json_has_the_same_fields_with_structured_values(client):
    record = next(
        r
        for r in json_rows(client, "cod=PT")
        if r["slug"] == "pt-family-reunification-support-offices"
    )
    assert set(REQUIRED_COLUMNS) <= set(record)
    practice = Practice.objects.get(slug=record["slug"])
    assert record["themes"] == [theme.slug for theme in practice.themes.all()]
    assert {"iso2": "PT", "name": "Portugal", "role": "COD"} in record["countries"]
    figure = next(m for m in record["metrics"] if m["value"] == 10831)
    assert set(figure) >= {"label", "value", "unit", "year"}
    assert figure["year"] == 2009


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t"])
def test_cells_a_spreadsheet_would_run_are_neutralised(client, start):
    make_practice(
        "formula-title",
        title=f'{start}HYPERLINK("http://evil.example","click")',
        summary="=1+1",
        countries=[("MX", "COD")],
    )
    row = next(r for r in csv_rows(client, "cod=MX") if r["slug"] == "formula-title")
    assert row["title"].startswith("'" + start)
    assert row["summary"] == "'=1+1"
    # JSON is data, not a spreadsheet: the text is kept as written.
    record = next(r for r in json_rows(client, "cod=MX") if r["slug"] == "formula-title")
    assert record["title"].startswith(start)


def test_drafts_are_never_exported(client):
    make_practice("draft-export", publication_state="draft")
    assert "draft-export" not in {row["slug"] for row in csv_rows(client)}
    assert "draft-export" not in {row["slug"] for row in json_rows(client)}


def test_every_matching_row_is_exported_never_a_page(client):
    for i in range(120):
        make_practice(f"many-{i:03}", countries=[("BR", "COD")])
    assert len(csv_rows(client, "cod=BR")) == 120
    assert len(json_rows(client, "cod=BR&page_size=10&page=2")) == 120
    assert len(csv_rows(client)) == Practice.objects.published().count()


def test_the_list_page_links_to_both_exports_with_its_filter(client):
    html = client.get("/practices/?theme=children&cod=us&page=2").content.decode()
    assert 'href="/practices/export.csv?theme=children&amp;cod=US"' in html
    assert 'href="/practices/export.json?theme=children&amp;cod=US"' in html


@pytest.mark.parametrize("extra", [10, 200])
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_queries_are_fixed(client, django_assert_num_queries, without_history, extra, fmt):
    for i in range(extra):
        practice = make_practice(f"bulk-{i:03}", countries=[("MX", "COD"), ("GT", "COO")])
        OutcomeMetric.objects.create(
            practice=practice, label="People", value=i, unit="people", year=2010
        )
    # Their ready rows are built by the first export (the on_commit rebuild never runs in a
    # test's transaction).
    body(client.get(f"/practices/export.{fmt}?theme=children"))
    # One lookup of the theme slug, one asking whether any row must be built (none), then one
    # query for every row and every column, in a savepoint of its own (where PostgreSQL is
    # told how long the download may wait for its client).
    with django_assert_num_queries(6 if connection.vendor == "postgresql" else 5):
        body(client.get(f"/practices/export.{fmt}?theme=children"))


def filename(response) -> str:
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    return disposition.removeprefix('attachment; filename="').removesuffix('"')


@pytest.mark.parametrize(
    ("query", "stem"),
    [
        ("", "gfmd-practices"),
        ("theme=children&country=MX", "gfmd-practices-children-mx"),
        # The filters' order, not the URL's; several values sorted; the sort left out.
        ("cod=us&coo=PH&coo=MX&sort=newest", "gfmd-practices-mx-ph-us"),
        (
            "q=Domestic+Workers&year_from=2005&year_to=2009",
            "gfmd-practices-domestic-workers-from-2005-to-2009",
        ),
        # An ignored value is not in the name: the file does not hold what it asked for.
        ("theme=bogus&cod=PT", "gfmd-practices-pt"),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_file_name_says_what_was_filtered_and_the_day(client, query, stem, fmt):
    response = client.get(f"/practices/export.{fmt}?{query}")
    body(response)
    assert filename(response) == f"{stem}-{timezone.localdate():%Y-%m-%d}.{fmt}"


def test_the_file_name_is_slug_safe_and_bounded():
    params = [("q", 'Côte d\'Ivoire "families" / ; ' + "long " * 40), ("cod", "FR")]
    name = export_filename(params, date(2026, 11, 30), "csv")
    assert name.startswith("gfmd-practices-cote-divoire-families-long-long-")
    assert name.endswith("-2026-11-30.csv")
    assert re.fullmatch(r"[a-z0-9-]+\.csv", name)
    filters = name.removeprefix("gfmd-practices-").removesuffix("-2026-11-30.csv")
    assert len(filters) <= MAX_FILENAME_FILTERS
    assert filters.endswith("long"), "cut between words, never inside one"
    # A search in a script slugify cannot write leaves no empty part behind.
    assert export_filename([("q", "家族")], date(2026, 11, 30), "json") == (
        "gfmd-practices-2026-11-30.json"
    )


def test_the_file_name_has_today_in_the_sites_time_zone(client, settings, monkeypatch):
    settings.TIME_ZONE = "Pacific/Auckland"  # UTC+13 in November
    late_evening_utc = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: late_evening_utc)
    response = client.get("/practices/export.csv?theme=children")
    body(response)
    assert filename(response) == "gfmd-practices-children-2026-12-01.csv"
