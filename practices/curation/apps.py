from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CurationConfig(AppConfig):
    """The curators' desk: the admin (``admin.py``, found by the admin's autodiscovery), the
    publication workflow, history and restore, the duplicate guard and the spreadsheet import
    (``imports/``), and the ``create_user`` command."""

    name = "practices.curation"
    label = "curation"
    verbose_name = _("Curation")
