"""Regenerate countries/world_map.json from Natural Earth's boundaries, never by hand.

The boundaries are Natural Earth's admin-0 countries (public domain) as the world-atlas package
of the npm registry redistributes them in TopoJSON (ISC licence). Take the package once, where
the network is allowed, and point this command at it::

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python manage.py build_world_map package/

The 1:110m countries give the outlines; the states too small for that scale (Bahrain, Malta,
Singapore …) are a dot at the centre of their 1:50m outline. Everything is projected here, in
the Equal Earth projection (equal-area: a country's share of the map is its share of the
world), so the site draws the map from plain SVG paths and fetches nothing at run time.
"""

import json
import math
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from countries.world_map import WORLD_MAP_FILE

SOURCE = "world-atlas 2.0.2 (Natural Earth 4.1.0 admin-0 countries, 1:110m and 1:50m)"
# The map's width in SVG user units; its height follows from the projection (about half).
WIDTH = 1000
# Antarctica has no practices and would take a sixth of the map.
LEFT_OUT = {"010"}

# Equal Earth (Šavrič, Patterson and Jenny, 2018), on the unit sphere.
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2
X_MAX = math.pi / (M * A1)  # x of the antimeridian on the equator


def equal_earth(longitude: float, latitude: float) -> tuple[float, float]:
    """(x, y) of a point in degrees, y growing northward."""
    lam, phi = math.radians(longitude), math.radians(latitude)
    theta = math.asin(M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


Y_MAX = equal_earth(0, 90)[1]
SCALE = WIDTH / (2 * X_MAX)
MARGIN = 4


def to_map(longitude: float, latitude: float) -> tuple[float, float]:
    """A point in the SVG's user units: origin top left, y growing southward."""
    x, y = equal_earth(longitude, latitude)
    return (x + X_MAX) * SCALE, (Y_MAX - y) * SCALE


def decoded_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Each arc of a quantized TopoJSON topology as (longitude, latitude) points."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(ring: list[int], arcs) -> list[tuple[float, float]]:
    """A ring's points from its arc indexes (``~i`` is arc i reversed); shared ends once."""
    points: list[tuple[float, float]] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def clipped(ring: list[tuple[float, float]], keep) -> list[tuple[float, float]]:
    """The part of a ring on one side of a meridian (Sutherland-Hodgman, one edge):
    ``keep(longitude)`` is 0 on the meridian, positive on the side kept."""
    out = []
    for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
        ka, kb = keep(a[0]), keep(b[0])
        if ka >= 0:
            out.append(a)
        if (ka >= 0) != (kb >= 0):
            t = ka / (ka - kb)
            out.append((a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])))
    return out


def unwrapped(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The ring with no jump of over 180° in longitude: Russia's and Fiji's rings cross the
    antimeridian, and drawn as they are they would streak across the map."""
    points = [ring[0]]
    for longitude, latitude in ring[1:]:
        previous = points[-1][0]
        while longitude - previous > 180:
            longitude -= 360
        while previous - longitude > 180:
            longitude += 360
        points.append((longitude, latitude))
    return points


def split_at_antimeridian(ring):
    """The ring as one ring, or as its two halves when it crosses the antimeridian."""
    points = unwrapped(ring)
    if all(-180 <= lon <= 180 for lon, _lat in points):
        return [points]
    east = clipped(points, lambda lon: 180 - lon)
    west = clipped([(lon - 360, lat) for lon, lat in points], lambda lon: lon + 180)
    if min(lon for lon, _lat in points) < -180:
        east = clipped([(lon + 360, lat) for lon, lat in points], lambda lon: 180 - lon)
        west = clipped(points, lambda lon: lon + 180)
    return [half for half in (east, west) if len(half) >= 3]


def polygons(geometry: dict, arcs) -> list[list[list[tuple[float, float]]]]:
    """The geometry's polygons, each a list of projected rings (outer ring first)."""
    if geometry["type"] == "Polygon":
        shapes = [geometry["arcs"]]
    elif geometry["type"] == "MultiPolygon":
        shapes = geometry["arcs"]
    else:
        return []
    projected = []
    for shape in shapes:
        rings = [split_at_antimeridian(ring_points(ring, arcs)) for ring in shape]
        # An outer ring cut in two makes two polygons (the holes of these few cut shapes,
        # if any, go with the first).
        for index, outer in enumerate(rings[0]):
            holes = [half for ring in rings[1:] for half in ring] if index == 0 else []
            projected.append([[to_map(*p) for p in ring] for ring in [outer, *holes]])
    return projected


def area_and_centre(ring) -> tuple[float, tuple[float, float]]:
    """A ring's area and centroid (shoelace formula), in map units."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if not area:
        return 0.0, ring[0]
    return abs(area) / 2, (cx / (3 * area), cy / (3 * area))


def centre(shapes) -> tuple[float, float]:
    """The centroid of the largest polygon: France's is in France, not in the Atlantic."""
    _area, point = max((area_and_centre(shape[0]) for shape in shapes), key=lambda a: a[0])
    return round(point[0], 1), round(point[1], 1)


def svg_path(shapes) -> str:
    """The polygons as one SVG path, in relative moves of whole units, points that round to
    the same unit dropped: about a third of the size of absolute decimals, at a scale where a
    unit is some forty kilometres."""
    commands = []
    here = (0, 0)
    for shape in shapes:
        for ring in shape:
            points = []
            for x, y in ring:
                point = (round(x), round(y))
                if not points or point != points[-1]:
                    points.append(point)
            if len(points) > 1 and points[0] == points[-1]:
                points.pop()
            if len(points) < 3:
                continue
            (x, y), rest = points[0], points[1:]
            moves = [f"m{x - here[0]} {y - here[1]}"]
            for px, py in rest:
                moves.append(f"{px - x} {py - y}")
                x, y = px, py
            commands.append(moves[0] + "l" + " ".join(moves[1:]) + "z")
            # After "z" the current point is the ring's first point.
            here = points[0]
    return "".join(commands).replace(" -", "-")


def read_topology(folder: Path, name: str) -> dict:
    path = folder / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CommandError(f"{path} is missing: give the world-atlas package's folder") from exc
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path} is not JSON: {exc}") from exc


