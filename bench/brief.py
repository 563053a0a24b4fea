"""Time the roundtable brief of a long list in each of its formats: the page, the PDF, the Word
file and the Excel workbook, against the CSV export of the same list in the same process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gfmd_bench_brief \\
        .venv/bin/python bench/brief.py --practices 441
    .venv/bin/python bench/brief.py --practices 441       # SQLite: /tmp/gfmd-bench-brief.sqlite3

With the paper's 59, ``--practices 441`` makes the 500 practices the brief is timed on (the
whole list, no filter). A benchmark, not a test: it prints medians and asserts nothing. Each
format is made from scratch each round: the page, the CSV and the workbook through the test
client; the PDF and the Word file by the code the worker runs for a list this long
(``BriefFile.make``: through the site, such a list answers "being prepared", then gives the
kept file, timed on its own line). See bench/README.md.
"""

import argparse
import statistics
import time
from pathlib import Path

from browse import configure_django, ensure_database, fetch, prepare, setup_django

CASES = [
    ("CSV export (reference)", "/practices/export.csv"),
    ("brief page (HTML)", "/practices/brief/"),
    ("export.xlsx", "/practices/export.xlsx"),
    ("brief.docx", "docx"),
    ("brief.pdf", "pdf"),
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

    from django.db import connection
    from django.http import QueryDict
    from django.test import Client, RequestFactory, override_settings

    from practices.catalogue.brief.files import BriefFile
    from practices.catalogue.filters import PracticeFilter
    from practices.models import Practice

    def _all():
        return PracticeFilter(QueryDict(""), queryset=Practice.objects.published())

    override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}},
        MEDIA_ROOT="/tmp/gfmd-bench-brief-media",  # noqa: S108
    ).enable()

    client = Client()
    count = Practice.objects.published().count()
    print(f"\n{count} published practices on {connection.vendor}; {args.rounds} rounds\n")
    results = {}
    for name, target in CASES:
        if target.startswith("/"):
            make = lambda target=target: fetch(client, target)  # noqa: E731
            again_path = target
        else:
            again_path = f"/practices/brief.{target}"
            spec = BriefFile.of_request(RequestFactory().get(again_path), target, _all(), "")
            make = spec.make
        size = len(make())  # once untimed: templates, fonts, imports
        times = []
        for _ in range(args.rounds):
            began = time.perf_counter()
            make()
            times.append(time.perf_counter() - began)
        if not target.startswith("/"):
            spec.save(make())  # what the worker does; the site then gives the kept file
        began = time.perf_counter()
        fetch(client, again_path)  # the same file again: kept, or made again
        again = time.perf_counter() - began
        results[name] = (statistics.median(times), again, size)
    reference = results[CASES[0][0]][0]
    # Query counts are proved fixed by the tests (tests/catalogue/test_brief.py and others).
    print(f"| {'format':<24} | median | × CSV | again (kept file) | size |")
    print(f"|{'-' * 26}|--------|-------|-------------------|------|")
    for name, (median, again, size) in results.items():
        print(
            f"| {name:<24} | {median * 1000:>6,.0f} ms | {median / reference:>5.1f} "
            f"| {again * 1000:>13,.0f} ms | {size / 1024:,.0f} KiB |"
        )


if __name__ == "__main__":
    main()
