"""Load the paper's practices and the reference data, without ever touching curated records.

On an empty base this loads everything. On a base that has been curated since, it adds only the
paper's records that are missing and leaves every record that exists exactly as it is: a
curator's edit, a reviewer's unpublish, a country link or figure changed or removed. A paper
practice, organisation or source a curator deleted (its deletion is in history) stays deleted.
So ``make run`` can run it at every start. Putting the paper's own text back over curated
records is a separate, explicit command: ``revert_to_paper``.

Every fixture names its records by natural key; a record counts as present when a record with
its natural key exists, or when history shows a curator renamed it (a practice's or an
organisation's slug, a source's key): it is then kept as renamed, not added a second time under
the paper's key, and the paper's records that name it are read with its key now.
"""

from collections import Counter, defaultdict
from pathlib import Path

import yaml
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.base import DeserializationError
from django.db import transaction
from django.test.utils import override_settings
from django.utils.translation import get_language_info

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


PRACTICE = "practices.practice"
# A practice's own rows: added only with a practice this run adds.
DEPENDENTS = {"practices.practicecountry", "practices.outcomemetric"}
# The natural keys curators may change or delete, and whose history says so: a record under
# one of them is not missing because its key is.
CURATED_KEYS = {
    "practices.practice": "slug",
    "practices.organisation": "slug",
    "practices.source": "key",
}
NAMES = {
    "practices.practice": "practices",
    "practices.organisation": "organisations",
    "practices.source": "sources",
}


def read_fixture(path: Path) -> list[dict]:
    """A fixture file's records as plain data (model, fields), nothing looked up yet."""
    with path.open("rb") as stream:
        return yaml.safe_load(stream) or []


def fixture_paths() -> list[Path]:
    # Every file must be there: stop with the missing name rather than load a partial base.
    paths = [FIXTURE_DIR / name for name in FIXTURES]
    for path in paths:
        if not path.exists():
            raise CommandError(f"The fixture file {path} is missing: nothing was loaded.")
    return paths


class CuratedKeys:
    """The paper's natural keys that curators renamed or deleted since, as history shows them
    (``practices.history.former_keys``)."""

    def __init__(self):
        from practices.history import former_keys

        self.former = {
            label: former_keys(apps.get_model(label), key_field)
            for label, key_field in CURATED_KEYS.items()
        }

    def renamed(self, label: str, key: str) -> str | None:
        """The key the record the paper calls ``key`` has now, if a curator renamed it."""
        former = self.former.get(label)
        return former.renamed.get(key) if former else None

    def deleted(self, label: str, key: str) -> bool:
        former = self.former.get(label)
        return former is not None and key in former.deleted

    def translate(self, data: dict) -> dict:
        """The fixture record ``data``, its references to renamed records under their keys
        now; a reference to a record a curator deleted is left out (nothing can point to it).
        """
        model = apps.get_model(data["model"])
        fields = dict(data["fields"])
        for name, value in data["fields"].items():
            model_field = model._meta.get_field(name)
            if not model_field.is_relation or not value:
                continue
            label = model_field.related_model._meta.label_lower
            if label not in self.former:
                continue
            if model_field.many_to_many:
                fields[name] = [
                    [self.renamed(label, key[0]) or key[0]]
                    for key in value
                    if not self.deleted(label, key[0])
                ]
            else:
                key = value[0]
                deleted = self.deleted(label, key)
                fields[name] = None if deleted else [self.renamed(label, key) or key]
        return {**data, "fields": fields}


