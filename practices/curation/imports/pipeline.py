"""What a worker does for an import job: read the file (the preview), then write it (the
confirmation). Each step records its outcome on the job, which its page shows, and its progress
in the job's folder (``files.Progress``).

The preview writes nothing to the practices: it reads and checks every row
(``resources.PracticeResource``, a dry run), stores the summary (``ImportRow``) and the plan
(``planfile``). The confirmation writes the plan in one transaction, after checking it still
holds; if anything fails, nothing is written, and the job says why.
"""

import logging

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import DatabaseError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks_db.utils import exclusive_transaction

from ..models import ImportJob, ImportRow
from . import files, planfile, writer
from .resources import PracticeResource
from .saving import IMPORTED_FROM
from .upload import UnreadableFile, read_dataset
from .widgets import cell_text

logger = logging.getLogger(__name__)
State = ImportJob.State
Section = ImportRow.Section
BATCH = 500


def _save(job, **values) -> None:
    for name, value in values.items():
        setattr(job, name, value)
    job.save(update_fields=list(values))


def _claim(job, queued, running) -> bool:
    """Move the job from ``queued`` to ``running``, unless something else moved it first (a
    curator cancelled it, another worker took it): one statement, so only one of them wins."""
    claimed = ImportJob.objects.filter(pk=job.pk, state=queued).update(state=running)
    job.state = running
    return bool(claimed)


def _finish(job, state, message="", **values) -> None:
    files.remove(job)
    _save(job, state=state, message=message, finished_at=timezone.now(), **values)


# -- the preview -------------------------------------------------------------------------------


def in_language(step):
    """Run ``step`` in the language the curator uploaded the file in: its messages are
    stored for them."""

    def run(job_id: str) -> None:
        job = ImportJob.objects.filter(pk=job_id).select_related("user").first()
        if job is None:
            return
        with translation.override(job.language or None):
            step(job)

    run.__doc__ = step.__doc__
    return run


@in_language
def run_preview(job) -> None:
    if not _claim(job, State.PREVIEW_QUEUED, State.PREVIEWING):
        return  # cancelled before a worker got to it
    progress = files.Progress(job)
    progress.update(force=True, step="reading")
    resource = PracticeResource()
    resource.progress = lambda done, errors: progress.update(done=done, errors=errors)
    try:
        upload = files.open_upload(job)
    except FileNotFoundError:
        # Removed by hand, or a MEDIA_ROOT this worker does not share with the app server.
        logger.warning("import %s: the uploaded file is gone", job.pk)
        message = _(
            "Nothing was imported: the uploaded file is gone (removed before a worker read it). "
            "Upload the file again."
        )
        _finish(job, State.FAILED, message)
        return
    try:
        with upload:
            dataset = read_dataset(upload, job.format)
        progress.update(force=True, step="checking", total=len(dataset))
        result = resource.import_data(dataset, dry_run=True, file_name=job.file_name, user=job.user)
    except UnreadableFile as error:
        _finish(job, State.REFUSED, str(error))
        return
    except Exception:
        logger.exception("import %s: the preview failed", job.pk)
        _finish(
            job,
            State.FAILED,
            _(
                "The file could not be read because of an error in the knowledge base (it was "
                "logged). Nothing was imported."
            ),
        )
        raise
    if result.base_errors:
        _finish(job, State.REFUSED, " ".join(str(error.error) for error in result.base_errors))
        return
    errors = _error_rows(job, result, resource.file_columns)
    if errors:
        ImportRow.objects.bulk_create(errors, batch_size=BATCH)
        _finish(job, State.REFUSED, total_rows=result.total_rows, error_count=len(errors))
        return
    summary = []
    for planned in resource.planned:
        instance, number = planned.instance, planned.plan.row
        common = {
            "job": job,
            "number": number,
            "slug": instance.slug,
            "title": (instance.title_en or "")[:300],
        }
        if planned.new:
            warnings = resource.row_warnings.get(number, [])
            summary.append(ImportRow(section=Section.NEW, warnings=warnings, **common))
        else:
            details = getattr(instance, "_import_changes", [])
            summary.append(ImportRow(section=Section.CHANGED, details=details, **common))
    ImportRow.objects.bulk_create(summary, batch_size=BATCH)
    files.write_plan(job, planfile.dump(resource))
    _save(
        job,
        state=State.PREVIEWED,
        total_rows=result.total_rows,
        new_count=sum(1 for p in resource.planned if p.new),
        changed_count=sum(1 for p in resource.planned if not p.new),
        unchanged_count=len(resource.unchanged),
        warning_count=len(resource.warnings),
        previewed_at=timezone.now(),
    )
    progress.update(force=True, step="done", done=result.total_rows)


