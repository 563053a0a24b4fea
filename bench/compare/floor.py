"""The floor: the same work as hand-written SQL, sent straight through psycopg2.

What PostgreSQL alone costs for what our pages return: the list's 25 rows (with the themes and
countries each row shows), its count and every facet count the page shows, with the page's own
counting rule (see practices/facets.py); the search's 25 rows, count and facet counts (its
page shows them too); the CSV export's
columns through ``COPY ... TO STDOUT``. Nothing here goes through Django.
"""

# Only this module's own SQL fragments are interpolated; every value is a query parameter.
# ruff: noqa: S608

import io

import psycopg2
import psycopg2.extensions

PUBLISHED = "p.publication_state = 'published'"
HAS_THEME = (
    "EXISTS (SELECT 1 FROM practices_practice_themes x JOIN practices_theme t ON t.id = x.theme_id"
    " WHERE x.practice_id = p.id AND t.slug = %(theme)s)"
)
HAS_COD = (
    "EXISTS (SELECT 1 FROM practices_practicecountry x JOIN countries_country c"
    " ON c.id = x.country_id WHERE x.practice_id = p.id AND x.role = 'COD' AND c.iso2 = %(cod)s)"
)

# What each list row shows besides its own columns: lead organisation, countries with roles
# (in cycle order), themes (in the paper's order).
CARD_COLUMNS = """
    p.id, p.slug, p.title, p.summary, p.coverage, p.start_year, p.end_year,
    (SELECT json_agg(json_build_object('iso2', c.iso2, 'name', c.name, 'role', x.role)
                     ORDER BY x.role, c.name)
       FROM practices_practicecountry x JOIN countries_country c ON c.id = x.country_id
      WHERE x.practice_id = p.id) AS countries,
    (SELECT json_agg(json_build_object('slug', t.slug, 'name', t.name) ORDER BY t.position)
       FROM practices_practice_themes x JOIN practices_theme t ON t.id = x.theme_id
      WHERE x.practice_id = p.id) AS themes
"""

# The facets counted over the current results (``cur``, and ``links``, their country links)
# alike on both pages: countries in any role, regions, target groups, stages, GCM objectives,
# the choice fields and organisations (lead or partner, once each).
COUNTED_OVER_CUR = """UNION ALL
SELECT 'country', c.iso2, n.any_role, NULL
  FROM (SELECT country_id, count(DISTINCT practice_id) AS any_role
          FROM links GROUP BY country_id) n JOIN countries_country c ON c.id = n.country_id
UNION ALL
SELECT 'region', c.region, count(DISTINCT l.practice_id), NULL
  FROM links l JOIN countries_country c ON c.id = l.country_id
 WHERE c.region <> '' GROUP BY c.region
UNION ALL
SELECT 'target_group', g.slug, count(x.practice_id), NULL
  FROM practices_targetgroup g LEFT JOIN (
       SELECT x.* FROM practices_practice_target_groups x JOIN cur ON cur.id = x.practice_id
  ) x ON x.targetgroup_id = g.id GROUP BY g.slug
UNION ALL
SELECT 'stage', s.slug, count(x.practice_id), NULL
  FROM practices_stage s LEFT JOIN (
       SELECT x.* FROM practices_practice_stages x JOIN cur ON cur.id = x.practice_id
  ) x ON x.stage_id = s.id GROUP BY s.slug
UNION ALL
SELECT 'gcm', o.number::text, count(x.practice_id), NULL
  FROM practices_gcmobjective o LEFT JOIN (
       SELECT x.* FROM practices_practice_gcm_objectives x JOIN cur ON cur.id = x.practice_id
  ) x ON x.gcmobjective_id = o.id GROUP BY o.number
UNION ALL
SELECT CASE WHEN scope IS NOT NULL THEN 'scope' WHEN kind IS NOT NULL THEN 'kind'
            WHEN status IS NOT NULL THEN 'status' ELSE 'evidence' END,
       coalesce(scope, kind, status, evidence_level), count(*), NULL
  FROM cur GROUP BY GROUPING SETS ((scope), (kind), (status), (evidence_level))
UNION ALL
SELECT 'organisation', o.slug, sum(n.n), NULL
  FROM (SELECT lead AS organisation_id, count(*) AS n FROM cur
         WHERE lead IS NOT NULL GROUP BY lead
        UNION ALL
        SELECT x.organisation_id, count(DISTINCT x.practice_id)
          FROM cur JOIN practices_practice_partners x ON x.practice_id = cur.id
         WHERE x.organisation_id IS DISTINCT FROM cur.lead GROUP BY x.organisation_id) n
  JOIN practices_organisation o ON o.id = n.organisation_id GROUP BY o.slug
"""

