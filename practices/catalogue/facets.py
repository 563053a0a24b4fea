"""Counts beside every filter option: how many practices the list would show with it.

For an option not yet ticked in a facet with no selection, that is the practices matching every
other filter and the option. Within a facet, values OR together, so once some are ticked,
ticking one more gives the current results plus the practices that match the other filters and
the new option but none of the ticked ones: the current total plus the count of that
difference. For a ticked option, the count is how many of the current results carry it.
Either way the number is the length of the list its link leads to (or, once ticked, of its
share of the current list), never a guess.

Each facet costs one aggregate query (organisations two: lead and partner), whatever the
number of options and practices; the country facets with nothing ticked share one, and so do
the choice facets (scope, kind, evidence, status, currency).
"""

from dataclasses import dataclass, field, replace

from django.db import connection
from django.db.models import Count, F, Q
from django.utils.text import slugify

from countries.models import name_sort_key
from practices.models import (
    Currency,
    GCMObjective,
    Organisation,
    Practice,
    PracticeCountry,
    Stage,
    TargetGroup,
    Theme,
)

from .filter_fields import ROLE_CHOICES, HasFigures
from .filters import PracticeFilter, querystring

# Facets whose every option is shown, even at zero: the gaps are information. Long facets
# (countries, organisations) list only options with practices, plus the ticked ones.
COUNTRY_FACETS = {"country": None, "coo": "COO", "cot": "COT", "cod": "COD"}
# Facets of a few choices, each option a condition on the practice itself (a field's value, or
# for currency a rule on its dates), counted with the filter's own conditions.
FIELD_FACETS = {
    "scope": Practice.Scope,
    "kind": Practice.Kind,
    "evidence": Practice.EvidenceLevel,
    "status": Practice.Status,
    "currency": Currency,
    "has_figures": HasFigures,
}
# The option model and Practice's many-to-many field to it.
RELATED_FACETS = {
    "theme": (Theme, "themes"),
    "target_group": (TargetGroup, "target_groups"),
    "stage": (Stage, "stages"),
    "gcm": (GCMObjective, "gcm_objectives"),
}


@dataclass
class Option:
    value: str
    label: str
    count: int
    selected: bool
    url: str | None  # None: a country listed only for its role options, not itself an option
    # For a country: the same country as origin, transit and destination (coo/cot/cod).
    roles: list["Option"] = field(default_factory=list)


@dataclass
class Facet:
    name: str
    label: str
    options: list[Option]

    @property
    def selected(self) -> list[Option]:
        return [
            option
            for option in self.options
            if option.selected or any(role.selected for role in option.roles)
        ]

    @property
    def ticked_roles(self) -> list[tuple[str, str]]:
        """(parameter, value) of each ticked role option: kept by the form as hidden fields."""
        return [
            (role.label.lower(), role.value)
            for option in self.options
            for role in option.roles
            if role.selected
        ]


