"""The import's pages in the practice admin: upload a file, then the job's own page (progress
while a worker reads or writes it, then the summary to confirm, then the result).

Every page needs ``practices.import_practice``; a job is its uploader's, and any other id (a
forged one, another curator's) is a 404. The job page works without JavaScript: while a worker
is on it, it refreshes itself (``<meta http-equiv="refresh">``).
"""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import OperationalError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import ImportJob
from . import files, jobs
from .spreadsheet import COLUMNS
from .upload import UnreadableFile, detect_format

PER_PAGE = 50
REFRESH_SECONDS = 2
# A queued job no worker took after this long, or a running one silent this long: say so.
WAITING_TOO_LONG = timedelta(minutes=1)
SILENT_TOO_LONG = timedelta(minutes=10)
State = ImportJob.State


class UploadForm(forms.Form):
    import_file = forms.FileField(
        label=gettext_lazy("Spreadsheet"),
        help_text=gettext_lazy(
            "A CSV file or an Excel workbook (.xlsx): its format is recognised."
        ),
    )

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = settings.IMPORT_MAX_FILE_MB
        if upload.size > limit * 1024 * 1024:
            raise ValidationError(
                _("The file is larger than %(limit)s MB: split it into several files.")
                % {"limit": limit}
            )
        try:
            self.file_format = detect_format(upload)
        except UnreadableFile as error:
            raise ValidationError(str(error)) from None
        return upload


def _context(model_admin, request, **values) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "import_url": reverse(f"{model_admin.admin_site.name}:practices_practice_import"),
        **values,
    }


def _require_permission(model_admin, request) -> None:
    if not model_admin.has_import_permission(request):
        raise PermissionDenied


