"""The run: prepare, serve, time in alternating rounds, print medians. See bench/README.md."""

import argparse
import gc
import html
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import requests

from . import floor as floor_sql
from . import prepare, servers, sqlite_copy

THEME, COD = "children", "MX"
WORDS = "unaccompanied children"
KIND = "law"  # about 10,000 practices at 100,000
ARRAY_FACETS = ["themes", "countries", "coo", "cot", "cod"]
PLAIN_FACETS = ["scope", "kind", "status", "evidence_level"]
FACETS = [("_facet_array", name) for name in ARRAY_FACETS] + [
    ("_facet", name) for name in PLAIN_FACETS
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--practices", type=int, default=100_000, help="default 100000")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--regenerate", action="store_true", help="generate the practices again")
    parser.add_argument(
        "--sqlite",
        type=Path,
        default=Path("/tmp/gfmd-compare/gfmd.db"),  # noqa: S108
        help="the SQLite file Datasette serves (default /tmp/gfmd-compare/gfmd.db)",
    )
    return parser.parse_args()


# --- fetching -------------------------------------------------------------------------------


@dataclass
class Body:
    size: int = 0
    lines: int = 0
    text: bytes = b""


def fetch(session: requests.Session, url: str, keep: bool = False) -> Body:
    """GET ``url`` and read the whole body in chunks; keep it only when asked (HTML pages)."""
    body = Body()
    chunks = []
    with session.get(url, stream=True, timeout=600) as response:
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} -> HTTP {response.status_code}")
        for chunk in response.iter_content(chunk_size=1 << 16):
            body.size += len(chunk)
            body.lines += chunk.count(b"\n")
            if keep:
                chunks.append(chunk)
    body.text = b"".join(chunks)
    return body


def datasette_url(server, fmt: str = "", **params) -> str:
    query = urlencode([*params.pop("pairs", []), *params.items()])
    return f"{server.url}/{server.database}/practices{fmt}?{query}"


# --- the cases ------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    ours: str  # path on our server
    datasette: dict  # query parameters for Datasette's table
    floor: object  # callable(Floor) -> result
    fmt: str = ""  # Datasette's format: "" (HTML page) or ".csv"
    warm: bool = False  # also timed with the Redis cache
    times: dict = field(default_factory=lambda: {"ours": [], "datasette": [], "floor": []})
    warm_times: dict = field(default_factory=lambda: {"ours": [], "floor": []})
    rows: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


def cases() -> list[Case]:
    page = {"_size": 25, "pairs": FACETS, "_facet_size": "max"}
    return [
        Case(
            f"list: theme={THEME}, cod={COD}",
            f"/practices/?theme={THEME}&cod={COD}",
            {
                "themes__arraycontains": THEME,
                "cod__arraycontains": COD,
                "_sort": "title",
                **page,
            },
            lambda f: f.list_page(THEME, COD),
            warm=True,
        ),
        Case(
            f"search: {WORDS}",
            "/practices/?" + urlencode({"q": WORDS}),
            {"_search": WORDS, **page},
            lambda f: f.search(WORDS),
            warm=True,
        ),
        Case(
            f"export.csv: kind={KIND}",
            f"/practices/export.csv?kind={KIND}",
            {"kind": KIND, "_stream": "on", "_size": "max"},
            lambda f: f.export(KIND),
            fmt=".csv",
        ),
        Case(
            "export.csv: everything",
            "/practices/export.csv",
            {"_stream": "on", "_size": "max"},
            lambda f: f.export(),
            fmt=".csv",
        ),
    ]


# --- checks: what each side returned --------------------------------------------------------

OPTION = re.compile(
    r'id="f-(?P<facet>[a-z_]+)-(?P<value>[^"]+)"[^>]*>\s*<a [^>]*>[^<]*</a>\s*'
    r'<span class="facet-count">(?P<n>\d+)</span>'
)
# A role option is a submit button, or once picked a label around its ticked checkbox.
ROLE = re.compile(
    r'class="role-option[^"]*"[^>]*>(?:<input [^>]*>)?'
    r"(?P<role>CO[OTD]) (?P<n>\d+)</(?:button|label)>"
)


