"""Put the paper's own text back over curated practices: explicit, shown first, and recorded.

``load_paper`` never changes a record that exists. This is the one way to replace curated
values with the paper's: it compares each paper practice (or those named) with the fixtures,
field by field, its many-to-many links, country links and figures included, and lists every
difference. Nothing is written without ``--yes``; with it, every changed record gets a history
entry with the reason "Reverted to the paper's text". The publication state is not the
paper's to set: an unpublished practice stays unpublished.
"""

from django.core import serializers
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext_noop

from practices.languages import bare_columns, is_translation_column
from practices.models import Practice

from .load_paper import FIXTURE_DIR, FIXTURES, PRACTICE, CuratedKeys, read_fixture

PRACTICE_FILES = [name for name in FIXTURES if name.startswith("practices_")]
REASON = gettext_noop("Reverted to the paper's text")
# Workflow and bookkeeping fields: not the paper's text. Nor is the slug: a curator who renamed
# it did so for the files and links that name the practice.
NOT_TEXT = {
    "id",
    "slug",
    "publication_state",
    "state_changed_at",
    "state_changed_by",
    "created_at",
    "updated_at",
    "search_text",
    "search_vector",
    # The translations are the knowledge base's and the curators', not the paper's.
    "origin_fr",
    "origin_es",
}
LINK_FIELDS = ["involvement", "note"]
FIGURE_FIELDS = ["value", "qualifier", "unit_en", "comparison_note", "source_id", "position"]


def paper_records(slugs: set[str] | None) -> dict[str, dict]:
    """``{slug: {"practice": record, "links": {key: obj}, "figures": {key: obj}}}``."""
    paper: dict[str, dict] = {}
    for name in PRACTICE_FILES:
        for item in read_fixture(FIXTURE_DIR / name):
            slug = item["fields"]["slug"] if item["model"] == "practices.practice" else None
            slug = slug or item["fields"]["practice"][0]
            if slugs is not None and slug not in slugs:
                continue
            entry = paper.setdefault(slug, {"practice": None, "links": {}, "figures": {}})
            if item["model"] == "practices.practice":
                entry["practice"] = item
            elif item["model"] == "practices.practicecountry":
                f = item["fields"]
                entry["links"][(f["country"][0], f["role"])] = item
            else:
                f = item["fields"]
                entry["figures"][(f["label"], f["year"])] = item
    return paper


def build(item, keys: CuratedKeys):
    """The fixture record as an unsaved object (its many-to-many as pks), never saved; what it
    names that a curator renamed is read under its key now (``load_paper.CuratedKeys``)."""
    return next(serializers.deserialize("python", [keys.translate(item)]))


class Command(BaseCommand):
    help = (
        "Show how curated practices differ from the paper's text; with --yes, put the paper's "
        "text back (fields, links, country links, figures), with a history entry for each "
        "changed record. Without slugs: every practice of the paper. Dry run by default."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="Only these practices (their slugs).")
        parser.add_argument(
            "--yes", action="store_true", help="Write the changes (default: only list them)."
        )

    def handle(self, *args, slugs, yes: bool, **options):
        from practices.models import Practice

        paper = paper_records(set(slugs) if slugs else None)
        unknown = sorted(set(slugs) - set(paper))
        if unknown:
            raise CommandError(f"Not a practice of the paper: {', '.join(unknown)}.")
        changed = 0
        self.keys = CuratedKeys()
        with transaction.atomic():
            for slug, entry in paper.items():
                # A practice whose slug a curator changed is still the paper's.
                current_slug = self.keys.renamed(PRACTICE, slug) or slug
                practice = Practice.objects.filter(slug=current_slug).first()
                if practice is None:
                    self.stdout.write(f"{slug}: not in the base (load_paper adds missing ones).")
                    continue
                lines = self.revert(practice, entry, write=yes)
                if lines:
                    changed += 1
                    self.stdout.write(f"{slug}:")
                    for line in lines:
                        self.stdout.write(f"  {line}")
        verb = "Reverted" if yes else "Would revert"
        note = "" if yes else " Nothing was written: run again with --yes to do it."
        self.stdout.write(
            self.style.SUCCESS(f"{verb} {changed} of {len(paper)} practices to the paper.{note}")
        )

    def revert(self, practice, entry, *, write: bool) -> list[str]:
        lines = []
        record = build(entry["practice"], self.keys)
        paper = record.object
        bare = bare_columns(Practice)  # read in their language columns (title_en)
        for field in practice._meta.concrete_fields:
            if (
                field.name in NOT_TEXT
                or field.name in bare
                or is_translation_column(Practice, field.name)
            ):
                continue
            if getattr(practice, field.attname) != getattr(paper, field.attname):
                # By name, not id, for a foreign key: "lead_organisation: IOM → UNICEF".
                old, new = getattr(practice, field.name), getattr(paper, field.name)
                if field.is_relation:
                    old, new = (None if v is None else str(v) for v in (old, new))
                lines.append(f"{field.name}: {old!r} → {new!r}")
                setattr(practice, field.attname, getattr(paper, field.attname))
        m2m_changes = {}
        for name, pks in record.m2m_data.items():
            current = set(getattr(practice, name).values_list("pk", flat=True))
            wanted = {int(pk) for pk in pks}
            if current != wanted:
                model = practice._meta.get_field(name).related_model
                names = {obj.pk: str(obj) for obj in model.objects.filter(pk__in=current | wanted)}
                lines.append(
                    f"{name}: {sorted(names[pk] for pk in current)} → "
                    f"{sorted(names[pk] for pk in wanted)}"
                )
                m2m_changes[name] = pks
        lines += self.revert_rows(
            practice.country_links.select_related("country"),
            entry["links"],
            lambda link: (link.country.iso2, link.role),
            LINK_FIELDS,
            practice,
            write,
        )
        lines += self.revert_rows(
            practice.metrics.all(),
            entry["figures"],
            lambda figure: (figure.label_en, figure.year),
            FIGURE_FIELDS,
            practice,
            write,
        )
        if write and lines:
            for name, pks in m2m_changes.items():
                getattr(practice, name).set(pks)
            practice._change_reason = REASON
            practice.save()
        return lines

    def revert_rows(self, current_rows, paper_items, key, fields, practice, write) -> list[str]:
        lines = []
        current = {key(row): row for row in current_rows}
        for row_key, item in paper_items.items():
            paper = build(item, self.keys).object
            row = current.pop(row_key, None)
            if row is None:
                lines.append(f"add {row_key}")
                if write:
                    paper.practice = practice
                    paper._change_reason = REASON
                    paper.save()
                continue
            diffs = [f for f in fields if getattr(row, f) != getattr(paper, f)]
            if diffs:
                lines.append(
                    f"{row_key}: "
                    + ", ".join(f"{f} {getattr(row, f)!r} → {getattr(paper, f)!r}" for f in diffs)
                )
                if write:
                    for f in diffs:
                        setattr(row, f, getattr(paper, f))
                    row._change_reason = REASON
                    row.save()
        for row_key, row in current.items():
            lines.append(f"remove {row_key} (not in the paper)")
            if write:
                row._change_reason = REASON
                row.delete()
        return lines
