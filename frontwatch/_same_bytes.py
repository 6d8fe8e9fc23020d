"""The same bytes ingested again with other options: refused, not silently one snapshot.

DESIGN rule 4 keeps one snapshot per file's bytes. A user's own map (the ``geojson``
adapter) is dated, named and classed by options of the command line, so ingesting its bytes
again with another ``--date``, ``--name``, ``--occupied-property`` or ``--occupied-value``
would change nothing while seeming to: that is refused with a message pointing to
``frontwatch remove``. (The files of the providers are dated by their names or contents,
which :func:`plan_duplicate` handles.)

A repeated file is looked at in two steps: :func:`plan_duplicate` reads and validates what
it needs before any transaction opens (reading a map and validating it take from
milliseconds to seconds), and :func:`write_duplicate` writes the result in the ingest's
short commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from ._format import utf8_text
from .errors import InputFileError
from .snapshot import ValidSnapshot, validate_snapshot
from .store import SnapshotRecord, Store


def option_conflict(mod, path: Path, data: bytes, options: dict, outline: str,
                    snaps: list[SnapshotRecord]) -> tuple[InputFileError | None, list | None]:  # fmt: skip
    """The error for bytes of a user's map stored before (as ``snaps``) and given again with
    options that would make another snapshot of them, or None when they make the same; and
    the raw snapshots read to tell (None when the file was not read), so that the caller
    does not read it again."""
    if mod.NAME != "geojson" or not snaps:
        return None, None
    try:
        raws = list(mod.read(path, data, **options))
    except InputFileError as exc:
        return exc, None
    (raw,) = raws
    old = snaps[0]
    changed = []
    if raw.source != old.source:
        changed.append(f"source name {old.source} → {raw.source} (--name)")
    if raw.valid_date != old.valid_date:
        changed.append(f"date {old.valid_date} → {raw.valid_date} (--date)")
    if not changed:
        new = validate_snapshot(raw, outline=outline)
        if new.geom_hash != old.geom_hash or sorted(new.areas_km2) != sorted(old.areas):
            changed.append(f"occupied area {old.occupied_km2:,.1f} → {new.areas_km2['occupied']:,.1f} km² "
                           "(--occupied-property / --occupied-value)")  # fmt: skip
    if not changed:
        return None, raws
    return InputFileError(
        str(path),
        f"these bytes were ingested before (as {old.file}), as the {old.source} map of {old.valid_date}; the "
        f"same bytes stay one snapshot, so the new {' and '.join(changed)} is not applied. To change it, "
        f"remove that map first (frontwatch remove --source {old.source} --date {old.valid_date}) and ingest "
        "again",
    ), raws


@dataclass
class Duplicate:
    """What to do with bytes ingested before (or earlier in the same run), decided before
    the commit: refuse them (``conflict``), count them as already ingested (``known``),
    add the maps their name dates differently (``new``, validated), or record the name as
    an alias of their maps."""

    path: Path
    sha256: str
    size: int
    conflict: InputFileError | None = None
    known: bool = False
    new: list[ValidSnapshot] = field(default_factory=list)


def plan_duplicate(store: Store, mod, sha: str, path: Path, data: bytes, options: dict, outline: str,
                   run_times: set[str] | None = None) -> Duplicate:  # fmt: skip
    """Look at repeated bytes outside any transaction: the option check of a user's map,
    and, for a one-map file under a name not recorded yet, its maps of valid times the
    bytes' snapshots do not have, read and validated. ``run_times`` are the valid times of
    the first copy of the bytes in this run (its commit may not have happened yet)."""
    plan = Duplicate(path, sha, len(data))
    rec = store.file_record(sha)
    ids = [int(i) for i in orjson.loads(rec["snapshot_ids"])] if rec else []
    snaps = [store.snapshot(sid) for sid in ids]
    if rec is None and run_times is None:  # (nothing of these bytes was stored)
        plan.known = True
        return plan
    plan.conflict, raws = option_conflict(mod, path, data, options, outline, snaps)  # (another --date...)
    if plan.conflict is not None:
        return plan
    name = utf8_text(path)
    if rec is not None and (name == rec["path"] or not ids or _recorded(name, snaps)):
        plan.known = True
        return plan
    if not mod.is_archive(path):  # (a one-map file: reading it again costs ~10 ms)
        known = {s.valid_time for s in snaps} | (run_times or set())
        try:
            read = raws if raws is not None else mod.read(path, data, **options)
            plan.new = [validate_snapshot(r, outline=outline) for r in read
                        if r.valid_time.isoformat() not in known]  # fmt: skip
        except InputFileError:
            plan.new = []
    return plan


def _recorded(name: str, snaps: list[SnapshotRecord]) -> bool:
    return any(s.file == name or any(a["file"] == name for a in s.aliases) for s in snaps)


def write_duplicate(store: Store, plan: Duplicate, commit_file: Callable[..., None], errors: list[str]) -> bool:
    """Write what :func:`plan_duplicate` decided, inside the ingest's commit (the bytes'
    file row is read again: the run's first copy of the bytes may have been committed
    since). ``commit_file(path, sha, size, snaps, *, known_bytes)`` stores new maps. True
    when the file counts as already ingested (not refused, no new map)."""
    if plan.conflict is not None:
        errors.append(str(plan.conflict))
        return False
    if plan.known:
        return True
    rec = store.file_record(plan.sha256)
    if rec is None:  # (the run's first copy of the bytes failed to commit)
        return True
    snaps = [store.snapshot(int(i)) for i in orjson.loads(rec["snapshot_ids"])]
    name = utf8_text(plan.path)
    if name == rec["path"] or not snaps or _recorded(name, snaps):
        return True
    have = {s.valid_time for s in snaps}
    new = [v for v in plan.new if v.raw.valid_time.isoformat() not in have]
    if new:
        commit_file(plan.path, plan.sha256, plan.size, new, known_bytes=True)
        return False
    with store.transaction():
        for snap in snaps:
            store.add_alias(snap.id, name, plan.sha256)
    return True
