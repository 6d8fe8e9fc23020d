"""The store as a GeoPackage other tools read: DATE-typed dates and the R-tree spatial
index GDAL and QGIS use, maintained on every insert and delete (#15)."""

from __future__ import annotations

import sqlite3

import numpy as np
import pyogrio
import pytest
import shapely
from shapely.geometry import box

from frontwatch import _gpkg
from frontwatch.ingest import ingest
from frontwatch.store import SQLiteStore
from frontwatch.store import gpkg_sql as _gpkg_sql
from frontwatch.store.migrations import MIGRATIONS
from tests.conftest import nzz_file

FLOAT32_EPS = 1e-5  # an R-tree keeps float32 bounds, rounded outward: ~4e-6 degrees at 40°


def _rtree(path) -> dict[int, tuple[float, float, float, float]]:
    with sqlite3.connect(path) as conn:
        return {r[0]: r[1:] for r in conn.execute(f"SELECT * FROM {_gpkg_sql.RTREE}")}


def _layers(path) -> dict[int, shapely.Geometry]:
    with sqlite3.connect(path) as conn:
        return {fid: _gpkg.from_gpkg(blob) for fid, blob in conn.execute("SELECT fid, geom FROM snapshot_layers")}


def _assert_index_matches(path):
    """Every layer has one index entry, enclosing its bounds within float32 rounding."""
    index, layers = _rtree(path), _layers(path)
    assert set(index) == {fid for fid, g in layers.items() if not g.is_empty}
    for fid, (minx, maxx, miny, maxy) in index.items():
        x0, y0, x1, y1 = shapely.bounds(layers[fid])
        assert minx <= x0 and maxx >= x1 and miny <= y0 and maxy >= y1
        assert np.allclose([minx, maxx, miny, maxy], [x0, x1, y0, y1], atol=FLOAT32_EPS)


def test_gdal_reads_dates_as_dates_and_uses_the_spatial_index(tmp_path, db_path):
    files = [nzz_file(tmp_path / "2022-09-08.json.gz", "2022-09-08", box(36.5, 49.5, 37.5, 50.0)),
             nzz_file(tmp_path / "2022-09-09.json.gz", "2022-09-09", box(33.0, 46.5, 34.0, 47.0))]  # fmt: skip
    store = SQLiteStore(db_path, create=True)
    ingest(store, "liveuamap-nzz", files, workers=1)
    store.close()
    info = pyogrio.read_info(db_path, layer="snapshot_layers")
    dtypes = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert dtypes["valid_date"] == "datetime64[D]"
    assert info["capabilities"]["fast_spatial_filter"] is True
    _assert_index_matches(db_path)
    # a bounding-box read through the index finds the layer there and only that one
    df = pyogrio.read_dataframe(db_path, layer="snapshot_layers", bbox=(36.9, 49.6, 37.1, 49.9))
    assert list(df["valid_date"].astype(str)) == ["2022-09-08"]
    assert len(pyogrio.read_dataframe(db_path, layer="snapshot_layers", bbox=(25.0, 50.0, 26.0, 51.0))) == 0


def test_inserts_and_deletes_after_the_index_exists_keep_it_right(tmp_path, db_path):
    store = SQLiteStore(db_path, create=True)
    ingest(store, "liveuamap-nzz", [nzz_file(tmp_path / "2022-09-08.json.gz", "2022-09-08",
                                             box(36.5, 49.5, 37.5, 50.0))], workers=1)  # fmt: skip
    first = _rtree(db_path)
    assert len(first) == len(_layers(db_path)) >= 1
    # a second ingest into the indexed store: the insert trigger calls ST_MinX & co.
    ingest(store, "liveuamap-nzz", [nzz_file(tmp_path / "2022-09-10.json.gz", "2022-09-10",
                                             box(35.0, 47.0, 38.0, 48.0))], workers=1)  # fmt: skip
    assert len(_rtree(db_path)) > len(first)
    _assert_index_matches(db_path)
    with store.transaction():
        store.conn.execute("DELETE FROM snapshot_layers WHERE valid_date = '2022-09-08'")
    store.close()
    left = _layers(db_path)
    assert left and all(fid not in left for fid in first)
    _assert_index_matches(db_path)


def test_a_store_of_the_previous_schema_is_upgraded_keeping_every_layer(tmp_path):
    """A store written before version 6 (TEXT dates, no index) gets both on its next
    writing open; fids, dates and geometries are kept."""
    path = tmp_path / "old.gpkg"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE fw_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                 " applied_at TEXT NOT NULL)")  # fmt: skip
    for version, name, statements in MIGRATIONS:
        if version < 6:
            for sql in statements:
                conn.execute(sql)
            conn.execute("INSERT INTO fw_migrations VALUES (?, ?, '2026-01-01')", (version, name))
    conn.execute("PRAGMA application_id = 1196444487")
    conn.execute("PRAGMA user_version = 10300")
    conn.execute("""INSERT INTO fw_snapshots VALUES (7, 'x', '2023-05-01T23:59:59+00:00', '2023-05-01',
                    'daily', 'p', 'f', 'h', '{}', 'now', 'o', 'g', 1.0, '{}', '{}', '[]', '[]', 0,
                    NULL, '[]')""")  # fmt: skip
    geom = shapely.MultiPolygon([box(30.25, 45.5, 31.75, 46.0)])
    conn.execute("INSERT INTO snapshot_layers VALUES (41, 7, 'x', '2023-05-01', 'occupied', 1.0, ?)",
                 (_gpkg.to_gpkg(geom),))  # fmt: skip
    conn.close()
    assert pyogrio.read_info(path, layer="snapshot_layers")["capabilities"]["fast_spatial_filter"] is False

    SQLiteStore(path, create=True).close()
    assert _rtree(path) == {41: pytest.approx((30.25, 31.75, 45.5, 46.0), abs=FLOAT32_EPS)}
    assert _layers(path)[41].equals(geom)
    info = pyogrio.read_info(path, layer="snapshot_layers")
    assert dict(zip(info["fields"], info["dtypes"], strict=True))["valid_date"] == "datetime64[D]"
    assert info["capabilities"]["fast_spatial_filter"] is True
    with sqlite3.connect(path) as conn:  # the rebuilt table's old pages given back
        assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0


def test_sql_functions_read_the_header_or_the_geometry():
    """ST_MinX & co. read the envelope from the header; a blob without one is decoded; an
    empty geometry is empty; something that is not a GeoPackage blob is NULL."""
    g = box(30.0, 45.0, 32.0, 47.0)
    conn = sqlite3.connect(":memory:")
    _gpkg_sql.register(conn)
    with_env = _gpkg.to_gpkg(g)
    no_env = with_env[:3] + bytes([with_env[3] & ~0b1110]) + with_env[4:8] + with_env[40:]
    for blob in (with_env, no_env):
        row = conn.execute("SELECT ST_IsEmpty(?), ST_MinX(?), ST_MaxX(?), ST_MinY(?), ST_MaxY(?)",
                           (blob,) * 5).fetchone()  # fmt: skip
        assert row == (0, 30.0, 32.0, 45.0, 47.0)
    empty = _gpkg.to_gpkg(shapely.MultiPolygon())
    assert conn.execute("SELECT ST_IsEmpty(?), ST_MinX(?)", (empty, empty)).fetchone() == (1, None)
    assert conn.execute("SELECT ST_IsEmpty(?)", (b"not a geometry",)).fetchone() == (None,)
