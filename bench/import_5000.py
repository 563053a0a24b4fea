"""Time importing 5,000 practices through the admin's spreadsheet resource, against loaddata
of the same records.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gfmd_impbench \\
        .venv/bin/python bench/import_5000.py
    .venv/bin/python bench/import_5000.py        # SQLite: /tmp/gfmd-impbench.sqlite3

A benchmark, not a test: it prints timings and asserts nothing. It prepares its own database
(migrate, load_paper, generate_practices), writes the synthetic practices once as an import
file (CSV, through practices.curation.imports.resources) and once as fixtures (dumpdata with
natural keys), then removes them and, in rounds that alternate which goes first, loads them
back each way into the database without them. See bench/README.md.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from browse import PROJECT_DB, analyse, configure_django, ensure_database, setup_django

PREFIX = "synthetic-"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--practices", type=int, default=5000, help="practices in the file (default 5000)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (default 3)")
    parser.add_argument(
        "--sqlite",
        default="/tmp/gfmd-impbench.sqlite3",  # noqa: S108 (a throwaway file is what is wanted)
        help="SQLite file used when DATABASE_URL is not set (default /tmp/gfmd-impbench.sqlite3)",
    )
    parser.add_argument(
        "--files",
        default="/tmp/gfmd-impbench",  # noqa: S108
        help="folder for the import file and the fixtures (default /tmp/gfmd-impbench)",
    )
    parser.add_argument(
        "--no-preview", action="store_true", help="skip the untimed-for-ratio dry run"
    )
    return parser.parse_args()


def configure(args: argparse.Namespace) -> None:
    """This benchmark's database: DATABASE_URL, or its throwaway SQLite file."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        path = Path(args.sqlite).expanduser().resolve()
        if path == PROJECT_DB.resolve():
            sys.exit(f"Refusing to benchmark on the project's own database {PROJECT_DB}.")
        url = f"sqlite:///{path}"
    configure_django(url)


def timed(label: str, function):
    began = time.perf_counter()
    value = function()
    elapsed = time.perf_counter() - began
    print(f"  {label}: {elapsed:.1f} s")
    return elapsed, value


def prepare(count: int) -> None:
    from django.core.management import call_command

    from practices.models import Practice

    for name, options in (("migrate", {"interactive": False}), ("load_paper", {})):
        timed(name, lambda n=name, o=options: call_command(n, verbosity=0, **o))
    if Practice.objects.filter(slug__startswith=PREFIX).count() != count:
        timed(
            f"generate_practices --count {count}",
            lambda: call_command("generate_practices", count=count, clear=True, verbosity=0),
        )


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


def write_files(folder: Path) -> tuple[Path, list[Path]]:
    """The synthetic practices as an import file, and as fixtures (practices first, then their
    country links and figures), all by natural key."""
    from django.core.management import call_command

    from practices.models import OutcomeMetric, PracticeCountry

    folder.mkdir(parents=True, exist_ok=True)
    import_file = write_import_file(folder / "practices.csv", synthetic())
    fixtures = []
    practices = synthetic()
    for label, queryset in (
        ("practices.practice", practices),
        ("practices.practicecountry", PracticeCountry.objects.filter(practice__in=practices)),
        ("practices.outcomemetric", OutcomeMetric.objects.filter(practice__in=practices)),
    ):
        path = folder / f"{label.split('.')[1]}.json"
        ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
        call_command(
            "dumpdata",
            label,
            pks=",".join(ids),
            natural_foreign=True,
            natural_primary=True,
            output=str(path),
            verbosity=0,
        )
        fixtures.append(path)
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in [import_file, *fixtures])
    print(f"  files: {sizes}")
    return import_file, fixtures


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


def run_import(path: Path, dry_run: bool = False):
    import tablib

    from practices.curation.imports.resources import PracticeResource

    dataset = tablib.Dataset().load(path.read_text(encoding="utf-8"), format="csv")
    result = PracticeResource().import_data(dataset, dry_run=dry_run, file_name=path.name)
    if result.has_errors() or result.has_validation_errors():
        first = (result.base_errors or [None])[0] or result.invalid_rows[0]
        sys.exit(f"The import failed: {first.error if hasattr(first, 'error') else first}")
    return result


def run_loaddata(paths: list[Path]) -> None:
    from django.core.management import call_command
    from django.test.utils import override_settings

    # As load_paper loads fixtures: history off (loaddata's saves are raw, but its
    # many-to-many links would each write a history entry).
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        call_command("loaddata", *[str(p) for p in paths], verbosity=0)


def main() -> None:
    args = parse_args()
    configure(args)
    setup_django()
    ensure_database()

    from django.db import connection

    from practices.models import Practice
    from practices.search_index import update_search_index

    print("preparing")
    prepare(args.practices)
    expected = counts()
    print("  rows: " + ", ".join(f"{name} {n:,}" for name, n in expected.items()))
    import_file, fixtures = write_files(Path(args.files))
    history_model = Practice.history.model

    times = {"import": [], "loaddata": []}
    history_entries = 0
    mismatches = []
    for number in range(args.rounds):
        print(f"round {number + 1}/{args.rounds}")
        sides = ["import", "loaddata"] if number % 2 == 0 else ["loaddata", "import"]
        for side in sides:
            remove_synthetic()
            if side == "import":
                elapsed, _ = timed("import", lambda: run_import(import_file))
                history_entries = history_model.objects.filter(slug__startswith=PREFIX).count()
            else:
                elapsed, _ = timed("loaddata", lambda: run_loaddata(fixtures))
            times[side].append(elapsed)
            if counts() != expected:
                mismatches.append(f"{side}, round {number + 1}: {counts()}")

    # What the import does beyond writing the rows, measured apart (not in the ratio).
    remove_synthetic()
    run_loaddata(fixtures)
    index_time, _ = timed(
        "search index of the loaded practices", lambda: update_search_index(synthetic())
    )
    preview_time = None
    if not args.no_preview:
        remove_synthetic()
        preview_time, _ = timed(
            "preview (dry run) of the file", lambda: run_import(import_file, True)
        )

    import django

    imported, loaded = statistics.median(times["import"]), statistics.median(times["loaddata"])
    print()
    print(
        f"{args.practices:,} practices, {connection.vendor} ({connection.settings_dict['NAME']}), "
        f"Django {django.get_version()}, Python {sys.version.split()[0]}, "
        f"median of {args.rounds} rounds"
    )
    per_row = imported / args.practices * 1000
    print(f"import through PracticeResource: {imported:8.1f} s  ({per_row:.1f} ms a row)")
    print(f"loaddata of the same records:     {loaded:8.1f} s")
    print(f"ratio import / loaddata:          {imported / loaded:8.1f}x")
    print(
        f"the import also wrote {history_entries:,} practice history entries and the search "
        f"index ({index_time:.1f} s of its time when done alone)"
    )
    if preview_time is not None:
        print(
            f"the admin's preview of the same file (dry run, with its diff): {preview_time:.1f} s"
        )
    for line in mismatches:
        print(f"MISMATCH {line}: expected {expected}")


if __name__ == "__main__":
    main()
