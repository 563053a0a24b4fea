"""Load the paper's practices and the reference data, in dependency order.

Every fixture names its records by natural key, so running this twice updates in place:
it is safe to run on every start (``make run`` does).
"""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures"

# Reference tables first, then the practices (each file lists a practice before its links
# and figures), then the discussion questions and outcomes that point at practices.
FIXTURES = [
    "countries.yaml",
    "themes.yaml",
    "stages.yaml",
    "target_groups.yaml",
    "gcm_objectives.yaml",
    "organisations.yaml",
    "sources.yaml",
    "practices_3_4_1_4_2_4_3.yaml",
    "practices_4_4.yaml",
    "practices_4_5_4.yaml",
    "discussion.yaml",
]


def fixture_paths() -> list[Path]:
    # Every file must be there: loaddata stops with the missing name rather than loading a
    # partial base.
    return [FIXTURE_DIR / name for name in FIXTURES]


class Command(BaseCommand):
    help = "Load the transcribed paper and reference data (idempotent: safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Load inside a transaction, then roll back."
        )

    def handle(self, *args, dry_run: bool, verbosity: int, **options):
        from practices.models import OutcomeMetric, Practice, Source
        from practices.search_index import update_search_index

        paths = fixture_paths()
        with transaction.atomic():
            # The paper is the baseline, not an edit: loaddata's saves are raw and make no
            # history, and neither should its many-to-many links.
            with override_settings(SIMPLE_HISTORY_ENABLED=False):
                call_command("loaddata", *[str(p) for p in paths], verbosity=verbosity)
            # loaddata saves raw, without the signals that index a practice on save. Only the
            # paper's practices were loaded: practices added later keep their index.
            update_search_index(Practice.objects.exclude(paper_section=""))
            # Counted inside the transaction, so a dry run reports what it would have loaded;
            # the paper's records only, not what curators added beside them.
            paper = Practice.objects.exclude(paper_section="")
            counts = (
                paper.count(),
                OutcomeMetric.objects.filter(practice__in=paper).count(),
                Source.objects.filter(footnote__isnull=False).count(),
            )
            if dry_run:
                transaction.set_rollback(True)
        self.stdout.write(
            self.style.SUCCESS(
                f"{'Checked' if dry_run else 'Loaded'} {len(paths)} fixture files: "
                f"{counts[0]} practices, {counts[1]} figures, {counts[2]} sources"
                f"{' (dry run: nothing written)' if dry_run else ''}."
            )
        )
