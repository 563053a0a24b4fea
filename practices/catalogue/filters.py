"""The practice list's filters: one FilterSet shared by the list page and both exports.

Values in the URL are slugs, ISO codes, acronyms or choice values, never database ids, so a
bookmarked or shared URL keeps working. Several values of one parameter OR together
(``theme=children&theme=health``); different parameters AND together. Every filter is an
``EXISTS`` on the practice, never a join, so no practice is listed twice.

A bookmarked URL may name something that no longer exists or was mistyped. The valid values
are still applied, and each ignored one is reported (``PracticeFilter.ignored``) rather than
emptying the page, which is django-filter's default for an invalid form.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

import django_filters
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Lower
from django.http import QueryDict
from django.utils.text import get_text_list, slugify
from django.utils.translation import gettext_lazy as _

from practices.languages import localized
from practices.models import (
    Currency,
    Practice,
    PracticeCountry,
    ScorecardRating,
    Stage,
    TargetGroup,
    Theme,
)

from .filter_fields import (
    MAX_QUERY_LENGTH,
    FacetFilter,
    HasFigures,
    RoleFilter,
    Selection,
    WholeNumberFilter,
    choice_facet,
    condition_facet,
    country_facet,
    currency_condition_of,
    has_figures_condition,
    linked,
    lookup_by,
    lookup_gcm_numbers,
    lookup_organisations,
    lookup_regions,
    lower,
    organisation_condition,
)
from .lang import ignored_language


class PracticeFilter(django_filters.FilterSet):
    SORTS = {
        "relevance": _("Relevance"),
        "title": _("Title"),
        "newest": _("Newest first (start year)"),
        "oldest": _("Oldest first (start year)"),
        "updated": _("Recently updated"),
    }

    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    theme = FacetFilter(
        label=_("Theme"),
        condition=lambda items: linked(Practice.themes.through, theme__in=items),
        lookup=lookup_by(Theme, "slug"),
        normalise=lower,
    )
    country = country_facet(_("Country"), None)
    # Which roles the countries of ``country`` play, any of them (OR): country=MX&role=coo&role=cod.
    role = RoleFilter(label=_("Role of the country"))
    coo = country_facet(_("Country of origin"), PracticeCountry.Role.COO)
    cot = country_facet(_("Country of transit"), PracticeCountry.Role.COT)
    cod = country_facet(_("Country of destination"), PracticeCountry.Role.COD)
    region = FacetFilter(
        label=_("Region"),
        condition=lambda regions: linked(PracticeCountry, country__region__in=regions),
        lookup=lookup_regions,
        normalise=lambda v: slugify(v.strip()),
        key=slugify,
    )
    target_group = FacetFilter(
        label=_("Target group"),
        condition=lambda items: linked(Practice.target_groups.through, targetgroup__in=items),
        lookup=lookup_by(TargetGroup, "slug"),
        normalise=lower,
    )
    stage = FacetFilter(
        label=_("Migration stage"),
        condition=lambda items: linked(Practice.stages.through, stage__in=items),
        lookup=lookup_by(Stage, "slug"),
        normalise=lower,
    )
    gcm = FacetFilter(
        label=_("GCM objective"),
        condition=lambda items: linked(Practice.gcm_objectives.through, gcmobjective__in=items),
        lookup=lookup_gcm_numbers,
        key=lambda item: str(item.number),
    )
    organisation = FacetFilter(
        label=_("Organisation (lead or partner)"),
        condition=organisation_condition,
        lookup=lookup_organisations,
        normalise=lower,
    )
    scope = choice_facet(_("Scope"), "scope", Practice.Scope)
    kind = choice_facet(_("Kind"), "kind", Practice.Kind)
    evidence = choice_facet(_("Evidence level"), "evidence_level", Practice.EvidenceLevel)
    status = choice_facet(_("Status"), "status", Practice.Status)
    has_figures = condition_facet(_("Figures"), HasFigures, has_figures_condition)
    # Whether nobody has verified it for too long (Practice.may_be_out_of_date).
    currency = condition_facet(_("Currency"), Currency, currency_condition_of)
    year_from = WholeNumberFilter(
        field_name="start_year",
        lookup_expr="gte",
        label=_("Started in or after"),
        min_value=1900,
        max_value=2100,
    )
    year_to = WholeNumberFilter(
        field_name="start_year",
        lookup_expr="lte",
        label=_("Started in or before"),
        min_value=1900,
        max_value=2100,
    )
    # A minimum rating on one scorecard criterion: criterion=effectiveness&min_rating=4.
    # The two go together; either alone is ignored and reported (``ignored``).
    criterion = django_filters.ChoiceFilter(
        label=_("Scorecard criterion"),
        choices=ScorecardRating.Criterion.choices,
        method="filter_min_rating",
    )
    min_rating = WholeNumberFilter(
        label=_("Minimum rating"),
        min_value=min(ScorecardRating.Rating.values),
        max_value=max(ScorecardRating.Rating.values),
        method="filter_min_rating",
    )

    class Meta:
        model = Practice
        fields = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.notes: list[str] = []

    # -- filtering -------------------------------------------------------------------------

    @property
    def query(self) -> str:
        return (self.form.cleaned_data.get("q") or "").strip()[:MAX_QUERY_LENGTH]

    def filter_text(self, queryset, name, value):
        return queryset.search(value.strip()[:MAX_QUERY_LENGTH])

    @property
    def rating_filter(self) -> tuple[str, int] | None:
        """(criterion, minimum) when both are given and valid, else None."""
        self.errors  # noqa: B018
        criterion = self.form.cleaned_data.get("criterion")
        minimum = self.form.cleaned_data.get("min_rating")
        if criterion and minimum is not None:
            return criterion, minimum
        return None

    def filter_min_rating(self, queryset, name, value):
        # Both parameters call this; the criterion applies the pair, once.
        if name != "criterion" or self.rating_filter is None:
            return queryset
        criterion, minimum = self.rating_filter
        rated = ScorecardRating.objects.filter(
            practice=OuterRef("pk"), criterion=criterion, rating__gte=minimum
        )
        return queryset.filter(Exists(rated))

    # A filter that only qualifies another one goes when that one goes: without the countries,
    # their roles mean nothing.
    DEPENDENT = {"country": {"role"}}

    def queryset_without(self, *names: str | None):
        """The practices every filter but ``names`` lets through: what a facet counts over."""
        self.errors  # noqa: B018  (validates the form, as FilterSet.qs does)
        queryset = self.queryset.all()
        left_out = {*names, *(d for name in names for d in self.DEPENDENT.get(name, ()))}
        for filter_name, value in self.form.cleaned_data.items():
            if filter_name not in left_out:
                queryset = self.filters[filter_name].filter(queryset, value)
        return queryset

    @property
    def sort(self) -> str:
        wanted = (self.data.get("sort") or "").strip()
        if wanted in self.SORTS and (wanted != "relevance" or self.query):
            return wanted
        return "relevance" if self.query else "title"

    def sorted_qs(self):
        """The filtered practices in the order the user asked for."""
        queryset = self.qs
        match self.sort:
            case "relevance":
                return queryset.by_relevance(self.query)
            case "newest":
                return queryset.order_by(
                    F("start_year").desc(nulls_last=True), Lower(localized("title")), "pk"
                )
            case "oldest":
                return queryset.order_by(
                    F("start_year").asc(nulls_last=True), Lower(localized("title")), "pk"
                )
            case "updated":
                return queryset.order_by("-updated_at", Lower(localized("title")), "pk")
        return queryset.order_by(Lower(localized("title")), "pk")

    # -- what the page tells the user ------------------------------------------------------

    def selections(self) -> dict[str, Selection]:
        """Each facet parameter's selection (empty ones included), in declaration order."""
        self.errors  # noqa: B018
        selections = {
            # Not `or`: an empty selection may still carry the ignored values.
            name: self.form.cleaned_data.get(name, Selection())
            for name, filter_ in self.filters.items()
            if isinstance(filter_, FacetFilter)
        }
        if not selections["country"]:
            # Roles without a country are not applied (``ignored`` says why).
            selections["role"] = Selection(ignored=selections["role"].ignored)
        return selections

    def ignored(self) -> list[tuple[str, str, str]]:
        """(parameter, value, why) for every value the list did not apply."""
        found = []
        for name, selection in self.selections().items():
            label = self.filters[name].label
            for value in selection.ignored:
                found.append((name, value, _("no such %(what)s") % {"what": str(label).lower()}))
        for name, errors in self.form.errors.items():
            value = (self.data.get(name) or "")[:60]
            # The page puts the full stop after each reason; Django's messages end with one.
            found.append((name, value, " ".join(str(e).rstrip(".") for e in errors)))
        raw_q = self.data.get("q") or ""
        if len(raw_q.strip()) > MAX_QUERY_LENGTH:
            found.append(
                (
                    "q",
                    raw_q.strip()[:30] + "…",
                    _("only the first %(n)s characters are searched") % {"n": MAX_QUERY_LENGTH},
                )
            )
        found += self._unpaired_rating_parameters()
        roles = self.form.cleaned_data.get("role")
        if roles and not self.form.cleaned_data.get("country"):
            why = _("give the country it applies to (country) with it")
            found += [("role", self.filters["role"].key(role), why) for role in roles.items]
        wanted_sort = (self.data.get("sort") or "").strip()
        if wanted_sort and wanted_sort not in self.SORTS:
            found.append(("sort", wanted_sort[:60], _("not a sort order")))
        found += ignored_language(self.data)  # downloads' lang=
        return found

    def rating_controls(self) -> dict:
        """The sidebar's criterion and minimum-rating selects, with what is selected.

        A valid value stays selected even without its pair, so the user can complete it.
        """
        self.errors  # noqa: B018
        criterion = self.form.cleaned_data.get("criterion") or ""
        minimum = self.form.cleaned_data.get("min_rating")
        return {
            "criteria": [
                (value, label, value == criterion)
                for value, label in ScorecardRating.Criterion.choices
            ],
            "minimums": [(value, value == minimum) for value in ScorecardRating.Rating.values],
            "max": max(ScorecardRating.Rating.values),
            "active": bool(criterion or minimum is not None),
        }

    def _unpaired_rating_parameters(self) -> list[tuple[str, str, str]]:
        """A valid criterion without a minimum rating, or the other way round."""
        data = self.form.cleaned_data
        criterion, minimum = data.get("criterion"), data.get("min_rating")
        if criterion and minimum is None:
            return [("criterion", criterion, _("give a minimum rating (min_rating) with it"))]
        if minimum is not None and not criterion:
            why = _("give the criterion it applies to (criterion) with it")
            return [("min_rating", str(minimum), why)]
        return []

    # -- URLs that reproduce the view ------------------------------------------------------

    def params(self) -> list[tuple[str, str]]:
        """The applied filters as canonical URL parameters (ISO2 codes, slugs), sort included.

        Ignored values are left out, so links built from these drop them.
        """
        self.errors  # noqa: B018
        data = self.form.cleaned_data
        pairs = [("q", self.query)] if self.query else []
        for name, selection in self.selections().items():
            pairs += [(name, self.filters[name].key(item)) for item in selection.items]
        for name in ("year_from", "year_to"):
            if data.get(name) is not None:
                pairs.append((name, str(data[name])))
        if self.rating_filter:
            criterion, minimum = self.rating_filter
            pairs += [("criterion", criterion), ("min_rating", str(minimum))]
        if (self.data.get("sort") or "").strip() == self.sort:
            pairs.append(("sort", self.sort))
        return pairs

    def applied(self) -> list[tuple[str, str, str, str]]:
        """(parameter, URL value, filter label, value label) of each applied value, but the
        scorecard pair (one chip for two parameters)."""
        self.errors  # noqa: B018 (validates the form: cleaned_data)
        applied = [("q", self.query, _("Search"), self.query)] if self.query else []
        for name, selection in self.selections().items():
            filter_ = self.filters[name]
            applied += [
                (name, filter_.key(item), filter_.label, filter_.display(item))
                for item in selection.items
            ]
        for name in ("year_from", "year_to"):
            value = self.form.cleaned_data.get(name)
            if value is not None:
                applied.append((name, str(value), self.filters[name].label, str(value)))
        return applied

    def chips(self) -> list[tuple[str, str, str]]:
        """(filter label, value label, query string without it) for each applied filter."""
        pairs = self.params()
        countries = len(self.selections()["country"].items)
        chips = []
        for name, key, label, value in self.applied():
            without = [pair for pair in pairs if pair != (name, key)]
            if name == "country" and countries == 1:
                # The last country goes with its roles, which mean nothing without it.
                without = [pair for pair in without if pair[0] != "role"]
            chips.append((label, value, querystring(without)))
        if self.rating_filter:
            criterion, minimum = self.rating_filter
            value = _("%(criterion)s at least %(minimum)s of %(max)s") % {
                "criterion": ScorecardRating.Criterion(criterion).label,
                "minimum": minimum,
                "max": max(ScorecardRating.Rating.values),
            }
            # One chip for the pair: removing it removes both parameters.
            without = [pair for pair in pairs if pair[0] not in ("criterion", "min_rating")]
            chips.append((_("Scorecard"), value, querystring(without)))
        return chips


