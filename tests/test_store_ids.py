"""Snapshot ids are never reused (#13): a removed map's id is not handed to the next one,
on either backend, and a store of schema 6 is migrated to AUTOINCREMENT keeping every row."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyogrio
import pytest
from shapely.geometry import box

import frontwatch.ingest as ingest_module
import frontwatch.store.migrations as migrations
import frontwatch.store.sqlite as store_sqlite
from frontwatch.ingest import ingest
from frontwatch.remove import remove_snapshots
from frontwatch.store import SQLiteStore
from tests.conftest import SAMPLES, nzz_file

NZZ = "liveuamap-nzz"
V6 = 6
"""The schema before snapshot ids were made monotonic."""


def test_a_removed_snapshots_id_is_never_given_again(store_at, tmp_path):
    """Found by the reliability review: SQLite gave the newest map's id, once removed, to
    the next map ingested, so another connection's cached geometry (or a step computed
    for the removed map) could be taken for the new one's."""
    store = store_at("ids")
    maps = [nzz_file(tmp_path / f"2025-01-0{d}.json.gz", f"2025-01-0{d}", box(36.0, 49.0, 37.0 + 0.01 * d, 50.0))
            for d in (1, 2, 3)]  # fmt: skip
    ingest(store, NZZ, maps, workers=1)
    assert len(store.snapshots(NZZ)) == 3
    newest = max(store.snapshots(NZZ), key=lambda r: r.id)  # (the id SQLite would give again)
    remove_snapshots(store, NZZ, snapshot_id=newest.id)
    assert max(r.id for r in store.snapshots(NZZ, usable_only=False)) < newest.id
    later = nzz_file(tmp_path / "2030-01-01.json.gz", "2030-01-01", box(36.5, 49.5, 37.5, 50.0))
    ingest(store, NZZ, [later], workers=1)
    (new,) = [r for r in store.snapshots(NZZ) if r.valid_date == "2030-01-01"]
    assert new.id > newest.id
    remove_snapshots(store, NZZ, snapshot_id=new.id)  # (and again, after the first new one)
    again = nzz_file(tmp_path / "2030-01-02.json.gz", "2030-01-02", box(36.5, 49.5, 37.6, 50.0))
    ingest(store, NZZ, [again], workers=1)
    assert store.snapshots(NZZ)[-1].id > new.id


