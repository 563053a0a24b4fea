"""An import row that changes a published practice is saved as its revision: the public sees
nothing of it until a reviewer publishes it, and then sees all of it."""

import csv
import io

import pytest

from practices.curation import revisions
from practices.models import Practice, PracticeRevision
from tests.curation.imports_helpers import export, run
from tests.public_urls import fetch, public_pages

pytestmark = pytest.mark.django_db

GARF = "pt-family-reunification-support-offices"


def exported_row(client, reviewer, slug: str) -> dict:
    client.force_login(reviewer)
    rows = csv.DictReader(io.StringIO(export(client).decode("utf-8-sig")))
    client.logout()
    return next(r for r in rows if r["slug"] == slug)


def test_a_row_changing_a_published_practice_waits_as_its_revision(client, curator, reviewer):
    row = exported_row(client, reviewer, GARF)
    row.update(
        summary="Revised from the ministry's 2025 report.",
        cod="PT; ES",
        metrics=row["metrics"] + "\nOffices open: 4 offices (2025)",
        themes=row["themes"] + "; health",
    )
    before = public_pages(client)

    result = run([row], list(row), user=curator, file_name="garf-2025.csv")

    assert not result.has_errors() and not result.has_validation_errors()
    assert public_pages(client) == before, "nothing public changed"
    revision = PracticeRevision.objects.get(practice__slug=GARF)
    assert (revision.state, revision.created_by) == ("pending", curator)
    assert revision.origin == "Imported from garf-2025.csv"

    revisions.publish(revision, reviewer)
    practice = Practice.objects.get(slug=GARF)
    assert practice.summary == "Revised from the ministry's 2025 report."
    assert set(
        practice.country_links.filter(role="COD").values_list("country__iso2", flat=True)
    ) == {"PT", "ES"}
    assert practice.metrics.filter(label="Offices open", value=4).exists()
    assert practice.themes.filter(slug="health").exists()
    assert "Revised from the ministry" in fetch(client, practice.get_absolute_url())[1]


def test_a_second_row_adds_to_the_open_revision(client, curator, reviewer):
    row = exported_row(client, reviewer, GARF)
    run([{**row, "summary": "First file's summary."}], list(row), user=curator)
    run(
        [
            {
                "slug": GARF,
                "title": row["title"],
                "summary": "First file's summary.",
                "description": row["description"],
                "themes": row["themes"],
                "scope": row["scope"],
                "kind": row["kind"],
                "status": row["status"],
                "period_note": "Second file's note.",
            }
        ],
        user=curator,
    )

    revision = PracticeRevision.objects.get(practice__slug=GARF)
    assert revision.content["fields"]["summary_en"] == "First file's summary."
    assert revision.content["fields"]["period_note"] == "Second file's note."
    assert revision.version == 2
