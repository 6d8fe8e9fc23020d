"""The SQLite store: one file laid out as a GeoPackage (QGIS and GDAL open its
``snapshot_layers``), WAL-journalled, locked for one ingest at a time, opened read-only where
it cannot be written. The interface and the shared caches are in :mod:`frontwatch.store`."""

from __future__ import annotations

import fcntl
import os
import socket
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import shapely
from shapely.geometry.base import BaseGeometry

from .. import _geo, _gpkg
from .._format import utf8_text
from .._recent import Recent
from ..errors import IngestIncomplete, NotAStore, StoreBusy, StoreError, StoreNotFound
from . import (
    _JSON_COLS,
    BUSY_TIMEOUT_S,
    CachingStore,
    SnapshotRecord,
    _now,  # fmt: skip
    default_db_path,
    snapshots_query,
)
from . import gpkg_sql as _gpkg_sql
from .files import check_schema, connect_for_reading, connect_read_only, inspect_store_file
from .migrations import LATEST, READABLE_FROM, REBUILT_LAYERS, migrate
from .model import OCCUPIED, SourceInfo, ValidSnapshot


def _give_back_space(conn: sqlite3.Connection) -> None:
    """Shrink the file after a migration rebuilt the layer table (its old pages are free
    but still in the file); best effort: a busy store keeps them for its next writes."""
    try:
        conn.execute("VACUUM")
    except sqlite3.OperationalError:
        pass


