"""The world map's geometry: built from Natural Earth's TopoJSON by ``build_world_map``, in an
equal-area projection, with every country of the base that has a shape on it."""

import json
import math

import pytest
from django.core.management import CommandError, call_command

from countries.management.commands.build_world_map import equal_earth, svg_path, world_map
from countries.models import Country
from countries.world_map import geometry
from practices.models import PracticeCountry

pytestmark = pytest.mark.django_db


def projected_area(west, south, east, north, steps=60) -> float:
    """The area of a longitude-latitude box once projected (its outline finely sampled)."""
    ring = [(west + (east - west) * i / steps, south) for i in range(steps)]
    ring += [(east, south + (north - south) * i / steps) for i in range(steps)]
    ring += [(east - (east - west) * i / steps, north) for i in range(steps)]
    ring += [(west, north - (north - south) * i / steps) for i in range(steps)]
    points = [equal_earth(lon, lat) for lon, lat in ring]
    return abs(
        sum(
            x0 * y1 - x1 * y0
            for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True)
        )
        / 2
    )


def test_the_projection_keeps_areas_in_proportion():
    """Two boxes of the globe with the same area (a sphere's zone area is proportional to the
    difference of the sines of its latitudes) have the same area on the map."""
    equator = projected_area(0, 0, 10, 10)
    north = math.degrees(math.asin(math.sin(math.radians(30)) + math.sin(math.radians(10))))
    high = projected_area(100, 30, 110, north)
    assert high == pytest.approx(equator, rel=0.002)


def test_every_country_on_the_map_is_a_country_of_the_base():
    world = geometry()
    numerics = set(Country.objects.exclude(numeric="").values_list("numeric", flat=True))
    assert set(world.outlines) <= numerics
    assert set(world.dots) <= numerics
    assert len(world.outlines) > 170 and not set(world.outlines) & set(world.dots)


def test_every_country_the_practices_name_is_on_the_map():
    named = Country.objects.filter(pk__in=PracticeCountry.objects.values("country")).values_list(
        "iso2", "numeric"
    )
    world = geometry()
    assert [iso2 for iso2, numeric in named if world.point(numeric) is None] == []


def topology(tmp_path, geometries, arcs):
    """A tiny world-atlas folder: the same topology at both scales, one unit per degree."""
    content = {
        "type": "Topology",
        "transform": {"scale": [1, 1], "translate": [0, 0]},
        "objects": {"countries": {"type": "GeometryCollection", "geometries": geometries}},
        "arcs": arcs,
    }
    for name in ("countries-110m.json", "countries-50m.json"):
        (tmp_path / name).write_text(json.dumps(content))
    return tmp_path


def test_a_country_across_the_antimeridian_is_cut_not_streaked(tmp_path):
    """A ring from 170°E to 170°W is drawn as two pieces at the map's edges, not as a band
    across the whole map."""
    # Delta-encoded arc: (170, 0) → (190 = -170, 0) → (190, 10) → (170, 10) → back.
    ring = [[170, 0], [-340, 0], [0, 10], [340, 0], [0, -10]]
    folder = topology(tmp_path, [{"type": "Polygon", "id": "242", "arcs": [[0]]}], [ring])
    fiji = world_map(folder)["outlines"]["242"]
    pieces = fiji.split("z")[:-1]
    assert len(pieces) == 2
    for piece in pieces:
        # Each piece is some twenty units wide (ten degrees), none a thousand.
        steps = piece.split("l")[1].replace("-", " -").split()
        assert steps and all(abs(int(n)) < 60 for n in steps), piece


def test_states_too_small_for_the_outlines_are_dots(tmp_path):
    big = [[0, 0], [20, 0], [0, 20], [-20, 0], [0, -20]]
    small = [[50, 26], [1, 0], [0, 1], [-1, 0], [0, -1]]
    fiji = {"type": "Polygon", "id": "242", "arcs": [[0]]}
    bahrain = {"type": "Polygon", "id": "048", "arcs": [[1]]}
    folder = topology(tmp_path, [fiji, bahrain], [big, small])
    coarse = json.loads((folder / "countries-110m.json").read_text())
    coarse["objects"]["countries"]["geometries"] = [fiji]
    (folder / "countries-110m.json").write_text(json.dumps(coarse))
    content = world_map(folder)
    assert list(content["outlines"]) == ["242"] and list(content["dots"]) == ["048"]


def test_paths_are_relative_whole_units():
    square = [[[(0.2, 0.2), (10.4, 0.2), (10.4, 10.4), (0.2, 10.4)]]]
    assert svg_path(square) == "m0 0l10 0 0 10-10 0z"


def test_the_command_names_a_missing_folder(tmp_path):
    with pytest.raises(CommandError, match="countries-110m.json is missing"):
        call_command("build_world_map", str(tmp_path / "nowhere"), output=str(tmp_path / "x.json"))
