from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "practices"
    verbose_name = _("Good practices")

    def ready(self):
        from . import (
            cache,  # noqa: F401  (invalidates the cached counts on every committed change)
            history,  # noqa: F401  (history before a first change and at deletion)
            signals,  # noqa: F401  (connects the search-index receivers)
        )
