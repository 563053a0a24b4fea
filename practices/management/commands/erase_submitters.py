"""Erase the submitters' details a set time after the decision on their submission.

Run daily (cron, or the process manager's timer). Each submission decided (turned into a
practice, or declined) more than ``SUBMITTER_DETAILS_MONTHS`` months ago (12 unless set) loses
its submitter's name, organisation and email; its history keeps one step saying they were
erased, and nothing else of them. The status link goes on working; there is nobody left to
email.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from practices.submissions import erase_submitters


class Command(BaseCommand):
    help = "Erase the name, organisation and email of submitters decided on long enough ago."

    def add_arguments(self, parser):
        parser.add_argument(
            "--months",
            type=int,
            default=None,
            help="Erase after this many months (default: SUBMITTER_DETAILS_MONTHS, "
            f"now {settings.SUBMITTER_DETAILS_MONTHS}).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say how many would be erased; erase nothing."
        )

    def handle(self, *args, months: int | None, dry_run: bool, **options):
        if months is not None and months < 0:
            raise CommandError("--months must be 0 or more.")
        months = settings.SUBMITTER_DETAILS_MONTHS if months is None else months
        with transaction.atomic():
            count = erase_submitters(months=months)
            if dry_run:
                transaction.set_rollback(True)
        verb = "Would erase" if dry_run else "Erased"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} the details of {count} submitter{'s' if count != 1 else ''} "
                f"decided on more than {months} months ago."
            )
        )
