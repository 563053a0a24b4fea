"""A practice's content as data: what a revision holds, compares, merges and publishes.

``content_of`` reads a practice with its many-to-many links, country links, figures and
evaluations into a JSON-serialisable dict; ``apply_content`` writes such a dict onto a practice
in place (same id, slug and URL), keeping the rows that stay, so their history continues;
``merge`` takes a revision's changes onto a published practice that changed since the revision
was started; ``describe`` and ``diff`` say it in the words a reviewer reads.

What is content is everything a curator edits about the practice; what is not: its identity
(id, slug: its URL), the workflow's fields, the reviewer's verification, the scorecard (a
reviewer's own judgement, applied at once), and what is derived (search data, timestamps).
"""

import difflib
from decimal import Decimal

from django.db import models, transaction
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .languages import bare_columns, translations
from .models import Evaluation, OutcomeMetric, Practice, PracticeCountry

NOT_CONTENT = {
    "id",
    "slug",
    "publication_state",
    "state_changed_at",
    "state_changed_by",
    "verified_on",
    "verified_by",
    "verified_against",
    "search_text",
    "search_vector",
    "created_at",
    "updated_at",
}
# The rows hanging off a practice that are part of its content, by their related name.
RELATED = {
    "country_links": PracticeCountry,
    "metrics": OutcomeMetric,
    "evaluations": Evaluation,
}
NOT_ROW_CONTENT = {"id", "practice", "created_at", "updated_at"}


def fields() -> list[models.Field]:
    """The practice's own content fields, in the model's order: each language's words
    (``title_en``, ``title_fr``…), never the bare column (``title``), which holds whichever
    language was active at the last save (``practices.languages``)."""
    bare = bare_columns(Practice)
    return [
        f
        for f in Practice._meta.concrete_fields
        if f.name not in NOT_CONTENT and f.name not in bare and not f.many_to_many
    ]


def m2m_fields() -> list[models.ManyToManyField]:
    # The countries are the country_links rows, with their roles.
    return [f for f in Practice._meta.many_to_many if f.name != "countries"]


def row_fields(model) -> list[models.Field]:
    bare = bare_columns(model)
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in NOT_ROW_CONTENT and f.name not in bare
    ]


# -- reading --------------------------------------------------------------------------------


def encode(field: models.Field, value):
    """A field's value as JSON holds it, the same whether read from the database or a form."""
    if value is None:
        return None
    if value == "" and field.null and isinstance(field, models.CharField | models.TextField):
        return None  # a translation left empty: a form gives "", the base holds none
    if isinstance(field, models.ForeignKey):
        return value.pk if isinstance(value, models.Model) else value
    if isinstance(field, models.DecimalField):
        return str(Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places)))
    return value


def decode(field: models.Field, value):
    if value is not None and isinstance(field, models.DecimalField):
        return Decimal(value)
    return value


def row_content(obj, values: dict | None = None) -> dict:
    """One related row: ``obj``'s stored values, or ``values`` (a form's) where given."""
    row = {"id": obj.pk}
    for f in row_fields(type(obj)):
        if values is not None and f.name in values:
            row[f.name] = encode(f, values[f.name])
        else:
            row[f.name] = encode(f, getattr(obj, f.attname))
    return row


def content_of(practice: Practice) -> dict:
    """The practice's content as stored."""
    return {
        "fields": {f.name: encode(f, getattr(practice, f.attname)) for f in fields()},
        "m2m": {
            f.name: sorted(getattr(practice, f.name).values_list("pk", flat=True))
            for f in m2m_fields()
        },
        **{
            name: [
                row_content(obj) for obj in model.objects.filter(practice=practice).order_by("pk")
            ]
            for name, model in RELATED.items()
        },
    }


# -- writing --------------------------------------------------------------------------------


def attribute(obj, attribution: dict):
    """``obj`` with ``attribution`` (``_history_user``, ``_change_reason``) for its next save."""
    for name, value in attribution.items():
        setattr(obj, name, value)
    return obj


