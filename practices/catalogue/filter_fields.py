"""The pieces the practice list's FilterSet (``filters.py``) is built from.

A multi-value parameter is cleaned into a ``Selection`` (the known values and the unknown
ones) by looking its URL values up by natural key; a ``FacetFilter`` turns a selection into an
``EXISTS`` condition on the practice, so no practice is ever listed twice.
"""

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, TextChoices
from django.db.models.functions import Upper
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from countries.models import REGIONS, Country
from practices.models import (
    GCMObjective,
    Organisation,
    OutcomeMetric,
    Practice,
    PracticeCountry,
    currency_condition,
)

from .numbers import whole_number

# More values than this in one parameter are dropped (and reported): no list needs them, and
# a URL with thousands of them is an attack, not a bookmark.
MAX_VALUES = 50
MAX_QUERY_LENGTH = 200


@dataclass
class Selection:
    """What one multi-value parameter asked for: the known values, and the unknown ones."""

    items: list = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.items)


class SelectionField(forms.Field):
    """A repeatable parameter whose unknown values are set aside instead of failing the form.

    ``lookup(keys)`` returns ``{key: item}`` for the keys that exist; ``normalise`` turns what
    a user typed into a key ("mx" -> "MX").
    """

    widget = forms.SelectMultiple

    def __init__(self, *, lookup, normalise=str.strip, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.lookup = lookup
        self.normalise = normalise

    def clean(self, value) -> Selection:
        # A NUL byte is never part of a code, and PostgreSQL refuses it in a query.
        raw = [str(v) for v in (value or []) if str(v).strip()]
        nul = [v for v in raw if "\x00" in v]
        raw = [v for v in raw if "\x00" not in v]
        selection = Selection(ignored=[v.replace("\x00", "")[:60] for v in raw[MAX_VALUES:] + nul])
        raw = raw[:MAX_VALUES]
        if not raw:
            return selection
        found = self.lookup({self.normalise(v) for v in raw})
        for value in raw:
            key = self.normalise(value)
            if key in found:
                if found[key] not in selection.items:
                    selection.items.append(found[key])
            else:
                selection.ignored.append(value[:60])
        return selection


def lookup_by(model_or_qs, attr: str):
    """A lookup that fetches rows whose ``attr`` is one of the keys, in one query."""

    def lookup(keys):
        queryset = getattr(model_or_qs, "objects", model_or_qs)
        return {getattr(obj, attr): obj for obj in queryset.filter(**{f"{attr}__in": keys})}

    return lookup


def _countries(keys):
    # ISO 3166 alpha-2 or alpha-3, any case: "MX", "mx", "MEX".
    found = {}
    for country in Country.objects.filter(Q(iso2__in=keys) | Q(iso3__in=keys)):
        found[country.iso2] = found[country.iso3] = country
    return found


def lookup_organisations(keys):
    # A slug ("iom") or an acronym in any case ("IOM", "iom"); a slug wins over an acronym.
    found = {}
    organisations = Organisation.objects.annotate(acronym_upper=Upper("acronym")).filter(
        Q(slug__in=keys) | Q(acronym_upper__in=[key.upper() for key in keys])
    )
    for org in organisations:
        if org.acronym:
            found.setdefault(org.acronym.lower(), org)
        found[org.slug] = org
    return found


def lookup_gcm_numbers(keys):
    # The objectives are numbered 1 to 23: a longer number is none of them.
    numbers = {whole_number(key, max_digits=2) for key in keys} - {None}
    return {str(obj.number): obj for obj in GCMObjective.objects.filter(number__in=numbers)}


def _choices(choices):
    def lookup(keys):
        return {value: value for value, _label in choices if value in keys}

    return lookup


REGION_SLUGS = {slugify(region): region for region in REGIONS}


def lookup_regions(keys):
    return {key: REGION_SLUGS[key] for key in keys if key in REGION_SLUGS}


def _upper(value: str) -> str:
    return value.strip().upper()


def lower(value: str) -> str:
    return value.strip().lower()


def _choice_label(choices):
    def display(value):
        return choices(value).label

    return display


def _iso2(country) -> str:
    return country.iso2


class FacetFilter(django_filters.Filter):
    """A repeatable parameter matched by an EXISTS subquery built by ``condition``."""

    field_class = SelectionField

    def __init__(self, *args, condition, key=lambda item: item.slug, display=str, **kwargs):
        super().__init__(*args, **kwargs)
        self.condition = condition
        # How a selected item reads on its chip: "Mexico", "Bilateral".
        self.display = display
        # The canonical URL value of a selected item: a slug, an ISO2 code, a number.
        self.key = key

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(self.condition(value.items))


def linked(through, **match):
    """EXISTS a row of ``through`` for this practice matching ``match``."""
    return Exists(through.objects.filter(practice=OuterRef("pk"), **match))


def _country_role(role: str | None):
    def condition(countries):
        # Country and role on the same link row: cod=MX is Mexico itself as a destination.
        match = {"country__in": countries}
        if role:
            match["role"] = role
        return linked(PracticeCountry, **match)

    return condition


# The ``role`` parameter's values: a country's role in the lower case of its own parameter.
ROLE_CHOICES = [(value.lower(), label) for value, label in PracticeCountry.Role.choices]


class RoleFilter(FacetFilter):
    """The roles the ``country`` filter's countries play, any of them: ``role=coo&role=cod``.

    ``country=MX`` is Mexico in any role; with ``role=coo&role=cod`` it is Mexico as origin
    *or* destination (a corridor, ``coo=PH&cod=JP``, is two conditions, each in its own role).
    The role and the country are matched on the same link row. Without a country, a role means
    nothing: it is ignored and reported (``PracticeFilter.ignored``).
    """

    def __init__(self, *args, **kwargs):
        labels = dict(ROLE_CHOICES)
        super().__init__(
            *args,
            condition=None,
            lookup=_choices(ROLE_CHOICES),
            normalise=lower,
            key=str,
            display=lambda value: labels[value],
            **kwargs,
        )

    def filter(self, qs, value):
        countries = self.parent.form.cleaned_data.get("country")
        if not value or not countries:
            return qs
        return qs.filter(self.condition_for(countries.items, value.items))

    @staticmethod
    def condition_for(countries, roles):
        return linked(
            PracticeCountry, country__in=countries, role__in=[role.upper() for role in roles]
        )


class HasFigures(TextChoices):
    """The ``has_figures`` parameter's values: whether a practice gives any figure."""

    YES = "yes", _("Has figures")
    NO = "no", _("No figures")


def has_figures_condition(values) -> Q:
    """Practices with at least one figure (``yes``), or with none (``no``)."""
    with_figures = Exists(OutcomeMetric.objects.filter(practice=OuterRef("pk")))
    return reduce(
        or_, (Q(with_figures) if value == "yes" else ~Q(with_figures) for value in values)
    )


def organisation_condition(organisations):
    return Q(lead_organisation__in=organisations) | linked(
        Practice.partners.through, organisation__in=organisations
    )


def _field_in(name: str):
    def condition(values):
        return Q(**{f"{name}__in": values})

    return condition


class WholeNumberField(forms.IntegerField):
    """A whole number written with the digits 0 to 9 (``numbers.whole_number``), or a clear
    error: "3.5" is not a rating, "２０１０" not a year."""

    default_error_messages = {"invalid": _("Enter a whole number, written with the digits 0 to 9.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = whole_number(value)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class WholeNumberFilter(django_filters.NumberFilter):
    field_class = WholeNumberField


def country_facet(label, role: str | None) -> FacetFilter:
    """A country by ISO code (any case, alpha-2 or alpha-3), in ``role`` or in any role."""
    return FacetFilter(
        label=label, condition=_country_role(role), lookup=_countries, normalise=_upper, key=_iso2
    )


def choice_facet(label, field_name: str, choices) -> FacetFilter:
    """One of a Practice field's choice values: scope=bilateral."""
    return condition_facet(label, choices, _field_in(field_name))


def condition_facet(label, choices, condition) -> FacetFilter:
    """One of ``choices``, each value a condition ``condition([value, ...])`` builds, not a
    field's value: currency=out_of_date."""
    return FacetFilter(
        label=label,
        condition=condition,
        lookup=_choices(choices.choices),
        normalise=lower,
        key=str,
        display=_choice_label(choices),
    )


def currency_condition_of(values) -> Q:
    """Practices of any of the currencies ``values`` (out_of_date, current) today: the day
    is read at each request, as a practice ages out of date without being saved."""
    return reduce(or_, (currency_condition(value) for value in values))
