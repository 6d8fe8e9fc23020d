"""Ingest: source files → adapters → validation → store, one transaction per file.

Re-ingesting the same bytes is a no-op; a file whose snapshot is geometry-identical to a
stored one (same source and valid time) is recorded as an alias of it; a bad file fails
with a message naming it and leaves the store as it was.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import shapely

from . import arrangement, quality
from ._ingest_items import ArchiveEnd, ArchiveMap, Failed, Item, Known, OneMap, work_items
from ._same_bytes import plan_duplicate, write_duplicate
from ._spill import BlobSpill
from ._tiles import tiled
from ._workers import default_workers, worker_pool
from .errors import FrontwatchError, InputFileError
from .snapshot import RawSnapshot, ValidSnapshot, validate_snapshot
from .sources import adapter, credit, stored_adapter
from .sources._io import expand_paths, max_document_bytes
from .sources.contract import SourceAdapter
from .steps import derive_steps
from .store import Store


@dataclass
class IngestSummary:
    """What an ingest run did."""

    source: str
    files: int = 0
    added: int = 0
    unchanged_files: int = 0
    repeated_files: int = 0
    """Of ``unchanged_files``, those byte-identical to a file earlier in the same run."""
    duplicates: int = 0
    superseded: int = 0
    repaired: int = 0
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "files": self.files,
            "snapshots_added": self.added,
            "files_already_ingested": self.unchanged_files,
            "files_repeated_in_run": self.repeated_files,
            "duplicate_snapshots": self.duplicates,
            "superseded": self.superseded,
            "repaired": self.repaired,
            "flags": self.flags,
            "warnings": self.warnings,
            "errors": self.errors,
        }


def ingest(
    store: Store,
    source: str,
    paths: Sequence[str | Path],
    *,
    outline: str = "geoboundaries",
    workers: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    options: dict | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> IngestSummary:
    """Ingest files, folders or globs of one source into the store.

    Parameters
    ----------
    store
        The store to write to.
    source
        Adapter name (``liveuamap-nzz``, ``deepstate``, ``isw``, ``geojson``).
    paths
        Files, folders (searched recursively for the adapter's files) or globs.
    workers
        Processes validating snapshots (default: the CPU count, at most 4).
    progress
        Called as ``progress(done, total, name)`` after each file.
    options
        Adapter keywords (for ``geojson``: ``date``, ``source``, ``occupied_property``,
        ``occupied_value``).
    on_wait
        Told (a message) when another ingest into the store runs: this one waits for it.

    Results are written in short transactions, a group of finished files at a time, never
    while waiting on a worker; each group is committed with the quality checks of the
    source over the history it completes, so a store killed at any point holds flags that
    agree with its snapshots.
    """
    mod = adapter(source)
    max_document_bytes()  # (a bad setting fails here, not in every file)
    files = expand_paths(paths, mod.accepts)
    options = options or {}
    store_source = options.get("source", source)
    summary = IngestSummary(store_source)
    if not files:
        raise InputFileError(", ".join(map(str, paths)), f"no {source} files found")
    workers = workers if workers is not None else default_workers()
    with ExitStack() as stack:
        with store.ingesting(store_source, on_wait=on_wait):
            pool = None
            # (a few one-map files are not worth the workers' start; an archive of many maps is)
            if workers > 1 and (len(files) > 4 or any(mod.is_archive(f) for f in files)):
                tiled(outline)  # (built here, forked workers have it)
                pool = stack.enter_context(worker_pool(workers))
            _Pipeline(
                store, mod, files, summary, outline=outline, pool=pool, workers=workers, progress=progress, options=options
            ).run()
        _derive(store, summary, pool, workers, progress)
    return summary


def rederive(store: Store, source: str, *, workers: int | None = None,
             progress: Callable[[int, int, str], None] | None = None) -> list[str]:  # fmt: skip
    """Bring what queries need derived from ``source``'s maps (steps, the table of window
    bounds, the allowances of the steps after it) up to date after its maps changed other
    than by an ingest (a removal), as an ingest's end does; its warnings. A map removed
    early in a history ends the table there: the table is built again (seconds) rather
    than every query working out the allowances of every step after it."""
    summary = IngestSummary(source)
    workers = workers if workers is not None else default_workers()
    with ExitStack() as stack:
        pool = stack.enter_context(worker_pool(workers)) if workers > 1 else None
        _derive(store, summary, pool, workers, progress)
    return summary.warnings


def _derive(store: Store, summary: IngestSummary, pool, workers: int, progress) -> None:
    """What queries need derived from the new snapshots (the steps between consecutive
    maps, and the bounds of every window built from them: :mod:`.arrangement`), stored
    after the snapshots' own commits: an ingest interrupted here has
    stored every map, and queries compute what is missing. Outside the ingest's lock: a
    map removed meanwhile gets no step (:meth:`Store.add_step` skips a step whose maps are
    gone, in the transaction that writes it)."""
    step_progress = None if progress is None else (lambda done, total: progress(done, total, "changes between maps"))
    terms: dict = {}
    try:
        derive_steps(store, summary.source, pool=pool, workers=workers, progress=step_progress, terms=terms)
    except (shapely.errors.GEOSException, ValueError) as exc:
        summary.warnings.append(f"{summary.source}: changes between maps not precomputed ({exc}); "
                                "queries compute them when needed")  # fmt: skip
        return
    table_progress = None if progress is None else (lambda done, total: progress(done, total, "bounds of windows"))
    try:
        arrangement.refresh(store, summary.source, terms=terms, pool=pool, workers=workers, progress=table_progress)
    except (shapely.errors.GEOSException, ValueError) as exc:
        summary.warnings.append(f"{summary.source}: bounds of windows not built ({exc}); "
                                "rankings measure more windows")  # fmt: skip


def _as_file_error(where: str, work: Callable[[], object]):
    """``work()``, or the error it raised as an :class:`InputFileError` naming ``where``:
    one bad map must not sink the others of its job."""
    try:
        return work()
    except InputFileError as exc:
        return exc
    except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
        return InputFileError(where, f"geometry cannot be processed ({exc})")
    except Exception as exc:
        return InputFileError(where, f"cannot be processed ({type(exc).__name__}: {exc})")


def _validate(raw: RawSnapshot, outline: str) -> ValidSnapshot | InputFileError:
    """Validate one snapshot of an archive (run in a worker); layers come back encoded."""
    return _as_file_error(raw.file, lambda: validate_snapshot(raw, outline=outline).encode())


def _read_validate(source: str, path: Path, sha: str, options: dict, outline: str
                   ) -> list[ValidSnapshot] | InputFileError:  # fmt: skip
    """Read, parse and validate a whole one-map file (run in a worker). The file is read
    again here (from the page cache) rather than shipped from the main process, and must
    still have the hash the main process saw."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return InputFileError(str(path), f"cannot read ({exc})")
    if hashlib.sha256(data).hexdigest() != sha:
        return InputFileError(str(path), "the file changed while it was being ingested")
    return _as_file_error(str(path), lambda: [validate_snapshot(raw, outline=outline).encode()
                                              for raw in adapter(source).read(path, data, **options)])  # fmt: skip