@dataclass
class Widening:
    """One change that turns an empty list into practices: what it gives, and its link."""

    description: str  # what the list would then be: "Country of origin: Mexico"
    change: str  # what changes: "without Country of destination: Mexico"
    query: str
    count: int


# An empty list tries at most this many single changes (one count each).
MAX_WIDENINGS = 12


def widenings(filterset: "PracticeFilter") -> list["Widening"]:
    """When ``filterset`` gives nothing: each single change that would give practices.

    A change is one applied value left out, or, for a country asked for in two roles at once
    (coo=MX&cod=MX, which means both on one practice), the same country in either role
    (country=MX&role=coo&role=cod). Most practices first; a change that still gives nothing is
    not offered.
    """
    pairs = [pair for pair in filterset.params() if pair[0] != "sort"]
    sort = [pair for pair in filterset.params() if pair[0] == "sort"]
    chips = {(name, key): f"{label}: {value}" for name, key, label, value in filterset.applied()}
    candidates = []
    for pair in pairs:
        without = [other for other in pairs if other != pair]
        if without or len(pairs) == 1:
            change = _("without %(filter)s") % {"filter": chips.get(pair, "=".join(pair))}
            candidates.append((without, change))
    candidates += _either_role(filterset, pairs)
    found = []
    for kept, change in candidates[:MAX_WIDENINGS]:
        trial = PracticeFilter(QueryDict(urlencode(kept)), queryset=filterset.queryset)
        count = trial.qs.count()
        if count:
            found.append(Widening(_described(trial), change, urlencode(kept + sort), count))
    return sorted(found, key=lambda w: -w.count)


