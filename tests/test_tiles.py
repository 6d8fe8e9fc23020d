"""Tiled clipping (frontwatch._tiles) against the direct overlay and a second area method."""

import gzip
from pathlib import Path

import numpy as np
import orjson
import pytest
import shapely
from shapely.geometry import Point, box

from frontwatch import _geo, _gpkg, _tiles
from frontwatch.boundaries import clip_outline
from frontwatch.snapshot import RawSnapshot, validate_snapshot
from frontwatch.sources import _io, liveuamap_nzz
from frontwatch.sources._io import end_of_day
from tests.conftest import SAMPLES, equal_area_km2


@pytest.fixture(scope="module")
def outline():
    return clip_outline("geoboundaries")


@pytest.fixture
def tiles(outline):
    """A fresh tiling (empty cache) of the real clip outline."""
    return _tiles.TiledOutline(outline)


def _sample_layers():
    files = sorted((SAMPLES / "liveuamap-nzz").glob("*.json.gz"))[::6]
    return [(f.name, liveuamap_nzz.read(f, f.read_bytes())[0].layers["occupied"]) for f in files]


@pytest.mark.parametrize("name,geoms", _sample_layers())
def test_tiled_equals_direct_overlay_on_real_maps(tiles, outline, name, geoms):
    """Same point set as union ∩ outline; areas agree with the direct result and with an
    equal-area projection of it (second method)."""
    tiled, km2, _ = tiles.union_clipped(geoms)
    direct, direct_km2, _ = _geo.union_clipped([_geo.repair(g)[0] for g in geoms], outline)
    assert tiled.is_valid
    # the symmetric difference is round-off: < 1e-9 of the area (planar degrees²)
    assert shapely.symmetric_difference(tiled, direct).area < 1e-9 * direct.area
    # the cells' areas, less what the vertices added on cell lines add, are the area of
    # the source's edges: as the direct overlay's (measured ≤ 1.5e-8 on the history)
    assert km2 == pytest.approx(direct_km2, rel=1e-7)
    assert km2 == pytest.approx(equal_area_km2(direct), rel=1e-4)
    # the vertices cutting added on cell lines are gone: every vertex of the stored layer
    # on a grid line is one the direct overlay has too, and its own geodesic area is the
    # one reported
    xy = shapely.get_coordinates(tiled)
    on_grid = xy[np.logical_or(*tiles._on_grid(xy))]
    assert len(on_grid) < 10 and set(map(tuple, on_grid)) <= set(map(tuple, shapely.get_coordinates(direct)))
    assert _geo.area_km2(tiled) == pytest.approx(km2, rel=1e-9)


def test_a_polygon_whose_strips_cannot_be_cut_is_cut_cell_by_cell_from_itself(tiles, monkeypatch):
    """All polygons of a layer are cut in a few calls; when GEOS cannot cut one's strips
    again (a collapsed ring), the others are still cut by strips and that one has every
    cell of its box cut from itself: the same ground either way."""
    bad = _ragged_disc(35.0, 48.5, 0.9, seed=3)
    others = [_ragged_disc(31.5, 49.2, 0.5, seed=4), box(33.1, 47.1, 33.2, 47.2)]
    real = _tiles._clip_rects
    calls = []

    def clip(geoms, xmin, ymin, xmax, ymax):
        wide = np.asarray(xmax) - np.asarray(xmin) > tiles.cell * 1.5
        calls.append(("strips" if wide.any() else "cells", any(g is bad for g in geoms)))
        if any(g is bad for g, w in zip(geoms, wide, strict=True) if w):
            raise shapely.errors.GEOSException("TopologyException: simulated")
        return real(geoms, xmin, ymin, xmax, ymax)

    monkeypatch.setattr(_tiles, "_clip_rects", clip)
    tiled, km2, _ = tiles.union_clipped([others[0], bad, others[1]])
    assert ("cells", True) in calls  # the bad one, cell by cell from itself
    plain = shapely.union_all([others[0], bad, others[1]])
    assert tiled.is_valid and shapely.symmetric_difference(tiled, plain).area < 1e-9 * plain.area
    assert km2 == pytest.approx(_geo.area_km2(plain), rel=1e-9)