def shifted(shapes, dy: float):
    return [[[(x, y - dy) for x, y in ring] for ring in shape] for shape in shapes]


def world_map(folder: Path) -> dict:
    """The map's content: outlines by ISO 3166 numeric code, and dots for the small states.

    The map is cropped to the land it draws (without Antarctica, nothing lies south of Cape
    Horn), with a margin of MARGIN units.
    """
    coarse = read_topology(folder, "countries-110m.json")
    fine = read_topology(folder, "countries-50m.json")
    coarse_arcs, fine_arcs = decoded_arcs(coarse), decoded_arcs(fine)
    countries, land = {}, []
    for geometry in coarse["objects"]["countries"]["geometries"]:
        code = geometry.get("id")
        shapes = polygons(geometry, coarse_arcs) if code not in LEFT_OUT else []
        if shapes and code is None:
            # Land with no ISO 3166 code (Kosovo, Northern Cyprus, Somaliland): drawn, unlinked.
            land.append(shapes)
        elif shapes:
            countries[code] = shapes
    dots = {}
    for geometry in fine["objects"]["countries"]["geometries"]:
        code = geometry.get("id")
        if code is None or code in countries or code in LEFT_OUT:
            continue
        shapes = polygons(geometry, fine_arcs)
        if shapes:
            dots[code] = centre(shapes)
    if not countries:
        raise CommandError("countries-110m.json holds no country: is it world-atlas's file?")
    ys = [
        y
        for shapes in [*countries.values(), *land]
        for shape in shapes
        for ring in shape
        for _x, y in ring
    ]
    top, bottom = min(ys) - MARGIN, max(ys) + MARGIN
    countries = {code: shifted(shapes, top) for code, shapes in sorted(countries.items())}
    return {
        "source": SOURCE,
        "width": WIDTH,
        "height": math.ceil(bottom - top),
        "outlines": {code: svg_path(shapes) for code, shapes in countries.items()},
        "centres": {code: centre(shapes) for code, shapes in countries.items()},
        "dots": {code: (x, round(y - top, 1)) for code, (x, y) in sorted(dots.items())},
        "land": [svg_path(shifted(shapes, top)) for shapes in land],
    }


class Command(BaseCommand):
    help = "Write countries/world_map.json from the world-atlas package's TopoJSON files."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="The unpacked world-atlas package (its 'package/').")
        parser.add_argument(
            "--output", default=str(Path(settings.BASE_DIR) / "countries" / WORLD_MAP_FILE)
        )

    def handle(self, *args, folder, output, **options):
        content = world_map(Path(folder))
        text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        Path(output).write_text(text + "\n", encoding="utf-8")
        self.stdout.write(
            f"{output}: {len(content['outlines'])} outlines, {len(content['dots'])} dots, "
            f"{len(text) // 1024} KB"
        )
