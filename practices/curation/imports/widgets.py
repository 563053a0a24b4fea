"""How one cell of the admin's practice spreadsheet reads and writes (``resources``).

Every reference is a natural key (slug, ISO code, acronym, GCM number, source key), never a
database id, so a file made on one server imports on another. An unknown key is an error that
names it: django-import-export's stock ``ManyToManyWidget`` filters on the values it is given
and silently drops those it does not find, which would lose a theme or a partner without a word.
An import never creates what a cell names: a missing organisation or source is added in the
admin first, and its message says where.

Widgets raise ``ValueError`` with a message for curators (``CellErrors`` when it names a
missing record, which the row reports once: ``plan.RowProblems``); the resource adds the row
and the column to it. A figure's value is read by ``practices.figures``, the rule the
admin's figure form reads it by.
"""

import re
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from import_export.widgets import CharWidget, ForeignKeyWidget, ManyToManyWidget, Widget

from practices.figures import VALUE_PATTERN, quoted, read_value
from practices.models import OutcomeMetric, PracticeCountry

# How several values share a cell on export; on import ";" "," and line breaks all separate
# (no slug, code, acronym or key contains them).
SEPARATOR = "; "
SPLIT = re.compile(r"[;,\n]")
# The structured cells (figures, country details) hold one entry per line: their text can
# contain semicolons ("DIF; unaccompanied children ...").
LINE_SEPARATOR = "\n"


def cell_text(value) -> str:
    """A cell as text, whatever type the file gave it: XLSX cells arrive as numbers or dates
    (a year typed in Excel is 2009.0), CSV cells as strings, empty cells as None or ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def split_values(value) -> list[str]:
    """The values of a multi-value cell, in order, each once."""
    seen = []
    for part in SPLIT.split(cell_text(value)):
        part = part.strip()
        if part and part not in seen:
            seen.append(part)
    return seen


# The reference records a curator may add in the admin. An import never creates any record it
# names (a typo would become a new organisation), so its message says where to add one.
ADDED_IN_THE_ADMIN = {"practices.Organisation", "practices.Source"}


def hint(model) -> str:
    """How to name a record of ``model`` in a cell."""
    label = model._meta.label
    if label == "countries.Country":
        return _("use the two-letter ISO 3166 code, e.g. MX for Mexico")
    if label == "practices.Organisation":
        return _("use the slug or the acronym shown in the admin's list of organisations")
    if label == "practices.Source":
        return _("use the source's key, e.g. fn-22 for the paper's footnote 22")
    if label == "practices.GCMObjective":
        return _("use a number from 1 to 23")
    # The small vocabularies are listed in full: the curator sees every right answer.
    key = getattr(model, "NATURAL_KEY", "slug")
    known = sorted(str(getattr(obj, key)) for obj in model._default_manager.all())
    return _("known: %(values)s") % {"values": ", ".join(known)}


def admin_page(model) -> str:
    """Where in the admin a record of ``model`` is added: "Good practices › Sources › Add
    source", as the admin's own links read."""
    opts = model._meta
    return " › ".join(
        [
            str(opts.app_config.verbose_name),
            capfirst(str(opts.verbose_name_plural)),
            _("Add %(name)s") % {"name": opts.verbose_name},
        ]
    )


class UnknownKey(LookupError):
    """A cell names a record the base does not have.

    Several cells of a row may name the same missing record (a source in ``sources``, as the
    ``evaluation_source`` and after a figure): the row reports it once (``plan.RowProblems``),
    with ``message(also=...)`` naming the other places.
    """

    def __init__(self, model, text: str):
        self.model = model
        self.text = text
        # The same record however the cells write it ("IOMX", "iomx").
        self.key = (model._meta.label, text.casefold())
        super().__init__(self.message())

    def message(self, also: str = "") -> str:
        text = _("there is no %(thing)s %(value)s (%(hint)s)") % {
            "thing": self.model._meta.verbose_name,
            "value": quoted(self.text),
            "hint": hint(self.model),
        }
        if also:
            text += _("; the row also names it in %(places)s") % {"places": also}
        if self.model._meta.label in ADDED_IN_THE_ADMIN:
            text += ". " + _(
                "An import never creates %(things)s: add it in the admin first (%(page)s), "
                "then import the file again"
            ) % {"things": self.model._meta.verbose_name_plural, "page": admin_page(self.model)}
        return text


class CellErrors(ValueError):
    """Everything wrong with one cell: messages, and ``UnknownKey`` errors, which the row
    reports once however many of its cells name the same missing record."""

    def __init__(self, problems: list):
        self.problems = problems
        super().__init__("; ".join(str(problem) for problem in problems))


