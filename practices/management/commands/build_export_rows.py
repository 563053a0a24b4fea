"""Build each practice's ready export row that is missing or stale (``practices.export_rows``).

Changes keep the rows in step, and an export builds what it lacks before it streams; run this
after writing practices outside Django (SQL, a restored dump: with ``--all``), or after a
deploy that raised ``export_rows.FORMAT``, so that no export waits for the rows.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from practices import export_rows
from practices.models import Practice


class Command(BaseCommand):
    help = "Build the ready export rows of every practice that lacks a current one."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            help="Mark every row stale first: data was written outside Django.",
        )
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=export_rows.languages(),
            help="The language of the rows (default: %(default)s).",
        )

    def handle(self, *args, all: bool, language: str, verbosity: int, **options):
        if all:
            with transaction.atomic():
                export_rows.mark_stale(Practice.objects.values_list("pk", flat=True))
        count = export_rows.build_missing(Practice.objects.all(), language)
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Built {count} export rows ({language})."))
