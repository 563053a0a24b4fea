"""``lang``: the language a download comes in, whatever the address's.

Every page and download follows its address (``/fr/practices/export.csv`` is in French); a
script may instead ask for ``/practices/export.csv?lang=fr``. The columns and keys stay the
same English words in every language; only the text in them changes. A value that is not one
of the site's languages is ignored: the address's language stands.
"""

from functools import wraps

from django.utils import translation

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
