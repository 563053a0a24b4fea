"""An uploaded spreadsheet: its format told from its content, its size checked, and its table
read.

The curator does not say whether a file is CSV or XLSX: an XLSX workbook is a ZIP archive
holding ``xl/workbook.xml``; a CSV file is text. Anything else (an old ``.xls`` workbook, a PDF,
an image, a ZIP of something else) is refused at once, with a message that says what the file
is and what to upload instead. ``detect_format`` looks only at the file's first bytes (and, for a
ZIP, at its list of members), so the upload page answers at once; ``read_dataset`` reads the
table, in the worker.

**Limits** (settings, README "Spreadsheet import"), each refused with a message before the file
is read whole: its bytes (``IMPORT_MAX_FILE_MB``, the upload form); a workbook's size unzipped
(``IMPORT_MAX_UNZIPPED_MB``, from the sizes its ZIP directory declares, here and again in the
worker); its rows (``IMPORT_MAX_ROWS``, counted by the worker as it streams them, which stops
at the first row past the limit).
"""

import codecs
import csv
import itertools
import math
import struct
import zipfile

import openpyxl
import tablib
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from tablib import InvalidDimensions

from .widgets import cell_text

CSV, XLSX = "csv", "xlsx"
ZIP_SIGNATURE = b"PK\x03\x04"
# Old binary Office files (.xls, .doc): the OLE compound document signature.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Text files carry no NUL byte, and next to no control characters; binary files many.
TEXT_SAMPLE = 64 * 1024
TEXT_CONTROLS = frozenset(range(32)) - {9, 10, 12, 13}
MB = 1024 * 1024
# A ZIP archive's end record: its signature, within the last 64 KB (its comment) + 22 bytes.
END_RECORD_SIGNATURE = b"PK\x05\x06"
END_RECORD_SEARCH = 65536 + 22
MAX_ZIP_MEMBERS = 1000


class UnreadableFile(Exception):
    """The file is not a table this import can read; the message says why, for a curator."""


def detect_format(upload) -> str:
    """``"csv"`` or ``"xlsx"`` from what ``upload`` (a file object) holds; ``UnreadableFile``
    for anything else, or for a workbook too large unzipped. Leaves the file at its start."""
    upload.seek(0)
    head = upload.read(TEXT_SAMPLE)
    upload.seek(0)
    if head.startswith(ZIP_SIGNATURE):
        check_member_count(upload)
        try:
            with zipfile.ZipFile(upload) as archive:
                members = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError):
            members = []
        finally:
            upload.seek(0)
        if any(member.filename == "xl/workbook.xml" for member in members):
            check_unzipped_size(members)
            return XLSX
        raise UnreadableFile(
            _(
                "The file is a ZIP archive but not an Excel workbook (.xlsx). Upload the "
                "spreadsheet itself, as an .xlsx workbook or as a CSV file."
            )
        )
    if head.startswith(OLE_SIGNATURE):
        raise UnreadableFile(
            _(
                "The file is an old Excel workbook (.xls) or another old Office file. Open it "
                "in your spreadsheet and save it as an .xlsx workbook or as CSV UTF-8."
            )
        )
    controls = sum(1 for byte in head if byte in TEXT_CONTROLS)
    if b"\x00" in head or controls > len(head) // 100:
        raise UnreadableFile(
            _(
                "The file is neither an Excel workbook (.xlsx) nor a CSV text file. Save your "
                "spreadsheet as .xlsx or as CSV UTF-8 and upload that file."
            )
        )
    return CSV


def check_member_count(upload) -> None:
    """``UnreadableFile`` if a ZIP archive says it holds more members than any workbook does,
    read from its end record (the last bytes) before its directory is: a crafted archive of
    hundreds of thousands of empty members would otherwise cost seconds and hundreds of MB
    just to list. A workbook holds a few dozen (sheets, styles, shared strings, relations)."""
    upload.seek(0, 2)
    size = upload.tell()
    start = max(size - END_RECORD_SEARCH, 0)
    upload.seek(start)
    tail = upload.read()
    upload.seek(0)
    at = tail.rfind(END_RECORD_SIGNATURE)
    if at < 0 or at + 22 > len(tail):
        return  # not a readable archive: the directory's reader says so
    (members,) = struct.unpack_from("<H", tail, at + 10)
    # 0xFFFF: a ZIP64 archive, whose count is elsewhere; no workbook needs one.
    if members > MAX_ZIP_MEMBERS:
        raise UnreadableFile(
            _(
                "The file is a ZIP archive of %(count)s files, not an Excel workbook (.xlsx). "
                "Upload the spreadsheet itself, as an .xlsx workbook or as a CSV file."
            )
            % {"count": number_format(members, force_grouping=True)}
        )


