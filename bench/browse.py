"""Time the browsing pages against the plain ORM query that fetches the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gfmd_bench \\
        .venv/bin/python bench/browse.py --practices 10000
    .venv/bin/python bench/browse.py --practices 10000        # SQLite: /tmp/gfmd-bench.sqlite3

A benchmark, not a test: it prints timings and asserts nothing. It prepares its own database
(migrate, load_paper, generate_practices), then runs every case in one process, in rounds that
alternate our page and the reference query, and prints medians. See bench/README.md.
"""

import argparse
import csv
import gc
import io
import os
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT_DB = ROOT / "db.sqlite3"
PAGE = 25


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--practices", type=int, default=10000, help="synthetic practices (default 10000)"
    )
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds (default 7)")
    parser.add_argument(
        "--sqlite",
        default="/tmp/gfmd-bench.sqlite3",  # noqa: S108 (a throwaway file is what is wanted)
        help="SQLite file used when DATABASE_URL is not set (default /tmp/gfmd-bench.sqlite3)",
    )
    parser.add_argument(
        "--regenerate",
        action="store_true",
        help="generate the synthetic practices again even if the right number exist",
    )
    return parser.parse_args()


def configure(args: argparse.Namespace) -> None:
    """This benchmark's database: DATABASE_URL, or the throwaway SQLite file."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(args.sqlite).expanduser().resolve()}"
    configure_django(url)


def configure_django(database_url: str) -> None:
    """Environment for the project's settings in a benchmark's own process, before Django
    reads them (every script of bench/ starts here)."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "gfmd_kb.settings"
    # DEBUG off, as in production (and DEBUG would keep every query in memory).
    os.environ["DEBUG"] = "false"
    os.environ["HTTPS"] = "false"  # the test client and the servers here speak plain HTTP
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    # One persistent connection for the whole run, so no request pays for reconnecting.
    os.environ["CONN_MAX_AGE"] = "3600"
    # The preparation runs commands in this process (generate_practices writes 100,000
    # practices; VACUUM ANALYZE): they get a command's statement limit, not a web request's
    # 5 s. The servers a benchmark starts are given their environment without it.
    os.environ["GFMD_PROCESS"] = "command"
    sys.path.insert(0, str(ROOT))
    # WhiteNoise warns that STATIC_ROOT does not exist: no static file is fetched here.
    warnings.filterwarnings("ignore", message="No directory at")


def setup_django() -> None:
    import django
    from django.conf import settings
    from django.test.utils import override_settings

    django.setup()
    name = settings.DATABASES["default"]["NAME"]
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and (
        Path(name).resolve() == PROJECT_DB.resolve()
    ):
        sys.exit(f"Refusing to benchmark on the project's own database {PROJECT_DB}.")
    # With DEBUG off the settings want collectstatic's manifest; pages name static files
    # through it. Plain storage, as the tests use, renders the same pages without it.
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()


def ensure_database() -> None:
    """Create the PostgreSQL database named by DATABASE_URL when it does not exist yet."""
    from django.db import connection
    from django.db.utils import OperationalError

    if connection.vendor != "postgresql":
        return
    try:
        connection.ensure_connection()
    except OperationalError as error:
        if "does not exist" not in str(error):
            raise
        name = connection.settings_dict["NAME"]
        # The maintenance-database cursor Django's own test runner creates databases with.
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
        print(f"created database {name}")


def prepare(practices: int, regenerate: bool) -> None:
    from django.core.management import call_command

    from practices.models import Practice

    for name, options in (("migrate", {"interactive": False}), ("load_paper", {})):
        began = time.perf_counter()
        call_command(name, verbosity=0, **options)
        print(f"{name}: {time.perf_counter() - began:.1f} s")
    existing = Practice.objects.filter(slug__startswith="synthetic-").count()
    if existing == practices and not regenerate:
        print(f"generate_practices: kept the {existing:,} synthetic practices already there")
    else:
        began = time.perf_counter()
        call_command("generate_practices", count=practices, clear=True, verbosity=0)
        print(f"generate_practices --count {practices}: {time.perf_counter() - began:.1f} s")
    analyse()


def analyse() -> None:
    """On PostgreSQL, VACUUM ANALYZE: after thousands of rows deleted and inserted, the
    planner's statistics are stale and the dead rows still there until autovacuum passes,
    which made timings swing tenfold between runs. This is the steady state a live database
    reaches on its own. (SQLite never gathers statistics unasked, so it is left as it is.)"""
    from django.db import connection

    if connection.vendor == "postgresql":
        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"VACUUM ANALYZE: {time.perf_counter() - began:.1f} s")


class Failure(Exception):
    pass


def fetch(client, url: str) -> bytes:
    """The whole response body, a streamed one included; a non-200 answer is a Failure."""
    response = client.get(url)
    try:
        if response.status_code != 200:
            raise Failure(f"HTTP {response.status_code}")
        if response.streaming:
            return b"".join(response.streaming_content)
        return response.content
    finally:
        response.close()


