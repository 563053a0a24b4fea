"""Full-text search over practices, the same results whatever the accents or case.

Each practice stores ``search_text``: its title, summary and the rest (description,
organisations, countries), accent-folded and lower-cased in Python, one part per line. On
PostgreSQL a weighted ``search_vector`` (title A, summary B, the rest C, behind a GIN index) is
built from those folded lines, so "sequia" finds "sequía" without the ``unaccent`` extension,
and results are ranked. On SQLite the folded text is matched word by word (every word must
appear), ranked by how many of the words are in the title.

The stored columns are rebuilt by ``update_search_index()``: on every save of a practice, its
country links or partners (``practices.signals``), after ``load_paper`` and
``generate_practices``, and by ``manage.py update_search_index``.
"""

import re
import unicodedata

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection, models
from django.db.models.functions import Lower, StrIndex

SEARCH_CONFIG = "english"
# The most words a query is split into on SQLite; longer queries keep their first words.
MAX_WORDS = 12
CHUNK = 1000
WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Lower-case ``text`` and strip its accents: "Côte d’Ivoire" -> "cote d'ivoire"."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _line(*parts: str) -> str:
    # One line per weighted part: newlines inside a part would shift the parts.
    return " ".join(fold(part) for part in parts if part).replace("\n", " ").replace("\r", " ")


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


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
    from .models import Practice, PracticeCountry

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
            updates.append(Practice(pk=pk, search_text=text))
        Practice.objects.bulk_update(updates, ["search_text"], batch_size=500)
        if _is_postgres():
            Practice.objects.filter(pk__in=chunk).update(
                search_vector=SearchVector(_part(1), weight="A", config=SEARCH_CONFIG)
                + SearchVector(_part(2), weight="B", config=SEARCH_CONFIG)
                + SearchVector(_part(3), weight="C", config=SEARCH_CONFIG)
            )
    return len(ids)


def words(query: str) -> list[str]:
    """The folded words of a query, at most ``MAX_WORDS``."""
    return WORD.findall(fold(query))[:MAX_WORDS]


def _pg_query(query: str) -> SearchQuery:
    # websearch syntax: "quoted phrase", or, -word; never a syntax error on user input.
    return SearchQuery(fold(query), search_type="websearch", config=SEARCH_CONFIG)


def filter_by_text(queryset, query: str):
    """Practices matching ``query``: every word (PostgreSQL: the web-search expression)."""
    if not words(query):
        return queryset
    if _is_postgres():
        return queryset.filter(search_vector=_pg_query(query))
    for word in words(query):
        queryset = queryset.filter(search_text__contains=word)
    return queryset


def order_by_relevance(queryset, query: str):
    """Best matches first (then by title): ts_rank on PostgreSQL, title hits on SQLite."""
    if not words(query):
        return queryset.order_by(Lower("title"), "pk")
    if _is_postgres():
        rank = SearchRank(models.F("search_vector"), _pg_query(query))
    else:
        title_end = StrIndex("search_text", models.Value("\n"))
        rank = sum(
            (
                models.Case(
                    models.When(
                        models.Q(
                            **{f"hit_{i}__gt": 0},
                            **{f"hit_{i}__lt": title_end},
                        ),
                        then=2,
                    ),
                    default=1,
                )
                for i, _word in enumerate(words(query))
            ),
            start=models.Value(0),
        )
        queryset = queryset.annotate(
            **{
                f"hit_{i}": StrIndex("search_text", models.Value(word))
                for i, word in enumerate(words(query))
            }
        )
    return queryset.annotate(rank=rank).order_by("-rank", Lower("title"), "pk")
