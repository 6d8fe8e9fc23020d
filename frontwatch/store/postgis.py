"""The team store: the same :class:`~frontwatch.store.Store` on PostgreSQL with PostGIS.

Open it with a URL (``--db postgresql://user@host/db`` or ``FRONTWATCH_DB``). Layers are
``geometry(MultiPolygon, 4326)`` with GiST indexes, so QGIS and any SQL client read them;
areas stay the geodesic ones Frontwatch computed (they agree with PostGIS
``ST_Area(geography)``). Several people ingest and query at once: every write
transaction takes the store's advisory lock (writers queue, readers never wait), and
unique constraints on files and snapshots back it up. One database can hold several
stores, one per schema (``schema=`` here, or ``options=-csearch_path%3Dname`` in the URL).
Needs the ``postgis`` extra (psycopg 3).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

import orjson
import shapely
from shapely.geometry.base import BaseGeometry

from .. import _geo, _gpkg
from .._recent import Recent
from ..errors import StoreError
from . import _JSON_COLS, CachingStore, SnapshotRecord, _now, snapshots_query
from .migrations_postgis import LOCK_SQL, MIGRATIONS, applied_versions, migrate
from .model import OCCUPIED, SourceInfo, ValidSnapshot

V = TypeVar("V")
URL_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(target: object) -> bool:
    """Whether a ``--db`` value names a PostgreSQL database rather than a file."""
    return str(target).startswith(URL_SCHEMES)


def display_url(dsn: str) -> str:
    """The URL without its password (for messages and ``store.path``)."""
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(dsn)
    user = f"{info['user']}@" if info.get("user") else ""
    host = info.get("host", "")
    port = f":{info['port']}" if info.get("port") else ""
    return f"postgresql://{user}{host}{port}/{info.get('dbname', '')}"


def gpkg_wkb(blob: bytes) -> bytes:
    """The WKB inside a GeoPackage blob (its header and envelope dropped)."""
    env = (blob[3] >> 1) & 0b111
    return blob[8 + {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[env] :]


_GEOM_IN = "ST_Multi(ST_GeomFromWKB(%s, 4326))"
_GEOM_OUT = "ST_AsBinary({}, 'NDR')"


class PostGISStore(CachingStore):
    """The store in a PostgreSQL database with PostGIS (one schema per store).

    Parameters
    ----------
    dsn
        A libpq URL or connection string, ``postgresql://user@host:port/db``.
    schema
        The schema holding the store (created if missing); default: the connection's
        current schema (``public`` unless the URL's ``options`` set a search path).
    create
        False: a database without a store is an error instead of a new empty store.
    read_only
        Open for queries: every transaction of the connection is read-only.
    """

    def __init__(self, dsn: str, *, schema: str | None = None, cache_size: int = 64,
                 fast_paths: bool = True, create: bool = True, read_only: bool = False) -> None:  # fmt: skip
        try:
            import psycopg
            from psycopg import sql
            from psycopg.rows import dict_row
        except ImportError as exc:  # pragma: no cover - the extra is missing
            raise StoreError("a PostGIS store needs psycopg: pip install 'frontwatch[postgis]'") from exc
        self._psycopg = psycopg
        self._dict_row = dict_row
        self.path = display_url(dsn)  # (with the schema below: a URL that opens this store again)
        try:
            self.conn = psycopg.connect(dsn, autocommit=True)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to {self.path} ({str(exc).strip()})") from exc
        try:
            if schema is not None:
                self.conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
                self.conn.execute("SELECT set_config('search_path', %s, false)", (f'"{schema}", public',))
            if read_only:
                self.conn.execute("SET default_transaction_read_only = on")
            self._with_postgis_on_path()
            self.schema = self.conn.execute("SELECT current_schema()").fetchone()[0]
            if self.schema is None:
                raise StoreError(f"{self.path}: no schema of the search path exists")
            if schema is not None:
                self.path += f"?options=-csearch_path%3D{schema}"
            if not create and not applied_versions(self.conn):
                raise StoreError(f"no store at {self.path}: ingest a source first (frontwatch ingest SOURCE PATH)")
            # a hot standby (a read replica) or a read-only role: queries only, and the
            # results they would keep (steps, areas of changes) are computed each time
            self.read_only = bool(
                self.conn.execute(
                    "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'"
                ).fetchone()[0]
            )
            if self.read_only:
                if len(applied_versions(self.conn)) < len(MIGRATIONS):
                    raise StoreError(f"{self.path} is read-only and its store needs migrating: open it once on the primary")
            else:
                migrate(self.conn)
        except psycopg.Error as exc:
            self.conn.close()
            raise StoreError(f"{self.path} is not a usable Frontwatch store ({str(exc).strip()})") from exc
        except BaseException:
            self.conn.close()
            raise
        self._cache: Recent[shapely.MultiPolygon] = Recent(cache_size)
        self._depth = 0
        self.fast_paths = fast_paths
        self._derived: Recent = Recent(cache_size)
        self._records: dict[str, list[SnapshotRecord]] = {}
        self._writes = 0
        self._seen: tuple[int, int] | None = None

    def _with_postgis_on_path(self) -> None:
        """Where PostGIS is installed in another schema than the store's, keep that schema
        on the search path too (its types and functions are looked up there)."""
        row = self.conn.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'postgis'"
        ).fetchone()
        if row is None:
            return
        on_path = self.conn.execute("SELECT current_schemas(false)").fetchone()[0]
        if row[0] not in on_path:
            path = self.conn.execute("SHOW search_path").fetchone()[0]
            self.conn.execute("SELECT set_config('search_path', %s, false)", (f'{path}, "{row[0]}"',))

    # caches -------------------------------------------------------------------------

    def _data_version(self) -> int:
        """The ``fw_generation`` counter, raised by triggers on every committed change."""
        return self.conn.execute("SELECT n FROM fw_generation").fetchone()[0]

    # connection ---------------------------------------------------------------------

    def close(self) -> None:
        self.conn.close()

    def __del__(self) -> None:
        # a store dropped unclosed (a CLI command's, as with SQLite) closes its connection
        # quietly rather than leave psycopg to warn about it
        conn = getattr(self, "conn", None)
        if conn is not None and not conn.closed:
            conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing, under the store's writer lock (an advisory lock held to the
        end of the transaction: another process's writes wait, its reads do not). Nested,
        it is a savepoint: a failure inside undoes the inner block only (and propagates)."""
        if self.read_only:  # (nothing to lock: a write fails in PostgreSQL, a cache is skipped)
            yield
            return
        outer = self._depth == 0
        self._depth += 1
        try:
            with self.conn.transaction():
                if outer:
                    self.conn.execute(LOCK_SQL)
                yield
        except BaseException:
            self._cache.clear()
            self._changed()
            raise
        finally:
            self._depth -= 1

    # files and snapshots ------------------------------------------------------------

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"{self.path} is read-only (a read replica or a read-only role): "
                             "it can be queried, not written")  # fmt: skip

    def file_record(self, sha256: str) -> dict | None:
        with self.conn.cursor(row_factory=self._dict_row) as cur:
            return cur.execute("SELECT * FROM fw_files WHERE sha256 = %s", (sha256,)).fetchone()

    def add_file(self, sha256, source, path, size, ids, duplicates) -> None:
        self._writable()
        # (a file another process committed first is already there: its snapshots were
        # found as twins of this one's, so nothing is lost by keeping the first record)
        self.conn.execute(
            "INSERT INTO fw_files VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (sha256) DO NOTHING",
            (sha256, source, str(path), size, _now(), orjson.dumps(ids).decode(), duplicates),
        )

    def add_file_snapshots(self, sha256: str, ids: list[int]) -> None:
        """List more snapshots under a file's bytes (as :meth:`SQLiteStore.add_file_snapshots`)."""
        self._writable()
        rec = self.file_record(sha256)
        have = orjson.loads(rec["snapshot_ids"]) if rec else []
        self.conn.execute("UPDATE fw_files SET snapshot_ids = %s WHERE sha256 = %s",
                          (orjson.dumps(have + [i for i in ids if i not in have]).decode(), sha256))  # fmt: skip

    def add_snapshot(self, snap: ValidSnapshot, sha256: str) -> int:
        self._writable()
        raw = snap.raw
        sid = self.conn.execute(
            """INSERT INTO fw_snapshots (source, valid_time, valid_date, kind, priority, file,
               sha256, source_dates, ingested_at, clip_outline, geom_hash, occupied_km2, areas,
               coverage, warnings) VALUES (%s,%s,%s,%s,%s,%s,%s,%s::jsonb,%s,%s,%s,%s,%s::jsonb,
               %s::jsonb,%s::jsonb) RETURNING id""",
            (
                raw.source, raw.valid_time.isoformat(), raw.valid_date, raw.kind, raw.priority,
                raw.file, sha256, _dumps(raw.source_dates), _now(), snap.clip_outline,
                snap.geom_hash, snap.areas_km2[OCCUPIED], _dumps(snap.areas_km2),
                _dumps(snap.coverage), _dumps(snap.warnings),
            ),
        ).fetchone()[0]  # fmt: skip
        self._changed()
        with self.conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO snapshot_layers (snapshot_id, source, valid_date, layer, area_km2, geom)"
                f" VALUES (%s, %s, %s, %s, %s, {_GEOM_IN})",
                [
                    (sid, raw.source, raw.valid_date, name, snap.areas_km2[name], gpkg_wkb(blob))
                    for name, blob in snap.blobs().items()
                ],  # fmt: skip
            )
        return int(sid)

    def add_alias(self, snapshot_id: int, file: str, sha256: str) -> None:
        rec = self.snapshot(snapshot_id)
        entry = {"file": str(file), "sha256": sha256}
        if (rec.file, rec.sha256) == (entry["file"], sha256) or entry in rec.aliases:
            return  # (the same file, committed by another ingest while this one read it)
        self.update_snapshot(snapshot_id, aliases=rec.aliases + [entry])

    def _query_snapshots(self, source, usable_only, day) -> list[SnapshotRecord]:
        sql, args = snapshots_query(source, usable_only, day, "%s")
        sql += ' ORDER BY source COLLATE "C", valid_time COLLATE "C", priority COLLATE "C", id'
        with self.conn.cursor(row_factory=self._dict_row) as cur:
            return [_record(r) for r in cur.execute(sql, args)]

    def snapshot(self, snapshot_id: int) -> SnapshotRecord:
        with self.conn.cursor(row_factory=self._dict_row) as cur:
            r = cur.execute("SELECT * FROM fw_snapshots WHERE id = %s", (snapshot_id,)).fetchone()
        if r is None:
            raise StoreError(f"no snapshot with id {snapshot_id} in {self.path}")
        return _record(r)

    def update_snapshot(self, snapshot_id: int, **fields) -> None:
        self._writable()
        cols: list[str] = []
        args: list[object] = []
        for k, v in fields.items():
            if k in _JSON_COLS:
                cols.append(f"{k} = %s::jsonb")
                args.append(_dumps(v))
            else:
                cols.append(f"{k} = %s")
                args.append(v)
        args.append(snapshot_id)
        self.conn.execute(f"UPDATE fw_snapshots SET {', '.join(cols)} WHERE id = %s", args)
        self._changed()

    def source_names(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT source FROM fw_snapshots")]

    def file_count(self, source: str) -> int:
        return int(self.conn.execute("SELECT count(*) FROM fw_files WHERE source = %s", (source,)).fetchone()[0])

    def source_credits(self) -> dict[str, SourceInfo]:
        rows = self.conn.execute("SELECT source, title, attribution, coverage FROM fw_sources").fetchall()
        return {r[0]: SourceInfo(r[1], r[2], r[3]) for r in rows}

    def record_source(self, source: str, info: SourceInfo) -> None:
        self._writable()
        self.conn.execute(
            "INSERT INTO fw_sources VALUES (%s, %s, %s, %s) ON CONFLICT (source) DO UPDATE"
            " SET title = excluded.title, attribution = excluded.attribution, coverage = excluded.coverage",
            (source, info.title, info.attribution, info.coverage),
        )
        self._changed()

    # layers -------------------------------------------------------------------------

    def layer(self, snapshot_id: int, layer: str = OCCUPIED) -> shapely.MultiPolygon:
        """A layer's geometry (empty if the snapshot has no such layer); cached."""

        def load():
            row = self.conn.execute(
                f"SELECT {_GEOM_OUT.format('geom')} FROM snapshot_layers WHERE snapshot_id = %s AND layer = %s",
                (snapshot_id, layer), binary=True,
            ).fetchone()  # fmt: skip
            return _geo.as_multipolygon(shapely.from_wkb(row[0])) if row else _geo.EMPTY

        return self._cache.get((snapshot_id, layer), load)

    def layer_blob(self, snapshot_id: int, layer: str = OCCUPIED) -> bytes:
        """A layer as a GeoPackage blob (the form worker processes are handed)."""
        return _gpkg.to_gpkg(self.layer(snapshot_id, layer))

    def layer_names(self, snapshot_id: int) -> list[str]:
        rows = self.conn.execute(
            'SELECT layer FROM snapshot_layers WHERE snapshot_id = %s ORDER BY layer COLLATE "C"', (snapshot_id,)
        )
        return [r[0] for r in rows]

    def replace_layer(self, snapshot_id: int, name: str, geom: BaseGeometry) -> None:
        """Store (or replace) one derived layer of a snapshot."""
        self._writable()
        rec = self.snapshot(snapshot_id)
        geom = _geo.as_multipolygon(geom)
        self.conn.execute("DELETE FROM snapshot_layers WHERE snapshot_id = %s AND layer = %s", (snapshot_id, name))
        self.conn.execute(
            "INSERT INTO snapshot_layers (snapshot_id, source, valid_date, layer, area_km2, geom)"
            f" VALUES (%s, %s, %s, %s, %s, {_GEOM_IN})",
            (snapshot_id, rec.source, rec.valid_date, name, _geo.area_km2(geom), _gpkg.wkb(geom)),
        )
        self._cache.discard((snapshot_id, name))
        self._changed()

    # cached steps and changes -------------------------------------------------------

    def step_keys(self) -> set[tuple[int, int]]:
        return {(a, b) for a, b in self.conn.execute("SELECT from_id, to_id FROM fw_steps")}

    def add_step(self, a: int, b: int, ua: bytes, ru: bytes, ua_km2: float, ru_km2: float) -> None:
        """Store the step from snapshot ``a`` to ``b``, unless one of them is gone (removed
        while the step was computed outside the ingest's lock): nothing is written then."""
        if self.read_only:
            return
        self.conn.execute(
            f"INSERT INTO fw_steps SELECT %s, %s, %s, %s, {_GEOM_IN}, {_GEOM_IN} WHERE (SELECT count(*)"
            " FROM fw_snapshots WHERE id IN (%s, %s)) = 2 ON CONFLICT (from_id, to_id)"
            " DO UPDATE SET ua_km2 = EXCLUDED.ua_km2, ru_km2 = EXCLUDED.ru_km2, ua_geom = EXCLUDED.ua_geom,"
            " ru_geom = EXCLUDED.ru_geom",
            (a, b, ua_km2, ru_km2, gpkg_wkb(ua), gpkg_wkb(ru), a, b),
        )
        self._changed()  # (the areas of steps are kept with the derived results)

    def step_areas(self, source: str) -> dict[tuple[int, int], tuple[float, float]]:
        """The cached steps of a source: ``(from_id, to_id) -> (ua_km2, ru_km2)``."""
        rows = self.conn.execute(
            "SELECT s.from_id, s.to_id, s.ua_km2, s.ru_km2 FROM fw_steps s"
            " JOIN fw_snapshots f ON f.id = s.from_id WHERE f.source = %s",
            (source,),
        )
        return {(a, b): (ua, ru) for a, b, ua, ru in rows}

    def change_km2(self, a: int, b: int) -> tuple[float, float] | None:
        row = self.conn.execute("SELECT ua_km2, ru_km2 FROM fw_changes WHERE from_id = %s AND to_id = %s", (a, b)).fetchone()
        return (row[0], row[1]) if row else None

    def cached_step(self, a: int, b: int) -> tuple[shapely.MultiPolygon, shapely.MultiPolygon] | None:
        row = self.conn.execute(
            f"SELECT {_GEOM_OUT.format('ua_geom')}, {_GEOM_OUT.format('ru_geom')} FROM fw_steps"
            " WHERE from_id = %s AND to_id = %s", (a, b), binary=True,
        ).fetchone()  # fmt: skip
        if row is None:
            return None
        return (_geo.as_multipolygon(shapely.from_wkb(row[0])),
                _geo.as_multipolygon(shapely.from_wkb(row[1])))  # fmt: skip

    def step(self, a: int, b: int) -> tuple[shapely.MultiPolygon, shapely.MultiPolygon]:
        got = self.cached_step(a, b)
        if got is None:
            raise StoreError(f"no cached step from snapshot {a} to {b} in {self.path}")
        return got

    def window_table(self, source: str) -> tuple | None:
        row = self.conn.execute(
            "SELECT ids, hashes, ua, ru, per_map FROM fw_window_tables WHERE source = %s", (source,), binary=True
        ).fetchone()  # fmt: skip (binary: not twice the bytes as hex)
        return tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) if row else None

    def window_table_edges(self, source: str) -> bytes | None:
        row = self.conn.execute("SELECT long_edges FROM fw_window_tables WHERE source = %s", (source,),
                                binary=True).fetchone()  # fmt: skip
        return bytes(row[0]) if row and row[0] is not None else None

    def step_allowances(self, source: str) -> dict[tuple[int, int], tuple[float, float, bytes | None]]:
        rows = self.conn.execute("SELECT a.from_id, a.to_id, a.km2, a.new_km2, a.edges FROM fw_step_allowances a"
                                 " JOIN fw_snapshots f ON f.id = a.from_id WHERE f.source = %s",
                                 (source,), binary=True)  # fmt: skip
        return {(a, b): (km2, new_km2, bytes(edges) if edges is not None else None) for a, b, km2, new_km2, edges in rows}

    def put_step_allowances(self, source: str, rows: list[tuple[int, int, float, float, bytes]]) -> None:
        if self.read_only:
            return
        self.conn.execute("DELETE FROM fw_step_allowances WHERE from_id IN (SELECT id FROM fw_snapshots WHERE source = %s)"
                          " OR from_id NOT IN (SELECT id FROM fw_snapshots)", (source,))  # fmt: skip
        with self.conn.cursor() as cur:
            cur.executemany("INSERT INTO fw_step_allowances (from_id, to_id, km2, new_km2, edges)"
                            " VALUES (%s, %s, %s, %s, %s)", rows)  # fmt: skip
        self._changed()

    def put_window_table(self, source: str, row: tuple | None) -> None:
        if self.read_only:  # (a replica ranks with the table the primary keeps)
            return
        self.conn.execute("DELETE FROM fw_window_tables WHERE source = %s", (source,))
        if row is not None:
            self.conn.execute("INSERT INTO fw_window_tables (source, ids, hashes, ua, ru, per_map, long_edges, built_at)"
                              " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", (source, *row, _now()))  # fmt: skip
        self._changed()


def _dumps(v) -> str:
    return orjson.dumps(v).decode()


def _record(d: dict) -> SnapshotRecord:
    d = dict(d)
    d["excluded"] = bool(d["excluded"])
    return SnapshotRecord(**d)
