"""Counts beside every filter option: how many practices the list would show with it.

For an option not yet ticked in a facet with no selection, that is the practices matching every
other filter and the option. Within a facet, values OR together, so once some are ticked,
ticking one more gives the current results plus the practices that match the other filters and
the new option but none of the ticked ones: the current total plus the count of that
difference. For a ticked option, the count is how many of the current results carry it.
Either way the number is the length of the list its link leads to (or, once ticked, of its
share of the current list), never a guess.

**One statement** counts the list and every facet. Its CTE ``cur`` holds the current results,
evaluated once (``MATERIALIZED`` on PostgreSQL; SQLite materialises a CTE read more than once
by itself): each practice's id, lead organisation and option in each unticked choice facet, so
the filters, a search's full-text match and the practice table are read once. A second CTE,
``links``, holds their country links with each country's code, name and region. Each facet
adds one or two ``UNION ALL`` branches, each row ``(tag, n, pos, k1 …)``: the branch, a
count, an order, the option's key columns as text.

- An unticked facet counts over ``cur``, joined to it (``of_current``). Unticked facets that
  read the same rows share a branch: the role facets (grouped by role too), and the choice
  facets (scope, kind, evidence, status, currency), grouped by all their options at once and
  summed here. These branches are written here from the models' table and column names:
  joined, not ``IN (SELECT id FROM cur)``, which PostgreSQL plans badly (``of_current``).
- A ticked facet counts over "every filter but this one" (``queryset_without``, its own
  subquery, as the rule above needs): rows of a ticked option, or of practices outside
  ``cur``. These branches are QuerySets compiled by the ORM, reading the current results as
  ``RawSQL("SELECT id FROM cur")``.

Every user value is a parameter. A new facet is one more builder: its branches
(``_<kind>_branches``) and how it reads its rows back (``_<kind>_options``). The places (the
countries in any role or in one, the roles of ticked countries, the regions) have theirs in
``facet_places.py``; what a facet shows is ``facet_options.py``.
"""

from collections import defaultdict
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Case, Count, F, Q, Value, When
from django.db.models.expressions import RawSQL

from countries.models import name_sort_key
from practices.languages import field_sql
from practices.models import (
    Currency,
    GCMObjective,
    Organisation,
    Practice,
    Stage,
    TargetGroup,
    Theme,
)

from .facet_options import Facet, Option
from .facet_places import COUNTRY_FACETS, PlaceFacets
from .facet_statement import Branch, branch, column, of_current, run
from .filter_fields import HasFigures
from .filters import PracticeFilter, querystring