# Every facet of /practices/?theme=T&cod=C in one statement. ``base`` holds the practices
# that pass every filter but one (has_t: the theme, has_c: the destination); the current
# list is has_t AND has_c. A ticked facet counts over the practices the other filters pass:
# its own options' practices, plus (for the others) those outside the current list, to
# which the page adds the current total. Untouched facets count over the current list.
LIST_FACETS_SQL = f"""
WITH t AS (
    SELECT x.practice_id FROM practices_practice_themes x
     WHERE x.theme_id = (SELECT id FROM practices_theme WHERE slug = %(theme)s)
), c AS (
    SELECT x.practice_id FROM practices_practicecountry x
     WHERE x.role = 'COD' AND x.country_id = (SELECT id FROM countries_country WHERE iso2 = %(cod)s)
), base AS MATERIALIZED (
    SELECT p.id, t.practice_id IS NOT NULL AS has_t, c.practice_id IS NOT NULL AS has_c
      FROM t FULL JOIN c ON c.practice_id = t.practice_id
      JOIN practices_practice p ON p.id = coalesce(t.practice_id, c.practice_id)
     WHERE {PUBLISHED}
), cur AS MATERIALIZED (
    SELECT p.id, p.lead_organisation_id AS lead, p.scope, p.kind, p.status, p.evidence_level
      FROM base b JOIN practices_practice p ON p.id = b.id
     WHERE b.has_t AND b.has_c
), links AS MATERIALIZED (
    SELECT x.practice_id, x.country_id, x.role
      FROM practices_practicecountry x JOIN cur ON cur.id = x.practice_id
)
SELECT 'total', NULL, count(*), NULL::bigint FROM cur
UNION ALL
SELECT 'theme', t.slug, coalesce(n.n, 0), NULL
  FROM practices_theme t LEFT JOIN (
       SELECT x.theme_id, count(*) FILTER (WHERE t2.slug = %(theme)s OR NOT b.has_t) AS n
         FROM base b JOIN practices_practice_themes x ON x.practice_id = b.id
         JOIN practices_theme t2 ON t2.id = x.theme_id
        WHERE b.has_c GROUP BY x.theme_id) n ON n.theme_id = t.id
UNION ALL
SELECT 'cod', c.iso2, n.n, n.listed
  FROM (SELECT x.country_id,
               count(*) FILTER (WHERE c2.iso2 = %(cod)s OR NOT b.has_c) AS n,
               count(*) AS listed
          FROM base b JOIN practices_practicecountry x ON x.practice_id = b.id AND x.role = 'COD'
          JOIN countries_country c2 ON c2.id = x.country_id
         WHERE b.has_t GROUP BY x.country_id) n
  JOIN countries_country c ON c.id = n.country_id
UNION ALL
SELECT lower(l.role), c.iso2, count(*), NULL
  FROM links l JOIN countries_country c ON c.id = l.country_id
 WHERE l.role IN ('COO', 'COT') GROUP BY l.role, c.iso2
{COUNTED_OVER_CUR}"""

LIST_ROWS_SQL = f"""
SELECT {CARD_COLUMNS}, o.name AS lead_name
  FROM practices_practice p LEFT JOIN practices_organisation o ON o.id = p.lead_organisation_id
 WHERE {PUBLISHED} AND {HAS_THEME} AND {HAS_COD}
 ORDER BY lower(p.title), p.id LIMIT 25
"""

SEARCH_COUNT_SQL = f"""
SELECT count(*) FROM practices_practice p
 WHERE {PUBLISHED} AND p.search_vector @@ websearch_to_tsquery('english', %(q)s)
"""

