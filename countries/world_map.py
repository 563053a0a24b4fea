"""The world map's geometry: every country's outline, projected once at build time.

``countries/world_map.json`` is written by ``manage.py build_world_map`` from Natural Earth's
boundaries (world-atlas on the npm registry) in the Equal Earth projection; nothing is fetched
at run time. Countries are keyed by their ISO 3166 numeric code (``Country.numeric``).
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

WORLD_MAP_FILE = "world_map.json"
LICENCE = (
    "Natural Earth: public domain. world-atlas (its TopoJSON redistribution): ISC licence, "
    "copyright 2013-2019 Michael Bostock."
)


@dataclass(frozen=True)
class WorldGeometry:
    source: str
    width: int
    height: int
    # numeric code -> SVG path ("m… l… z") in the map's user units
    outlines: dict[str, str]
    # numeric code -> (x, y) centre of its largest polygon
    centres: dict[str, tuple[float, float]]
    # numeric code -> (x, y): states too small to outline at this scale, drawn as a dot
    dots: dict[str, tuple[float, float]]
    # land with no ISO 3166 code (Kosovo, Northern Cyprus, Somaliland), drawn unlinked
    land: tuple[str, ...]

    def point(self, numeric: str) -> tuple[float, float] | None:
        """Where a country is on the map (its centre, or its dot), None if it is not on it."""
        found = self.centres.get(numeric) or self.dots.get(numeric)
        return tuple(found) if found else None


@cache
def geometry() -> WorldGeometry:
    data = json.loads(Path(__file__).with_name(WORLD_MAP_FILE).read_text(encoding="utf-8"))
    return WorldGeometry(
        source=data["source"],
        width=data["width"],
        height=data["height"],
        outlines=data["outlines"],
        centres={code: tuple(xy) for code, xy in data["centres"].items()},
        dots={code: tuple(xy) for code, xy in data["dots"].items()},
        land=tuple(data["land"]),
    )


def file_size() -> int:
    """The geometry file's size in bytes (the About page says it)."""
    return Path(__file__).with_name(WORLD_MAP_FILE).stat().st_size
