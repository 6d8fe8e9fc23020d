"""Data-quality checks over a source's history: transient faults, unexplained steps and
coverage breaks.

The checks run with every group of files an ingest commits, over the whole history of the source (they are scalar
tests on stored areas, plus one geometric difference per flagged step):

- **transient**: a snapshot whose occupied area jumps away from both neighbours by more
  than ``max(1,000 km², 2 %)`` in opposite directions while the neighbours agree; it is
  excluded from changes and series (e.g. a map that labels most of the held area as lost
  for one day).
- **unexplained step**: for sources that draw their own window layers (``gains``,
  ``losses``), a fall in occupied area larger than the window's ``losses`` (or a rise
  larger than its ``gains``) by more than 500 km². The snapshot stays, but the region of
  the step is stored as its ``unexplained`` layer and masked out of every change that
  spans it.
- **provisional**: the newest snapshot jumps as a transient fault would (by more than the
  transient threshold, or drawing a region held before 2022 differently); whether it is a
  fault only the next map can tell, so it is kept and every answer that uses it says so.
- **coverage break**: the snapshot draws a region held before 2022 (Crimea, the areas held
  since 2014) that its predecessor did not, or the reverse. Changes across a break mask
  that region.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from . import _geo
from .boundaries import REGION_LABELS
from .store import SnapshotRecord, Store
from .store.model import AUTO_FLAGS, OCCUPIED, PROVISIONAL, UNEXPLAINED, UNEXPLAINED_STEP

TRANSIENT_MIN_KM2 = 1_000.0
TRANSIENT_SHARE = 0.02
STEP_KM2 = 500.0
COVERAGE_EDGE_DEG = 0.02
"""Pieces of change within this distance (degrees, about 2 km) of a region whose coverage
flips are part of the coverage break, not of the war."""
AUTO = AUTO_FLAGS


def assess(store: Store, source: str) -> list[str]:
    """Recompute the automatic flags of a source; returns a message per flag."""
    recs = [r for r in store.snapshots(source, usable_only=False) if r.superseded_by is None]
    flags: dict[int, list[dict]] = {r.id: [f for f in r.flags if f["type"] not in AUTO]
                                    for r in recs}  # fmt: skip
    excluded = _transients(recs, flags)
    _provisional(recs, flags)
    good = [r for r in recs if r.id not in excluded]
    for prev, cur in zip(good, good[1:], strict=False):
        if prev.coverage != cur.coverage:
            changed = sorted(k for k in cur.coverage if cur.coverage[k] != prev.coverage.get(k))
            flags[cur.id].append({
                "type": "coverage_break",
                "regions": changed,
                "since": prev.valid_date,
                "message": (
                    f"coverage break: {' and '.join(REGION_LABELS[c] for c in changed)} "
                    f"{'added' if cur.coverage[changed[0]] else 'left out'} since the map of "
                    f"{prev.valid_date}; not counted as territory changing hands"
                ),
            })  # fmt: skip
            continue
        step = _unexplained_step(prev, cur)
        if step is not None:
            flags[cur.id].append(step)
            _store_step_region(store, prev, cur, step)
    messages: list[str] = []
    for r in recs:
        new = flags[r.id]
        if new != r.flags or (r.id in excluded) != r.excluded:
            store.update_snapshot(r.id, flags=new, excluded=int(r.id in excluded))
        messages.extend(f"{source} {r.valid_date}: {f['message']}" for f in new)
    return messages


def _transients(recs: list[SnapshotRecord], flags: dict[int, list[dict]]) -> set[int]:
    excluded: set[int] = set()
    for prev, cur, nxt in zip(recs, recs[1:], recs[2:], strict=False):
        if prev.id in excluded:
            continue
        if prev.coverage == nxt.coverage != cur.coverage:
            excluded.add(cur.id)
            gone = [REGION_LABELS[k] for k in cur.coverage if cur.coverage[k] != prev.coverage[k]]
            flags[cur.id].append({
                "type": "transient",
                "jump_km2": round(cur.occupied_km2 - prev.occupied_km2, 1),
                "message": (
                    f"transient fault: {' and '.join(gone)} drawn differently from the maps of "
                    f"{prev.valid_date} and {nxt.valid_date}; excluded from changes and series"
                ),
            })  # fmt: skip
            continue
        if not (prev.coverage == cur.coverage == nxt.coverage):
            continue
        d1 = cur.occupied_km2 - prev.occupied_km2
        d2 = nxt.occupied_km2 - cur.occupied_km2
        limit = max(TRANSIENT_MIN_KM2, TRANSIENT_SHARE * prev.occupied_km2)
        back = abs(nxt.occupied_km2 - prev.occupied_km2)
        if abs(d1) > limit and abs(d2) > limit and d1 * d2 < 0 and back < 0.25 * min(abs(d1), abs(d2)):
            excluded.add(cur.id)
            flags[cur.id].append({
                "type": "transient",
                "jump_km2": round(d1, 1),
                "message": (
                    f"transient fault: occupied area {d1:+,.0f} km² against the map of "
                    f"{prev.valid_date} and back by the map of {nxt.valid_date}; "
                    "excluded from changes and series"
                ),
            })  # fmt: skip
    return excluded


def _provisional(recs: list[SnapshotRecord], flags: dict[int, list[dict]]) -> None:
    """The newest map jumps as a transient fault does on its first day: until the next map
    tells the two apart, it is provisional, and answers that use it say so."""
    if len(recs) < 2:
        return
    prev, cur = recs[-2], recs[-1]
    d = cur.occupied_km2 - prev.occupied_km2
    if prev.coverage != cur.coverage:
        why = "draws a region held before 2022 differently from the map before it"
    elif abs(d) > max(TRANSIENT_MIN_KM2, TRANSIENT_SHARE * prev.occupied_km2):
        why = f"has an occupied area {d:+,.0f} km² against the map of {prev.valid_date}"
    else:
        return
    flags[cur.id].append({
        "type": PROVISIONAL,
        "jump_km2": round(d, 1),
        "message": (
            f"provisional: the newest map ({cur.valid_date}) {why}; until a later map shows "
            "whether it holds, it may be a transient fault"
        ),
    })  # fmt: skip


def _unexplained_step(prev: SnapshotRecord, cur: SnapshotRecord) -> dict | None:
    if "gains" not in cur.areas and "losses" not in cur.areas:
        return None
    d = cur.occupied_km2 - prev.occupied_km2
    gains, losses = cur.areas.get("gains", 0.0), cur.areas.get("losses", 0.0)
    excess = -d - losses if d < 0 else d - gains
    if excess <= STEP_KM2:
        return None
    return {
        "type": UNEXPLAINED_STEP,
        "step_km2": round(d, 1),
        "since": prev.valid_date,
        "message": (
            f"unexplained step: occupied area {d:+,.0f} km² since the map of {prev.valid_date} "
            f"with only {losses if d < 0 else gains:,.0f} km² of "
            f"{'losses' if d < 0 else 'gains'} drawn; the step's region is masked from changes"
        ),
    }


def _store_step_region(store: Store, prev: SnapshotRecord, cur: SnapshotRecord, step) -> None:
    a, b = store.layer(prev.id), store.layer(cur.id)
    if step["step_km2"] < 0:
        region = _geo.difference(_geo.difference(a, b), store.layer(cur.id, "losses"))
    else:
        region = _geo.difference(_geo.difference(b, a), store.layer(cur.id, "gains"))
    step["region_km2"] = round(_geo.area_km2(region), 1)
    store.replace_layer(cur.id, UNEXPLAINED, region)


@dataclass
class Mask:
    """What :func:`mask_parts` leaves out of a change from ``a`` to ``b``, by kind, and why:
    the regions held before 2022 that ``a`` and ``b`` do not both draw, which polygons of
    the two differences touch them (``lost_touch``, ``taken_touch``: one flag each, in the
    order of :func:`_geo.polygons_of`), and the regions of unexplained steps."""

    held: list[BaseGeometry]
    lost_touch: np.ndarray
    taken_touch: np.ndarray
    lost: list[shapely.Polygon]
    taken: list[shapely.Polygon]
    unexplained: list[BaseGeometry]
    notes: list[str]
    diffed: bool = True
    """Whether ``lost`` and ``taken`` are the differences (given, or computed for a flip)."""

    def union(self) -> shapely.MultiPolygon:
        """The whole region left out (one geometry)."""
        touching = [p for p, t in zip(self.lost, self.lost_touch, strict=True) if t]
        touching += [p for p, t in zip(self.taken, self.taken_touch, strict=True) if t]
        return _geo.union([*self.held, *touching, *self.unexplained])

    def apply(self) -> tuple[shapely.MultiPolygon, shapely.MultiPolygon]:
        """The two differences less the mask, without overlaying the mask's large regions:
        a polygon of a difference that touches a region held before 2022 is in the mask
        whole, and one that does not lies apart from the region (the touching is tested
        within :data:`COVERAGE_EDGE_DEG` of it); only the unexplained regions are cut out
        of what is left (:func:`_geo.difference_by_parts`). It needs the differences:
        :func:`mask_parts` given ``diff``, or a region that flips."""
        if not self.diffed:
            raise ValueError("Mask.apply needs the differences: give mask_parts its diff")
        cut = _geo.union(self.unexplained) if self.unexplained else _geo.EMPTY
        return tuple(  # type: ignore[return-value]
            _geo.difference_by_parts(shapely.MultiPolygon([p for p, t in zip(polys, touch, strict=True) if not t]), cut)
            for polys, touch in ((self.lost, self.lost_touch), (self.taken, self.taken_touch))
        )


def flipped_regions(a: SnapshotRecord, b: SnapshotRecord) -> dict[str, BaseGeometry]:
    """The regions held before 2022 that ``a`` and ``b`` draw differently (a change
    between them masks each whole), by name."""
    from .boundaries import held_before_2022

    return {name: g for name, g in held_before_2022().items() if a.coverage.get(name) != b.coverage.get(name)}


def unexplained_flags(r: SnapshotRecord) -> list[dict]:
    """The record's flags of an unexplained step (its region, the layer
    :data:`UNEXPLAINED`, is masked from every change that holds the step)."""
    return [f for f in r.flags or () if f.get("type") == UNEXPLAINED_STEP]


def mask_parts(store: Store, recs: list[SnapshotRecord], a: SnapshotRecord, b: SnapshotRecord, *,
               diff: tuple | None = None) -> Mask:  # fmt: skip
    """The region to leave out of a change from ``a`` to ``b``, by kind, and why.

    ``recs``: the records to look in for unexplained steps (those with flags are enough).
    ``diff`` is ``(occupied(a) − occupied(b), occupied(b) − occupied(a))`` when the caller
    has it (it is computed here otherwise, and only when the coverage flips).

    Regions held before 2022 that ``a`` and ``b`` do not both draw (with every piece of
    the two differences that touches them), and the regions of unexplained steps in the
    snapshots after ``a`` up to ``b``.
    """
    held, notes = [], []
    flipped = flipped_regions(a, b)
    for region, geom in flipped.items():
        held.append(geom)
        notes.append(
            f"{REGION_LABELS[region]} masked: drawn on the map of "
            f"{a.valid_date if a.coverage.get(region) else b.valid_date} only (coverage break)"
        )
    lost_polys: list[shapely.Polygon] = []
    taken_polys: list[shapely.Polygon] = []
    lost_touch = taken_touch = np.zeros(0, dtype=bool)
    if held:
        # the source's own line of the region differs from the reference drawing: mask every
        # piece of the difference that touches the region (within COVERAGE_EDGE_DEG) too
        zone = edge_zone(tuple(flipped))
        lost, taken = diff or _geo.split_difference(store.layer(a.id), store.layer(b.id), local=store.fast_paths)
        lost_polys, taken_polys = _geo.polygons_of(lost), _geo.polygons_of(taken)
        lost_touch = shapely.intersects(zone, np.array(lost_polys, dtype=object)) if lost_polys else lost_touch
        taken_touch = shapely.intersects(zone, np.array(taken_polys, dtype=object)) if taken_polys else taken_touch
        pieces = [p for p, t in zip(lost_polys + taken_polys, [*lost_touch, *taken_touch], strict=True) if t]
        if pieces:
            notes.append(f"{_geo.polygons_area_m2(pieces) / 1e6:,.0f} km² of change in or touching "
                         "the undrawn region masked (the source draws its edge differently from the "
                         "reference)")  # fmt: skip
    elif diff is not None:
        lost_polys, taken_polys = _geo.polygons_of(diff[0]), _geo.polygons_of(diff[1])
        lost_touch, taken_touch = np.zeros(len(lost_polys), bool), np.zeros(len(taken_polys), bool)
    unexplained: list[BaseGeometry] = []
    for r in recs:
        if r.flags and a.valid_time < r.valid_time <= b.valid_time:  # (few have flags)
            for f in unexplained_flags(r):
                unexplained.append(store.layer(r.id, UNEXPLAINED))
                notes.append(
                    f"{f.get('region_km2', abs(f['step_km2'])):,.0f} km² masked: "
                    f"unexplained step on the map of {r.valid_date}"
                )
    return Mask(held, np.asarray(lost_touch, bool), np.asarray(taken_touch, bool), lost_polys, taken_polys,
                unexplained, notes, diffed=bool(held) or diff is not None)  # fmt: skip


@cache
def edge_zone(regions: tuple[str, ...]) -> BaseGeometry:
    """The regions held before 2022 of these names with their edge zone
    (:data:`COVERAGE_EDGE_DEG`), prepared: the same for every change that flips them (and
    for the window tables' mask regions)."""
    from .boundaries import held_before_2022

    zone = shapely.buffer(_geo.union([held_before_2022()[r] for r in regions]), COVERAGE_EDGE_DEG)
    shapely.prepare(zone)
    return zone


def mask_between(store: Store, recs: list[SnapshotRecord], a: SnapshotRecord,
                 b: SnapshotRecord, *, diff: tuple | None = None) -> tuple[shapely.MultiPolygon, list[str]]:  # fmt: skip
    """The region to leave out of a change from ``a`` to ``b`` (one geometry), and why
    (:func:`mask_parts`)."""
    m = mask_parts(store, recs, a, b, diff=diff)
    return m.union(), m.notes


__all__ = ["assess", "flipped_regions", "Mask", "mask_between", "mask_parts", "unexplained_flags", "OCCUPIED",
           "PROVISIONAL", "UNEXPLAINED"]  # fmt: skip
