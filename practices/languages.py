"""The content's languages: which there are, which one every record has, and how a translated
column is read with its fallback.

Translated fields (``practices.translation``) have a column per language, ``title_en``,
``title_fr``, ``title_es``. English is the source: every record has it, and a record's French
or Spanish column left empty is read as its English (the page then says "not yet translated").
Reads that bypass the model's descriptors (the export's SQL, the facet counts, the list's
order) use ``localized()`` or ``localized_sql()``, never the bare field name: the bare column
holds whichever language was active when the record was last saved.
"""

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import F, TextField, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import translation

SOURCE = "en"


def codes() -> list[str]:
    """Every language of the site, English first: ``["en", "fr", "es"]``."""
    return [code for code, _name in settings.LANGUAGES]


def translations() -> list[str]:
    """The languages a record may be translated into: ``["fr", "es"]``."""
    return [code for code in codes() if code != SOURCE]


def current() -> str:
    """The active language if the site has it ("fr-ca" is read as "fr"), else English."""
    language = (translation.get_language() or SOURCE).split("-")[0].lower()
    return language if language in codes() else SOURCE


def column(name: str, language: str) -> str:
    """The field of ``name`` in ``language``: ``column("title", "fr") == "title_fr"``."""
    return f"{name}_{language}"


def localized(name: str, language: str | None = None):
    """An ORM expression: field ``name`` in ``language`` (default: the active one), its English
    where that is empty. ``name`` may follow relations: ``localized("theme__name")``."""
    language = language or current()
    english = F(column(name, SOURCE))
    if language == SOURCE:
        return english
    # Each language's column is a field class of its own: the result's type is said.
    text = TextField()
    return Coalesce(
        NullIf(F(column(name, language)), Value(""), output_field=text), english, output_field=text
    )


def localized_sql(model, name: str, alias: str, language: str | None = None) -> str:
    """The same in SQL, for statements written by hand: ``alias`` is ``model``'s table alias."""
    language = language or current()
    quote = connection.ops.quote_name

    def col(code: str) -> str:
        return f"{alias}.{quote(model._meta.get_field(column(name, code)).column)}"

    if language == SOURCE:
        return col(SOURCE)
    return f"COALESCE(NULLIF({col(language)}, ''), {col(SOURCE)})"


def is_untranslated(obj, name: str, language: str | None = None) -> bool:
    """Whether ``obj`` shows its English for ``name`` in ``language``: it has English words
    there and none of that language's own."""
    language = language or current()
    if language == SOURCE:
        return False
    return not getattr(obj, column(name, language), None) and bool(
        getattr(obj, column(name, SOURCE), None)
    )


def is_translated(model, name: str) -> bool:
    """Whether ``model``'s field ``name`` has a column per language."""
    try:
        model._meta.get_field(column(name, SOURCE))
    except FieldDoesNotExist:
        return False
    return True


def field_sql(model, name: str, alias: str, language: str | None = None) -> str:
    """``alias``'s column for field ``name``: in the active language if it is translated."""
    if is_translated(model, name):
        return localized_sql(model, name, alias, language)
    return f"{alias}.{connection.ops.quote_name(model._meta.get_field(name).column)}"


def columns(name: str) -> list[str]:
    """Every language's column of field ``name``: ``["title_en", "title_fr", "title_es"]``."""
    return [column(name, code) for code in codes()]


class ExplicitLanguages:
    """A QuerySet mixin for the translated models: a query names the language it reads
    (``title_fr``, ``localized("title")``); ``filter(title=…)``, ``values("title")`` and
    ``order_by("title")`` read the bare column. modeltranslation would otherwise rewrite them
    to the active language's column, with no fallback to English, and reorder ``values()``."""

    def _post_init(self):
        super()._post_init()
        self._rewrite = False


def bare_columns(model) -> set[str]:
    """The translated fields of ``model`` by their bare names (``{"title", "summary"…}``):
    columns that hold whichever language was active at the last save, read by nobody."""
    return {
        f.name
        for f in model._meta.concrete_fields
        if not f.name.endswith(f"_{SOURCE}") and is_translated(model, f.name)
    }


def is_translation_column(model, name: str) -> bool:
    """Whether ``name`` is a French or Spanish column of a translated field (``title_fr``)."""
    base, _sep, code = name.rpartition("_")
    return code in translations() and is_translated(model, base)
