"""The stored search data of each practice: what ``practices.search`` matches and ranks.

``search_text`` holds a practice's title, summary and the rest (description, organisations,
countries), accent-folded, one part per line; on PostgreSQL ``search_vector`` weights those
lines A, B and C. Both are rebuilt by ``update_search_index()``: on every save of a practice,
its country links or partners (``practices.signals``), after ``load_paper`` and
``generate_practices``, and by ``manage.py update_search_index``.
"""

from django.contrib.postgres.search import SearchVector
from django.db import connection, models

from .models import Practice, PracticeCountry
from .search import SEARCH_CONFIG, fold, is_postgres

CHUNK = 1000


def _update_text_sql() -> str:
    quote = connection.ops.quote_name
    table, pk = quote(Practice._meta.db_table), quote(Practice._meta.pk.column)
    return f"UPDATE {table} SET {quote('search_text')} = %s WHERE {pk} = %s"  # noqa: S608 (names)


def _line(*parts: str) -> str:
    # One line per weighted part: newlines inside a part would shift the parts.
    return " ".join(fold(part) for part in parts if part).replace("\n", " ").replace("\r", " ")


def _part(number: int):
    """The n-th line of ``search_text`` (PostgreSQL)."""
    return models.Func(
        models.F("search_text"),
        models.Value("\n"),
        models.Value(number),
        function="split_part",
        output_field=models.TextField(),
    )


def update_search_index(practices=None) -> int:
    """Rebuild the stored search text (and, on PostgreSQL, the vector) of ``practices``.

    ``practices`` is a queryset (default: every practice). Runs in chunks of a thousand, with
    a fixed number of queries per chunk. Returns the number of practices indexed.
    """
    queryset = Practice.objects.all() if practices is None else practices
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        extra: dict[int, list[str]] = {pk: [] for pk in chunk}
        for pk, name, acronym in Practice.partners.through.objects.filter(
            practice_id__in=chunk
        ).values_list("practice_id", "organisation__name", "organisation__acronym"):
            extra[pk] += [name, acronym]
        for pk, name, official, iso2, iso3 in PracticeCountry.objects.filter(
            practice_id__in=chunk
        ).values_list(
            "practice_id",
            "country__name",
            "country__official_name",
            "country__iso2",
            "country__iso3",
        ):
            extra[pk] += [name, official, iso2, iso3]
        rows = Practice.objects.filter(pk__in=chunk).values_list(
            "pk",
            "title",
            "summary",
            "description",
            "coverage",
            "lead_organisation__name",
            "lead_organisation__acronym",
        )
        updates = []
        for pk, title, summary, description, coverage, lead, lead_acronym in rows:
            rest = _line(description, coverage, lead or "", lead_acronym or "", *extra[pk])
            text = "\n".join([_line(title), _line(summary), rest])
            updates.append((text, pk))
        # One statement run for every row: bulk_update's CASE WHEN grows with the batch, and
        # building it cost more than running it (an import of 5,000 practices indexes them all).
        with connection.cursor() as cursor:
            cursor.executemany(_update_text_sql(), updates)
        if is_postgres():
            Practice.objects.filter(pk__in=chunk).update(
                search_vector=SearchVector(_part(1), weight="A", config=SEARCH_CONFIG)
                + SearchVector(_part(2), weight="B", config=SEARCH_CONFIG)
                + SearchVector(_part(3), weight="C", config=SEARCH_CONFIG)
            )
    return len(ids)
