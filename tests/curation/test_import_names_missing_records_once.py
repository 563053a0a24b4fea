"""An import never creates an organisation or a source: the template says so, and a row that
names one the base does not have is told where in the admin to add it, once per row however
many of its cells name it.
"""

import pytest

from practices.curation.imports.spreadsheet import COLUMNS
from practices.models import Organisation, Practice, Source
from tests.curation.imports_helpers import (
    IMPORT_URL,
    csv_bytes,
    messages,
    preview,
    row,
    run,
    shown_messages,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

SOURCE_ADVICE = (
    "An import never creates sources: add it in the admin first (Good practices › Sources › "
    "Add source), then import the file again"
)
ORGANISATION_ADVICE = (
    "An import never creates organisations: add it in the admin first (Good practices › "
    "Organisations › Add organisation), then import the file again"
)


def test_a_missing_source_named_in_three_places_is_reported_once():
    """It used to be three messages: each column (and each figure) looked the key up on its
    own and reported it."""
    result = run(
        [
            row(
                sources="fn-22; fn-999",
                evaluation_source="fn-999",
                metrics="Offices: 12 offices (2009) [source: fn-999]\n"
                "Families: 30 families (2010) [source: FN-999]",
            )
        ]
    )
    assert messages(result) == [
        "Row 2, column evaluation_source: there is no source “fn-999” (use the source's key, "
        "e.g. fn-22 for the paper's footnote 22); the row also names it in column sources, "
        "column metrics (lines 1, 2). " + SOURCE_ADVICE
    ]
    assert not Practice.objects.filter(slug="new-help-desk").exists()
    assert not Source.objects.filter(key="fn-999").exists()


def test_a_missing_source_is_reported_once_per_row_on_each_row():
    result = run(
        [
            row("first-row", sources="fn-999", evaluation_source="fn-999"),
            row("second-row", sources="fn-999", evaluation_source="fn-999"),
        ]
    )
    found = messages(result)
    assert len(found) == 2
    assert found[0].startswith("Row 2, column evaluation_source: there is no source “fn-999”")
    assert found[1].startswith("Row 3, column evaluation_source: there is no source “fn-999”")


def test_a_missing_organisation_says_it_must_first_be_added_in_the_admin():
    before = Organisation.objects.count()
    result = run([row(lead_organisation="new-ngo", partners="IOM; New-NGO; other-ngo")])
    assert messages(result) == [
        "Row 2, column lead_organisation: there is no organisation “new-ngo” (use the slug or "
        "the acronym shown in the admin's list of organisations); the row also names it in "
        "column partners. " + ORGANISATION_ADVICE,
        "Row 2, column partners: there is no organisation “other-ngo” (use the slug or the "
        "acronym shown in the admin's list of organisations). " + ORGANISATION_ADVICE,
    ]
    assert Organisation.objects.count() == before


def test_a_missing_country_is_reported_once_too():
    found = messages(run([row(coo="XX; PH", country_details="XX COO: partner")]))
    assert found == [
        "Row 2, column coo: there is no country “XX” (use the two-letter ISO 3166 code, e.g. "
        "MX for Mexico); the row also names it in column country_details (line 1)"
    ]


def test_the_column_help_on_the_import_page_says_an_import_creates_neither(curator_client):
    hints = {name: str(text) for name, text in COLUMNS}
    for column in ("lead_organisation", "partners"):
        assert "an import never creates organisations" in hints[column].lower()
        assert "Good practices › Organisations" in hints[column]
    for column in ("evaluation_source", "sources", "metrics"):
        assert "an import never creates sources" in hints[column].lower()
        assert "Good practices › Sources" in hints[column]

    page = curator_client.get(IMPORT_URL).content.decode()
    assert "An import never creates organisations" in page
    assert "An import never creates sources" in page


def test_the_preview_shows_the_missing_source_once(curator_client):
    content = csv_bytes([row(sources="fn-999", evaluation_source="fn-999")])
    response = preview(curator_client, content)
    shown = shown_messages(response)
    assert len(shown) == 1, shown
    assert SOURCE_ADVICE in shown[0]
    assert response.content.decode().count("there is no source") == 1
