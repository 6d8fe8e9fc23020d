"""Versioned, re-runnable schema migrations of the SQLite/GeoPackage store."""

from __future__ import annotations

import datetime as dt
import sqlite3

from .gpkg_sql import DATE_TYPED_LAYERS, RTREE_STATEMENTS

WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AUTHORITY["EPSG","4326"]]'
)

_V1 = [
    # GeoPackage 1.3 core tables, so QGIS and GDAL open the layers.
    """CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
        srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
        organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)""",
    """CREATE TABLE IF NOT EXISTS gpkg_contents (
        table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
        description TEXT DEFAULT '',
        last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
        srs_id INTEGER REFERENCES gpkg_spatial_ref_sys(srs_id))""",
    """CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
        table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
        srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
        PRIMARY KEY (table_name, column_name),
        FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
        FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))""",
    f"""INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES
        ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian'),
        ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic'),
        ('WGS 84 geodetic', 4326, 'EPSG', 4326, '{WGS84_WKT}', 'longitude/latitude on WGS84')""",
    """CREATE TABLE IF NOT EXISTS fw_files (
        sha256 TEXT PRIMARY KEY, source TEXT NOT NULL, path TEXT NOT NULL, size INTEGER,
        ingested_at TEXT NOT NULL, snapshot_ids TEXT NOT NULL DEFAULT '[]',
        duplicates INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE IF NOT EXISTS fw_snapshots (
        id INTEGER PRIMARY KEY, source TEXT NOT NULL, valid_time TEXT NOT NULL,
        valid_date TEXT NOT NULL, kind TEXT NOT NULL, priority TEXT NOT NULL,
        file TEXT NOT NULL, sha256 TEXT NOT NULL, source_dates TEXT NOT NULL,
        ingested_at TEXT NOT NULL, clip_outline TEXT NOT NULL, geom_hash TEXT NOT NULL,
        occupied_km2 REAL NOT NULL, areas TEXT NOT NULL, coverage TEXT NOT NULL,
        warnings TEXT NOT NULL DEFAULT '[]', flags TEXT NOT NULL DEFAULT '[]',
        excluded INTEGER NOT NULL DEFAULT 0, superseded_by INTEGER,
        aliases TEXT NOT NULL DEFAULT '[]')""",
    "CREATE INDEX IF NOT EXISTS fw_snapshots_time ON fw_snapshots(source, valid_time)",
    """CREATE TABLE IF NOT EXISTS snapshot_layers (
        fid INTEGER PRIMARY KEY AUTOINCREMENT,
        snapshot_id INTEGER NOT NULL REFERENCES fw_snapshots(id),
        source TEXT NOT NULL, valid_date TEXT NOT NULL, layer TEXT NOT NULL,
        area_km2 REAL NOT NULL, geom MULTIPOLYGON)""",
    "CREATE INDEX IF NOT EXISTS snapshot_layers_sid ON snapshot_layers(snapshot_id, layer)",
    """INSERT OR IGNORE INTO gpkg_contents
        (table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id)
        VALUES ('snapshot_layers', 'features', 'Frontwatch snapshot layers',
        'Control-map layers per source and date, clipped to Ukraine',
        22.0, 44.0, 40.5, 52.5, 4326)""",
    """INSERT OR IGNORE INTO gpkg_geometry_columns
        VALUES ('snapshot_layers', 'geom', 'MULTIPOLYGON', 4326, 0, 0)""",
]

_V2 = [
    # Cached changes between consecutive snapshots (unmasked geometric differences).
    """CREATE TABLE IF NOT EXISTS fw_steps (
        from_id INTEGER NOT NULL REFERENCES fw_snapshots(id),
        to_id INTEGER NOT NULL REFERENCES fw_snapshots(id),
        ua_km2 REAL NOT NULL, ru_km2 REAL NOT NULL, ua_geom BLOB NOT NULL, ru_geom BLOB NOT NULL,
        PRIMARY KEY (from_id, to_id))""",
]

