"""``lang``: the language a download comes in, whatever the address's.

Every page and download follows its address (``/fr/practices/export.csv`` is in French); a
script may instead ask for ``/practices/export.csv?lang=fr``. The columns and keys stay the
same English words in every language; only the text in them changes. A value that is not one
of the site's languages is ignored: the address's language stands.
"""

from functools import wraps

from django.utils import translation
from django.utils.translation import gettext as _

from practices import languages

PARAMETER = "lang"


def follows_lang_parameter(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        wanted = (request.GET.get(PARAMETER) or "").strip().lower()
        if wanted in languages.codes():
            translation.activate(wanted)
            request.LANGUAGE_CODE = wanted
        return view(request, *args, **kwargs)

    return wrapper


def ignored_language(data) -> list[tuple[str, str, str]]:
    """``(lang, value, why)`` when ``lang`` names no language of the site: the list and the
    downloads name it with their other ignored values."""
    wanted = (data.get(PARAMETER) or "").strip()
    if not wanted or wanted.lower() in languages.codes():
        return []
    why = _("not a language of this site (%(codes)s)") % {"codes": ", ".join(languages.codes())}
    return [(PARAMETER, wanted[:60], why)]
