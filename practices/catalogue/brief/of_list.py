"""The brief of a list page's filter: what was asked, in words, and the countries named."""

import datetime
import re

from django.db.models import Q
from django.utils.translation import gettext as _

from countries.models import Country

from ..filters import PracticeFilter
from .content import Brief, build_brief

MAX_COUNTRIES = 60


def countries_from(text: str) -> tuple[list[Country], list[str]]:
    """The countries named in ``text`` ("MX, US mex"), in its order, each once; and the words
    that are not an ISO 3166 alpha-2 or alpha-3 code. One query."""
    words = [w for w in re.split(r"[\s,;]+", text.strip()) if w][:MAX_COUNTRIES]
    codes = [w.upper() for w in words]
    if not codes:
        return [], []
    found = Country.objects.filter(Q(iso2__in=codes) | Q(iso3__in=codes))
    by_code = {}
    for country in found:
        by_code[country.iso2] = by_code[country.iso3] = country
    countries, unknown = [], []
    for word, code in zip(words, codes, strict=True):
        country = by_code.get(code)
        if country is None:
            unknown.append(word[:20])
        elif country not in countries:
            countries.append(country)
    return countries, unknown


def brief_of_list(filterset: PracticeFilter, countries_text: str, day: datetime.date) -> Brief:
    """The brief of the list ``filterset`` gives (its published practices, in its order)."""
    countries, unknown = countries_from(countries_text)
    return build_brief(
        filterset.sorted_qs(),
        title=_("Roundtable brief"),
        asked=asked_of(filterset),
        ignored=ignored_of(filterset),
        date=day,
        countries=countries or None,
        unknown_countries=unknown,
    )


def asked_of(filterset: PracticeFilter) -> list[tuple[str, str]]:
    """What the filter asks for, in words: (filter, value) for each applied value."""
    asked = [(str(label), str(value)) for _name, _key, label, value in filterset.applied()]
    if filterset.rating_filter:
        asked += [(str(label), str(value)) for label, value, _query in filterset.chips()[-1:]]
    return asked


def ignored_of(filterset: PracticeFilter) -> list[str]:
    """The filter's values that were not applied, as name=value."""
    return [f"{name}={value}" for name, value, _why in filterset.ignored()]
