"""Ingest: source files → adapters → validation → store, one transaction per file.

Re-ingesting the same bytes is a no-op; a file whose snapshot is geometry-identical to a
stored one (same source and valid time) is recorded as an alias of it; a bad file fails
with a message naming it and leaves the store as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import shapely

from . import _geo, quality
from ._same_bytes import plan_duplicate, write_duplicate
from ._tiles import tiled
from ._workers import default_workers, worker_pool
from .errors import FrontwatchError, InputFileError
from .snapshot import RawSnapshot, ValidSnapshot, validate_snapshot
from .sources import adapter
from .sources._io import check_document_size, expand_paths, max_document_bytes
from .steps import derive_steps
from .store import SnapshotRecord, Store

AGREEMENT_KM2 = 5.0
"""Daily DeepState files agreeing with the day's last revision within this many km² pass."""


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
            if workers > 1 and len(files) > 4:
                tiled(outline)  # (built here, forked workers have it)
                pool = stack.enter_context(worker_pool(workers))
            _run(store, mod, files, summary, outline, pool, progress, options)
        _derive(store, summary, pool, workers, progress)
    return summary


def _derive(store: Store, summary: IngestSummary, pool, workers: int, progress) -> None:
    """What queries need derived from the new snapshots (the steps between consecutive
    maps), stored after the snapshots' own commits: an ingest interrupted here has
    stored every map, and queries compute what is missing. Outside the ingest's lock: a
    map removed meanwhile gets no step (:meth:`Store.add_step` skips a step whose maps are
    gone, in the transaction that writes it)."""
    step_progress = None if progress is None else (lambda done, total: progress(done, total, "changes between maps"))
    try:
        derive_steps(store, summary.source, pool=pool, workers=workers, progress=step_progress)
    except (shapely.errors.GEOSException, ValueError) as exc:
        summary.warnings.append(f"{summary.source}: changes between maps not precomputed ({exc}); "
                                "queries compute them when needed")  # fmt: skip


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


def _items(store: Store, mod, files: list[Path], options: dict) -> Iterator[tuple]:
    """Per file: ('dup', ...), ('file', ...) for a one-map file to parse in a worker, or
    ('raw', ...)* then ('end', ...) or ('error', ...) for an archive streamed here."""
    seen: dict[str, Path] = {}
    limit = max_document_bytes()
    for path in files:
        try:
            if not mod.is_archive(path):  # (an archive is capped member by member)
                check_document_size(path, path.stat().st_size, limit)
            data = path.read_bytes()
        except InputFileError as exc:
            yield ("error", path, "", exc)
            continue
        except OSError as exc:
            yield ("error", path, "", InputFileError(str(path), f"cannot read ({exc.strerror or exc})"))
            continue
        sha = hashlib.sha256(data).hexdigest()
        if sha in seen or store.file_record(sha):
            yield ("dup-run" if sha in seen else "dup", path, sha, data)
            continue
        seen[sha] = path
        if not mod.is_archive(path):
            yield ("file", path, sha, len(data))
            continue
        try:
            for raw in mod.read(path, data, **options):
                yield ("raw", path, sha, raw)
        except InputFileError as exc:
            yield ("error", path, sha, exc)
            continue
        except Exception as exc:  # (one odd archive must not sink the other files)
            yield ("error", path, sha, InputFileError(str(path), f"cannot be read ({type(exc).__name__}: {exc})"))
            continue
        yield ("end", path, sha, len(data))


class _Commits:
    """Finished files waiting to be written, then written as a group in one short
    transaction with the source's quality checks: every few files or seconds, and at the
    end (or on an interrupt: the files finished so far are kept)."""

    def __init__(self, store: Store, summary: IngestSummary) -> None:
        self.store = store
        self.summary = summary
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
            self.summary.flags = quality.assess(self.store, self.summary.source)


