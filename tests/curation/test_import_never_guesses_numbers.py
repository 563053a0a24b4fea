"""The import reads a figure's value, and a year, only when the cell says which number it is:
a decimal comma, a point that may separate thousands, digits grouped with spaces are errors
that name the row, the column and the line, say what to write, and change nothing.
"""

from decimal import Decimal

import pytest

from practices.models import Practice
from tests.curation.imports_helpers import (
    csv_bytes,
    fingerprint,
    messages,
    preview,
    row,
    run,
    shown_messages,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def figures(*lines: str) -> dict:
    return row(metrics="\n".join(lines))


def stored_values() -> list[Decimal]:
    practice = Practice.objects.get(slug="new-help-desk")
    return [metric.value for metric in practice.metrics.order_by("position")]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # Was stored as 125 %.
        (
            "Share of women: 12,5 % (2010)",
            "Row 2, column metrics: line 1: “12,5” has a decimal comma: write the decimals "
            "after a point, 12.5 (a comma separates thousands only, before groups of three "
            "digits: 1,200)",
        ),
        # Was stored as 5.
        ("Spending: 0,5 % of GDP (2010)", "line 1: “0,5” has a decimal comma: write the "),
        (
            "Growth: 1,20 percent (2010)",
            "line 1: “1,20” has a decimal comma: write the decimals after a point, 1.20",
        ),
        (
            "Families assisted: 1.200 families (2010)",
            "Row 2, column metrics: line 1: “1.200” may be 1200 or 1.2: write 1200 or 1,200 for "
            "the first, 1.2 for the second",
        ),
        # Was stored as 17 "000 families".
        (
            "Families assisted: about 17 000 families (2010)",
            "line 1: “17 000” has spaces between its digits, which are not read as a "
            "thousands separator: write 17000 or 17,000",
        ),
        ("Budget: 1.200,50 euros (2010)", "line 1: “1.200,50” is not a number written as"),
        ("Budget: 1.200.000 euros (2010)", "line 1: “1.200.000” is not a number written as"),
    ],
)
def test_a_value_that_could_be_misread_is_an_error_and_nothing_is_imported(line, expected):
    before = fingerprint()
    found = messages(run([figures(line)]))
    assert len(found) == 1, found
    assert expected in found[0]
    assert fingerprint() == before


@pytest.mark.parametrize(
    "line",
    [
        # Each was read as 1200 families in 2010.
        "Families assisted: ١٢٠٠ families (2010)",
        "Families assisted: 1200 families (٢٠١٠)",
        "Families assisted: １２００ families (2010)",
    ],
)
def test_a_figure_written_with_other_digits_than_0_to_9_is_an_error(line):
    before = fingerprint()
    (found,) = messages(run([figures(line)]))
    assert "line 1: “Families assisted: " in found and "is not a figure written as" in found
    assert fingerprint() == before


def test_the_error_names_the_line_of_the_cell():
    found = messages(
        run([figures("Offices: 12 offices (2009)", "Share of women: 61,5 percent (2010)")])
    )
    assert found == [
        "Row 2, column metrics: line 2: “61,5” has a decimal comma: write the decimals after a "
        "point, 61.5 (a comma separates thousands only, before groups of three digits: 1,200)"
    ]


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("1,200", Decimal("1200")),
        ("17,000", Decimal("17000")),
        ("1,200,000", Decimal("1200000")),
        ("1,200.5", Decimal("1200.5")),
        ("2.5", Decimal("2.5")),
        ("0.75", Decimal("0.75")),
        # A point before three digits after a zero is a decimal point: nobody writes 0,500
        # for five hundred. Its last zero is not a third decimal place.
        ("0.750", Decimal("0.75")),
        ("1.20", Decimal("1.2")),
        ("12.50", Decimal("12.5")),
        ("1200", Decimal("1200")),
    ],
)
def test_thousands_commas_and_decimal_points_read_as_written(value, stored):
    result = run([figures(f"Families assisted: {value} families (2010)")])
    assert not messages(result)
    assert stored_values() == [stored]


def test_the_preview_page_shows_the_error_and_offers_no_confirmation(curator_client):
    response = preview(curator_client, csv_bytes([figures("Share of women: 12,5 % (2010)")]))
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    assert any("“12,5” has a decimal comma" in m for m in shown_messages(response))


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2,010", "Row 2, column start_year: “2,010” is not a year: write its four digits"),
        ("2.010", "Row 2, column start_year: “2.010” is not a year"),
        # Decimal("2.01e3") is 2010: it used to be read as that year.
        ("2.01e3", "Row 2, column start_year: “2.01e3” is not a year"),
        ("2009.5", "Row 2, column start_year: “2009.5” is not a year"),
        # int() reads Arabic-Indic and fullwidth digits: these were read as 2010.
        ("٢٠١٠", "Row 2, column start_year: “٢٠١٠” is not a year: write its four digits"),
        ("２０１０", "Row 2, column start_year: “２０１０” is not a year: write its four digits"),
    ],
)
def test_a_year_is_read_only_from_its_digits(cell, expected):
    found = messages(run([row(start_year=cell)]))
    assert any(expected in message for message in found), found
    assert not Practice.objects.filter(slug="new-help-desk").exists()


def test_a_year_a_spreadsheet_wrote_as_a_decimal_reads_as_that_year():
    result = run([row(start_year="2008.0", end_year="2010")])
    assert not messages(result)
    practice = Practice.objects.get(slug="new-help-desk")
    assert (practice.start_year, practice.end_year) == (2008, 2010)