def _error_rows(job, result, columns) -> list[ImportRow]:
    """A summary row for each row with errors: each message with its column."""
    rows = []
    for invalid in result.invalid_rows:
        details = [
            ["" if column == NON_FIELD_ERRORS else column, str(message)]
            for column, messages in invalid.error_dict.items()
            for message in messages
        ]
        values = dict(zip(columns, invalid.values, strict=False))
        rows.append(
            ImportRow(
                job=job,
                section=Section.ERROR,
                number=invalid.number + 1,
                slug=cell_text(values.get("slug"))[:255],
                title=cell_text(values.get("title"))[:300],
                details=details,
            )
        )
    for number, errors in result.row_errors():
        logger.error("import %s, row %s: %s", job.pk, number + 1, errors[0].traceback)
        message = _("Row %(row)s: this row could not be read (%(error)s).")
        rows.append(
            ImportRow(
                job=job,
                section=Section.ERROR,
                number=number + 1,
                details=[["", message % {"row": number + 1, "error": errors[0].error}]],
            )
        )
    return rows


# -- the confirmation --------------------------------------------------------------------------


@in_language
def run_confirm(job) -> None:
    if not _claim(job, State.CONFIRM_QUEUED, State.CONFIRMING):
        return
    progress = files.Progress(job)
    total = job.new_count + job.changed_count
    progress.update(force=True, step="checking", done=0, total=total)
    try:
        plan = files.read_plan(job)
    except (OSError, ValueError):
        _finish(
            job,
            State.FAILED,
            _(
                "Nothing was imported: the preview's files are gone (removed as too old). "
                "Upload the file again."
            ),
        )
        return
    resource = PracticeResource()
    try:
        # One transaction, that takes SQLite's write lock at once (a reader that later
        # wanted to write could be refused it halfway).
        with exclusive_transaction():
            planned = planfile.load(plan, resource)
            progress.update(force=True, step="writing")
            writer.write(
                resource,
                planned,
                user=job.user,
                file_name=job.file_name,
                progress=lambda done: progress.update(done=done),
            )
            _log(job, planned)
            progress.update(force=True, step="finishing", done=total)
            job.state, job.finished_at, job.message = State.IMPORTED, timezone.now(), ""
            job.save(update_fields=["state", "finished_at", "message"])
    except planfile.StalePlan as stale:
        message = _(
            "Nothing was imported: the base changed since the preview (%(problems)s). Upload "
            "the file again to preview it against the base as it is now."
        ) % {"problems": "; ".join(stale.problems)}
        _finish(job, State.FAILED, message)
        return
    except DatabaseError as error:
        logger.warning("import %s: the database refused the confirmation: %s", job.pk, error)
        message = _(
            "Nothing was imported: the database refused the import (%(error)s), most likely "
            "because the base changed meanwhile. Upload the file again to preview it."
        ) % {"error": error}
        _finish(job, State.FAILED, message)
        return
    except Exception:
        logger.exception("import %s: the confirmation failed", job.pk)
        _finish(
            job,
            State.FAILED,
            _(
                "Nothing was imported: an error in the knowledge base stopped the import (it "
                "was logged)."
            ),
        )
        raise
    files.remove(job)


def _log(job, planned) -> None:
    """The admin's "recent actions", as for any other change."""
    if job.user is None:
        return
    message = IMPORTED_FROM % {"file": job.file_name}
    for flag, new in ((ADDITION, True), (CHANGE, False)):
        instances = [row.instance for row in planned if row.new is new]
        if instances:
            LogEntry.objects.log_actions(job.user.pk, instances, flag, change_message=message)