def test_long_straight_edges_keep_only_their_own_vertices(tiles):
    """Found on ISW's maps: a straight edge hundreds of km long, split at cell lines, became
    a chain of geodesics that sagged by km² (its map's gains measured 6 km² too much in
    34,323). The stitched layer now has the input's vertices and no other, the source's own
    vertex on a grid line included, and its area is the input's own geodesic area."""
    own = (33.0, 48.15)  # on the grid line x = 33.0, on the edge it splits (half way)
    quad = shapely.Polygon([(31.1, 48.1), own, (34.9, 48.2), (34.7, 49.9), (31.2, 49.6)])
    assert 33.0 / _tiles.CELL_DEG == 44 and tiles.x0 < 31.1  # (the edges cross 8 cell lines)
    tiled, km2, outside = tiles.union_clipped([quad])
    assert outside == 0 and tiled.is_valid and len(tiled.geoms) == 1
    assert sorted(tiled.geoms[0].exterior.coords[:-1]) == sorted(quad.exterior.coords[:-1])
    assert km2 == pytest.approx(_geo.area_km2(quad), rel=1e-10)
    assert km2 == pytest.approx(equal_area_km2(quad), rel=1e-4)  # a second method
    # split at the cell lines it would have measured more, by the sag of its long edges
    split = shapely.segmentize(quad, 0.3)
    assert abs(_geo.area_km2(split) - km2) > 100  # (195 km²: geodesics bow away from the straight edges)