# Every facet of /practices/?q=WORDS in one statement: nothing is ticked, so every facet
# counts over the practices the search finds (``cur``), as the page does.
SEARCH_FACETS_SQL = f"""
WITH cur AS MATERIALIZED (
    SELECT p.id, p.lead_organisation_id AS lead, p.scope, p.kind, p.status, p.evidence_level
      FROM practices_practice p
     WHERE {PUBLISHED} AND p.search_vector @@ websearch_to_tsquery('english', %(q)s)
), links AS MATERIALIZED (
    SELECT x.practice_id, x.country_id, x.role
      FROM practices_practicecountry x JOIN cur ON cur.id = x.practice_id
)
SELECT 'total', NULL, count(*), NULL::bigint FROM cur
UNION ALL
SELECT 'theme', t.slug, count(x.practice_id), NULL
  FROM practices_theme t LEFT JOIN (
       SELECT x.* FROM practices_practice_themes x JOIN cur ON cur.id = x.practice_id
  ) x ON x.theme_id = t.id GROUP BY t.slug
UNION ALL
SELECT lower(l.role), c.iso2, count(*), NULL
  FROM links l JOIN countries_country c ON c.id = l.country_id GROUP BY l.role, c.iso2
{COUNTED_OVER_CUR}"""

SEARCH_ROWS_SQL = f"""
SELECT {CARD_COLUMNS}, o.name AS lead_name
  FROM practices_practice p LEFT JOIN practices_organisation o ON o.id = p.lead_organisation_id,
       websearch_to_tsquery('english', %(q)s) q
 WHERE {PUBLISHED} AND p.search_vector @@ q
 ORDER BY ts_rank(p.search_vector, q) DESC, lower(p.title), p.id LIMIT 25
"""


def _aggregated(name: str, expression: str, source: str, order: str, where: str = "") -> str:
    """One relation's cells, joined with '; ', aggregated once per exported practice and
    joined back (as practices/export_query.py does)."""
    return (
        f"LEFT JOIN (SELECT r.practice_id, string_agg({expression}, '; ' ORDER BY {order}) AS v"
        f" FROM {source} WHERE r.practice_id IN (SELECT id FROM p) {where}"
        f" GROUP BY r.practice_id) {name} ON {name}.practice_id = p.id"
    )


# The CSV export's 25 columns, in its order, each as the export writes it (figures as
# "label: value unit (year)", without the export's thousands separators).
EXPORT_JOINS = [
    _aggregated(
        "themes",
        "o.slug",
        "practices_practice_themes r JOIN practices_theme o ON o.id = r.theme_id",
        "o.position",
    ),
    _aggregated(
        "countries",
        "o.name || ' (' || r.role || ')'",
        "practices_practicecountry r JOIN countries_country o ON o.id = r.country_id",
        "r.role, o.name",
    ),
    *(
        _aggregated(
            role.lower(),
            "o.iso2",
            "practices_practicecountry r JOIN countries_country o ON o.id = r.country_id",
            "o.name",
            f"AND r.role = '{role}'",
        )
        for role in ("COO", "COT", "COD")
    ),
    _aggregated(
        "partners",
        "o.name || coalesce(' (' || nullif(o.acronym, '') || ')', '')",
        "practices_practice_partners r JOIN practices_organisation o ON o.id = r.organisation_id",
        "o.name",
    ),
    _aggregated(
        "groups",
        "o.slug",
        "practices_practice_target_groups r JOIN practices_targetgroup o"
        " ON o.id = r.targetgroup_id",
        "o.slug",
    ),
    _aggregated(
        "stages",
        "o.slug",
        "practices_practice_stages r JOIN practices_stage o ON o.id = r.stage_id",
        "o.position",
    ),
    _aggregated(
        "gcm",
        "o.number::text",
        "practices_practice_gcm_objectives r JOIN practices_gcmobjective o"
        " ON o.id = r.gcmobjective_id",
        "o.number",
    ),
    _aggregated(
        "metrics",
        "r.label || ': ' || r.value || ' ' || r.unit || ' (' || r.year || ')'",
        "practices_outcomemetric r",
        "r.position, r.id",
    ),
    _aggregated(
        "sources",
        "coalesce('[' || o.footnote || '] ', '') || o.citation",
        "practices_practice_sources r JOIN practices_source o ON o.id = r.source_id",
        "o.footnote, o.key",
    ),
    _aggregated(
        "evaluations",
        "r.method || ', ' || r.evaluator || ' (' || r.year || '): ' || r.findings",
        "practices_evaluation r",
        "r.year DESC, r.id",
    ),
    _aggregated(
        "scorecard",
        "r.criterion || ': ' || r.rating || '/5'",
        "practices_scorecardrating r",
        "r.criterion",
    ),
]