class SQLiteStore(CachingStore):
    """The store in one SQLite/GeoPackage file (``:memory:`` for tests)."""

    def __init__(self, path: str | Path | None = None, *, cache_size: int = 64,
                 fast_paths: bool = True, create: bool = True, adopt: bool = False,
                 busy_timeout: float = BUSY_TIMEOUT_S, read_only: bool = False) -> None:  # fmt: skip
        path = str(path if path is not None else default_db_path())
        self.path = path
        self.busy_timeout = busy_timeout
        self.read_only = False
        self.opened_read_only = read_only and path != ":memory:"
        """Opened for queries (``read_only=True``): nothing is written, not even a
        checkpoint of the WAL when the connection closes."""
        try:
            if path == ":memory:":
                self.conn = self._connect(path)
                migrate(self.conn)
            else:
                self.conn = self._open_file(Path(path), create and not read_only, adopt and not read_only)
            self.tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            # (a store of schema 10 or older, read as it is, keeps tables without their long
            # edges, which migration 11 drops: they are not used)
            self.tables_kept = "fw_window_tables" in self.tables and "long_edges" in {
                r[1] for r in self.conn.execute("PRAGMA table_info(fw_window_tables)")}  # fmt: skip
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path} is not a Frontwatch store ({exc})") from exc
        self._cache: Recent[shapely.MultiPolygon] = Recent(cache_size)
        self._in_tx = False
        self._depth = 0
        self.fast_paths = fast_paths
        self._derived: Recent = Recent(cache_size)
        self._records: dict[str, list[SnapshotRecord]] = {}
        self._writes = 0  # snapshot or layer writes through this connection
        self._seen: tuple[int, int] | None = None  # (data_version, writes) the caches hold

    def _connect(self, target: str, **kw) -> sqlite3.Connection:
        conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False,
                               timeout=self.busy_timeout, **kw)  # fmt: skip
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        _gpkg_sql.register(conn)  # the R-tree's triggers call them
        return conn

    def _open_file(self, p: Path, create: bool, adopt: bool) -> sqlite3.Connection:
        """Look at the file before writing anything: a foreign file is refused (unless
        ``adopt``), a newer store too; a file that cannot be written opens read-only."""
        if p.is_dir():
            raise StoreError(f"store path {p} is a folder, not a file")
        info = inspect_store_file(p)
        if info.kind == "new" and not create:
            raise StoreNotFound(str(p.absolute()), "the path given")
        if info.kind == "foreign" and not adopt:
            raise NotAStore(str(p), info.describe())
        check_schema(info)
        if not info.writable:
            if info.kind != "frontwatch":
                raise StoreError(f"{p}: cannot create a store there (the file or its folder is read-only)")
            self.read_only = True
            conn = connect_read_only(p, timeout=self.busy_timeout)
            conn.row_factory = sqlite3.Row
            return conn
        if self.opened_read_only and info.schema >= READABLE_FROM:
            self.read_only = True
            return self._connect_for_queries(p)
        p.parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect(str(p))
        if info.kind == "new":
            # big pages for a new file: a layer's geometry is 10-200 KB, which 4 KB pages
            # would chain over dozens of overflow pages (no effect on an existing file)
            conn.execute("PRAGMA page_size = 65536")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        if info.schema < (READABLE_FROM if self.opened_read_only else LATEST):  # (a query writes
            if REBUILT_LAYERS in migrate(conn) and info.kind == "frontwatch":  # nothing it can do without)
                _give_back_space(conn)
        if self.opened_read_only:  # (a store too old to be read as it is was upgraded first)
            self.read_only = True
            conn.execute("PRAGMA query_only = ON")
        return conn

    def _connect_for_queries(self, p: Path) -> sqlite3.Connection:
        """A connection that writes nothing (:func:`connect_for_reading`), with the store's
        row factory and settings."""
        conn = connect_for_reading(p, timeout=self.busy_timeout)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _data_version(self) -> int:
        """SQLite's ``data_version``: it changes when another connection commits."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: a failure inside leaves the store as it was. Nested, it is a
        savepoint: a failure inside undoes the inner block only (and propagates)."""
        if self._in_tx:
            self._depth += 1
            name = f"fw_sp{self._depth}"
            self.conn.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
                self._cache.clear()
                self._changed()
                raise
            else:
                self.conn.execute(f"RELEASE {name}")
            finally:
                self._depth -= 1
            return
        if self.read_only:
            raise StoreError(self._read_only_message("written"))
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            raise StoreBusy(self.path, f"another process kept the store locked for over "
                                       f"{self.busy_timeout:g} s ({exc}); try again") from None  # fmt: skip
        self._in_tx = True
        try:
            yield
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            self._cache.clear()
            self._changed()
            raise
        finally:
            self._in_tx = False

    def _read_only_message(self, what: str) -> str:
        if self.opened_read_only:
            return f"{self.path} was opened read-only (for queries): it can be queried, not {what}"
        return f"{self.path} is read-only (a read-only mount or file): it can be queried, not {what}"

    @property
    def lock_path(self) -> Path:
        """The file an ingest holds a lock on (beside the store, like SQLite's own)."""
        return Path(f"{self.path}-ingest.lock")

    @contextmanager
    def ingesting(self, source: str, *, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Around an ingest of ``source``. Ingests into one store take turns: the next waits
        for the lock of the one running (``on_wait(message)`` is told first), which the
        kernel releases however that one ends. A row of ``fw_ingests`` marks the ingest
        from its start to its normal end: left behind by an ingest that was killed or
        interrupted, it makes :meth:`check_complete` refuse answers from the source until
        an ingest of it runs to its end."""
        if self.path == ":memory:":
            yield
            return
        if self.read_only:
            raise StoreError(self._read_only_message("ingested into"))
        with self.writer_lock(on_wait=on_wait or (lambda _: None)):
            with self.transaction():
                self.conn.execute("INSERT OR REPLACE INTO fw_ingests VALUES (?, ?, ?, ?)",
                                  (source, _now(), os.getpid(), socket.gethostname()))  # fmt: skip
            yield
            with self.transaction():
                self.conn.execute("DELETE FROM fw_ingests WHERE source = ?", (source,))

    @contextmanager
    def writer_lock(self, *, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """The file lock beside the store (``lock_path``), which the kernel releases however
        its holder ends; the holder's pid, host and start time are written in it."""
        if self.path == ":memory:" or self.read_only:
            yield  # (nothing to share; a read-only store refuses its writes itself)
            return
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "pid unknown"
                if on_wait is None:
                    raise StoreBusy(self.path, f"an ingest into it is running ({holder}); "
                                               "remove when it has finished") from None  # fmt: skip
                on_wait(f"another ingest into {self.path} is running ({holder}); waiting for it to finish")
                fcntl.flock(fd, fcntl.LOCK_EX)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}, since {_now()}".encode(), 0)
            yield
        finally:
            os.close(fd)  # (releases the lock)

    def check_complete(self, source: str) -> None:
        if "fw_ingests" not in self.tables:
            return
        row = self.conn.execute("SELECT started_at FROM fw_ingests WHERE source = ?", (source,)).fetchone()
        if row is None or self._ingest_running():
            return
        raise IngestIncomplete(self.path, source, row[0])

    def unfinished_ingests(self) -> dict[str, dict]:
        if "fw_ingests" not in self.tables:
            return {}
        rows = self.conn.execute("SELECT source, started_at, pid, host FROM fw_ingests ORDER BY source").fetchall()
        holder = ""
        if rows and self._ingest_running():  # (the lock file names the ingest holding it)
            holder = self.lock_path.read_text("utf-8", "replace")
        return {r[0]: {"started_at": r[1], "pid": r[2], "host": r[3],
                       "running": holder.startswith(f"pid {r[2]} on {r[3]},")} for r in rows}  # fmt: skip

    def _ingest_running(self) -> bool:
        """Whether an ingest holds the store's lock now."""
        try:
            fd = os.open(self.lock_path, os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    def file_record(self, sha256: str) -> dict | None:
        row = self.conn.execute("SELECT * FROM fw_files WHERE sha256 = ?", (sha256,)).fetchone()
        return dict(row) if row else None

    def add_file(self, sha256, source, path, size, ids, duplicates) -> None:
        self.conn.execute(
            "INSERT INTO fw_files VALUES (?, ?, ?, ?, ?, ?, ?)",
            (sha256, source, utf8_text(path), size, _now(), orjson.dumps(ids).decode(), duplicates),
        )

    def add_file_snapshots(self, sha256: str, ids: list[int]) -> None:
        """List more snapshots under a file's bytes (the same bytes under a name that dates
        the map differently)."""
        rec = self.file_record(sha256)
        have = orjson.loads(rec["snapshot_ids"]) if rec else []
        self.conn.execute("UPDATE fw_files SET snapshot_ids = ? WHERE sha256 = ?",
                          (orjson.dumps(have + [i for i in ids if i not in have]).decode(), sha256))  # fmt: skip

    def add_snapshot(self, snap: ValidSnapshot, sha256: str) -> int:
        raw = snap.raw
        cur = self.conn.execute(
            """INSERT INTO fw_snapshots (source, valid_time, valid_date, kind, priority, file,
               sha256, source_dates, ingested_at, clip_outline, geom_hash, occupied_km2, areas,
               coverage, warnings) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
            (
                raw.source, raw.valid_time.isoformat(), raw.valid_date, raw.kind, raw.priority,
                utf8_text(raw.file), sha256, _dumps(raw.source_dates), _now(), snap.clip_outline,
                snap.geom_hash, snap.areas_km2[OCCUPIED], _dumps(snap.areas_km2),
                _dumps(snap.coverage), _dumps(snap.warnings),
            ),
        )  # fmt: skip
        sid = int(cur.lastrowid or 0)  # (always set after an INSERT)
        self._changed()
        self.conn.executemany(
            "INSERT INTO snapshot_layers (snapshot_id, source, valid_date, layer, area_km2, geom) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (sid, raw.source, raw.valid_date, name, snap.areas_km2[name], blob) for name, blob in snap.blobs().items()
            ],  # fmt: skip
        )
        return sid

    def add_alias(self, snapshot_id: int, file: str, sha256: str) -> None:
        rec = self.snapshot(snapshot_id)
        aliases = rec.aliases + [{"file": utf8_text(file), "sha256": sha256}]
        self.update_snapshot(snapshot_id, aliases=aliases)

    def _query_snapshots(self, source, usable_only, day) -> list[SnapshotRecord]:
        sql, args = snapshots_query(source, usable_only, day, "?")
        sql += " ORDER BY source, valid_time, priority, id"
        return [_record(r) for r in self.conn.execute(sql, args)]

    def snapshot(self, snapshot_id: int) -> SnapshotRecord:
        row = self.conn.execute("SELECT * FROM fw_snapshots WHERE id = ?", (snapshot_id,))
        r = row.fetchone()
        if r is None:
            raise StoreError(f"no snapshot with id {snapshot_id} in {self.path}")
        return _record(r)

    def layer(self, snapshot_id: int, layer: str = OCCUPIED) -> shapely.MultiPolygon:
        """A layer's geometry (empty if the snapshot has no such layer); cached."""

        def load():
            row = self.conn.execute(
                "SELECT geom FROM snapshot_layers WHERE snapshot_id = ? AND layer = ?", (snapshot_id, layer)
            ).fetchone()
            return _geo.as_multipolygon(_gpkg.from_gpkg(row[0])) if row else _geo.EMPTY

        self._fresh()
        return self._cache.get((snapshot_id, layer), load)

    def replace_layer(self, snapshot_id: int, name: str, geom: BaseGeometry) -> None:
        """Store (or replace) one derived layer of a snapshot."""
        rec = self.snapshot(snapshot_id)
        self.conn.execute("DELETE FROM snapshot_layers WHERE snapshot_id = ? AND layer = ?", (snapshot_id, name))
        geom = _geo.as_multipolygon(geom)
        self.conn.execute(
            "INSERT INTO snapshot_layers (snapshot_id, source, valid_date, layer, area_km2, geom) VALUES (?, ?, ?, ?, ?, ?)",
            (snapshot_id, rec.source, rec.valid_date, name, _geo.area_km2(geom), _gpkg.to_gpkg(geom)),
        )
        self._cache.discard((snapshot_id, name))
        self._changed()

    def layer_blob(self, snapshot_id: int, layer: str = OCCUPIED) -> bytes:
        """A layer's GeoPackage blob, undecoded (to hand to worker processes)."""
        row = self.conn.execute(
            "SELECT geom FROM snapshot_layers WHERE snapshot_id = ? AND layer = ?",
            (snapshot_id, layer),
        ).fetchone()
        return bytes(row[0]) if row else _gpkg.to_gpkg(_geo.EMPTY)

    def step_keys(self) -> set[tuple[int, int]]:
        return {(a, b) for a, b in self.conn.execute("SELECT from_id, to_id FROM fw_steps")}

    def add_step(self, a: int, b: int, ua: bytes, ru: bytes, ua_km2: float, ru_km2: float) -> None:
        """Store the step from snapshot ``a`` to ``b``, unless one of them is gone (removed
        while the step was computed outside the ingest's lock): nothing is written then."""
        self.conn.execute(
            "INSERT OR REPLACE INTO fw_steps SELECT ?, ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM fw_snapshots"
            " WHERE id IN (?, ?)) = 2", (a, b, ua_km2, ru_km2, ua, ru, a, b),
        )  # fmt: skip
        self._changed()  # (the areas of steps are kept with the derived results)

    def step_areas(self, source: str) -> dict[tuple[int, int], tuple[float, float]]:
        """The cached steps of a source: ``(from_id, to_id) -> (ua_km2, ru_km2)`` (areas
        only, no geometry)."""
        rows = self.conn.execute(
            "SELECT s.from_id, s.to_id, s.ua_km2, s.ru_km2 FROM fw_steps s"
            " JOIN fw_snapshots f ON f.id = s.from_id WHERE f.source = ?",
            (source,),
        )
        return {(a, b): (ua, ru) for a, b, ua, ru in rows}

    def change_km2(self, a: int, b: int) -> tuple[float, float] | None:
        """The areas (km²) of the unmasked differences from snapshot ``a`` to ``b`` if an
        earlier version kept them (see :func:`changes.change_km2`), or None."""
        row = self.conn.execute("SELECT ua_km2, ru_km2 FROM fw_changes WHERE from_id = ? AND to_id = ?", (a, b)).fetchone()
        return (row[0], row[1]) if row else None

    def cached_step(self, a: int, b: int) -> tuple[shapely.MultiPolygon, shapely.MultiPolygon] | None:
        """The cached step from ``a`` to ``b``, or None."""
        try:
            return self.step(a, b)
        except StoreError:
            return None

    def step(self, a: int, b: int) -> tuple[shapely.MultiPolygon, shapely.MultiPolygon]:
        row = self.conn.execute("SELECT ua_geom, ru_geom FROM fw_steps WHERE from_id = ? AND to_id = ?", (a, b)).fetchone()
        if row is None:
            raise StoreError(f"no cached step from snapshot {a} to {b} in {self.path}")
        return (_geo.as_multipolygon(_gpkg.from_gpkg(row[0])),
                _geo.as_multipolygon(_gpkg.from_gpkg(row[1])))  # fmt: skip

    def layer_names(self, snapshot_id: int) -> list[str]:
        rows = self.conn.execute(
            "SELECT layer FROM snapshot_layers WHERE snapshot_id = ? ORDER BY layer",
            (snapshot_id,),
        )
        return [r[0] for r in rows]

    def update_snapshot(self, snapshot_id: int, **fields) -> None:
        cols, args = [], []
        for k, v in fields.items():
            cols.append(f"{k} = ?")
            args.append(_dumps(v) if k in _JSON_COLS else v)
        args.append(snapshot_id)
        self.conn.execute(f"UPDATE fw_snapshots SET {', '.join(cols)} WHERE id = ?", args)
        self._changed()

    def source_names(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT source FROM fw_snapshots")]

    def file_count(self, source: str) -> int:
        row = self.conn.execute("SELECT count(*) FROM fw_files WHERE source = ?", (source,))
        return int(row.fetchone()[0])

    def source_credits(self) -> dict[str, SourceInfo]:
        if "fw_sources" not in self.tables:
            return {}  # (a store of schema 6 or older, read as it is)
        rows = self.conn.execute("SELECT source, title, attribution, coverage FROM fw_sources")
        return {r[0]: SourceInfo(r[1], r[2], r[3]) for r in rows}

    def window_table(self, source: str) -> tuple | None:
        if not self.tables_kept:
            return None  # (a store of schema 10 or older, read as it is)
        row = self.conn.execute("SELECT ids, hashes, ua, ru, per_map FROM fw_window_tables WHERE source = ?",
                                (source,)).fetchone()  # fmt: skip
        return tuple(row) if row else None

    def window_table_edges(self, source: str) -> bytes | None:
        if not self.tables_kept:
            return None
        row = self.conn.execute("SELECT long_edges FROM fw_window_tables WHERE source = ?", (source,)).fetchone()
        return row[0] if row else None

    def put_window_table(self, source: str, row: tuple | None) -> None:
        self.conn.execute("DELETE FROM fw_window_tables WHERE source = ?", (source,))
        if row is not None:
            self.conn.execute("INSERT INTO fw_window_tables (source, ids, hashes, ua, ru, per_map, long_edges, built_at)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (source, *row, _now()))  # fmt: skip
        self._changed()

    def step_allowances(self, source: str) -> dict[tuple[int, int], tuple[float, float, bytes | None]]:
        if not self.tables_kept:
            return {}  # (a store of schema 10 or older, read as it is)
        rows = self.conn.execute("SELECT a.from_id, a.to_id, a.km2, a.new_km2, a.edges FROM fw_step_allowances a"
                                 " JOIN fw_snapshots f ON f.id = a.from_id WHERE f.source = ?", (source,))  # fmt: skip
        return {(a, b): (km2, new_km2, edges) for a, b, km2, new_km2, edges in rows}

    def put_step_allowances(self, source: str, rows: list[tuple[int, int, float, float, bytes]]) -> None:
        self.conn.execute("DELETE FROM fw_step_allowances WHERE from_id IN (SELECT id FROM fw_snapshots WHERE source = ?)"
                          " OR from_id NOT IN (SELECT id FROM fw_snapshots)", (source,))  # fmt: skip
        self.conn.executemany("INSERT INTO fw_step_allowances (from_id, to_id, km2, new_km2, edges)"
                              " VALUES (?, ?, ?, ?, ?)", rows)  # fmt: skip
        self._changed()

    def record_source(self, source: str, info: SourceInfo) -> None:
        self.conn.execute("INSERT OR REPLACE INTO fw_sources VALUES (?, ?, ?, ?)",
                          (source, info.title, info.attribution, info.coverage))  # fmt: skip
        self._changed()


def _dumps(v) -> str:
    try:
        return orjson.dumps(v).decode()
    except TypeError:  # a string with a file name's bytes that are not UTF-8
        return orjson.dumps(_utf8(v)).decode()


def _utf8(v):
    if isinstance(v, str):
        return utf8_text(v)
    if isinstance(v, list | tuple):
        return [_utf8(x) for x in v]
    if isinstance(v, dict):
        return {utf8_text(k): _utf8(x) for k, x in v.items()}
    return v


def _record(row: sqlite3.Row) -> SnapshotRecord:
    d = dict(row)
    for k in _JSON_COLS:
        d[k] = orjson.loads(d[k])
    d["excluded"] = bool(d["excluded"])
    return SnapshotRecord(**d)
