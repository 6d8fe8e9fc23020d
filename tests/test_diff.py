"""Differences of two layers overlaid only where their edges differ (frontwatch._diff)
against two plain overlays of the whole layers: synthetic maps with seeded random edits,
the cases the method's argument rests on, and the bundled sample."""

from __future__ import annotations

import random

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

from frontwatch import _diff, _geo
from frontwatch.changes import windows
from frontwatch.timeline import History

REL = 1e-9
"""Relative agreement of areas (the two methods run different overlays)."""
ABS_KM2 = 1e-6
"""Absolute agreement (km²) for areas near zero: a sliver a square metre wide."""


def _plain(a, b):
    return _geo.difference(a, b), _geo.difference(b, a)


def _assert_same(fast, plain):
    for f, p in zip(fast, plain, strict=True):
        fa, pa = _geo.area_km2(f), _geo.area_km2(p)
        assert fa == pytest.approx(pa, rel=REL, abs=ABS_KM2)
        # the same ground, not only the same area
        assert _geo.area_km2(shapely.symmetric_difference(f, p)) == pytest.approx(0.0, abs=ABS_KM2 + REL * pa)


def _front(rng: random.Random) -> shapely.Geometry:
    """An occupied area: a union of random boxes and discs over eastern Ukraine (a GEOS
    result, as stored layers are)."""
    parts = [box(36.0, 47.0, 38.5, 49.5)]
    for _ in range(30):
        x, y = rng.uniform(35.5, 38.5), rng.uniform(46.8, 49.8)
        parts.append(Point(x, y).buffer(rng.uniform(0.05, 0.4), quad_segs=rng.randint(16, 64)))
    return shapely.union_all(parts)


def _edit(a: shapely.Geometry, rng: random.Random, n: int) -> shapely.Geometry:
    """``a`` with ``n`` local gains and losses (bumps and dents of a few km)."""
    b = a
    for _ in range(n):
        x, y = rng.uniform(35.4, 38.8), rng.uniform(46.7, 49.9)
        blob = Point(x, y).buffer(rng.uniform(0.01, 0.08), quad_segs=rng.randint(2, 8))
        b = shapely.union(b, blob) if rng.random() < 0.5 else shapely.difference(b, blob)
    return b


@pytest.mark.parametrize("seed", range(25))
def test_local_differences_match_plain_overlays_on_random_edits(seed):
    rng = random.Random(seed)
    a = _front(rng)
    b = _edit(a, rng, rng.randint(1, 8))
    fast = _diff.differences(a, b)
    assert fast is not None  # a few edits: the local method applies
    _assert_same(fast, _plain(a, b))
    _assert_same(_geo.split_difference(a, b), _plain(a, b))


def test_identical_layers_differ_nowhere():
    a = _front(random.Random(1))
    ua, ru = _diff.differences(a, shapely.from_wkb(shapely.to_wkb(a)))
    assert ua.is_empty and ru.is_empty


def test_ground_changing_sides_along_a_shared_edge_goes_to_each_side():
    # x and y meet along x = 37; A holds x, B holds y. One symmetric-difference overlay
    # makes x ∪ y a single piece, which a split by a probe point gives wholly to one side.
    base = box(35.0, 47.0, 36.0, 49.0)
    x, y = box(36.5, 47.5, 37.0, 48.0), box(37.0, 47.5, 37.5, 48.0)
    a, b = shapely.union(base, x), shapely.union(base, y)
    ua, ru = _geo.split_difference(a, b)
    assert _geo.area_km2(ua) == pytest.approx(_geo.area_km2(x), rel=1e-12)
    assert _geo.area_km2(ru) == pytest.approx(_geo.area_km2(y), rel=1e-12)
    _assert_same((ua, ru), _plain(a, b))


def _detailed_box(*bounds) -> shapely.Geometry:
    """A box with a vertex every 0.01° (a stored layer has thousands of vertices; edits
    touching a large share of the edges go to the plain overlays)."""
    return shapely.segmentize(box(*bounds), 0.01)


def test_a_new_hole_and_an_island_inside_one():
    a = _detailed_box(35.0, 47.0, 38.0, 49.0)
    hole = Point(36.5, 48.0).buffer(0.3)
    b = shapely.difference(a, hole)  # Ukraine retakes ground in the middle
    c = shapely.union(b, Point(36.5, 48.0).buffer(0.1))  # and Russia an island inside it
    for x, y in ((a, b), (b, a), (b, c), (a, c), (c, a)):
        fast = _diff.differences(x, y)
        assert fast is not None
        _assert_same(fast, _plain(x, y))