def drain(client, url: str) -> int:
    """Read a streamed body chunk by chunk without keeping it: its size in bytes."""
    response = client.get(url)
    try:
        if response.status_code != 200:
            raise Failure(f"HTTP {response.status_code}")
        chunks = response.streaming_content if response.streaming else [response.content]
        return sum(len(chunk) for chunk in chunks)
    finally:
        response.close()


# --- the reference queries: what the database alone costs for the same rows ---------------


def first_page_and_count(queryset) -> list[str]:
    rows = list(queryset[:PAGE])
    queryset.count()
    return [practice.title for practice in rows]


def reference_filtered():
    from practices.models import Practice

    return first_page_and_count(
        Practice.objects.filter(
            publication_state="published",
            themes__slug="children",
            country_links__country__iso2="MX",
            country_links__role="COD",
        )
        .distinct()
        .order_by("title")
    )


def reference_unfiltered():
    from practices.models import Practice

    return first_page_and_count(
        Practice.objects.filter(publication_state="published").order_by("title")
    )


def reference_search():
    from django.db.models import Q

    from practices.models import Practice

    queryset = Practice.objects.filter(publication_state="published")
    for word in ("unaccompanied", "children"):
        queryset = queryset.filter(
            Q(title__icontains=word) | Q(summary__icontains=word) | Q(description__icontains=word)
        )
    return first_page_and_count(queryset.order_by("title"))


def reference_export():
    """The scalar columns only (no many-to-many values): the cheapest possible fetch."""
    from practices.export_query import SCALARS
    from practices.models import Practice

    return list(
        Practice.objects.filter(publication_state="published")
        .order_by("title")
        .values_list(*SCALARS, "title_en", "summary_en", "description_en")
    )


def reference_export_prefetched():
    """The same data as the export, fetched the plain-ORM way: instances and prefetches."""
    from practices.models import Practice

    practices = (
        Practice.objects.filter(publication_state="published")
        .order_by("title")
        .select_related("lead_organisation")
        .prefetch_related(
            "themes",
            "country_links__country",
            "partners",
            "target_groups",
            "stages",
            "gcm_objectives",
            "metrics",
            "sources",
        )
    )
    return list(practices)


def reference_map():
    """Published practices per country: the one GROUP BY a map cannot do without."""
    from django.db.models import Count

    from practices.models import PracticeCountry

    return list(
        PracticeCountry.objects.filter(practice__publication_state="published")
        .values("country")
        .annotate(n=Count("practice", distinct=True))
        .order_by()
    )


def reference_corridors():
    from django.db.models import Count

    from practices.models import PracticeCountry

    return list(
        PracticeCountry.objects.filter(
            practice__publication_state="published",
            role="COO",
            practice__country_links__role="COD",
        )
        .values("country", "practice__country_links__country")
        .annotate(n=Count("practice", distinct=True))
        .order_by()
    )


def reference_gap_map():
    from django.db.models import Count

    from practices.models import Practice

    return list(
        Practice.objects.filter(publication_state="published")
        .values("themes", "target_groups", "evidence_level")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )


# --- checks that ours answered with the same rows ------------------------------------------


def titles_on_page(body: bytes, titles: list[str]) -> str:
    from django.utils.html import escape

    html = body.decode("utf-8", "replace")
    found = sum(escape(title) in html for title in titles)
    return f"{found}/{len(titles)} reference titles on the page"


def csv_rows(body: bytes, reference: list) -> str:
    records = list(csv.reader(io.StringIO(body.decode("utf-8-sig", "replace"))))
    return f"{len(records) - 1:,} rows, reference {len(reference):,}"


def map_links(body: bytes, reference: list) -> str:
    links = body.decode("utf-8", "replace").count('<a href="/practices/?')
    return f"{links} links, reference {len(reference):,} groups"


@dataclass
class Case:
    name: str
    url: str
    reference: Callable[[], list]
    check: Callable[[bytes, list], str]
    ours_ms: list[float] = field(default_factory=list)
    reference_ms: list[float] = field(default_factory=list)
    queries: int | None = None
    reference_queries: int | None = None
    failure: str = ""
    note: str = ""
    # Timed with an empty cache: what the page computes, not what it keeps.
    uncached: bool = False


CASES = [
    Case(
        "list: theme=children, cod=MX",
        "/practices/?theme=children&cod=MX",
        reference_filtered,
        titles_on_page,
    ),
    Case("list: unfiltered", "/practices/", reference_unfiltered, titles_on_page),
    Case(
        "search: unaccompanied children",
        "/practices/?q=unaccompanied+children",
        reference_search,
        titles_on_page,
    ),
    Case("export.csv: everything", "/practices/export.csv", reference_export, csv_rows),
    # The same pages in French: titles in French where a practice has them (the paper's), else
    # its English; the search reads French and English; the export's rows are kept per language.
    Case("list (fr): unfiltered", "/fr/practices/", reference_unfiltered, titles_on_page),
    Case(
        "search (fr): enfants non accompagnés",
        "/fr/practices/?q=enfants+non+accompagn%C3%A9s",
        reference_search,
        titles_on_page,
    ),
    Case("export.csv (fr): everything", "/fr/practices/export.csv", reference_export, csv_rows),
    # The maps, each computed afresh (their counts are otherwise cached until the data change),
    # against the bare GROUP BY their numbers come from.
    Case("map: any role", "/coverage/map/", reference_map, map_links, uncached=True),
    Case("corridors", "/coverage/corridors/", reference_corridors, map_links, uncached=True),
    Case("gap map", "/coverage/evidence/", reference_gap_map, map_links, uncached=True),
    Case(
        "export.csv vs ORM prefetch",
        "/practices/export.csv",
        reference_export_prefetched,
        csv_rows,
    ),
]


