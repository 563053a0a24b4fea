"""Each practice's export record kept ready, never stale.

The text of a practice's CSV line and JSON record (``export_record``) is kept ready for every
practice in ``ExportRow`` (``build``), so an export streams stored text at the pace of the
database.

Never stale: every change to what a practice exports marks its ready rows stale in the same
transaction (``mark_stale``, called by ``practices.signals`` and by every writer that sends no
signals), and asks for them to be rebuilt once the change is committed (``rebuild_on_commit``);
an export first builds the rows of its practices that are not ready (``missing``, ``build``).
A rebuild writes a row only if its ``version`` is still the one it saw before reading the
practice: a concurrent change has raised it by then, and its mark stays.
"""

import functools
import hashlib
import logging
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import get_script_prefix, set_script_prefix
from django.utils import translation
from django_tasks import task

from .cells import FORMULA_START
from .export_record import csv_line, json_record, records_with_ids
from .models import (
    Evaluation,
    ExportRow,
    OutcomeMetric,
    Practice,
)

logger = logging.getLogger(__name__)


# -- ready rows ----------------------------------------------------------------------------

# Where the site's address goes in the stored text: characters no record holds, none special
# to CSV or JSON, none a formula starts with (the url cell is neutralised by its first letter).
BASE_MARK = "\ue000gfmd-base\ue001"
# A site address that needs no quoting in a CSV cell nor escaping in JSON, and starts no
# formula: spliced into the stored text, it gives the very bytes the record would.
UNSAFE_IN_BASE = frozenset(',"\r\n\\')
# Raised with any change to what a record holds or how its text is written: every row written
# before is then built again, by the next export or ``manage.py build_export_rows``. Changed
# translations of the words a record holds do the same by themselves (``format_key``).
FORMAT = 1
BUILD_CHUNK = 500
# A change's rows are rebuilt when it commits up to this many practices (half a second); past
# it (a theme renamed under every practice) the background worker rebuilds them
# (``rebuild_missing_rows``), unless an export has needed them first.
REBUILD_ON_COMMIT_LIMIT = 5000
# How long storing a rebuilt row waits for a change that holds it (a long import marks its
# practices' rows until it commits): past it the row stays stale, and an export writes it from
# scratch meanwhile.
STORE_LOCK_TIMEOUT = "200ms"
TEXT_COLUMNS = ("csv_head", "csv_tail", "json_head", "json_tail")


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def format_key(language: str) -> str:
    """What a row's text was written by: ``FORMAT`` and the record's translated words."""
    return _format_key(FORMAT, language)


@functools.cache
def _format_key(version: int, language: str) -> str:
    # Every word of a record that the site's translations give: the paper's section titles, the
    # evaluation methods, a figure's qualifiers (translations change only with a deploy).
    with translation.override(language):
        words = [
            *(str(label) for label in Practice.PaperSection.labels),
            *(str(label) for label in Evaluation.Method.labels),
            *(OutcomeMetric.format_value(Decimal(1), q) for q in OutcomeMetric.Qualifier.values),
        ]
    digest = hashlib.sha256("\n".join(words).encode()).hexdigest()[:16]
    return f"{version}:{digest}"


def base_is_plain(base: str) -> bool:
    """Whether ``base`` (the site's address and script prefix) may be spliced into stored text."""
    return (
        not base.startswith(FORMULA_START)
        and not UNSAFE_IN_BASE & set(base)
        and all(char >= " " for char in base)
    )


def ready_parts(record: dict) -> tuple[str, str, str, str]:
    """The record's CSV line and JSON text, each cut where the site's address goes."""
    csv_head, csv_tail = csv_line(record, BASE_MARK).rsplit(BASE_MARK, 1)
    json_head, json_tail = json_record(record, BASE_MARK).rsplit(BASE_MARK, 1)
    return csv_head, csv_tail, json_head, json_tail


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _table() -> str:
    return _quote(ExportRow._meta.db_table)


def _id_chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ids = sorted(set(ids))
    for start in range(0, len(ids), BUILD_CHUNK):
        yield ids[start : start + BUILD_CHUNK]