_V3 = [
    # Ingest looks snapshots up by source and day once per new snapshot.
    "CREATE INDEX IF NOT EXISTS fw_snapshots_day ON fw_snapshots(source, valid_date)",
]

_V4 = [
    # Steps were split from one symmetric difference, which gave a piece lying partly in
    # each layer wholly to one side; they are two differences now (and recomputed on use).
    "DELETE FROM fw_steps",
    # Areas of the unmasked differences between any two snapshots, once computed.
    """CREATE TABLE IF NOT EXISTS fw_changes (
        from_id INTEGER NOT NULL REFERENCES fw_snapshots(id),
        to_id INTEGER NOT NULL REFERENCES fw_snapshots(id),
        ua_km2 REAL NOT NULL, ru_km2 REAL NOT NULL,
        PRIMARY KEY (from_id, to_id))""",
]

_V5 = [
    # Ingests under way: a row from the start of an ingest of a source to its end. A row
    # left behind by a killed ingest makes queries of that source refuse until it is re-run.
    """CREATE TABLE IF NOT EXISTS fw_ingests (
        source TEXT PRIMARY KEY, started_at TEXT NOT NULL, pid INTEGER NOT NULL,
        host TEXT NOT NULL)""",
]

_SOURCES = [
    # Each source's credit (title, attribution, coverage), recorded at ingest from its
    # adapter, so that queries read it from the store.
    """CREATE TABLE IF NOT EXISTS fw_sources (
        source TEXT PRIMARY KEY, title TEXT NOT NULL, attribution TEXT NOT NULL,
        coverage TEXT NOT NULL)""",
]


_WINDOW_TABLES = [
    # Per source, upper bounds of both sides' gains for every pair of its maps (see
    # frontwatch.arrangement), built at ingest; rankings measure windows in their order.
    """CREATE TABLE IF NOT EXISTS fw_window_tables (
        source TEXT PRIMARY KEY, ids BLOB NOT NULL, hashes TEXT NOT NULL, ua BLOB NOT NULL,
        ru BLOB NOT NULL, per_map BLOB NOT NULL, built_at TEXT NOT NULL)""",
]


_STEP_ALLOWANCES = [
    # Per step after a source's window table (maps ingested since it was built): what the
    # step adds to a window's bound beyond its areas (frontwatch.tail.step_allowance_km2).
    """CREATE TABLE IF NOT EXISTS fw_step_allowances (
        from_id INTEGER NOT NULL, to_id INTEGER NOT NULL, km2 REAL NOT NULL,
        PRIMARY KEY (from_id, to_id))""",
]


_TAIL_EDGES = [
    # (#14) The bounds of windows across a table's last map take the caps of their sag from
    # the long edges of every map: the table keeps those of its maps, each step after it
    # the ones its later map drew first, with their budget. Both are derived: what an
    # older version stored is dropped, and the next ingest of the source builds it again.
    # (Made again rather than altered: a migration applied twice leaves the same tables.)
    "DROP TABLE IF EXISTS fw_window_tables",
    """CREATE TABLE fw_window_tables (
        source TEXT PRIMARY KEY, ids BLOB NOT NULL, hashes TEXT NOT NULL, ua BLOB NOT NULL,
        ru BLOB NOT NULL, per_map BLOB NOT NULL, built_at TEXT NOT NULL, long_edges BLOB)""",
    "DROP TABLE IF EXISTS fw_step_allowances",
    """CREATE TABLE fw_step_allowances (
        from_id INTEGER NOT NULL, to_id INTEGER NOT NULL, km2 REAL NOT NULL,
        new_km2 REAL NOT NULL DEFAULT 0, edges BLOB, PRIMARY KEY (from_id, to_id))""",
]