class Lookup:
    """Every row of a reference table by its natural key(s), read once per import.

    ``keys`` are tried in order (an organisation by slug, then by acronym); matching ignores
    case, so "mx" finds Mexico and "iom" the IOM.
    """

    def __init__(self, model, keys: tuple[str, ...]):
        self.model = model
        self.keys = keys
        self._index = None

    def _build(self) -> dict:
        index = {key: defaultdict(list) for key in self.keys}
        for obj in self.model._default_manager.all():
            for key in self.keys:
                value = getattr(obj, key)
                if value not in (None, ""):
                    index[key][str(value).casefold()].append(obj)
        return index

    def find(self, text: str):
        """The one object ``text`` names; ``UnknownKey`` if none does, ``LookupError`` (with
        a curator's message) if it names several."""
        if self._index is None:
            self._index = self._build()
        folded = text.casefold()
        for key in self.keys:
            found = self._index[key].get(folded, [])
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                names = ", ".join(sorted(str(obj.natural_key()[0]) for obj in found))
                raise LookupError(
                    _("%(value)s names several %(things)s (%(names)s): use one of these instead")
                    % {
                        "value": quoted(text),
                        "things": self.model._meta.verbose_name_plural,
                        "names": names,
                    }
                )
        raise UnknownKey(self.model, text)


class NaturalKeyWidget(ForeignKeyWidget):
    """A foreign key written as its natural key; an unknown key is an error, not an empty
    cell."""

    def __init__(self, model, keys: tuple[str, ...], **kwargs):
        super().__init__(model, field=keys[0], **kwargs)
        self.lookup = Lookup(model, keys)

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        try:
            return self.lookup.find(text)
        except LookupError as error:
            raise CellErrors([error]) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(getattr(value, self.field))


class NaturalKeysWidget(ManyToManyWidget):
    """A many-to-many relation as natural keys joined by "; ". Every value must exist: the
    error names each unknown one (the stock widget drops them silently)."""

    def __init__(self, model, keys: tuple[str, ...], **kwargs):
        super().__init__(model, separator=SEPARATOR, field=keys[0], **kwargs)
        self.lookup = Lookup(model, keys)

    def clean(self, value, row=None, **kwargs) -> list:
        found, problems = [], []
        for text in split_values(value):
            try:
                obj = self.lookup.find(text)
            except LookupError as error:
                problems.append(error)
            else:
                if obj not in found:
                    found.append(obj)
        if problems:
            raise CellErrors(problems)
        return found

    def render(self, value, obj=None, **kwargs):
        # In each table's own order (themes and stages as the paper orders them, objectives by
        # number), read from the prefetched rows when the export prefetched them.
        if value is None:
            return ""
        return SEPARATOR.join(str(getattr(item, self.field)) for item in value.all())


class TextWidget(CharWidget):
    """Text as typed, without the spaces a spreadsheet leaves around it (as the admin's forms
    strip them)."""

    def clean(self, value, row=None, **kwargs):
        return cell_text(value)


class TranslationWidget(TextWidget):
    """A French or Spanish text: an empty cell is no translation (None), as the base keeps it,
    so that a file that leaves it empty changes nothing."""

    def clean(self, value, row=None, **kwargs):
        return cell_text(value) or None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else super().render(value, obj, **kwargs)


class ChoiceWidget(CharWidget):
    """One of a field's choices, by its value (``bilateral``) or its label ("Bilateral"),
    whatever the case; anything else is an error listing the values."""

    def __init__(self, choices, noun, **kwargs):
        super().__init__(**kwargs)
        self.choices = choices
        self.noun = noun

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return ""
        for choice in self.choices:
            if text.casefold() in (choice.value.casefold(), str(choice.label).casefold()):
                return choice.value
        raise ValueError(
            _("%(value)s is not a valid %(thing)s: use one of %(values)s")
            % {
                "value": quoted(text),
                "thing": self.noun,
                "values": ", ".join(self.choices.values),
            }
        )


class YearWidget(Widget):
    """A year from 1900 to 2100 (the models' range), written with its four digits. "2009" and
    the 2009.0 a spreadsheet may write for it read as 2009; "2,009", "2009.5", "2.009e3" or
    "about 2009" are errors, not a year guessed from them."""

    FIRST, LAST = 1900, 2100
    # [0-9], not \d: "٢٠١٠" and "２０１０" are not years written with their digits, though int()
    # reads them as 2010.
    WRITTEN = re.compile(r"([0-9]+)(?:\.0+)?")

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        written = self.WRITTEN.fullmatch(text)
        if written is None:
            raise ValueError(
                _("%(value)s is not a year: write its four digits, e.g. 2010")
                % {"value": quoted(text)}
            )
        number = int(written[1])
        if not self.FIRST <= number <= self.LAST:
            raise ValueError(
                _("%(year)s is not a year from %(first)s to %(last)s")
                % {"year": number, "first": self.FIRST, "last": self.LAST}
            )
        return number

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        # A spreadsheet gets a number it can sort and filter; CSV gets text.
        return value if kwargs.get("force_native_type") else str(value)