def build(practice_ids: Iterable[int], language: str | None = None, *, save: bool = True):
    """Build the ready text of ``practice_ids`` in ``language`` from scratch, a chunk at a time;
    with ``save``, store it where no change has marked the row since its version was read.

    Yields (practice id, (csv_head, csv_tail, json_head, json_tail)) in id order.
    """
    language = language or settings.LANGUAGE_CODE
    prefix = get_script_prefix()
    for chunk in _id_chunks(practice_ids):
        # The versions first, then the practices: a change committed in between has raised the
        # version, and the text read after it is not written over its mark (nor needed to be).
        versions = dict(
            ExportRow.objects.filter(practice_id__in=chunk, language=language).values_list(
                "practice_id", "version"
            )
        )
        # Paths from the site's root: a script prefix belongs to the request, like its host.
        set_script_prefix("/")
        try:
            with translation.override(language):
                built = [
                    (record_id, ready_parts(record))
                    for record_id, record in records_with_ids(
                        Practice.objects.filter(pk__in=chunk).order_by("pk")
                    )
                ]
        finally:
            set_script_prefix(prefix)
        if save:
            _store_unless_held(built, versions, language)
        yield from built


def _store_unless_held(built, versions: dict[int, int], language: str) -> None:
    postgres = connection.vendor == "postgresql"
    try:
        with transaction.atomic():
            if postgres:
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{STORE_LOCK_TIMEOUT}'")
            _store(built, versions, language)
            if postgres:  # the rest of a caller's transaction waits as it did
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout TO DEFAULT")
    except OperationalError:
        # A change holds some of these rows: it marks them again when it commits, and an
        # export builds what is stale as it streams.
        logger.info("export rows held by a change; left stale", exc_info=True)


def _store(built, versions: dict[int, int], language: str) -> None:
    """Insert or update each built row, unless its version changed since it was read."""
    if not built:
        return
    table = _table()
    columns = ["practice_id", "language", "version", "format", *TEXT_COLUMNS]
    per_statement = max(1, (connection.features.max_query_params or 7000) // len(columns))
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    updates = ", ".join(f"{_quote(c)} = excluded.{_quote(c)}" for c in ["format", *TEXT_COLUMNS])
    with connection.cursor() as cursor:
        for start in range(0, len(built), per_statement):
            batch = built[start : start + per_statement]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(_quote(c) for c in columns)}) "  # noqa: S608
                f"VALUES {', '.join([one] * len(batch))} "
                f"ON CONFLICT ({_quote('practice_id')}, {_quote('language')}) DO UPDATE SET "
                f"{updates} WHERE {table}.{_quote('version')} = excluded.{_quote('version')}",
                [
                    value
                    for practice_id, parts in batch
                    for value in (
                        practice_id,
                        language,
                        versions.get(practice_id, 0),
                        format_key(language),
                        *parts,
                    )
                ],
            )


def missing(queryset, language: str | None = None) -> QuerySet:
    """The ids of ``queryset``'s practices whose row in ``language`` is stale or absent."""
    language = language or settings.LANGUAGE_CODE
    ready = ExportRow.objects.filter(
        practice=OuterRef("pk"),
        language=language,
        format=format_key(language),
        csv_head__isnull=False,
    )
    return queryset.order_by().filter(~Exists(ready)).values_list("pk", flat=True)


def may_lack_rows(language: str | None = None) -> bool:
    """Whether some practice may lack its ready row: fewer ready rows than practices. Two
    counts on indexes alone, where the exact anti-join (``missing``) reads the filtered
    practices. A row left over from a practice deleted outside Django could hide one that is
    missing: the export then writes that one from scratch as it streams, every time, until
    ``manage.py build_export_rows`` builds it."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {_table()} WHERE {quote('language')} = %s "  # noqa: S608
            f"AND {quote('format')} = %s AND {quote('csv_head')} IS NOT NULL) "
            f"< (SELECT COUNT(*) FROM {quote(Practice._meta.db_table)})",
            [language or settings.LANGUAGE_CODE, format_key(language or settings.LANGUAGE_CODE)],
        )
        return bool(cursor.fetchone()[0])


def build_missing(queryset, language: str | None = None) -> int:
    """Build and store the rows ``queryset``'s practices lack; how many there were."""
    ids = list(missing(queryset, language))
    for _built in build(ids, language):
        pass
    return len(ids)