def _ragged_disc(lon, lat, r_deg, n=3000, seed=1):
    """A many-vertex blob (short edges, like a drawn front line)."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = r_deg * (1 + 0.05 * np.sin(7 * t) + 0.01 * rng.standard_normal(n))
    return shapely.Polygon(np.column_stack([lon + r * np.cos(t) * 1.5, lat + r * np.sin(t)]))


def test_tiled_blob_across_the_russian_border(tiles, outline):
    blob = _ragged_disc(38.3, 50.0, 0.8)  # Kharkiv–Luhansk oblast border with Russia
    assert blob.is_valid and not shapely.contains(outline, blob)
    tiled, km2, outside = tiles.union_clipped([blob])
    ref = shapely.intersection(blob, outline)
    assert shapely.symmetric_difference(tiled, ref).area < 1e-9 * ref.area
    assert km2 == pytest.approx(equal_area_km2(ref), rel=1e-4)
    # what lies in Russia: the blob less its part in Ukraine, by the same second method
    assert outside == pytest.approx(equal_area_km2(blob) - equal_area_km2(ref), rel=0.01)


def test_cells_are_reused_by_content(tiles):
    blob = _ragged_disc(35.0, 47.5, 0.6)
    first = tiles.union_clipped([blob])
    misses = tiles.cells.misses
    again = tiles.union_clipped([shapely.from_wkb(shapely.to_wkb(blob))])  # equal, new object
    assert tiles.cells.misses == misses and tiles.cells.hits > 0
    assert shapely.equals_exact(first[0], again[0], 0) and first[1] == again[1]
    # a change in one place re-clips only the cells it touches
    moved = shapely.union(blob, Point(35.0, 48.15).buffer(0.02))
    before = tiles.cells.misses
    tiles.union_clipped([moved])
    assert 0 < tiles.cells.misses - before <= 4


def _corner(tiles, lon, lat):
    """The grid corner nearest to (lon, lat)."""
    c = tiles.cell
    return tiles.x0 + round((lon - tiles.x0) / c) * c, tiles.y0 + round((lat - tiles.y0) / c) * c


def test_polygons_touching_at_a_grid_corner_stay_valid(tiles):
    """Pieces meeting at one point where four cells meet: the stitch must give valid rings."""
    c = tiles.cell
    x, y = _corner(tiles, 35.0, 48.5)  # a grid corner inside Ukraine
    a = shapely.Polygon([(x - c, y - c), (x, y - c), (x, y), (x - c / 2, y), (x - c, y - c / 2)])
    b = shapely.Polygon([(x, y), (x + c, y), (x + c, y + c), (x, y + c)])
    ring = shapely.difference(box(x - 1.5 * c, y - 1.5 * c, x + 1.5 * c, y + 1.5 * c), shapely.union(a, b))
    tiled, km2, _ = tiles.union_clipped([ring])
    assert tiled.is_valid
    assert shapely.symmetric_difference(tiled, ring).area < 1e-12
    # the ring's 80 km straight edges are split where they cross cell lines; the area is
    # still that of the ring's own edges (the split vertices' slivers are taken off, each
    # measured to within 1 % on the sphere: 4e-7 here; 5e-5 without the correction)
    assert km2 == pytest.approx(_geo.area_km2(ring), rel=2e-6)


def test_beyond_the_grid_is_outside(tiles):
    central_asia = box(60, 40, 61, 41)
    tiled, km2, outside = tiles.union_clipped([central_asia])
    assert tiled.is_empty and km2 == 0
    assert outside == pytest.approx(equal_area_km2(central_asia), rel=0.01)


def test_invalid_input_falls_back_to_repair_with_a_warning():
    """A self-intersecting many-vertex ring: the tiler refuses it, validation repairs it and
    records the repair, and the area is that of the repaired polygon."""
    t = np.linspace(0, 2 * np.pi, 2500, endpoint=False)
    lemniscate = shapely.Polygon(np.column_stack([33 + 1.5 * np.sin(t), 48.5 + 0.6 * np.sin(2 * t)]))
    assert not lemniscate.is_valid
    with pytest.raises(_tiles.TilingFailed):
        _tiles.TiledOutline(clip_outline()).union_clipped([lemniscate])
    raw = RawSnapshot("test", end_of_day("2022-09-01"), {"occupied": [lemniscate]}, "f.json")
    snap = validate_snapshot(raw)
    assert any("repaired" in w for w in snap.warnings)
    fixed, _ = _geo.repair(lemniscate)
    assert snap.areas_km2["occupied"] == pytest.approx(equal_area_km2(fixed), rel=1e-4)


def test_a_map_with_one_invalid_polygon_takes_the_cells_once_it_is_repaired(monkeypatch):
    """ISW draws a self-intersecting polygon on most maps beside many valid ones: the
    invalid one is repaired and the layer goes through the cells again (the valid
    inputs' cells remembered from the first try), giving the direct overlay's ground and
    area, with the repair on record."""
    t = np.linspace(0, 2 * np.pi, 2500, endpoint=False)
    lemniscate = shapely.Polygon(np.column_stack([33 + 1.0 * np.sin(t), 48.5 + 0.4 * np.sin(2 * t)]))
    blob = _ragged_disc(38.3, 50.0, 0.8)  # across the border with Russia: clipped
    geoms = [blob, lemniscate]
    direct, direct_km2, _ = _geo.union_clipped([_geo.repair(g)[0] for g in geoms], clip_outline())

    def no_direct_overlay(*args):
        raise AssertionError("the direct overlay ran")

    monkeypatch.setattr(_geo, "union_clipped", no_direct_overlay)
    snap = validate_snapshot(RawSnapshot("test", end_of_day("2022-09-01"), {"occupied": geoms}, "f.json"))
    monkeypatch.undo()
    assert sum("repaired" in w for w in snap.warnings) == 1
    assert shapely.area(shapely.symmetric_difference(snap.layers["occupied"], direct)) < 1e-12
    assert snap.areas_km2["occupied"] == pytest.approx(direct_km2, rel=1e-8)
    assert snap.areas_km2["occupied"] == pytest.approx(equal_area_km2(direct), rel=1e-4)


def test_repeated_map_reuses_its_validation():
    blob = _ragged_disc(36.0, 48.5, 0.5, seed=7)
    a = RawSnapshot("test", end_of_day("2022-09-01"), {"occupied": [blob]}, "a.json", notes=["n1"])
    b = RawSnapshot("test", end_of_day("2022-09-02"), {"occupied": [shapely.Polygon(blob.exterior)]},
                    "b.json")  # fmt: skip
    va, vb = validate_snapshot(a), validate_snapshot(b)
    assert vb.geom_hash == va.geom_hash and vb.areas_km2 == va.areas_km2
    assert vb.raw is b and va.warnings[:1] == ["n1"] and "n1" not in vb.warnings
    # the repeat takes the blobs encoded the first time, which decode to the same layer
    layer = va.occupied
    blobs = va.encode().encoded
    c = validate_snapshot(RawSnapshot("test", end_of_day("2022-09-03"), {"occupied": [blob]}, "c.json"))
    assert c.encoded == blobs and c.encoded is not blobs
    assert shapely.equals_exact(_gpkg.from_gpkg(c.encoded["occupied"]), layer, 0)


# --- the JSON fast path -----------------------------------------------------------------


@pytest.mark.parametrize("f", sorted((SAMPLES / "liveuamap-nzz").glob("*.json.gz"))[::8])
def test_simdjson_path_builds_the_same_geometry_as_the_geojson_reader(f):
    content = gzip.decompress(f.read_bytes())
    fast = _io.fast_features(content, "value")
    assert fast is not None
    feats = orjson.loads(content)["value"]["features"]
    slow = [(x["properties"], shapely.from_geojson(orjson.dumps(x["geometry"]))) for x in feats]
    assert [p for p, _, _ in fast] == [p for p, _ in slow]
    assert all(shapely.equals_exact(a, b, 0) for (_, a, _), (_, b) in zip(fast, slow, strict=True))


def test_a_layer_repeated_in_a_changed_map_is_reused():
    """A layer whose input repeats (by the reader's hash) in a map that differs elsewhere
    takes the earlier clipped layer; its area and warnings are those of a fresh run."""

    def doc(x0):
        def poly(x, y, d):
            return {"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]}

        feats = [{"type": "Feature", "properties": {"type": kind, "_dateto": "2022-09-01"}, "geometry": g}
                 for kind, g in (("nochange", poly(x0, 48.0, 0.5)), ("losses", poly(38.0, 49.5, 1.5)))]  # fmt: skip
        return liveuamap_nzz.read(Path("m.json"), orjson.dumps({"value": {"type": "FeatureCollection",
                                                                           "features": feats}}))[0]  # fmt: skip

    a, b = validate_snapshot(doc(36.0)), validate_snapshot(doc(35.0))
    assert a.occupied.bounds[0] == 36.0 and b.occupied.bounds[0] == 35.0
    assert b.layers["losses"] is a.layers["losses"]  # reused
    assert b.areas_km2["losses"] == a.areas_km2["losses"] > 0
    clipped = [w for w in a.warnings if "losses" in w]
    assert clipped and clipped == [w for w in b.warnings if "losses" in w]  # it crosses into Russia


def test_a_layer_repeated_is_reused_without_the_readers_hash_too():
    """(#14) DeepState's revisions carry no reader's hash: a layer that repeats (its
    `liberated` and `unknown` often do) is recognised by a hash of its arrays and reused;
    a layer with one vertex moved is not."""
    import datetime as dt

    def raw(x0, far=38.0):
        layers = {"occupied": [box(x0, 48.0, x0 + 0.5, 48.5)], "liberated": [box(far, 49.5, far + 1.5, 51.0)]}
        return RawSnapshot(source="deepstate", valid_time=dt.datetime(2024, 5, 1, tzinfo=dt.UTC), layers=layers,
                           file="m.geojson")  # fmt: skip

    a, b = validate_snapshot(raw(36.0)), validate_snapshot(raw(35.0))
    assert a.raw.layer_keys is None and b.occupied.bounds[0] == 35.0
    assert b.layers["liberated"] is a.layers["liberated"]  # reused
    assert b.areas_km2["liberated"] == a.areas_km2["liberated"] > 0
    c = validate_snapshot(raw(35.0, far=38.0 + 1e-9))
    assert c.layers["liberated"] is not a.layers["liberated"]
    assert c.areas_km2["liberated"] == pytest.approx(a.areas_km2["liberated"], rel=1e-6)


def test_map_key_sees_into_geometry_collections():
    """Found by review: the key made from arrays looked one level into collections, so two
    maps whose polygons sat in GeometryCollections got one key, and the second reused the
    first's validation."""

    def read(x0):
        mp = {"type": "MultiPolygon", "coordinates": [[[[x0, 48.0], [x0 + 0.5, 48.0], [x0 + 0.5, 48.5], [x0, 48.5],
                                                        [x0, 48.0]]]]}  # fmt: skip
        f = {"type": "Feature", "properties": {"type": "nochange", "date": "2023-01-01"},
             "geometry": {"type": "GeometryCollection", "geometries": [mp]}}  # fmt: skip
        content = orjson.dumps({"value": {"type": "FeatureCollection", "features": [f]}})
        return liveuamap_nzz.read(Path(f"m{x0}.json"), content)[0]

    a, b = validate_snapshot(read(37.0)), validate_snapshot(read(33.0))
    assert a.occupied.bounds[0] == 37.0 and b.occupied.bounds[0] == 33.0


def test_reader_digests_tell_maps_apart_by_geometry_only():
    """The digests the fast path makes: equal for the same geometry under other properties,
    different for a moved vertex, a ring split differently, or a Polygon given as a
    one-part MultiPolygon; and a map read from such a file is recognised as a repeat."""

    def doc(geometries, date="2022-09-01"):
        feats = [{"type": "Feature", "properties": {"type": "nochange", "_dateto": date}, "geometry": g}
                 for g in geometries]  # fmt: skip
        return orjson.dumps({"value": {"type": "FeatureCollection", "features": feats}})

    ring = [[36.0, 48.0], [36.5, 48.0], [36.5, 48.5], [36.0, 48.5], [36.0, 48.0]]
    hole = [[36.1, 48.1], [36.2, 48.1], [36.2, 48.2], [36.1, 48.1]]
    poly = {"type": "Polygon", "coordinates": [ring, hole]}

    def digest(content):
        return [d for _, _, d in _io.fast_features(content, "value")]

    base = digest(doc([poly]))
    assert digest(doc([poly], date="2022-09-02")) == base
    moved = {"type": "Polygon", "coordinates": [ring, [[36.1, 48.1], [36.2, 48.1], [36.2, 48.3], [36.1, 48.1]]]}
    as_multi = {"type": "MultiPolygon", "coordinates": [[ring, hole]]}
    two = {"type": "MultiPolygon", "coordinates": [[ring], [hole]]}
    others = [digest(doc([g]))[0] for g in (moved, as_multi, two)]
    assert len({base[0], *others}) == 4
    a = liveuamap_nzz.read(Path("2022-09-01.json"), doc([poly]))[0]
    b = liveuamap_nzz.read(Path("2022-09-02.json"), doc([poly], date="2022-09-02"))[0]
    assert a.layer_keys is not None and a.layer_keys == b.layer_keys


def test_3d_positions_take_the_shortcut_with_the_readers_result():
    """DeepState's revisions give every position a z of 0: the orjson-side shortcut drops
    it as GEOS's reader with force_2d does (same coordinates, bit for bit); simdjson's
    path still leaves 3-D to the orjson one."""
    ring = [[35.50651, 47.513647, 0], [35.539021, 47.519038, 0], [35.5479326, 47.52628, 0.5],
            [35.50651, 47.513647, 0]]  # fmt: skip
    hole = [[35.52, 47.516, 0], [35.53, 47.5175, 0], [35.525, 47.518, 0], [35.52, 47.516, 0]]
    other = [[30, 48, 2], [31, 48, 2], [31, 49, 2], [30, 48, 2]]
    for geometry in ({"type": "Polygon", "coordinates": [ring, hole]},
                     {"type": "MultiPolygon", "coordinates": [[ring, hole], [other]]}):  # fmt: skip
        fast = _io._fast_polygonal(geometry)
        reader = shapely.force_2d(shapely.from_geojson(orjson.dumps(geometry)))
        assert fast is not None and not shapely.has_z(fast)
        assert shapely.equals_exact(fast, reader, tolerance=0) and fast.geom_type == reader.geom_type
        doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                                                          "geometry": geometry}]}  # fmt: skip
        assert _io.fast_features(orjson.dumps(doc)) is None
    odd_z = {"type": "Polygon", "coordinates": [[[30.5, 48.5, False], [31.5, 48.5, None], [31.5, 49.5, 0],
                                                 [30.5, 48.5, 0]]]}  # fmt: skip
    assert _io._fast_polygonal(odd_z) is None  # None is no number: the reader says so
    odd_z["coordinates"][0][1][2] = 7
    assert shapely.equals_exact(_io._fast_polygonal(odd_z), shapely.Polygon([(30.5, 48.5), (31.5, 48.5), (31.5, 49.5)]),
                                tolerance=0)  # a z is never read, whatever it holds  # fmt: skip