def _run(store, mod, files, summary, outline, pool, progress, options) -> None:
    pending: deque[tuple[str, Path, str, object]] = deque()
    limit = 4 * (pool._max_workers if pool is not None else 1)
    batch: list[ValidSnapshot] = []
    failed: set[Path] = set()
    chunk: list[tuple[Path, str, int]] = []
    done = jobs = 0
    commits = _Commits(store, summary)
    run_times: dict[str, set[str]] = {}  # valid times of the maps of each file's bytes in this run

    def commit_file(path, sha, size, snaps, *, known_bytes: bool) -> None:
        _commit_file(store, path, sha, size, snaps, summary, known_bytes=known_bytes)

    def resolve(item):
        kind, path, sha, payload = item
        job = _job(item)
        if job is not None:
            payload = (payload[0], job.result()) if kind == "chunk" else job.result()
        return kind, path, sha, payload

    def commit(path, sha, size, snaps) -> None:
        run_times.setdefault(sha, set()).update(v.raw.valid_time.isoformat() for v in snaps)

        def write() -> None:
            try:
                _commit_file(store, path, sha, size, snaps, summary)
            except FrontwatchError as exc:
                summary.errors.append(str(exc))

        commits.add(write)

    def handle(kind, path, sha, payload) -> None:
        nonlocal batch
        if kind == "chunk":
            chunk_files, results = payload
            for (fpath, fsha, size), result in zip(chunk_files, results, strict=True):
                if isinstance(result, InputFileError):
                    summary.errors.append(str(result))
                else:
                    commit(fpath, fsha, size, result)
                tick(fpath)
            return
        if path in failed:
            if kind in ("end", "error"):
                batch = []
            return
        if kind == "raw":
            if isinstance(payload, InputFileError):
                summary.errors.append(str(payload))
                failed.add(path)
                batch = []
                tick(None)
                return
            batch.append(payload)
            if progress is not None:  # (an archive of many maps: the count moves)
                progress(done, len(files), f"{path.name}: {len(batch)} maps")
            return
        if kind in ("dup", "dup-run"):
            in_run = kind == "dup-run"
            # read and checked here, before the commit's transaction opens (short transactions)
            plan = plan_duplicate(store, mod, sha, path, payload, options, outline, run_times.get(sha))

            def duplicate() -> None:
                if write_duplicate(store, plan, commit_file, summary.errors):
                    summary.unchanged_files += 1
                    summary.repeated_files += in_run

            commits.add(duplicate)
        elif kind == "error":
            summary.errors.append(str(payload))
            batch = []
        elif kind == "end":
            commit(path, sha, payload, batch)
            batch = []
        tick(path)

    def tick(path: Path | None) -> None:
        nonlocal done
        done += 1
        summary.files += 1
        commits.tick()
        if progress is not None:
            progress(done, len(files), path.name if path else "")

    def run(fn, *args):
        """In a worker when there is a pool (a Future), here otherwise (the result)."""
        return pool.submit(fn, *args) if pool is not None else fn(*args)

    def push(item) -> None:
        nonlocal jobs
        pending.append(item)
        jobs += _job(item) is not None

    def submit_chunk() -> None:
        nonlocal chunk
        if not chunk:
            return
        job = run(_read_validate_chunk, mod.NAME, [(p, sh) for p, sh, _ in chunk], options, outline)
        push(("chunk", chunk[0][0], "", (chunk, job)))
        chunk = []

    def drain(keep: int) -> None:
        """Handle finished items in order, and wait on the oldest while more than
        ``keep`` worker jobs are out (duplicates and errors queued between them do not
        count: they must not leave a worker without a job)."""
        nonlocal jobs
        while jobs > keep or (pending and not _waiting(pending[0])):
            item = pending.popleft()
            jobs -= _job(item) is not None
            handle(*resolve(item))

    if progress is not None:
        progress(0, len(files), "")
    try:
        for item in _items(store, mod, files, options):
            kind, path, sha, payload = item
            if kind == "file":
                chunk.append((path, sha, payload))
                if len(chunk) >= (CHUNK_FILES if pool else 1):
                    submit_chunk()
                    drain(limit)
                continue
            submit_chunk()  # keep the order of files
            if kind == "raw":
                item = (kind, path, sha, run(_validate, payload, outline))
            push(item)
            drain(limit)
        submit_chunk()
        drain(0)
    finally:
        # on an unexpected error or an interrupt too: the files finished so far are whole,
        # keep them (the one being written was rolled back to its savepoint)
        commits.close()


def _job(item) -> Future | None:
    """A pending item's work given to a worker (a chunk carries its files beside it), or
    None: done here already, or nothing to do."""
    payload = item[3][1] if item[0] == "chunk" else item[3]
    return payload if isinstance(payload, Future) else None


def _waiting(item) -> bool:
    job = _job(item)
    return job is not None and not job.done()


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
    """Among one day's snapshots: same valid time → highest priority wins; a revision
    supersedes a daily file of the same day (recording whether the two agree)."""
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
    revisions = sorted((r for r in winners if r.kind == "revision"), key=lambda r: r.valid_time)
    for r in winners:
        if r.kind == "daily" and revisions and r.superseded_by is None:
            note = _daily_check(store, r, revisions[-1])
            store.update_snapshot(r.id, superseded_by=revisions[-1].id, warnings=r.warnings + [note])
            newly += 1
    return newly


