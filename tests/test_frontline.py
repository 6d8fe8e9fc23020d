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
