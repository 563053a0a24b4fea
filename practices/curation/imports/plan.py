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

from practices.models import OutcomeMetric, PracticeCountry

from .rows import PracticeRowExport
from .widgets import Lookup, cell_text, parse_country_detail, parse_metric, split_values

ROLE_COLUMNS = {role.lower(): role for role in PracticeCountry.Role.values}
PLAIN_LINK = (PracticeCountry.Involvement.IMPLEMENTING.value, "")
METRIC_FIELDS = ["value", "qualifier", "unit", "comparison_note", "source", "position"]

Problem = Callable[[str, str], None]  # (column, message): records an error in the row


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
        metric.label,
        Decimal(metric.value),
        metric.qualifier,
        metric.unit,
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
                problem(column, str(error))
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
                problem("country_details", line_error(number, error))
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
            problem("metrics", line_error(number, error))
            continue
        metric = OutcomeMetric(**values, source=source, position=number)
        try:
            metric.clean_fields(exclude=["practice"])
        except ValidationError as error:
            for message in field_messages(OutcomeMetric, error):
                problem("metrics", line_error(number, message))
            continue
        identity = (metric.label, metric.year)
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
    current = {(m.label, m.year): m for m in plan.current_metrics}
    wanted = {(m.label, m.year) for m in plan.metrics}
    for identity, metric in current.items():
        if identity not in wanted:
            _attributed(metric, attribution).delete()
    for metric in plan.metrics:
        stored = current.get((metric.label, metric.year))
        if stored is None:
            metric.practice = practice
            _attributed(metric, attribution).save()
            continue
        changed = [name for name in METRIC_FIELDS if getattr(stored, name) != getattr(metric, name)]
        for name in changed:
            setattr(stored, name, getattr(metric, name))
        if changed:
            _attributed(stored, attribution).save()