def _read_validate_chunk(source: str, jobs: list[tuple[Path, str]], options: dict, outline: str
                         ) -> list[list[ValidSnapshot] | InputFileError]:  # fmt: skip
    """Consecutive files in one job: a worker then sees a map and its near-twins in turn,
    which is what its caches (tiles, recent maps) feed on."""
    return [_read_validate(source, path, sha, options, outline) for path, sha in jobs]


CHUNK_FILES = 12
"""Consecutive one-map files per worker job."""
COMMIT_FILES = 64
COMMIT_SECONDS = 2.0
"""Files are committed in groups (each file still all or nothing, as a savepoint): at most
this many files or seconds of work per commit."""


@dataclass(frozen=True)
class _Chunk:
    """Consecutive one-map files given to a worker as one job."""

    files: list[OneMap]


class _Commits:
    """Finished files waiting to be written, then written as a group in one short
    transaction with the source's quality checks: every few files or seconds, and at the
    end (or on an interrupt: the files finished so far are kept)."""

    def __init__(self, store: Store, summary: IngestSummary) -> None:
        self.store = store
        self.summary = summary
        self.credited = False
        self.writes: list[Callable[[], None]] = []
        self.files = 0
        self.since = time.monotonic()

    def add(self, write: Callable[[], None]) -> None:
        if not self.writes:
            self.since = time.monotonic()
        self.writes.append(write)

    def tick(self) -> None:
        self.files += 1
        if self.files >= COMMIT_FILES or time.monotonic() - self.since > COMMIT_SECONDS:
            self.close()

    def close(self) -> None:
        """Write the group: each file whole (a savepoint each, rolled back when it fails),
        then the quality checks, in one commit."""
        writes, self.writes, self.files = self.writes, [], 0
        with self.store.transaction():
            for write in writes:
                write()
            if not self.credited:
                _record_credits(self.store, self.summary.source)
                self.credited = True
            self.summary.flags = quality.assess(self.store, self.summary.source)


def _record_credits(store: Store, source: str) -> None:
    """Store the credit of the source being ingested (its adapter's, kept up to date), and
    of every other source of the store that has none recorded (a store written by an
    earlier version), with the first group of files."""
    have = store.source_credits()
    names = [source] + [s for s in store.source_names() if s != source and s not in have]
    for name in names:
        info = credit(name)
        if have.get(name) != info:
            store.record_source(name, info)


