"""CSV and JSON exports of exactly the list page's rows, streamed from each practice's ready row.

Both take the list page's query string (same filters, same order, every matching row, never
a page of it). What a record holds, and its text, is defined once in the domain
(``practices.export_rows``: the columns, documented there and listed on the About page), which
keeps each practice's CSV line and JSON record ready (``ExportRow``). An export here:

1. builds the rows its practices lack (stale or absent), with the from-scratch definition: when
   two counts on indexes say some practice lacks one, an anti-join finds which of its own;
2. streams one query: the filtered practices in the list's order joined to their ready rows,
   the site's address spliced into each row's text by the database, read through a server-side
   cursor inside a transaction (a cursor held past its transaction is written out whole
   before its first row), in chunks: the first row comes at once and memory stays flat;
3. builds from scratch, without storing it, any row a change marked stale between 1 and 2.

A site address that could not be spliced into stored text (a comma, a quote), or a language
the site does not offer, gets the export built wholly from scratch. For a client that accepts
gzip the file is compressed at the fastest level, in a thread beside the database reads
(``gzipped``).

django-import-export's export builds the whole file in memory; it stays for curators in the
admin.
"""

import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from itertools import chain

from django.db import connection, transaction
from django.db.models import Window
from django.db.models.functions import RowNumber
from django.http import HttpResponse
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.text import get_text_list, slugify
from django.utils.translation import gettext as _

from practices import export_record, export_rows
from practices.export_query import window_order
from practices.export_record import COLUMNS, FIELDNAMES, csv_line, json_record
from practices.models import ExportRow

# The columns are the domain's; the About page lists them from here.
__all__ = [
    "COLUMNS",
    "CSV",
    "FIELDNAMES",
    "JSON",
    "Download",
    "cover_rows",
    "export_filename",
    "export_stream",
]

CHUNK_SIZE = 500
# While a download runs its transaction stays open (the cursor lives in it), idle whenever the
# client is slower than the database; the connection's own limit would cut a slow download.
STREAM_IDLE_SECONDS = 900
CSV, JSON = "csv", "json"
# The fastest gzip level: the file is a fifth of its size (level 6, the middleware's, makes it a
# seventh at three times the CPU: at 100,000 practices 4 s, longer than the export itself).
GZIP_LEVEL = 1
# The filters' part of a file name: long enough for a few filters, short enough for any disk.
MAX_FILENAME_FILTERS = 60
# A bare number says little in a file name: these parameters' values get a word before them.
FILENAME_VALUE_WORDS = {"year_from": "from", "year_to": "to", "min_rating": "min"}


def export_filename(
    params: list[tuple[str, str]], day: date, extension: str, stem: str = "gfmd-practices"
) -> str:
    """The download's name: what was filtered and the day, e.g. gfmd-practices-children-mx-….

    ``params`` are the applied filters (the filterset's canonical parameters, so ignored values
    are left out), in the filters' declaration order; a parameter's several values are sorted,
    so the same filter gives the same name whatever order the URL had. The sort is not a filter.
    """
    values: dict[str, list[str]] = {}
    for name, value in params:
        if name != "sort":
            values.setdefault(name, []).append(value)
    words = [
        slugify(f"{FILENAME_VALUE_WORDS.get(name, '')} {value}")
        for name, given in values.items()
        for value in sorted(given)
    ]
    filters = "-".join(word for word in words if word)
    if len(filters) > MAX_FILENAME_FILTERS:
        # Cut at a hyphen where there is one, so no word is left half-written.
        cut = filters[: MAX_FILENAME_FILTERS + 1]
        filters = cut.rsplit("-", 1)[0] if "-" in cut else cut[:MAX_FILENAME_FILTERS]
    name = "-".join(part for part in (stem, filters, f"{day:%Y-%m-%d}") if part)
    return f"{name}.{extension}"


def cover_rows(filterset, list_address: str) -> list[tuple[str, str]]:
    """What a list's workbook says on its cover was asked for: each filter in words, the
    values that were ignored, the order, and the list's own address.

    A filter's several values are any of them ("Mexico or Philippines"), as on the list.
    """
    values: dict[str, list[str]] = {}
    for label, value, _without in filterset.chips():
        values.setdefault(str(label), []).append(str(value))
    filters = [f"{label}: {get_text_list(given, _('or'))}" for label, given in values.items()]
    rows = [
        (_("Filters") if i == 0 else "", text)
        for i, text in enumerate(filters or [_("All published practices")])
    ]
    ignored = [f"{name}={value} ({why})" for name, value, why in filterset.ignored()]
    if ignored:
        rows.append((_("Ignored"), "; ".join(ignored)))
    rows.append((_("Order"), str(filterset.SORTS[filterset.sort])))
    rows.append((_("This list online"), list_address))
    return rows


def attachment(body, content_type: str, filename: str) -> HttpResponse:
    """A download made whole (a workbook, a brief's file, a citation), under ``filename``."""
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_stream(queryset, base_url: str, kind: str) -> Iterator[str]:
    """The file's text for ``queryset`` (filtered and ordered as the list), chunk by chunk.

    ``base_url`` is the site's address (scheme and host); the script prefix is added here.
    The query runs, and its first rows are read, when the first chunk is asked for.
    """
    base = base_url + get_script_prefix().rstrip("/")  # ready rows hold paths from "/"
    language = translation.get_language() or ""
    if not export_rows.base_is_plain(base) or language not in export_rows.languages():
        return from_scratch(queryset, base_url, kind)
    if export_rows.may_lack_rows(language):
        export_rows.build_missing(queryset, language)
    return _ready(queryset, base, kind, language)


