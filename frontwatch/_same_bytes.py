"""The same bytes ingested again with other options: refused, not silently one snapshot.

DESIGN rule 4 keeps one snapshot per file's bytes. A user's own map (the ``geojson``
adapter) is dated, named and classed by options of the command line, so ingesting its bytes
again with another ``--date``, ``--name``, ``--occupied-property`` or ``--occupied-value``
would change nothing while seeming to: that is refused with a message pointing to
``frontwatch remove``. (The files of the providers are dated by their names or contents,
which :func:`frontwatch.ingest._duplicate_file` handles.)
"""

from __future__ import annotations

from pathlib import Path

from .errors import InputFileError
from .snapshot import validate_snapshot
from .store import SnapshotRecord


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