@dataclass
class _Queued:
    """An item (or a chunk of one-map files) waiting its turn, in file order, with its work:
    a worker's :class:`Future`, the result when it was done here, or None (nothing to do)."""

    item: Item | _Chunk
    work: object

    @property
    def in_worker(self) -> bool:
        return isinstance(self.work, Future)

    def waiting(self) -> bool:
        return isinstance(self.work, Future) and not self.work.done()

    def outcome(self):
        return self.work.result() if isinstance(self.work, Future) else self.work


class _Pipeline:
    """One ingest run: the files' items (:func:`._ingest_items.work_items`) go to the workers (one-map files in
    chunks, an archive's maps one by one) and come back in file order to the commits; at
    most ``4 × workers`` jobs are out at a time."""

    def __init__(self, store: Store, mod: SourceAdapter, files: list[Path], summary: IngestSummary, *,
                 outline: str, pool: ProcessPoolExecutor | None, workers: int,
                 progress: Callable[[int, int, str], None] | None, options: dict) -> None:  # fmt: skip
        self.store, self.mod, self.files, self.summary = store, mod, files, summary
        self.outline, self.pool, self.progress, self.options = outline, pool, progress, options
        self.limit = 4 * (workers if pool is not None else 1)
        self.pending: deque[_Queued] = deque()
        self.out = 0
        """Jobs given to workers and not handled yet."""
        self.chunk: list[OneMap] = []
        self.batch: list[ValidSnapshot] = []
        """The validated maps of the archive being read."""
        self.spill = BlobSpill()  # (they wait on disk past a budget)
        self.run_times: dict[str, set[str]] = {}
        """The valid times of the maps of each file's bytes committed in this run."""
        self.failed: set[Path] = set()
        self.done = 0
        self.commits = _Commits(store, summary)
        self.handlers: dict[type, Callable] = {
            _Chunk: self._chunk_done, ArchiveMap: self._map_done, Known: self._known,
            Failed: self._file_failed, ArchiveEnd: self._archive_done,
        }  # fmt: skip

    def run(self) -> None:
        if self.progress is not None:
            self.progress(0, len(self.files), "")
        try:
            for item in work_items(self.store, self.mod, self.files, self.options):
                self._feed(item)
            self._submit_chunk()
            self._drain(0)
        finally:
            # on an unexpected error or an interrupt too: the files finished so far are whole,
            # keep them (the one being written was rolled back to its savepoint)
            try:
                self.commits.close()
            finally:
                self.spill.close()

    def _feed(self, item: Item) -> None:
        if isinstance(item, OneMap):
            self.chunk.append(item)
            if len(self.chunk) >= (CHUNK_FILES if self.pool is not None else 1):
                self._submit_chunk()
                self._drain(self.limit)
            return
        if isinstance(item, ArchiveMap) and item.path in self.failed:
            return  # the rest of an archive a map of which failed: nothing of it is kept
        self._submit_chunk()  # keep the order of files
        work = self._work(_validate, item.raw, self.outline) if isinstance(item, ArchiveMap) else None
        self._push(item, work)
        self._drain(self.limit)

    def _work(self, fn: Callable, *args) -> object:
        """In a worker when there is a pool (a Future), here otherwise (the result)."""
        return self.pool.submit(fn, *args) if self.pool is not None else fn(*args)

    def _push(self, item: Item | _Chunk, work: object) -> None:
        queued = _Queued(item, work)
        self.pending.append(queued)
        self.out += queued.in_worker

    def _submit_chunk(self) -> None:
        if not self.chunk:
            return
        files, self.chunk = self.chunk, []
        jobs = [(f.path, f.sha) for f in files]
        self._push(_Chunk(files), self._work(_read_validate_chunk, self.mod.NAME, jobs, self.options, self.outline))

    def _drain(self, keep: int) -> None:
        """Handle finished items in order, and wait on the oldest while more than ``keep``
        worker jobs are out (duplicates and errors queued between them do not count: they
        must not leave a worker without a job)."""
        while self.out > keep or (self.pending and not self.pending[0].waiting()):
            queued = self.pending.popleft()
            self.out -= queued.in_worker
            item = queued.item
            if not isinstance(item, _Chunk) and item.path in self.failed:
                if isinstance(item, ArchiveEnd | Failed):
                    self._drop_batch()
                continue
            self.handlers[type(item)](item, queued.outcome())

    def _chunk_done(self, chunk: _Chunk, results: list[list[ValidSnapshot] | InputFileError]) -> None:
        for f, result in zip(chunk.files, results, strict=True):
            if isinstance(result, InputFileError):
                self.summary.errors.append(str(result))
            else:
                self._commit(f.path, f.sha, f.size, result)
            self._tick(f.path)

    def _map_done(self, item: ArchiveMap, result: ValidSnapshot | InputFileError) -> None:
        if isinstance(result, InputFileError):
            self.summary.errors.append(str(result))
            self.failed.add(item.path)
            self._drop_batch()
            self._tick(None)
            return
        self.batch.append(self.spill.keep(result))
        if self.progress is not None:  # (an archive of many maps: the count moves)
            self.progress(self.done, len(self.files), f"{item.path.name}: {len(self.batch)} maps")

    def _known(self, item: Known, _: None) -> None:
        store, mod, options, outline, summary = self.store, self.mod, self.options, self.outline, self.summary

        # read and checked here, before the commit's transaction opens (short transactions)
        plan = plan_duplicate(store, mod, item.sha, item.path, item.data, options, outline,
                              self.run_times.get(item.sha))  # fmt: skip

        def commit_file(path, sha, size, snaps, *, known_bytes: bool) -> None:
            _commit_file(store, path, sha, size, snaps, summary, known_bytes=known_bytes)

        def duplicate() -> None:
            if write_duplicate(store, plan, commit_file, summary.errors):
                summary.unchanged_files += 1
                summary.repeated_files += item.in_run

        self.commits.add(duplicate)
        self._tick(item.path)

    def _file_failed(self, item: Failed, _: None) -> None:
        self.summary.errors.append(str(item.error))
        self._drop_batch()
        self._tick(item.path)

    def _archive_done(self, item: ArchiveEnd, _: None) -> None:
        self._commit(item.path, item.sha, item.size, self.batch)
        self._drop_batch()
        self._tick(item.path)

    def _drop_batch(self) -> None:
        """The archive's maps are committed or given up: the next archive starts afresh,
        its own memory budget too."""
        self.batch = []
        self.spill.archive_done()

    def _commit(self, path: Path, sha: str, size: int, snaps: list[ValidSnapshot]) -> None:
        store, summary = self.store, self.summary
        self.run_times.setdefault(sha, set()).update(v.raw.valid_time.isoformat() for v in snaps)

        def write() -> None:
            try:
                _commit_file(store, path, sha, size, snaps, summary)
            except FrontwatchError as exc:
                summary.errors.append(str(exc))

        self.commits.add(write)

    def _tick(self, path: Path | None) -> None:
        self.done += 1
        self.summary.files += 1
        self.commits.tick()
        if self.progress is not None:
            self.progress(self.done, len(self.files), path.name if path else "")


