"""A spreadsheet row's countries and figures: read and checked before anything is saved,
compared with what is stored (is the row unchanged?), and written after the practice is.

They are rows of their own (``PracticeCountry``, ``OutcomeMetric``), not columns of the
practice, so django-import-export does not handle them: ``resources`` calls these.
Writes change only what differs, so history shows what an import changed and nothing else.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from practices import content as practice_content
from practices.models import OutcomeMetric, PracticeCountry

from .rows import PracticeRowExport
from .spreadsheet import FIELD_COLUMNS
from .widgets import (
    CellErrors,
    Lookup,
    UnknownKey,
    cell_text,
    parse_country_detail,
    parse_metric,
    split_values,
)

ROLE_COLUMNS = {role.lower(): role for role in PracticeCountry.Role.values}
PLAIN_LINK = (PracticeCountry.Involvement.IMPLEMENTING.value, "")
METRIC_FIELDS = ["value", "qualifier", "unit_en", "comparison_note", "source", "position"]

# (column, error, line of the cell or None): records an error in the row.
Problem = Callable[..., None]


class RowProblems:
    """A row's errors by column, as the resource raises them (``as_dict``).

    A record the base does not have is reported once per row, where the row first names it,
    with the other places it is named: a missing source is typically in ``sources``, as the
    ``evaluation_source`` and after a figure, and three messages would read as three problems.
    """

    def __init__(self):
        self._messages: dict[str, list] = {}
        # UnknownKey.key -> every (column, line) naming it, the first holding the message.
        self._unknown: dict[tuple, list[tuple[str, int | None]]] = {}

    def add(self, column: str, error, line: int | None = None) -> None:
        if isinstance(error, CellErrors):
            for problem in error.problems:
                self.add(column, problem, line)
            return
        if isinstance(error, UnknownKey):
            places = self._unknown.setdefault(error.key, [])
            places.append((column, line))
            if len(places) > 1:
                return
        else:
            error = line_error(line, error) if line else str(error)
        self._messages.setdefault(column, []).append(error)

    def __contains__(self, column: str) -> bool:
        return column in self._messages

    def __bool__(self) -> bool:
        return bool(self._messages)

    def as_dict(self) -> dict[str, list[str]]:
        return {
            column: [self._text(message) for message in messages]
            for column, messages in self._messages.items()
        }

    def _text(self, message) -> str:
        if not isinstance(message, UnknownKey):
            return message
        (_column, line), *others = self._unknown[message.key]
        text = message.message(also=places_text(others))
        return line_error(line, text) if line else text


def places_text(places: list[tuple[str, int | None]]) -> str:
    """ "column sources, column metrics (lines 1, 2)" """
    lines: dict[str, list[int]] = {}
    for column, line in places:
        lines.setdefault(column, [])
        if line:
            lines[column].append(line)
    named = []
    for column, numbers in lines.items():
        if not numbers:
            named.append(_("column %(column)s") % {"column": column})
        else:
            named.append(
                ngettext(
                    "column %(column)s (line %(lines)s)",
                    "column %(column)s (lines %(lines)s)",
                    len(numbers),
                )
                % {"column": column, "lines": ", ".join(map(str, numbers))}
            )
    return ", ".join(named)


@dataclass
class RowPlan:
    """What one row will do, worked out before anything is saved and kept on the instance
    until it is."""

    row: int  # the row's number in the spreadsheet, where the header is row 1
    new: bool = False  # a practice the base does not have yet
    refused: set[str] = field(default_factory=set)  # columns whose cell was refused as a whole
    m2m: dict[str, list] = field(default_factory=dict)  # column -> the objects it names
    # (country id, role) -> (involvement, note); None when the file has no country column.
    links: dict[tuple[int, str], tuple[str, str]] | None = None
    current_links: dict[tuple[int, str], PracticeCountry] = field(default_factory=dict)
    # In the file's order; None when the file has no metrics column.
    metrics: list[OutcomeMetric] | None = None
    current_metrics: list[OutcomeMetric] = field(default_factory=list)
    problems: RowProblems = field(default_factory=RowProblems)  # what is wrong with the row

    def unchanged(self) -> bool:
        """Whether the countries and figures the row asks for are those stored."""
        if self.links is not None:
            current = {
                key: (link.involvement, link.note) for key, link in self.current_links.items()
            }
            if current != self.links:
                return False
        return self.metrics is None or [metric_values(m) for m in self.current_metrics] == [
            metric_values(m) for m in self.metrics
        ]


def metric_values(metric: OutcomeMetric) -> tuple:
    """What a figure says; its position only orders the list."""
    return (
        metric.label_en,
        Decimal(metric.value),
        metric.qualifier,
        metric.unit_en,
        metric.year,
        metric.comparison_note,
        metric.source_id,
    )


def line_error(number: int, error) -> str:
    return _("line %(number)s: %(error)s") % {"number": number, "error": error}


def field_messages(model, error: ValidationError) -> list[str]:
    """A model's field errors, each named by the field's label ("year: Ensure ...")."""
    return [
        f"{model._meta.get_field(name).verbose_name}: {message}"
        for name, messages in error.message_dict.items()
        for message in messages
    ]


def plan_countries(instance, row, plan: RowPlan, countries: Lookup, problem: Problem) -> None:
    """The country links the row asks for.

    A role column (coo, cot, cod) in the file sets that role's countries; one left out keeps
    them. ``country_details`` in the file sets every link's involvement and note (a link it does
    not list is implementing, without a note); left out, stored links keep theirs and new ones
    are implementing.
    """
    given = [c for c in ROLE_COLUMNS if c in row and c not in plan.refused]
    details_given = "country_details" in row and "country_details" not in plan.refused
    if not given and not details_given:
        return
    if instance.pk is not None:
        plan.current_links = {
            (link.country_id, link.role): link
            for link in PracticeRowExport._related(instance, "country_links", "country")
        }
    wanted = [key for key in plan.current_links if key[1].lower() not in given]
    for column in given:
        for code in split_values(row[column]):
            try:
                country = countries.find(code)
            except LookupError as error:
                problem(column, error)
            else:
                wanted.append((country.pk, ROLE_COLUMNS[column]))
    details = {}
    if details_given:
        lines = [line for line in cell_text(row["country_details"]).splitlines() if line.strip()]
        for number, line in enumerate(lines, start=1):
            try:
                detail = parse_country_detail(line)
                country = countries.find(detail["code"])
            except (ValueError, LookupError) as error:
                problem("country_details", error, number)
                continue
            key = (country.pk, detail["role"])
            if key not in wanted:
                message = _("%(code)s is not among the countries in column %(column)s") % {
                    "code": country.iso2,
                    "column": detail["role"].lower(),
                }
                problem("country_details", line_error(number, message))
                continue
            link = PracticeCountry(
                role=detail["role"], involvement=detail["involvement"], note=detail["note"]
            )
            try:
                link.clean_fields(exclude=["practice", "country"])
            except ValidationError as error:
                for message in field_messages(PracticeCountry, error):
                    problem("country_details", line_error(number, message))
                continue
            details[key] = (link.involvement, link.note)
    plan.links = {}
    for key in wanted:
        current = plan.current_links.get(key)
        if details_given:
            plan.links[key] = details.get(key, PLAIN_LINK)
        else:
            plan.links[key] = (current.involvement, current.note) if current else PLAIN_LINK


def plan_metrics(instance, row, plan: RowPlan, sources: Lookup, problem: Problem) -> None:
    """The figures the row asks for, in order, each checked as the model checks its fields."""
    if "metrics" not in row or "metrics" in plan.refused:
        return
    if instance.pk is not None:
        # From the instance loader's prefetch (no query), in the stored order.
        plan.current_metrics = sorted(
            PracticeRowExport._related(instance, "metrics", "source"),
            key=lambda metric: (metric.position, metric.pk),
        )
    metrics, seen = [], {}
    lines = [line for line in cell_text(row["metrics"]).splitlines() if line.strip()]
    for number, line in enumerate(lines, start=1):
        try:
            values = parse_metric(line)
            key = values.pop("source_key")
            source = sources.find(key) if key else None
        except (ValueError, LookupError) as error:
            problem("metrics", error, number)
            continue
        metric = OutcomeMetric(**values, source=source, position=number)
        try:
            metric.clean_fields(exclude=["practice"])
        except ValidationError as error:
            for message in field_messages(OutcomeMetric, error):
                problem("metrics", line_error(number, message))
            continue
        identity = (metric.label_en, metric.year)
        if identity in seen:
            message = _("it has the label and year of line %(other)s: one figure each") % {
                "other": seen[identity]
            }
            problem("metrics", line_error(number, message))
            continue
        seen[identity] = number
        metrics.append(metric)
    plan.metrics = metrics


def _attributed(obj, attribution: dict):
    for name, value in attribution.items():
        setattr(obj, name, value)
    return obj


def write_links(practice, plan: RowPlan, attribution: dict) -> None:
    if plan.links is None:
        return
    for key, link in plan.current_links.items():
        if key not in plan.links:
            _attributed(link, attribution).delete()
    for (country_id, role), (involvement, note) in plan.links.items():
        link = plan.current_links.get((country_id, role))
        if link is None:
            link = PracticeCountry(practice=practice, country_id=country_id, role=role)
        elif (link.involvement, link.note) == (involvement, note):
            continue
        link.involvement, link.note = involvement, note
        _attributed(link, attribution).save()


def write_metrics(practice, plan: RowPlan, attribution: dict) -> None:
    """Figures are matched by label and year (unique per practice): a matched one is updated
    in place, so its history continues."""
    if plan.metrics is None:
        return
    current = {(m.label_en, m.year): m for m in plan.current_metrics}
    wanted = {(m.label_en, m.year) for m in plan.metrics}
    for identity, metric in current.items():
        if identity not in wanted:
            _attributed(metric, attribution).delete()
    for metric in plan.metrics:
        stored = current.get((metric.label_en, metric.year))
        if stored is None:
            metric.practice = practice
            _attributed(metric, attribution).save()
            continue
        changed = [name for name in METRIC_FIELDS if getattr(stored, name) != getattr(metric, name)]
        for name in changed:
            setattr(stored, name, getattr(metric, name))
        if changed:
            _attributed(stored, attribution).save()


def revision_content(instance, plan: RowPlan, columns, start: dict) -> dict:
    """The content a row gives a published practice: ``start`` (the live version, with its
    open revision's changes) with what the row's columns say, and nothing else.

    Rows keep their ids where the row names the same country and role, or the same figure
    label and year, so the reviewer's diff and history see a change, not a replacement.
    """
    result = {
        "fields": dict(start["fields"]),
        "m2m": dict(start["m2m"]),
        **{name: list(start[name]) for name in practice_content.RELATED},
    }
    for model_field in practice_content.fields():
        column = FIELD_COLUMNS.get(model_field.name, model_field.name)
        if column in columns and column not in plan.refused:
            result["fields"][model_field.name] = practice_content.encode(
                model_field, getattr(instance, model_field.attname)
            )
    for name, objects in plan.m2m.items():
        # Objects when the row was just read, ids when the plan was read back from the preview.
        result["m2m"][name] = sorted(getattr(obj, "pk", obj) for obj in objects)
    if plan.links is not None:
        ids = {(row["country"], row["role"]): row["id"] for row in start["country_links"]}
        result["country_links"] = [
            {
                "id": ids.get((country_id, role)),
                "country": country_id,
                "role": role,
                "involvement": involvement,
                "note": note,
            }
            for (country_id, role), (involvement, note) in plan.links.items()
        ]
    if plan.metrics is not None:
        ids = {(row["label_en"], row["year"]): row["id"] for row in start["metrics"]}
        result["metrics"] = []
        for metric in plan.metrics:
            row = practice_content.row_content(metric)
            row["id"] = ids.get((metric.label_en, metric.year))
            result["metrics"].append(row)
    return result
