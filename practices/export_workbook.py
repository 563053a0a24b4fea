"""A list of practices as an Excel workbook: a cover, the CSV export's records, every figure.

Any list of practices can be written so: the public list's download (``catalogue.views``) as
much as a roundtable dossier's hand-picked practices, each with the cover rows that say what it
is. It lives in the domain, beside the record it writes, so that either side can use it (the
catalogue and curation never import each other).

- Cover: the knowledge base's name, the caller's rows (what was asked), the day, how many
  practices and figures, the site's address, what the evidence is and what each sheet holds.
- Practices: exactly the CSV export's record (``export_record``: its columns as the header, its
  cells' text), whole numbers (the years) as number cells.
- Figures: one row per figure, its value a number cell, with its year and its source.

Every text goes through ``cells.neutralise`` and is stored as text: a title starting with "="
is never a formula. Two queries whatever the number of practices: the export record's one, and
the figures'. openpyxl's write-only mode sends each sheet's rows to a temporary file as they
come, so memory holds the finished file, not its cells.
"""

import re
import shutil
from collections.abc import Iterable
from copy import copy
from datetime import date, datetime, time
from decimal import Decimal
from io import BytesIO
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from .cells import neutralise
from .export_record import FIELDNAMES, csv_cells, records_with_ids
from .models import OutcomeMetric

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel keeps at most this many characters in a cell; a longer text ends with "…" (the CSV
# and JSON exports, and the practice's page, have it whole).
MAX_CELL_CHARS = 32_767
FIGURE_COLUMNS = [
    "practice_slug",
    "practice_title",
    "label",
    "value",
    "qualifier",
    "unit",
    "year",
    "comparison_note",
    "source",
]
# Characters wide, by what the column holds; any other column (a new one) gets DEFAULT_WIDTH.
DEFAULT_WIDTH = 16
WIDTHS = {
    "slug": 34,
    "title": 40,
    "summary": 60,
    "description": 80,
    "themes": 26,
    "theme_names": 32,
    "countries": 36,
    "coverage": 24,
    "organisations": 40,
    "target_groups": 28,
    "target_group_names": 36,
    "stage_names": 26,
    "metrics": 60,
    "sources": 60,
    "evaluations": 60,
    "scorecard": 36,
    "paper_section_title": 40,
    "url": 50,
    "practice_slug": 34,
    "practice_title": 40,
    "label": 40,
    "comparison_note": 40,
    "source": 60,
}
# What XML 1.0 cannot hold (control characters, U+FFFE, U+FFFF): no sheet can have it.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
TOP_WRAPPED = Alignment(vertical="top", wrap_text=True)


def workbook_bytes(
    practices, cover_rows: list[tuple[str, str]], base_url: str, *, day: date | None = None
) -> bytes:
    """The .xlsx file of ``practices`` (filtered and ordered already: the rows keep that order).

    ``cover_rows`` are (label, text) pairs the cover gives after the knowledge base's name: what
    the list is. ``base_url`` is the site's scheme and host (the practices' addresses are built
    on it); ``day`` the day the cover names, today in the site's time zone unless given.
    """
    day = day or timezone.localdate()
    book = Workbook(write_only=True)
    # Created first so it is the first sheet; written last, when the counts are known.
    # The sheets' names, like the columns', are the same English keys in every language: a
    # script reads wb["Practices"] whatever the page the file came from.
    cover = _Sheet(book, "Cover", {"A": 24, "B": 100})
    listed = _Sheet(book, "Practices", _widths(FIELDNAMES), header=FIELDNAMES)
    order = []
    for practice_id, record in records_with_ids(practices):
        cells = csv_cells(record, base_url)
        # A whole number in the record (a year) is a number in the sheet; in the CSV, its text.
        listed.append(
            record[name] if _is_whole(record[name]) else cell
            for name, cell in zip(FIELDNAMES, cells, strict=True)
        )
        order.append((practice_id, record["slug"], record["title"]))
    listed.end()
    figures = _Sheet(book, "Figures", _widths(FIGURE_COLUMNS), header=FIGURE_COLUMNS)
    by_practice = _figures(practices)
    figure_count = 0
    for practice_id, slug, title in order:
        for figure in by_practice.get(practice_id, ()):
            figures.append((slug, title, *figure))
            figure_count += 1
    figures.end()
    _write_cover(cover, cover_rows, base_url, day, len(order), figure_count)
    return _saved(book, day)


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _widths(names: list[str]) -> dict[str, int]:
    # Never narrower than the header and its filter button.
    return {
        get_column_letter(i): max(WIDTHS.get(name, DEFAULT_WIDTH), len(name) + 4)
        for i, name in enumerate(names, 1)
    }


def _figures(practices) -> dict[int, list[tuple]]:
    """Each practice's figures as the Figures sheet's cells, in their order on its page.

    One query for every practice of the list (the list is its subquery).
    """
    rows = (
        OutcomeMetric.objects.filter(practice__in=practices.values("pk"))
        .order_by("practice_id", "position", "id")
        .values_list(
            "practice_id",
            "label",
            "value",
            "qualifier",
            "unit",
            "year",
            "comparison_note",
            "source__footnote",
            "source__citation",
        )
    )
    by_practice: dict[int, list[tuple]] = {}
    for practice_id, label, value, qualifier, unit, year, note, footnote, citation in rows:
        source = f"[{footnote}] {citation}" if footnote else (citation or "")
        qualifier_words = str(OutcomeMetric.Qualifier(qualifier).label)
        figure = (label, _number(value), qualifier_words, unit, year, note, source)
        by_practice.setdefault(practice_id, []).append(figure)
    return by_practice


def _number(value: Decimal) -> int | Decimal:
    # A whole number is written (and read back) as an integer; any other keeps its exact
    # decimals: 14 significant digits at most, which a spreadsheet's double holds exactly.
    return int(value) if value == value.to_integral() else value.normalize()


def _write_cover(sheet, rows, base_url: str, day: date, practices: int, figures: int) -> None:
    title = _("Family, gender and migration: good practices")
    sheet.append([title], font=Font(bold=True, size=14), wrap=False)
    sheet.append([_("GFMD good-practice knowledge base")], wrap=False)
    sheet.append([])
    about = base_url + reverse("practices:about")
    rows = [
        *rows,
        (_("Date"), formats.date_format(day, "DATE_FORMAT")),
        (_("Practices"), practices),
        (_("Figures"), figures),
        (_("Site"), base_url + reverse("practices:home")),
        (
            _("Evidence"),
            _(
                "A practice's status is as reported in the year given as its status_as_of (2010 "
                "for the paper's practices), not necessarily as it is today; verified_on is the "
                "day a reviewer last checked it against a newer source. Every figure has its "
                "year and its source; a number in square brackets is the footnote of the GFMD "
                "2010 background paper."
            ),
        ),
        (
            _("Sheets"),
            _(
                "%(practices)s: one row per practice, the columns of the CSV export (each is "
                "explained at %(about)s#export-columns). %(figures)s: one row per figure, its "
                "value as a number, with its qualifier, unit, year and source."
            )
            % {"about": about, "practices": "Practices", "figures": "Figures"},
        ),
    ]
    for label, value in rows:
        sheet.append([label, value], first_font=Font(bold=True))
    sheet.end()


def _saved(book: Workbook, day: date) -> bytes:
    # Dated the day it is made, not the second: the same list gives the same file all day.
    book.properties.created = book.properties.modified = datetime.combine(day, time())
    book.properties.creator = _("GFMD good-practice knowledge base")
    buffer = BytesIO()
    ExcelWriter(book, _DatedArchive(buffer, day)).save()
    return buffer.getvalue()


class _Sheet:
    """A write-only sheet whose text cells are always text: neutralised, never a formula."""

    def __init__(self, book, title: str, widths: dict[str, int], header: list[str] = ()):
        self.sheet = book.create_sheet(title)
        # Columns and panes are written before the first row: set them now.
        for letter, width in widths.items():
            self.sheet.column_dimensions[letter].width = width
        self.columns = len(widths)
        self.rows = 0
        self.filtered = bool(header)
        self.body = WriteOnlyCell(self.sheet)
        self.body.alignment = TOP_WRAPPED
        if header:
            self.sheet.freeze_panes = "A2"
            self.append(header, font=Font(bold=True))

    def append(self, values: Iterable, *, font=None, first_font=None, wrap=True) -> None:
        """One row, its cells top-aligned and wrapped (unless not ``wrap``: a heading runs on
        into the empty cells beside it); ``font`` for all its cells, or ``first_font`` for its
        first."""
        cells = []
        for i, value in enumerate(values):
            cell = self._cell(value, wrap)
            if cell is not None and (font or (first_font and i == 0)):
                cell.font = font or first_font
            cells.append(cell)
        self.sheet.append(cells)
        self.rows += 1

    def _cell(self, value, wrap: bool):
        if value is None or value == "":
            return None
        if isinstance(value, str):
            value = _text(value)
        cell = WriteOnlyCell(self.sheet, value)
        if wrap:
            # One style for every cell, copied (registering it per cell costs a lookup each).
            cell._style = copy(self.body._style)
        if isinstance(value, str):
            # openpyxl guesses from the text ("=…" a formula, "#N/A" an error): it is text.
            cell.data_type = "s"
        return cell

    def end(self) -> None:
        if self.filtered:
            last = get_column_letter(self.columns)
            self.sheet.auto_filter.ref = f"A1:{last}{self.rows}"


def _text(value: str) -> str:
    # Characters a sheet's XML cannot hold (openpyxl and lxml refuse them) are dropped.
    value = neutralise(NOT_XML.sub("", value))
    if len(value) > MAX_CELL_CHARS:
        value = value[: MAX_CELL_CHARS - 1] + "…"
    return value


class _DatedArchive(ZipFile):
    """The file's zip, every entry dated ``day``: not the second it was written, so the same
    list gives the same bytes that day."""

    def __init__(self, file, day: date):
        super().__init__(file, "w", ZIP_DEFLATED)
        self.stamp = (day.year, day.month, day.day, 0, 0, 0)

    def _entry(self, name: str) -> ZipInfo:
        entry = ZipInfo(name, self.stamp)
        entry.compress_type = ZIP_DEFLATED
        entry.external_attr = 0o644 << 16
        return entry

    def writestr(self, zinfo_or_arcname, data, *args, **kwargs):
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = self._entry(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename, arcname=None, *args, **kwargs):
        # openpyxl copies each write-only sheet in from its temporary file.
        with open(filename, "rb") as source, self.open(self._entry(arcname), "w") as target:
            shutil.copyfileobj(source, target, 1 << 16)