def test_holes_of_different_lengths_and_collections_take_the_shortcut_bit_for_bit():
    """Found by profiling DeepState's ingest: a polygon whose holes have different numbers
    of positions (numpy makes no one array of them) and a collection of polygons (one
    DeepState feature in seven) went to GEOS's reader, about 30 % of the revision
    archive's read. The shortcut now builds them, with the reader's result bit for bit."""
    shell = [[35.0, 47.0, 0], [36.0, 47.0, 0], [36.0, 48.0, 0], [35.0, 48.0, 0], [35.0, 47.0, 0]]
    small = [[35.1, 47.1, 0], [35.2, 47.1, 0], [35.2, 47.2, 0], [35.1, 47.1, 0]]
    five = [[35.5, 47.5, 0], [35.6, 47.5, 0], [35.6, 47.6, 0], [35.55, 47.65, 0], [35.5, 47.5, 0]]
    poly = {"type": "Polygon", "coordinates": [shell, small, five]}
    other = {"type": "MultiPolygon", "coordinates": [[[[37, 48], [37.5, 48], [37.5, 48.5], [37, 48]]], [shell, five]]}
    for geometry in (poly, other, {"type": "GeometryCollection", "geometries": [poly, other]}):
        fast = _io._fast_polygonal(geometry)
        reader = shapely.force_2d(shapely.from_geojson(orjson.dumps(geometry)))
        assert fast is not None and fast.geom_type == reader.geom_type
        assert shapely.to_wkb(fast) == shapely.to_wkb(reader)
    assert len(shapely.get_interior_ring(_io._fast_polygonal(poly), 1).coords) == 5
    # a collection holding anything but polygons (or another collection) stays the reader's
    line = {"type": "LineString", "coordinates": [[30, 48], [31, 48]]}
    for members in ([poly, line], [poly, {"type": "GeometryCollection", "geometries": [poly]}]):
        assert _io._fast_polygonal({"type": "GeometryCollection", "geometries": members}) is None


