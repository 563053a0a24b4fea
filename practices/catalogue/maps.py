"""The maps: published practices per country on a world map, and the corridors between them.

A map page takes the list's filters (``/coverage/map/?theme=children`` maps only those
practices) except its own dimension: the country parameter that each shaded country links with
(``country`` for any role, ``coo``, ``cot`` or ``cod``). A value given for that parameter picks
which countries are drawn, and every link is the filter plus that one country, so a country's
number is always the length of the list it opens. The corridors' own parameters are ``coo`` and
``cod`` (rows and columns).

Counts are GROUP BYs over the country links of the filtered practices: a fixed number of queries
whatever the number of countries or practices. The geometry is ``countries.world_map``.
"""

from dataclasses import dataclass, field, replace

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from countries.models import Country, name_sort_key
from countries.world_map import geometry
from practices.models import PracticeCountry

from .coverage import heat_legend, heat_level, list_url

Role = PracticeCountry.Role
# The list's parameter for a country in each role; "" is any role.
ROLE_PARAMS = {"": "country", Role.COO: "coo", Role.COT: "cot", Role.COD: "cod"}
BY_ROLE = {"coo": Role.COO, "cot": Role.COT, "cod": Role.COD}
# The widest corridor arc, in map units: an arc's width is in proportion to its count, but
# never thinner than MIN_ARC_WIDTH.
ARC_WIDTH = 9
MIN_ARC_WIDTH = 1.2


@dataclass(frozen=True)
class MapFilter:
    """The list's filter as a map page applies it: without the page's own dimensions."""

    practices: object  # the published practices the other filters let through (a queryset)
    params: list[tuple[str, str]]  # those filters as URL parameters, for every link
    # for each own dimension given, the keys (ISO codes, slugs) it picked; absent if none
    picked: dict[str, set[str]]

    @classmethod
    def of(cls, filterset, own: tuple[str, ...]) -> "MapFilter":
        left_out = {*own, "sort", *(d for name in own for d in filterset.DEPENDENT.get(name, ()))}
        selections = filterset.selections()
        picked = {
            name: {filterset.filters[name].key(item) for item in selections[name].items}
            for name in own
            if selections[name].items
        }
        return cls(
            practices=filterset.queryset_without(*own),
            params=[(k, v) for k, v in filterset.params() if k not in left_out],
            picked=picked,
        )


def role_phrase(role: str, n: int) -> str:
    return {
        Role.COO: _("%(n)s as origin"),
        Role.COT: _("%(n)s as transit"),
        Role.COD: _("%(n)s as destination"),
    }[role] % {"n": n}


def practices_phrase(n: int) -> str:
    return ngettext("%(n)s practice", "%(n)s practices", n) % {"n": n}


@dataclass(frozen=True)
class MapCountry:
    iso2: str
    name: str
    count: int  # in the role mapped (any role: the practices naming it at all)
    level: int
    url: str
    label: str  # the link's accessible name: "Mexico: 11 practices, 4 as destination"
    roles: dict[str, int]
    total: int
    path: str = ""  # its outline, or …
    dot: tuple[float, float] | None = None  # … where its dot goes, if too small to outline
    # (count, list URL) in any role, then as origin, transit, destination, for the table: a
    # count links where the list can show exactly those practices (not when the filters
    # already use that role's parameter: two countries in one parameter add up)
    table: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Arc:
    origin: str
    destination: str
    count: int
    path: str
    width: float
    url: str
    label: str


@dataclass
class WorldMap:
    role: str
    countries: list[MapCountry]
    # the outlines of every other country, unlinked
    background: list[str]
    width: int
    height: int
    legend: list[tuple[int, int, int]]
    total: int
    arcs: list[Arc] = field(default_factory=list)
    # the country whose corridors are drawn, if one was chosen, and its outline or dot
    focus: str = ""
    focus_path: str = ""
    focus_dot: tuple[float, float] | None = None
    # the part of the map shown ("x y width height"): the whole map unless zoomed
    viewbox: str = ""

    def __post_init__(self):
        self.viewbox = self.viewbox or f"0 0 {self.width} {self.height}"

    @property
    def arc_legend(self) -> list[tuple[int, float]]:
        """(count, width) of the thinnest and the widest arc drawn."""
        if not self.arcs:
            return []
        ends = {(a.count, a.width) for a in (self.arcs[-1], self.arcs[0])}
        return sorted(ends)

    @property
    def outlined(self) -> list[MapCountry]:
        return [c for c in self.countries if c.path]

    @property
    def dotted(self) -> list[MapCountry]:
        return [c for c in self.countries if c.dot]


