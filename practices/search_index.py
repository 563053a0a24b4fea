"""The stored search data of each practice: what ``practices.search`` matches and ranks.

``search_text`` holds, accent-folded and one part per line, the practice's English title,
summary and the rest (description, organisations, countries), then its French title, summary
and description, then its Spanish ones; on PostgreSQL ``search_vector`` weights each language's
lines A, B and C, each with its own language's stemming. Both are rebuilt by
``update_search_index()``: on every save of a practice, its country links or partners
(``practices.signals``), after ``load_paper`` and ``generate_practices``, and by ``manage.py
update_search_index``.
"""

from django.contrib.postgres.search import SearchVector
from django.db import connection, models

from .languages import SOURCE, codes, column, translations
from .models import Practice, PracticeCountry
from .search import LINES_PER_LANGUAGE, SEARCH_CONFIGS, fold, is_postgres

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


def _vector():
    """Each language's three lines, weighted A (title), B (summary) and C, in its stemming."""
    parts = [
        SearchVector(_part(LINES_PER_LANGUAGE * i + n), weight=weight, config=SEARCH_CONFIGS[code])
        for i, code in enumerate(codes())
        for n, weight in ((1, "A"), (2, "B"), (3, "C"))
    ]
    vector = parts[0]
    for part in parts[1:]:
        vector = vector + part
    return vector


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
        # The countries' names in French and Spanish go with those languages' words.
        named: dict[int, dict[str, list[str]]] = {pk: {} for pk in chunk}
        for pk, name, official, iso2, iso3, *names in PracticeCountry.objects.filter(
            practice_id__in=chunk
        ).values_list(
            "practice_id",
            "country__name_en",
            "country__official_name",
            "country__iso2",
            "country__iso3",
            *(f"country__name_{code}" for code in translations()),
        ):
            extra[pk] += [name, official, iso2, iso3]
            for code, translated in zip(translations(), names, strict=True):
                named[pk].setdefault(code, []).append(translated or "")
        translated = [
            column(name, code) for code in codes() for name in ("title", "summary", "description")
        ]
        rows = Practice.objects.filter(pk__in=chunk).values_list(
            "pk",
            *translated,
            "coverage",
            "lead_organisation__name",
            "lead_organisation__acronym",
        )
        updates = []
        for pk, *words, coverage, lead, lead_acronym in rows:
            lines = []
            for i, code in enumerate(codes()):
                title, summary, description = words[3 * i : 3 * i + 3]
                rest = [description or ""]
                if code == SOURCE:
                    rest += [coverage, lead or "", lead_acronym or "", *extra[pk]]
                else:
                    rest += named[pk].get(code, [])
                lines += [_line(title or ""), _line(summary or ""), _line(*rest)]
            updates.append(("\n".join(lines), pk))
        # One statement run for every row: bulk_update's CASE WHEN grows with the batch, and
        # building it cost more than running it (an import of 5,000 practices indexes them all).
        with connection.cursor() as cursor:
            cursor.executemany(_update_text_sql(), updates)
        if is_postgres():
            Practice.objects.filter(pk__in=chunk).update(search_vector=_vector())
    return len(ids)