def apply_content(practice: Practice, content: dict, attribution: dict) -> None:
    """Make ``practice`` hold ``content``, in one transaction.

    Rows are matched by id: a row that stays is updated only if it changed, so its history
    shows what changed; a row without an id (or whose id is gone) is added; a stored row the
    content lacks is deleted. The practice's own fields and links make one history entry.
    ``attribution`` (``_history_user``, ``_change_reason``) labels every entry written.
    """
    with transaction.atomic():
        for name, model in RELATED.items():
            _apply_rows(practice, model, content[name], attribution)
        for f in fields():
            setattr(practice, f.attname, decode(f, content["fields"][f.name]))
        practice.skip_history_when_saving = True
        try:
            for f in m2m_fields():
                getattr(practice, f.name).set(content["m2m"][f.name])
        finally:
            del practice.skip_history_when_saving
        attribute(practice, attribution).save()


def _apply_rows(practice, model, rows: list[dict], attribution: dict) -> None:
    stored = {obj.pk: obj for obj in model.objects.filter(practice=practice)}
    kept = {row["id"] for row in rows if row["id"] in stored}
    # Deletions first: a figure re-added with the label and year of one removed must not
    # collide with it.
    for pk, obj in stored.items():
        if pk not in kept:
            attribute(obj, attribution).delete()
    for row in rows:
        obj = stored.get(row["id"]) or model(practice=practice)
        changed = False
        for f in row_fields(model):
            value = decode(f, row[f.name])
            if obj.pk is None or getattr(obj, f.attname) != value:
                setattr(obj, f.attname, value)
                changed = True
        if changed:
            attribute(obj, attribution).save()


# -- merging --------------------------------------------------------------------------------


def parts(content: dict) -> dict[str, object]:
    """The content cut into the parts a merge decides on: each field, each many-to-many
    field, each list of related rows (compared whole)."""
    found = {f"fields.{name}": value for name, value in content["fields"].items()}
    found.update({f"m2m.{name}": value for name, value in content["m2m"].items()})
    found.update({name: _canonical(content[name]) for name in RELATED})
    return found


def _canonical(rows: list[dict]) -> list:
    return sorted((sorted(row.items()) for row in rows), key=repr)


def merge(base: dict, live: dict, revision: dict) -> tuple[dict, list[str]]:
    """The revision's changes (from ``base``) carried onto ``live``, and the parts both
    changed differently (the conflicts; there the revision's version is taken)."""
    merged = {
        "fields": dict(live["fields"]),
        "m2m": dict(live["m2m"]),
        **{name: list(live[name]) for name in RELATED},
    }
    base_parts, live_parts, revision_parts = parts(base), parts(live), parts(revision)
    conflicts = []
    for key, value in revision_parts.items():
        if value == base_parts.get(key):
            continue  # the revision left it as it was
        if live_parts.get(key) not in (base_parts.get(key), value):
            conflicts.append(key)
        section, _dot, name = key.partition(".")
        if name:
            merged[section][name] = revision[section][name]
        else:
            merged[key] = revision[key]
    return merged, conflicts


# -- reading it as a reviewer does ----------------------------------------------------------


def part_label(key: str) -> str:
    section, _dot, name = key.partition(".")
    if name:
        return str(capfirst(Practice._meta.get_field(name).verbose_name))
    return str(capfirst(RELATED[section]._meta.verbose_name_plural))


def _names(model, pks) -> dict:
    return {obj.pk: str(obj) for obj in model.objects.filter(pk__in=pks)} if pks else {}


def _field_text(f: models.Field, value, names: dict) -> str:
    if value is None or value == "":
        return ""
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.ForeignKey):
        return names.get((f.related_model, value), _("(deleted record %(pk)s)") % {"pk": value})
    if isinstance(f, models.DecimalField):
        return OutcomeMetric.format_value(Decimal(value), "")
    return str(value)


