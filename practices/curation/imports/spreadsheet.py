"""The admin's practice spreadsheet as a file: its columns, its template, and what makes a whole
file unreadable (``upload`` reads a file's table, ``practices.curation.imports.resources``
imports its rows).

One row per practice. The column names are the public CSV export's where the two overlap
(``practices.export_record.COLUMNS``); README.md ("Spreadsheet import") and the admin's
import page list them from ``COLUMNS``.
"""

import tablib
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .widgets import cell_text, quoted

# The French and Spanish words, each language's four columns: left out or empty, a practice
# keeps the words it has.
TRANSLATION_COLUMNS = [
    column
    for code, language in (("fr", gettext_lazy("French")), ("es", gettext_lazy("Spanish")))
    for column in (
        (f"title_{code}", format_lazy(gettext_lazy("Title in {}, if translated."), language)),
        (f"summary_{code}", format_lazy(gettext_lazy("Summary in {}, if translated."), language)),
        (
            f"description_{code}",
            format_lazy(gettext_lazy("Description in {}, if translated."), language),
        ),
        (
            f"origin_{code}",
            format_lazy(
                gettext_lazy(
                    "How the {} words came about: paper, human, knowledge_base or machine "
                    "(machine-made, not checked)."
                ),
                language,
            ),
        ),
    )
]

COLUMNS = [
    (
        "slug",
        gettext_lazy(
            "Permanent identifier (letters, digits, hyphens). A slug already in the base "
            "updates that practice; a new one adds a practice."
        ),
    ),
    ("title", gettext_lazy("Title.")),
    ("summary", gettext_lazy("One or two sentences.")),
    ("description", gettext_lazy("The full description, keeping the source's own words.")),
    *TRANSLATION_COLUMNS,
    ("themes", gettext_lazy("Theme slugs, at least one: family-reunification; children.")),
    ("coo", gettext_lazy("ISO 3166 codes of the countries of origin: PH; MX.")),
    ("cot", gettext_lazy("ISO 3166 codes of the countries of transit.")),
    ("cod", gettext_lazy("ISO 3166 codes of the countries of destination.")),
    (
        "country_details",
        gettext_lazy(
            "One line per country whose part is not simply 'implementing' without a note: "
            "CODE ROLE: involvement — note, e.g. GT COT: partner — Trained 55 officers. "
            "Involvement: implementing, partner, beneficiary or context."
        ),
    ),
    ("coverage", gettext_lazy("For regional or global practices: the group of countries.")),
    (
        "lead_organisation",
        gettext_lazy(
            "Slug or acronym of the lead organisation, as the admin lists it (Good practices › "
            "Organisations). An import never creates organisations: add a new one there first."
        ),
    ),
    (
        "partners",
        gettext_lazy(
            "Slugs or acronyms of the partner organisations, as the admin lists them (Good "
            "practices › Organisations). An import never creates organisations: add a new one "
            "there first."
        ),
    ),
    ("target_groups", gettext_lazy("Target group slugs.")),
    (
        "stages",
        gettext_lazy("Stages of the migration cycle: pre-departure; transit; destination; return."),
    ),
    ("scope", gettext_lazy("unilateral, bilateral, regional or multilateral.")),
    (
        "kind",
        gettext_lazy("programme, policy, law, service, agreement, network, tool or research."),
    ),
    ("gcm_objectives", gettext_lazy("Numbers of the Global Compact for Migration objectives.")),
    ("status", gettext_lazy("ongoing, completed, planned or under_discussion.")),
    ("status_as_of", gettext_lazy("Year the source reported that status in, e.g. 2010.")),
    ("evidence_level", gettext_lazy("described, outputs, evaluated or independent.")),
    ("evaluation_summary", gettext_lazy("What the evaluations found.")),
    (
        "evaluation_source",
        gettext_lazy(
            "Key of the source of the evaluation, e.g. fn-22, as the admin lists it (Good "
            "practices › Sources). An import never creates sources: add a new one there first."
        ),
    ),
    ("start_year", gettext_lazy("Year it started, 1900 to 2100, if known.")),
    ("end_year", gettext_lazy("Year it ended, if known; not before the start year.")),
    ("period_note", gettext_lazy("How the years were read from the source.")),
    (
        "paper_section",
        gettext_lazy("Section of the 2010 paper (3, 4, 4.1 ... 4.5); empty for new practices."),
    ),
    ("paper_reference", gettext_lazy("Place in the paper, e.g. second bullet.")),
    (
        "metrics",
        gettext_lazy(
            "One figure per line: label: [about | more than | target] value unit (year), "
            "optionally followed by — comparison note, and by [source: key]. Values take a "
            "decimal point, and commas only between groups of three digits: 12.5, 17,000 "
            "(12,5 and 1.200 are refused: they could be misread). The source's key must be in "
            "the admin (Good practices › Sources): an import never creates sources. The "
            "lines' order is the order on the practice's page."
        ),
    ),
    (
        "sources",
        gettext_lazy(
            "Keys of the sources, e.g. fn-22; fn-23, as the admin lists them (Good practices › "
            "Sources). An import never creates sources: add a new one there first."
        ),
    ),
]
COLUMN_NAMES = [name for name, _help in COLUMNS]
# The English words keep their columns' plain names; each is a field of its own language.
ENGLISH_FIELDS = {"title": "title_en", "summary": "summary_en", "description": "description_en"}
# The column of a practice's field: "title" for title_en, the field's own name otherwise.
FIELD_COLUMNS = {field: column for column, field in ENGLISH_FIELDS.items()}
# A new practice cannot be saved without these. An update must have them too, so that a file
# of the wrong kind is refused before any row is read; the other columns may be left out, and
# what they hold is then kept as it is.
REQUIRED_COLUMNS = ["slug", "title", "summary", "description", "themes", "scope", "kind", "status"]

