"""A spreadsheet past the import's limits is refused with a message a curator can act on, before
it is read whole: its bytes (IMPORT_MAX_FILE_MB) and a workbook's size unzipped
(IMPORT_MAX_UNZIPPED_MB) on the upload form, at once; its rows (IMPORT_MAX_ROWS) by the worker,
which stops at the first row past the limit, on the job's page.

An outside attack run sent a 50,000-row CSV (19 MB) and a 200,000-row workbook (7.5 MB, 303 MB
unzipped) and got no answer: nothing bounded an upload's rows or its unzipped size.
"""

import io
import time
import tracemalloc
import zipfile

import openpyxl
import pytest

from practices.curation.imports.upload import UnreadableFile, read_dataset
from practices.curation.models import ImportJob
from tests.curation.imports_helpers import (
    csv_bytes,
    fingerprint,
    job_of,
    kept_files,
    page_text,
    preview,
    row,
    run_worker,
    shown_messages,
    upload,
    xlsx_bytes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
State = ImportJob.State


def rows(count: int) -> list[dict]:
    return [row(f"desk-{n:05d}", title=f"Help desk {n}") for n in range(count)]


def with_padding(workbook: bytes, megabytes: float) -> bytes:
    """The workbook with one more member, of zeros: ``megabytes`` unzipped, a few KB zipped."""
    out = io.BytesIO(workbook)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", bytes(int(megabytes * 1024 * 1024)))
    return out.getvalue()


# -- rows: the worker refuses, on the job's page ----------------------------------------------


@pytest.mark.parametrize("make", [csv_bytes, xlsx_bytes], ids=["csv", "xlsx"])
def test_a_file_with_more_rows_than_the_limit_is_refused_and_changes_nothing(
    curator_client, media, settings, make
):
    settings.IMPORT_MAX_ROWS = 3
    before = fingerprint()

    response = preview(curator_client, make(rows(4)))

    job = job_of(response)
    assert job.state == State.REFUSED
    assert shown_messages(response) == [
        "The file has more than 3 rows of practices: an import reads 3 at the most. Split it "
        "into several files and import them one after the other."
    ]
    assert "more than 3 rows" in page_text(response)
    assert fingerprint() == before and kept_files(media) == []


@pytest.mark.parametrize("make", [csv_bytes, xlsx_bytes], ids=["csv", "xlsx"])
def test_a_file_at_the_limit_is_read_and_blank_rows_below_it_do_not_count(
    curator_client, settings, make
):
    settings.IMPORT_MAX_ROWS = 3
    # Blank rows after the last practice, as a sheet formatted far down has them.
    content = make([*rows(3), *[dict.fromkeys(row(), "")] * 50])

    job = job_of(preview(curator_client, content))

    assert job.state == State.PREVIEWED, job.message
    assert job.new_count == 3


@pytest.mark.parametrize(
    ("make", "file_format"), [(csv_bytes, "csv"), (xlsx_bytes, "xlsx")], ids=["csv", "xlsx"]
)
def test_a_blank_row_between_practices_counts(settings, make, file_format):
    settings.IMPORT_MAX_ROWS = 3
    first, second, third = rows(3)
    blank = dict.fromkeys(row(), "")
    with pytest.raises(UnreadableFile, match="more than 3 rows"):
        read_dataset(io.BytesIO(make([first, blank, second, third])), file_format)
    assert len(read_dataset(io.BytesIO(make([first, blank, second])), file_format)) == 3


def test_the_attack_runs_csv_of_50000_rows_is_refused_at_the_default_limit(curator_client):
    content = csv_bytes(rows(50_000))
    assert len(content) > 19 * 1024 * 1024

    started = time.monotonic()
    response = preview(curator_client, content)

    assert job_of(response).state == State.REFUSED
    assert "The file has more than 10,000 rows" in page_text(response)
    assert time.monotonic() - started < 30, "refused within seconds, the rest never read"


def test_the_rows_are_streamed_and_reading_stops_past_the_limit(settings):
    settings.IMPORT_MAX_ROWS = 3
    # Past the fourth row, bytes that are not UTF-8: reading stopped before them.
    content = csv_bytes(rows(4)) + b"\xff\xfe junk, never read\r\n" * 1000
    with pytest.raises(UnreadableFile, match="more than 3 rows"):
        read_dataset(io.BytesIO(content), "csv")


def test_a_workbook_with_a_cell_far_down_is_refused_in_little_memory(settings):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(row()))
    sheet.append(list(row().values()))
    sheet.cell(row=200_001, column=1).value = "a cell far down, the rows above it empty"
    out = io.BytesIO()
    book.save(out)
    assert len(out.getvalue()) < 20_000

    tracemalloc.start()
    try:
        with pytest.raises(UnreadableFile, match="more than 10,000 rows"):
            read_dataset(io.BytesIO(out.getvalue()), "xlsx")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 10,000 rows of 30 empty cells at the most, never the 200,000 the sheet declares.
    assert peak < 50 * 1024 * 1024, peak


