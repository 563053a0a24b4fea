"""The place facets of the list's counts: countries in any role (``country``) or in one
(``coo``, ``cot``, ``cod``), the roles of the ticked countries (``role``), and the UN M49
regions. Each country is shown once, with its role options beside it.

A mixin of ``facets.FacetCounter``, whose one statement runs these branches with the others:
an unticked place facet counts over the ``links`` CTE (the current results' country links,
with each country's region), a ticked one over every filter but its own.
"""

from dataclasses import replace

from django.db.models import Count, F, Q
from django.utils.text import slugify
from django.utils.translation import gettext

from countries.models import Country, name_sort_key, region_name
from practices.languages import field_sql
from practices.models import PracticeCountry

from .facet_options import Facet, Option
from .facet_statement import Branch, branch, column, countries_of, of_current
from .filter_fields import ROLE_CHOICES

# The country facets and the role each counts (None: any role).
COUNTRY_FACETS = {"country": None, "coo": "COO", "cot": "COT", "cod": "COD"}


class PlaceFacets:
    def _nest_roles(self, facets: dict[str, Facet]) -> None:
        """Show each country once, its role options (COO 6, COT 3, COD 2) beside it.

        Four lists of the same countries would be long to read and to render; the role
        options keep their own counts and links, and stay reachable when ticked.
        """
        by_country = {option.value: option for option in facets["country"].options}
        # Its visible text first, for those who speak to their browser.
        ticked = gettext("%(role)s %(count)s: %(country)s as %(role)s (%(count)s practices)")
        narrow = gettext(
            "%(role)s %(count)s: narrow to %(country)s as %(role)s (%(count)s practices)"
        )
        for name in ("coo", "cot", "cod"):
            for option in facets.pop(name).options:
                if option.value not in by_country:
                    # A country the role's own list has but the any-role list has not (the
                    # other filters differ): its role options, without an any-role one.
                    by_country[option.value] = Option(option.value, option.label, 0, False, None)
                    facets["country"].options.append(by_country[option.value])
                role = name.upper()
                words = {"role": role, "count": option.count, "country": option.label}
                description = (ticked if option.selected else narrow) % words
                by_country[option.value].roles.append(
                    replace(option, label=role, description=description)
                )

    def _current_links(self) -> str:
        """The CTE ``links``: the country links of the current results, with the country's
        region; read by every unticked country facet and the region facet."""
        fields = {
            "practice_id": column(PracticeCountry, "practice", "l"),
            "country_id": column(PracticeCountry, "country", "l"),
            "role": column(PracticeCountry, "role", "l"),
            "region": column(Country, "region", "c"),
        }
        select = ", ".join(f"{sql} AS {alias}" for alias, sql in fields.items())
        return f"SELECT {select} FROM {of_current(PracticeCountry)} {countries_of()}"  # noqa: S608

    def _country_branches(self, name: str) -> list[Branch]:
        role = COUNTRY_FACETS[name]
        if not self.selections[name]:
            return [self._unticked_country_branch(role)]
        # Counted from the link rows of the practices the other filters pass (not from every
        # country's every link): listed, every country those practices have in the role, and
        # the ticked ones.
        links = PracticeCountry.objects.filter(practice__in=self._over(name))
        if role:
            links = links.filter(role=role)
        elif roles := self._keys("role"):
            # With roles ticked, another country ticked is that country in those roles.
            links = links.filter(role__in=[value.upper() for value in roles])
        ticked = [item.pk for item in self.selections[name].items]
        condition = self._new_only("practice", Q(country__in=ticked))
        counted = Count("practice", filter=condition, distinct=role is None)
        grouped = branch(name, links.values(k3=F("country")).annotate(n=counted))
        # Grouped by the country's id; its code and name joined to the groups (grouping tens
        # of thousands of links by two text columns cost more than the counting).
        sql = (
            f"SELECT g.n AS n, {column(Country, 'iso2', 'c')} AS k1, "  # noqa: S608
            f"{field_sql(Country, 'name', 'c')} AS k2 FROM ({grouped.sql}) AS g "
            f"{countries_of('g', 'k3')}"
        )
        return [Branch(name, sql, grouped.params, ("n", "k1", "k2"))]

    def _unticked_country_branch(self, role: str | None) -> Branch:
        """Per country, the current results linking it in any role, or in each unticked
        role: the role facets share one pass over the links, grouped by role too. (Grouped
        by the country's id, its code and name joined to the few groups.)"""
        if role is None:
            counted = (
                "SELECT country_id, COUNT(*) AS n FROM "
                "(SELECT DISTINCT country_id, practice_id FROM links) AS d GROUP BY country_id"
            )
            params, extra = [], ""
        else:
            # In one role a practice links a country once: rows are practices already.
            params = [r for n, r in COUNTRY_FACETS.items() if r and not self.selections[n]]
            counted = (
                "SELECT country_id, role, COUNT(*) AS n FROM links "  # noqa: S608
                f"WHERE role IN ({', '.join(['%s'] * len(params))}) GROUP BY country_id, role"
            )
            extra = ", g.role AS k3"
        sql = (
            f"SELECT g.n AS n, {column(Country, 'iso2', 'c')} AS k1, "  # noqa: S608
            f"{field_sql(Country, 'name', 'c')} AS k2{extra} FROM ({counted}) AS g "
            f"{countries_of('g', 'country_id')}"
        )
        tag = "country-any" if role is None else "country-roles"
        return Branch(tag, sql, params, ("n", "k1", "k2", "k3") if extra else ("n", "k1", "k2"))

    def _country_options(self, name: str, rows) -> list[Option]:
        role, keys = COUNTRY_FACETS[name], self._keys(name)
        if not keys:
            if role is None:
                found = rows["country-any"]
            else:
                found = [row for row in rows["country-roles"] if row[4] == role]
            options = [self._option(name, iso2, label, n, keys) for n, _, iso2, label, *_ in found]
            options = [option for option in options if option.count]
        else:
            counts = {(iso2, label): n for n, _, iso2, label, *_ in rows[name]}
            for item in self.selections[name].items:
                counts.setdefault((item.iso2, item.name), 0)
            options = [
                self._option(name, iso2, label, n, keys) for (iso2, label), n in counts.items()
            ]
        return sorted(options, key=lambda o: (not o.selected, -o.count, name_sort_key(o.label)))

    def _region_branches(self, name: str) -> list[Branch]:
        # From the link rows of the practices counted; a ticked region is listed even at 0.
        if not self.selections[name]:
            sql = (
                "SELECT region AS k1, COUNT(*) AS n FROM (SELECT DISTINCT region, practice_id "
                "FROM links WHERE region <> %s) AS d GROUP BY region"
            )
            return [Branch(name, sql, [""], ("n", "k1"))]
        items = self.selections[name].items
        condition = self._new_only("practice", Q(country__region__in=items))
        links = (
            PracticeCountry.objects.filter(practice__in=self._over(name))
            .exclude(country__region="")
            .values(k1=F("country__region"))
        )
        return [branch(name, links.annotate(n=Count("practice", distinct=True, filter=condition)))]

    def _region_options(self, name: str, rows) -> list[Option]:
        keys, items = self._keys(name), self.selections[name].items
        counts = {region: n for n, _, region, *_ in rows[name]}
        return [
            self._option(name, slugify(region), region_name(region), counts.get(region, 0), keys)
            for region in sorted({*counts, *items})
            if counts.get(region) or slugify(region) in keys
        ]

    def _role_branches(self, name: str) -> list[Branch]:
        """The ticked countries in each role (country=MX&role=coo is Mexico as origin),
        counted from their link rows: a practice may link two ticked countries in one role."""
        countries = [country.pk for country in self.selections["country"].items]
        links = PracticeCountry.objects.filter(practice__in=self._over(name), country__in=countries)
        counted = Count("practice", distinct=True)
        if roles := self._keys(name):
            ticked = Q(role__in=[value.upper() for value in roles])
            counted = Count("practice", distinct=True, filter=self._new_only("practice", ticked))
        return [branch(name, links.values(k1=F("role")).annotate(n=counted))]

    def _role_options(self, name: str, rows) -> list[Option]:
        counts = {role.lower(): n for n, _pos, role, *_ in rows[name]}
        return [
            self._option(name, value, str(label), counts.get(value, 0), self._keys(name))
            for value, label in ROLE_CHOICES
        ]