def _commit_file(store, path, sha, size, batch, summary, *, known_bytes: bool = False) -> None:
    """One file's snapshots in one transaction (``known_bytes``: the bytes have a file row
    already, which lists the new snapshots too)."""
    ids: list[int] = []
    dups = 0
    added_days: set[str] = set()
    with store.transaction():
        for snap in batch:
            raw = snap.raw
            day = store.snapshots(raw.source, usable_only=False, day=raw.valid_date)
            same = [r for r in day if r.valid_time == raw.valid_time.isoformat()]
            twin = next((r for r in same if r.geom_hash == snap.geom_hash), None)
            if twin is not None:
                store.add_alias(twin.id, raw.file, sha)
                ids.append(twin.id)
                dups += 1
                continue
            sid = store.add_snapshot(snap, sha)
            ids.append(sid)
            summary.added += 1
            summary.repaired += sum(1 for w in snap.warnings if w.startswith("repaired"))
            summary.warnings.extend(f"{raw.source} {raw.valid_date}: {w}" for w in snap.warnings)
            if day or raw.valid_date in added_days:  # (alone on its day: nothing to supersede)
                summary.superseded += _supersede(store, raw.source, raw.valid_date)
            added_days.add(raw.valid_date)
        if known_bytes:
            store.add_file_snapshots(sha, ids)
        else:
            store.add_file(sha, summary.source, str(path), size, ids, dups)
    summary.duplicates += dups


def _supersede(store: Store, source: str, day: str) -> int:
    """Among one day's snapshots: same valid time → highest priority wins; then the
    source's adapter reconciles the winners (DeepState: a revision supersedes a daily file
    of the same day, :func:`frontwatch.sources.deepstate_mirror.reconcile_day`)."""
    rows = store.snapshots(source, usable_only=False, day=day)
    newly = 0
    by_time: dict[str, list] = {}
    for r in rows:
        by_time.setdefault(r.valid_time, []).append(r)
    winners = []
    for group in by_time.values():
        group.sort(key=lambda r: r.priority)
        best = group[-1]
        winners.append(best)
        for r in group[:-1]:
            if r.superseded_by != best.id:
                store.update_snapshot(r.id, superseded_by=best.id)
                newly += 1
    return newly + stored_adapter(source).reconcile_day(store, winners)