def country_label(name: str, total: int, roles: dict[str, int], role: str) -> str:
    """ "Mexico: 11 practices, 6 as origin, 4 as destination", or, on a map of one role,
    "Mexico: 4 practices as destination, 11 in any role"."""
    if role:
        return _("%(country)s: %(practices)s as %(role)s, %(total)s in any role") % {
            "country": name,
            "practices": practices_phrase(roles.get(role, 0)),
            "role": role_word(role),
            "total": total,
        }
    parts = [practices_phrase(total)]
    parts += [role_phrase(r, roles[r]) for r in Role.values if roles.get(r)]
    return f"{name}: {', '.join(parts)}"


def map_title(role: str) -> str:
    return {
        "": _("Published practices per country, in any role"),
        Role.COO: _("Published practices per country, as country of origin"),
        Role.COT: _("Published practices per country, as country of transit"),
        Role.COD: _("Published practices per country, as country of destination"),
    }[role]


def role_word(role: str) -> str:
    return {Role.COO: _("origin"), Role.COT: _("transit"), Role.COD: _("destination")}[role]


def world_map(practices, role: str, base_params, only: set[str] | None = None) -> WorldMap:
    """Published ``practices`` (a queryset) counted per country, shaded by their count in
    ``role`` (any role if empty); each country links to ``base_params`` plus itself.

    ``only``: the ISO codes to draw, when the map's own parameter named some.
    Three queries: the counts per country and role, per country in any role, the countries.
    """
    links = PracticeCountry.objects.filter(practice__in=practices.order_by().values("pk"))
    by_role = links.values("country", "role").annotate(n=Count("practice", distinct=True))
    roles: dict[int, dict[str, int]] = {}
    for row in by_role.order_by():
        roles.setdefault(row["country"], {})[row["role"]] = row["n"]
    totals = dict(
        links.values("country")
        .annotate(n=Count("practice", distinct=True))
        .order_by()
        .values_list("country", "n")
    )
    counts = {pk: (roles[pk].get(role, 0) if role else totals[pk]) for pk in totals}
    countries = Country.objects.filter(pk__in=[pk for pk, n in counts.items() if n])
    if only is not None:
        countries = countries.filter(iso2__in=only)
    world = geometry()
    maximum = max(counts.values(), default=0)
    param = ROLE_PARAMS[role]
    used = {name for name, _value in base_params}
    drawn = []
    for country in countries.only("pk", "iso2", "numeric", "name"):
        n = counts[country.pk]
        table = []
        for column in ("", *Role.values):
            count = roles[country.pk].get(column, 0) if column else totals[country.pk]
            column_param = ROLE_PARAMS[column]
            linked = count and column_param not in used
            url = list_url(base_params + [(column_param, country.iso2)]) if linked else ""
            table.append((count, url))
        drawn.append(
            MapCountry(
                iso2=country.iso2,
                name=country.name,
                count=n,
                level=heat_level(n, maximum),
                url=list_url(base_params + [(param, country.iso2)]),
                label=country_label(country.name, totals[country.pk], roles[country.pk], role),
                roles=roles[country.pk],
                total=totals[country.pk],
                path=world.outlines.get(country.numeric, ""),
                dot=world.dots.get(country.numeric),
                table=tuple(table),
            )
        )
    drawn.sort(key=lambda c: name_sort_key(c.name))
    shaded = {c.path for c in drawn}
    return WorldMap(
        role=role,
        countries=drawn,
        background=[p for p in world.outlines.values() if p not in shaded] + list(world.land),
        width=world.width,
        height=world.height,
        legend=heat_legend(maximum),
        total=practices.count(),
    )


@dataclass
class Corridors:
    origins: list[Country]
    destinations: list[Country]
    # rows of (origin, [(count, url) per destination])
    rows: list[tuple[Country, list[tuple[int, str]]]]
    arcs: list[Arc]
    pairs: int


def corridors(practices, base_params, origins=None, destinations=None) -> Corridors:
    """Every origin × destination pair that published ``practices`` link, with its count.

    A practice links an origin to a destination when it names the one as COO and the other as
    COD; with two origins it counts in both rows. ``origins``/``destinations``: the ISO codes
    the page's ``coo``/``cod`` picked. Two queries: the pairs, then their countries.
    """
    pairs = (
        PracticeCountry.objects.filter(
            practice__in=practices.order_by().values("pk"),
            role=Role.COO,
            practice__country_links__role=Role.COD,
        )
        .values("country", "practice__country_links__country")
        .annotate(n=Count("practice", distinct=True))
        .order_by()
    )
    counts = {(row["country"], row["practice__country_links__country"]): row["n"] for row in pairs}
    countries = {
        c.pk: c
        for c in Country.objects.filter(pk__in={pk for pair in counts for pk in pair}).only(
            "pk", "iso2", "numeric", "name"
        )
    }
    counts = {
        (countries[o], countries[d]): n
        for (o, d), n in counts.items()
        if (origins is None or countries[o].iso2 in origins)
        and (destinations is None or countries[d].iso2 in destinations)
    }
    by_name = lambda c: name_sort_key(c.name)  # noqa: E731
    row_countries = sorted({o for o, _d in counts}, key=by_name)
    column_countries = sorted({d for _o, d in counts}, key=by_name)
    rows = []
    for origin in row_countries:
        cells = []
        for destination in column_countries:
            n = counts.get((origin, destination), 0)
            url = corridor_url(base_params, origin, destination) if n else ""
            cells.append((n, url))
        rows.append((origin, cells))
    return Corridors(
        origins=row_countries,
        destinations=column_countries,
        rows=rows,
        arcs=arcs(counts, base_params),
        pairs=len(counts),
    )


