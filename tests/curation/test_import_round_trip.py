"""Exporting every practice and importing the file gives them back, field by field, as
drafts; importing an export again changes nothing.
"""

from decimal import Decimal

import pytest

from practices.models import OutcomeMetric, Practice, PracticeCountry, Source
from tests.conftest import make_practice
from tests.curation.imports_helpers import (
    CSV_FORMAT,
    XLSX_FORMAT,
    confirm,
    everything,
    export,
    fingerprint,
    import_file,
    job_of,
    preview,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


# -- the round trip ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [CSV_FORMAT, XLSX_FORMAT], ids=["csv", "xlsx"])
def test_exporting_every_practice_and_importing_the_file_gives_them_back(
    client, reviewer, curator, fmt
):
    # Beside the paper's practices, one with what a spreadsheet could spoil: text that reads
    # as a formula, a line break, decimals, a figure's source, a country in two roles.
    tricky = make_practice(
        "tricky-practice",
        countries=(("MX", "COO"), ("MX", "COT"), ("US", "COD")),
        title="=Not a formula; “quoted”, accented: Curaçao",
        description="-5 degrees\nSecond line, with a tab\there.",
        start_year=2001,
        end_year=2005,
        evaluation_source=Source.objects.get(key="fn-22"),
    )
    tricky.metrics.create(
        label="Share: of women", value=Decimal("12.25"), unit="percent", year=2004, position=1
    )
    tricky.metrics.create(
        label="Offices",
        value=Decimal("1234567"),
        qualifier="target",
        unit="offices (planned)",
        year=2005,
        comparison_note="Compared with 2004 — up",
        source=Source.objects.get(key="fn-27"),
        position=2,
    )
    link = tricky.country_links.get(role="COT")
    link.involvement, link.note = "context", "Transit; north-bound"
    link.save()
    expected = everything()

    client.force_login(reviewer)
    content = export(client, fmt)
    if fmt == CSV_FORMAT:
        assert content.startswith("\ufeff".encode()), "Excel reads it as UTF-8"
    # Empty the practice tables: practices and everything hanging off them; the reference
    # tables (countries, themes, organisations, sources ...) stay.
    Practice.objects.all().delete()
    assert not PracticeCountry.objects.exists() and not OutcomeMetric.objects.exists()

    client.force_login(curator)
    import_file(client, content, f"everything.{'xlsx' if fmt == XLSX_FORMAT else 'csv'}")

    assert everything() == expected
    assert set(Practice.objects.values_list("publication_state", flat=True)) == {"draft"}


def test_importing_an_export_again_changes_nothing(client, reviewer, curator):
    client.force_login(reviewer)
    content = export(client)
    client.force_login(curator)
    before = fingerprint()

    response = preview(client, content)
    job = job_of(response)
    assert (job.new_count, job.changed_count) == (0, 0)
    assert job.unchanged_count == Practice.objects.count()
    confirm(client, response)

    changed = {t for t, v in fingerprint().items() if before[t] != v}
    # Only the admin's log and nothing else: no practice was saved.
    assert changed <= {"django_admin_log"}
