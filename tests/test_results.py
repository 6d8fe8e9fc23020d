"""Typed results (#12): ``as_dict()`` is the JSON, geometries stay attributes, the mapping
view reads the same fields; values checked against a second computation."""

from __future__ import annotations

import dataclasses

import orjson
import pytest
import shapely
from pyproj import Geod

from frontwatch import advance, areas, changes, frontline, settlements
from frontwatch._format import to_json
from frontwatch.gazetteer import Place, resolve_one
from frontwatch.results import Result
from tests.conftest import equal_area_km2

WEEK = ("liveuamap-nzz", "2022-09-04", "2022-09-11")


def test_a_change_keeps_its_geometries_out_of_its_json(sample_store):
    ch = changes.change_between(sample_store, *WEEK, by_oblast=True, geometry=True)
    d = ch.as_dict()
    assert "geometries" not in d and list(d)[-2:] == ["provenance", "by_oblast"]
    assert orjson.loads(to_json(ch)) == orjson.loads(orjson.dumps(d))  # the CLI's writer calls as_dict()
    # the pieces measured a second way (equal-area projection) give the km² of the fields
    assert equal_area_km2(ch.geometries["ua_gain"]) == pytest.approx(ch.ua_gain_km2, rel=2e-3)
    assert equal_area_km2(ch.geometries["ru_gain"]) == pytest.approx(ch.ru_gain_km2, rel=2e-3, abs=0.1)
    assert sum(o.ua_gain_km2 for o in ch.by_oblast) == pytest.approx(ch.ua_gain_km2, abs=0.05 * len(ch.by_oblast))
    assert d["by_oblast"][0] == dataclasses.asdict(ch.by_oblast[0])
    assert ch.net_km2 == pytest.approx(ch.ru_gain_km2 - ch.ua_gain_km2, abs=0.15)  # three roundings to 0.1


def test_the_mapping_view_reads_the_fields_and_only_the_present_ones(sample_store):
    ch = changes.change_between(sample_store, *WEEK)
    assert ch["ua_gain_km2"] == ch.ua_gain_km2 and ch.get("net_km2") == ch.net_km2
    assert "by_oblast" not in ch and ch.get("by_oblast", []) == [] and "geometries" not in ch
    with pytest.raises(KeyError):
        ch["geometries"]
    with pytest.raises(KeyError):
        ch["no_such_field"]
    assert ch.keys() == list(ch.as_dict()) and list({**ch}) == list(ch.as_dict())
    with pytest.raises(dataclasses.FrozenInstanceError):
        ch.ua_gain_km2 = 0.0  # type: ignore[misc]


def test_since_and_top_agree_with_the_change_they_rank(sample_store):
    ch = changes.change_between(sample_store, "liveuamap-nzz", "2022-09-08", "2022-09-11")
    s = advance.since(sample_store, "liveuamap-nzz", "2022-09-08", "2022-09-11")
    assert isinstance(s.window, advance.SinceWindow) and s.window.value == ch.ua_gain_km2
    assert s.as_dict()["window"] == {**dict(list(s.window.as_dict().items())), "value": ch.ua_gain_km2}
    assert "from_lag_days" in s.as_dict()["window"]
    top = changes.top_windows(sample_store, "liveuamap-nzz", days=3, limit=2)
    assert [w.rank for w in top] == [1, 2] and top[0].gained_km2 >= top[1].gained_km2
    again = changes.change_between(sample_store, "liveuamap-nzz", top[0].from_snapshot, top[0].to_snapshot)
    assert top[0].ua_gain_km2 == again.ua_gain_km2 == top[0].gained_km2


def test_distance_and_front_keep_the_place_and_the_line_as_objects(sample_store):
    kup = resolve_one("Kupiansk")
    d = advance.distance_to_other_side(sample_store, "liveuamap-nzz", kup, "2022-09-08")
    assert isinstance(d.place, Place) and d.as_dict()["place"] == kup.as_dict()
    # the nearest point, measured back with pyproj: the distance of the field
    geod = Geod(ellps="WGS84")
    km = geod.inv(kup.lon, kup.lat, *d.nearest_point)[2] / 1000
    assert km == pytest.approx(d.distance_km, abs=0.01)
    f = frontline.front_on(sample_store, "deepstate", "2024-11-15")
    assert isinstance(f.geometry, shapely.MultiLineString) and "geometry" not in f.as_dict()
    assert geod.geometry_length(f.geometry) / 1000 == pytest.approx(f.length_km, abs=0.1)


def test_series_places_and_summaries_are_lists_of_results(sample_store):
    rows = areas.series(sample_store, "deepstate", every="week")
    assert all(isinstance(r, areas.SeriesRow) for r in rows) and rows[0].net_km2 is None
    for prev, row in zip(rows, rows[1:], strict=False):
        assert row.net_km2 == pytest.approx(row.occupied_km2 - prev.occupied_km2, abs=0.15)
    ch = settlements.changed_places(sample_store, *WEEK, oblast="Kharkiv")
    assert sum(c.count for c in ch.counts_by_oblast) == len(ch.places) > 0
    assert isinstance(ch.places[0], settlements.PlaceChange) and ch.as_dict()["places"][0]["changed_on"]
    from frontwatch.inventory import sources_summary

    summary = {s.source: s for s in sources_summary(sample_store)}
    assert summary["deepstate"].snapshots == len(sample_store.snapshots("deepstate"))


def test_every_exported_result_is_a_result():
    import frontwatch as fw

    types = {n for n in fw.__all__ if isinstance(getattr(fw, n), type) and issubclass(getattr(fw, n), Result)}
    assert {"Area", "Change", "Advance", "Distance", "Front", "PlaceControl", "SourceSummary"} <= types
