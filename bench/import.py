"""Time the spreadsheet import's two background jobs, the preview and the confirmation, for a
file of N new practices, against loaddata of the same practices.

    .venv/bin/python bench/import.py                  # SQLite: /tmp/gfmd-import-bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gfmd_import_bench \\
        .venv/bin/python bench/import.py --rows 5000

A benchmark, not a test: it prints timings and asserts nothing but that the import did what it
should. It prepares its own database (migrate, load_paper) and builds the file as a curator
would: the paper's practices exported through the import's own resource, then copied over and
over with new slugs and titles until it has N rows (like a file of twelve new practices grown
into larger ones). Each round then, in this one process:

1. uploads the file as the import page does (``jobs.start``) and runs the queued preview with
   the worker ``manage.py db_worker`` runs (the same ``Worker`` class, in batch mode);
2. confirms it (``jobs.confirm``) and runs the worker again: the practices are written, with
   their history and search index;
3. dumps the imported practices, their country links and figures as a fixture, removes them,
   and times ``loaddata`` of that fixture: the reference the ratio is taken against.

The peak memory of each step is this process's peak resident set (``VmHWM`` in
/proc/self/status), reset before the step (``/proc/self/clear_refs``): the process is the worker
while it runs the job. See bench/README.md.
"""

import argparse
import cProfile
import io
import os
import pstats
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from browse import PROJECT_DB, analyse, configure_django, ensure_database, setup_django

PREFIX = "bench-import-"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000, help="rows in the file (default 5000)")
    parser.add_argument("--rounds", type=int, default=1, help="timed rounds (default 1)")
    parser.add_argument(
        "--format", choices=["csv", "xlsx"], default="csv", help="the file's format (csv)"
    )
    parser.add_argument(
        "--sqlite",
        default="/tmp/gfmd-import-bench.sqlite3",  # noqa: S108 (a throwaway file is wanted)
        help="SQLite file used when DATABASE_URL is not set",
    )
    parser.add_argument(
        "--profile",
        metavar="STEP",
        choices=["preview", "confirm"],
        help="run this step under cProfile and print its 30 heaviest functions",
    )
    return parser.parse_args()


def configure(args: argparse.Namespace) -> Path:
    url = os.environ.get("DATABASE_URL")
    if not url:
        path = Path(args.sqlite).expanduser().resolve()
        if path == PROJECT_DB.resolve():
            sys.exit(f"Refusing to benchmark on the project's own database {PROJECT_DB}.")
        url = f"sqlite:///{path}"
    configure_django(url)
    media = Path(tempfile.mkdtemp(prefix="gfmd-import-bench-"))
    os.environ["MEDIA_ROOT"] = str(media)
    # A file past the import's row limit would be refused: the limit is the file's rows.
    os.environ.setdefault("IMPORT_MAX_ROWS", str(args.rows))
    return media


# -- memory -----------------------------------------------------------------------------------


def reset_peak() -> None:
    """Start measuring the peak resident set afresh (Linux: writing 5 to clear_refs)."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def cpu_seconds() -> float:
    """This process's CPU time: on a shared machine, what the step cost it whatever else ran
    (the database's own work is in it on SQLite, not on PostgreSQL)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def memory() -> dict[str, int]:
    """The current (VmRSS) and peak (VmHWM) resident set, in MB."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _sep, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) // 1024
    return found


# -- the file -------------------------------------------------------------------------------------


def build_file(rows: int, file_format: str) -> bytes:
    """The paper's practices, exported through the import's resource, copied until there are
    ``rows``, each copy with a slug and a title of its own (new practices)."""
    import tablib

    from practices.curation.imports.resources import PracticeResource
    from practices.models import Practice

    paper = PracticeResource().export(Practice.objects.exclude(slug__startswith=PREFIX))
    records = list(paper.dict)
    out = tablib.Dataset(headers=paper.headers)
    for number in range(rows):
        record = dict(records[number % len(records)])
        copy = number // len(records) + 1
        record["slug"] = f"{PREFIX}{number:05d}-{record['slug']}"[:120]
        record["title"] = f"{record['title']} (copy {copy})"
        out.append([record[name] for name in paper.headers])
    data = out.export(file_format)
    return data.encode() if isinstance(data, str) else data


# -- the steps ------------------------------------------------------------------------------------


def run_worker() -> None:
    """The queued tasks, run by the worker class of ``manage.py db_worker --batch``."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="bench-worker",
        excluded_queue_names=[],
    ).run()


def step(name: str, function, profile: bool):
    reset_peak()
    before = memory()["VmRSS"]
    cpu = cpu_seconds()
    profiler = cProfile.Profile() if profile else None
    began = time.perf_counter()
    if profiler:
        profiler.enable()
    value = function()
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - began
    cpu = cpu_seconds() - cpu
    peak = memory()["VmHWM"]
    print(
        f"  {name}: {elapsed:.1f} s ({cpu:.1f} s of CPU in this process), "
        f"peak RSS {peak} MB (was {before} MB before)"
    )
    if profiler:
        out = io.StringIO()
        order = os.environ.get("BENCH_SORT", "cumulative")
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(30)
        print(out.getvalue())
    return elapsed, peak, value


