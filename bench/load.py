"""A bounded load test: policy officers browsing the site under gunicorn, and a curator's import.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gfmd_load \\
        flock /tmp/gfmd-measure.lock .venv/bin/python bench/load.py --with-import

Prepares the database as bench/browse.py does, serves the site the production way (gunicorn
with gunicorn.conf.py, DEBUG off, collectstatic, Redis cache), and runs locust headless
(bench/locustfile.py) for --duration seconds. With --with-import a second phase runs the same
load while a curator imports a 5,000-row file through the admin (bench/load_curator.py).
A benchmark, not a test: it asserts nothing. See bench/README.md.
"""

# ruff: noqa: S311, S603 (a seeded sample, not secrets; our own commands, no shell)

import argparse
import json
import os
import random
import runpy
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from browse import ROOT, configure_django, ensure_database, prepare, setup_django
from import_files import remove_synthetic, synthetic, timed, write_import_file
from load_curator import ImportRun, import_file
from load_report import Memory, Usage, children, failures, read_stats, table

BIN = Path(sys.executable).parent
CACHE_URL = "redis://127.0.0.1:6379/6"
CURATOR = "load-curator"
IMPORTED = "load-import-"  # the slugs of the curator's new practices
STARTED: list[subprocess.Popen] = []  # locust processes, killed if the run is interrupted
WORDS = (
    "children",
    "remittances",
    "unaccompanied children",
    "domestic workers",
    "reintegration",
    "trafficking",
    "family reunification",
    "women",
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--practices", type=int, default=10000, help="synthetic practices (default 10000)")
    add("--users", type=int, default=50, help="concurrent readers (default 50)")
    add("--spawn-rate", type=float, default=10, help="readers started a second (default 10)")
    add("--duration", type=int, help="seconds of load per phase (default 60; --soak: 600)")
    add("--with-import", action="store_true", help="then a phase with a curator's import")
    add(
        "--soak",
        action="store_true",
        help="instead: one long phase (--duration, default 600 s) while a curator imports file "
        "after file, with each process's memory",
    )
    add("--import-rows", type=int, default=5000, help="rows in the import file (default 5000)")
    add("--import-delay", type=float, default=5, help="seconds into the load (default 5)")
    add("--import-timeout", type=int, default=3600, help="seconds (default 3600)")
    add("--port", type=int, default=8130, help="gunicorn's port, 127.0.0.1 (default 8130)")
    add("--workers", type=int, help="WEB_CONCURRENCY (default: gunicorn.conf.py's)")
    add("--threads", type=int, help="GUNICORN_THREADS (default: gunicorn.conf.py's)")
    add(
        "--warm",
        action="store_true",
        help="before each phase, compute the common lists' counts as the worker does after a "
        "data change (manage.py warm_cache); without it, each phase starts from an empty cache",
    )
    add("--out", default="/tmp/gfmd-load", help="folder for files and logs")  # noqa: S108
    args = parser.parse_args()
    if args.duration is None:
        args.duration = 600 if args.soak else 60
    return args


def configure() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database: gunicorn's workers share it.")
    configure_django(os.environ["DATABASE_URL"])


# -- what the readers draw from --------------------------------------------------------------


def count(query: str) -> int:
    from django.http import QueryDict

    from practices.catalogue.filters import PracticeFilter
    from practices.models import Practice

    return PracticeFilter(QueryDict(query), queryset=Practice.objects.published()).qs.count()


def write_mix(path: Path) -> dict:
    """Real themes, ISO codes, slugs and words, and export filters of 100 to 500 rows."""
    from django.db.models import Count

    from practices.models import Practice, PracticeCountry

    rng = random.Random(2010)
    published = Practice.objects.published()
    themes = sorted(set(published.values_list("themes__slug", flat=True)) - {None})
    countries = [
        row["country__iso2"]
        for row in PracticeCountry.objects.filter(practice__in=published)
        .values("country__iso2")
        .annotate(n=Count("id"))
        .order_by("-n")[:40]
    ]
    slugs = list(published.values_list("slug", flat=True))
    words = [word for word in WORDS if count(f"q={word}")]
    candidates = [
        f"theme={theme}&{role}={code}"
        for theme in themes
        for code in countries[:15]
        for role in ("coo", "cod", "country")
    ]
    rng.shuffle(candidates)
    exports = []
    for candidate in candidates:
        if 100 <= count(candidate) <= 500:
            exports.append(candidate)
            if len(exports) == 20:
                break
    mix = {
        "themes": themes,
        "countries": countries,
        "slugs": rng.sample(slugs, min(2000, len(slugs))),
        "words": words,
        "exports": exports,
        "evidence": Practice.EvidenceLevel.values,
        "last_page": min(20, len(slugs) // 25),
    }
    path.write_text(json.dumps(mix, indent=1), encoding="utf-8")
    print(
        f"mix: {len(themes)} themes, {len(countries)} countries, {len(mix['slugs'])} slugs, "
        f"words {words}, {len(exports)} export filters (e.g. {exports[:2]})"
    )
    return mix


def write_import(folder: Path, rows: int, prefix: str = IMPORTED) -> Path:
    """The first ``rows`` synthetic practices exported as bench/import_files.py does, with
    new slugs (``prefix`` instead of ``synthetic-``) and titles: a file of new practices."""
    path = folder / f"import-{prefix}{rows}.csv"
    if path.exists():
        return path

    def rename(dataset):
        slugs = [slug.replace("synthetic-", prefix, 1) for slug in dataset["slug"]]
        titles = [f"{title} (imported)" for title in dataset["title"]]
        # A new practice has no evaluation on record yet, so it cannot claim to be evaluated
        # (the import refuses it): its evaluations are recorded after the import.
        levels = [
            "outputs" if level in ("evaluated", "independent") else level
            for level in dataset["evidence_level"]
        ]
        for column, values in (("slug", slugs), ("title", titles), ("evidence_level", levels)):
            index = dataset.headers.index(column)
            del dataset[column]
            dataset.insert_col(index, values, header=column)

    return write_import_file(path, synthetic()[:rows], rename)


# -- gunicorn --------------------------------------------------------------------------------


def server_env(args, password: str) -> dict:
    # Served as in production: a web request's statement limit, not the preparation's.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CONN_MAX_AGE", "GFMD_PROCESS")
    }
    env.update(
        DEBUG="false",
        HTTPS="false",  # plain http on loopback
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CSRF_TRUSTED_ORIGINS=f"http://127.0.0.1:{args.port}",
        CACHE_URL=CACHE_URL,
        GUNICORN_BIND=f"127.0.0.1:{args.port}",
        GUNICORN_ACCESS_LOG="",
        MEDIA_ROOT=str(Path(args.out) / "media"),  # the import's file, outside the checkout
        LOAD_CURATOR_PASSWORD=password,
    )
    # The curator's file is never refused for its rows, whatever --import-rows says.
    env.setdefault("IMPORT_MAX_ROWS", str(args.import_rows))
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    return env


def manage(env: dict, *arguments: str) -> None:
    subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, check=True)