def _either_role(filterset, pairs) -> list[tuple[list, str]]:
    """For each country named in several role parameters: that country in any of those roles."""
    by_country: dict[str, list[str]] = {}
    names = {}
    for role in ("coo", "cot", "cod"):
        for country in filterset.selections()[role].items:
            by_country.setdefault(country.iso2, []).append(role)
            names[country.iso2] = country.name
    found = []
    for country, roles in by_country.items():
        if len(roles) < 2:
            continue
        kept = [pair for pair in pairs if not (pair[0] in roles and pair[1] == country)]
        kept += [("country", country), *(("role", role) for role in roles)]
        roles_text = get_text_list(
            [str(PracticeCountry.Role(r.upper()).label) for r in roles], _("or")
        )
        change = _("%(country)s in any of these roles: %(roles)s") % {
            "country": names[country],
            "roles": roles_text,
        }
        found.append((kept, change))
    return found


def _described(filterset) -> str:
    """What a list shows, one line: "Country: Mexico as Country of origin or …; Theme: …"."""
    applied = filterset.applied()
    roles = [str(value) for name, _key, _label, value in applied if name == "role"]
    lines = []
    for name, _key, label, value in applied:
        if name == "country" and roles:
            # One line for a country and its roles.
            value = _("%(country)s as %(roles)s") % {
                "country": value,
                "roles": get_text_list(roles, _("or")),
            }
        if name != "role":
            lines.append(f"{label}: {value}")
    return "; ".join(lines) or str(_("every practice"))


def querystring(pairs, *, drop=None, add=None) -> str:
    """``pairs`` as a query string, without the pair ``drop`` and with the pair ``add``."""
    pairs = [pair for pair in pairs if pair != drop]
    if add and add not in pairs:
        pairs.append(add)
    return urlencode(pairs)