def import_round(content: bytes, name: str, user, profile: str | None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from practices.curation.imports import jobs
    from practices.curation.models import ImportJob

    upload = SimpleUploadedFile(name, content)
    file_format = name.rsplit(".", 1)[1]
    job = jobs.start(user, upload, file_format)
    preview_s, preview_peak, _ = step("preview", run_worker, profile == "preview")
    job.refresh_from_db()
    if job.state != ImportJob.State.PREVIEWED:
        first = job.rows.first()
        sys.exit(f"The preview did not pass: {job.state} {job.message} {first and first.details}")
    print(f"    {job.new_count} new, {job.changed_count} changed, {job.warning_count} warnings")
    jobs.confirm(job)
    confirm_s, confirm_peak, _ = step("confirm", run_worker, profile == "confirm")
    job.refresh_from_db()
    if job.state != ImportJob.State.IMPORTED:
        sys.exit(f"The confirmation failed: {job.state} {job.message}")
    return preview_s, confirm_s, max(preview_peak, confirm_peak)


def written() -> dict[str, int]:
    """What the import wrote, table by table."""
    from practices.models import OutcomeMetric, Practice, PracticeCountry

    practices = Practice.objects.filter(slug__startswith=PREFIX)
    return {
        "practices": practices.count(),
        "country links": PracticeCountry.objects.filter(practice__in=practices).count(),
        "figures": OutcomeMetric.objects.filter(practice__in=practices).count(),
        "theme links": Practice.themes.through.objects.filter(practice__in=practices).count(),
        "practice history": Practice.history.filter(slug__startswith=PREFIX).count(),
        "indexed": practices.exclude(search_text="").count(),
    }


def dump_fixture(folder: Path) -> list[Path]:
    """The imported practices, their country links and figures, as loaddata reads them."""
    from django.core.management import call_command

    from practices.models import OutcomeMetric, Practice, PracticeCountry

    practices = Practice.objects.filter(slug__startswith=PREFIX)
    paths = []
    for label, queryset in (
        ("practices.practice", practices),
        ("practices.practicecountry", PracticeCountry.objects.filter(practice__in=practices)),
        ("practices.outcomemetric", OutcomeMetric.objects.filter(practice__in=practices)),
    ):
        path = folder / f"{label.split('.')[1]}.json"
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        call_command("dumpdata", label, pks=ids, output=str(path), verbosity=0)
        paths.append(path)
    return paths


def loaddata(paths: list[Path]) -> None:
    """As load_paper loads fixtures: history off (loaddata's saves are raw, but its
    many-to-many links would each write a history entry), and no search index."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        call_command("loaddata", *[str(p) for p in paths], verbosity=0)


def main() -> None:
    args = parse_args()
    media = configure(args)
    setup_django()
    ensure_database()

    import django
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from import_files import remove_synthetic

    print("preparing")
    for name, options in (("migrate", {"interactive": False}), ("load_paper", {})):
        call_command(name, verbosity=0, **options)
    remove_synthetic(PREFIX)
    curator, _created = get_user_model().objects.get_or_create(
        username="bench-curator", defaults={"is_staff": True}
    )
    name = f"practices-{args.rows}.{args.format}"
    content = build_file(args.rows, args.format)
    print(f"  file: {name}, {len(content) / 1e6:.1f} MB")

    results = {"preview": [], "confirm": [], "loaddata": []}
    peaks = []
    counts = {}
    for number in range(args.rounds):
        print(f"round {number + 1}/{args.rounds}")
        remove_synthetic(PREFIX)
        preview_s, confirm_s, peak = import_round(content, name, curator, args.profile)
        results["preview"].append(preview_s)
        results["confirm"].append(confirm_s)
        peaks.append(peak)
        counts = written()
        print("    wrote: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        fixture = dump_fixture(media)
        remove_synthetic(PREFIX)
        elapsed, _peak, _ = step("loaddata", lambda f=fixture: loaddata(f), False)
        results["loaddata"].append(elapsed)
    remove_synthetic(PREFIX)
    analyse()

    preview, confirm, reference = (statistics.median(results[k]) for k in results)
    total = preview + confirm
    print()
    print(
        f"{args.rows:,} rows ({args.format}), {connection.vendor}, Django {django.get_version()}, "
        f"Python {sys.version.split()[0]}, median of {args.rounds} round(s)"
    )
    print(f"preview (worker job):        {preview:7.1f} s")
    print(f"confirm (worker job):        {confirm:7.1f} s")
    print(f"preview + confirm:           {total:7.1f} s  ({total / args.rows * 1000:.1f} ms a row)")
    print(f"loaddata of the same rows:   {reference:7.1f} s  (history off, no search index)")
    print(f"ratio (preview + confirm) / loaddata: {total / reference:.2f}x")
    print(f"worker's peak RSS:           {max(peaks)} MB")


if __name__ == "__main__":
    main()
