"""A preview confirmed twice (a double click, the Back button), confirmed after it was cancelled,
expired or lost its files, and forms or ids forged by hand: each gets a message a curator can
act on, never a server error nor a traceback, and changes nothing.

An outside attack run found 500s in these cases against the import of django-import-export's own
pages (a second confirmation found its file gone; a forged ``import_file_name`` was opened as a
path). Imports are jobs now; these tests drive each case through the admin's pages with the
worker run in-process, and compare the whole database before and after.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils.html import escape

from practices.curation.imports import files
from practices.curation.models import ImportJob
from practices.models import Practice
from tests.curation.imports_helpers import (
    CONFIRM_URL,
    IMPORT_URL,
    csv_bytes,
    fingerprint,
    job_of,
    job_url,
    kept_files,
    page_text,
    preview,
    row,
    run_worker,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
State = ImportJob.State


def previewed(client) -> ImportJob:
    job = job_of(preview(client, csv_bytes([row("desk-one"), row("desk-two", title="Two")])))
    assert job.state == State.PREVIEWED
    return job


def imported_job(client) -> ImportJob:
    job = previewed(client)
    post(client, job_url(job, "confirm"))
    run_worker()
    return job


def post(client, url: str, data=None):
    """Post as a browser does and follow the redirect: the page and the messages it shows."""
    response = client.post(url, data or {}, follow=True)
    assert response.status_code == 200, response.status_code
    text = page_text(response)
    said = [str(m) for m in response.context["messages"]]
    assert "Traceback" not in text
    assert all(escape(message) in text for message in said)
    return response, said


def imported() -> int:
    return Practice.objects.filter(slug__startswith="desk-").count()


# -- a preview confirmed twice --------------------------------------------------------------------


def test_a_double_click_on_confirm_imports_once_and_says_so(curator_client):
    job = previewed(curator_client)

    _first, said_first = post(curator_client, job_url(job, "confirm"))
    _second, said_second = post(curator_client, job_url(job, "confirm"))

    assert said_first == []
    assert said_second == ["This import was already confirmed: it is imported once."]
    assert run_worker() == 1
    job.refresh_from_db()
    assert job.state == State.IMPORTED and imported() == 2


def test_confirming_again_after_the_import_changes_nothing(curator_client):
    job = imported_job(curator_client)
    before = fingerprint()

    # The Back button: the summary's form, posted again once the file was imported.
    response, said = post(curator_client, job_url(job, "confirm"))

    assert said == ["This preview was already imported: nothing more was done."]
    assert run_worker() == 0
    assert fingerprint() == before
    assert job_of(response).state == State.IMPORTED


def test_confirming_a_cancelled_preview_says_to_upload_again(curator_client):
    job = previewed(curator_client)
    post(curator_client, job_url(job, "cancel"))
    before = fingerprint()

    response, said = post(curator_client, job_url(job, "confirm"))

    assert said == ["This preview was cancelled: nothing was imported. Upload the file again."]
    assert "This preview was cancelled; its file was removed." in page_text(response)
    assert run_worker() == 0
    assert fingerprint() == before and imported() == 0


def test_confirming_an_expired_preview_says_to_upload_again(curator_client, media):
    job = previewed(curator_client)
    ImportJob.objects.filter(pk=job.pk).update(created_at=job.created_at.replace(year=2000))
    call_command("clean_imports", stdout=StringIO())
    before = fingerprint()

    response, said = post(curator_client, job_url(job, "confirm"))

    assert job_of(response).state == State.EXPIRED
    assert said == ["This preview has expired: nothing was imported. Upload the file again."]
    assert run_worker() == 0
    assert fingerprint() == before and kept_files(media) == []


def test_confirming_a_preview_whose_files_are_gone_imports_nothing_and_says_why(
    curator_client, media
):
    job = previewed(curator_client)
    files.remove(job)  # by hand, or a MEDIA_ROOT that was not shared after all
    before = fingerprint()

    _response, said = post(curator_client, job_url(job, "confirm"))
    run_worker()
    after = curator_client.get(job_url(job))

    assert fingerprint() == before and imported() == 0
    assert job_of(after).state == State.FAILED
    assert escape("Nothing was imported: the preview's files are gone") in page_text(after)
    assert "Upload the file again." in page_text(after)
    assert said == [], "queued: the worker finds the files gone, and the job says so"


def test_a_file_removed_before_a_worker_read_it_fails_saying_so(curator_client, media):
    response = upload(curator_client, csv_bytes([row("desk-one")]))
    job = ImportJob.objects.get()
    files.remove(job)
    before = fingerprint()

    run_worker()
    page = curator_client.get(response["Location"])

    assert job_of(page).state == State.FAILED
    assert "Nothing was imported: the uploaded file is gone" in page_text(page)
    assert "error in the knowledge base" not in page_text(page)
    assert fingerprint() == before


def test_a_preview_that_could_not_be_imported_cannot_be_confirmed_nor_cancelled(curator_client):
    job = job_of(preview(curator_client, csv_bytes([row("desk-bad", kind="poem")])))
    assert job.state == State.REFUSED
    before = fingerprint()

    _response, confirmed = post(curator_client, job_url(job, "confirm"))
    _response, cancelled = post(curator_client, job_url(job, "cancel"))

    assert confirmed == [
        "This file cannot be imported as it is: correct it as the page says, and upload it again."
    ]
    assert cancelled == ["There is nothing to cancel: this file was not imported."]
    assert run_worker() == 0
    assert fingerprint() == before


def test_cancelling_twice_or_after_the_import_says_why_and_changes_nothing(curator_client):
    cancelled = previewed(curator_client)
    post(curator_client, job_url(cancelled, "cancel"))
    _response, again = post(curator_client, job_url(cancelled, "cancel"))
    assert again == ["This preview was already cancelled."]

    done = imported_job(curator_client)
    before = fingerprint()
    _response, late = post(curator_client, job_url(done, "cancel"))
    assert late == ["This file was already imported: an import cannot be cancelled."]
    done.refresh_from_db()
    assert done.state == State.IMPORTED and fingerprint() == before


# -- forged forms and ids -----------------------------------------------------------------------

FORGED_NAMES = [
    "..",
    "../../etc/passwd",
    "/etc/passwd",
    "..\\..\\windows\\win.ini",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "imports/../../settings.py",
    "nul\x00byte",
    "x" * 5000,
    "",
]


@pytest.mark.parametrize("name", FORGED_NAMES)
def test_the_old_confirmation_form_with_a_forged_file_name_changes_nothing(curator_client, name):
    job = previewed(curator_client)
    before = fingerprint()

    fields = {
        "import_file_name": name,
        "original_file_name": name,
        "format": "0",
        "resource": "0",
    }
    response, said = post(curator_client, CONFIRM_URL, fields)

    assert response.redirect_chain == [(IMPORT_URL, 302)]
    assert said == [
        "This preview was already imported or has expired: nothing was done. Upload the file "
        "again to import it."
    ]
    assert fingerprint() == before
    job.refresh_from_db()
    assert job.state == State.PREVIEWED


def test_the_old_confirmation_url_answers_any_method_and_junk(curator_client):
    for response in (
        curator_client.get(CONFIRM_URL),
        curator_client.post(CONFIRM_URL, {"format": "junk", "resource": "-1"}),
        curator_client.post(CONFIRM_URL, b"\xff\xfe", content_type="application/octet-stream"),
    ):
        assert response.status_code == 302 and response["Location"] == IMPORT_URL


def test_a_forged_upload_name_is_only_a_name(curator_client, media):
    response = upload(curator_client, csv_bytes([row("desk-one")]), "../../../etc/passwd")

    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert "/" not in job.file_name and ".." not in job.file_name
    assert kept_files(media) == [f"{job.pk}/upload"]
    assert files.folder(job).resolve().is_relative_to((media / "imports").resolve())
