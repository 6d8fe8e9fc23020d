"""Both backends on real maps: a subset of ../shared/data (August to December 2022 on
liveuamap-nzz, with the counteroffensives of Kharkiv and Kherson; November 2024 on
DeepState's daily mirror) ingested into a SQLite store and into a PostGIS store, which must
give the same ``area``, ``change`` and ``place`` answers, provenance and all but the ingest
time (skipped without the data or without ``FRONTWATCH_TEST_POSTGIS``). The whole history
is measured on both in docs/scale.md; ingested here too, it would double the full-data
tests' time."""

from __future__ import annotations

import pytest

from frontwatch.areas import area_on, series
from frontwatch.changes import change_between
from frontwatch.gazetteer import resolve_one
from frontwatch.ingest import ingest
from frontwatch.results import plain
from frontwatch.settlements import changed_places, place_control
from tests.conftest import Stores, need_postgis

pytestmark = pytest.mark.shared_data


def _subset(data):
    daily = data / "liveuamap-nzz" / "daily"
    lua = sorted([*daily.glob("2022-0[89]-*.json.gz"), *daily.glob("2022-1?-*.json.gz")])
    ds = sorted((data / "deepstate" / "daily").glob("deepstatemap_data_202411*.geojson.gz"))
    return {"liveuamap-nzz": lua, "deepstate": ds}


def same(answer):
    """An answer without its ingest times (the two stores were filled one after the other)."""
    answer = plain(answer)  # typed results as their dicts
    if isinstance(answer, dict):
        return {k: same(v) for k, v in answer.items() if k != "ingested_at"}
    if isinstance(answer, list):
        return [same(v) for v in answer]
    return answer


@pytest.fixture(scope="module")
def both(shared_data, tmp_path_factory):
    url = need_postgis()
    assert url
    subset = _subset(shared_data)
    made = {}
    for backend in ("sqlite", "postgis"):
        stores = Stores(backend, tmp_path_factory.mktemp(backend))
        store = stores("subset")
        for source, files in subset.items():
            summary = ingest(store, source, files)
            assert summary.errors == []
        made[backend] = (stores, store)
    yield made["sqlite"][1], made["postgis"][1]
    for stores, _ in made.values():
        stores.close()


def test_postgis_and_sqlite_hold_the_same_snapshots(both):
    lite, pg = both

    def rows(s):
        return [(r.source, r.valid_time, r.geom_hash, r.occupied_km2, r.excluded, r.flags, r.warnings)
                for r in s.snapshots(usable_only=False)]  # fmt: skip

    assert rows(pg) == rows(lite)
    assert len(rows(pg)) > 50


@pytest.mark.parametrize(("source", "day"), [("liveuamap-nzz", "2022-09-08"), ("liveuamap-nzz", "2022-09-30"),
                                             ("deepstate", "2024-11-15")])  # fmt: skip
def test_postgis_and_sqlite_give_the_same_area(both, source, day):
    lite, pg = both
    assert same(area_on(pg, source, day)) == same(area_on(lite, source, day))
    assert same(area_on(pg, source, day, land_only=True)) == same(area_on(lite, source, day, land_only=True))


def test_postgis_and_sqlite_give_the_same_changes(both):
    lite, pg = both
    for source, start, end in [("liveuamap-nzz", "2022-09-04", "2022-09-11"), ("deepstate", "2024-11-01", "2024-11-29")]:
        ours = change_between(pg, source, start, end, by_oblast=True)
        assert same(ours) == same(change_between(lite, source, start, end, by_oblast=True))
        assert ours["ua_gain_km2"] + ours["ru_gain_km2"] > 100
    assert same(series(pg, "liveuamap-nzz", every="week")) == same(series(lite, "liveuamap-nzz", every="week"))


def test_postgis_and_sqlite_give_the_same_places(both):
    lite, pg = both
    for name in ("Balakliia", "Izium", "Kupiansk", "Lyman"):
        p = resolve_one(name, oblast="Donetsk" if name == "Lyman" else None)
        for day in ("2022-09-06", "2022-09-11", "2022-09-30"):
            assert same(place_control(pg, "liveuamap-nzz", p, day)) == same(place_control(lite, "liveuamap-nzz", p, day))
    changed = changed_places(pg, "liveuamap-nzz", "2022-09-04", "2022-09-11")
    assert same(changed) == same(changed_places(lite, "liveuamap-nzz", "2022-09-04", "2022-09-11"))
    assert len(changed["places"]) > 30


def test_postgis_and_sqlite_keep_the_same_window_tables_and_rank_alike(both):
    """(#14) Ingest into PostGIS builds the same bounds of every window as into the file,
    so rankings there measure as few windows, and give the same answers."""
    from frontwatch.changes import top_windows

    lite, pg = both
    for source in ("liveuamap-nzz", "deepstate"):
        assert pg.window_table(source) == lite.window_table(source) is not None
    for source, days, side in [("liveuamap-nzz", 7, "UA"), ("liveuamap-nzz", 30, "RU"), ("deepstate", 3, "RU")]:
        ours = top_windows(pg, source, days=days, side=side, limit=5)
        assert same(ours) == same(top_windows(lite, source, days=days, side=side, limit=5))
        assert same(ours) == same(top_windows(pg, source, days=days, side=side, limit=5, prune=False))
