"""The ground each side gained over a window of maps, from a nearby window's and the steps
at the two ends: a few small overlays instead of two over whole layers.

Write ``occ[i]`` for the occupied layer of record ``i``, and for the step from ``k`` to
``k + 1``: ``lost[k] = occ[k] − occ[k+1]`` (Ukraine's gain) and ``taken[k] = occ[k+1] −
occ[k]`` (Russia's). A window ``i → j`` has ``G = |occ[i] − occ[j]|`` (Ukraine's gain) and
``H = |occ[j] − occ[i]|`` (Russia's). Moving its end one map on changes them only inside
the step's ground, so (``|·|`` the area, ``∩`` within):

- end ``j → j+1``: ``G += |occ[i] ∩ lost[j]| − |occ[i] ∩ taken[j]|`` and
  ``H += |taken[j] − occ[i]| − |lost[j] − occ[i]|``;
- start ``i → i+1``: ``G += |taken[i] − occ[j]| − |lost[i] − occ[j]|`` and
  ``H += |occ[j] ∩ lost[i]| − |occ[j] ∩ taken[i]|``

(``lost[j]`` lies in ``occ[j]``, so none of it was in ``occ[i] − occ[j]``; ``taken[j]``
lies outside ``occ[j]``, so all of it that ``occ[i]`` holds was). Moving back undoes a
move on. Each move costs two overlays of a layer with a step's ground (a few hundred
vertices), where measuring the window costs two overlays of two whole layers.

The areas come out exact in the plane, but not as measured: each piece of an edge that an
overlay splits is measured as a geodesic of its own (about 1e-4 of a step's area on ISW's
maps of March 2022, whose straight edges run tens of km), and a step's ground may have been
taken after snapping one export's jitter onto the other (:mod:`._diff`). So callers use
them as bounds, widened by :data:`ERR_KM2` and :data:`ERR_REL` a move, never as reported
values, and a move over a step larger than :data:`MAX_STEP_KM2` is not made (windows there
are measured).
"""

from __future__ import annotations

import shapely

from . import _geo
from .errors import StoreError
from .store import SnapshotRecord, Store

ERR_KM2 = 0.1
"""What one move may be off by (km²), and :data:`ERR_REL` of the step's area: ten times
what was measured on every source (#14, bench/README.md)."""
ERR_REL = 1e-3
MAX_STEP_KM2 = 1_000.0
"""Steps larger than this (km², both sides) are not moved over."""


class Slider:
    """Moves windows of ``records`` (indices) along their steps; keeps the layers and
    steps it read."""

    def __init__(self, store: Store, records: list[SnapshotRecord], step_km2) -> None:
        self.store, self.records, self._step_km2 = store, records, step_km2
        self._steps: dict[int, tuple[shapely.MultiPolygon, shapely.MultiPolygon]] = {}

    def step(self, k: int) -> tuple[shapely.MultiPolygon, shapely.MultiPolygon]:
        """``(lost[k], taken[k])``: the stored step, else computed (kept in memory)."""
        got = self._steps.get(k)
        if got is None:
            a, b = self.records[k], self.records[k + 1]
            try:
                got = self.store.step(a.id, b.id)
            except StoreError:
                got = _geo.split_difference(self.store.layer(a.id), self.store.layer(b.id))
            self._steps[k] = got
        return got

    def _within(self, m: int, k: int) -> tuple[float, float]:
        """``(|occ[m] ∩ lost[k]|, |occ[m] ∩ taken[k]|)``."""
        occ = self.store.layer(self.records[m].id)
        lost, taken = (0.0 if g.is_empty else _geo.area_km2(shapely.intersection(occ, g)) for g in self.step(k))
        return lost, taken

    def movable(self, i: int, j: int, to_i: int, to_j: int) -> bool:
        """Whether :meth:`move` goes from ``i → j`` to ``to_i → to_j`` (no step too large)."""
        ks = [*range(min(i, to_i), max(i, to_i)), *range(min(j, to_j), max(j, to_j))]
        return all(sum(self._step_km2(k)) <= MAX_STEP_KM2 for k in ks)

    def move(self, i: int, j: int, g: float, h: float, to_i: int, to_j: int) -> tuple[float, float, float]:
        """The gains ``(G, H)`` of window ``to_i → to_j`` from those of ``i → j``, and what
        they may be off by (km²)."""
        err = 0.0

        def add(dg: float, dh: float, size: float) -> None:
            nonlocal g, h, err
            g, h = g + dg, h + dh
            err += ERR_KM2 + ERR_REL * size

        while i != to_i:  # the start, against the end's layer
            k = i if to_i > i else i - 1
            lost_km2, taken_km2 = self._step_km2(k)
            x, y = self._within(j, k)
            dg, dh = (taken_km2 - y) - (lost_km2 - x), x - y
            sign = 1 if to_i > i else -1
            add(sign * dg, sign * dh, lost_km2 + taken_km2)
            i += sign
        while j != to_j:  # the end, against the (new) start's layer
            k = j if to_j > j else j - 1
            lost_km2, taken_km2 = self._step_km2(k)
            x, y = self._within(i, k)
            dg, dh = x - y, (taken_km2 - y) - (lost_km2 - x)
            sign = 1 if to_j > j else -1
            add(sign * dg, sign * dh, lost_km2 + taken_km2)
            j += sign
        return g, h, err
