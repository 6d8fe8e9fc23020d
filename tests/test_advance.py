"""Advance depth and speed, distance to the other side, rankings and "since" queries:
synthetic cases with known answers and the bundled sample."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import box

from frontwatch.advance import MIN_PART_KM2, advance, distance_to_other_side, since
from frontwatch.frontline import line_of_contact, nearest
from frontwatch.gazetteer import resolve_one
from frontwatch.ingest import ingest
from frontwatch.timeline import History
from tests.conftest import equal_area_km2, nzz_file

GEOD = Geod(ellps="WGS84")


def test_advance_depth_of_a_strip_is_its_width(tmp_path, fresh_store):
    # occupied block 35-37°E; Ukraine retakes the western 0.2° strip (the front is the
    # block's west edge at 35°E, so the deepest retaken point lies 0.2° of longitude east)
    before = box(35.0, 47.5, 37.0, 49.0)
    after = box(35.2, 47.5, 37.0, 49.0)
    files = [nzz_file(tmp_path / "2022-09-08.json.gz", "2022-09-08", before),
             nzz_file(tmp_path / "2022-09-11.json.gz", "2022-09-11", after,
                      losses=box(35.0, 47.5, 35.2, 49.0))]  # fmt: skip
    ingest(fresh_store, "liveuamap-nzz", files, workers=1)
    adv = advance(fresh_store, "liveuamap-nzz", "2022-09-08", "2022-09-11", side="UA")
    # independent: geodesic distance across the strip at its southern end (widest in km)
    width = GEOD.inv(35.0, 47.5, 35.2, 47.5)[2] / 1000
    assert adv["max_depth_km"] == pytest.approx(width, rel=0.02)
    assert adv["km_per_day"] == pytest.approx(adv["max_depth_km"] / 3, rel=1e-3)
    assert 0.8 * width < adv["p90_depth_km"] <= adv["max_depth_km"]
    assert (adv["from_snapshot"], adv["to_snapshot"], adv["days"]) == ("2022-09-08", "2022-09-11", 3)


def test_sample_advance_and_distance_carry_snapshot_dates(sample_store):
    adv = advance(sample_store, "liveuamap-nzz", "2022-09-08", "2022-09-11", side="UA")
    assert (adv["from_snapshot"], adv["to_snapshot"]) == ("2022-09-08", "2022-09-11")
    assert 20 < adv["max_depth_km"] < 200 and adv["gained_km2"] > 2_000
    # the deepest point is that far from the earlier line, measured independently
    hist = History(sample_store, "liveuamap-nzz")
    rec = hist.as_of("2022-09-08").snapshot
    line = line_of_contact(sample_store.layer(rec.id), rec.coverage)
    lon, lat = adv["deepest_point"]
    assert nearest(line, lon, lat).distance_km == pytest.approx(adv["max_depth_km"], abs=0.01)
    # and no retaken point is farther (screened on a coarse grid of the retaken ground)
    gained = shapely.difference(sample_store.layer(rec.id),
                                sample_store.layer(hist.as_of("2022-09-11").snapshot.id))  # fmt: skip
    big = [p for p in shapely.get_parts(gained) if equal_area_km2(p) >= MIN_PART_KM2]
    pts = shapely.get_coordinates(shapely.segmentize(shapely.boundary(shapely.MultiPolygon(big)), 0.05))[::25]
    far = max(nearest(line, x, y).distance_km for x, y in pts)
    assert far <= adv["max_depth_km"] + 1.0

    d = distance_to_other_side(sample_store, "liveuamap-nzz", resolve_one("Kupiansk"), "2022-09-09")
    assert (d["snapshot_date"], d["lag_days"], d["side"], d["to_side"]) == ("2022-09-08", 1, "RU", "UA")
    plon, plat = d["nearest_point"]
    k = resolve_one("Kupiansk")
    assert d["distance_km"] == pytest.approx(GEOD.inv(k.lon, k.lat, plon, plat)[2] / 1000, abs=0.01)


def test_since_names_the_earlier_bigger_window(tmp_path, fresh_store):
    big, small = 0.6, 0.2
    west = 35.0
    files, x = [], west
    for day, cut in (("2022-04-01", 0.0), ("2022-04-04", big), ("2022-05-01", 0.05),
                     ("2022-09-08", 0.05), ("2022-09-11", small)):  # fmt: skip
        losses = box(x, 47.5, x + cut, 49.0) if cut else None
        x += cut
        files.append(nzz_file(tmp_path / f"{day}.json.gz", day, box(x, 47.5, 38.0, 49.0), losses=losses))
    ingest(fresh_store, "liveuamap-nzz", files, workers=1)
    res = since(fresh_store, "liveuamap-nzz", "2022-09-08", "2022-09-11", side="UA")
    assert res["since"]["to_snapshot"] == "2022-04-04"
    assert res["since"]["value"] > res["window"]["value"] > 0
    first = since(fresh_store, "liveuamap-nzz", "2022-04-01", "2022-04-04", side="UA")
    assert first["since"] is None


def test_distance_is_zero_free_and_geodesic_on_real_line(sample_store):
    d = distance_to_other_side(sample_store, "liveuamap-nzz", resolve_one("Kharkiv"), "2022-09-08")
    assert d["side"] == "UA" and d["to_side"] == "RU" and d["distance_km"] > 5
    lons = np.array([d["nearest_point"][0]])
    assert np.isfinite(lons).all()


def test_advance_within_one_map_is_zero(sample_store):
    adv = advance(sample_store, "liveuamap-nzz", "2022-09-09", "2022-09-10", side="UA")
    assert adv["from_snapshot"] == adv["to_snapshot"] == "2022-09-08"
    assert adv["gained_km2"] == 0.0 and adv["max_depth_km"] == 0.0 and adv["km_per_day"] is None


def test_russian_depth_counts_from_the_border_too(sample_store):
    # a piece taken next to the Russian border is not a deep push from the line of contact
    adv = advance(sample_store, "deepstate", "2024-11-13", "2024-11-20", side="RU")
    lon, lat = adv["deepest_point"]
    from frontwatch.frontline import russia_belarus_border

    hist = History(sample_store, "deepstate")
    rec = hist.as_of("2024-11-13").snapshot
    line = line_of_contact(sample_store.layer(rec.id), rec.coverage)
    expected = min(nearest(line, lon, lat).distance_km, nearest(russia_belarus_border(), lon, lat).distance_km)
    assert adv["max_depth_km"] == pytest.approx(expected, abs=0.01)
    assert adv["max_depth_km"] < 15


def _since_cases(hist, days_list=(1, 2, 3, 7)):
    """Windows of each length ending on every other snapshot date."""
    import datetime as dt

    for days in days_list:
        for rec in hist.records[days::2]:
            yield rec.date - dt.timedelta(days=days), rec.date


@pytest.mark.parametrize(("store_name", "source"), [("evolving_store", "liveuamap-nzz"),
                                                    ("sample_store", "liveuamap-nzz"),
                                                    ("sample_store", "deepstate")])  # fmt: skip
def test_pruned_since_is_the_exhaustive_answer(backend, request, monkeypatch, store_name, source):
    import frontwatch.advance as adv

    store = request.getfixturevalue(store_name)
    hist = History(store, source)
    measured = {True: 0, False: 0}
    prune = True
    value = adv._value

    def counted(*args):
        measured[prune] += 1
        return value(*args)

    monkeypatch.setattr(adv, "_value", counted)
    found = 0
    for start, end in _since_cases(hist):
        for side in ("UA", "RU"):
            prune = True
            pruned = since(store, source, start, end, side=side, prune=True)
            prune = False
            assert pruned == since(store, source, start, end, side=side, prune=False)
            found += pruned["since"] is not None
    assert found  # the cases do find earlier windows
    assert measured[True] < measured[False]  # and the bounds spare measurements


def test_pruned_since_by_depth_is_the_exhaustive_answer(evolving_store):
    hist = History(evolving_store, "liveuamap-nzz")
    for start, end in list(_since_cases(hist, (3,)))[-3:]:
        pruned = since(evolving_store, "liveuamap-nzz", start, end, by="depth", prune=True)
        assert pruned == since(evolving_store, "liveuamap-nzz", start, end, by="depth", prune=False)


def test_depth_distances_by_segments_are_those_by_lines(sample_store):
    from frontwatch import _geo, frontline
    from frontwatch.advance import _distances, _distances_plain, _grid
    from frontwatch.changes import layer_differences

    for source, d1, d2 in (("liveuamap-nzz", "2022-09-06", "2022-09-11"), ("deepstate", "2024-11-06", "2024-11-27")):
        hist = History(sample_store, source)
        a, b = hist.as_of(d1).snapshot, hist.as_of(d2).snapshot
        lost, taken = layer_differences(sample_store, a, b)
        line = frontline.to_laea(shapely.segmentize(frontline.front_of(sample_store, a), 0.05))
        for gained in (lost, taken):
            parts = [p for p in _geo.polygons_of(gained) if _geo.area_km2(p) >= MIN_PART_KM2]
            if not parts:
                continue
            pts = _grid(frontline.to_laea(shapely.MultiPolygon(parts)))
            assert np.array_equal(_distances(line, pts), _distances_plain(line, pts))


def test_ranked_points_are_those_of_a_full_sort(sample_store):
    import math

    from frontwatch import _geo, frontline
    from frontwatch.advance import DEPTH_CELL, _distances, _grid, _ranked, _spacing
    from frontwatch.changes import layer_differences

    cases = 0
    windows = (("liveuamap-nzz", "2022-09-06", "2022-09-11"), ("liveuamap-nzz", "2022-08-25", "2022-09-01"),
               ("deepstate", "2024-11-06", "2024-11-27"), ("deepstate", "2024-11-01", "2024-11-08"))  # fmt: skip
    for source, d1, d2 in windows:
        hist = History(sample_store, source)
        a, b = hist.as_of(d1).snapshot, hist.as_of(d2).snapshot
        line = frontline.to_laea(shapely.segmentize(frontline.front_of(sample_store, a), 0.05))
        for gained in layer_differences(sample_store, a, b):
            parts = [p for p in _geo.polygons_of(gained) if _geo.area_km2(p) >= MIN_PART_KM2]
            if not parts:
                continue
            g = frontline.to_laea(shapely.MultiPolygon(parts))
            pts = _grid(g)
            ranks = [len(pts) - 1, min(len(pts) - 1, int(math.ceil(0.9 * len(pts))) - 1), len(pts) // 2, len(pts) // 4]
            order = np.argsort(_distances(line, pts))
            picked = _ranked(line, pts, ranks, cell_m=DEPTH_CELL * _spacing(g))
            assert [tuple(pts[i]) for i in picked] == [tuple(pts[order[r]]) for r in ranks]
            cases += 1
    assert cases >= 4


def test_ranked_points_give_up_on_a_tie_between_different_points():
    from frontwatch.advance import _ranked

    line = shapely.LineString([(0.0, -10_000.0), (0.0, 10_000.0)])
    pts = np.array([[5.0, 0.0], [-5.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    assert _ranked(line, pts, [3], cell_m=1.0) is None  # 5 m east and 5 m west
    same = np.array([[5.0, 0.0], [5.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    assert same[_ranked(line, same, [3], cell_m=1.0)[0]].tolist() == [5.0, 0.0]  # one point, twice


def test_inside_grid_is_contains_xy():
    from frontwatch.advance import _inside_grid

    rng = np.random.default_rng(3)
    blobs = [shapely.Point(rng.uniform(0, 50_000, 2)).buffer(rng.uniform(2_000, 9_000)) for _ in range(12)]
    geom = shapely.difference(shapely.union_all(blobs), shapely.Point(25_000, 25_000).buffer(4_000))
    shapely.prepare(geom)
    gx, gy = np.arange(-5_000.0, 60_000.0, 317.0), np.arange(-5_000.0, 60_000.0, 291.0)
    xs, ys = np.meshgrid(gx, gy)
    expected = np.nonzero(shapely.contains_xy(geom, xs.ravel(), ys.ravel()))[0]
    assert np.array_equal(_inside_grid(geom, gx, gy), expected)


def test_big_parts_are_those_measured_one_by_one(sample_store):
    from frontwatch import _geo
    from frontwatch.advance import _big_parts
    from frontwatch.changes import layer_differences

    hist = History(sample_store, "liveuamap-nzz")
    recs = hist.records
    seen = 0
    for a, b in zip(recs, recs[3:], strict=False):
        for gained in layer_differences(sample_store, a, b):
            fast = _big_parts(gained)
            assert [shapely.to_wkb(p) for p in fast] == [shapely.to_wkb(p) for p in _big_parts(gained, fast=False)]
            seen += len(_geo.polygons_of(gained)) - len(fast)
    assert seen > 10  # slivers were left out