_SNAPSHOT_COLUMNS = (
    "id, source, valid_time, valid_date, kind, priority, file, sha256, source_dates, ingested_at, clip_outline,"
    " geom_hash, occupied_km2, areas, coverage, warnings, flags, excluded, superseded_by, aliases"
)
_SNAPSHOTS_AUTOINCREMENT = [
    # A removed snapshot's id was taken again by the next one ingested (SQLite reuses the
    # highest rowid once it is gone), so a connection could not tell a new map from the one
    # it had cached, and a step computed for the removed map could be written for the new
    # one. AUTOINCREMENT never hands an id out twice; SQLite cannot add it to a table, so
    # the table is rebuilt with every row and id (the other tables' references name the
    # table, not its storage, and hold; its indexes are made again).
    _V1[5].replace(
        "fw_snapshots (\n        id INTEGER PRIMARY KEY,", "fw_snapshots_v8 (\n        id INTEGER PRIMARY KEY AUTOINCREMENT,"
    ),
    f"INSERT INTO fw_snapshots_v8 ({_SNAPSHOT_COLUMNS}) SELECT {_SNAPSHOT_COLUMNS} FROM fw_snapshots ORDER BY id",
    "DROP TABLE fw_snapshots",
    "ALTER TABLE fw_snapshots_v8 RENAME TO fw_snapshots",
    _V1[6],
    _V3[0],
]
assert "AUTOINCREMENT" in _SNAPSHOTS_AUTOINCREMENT[0]

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (1, "geopackage core, files, snapshots, layers", _V1),
    (2, "cached steps between consecutive snapshots", _V2),
    (3, "index of snapshots by source and day", _V3),
    (4, "steps recomputed as two differences; areas of changes kept", _V4),
    (5, "ingests under way", _V5),
    # GeoPackage readers (QGIS, GDAL) see valid_date as a DATE and use a spatial index; the
    # index's triggers need the SQL functions of .gpkg_sql on every writing connection.
    (6, "layers' dates typed DATE; GeoPackage R-tree on snapshot_layers", DATE_TYPED_LAYERS + RTREE_STATEMENTS),
    (7, "sources' credits", _SOURCES),  # (#12; the next free number at a merge)
    (8, "snapshot ids never reused (AUTOINCREMENT)", _SNAPSHOTS_AUTOINCREMENT),
    (9, "bounds of every window's gains", _WINDOW_TABLES),
    (10, "allowances of the steps after a window table", _STEP_ALLOWANCES),  # (#14)
    (11, "long edges of window tables and of the steps after them", _TAIL_EDGES),  # (#14)
]
REBUILT_LAYERS = 6
"""The migration that rebuilds ``snapshot_layers`` (an existing store is vacuumed after it)."""
LATEST = MIGRATIONS[-1][0]
"""The schema version this code writes; a store recording a higher one is refused."""
READABLE_FROM = 4
"""The oldest schema this code reads without upgrading it (a read-only store); the tables
added since are optional to readers."""


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Apply the migrations not yet recorded; returns the versions applied."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS fw_migrations ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in conn.execute("SELECT version FROM fw_migrations")}
    applied = []
    for version, name, statements in MIGRATIONS:
        if version in done:
            continue
        if _apply(conn, version, name, statements):
            applied.append(version)
    if applied:  # a read-only use of an up-to-date store writes nothing
        conn.execute("PRAGMA application_id = 1196444487")  # 'GPKG'
        conn.execute("PRAGMA user_version = 10300")
    return applied


def _apply(conn: sqlite3.Connection, version: int, name: str, statements: list[str]) -> bool:
    """One migration in one transaction, with foreign keys off (SQLite's way of rebuilding a
    table others refer to) and checked before it commits; False when another process
    applied it meanwhile."""
    fks = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    conn.execute("PRAGMA foreign_keys = OFF")  # (outside the transaction: no effect inside)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("SELECT 1 FROM fw_migrations WHERE version = ?", (version,)).fetchone():
                conn.execute("ROLLBACK")  # applied by another process meanwhile
                return False
            for sql in statements:
                conn.execute(sql)
            broken = conn.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise sqlite3.IntegrityError(f"migration {version} ({name}) would leave {len(broken)} rows whose "
                                             f"reference is missing, first: {tuple(broken[0])}")  # fmt: skip
            conn.execute(
                "INSERT INTO fw_migrations VALUES (?, ?, ?)",
                (version, name, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
            )
            conn.execute("COMMIT")
            return True
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute(f"PRAGMA foreign_keys = {int(fks)}")