@pytest.mark.parametrize("geometry", [
    {"type": "Polygon", "coordinates": [[[30, 48, 5], [31, 48, 5], [31, 49, 5], [30, 48]]]},  # mixed
    {"type": "Polygon", "coordinates": [[[30, 48], [31, 48], [31, 49], [30, 49]]]},  # unclosed
    {"type": "Polygon", "coordinates": [[[30, 48], [31, 48], [30, 48]]]},  # too short
    {"type": "GeometryCollection", "geometries": []},
    {"type": "Polygon", "coordinates": [[["30", 48], [31, 48], [31, 49], ["30", 48]]]},
    {"type": "Polygon", "coordinates": [[[30, 48, 0], [31], [31, 49], [30, 48]]]},  # uneven
    {"type": "Polygon", "coordinates": [[[[30, 48]], [31, 48], [31, 49], [30, 48]]]},  # nested
    {"type": "MultiPolygon", "coordinates": [[[30, 48], [31, 48], [31, 49], [30, 48]]]},  # depth
    {"type": "Polygon", "coordinates": [[[30, 48], [31, True], [31, 49], [30, 48]]]},
])  # fmt: skip
def test_fast_paths_leave_anything_unusual_to_the_reader(geometry):
    doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                                                      "geometry": geometry}]}  # fmt: skip
    assert _io.fast_features(orjson.dumps(doc)) is None
    assert _io._fast_polygonal(geometry) is None  # the orjson-side shortcut too


