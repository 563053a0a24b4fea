"""A bad spreadsheet gets a clear message and imports nothing, not even its good rows.

Driven through the real admin pages (upload, the job's preview, then its confirmation) as a
curator, with the background worker run in-process. Every bad file must leave the database
byte-for-byte as it was: each such test checksums every table before and after (but the
import's own records of what happened).
"""

import io
import os
import zipfile

import pytest
from django.utils.html import escape

from practices.curation.models import ImportJob
from practices.models import Theme
from tests.curation.imports_helpers import (
    confirm,
    csv_bytes,
    fingerprint,
    job_of,
    kept_files,
    page_text,
    preview,
    row,
    shown_messages,
    xlsx_bytes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


# -- bad files: a clear message, and nothing changed --------------------------------------------


def latin1_file():
    latin = row(title="Côte d'Ivoire", country_details="", metrics="Offices: 3 offices (2010)")
    return csv_bytes([latin], bom=False, encoding="latin-1")


def formula_xlsx():
    return xlsx_bytes([row()], formulas={(0, "title"): '=HYPERLINK("http://x.example","click")'})


def zip_of_text() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "not a spreadsheet")
    return out.getvalue()


BAD_FILES = {
    "wrong encoding": (latin1_file, "bad.csv", "not UTF-8"),
    "missing column": (
        lambda: csv_bytes([row()], [c for c in row() if c != "themes"]),
        "bad.csv",
        "Required column(s) missing: themes",
    ),
    "unknown country code": (
        lambda: csv_bytes([row(coo="PH; XX")]),
        "bad.csv",
        "Row 2, column coo: there is no country “XX”",
    ),
    "unknown theme": (
        lambda: csv_bytes([row(themes="children; healht")]),
        "bad.csv",
        "Row 2, column themes: there is no theme “healht”",
    ),
    "year out of range": (
        lambda: csv_bytes([row(start_year="1700")]),
        "bad.csv",
        "Row 2, column start_year: 1700 is not a year from 1900 to 2100",
    ),
    "duplicate slug": (
        lambda: csv_bytes([row("desk"), row("other"), row("desk")]),
        "bad.csv",
        "Row 4, column slug: “desk” is also on row 2",
    ),
    "formula in a CSV cell": (
        lambda: csv_bytes([row(summary='=HYPERLINK("http://x.example")')]),
        "bad.csv",
        "Row 2, column summary: the cell starts with “=”, so a spreadsheet would run it",
    ),
    "formula in a workbook": (
        formula_xlsx,
        "bad.xlsx",
        "Row 2, column title: the cell starts with “=”",
    ),
    "empty file": (lambda: b"", "bad.csv", "The submitted file is empty."),
    "header only": (
        lambda: csv_bytes([row()])[: csv_bytes([row()]).index(b"\r\n") + 2],
        "bad.csv",
        "The file has a header row but no practices under it.",
    ),
    "10 MB of random bytes": (
        lambda: os.urandom(10 * 1024 * 1024),
        "bad.csv",
        "neither an Excel workbook (.xlsx) nor a CSV text file",
    ),
    "10 MB of random bytes named as a workbook": (
        lambda: os.urandom(10 * 1024 * 1024),
        "bad.xlsx",
        "neither an Excel workbook (.xlsx) nor a CSV text file",
    ),
    "a ZIP archive that is no workbook": (
        zip_of_text,
        "bad.xlsx",
        "a ZIP archive but not an Excel workbook",
    ),
    "a broken workbook": (
        lambda: formula_xlsx()[:3000],
        "bad.xlsx",
        "",  # the ZIP's list of members is at its end: cut, it is no ZIP a reader can open
    ),
    "an old .xls workbook": (
        lambda: bytes.fromhex("d0cf11e0a1b11ae1") + bytes(500),
        "old.xls",
        "old Excel workbook (.xls)",
    ),
    "a workbook named .csv": (lambda: xlsx_bytes([row()]), "desks.csv", None),
    "10 MB of random text": (
        lambda: random_text(10 * 1024 * 1024),
        "bad.csv",
        "",  # any clear message; which one depends on where the junk puts commas
    ),
}


def random_text(size: int) -> bytes:
    alphabet = b"abcdefghij ,;\"'\n=+-0123456789"
    return bytes(alphabet[b % len(alphabet)] for b in os.urandom(size))


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_gets_a_clear_message_and_changes_nothing(curator_client, media, case):
    make_file, name, message = BAD_FILES[case]
    content = make_file()
    before = fingerprint()

    response = preview(curator_client, content, name)

    assert response.status_code == 200
    if message is None:
        # Not bad at all: the format is told from the content, whatever the file's name.
        assert job_of(response).state == ImportJob.State.PREVIEWED
        return
    assert "job" not in response.context or job_of(response).state == ImportJob.State.REFUSED
    shown = " ".join(shown_messages(response))
    assert shown, "a message says what is wrong"
    assert message in shown
    assert all(m in page_text(response) for m in map(escape, shown_messages(response)))
    assert "Traceback" not in page_text(response)
    assert fingerprint() == before
    assert kept_files(media) == [], "a failed preview leaves no file behind"


def test_a_file_with_one_bad_row_imports_none_of_its_rows(curator_client):
    before = fingerprint()
    response = preview(curator_client, csv_bytes([row("good"), row("bad", kind="poem")]))

    assert "Row 3, column kind: “poem” is not a valid kind" in page_text(response)
    assert fingerprint() == before


def test_a_file_that_went_bad_between_preview_and_confirmation_writes_nothing(curator_client):
    response = preview(curator_client, csv_bytes([row("good"), row("also-good")]))
    Theme.objects.filter(slug="transnational-families").delete()
    before = fingerprint()

    confirmed = confirm(curator_client, response)

    assert fingerprint() == before
    assert job_of(confirmed).state == ImportJob.State.FAILED
    assert (
        "Nothing was imported: the base changed since the preview (the theme "
        "“transnational-families” was deleted since the preview)" in page_text(confirmed)
    )
