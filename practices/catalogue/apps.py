from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    """What the public reads and downloads: the practice list, its filters and facets, search,
    the practice, theme, country and coverage pages, and the exports (``urls.py``)."""

    name = "practices.catalogue"
    label = "catalogue"
    verbose_name = _("Catalogue")

    def ready(self):
        from practices.cache import generation_replaced

        from .tasks import queue_warming

        # After every committed change, the list's common counts are computed ahead.
        generation_replaced.connect(queue_warming, dispatch_uid="catalogue-warming")
