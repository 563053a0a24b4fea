"""The export's one query: every column of each practice, its relations gathered by the database.

Each many-to-many column arrives already gathered into a JSON array (PostgreSQL aggregates each
relation once and hash-joins it; SQLite runs a subquery per practice, an index lookup), so
nothing is fetched per practice; rows are read from a server-side cursor in chunks.
``export_record.py`` shapes them into records, and their text is kept ready (``ExportRow``).
"""

import json
from collections.abc import Iterator

from django.db import connection
from django.db.models import F, Window
from django.db.models.functions import RowNumber

from countries.models import Country
from practices.languages import localized, localized_sql
from practices.models import (
    Evaluation,
    GCMObjective,
    Organisation,
    OutcomeMetric,
    Practice,
    PracticeCountry,
    ScorecardRating,
    Source,
    Stage,
    TargetGroup,
    Theme,
)

CHUNK_SIZE = 500
RELATIONS = "export_relations"  # the column holding every many-to-many list of a practice

# The words of a practice, in the active language (its English where it has none): read under
# another name (a model field's name cannot be an annotation's) and renamed back.
TRANSLATED = ["title", "summary", "description"]
WORDS = "words_"
SCALARS = [
    "id",
    "slug",
    "coverage",
    "scope",
    "kind",
    "status",
    "status_as_of",
    "verified_on",
    "evidence_level",
    "paper_section",
    "start_year",
    "end_year",
]


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# Each many-to-many column: (name, FROM clause joining the practice's rows to what they name,
# {JSON key: SQL column}). Every row of the clause has a practice_id. Names, labels and units
# are in the active language.
def _relations() -> list[tuple[str, str, dict[str, str]]]:
    themes = Practice.themes.through
    partners = Practice.partners.through
    groups = Practice.target_groups.through
    stages = Practice.stages.through
    gcm = Practice.gcm_objectives.through
    sources = Practice.sources.through
    return [
        (
            "theme_list",
            f"{_table(themes)} r JOIN {_table(Theme)} o ON o.id = r.theme_id",
            {"slug": "o.slug", "name": localized_sql(Theme, "name", "o"), "position": "o.position"},
        ),
        (
            "country_list",
            f"{_table(PracticeCountry)} r JOIN {_table(Country)} o ON o.id = r.country_id",
            {"iso2": "o.iso2", "name": localized_sql(Country, "name", "o"), "role": "r.role"},
        ),
        (
            "partner_list",
            f"{_table(partners)} r JOIN {_table(Organisation)} o ON o.id = r.organisation_id",
            {"slug": "o.slug", "name": "o.name", "acronym": "o.acronym"},
        ),
        (
            "target_group_list",
            f"{_table(groups)} r JOIN {_table(TargetGroup)} o ON o.id = r.targetgroup_id",
            {"slug": "o.slug", "name": localized_sql(TargetGroup, "name", "o")},
        ),
        (
            "stage_list",
            f"{_table(stages)} r JOIN {_table(Stage)} o ON o.id = r.stage_id",
            {"slug": "o.slug", "name": localized_sql(Stage, "name", "o"), "position": "o.position"},
        ),
        (
            "gcm_list",
            f"{_table(gcm)} r JOIN {_table(GCMObjective)} o ON o.id = r.gcmobjective_id",
            {"number": "o.number"},
        ),
        (
            "metric_list",
            f"{_table(OutcomeMetric)} r",
            {
                "label": localized_sql(OutcomeMetric, "label", "r"),
                "value": "r.value",
                "qualifier": "r.qualifier",
                "unit": localized_sql(OutcomeMetric, "unit", "r"),
                "year": "r.year",
                "position": "r.position",
                "id": "r.id",
            },
        ),
        (
            "source_list",
            f"{_table(sources)} r JOIN {_table(Source)} o ON o.id = r.source_id",
            {"key": "o.key", "footnote": "o.footnote", "citation": "o.citation", "url": "o.url"},
        ),
        (
            "evaluation_list",
            f"{_table(Evaluation)} r LEFT JOIN {_table(Source)} o ON o.id = r.source_id",
            {
                "id": "r.id",
                "method": "r.method",
                "evaluator": "r.evaluator",
                "year": "r.year",
                "findings": "r.findings",
                "footnote": "o.footnote",
                "citation": "o.citation",
                "url": "o.url",
            },
        ),
        (
            "rating_list",
            f"{_table(ScorecardRating)} r",
            {
                "criterion": "r.criterion",
                "rating": "r.rating",
                "justification": "r.justification",
                "rated_on": "r.rated_on",
            },
        ),
    ]