# What a spreadsheet runs as a formula when the cell is opened (CSV injection). Our exports
# write such text with an apostrophe in front (practices.cells.neutralise), which the import
# removes again, so our own files read back exactly.
FORMULA_REFUSED = ("=", "+", "@", "\t", "\r")
# A file of junk could have thousands of unknown columns: the message names this many.
MAX_NAMED = 10
CONTROL_CHARACTERS = frozenset(chr(code) for code in range(32)) - {"\t", "\n", "\r"}

# A curator's example, importable as it is (the import tests import it).
EXAMPLE_ROW = {
    "slug": "example-family-reunification-help-desk",
    "title": "Family reunification help desk (example: replace this row)",
    "summary": "A help desk that guides migrants through the family reunification procedure.",
    "description": "Migrants who apply to bring their families are advised, free of charge, "
    "on documents, deadlines and appeals.",
    "title_fr": "Guichet d'aide au regroupement familial (exemple : remplacez cette ligne)",
    "summary_fr": "Un guichet qui guide les migrants dans la procédure de regroupement familial.",
    "description_fr": "",
    "origin_fr": "human",
    "title_es": "",
    "summary_es": "",
    "description_es": "",
    "origin_es": "",
    "themes": "family-reunification; children",
    "coo": "PH",
    "cot": "",
    "cod": "PT",
    "country_details": "PH COO: beneficiary — Families of Philippine migrants in Portugal",
    "coverage": "",
    "lead_organisation": "iom",
    "partners": "UNICEF",
    "target_groups": "migrant-families",
    "stages": "destination",
    "scope": "bilateral",
    "kind": "service",
    "gcm_objectives": "3; 15",
    "status": "ongoing",
    "status_as_of": "2010",
    "evidence_level": "outputs",
    "evaluation_summary": "",
    "evaluation_source": "",
    "start_year": "2009",
    "end_year": "",
    "period_note": "",
    "paper_section": "",
    "paper_reference": "",
    "metrics": "Families assisted: about 1,200 families (2010) — Cumulative since 2009\n"
    "Help desks open: 3 offices (2010)",
    "sources": "",
}


