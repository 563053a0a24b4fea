"""The import resource on its own: every problem of a file or a row is reported, naming the
row, the column and the problem, and nothing is saved.
"""

import pytest

from practices.curation.imports.spreadsheet import COLUMN_NAMES
from practices.models import Practice
from tests.curation.imports_helpers import messages, row, run

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


# -- the resource on its own: errors -----------------------------------------------------------


def test_an_unknown_partner_is_an_error_not_silently_dropped():
    result = run([row(partners="IOM; nobody-at-all; UNICEF")])
    assert messages(result) == [
        "Row 2, column partners: there is no organisation “nobody-at-all” (use the slug or the "
        "acronym shown in the admin's list of organisations). An import never creates "
        "organisations: add it in the admin first (Good practices › Organisations › Add "
        "organisation), then import the file again"
    ]
    assert not Practice.objects.filter(slug="new-help-desk").exists()


def test_an_acronym_shared_by_two_organisations_must_be_given_as_a_slug():
    from practices.models import Organisation

    for slug in ("xyz-one", "xyz-two"):
        Organisation.objects.create(slug=slug, name=slug, acronym="XYZ", kind="ngo")
    (message,) = messages(run([row(partners="XYZ")]))
    assert "“XYZ” names several organisations (xyz-one, xyz-two): use one of these" in message
    assert not messages(run([row(partners="xyz-two")]))


def test_every_problem_of_a_row_is_reported_at_once():
    found = messages(
        run([row(scope="worldwide", start_year="2010", end_year="2001", stages="transit; moon")])
    )
    assert found == [
        "Row 2, column scope: “worldwide” is not a valid scope: use one of unilateral, "
        "bilateral, regional, multilateral",
        "Row 2, column stages: there is no stage “moon” (known: destination, pre-departure, "
        "return, transit)",
        "Row 2, column end_year: the end year 2001 is before the start year 2010",
    ]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"themes": ""}, "Row 2, column themes: every practice needs at least one theme"),
        ({"title": ""}, "Row 2, column title: This field cannot be blank."),
        ({"slug": "not a slug"}, "Row 2, column slug: Enter a valid “slug”"),
        ({"start_year": "about 2009"}, "Row 2, column start_year: “about 2009” is not a year"),
        ({"gcm_objectives": "24"}, "Row 2, column gcm_objectives: there is no GCM objective “24”"),
        ({"sources": "fn-9999"}, "Row 2, column sources: there is no source “fn-9999”"),
        ({"lead_organisation": "UNHCRR"}, "Row 2, column lead_organisation: there is no"),
        ({"country_details": "FR COD: partner"}, "line 1: FR is not among the countries in"),
        ({"country_details": "JP COD: sponsor"}, "line 1: “JP COD: sponsor” is not written as"),
        ({"metrics": "Offices: 12 (2009)"}, "line 1: “Offices: 12 (2009)” is not a figure"),
        ({"metrics": "Offices: 12 offices (1700)"}, "line 1: year: Ensure this value is greater"),
        ({"metrics": "Offices: 1.2345 offices (2009)"}, "line 1: value: Ensure that there are no"),
        (
            {"metrics": "A: 1 x (2009)\nA: 2 x (2009)"},
            "line 2: it has the label and year of line 1",
        ),
        ({"metrics": "A: 1 x (2009) [source: fn-0]"}, "line 1: there is no source “fn-0”"),
        ({"description": "@SUM(A1)"}, "column description: the cell starts with “@”"),
        ({"coverage": "\tleading tab"}, "column coverage: the cell starts with a tab"),
        ({"title": "nul\x00inside"}, "column title: the cell contains an invisible control"),
    ],
)
def test_row_errors_name_the_row_the_column_and_the_problem(cells, expected):
    before = Practice.objects.count()
    found = messages(run([row(**cells)]))
    assert any(expected in message for message in found), found
    assert Practice.objects.count() == before


def test_file_errors_name_the_columns():
    columns = [c for c in COLUMN_NAMES if c not in ("title", "kind")] + ["colour"]
    (message,) = messages(run([row(colour="red")], columns))
    assert "Unknown column(s): colour." in message
    assert "Required column(s) missing: title, kind." in message