def describe(error: BaseException) -> str:
    if isinstance(error, Failure):
        return str(error)
    return f"error {type(error).__name__}: {str(error).splitlines()[0][:120] if str(error) else ''}"


def warm_up(client, case: Case) -> None:
    """One untimed run of each side: compiles templates, fills caches, counts queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        reference = case.reference()
    case.reference_queries = len(captured.captured_queries)
    try:
        with CaptureQueriesContext(connection) as captured:
            body = ours(client, case)
    except Exception as error:  # noqa: BLE001 (any failure is reported, and the run goes on)
        case.failure = describe(error)
        print(f"FAILED  {case.name}: GET {case.url} -> {case.failure}")
        return
    case.queries = len(captured.captured_queries)
    case.note = case.check(body, reference)


def ours(client, case: Case) -> bytes:
    if case.uncached:
        from django.core.cache import cache

        cache.clear()
    return fetch(client, case.url)


def timed(function) -> float:
    began = time.perf_counter()
    function()
    return (time.perf_counter() - began) * 1000


def run_rounds(client, rounds: int) -> None:
    for number in range(rounds):
        gc.collect()
        for case in CASES:
            if case.failure:
                continue
            sides = [("ours", lambda c=case: ours(client, c)), ("reference", case.reference)]
            # Alternate which side goes first, so neither always meets a warmer cache.
            for side, function in sides if number % 2 == 0 else reversed(sides):
                try:
                    elapsed = timed(function)
                except Exception as error:  # noqa: BLE001
                    case.failure = describe(error)
                    print(f"FAILED  {case.name} ({side}, round {number + 1}): {case.failure}")
                    break
                (case.ours_ms if side == "ours" else case.reference_ms).append(elapsed)
        print(f"round {number + 1}/{rounds} done")


def export_memory(client, case: Case) -> str:
    """Peak Python memory while the export streams (chunks read and dropped), and the same
    for the reference query; tracemalloc slows everything down, so this is a separate run."""
    if case.failure:
        return ""
    tracemalloc.start()
    try:
        size = drain(client, case.url)
        peak_ours = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        case.reference()
        peak_reference = tracemalloc.get_traced_memory()[1]
    except Exception as error:  # noqa: BLE001
        return f"export memory: {describe(error)}"
    finally:
        tracemalloc.stop()
    mb = 1024 * 1024
    return (
        f"export.csv: {size / mb:.1f} MB streamed; peak Python memory {peak_ours / mb:.1f} MB "
        f"(reference query: {peak_reference / mb:.1f} MB)"
    )


def report(practices: int, rounds: int, memory: str) -> None:
    import django
    from django.db import connection

    print()
    print(
        f"{practices:,} synthetic practices + the paper's, {connection.vendor} "
        f"({connection.settings_dict['NAME']}), Django {django.get_version()}, "
        f"Python {sys.version.split()[0]}, median of {rounds} rounds"
    )
    header = f"{'case':<32} {'ours ms':>9} {'ref ms':>9} {'ratio':>8} {'queries':>9}  check"
    print(header)
    print("-" * len(header))
    for case in CASES:
        if case.failure and not case.ours_ms:
            print(f"{case.name:<32} {'-':>9} {'-':>9} {'-':>8} {'-':>9}  FAILED: {case.failure}")
            continue
        ours = statistics.median(case.ours_ms)
        reference = statistics.median(case.reference_ms)
        queries = f"{case.queries} ({case.reference_queries})"
        print(
            f"{case.name:<32} {ours:>9.1f} {reference:>9.1f} {ours / reference:>7.1f}x "
            f"{queries:>9}  {case.note}{'  FAILED later: ' + case.failure if case.failure else ''}"
        )
    print()
    print("queries: ours (reference). ratio: our median / the reference's median.")
    print(
        "export.csv's reference fetches the scalar columns only, not the many-to-many ones "
        "(themes, countries, organisations, figures, sources) that the export writes."
    )
    if memory:
        print(memory)


def main() -> None:
    args = parse_args()
    configure(args)
    setup_django()
    ensure_database()
    prepare(args.practices, args.regenerate)

    from django.test import Client

    client = Client()
    for case in CASES:
        warm_up(client, case)
    run_rounds(client, args.rounds)
    memory = export_memory(client, CASES[-1])
    report(args.practices, args.rounds, memory)


if __name__ == "__main__":
    main()
