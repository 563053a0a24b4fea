"""An uploaded spreadsheet: its format told from its content, and its table read.

The curator does not say whether a file is CSV or XLSX: an XLSX workbook is a ZIP archive
holding ``xl/workbook.xml``; a CSV file is text. Anything else (an old ``.xls`` workbook, a PDF,
an image, a ZIP of something else) is refused at once, with a message that says what the file
is and what to upload instead. ``detect_format`` looks only at the file's first bytes (and, for a
ZIP, at its list of members), so the upload page answers at once; ``read_dataset`` reads the
whole table, in the worker.
"""

import csv
import zipfile

import tablib
from django.utils.translation import gettext as _
from tablib import InvalidDimensions

from .spreadsheet import FormulaAwareXLSX, SpreadsheetCSV

CSV, XLSX = "csv", "xlsx"
ZIP_SIGNATURE = b"PK\x03\x04"
# Old binary Office files (.xls, .doc): the OLE compound document signature.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Text files carry no NUL byte, and next to no control characters; binary files many.
TEXT_SAMPLE = 64 * 1024
TEXT_CONTROLS = frozenset(range(32)) - {9, 10, 12, 13}


class UnreadableFile(Exception):
    """The file is not a table this import can read; the message says why, for a curator."""


def detect_format(upload) -> str:
    """``"csv"`` or ``"xlsx"`` from what ``upload`` (a file object) holds; ``UnreadableFile``
    for anything else. Leaves the file at its start."""
    upload.seek(0)
    head = upload.read(TEXT_SAMPLE)
    upload.seek(0)
    if head.startswith(ZIP_SIGNATURE):
        try:
            names = set(zipfile.ZipFile(upload).namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            names = set()
        finally:
            upload.seek(0)
        if "xl/workbook.xml" in names:
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


def read_dataset(content: bytes, file_format: str) -> tablib.Dataset:
    """The file's table; ``UnreadableFile`` with a curator's message if it cannot be read."""
    reader = FormulaAwareXLSX() if file_format == XLSX else SpreadsheetCSV()
    try:
        return reader.create_dataset(content)
    except Exception as error:  # noqa: BLE001 (any reader error is the file's, and explained)
        raise UnreadableFile(read_error_message(error, file_format)) from error


def read_error_message(error: Exception, file_format: str) -> str:
    """Why a file could not be read at all, and what to do about it."""
    if isinstance(error, UnicodeDecodeError):
        return _(
            "The file is not UTF-8 text (byte %(byte)s at position %(position)s cannot be read "
            "as UTF-8). In your spreadsheet choose “Save as”, “CSV UTF-8”, and upload that file; "
            "or upload the workbook itself as XLSX."
        ) % {"byte": f"0x{error.object[error.start]:02x}", "position": error.start}
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
