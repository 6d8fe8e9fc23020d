"""The store: migrations, transactions, GeoPackage compatibility, default location (the
tests with a ``fresh_store`` or ``store_at`` run on each backend)."""

import pyogrio
import pytest
import shapely
from shapely.geometry import box

from frontwatch.errors import StoreError
from frontwatch.ingest import ingest
from frontwatch.store import SQLiteStore, default_db_path
from frontwatch.store.migrations import MIGRATIONS
from tests.conftest import nzz_file


def test_migrations_are_recorded_once(db_path):
    SQLiteStore(db_path).close()
    store = SQLiteStore(db_path)
    rows = store.conn.execute("SELECT version FROM fw_migrations").fetchall()
    assert [r[0] for r in rows] == [v for v, _, _ in MIGRATIONS]
    store.close()


def test_store_file_opens_as_geopackage(tmp_path, db_path):
    store = SQLiteStore(db_path)
    f = nzz_file(tmp_path / "2022-09-08.json.gz", "2022-09-08", box(36.5, 49.5, 37.5, 50.0))
    ingest(store, "liveuamap-nzz", [f], workers=1)
    store.close()
    layers = pyogrio.list_layers(db_path)
    assert "snapshot_layers" in [row[0] for row in layers]
    info = pyogrio.read_info(db_path, layer="snapshot_layers")
    assert info["features"] == 1
    assert "4326" in info["crs"]
    _, _, geoms, fields = pyogrio.raw.read(db_path, layer="snapshot_layers")
    assert len(geoms) == 1


def test_transaction_rolls_back_on_error(fresh_store):
    with pytest.raises(RuntimeError):
        with fresh_store.transaction():
            fresh_store.add_file("abc", "x", "f", 1, [], 0)
            raise RuntimeError("boom")
    assert fresh_store.file_record("abc") is None


def test_not_a_store_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.gpkg"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="is not a Frontwatch store"):
        SQLiteStore(bad)


def test_default_db_path_honours_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FRONTWATCH_DB", str(tmp_path / "x.gpkg"))
    assert default_db_path() == tmp_path / "x.gpkg"


def test_nested_transaction_is_a_savepoint(fresh_store):
    """A failure in an inner block undoes that block only; the outer one commits."""
    with fresh_store.transaction():
        fresh_store.add_file("kept", "x", "a", 1, [], 0)
        with pytest.raises(RuntimeError):
            with fresh_store.transaction():
                fresh_store.add_file("undone", "x", "b", 1, [], 0)
                raise RuntimeError("bad file")
        fresh_store.add_file("kept too", "x", "c", 1, [], 0)
    assert fresh_store.file_record("kept") and fresh_store.file_record("kept too")
    assert fresh_store.file_record("undone") is None


def test_records_are_parsed_once_and_dropped_when_the_store_changes(tmp_path, store_at):
    from frontwatch.timeline import History

    store = store_at("shared")
    f1 = nzz_file(tmp_path / "2022-09-08.json.gz", "2022-09-08", box(36.5, 49.5, 37.5, 50.0))
    ingest(store, "liveuamap-nzz", [f1], workers=1)
    first = store.snapshots("liveuamap-nzz")
    assert store.snapshots("liveuamap-nzz")[0] is first[0]  # kept, not parsed again
    # a write through this connection
    f2 = nzz_file(tmp_path / "2022-09-09.json.gz", "2022-09-09", box(36.5, 49.5, 37.6, 50.0))
    ingest(store, "liveuamap-nzz", [f2], workers=1)
    assert [r.valid_date for r in History(store, "liveuamap-nzz").records] == ["2022-09-08", "2022-09-09"]
    # a commit by another connection
    other = store_at("shared")
    rec = other.snapshots("liveuamap-nzz")[1]
    other.update_snapshot(rec.id, flags=[{"type": "manual", "message": "checked by hand"}])
    other.close()
    assert [r.flags for r in store.snapshots("liveuamap-nzz")][1] == [{"type": "manual", "message": "checked by hand"}]
    store.close()


def test_derived_results_are_dropped_when_a_layer_changes(tmp_path, fresh_store):
    f1 = nzz_file(tmp_path / "2022-09-08.json.gz", "2022-09-08", box(36.5, 49.5, 37.5, 50.0))
    ingest(fresh_store, "liveuamap-nzz", [f1], workers=1)
    (rec,) = fresh_store.snapshots("liveuamap-nzz")
    made = []
    make = lambda: made.append(1) or len(made)  # noqa: E731
    assert fresh_store.derived(("x", rec.id), make) == 1
    assert fresh_store.derived(("x", rec.id), make) == 1
    fresh_store.replace_layer(rec.id, "unexplained", box(36.6, 49.6, 36.7, 49.7))
    assert fresh_store.derived(("x", rec.id), make) == 2