def check_unzipped_size(members: list[zipfile.ZipInfo]) -> None:
    """``UnreadableFile`` if a workbook's members add up to more than IMPORT_MAX_UNZIPPED_MB.

    The sizes are those the ZIP's central directory declares, read without unzipping anything.
    They bound what reading can produce: Python's zipfile never returns more of a member than
    its declared size (a member that inflates past it fails its CRC check), so a small file
    that would unzip to gigabytes (a "ZIP bomb") is refused here, not discovered in memory."""
    limit = settings.IMPORT_MAX_UNZIPPED_MB
    size = sum(member.file_size for member in members)
    if size > limit * MB:
        raise UnreadableFile(
            _(
                "The workbook would take %(size)s MB once unzipped, more than the %(limit)s MB "
                "an import reads. Split it into several workbooks, or save it as CSV UTF-8."
            )
            % {"size": number_format(math.ceil(size / MB), force_grouping=True), "limit": limit}
        )


def read_dataset(file, file_format: str) -> tablib.Dataset:
    """The table of ``file`` (a binary file object, at its start), read as a stream: at most
    IMPORT_MAX_ROWS rows are ever held, and a file with more is ``UnreadableFile`` as soon as
    its first row past the limit is read. ``UnreadableFile`` with a curator's message for any
    file that cannot be read."""
    try:
        if file_format == XLSX:
            with zipfile.ZipFile(file) as archive:
                check_unzipped_size(archive.infolist())
            file.seek(0)
            book = openpyxl.load_workbook(file, read_only=True, data_only=False)
            try:
                # Formulas as their text ("=HYPERLINK(...)"), not their cached results: the
                # import must see a formula to refuse it.
                return _table(book.active.iter_rows(values_only=True), pad=None)
            finally:
                book.close()
        return _table(_csv_records(file), pad="")
    except UnreadableFile:
        raise
    except Exception as error:  # noqa: BLE001 (any reader error is the file's, and explained)
        raise UnreadableFile(read_error_message(error, file_format)) from error


def _csv_records(file):
    """The records of a CSV file as spreadsheets save it: UTF-8 (with or without a byte-order
    mark), cells separated by commas or by semicolons (which Excel writes where the comma is
    the decimal separator, in French and Spanish, GFMD's other languages); blank lines are no
    records."""
    lines = _utf8_lines(file)
    header = next(lines, "")
    delimiter = ";" if header.count(";") > header.count(",") else ","
    records = csv.reader(itertools.chain([header], lines), delimiter=delimiter)
    yield next(records, [])
    yield from (record for record in records if record)


def _utf8_lines(file):
    """The lines of a binary file as text (split at b"\\n", which no multi-byte UTF-8 character
    contains); a byte that is not UTF-8 is ``UnreadableFile`` naming it and its place."""
    position = 0
    for line in file:
        if position == 0 and line.startswith(codecs.BOM_UTF8):
            line, position = line[len(codecs.BOM_UTF8) :], len(codecs.BOM_UTF8)
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError as error:
            raise UnreadableFile(
                _(
                    "The file is not UTF-8 text (byte %(byte)s at position %(position)s cannot "
                    "be read as UTF-8). In your spreadsheet choose “Save as”, “CSV UTF-8”, and "
                    "upload that file; or upload the workbook itself as XLSX."
                )
                % {"byte": f"0x{line[error.start]:02x}", "position": position + error.start}
            ) from None
        position += len(line)


def _table(records, pad) -> tablib.Dataset:
    """The first record as the header, and the rows under it (a short row padded with
    ``pad``), as long as there are no more than IMPORT_MAX_ROWS of them."""
    dataset = tablib.Dataset()
    header = next(records, None)
    if header is None:
        return dataset
    dataset.headers = list(header)
    width = len(dataset.headers)
    for values in _within_limit(records, settings.IMPORT_MAX_ROWS):
        dataset.append(list(values) + [pad] * (width - len(values)))
    return dataset


def _within_limit(rows, limit: int):
    """``rows`` but the blank ones at the end (a sheet formatted far below its last practice,
    a row number a million down), refusing a row with a value past ``limit``. Blank rows are
    held back until a row with a value follows them, and never more than could be kept: memory
    stays that of ``limit`` rows whatever the file declares."""
    kept, blanks, held = 0, 0, []
    for values in rows:
        if not any(cell_text(value) for value in values):
            blanks += 1
            if kept + len(held) < limit:
                held.append(values)
            continue
        if kept + blanks + 1 > limit:
            raise UnreadableFile(
                _(
                    "The file has more than %(limit)s rows of practices: an import reads "
                    "%(limit)s at the most. Split it into several files and import them one "
                    "after the other."
                )
                % {"limit": number_format(limit, force_grouping=True)}
            )
        yield from held
        yield values
        kept += blanks + 1
        blanks, held = 0, []


def read_error_message(error: Exception, file_format: str) -> str:
    """Why a file could not be read at all, and what to do about it."""
    if file_format == XLSX:
        return _(
            "The file looks like an Excel workbook (.xlsx) but cannot be read as one (%(error)s). "
            "Open it in your spreadsheet, save it again as .xlsx, and upload that file."
        ) % {"error": type(error).__name__}
    if isinstance(error, InvalidDimensions):
        return _(
            "Some rows have more cells than the header row has columns: check that the file is "
            "one table with a single header row, its cells separated by commas or semicolons."
        )
    if isinstance(error, csv.Error):
        return _("The file is not a CSV table that can be read (%(error)s).") % {"error": error}
    return _(
        "The file could not be read as a table (%(error)s). Check that it is a table of "
        "practices with a header row."
    ) % {"error": type(error).__name__}