# Facets whose every option is shown, even at zero: the gaps are information. Long facets
# (countries, organisations) list only options with practices, plus the ticked ones.
# Facets of a few choices, each option a condition on the practice itself (a field's value, or
# for currency a rule on its dates), counted with the filter's own conditions. The options of
# one facet exclude each other (one value, one currency).
FIELD_FACETS = {
    "scope": Practice.Scope,
    "kind": Practice.Kind,
    "evidence": Practice.EvidenceLevel,
    "status": Practice.Status,
    "currency": Currency,
    "has_figures": HasFigures,
}
# The option model, Practice's many-to-many field to it, and the option's fields read back to
# make its key and label (every option is listed, in the model's order).
RELATED_FACETS = {
    "theme": (Theme, "themes", ("slug", "name")),
    "target_group": (TargetGroup, "target_groups", ("slug", "name")),
    "stage": (Stage, "stages", ("slug", "name")),
    "gcm": (GCMObjective, "gcm_objectives", ("number", "short_label")),
}
ORDER = [
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

# What a branch of the statement may select; the ones it leaves out are NULL.
# (An option's keys: at most 4, an organisation's; and one per choice facet, grouped at once.)
KEYS = tuple(f"k{i}" for i in range(1, max(4, len(FIELD_FACETS)) + 1))
CURRENT = "SELECT id FROM cur"
TOTAL = "total"


class FacetCounter(PlaceFacets):
    """Computes the total and every facet of one filtered list, in one statement."""

    def __init__(self, filterset: PracticeFilter, total: int | None = None):
        self.filterset = filterset
        self.total = total
        self.selections = filterset.selections()
        self.params = filterset.params()
        self._query_prefix = querystring(self.params) + "&" if self.params else ""
        self.current = RawSQL(CURRENT, ())  # noqa: S611  (a constant: the CTE's name)

    @property
    def order(self) -> list[str]:
        """The facets shown, in order: the roles only once a country is ticked (they are the
        roles of the ticked countries)."""
        return [name for name in ORDER if name != "role" or self.selections["country"]]

    def facets(self) -> list[Facet]:
        rows = self._count()
        facets = {
            name: Facet(name, self.filterset.filters[name].label, self._options(name, rows))
            for name in self.order
        }
        self._nest_roles(facets)
        return list(facets.values())

    # -- the statement ---------------------------------------------------------------------

    def _branches(self) -> list[Branch]:
        branches = [Branch(TOTAL, "SELECT COUNT(*) AS n FROM cur", [], ("n",))]
        builders = {
            **dict.fromkeys(RELATED_FACETS, self._related_branches),
            **dict.fromkeys(COUNTRY_FACETS, self._country_branches),
            **dict.fromkeys(FIELD_FACETS, self._field_branches),
            "region": self._region_branches,
            "role": self._role_branches,
            "organisation": self._organisation_branches,
        }
        seen = set()
        for name in self.order:
            for part in builders[name](name):
                if part.tag not in seen:  # a branch shared by several facets runs once
                    seen.add(part.tag)
                    branches.append(part)
        return branches

    def _current(self) -> tuple[list[str], object]:
        """The current results as the CTE ``cur``: each practice's id, and what the unticked
        facets read from the practice itself (its lead organisation, its option in each choice
        facet), so that the table is read once, not once per facet. (Its column names, and
        the ``.values()`` QuerySet, which selects them in that order.)"""
        values = {
            "lead": F("lead_organisation"),
            **{f"f_{name}": self._value_of(name) for name in self._unticked_fields()},
        }
        return ["id", *values], self.filterset.qs.order_by().values("pk", **values)

    def _count(self) -> dict[str, list[tuple]]:
        """Run the one statement: its rows, ``(n, pos, k1 …)``, by branch tag."""
        names, current = self._current()
        links = None
        if any(not self.selections[name] for name in ("region", *COUNTRY_FACETS)):
            links = self._current_links()
        rows = run(names, current, links, self._branches(), KEYS)
        if self.total is None:
            self.total = rows[TOTAL][0][0]
        return rows

    # -- the counting rule, shared by every facet ------------------------------------------

    def _keys(self, name: str) -> list[str]:
        return [self.filterset.filters[name].key(item) for item in self.selections[name].items]

    def _over(self, name: str):
        """What facet ``name`` counts over: the current results if nothing is ticked in it,
        else the practices every other filter passes."""
        if not self.selections[name]:
            return self.current
        return self.filterset.queryset_without(name).order_by().values("pk")

    def _new_only(self, practice_ref: str, selected_option: Q) -> Q:
        """Rows counted: a ticked option's own, or practices outside the current results."""
        return selected_option | ~Q(**{f"{practice_ref}__in": self.current})

    def _option(self, name, key, label, raw, selected_keys) -> Option:
        selected = key in selected_keys
        if selected:
            url = querystring(self.params, drop=(name, key))
        else:
            # querystring(self.params, add=(name, key)), with the current parameters encoded
            # once per list instead of once per option (a thousand options on a long list).
            url = self._query_prefix + urlencode([(name, key)])
        count = raw if selected or not selected_keys else self.total + raw
        return Option(key, label, count, selected, url)

    def _options(self, name: str, rows) -> list[Option]:
        if name in RELATED_FACETS:
            return self._related_options(name, rows)
        if name in COUNTRY_FACETS:
            return self._country_options(name, rows)
        if name in FIELD_FACETS:
            return self._field_options(name, rows)
        return getattr(self, f"_{name}_options")(name, rows)

    # -- the facets: each one's branches, and its options from their rows ------------------

    def _related_branches(self, name: str) -> list[Branch]:
        model, field_name, fields = RELATED_FACETS[name]
        m2m = Practice._meta.get_field(field_name)
        target = m2m.m2m_reverse_field_name()  # the through model's field: theme, stage ...
        # Counted from the link rows of the practices counted, once, grouped by option: never
        # from every link of every practice. (practice, option) is unique: rows are practices.
        through = m2m.remote_field.through
        if not self.selections[name]:
            option = column(through, target, "l")
            counted = Branch(
                name,
                f"SELECT {option} AS option_id, COUNT(*) AS n "  # noqa: S608
                f"FROM {of_current(through)} GROUP BY {option}",
                [],
                ("option_id", "n"),
            )
        else:
            ticked = [item.pk for item in self.selections[name].items]
            links = through.objects.filter(practice__in=self._over(name)).filter(
                self._new_only("practice", Q(**{f"{target}__in": ticked}))
            )
            counted = branch(name, links.values(option_id=F(target)).annotate(n=Count("pk")))
        # Every option is listed, at 0 too, in its model's order (themes in the paper's order,
        # stages in cycle order): the options left-joined to the counts.
        quote = connection.ops.quote_name
        meta = model._meta
        # Names in the page's language (their English where a record has none yet).
        order = ", ".join(
            field_sql(model, f.lstrip("-"), "o") + (" DESC" if f[0] == "-" else "")
            for f in meta.ordering
        )
        keys = [f"o.{quote(meta.pk.column)} AS k1"] + [
            f"{field_sql(model, f, 'o')} AS k{i}" for i, f in enumerate(fields, 2)
        ]
        sql = (
            f"SELECT COALESCE(c.n, 0) AS n, ROW_NUMBER() OVER (ORDER BY {order}) AS pos, "  # noqa: S608
            f"{', '.join(keys)} FROM {quote(meta.db_table)} o "
            f"LEFT JOIN ({counted.sql}) c ON c.option_id = o.{quote(meta.pk.column)}"
        )
        return [Branch(name, sql, counted.params, ("n", "pos", *KEYS[: len(keys)]))]

    def _related_options(self, name: str, rows) -> list[Option]:
        model, _field, fields = RELATED_FACETS[name]
        keys, key = self._keys(name), self.filterset.filters[name].key
        options = []
        for n, _pos, pk, *values in sorted(rows[name], key=lambda row: row[1]):
            item = model(
                pk=int(pk),
                **{
                    f: model._meta.get_field(f).to_python(v)
                    for f, v in zip(fields, values, strict=False)
                },
            )
            options.append(self._option(name, key(item), str(item), n, keys))
        return options

    def _value_of(self, name: str):
        """The option a practice has in field facet ``name``, from the filter's conditions."""
        condition = self.filterset.filters[name].condition
        return Case(*(When(condition([v]), then=Value(v)) for v in FIELD_FACETS[name].values))

    def _unticked_fields(self) -> list[str]:
        return [name for name in FIELD_FACETS if not self.selections[name]]

    def _field_branches(self, name: str) -> list[Branch]:
        if not self.selections[name]:
            # Every unticked choice facet at once: the current results grouped by all their
            # options (a few hundred groups at most), each facet's counts summed from them.
            columns = {f"f_{facet}": KEYS[i] for i, facet in enumerate(FIELD_FACETS)}
            columns = {c: k for c, k in columns.items() if c[2:] in self._unticked_fields()}
            select = ", ".join(f"{column} AS {key}" for column, key in columns.items())
            group = ", ".join(columns)
            sql = f"SELECT {select}, COUNT(*) AS n FROM cur GROUP BY {group}"  # noqa: S608
            return [Branch("fields", sql, [], ("n", *columns.values()))]
        # The options exclude each other: a practice counted for an unticked option is
        # outside the current results.
        condition = self.filterset.filters[name].condition(self._keys(name))
        rows = Practice.objects.filter(pk__in=self._over(name)).filter(
            self._new_only("pk", condition)
        )
        return [branch(name, rows.values(k1=self._value_of(name)).annotate(n=Count("pk")))]

    def _field_options(self, name: str, rows) -> list[Option]:
        keys = self._keys(name)
        counts: dict[str, int] = defaultdict(int)
        if keys:
            for n, _, value, *_ in rows[name]:
                counts[value] += n
        else:
            column = 2 + list(FIELD_FACETS).index(name)
            for row in rows["fields"]:
                counts[row[column]] += row[0]
        return [
            self._option(name, value, label, counts[value], keys)
            for value, label in FIELD_FACETS[name].choices
        ]

    def _organisation_branches(self, name: str) -> list[Branch]:
        # A practice counts once per organisation, whether it leads or partners (or both):
        # lead counts, plus partner counts where the partner is not also the lead.
        fields = ("id", "slug", "name", "acronym")
        if not self.selections[name]:
            return self._unticked_organisation_branches(name, fields)
        over = self._over(name)
        leads = Practice.objects.filter(pk__in=over, lead_organisation__isnull=False)
        partners = Practice.partners.through.objects.filter(practice__in=over).exclude(
            organisation=F("practice__lead_organisation")
        )
        ticked = [item.pk for item in self.selections[name].items]
        leads = leads.filter(self._new_only("pk", Q(lead_organisation__in=ticked)))
        partners = partners.filter(self._new_only("practice", Q(organisation__in=ticked)))
        lead_values = {k: F(f"lead_organisation__{f}") for k, f in zip(KEYS, fields, strict=False)}
        partner_values = {k: F(f"organisation__{f}") for k, f in zip(KEYS, fields, strict=False)}
        return [
            branch(name, leads.values(**lead_values).annotate(n=Count("pk"))),
            branch(
                f"{name}-partners",
                partners.values(**partner_values).annotate(n=Count("practice", distinct=True)),
            ),
        ]

    def _unticked_organisation_branches(self, name: str, fields) -> list[Branch]:
        """The same counts over ``cur``, which holds each practice's lead: the practices
        are not read again. (practice, partner) is unique: partner rows are practices."""
        quote = connection.ops.quote_name
        org = Organisation._meta
        through = Practice.partners.through._meta
        partner = quote(through.get_field("organisation").column)
        practice = quote(through.get_field("practice").column)
        keys = ", ".join(
            f"o.{quote(org.get_field(f).column)} AS {k}" for k, f in zip(KEYS, fields, strict=False)
        )
        group = ", ".join(f"o.{quote(org.get_field(f).column)}" for f in fields)
        columns = ("n", *KEYS[: len(fields)])
        leads = (
            f"SELECT {keys}, COUNT(*) AS n FROM cur "  # noqa: S608  (names from the models)
            f"JOIN {quote(org.db_table)} o ON o.{quote(org.pk.column)} = cur.lead "
            f"GROUP BY {group}"
        )
        partners = (
            f"SELECT {keys}, COUNT(*) AS n FROM {quote(through.db_table)} t "  # noqa: S608
            f"JOIN cur ON cur.id = t.{practice} "
            f"JOIN {quote(org.db_table)} o ON o.{quote(org.pk.column)} = t.{partner} "
            f"WHERE cur.lead IS NULL OR cur.lead <> t.{partner} GROUP BY {group}"
        )
        return [Branch(name, leads, [], columns), Branch(f"{name}-partners", partners, [], columns)]

    def _organisation_options(self, name: str, rows) -> list[Option]:
        keys = self._keys(name)
        counts: dict[int, int] = defaultdict(int)
        organisations = {org.pk: org for org in self.selections[name].items}
        for n, _, pk, slug, org_name, acronym, *_ in rows[name] + rows[f"{name}-partners"]:
            counts[int(pk)] += n
            organisations.setdefault(
                int(pk), Organisation(pk=int(pk), slug=slug, name=org_name, acronym=acronym or "")
            )
        options = [
            self._option(name, org.slug, str(org), counts[pk], keys)
            for pk, org in organisations.items()
        ]
        return sorted(options, key=lambda o: (not o.selected, -o.count, name_sort_key(o.label)))


def facets_for(filterset: PracticeFilter, total: int | None = None) -> list[Facet]:
    """Every facet of the list ``filterset`` gives, with counts (see the module docstring).

    ``total``, the length of the list, is counted in the same statement when not given.
    """
    return FacetCounter(filterset, total).facets()


def counts_for(filterset: PracticeFilter) -> tuple[int, list[Facet]]:
    """The length of the list and every facet, in one statement."""
    counter = FacetCounter(filterset)
    facets = counter.facets()
    return counter.total, facets
