"""Changes between consecutive snapshots of a source, computed once and cached in the store.

A step is the pair of geometric differences between two consecutive usable snapshots A → B:
``occupied(A) − occupied(B)`` (ground Russia lost) and ``occupied(B) − occupied(A)`` (ground
Russia took), unmasked; users of steps apply the masks of :func:`quality.mask_between`.
Steps feed the control history of places and per-snapshot flows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import shapely

from . import _geo
from ._workers import default_workers, process_pool
from .store import SnapshotRecord, Store


@dataclass
class Step:
    """The change from one snapshot to the next."""

    a: SnapshotRecord
    b: SnapshotRecord
    lost_by_ru: shapely.MultiPolygon
    taken_by_ru: shapely.MultiPolygon


def _diff(blob_a: bytes, blob_b: bytes) -> tuple[bytes, bytes, float, float]:
    a, b = _geo.from_gpkg(blob_a), _geo.from_gpkg(blob_b)
    ua, ru = _geo.split_difference(a, b)
    return _geo.to_gpkg(ua), _geo.to_gpkg(ru), _geo.area_km2(ua), _geo.area_km2(ru)


def ensure_steps(
    store: Store,
    records: list[SnapshotRecord],
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Compute and store the missing steps between consecutive ``records``."""
    pairs = list(zip(records, records[1:], strict=False))
    have = store.step_keys()
    todo = [(a, b) for a, b in pairs if (a.id, b.id) not in have]
    if not todo:
        return
    workers = workers if workers is not None else default_workers()
    blobs = lambda r: store.layer_blob(r.id)  # noqa: E731
    done = 0
    if workers > 1 and len(todo) > 8:
        with process_pool(workers) as pool:
            futures = [(a, b, pool.submit(_diff, blobs(a), blobs(b))) for a, b in todo]
            for a, b, fut in futures:
                store.add_step(a.id, b.id, *fut.result())
                done += 1
                if progress:
                    progress(done, len(todo))
    else:
        for a, b in todo:
            store.add_step(a.id, b.id, *_diff(blobs(a), blobs(b)))
            done += 1
            if progress:
                progress(done, len(todo))


def steps(store: Store, records: list[SnapshotRecord], **kw) -> list[Step]:
    """The steps between consecutive ``records`` (computed and cached where missing)."""
    ensure_steps(store, records, **kw)
    out = []
    for a, b in zip(records, records[1:], strict=False):
        ua, ru = store.step(a.id, b.id)
        out.append(Step(a, b, ua, ru))
    return out
