"""GeoPackage's spatial index on the store's own layer table, and the SQL functions its
triggers call.

The GeoPackage R-tree extension (``gpkg_rtree_index``, GeoPackage 1.3 annex F.3) keeps a
SQLite R-tree of each geometry's envelope, maintained by triggers on the feature table.
Those triggers call ``ST_IsEmpty``, ``ST_MinX``, ``ST_MaxX``, ``ST_MinY`` and ``ST_MaxY``,
which SQLite does not have: GDAL and QGIS register their own, and every connection of
ours that may write to ``snapshot_layers`` registers these (:func:`register`). They read
the envelope from the blob's header where it is there, and decode the geometry otherwise.
"""

from __future__ import annotations

import sqlite3
import struct

import shapely

TABLE, COLUMN, ID = "snapshot_layers", "geom", "fid"
RTREE = f"rtree_{TABLE}_{COLUMN}"
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
"""Bytes of the envelope after the 8-byte header, by the envelope code in the flags."""


def _header(blob: bytes | None) -> tuple[int, int] | None:
    """(flags, envelope code) of a GeoPackage blob, or None if it is not one."""
    if blob is None or len(blob) < 8 or blob[:2] != b"GP":
        return None
    flags = blob[3]
    return flags, (flags >> 1) & 0b111


def is_empty(blob: bytes | None) -> int | None:
    """``ST_IsEmpty``: 1 if the blob says its geometry is empty, 0 if not, None if it is
    not a geometry."""
    head = _header(blob)
    return None if head is None else int(bool(head[0] & 0b10000))


def _bounds(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) of a GeoPackage blob: from the header's envelope where it
    has one, else from the geometry."""
    head = _header(blob)
    if head is None or head[0] & 0b10000:
        return None
    assert blob is not None
    flags, code = head
    endian = "<" if flags & 1 else ">"
    if code in (1, 2, 3, 4):
        return struct.unpack_from(f"{endian}4d", blob, 8)
    if code not in _ENVELOPE_BYTES:
        return None
    geom = shapely.from_wkb(blob[8 + _ENVELOPE_BYTES[code] :])
    minx, miny, maxx, maxy = shapely.bounds(geom)
    return minx, maxx, miny, maxy


def _coordinate(i: int):
    def get(blob: bytes | None) -> float | None:
        b = _bounds(blob)
        return None if b is None else b[i]

    return get


def register(conn: sqlite3.Connection) -> None:
    """Register the functions the R-tree triggers call on ``conn``."""
    conn.create_function("ST_IsEmpty", 1, is_empty, deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        conn.create_function(name, 1, _coordinate(i), deterministic=True)


_NEW = f"NEW.{COLUMN}"
_ENTRY = f"NEW.{ID}, ST_MinX({_NEW}), ST_MaxX({_NEW}), ST_MinY({_NEW}), ST_MaxY({_NEW})"
_HAS = f"({_NEW} NOT NULL AND NOT ST_IsEmpty({_NEW}))"
_HAS_NOT = f"({_NEW} IS NULL OR ST_IsEmpty({_NEW}))"

RTREE_STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS gpkg_extensions (
        table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
        definition TEXT NOT NULL, scope TEXT NOT NULL,
        CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))""",
    f"""INSERT OR IGNORE INTO gpkg_extensions VALUES ('{TABLE}', '{COLUMN}', 'gpkg_rtree_index',
        'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')""",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {RTREE} USING rtree(id, minx, maxx, miny, maxy)",
    f"""CREATE TRIGGER {RTREE}_insert AFTER INSERT ON {TABLE} WHEN {_HAS}
        BEGIN INSERT OR REPLACE INTO {RTREE} VALUES ({_ENTRY}); END""",
    f"""CREATE TRIGGER {RTREE}_update1 AFTER UPDATE OF {COLUMN} ON {TABLE}
        WHEN OLD.{ID} = NEW.{ID} AND {_HAS}
        BEGIN INSERT OR REPLACE INTO {RTREE} VALUES ({_ENTRY}); END""",
    f"""CREATE TRIGGER {RTREE}_update2 AFTER UPDATE OF {COLUMN} ON {TABLE}
        WHEN OLD.{ID} = NEW.{ID} AND {_HAS_NOT}
        BEGIN DELETE FROM {RTREE} WHERE id = OLD.{ID}; END""",
    f"""CREATE TRIGGER {RTREE}_update3 AFTER UPDATE ON {TABLE}
        WHEN OLD.{ID} != NEW.{ID} AND {_HAS}
        BEGIN DELETE FROM {RTREE} WHERE id = OLD.{ID};
              INSERT OR REPLACE INTO {RTREE} VALUES ({_ENTRY}); END""",
    f"""CREATE TRIGGER {RTREE}_update4 AFTER UPDATE ON {TABLE}
        WHEN OLD.{ID} != NEW.{ID} AND {_HAS_NOT}
        BEGIN DELETE FROM {RTREE} WHERE id IN (OLD.{ID}, NEW.{ID}); END""",
    f"""CREATE TRIGGER {RTREE}_delete AFTER DELETE ON {TABLE} WHEN OLD.{COLUMN} NOT NULL
        BEGIN DELETE FROM {RTREE} WHERE id = OLD.{ID}; END""",
    # the rows already there
    f"""INSERT OR REPLACE INTO {RTREE}
        SELECT {ID}, ST_MinX({COLUMN}), ST_MaxX({COLUMN}), ST_MinY({COLUMN}), ST_MaxY({COLUMN})
        FROM {TABLE} WHERE {COLUMN} NOT NULL AND NOT ST_IsEmpty({COLUMN})""",
]
"""The extension's table, the index, its triggers, and the index of the rows already there."""

DATE_TYPED_LAYERS = [
    # SQLite cannot change a column's declared type: the table is rebuilt with ``valid_date``
    # declared DATE (GeoPackage's type for ISO-8601 dates, which GDAL and QGIS read as
    # dates), keeping every fid.
    f"""CREATE TABLE {TABLE}_v6 (
        fid INTEGER PRIMARY KEY AUTOINCREMENT,
        snapshot_id INTEGER NOT NULL REFERENCES fw_snapshots(id),
        source TEXT NOT NULL, valid_date DATE NOT NULL, layer TEXT NOT NULL,
        area_km2 REAL NOT NULL, geom MULTIPOLYGON)""",
    f"""INSERT INTO {TABLE}_v6 (fid, snapshot_id, source, valid_date, layer, area_km2, geom)
        SELECT fid, snapshot_id, source, valid_date, layer, area_km2, geom FROM {TABLE}""",
    f"DROP TABLE {TABLE}",
    f"ALTER TABLE {TABLE}_v6 RENAME TO {TABLE}",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_sid ON {TABLE}(snapshot_id, layer)",
]
