"""An import job's files, in a folder of its own in MEDIA_ROOT (``imports/<job id>/``).

- ``upload``: the curator's file, as uploaded; read by the preview.
- ``plan.json``: what the preview found each row will do (``planfile``), written by the
  preview and read by the confirmation, so the confirmation does not read the file again.
- ``progress.json``: rows done, errors so far, the step: written by the worker while it works.

**Why progress is a file and not a row in the database.** The worker reads and writes a whole
file inside one transaction, so that a failure leaves nothing half imported; anything it wrote
to the database meanwhile would be invisible to the progress page until the end (and on SQLite
a second connection of the worker could not write while the first holds the write lock). The
cache would do on Redis but not with ``locmem://``, each process's own (``make run``). MEDIA_ROOT
is the one place every app server and worker already shares, for the upload itself; a small
file written beside it (to a temporary name, then renamed over the old one, so a reader never
sees half of it) is read by any of them.
"""

import json
import os
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

UPLOAD, PLAN, PROGRESS = "upload", "plan.json", "progress.json"
# The worker writes its progress at most this often (seconds), however fast rows go.
PROGRESS_INTERVAL = 0.5


def root() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def folder(job) -> Path:
    return Path(settings.MEDIA_ROOT) / job.folder


def save_upload(job, upload) -> None:
    """Copy the uploaded file (a Django ``UploadedFile``) into the job's folder."""
    path = folder(job)
    path.mkdir(parents=True, exist_ok=True)
    with (path / UPLOAD).open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)


def open_upload(job):
    """The uploaded file, opened for reading as bytes (``FileNotFoundError`` if it is gone)."""
    return (folder(job) / UPLOAD).open("rb")


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def write_plan(job, plan: dict) -> None:
    path = folder(job)
    path.mkdir(parents=True, exist_ok=True)
    _write_atomically(path / PLAN, json.dumps(plan, separators=(",", ":"), cls=DjangoJSONEncoder))


def read_plan(job) -> dict:
    return json.loads((folder(job) / PLAN).read_text(encoding="utf-8"))


def remove(job) -> None:
    """The job's folder and everything in it (a job with no folder is fine)."""
    shutil.rmtree(folder(job), ignore_errors=True)


def has_files(job) -> bool:
    return folder(job).exists()


class Progress:
    """The worker's side: ``update()`` as it goes; written at most every PROGRESS_INTERVAL
    seconds unless ``force``d (a step starts or ends)."""

    def __init__(self, job):
        self.path = folder(job) / PROGRESS
        self.values = {"step": "", "done": 0, "total": None, "errors": 0}
        self.written = 0.0

    def update(self, force: bool = False, **values) -> None:
        self.values.update(values)
        now = time.monotonic()
        if not force and now - self.written < PROGRESS_INTERVAL:
            return
        self.written = now
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(self.path, json.dumps({**self.values, "at": timezone.now().isoformat()}))


def read_progress(job) -> dict:
    """What the worker last wrote, or ``{}`` (nothing yet, or the job is over)."""
    try:
        values = json.loads((folder(job) / PROGRESS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return values if isinstance(values, dict) else {}