EXPORT_SQL = f"""
WITH p AS (
    SELECT p.id, p.slug, p.title, p.summary, p.description, p.coverage, p.scope, p.kind,
           p.status, p.evidence_level, p.start_year, p.end_year, p.lead_organisation_id
      FROM practices_practice p WHERE {{where}}
)
SELECT p.slug, p.title, p.summary, p.description, themes.v, countries.v, coo.v, cot.v, cod.v,
       p.coverage, concat_ws('; ', lead.name || coalesce(' (' || nullif(lead.acronym, '')
       || ')', ''), partners.v), groups.v, stages.v, p.scope, p.kind, gcm.v, p.status,
       p.evidence_level, p.start_year, p.end_year, metrics.v, sources.v, evaluations.v,
       scorecard.v, 'http://127.0.0.1/practices/' || p.slug || '/'
  FROM p
  LEFT JOIN practices_organisation lead ON lead.id = p.lead_organisation_id
  {" ".join(EXPORT_JOINS)}
 ORDER BY lower(p.title), p.id
"""


class Floor:
    """One psycopg2 connection, kept for the whole run (as gunicorn keeps its own)."""

    def __init__(self, dsn: str):
        # Plain psycopg2, as fast as the driver goes: the project's backend, imported when
        # this process prepared the database, sets a process-wide wait callback (its client
        # deadline) under which psycopg2 refuses COPY. The preparation is over by now.
        psycopg2.extensions.set_wait_callback(None)
        self.connection = psycopg2.connect(dsn, options="-c jit=off")
        self.connection.autocommit = True

    def close(self) -> None:
        self.connection.close()

    def list_page(self, theme: str, cod: str) -> dict:
        """The list's 25 rows, its count and every facet count, as {facet: {key: n}}."""
        params = {"theme": theme, "cod": cod}
        with self.connection.cursor() as cursor:
            cursor.execute(LIST_ROWS_SQL, params)
            rows = cursor.fetchall()
            cursor.execute(LIST_FACETS_SQL, params)
            facets: dict[str, dict] = {}
            for facet, key, n, listed in cursor.fetchall():
                facets.setdefault(facet, {})[key] = (n, listed)
        total = facets.pop("total")[None][0]
        # The page's rule: a ticked facet shows, for each other option, the current total plus
        # the practices that option would add; the destination facet lists the countries the
        # other filters leave practices for.
        counts = {
            name: {key: n for key, (n, _listed) in options.items() if name != "cod" or _listed}
            for name, options in facets.items()
        }
        for name, ticked in (("theme", theme), ("cod", cod)):
            counts[name] = {
                key: n if key == ticked else total + n for key, n in counts[name].items()
            }
        for name in ("country", "coo", "cot", "region", "organisation"):
            counts[name] = {key: n for key, n in counts.get(name, {}).items() if n}
        return {"rows": rows, "total": total, "facets": counts}

    def search(self, query: str) -> dict:
        """The search's 25 rows, its count and every facet count its page shows."""
        with self.connection.cursor() as cursor:
            cursor.execute(SEARCH_ROWS_SQL, {"q": query})
            rows = cursor.fetchall()
            cursor.execute(SEARCH_FACETS_SQL, {"q": query})
            facets: dict[str, dict] = {}
            for facet, key, n, _listed in cursor.fetchall():
                facets.setdefault(facet, {})[key] = n
        total = facets.pop("total")[None]
        return {"rows": rows, "total": total, "facets": facets}

    def search_rows_only(self, query: str) -> dict:
        """The search's 25 rows and its count, without the facets."""
        with self.connection.cursor() as cursor:
            cursor.execute(SEARCH_ROWS_SQL, {"q": query})
            rows = cursor.fetchall()
            cursor.execute(SEARCH_COUNT_SQL, {"q": query})
            total = cursor.fetchone()[0]
        return {"rows": rows, "total": total}

    def export(self, kind: str | None = None) -> tuple[int, int]:
        """COPY the export's columns to a sink; (rows, bytes)."""
        where = f"{PUBLISHED} AND p.kind = %(kind)s" if kind else PUBLISHED
        with self.connection.cursor() as cursor:
            sql = cursor.mogrify(EXPORT_SQL.format(where=where), {"kind": kind}).decode()
            sink = Sink()
            cursor.copy_expert(f"COPY ({sql}) TO STDOUT WITH CSV HEADER", sink)
        return sink.lines - 1, sink.size


class Sink(io.RawIOBase):
    """Counts what COPY writes and keeps nothing."""

    def __init__(self):
        self.size = 0
        self.lines = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.size += len(data)
        # Newlines inside quoted cells are counted too; the synthetic text has none.
        self.lines += bytes(data).count(b"\n")
        return len(data)
