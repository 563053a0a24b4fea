"""Every record of the base by natural key: what a command may or may not change."""

import json

from django.apps import apps

APP_LABELS = ["countries", "practices"]
VOLATILE = {"id", "created_at", "updated_at"}
# Derived from the rest, and rebuilt from it: the ready export rows.
DERIVED = {"exportrow"}


def data_models():
    """The two apps' models, without the history tables (which have no natural key) and what is
    derived from the others."""
    for label in APP_LABELS:
        for model in apps.get_app_config(label).get_models():
            name = model._meta.model_name
            if not name.startswith("historical") and name not in DERIVED:
                yield model


def snapshot() -> dict:
    """Every record of the two apps, keyed by natural key, ids left out."""
    result = {}
    for model in data_models():
        rows = []
        for obj in model.objects.all():
            row = {
                f.name: str(getattr(obj, f.name))
                for f in model._meta.concrete_fields
                if f.name not in VOLATILE
            }
            for m2m in model._meta.many_to_many:
                row[m2m.name] = sorted(str(o) for o in getattr(obj, m2m.name).all())
            rows.append(row)
        result[model._meta.label] = sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))
    return result
