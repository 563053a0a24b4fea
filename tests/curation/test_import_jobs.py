"""An import is a background job with its own page: it survives the curator's browser session,
shows its progress without JavaScript, summarises the file (errors first, then only what
changes), fails without changing anything, and only its uploader, with the import permission,
sees it.

The worker is the one ``manage.py db_worker`` runs, in this process (``run_worker``);
test_import_worker_process.py runs a real one in a process of its own.
"""

import csv
import datetime
import io
import re
import uuid

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from practices.curation.imports import files, pipeline, writer
from practices.curation.imports.resources import PracticeResource
from practices.curation.models import ImportJob, ImportRow
from practices.models import Practice
from tests.conftest import make_user
from tests.curation.imports_helpers import (
    IMPORT_URL,
    confirm,
    csv_bytes,
    export,
    fingerprint,
    job_of,
    job_url,
    kept_files,
    page_text,
    preview,
    row,
    run_worker,
    upload,
    xlsx_bytes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
State = ImportJob.State
REFRESH = re.compile(r'<meta http-equiv="refresh" content="\d+">')


def new_rows(count: int) -> list[dict]:
    return [row(f"desk-{n:03d}", title=f"Help desk {n}") for n in range(count)]


# -- a job outlives the browser session ---------------------------------------------------------


def test_an_import_survives_its_browser_session_and_reports_its_result(curator):
    first = Client()
    first.force_login(curator)
    uploaded = upload(first, csv_bytes(new_rows(3)), "desks.csv")
    assert uploaded.status_code == 302
    first.logout()  # the tab closed, the session gone: the job waits for its worker all the same

    assert run_worker() == 1
    second = Client()
    second.force_login(curator)
    listed = page_text(second.get(IMPORT_URL))
    assert "desks.csv" in listed and "Ready to import" in listed
    job = ImportJob.objects.get()
    page = second.get(job_url(job))
    assert "3 new practices" in page_text(page)
    assert second.post(job_url(job, "confirm")).status_code == 302
    second.logout()

    run_worker()
    third = Client()
    third.force_login(curator)
    result = third.get(job_url(job))
    assert job_of(result).state == State.IMPORTED
    assert "3 new practices imported, as drafts" in page_text(result)
    assert Practice.objects.filter(slug__startswith="desk-").count() == 3


# What reads or writes a spreadsheet's rows: none of it may run in a web request.
READERS = [
    (pipeline, "read_dataset"),
    (openpyxl, "load_workbook"),
    (PracticeResource, "import_data"),
    (writer, "write"),
]


def test_upload_and_confirm_only_queue_jobs_their_requests_read_no_row(curator_client, monkeypatch):
    def not_in_a_request(*args, **kwargs):
        raise AssertionError("a web request read or wrote the spreadsheet")

    def post(url, data=None):
        with monkeypatch.context() as patch:
            for owner, name in READERS:
                patch.setattr(owner, name, not_in_a_request)
            return curator_client.post(url, data or {})

    file = SimpleUploadedFile("desks.xlsx", xlsx_bytes(new_rows(3)))
    assert post(IMPORT_URL, {"import_file": file}).status_code == 302
    job = ImportJob.objects.get()
    assert job.state == State.PREVIEW_QUEUED and not job.rows.exists()
    run_worker()
    assert post(job_url(job, "confirm")).status_code == 302
    job.refresh_from_db()
    assert job.state == State.CONFIRM_QUEUED
    assert not Practice.objects.filter(slug__startswith="desk-").exists()
    run_worker()
    job.refresh_from_db()
    assert job.state == State.IMPORTED


# -- progress, without JavaScript ---------------------------------------------------------------


def test_the_job_page_refreshes_itself_while_a_worker_is_on_it(curator_client):
    response = curator_client.get(upload(curator_client, csv_bytes(new_rows(2)))["Location"])
    job = job_of(response)

    assert job.state == State.PREVIEW_QUEUED
    assert REFRESH.search(page_text(response)), "a meta refresh, no script needed"
    assert "Waiting for a worker to read the file." in page_text(response)

    ImportJob.objects.filter(pk=job.pk).update(state=State.PREVIEWING)
    files.Progress(job).update(force=True, step="checking", done=1200, total=5000, errors=3)
    running = page_text(curator_client.get(job_url(job)))
    assert REFRESH.search(running)
    assert '<progress max="5000" value="1200">' in running
    assert "Reading the file: 1,200 of 5,000 rows checked." in running
    assert "3 rows with errors so far." in running

    ImportJob.objects.filter(pk=job.pk).update(state=State.PREVIEW_QUEUED)
    run_worker()
    done = page_text(curator_client.get(job_url(job)))
    assert not REFRESH.search(done), "a finished job's page stays put"
    assert "Confirm import" in done


def test_progress_is_readable_while_the_import_transaction_is_open(curator_client, monkeypatch):
    response = preview(curator_client, csv_bytes(new_rows(3)))
    job = job_of(response)
    seen = {}
    write = writer.write

    def spying_write(resource, planned, **kwargs):
        kwargs["progress"](2)
        seen.update(files.read_progress(job))  # in the middle of the transaction
        return write(resource, planned, **kwargs)

    monkeypatch.setattr(writer, "write", spying_write)
    monkeypatch.setattr(files, "PROGRESS_INTERVAL", 0)
    confirm(curator_client, response)

    assert seen["step"] == "writing" and seen["done"] == 2 and seen["total"] == 3


def test_a_queued_job_no_worker_takes_says_so(curator_client):
    job = job_of(curator_client.get(upload(curator_client, csv_bytes(new_rows(1)))["Location"]))
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    assert "Is the job runner running" in page_text(curator_client.get(job_url(job)))


# -- the summary ----------------------------------------------------------------------------------


def test_the_summary_shows_only_the_fields_a_row_changes(client, curator, reviewer):
    client.force_login(reviewer)
    exported = export(client).decode("utf-8-sig")
    client.force_login(curator)
    rows = {r["slug"]: r for r in csv.DictReader(io.StringIO(exported))}
    tulay = {**rows["ph-tulay-project"], "summary": "A new summary.", "start_year": "2001"}
    old = Practice.objects.get(slug="ph-tulay-project")
    response = preview(client, csv_bytes([tulay, row()], list(tulay)))

    changed = job_of(response).rows.get(section=ImportRow.Section.CHANGED)
    assert changed.details == [
        ["summary", old.summary, "A new summary."],
        ["start_year", str(old.start_year or ""), "2001"],
    ]
    text = page_text(response)
    assert "A new summary." in text and "Changed practices" in text and "New practices" in text
    assert old.description[:40] not in text, "unchanged columns are not shown"


def test_errors_come_first_each_naming_row_and_column(curator_client):
    rows = [row("good-one"), row("bad-one", kind="poem"), row("bad-two", coo="XX")]
    response = preview(curator_client, csv_bytes(rows))

    job = job_of(response)
    assert (job.state, job.error_count) == (State.REFUSED, 2)
    text = page_text(response)
    first, second = (
        text.index("Row 3, column kind: “poem” is not a valid kind"),
        text.index("Row 4, column coo: there is no country “XX”"),
    )
    assert first < second
    assert "Confirm import" not in text


def test_the_summary_is_paginated_and_its_queries_do_not_grow_with_the_page(curator_client):
    small = job_of(preview(curator_client, csv_bytes(new_rows(3))))
    large = job_of(preview(curator_client, csv_bytes(new_rows(120))))

    page = page_text(curator_client.get(job_url(large)))
    assert page.count('class="import-row"') == 50
    assert "rows 1–50 of 120" in page
    last = page_text(curator_client.get(job_url(large) + "?page=3"))
    assert last.count('class="import-row"') == 20
    assert curator_client.get(job_url(large) + "?page=999999").status_code == 200
    assert curator_client.get(job_url(large) + "?page=junk").status_code == 200

    counts = []
    for job in (small, large, large):
        with CaptureQueriesContext(connection) as queries:
            assert curator_client.get(job_url(job)).status_code == 200
        counts.append(len(queries))
    # The session, the user and their permissions, the job, the page's rows and their count.
    assert counts[0] == counts[1] == counts[2] <= 8, counts


# -- cancel, fail, clean up ----------------------------------------------------------------------


def test_a_cancelled_preview_removes_its_file_and_imports_nothing(curator_client, media):
    response = preview(curator_client, csv_bytes(new_rows(2)))
    job = job_of(response)
    assert kept_files(media)

    cancelled = curator_client.post(job_url(job, "cancel"))

    assert cancelled.status_code == 302 and cancelled["Location"] == IMPORT_URL
    job.refresh_from_db()
    assert job.state == State.CANCELLED
    assert kept_files(media) == []
    assert not Practice.objects.filter(slug__startswith="desk-").exists()
    assert curator_client.post(job_url(job, "confirm")).status_code == 302
    job.refresh_from_db()
    assert job.state == State.CANCELLED, "a cancelled preview cannot be confirmed"


def test_a_failed_confirmation_changes_nothing_and_says_why(curator_client, media, monkeypatch):
    response = preview(curator_client, csv_bytes(new_rows(4)))
    before = fingerprint()

    def broken(*args, **kwargs):
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(writer, "write_history", broken)
    confirmed = confirm(curator_client, response)

    assert fingerprint() == before
    assert job_of(confirmed).state == State.FAILED
    assert "Nothing was imported: the database refused the import (disk I/O error)" in page_text(
        confirmed
    )
    assert kept_files(media) == []


def test_a_practice_edited_since_the_preview_stops_the_confirmation(client, curator, reviewer):
    client.force_login(reviewer)
    content = export(client)
    client.force_login(curator)
    response = preview(client, content)
    practice = Practice.objects.get(slug="ph-tulay-project")
    practice.summary = "Edited by someone else meanwhile."
    practice.save()
    before = fingerprint()

    confirmed = confirm(client, response)

    assert fingerprint() == before
    assert "the practice “ph-tulay-project” was edited since the preview" in page_text(confirmed)


# -- who may see a job -------------------------------------------------------------------------


def test_only_curators_with_the_import_permission_reach_a_job(curator_client, curator):
    job = job_of(preview(curator_client, csv_bytes(new_rows(1))))
    Group.objects.get(name="curator").permissions.remove(
        Permission.objects.get(codename="import_practice")
    )
    curator.refresh_from_db()
    for url in (job_url(job), IMPORT_URL):
        assert curator_client.get(url).status_code == 403
    for action in ("confirm", "cancel"):
        assert curator_client.post(job_url(job, action)).status_code == 403
    assert ImportJob.objects.get().state == State.PREVIEWED


def test_another_curators_job_and_forged_ids_are_not_found(curator_client, django_user_model):
    job = job_of(preview(curator_client, csv_bytes(new_rows(1))))
    other = Client()
    other.force_login(make_user(django_user_model, "other-curator", "curator"))
    before = fingerprint()

    assert other.get(job_url(job)).status_code == 404
    assert other.post(job_url(job, "confirm")).status_code == 404
    assert other.post(job_url(job, "cancel")).status_code == 404
    assert "desks" not in page_text(other.get(IMPORT_URL))
    for action in ("", "confirm/", "cancel/"):
        forged = f"{IMPORT_URL}{uuid.uuid4()}/{action}"
        assert curator_client.post(forged).status_code == 404
    # Not an id at all: the admin's own answer for an unknown object, never an error.
    for junk in ("not-a-uuid/", "../../etc/passwd/", "0/confirm/", f"{job.pk}x/"):
        assert curator_client.get(IMPORT_URL + junk, follow=True).status_code == 200
    assert run_worker() == 0 and fingerprint() == before
    assert ImportJob.objects.get().state == State.PREVIEWED


def test_an_anonymous_user_is_sent_to_log_in(curator_client):
    job = job_of(preview(curator_client, csv_bytes(new_rows(1))))
    response = Client().get(job_url(job))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_preview_cancelled_before_a_worker_took_it_stays_cancelled(curator_client, media):
    job = job_of(curator_client.get(upload(curator_client, csv_bytes(new_rows(1)))["Location"]))
    assert curator_client.post(job_url(job, "cancel")).status_code == 302

    run_worker()

    job.refresh_from_db()
    assert job.state == State.CANCELLED
    assert not job.rows.exists() and kept_files(media) == []