def our_page(body: bytes) -> dict:
    text = body.decode()
    total = int(re.search(r'data-count="(\d+)"', text).group(1))
    rows = text.count('<li class="practice-row">')
    facets: dict[str, dict] = {}
    for match in OPTION.finditer(text):
        if int(match["n"]):
            facets.setdefault(match["facet"], {})[html.unescape(match["value"])] = int(match["n"])
    roles: dict[str, list] = {}
    for match in ROLE.finditer(text):
        if int(match["n"]):
            roles.setdefault(match["role"].lower(), []).append(int(match["n"]))
    return {"total": total, "rows": rows, "facets": facets, "roles": roles}


def compare_facets(ours: dict, floor: dict) -> str:
    from django.utils.text import slugify

    floor = {name: {k: n for k, n in options.items() if n} for name, options in floor.items()}
    floor["region"] = {slugify(k): n for k, n in floor.get("region", {}).items()}
    differ = [
        name
        for name, options in floor.items()
        if name not in ("coo", "cot", "cod") and ours["facets"].get(name, {}) != options
    ]
    differ += [
        role
        for role in ("coo", "cot", "cod")
        if sorted(ours["roles"].get(role, [])) != sorted(floor.get(role, {}).values())
    ]
    numbers = sum(len(v) for v in floor.values())
    if differ:
        return f"facet counts DIFFER from the floor's in: {', '.join(differ)}"
    return f"all {numbers} non-zero facet counts equal the floor's"


def check(case: Case, ours_server, datasette_server, floor) -> None:
    """One untimed request of each side: warms caches, and records the rows each returned."""
    session = requests.Session()
    ours = fetch(session, ours_server.url + case.ours, keep=True)
    result = case.floor(floor)
    if case.fmt == ".csv":
        theirs = fetch(session, datasette_url(datasette_server, ".csv", **case.datasette))
        case.rows = {"ours": ours.lines - 1, "datasette": theirs.lines - 1, "floor": result[0]}
        case.notes.append(
            f"bytes: ours {ours.size / 1e6:.1f} MB, Datasette {theirs.size / 1e6:.1f} MB, "
            f"COPY {result[1] / 1e6:.1f} MB"
        )
        return
    fetch(session, datasette_url(datasette_server, **case.datasette))  # the timed page, once
    data = session.get(
        datasette_url(datasette_server, ".json", **case.datasette), timeout=600
    ).json()
    page = our_page(ours.text)
    case.rows = {
        "ours": f"{page['rows']}/{page['total']:,}",
        "datasette": f"{len(data['rows'])}/{data['filtered_table_rows_count']:,}",
        "floor": f"{len(result['rows'])}/{result['total']:,}",
    }
    if "facets" in result:
        case.notes.append(compare_facets(page, result["facets"]))


# --- timing ---------------------------------------------------------------------------------


def timed(function) -> float:
    began = time.perf_counter()
    function()
    return (time.perf_counter() - began) * 1000


def run_rounds(all_cases, rounds, ours_server, datasette_server, floor, warm=False) -> None:
    ours_session, datasette_session = requests.Session(), requests.Session()
    for number in range(rounds):
        gc.collect()
        for case in all_cases:
            sides = {
                "ours": lambda c=case: fetch(ours_session, ours_server.url + c.ours),
                "floor": lambda c=case: c.floor(floor),
            }
            if not warm:
                sides["datasette"] = lambda c=case: fetch(
                    datasette_session, datasette_url(datasette_server, c.fmt, **c.datasette)
                )
            order = list(sides)
            # A different side first in each round, so none always meets the warmer cache.
            shift = number % len(order)
            for side in order[shift:] + order[:shift]:
                (case.warm_times if warm else case.times)[side].append(timed(sides[side]))
        print(f"{'warm ' if warm else ''}round {number + 1}/{rounds} done", flush=True)


def export_memory(server, url: str) -> float:
    """Peak RSS (MB) of the serving process while it streams the export at ``url``."""
    server.reset_peak_memory()
    fetch(requests.Session(), url)
    return server.peak_memory_mb()