def test_malformed_json_is_still_named(tmp_path):
    bad = tmp_path / "2022-09-01.json"
    bad.write_bytes(b'{"value": {"type": "FeatureCollection", "features": [')
    with pytest.raises(_io.InputFileError, match="malformed JSON"):
        liveuamap_nzz.read(bad, bad.read_bytes())


def test_gzip_with_two_members_and_truncated_gzip(tmp_path):
    two = gzip.compress(b'{"a": ') + gzip.compress(b"1}")
    assert _io.decompress(Path("x.json.gz"), two) == b'{"a": 1}'
    whole = gzip.compress(b"x" * 10_000)
    with pytest.raises(_io.InputFileError, match="truncated"):
        _io.decompress(Path("x.json.gz"), whole[: len(whole) // 2])


def test_layer_of_empty_geometries_is_empty_without_warnings():
    raw = RawSnapshot("test", end_of_day("2022-09-01"),
                      {"occupied": [box(36, 49, 37, 50)], "losses": [shapely.Polygon()]}, "f.json")  # fmt: skip
    snap = validate_snapshot(raw)
    assert snap.layers["losses"].is_empty and snap.areas_km2["losses"] == 0


def test_edges_through_grid_corners_and_vertices_on_grid_lines(tiles, outline):
    """Rectangle clipping mis-shapes a piece whose edge passes exactly through a cell
    corner, and an input vertex on a grid line makes neighbouring cells node their shared
    edge differently (found by review): both must end in a right, valid layer."""
    c = tiles.cell
    x, y = _corner(tiles, 29.5, 48.5)  # the first edge runs through this corner
    through_corner = shapely.Polygon([(x + 0.375 * c, y + 0.375 * c), (x - 0.125 * c, y - 0.125 * c),
                                      (x - 1.125 * c, y + 0.625 * c), (x - 1.875 * c, y - 0.875 * c),
                                      (x + 0.375 * c, y - 1.375 * c)])  # fmt: skip
    _, line = _corner(tiles, 31.3, 47.0)  # a horizontal grid line
    on_line = [box(31.25, line - 0.4, 31.4, line), box(30.8, line - 0.2, 31.7, line + 0.3)]
    assert len(tiles._grid_points(np.array([[31.25, line]]))) == 1
    for geoms in ([through_corner], on_line):
        direct = shapely.intersection(shapely.union_all(geoms), outline)
        try:
            tiled, km2, _ = tiles.union_clipped(geoms)
        except _tiles.TilingFailed:
            continue  # the caller then clips directly: also right
        assert tiled.is_valid
        assert shapely.symmetric_difference(tiled, direct).area < 1e-9 * direct.area
    # and through validation, beside a big layer that takes the tiled path
    blob = _ragged_disc(35.0, 48.3, 0.2, n=2500)
    for geoms in ([through_corner, blob], on_line + [blob]):
        snap = validate_snapshot(RawSnapshot("t", end_of_day("2022-09-01"), {"occupied": geoms}, "f.json"))
        direct = shapely.intersection(shapely.union_all(geoms), outline)
        assert snap.layers["occupied"].is_valid
        assert shapely.symmetric_difference(snap.layers["occupied"], direct).area < 1e-9 * direct.area
        # 50-100 km straight edges, split where they cross cell lines: measured as the
        # source's edges all the same (2e-6 here; 5e-4 without the correction)
        assert snap.areas_km2["occupied"] == pytest.approx(_geo.area_km2(direct), rel=1e-5)
        assert snap.areas_km2["occupied"] == pytest.approx(equal_area_km2(direct), rel=1e-4)


def test_sphere_triangle_matches_the_geodesic_triangle():
    """The thin-triangle measure used for split vertices, against pyproj's geodesic area."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    for (x0, y0), (dx, dy), bulge in [((36.0, 49.0), (0.4, 0.0), 0.002), ((30.1, 46.3), (0.05, 0.2), 1e-4),
                                       ((24.0, 51.9), (-0.3, 0.1), 0.01)]:  # fmt: skip
        mx, my = x0 + dx / 2 - dy * bulge, y0 + dy / 2 + dx * bulge
        got = _geo.sphere_triangle_m2(np.array([[x0, y0]]), np.array([[mx, my]]), np.array([[x0 + dx, y0 + dy]]))[0]
        ref = geod.polygon_area_perimeter([x0, mx, x0 + dx], [y0, my, y0 + dy])[0]
        assert got == pytest.approx(ref, rel=1e-2)  # under 1 % of a sliver