def describe(*contents: dict) -> list[dict]:
    """Each content as text, part by part: ``[{"key", "label", "values": [text or lines,
    one per content]}]``. Names of related records are read in one query per model."""
    wanted: dict = {}

    def want(model, value):
        if value is not None:
            wanted.setdefault(model, set()).add(value)

    for content in contents:
        for f in fields():
            if isinstance(f, models.ForeignKey):
                want(f.related_model, content["fields"][f.name])
        for f in m2m_fields():
            for pk in content["m2m"][f.name]:
                want(f.related_model, pk)
        for name, model in RELATED.items():
            for f in row_fields(model):
                if isinstance(f, models.ForeignKey):
                    for row in content[name]:
                        want(f.related_model, row[f.name])
    names = {
        (model, pk): text
        for model, pks in wanted.items()
        for pk, text in _names(model, pks).items()
    }
    described = []
    for f in fields():
        described.append(
            {
                "key": f"fields.{f.name}",
                "label": str(capfirst(f.verbose_name)),
                "values": [_field_text(f, c["fields"][f.name], names) for c in contents],
            }
        )
    for f in m2m_fields():
        described.append(
            {
                "key": f"m2m.{f.name}",
                "label": str(capfirst(f.verbose_name)),
                "values": [
                    sorted(names.get((f.related_model, pk), str(pk)) for pk in c["m2m"][f.name])
                    for c in contents
                ],
            }
        )
    for name, model in RELATED.items():
        described.append(
            {
                "key": name,
                "label": part_label(name),
                "values": [[_row_text(model, row, names) for row in c[name]] for c in contents],
            }
        )
    return described


def _row_text(model, row: dict, names: dict) -> str:
    if model is PracticeCountry:
        text = "{country} — {role}, {involvement}".format(
            country=names.get(
                (PracticeCountry._meta.get_field("country").related_model, row["country"]),
                row["country"],
            ),
            role=str(PracticeCountry.Role(row["role"]).label).lower(),
            involvement=str(PracticeCountry.Involvement(row["involvement"]).label).lower(),
        )
        return f"{text}: {row['note']}" if row["note"] else text
    if model is OutcomeMetric:
        value = OutcomeMetric.format_value(Decimal(row["value"]), row["qualifier"])
        text = f"{row['label_en']}: {value} {row['unit_en']} ({row['year']})"
        translated = [
            f"{code}: {row.get(f'label_{code}')} ({row.get(f'unit_{code}') or '—'})"
            for code in translations()
            if row.get(f"label_{code}")
        ]
        if translated:
            text += " [" + "; ".join(translated) + "]"
        if row["comparison_note"]:
            text += f" — {row['comparison_note']}"
        if row["source"]:
            text += " [{}]".format(
                names.get(
                    (OutcomeMetric._meta.get_field("source").related_model, row["source"]),
                    row["source"],
                )
            )
        return text
    text = "{method}, {evaluator} ({year}): {findings}".format(
        method=dict(Evaluation.Method.choices).get(row["method"], row["method"]),
        evaluator=row["evaluator"],
        year=row["year"],
        findings=row["findings"],
    )
    if row["source"]:
        text += " [{}]".format(
            names.get(
                (Evaluation._meta.get_field("source").related_model, row["source"]), row["source"]
            )
        )
    return text


def diff(old: dict, new: dict) -> list[dict]:
    """What ``new`` changes from ``old``, part by part, only the parts that differ: a text's
    words removed and added, a list's lines removed and added."""
    changes = []
    for part in describe(old, new):
        before, after = part["values"]
        if before == after:
            continue
        change = {"key": part["key"], "label": part["label"]}
        if isinstance(before, list):
            change["removed"] = [line for line in before if line not in after]
            change["added"] = [line for line in after if line not in before]
        else:
            change["old"], change["new"] = before, after
            change["words"] = word_diff(before, after)
        changes.append(change)
    return changes


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """``[(kind, text)]`` with kind "same", "removed" or "added", word by word."""
    a, b = old.split(" "), new.split(" ")
    pieces = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(("same", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("removed", " ".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("added", " ".join(b[j1:j2])))
    return pieces
