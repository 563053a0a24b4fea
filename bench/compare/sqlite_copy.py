"""The published practices as one SQLite table, the way a careful Datasette publisher would.

Scalar columns, JSON arrays for every many-to-many value (faceted with ``_facet_array`` and
filtered with ``__arraycontains``), an FTS5 table over title, summary and description in the
layout sqlite-utils' ``enable_fts`` writes (``practices_fts`` with ``content=[practices]``,
which Datasette detects for ``_search``), and indexes on the sort and plain facet columns.
The rows come from ``practices.export_record.records``: the same records as our export.
"""

import json
import sqlite3
import time
from pathlib import Path

from .prepare import practice_count

SCHEMA = """
CREATE TABLE practices (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    summary TEXT,
    description TEXT,
    scope TEXT,
    kind TEXT,
    status TEXT,
    evidence_level TEXT,
    start_year INTEGER,
    end_year INTEGER,
    lead_organisation TEXT,
    themes TEXT,
    countries TEXT,
    coo TEXT,
    cot TEXT,
    cod TEXT,
    target_groups TEXT,
    stages TEXT,
    organisations TEXT,
    metrics TEXT
);
"""
FTS = """
CREATE VIRTUAL TABLE [practices_fts] USING FTS5 ([title], [summary], [description],
    content=[practices]);
INSERT INTO practices_fts (rowid, title, summary, description)
    SELECT id, title, summary, description FROM practices;
"""
# The sort column (title) and the plain facet and filter columns.
INDEXES = ["title", "scope", "kind", "status", "evidence_level", "start_year"]
COLUMNS = [
    "slug",
    "title",
    "summary",
    "description",
    "scope",
    "kind",
    "status",
    "evidence_level",
    "start_year",
    "end_year",
    "lead_organisation",
    "themes",
    "countries",
    "coo",
    "cot",
    "cod",
    "target_groups",
    "stages",
    "organisations",
    "metrics",
]


def _row(record: dict) -> tuple:
    from practices.export_record import _metric_text

    lead = [o["name"] for o in record["organisations"] if o["role"] == "lead"]
    arrays = {
        "themes": record["themes"],
        "countries": sorted({c["iso2"] for c in record["countries"]}),
        "coo": record["coo"],
        "cot": record["cot"],
        "cod": record["cod"],
        "target_groups": record["target_groups"],
        "stages": record["stages"],
        "organisations": [o["slug"] for o in record["organisations"]],
        "metrics": [_metric_text(m) for m in record["metrics"]],
    }
    scalars = {name: record.get(name) for name in COLUMNS if name not in arrays}
    scalars["lead_organisation"] = lead[0] if lead else None
    values = {**scalars, **{k: json.dumps(v, ensure_ascii=False) for k, v in arrays.items()}}
    return tuple(values[name] for name in COLUMNS)


def build(path: Path) -> int:
    """Write the SQLite file (kept when it already holds as many practices as PostgreSQL)."""
    from practices.export_record import records
    from practices.models import Practice

    published = Practice.objects.published()
    expected = published.count()
    if path.exists() and practice_count(path) == expected:
        print(f"SQLite copy: kept {path} ({expected:,} practices)")
        return expected
    began = time.perf_counter()
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    connection.executescript(SCHEMA)
    placeholders = ", ".join("?" for _ in COLUMNS)
    batch = []
    for record in records(published.order_by("pk")):
        batch.append(_row(record))
        if len(batch) == 5000:
            connection.executemany(
                f"INSERT INTO practices ({', '.join(COLUMNS)}) VALUES ({placeholders})",  # noqa: S608
                batch,
            )
            batch = []
    if batch:
        connection.executemany(
            f"INSERT INTO practices ({', '.join(COLUMNS)}) VALUES ({placeholders})",  # noqa: S608
            batch,
        )
    connection.executescript(FTS)
    for column in INDEXES:
        connection.execute(f"CREATE INDEX idx_practices_{column} ON practices ({column})")
    connection.commit()
    connection.execute("ANALYZE")
    connection.execute("VACUUM")
    connection.close()
    count = practice_count(path)
    elapsed = time.perf_counter() - began
    print(f"SQLite copy: wrote {count:,} practices to {path} in {elapsed:.1f} s")
    return count
