"""Create synthetic, published practices for benchmarks and load tests.

The practices look like real ones (domain vocabulary, 1-3 themes, countries in their roles,
organisations, figures, sources) and link only to reference rows that already exist, so run
``load_paper`` first. Every row is written with ``bulk_create`` in batches inside one
transaction: 10,000 practices take 15-25 seconds on SQLite or PostgreSQL, the search index
included (``-v 2`` shows where the time goes).

Practice number n is generated from its own random stream, seeded with (seed, n): the same seed
gives the same practices, and ``--count 100`` run twice gives what ``--count 200`` gives once.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from practices import export_rows
from practices.cache import invalidate_on_commit
from practices.models import (
    Evaluation,
    OutcomeMetric,
    Practice,
    PracticeCountry,
)
from practices.search_index import update_search_index

from ..synthetic.factory import (
    BATCH,
    CHUNK,
    PREFIX,
    PracticeFactory,
    ReferenceData,
    slug_for,
    synthetic_practices,
)


class Command(BaseCommand):
    help = (
        "Create N synthetic, published practices (slugs synthetic-000001 ...) that look like "
        "real ones, for benchmarks and load tests. Needs the reference data of load_paper. "
        "Without --clear, numbering continues after the highest synthetic practice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="How many practices.")
        parser.add_argument(
            "--seed", type=int, default=2010, help="Random seed: same seed, same data (2010)."
        )
        parser.add_argument(
            "--clear",
            action="store_true",
            help=f"First delete every practice whose slug starts with '{PREFIX}'.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Generate inside a transaction, then roll back."
        )

    def handle(self, *args, count: int, seed: int, clear: bool, dry_run: bool, **options):
        if count < 1:
            raise CommandError("--count must be at least 1.")
        verbosity = options["verbosity"]
        began = time.perf_counter()
        phases = {}  # seconds per phase, shown with -v 2
        with transaction.atomic():
            cleared = self.clear() if clear else 0
            phases["clear"] = time.perf_counter() - began
            first = self.next_number()
            factory = PracticeFactory(ReferenceData(), seed)
            totals, first_pk = self.generate(factory, first, count, verbosity)
            phases["generate and insert"] = time.perf_counter() - began - sum(phases.values())
            if dry_run:
                transaction.set_rollback(True)
            else:
                if verbosity >= 1 and count > CHUNK:
                    self.stdout.write("  Updating the search index ...")
                # bulk_create sends no post_save, so the search receivers never saw these
                # rows. Primary keys only grow, so pk >= first_pk is this run's practices:
                # a run that adds to earlier ones does not re-index those.
                update_search_index(synthetic_practices().filter(pk__gte=first_pk))
                invalidate_on_commit()  # nor the cache's: its counts are stale now
                phases["search index"] = time.perf_counter() - began - sum(phases.values())
                if verbosity >= 1 and count > CHUNK:
                    self.stdout.write("  Building the ready export rows ...")
                # Nor the export's: each practice's row, built now rather than by the first
                # export (mark_stale would leave more than it rebuilds at commit to exports).
                export_rows.build_missing(synthetic_practices().filter(pk__gte=first_pk))
                phases["export rows"] = time.perf_counter() - began - sum(phases.values())
        elapsed = time.perf_counter() - began
        phases["commit"] = elapsed - sum(phases.values())
        if verbosity >= 2:
            self.stdout.write(", ".join(f"{name} {sec:.1f} s" for name, sec in phases.items()))

        verb = "Would create" if dry_run else "Created"
        lines = [
            f"{verb} {count:,} synthetic practices ({slug_for(first)} to "
            f"{slug_for(first + count - 1)}, seed {seed}) in {elapsed:.1f} s"
            + (f", after deleting {cleared:,} earlier ones" if clear else "")
            + ":",
            "Links: "
            + ", ".join(
                f"{name.replace('_', ' ').replace('gcm', 'GCM')} {n:,}"
                for name, n in totals.items()
                if name not in ("figures", "evaluations")
            )
            + f"; figures {totals['figures']:,}; evaluations {totals['evaluations']:,}.",
        ]
        if dry_run:
            lines.append("Dry run: nothing was written.")
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS("\n".join(lines)))

    @staticmethod
    def clear() -> int:
        """Delete the synthetic practices and everything hanging off them; return how many.

        Deleting a country link queues its practice for re-indexing at commit
        (``practices.signals``); the practices are gone by then, so that costs nothing.
        """
        return synthetic_practices().delete()[1].get("practices.Practice", 0)

    @staticmethod
    def next_number() -> int:
        numbers = [
            int(slug.removeprefix(PREFIX))
            for slug in synthetic_practices().values_list("slug", flat=True)
            if slug.removeprefix(PREFIX).isdigit()
        ]
        return max(numbers, default=0) + 1

    def generate(self, factory, first, count, verbosity) -> tuple[dict[str, int], int | None]:
        """Write practices first..first+count-1 chunk by chunk; return the rows written per
        table and the lowest new primary key."""
        # Draft attribute for each many-to-many field, whose through rows are written directly.
        through_ids = {
            "themes": "theme_ids",
            "partners": "partner_ids",
            "target_groups": "target_group_ids",
            "stages": "stage_ids",
            "gcm_objectives": "gcm_ids",
            "sources": "source_ids",
        }
        totals = dict.fromkeys(
            ["themes", "countries", *list(through_ids)[1:], "figures", "evaluations"], 0
        )
        first_pk = None
        for chunk_start in range(first, first + count, CHUNK):
            numbers = range(chunk_start, min(chunk_start + CHUNK, first + count))
            drafts = [factory.draft(number) for number in numbers]
            Practice.objects.bulk_create([d.practice for d in drafts], batch_size=500)
            self.ensure_pks(drafts)
            first_pk = first_pk or min(d.practice.pk for d in drafts)

            for name, attribute in through_ids.items():
                m2m = Practice._meta.get_field(name)
                through = m2m.remote_field.through
                column = f"{m2m.m2m_reverse_field_name()}_id"  # theme_id, targetgroup_id ...
                rows = [
                    through(practice_id=d.practice.pk, **{column: target})
                    for d in drafts
                    for target in getattr(d, attribute)
                ]
                through.objects.bulk_create(rows, batch_size=BATCH)
                totals[name] += len(rows)
            links = [
                PracticeCountry(
                    practice_id=d.practice.pk, country_id=pk, role=role, involvement=involvement
                )
                for d in drafts
                for pk, role, involvement in d.links
            ]
            PracticeCountry.objects.bulk_create(links, batch_size=BATCH)
            totals["countries"] += len(links)
            # The rows hanging off each practice: its figures, and the evaluations an
            # evaluated practice rests on (Practice.EVALUATION_METHODS).
            for model, attribute, total in (
                (OutcomeMetric, "metrics", "figures"),
                (Evaluation, "evaluations", "evaluations"),
            ):
                rows = []
                for d in drafts:
                    for row in getattr(d, attribute):
                        row.practice_id = d.practice.pk
                        rows.append(row)
                model.objects.bulk_create(rows, batch_size=BATCH)
                totals[total] += len(rows)

            if verbosity >= 1 and count > CHUNK:
                done = numbers.stop - first
                bar = "#" * (20 * done // count)
                self.stdout.write(f"  [{bar:<20}] {done:,}/{count:,} practices")
        return totals, first_pk

    @staticmethod
    def ensure_pks(drafts):
        """bulk_create sets primary keys on PostgreSQL and SQLite 3.35+; read them back by slug
        on a database that cannot return them."""
        if all(d.practice.pk for d in drafts):
            return
        pks = dict(
            Practice.objects.filter(slug__in=[d.practice.slug for d in drafts]).values_list(
                "slug", "pk"
            )
        )
        for d in drafts:
            d.practice.pk = pks[d.practice.slug]
