"""Files and clean-up shared by the import benchmarks (bench/import.py, bench/load.py): the
synthetic practices exported as an import file, their rows counted table by table, and
practices removed in plain SQL between rounds."""

import time
from pathlib import Path

from browse import analyse

PREFIX = "synthetic-"


def timed(label: str, function):
    began = time.perf_counter()
    value = function()
    elapsed = time.perf_counter() - began
    print(f"  {label}: {elapsed:.1f} s")
    return elapsed, value


def synthetic():
    from practices.models import Practice

    return Practice.objects.filter(slug__startswith=PREFIX).order_by("slug")


def counts() -> dict[str, int]:
    """The synthetic practices' rows, table by table: what each load must write."""
    from practices.models import OutcomeMetric, Practice, PracticeCountry

    practices = synthetic()
    found = {
        "practices": practices.count(),
        "country links": PracticeCountry.objects.filter(practice__in=practices).count(),
        "figures": OutcomeMetric.objects.filter(practice__in=practices).count(),
    }
    for field in Practice._meta.many_to_many:
        through = field.remote_field.through
        if through._meta.auto_created:  # countries are the country links above
            found[field.name] = through.objects.filter(practice__in=practices).count()
    return found


def write_import_file(path: Path, practices, rename=None) -> Path:
    """Practices as an import file (CSV), exported through the resource itself; ``rename``
    may change the dataset first (bench/load.py makes the rows new practices)."""
    from practices.curation.imports.resources import PracticeResource

    _, dataset = timed("export through the resource", lambda: PracticeResource().export(practices))
    if rename is not None:
        rename(dataset)
    path.write_text(dataset.export("csv"), encoding="utf-8")
    return path


def remove_synthetic(prefix: str = PREFIX) -> None:
    """Delete the synthetic practices (or those whose slug starts with ``prefix``),
    everything that points to them, and their history, in plain SQL: the ORM would send a
    delete signal per row (and write a history entry for each), which is not what is
    measured."""
    from django.apps import apps
    from django.db import connection, transaction

    from practices.models import Practice

    quote = connection.ops.quote_name
    practices = f"SELECT id FROM {quote(Practice._meta.db_table)} WHERE slug LIKE %s"  # noqa: S608
    pattern = [prefix + "%"]
    with transaction.atomic(), connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            for field in model._meta.concrete_fields:
                if field.is_relation and field.related_model is Practice:
                    cursor.execute(
                        f"DELETE FROM {quote(model._meta.db_table)} "  # noqa: S608
                        f"WHERE {quote(field.column)} IN ({practices})",
                        pattern,
                    )
        cursor.execute(
            f"DELETE FROM {quote(Practice.history.model._meta.db_table)} "  # noqa: S608
            f"WHERE id IN ({practices})",
            pattern,
        )
        cursor.execute(
            f"DELETE FROM {quote(Practice._meta.db_table)} WHERE slug LIKE %s",  # noqa: S608
            pattern,
        )
    analyse()