def mark_stale(practice_ids) -> None:
    """Mark the ready rows of ``practice_ids`` (ids, or a query of ids) stale, in every language,
    in the current transaction: the text is dropped and the version raised, so that no rebuild
    that read the practices before this change can write over the mark. Absent rows are
    inserted as marks, for the same reason. Then they are rebuilt when the change commits.

    Practices that no longer exist are left out (a figure deleted with its practice).
    """
    if isinstance(practice_ids, QuerySet):
        sql, params = practice_ids.query.sql_with_params()
        _mark(sql, list(params))
        ids = None
    else:
        ids = list(set(practice_ids) - deleting_ids())
        if not ids:
            return
        for chunk in _id_chunks(ids):
            _mark(", ".join(["%s"] * len(chunk)), chunk)
    rebuild_on_commit(practice_ids if ids is None else ids)


def _mark(ids_sql: str, params: list) -> None:
    table = _table()
    codes = languages()
    practice = _quote(Practice._meta.db_table)
    nulls = ", ".join(f"{_quote(c)} = NULL" for c in TEXT_COLUMNS)
    language_rows = " UNION ALL ".join(["SELECT %s AS code"] * len(codes))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({_quote('practice_id')}, {_quote('language')}, "  # noqa: S608
            f"{_quote('version')}, {_quote('format')}) "
            f"SELECT p.{_quote('id')}, l.code, 1, '' FROM {practice} p "
            f"CROSS JOIN ({language_rows}) l WHERE p.{_quote('id')} IN ({ids_sql}) "
            f"ON CONFLICT ({_quote('practice_id')}, {_quote('language')}) DO UPDATE SET "
            f"{_quote('version')} = {table}.{_quote('version')} + 1, {nulls}",
            [*codes, *params],
        )


def build_all(language: str | None = None) -> int:
    """Build every practice's row that is not ready (``manage.py build_export_rows``)."""
    return build_missing(Practice.objects.all(), language)


def forget(practice_id: int) -> None:
    """Remove the rows of a deleted practice (a plain DELETE: a deletion through the ORM would
    read their text first)."""
    deleting_ids().discard(practice_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {_table()} WHERE {_quote('practice_id')} = %s",  # noqa: S608
            [practice_id],
        )


def deleting_ids() -> set[int]:
    """Practices being deleted on this connection, from their pre_delete to their post_delete:
    their figures and links, deleted before them, need not mark rows that go with them."""
    return transaction.get_connection().__dict__.setdefault("_export_rows_deleting", set())


# -- rebuilt once committed ----------------------------------------------------------------


def pending_ids() -> set[int]:
    """Practice ids whose rows this connection rebuilds at its next commit (the connection is
    the thread's own, as for the search index)."""
    return transaction.get_connection().__dict__.setdefault("_export_rows_pending", set())


def rebuild_on_commit(practice_ids) -> None:
    pending = pending_ids()
    if len(pending) <= REBUILD_ON_COMMIT_LIMIT:  # past it, their number no longer matters
        if isinstance(practice_ids, QuerySet):
            practice_ids = practice_ids[: REBUILD_ON_COMMIT_LIMIT + 1]
        pending.update(practice_ids)
    connection = transaction.get_connection()
    if not any(func is _rebuild_pending for _sids, func, _robust in connection.run_on_commit):
        transaction.on_commit(_rebuild_pending, robust=True)


def _rebuild_pending() -> None:
    pending = pending_ids()
    ids = set(pending)
    pending.clear()
    if not ids:
        return
    if len(ids) > REBUILD_ON_COMMIT_LIMIT:
        # Too many for the request that made the change: the worker rebuilds them.
        rebuild_missing_rows.enqueue()
        return
    # The stale rows only: a change rolled back after marking, or another rebuild, left the
    # rest ready.
    build_missing(Practice.objects.filter(pk__in=ids))


@task()
def rebuild_missing_rows() -> None:
    """Every stale or absent row, rebuilt by the background worker (``manage.py db_worker``)."""
    build_all()