def paired_revision(store: Store, daily: SnapshotRecord, same_day: SnapshotRecord | None = None
                    ) -> tuple[SnapshotRecord, int] | None:  # fmt: skip
    """The revision a daily DeepState file shows, and how many days it lies from the file's
    valid date: the last revision of that date when their areas agree within
    ``AGREEMENT_KM2``, else the last one of the days around it that does (the mirror's
    lag varies), else None."""
    day = dt.date.fromisoformat(daily.valid_date)
    if same_day is None:
        revisions = [r for r in store.snapshots(daily.source, day=daily.valid_date) if r.kind == "revision"]
        same_day = revisions[-1] if revisions else None
    if same_day is not None and abs(daily.occupied_km2 - same_day.occupied_km2) <= AGREEMENT_KM2:
        return same_day, 0
    for k in (-1, 1, -2, 2, -3):
        other = [r for r in store.snapshots(daily.source, day=(day + dt.timedelta(days=k)).isoformat())
                 if r.kind == "revision"]  # fmt: skip
        if other and abs(daily.occupied_km2 - other[-1].occupied_km2) <= AGREEMENT_KM2:
            return other[-1], k
    return None


MIRROR_DOWNLOAD_UTC = dt.time(3, 0)
"""About when the daily mirror downloads DeepState's map, on the day after its valid date."""


def closest_revision(store: Store, daily: SnapshotRecord) -> tuple[SnapshotRecord, int] | None:
    """Of the revisions :func:`paired_revision` looks at, and the one current when the
    daily file was downloaded, the one that differs least from the daily file by geometry
    (the geodesic km² of their symmetric difference) among those whose areas agree within
    ``AGREEMENT_KM2``; with how many days it lies from the file's valid date. Two
    revisions can agree by area and differ on the ground: this tells them apart, at the
    cost of an overlay per candidate (for checks, not for every ingest)."""
    day = dt.date.fromisoformat(daily.valid_date)
    cands: dict[int, SnapshotRecord] = {}
    for k in (0, -1, 1, -2, 2, -3):
        revs = [r for r in store.snapshots(daily.source, day=(day + dt.timedelta(days=k)).isoformat())
                if r.kind == "revision"]  # fmt: skip
        if revs:
            cands[revs[-1].id] = revs[-1]
        if k == 1:
            downloaded = dt.datetime.combine(day + dt.timedelta(days=1), MIRROR_DOWNLOAD_UTC, dt.UTC).isoformat()
            before = [r for r in revs if r.valid_time <= downloaded]
            if before:
                cands[before[-1].id] = before[-1]
    agree = [r for r in cands.values() if abs(daily.occupied_km2 - r.occupied_km2) <= AGREEMENT_KM2]
    if not agree:
        return None
    occ = store.layer(daily.id)
    best = min(agree, key=lambda r: _geo.area_km2(shapely.symmetric_difference(occ, store.layer(r.id))))
    return best, (dt.date.fromisoformat(best.valid_date) - day).days


def _daily_check(store: Store, daily, same_day) -> str:
    """Whether a daily DeepState file agrees with the last revision of its valid date; if
    not, which revision of the days around it it does match (the mirror's lag varies)."""
    diff = daily.occupied_km2 - same_day.occupied_km2
    paired = paired_revision(store, daily, same_day)
    if paired is not None and paired[1] == 0:
        return (
            f"daily file agrees with revision of {same_day.valid_time}: "
            f"{daily.occupied_km2:,.1f} vs {same_day.occupied_km2:,.1f} km² ({diff:+,.1f})"
        )
    if paired is not None:
        other, k = paired
        return (
            f"daily file differs from revision of {same_day.valid_time} by {diff:+,.1f} km² "
            f"but matches revision of {other.valid_time} "
            f"({daily.occupied_km2 - other.occupied_km2:+,.1f}): the mirror's map was "
            f"{abs(k)} day{'s' if abs(k) > 1 else ''} {'older' if k < 0 else 'newer'} "
            "than its file date says"
        )
    return (
        f"daily file DISAGREES with revision of {same_day.valid_time}: "
        f"{daily.occupied_km2:,.1f} vs {same_day.occupied_km2:,.1f} km² ({diff:+,.1f})"
    )
