"""Remove the files of spreadsheet imports nobody confirmed: for cron, e.g. hourly.

A preview keeps the curator's file and its plan in MEDIA_ROOT/imports/<job>/ until it is
confirmed or cancelled. Those older than ``IMPORT_PREVIEW_MAX_AGE`` (settings; 24 hours by
default) lose their files and their summary, and are marked expired; the job stays as a record.
A job a worker stopped in the middle of (killed; its transaction was rolled back) is marked
failed, and a folder no job owns any more is removed.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from practices.curation.imports import jobs


class Command(BaseCommand):
    help = (
        "Remove the files of spreadsheet import previews nobody confirmed, older than "
        "IMPORT_PREVIEW_MAX_AGE (or --hours); mark those jobs expired."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=float,
            help="Age in hours past which a preview is removed (default: the setting, "
            f"{settings.IMPORT_PREVIEW_MAX_AGE.total_seconds() / 3600:g}).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be removed, remove nothing."
        )

    def handle(self, *args, hours=None, dry_run=False, **options):
        if hours is not None and hours <= 0:
            raise CommandError("--hours must be more than 0.")
        age = timedelta(hours=hours) if hours is not None else settings.IMPORT_PREVIEW_MAX_AGE
        cutoff = timezone.now() - age
        stale = jobs.expire(cutoff, dry_run=dry_run)
        orphans = jobs.orphan_folders(cutoff)
        for job in stale:
            self.stdout.write(f"{job.pk}  {job.file_name}  ({job.get_state_display()})")
        for folder in orphans:
            self.stdout.write(f"{folder}  (no job)")
            if not dry_run:
                jobs.remove_folder(folder)
        verb = "Would remove" if dry_run else "Removed"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} the files of {len(stale)} import(s) older than {age} and "
                f"{len(orphans)} folder(s) no import owns."
            )
        )