class PaperLoad:
    """One pass over the fixtures: what was added, what was kept, what stays deleted."""

    def __init__(self):
        self.added: Counter[str] = Counter()
        self.added_slugs: list[str] = []
        self.left_alone = 0
        self.keys = CuratedKeys()
        # Model label -> the paper's keys of the records curators renamed ("old (now new)")
        # and of those they deleted: neither is added again.
        self.kept_renamed: dict[str, list[str]] = defaultdict(list)
        self.left_deleted: dict[str, list[str]] = defaultdict(list)
        # Practices this pass did not add (they exist, or stay deleted): their country links
        # and figures belong to the curated practice and are never added to it.
        self.untouched: set[str] = set()
        # The knowledge base's French and Spanish words given (practices.management.translations).
        self.translated = None

    def load(self, path: Path) -> None:
        for data in read_fixture(path):
            if data["model"] in DEPENDENTS and data["fields"]["practice"][0] in self.untouched:
                # Part of a practice this run leaves as it is (curated, or deleted by a curator).
                self.left_alone += 1
                continue
            if self.curated_away(data):
                continue
            try:
                for record in serializers.deserialize(
                    "python", [self.keys.translate(data)], handle_forward_references=True
                ):
                    self.consider(record)
            except (DeserializationError, ObjectDoesNotExist) as error:
                raise CommandError(
                    f"{path.name}: a record names something the base does not have ({error}). "
                    "Nothing was loaded."
                ) from None

    def curated_away(self, data: dict) -> bool:
        """Whether ``data`` is a record a curator renamed or deleted: it is not added."""
        label = data["model"]
        if label not in CURATED_KEYS:
            return False
        key = data["fields"][CURATED_KEYS[label]]
        renamed = self.keys.renamed(label, key)
        if renamed is not None:
            self.kept_renamed[label].append(f"{key} (now {renamed})")
        elif self.keys.deleted(label, key):
            self.left_deleted[label].append(key)
        else:
            return False
        if label == PRACTICE:
            self.untouched.add(key)
        return True

    def consider(self, record) -> None:
        obj = record.object
        label = obj._meta.label_lower
        # Natural keys the base does not have (deserialized with forward references). A
        # discussion question may name a practice a curator deleted; nothing else may name
        # what is not there.
        missing = {field.name: key for field, key in (record.deferred_fields or {}).items()}
        if set(missing) - {"practices"}:
            raise CommandError(
                f"{label} {obj}: it names something the base does not have "
                f"({', '.join(f'{name} {key}' for name, key in missing.items())}). "
                "Nothing was loaded."
            )
        if label == PRACTICE and obj.pk is not None:
            self.untouched.add(obj.slug)
        if obj.pk is not None:
            self.left_alone += 1
            return
        record.save()
        self.added[label] += 1
        if label == PRACTICE:
            self.added_slugs.append(obj.slug)


class Command(BaseCommand):
    help = (
        "Load the transcribed paper and the reference data. On a base that already holds "
        "them, add only the records that are missing: nothing that exists is changed, a "
        "practice, organisation or source a curator renamed is not added again under its old "
        "name, and one a curator deleted stays deleted. Safe to run at every start."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Load inside a transaction, then roll back."
        )

    def handle(self, *args, dry_run: bool, verbosity: int, **options):
        from practices.management import translations
        from practices.models import OutcomeMetric, Practice, Source
        from practices.search_index import update_search_index

        paths = fixture_paths()
        with transaction.atomic():
            # The paper is the baseline, not an edit: the saves are raw and make no history,
            # and neither do their many-to-many links.
            with override_settings(SIMPLE_HISTORY_ENABLED=False):
                run = PaperLoad()
                for path in paths:
                    run.load(path)
            # Then the knowledge base's French and Spanish words, where records have none.
            records = [record for path in paths for record in read_fixture(path)]
            run.translated = translations.apply(
                FIXTURE_DIR / "translations",
                translations.paper_english(records),
                set(run.added_slugs),
            )
            translations.apply_embedded(records, run.translated)
            # Raw saves do not index a practice (practices.signals skips them): index what this
            # run added. The cached counts follow by themselves: practices.cache hears raw saves.
            if run.added_slugs:
                update_search_index(Practice.objects.filter(slug__in=run.added_slugs))
            paper = Practice.objects.exclude(paper_section="")
            counts = (
                paper.count(),
                OutcomeMetric.objects.filter(practice__in=paper).count(),
                Source.objects.filter(footnote__isnull=False).count(),
            )
            if dry_run:
                transaction.set_rollback(True)
        self.report(run, counts, len(paths), dry_run)

    def report(self, run: PaperLoad, counts, files: int, dry_run: bool) -> None:
        added = sum(run.added.values())
        verb = "Would add" if dry_run else "Added"
        self.stdout.write(
            self.style.SUCCESS(
                f"{'Checked' if dry_run else 'Loaded'} {files} fixture files: "
                f"{counts[0]} practices, {counts[1]} figures, {counts[2]} sources"
                f"{' (dry run: nothing written)' if dry_run else ''}."
            )
        )
        self.stdout.write(
            f"{verb} {added} missing records ({len(run.added_slugs)} practices); "
            f"left {run.left_alone} records as the base has them."
        )
        translated = run.translated
        if translated.countries:
            self.stdout.write(
                f"Gave {translated.countries} countries their French and Spanish names."
            )
        for language in sorted(set(translated.records) | set(translated.kept)):
            self.stdout.write(
                f"Gave {translated.records.get(language, 0)} records the knowledge base's "
                f"{get_language_info(language)['name']} words where they had none; "
                f"{translated.kept.get(language, 0)} kept the words they have."
            )
        for label, name in NAMES.items():
            if run.kept_renamed[label]:
                self.stdout.write(
                    f"Kept {len(run.kept_renamed[label])} {name} renamed by curators, not "
                    "added again under the paper's name: " + ", ".join(run.kept_renamed[label])
                )
            if run.left_deleted[label]:
                self.stdout.write(
                    f"Left out {len(run.left_deleted[label])} {name} deleted by curators: "
                    + ", ".join(sorted(run.left_deleted[label]))
                )
