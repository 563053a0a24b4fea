"""The preview's plan, kept for the confirmation (``files.PLAN``), so that the confirmation
writes what the curator saw without reading and checking the file again.

For each row the plan holds what the row makes of its practice (the fields the file gives, the
many-to-many links, country links and figures, by database id), and for a practice the base
has, its fingerprint as the preview found it (``diff.Cells.fingerprint``). Before writing, the
confirmation checks that the plan still holds, in a few queries whatever the size of the file:
every theme, country, organisation or source it names still exists, no practice it adds has
been added meanwhile, and every practice it changes (or found unchanged) is as it was. If not,
``StalePlan`` says what changed and nothing is written.
"""

from collections import defaultdict
from decimal import Decimal

from django.apps import apps
from django.utils.translation import gettext as _

from practices.models import OutcomeMetric, Practice

from .plan import RowPlan
from .rows import PracticeRowExport
from .widgets import NaturalKeysWidget, cell_text, quoted
from .writer import PlannedRow

VERSION = 1
CHUNK = 1000
# Columns that are rows of their own (country links, figures), not fields of the practice.
RELATED_COLUMNS = {"coo", "cot", "cod", "country_details", "metrics"}
METRIC_FIELDS = [
    "label_en",
    "qualifier",
    "unit_en",
    "year",
    "comparison_note",
    "source_id",
    "position",
]
# What a missing reference is called in a message, by the key the file names it with.
KEYS = {
    "countries.Country": "iso2",
    "practices.Theme": "slug",
    "practices.Organisation": "slug",
    "practices.TargetGroup": "slug",
    "practices.Stage": "slug",
    "practices.GCMObjective": "number",
    "practices.Source": "key",
}


class StalePlan(Exception):
    """The base changed since the preview: ``problems`` say how."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _key(obj) -> str:
    return str(getattr(obj, KEYS.get(obj._meta.label, "pk")))


def dump(resource) -> dict:
    """The plan of a dry run of ``resource`` (``resource.planned`` and ``.unchanged``)."""
    references: dict[str, dict[str, str]] = defaultdict(dict)

    def refer(obj):
        references[obj._meta.label][str(obj.pk)] = _key(obj)
        return obj.pk

    fields = resource.cells.fields
    rows = []
    for planned in resource.planned:
        instance, plan = planned.instance, planned.plan
        entry = {"row": plan.row, "slug": instance.slug, "new": planned.new, "fields": {}}
        for column in resource.file_columns:
            field = fields.get(column)
            if field is None or column in RELATED_COLUMNS or column in plan.refused:
                continue
            if isinstance(field.widget, NaturalKeysWidget):
                continue
            model_field = Practice._meta.get_field(field.attribute)
            if model_field.is_relation:
                related = getattr(instance, field.attribute)
                entry["fields"][model_field.name] = None if related is None else refer(related)
            else:
                entry["fields"][model_field.name] = getattr(instance, model_field.attname)
        entry["m2m"] = {column: [refer(obj) for obj in objs] for column, objs in plan.m2m.items()}
        if plan.links is not None:
            countries = apps.get_model("countries", "Country")
            entry["links"] = [
                [country_id, role, involvement, note]
                for (country_id, role), (involvement, note) in plan.links.items()
            ]
            for country_id, _role in plan.links:
                references[countries._meta.label][str(country_id)] = resource.cells.iso2(country_id)
        if plan.metrics is not None:
            entry["metrics"] = []
            for metric in plan.metrics:
                if metric.source is not None:
                    refer(metric.source)
                values = {name: getattr(metric, name) for name in METRIC_FIELDS}
                entry["metrics"].append({**values, "value": str(metric.value)})
        if not planned.new:
            entry["pk"] = instance.pk
            entry["fingerprint"] = instance._import_fingerprint
            # The row's cells, for the resource's hooks that save a changed practice.
            entry["cells"] = {column: cell_text(value) for column, value in planned.row.items()}
        rows.append(entry)
    unchanged = [
        {"row": number, "pk": original.pk, "slug": original.slug, "fingerprint": fingerprint}
        for number, original in resource.unchanged
        for fingerprint in [getattr(original, "_import_fingerprint", None)]
    ]
    return {
        "version": VERSION,
        "columns": resource.file_columns,
        "rows": rows,
        "unchanged": unchanged,
        "references": references,
    }


def load(data: dict, resource) -> list[PlannedRow]:
    """The planned rows, on the base as it is now; ``StalePlan`` if the plan no longer
    holds."""
    problems = _missing_references(data["references"])
    rows = data["rows"]
    new_rows = {entry["slug"]: entry["row"] for entry in rows if entry["new"]}
    for chunk in _chunks(list(new_rows)):
        for slug in Practice.objects.filter(slug__in=chunk).values_list("slug", flat=True):
            problems.append(
                _("row %(row)s: a practice %(slug)s was added to the base since the preview")
                % {"row": new_rows[slug], "slug": quoted(slug)}
            )
    existing = [entry for entry in rows if not entry["new"]] + data["unchanged"]
    current = {}
    for chunk in _chunks([entry["pk"] for entry in existing]):
        queryset = resource.filter_export(Practice.objects.filter(pk__in=chunk))
        current.update({practice.pk: practice for practice in queryset})
    for entry in existing:
        practice = current.get(entry["pk"])
        if practice is None:
            problems.append(
                _("row %(row)s: the practice %(slug)s was deleted since the preview")
                % {"row": entry["row"], "slug": quoted(entry["slug"])}
            )
        elif resource.cells.fingerprint(practice) != entry["fingerprint"]:
            problems.append(
                _("row %(row)s: the practice %(slug)s was edited since the preview")
                % {"row": entry["row"], "slug": quoted(entry["slug"])}
            )
    if problems:
        raise StalePlan(problems)
    return [_planned(entry, current.get(entry.get("pk"))) for entry in rows]


def _planned(entry: dict, practice) -> PlannedRow:
    instance = practice if practice is not None else Practice()
    for name, value in entry["fields"].items():
        field = Practice._meta.get_field(name)
        setattr(instance, field.attname, value if field.is_relation else field.to_python(value))
    plan = RowPlan(row=entry["row"], new=entry["new"], m2m=dict(entry["m2m"]))
    if "links" in entry:
        plan.links = {
            (country_id, role): (involvement, note)
            for country_id, role, involvement, note in entry["links"]
        }
    if "metrics" in entry:
        plan.metrics = [
            OutcomeMetric(**{**values, "value": Decimal(values["value"])})
            for values in entry["metrics"]
        ]
    if practice is not None:
        plan.current_links = {
            (link.country_id, link.role): link
            for link in PracticeRowExport._related(practice, "country_links", "country")
        }
        plan.current_metrics = sorted(
            PracticeRowExport._related(practice, "metrics", "source"),
            key=lambda metric: (metric.position, metric.pk),
        )
    instance._import_plan = plan
    return PlannedRow(instance, entry["new"], entry.get("cells", {}))


def _missing_references(references: dict) -> list[str]:
    problems = []
    for label, keys in sorted(references.items()):
        model = apps.get_model(label)
        ids = [int(pk) for pk in keys]
        found = set()
        for chunk in _chunks(ids):
            found.update(model._default_manager.filter(pk__in=chunk).values_list("pk", flat=True))
        for pk in ids:
            if pk not in found:
                problems.append(
                    _("the %(thing)s %(key)s was deleted since the preview")
                    % {"thing": model._meta.verbose_name, "key": quoted(keys[str(pk)])}
                )
    return problems


def _chunks(values: list):
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]