def corridor_url(base_params, origin: Country, destination: Country) -> str:
    return list_url(base_params + [("coo", origin.iso2), ("cod", destination.iso2)])


def arcs(counts: dict[tuple[Country, Country], int], base_params) -> list[Arc]:
    """Each corridor as a curve from origin to destination, bent to the right of its
    direction (so the two directions between a pair of countries are two curves), its width
    growing with the count; widest drawn first, so the thin ones stay on top."""
    world = geometry()
    maximum = max(counts.values(), default=0)
    drawn = []
    for (origin, destination), n in counts.items():
        start, end = world.point(origin.numeric), world.point(destination.numeric)
        if not start or not end or start == end:
            continue
        (x0, y0), (x1, y1) = start, end
        dx, dy = x1 - x0, y1 - y0
        # The control point: off the middle, a fifth of the length to the right.
        cx, cy = (x0 + x1) / 2 - dy / 5, (y0 + y1) / 2 + dx / 5
        path = f"M{x0:.1f} {y0:.1f}Q{cx:.1f} {cy:.1f} {x1:.1f} {y1:.1f}"
        label = _("%(origin)s to %(destination)s: %(practices)s") % {
            "origin": origin.name,
            "destination": destination.name,
            "practices": practices_phrase(n),
        }
        width = max(MIN_ARC_WIDTH, round(ARC_WIDTH * n / maximum, 1))
        url = corridor_url(base_params, origin, destination)
        drawn.append(Arc(origin.iso2, destination.iso2, n, path, width, url, label))
    return sorted(drawn, key=lambda a: (-a.count, a.label))


# A zoomed map shows at least this width of the map (a region, not a single country), with
# this margin around the points it must show, twice as wide as it is high.
ZOOM_MIN_WIDTH = 260
ZOOM_MARGIN = 45


def zoomed(world, points) -> str:
    """The viewBox that shows ``points`` with a margin, within the map."""
    xs, ys = [x for x, _y in points], [y for _x, y in points]
    left, right = min(xs) - ZOOM_MARGIN, max(xs) + ZOOM_MARGIN
    top, bottom = min(ys) - ZOOM_MARGIN, max(ys) + ZOOM_MARGIN
    width = max(right - left, 2 * (bottom - top), ZOOM_MIN_WIDTH)
    height = width / 2
    x = min(max(0, (left + right - width) / 2), world.width - width)
    y = min(max(0, (top + bottom - height) / 2), world.height - height)
    if width >= world.width or height >= world.height:
        return ""
    return f"{x:.0f} {y:.0f} {width:.0f} {height:.0f}"


def corridor_map(found: Corridors, focus: Country | None = None, zoom=False) -> WorldMap:
    """The corridors' arcs on the world map: all of them, or those of ``focus``; ``zoom``
    shows only the part of the map where the focus and its partners are."""
    world = geometry()
    arcs_ = found.arcs
    viewbox = ""
    if focus is not None:
        arcs_ = [a for a in arcs_ if focus.iso2 in (a.origin, a.destination)]
        point = world.point(focus.numeric)
        if zoom and point:
            partners = {a.origin for a in arcs_} | {a.destination for a in arcs_}
            codes = [c for c in (*found.origins, *found.destinations) if c.iso2 in partners]
            ends = [world.point(c.numeric) for c in codes]
            viewbox = zoomed(world, [point, *(e for e in ends if e)])
    if viewbox:
        # Widths are in map units: a zoomed map would show them wider by as much.
        factor = float(viewbox.split()[2]) / world.width
        arcs_ = [replace(a, width=round(a.width * factor, 2)) for a in arcs_]
    return WorldMap(
        viewbox=viewbox,
        role="",
        countries=[],
        background=[*world.outlines.values(), *world.land],
        width=world.width,
        height=world.height,
        legend=[],
        total=0,
        arcs=arcs_,
        focus=focus.iso2 if focus else "",
        focus_path=world.outlines.get(focus.numeric, "") if focus else "",
        focus_dot=world.dots.get(focus.numeric) if focus else None,
    )
