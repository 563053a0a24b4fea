"""The facets' one statement: its branches, how they are written, and running it.

``facets.py`` says what each facet counts; here each count is a ``Branch`` (SQL selecting
``n`` and some key columns, tagged), and ``run`` unites them under the CTEs ``cur`` (the
current results, evaluated once) and ``links`` (their country links), as one statement.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db import connection

from countries.models import Country
from practices.models import PracticeCountry


@dataclass
class Branch:
    """One part of the union: rows tagged ``tag``, from SQL selecting ``n`` and some KEYS."""

    tag: str
    sql: str
    params: list
    columns: tuple[str, ...]


def branch(tag: str, queryset) -> Branch:
    """A ``.values(...)`` QuerySet as a branch, compiled by the ORM."""
    sql, params = queryset.order_by().query.sql_with_params()
    columns = (*queryset.query.values_select, *queryset.query.annotation_select)
    return Branch(tag, sql, list(params), columns)


def column(model, field_name: str, alias: str) -> str:
    """``alias."column"`` of a model's field, quoted for the database."""
    return f"{alias}.{connection.ops.quote_name(model._meta.get_field(field_name).column)}"


def countries_of(alias: str = "l", country_column: str | None = None) -> str:
    """A JOIN clause: the country (as ``c``) of each row ``alias``, a PracticeCountry row
    unless ``country_column`` names the column holding the country's id."""
    table = connection.ops.quote_name(Country._meta.db_table)
    country = (
        f"{alias}.{country_column}" if country_column else column(PracticeCountry, "country", alias)
    )
    return f"JOIN {table} c ON {column(Country, 'id', 'c')} = {country}"


def of_current(model, alias: str = "l") -> str:
    """A FROM clause: ``model``'s rows of the current results, joined to ``cur``.

    Unticked facets read their rows this way rather than with ``IN (SELECT id FROM cur)``:
    PostgreSQL has no statistics on a CTE, guesses 200 distinct ids, removes duplicates it
    cannot know there are none of before every such IN (a hash of every id, in each branch)
    and probes the link tables' indexes once per id where one hash join is cheaper.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    return f"{table} {alias} JOIN cur ON cur.id = {column(model, 'practice', alias)}"


def run(names: list[str], current, links: str | None, branches: list[Branch], keys) -> dict:
    """Run the statement: ``branches`` united under ``cur`` (the ``.values()`` QuerySet
    ``current``, its columns ``names``) and, when given, ``links``; its rows, ``(n, pos, k1
    …)``, by branch tag. Every branch selects ``n``, ``pos`` and ``keys``, NULL where absent."""
    cur_sql, params = current.query.sql_with_params()
    params = list(params)
    # PostgreSQL would inline a CTE read once, and may re-plan one read several times;
    # MATERIALIZED evaluates the current results once, whatever the plan.
    materialized = "MATERIALIZED " if connection.vendor == "postgresql" else ""
    selects = []
    for part in branches:
        columns = [
            f"CAST({c if c in part.columns else 'NULL'} AS {kind}) AS {c}"
            for c, kind in (("n", "bigint"), ("pos", "bigint"), *((k, "text") for k in keys))
        ]
        selects.append(
            f"SELECT CAST(%s AS text) AS tag, {', '.join(columns)} FROM ({part.sql}) AS b"  # noqa: S608
        )
        params += [part.tag, *part.params]
    ctes = f"cur ({', '.join(names)}) AS {materialized}({cur_sql})"
    if links is not None:
        ctes += f", links AS {materialized}({links})"
    rows = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {ctes} " + " UNION ALL ".join(selects), params)
        for tag, *row in cursor.fetchall():
            rows[tag].append(row)
    return rows
