"""The import's preview in the admin writes nothing: it keeps the file for the confirmation,
tells new, changed and unchanged rows apart, and warns of a practice the base may hold already.

Driven through the real admin pages (upload, the job's preview, then its confirmation) as a
curator, with the background worker run in-process.
"""

import csv
import io

import pytest

from practices.curation.imports.spreadsheet import COLUMN_NAMES
from practices.curation.models import ImportJob
from practices.models import Practice
from tests.conftest import make_practice
from tests.curation.imports_helpers import (
    confirm,
    csv_bytes,
    export,
    fingerprint,
    job_of,
    kept_files,
    page_text,
    preview,
    row,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


# -- the preview, before the confirmation -----------------------------------------------------


def test_the_preview_writes_nothing_and_keeps_the_file_for_the_confirmation(curator_client, media):
    before = fingerprint()
    response = preview(curator_client, csv_bytes([row()]))

    assert response.status_code == 200
    assert job_of(response).state == ImportJob.State.PREVIEWED
    assert "New practices" in page_text(response)
    assert fingerprint() == before
    folder = str(job_of(response).pk)
    kept = ["plan.json", "progress.json", "upload"]
    assert kept_files(media) == [f"{folder}/{name}" for name in kept]
    confirm(curator_client, response)
    assert Practice.objects.filter(slug="new-help-desk").exists()
    assert kept_files(media) == [], "the confirmation removes the files it read"


def test_the_preview_tells_new_changed_and_unchanged_rows_apart(client, curator, reviewer):
    client.force_login(reviewer)
    exported = {
        r["slug"]: r for r in csv.DictReader(io.StringIO(export(client).decode("utf-8-sig")))
    }
    unchanged = exported["mx-child-protection-officers-opi"]
    changed = {**exported["ph-tulay-project"], "summary": "A new summary."}
    client.force_login(curator)
    response = preview(client, csv_bytes([unchanged, changed, row()], COLUMN_NAMES))

    job = job_of(response)
    assert (job.new_count, job.changed_count, job.unchanged_count) == (1, 1, 1)
    text = page_text(response)
    assert "1 unchanged" in text and "1 changed practice" in text and "1 new practice" in text
    confirm(client, response)
    opi = Practice.objects.get(slug="mx-child-protection-officers-opi")
    tulay = Practice.objects.get(slug="ph-tulay-project")
    # Unchanged: not saved. Changed: still published as it was, the change waiting as its
    # revision for a reviewer (tests/curation/test_import_revisions.py).
    assert opi.publication_state == Practice.PublicationState.PUBLISHED
    assert not opi.history.exists() and not opi.revisions.exists()
    assert tulay.publication_state == Practice.PublicationState.PUBLISHED
    assert tulay.summary != "A new summary."
    assert tulay.revisions.get().content["fields"]["summary_en"] == "A new summary."


def test_the_preview_warns_of_a_practice_the_base_may_hold_already(curator_client):
    make_practice("existing-desk", countries=(("IT", "COD"),), title="Help desk for families")
    content = csv_bytes([row(title="Help Desk for Families"), row("other", title="Another")])

    response = preview(curator_client, content)

    (flagged,) = job_of(response).rows.exclude(warnings=[])
    assert flagged.warnings == [
        "Row 2: “Help Desk for Families” may be the practice “Help desk for families” "
        "(existing-desk): the same title, and a country implements both. Import it only if it "
        "is a different practice."
    ]
    assert "may be the practice" in page_text(response)
    # A warning, not an error: the curator may still confirm.
    assert job_of(response).state == ImportJob.State.PREVIEWED
