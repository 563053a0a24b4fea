"""Starting, confirming, cancelling and cleaning up import jobs: what the pages and the
``clean_imports`` command do to a job; a worker does the rest (``pipeline``)."""

import shutil

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import ImportJob
from . import files
from .tasks import confirm_import, preview_import

State = ImportJob.State


def start(user, upload, file_format: str) -> ImportJob:
    """A job for ``upload`` (already known to be CSV or XLSX), its file kept in its folder,
    and its preview queued for a worker."""
    job = ImportJob(
        user=user,
        file_name=upload.name[:255],
        format=file_format,
        language=translation.get_language() or "",
    )
    files.save_upload(job, upload)
    try:
        with transaction.atomic():
            job.save()
            job.task_id = preview_import.enqueue(str(job.pk)).id
            job.save(update_fields=["task_id"])
    except BaseException:
        files.remove(job)
        raise
    return job


def confirm(job: ImportJob) -> bool:
    """Queue the writing of a job whose preview is ready; False if it is not (any more)."""
    with transaction.atomic():
        updated = ImportJob.objects.filter(pk=job.pk, state=State.PREVIEWED).update(
            state=State.CONFIRM_QUEUED
        )
        if updated:
            task_id = confirm_import.enqueue(str(job.pk)).id
            ImportJob.objects.filter(pk=job.pk).update(task_id=task_id)
    return bool(updated)


def cancel(job: ImportJob) -> bool:
    """Drop a preview (ready, or not yet started) and remove its files; False if the job has
    gone further."""
    cancellable = (State.PREVIEWED, State.PREVIEW_QUEUED)
    updated = ImportJob.objects.filter(pk=job.pk, state__in=cancellable).update(
        state=State.CANCELLED, finished_at=timezone.now()
    )
    if updated:
        files.remove(job)
        job.rows.all().delete()
    return bool(updated)


def expire(older_than, dry_run: bool = False) -> list[ImportJob]:
    """Previews nobody confirmed, uploaded before ``older_than``: their files removed, their
    summary rows deleted, the job kept as a record (expired). A job whose worker stopped
    mid-way is among them (nothing of it was written: its transaction was rolled back)."""
    stale = list(ImportJob.objects.unconfirmed_before(older_than))
    stale += list(ImportJob.objects.filter(state=State.CONFIRMING, created_at__lt=older_than))
    if dry_run:
        return stale
    for job in stale:
        files.remove(job)
        if job.state == State.CONFIRMING:
            # Its worker stopped: the transaction was rolled back with it.
            with translation.override(job.language or None):
                message = _(
                    "Nothing was imported: the worker stopped before it finished, and its "
                    "transaction was rolled back. Upload the file again."
                )
            state = State.FAILED
        else:
            state, message = State.EXPIRED, ""
            job.rows.all().delete()
        ImportJob.objects.filter(pk=job.pk).update(
            state=state, message=message, finished_at=timezone.now()
        )
    return stale


def orphan_folders(older_than) -> list:
    """Folders of MEDIA_ROOT/imports/ that no job waiting for its worker owns (a job deleted,
    an upload whose job was never saved), last changed before ``older_than``."""
    root = files.root()
    if not root.exists():
        return []
    keep = {
        str(pk)
        for pk in ImportJob.objects.filter(
            state__in=(*ImportJob.WAITING_STATES, *ImportJob.ACTIVE_STATES)
        ).values_list("pk", flat=True)
    }
    cutoff = older_than.timestamp()
    return [
        folder
        for folder in root.iterdir()
        if folder.is_dir() and folder.name not in keep and folder.stat().st_mtime < cutoff
    ]


def remove_folder(path) -> None:
    shutil.rmtree(path, ignore_errors=True)
