"""The store interface, its shared caches and :func:`open_store`; the data contract is
:mod:`frontwatch.store.model`.

The embedded store: one SQLite file laid out as a GeoPackage, behind an interface.

QGIS opens the file and shows the ``snapshot_layers`` table (one row per snapshot and
layer, geometry in WGS84). The PostGIS backend, for a team, is
:class:`frontwatch.store.postgis.PostGISStore`; :func:`open_store` picks one by the target.
"""

from __future__ import annotations

import datetime as dt
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self, TypeVar

import shapely
from platformdirs import user_data_dir
from shapely.geometry.base import BaseGeometry

from .._recent import Recent
from ..errors import StoreNotFound
from .model import OCCUPIED, SnapshotRecord, SourceInfo, ValidSnapshot

ENV_DB = "FRONTWATCH_DB"
BUSY_TIMEOUT_S = 60.0
"""How long a write waits for another process's write transaction (they are short: one
group of files of an ingest, with its quality checks)."""
V = TypeVar("V")


def default_db_path() -> Path:
    """``$FRONTWATCH_DB``, else ``frontwatch.gpkg`` in the user data directory."""
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env)
    return Path(user_data_dir("frontwatch", appauthor=False)) / "frontwatch.gpkg"


class Store(ABC):
    """What Frontwatch needs from a store of snapshots.

    ``fast_paths`` (default true) lets queries use the store's caches of derived results
    and the faster exact algorithms (local differences, pruned rankings); false runs the
    plain paths, the reference the fast ones are tested and benchmarked against.
    """

    path: str
    fast_paths: bool = True
    max_lag_days: int | None = None
    """Refuse answers from a map older than this many days before the asked date (None: no
    limit, the answers note a lag of more than a week)."""

    def derived(self, key: Hashable, make: Callable[[], V]) -> V:
        """A result derived from stored data (a difference of two layers, a front line),
        kept while the store's snapshots do not change; ``make()`` computes it. Without
        ``fast_paths``, or in a store that keeps nothing, it is computed every time."""
        return make()

    @abstractmethod
    def transaction(self): ...

    @contextmanager
    def ingesting(self, source: str, *, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Around an ingest of ``source``: one ingest at a time, and a mark that stays if the
        ingest is killed before its end (see :meth:`check_complete`)."""
        yield

    @contextmanager
    def writer_lock(self, *, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """The lock ingests and removals take in turn (none for a store that serialises its
        writers itself). Held by another process: wait for it, telling ``on_wait`` first,
        or, without ``on_wait``, refuse at once (:class:`StoreBusy`)."""
        yield

    def check_complete(self, source: str) -> None:  # noqa: B027 (a store may keep no marks)
        """Raise :class:`IngestIncomplete` when an ingest of ``source`` was interrupted."""

    def unfinished_ingests(self) -> dict[str, dict]:
        """Ingests begun and not finished, by source: ``{started_at, pid, host, running}``
        (``running`` false: it was interrupted)."""
        return {}

    @abstractmethod
    def file_record(self, sha256: str) -> dict | None: ...

    @abstractmethod
    def add_file(self, sha256: str, source: str, path: str, size: int, ids: list[int],
                 duplicates: int) -> None: ...  # fmt: skip

    @abstractmethod
    def add_file_snapshots(self, sha256: str, ids: list[int]) -> None: ...

    @abstractmethod
    def add_snapshot(self, snap: ValidSnapshot, sha256: str) -> int: ...

    @abstractmethod
    def add_alias(self, snapshot_id: int, file: str, sha256: str) -> None: ...

    @abstractmethod
    def snapshots(self, source: str | None = None, *, usable_only: bool = True,
                  day: str | None = None) -> list[SnapshotRecord]: ...  # fmt: skip

    @abstractmethod
    def snapshot(self, snapshot_id: int) -> SnapshotRecord: ...

    @abstractmethod
    def layer(self, snapshot_id: int, layer: str = OCCUPIED) -> shapely.MultiPolygon: ...

    @abstractmethod
    def update_snapshot(self, snapshot_id: int, **fields) -> None: ...

    @abstractmethod
    def replace_layer(self, snapshot_id: int, name: str, geom: BaseGeometry) -> None: ...

    @abstractmethod
    def layer_blob(self, snapshot_id: int, layer: str = OCCUPIED) -> bytes: ...

    @abstractmethod
    def step_keys(self) -> set[tuple[int, int]]: ...

    @abstractmethod
    def add_step(self, a: int, b: int, ua: bytes, ru: bytes, ua_km2: float, ru_km2: float) -> None: ...

    @abstractmethod
    def step_areas(self, source: str) -> dict[tuple[int, int], tuple[float, float]]: ...

    @abstractmethod
    def change_km2(self, a: int, b: int) -> tuple[float, float] | None: ...

    @abstractmethod
    def step(self, a: int, b: int) -> tuple[shapely.MultiPolygon, shapely.MultiPolygon]: ...

    @abstractmethod
    def cached_step(self, a: int, b: int) -> tuple[shapely.MultiPolygon, shapely.MultiPolygon] | None: ...

    def window_table(self, source: str) -> tuple | None:
        """The stored row of :class:`frontwatch.arrangement.WindowTable` of ``source``
        (ids, hashes, two tables, per-map terms), or None (a store that keeps none)."""
        return None

    def window_table_edges(self, source: str) -> bytes | None:
        """The long edges the stored table of ``source`` took its caps from (float64
        ``(n, 5)``), or None (no table)."""
        return None

    def put_window_table(self, source: str, row: tuple | None) -> None:  # noqa: B027 (optional)
        """Store (or with None, drop) the window table of ``source`` (its row and its long
        edges), in the caller's transaction."""

    def step_allowances(self, source: str) -> dict[tuple[int, int], tuple[float, float, bytes | None]]:
        """The stored rows of the steps of ``source`` after its window table
        (:class:`frontwatch.tail.TailStep`: allowance, sag of the long edges first
        drawn, those edges), by ``(from_id, to_id)``."""
        return {}

    def put_step_allowances(self, source: str, rows: list[tuple[int, int, float, float, bytes]]) -> None:  # noqa: B027 (optional)
        """Replace the rows of the steps of ``source`` after its table (and any left by
        removed maps) by ``rows`` ``(from_id, to_id, km2, new_km2, edges)``, in the caller's
        transaction."""

    @abstractmethod
    def file_count(self, source: str) -> int: ...

    @abstractmethod
    def source_names(self) -> list[str]: ...

    @abstractmethod
    def source_credits(self) -> dict[str, SourceInfo]:
        """The credits recorded at ingest, by source (none in a store of a version that did
        not record them)."""

    @abstractmethod
    def record_source(self, source: str, info: SourceInfo) -> None:
        """Record (or replace) the credit of ``source``, in the ingest's write transaction."""

    def source_info(self, source: str) -> SourceInfo:
        """The credit of ``source`` recorded at its ingest: title, attribution, coverage (a
        store without it: :meth:`SourceInfo.unrecorded`)."""
        return self.derived(("source_info", source),
                            lambda: self.source_credits().get(source) or SourceInfo.unrecorded(source))  # fmt: skip

    @abstractmethod
    def layer_names(self, snapshot_id: int) -> list[str]: ...

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_JSON_COLS = ("source_dates", "areas", "coverage", "warnings", "flags", "aliases")


class CachingStore(Store):
    """The in-memory caches every backend keeps: parsed snapshot records and derived results
    (``derived``), dropped when the snapshots change, here or by a commit elsewhere (the
    backend's :meth:`_data_version`). Subclasses set ``fast_paths``, ``_records``,
    ``_derived``, ``_writes`` and ``_seen`` in their ``__init__``."""

    fast_paths: bool
    _records: dict
    _derived: Recent
    _cache: Recent
    _writes: int
    _seen: tuple[int, int] | None

    @abstractmethod
    def _data_version(self) -> int:
        """A number that changes whenever another connection commits a change."""

    def _fresh(self) -> bool:
        """Drop the cached records and derived results if the snapshots changed since they
        were made (a write through this connection, or a commit by another one); True when
        the caches may be used."""
        if not self.fast_paths:
            return False
        now = (self._data_version(), self._writes)
        if now != self._seen:
            self._records.clear()
            self._derived.clear()
            if self._seen is not None and now[0] != self._seen[0]:  # another connection wrote: an
                # occupied layer never changes under its id (ids are never given twice), other
                # layers may (quality's unexplained regions are stored again)
                self._cache.keep_only(lambda key: isinstance(key, tuple) and key[1] == OCCUPIED)
            self._seen = now
        return True

    def _changed(self) -> None:
        self._writes += 1

    def derived(self, key: Hashable, make: Callable[[], V]) -> V:
        if not self._fresh():
            return make()
        return self._derived.get(key, make)

    def snapshots(self, source=None, *, usable_only=True, day=None) -> list[SnapshotRecord]:
        """Snapshots by valid time; ``usable_only`` drops excluded and superseded ones;
        ``day`` keeps those valid on one date.

        A source's records are parsed once and kept until the snapshots change (the
        records are shared between calls: treat them as read-only)."""
        if source is not None and day is None and self._fresh():
            recs = self._records.get(source)
            if recs is None:
                recs = self._records[source] = self._query_snapshots(source, False, None)
            if usable_only:
                return [r for r in recs if not r.excluded and r.superseded_by is None]
            return list(recs)
        return self._query_snapshots(source, usable_only, day)

    @abstractmethod
    def _query_snapshots(self, source: str | None, usable_only: bool, day: str | None) -> list[SnapshotRecord]:
        """The snapshot records from the backend, ordered by source and valid time."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def snapshots_query(source: str | None, usable_only: bool, day: str | None, mark: str) -> tuple[str, list]:
    """The ``SELECT`` of the snapshots of ``source`` (all sources: None) valid on ``day``
    (any: None), usable ones only or all, and its arguments; ``mark`` is the backend's
    parameter placeholder (``?`` or ``%s``). The caller adds its ``ORDER BY``."""
    where, args = [], []
    if source is not None:
        where.append(f"source = {mark}")
        args.append(source)
    if day is not None:
        where.append(f"valid_date = {mark}")
        args.append(day)
    if usable_only:
        where.append("excluded = 0 AND superseded_by IS NULL")
    sql = "SELECT * FROM fw_snapshots"
    return (sql + " WHERE " + " AND ".join(where) if where else sql), args


def open_store(path: str | Path | None = None, *, create: bool = False, adopt: bool = False,
               read_only: bool = False) -> Store:  # fmt: skip
    """Open the store at ``path``, ``$FRONTWATCH_DB`` or the default. A missing file is an
    error that says where the store was looked for (:class:`StoreNotFound`); ``create=True``
    (what an ingest does) makes a new empty store there instead. A file that is not a
    Frontwatch store is refused, and left unchanged, unless ``adopt`` (then Frontwatch's
    tables are added beside its own). A ``postgresql://`` URL opens the PostGIS store of
    that database. ``read_only`` opens it for queries: nothing is written to it."""
    target = str(path) if path is not None else os.environ.get(ENV_DB) or str(default_db_path())
    if target.startswith(("postgresql://", "postgres://")):
        from .postgis import PostGISStore

        return PostGISStore(target, create=create, read_only=read_only)
    try:
        return SQLiteStore(target, create=create, adopt=adopt, read_only=read_only)
    except StoreNotFound as exc:
        how = ("the path given" if path is not None else f"from ${ENV_DB}" if os.environ.get(ENV_DB)
               else "the default store, in the user data directory")  # fmt: skip
        raise StoreNotFound(exc.path, how) from None


from .sqlite import SQLiteStore  # noqa: E402  (the default backend, defined on the interface above)
