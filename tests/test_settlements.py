"""Control of places on the bundled sample (liveuamap-nzz, Aug-Sep 2022): statuses from the
snapshots, changes of hands checked against an independent point-in-polygon count."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from frontwatch.gazetteer import gazetteer, resolve_one
from frontwatch.settlements import changed_places, control_timeline, place_control, place_history
from frontwatch.timeline import History

SOURCE = "liveuamap-nzz"


@pytest.fixture(scope="module")
def timeline(sample_store):
    return control_timeline(sample_store, SOURCE)


@pytest.mark.parametrize("name", ["Balakliia", "Izium", "Kupiansk"])
def test_kharkiv_towns_russian_on_6_sept_ukrainian_by_11_sept(sample_store, name):
    p = resolve_one(name)
    before = place_control(sample_store, SOURCE, p, "2022-09-06")
    after = place_control(sample_store, SOURCE, p, "2022-09-11")
    hist = History(sample_store, SOURCE)
    occ6 = sample_store.layer(hist.as_of("2022-09-06").snapshot.id)
    occ11 = sample_store.layer(hist.as_of("2022-09-11").snapshot.id)
    # independent: the point against the raw stored polygons
    assert before["side"] == ("RU" if shapely.intersects_xy(occ6, p.lon, p.lat) else "UA") == "RU"
    assert after["side"] == ("RU" if shapely.intersects_xy(occ11, p.lon, p.lat) else "UA")
    assert (before["snapshot_date"], after["snapshot_date"]) == ("2022-09-06", "2022-09-11")
    assert before["distance_to_front_km"] is not None


def test_balakliia_izium_ukrainian_by_11_sept(sample_store):
    for name in ("Balakliia", "Izium"):
        assert place_control(sample_store, SOURCE, resolve_one(name), "2022-09-11")["side"] == "UA"


def test_kharkiv_changes_of_hands_match_independent_count(sample_store, timeline):
    res = changed_places(sample_store, SOURCE, "2022-09-06", "2022-09-11", timeline=timeline)
    kharkiv = [r for r in res["places"] if r["oblast"] == "Kharkiv" and r["to_side"] == "UA"]
    hist = History(sample_store, SOURCE)
    occ6 = sample_store.layer(hist.as_of("2022-09-06").snapshot.id)
    occ11 = sample_store.layer(hist.as_of("2022-09-11").snapshot.id)
    places = gazetteer().places(oblast="Kharkiv")
    xy = gazetteer().lonlat(places)
    independent = shapely.intersects_xy(occ6, xy[:, 0], xy[:, 1]) & ~shapely.intersects_xy(
        occ11, xy[:, 0], xy[:, 1])  # fmt: skip
    # GeoNames entries of the same name within 1 km are one place: clustered here by a
    # planar distance in metres (equirectangular at each pair's latitude)
    changed = [p for p, m in zip(places, independent, strict=True) if m]
    groups: list[list] = []
    for p in changed:
        home = next((g for g in groups if g[0].name == p.name and _metres(g[0], p) <= 1000.0), None)
        groups.append([p]) if home is None else home.append(p)
    assert len(kharkiv) == len(groups) > 30
    assert {r["geonameid"] for r in kharkiv} == {g[0].geonameid for g in groups}
    assert {i for r in kharkiv for i in r["duplicate_ids"]} == {p.geonameid for g in groups for p in g[1:]}
    doubles = [g for g in groups if len(g) > 1]
    assert doubles and len([n for n in res["notes"] if "GeoNames lists it twice" in n]) == sum(len(g) - 1 for g in doubles)
    counted = {c["oblast"]: c["count"] for c in res["counts_by_oblast"] if c["to_side"] == "UA"}
    assert counted["Kharkiv"] == len(kharkiv)
    assert all("2022-09-06" < r["changed_on"] <= "2022-09-11" for r in kharkiv)


def _metres(a, b) -> float:
    lat = np.radians((a.lat + b.lat) / 2)
    return 6_371_000.0 * float(np.hypot(np.radians(b.lon - a.lon) * np.cos(lat), np.radians(b.lat - a.lat)))


def test_unknown_population_is_none_not_zero():
    village = next(p for p in gazetteer().places(oblast="Kharkiv") if p.population == 0)
    assert village.as_dict()["population"] is None
    assert resolve_one("Kupiansk").as_dict()["population"] == resolve_one("Kupiansk").population > 0


def test_history_transitions_come_from_snapshots(sample_store):
    h = place_history(sample_store, SOURCE, resolve_one("Izium"))
    sides = [t["side"] for t in h["transitions"]]
    assert sides == ["RU", "UA"]
    assert h["transitions"][1]["snapshot_date"] == "2022-09-11"


def test_identical_snapshots_keep_status(sample_store, timeline):
    # byte-identical daily files are one snapshot: the timeline has one entry per distinct map
    assert len(timeline.records) == len(sample_store.snapshots(SOURCE))
    k = timeline.index_of("2022-09-10")
    assert timeline.records[k].valid_date == "2022-09-08"
    assert (timeline.status_at(k) == timeline.status_at(timeline.index_of("2022-09-09"))).all()


def test_crimea_is_not_covered_by_liveuamap(sample_store):
    row = place_control(sample_store, SOURCE, resolve_one("Simferopol"), "2022-09-08")
    assert row["status"] == "not covered"


def test_window_and_timeline_methods_agree(sample_store, timeline):
    direct = changed_places(sample_store, SOURCE, "2022-08-20", "2022-09-20")
    via_tl = changed_places(sample_store, SOURCE, "2022-08-20", "2022-09-20", timeline=timeline)
    key = lambda res: sorted((r["geonameid"], r["to_side"], r["changed_on"]) for r in res["places"])  # noqa: E731
    assert key(direct) == key(via_tl) and len(direct["places"]) > 100
