"""Full-text search over practices, the same results whatever the accents or case.

Each practice stores ``search_text``: in each language (English, French, Spanish) its title,
summary and the rest (description; in English also organisations and countries), accent-folded
and lower-cased in Python, one part per line. On PostgreSQL a weighted ``search_vector`` (title A,
summary B, the rest C, each language with its own stemming, behind a GIN index) is built from
those folded lines, so "sequia" finds "sequía" without the ``unaccent`` extension, and results
are ranked; a query is read in the page's language or in English, so a French page still finds
a practice by its English words. On SQLite the folded text is matched word by word (every word
must appear, in any language), ranked by how many of the words are in the English title.

This module only reads: it builds the query expressions the ``PracticeQuerySet`` verbs
``search()`` and ``by_relevance()`` apply, and imports no model. The stored columns are written
by ``practices.search_index``.
"""

import re
import unicodedata

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection, models
from django.db.models.functions import Lower, StrIndex

from .languages import SOURCE, current, localized

# Each language's text search configuration (its stemming and stop words), on PostgreSQL.
SEARCH_CONFIGS = {"en": "english", "fr": "french", "es": "spanish"}
# search_text holds three lines per language (title, summary, the rest), English first.
LINES_PER_LANGUAGE = 3
# The most words a query is split into on SQLite; longer queries keep their first words.
MAX_WORDS = 12
WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Lower-case ``text`` and strip its accents: "Côte d’Ivoire" -> "cote d'ivoire"."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed.isascii():  # no accent to strip (most text): the quick way, same result
        return decomposed.casefold()
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def words(query: str) -> list[str]:
    """The folded words of a query, at most ``MAX_WORDS``."""
    return WORD.findall(fold(query))[:MAX_WORDS]


def _pg_query(query: str) -> SearchQuery:
    """The query in the page's language, or in English: a French page finds "enfants non
    accompagnés" in the French words and "unaccompanied children" in the English ones."""
    # websearch syntax: "quoted phrase", or, -word; never a syntax error on user input.
    english = SearchQuery(fold(query), search_type="websearch", config=SEARCH_CONFIGS[SOURCE])
    language = current()
    if language == SOURCE:
        return english
    config = SEARCH_CONFIGS[language]
    return SearchQuery(fold(query), search_type="websearch", config=config) | english


def filter_by_text(queryset, query: str):
    """Practices matching ``query``: every word (PostgreSQL: the web-search expression)."""
    if not words(query):
        return queryset
    if is_postgres():
        return queryset.filter(search_vector=_pg_query(query))
    for word in words(query):
        queryset = queryset.filter(search_text__contains=word)
    return queryset


def order_by_relevance(queryset, query: str):
    """Best matches first (then by title): ts_rank on PostgreSQL, title hits on SQLite."""
    if not words(query):
        return queryset.order_by(Lower(localized("title")), "pk")
    if is_postgres():
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
    return queryset.annotate(rank=rank).order_by("-rank", Lower(localized("title")), "pk")
