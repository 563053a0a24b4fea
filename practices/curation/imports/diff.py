"""What a row changes, column by column, for the preview's summary; and a practice's
fingerprint, by which the confirmation knows it was not edited since the preview.

Both sides are written as a cell of the spreadsheet would be, in a fixed order (several values
sorted by key, countries by role and code, figures in their order), so that two cells differ
exactly when the stored practice and the row differ: the same test as the resource's
``skip_row``. The stored side reads the practice's related rows from the prefetch the
instance loader made (``PracticeRowExport.filter_export``); the row's side from its plan, so no
query is made for either.
"""

import hashlib
import json

from countries.models import Country

from .rows import ROLE_ORDER, PracticeRowExport
from .widgets import (
    LINE_SEPARATOR,
    SEPARATOR,
    NaturalKeysWidget,
    format_country_detail,
    format_metric,
    is_plain_link,
)

ROLE_COLUMNS = {"coo": "COO", "cot": "COT", "cod": "COD"}


class Cells:
    """Cells of one resource's columns, for stored practices and for planned rows."""

    def __init__(self, resource):
        self.resource = resource
        self.fields = {field.column_name: field for field in resource.get_import_fields()}
        self._iso2 = None

    def iso2(self, country_id: int) -> str:
        if self._iso2 is None:
            self._iso2 = dict(Country.objects.values_list("pk", "iso2"))
        return self._iso2.get(country_id, "?")

    # -- the stored practice --------------------------------------------------------------

    def stored(self, practice) -> dict[str, str]:
        """Every column of ``practice`` as it stands (prefetched, else read)."""
        links = [
            (link.country.iso2, link.role, link.involvement, link.note)
            for link in PracticeRowExport._related(practice, "country_links", "country")
        ]
        metrics = PracticeRowExport._related(practice, "metrics", "source")
        metrics.sort(key=lambda metric: (metric.position, metric.pk))
        values = {}
        for column, field in self.fields.items():
            if isinstance(field.widget, NaturalKeysWidget):
                values[column] = self._keys(field, getattr(practice, field.attribute).all())
            elif column in ROLE_COLUMNS or column == "country_details":
                values[column] = self._links(column, links)
            elif column == "metrics":
                values[column] = LINE_SEPARATOR.join(format_metric(m) for m in metrics)
            else:
                values[column] = self._plain(field, practice)
        return values

    def fingerprint(self, practice) -> str:
        """A digest of everything the spreadsheet shows of ``practice``, and of its
        publication state (which decides how an import saves it)."""
        values = self.stored(practice)
        values["publication_state"] = practice.publication_state
        text = json.dumps(values, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    # -- the row --------------------------------------------------------------------------

    def planned(self, instance, plan, columns) -> dict[str, str]:
        """The ``columns`` (those in the file, not refused) as the row would store them."""
        values = {}
        links = None
        if plan.links is not None:
            links = [
                (self.iso2(country_id), role, involvement, note)
                for (country_id, role), (involvement, note) in plan.links.items()
            ]
        for column in columns:
            field = self.fields.get(column)
            if field is None:
                continue
            if column in plan.m2m:
                values[column] = self._keys(field, plan.m2m[column])
            elif column in ROLE_COLUMNS or column == "country_details":
                if links is not None:
                    values[column] = self._links(column, links)
            elif column == "metrics":
                if plan.metrics is not None:
                    values[column] = LINE_SEPARATOR.join(format_metric(m) for m in plan.metrics)
            elif not isinstance(field.widget, NaturalKeysWidget):
                values[column] = self._plain(field, instance)
        return values

    # -- cells ----------------------------------------------------------------------------

    @staticmethod
    def _keys(field, objects) -> str:
        return SEPARATOR.join(sorted(str(getattr(obj, field.widget.field)) for obj in objects))

    @staticmethod
    def _links(column: str, links) -> str:
        ordered = sorted(links, key=lambda link: (ROLE_ORDER[link[1]], link[0]))
        if column in ROLE_COLUMNS:
            wanted = ROLE_COLUMNS[column]
            return SEPARATOR.join(code for code, role, *_rest in ordered if role == wanted)
        return LINE_SEPARATOR.join(
            format_country_detail(_Link(code, role, involvement, note))
            for code, role, involvement, note in ordered
            if not is_plain_link(involvement, note)
        )

    @staticmethod
    def _plain(field, instance) -> str:
        value = field.get_value(instance)
        rendered = field.widget.render(value)
        return "" if rendered is None else str(rendered)


class _Link:
    """What ``format_country_detail`` reads of a country link."""

    def __init__(self, iso2, role, involvement, note):
        self.country = Country(iso2=iso2)
        self.role, self.involvement, self.note = role, involvement, note


def changes(before: dict[str, str], after: dict[str, str]) -> list[list[str]]:
    """[[column, old, new], ...] for the columns whose cells differ, in the file's order."""
    return [
        [column, before.get(column, ""), value]
        for column, value in after.items()
        if before.get(column, "") != value
    ]
