"""``manage.py clean_imports``: the files of previews nobody confirmed are removed once older
than IMPORT_PREVIEW_MAX_AGE, the jobs kept as expired records; a job whose worker stopped is
marked failed; folders no job owns go too. For cron."""

import datetime
import os
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from practices.curation.models import ImportJob
from tests.curation.imports_helpers import csv_bytes, job_of, kept_files, preview, row

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
State = ImportJob.State


def previewed(client, slug: str) -> ImportJob:
    return job_of(preview(client, csv_bytes([row(slug)]), f"{slug}.csv"))


def age(job: ImportJob, hours: float) -> None:
    moment = timezone.now() - datetime.timedelta(hours=hours)
    ImportJob.objects.filter(pk=job.pk).update(created_at=moment)


def clean(*args) -> str:
    out = StringIO()
    call_command("clean_imports", *args, stdout=out)
    return out.getvalue()


def test_old_unconfirmed_previews_lose_their_files_and_expire(curator_client, media):
    old, recent = previewed(curator_client, "old-desk"), previewed(curator_client, "new-desk")
    age(old, 25)

    output = clean()

    assert "old-desk.csv" in output and "new-desk.csv" not in output
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.state, recent.state) == (State.EXPIRED, State.PREVIEWED)
    assert not old.rows.exists() and recent.rows.exists()
    assert all(path.startswith(str(recent.pk)) for path in kept_files(media))
    assert (
        "Nobody confirmed this preview in time"
        in curator_client.get(old.get_absolute_url()).content.decode()
    )


def test_a_dry_run_removes_nothing(curator_client, media):
    job = previewed(curator_client, "old-desk")
    age(job, 25)
    files_before = kept_files(media)

    assert "Would remove the files of 1 import(s)" in clean("--dry-run")

    job.refresh_from_db()
    assert job.state == State.PREVIEWED
    assert kept_files(media) == files_before


def test_the_age_can_be_given_in_hours(curator_client):
    job = previewed(curator_client, "desk")
    age(job, 2)
    clean("--hours", "3")
    job.refresh_from_db()
    assert job.state == State.PREVIEWED
    clean("--hours", "1")
    job.refresh_from_db()
    assert job.state == State.EXPIRED
    with pytest.raises(CommandError):
        clean("--hours", "0")


def test_a_job_whose_worker_stopped_is_marked_failed(curator_client):
    job = previewed(curator_client, "desk")
    ImportJob.objects.filter(pk=job.pk).update(state=State.CONFIRMING)
    age(job, 25)

    clean()

    job.refresh_from_db()
    assert job.state == State.FAILED
    assert "the worker stopped before it finished" in job.message


def test_folders_no_job_owns_are_removed_when_old(media):
    orphan, young = media / "imports" / "orphan", media / "imports" / "young"
    for folder in (orphan, young):
        folder.mkdir(parents=True)
        (folder / "upload").write_bytes(b"slug\n")
    past = time.time() - 2 * 86400
    os.utime(orphan, (past, past))

    assert "(no job)" in clean()

    assert not orphan.exists() and young.exists()
