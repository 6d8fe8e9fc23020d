"""Removal of snapshots from a store: one snapshot, the maps of one date, or a whole source.

A removal is one transaction (a failure leaves the store as it was) taken while no ingest
runs into the store. It removes the snapshots with their layers and the derived results
that use them (cached steps and change areas), frees the maps they had superseded, forgets
the files whose every snapshot went (so that their bytes can be ingested again, e.g. with
the right ``--date``), and recomputes the source's quality flags; then it brings the steps
and the table of window bounds up to date, as an ingest does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import orjson

from . import quality
from .errors import StoreError, UnknownSource
from .store import SnapshotRecord, SQLiteStore, Store
from .timeline import parse_date


@dataclass
class RemoveSummary:
    """What a removal did (or, with ``dry_run``, would do)."""

    source: str
    removed: list[dict] = field(default_factory=list)
    files_forgotten: list[str] = field(default_factory=list)
    files_kept: list[str] = field(default_factory=list)
    restored: int = 0
    unfinished_cleared: bool = False
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)
    """What could not be derived again (steps, bounds of windows): queries then compute it."""

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "snapshots_removed": len(self.removed),
            "snapshots": self.removed,
            "files_forgotten": self.files_forgotten,
            "files_kept": self.files_kept,
            "snapshots_restored": self.restored,
            "unfinished_ingest_cleared": self.unfinished_cleared,
            "warnings": self.warnings,
        }

    def lines(self) -> list[str]:
        """The confirmation text: what went (or would go), and what it means for a re-ingest."""
        verb = "would remove" if self.dry_run else "removed"
        n = len(self.removed)
        days = sorted({r["valid_date"] for r in self.removed})
        span = "" if not days else f" ({days[0]})" if len(days) == 1 else f" ({days[0]} … {days[-1]})"
        out = [f"{verb} {n} snapshot{'s' if n != 1 else ''} of {self.source}{span}"]
        if self.unfinished_cleared:
            out.append(f"{'would clear' if self.dry_run else 'cleared'} the mark of its unfinished ingest")
        if self.files_forgotten:
            k = len(self.files_forgotten)
            out.append(f"{'would forget' if self.dry_run else 'forgot'} {k} file{'s' if k != 1 else ''}: "
                       f"ingesting {'them' if k != 1 else 'it'} again reads {'them' if k != 1 else 'it'} "
                       "anew")  # fmt: skip
        for f in self.files_kept:
            out.append(f"kept {f}: it holds other snapshots too, so ingesting it again does not bring the "
                       "removed maps back")  # fmt: skip
        if self.restored:
            out.append(f"{self.restored} map{'s' if self.restored != 1 else ''} that the removed ones had "
                       f"superseded {'would count' if self.dry_run else 'count'} again")  # fmt: skip
        return out + [f"warning: {w}" for w in self.warnings]


def remove_snapshots(store: Store, source: str, *, date: str | None = None, snapshot_id: int | None = None,
                     whole_source: bool = False, dry_run: bool = False, workers: int | None = None,
                     progress: Callable[[int, int, str], None] | None = None) -> RemoveSummary:  # fmt: skip
    """Remove snapshots of ``source``: the one of id ``snapshot_id``, every one valid on
    ``date`` (YYYY-MM-DD; a day can hold a daily file and revisions), or all of them
    (``whole_source``, which also forgets the source's files and an unfinished ingest).
    Exactly one of the three is given. ``dry_run`` says what would go and changes nothing.
    Then the steps between the maps left and the table of window bounds are brought up to
    date (:func:`.ingest.rederive`, in ``workers`` processes, ``progress`` as ingest's).

    Raises
    ------
    UnknownSource
        When the store holds nothing of ``source``.
    StoreError
        When nothing matches, the store is read-only, or (``StoreBusy``) an ingest into a
        file store is running.
    """
    if sum((date is not None, snapshot_id is not None, whole_source)) != 1:
        raise ValueError("give exactly one of date, snapshot_id, whole_source")
    known = set(store.source_names()) | _sources_with_files(store)
    if source not in known:
        raise UnknownSource(source, sorted(known))
    recs = store.snapshots(source, usable_only=False)
    if snapshot_id is not None:
        chosen = [r for r in recs if r.id == snapshot_id]
        if not chosen:
            raise StoreError(f"{store.path}: {source} has no snapshot with id {snapshot_id}")
    elif date is not None:
        date = parse_date(date).isoformat()  # (a clear error for a date that is not one)
        chosen = [r for r in recs if r.valid_date == date]
        if not chosen:
            days = [r.valid_date for r in recs]
            near = [d for d in days if d < date][-1:] + [d for d in days if d > date][:1]
            hint = f"; the nearest are of {' and '.join(near)}" if near else ""
            raise StoreError(f"{store.path}: {source} has no snapshot of {date}{hint}")
    else:
        chosen = recs
    summary = RemoveSummary(source, removed=[_row(r) for r in chosen], dry_run=dry_run)
    if getattr(store, "read_only", False):
        raise StoreError(f"{store.path} is read-only (a read-only mount, file, replica or role): it can be "
                         "queried, not written")  # fmt: skip
    with store.writer_lock():
        try:
            with store.transaction():
                _remove(store, source, {r.id for r in chosen}, recs, summary, whole_source)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
    if not dry_run:  # (steps between the maps left, the table of window bounds: as an ingest leaves them)
        from .ingest import rederive

        try:
            summary.warnings = rederive(store, source, workers=workers, progress=progress)
        except Exception as exc:  # (the removal is committed: say so, and what is left to queries)
            summary.warnings = [f"{source}: changes between maps and bounds of windows not brought up to date "
                                f"({type(exc).__name__}: {exc}); queries compute what they need"]  # fmt: skip
    return summary


class _DryRun(Exception):
    """Rolls the transaction of a dry run back."""


def _row(r: SnapshotRecord) -> dict:
    return {"id": r.id, "valid_date": r.valid_date, "valid_time": r.valid_time, "kind": r.kind,
            "file": r.file, "sha256": r.sha256}  # fmt: skip


def _sources_with_files(store: Store) -> set[str]:
    """Sources with file rows or an unfinished ingest but perhaps no snapshot yet."""
    return {r[0] for r in _run(store, "SELECT DISTINCT source FROM fw_files")} | set(store.unfinished_ingests())


def _run(store: Store, sql: str, args: list | tuple = ()):
    """``sql`` with ``?`` placeholders on either backend (psycopg takes ``%s``)."""
    if not isinstance(store, SQLiteStore):
        sql = sql.replace("?", "%s")
    return store.conn.execute(sql, args)  # type: ignore[attr-defined]


def _remove(store: Store, source: str, ids: set[int], recs: list[SnapshotRecord],
            summary: RemoveSummary, whole_source: bool) -> None:  # fmt: skip
    marks = ",".join("?" * len(ids))
    args = sorted(ids)
    if ids:
        _run(store, f"DELETE FROM fw_steps WHERE from_id IN ({marks}) OR to_id IN ({marks})", args + args)
        _run(store, f"DELETE FROM fw_changes WHERE from_id IN ({marks}) OR to_id IN ({marks})", args + args)
        _run(store, f"DELETE FROM fw_step_allowances WHERE from_id IN ({marks}) OR to_id IN ({marks})", args + args)
        _run(store, f"DELETE FROM snapshot_layers WHERE snapshot_id IN ({marks})", args)
    freed_days = set()
    for r in recs:  # maps the removed ones superseded count again (then ingest's rule decides)
        if r.id not in ids and r.superseded_by in ids:
            kept = [w for w in r.warnings if not w.startswith("daily file ")]
            store.update_snapshot(r.id, superseded_by=None, warnings=kept)
            freed_days.add(r.valid_date)
    if ids:
        _run(store, f"DELETE FROM fw_snapshots WHERE id IN ({marks})", args)
    for sha, src, path, listed in _run(store, "SELECT sha256, source, path, snapshot_ids FROM fw_files").fetchall():
        have = [int(i) for i in orjson.loads(listed)]
        left = [] if whole_source and src == source else [i for i in have if i not in ids]
        if left == have:
            continue
        if left:
            _run(store, "UPDATE fw_files SET snapshot_ids = ? WHERE sha256 = ?", (orjson.dumps(left).decode(), sha))
            summary.files_kept.append(path)
        else:
            _run(store, "DELETE FROM fw_files WHERE sha256 = ?", (sha,))
            summary.files_forgotten.append(path)
    if whole_source and source in store.unfinished_ingests():
        summary.unfinished_cleared = _run(store, "DELETE FROM fw_ingests WHERE source = ?", (source,)).rowcount > 0
    store._cache.clear()  # type: ignore[attr-defined]  # (the removed maps' layers)
    store._changed()  # type: ignore[attr-defined]
    if freed_days:
        from .ingest import _supersede

        for day in sorted(freed_days):
            _supersede(store, source, day)
        now = {r.id: r for r in store.snapshots(source, usable_only=False)}
        summary.restored = sum(1 for r in recs if r.superseded_by in ids and r.id in now
                               and now[r.id].superseded_by is None)  # fmt: skip
    if store.snapshots(source, usable_only=False):
        quality.assess(store, source)