def upload(model_admin, request):
    """The import page: the upload form and the curator's recent imports."""
    _require_permission(model_admin, request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = jobs.start(request.user, form.cleaned_data["import_file"], form.file_format)
        except OperationalError:
            form.add_error(
                None, _("The database is busy writing another import: try again in a minute.")
            )
        else:
            return redirect(job)
    context = _context(
        model_admin,
        request,
        title=_("Import practices"),
        form=form,
        recent_jobs=list(ImportJob.objects.of(request.user).recent()),
        import_columns=COLUMNS,
        import_template_url=reverse(
            f"{model_admin.admin_site.name}:practices_practice_import_template"
        ),
    )
    return TemplateResponse(request, "curation/practice_import.html", context)


def job_page(model_admin, request, job_id):
    """Progress while a worker is on the job; then the summary, or the result."""
    _require_permission(model_admin, request)
    job = get_object_or_404(ImportJob.objects.of(request.user), pk=job_id)
    context = _context(model_admin, request, title=job.file_name, job=job)
    if job.is_active:
        progress = files.read_progress(job)
        context.update(progress=progress, refresh=REFRESH_SECONDS, **_delays(job, progress))
    elif job.state not in (State.CANCELLED, State.EXPIRED):
        paginator = Paginator(job.rows.in_summary_order(), PER_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        context.update(
            page=page,
            page_range=list(paginator.get_elided_page_range(page.number)),
        )
    return TemplateResponse(request, "curation/import_job.html", context)


def _delays(job, progress: dict) -> dict:
    """How many imports are ahead of a queued job, whether it waits too long for a worker
    (none is busy with another import, yet none took it), or a running one went silent."""
    now = timezone.now()
    heard = parse_datetime(progress["at"]) if progress.get("at") else None
    ahead = 0
    if job.state in ImportJob.QUEUED_STATES:
        ahead = ImportJob.objects.filter(
            state__in=ImportJob.ACTIVE_STATES, created_at__lt=job.created_at
        ).count()
    return {
        "ahead": ahead,
        "waiting_too_long": job.state in ImportJob.QUEUED_STATES
        and not ahead
        and now - (job.previewed_at or job.created_at) > WAITING_TOO_LONG,
        "silent_minutes": int((now - heard).total_seconds() // 60)
        if heard and job.state in ImportJob.RUNNING_STATES and now - heard > SILENT_TOO_LONG
        else None,
    }


# Why a job was not confirmed, or not cancelled, by the state it is in: a second click, the
# Back button, a tab left open while the preview expired, or a form posted by hand.
STILL_READING = gettext_lazy("The file is still being read: confirm it once its summary is shown.")
ALREADY_CONFIRMED = gettext_lazy("This import was already confirmed: it is imported once.")
NOT_IMPORTED = gettext_lazy("There is nothing to cancel: this file was not imported.")
NOT_CONFIRMED = {
    State.PREVIEW_QUEUED: STILL_READING,
    State.PREVIEWING: STILL_READING,
    State.CONFIRM_QUEUED: ALREADY_CONFIRMED,
    State.CONFIRMING: ALREADY_CONFIRMED,
    State.IMPORTED: gettext_lazy("This preview was already imported: nothing more was done."),
    State.REFUSED: gettext_lazy(
        "This file cannot be imported as it is: correct it as the page says, and upload it again."
    ),
    State.FAILED: gettext_lazy("This import failed: nothing was imported. Upload the file again."),
    State.CANCELLED: gettext_lazy(
        "This preview was cancelled: nothing was imported. Upload the file again."
    ),
    State.EXPIRED: gettext_lazy(
        "This preview has expired: nothing was imported. Upload the file again."
    ),
}
NOT_CANCELLED = {
    State.PREVIEWING: gettext_lazy(
        "The file is being read: it can be cancelled once its summary is shown."
    ),
    State.CONFIRM_QUEUED: gettext_lazy(
        "This import was already confirmed: it can no longer be cancelled."
    ),
    State.CONFIRMING: gettext_lazy(
        "This import was already confirmed: it can no longer be cancelled."
    ),
    State.IMPORTED: gettext_lazy("This file was already imported: an import cannot be cancelled."),
    State.REFUSED: NOT_IMPORTED,
    State.FAILED: NOT_IMPORTED,
    State.CANCELLED: gettext_lazy("This preview was already cancelled."),
    State.EXPIRED: gettext_lazy("This preview has expired: its file was already removed."),
}
# The form of django-import-export's own confirmation page, which jobs replaced: a tab left
# open from before, or a form posted by hand (its file name is never opened).
OLD_CONFIRMATION = gettext_lazy(
    "This preview was already imported or has expired: nothing was done. Upload the file "
    "again to import it."
)


def confirm(model_admin, request, job_id):
    """Queue the writing of the previewed file (POST only); any other state of the job is
    said, and changes nothing."""
    _require_permission(model_admin, request)
    job = get_object_or_404(ImportJob.objects.of(request.user), pk=job_id)
    if request.method != "POST":
        return redirect(job)
    try:
        queued = jobs.confirm(job)
    except OperationalError:
        messages.error(
            request, _("The database is busy writing another import: try again in a minute.")
        )
    else:
        if not queued:
            job.refresh_from_db(fields=["state"])  # another request may have moved it
            messages.error(request, NOT_CONFIRMED[job.state])
    return redirect(job)


def cancel(model_admin, request, job_id):
    """Drop a preview and its file (POST only)."""
    _require_permission(model_admin, request)
    job = get_object_or_404(ImportJob.objects.of(request.user), pk=job_id)
    if request.method != "POST":
        return redirect(job)
    if jobs.cancel(job):
        messages.success(
            request,
            _("The import of %(file)s was cancelled; its file was removed.")
            % {"file": job.file_name},
        )
        return redirect("admin:practices_practice_import")
    job.refresh_from_db(fields=["state"])
    messages.error(request, NOT_CANCELLED[job.state])
    return redirect(job)


def old_confirmation(model_admin, request):
    """Where django-import-export's confirmation form is posted: back to the import page."""
    _require_permission(model_admin, request)
    messages.error(request, OLD_CONFIRMATION)
    return redirect("admin:practices_practice_import")
