"""The evidence gap map: themes against target groups (or stages of the migration cycle).

As in the evidence gap maps of the Campbell Collaboration and 3ie, each cell is a bubble whose
area is the number of published practices and whose segments are their evidence levels; an empty
cell is a gap. Every cell links to the list of exactly its practices: the page's filters, with
its row's theme and its column's group or stage. The page's own dimensions are ``theme`` and the
column parameter; a value given for them picks the rows or columns shown (``MapFilter``).

Two queries for the rows and columns, one for every cell and level (a GROUP BY).
"""

import math
from dataclasses import dataclass

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from practices.models import Practice, Stage, TargetGroup, Theme

from .coverage import list_url
from .maps import practices_phrase

Level = Practice.EvidenceLevel
# Okabe and Ito's colour-blind-safe set, one per level, weakest evidence first: under simulated
# deuteranopia and protanopia no two are closer than 45 CIELAB units (tests/catalogue/test_maps).
LEVEL_COLOURS = {
    Level.DESCRIBED: "#e69f00",
    Level.OUTPUTS: "#56b4e9",
    Level.EVALUATED: "#009e73",
    Level.INDEPENDENT: "#0b3d5c",
}
# The column dimensions: parameter -> (model, the Practice relation, heading).
COLUMNS = {
    "target_group": (TargetGroup, "target_groups", gettext_lazy("Target groups")),
    "stage": (Stage, "stages", gettext_lazy("Stages of the migration cycle")),
}
# The largest bubble's radius, in the bubble's own SVG units (its box is twice that).
RADIUS = 20


@dataclass(frozen=True)
class Segment:
    level: str
    label: str
    count: int
    path: str  # a slice of the bubble; a whole circle when one level has every practice
    colour: str


@dataclass(frozen=True)
class GapCell:
    count: int
    url: str
    label: str  # the link's accessible name
    radius: float
    segments: list[Segment]

    @property
    def whole(self) -> bool:
        return len(self.segments) == 1


@dataclass
class GapMap:
    columns: str
    column_heading: str
    rows: list[tuple[Theme, list[GapCell]]]
    headings: list
    maximum: int
    gaps: int

    @property
    def legend_bubbles(self) -> list[tuple[int, float]]:
        """Sample bubbles for the legend: one practice, the largest count and one between."""
        if not self.maximum:
            return []
        counts = sorted({1, max(1, round(self.maximum / 2)), self.maximum})
        return [(n, bubble_radius(n, self.maximum)) for n in counts]


def bubble_radius(count: int, maximum: int) -> float:
    """Area in proportion to the count: the radius grows as its square root."""
    if not count or not maximum:
        return 0.0
    return round(RADIUS * math.sqrt(count / maximum), 1)


def slice_path(radius: float, start: float, end: float) -> str:
    """A pie slice from ``start`` to ``end`` (fractions of a turn, clockwise from 12 o'clock)
    of a circle centred in a box of side 2 × RADIUS."""
    c = RADIUS

    def at(fraction):
        angle = 2 * math.pi * fraction
        return c + radius * math.sin(angle), c - radius * math.cos(angle)

    (x0, y0), (x1, y1) = at(start), at(end)
    large = 1 if end - start > 0.5 else 0
    return f"M{c} {c}L{x0:.2f} {y0:.2f}A{radius} {radius} 0 {large} 1 {x1:.2f} {y1:.2f}Z"


def segments(levels: dict[str, int], radius: float) -> list[Segment]:
    total = sum(levels.values())
    parts, start = [], 0.0
    for level in Level.values:
        n = levels.get(level, 0)
        if not n:
            continue
        end = start + n / total
        path = "" if n == total else slice_path(radius, start, end)
        parts.append(Segment(level, Level(level).label, n, path, LEVEL_COLOURS[level]))
        start = end
    return parts


def cell_label(theme, column, count: int, parts: list[Segment]) -> str:
    if not count:
        return _("%(row)s, %(column)s: no practice, a gap") % {"row": theme, "column": column}
    levels = ", ".join(f"{s.count} {s.label.lower()}" for s in parts)
    return _("%(row)s, %(column)s: %(practices)s (%(levels)s)") % {
        "row": theme,
        "column": column,
        "practices": practices_phrase(count),
        "levels": levels,
    }


def gap_map(map_filter, columns: str) -> GapMap:
    """The gap map of ``map_filter``'s practices, themes against ``columns``."""
    model, relation, heading = COLUMNS[columns]
    themes = list(Theme.objects.all())
    headings = list(model.objects.all())
    if "theme" in map_filter.picked:
        themes = [t for t in themes if t.slug in map_filter.picked["theme"]]
    if columns in map_filter.picked:
        headings = [h for h in headings if h.slug in map_filter.picked[columns]]
    rows_ = (
        Practice.objects.filter(pk__in=map_filter.practices.order_by().values("pk"))
        .values("themes", relation, "evidence_level")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    levels: dict[tuple[int, int], dict[str, int]] = {}
    for row in rows_:
        if row["themes"] is not None and row[relation] is not None:
            cell = levels.setdefault((row["themes"], row[relation]), {})
            cell[row["evidence_level"]] = row["n"]
    maximum = max((sum(c.values()) for c in levels.values()), default=0)
    rows, gaps = [], 0
    for theme in themes:
        cells = []
        for column in headings:
            cell_levels = levels.get((theme.pk, column.pk), {})
            count = sum(cell_levels.values())
            radius = bubble_radius(count, maximum)
            parts = segments(cell_levels, radius)
            url = list_url(map_filter.params + [("theme", theme.slug), (columns, column.slug)])
            label = cell_label(theme.name, column.name, count, parts)
            cells.append(GapCell(count, url, label, radius, parts))
            gaps += not count
        rows.append((theme, cells))
    return GapMap(columns, str(heading), rows, headings, maximum, gaps)