def create_curator(env: dict) -> None:
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username=CURATOR).delete()  # a new password each run
    password_from = ("--password-from-env", "LOAD_CURATOR_PASSWORD")
    manage(env, "create_user", CURATOR, "--group", "curator", *password_from)


def start_gunicorn(env: dict, log: Path, base: str) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "gfmd_kb.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"{base}/practices/", timeout=30) as response:  # noqa: S310
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    sys.exit(f"gunicorn did not answer within 60 s; see {log}")


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # graceful: workers finish their requests
        try:
            server.wait(timeout=45)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# -- locust ----------------------------------------------------------------------------------


def run_locust(args, base: str, name: str, env: dict) -> subprocess.Popen:
    prefix = Path(args.out) / name
    command = [
        str(BIN / "locust"),
        *("-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--host", base),
        *("--users", str(args.users), "--spawn-rate", str(args.spawn_rate)),
        *("--run-time", f"{args.duration}s", "--stop-timeout", "10"),
        *("--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"),
    ]
    log = (Path(args.out) / f"{name}-locust.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    STARTED.append(process)
    return process


def wait_locust(process: subprocess.Popen, args) -> None:
    try:
        process.wait(timeout=args.duration + 120)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        print("locust overran its hard timeout and was killed")


# -- the phases ------------------------------------------------------------------------------


def load(args, base: str, name: str, env: dict, server, during=None) -> str:
    """One locust run of --duration seconds; ``during()`` is called as it starts."""
    usage = Usage(server.pid, env["DATABASE_URL"].rsplit("/", 1)[1])
    usage.start()
    locust = run_locust(args, base, name, env)
    if during is not None:
        during()
    wait_locust(locust, args)
    return usage.stop()


def read_phase(args, base: str, env: dict, server) -> str:
    cpu = load(args, base, "read", env, server)
    out = Path(args.out)
    return "\n".join([table(read_stats(out, "read"), "Phase 1: readers only"), cpu])


def import_phase(args, base: str, env: dict, server, log: Path) -> str:
    from practices.models import Practice

    path = write_import(Path(args.out), args.import_rows)
    before = Practice.objects.filter(slug__startswith=IMPORTED).count()
    workers = children(server.pid)
    run = ImportRun()
    began = time.monotonic()
    curator = threading.Thread(
        target=import_file,
        args=(base, CURATOR, env["LOAD_CURATOR_PASSWORD"], path, args.import_timeout, run),
        daemon=True,
    )

    def start_curator():
        time.sleep(args.import_delay)
        run.started = time.monotonic() - began
        curator.start()

    cpu = load(args, base, "import", env, server, start_curator)
    print(f"load over after {time.monotonic() - began:.0f} s; waiting for the import")
    curator.join(timeout=max(args.import_timeout - (time.monotonic() - began), 1))
    added = Practice.objects.filter(slug__startswith=IMPORTED).count() - before
    after = children(server.pid)
    killed = [
        line
        for line in log.read_text(errors="replace").splitlines()
        if "TIMEOUT" in line or "SIG" in line or "exiting" in line.lower()
    ]

    def seconds(value):
        return "-" if value is None else f"{value:.1f} s"

    lines = [
        table(read_stats(Path(args.out), "import"), "Phase 2: readers while a curator imports"),
        cpu,
        "",
        f"curator's import of {args.import_rows:,} rows, started {run.started:.0f} s into "
        f"the load: login {seconds(run.login_s)}, import page {seconds(run.page_s)}, "
        f"preview {seconds(run.preview_s)}, confirm {seconds(run.confirm_s)}",
        f"  preview: {run.preview_summary or '-'} ({run.warnings} warnings)",
        f"  completed: {'yes' if run.completed else 'NO'}; practices added: {added:,}"
        + (f"; error: {run.error}" if run.error else ""),
        f"  message: {run.message or '-'}",
        f"  gunicorn workers {'unchanged' if after == workers else 'CHANGED'} "
        f"({sorted(workers)} -> {sorted(after)}); timeout/kill lines in its log: {len(killed)}",
        *[f"    {line}" for line in killed[:5]],
    ]
    return "\n".join(lines)


def soak_phase(args, base: str, env: dict, server, worker) -> str:
    """The load for --duration seconds while the curator imports one new file after another
    (``--import-rows`` rows each), and every process's memory, sampled every 10 s."""
    memory = Memory(server.pid, {"import worker (db_worker)": worker.pid})
    rounds: list[ImportRun] = []
    over = threading.Event()

    def curator():
        time.sleep(args.import_delay)
        number = 0
        while not over.is_set():
            number += 1
            path = write_import(Path(args.out), args.import_rows, f"{IMPORTED}{number}-")
            run = ImportRun(started=time.monotonic() - began)
            rounds.append(run)
            import_file(base, CURATOR, env["LOAD_CURATOR_PASSWORD"], path, 900, run)
            if run.error:
                over.wait(5)

    began = time.monotonic()
    memory.start()
    thread = threading.Thread(target=curator, daemon=True)
    cpu = load(args, base, "soak", env, server, thread.start)
    over.set()
    thread.join(timeout=900)
    memory_table = memory.stop()

    def seconds(value):
        return "-" if value is None else f"{value:.0f} s"

    lines = [
        table(
            read_stats(Path(args.out), "soak"),
            f"Soak: {args.users} readers for {args.duration} s while a curator imports",
        ),
        cpu,
        "",
        memory_table,
        "",
        f"curator's imports ({args.import_rows:,} new practices each, one after another):",
        *[
            f"  #{number} at {run.started:.0f} s: preview {seconds(run.preview_s)}, confirm "
            f"{seconds(run.confirm_s)}: {run.message or run.error or 'not finished'}"
            for number, run in enumerate(rounds, 1)
        ],
    ]
    return "\n".join(lines)


def gunicorn_settings(env: dict) -> dict:
    """gunicorn.conf.py's values under the server's environment."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def main() -> None:
    # A SIGTERM unwinds like Ctrl-C, so gunicorn is stopped by the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = parse_args()
    configure()
    setup_django()
    ensure_database()
    prepare(args.practices, False)
    remove_synthetic(IMPORTED)  # a previous run's imported practices, if any
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    mix_path = out / "mix.json"
    write_mix(mix_path)
    if args.with_import:
        write_import(out, args.import_rows)
    with_worker = args.with_import or args.soak

    import redis

    base = f"http://127.0.0.1:{args.port}"
    env = server_env(args, secrets.token_urlsafe(24))
    timed("collectstatic", lambda: manage(env, "collectstatic", "--noinput", "-v0"))
    create_curator(env)
    cache = redis.Redis.from_url(CACHE_URL)

    def empty_cache():
        cache.flushdb()
        if args.warm:
            # What the worker's job does after each committed change (practices.catalogue.warming).
            timed("warm_cache", lambda: manage(env, "warm_cache"))

    empty_cache()
    load_env = {**env, "LOAD_MIX": str(mix_path)}
    log = out / "gunicorn.log"
    server = start_gunicorn(env, log, base)
    # The import's jobs run in a worker beside gunicorn, as `make serve` runs them.
    worker = (
        subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
            [str(BIN / "python"), "manage.py", "db_worker", "--no-reload"],
            cwd=ROOT,
            env=env,
            stdout=(out / "worker.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        if with_worker
        else None
    )
    reports = []
    try:
        print(f"gunicorn {server.pid} up at {base}, workers {sorted(children(server.pid))}")
        if args.soak:
            reports.append(soak_phase(args, base, load_env, server, worker))
        else:
            reports.append(read_phase(args, base, load_env, server))
        if args.with_import and not args.soak:
            empty_cache()  # each phase starts from an empty cache (warmed with --warm)
            reports.append(import_phase(args, base, load_env, server, log))
    finally:
        for process in STARTED:  # a locust still running if the run was interrupted
            if process.poll() is None:
                process.kill()
                process.wait()
        stop_gunicorn(server)
        if worker is not None:
            stop_gunicorn(worker)  # TERM, then KILL after 45 s: the same for the worker
    conf = gunicorn_settings(env)
    print()
    print(
        f"{args.practices:,} synthetic practices + the paper's; {args.users} users, think time "
        f"{os.environ.get('LOAD_WAIT_MIN', '1')}-{os.environ.get('LOAD_WAIT_MAX', '3')} s, "
        f"{args.duration} s a phase; gunicorn {conf['workers']} workers x {conf['threads']} "
        f"threads ({conf['worker_class']}, timeout {conf['timeout']} s, max_requests "
        f"{conf['max_requests']}); {os.cpu_count()} CPUs"
    )
    names = ("soak",) if args.soak else ("read", "import")
    for name, report in zip(names, reports, strict=False):
        print()
        print(report)
        for line in failures(out, name):
            print(f"  FAILED {line}")


if __name__ == "__main__":
    main()
