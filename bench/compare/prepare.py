"""The benchmark process's own Django (to prepare the database) and the data it prepares."""

import os
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def configure() -> str:
    """Environment for Django in this process; returns the PostgreSQL URL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("bench/compare.py needs DATABASE_URL=postgres://... (the floor is PostgreSQL).")
    from browse import configure_django  # bench/browse.py: every benchmark's environment

    configure_django(url)
    # This process only prepares data; the servers get their own cache setting.
    os.environ["CACHE_URL"] = "dummy://"
    return url


def setup(practices: int, regenerate: bool) -> None:
    """migrate, load_paper, generate_practices (kept when N are there), VACUUM ANALYZE."""
    import browse  # bench/browse.py: the same preparation, shared
    import django

    django.setup()
    browse.ensure_database()
    browse.prepare(practices, regenerate)


def practice_count(path: Path) -> int | None:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return connection.execute("SELECT count(*) FROM practices").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error:
        return None