# -- bytes and unzipped size: the upload form refuses, at once ----------------------------------


def test_a_workbook_too_large_unzipped_is_refused_on_upload(curator_client, media, settings):
    settings.IMPORT_MAX_UNZIPPED_MB = 2
    content = with_padding(xlsx_bytes([row()]), 2.9)
    assert len(content) < 100_000, "small on the wire, large unzipped: what the limit is for"

    response = upload(curator_client, content, "bomb.xlsx")

    assert response.status_code == 200, "the form again, with its message: no job"
    assert shown_messages(response) == [
        "The workbook would take 3 MB once unzipped, more than the 2 MB an import reads. Split "
        "it into several workbooks, or save it as CSV UTF-8."
    ]
    assert not ImportJob.objects.exists() and kept_files(media) == []


def test_a_workbook_within_the_unzipped_limit_is_read(curator_client, settings):
    settings.IMPORT_MAX_UNZIPPED_MB = 2
    job = job_of(preview(curator_client, with_padding(xlsx_bytes([row()]), 1)))
    assert job.state == State.PREVIEWED, job.message


def test_the_worker_checks_the_unzipped_size_again(curator_client, media, settings):
    response = upload(curator_client, with_padding(xlsx_bytes([row()]), 3), "bomb.xlsx")
    assert response.status_code == 302
    settings.IMPORT_MAX_UNZIPPED_MB = 2  # lowered while the job waited for its worker

    run_worker()

    job = job_of(curator_client.get(response["Location"]))
    assert job.state == State.REFUSED
    assert "once unzipped, more than the 2 MB an import reads" in job.message
    assert kept_files(media) == []


def test_an_archive_of_very_many_members_is_refused_before_its_directory_is_read(
    curator_client, media, monkeypatch
):
    """A crafted ZIP of 500,000 empty members (41 MB) cost the upload 3.5 s and 280 MB just to
    list them; its end record says how many there are, and no workbook has a thousand."""
    out = io.BytesIO(xlsx_bytes([row()]))
    with zipfile.ZipFile(out, "a") as archive:
        for number in range(1200):
            archive.writestr(f"xl/media/empty-{number}.bin", b"")
        members = len(archive.namelist())

    def listing(*args, **kwargs):
        raise AssertionError("the archive's directory was read")

    monkeypatch.setattr(zipfile.ZipFile, "infolist", listing)
    response = upload(curator_client, out.getvalue(), "many.xlsx")

    assert response.status_code == 200, "the form again, with its message: no job"
    assert shown_messages(response) == [
        f"The file is a ZIP archive of {members:,} files, not an Excel workbook (.xlsx). "
        "Upload the spreadsheet itself, as an .xlsx workbook or as a CSV file."
    ]
    assert not ImportJob.objects.exists() and kept_files(media) == []