def test_changes_on_grid_lines_stay_inside_their_boxes():
    # edits whose edges lie exactly on the boxes' grid (multiples of GRID_DEG)
    g = _diff.GRID_DEG
    a = _detailed_box(36.0, 47.0, 38.0, 49.0)
    b = shapely.difference(a, box(36.0, 47.0 + 10 * g, 36.0 + 3 * g, 47.0 + 12 * g))
    b = shapely.union(b, box(38.0, 48.0, 38.0 + g, 48.0 + g))
    _assert_same(_diff.differences(a, b), _plain(a, b))


def test_boxes_are_disjoint_and_hold_every_run():
    rng = np.random.default_rng(7)
    lo = rng.uniform([35.0, 47.0], [38.0, 49.0], size=(200, 2))
    runs = np.column_stack([lo, lo + rng.uniform(0.0, 0.1, size=(200, 2))])
    boxes = _diff.change_boxes(runs)
    geoms = shapely.box(*boxes.T)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    assert (left == right).all()  # each box meets only itself
    pad = _diff.PAD_DEG * (1 - 1e-9)
    for r in runs:
        inner = box(r[0] - pad, r[1] - pad, r[2] + pad, r[3] + pad)
        assert shapely.covers(geoms, inner).any()


def test_redrawn_map_falls_back_to_the_plain_overlays():
    # every vertex moved by a tenth of a millidegree (a map drawn again): nothing to save
    a = _front(random.Random(3))
    b = shapely.transform(a, lambda xy: xy + 1e-4)
    assert _diff.differences(a, b) is None
    _assert_same(_geo.split_difference(a, b), _plain(a, b))


@pytest.mark.parametrize("seed", range(5))
def test_a_re_exported_map_is_snapped_onto_the_last_one(seed):
    # ISW's layers come back from each export with every vertex moved by ~4e-9° (half a
    # millimetre): snapped onto the previous map's vertices, the differences are the real
    # edits, as the overlays of the unjittered maps give them; the plain overlays of the
    # jittered map add only hairline slivers (far below 0.01 km²)
    rng = random.Random(seed)
    a = _front(rng)
    edited = _edit(a, rng, rng.randint(1, 6))
    phase = random.Random(seed).uniform(0, 6)  # the same point always moves the same way
    b = shapely.transform(edited, lambda xy: xy + 4e-9 * np.sin(xy[:, ::-1] * 1e5 + phase))
    assert shapely.is_valid(b)
    fast = _diff.differences(a, b)
    assert fast is not None
    for f, p in zip(fast, _plain(a, edited), strict=True):  # new vertices keep their jitter: 100 m²
        assert _geo.area_km2(shapely.symmetric_difference(f, p)) == pytest.approx(0.0, abs=1e-4)
    for f, p in zip(fast, _plain(a, b), strict=True):
        assert _geo.area_km2(f) == pytest.approx(_geo.area_km2(p), abs=0.01)


def test_edge_matching_is_exact_not_by_hash():
    e = np.array([[36.0, 47.0, 36.5, 47.0], [36.5, 47.0, 36.5, 47.5], [36.5, 47.5, 36.0, 47.0]])
    moved = e.copy()
    moved[1, 3] = np.nextafter(47.5, 48.0)  # one coordinate one ulp away
    only_a, only_b = _diff.unmatched(e, moved)
    assert only_a.tolist() == [False, True, False]
    assert only_b.tolist() == [False, True, False]


def test_sample_pairs_agree_with_plain_overlays(sample_store):
    for source in ("liveuamap-nzz", "deepstate"):
        hist = History(sample_store, source)
        recs = hist.records
        pairs = list(zip(recs, recs[1:], strict=False))
        pairs += [(a, b) for _, a, b in windows(hist, 7, hist.first_date, hist.last_date)]
        for a, b in pairs:
            la, lb = sample_store.layer(a.id), sample_store.layer(b.id)
            _assert_same(_geo.split_difference(la, lb), _plain(la, lb))


def test_big_layers_overlaid_in_two_threads_give_the_same_differences():
    a = shapely.segmentize(_front(random.Random(4)), 0.002)
    b = shapely.transform(a, lambda xy: xy + 1e-4)  # redrawn: the plain overlays run
    assert shapely.get_num_coordinates(a) * 2 >= _diff.THREAD_MIN_COORDS
    threaded = _geo.split_difference(a, b)
    for got, want in zip(threaded, _plain(a, b), strict=True):
        assert shapely.to_wkb(got) == shapely.to_wkb(want)