def window_order(queryset) -> list:
    """The queryset's ORDER BY as expressions a window function can take."""
    ordering = []
    for item in queryset.query.order_by:
        if isinstance(item, str):
            ordering.append(F(item[1:]).desc() if item.startswith("-") else F(item).asc())
        else:
            ordering.append(item)
    return ordering


def _export_sql(queryset) -> tuple[str, list]:
    """One query: the picked practices in order, each many-to-many column as a JSON array.

    The filtered, ordered practices become a common table expression numbered in the list's
    order; each relation is aggregated once over the picked practices (one hash aggregate per
    relation, not one subquery per practice) and joined back.
    """
    picked = (
        queryset.annotate(
            export_position=Window(RowNumber(), order_by=window_order(queryset)),
            lead_slug=F("lead_organisation__slug"),
            lead_name=F("lead_organisation__name"),
            lead_acronym=F("lead_organisation__acronym"),
            **{WORDS + name: localized(name) for name in TRANSLATED},
        )
        .order_by()
        .values(
            *SCALARS,
            *(WORDS + name for name in TRANSLATED),
            "export_position",
            "lead_slug",
            "lead_name",
            "lead_acronym",
        )
    )
    picked_sql, params = picked.query.sql_with_params()
    postgres = connection.vendor == "postgresql"
    # JSON, not JSONB: nothing is queried inside the documents, and building JSONB (binary,
    # keys sorted and deduplicated) cost PostgreSQL a quarter of the export's time.
    array, obj = (
        ("JSON_AGG", "JSON_BUILD_OBJECT") if postgres else ("JSON_GROUP_ARRAY", "JSON_OBJECT")
    )
    joins, columns = [], []
    for name, source, fields in _relations():
        pairs = ", ".join(f"'{key}', {column}" for key, column in fields.items())
        aggregated = f"SELECT {array}({obj}({pairs})) AS agg FROM {source}"  # noqa: S608
        if postgres:
            # Aggregated once over the picked practices, then hash-joined: one pass per
            # relation (a subquery per practice costs PostgreSQL a plan execution each).
            picked_only = "WHERE r.practice_id IN (SELECT id FROM picked) GROUP BY r.practice_id"
            joins.append(
                f"LEFT JOIN ({aggregated.replace('SELECT ', 'SELECT r.practice_id, ', 1)} "
                f"{picked_only}) {name} ON {name}.practice_id = picked.id"
            )
            columns.append(f"'{name}', {name}.agg")
        else:
            # SQLite would join an unindexed aggregate by scanning it for every practice;
            # a subquery per practice is an index lookup there, and cheap. JSON() keeps the
            # array an array inside the object (not a string).
            columns.append(f"'{name}', JSON(({aggregated} WHERE r.practice_id = picked.id))")
    # Every relation in one JSON object per practice: one document to parse per row, not
    # one per relation (parsing was a fifth of the export's Python time).
    # Only table and column names from the models and the ORM's own SQL are interpolated;
    # every value a user gave stays a parameter.
    # As text, parsed once in Python (psycopg2 would parse it too, but more slowly).
    cast = "::text" if postgres else ""
    select = f"SELECT picked.*, {obj}({', '.join(columns)}){cast} AS {RELATIONS} FROM picked"  # noqa: S608
    sql = (
        f"WITH picked AS ({picked_sql}) {select} {' '.join(joins)} ORDER BY picked.export_position"
    )
    return sql, list(params)


def fetch_rows(queryset) -> Iterator[dict]:
    """The export query's rows for ``queryset``, each relation already decoded from JSON."""
    sql, params = _export_sql(queryset)
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        names = None
        while chunk := cursor.fetchmany(CHUNK_SIZE):
            # A server-side cursor describes its columns only once rows are fetched.
            names = names or [column[0] for column in cursor.description]
            for values in chunk:
                row = dict(zip(names, values, strict=True))
                for name in TRANSLATED:
                    row[name] = row.pop(WORDS + name)
                relations = row.pop(RELATIONS)
                row.update(json.loads(relations) if isinstance(relations, str) else relations)
                yield row