# --- the report -----------------------------------------------------------------------------


def median(values) -> float:
    return statistics.median(values) if values else float("nan")


def report(all_cases, args, memory, versions) -> None:
    print()
    print(
        f"{args.practices:,} synthetic practices + the paper's; medians of {args.rounds} rounds, "
        "milliseconds. ours = gunicorn, cold (CACHE_URL=dummy://) unless marked warm."
    )
    header = (
        f"{'case':<34} {'ours':>9} {'Datasette':>10} {'floor':>9} {'ours/DS':>8} "
        f"{'ours/floor':>10}  rows: ours | Datasette | floor"
    )
    print(header)
    print("-" * len(header))
    for case in all_cases:
        ours, theirs, base = (median(case.times[s]) for s in ("ours", "datasette", "floor"))
        rows = " | ".join(str(case.rows.get(s, "?")) for s in ("ours", "datasette", "floor"))
        print(
            f"{case.name:<34} {ours:>9.1f} {theirs:>10.1f} {base:>9.1f} {ours / theirs:>7.2f}x "
            f"{ours / base:>9.2f}x  {rows}"
        )
        if case.warm:
            warm, warm_floor = median(case.warm_times["ours"]), median(case.warm_times["floor"])
            print(
                f"{'  (warm: Redis cache)':<34} {warm:>9.1f} {'':>10} {warm_floor:>9.1f} "
                f"{warm / theirs:>7.2f}x {warm / warm_floor:>9.2f}x"
            )
    print()
    for case in all_cases:
        for note in case.notes:
            print(f"{case.name}: {note}")
    print(
        f"export.csv, everything: peak RSS of the gunicorn worker {memory['ours']:.0f} MB, "
        f"of Datasette {memory['datasette']:.0f} MB (VmHWM, reset before the export)"
    )
    print(versions)


def versions_line(datasette_server, floor) -> str:
    import django

    with floor.connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    info = servers.datasette_versions(datasette_server)
    return (
        f"Python {sys.version.split()[0]}, Django {django.get_version()}, PostgreSQL {postgres}, "
        f"Datasette {info['datasette']['version']}, SQLite {info['sqlite']['version']}"
    )


def main() -> None:
    args = parse_args()
    database_url = prepare.configure()
    prepare.setup(args.practices, args.regenerate)
    args.sqlite.parent.mkdir(parents=True, exist_ok=True)
    sqlite_copy.build(args.sqlite)
    floor = floor_sql.Floor(database_url)
    all_cases = cases()
    servers.collectstatic(servers.ours_env(database_url, "dummy://"))
    datasette = servers.start_datasette(args.sqlite)
    ours = servers.start_ours(database_url, "dummy://")
    memory = {}
    try:
        for case in all_cases:
            check(case, ours, datasette, floor)
        run_rounds(all_cases, args.rounds, ours, datasette, floor)
        everything = all_cases[-1]
        memory["ours"] = export_memory(ours, ours.url + everything.ours)
        memory["datasette"] = export_memory(
            datasette, datasette_url(datasette, ".csv", **everything.datasette)
        )
        versions = versions_line(datasette, floor)
        # The second configuration: the shared Redis cache, filled by one untimed request.
        ours.stop()
        subprocess.run(  # noqa: S603
            [str(servers.BIN / "python"), "-c", FLUSH_REDIS], check=True
        )
        ours = servers.start_ours(database_url, "redis://127.0.0.1:6379/5")
        warm_cases = [case for case in all_cases if case.warm]
        for case in warm_cases:
            fetch(requests.Session(), ours.url + case.ours)
        run_rounds(warm_cases, args.rounds, ours, datasette, floor, warm=True)
    finally:
        ours.stop()
        datasette.stop()
        floor.close()
    report(all_cases, args, memory, versions)


# Redis database 5 is this benchmark's: emptied so no count from an earlier run is read.
FLUSH_REDIS = "import redis; redis.Redis(host='127.0.0.1', port=6379, db=5).flushdb()"
