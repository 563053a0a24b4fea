"""How a practice reads as a row of the curators' spreadsheet: the export side of the resource.

``PracticeResource`` (``resources.py``) mixes this in. The columns with no model attribute
(countries by role, their details, figures) are written from the practice's related rows, in
the same notation the import reads (``widgets``).
"""

from django.db.models import Prefetch

from practices.cells import neutralise
from practices.models import OutcomeMetric, PracticeCountry

from .widgets import LINE_SEPARATOR, SEPARATOR, format_country_detail, format_metric, is_plain_link

ROLE_ORDER = {role: i for i, role in enumerate(PracticeCountry.Role.values)}


class PracticeRowExport:
    def filter_export(self, queryset, **kwargs):
        """Everything a row shows, in a fixed number of queries per chunk of practices."""
        return queryset.select_related("lead_organisation", "evaluation_source").prefetch_related(
            "themes",
            "partners",
            "target_groups",
            "stages",
            "gcm_objectives",
            "sources",
            Prefetch("country_links", queryset=PracticeCountry.objects.select_related("country")),
            Prefetch("metrics", queryset=OutcomeMetric.objects.select_related("source")),
        )

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        # As in every export: text a spreadsheet would run as a formula gets an apostrophe in
        # front (cells.unescape removes it on import).
        return neutralise(value) if isinstance(value, str) else value

    @staticmethod
    def _related(practice, name: str, *select) -> list:
        """``practice.<name>``, from the export's prefetch, else in one query (the preview)."""
        if practice.pk is None:
            return []
        if name in getattr(practice, "_prefetched_objects_cache", {}):
            return list(getattr(practice, name).all())
        return list(getattr(practice, name).select_related(*select))

    def _links(self, practice) -> list[PracticeCountry]:
        links = self._related(practice, "country_links", "country")
        return sorted(links, key=lambda link: (ROLE_ORDER[link.role], link.country.name))

    def _codes(self, practice, role: str) -> str:
        return SEPARATOR.join(
            link.country.iso2 for link in self._links(practice) if link.role == role
        )

    def dehydrate_coo(self, practice):
        return self._codes(practice, "COO")

    def dehydrate_cot(self, practice):
        return self._codes(practice, "COT")

    def dehydrate_cod(self, practice):
        return self._codes(practice, "COD")

    def dehydrate_country_details(self, practice):
        return LINE_SEPARATOR.join(
            format_country_detail(link)
            for link in self._links(practice)
            if not is_plain_link(link.involvement, link.note)
        )

    def dehydrate_metrics(self, practice):
        metrics = self._related(practice, "metrics", "source")
        metrics.sort(key=lambda metric: (metric.position, metric.pk))
        return LINE_SEPARATOR.join(format_metric(metric) for metric in metrics)
