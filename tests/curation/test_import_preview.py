"""The import's preview in the admin writes nothing: it keeps the file for the confirmation,
tells new, changed and unchanged rows apart, and warns of a practice the base may hold already.

Driven through the real admin pages (preview, then confirmation) as a curator.
"""

import csv
import io

import pytest

from practices.curation.imports.spreadsheet import COLUMN_NAMES
from practices.models import Practice
from tests.conftest import make_practice
from tests.curation.imports_helpers import (
    confirm,
    csv_bytes,
    export,
    fingerprint,
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
    assert response.context.get("confirm_form") is not None
    assert "New" in page_text(response)
    assert fingerprint() == before
    assert len(kept_files(media)) == 1
    confirm(curator_client, response)
    assert Practice.objects.filter(slug="new-help-desk").exists()
    assert kept_files(media) == [], "the confirmation removes the file it read"


def test_the_preview_tells_new_changed_and_unchanged_rows_apart(client, curator, reviewer):
    client.force_login(reviewer)
    exported = {
        r["slug"]: r for r in csv.DictReader(io.StringIO(export(client).decode("utf-8-sig")))
    }
    unchanged = exported["mx-child-protection-officers-opi"]
    changed = {**exported["ph-tulay-project"], "summary": "A new summary."}
    client.force_login(curator)
    response = preview(client, csv_bytes([unchanged, changed, row()], COLUMN_NAMES))

    totals = response.context["result"].totals
    assert (totals["new"], totals["update"], totals["skip"]) == (1, 1, 1)
    text = page_text(response)
    assert "Unchanged" in text and "Changed" in text and "New" in text
    confirm(client, response)
    opi = Practice.objects.get(slug="mx-child-protection-officers-opi")
    tulay = Practice.objects.get(slug="ph-tulay-project")
    # Unchanged: not saved. Changed: still published as it was, the change waiting as its
    # revision for a reviewer (tests/curation/test_import_revisions.py).
    assert opi.publication_state == Practice.PublicationState.PUBLISHED
    assert not opi.history.exists() and not opi.revisions.exists()
    assert tulay.publication_state == Practice.PublicationState.PUBLISHED
    assert tulay.summary != "A new summary."
    assert tulay.revisions.get().content["fields"]["summary"] == "A new summary."


def test_the_preview_warns_of_a_practice_the_base_may_hold_already(curator_client):
    make_practice("existing-desk", countries=(("IT", "COD"),), title="Help desk for families")
    content = csv_bytes([row(title="Help Desk for Families"), row("other", title="Another")])

    response = preview(curator_client, content)

    assert response.context["result"].warnings == [
        "Row 2: “Help Desk for Families” may be the practice “Help desk for families” "
        "(existing-desk): the same title, and a country implements both. Import it only if it "
        "is a different practice."
    ]
    assert "may be the practice" in page_text(response)
    # A warning, not an error: the curator may still confirm.
    assert response.context.get("confirm_form") is not None
