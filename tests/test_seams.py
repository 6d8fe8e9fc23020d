"""Seams between a source's features: closed by width at validation, real gaps kept.

The shipped revision ``tests/data/deepstate-seam.jsonl`` (made by
``tests/data/make_deepstate_seam.py``) draws "Occupied" and "CADR and CALR" side by side
along a wiggly old line, a few decimetres apart, crossing in places, with a real
Ukrainian-held pocket inside; expected values are computed here from the drawing's own
constants, by brute-force geodesics and an equal-area projection.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod

from frontwatch._seams import close_seams, close_seams_measured, fill_sliver_holes
from frontwatch.advance import distance_to_other_side
from frontwatch.boundaries import clip_outline
from frontwatch.frontline import front_on, line_of_contact, to_laea
from frontwatch.gazetteer import Place
from frontwatch.ingest import ingest
from frontwatch.snapshot import validate_snapshot
from frontwatch.sources import deepstate
from tests.conftest import equal_area_km2
from tests.data.make_deepstate_seam import EAST, NORTH, POCKET, SOUTH, WEST, seam_lon

FIXTURE = Path(__file__).parent / "data" / "deepstate-seam.jsonl"
DAY = "2024-11-30"
GEOD = Geod(ellps="WGS84")
M_PER_DEG = 111_195.0


def _box(x0, y0, x1, y1) -> shapely.Polygon:
    return shapely.box(x0, y0, x1, y1)


def _expected_front() -> list[shapely.LineString]:
    """The line of contact as drawn: the outer box and the pocket (no old line)."""
    return [_box(WEST, SOUTH, EAST, NORTH).exterior, _box(*POCKET).exterior]


def _brute_force_km(lon: float, lat: float, lines) -> float:
    """Geodesic distance to lines sampled every ~10 m along their (lon/lat straight) edges."""
    pts = np.concatenate([shapely.get_coordinates(shapely.segmentize(ln, 1e-4)) for ln in lines])
    n = len(pts)
    return float(np.min(GEOD.inv(np.full(n, lon), np.full(n, lat), pts[:, 0], pts[:, 1])[2])) / 1000.0


def _place(lon: float, lat: float) -> Place:
    return Place(geonameid=0, name="behind the seam", name_uk=None, names=("behind the seam",), lat=lat,
                 lon=lon, feature_code="PPL", oblast="Kharkiv", oblast_code="07", raion=None,
                 raion_code=None, population=0)  # fmt: skip


@pytest.fixture(scope="module")
def seam_store(tmp_path_factory):
    from frontwatch.store import SQLiteStore

    store = SQLiteStore(tmp_path_factory.mktemp("seam") / "seam.gpkg")
    summary = ingest(store, "deepstate", [FIXTURE], workers=1)
    assert summary.errors == [] and summary.added == 1
    yield store
    store.close()


def _raw(width_m: float):
    raw = next(deepstate.read(FIXTURE, FIXTURE.read_bytes()))
    raw.seam_width_m = width_m
    return raw


def test_the_fixture_has_a_seam_that_the_plain_union_keeps():
    from frontwatch._geo import union_clipped

    occ = union_clipped(_raw(0.0).layers["occupied"], clip_outline())[0]
    assert len(occ.geoms) == 1 and len(occ.geoms[0].interiors) > 10
    mid = shapely.Point(float(seam_lon(np.array(49.2))), 49.2)
    assert shapely.distance(to_laea(line_of_contact(occ)), to_laea(mid)) < 5.0  # metres


def test_seams_are_closed_at_ingest_and_the_real_pocket_kept(seam_store):
    rec = seam_store.snapshots("deepstate")[0]
    occ = seam_store.layer(rec.id)
    assert occ.is_valid and len(occ.geoms) == 1
    (hole,) = occ.geoms[0].interiors
    assert shapely.hausdorff_distance(shapely.Polygon(hole), _box(*POCKET)) < 1e-12
    expected = equal_area_km2(shapely.difference(_box(WEST, SOUTH, EAST, NORTH), _box(*POCKET)))
    assert rec.occupied_km2 == pytest.approx(expected, rel=1e-4)
    # nothing drawn is taken away: the plain union lies inside the closed layer
    plain = validate_snapshot(_raw(0.0)).occupied
    assert shapely.area(shapely.difference(plain, occ)) < 1e-12


def test_line_of_contact_does_not_run_through_the_seam(seam_store):
    front = front_on(seam_store, "deepstate", DAY)
    lat = np.linspace(SOUTH + 0.05, NORTH - 0.05, 200)
    seam = shapely.LineString(np.column_stack((seam_lon(lat), lat)))
    assert shapely.distance(to_laea(front.geometry), to_laea(seam)) > 5_000.0  # metres
    expected_km = sum(GEOD.geometry_length(shapely.segmentize(ln, 1e-3)) for ln in _expected_front()) / 1000.0
    assert front.length_km == pytest.approx(expected_km, rel=1e-3)


@pytest.mark.parametrize("side", [-1, 1])
def test_distance_of_a_place_behind_the_seam_is_to_the_real_line(seam_store, side):
    lat = 49.2
    lon = float(seam_lon(np.array(lat))) + side * 0.003  # about 220 m off the old line
    row = distance_to_other_side(seam_store, "deepstate", _place(lon, lat), DAY)
    assert (row["side"], row["to_side"]) == ("RU", "UA")
    expected = _brute_force_km(lon, lat, _expected_front())
    assert expected > 10.0
    assert row["distance_km"] == pytest.approx(expected, abs=0.02)


def _two_squares(gap_deg_lon: float) -> shapely.MultiPolygon:
    return shapely.MultiPolygon([_box(36.0, 48.0, 36.2, 48.2), _box(36.2 + gap_deg_lon, 48.0, 36.4, 48.2)])


@pytest.mark.parametrize(("gap_m", "closed"), [(0.0001, True), (0.05, True), (30.0, True), (90.0, True),
                                               (120.0, False), (1_000.0, False)])  # fmt: skip
def test_gaps_close_by_width_not_by_area(gap_m, closed):
    # an east-west gap between two 22 km squares: long (large area) however narrow
    gap_deg = gap_m / (M_PER_DEG * np.cos(np.radians(48.2)))
    geom = _two_squares(gap_deg)
    out, n = close_seams(geom, clip_outline(), width_m=100.0)
    assert out.is_valid and (len(out.geoms) == 1) is closed and (n > 0) is closed
    added = shapely.area(out) - shapely.area(geom)
    assert added == pytest.approx(gap_deg * 0.2 if closed else 0.0, rel=1e-6, abs=1e-15)
    # the gaps' own area, for the layer's measure: the gap strip's, by an equal-area projection
    _, _, gaps_km2 = close_seams_measured(geom, clip_outline(), width_m=100.0)
    strip = _box(36.2, 48.0, 36.2 + gap_deg, 48.2)
    assert gaps_km2 == pytest.approx(equal_area_km2(strip) if closed else 0.0, rel=1e-4, abs=1e-12)


@pytest.mark.parametrize(("n", "wave"), [(257, 0.0), (257, 0.02), (1000, 0.02)])
def test_a_layer_without_gaps_comes_back_vertex_for_vertex(n, wave):
    # a round layer, plain or wavy (gentle concave bends): the closing's two buffers come
    # back to its edges only within rounding, and those slivers are not gaps (the code
    # before this rule filled 10 of them on each shape and split edges with new vertices)
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    rad = 0.3 + wave * np.sin(7 * t)
    layer = shapely.Polygon(np.c_[36.5 + 1.5 * rad * np.cos(t), 48.8 + rad * np.sin(t)])
    out, n_gaps = close_seams(layer, clip_outline(), width_m=100.0)
    assert n_gaps == 0
    assert shapely.equals_exact(out, shapely.MultiPolygon([layer]), tolerance=0.0)


def test_a_narrow_hole_closes_a_wide_one_stays():
    narrow = _box(36.1, 48.05, 36.1 + 20 / (M_PER_DEG * np.cos(np.radians(48.1))), 48.15)  # 20 m × 11 km
    wide = _box(36.25, 48.05, 36.27, 48.07)  # ~1.5 × 2.2 km
    geom = shapely.MultiPolygon([shapely.Polygon(_box(36.0, 48.0, 36.4, 48.2).exterior,
                                                 [narrow.exterior, wide.exterior])])  # fmt: skip
    out, n = close_seams(geom, clip_outline(), width_m=100.0)
    assert n == 1
    (hole,) = out.geoms[0].interiors
    assert shapely.hausdorff_distance(shapely.Polygon(hole), wide) < 1e-12


# Cracks: holes a few millimetres to metres wide that liveuamap, ISW and DeepState leave in
# their occupied layers (filled for every source, by mean width, at validation).
_CRACK_LAT = 49.3
_M_LON = M_PER_DEG * np.cos(np.radians(_CRACK_LAT))


def _held_with(crack_m: float, pond_m: float = 0.0) -> shapely.Polygon:
    """A 0.6° × 0.4° occupied block with a 3 km east-west crack ``crack_m`` wide and,
    if asked, a square pond ``pond_m`` wide (a real hole)."""
    outer = _box(36.2, 49.1, 36.8, 49.5)
    holes = [_box(36.4, _CRACK_LAT, 36.4 + 3_000 / _M_LON, _CRACK_LAT + crack_m / M_PER_DEG).exterior]
    if pond_m:
        holes.append(_box(36.7, 49.2, 36.7 + pond_m / _M_LON, 49.2 + pond_m / M_PER_DEG).exterior)
    return shapely.Polygon(outer.exterior, holes)


@pytest.mark.parametrize(("crack_m", "filled"), [(0.001, True), (3.0, True), (8.0, True), (40.0, False)])
def test_cracks_are_filled_by_mean_width_real_holes_stay(crack_m, filled):
    from frontwatch._seams import fill_sliver_holes

    out, n, km2 = fill_sliver_holes(_held_with(crack_m, pond_m=300.0))
    assert out.is_valid and n == int(filled)
    # the area filled is the crack's: 3 km long, crack_m wide
    assert km2 == pytest.approx(3.0 * crack_m / 1000.0 if filled else 0.0, rel=1e-2, abs=1e-12)  # sphere vs WGS84
    # the crack's mean width (twice the area over the perimeter) is about its width; the
    # 300 m pond's is 150 m: it always stays, vertex for vertex
    kept = [shapely.Polygon(h) for h in out.geoms[0].interiors]
    assert len(kept) == (1 if filled else 2)
    pond = _box(36.7, 49.2, 36.7 + 300.0 / _M_LON, 49.2 + 300.0 / M_PER_DEG)
    assert any(shapely.equals_exact(shapely.normalize(k), shapely.normalize(pond), 1e-12) for k in kept)


def test_a_crack_in_a_liveuamap_map_is_not_front_nor_the_other_side(tmp_path):
    """The same block ingested with and without a 1 mm crack: the stored layers are the
    same ground, the front the same length, and a place 200 m from the crack is as far
    from the other side as without it (the block's nearest edge, by brute force)."""
    from frontwatch.store import SQLiteStore
    from tests.conftest import nzz_file

    store = SQLiteStore(tmp_path / "crack.gpkg")
    plain = nzz_file(tmp_path / "2023-06-01.json.gz", "2023-06-01", _box(36.2, 49.1, 36.8, 49.5))
    cracked = nzz_file(tmp_path / "2023-06-02.json.gz", "2023-06-02", _held_with(0.001))
    ingest(store, "liveuamap-nzz", [plain, cracked], workers=1)
    a, b = store.snapshots("liveuamap-nzz")
    assert not any(p.interiors for p in store.layer(b.id).geoms)
    assert b.occupied_km2 == pytest.approx(a.occupied_km2, abs=1e-6)
    fronts = [front_on(store, "liveuamap-nzz", d).length_km for d in ("2023-06-01", "2023-06-02")]
    assert fronts[1] == pytest.approx(fronts[0], abs=1e-6)
    lon, lat = 36.45, _CRACK_LAT - 200 / M_PER_DEG
    row = distance_to_other_side(store, "liveuamap-nzz", _place(lon, lat), "2023-06-02")
    expected = _brute_force_km(lon, lat, [_box(36.2, 49.1, 36.8, 49.5).exterior])
    assert expected > 15.0
    assert row["distance_km"] == pytest.approx(expected, abs=0.02)
    store.close()


def test_a_long_gap_across_cell_lines_closes_as_one_and_measures_as_the_strip():
    """A 30 m gap running 0.8° east-west crosses three lines of the closing's cells: the
    cells' halves meet again in one gap, measured as the strip it is, with straight edges
    (where the cuts' vertices stay on its long edges, geodesics would bend there)."""
    gap_deg = 30.0 / M_PER_DEG
    south, north = _box(36.1, 48.1, 36.9, 48.3 - gap_deg), _box(36.1, 48.3, 36.9, 48.5)
    out, n, gaps_km2 = close_seams_measured(shapely.MultiPolygon([south, north]), clip_outline(), width_m=100.0)
    assert out.is_valid and len(out.geoms) == 1 and not out.geoms[0].interiors and n == 1
    strip = _box(36.1, 48.3 - gap_deg, 36.9, 48.3)
    # cut by the cells, it is measured with its edges straight in lon/lat: densified
    assert gaps_km2 == pytest.approx(equal_area_km2(shapely.segmentize(strip, 0.005)), rel=1e-6)
    assert shapely.area(shapely.symmetric_difference(out, _box(36.1, 48.1, 36.9, 48.5))) < 1e-12


def test_the_closing_depends_on_the_map_alone_not_on_the_maps_closed_before():
    """Each cell's gaps are remembered by the edges near it; a map closed after another
    (most cells remembered) comes out the same to the bit as closed in a fresh process,
    and the same ground as one closing of the whole layer."""
    from frontwatch import _seams
    from frontwatch._recent import Recent
    from frontwatch._tiles import tiled

    clip, tiles = clip_outline(), tiled("geoboundaries")
    occ = validate_snapshot(_raw(0.0)).occupied
    moved = shapely.union(occ, _box(36.55, 49.05, 36.6, 49.1))  # the front moved in one corner
    saved = _seams._CELLS
    try:
        _seams._CELLS = Recent(_seams.CACHE_CELLS)
        fresh = close_seams_measured(moved, clip, width_m=100.0, tiles=tiles)
        _seams._CELLS = Recent(_seams.CACHE_CELLS)
        close_seams_measured(occ, clip, width_m=100.0, tiles=tiles)
        hits = _seams._CELLS.hits
        after = close_seams_measured(moved, clip, width_m=100.0, tiles=tiles)
        assert _seams._CELLS.hits > hits  # cells away from the change were remembered
    finally:
        _seams._CELLS = saved
    assert shapely.equals_exact(fresh[0], after[0], tolerance=0.0) and fresh[1:] == after[1:]
    r = 50.0 / (M_PER_DEG * np.cos(np.radians(shapely.bounds(moved)[3])))
    whole = shapely.buffer(shapely.buffer(moved, r, **_seams._JOIN), -r, **_seams._JOIN)
    whole = shapely.union(moved, shapely.intersection(shapely.difference(whole, moved), clip))
    assert shapely.area(shapely.symmetric_difference(whole, after[0])) < 1e-10  # deg²


def test_cells_remembered_for_one_outline_are_not_reused_for_another():
    """A cell's gaps are clipped to the outline: closing the same layer against another
    outline in the same process clips them to that one."""
    gap_deg = 30.0 / M_PER_DEG
    layer = shapely.MultiPolygon([_box(36.1, 48.1, 36.9, 48.3 - gap_deg), _box(36.1, 48.3, 36.9, 48.5)])
    whole_km2 = close_seams_measured(layer, clip_outline(), width_m=100.0)[2]
    west = _box(30.0, 45.0, 36.5, 52.0)  # an outline that ends halfway along the gap
    _, n, west_km2 = close_seams_measured(layer, west, width_m=100.0)
    assert n == 1
    straight = [equal_area_km2(shapely.segmentize(_box(36.1, 48.3 - gap_deg, east, 48.3), 0.005)) for east in (36.5, 36.9)]
    assert west_km2 == pytest.approx(straight[0], rel=1e-6)
    assert whole_km2 == pytest.approx(straight[1], rel=1e-6)


def test_a_hairline_hole_tens_of_km_long_is_measured_with_straight_edges():
    """Two halves of a gap closed in two cells can leave a hole a micrometre wide and tens
    of km long, with a vertex on one long side only: as geodesics its long sides part by
    their sag (hundreds of metres), a measure of that, not of the hole. With straight edges
    (as a seam-closed layer's cracks are measured) it is its own sliver of area."""
    a, b = np.array([38.85, 49.28]), np.array([38.73, 49.90])
    mid = (a + b) / 2  # on one side only: a vertex on the straight line
    width = 1e-8  # degrees (about a millimetre)
    hole = shapely.Polygon([tuple(a), tuple(mid), tuple(b), tuple(b + [width, 0]), tuple(a + [width, 0])])
    layer = shapely.MultiPolygon([shapely.Polygon(_box(38.5, 49.0, 39.1, 50.1).exterior, [hole.exterior])])
    _, n, straight = fill_sliver_holes(layer, straight=True)
    _, _, geodesic = fill_sliver_holes(layer)
    own = equal_area_km2(shapely.segmentize(hole, 0.001))  # the sliver's area, densified
    assert n == 1 and own < 0.01
    assert straight == pytest.approx(own, rel=1e-4)
    assert abs(geodesic - own) > 10 * own  # the geodesics' sag, not the hole