def from_scratch(queryset, base_url: str, kind: str) -> Iterator[str]:
    """The file built record by record with the one definition: what the ready rows hold.
    Its paths have the script prefix, which ``base_url`` (scheme and host) has not."""
    records = export_record.records(queryset)
    if kind == CSV:
        lines = (csv_line(record, base_url) for record in records)
    else:
        lines = (json_record(record, base_url) for record in records)
    return _file(_batches(lines), kind)


def _batches(lines: Iterable[str], size: int = 100) -> Iterator[list[str]]:
    batch = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _file(batches: Iterator[list[str]], kind: str) -> Iterator[str]:
    try:
        if kind == CSV:
            # The byte-order mark makes Excel read UTF-8 ("Côte d'Ivoire", not "CÃ´te d'Ivoire").
            yield "\ufeff" + export_record.csv_line_of(FIELDNAMES)
            for batch in batches:
                yield "".join(batch)
            return
        yield "["
        separator = "\n"
        for batch in batches:
            yield separator + ",\n".join(batch)
            separator = ",\n"
        yield "\n]\n"
    finally:
        batches.close()  # the cursor and its transaction end with the file, read whole or not


def _ready_sql(queryset, base: str, kind: str, language: str) -> tuple[str, list]:
    picked = (
        queryset.annotate(export_position=Window(RowNumber(), order_by=window_order(queryset)))
        .order_by()
        .values("id", "export_position")
    )
    picked_sql, params = picked.query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(ExportRow._meta.db_table)
    head, tail = (quote(f"{kind}_head"), quote(f"{kind}_tail"))
    # The practices are put in order first, narrow (id and position), and each one's text is
    # then read by its index, in that order: sorting the joined text (a gigabyte at 100,000
    # practices) would spill to disk before the first row. The text is NULL where the row went
    # stale since step 1 (NULL || x is NULL), or is absent.
    sql = (
        f"WITH picked AS ({picked_sql}) "  # noqa: S608 (names from the models, values are params)
        f"SELECT ordered.id, (SELECT e.{head} || %s || e.{tail} FROM {table} e "
        f"WHERE e.{quote('practice_id')} = ordered.id AND e.{quote('language')} = %s "
        f"AND e.{quote('format')} = %s) FROM (SELECT id, export_position FROM picked "
        "ORDER BY export_position) ordered ORDER BY ordered.export_position"
    )
    return sql, [*params, base, language, export_rows.format_key(language)]


def _ready(queryset, base: str, kind: str, language: str) -> Iterator[str]:
    return _file(_ready_batches(queryset, base, kind, language), kind)


def _ready_batches(queryset, base: str, kind: str, language: str) -> Iterator[list[str]]:
    sql, params = _ready_sql(queryset, base, kind, language)
    # Inside a transaction the cursor yields rows as the query makes them; in autocommit it is
    # held past its transaction, and PostgreSQL writes the whole result out before the first.
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as setting:
                setting.execute(
                    "SET LOCAL idle_in_transaction_session_timeout = %s",
                    [f"{STREAM_IDLE_SECONDS}s"],
                )
        yield from _fetched(sql, params, base, kind, language)


def _fetched(sql: str, params: list, base: str, kind: str, language: str):
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(CHUNK_SIZE):
            lines = [line for _id, line in chunk]
            if None in lines:
                lines = _patched(chunk, base, kind, language)
            yield lines


def _patched(chunk, base: str, kind: str, language: str) -> list[str]:
    """The chunk's lines, those of rows marked stale since the export began built anew."""
    stale = [practice_id for practice_id, line in chunk if line is None]
    built = dict(export_rows.build(stale, language, save=False))
    column = 0 if kind == CSV else 2
    lines = []
    for practice_id, line in chunk:
        if line is None:
            parts = built.get(practice_id)
            if parts is None:
                continue  # deleted since the export began
            line = parts[column] + base + parts[column + 1]
        lines.append(line)
    return lines


# -- compressed ------------------------------------------------------------------------------


def gzipped(chunks: Iterable[str]) -> Iterator[bytes]:
    """``chunks`` as one gzip stream, each chunk compressed by a thread of its own while the
    next is read from the database (zlib lets other threads run meanwhile)."""
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)

    def compress(chunk: str) -> bytes:
        return compressor.compress(chunk.encode())

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-gzip") as pool:
        pending = None
        for chunk in chunks:
            # One thread, so the chunks are compressed in their order; it encodes them too,
            # while this one waits for the database.
            compressing = pool.submit(compress, chunk)
            if pending is not None and (data := pending.result()):
                yield data
            pending = compressing
        if pending is not None and (data := pending.result()):
            yield data
    yield compressor.flush()


class Download:
    """``first``, then ``rest``, which is closed with the response, read to its end or not (a
    client gone, a HEAD request): its database cursor, and the transaction it lives in, end
    with the download. Compressed here when the client accepts gzip, at the fastest level (the
    middleware leaves a response that has its encoding)."""

    def __init__(self, first: list, rest, compress: bool):
        self.rest = rest
        self.chunks = chain(first, rest)
        if compress:
            self.chunks = gzipped(self.chunks)

    def __iter__(self):
        return self.chunks

    def close(self):
        if self.chunks is not self.rest and hasattr(self.chunks, "close"):
            self.chunks.close()  # the compressing generator: its thread ends with it
        self.rest.close()