class FacetCounter:
    """Computes every facet of one filtered list."""

    def __init__(self, filterset: PracticeFilter, total: int):
        self.filterset = filterset
        self.total = total
        self.selections = filterset.selections()
        self.params = filterset.params()
        self.current_ids = filterset.qs.order_by().values("pk")

    def facets(self) -> list[Facet]:
        order = [
            "theme",
            "region",
            "country",
            "coo",
            "cot",
            "cod",
            "role",
            "target_group",
            "stage",
            "kind",
            "scope",
            "evidence",
            "status",
            "has_figures",
            "currency",
            "gcm",
            "organisation",
        ]
        builders = {
            **dict.fromkeys(RELATED_FACETS, self._related),
            **dict.fromkeys(COUNTRY_FACETS, self._country),
            **dict.fromkeys(FIELD_FACETS, self._field),
            "region": self._region,
            "role": self._role,
            "organisation": self._organisation,
        }
        if not self.selections["country"]:
            order.remove("role")  # the roles of the ticked countries: none ticked, no roles
        facets = {
            name: Facet(name, self.filterset.filters[name].label, builders[name](name))
            for name in order
        }
        self._nest_roles(facets)
        return list(facets.values())

    def _nest_roles(self, facets: dict[str, Facet]) -> None:
        """Show each country once, its role options (COO 6, COT 3, COD 2) beside it.

        Four lists of the same countries would be long to read and to render; the role
        options keep their own counts and links, and stay reachable when ticked.
        """
        by_country = {option.value: option for option in facets["country"].options}
        for name in ("coo", "cot", "cod"):
            for option in facets.pop(name).options:
                if option.value not in by_country:
                    # A country the role's own list has but the any-role list has not (the
                    # other filters differ): its role options, without an any-role one.
                    by_country[option.value] = Option(option.value, option.label, 0, False, None)
                    facets["country"].options.append(by_country[option.value])
                by_country[option.value].roles.append(replace(option, label=name.upper()))

    # -- the counting rule, shared by every facet ------------------------------------------

    def _scope(self, name: str):
        """(others, selected keys): the practices every other filter passes, and the ticks."""
        selection = self.selections[name]
        others = self.filterset.queryset_without(name).order_by().values("pk")
        return others, [self.filterset.filters[name].key(item) for item in selection.items]

    def _count(self, name: str, key: str, raw: int, selected_keys: list[str]) -> int:
        if key in selected_keys or not selected_keys:
            return raw
        return self.total + raw

    def _option(self, name, key, label, raw, selected_keys) -> Option:
        selected = key in selected_keys
        url = querystring(
            self.params,
            drop=(name, key) if selected else None,
            add=None if selected else (name, key),
        )
        return Option(key, label, self._count(name, key, raw, selected_keys), selected, url)

    def _new_only(self, practice_ref: str, selected_option: Q | None) -> Q:
        """Rows counted: a ticked option's own, or practices outside the current results."""
        outside = ~Q(**{f"{practice_ref}__in": self.current_ids})
        return outside if selected_option is None else selected_option | outside

    # -- the facets ------------------------------------------------------------------------

    def _related(self, name: str) -> list[Option]:
        model, field = RELATED_FACETS[name]
        others, keys = self._scope(name)
        m2m = Practice._meta.get_field(field)
        target = m2m.m2m_reverse_field_name()  # the through model's field: theme, stage ...
        # Counted from the link rows of the practices counted, once, grouped by option: never
        # from every link of every practice. (practice, option) is unique: rows are practices.
        links = m2m.remote_field.through.objects.filter(practice__in=others)
        items = self.selections[name].items
        if items:
            links = links.filter(
                self._new_only("practice", Q(**{f"{target}__in": [item.pk for item in items]}))
            )
        counted = links.order_by().values(option_id=F(target)).annotate(n=Count("pk"))
        counted_sql, params = counted.query.sql_with_params()
        # Every option is listed, at 0 too, in its model's order (themes in the paper's order,
        # stages in cycle order): the options left-joined to the counts, in one query.
        quote = connection.ops.quote_name
        order = ", ".join(
            f"o.{quote(model._meta.get_field(f.lstrip('-')).column)}"
            + (" DESC" if f.startswith("-") else "")
            for f in model._meta.ordering
        )
        sql = (
            f"SELECT o.*, COALESCE(c.n, 0) AS n FROM {quote(model._meta.db_table)} o "  # noqa: S608
            f"LEFT JOIN ({counted_sql}) c ON c.option_id = o.{quote(model._meta.pk.column)} "
            f"ORDER BY {order}"
        )
        key = self.filterset.filters[name].key
        return [
            self._option(name, key(row), str(row), row.n, keys)
            for row in model.objects.raw(sql, params)
        ]

    def _country(self, name: str) -> list[Option]:
        others, keys = self._scope(name)
        if not keys:
            rows = self._unticked_country_counts()
            options = [
                self._option(name, iso2, label, counts[name], keys)
                for (iso2, label), counts in rows.items()
                if counts[name]
            ]
        else:
            # Counted from the link rows of the practices the other filters pass (not from
            # every country's every link): listed, every country those practices have in the
            # role, and the ticked ones.
            links = PracticeCountry.objects.filter(practice__in=others)
            if COUNTRY_FACETS[name]:
                links = links.filter(role=COUNTRY_FACETS[name])
            elif roles := self.selections["role"].items:
                # Another country ticked would be that country in the ticked roles.
                links = links.filter(role__in=[role.upper() for role in roles])
            items = self.selections[name].items
            condition = self._new_only("practice", Q(country__in=[item.pk for item in items]))
            # In one role a practice links a country once: rows are practices already.
            distinct = COUNTRY_FACETS[name] is None
            rows = (
                links.values("country__iso2", "country__name")
                .annotate(n=Count("practice", filter=condition, distinct=distinct))
                .order_by()
            )
            counts = {(row["country__iso2"], row["country__name"]): row["n"] for row in rows}
            for item in items:
                counts.setdefault((item.iso2, item.name), 0)
            options = [
                self._option(name, iso2, label, n, keys) for (iso2, label), n in counts.items()
            ]
        return sorted(options, key=lambda o: (not o.selected, -o.count, name_sort_key(o.label)))

    def _role(self, name: str) -> list[Option]:
        """The ticked countries in each role: country=MX&role=coo is Mexico as origin."""
        others, keys = self._scope(name)
        countries = [country.pk for country in self.selections["country"].items]
        links = PracticeCountry.objects.filter(practice__in=others, country__in=countries)
        counted = Count("practice", distinct=True)
        if keys:
            ticked = Q(role__in=[key.upper() for key in keys])
            counted = Count("practice", distinct=True, filter=self._new_only("practice", ticked))
        rows = links.values("role").annotate(n=counted).order_by()
        counts = {row["role"].lower(): row["n"] for row in rows}
        return [
            self._option(name, value, str(label), counts.get(value, 0), keys)
            for value, label in ROLE_CHOICES
        ]

    def _unticked_country_counts(self) -> dict[tuple[str, str], dict[str, int]]:
        """Per country, its practices in the current list in any role and in each role.

        Every country facet with nothing ticked counts over the current list, so they share
        this one query (cached for the request) instead of one each.
        """
        if not hasattr(self, "_country_counts"):
            counts = {
                name: Count(
                    "practice", filter=Q(role=role) if role else None, distinct=role is None
                )
                for name, role in COUNTRY_FACETS.items()
            }
            rows = (
                PracticeCountry.objects.filter(practice__in=self.current_ids)
                .values("country__iso2", "country__name")
                .annotate(**counts)
                .order_by()
            )
            self._country_counts = {
                (row["country__iso2"], row["country__name"]): row for row in rows
            }
        return self._country_counts

    def _region(self, name: str) -> list[Option]:
        others, keys = self._scope(name)
        items = self.selections[name].items
        counted = Count("practice", distinct=True)
        if items:
            counted = Count(
                "practice",
                distinct=True,
                filter=self._new_only("practice", Q(country__region__in=items)),
            )
        # From the link rows of the practices counted; a ticked region is listed even at 0.
        rows = (
            PracticeCountry.objects.filter(practice__in=others)
            .exclude(country__region="")
            .values("country__region")
            .annotate(n=counted)
            .order_by()
        )
        counts = {row["country__region"]: row["n"] for row in rows}
        return [
            self._option(name, slugify(region), region, counts.get(region, 0), keys)
            for region in sorted({*counts, *items})
            if counts.get(region) or slugify(region) in keys
        ]

    def _field(self, name: str) -> list[Option]:
        choices = FIELD_FACETS[name]
        condition = self.filterset.filters[name].condition
        keys = [self.filterset.filters[name].key(item) for item in self.selections[name].items]
        if not keys:
            counts = self._unticked_field_counts()[name]
        else:
            # The options exclude each other (one value, one currency): a practice counted
            # for an unticked option is outside the current results.
            rows = self.filterset.queryset_without(name).filter(
                self._new_only("pk", condition(keys))
            )
            counts = rows.order_by().aggregate(
                **{value: Count("pk", filter=condition([value])) for value in choices.values}
            )
        return [
            self._option(name, value, label, counts.get(value, 0), keys)
            for value, label in choices.choices
        ]

    def _unticked_field_counts(self) -> dict[str, dict[str, int]]:
        """Scope, kind, evidence, status and currency counts over the current list, in one
        query.

        (A field facet with a tick counts over a different list, so it has its own query.)
        """
        if not hasattr(self, "_field_counts"):
            aggregates = {
                f"{name}__{value}": Count(
                    "pk", filter=self.filterset.filters[name].condition([value])
                )
                for name, choices in FIELD_FACETS.items()
                for value in choices.values
            }
            totals = self.filterset.qs.order_by().aggregate(**aggregates)
            self._field_counts = {
                name: {value: totals[f"{name}__{value}"] for value in choices.values}
                for name, choices in FIELD_FACETS.items()
            }
        return self._field_counts

    def _organisation(self, name: str) -> list[Option]:
        # A practice counts once per organisation, whether it leads or partners (or both):
        # lead counts, plus partner counts where the partner is not also the lead.
        others, keys = self._scope(name)
        items = self.selections[name].items
        ticked = [item.pk for item in items]
        leads = Practice.objects.filter(pk__in=others, lead_organisation__isnull=False)
        partners = Practice.partners.through.objects.filter(practice__in=others).exclude(
            organisation=F("practice__lead_organisation")
        )
        if items:
            leads = leads.filter(self._new_only("pk", Q(lead_organisation__in=ticked)))
            partners = partners.filter(self._new_only("practice", Q(organisation__in=ticked)))
        counts: dict[int, int] = {}
        organisations = {org.pk: org for org in items}
        fields = ("pk", "slug", "name", "acronym")
        for rows, prefix, counted in (
            (leads, "lead_organisation__", Count("pk")),
            (partners, "organisation__", Count("practice", distinct=True)),
        ):
            grouped = rows.order_by().values(*[prefix + f for f in fields]).annotate(n=counted)
            for row in grouped:
                pk = row[prefix + "pk"]
                counts[pk] = counts.get(pk, 0) + row["n"]
                organisations.setdefault(pk, Organisation(**{f: row[prefix + f] for f in fields}))
        options = [
            self._option(name, org.slug, str(org), counts.get(pk, 0), keys)
            for pk, org in organisations.items()
        ]
        return sorted(options, key=lambda o: (not o.selected, -o.count, name_sort_key(o.label)))


def facets_for(filterset: PracticeFilter, total: int) -> list[Facet]:
    """Every facet of the list ``filterset`` gives, with counts (see the module docstring)."""
    return FacetCounter(filterset, total).facets()