# -- Figures: one per line ---------------------------------------------------------------------

# How the qualifier is written before the value. Fixed English words, not translated: the file
# is data, and must read back the same whatever language the curator's admin is in.
QUALIFIER_WORDS = {
    OutcomeMetric.Qualifier.EXACT: "",
    OutcomeMetric.Qualifier.ABOUT: "about",
    OutcomeMetric.Qualifier.MORE_THAN: "more than",
    OutcomeMetric.Qualifier.TARGET: "target",
}
NOTE_SEPARATOR = " — "
METRIC_LINE = re.compile(
    r"^(?P<label>.+?):\s+"
    r"(?:(?P<qualifier>about|more than|target)\s+)?"
    rf"(?P<value>{VALUE_PATTERN})\s+"
    r"(?P<unit>.+?)\s+"
    r"\((?P<year>[0-9]{4})\)"
    r"(?:\s+[—–-]\s+(?P<note>.*?))?"
    r"(?:\s+\[source:\s*(?P<source>[^\]\s]+)\])?$",
    re.IGNORECASE,
)
METRIC_FORM = "label: [about | more than | target] value unit (year) [— note] [[source: key]]"


def number_text(value: Decimal) -> str:
    """10831 as "10,831" and 12.50 as "12.5": the public export's way of writing a value."""
    if value == value.to_integral():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def format_metric(metric: OutcomeMetric) -> str:
    """ "Children cared for: about 17,000 children per year (2010) — Average per year [source:
    fn-22]": the public export's "label: value unit (year)", then the note and the source."""
    qualifier = QUALIFIER_WORDS.get(metric.qualifier, "")
    value = f"{qualifier} {number_text(metric.value)}" if qualifier else number_text(metric.value)
    text = f"{metric.label_en}: {value} {metric.unit_en} ({metric.year})"
    if metric.comparison_note:
        text += NOTE_SEPARATOR + metric.comparison_note
    if metric.source_id:
        text += f" [source: {metric.source.key}]"
    return text


def parse_metric(line: str) -> dict:
    """One figure's fields from its line; ``ValueError`` says what the line should look like."""
    match = METRIC_LINE.match(line.strip())
    if not match:
        raise ValueError(
            _("%(line)s is not a figure written as “%(form)s”, e.g. “%(example)s”")
            % {
                "line": quoted(line.strip()),
                "form": METRIC_FORM,
                "example": "Families assisted: about 1,200 families (2010)",
            }
        )
    words = {word: qualifier for qualifier, word in QUALIFIER_WORDS.items() if word}
    qualifier = match["qualifier"]
    return {
        # The English words: a figure's French and Spanish are edited in the admin.
        "label_en": match["label"].strip(),
        "qualifier": words[qualifier.lower()] if qualifier else OutcomeMetric.Qualifier.EXACT,
        # Read by the rule the admin's figure form reads by: a decimal comma, or a point
        # that may be a thousands separator, is an error, never a guess.
        "value": read_value(match["value"]),
        "unit_en": match["unit"].strip(),
        "year": int(match["year"]),
        "comparison_note": (match["note"] or "").strip(),
        "source_key": match["source"] or "",
    }


# -- Country details: involvement and note, one link per line ----------------------------------

COUNTRY_DETAIL_LINE = re.compile(
    r"^(?P<code>[A-Za-z]{2,3})\s+(?P<role>COO|COT|COD)\s*:\s*(?P<involvement>[A-Za-z_]+)"
    r"(?:\s+[—–-]\s+(?P<note>.*))?$",
    re.IGNORECASE,
)
COUNTRY_DETAIL_FORM = "CODE ROLE: involvement [— note]"


def format_country_detail(link: PracticeCountry) -> str:
    """ "GT COT: partner — Trained 55 OPIs in 2009": written only for links that are not
    simply implementing without a note, the default an import gives a link."""
    text = f"{link.country.iso2} {link.role}: {link.involvement}"
    return text + NOTE_SEPARATOR + link.note if link.note else text


def is_plain_link(involvement: str, note: str) -> bool:
    return involvement == PracticeCountry.Involvement.IMPLEMENTING and not note


def parse_country_detail(line: str) -> dict:
    match = COUNTRY_DETAIL_LINE.match(line.strip())
    involvement = (match["involvement"].lower() if match else "").strip()
    if not match or involvement not in PracticeCountry.Involvement.values:
        raise ValueError(
            _("%(line)s is not written as “%(form)s” with an involvement among %(values)s")
            % {
                "line": quoted(line.strip()),
                "form": COUNTRY_DETAIL_FORM,
                "values": ", ".join(PracticeCountry.Involvement.values),
            }
        )
    return {
        "code": match["code"],
        "role": match["role"].upper(),
        "involvement": involvement,
        "note": (match["note"] or "").strip(),
    }