def template_dataset() -> tablib.Dataset:
    """The downloadable template: the header and one example row."""
    dataset = tablib.Dataset(headers=COLUMN_NAMES)
    dataset.append([EXAMPLE_ROW[name] for name in COLUMN_NAMES])
    return dataset


class ImportFileError(Exception):
    """The file as a whole cannot be imported (its header, its columns): no row is read."""


def column_letter(index: int) -> str:
    """0 -> A, 26 -> AA: how a spreadsheet names a column."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def prepare_dataset(dataset: tablib.Dataset) -> tablib.Dataset:
    """The file's rows under tidy column names ("Start year" reads as start_year), without
    empty unnamed columns or trailing empty rows. ``ImportFileError`` names every problem with
    the columns."""
    if not dataset.headers or not any(cell_text(h) for h in dataset.headers):
        raise ImportFileError(
            _("The file is empty: its first row must name the columns (%(required)s ...).")
            % {"required": ", ".join(REQUIRED_COLUMNS)}
        )
    rows = [list(values) for values in dataset]
    while rows and not any(cell_text(value) for value in rows[-1]):
        rows.pop()
    names, problems = {}, []
    for index, header in enumerate(dataset.headers):
        name = cell_text(header).lstrip("\ufeff").lower().replace(" ", "_")
        if not name:
            if any(cell_text(values[index]) for values in rows):
                problems.append(
                    _("Column %(letter)s has values but no name in the header row.")
                    % {"letter": column_letter(index)}
                )
        elif name in names:
            problems.append(
                _("The column %(name)s appears twice (columns %(first)s and %(second)s).")
                % {
                    "name": name,
                    "first": column_letter(names[name]),
                    "second": column_letter(index),
                }
            )
        else:
            names[name] = index
    unknown = [name for name in names if name not in COLUMN_NAMES]
    if unknown:
        named = [name[:40] for name in unknown[:MAX_NAMED]]
        if len(unknown) > MAX_NAMED:
            named.append(_("%(count)s more") % {"count": len(unknown) - MAX_NAMED})
        problems.append(
            _("Unknown column(s): %(unknown)s. Rename or delete them; the columns are %(columns)s.")
            % {"unknown": ", ".join(named), "columns": ", ".join(COLUMN_NAMES)}
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        problems.append(
            _("Required column(s) missing: %(missing)s. Every file needs %(required)s.")
            % {"missing": ", ".join(missing), "required": ", ".join(REQUIRED_COLUMNS)}
        )
    if not problems and not rows:
        problems.append(_("The file has a header row but no practices under it."))
    if problems:
        raise ImportFileError(" ".join(problems))

    prepared = tablib.Dataset(headers=list(names))
    for values in rows:
        prepared.append([values[index] for index in names.values()])
    return prepared


def cell_problem(value) -> str | None:
    """Why a cell is refused whatever its column, or None."""
    if not isinstance(value, str):
        return None
    if value.startswith(FORMULA_REFUSED):
        start = {"\t": _("a tab"), "\r": _("a line break")}.get(value[0], quoted(value[0]))
        return _(
            "the cell starts with %(start)s, so a spreadsheet would run it as a formula: "
            "remove that first character"
        ) % {"start": start}
    if CONTROL_CHARACTERS.intersection(value):
        return _("the cell contains an invisible control character: retype its text")
    return None


def rows_by_slug(dataset: tablib.Dataset) -> dict[str, list[int]]:
    """Each slug's rows, numbered as the spreadsheet numbers them (the header is row 1)."""
    rows: dict[str, list[int]] = {}
    for number, values in enumerate(dataset.dict, start=2):
        slug = cell_text(values["slug"])
        if slug:
            rows.setdefault(slug, []).append(number)
    return rows
