"""Spreadsheet import in the admin: a CSV file or a workbook in, drafts out, with every
relation and figure, and a history entry naming the curator and the file; the template's
example imports as it is.

Driven through the real admin pages (upload, the job's preview, then its confirmation) as a
curator, with the background worker run in-process.
"""

import csv
import io
from decimal import Decimal

import pytest

from practices.curation.imports.spreadsheet import COLUMN_NAMES, EXAMPLE_ROW
from practices.models import OutcomeMetric, Practice, PracticeCountry, Source
from tests.curation.imports_helpers import (
    IMPORT_URL,
    TEMPLATE_URL,
    csv_bytes,
    import_file,
    page_text,
    row,
    snapshot,
    xlsx_bytes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


# -- importing through the admin --------------------------------------------------------------


def test_it_imports_a_csv_file_as_drafts_with_every_relation_and_figure(curator_client, curator):
    content = csv_bytes([row(), row("second-desk", cod="", country_details="", metrics="")])
    response = import_file(curator_client, content, "desks.csv")

    assert "2 new practices imported, as drafts" in page_text(response)
    practice = Practice.objects.get(slug="new-help-desk")
    assert practice.publication_state == Practice.PublicationState.DRAFT
    assert practice.state_changed_by == curator
    assert snapshot(practice) | {"metrics": None} == {
        "title": "Help desk for families of migrants",
        "slug": "new-help-desk",
        "summary": "A help desk for the families migrants leave behind.",
        "description": "Social workers advise the families of migrant workers.",
        "coverage": "",
        "scope": "bilateral",
        "kind": "service",
        "start_year": 2008,
        "end_year": None,
        "period_note": "Since 2008.",
        "status": "ongoing",
        "status_as_of": None,
        "verified_on": None,
        "verified_against": "",
        "evidence_level": "outputs",
        "evaluation_summary": "Outputs are reported; there is no evaluation.",
        "paper_section": "",
        "paper_reference": "",
        "forum_discussion": "",
        "lead_organisation": "ph-owwa",
        "evaluation_source": "fn-27",
        "themes": ["children", "transnational-families"],
        "partners": ["iom", "unicef"],
        "target_groups": ["children-left-behind"],
        "stages": ["pre-departure", "return"],
        "gcm_objectives": [3, 16],
        "sources": ["fn-22", "fn-27"],
        "countries": [
            ("IT", "COD", "implementing", ""),
            ("JP", "COD", "partner", "Hosts the social workers"),
            ("PH", "COO", "implementing", ""),
        ],
        "metrics": None,
    }
    fn27 = Source.objects.get(key="fn-27").pk
    assert snapshot(practice)["metrics"] == [
        (
            "Families assisted",
            Decimal("17000"),
            "about",
            "families",
            2010,
            "Average per year",
            None,
            1,
        ),
        ("Offices", Decimal("12"), "more_than", "offices", 2009, "", fn27, 2),
        ("Share of women", Decimal("61.5"), "exact", "percent", 2010, "", None, 3),
    ]
    second = Practice.objects.get(slug="second-desk")
    assert second.publication_state == Practice.PublicationState.DRAFT
    assert not second.metrics.exists()
    assert list(second.country_links.values_list("country__iso2", "role")) == [("PH", "COO")]


def test_it_imports_an_xlsx_workbook_the_same_way(curator_client):
    rows = [row(start_year=2008), row("second-desk", gcm_objectives=7, cod="", country_details="")]
    import_file(curator_client, xlsx_bytes(rows), "desks.xlsx")

    practice = Practice.objects.get(slug="new-help-desk")
    assert practice.publication_state == Practice.PublicationState.DRAFT
    assert practice.start_year == 2008
    assert practice.metrics.count() == 3
    assert practice.country_links.count() == 3
    second = Practice.objects.get(slug="second-desk")
    assert list(second.gcm_objectives.values_list("number", flat=True)) == [7]


def test_a_csv_file_without_byte_order_mark_imports_too(curator_client):
    import_file(curator_client, csv_bytes([row(title="Côte d’Ivoire desk")], bom=False))
    assert Practice.objects.get(slug="new-help-desk").title == "Côte d’Ivoire desk"


def test_a_csv_file_separated_by_semicolons_imports_too(curator_client):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(row()), delimiter=";")
    writer.writeheader()
    writer.writerow(row(start_year="2008"))
    import_file(curator_client, out.getvalue().encode())
    practice = Practice.objects.get(slug="new-help-desk")
    assert sorted(practice.themes.values_list("slug", flat=True)) == [
        "children",
        "transnational-families",
    ]


def test_history_records_each_imported_practice_with_its_user_and_file(curator_client, curator):
    import_file(curator_client, csv_bytes([row()]), "desks.csv")

    practice = Practice.objects.get(slug="new-help-desk")
    (entry,) = practice.history.all()
    assert (entry.history_type, entry.history_user, entry.history_change_reason) == (
        "+",
        curator,
        "Imported from desks.csv",
    )
    # The entry holds the final links, so the practice can be restored from it.
    assert sorted(link.theme.slug for link in entry.themes.all()) == [
        "children",
        "transnational-families",
    ]
    link_entries = PracticeCountry.history.filter(practice_id=practice.pk)
    assert {e.history_user for e in link_entries} == {curator}
    assert OutcomeMetric.history.filter(practice_id=practice.pk).count() == 3


# -- the template -------------------------------------------------------------------------------


def test_the_template_has_every_column_and_an_example_that_imports(curator_client):
    response = curator_client.get(TEMPLATE_URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == COLUMN_NAMES
    assert rows == [EXAMPLE_ROW]
    assert TEMPLATE_URL in page_text(curator_client.get(IMPORT_URL))

    import_file(curator_client, response.content)
    practice = Practice.objects.get(slug=EXAMPLE_ROW["slug"])
    assert practice.publication_state == Practice.PublicationState.DRAFT
    assert practice.metrics.count() == 2
