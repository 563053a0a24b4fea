"""The import resource on its own: how it reads what a person types in a spreadsheet
(headers, country codes, figures), leaves alone what a file lacks, and rolls a dry run back.
"""

from decimal import Decimal

import pytest

from countries.models import Country
from practices.curation.imports.spreadsheet import REQUIRED_COLUMNS
from practices.curation.imports.widgets import format_metric, parse_metric
from practices.models import OutcomeMetric, Practice, Source
from tests.conftest import make_practice
from tests.curation.imports_helpers import fingerprint, messages, row, run, snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


# -- the resource on its own: reading cells ----------------------------------------------------


def test_headers_are_read_as_a_person_types_them():
    rows = [{name.replace("_", " ").title(): value for name, value in row().items()}]
    result = run(rows)
    assert not messages(result)
    assert Practice.objects.get(slug="new-help-desk").start_year == 2008


def test_a_dry_run_rolls_everything_back():
    before = fingerprint()
    result = run([row()], dry_run=True)
    assert result.totals["new"] == 1
    assert fingerprint() == before


def test_an_import_leaves_optional_columns_it_lacks_as_they_are():
    # In review: saved at once (a published practice's row becomes its revision).
    Practice.objects.filter(slug="mx-child-protection-officers-opi").update(
        publication_state="in_review"
    )
    practice = Practice.objects.get(slug="mx-child-protection-officers-opi")
    before = snapshot(practice)
    values = {
        "slug": practice.slug,
        "title": practice.title,
        "summary": "Shorter.",
        "description": practice.description,
        "themes": "; ".join(practice.themes.values_list("slug", flat=True)),
        "scope": practice.scope,
        "kind": practice.kind,
        "status": practice.status,
    }
    result = run([values], REQUIRED_COLUMNS)
    assert result.totals["update"] == 1, messages(result)
    after = snapshot(Practice.objects.get(pk=practice.pk))
    assert after == {**before, "summary": "Shorter."}


def test_archived_practices_stay_archived_when_an_import_changes_them():
    practice = make_practice("archived-one", publication_state="archived")
    values = {**row("archived-one"), "title": "Changed title"}
    run([values])
    assert Practice.objects.get(pk=practice.pk).publication_state == "archived"


def test_a_figure_reads_back_exactly_as_it_is_written():
    source = Source.objects.get(key="fn-27")
    metric = OutcomeMetric(
        label="Children: assisted",
        value=Decimal("17000.50"),
        qualifier="more_than",
        unit="children per year",
        year=2010,
        comparison_note="Compared with 2009 (up) — a record",
        source=source,
    )
    text = format_metric(metric)
    assert text == (
        "Children: assisted: more than 17,000.5 children per year (2010) — "
        "Compared with 2009 (up) — a record [source: fn-27]"
    )
    assert parse_metric(text) == {
        "label_en": "Children: assisted",
        "qualifier": "more_than",
        "value": Decimal("17000.5"),
        "unit_en": "children per year",
        "year": 2010,
        "comparison_note": "Compared with 2009 (up) — a record",
        "source_key": "fn-27",
    }
    # The public export's figures ("label: value unit (year)") read too.
    assert parse_metric("Recipients covered: about 81,695 people (2009)")["value"] == 81695


def test_country_codes_read_in_any_case_and_as_alpha_3():
    run([row(coo="ph; MEX", cod="ita", country_details="")])
    practice = Practice.objects.get(slug="new-help-desk")
    assert sorted(practice.country_links.values_list("country__iso2", "role")) == [
        ("IT", "COD"),
        ("MX", "COO"),
        ("PH", "COO"),
    ]
    assert Country.objects.get(iso2="MX").iso3 == "MEX"
