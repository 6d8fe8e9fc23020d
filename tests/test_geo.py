"""Geodesic areas, repair and GeoPackage blobs."""

import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Polygon, box

from frontwatch import _geo, _gpkg
from tests.conftest import equal_area_km2


def test_area_of_cell_matches_equal_area_projection():
    cell = box(36.0, 49.0, 37.0, 50.0)
    assert _geo.area_km2(cell) == pytest.approx(equal_area_km2(cell), rel=1e-4)


def test_area_matches_pyproj_geometry_area_perimeter_for_polygon_with_hole():
    outer = box(30, 47, 33, 49)
    poly = Polygon(outer.exterior.coords, [box(31, 47.5, 32, 48.5).exterior.coords])
    expected = abs(Geod(ellps="WGS84").geometry_area_perimeter(shapely.orient_polygons(poly))[0])
    assert _geo.area_km2(poly) == pytest.approx(expected / 1e6, rel=1e-9)
    # independent: outer minus hole, each by the equal-area method
    assert _geo.area_km2(poly) == pytest.approx(equal_area_km2(outer) - equal_area_km2(box(31, 47.5, 32, 48.5)), rel=1e-4)


def test_area_of_many_polygons_with_holes_adds_each_polygon_as_pyproj_measures_it():
    """The batched rings (one coordinate array, a slice per ring) give each polygon its
    own shell less its own holes: the same as pyproj's per-geometry measure, polygon by
    polygon, including polygons with no hole between ones with two."""
    geod = Geod(ellps="WGS84")
    polys = [
        Polygon(box(30, 47, 33, 49).exterior.coords,
                [box(31, 47.5, 32, 48).exterior.coords, box(32.2, 48.2, 32.8, 48.8).exterior.coords]),
        box(34, 46, 34.001, 46.0001),  # a sliver
        Polygon(box(36, 50, 37, 51).exterior.coords, [box(36.4, 50.4, 36.6, 50.6).exterior.coords]),
        box(38, 47, 39, 48).reverse(),
    ]  # fmt: skip
    expected = [abs(geod.geometry_area_perimeter(shapely.orient_polygons(p))[0]) for p in polys]
    assert _geo.polygons_area_m2(polys) == pytest.approx(sum(expected), rel=1e-12)
    for p, m2 in zip(polys, expected, strict=True):
        assert _geo.polygons_area_m2([p]) == pytest.approx(m2, rel=1e-12)
    assert _geo.area_km2(shapely.MultiPolygon(polys)) == pytest.approx(sum(expected) / 1e6, rel=1e-12)
    assert _geo.polygons_area_m2([]) == 0


def test_straight_edge_area_is_the_densified_area_and_does_not_move_when_edges_are_cut():
    """lonlat_area_km2 measures edges straight in lon/lat: the same as the equal-area
    measure of the polygon densified in lon/lat (a second method); cutting it along a
    meridian leaves the sum of the halves' areas where it was, while the geodesic measure
    of the halves moves by the sag of the cut edges."""
    tri = Polygon([(30, 46), (36, 51), (33, 46)])
    holed = Polygon(tri.exterior.coords, [[(32, 46.5), (33, 47.5), (32.9, 46.6), (32, 46.5)]])
    for poly in (tri, holed):
        dense = shapely.segmentize(poly, 0.005)
        assert _geo.lonlat_area_km2(poly) == pytest.approx(equal_area_km2(dense), rel=1e-6)
        halves = [shapely.intersection(poly, box(29, 45, 33.3, 52)), shapely.intersection(poly, box(33.3, 45, 37, 52))]
        assert sum(_geo.lonlat_area_km2(h) for h in halves) == pytest.approx(_geo.lonlat_area_km2(poly), rel=1e-10)
        assert abs(sum(_geo.area_km2(h) for h in halves) - _geo.area_km2(poly)) > 1.0  # km²: geodesics moved
    # a lat/lon box has the closed form R_q² Δλ (sin β₁ − sin β₀) whatever the model
    cell = box(36.0, 49.0, 37.0, 50.0)
    assert _geo.lonlat_area_km2(cell) == pytest.approx(equal_area_km2(shapely.segmentize(cell, 0.01)), rel=1e-7)
    assert _geo.lonlat_area_km2(shapely.MultiPolygon()) == 0.0


def test_area_ignores_ring_orientation():
    cw = Polygon([(30, 47), (30, 48), (31, 48), (31, 47)])
    assert _geo.area_km2(cw) == pytest.approx(_geo.area_km2(cw.reverse()), rel=1e-12)
    assert _geo.area_km2(cw) > 0


def test_repair_bowtie_keeps_both_lobes():
    bowtie = Polygon([(30, 47), (31, 48), (31, 47), (30, 48), (30, 47)])
    assert not bowtie.is_valid
    fixed, repaired = _geo.repair(bowtie)
    assert repaired and fixed.is_valid
    lobes = box(30, 47, 31, 48).area / 2  # two triangles of a quarter each
    assert fixed.area == pytest.approx(lobes, rel=1e-9)


def test_gpkg_blob_roundtrip_and_header():
    g = shapely.MultiPolygon([box(30, 47, 31, 48)])
    blob = _gpkg.to_gpkg(g)
    assert blob[:2] == b"GP" and blob[3] & 1 == 1
    assert _gpkg.from_gpkg(blob).equals(g)
    assert _gpkg.from_gpkg(_gpkg.to_gpkg(_geo.EMPTY)).is_empty


@pytest.mark.parametrize(
    ("coords", "problem"),
    [([(200, 47), (201, 48), (201, 47)], "out of range"), ([(30, 95), (31, 96), (31, 95)], "out of range")],
)
def test_coordinate_problem(coords, problem):
    assert problem in _geo.coordinate_problem(Polygon(coords))


def test_wkb_writer_is_byte_for_byte_geos():
    """The stored layers' WKB is written from coordinate arrays: the same bytes as GEOS's
    writer (so stored blobs and geometry hashes are what they were)."""
    import numpy as np
    from shapely.geometry import MultiPolygon, Point

    from frontwatch._gpkg import wkb

    rng = np.random.default_rng(3)
    holed = box(30, 45, 32, 47).difference(box(30.5, 45.5, 31, 46)).difference(box(31.2, 46.2, 31.6, 46.6))
    blobs = [Point(36, 48).buffer(r, 32).difference(Point(36, 48).buffer(r / 3, 16)) for r in rng.uniform(0.1, 2, 5)]
    cases = [holed, MultiPolygon([holed, box(33, 45, 34, 46)]), shapely.union_all(blobs), shapely.normalize(holed),
             MultiPolygon(), Polygon(), Point(1, 2), Polygon([(0, 0, 1), (1, 0, 1), (1, 1, 1)]),
             shapely.from_wkt("POLYGON M ((0 0 1, 1 0 2, 1 1 3, 0 0 1))")]  # fmt: skip
    for g in cases:
        assert wkb(g) == shapely.to_wkb(g, byte_order=1)