def rows(db: Path) -> dict[str, list[tuple]]:
    """Every row a store holds (layers by fid with their blobs), and its GeoPackage tables."""
    conn = sqlite3.connect(db)
    try:
        out = {t: [tuple(r) for r in conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2")]
               for t in ("fw_snapshots", "snapshot_layers", "fw_files", "fw_steps", "fw_changes", "fw_ingests",
                         "gpkg_contents", "gpkg_geometry_columns", "gpkg_spatial_ref_sys", "gpkg_extensions")}  # fmt: skip
        out["rtree"] = [tuple(r) for r in conn.execute("SELECT * FROM rtree_snapshot_layers_geom ORDER BY id")]
        return out
    finally:
        conn.close()


@pytest.fixture
def v6_store(tmp_path, monkeypatch) -> Path:
    """A store of schema 6 with the sample ingested, built by this code with its later
    migrations held back."""
    db = tmp_path / "v6.gpkg"
    with monkeypatch.context() as m:
        m.setattr(migrations, "MIGRATIONS", [x for x in migrations.MIGRATIONS if x[0] <= V6])
        m.setattr(store_sqlite, "LATEST", V6)
        m.setattr(ingest_module, "_record_credits", lambda store, source: None)  # (schema 7's table)
        m.setattr(ingest_module.arrangement, "refresh", lambda *a, **kw: False)  # (schema 9's table)
        with SQLiteStore(db) as s:
            ingest(s, NZZ, [SAMPLES / NZZ], workers=1)
            ingest(s, "deepstate", [SAMPLES / "deepstate"], workers=1)
            with s.transaction():  # (a pair's area as versions before #13's last items kept them)
                a, b = s.snapshots(NZZ)[0], s.snapshots(NZZ)[-1]
                s.conn.execute("INSERT INTO fw_changes VALUES (?, ?, 1.5, 2.5)", (a.id, b.id))
            assert s.conn.execute("SELECT max(version) FROM fw_migrations").fetchone()[0] == V6
            assert "AUTOINCREMENT" not in s.conn.execute(
                "SELECT sql FROM sqlite_master WHERE name = 'fw_snapshots'").fetchone()[0]  # fmt: skip
    return db


def test_a_schema_6_store_is_migrated_keeping_every_row(v6_store, tmp_path):
    before = rows(v6_store)
    with SQLiteStore(v6_store, read_only=True) as s:  # a query reads it as it is
        assert len(s.snapshots(usable_only=False)) == len(before["fw_snapshots"])
    assert rows(v6_store) == before
    with SQLiteStore(v6_store) as s:  # a writer migrates it
        versions = [r[0] for r in s.conn.execute("SELECT version FROM fw_migrations ORDER BY version")]
        assert versions == [v for v, _, _ in migrations.MIGRATIONS]
    after = rows(v6_store)
    assert after == before
    conn = sqlite3.connect(v6_store)
    try:
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'fw_snapshots'").fetchone()[0]
        assert "id INTEGER PRIMARY KEY AUTOINCREMENT" in sql
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'fw_snapshots'"
                                               " AND type = 'index'")}  # fmt: skip
        assert indexes == {"fw_snapshots_time", "fw_snapshots_day"}
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        # every table that refers to the snapshots still names the table
        for table in ("snapshot_layers", "fw_steps", "fw_changes"):
            targets = {r[2] for r in conn.execute(f"PRAGMA foreign_key_list({table})")}
            assert targets == {"fw_snapshots"}, table
    finally:
        conn.close()
    info = pyogrio.read_info(v6_store, layer="snapshot_layers")  # (GDAL still reads the GeoPackage)
    assert info["features"] == len(before["snapshot_layers"])
    assert info["capabilities"]["fast_spatial_filter"] is True
    with SQLiteStore(v6_store) as s:  # and from now on a freed id is not given again (one freed
        last = max(s.snapshots(usable_only=False), key=lambda r: r.id)  # under schema 6 could be)
        remove_snapshots(s, last.source, snapshot_id=last.id)
        ingest(s, NZZ, [nzz_file(tmp_path / "2030-01-01.json.gz", "2030-01-01", box(36.5, 49.5, 37.5, 50.0))],
               workers=1)  # fmt: skip
        assert s.snapshots(NZZ)[-1].id > last.id


def test_another_connections_commit_keeps_the_cached_occupied_layers(tmp_path):
    """Ids are never given twice, so a commit by another connection no longer empties the
    geometry cache: occupied layers stay (they never change under their id); the other
    layers, which quality checks may store again, are read again."""
    db = tmp_path / "s.gpkg"
    maps = [nzz_file(tmp_path / f"2025-01-0{d}.json.gz", f"2025-01-0{d}", box(36.0, 49.0, 37.0 + 0.01 * d, 50.0),
                     losses=box(36.5, 49.2, 36.6, 49.3)) for d in (1, 2, 3)]  # fmt: skip
    with SQLiteStore(db) as writer:
        ingest(writer, NZZ, maps[:2], workers=1)
        reader = SQLiteStore(db, read_only=True)
        first = reader.snapshots(NZZ)[0]
        occupied, losses = reader.layer(first.id), reader.layer(first.id, "losses")
        misses = reader._cache.misses
        ingest(writer, NZZ, maps[2:], workers=1)
    assert len(reader.snapshots(NZZ)) == 3  # (the commit is seen)
    assert reader.layer(first.id) is occupied and reader._cache.misses == misses
    assert reader.layer(first.id, "losses").equals(losses) and reader._cache.misses == misses + 1
    reader.close()
