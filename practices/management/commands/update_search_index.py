"""Rebuild the stored search text and vector of every practice.

Saves keep the index up to date; run this after changing the search configuration, or after
writing practices outside Django (SQL, a restored dump). It also invalidates the cached counts.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from practices.cache import invalidate_on_commit
from practices.search_index import update_search_index


class Command(BaseCommand):
    help = "Rebuild the full-text search index of every practice."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Rebuild inside a transaction, then roll back."
        )

    def handle(self, *args, dry_run: bool, **options):
        with transaction.atomic():
            count = update_search_index()
            # Data written outside Django also left the cached counts stale.
            invalidate_on_commit()
            if dry_run:
                transaction.set_rollback(True)
        verb = "Would index" if dry_run else "Indexed"
        self.stdout.write(self.style.SUCCESS(f"{verb} {count} practices."))
