"""Time the roundtable brief of a long list in each of its formats: the page, the PDF, the Word
file and the Excel workbook, against the CSV export of the same list in the same process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gfmd_bench_brief \\
        .venv/bin/python bench/brief.py --practices 441
    .venv/bin/python bench/brief.py --practices 441       # SQLite: /tmp/gfmd-bench-brief.sqlite3

With the paper's 59, ``--practices 441`` makes the 500 practices the brief is timed on (the
whole list, no filter). A benchmark, not a test: it prints medians and asserts nothing. Each
format is made from scratch each round (the cache is emptied first: a second download of the
same brief comes from the cache, timed on its own line). See bench/README.md.
"""

import argparse
import statistics
import time
from pathlib import Path

from browse import configure_django, ensure_database, fetch, prepare, setup_django

CASES = [
    ("CSV export (reference)", "/practices/export.csv"),
    ("brief page (HTML)", "/practices/brief/"),
    ("brief.docx", "/practices/brief.docx"),
    ("export.xlsx", "/practices/export.xlsx"),
    ("brief.pdf", "/practices/brief.pdf"),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--practices", type=int, default=441, help="synthetic practices (441)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (default 3)")
    parser.add_argument(
        "--sqlite",
        default="/tmp/gfmd-bench-brief.sqlite3",  # noqa: S108 (a throwaway file)
        help="SQLite file used when DATABASE_URL is not set",
    )
    parser.add_argument("--regenerate", action="store_true", help="generate the practices again")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    import os

    url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(args.sqlite).resolve()}"
    configure_django(url)
    setup_django()
    ensure_database()
    prepare(args.practices, args.regenerate)

    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from practices.models import Practice

    client = Client()
    count = Practice.objects.published().count()
    print(f"\n{count} published practices on {connection.vendor}; {args.rounds} rounds\n")
    results = {}
    for name, path in CASES:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            size = len(fetch(client, path))  # once untimed: templates, fonts, imports
        times = []
        for _ in range(args.rounds):
            cache.clear()
            began = time.perf_counter()
            fetch(client, path)
            times.append(time.perf_counter() - began)
        began = time.perf_counter()
        fetch(client, path)  # the same file again: from the cache where it is cached
        again = time.perf_counter() - began
        results[name] = (statistics.median(times), again, len(queries), size)
    reference = results[CASES[0][0]][0]
    print(f"| {'format':<24} | median | × CSV | again (cached) | queries | size |")
    print(f"|{'-' * 26}|--------|-------|----------------|---------|------|")
    for name, (median, again, queries, size) in results.items():
        print(
            f"| {name:<24} | {median * 1000:>6,.0f} ms | {median / reference:>5.1f} "
            f"| {again * 1000:>10,.0f} ms | {queries:>7} | {size / 1024:,.0f} KiB |"
        )


if __name__ == "__main__":
    main()
