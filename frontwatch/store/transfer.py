"""Moving a store from the file to PostGIS: every file record, snapshot (its id kept),
layer, cached result (steps, changes, window tables, step allowances) and source credit
of a SQLite store copied into an empty PostGIS store, in one transaction (no geometry is
decoded: the GeoPackage blobs' WKB goes as it is)."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import StoreError
from . import SQLiteStore
from .postgis import _GEOM_IN, PostGISStore, gpkg_wkb

BATCH = 64
"""Layers sent per round trip."""

_SNAPSHOT_COLS = ("id, source, valid_time, valid_date, kind, priority, file, sha256, source_dates, ingested_at,"
                  " clip_outline, geom_hash, occupied_km2, areas, coverage, warnings, flags, excluded, aliases")  # fmt: skip
_JSONB = {"source_dates", "areas", "coverage", "warnings", "flags", "aliases"}


def copy_to_postgis(src: SQLiteStore, dst: PostGISStore, *,
                    progress: Callable[[int, int], None] | None = None) -> dict[str, int]:  # fmt: skip
    """Copy the SQLite store ``src`` into the empty PostGIS store ``dst``.

    Returns the rows copied per table. ``progress(done, total)`` is called as layers go.
    A failure leaves ``dst`` empty.
    """
    if dst.conn.execute("SELECT EXISTS (SELECT 1 FROM fw_snapshots)").fetchone()[0]:
        raise StoreError(f"{dst.path} already holds snapshots: copy into an empty store")
    counts: dict[str, int] = {}
    cols = _SNAPSHOT_COLS.split(", ")
    placeholders = ", ".join("%s::jsonb" if c in _JSONB else "%s" for c in cols)
    total = src.conn.execute("SELECT count(*) FROM snapshot_layers").fetchone()[0]
    with dst.transaction(), dst.conn.cursor() as cur:
        files = src.conn.execute("SELECT sha256, source, path, size, ingested_at, snapshot_ids, duplicates"
                                 " FROM fw_files").fetchall()  # fmt: skip
        cur.executemany("INSERT INTO fw_files VALUES (%s, %s, %s, %s, %s, %s, %s)", [tuple(r) for r in files])
        counts["fw_files"] = len(files)
        snaps = src.conn.execute(f"SELECT {_SNAPSHOT_COLS}, superseded_by FROM fw_snapshots ORDER BY id").fetchall()
        cur.executemany(f"INSERT INTO fw_snapshots ({_SNAPSHOT_COLS}) VALUES ({placeholders})",
                        [tuple(r)[:-1] for r in snaps])  # fmt: skip
        # (a snapshot may be superseded by a later one: set once all are in)
        cur.executemany("UPDATE fw_snapshots SET superseded_by = %s WHERE id = %s",
                        [(r[-1], r[0]) for r in snaps if r[-1] is not None])  # fmt: skip
        counts["fw_snapshots"] = len(snaps)
        done = 0
        rows = src.conn.execute("SELECT snapshot_id, source, valid_date, layer, area_km2, geom FROM snapshot_layers"
                                " ORDER BY fid")  # fmt: skip
        while batch := rows.fetchmany(BATCH):
            cur.executemany(
                "INSERT INTO snapshot_layers (snapshot_id, source, valid_date, layer, area_km2, geom)"
                f" VALUES (%s, %s, %s, %s, %s, {_GEOM_IN})",
                [(*tuple(r)[:5], gpkg_wkb(r[5])) for r in batch],
            )
            done += len(batch)
            if progress is not None:
                progress(done, total)
        counts["snapshot_layers"] = done
        steps = src.conn.execute("SELECT from_id, to_id, ua_km2, ru_km2, ua_geom, ru_geom FROM fw_steps").fetchall()
        cur.executemany(f"INSERT INTO fw_steps VALUES (%s, %s, %s, %s, {_GEOM_IN}, {_GEOM_IN})",
                        [(*tuple(r)[:4], gpkg_wkb(r[4]), gpkg_wkb(r[5])) for r in steps])  # fmt: skip
        counts["fw_steps"] = len(steps)
        changes = src.conn.execute("SELECT from_id, to_id, ua_km2, ru_km2 FROM fw_changes").fetchall()
        cur.executemany("INSERT INTO fw_changes VALUES (%s, %s, %s, %s)", [tuple(r) for r in changes])
        counts["fw_changes"] = len(changes)
        tables = _rows_if_kept(src, "fw_window_tables", "source, ids, hashes, ua, ru, per_map, long_edges, built_at")
        # (a table of a source whose maps were all removed may stay behind: the copy's wins)
        cur.executemany("INSERT INTO fw_window_tables (source, ids, hashes, ua, ru, per_map, long_edges, built_at)"
                        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (source)"
                        " DO UPDATE SET ids = excluded.ids, hashes = excluded.hashes, ua = excluded.ua,"
                        " ru = excluded.ru, per_map = excluded.per_map, long_edges = excluded.long_edges,"
                        " built_at = excluded.built_at", tables)  # fmt: skip
        counts["fw_window_tables"] = len(tables)
        allowances = _rows_if_kept(src, "fw_step_allowances", "from_id, to_id, km2, new_km2, edges")
        cur.executemany("INSERT INTO fw_step_allowances (from_id, to_id, km2, new_km2, edges)"
                        " VALUES (%s, %s, %s, %s, %s)", allowances)  # fmt: skip
        counts["fw_step_allowances"] = len(allowances)
        credits = src.source_credits()
        for name, info in credits.items():
            dst.record_source(name, info)
        counts["fw_sources"] = len(credits)
        # (ids go on after the highest the file ever gave, not only after those it still holds)
        given = src.conn.execute("SELECT max(seq) FROM sqlite_sequence WHERE name = 'fw_snapshots'").fetchone()[0]
        cur.execute("SELECT setval(pg_get_serial_sequence('fw_snapshots', 'id'), GREATEST(max(id), %s, 1))"
                    " FROM fw_snapshots", (given or 0,))  # fmt: skip
    dst._changed()
    return counts


def _rows_if_kept(src: SQLiteStore, table: str, columns: str) -> list[tuple]:
    """The rows of a table of ``src`` (none where its schema predates the table, or, for
    the window tables and the allowances after them, predates their long edges: schema 11)."""
    if table not in src.tables or (table in {"fw_window_tables", "fw_step_allowances"} and not src.tables_kept):
        return []
    return [tuple(r) for r in src.conn.execute(f"SELECT {columns} FROM {table}")]
