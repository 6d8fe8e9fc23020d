"""Line of contact and geodesic distances: synthetic cases with known answers and a real
snapshot of the sample."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
import shapely.ops
from pyproj import Geod
from shapely.geometry import box

from frontwatch.boundaries import clip_outline
from frontwatch.frontline import length_km, line_of_contact, nearest
from frontwatch.timeline import History

GEOD = Geod(ellps="WGS84")


def test_nearest_distance_to_a_meridian_segment_is_geodesic():
    # a line along the meridian 36°E; the place on the same parallel 1° to the west
    line = shapely.LineString([(36.0, 48.0), (36.0, 50.0)])
    n = nearest(line, 35.0, 49.0)
    assert n.distance_km == pytest.approx(GEOD.inv(35.0, 49.0, n.lon, n.lat)[2] / 1000, rel=1e-9)
    # independent: brute-force minimum of the geodesic distance along the meridian
    lats = np.linspace(48.9, 49.1, 200_001)
    d = GEOD.inv(np.full_like(lats, 35.0), np.full_like(lats, 49.0), np.full_like(lats, 36.0), lats)[2]
    assert n.distance_km == pytest.approx(d.min() / 1000, abs=0.002)
    assert n.lat == pytest.approx(lats[d.argmin()], abs=1e-3)


def test_nearest_inside_polygon_is_zero():
    assert nearest(box(35, 48, 36, 49), 35.5, 48.5).distance_km == 0.0


def test_line_of_contact_drops_state_border_and_coast(sample_store):
    hist = History(sample_store, "liveuamap-nzz")
    rec = hist.as_of("2022-09-08").snapshot
    line = line_of_contact(sample_store.layer(rec.id), rec.coverage)
    assert 800 < length_km(line) < 2500
    # points of the national outline: the Russian border north-east of Kupiansk and the
    # Azov coast at Berdiansk, both deep in Russian-held ground then
    edge = shapely.boundary(clip_outline("osm-land"))
    for probe in ((38.3, 50.05), (36.79, 46.75)):
        _, on_edge = shapely.ops.nearest_points(shapely.Point(probe), edge)
        assert nearest(line, on_edge.x, on_edge.y).distance_km > 15
    # and it does pass near the front at Balakliia (fighting on 6-8 September)
    assert nearest(line, 36.84, 49.46).distance_km < 30


def test_projection_pairs_are_from_crs_bit_for_bit():
    from pyproj import Transformer

    from frontwatch.frontline import _FROM_LAEA, _TO_LAEA, LAEA, _aeqd

    rng = np.random.default_rng(11)
    lon, lat = rng.uniform(22.0, 40.5, 50_000), rng.uniform(44.0, 52.5, 50_000)
    place = (37.6167, 49.7156)
    aeqd = f"+proj=aeqd +lat_0={place[1]} +lon_0={place[0]} +ellps=WGS84 +units=m +no_defs"
    for proj, (fwd, back) in ((LAEA, (_TO_LAEA, _FROM_LAEA)), (aeqd, _aeqd(*place))):
        ref_fwd = Transformer.from_crs("EPSG:4326", proj, always_xy=True)
        ref_back = Transformer.from_crs(proj, "EPSG:4326", always_xy=True)
        x, y = ref_fwd.transform(lon, lat)
        assert np.array_equal(np.column_stack(fwd.transform(lon, lat)), np.column_stack((x, y)))
        assert np.array_equal(np.column_stack(back.transform(x, y)), np.column_stack(ref_back.transform(x, y)))


def _nearest_reference(target, lon, lat):
    """frontline.nearest as it was written first (boundary lines, CRS look-ups, each end of
    each edge projected on its own): the fast version must give the same numbers."""
    from pyproj import Transformer

    from frontwatch import _geo
    from frontwatch.frontline import _PIECE_KM, Nearest, _foot

    if target.geom_type in ("Polygon", "MultiPolygon") and shapely.intersects_xy(target, lon, lat):
        return Nearest(0.0, lon, lat)
    lines = shapely.boundary(target) if target.geom_type in ("Polygon", "MultiPolygon") else target
    xy, idx = shapely.get_coordinates(shapely.get_parts(shapely.get_parts(lines)), return_index=True)
    same = idx[:-1] == idx[1:]
    a, b = xy[:-1][same], xy[1:][same]
    aeqd = f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=WGS84 +units=m +no_defs"
    fwd = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    back = Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)
    d, _ = _foot(np.column_stack(fwd.transform(a[:, 0], a[:, 1])), np.column_stack(fwd.transform(b[:, 0], b[:, 1])))
    cand = np.nonzero(d <= d.min() * 1.01 + 200.0)[0]
    pieces_a, pieces_b = [], []
    for i in cand:
        pts = [tuple(a[i])]
        n = int(_geo.WGS84.inv(a[i, 0], a[i, 1], b[i, 0], b[i, 1])[2] / 1000.0 // _PIECE_KM)
        if n > 0:
            pts += _geo.WGS84.npts(a[i, 0], a[i, 1], b[i, 0], b[i, 1], n)
        pts.append(tuple(b[i]))
        arr = np.asarray(pts)
        pieces_a.append(arr[:-1])
        pieces_b.append(arr[1:])
    qa, qb = np.concatenate(pieces_a), np.concatenate(pieces_b)
    d, foot = _foot(np.column_stack(fwd.transform(qa[:, 0], qa[:, 1])), np.column_stack(fwd.transform(qb[:, 0], qb[:, 1])))
    k = int(np.argmin(d))
    plon, plat = back.transform(foot[k, 0], foot[k, 1])
    return Nearest(_geo.WGS84.inv(lon, lat, plon, plat)[2] / 1000.0, float(plon), float(plat))


def test_nearest_gives_the_reference_numbers(sample_store):
    from frontwatch.frontline import front_of

    for source, day in (("liveuamap-nzz", "2022-09-08"), ("deepstate", "2024-11-20")):
        rec = History(sample_store, source).as_of(day).snapshot
        occ, line = sample_store.layer(rec.id), front_of(sample_store, rec)
        for lon, lat in ((37.6167, 49.7156), (36.84, 49.46), (35.14, 47.84), (38.0, 48.6), (36.25, 50.0)):
            for target in (occ, line):
                assert nearest(target, lon, lat) == _nearest_reference(target, lon, lat)


@pytest.mark.parametrize(("store_name", "source"), [("evolving_store", "liveuamap-nzz"),
                                                    ("sample_store", "liveuamap-nzz"),
                                                    ("sample_store", "deepstate")])  # fmt: skip
def test_line_of_contact_is_the_plain_one(backend, request, store_name, source):
    from frontwatch.frontline import _line_of_contact_plain

    store = request.getfixturevalue(store_name)
    for rec in History(store, source).records:
        occ = store.layer(rec.id)
        fast, plain = line_of_contact(occ, rec.coverage), _line_of_contact_plain(occ, rec.coverage)
        assert shapely.to_wkb(fast) == shapely.to_wkb(plain)


def test_near_border_is_dwithin_point_by_point():
    from frontwatch.frontline import _TO_LAEA, _border_lines, near_border

    border = _border_lines(())
    rng = np.random.default_rng(5)
    # runs of points along random walks that cross the border and the 3 km band around it
    edge = shapely.get_coordinates(shapely.segmentize(shapely.boundary(clip_outline()), 0.05))
    start = edge[rng.integers(0, len(edge), 300)]
    steps = rng.normal(0.0, 0.01, size=(300, 40, 2))
    walk = (start[:, None, :] + np.cumsum(steps, axis=1)).reshape(-1, 2)
    laea = np.column_stack(_TO_LAEA.transform(walk[:, 0], walk[:, 1]))
    expected = shapely.dwithin(border, shapely.points(laea), 3000.0)
    assert 0.1 < expected.mean() < 0.9
    assert np.array_equal(near_border(border, laea, 3000.0), expected)


def test_screened_nearest_is_the_full_search(sample_store, monkeypatch):
    """Edges screened out before projection (``_may_be_nearest``) change nothing: the same
    Nearest, bit for bit, as projecting every vertex, on real maps and random rings."""
    import random

    import frontwatch.frontline as fl
    from frontwatch.frontline import front_of

    rng = random.Random(14)
    targets = []
    for source, day in (("liveuamap-nzz", "2022-09-08"), ("deepstate", "2024-11-20")):
        rec = History(sample_store, source).as_of(day).snapshot
        targets += [sample_store.layer(rec.id), front_of(sample_store, rec)]
    for _ in range(4):  # star-shaped rings with thousands of vertices, long and short edges
        n = rng.randint(400, 3000)
        ang = np.sort(np.array([rng.uniform(0, 2 * np.pi) for _ in range(n)]))
        rad = np.array([rng.uniform(0.3, 2.0) for _ in range(n)])
        targets.append(shapely.Polygon(np.column_stack([36 + rad * np.cos(ang), 48.5 + rad * np.sin(ang) * 0.7])))
    places = [(37.6167, 49.7156), (36.84, 49.46), (35.14, 47.84), (38.0, 48.6), (30.52, 50.45), (24.0, 49.8)]
    places += [(rng.uniform(33, 40), rng.uniform(46, 51)) for _ in range(12)]
    screened_out = []
    for target in targets:
        for lon, lat in places:
            got = nearest(target, lon, lat)
            monkeypatch.setattr(fl, "_SCREEN_MIN_VERTICES", 10**9)
            assert got == nearest(target, lon, lat)
            monkeypatch.setattr(fl, "_SCREEN_MIN_VERTICES", 256)
            if got.distance_km > 0:
                parts = shapely.get_parts(target)
                parts = shapely.get_rings(parts) if target.geom_type.endswith("Polygon") else parts
                xy, idx = shapely.get_coordinates(parts, return_index=True)
                screened_out.append(1 - fl._may_be_nearest(xy, lon, lat)[idx[:-1] == idx[1:]].mean())
    assert np.median(screened_out) > 0.5  # (the screen does leave most edges out)


def test_line_of_contact_with_a_memo_is_the_same_line(sample_store, monkeypatch):
    """Vertices' nearness to the border kept from map to map (NearBorderMemo) gives the
    same line, byte for byte, as deciding every vertex again: along the sample's maps of
    both sources, in time order and back, with a memo that fills up and starts again."""
    from frontwatch.frontline import NearBorderMemo

    for limit in (NearBorderMemo.LIMIT, 5_000):
        monkeypatch.setattr(NearBorderMemo, "LIMIT", limit)
        for source in ("liveuamap-nzz", "deepstate"):
            memo = NearBorderMemo()
            recs = History(sample_store, source).records
            for rec in recs + recs[::-1]:
                occ = sample_store.layer(rec.id)
                fresh = line_of_contact(occ, rec.coverage)
                assert shapely.to_wkb(line_of_contact(occ, rec.coverage, memo=memo)) == shapely.to_wkb(fresh)
            assert 0 < len(memo.keys) <= limit
