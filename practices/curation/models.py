"""What the curators' desk records of its own: the spreadsheet imports (``imports/``).

An import is a job with its own page: the file is read (the preview) and later written (the
confirmation) by a background worker (``imports.tasks``), and the job keeps what each step
found, so a curator can close the tab and come back to it. Its rows are the preview's summary:
the rows with errors, the practices the file changes (only what changes) and the new ones.
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ImportJobQuerySet(models.QuerySet):
    def of(self, user) -> "ImportJobQuerySet":
        """The imports ``user`` started: nobody else sees or acts on them."""
        return self.filter(user=user)

    def recent(self, limit: int = 10) -> "ImportJobQuerySet":
        return self.order_by("-created_at")[:limit]

    def unconfirmed_before(self, moment) -> "ImportJobQuerySet":
        """Previews nobody confirmed (or still waiting to be read) older than ``moment``: their
        files are removed by ``clean_imports``."""
        return self.filter(state__in=ImportJob.WAITING_STATES, created_at__lt=moment)


class ImportJob(models.Model):
    class State(models.TextChoices):
        PREVIEW_QUEUED = "preview_queued", _("waiting to be read")
        PREVIEWING = "previewing", _("being read")
        PREVIEWED = "previewed", _("ready to import")
        REFUSED = "refused", _("cannot be imported")
        CONFIRM_QUEUED = "confirm_queued", _("waiting to be imported")
        CONFIRMING = "confirming", _("being imported")
        IMPORTED = "imported", _("imported")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")
        EXPIRED = "expired", _("expired")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    QUEUED_STATES = (State.PREVIEW_QUEUED, State.CONFIRM_QUEUED)
    RUNNING_STATES = (State.PREVIEWING, State.CONFIRMING)
    # A worker has something to do, or is doing it: the page refreshes itself.
    ACTIVE_STATES = QUEUED_STATES + RUNNING_STATES
    # The job keeps files in MEDIA_ROOT: the upload and, once read, the plan to write.
    WAITING_STATES = (State.PREVIEW_QUEUED, State.PREVIEWING, State.PREVIEWED)

    # A random id: the job's page is at a URL nobody can guess or count through.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    # The curator's language when uploading: the worker writes its messages in it.
    language = models.CharField(_("language"), max_length=10, blank=True)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PREVIEW_QUEUED
    )
    # Why the file cannot be imported, or why the confirmation failed: for the curator.
    message = models.TextField(_("message"), blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    new_count = models.PositiveIntegerField(_("new"), default=0)
    changed_count = models.PositiveIntegerField(_("changed"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    warning_count = models.PositiveIntegerField(_("warnings"), default=0)
    # The django-tasks result of the step running or last run (the preview, then the confirm).
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    previewed_at = models.DateTimeField(_("read at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")
        ordering = ["-created_at"]
        indexes = [
            # The import page's list of a curator's recent imports.
            models.Index(fields=["user", "-created_at"], name="curation_importjob_user_idx"),
            # clean_imports: the previews nobody confirmed, by age.
            models.Index(fields=["state", "created_at"], name="curation_importjob_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("admin:practices_practice_import_job", kwargs={"job_id": self.pk})

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def folder(self) -> str:
        """Where its files are in the default storage (MEDIA_ROOT)."""
        return f"imports/{self.pk}"


class ImportRowQuerySet(models.QuerySet):
    def in_summary_order(self) -> "ImportRowQuerySet":
        """Errors first, then the changed practices, then the new ones; each in the file's
        order (served by the (job, section, number) unique index)."""
        return self.order_by("section", "number")


class ImportRow(models.Model):
    """One row of the file the summary shows: with errors, changing a practice, or new."""

    class Section(models.IntegerChoices):
        ERROR = 1, _("errors")
        CHANGED = 2, _("changed")
        NEW = 3, _("new")

    job = models.ForeignKey(
        ImportJob, verbose_name=_("import"), on_delete=models.CASCADE, related_name="rows"
    )
    section = models.PositiveSmallIntegerField(_("section"), choices=Section.choices)
    number = models.PositiveIntegerField(_("row"), help_text=_("As the spreadsheet numbers it."))
    slug = models.CharField(_("slug"), max_length=255, blank=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    # Errors: [[column, message], ...]; a changed practice: [[column, old, new], ...].
    details = models.JSONField(_("details"), default=list, blank=True)
    # The practice the base may already hold (new rows): messages for the curator.
    warnings = models.JSONField(_("warnings"), default=list, blank=True)

    objects = ImportRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        ordering = ["job", "section", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "section", "number"], name="curation_importrow_unique_row"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job_id} row {self.number}"