def test_plain_store_keeps_nothing(tmp_path, store_at):
    store = store_at("plain", fast_paths=False)
    f1 = nzz_file(tmp_path / "2022-09-08.json.gz", "2022-09-08", box(36.5, 49.5, 37.5, 50.0))
    ingest(store, "liveuamap-nzz", [f1], workers=1)
    assert store.snapshots("liveuamap-nzz")[0] is not store.snapshots("liveuamap-nzz")[0]
    made = []
    store.derived("k", lambda: made.append(1))
    store.derived("k", lambda: made.append(1))
    assert made == [1, 1]
    store.close()


KHARKIV = box(36.5, 49.5, 37.5, 50.0)


def test_ingest_records_each_sources_credit_and_queries_read_it_from_the_store(tmp_path, fresh_store):
    # #12: the credit an adapter declares is stored with its maps; the analyses read it there
    import orjson
    from shapely.geometry import mapping

    from frontwatch import areas, changes, export, inventory
    from frontwatch.sources import geojson, liveuamap_nzz
    from frontwatch.store.model import SourceInfo

    files = [nzz_file(tmp_path / f"2022-09-0{d}.json.gz", f"2022-09-0{d}", KHARKIV) for d in (7, 8)]
    ingest(fresh_store, "liveuamap-nzz", files, workers=1)
    mine = tmp_path / "mine.geojson"
    mine.write_bytes(orjson.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": mapping(KHARKIV)}]}))  # fmt: skip
    ingest(fresh_store, "geojson", [mine], workers=1, options={"date": "2024-05-01", "source": "mine"})
    nzz = SourceInfo(liveuamap_nzz.TITLE, liveuamap_nzz.ATTRIBUTION, liveuamap_nzz.COVERAGE_NOTE)
    user = SourceInfo(geojson.TITLE, geojson.ATTRIBUTION, geojson.COVERAGE_NOTE)
    assert fresh_store.source_credits() == {"liveuamap-nzz": nzz, "mine": user}
    assert fresh_store.source_info("mine") == user
    assert areas.area_on(fresh_store, "liveuamap-nzz", "2022-09-08")["attribution"] == nzz.attribution
    ch = changes.change_between(fresh_store, "liveuamap-nzz", "2022-09-07", "2022-09-08")
    assert ch["attribution"] == nzz.attribution
    assert {r["source"]: (r["title"], r["attribution"]) for r in inventory.sources_summary(fresh_store)} == {
        "liveuamap-nzz": (nzz.title, nzz.attribution), "mine": (user.title, user.attribution)}  # fmt: skip
    assert {(r.credit.attribution, r.credit.coverage) for r in export.rows(fresh_store, "mine")} == {
        (user.attribution, user.coverage)}  # fmt: skip
    # a credit the store holds is what queries give, whatever the adapter says today
    reworded = SourceInfo(nzz.title, "liveuamap, reworded", nzz.coverage)
    with fresh_store.transaction():
        fresh_store.record_source("liveuamap-nzz", reworded)
    assert areas.area_on(fresh_store, "liveuamap-nzz", "2022-09-08")["attribution"] == "liveuamap, reworded"
    # ...until the source's next ingest records its adapter's again
    ingest(fresh_store, "liveuamap-nzz", files, workers=1)
    assert fresh_store.source_info("liveuamap-nzz") == nzz


def test_a_store_without_credits_says_so_and_its_next_ingest_records_every_sources(tmp_path):
    # a store written before credits were stored (schema 6: no fw_sources) is read as it
    # is; an ingest of any source upgrades it and records the credit of every source in it
    import sqlite3

    from frontwatch import areas
    from frontwatch.sources import deepstate, liveuamap_nzz
    from frontwatch.store.model import SourceInfo

    path = tmp_path / "old.gpkg"
    store = SQLiteStore(path, create=True)
    ingest(store, "liveuamap-nzz", [nzz_file(tmp_path / "2022-09-08.json.gz", "2022-09-08", KHARKIV)], workers=1)
    store.close()
    version = next(v for v, name, _ in MIGRATIONS if name == "sources' credits")
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE fw_sources")
        conn.execute("DELETE FROM fw_migrations WHERE version >= ?", (version,))
    old = SQLiteStore(path)
    assert old.source_credits() == {}
    expected = "liveuamap-nzz (credit not recorded in this store: ingest again to record it)"
    assert areas.area_on(old, "liveuamap-nzz", "2022-09-08")["attribution"] == expected
    old.close()
    daily = tmp_path / "deepstatemap_data_20241115.geojson"
    daily.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
                     f'"geometry": {shapely.to_geojson(KHARKIV)}}}]}}')  # fmt: skip
    store = SQLiteStore(path, create=True)
    try:
        ingest(store, "deepstate", [daily], workers=1)
        assert store.source_credits() == {
            "deepstate": SourceInfo(deepstate.TITLE, deepstate.ATTRIBUTION, deepstate.COVERAGE_NOTE),
            "liveuamap-nzz": SourceInfo(liveuamap_nzz.TITLE, liveuamap_nzz.ATTRIBUTION, liveuamap_nzz.COVERAGE_NOTE),
        }
        assert areas.area_on(store, "liveuamap-nzz", "2022-09-08")["attribution"] == liveuamap_nzz.ATTRIBUTION
    finally:
        store.close()
