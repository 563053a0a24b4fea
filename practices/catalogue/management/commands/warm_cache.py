"""Compute and cache the list page's common counts now (``practices.catalogue.warming``).

Useful with a shared cache only (``CACHE_URL=redis://…``): with ``locmem://`` this process's
own memory would be filled, and it exits with it.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from practices.catalogue.warming import common_filters, warm


class Command(BaseCommand):
    help = "Compute and cache the list's counts for the common filters (needs a shared cache)."

    def handle(self, *args, **options):
        if not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
            self.stderr.write(
                "The cache is not shared (CACHE_URL is not redis://): what this process "
                "stores, no web process will read."
            )
        filters = common_filters()
        started = time.monotonic()
        warmed = warm(filters)
        self.stdout.write(
            f"Warmed {warmed} of {len(filters)} lists in {len(settings.LANGUAGES)} languages "
            f"in {time.monotonic() - started:.1f} s."
        )
