"""Changes between consecutive snapshots of a source, computed once and cached in the store.

A step is the pair of geometric differences between two consecutive usable snapshots A → B:
``occupied(A) − occupied(B)`` (ground Russia lost) and ``occupied(B) − occupied(A)`` (ground
Russia took), unmasked; users of steps apply the masks of :func:`quality.mask_between`.
Steps feed the control history of places, per-snapshot flows and the bounds that prune
rankings; ingest computes them (:func:`derive_steps`), so queries find them in the store.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from typing import Literal

import numpy as np
import shapely

from . import _geo, _gpkg
from ._edges import MapTerms, map_terms
from ._workers import default_workers, worker_pool
from .arrangement import WindowTable, held_codes, load
from .boundaries import REGION_LABELS
from .store import SnapshotRecord, Store
from .tail import stored_tail, tail_steps


@dataclass
class Step:
    """The change from one snapshot to the next."""

    a: SnapshotRecord
    b: SnapshotRecord
    lost_by_ru: shapely.MultiPolygon
    taken_by_ru: shapely.MultiPolygon


def _diff(blob_a: bytes, blob_b: bytes, terms: int = 0) -> StepRow:
    """A step as stored, and with ``terms`` the :class:`._edges.MapTerms` the table of
    windows needs of every map: of ``b`` (1), and of ``a`` too (2: the source's first map)."""
    a, b = _gpkg.from_gpkg(blob_a), _gpkg.from_gpkg(blob_b)
    ua, ru = _geo.split_difference(a, b)
    got = (map_terms(a) if terms > 1 else None, map_terms(b, a) if terms else None)
    return _gpkg.to_gpkg(ua), _gpkg.to_gpkg(ru), _geo.area_km2(ua), _geo.area_km2(ru), got


def ensure_steps(
    store: Store,
    records: list[SnapshotRecord],
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    pool: Executor | None = None,
    keep: bool = False,
    terms: bool = False,
) -> dict[tuple[int, int], StepRow]:
    """Compute the steps between consecutive ``records`` that the store does not hold;
    returns them, by ``(from_id, to_id)``. Only ``keep`` (ingest's :func:`derive_steps`)
    stores them, in short transactions of their own; a query computes them in memory and
    writes nothing. No transaction is open while they are computed; a ``pool`` given
    (ingest's workers) is used instead of new worker processes. With ``terms`` (``records``
    a source's whole history), each step also has its maps' terms (see :func:`_diff`)."""
    pairs = list(zip(records, records[1:], strict=False))
    have = store.step_keys()
    todo = [(a, b) for a, b in pairs if (a.id, b.id) not in have]
    if not todo:
        return {}
    workers = workers if workers is not None else default_workers()
    want = {a.id: (2 if a.id == records[0].id else 1) for a, _ in todo} if terms else {}
    if len(todo) > 8 and (pool is not None or workers > 1):
        with ExitStack() as stack:
            if pool is None:
                pool = stack.enter_context(worker_pool(workers))
            return _add_steps(store, _in_pool(pool, _with_blobs(store, todo, want)), len(todo), progress, keep)
    results = ((a, b, _diff(blob_a, blob_b, n)) for a, b, blob_a, blob_b, n in _with_blobs(store, todo, want))
    return _add_steps(store, results, len(todo), progress, keep)


IN_FLIGHT = 16
"""Steps handed to the workers at a time (each holds two layers' blobs until it is done)."""


def _with_blobs(store: Store, todo: list[tuple[SnapshotRecord, SnapshotRecord]], terms: dict[int, int]):
    """Each pair with its two occupied layers' blobs, each layer read once along a chain
    (the ``b`` of a pair is the ``a`` of the next), and the terms :func:`_diff` is to add."""
    last: tuple[int, bytes] | None = None
    for a, b in todo:
        blob_a = last[1] if last is not None and last[0] == a.id else store.layer_blob(a.id)
        blob_b = store.layer_blob(b.id)
        last = (b.id, blob_b)
        yield a, b, blob_a, blob_b, terms.get(a.id, 0)


def _in_pool(pool: Executor, pairs):
    """The steps of ``pairs`` computed by ``pool``, in order, with at most
    :data:`IN_FLIGHT` waiting (a whole history's layers are never held at once)."""
    waiting: deque = deque()
    for a, b, blob_a, blob_b, terms in pairs:
        waiting.append((a, b, pool.submit(_diff, blob_a, blob_b, terms)))
        if len(waiting) >= IN_FLIGHT:
            a0, b0, fut = waiting.popleft()
            yield a0, b0, fut.result()
    while waiting:
        a0, b0, fut = waiting.popleft()
        yield a0, b0, fut.result()


def derive_steps(store: Store, source: str, *, pool: Executor | None = None, workers: int | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 terms: dict[int, MapTerms] | None = None) -> int:  # fmt: skip
    """At the end of an ingest: the steps between consecutive usable snapshots of
    ``source`` that the store does not hold yet (all of them for a new history, one or
    two for a new daily map), computed and stored, so that rankings, ``since``, series
    and places find them without writing anything; returns how many were added. Without
    ``pool``, ``workers`` processes (the ingest's own ``--workers``). ``terms`` gets the
    maps' :class:`._edges.MapTerms` the workers computed, by map id."""
    made = ensure_steps(store, store.snapshots(source), pool=pool, workers=workers, progress=progress,
                        keep=True, terms=terms is not None)  # fmt: skip
    if terms is not None:
        for (a, b), row in made.items():
            if row[4][0] is not None:
                terms[a] = row[4][0]
            if row[4][1] is not None:
                terms[b] = row[4][1]
    return len(made)


STEPS_PER_COMMIT = 32
StepRow = tuple[bytes, bytes, float, float, tuple]
"""A step as computed: the two differences (GeoPackage blobs) and their areas (km²), as
stored; and the :class:`._edges.MapTerms` of its maps (``(of a, of b)``, None where not
asked)."""


def _add_steps(store: Store, results, total: int, progress, keep: bool = False
               ) -> dict[tuple[int, int], StepRow]:  # fmt: skip
    """Collect steps as they come; with ``keep``, store them in groups (a commit per row
    costs a sync each), each group in a short transaction of its own; returns them all."""
    done = 0
    out: dict[tuple[int, int], StepRow] = {}
    group: list[tuple[int, int, StepRow]] = []

    def flush() -> None:
        rows = list(group)
        group.clear()
        if not rows or not keep:
            return
        with store.transaction():
            for a, b, row in rows:
                store.add_step(a, b, *row[:4])

    for a, b, row in results:
        out[(a.id, b.id)] = row
        group.append((a.id, b.id, row))
        done += 1
        if progress:
            progress(done, total)
        if len(group) >= STEPS_PER_COMMIT:
            flush()
    flush()
    return out


def step_areas(store: Store, source: str, made: dict[tuple[int, int], StepRow] | None = None
               ) -> dict[tuple[int, int], tuple[float, float]]:  # fmt: skip
    """The areas (km²) of the steps of ``source`` known to this store object, ``(from_id,
    to_id) -> (ua_km2, ru_km2)``: the stored ones, and those a query computed in memory
    (``made``, added here) while the snapshots do not change."""
    known = store.derived(("step_areas", source), lambda: store.step_areas(source))
    if made:
        known.update({k: (row[2], row[3]) for k, row in made.items()})
    return known


def steps(store: Store, records: list[SnapshotRecord], **kw) -> list[Step]:
    """The steps between consecutive ``records`` (the stored ones, the missing ones
    computed in memory)."""
    made = ensure_steps(store, records, **kw)
    out = []
    for a, b in zip(records, records[1:], strict=False):
        row = made.get((a.id, b.id))
        if row is None:
            ua, ru = store.step(a.id, b.id)
        else:
            ua, ru = (_geo.as_multipolygon(_gpkg.from_gpkg(row[0])), _geo.as_multipolygon(_gpkg.from_gpkg(row[1])))
        out.append(Step(a, b, ua, ru))
    return out


class GainBounds:
    """Upper bounds of the ground each side gained between two snapshots of a source, from
    the cached steps between consecutive ``records``.

    A point of ``occupied(A)`` not in ``occupied(B)`` (A before B) leaves the occupied area
    at some step between them, so ``occupied(A) − occupied(B)`` lies in the union of the
    steps' ``occupied(r_i) − occupied(r_i+1)``, and its area is at most the sum of their
    areas (likewise for Russia's gains); masks only take ground away. The sum is widened
    by ``MARGIN_REL`` and ``MARGIN_KM2`` for overlay rounding (far below a square metre).
    That holds for areas that add up, as lon/lat areas do; geodesic areas fall short of
    it by the sag of long edges (:meth:`masked_upper_km2`), so rankings and ``since``
    bound by the stored table of all windows (:mod:`.arrangement`, which budgets for the
    sag) wherever there is one, and by the sums only without it. What they compare is the
    masked gain, whose bounds leave out what masks take (see *bounds of the masked gain*
    below).

    Missing steps are computed (in memory: a query writes nothing) a block of records at a
    time, as bounds ask for them.
    """

    MARGIN_REL = 1e-6
    MARGIN_KM2 = 0.01

    def __init__(self, store: Store, records: list[SnapshotRecord], *, block: int = 64,
                 workers: int | None = None) -> None:  # fmt: skip
        self.store, self.records, self.block, self.workers = store, records, block, workers
        self.index = {r.id: i for i, r in enumerate(records)}
        self._km2 = np.full((max(len(records) - 1, 0), 2), np.nan)  # per step: ua, ru
        self._masked: np.ndarray | None = None
        self._cums: dict[tuple[str, str], tuple] = {}
        self._masked_rows: dict[tuple[int, int], list[float]] = {}
        self._codes: tuple[np.ndarray, np.ndarray] | None = None
        self._table: WindowTable | Literal[False] | None = None
        self._held: np.ndarray | None = None
        self._run: np.ndarray | None = None
        self._allow: np.ndarray | None = None
        self._load()

    def _load(self, made: dict[tuple[int, int], StepRow] | None = None) -> None:
        if not self.records:
            return
        areas = step_areas(self.store, self.records[0].source, made)
        for i, (a, b) in enumerate(zip(self.records, self.records[1:], strict=False)):
            got = areas.get((a.id, b.id))
            if got is not None:
                self._km2[i] = got
        self._masked = None
        self._cums = {}

    def ensure(self, i: int, j: int) -> None:
        """Have the steps between records ``i`` and ``j`` (indices), computing the missing
        ones from a block of records before ``i`` on (queries scan back in time) and keeping
        their areas here."""
        if not np.isnan(self._km2[i:j, 0]).any():
            return
        lo = max(0, i - self.block)
        self._load(ensure_steps(self.store, self.records[lo : j + 1], workers=self.workers))

    def cumulative_km2(self, side: str) -> tuple[np.ndarray, np.ndarray]:
        """Running sums over the steps (index ``i`` = the steps before record ``i``) of the
        ground ``side`` gained and of the ground the other side gained, for the chained
        bounds of :func:`chained_upper_km2` (steps not computed count as 0: use them only
        between records :meth:`ensure` covered)."""
        got = self._cums.get(("plain", side))
        if got is None:
            col = 0 if side == "UA" else 1
            km2 = np.nan_to_num(self._km2, nan=0.0)
            zero = np.zeros(1)
            got = np.concatenate([zero, np.cumsum(km2[:, col])]), np.concatenate([zero, np.cumsum(km2[:, 1 - col])])
            self._cums[("plain", side)] = got
        return got

    def upper_km2(self, a: SnapshotRecord, b: SnapshotRecord, side: str, *, masked: bool = True) -> float:
        """An upper bound (km²) of the ground ``side`` (``UA`` or ``RU``) gained from ``a`` to
        ``b`` (``a`` not after ``b``): of the masked gain (:meth:`masked_upper_km2`), or with
        ``masked=False`` the steps' sum of the whole gain (a bound of lon/lat areas; the
        geodesic gain can pass it by the sag of long edges, see :meth:`masked_upper_km2`)."""
        i, j = self.index[a.id], self.index[b.id]
        self.ensure(i, j)
        if masked:
            return float(self.masked_upper_km2(np.array([i]), np.array([j]), side)[0])
        total = float(self._km2[i:j, 0 if side == "UA" else 1].sum())
        return total * (1 + self.MARGIN_REL) + self.MARGIN_KM2

    # -- bounds of the masked gain (what rankings rank) ------------------------------------
    #
    # A point that ``side`` gained from record i to record j, outside the window's mask
    # (:func:`quality.mask_between`), last changed hands at some step k inside the window,
    # and it is not in that step's unexplained region (the mask holds the regions of every
    # unexplained step inside the window). Where the window's two ends draw a region
    # held before 2022 differently, the mask holds that whole region too. So a step's share
    # of a masked bound is its gain outside its own unexplained region ("flag"), and, where
    # every region that flips inside the window is drawn differently at the window's ends,
    # also outside the regions flipped at that step ("full"). Only steps with a flag or a
    # flip differ from the plain steps: a few in a whole history.

    def _masked_steps(self) -> np.ndarray:
        """Per step: ``(ua, ru)`` gained outside the step's unexplained region, then outside
        it and the regions whose drawing flips at the step (``(n, 4)``; NaN where the step
        is not computed yet)."""
        if self._masked is None:
            from .changes import layer_differences
            from .quality import flipped_regions, unexplained_flags
            from .store.model import UNEXPLAINED

            out = np.concatenate([self._km2, self._km2], axis=1)
            for k, (a, b) in enumerate(zip(self.records, self.records[1:], strict=False)):
                flagged = bool(unexplained_flags(b))
                flips = list(flipped_regions(a, b).values())
                if not (flagged or flips) or np.isnan(self._km2[k, 0]):
                    continue
                row = self._masked_rows.get((a.id, b.id))
                if row is None:  # (kept across the loads of further blocks)
                    lost, taken = layer_differences(self.store, a, b)
                    own = self.store.layer(b.id, UNEXPLAINED) if flagged else _geo.EMPTY
                    both = _geo.union([own, *flips]) if flips else own
                    row = [_geo.area_km2(_geo.difference_by_parts(g, m)) for m in (own, both) for g in (lost, taken)]
                    self._masked_rows[(a.id, b.id)] = row
                out[k] = row
            self._masked = out
        return self._masked

    def _coverage(self) -> tuple[np.ndarray, np.ndarray]:
        """Per record and region held before 2022 (in the order of :data:`HELD`): a code
        of how the record draws it, and how many times its drawing flipped before."""
        if self._codes is None:
            codes = np.array([[hash(r.coverage.get(n)) for n in HELD] for r in self.records], dtype=np.int64)
            codes = codes.reshape(len(self.records), len(HELD))
            flips = np.concatenate([np.zeros((1, len(HELD)), np.int64), np.cumsum(codes[1:] != codes[:-1], axis=0)])
            self._codes = (codes, flips)
        return self._codes

    def ends_differ(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Per window ``i → j``: whether every region whose drawing flips inside it is drawn
        differently at its two ends (then the mask holds those regions whole)."""
        codes, flips = self._coverage()
        flipped = flips[j] > flips[i]
        return ~(flipped & (codes[i] == codes[j])).any(axis=1)

    def held_masked(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Per window ``i → j``: the regions held before 2022 that its two ends draw
        differently (its mask holds them whole), as bits (``1 << n`` for ``HELD[n]``)."""
        codes, _ = self._coverage()
        return ((codes[i] != codes[j]) * (1 << np.arange(len(HELD)))).sum(axis=1)

    def masked_upper_km2(self, i: np.ndarray, j: np.ndarray, side: str) -> np.ndarray:
        """Upper bounds (km²) of the masked ground ``side`` gained over the windows of
        records ``i[k] → j[k]`` (indices; :meth:`ensure` them first): the stored table's
        where it has one (:meth:`table_upper_km2`), else the steps' sums.

        The sums are not always above: a window's geodesic area joins a map's long
        straight edge whole where the steps cut it into pieces, and the geodesic of a long
        edge sags off the straight line (about 15 km² between a 100 km edge's two curves
        at 48° N). On ISW's maps of March 2022 the steps of 2022-03-05 → 03-12 sum to
        2,729.7 km² of Ukraine's gains and the window measures 2,731.6 km²: a pruned
        ranking named another window (#14). The table budgets for that sag, and so do the
        allowances of the steps after it (:meth:`_allowances`). The sums without their
        allowances remain where a store keeps no table, and for the steps inside the table
        of a window that it does not bound (a region held before 2022 that the window's
        start draws, its table window masks, and a map after the table draws again): there
        a ranking can still miss a window within the sag of long edges."""
        table = self.table_upper_km2(i, j, side)
        covered = np.isfinite(table)
        return table if covered.all() else np.where(covered, table, self.summed_upper_km2(i, j, side))

    def summed_upper_km2(self, i: np.ndarray, j: np.ndarray, side: str) -> np.ndarray:
        """The steps' sums of the masked gains of ``side`` over the windows ``i → j``
        (widened by the margins), for windows the table does not bound; the steps after
        the table's last map count with their allowances (:meth:`_allowances`)."""
        flag, full, _ = self.masked_cumulative_km2(side)
        total = _masked_sum(flag, full, self.ends_differ(i, j), i, j) * (1 + self.MARGIN_REL) + self.MARGIN_KM2
        return total + self.past_table_km2(i, j)

    def _loaded_table(self) -> WindowTable | None:
        if self._table is None:
            self._table = load(self.store, self.records) or False
        return self._table or None

    def past_table_km2(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """What the windows ``i → j`` add to their bounds for the steps after the table's
        last map (:class:`.tail.TailStep`): the allowances of those they hold, and
        the sag budgets of the long edges first drawn after the table up to ``j`` (a window
        joins the long edges of its own maps, which earlier maps may have drawn cut); zero
        for windows that end on the table's maps, or where there is no table."""
        table = self._loaded_table()
        if table is None or not (j > table.valid - 1).any():
            return np.zeros(len(j))
        allow, drawn = self._allowances()
        return allow[j] - allow[np.maximum(i, table.valid - 1)] + drawn[j]

    def _allowances(self) -> tuple[np.ndarray, np.ndarray]:
        """Running sums (index ``i`` = the steps before record ``i``; zero up to the table's
        last map) of the steps' allowances and of the sag budgets of the long edges they drew
        first (:func:`.tail.tail_steps`: stored by ingest, else computed here and kept
        by the store object while its maps do not change)."""
        if self._allow is None:
            table = self._loaded_table()
            start = table.valid - 1 if table is not None else len(self.records)
            per_step = np.zeros((max(len(self.records) - 1, 0), 2))
            if start < len(self.records) - 1:
                source, ids = self.records[0].source, tuple(r.id for r in self.records[start:])
                stored = self.store.derived(("step_allowances", source), lambda: stored_tail(self.store, source))
                got = self.store.derived(("tail_steps", ids), partial(tail_steps, self.store, self.records, start, stored))
                per_step[start:] = [(t.allowance_km2, t.new_km2) for t in got]
            self._allow = np.vstack([np.zeros((1, 2)), np.cumsum(per_step, axis=0)])
        return self._allow[:, 0], self._allow[:, 1]

    def table_upper_km2(self, i: np.ndarray, j: np.ndarray, side: str) -> np.ndarray:
        """Upper bounds of the masked gains from the stored table of all windows
        (:mod:`.arrangement`); windows that end after the table's last map add the plain
        steps after it (infinite where a region the table's window masks is drawn again
        after it); infinite where there is no table or the window starts after it."""
        out = np.full(len(i), np.inf)
        table = self._loaded_table()
        if table is None:
            return out
        last = table.valid - 1
        inside = i < last
        if inside.any():
            own = self.cumulative_km2(side)[0]
            a, b = i[inside], j[inside]
            end = np.minimum(b, last)
            after = (own[b] - own[end]) * (1 + self.MARGIN_REL) + np.where(b > end, self.MARGIN_KM2, 0)
            after += self.past_table_km2(a, b)
            got = table.upper_km2(a, end, side) + after
            # a region the table's window a → last masks but a → b does not (drawn again
            # after the table's last map): the table left its ground out
            if self._held is None:
                self._held = held_codes(self.records)[1]
            held = self._held
            got[((held[a] != held[end]) & (held[a] == held[b])).any(axis=1)] = np.inf
            out[inside] = got
        return out

    def masked_cumulative_km2(self, side: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Running sums (as :meth:`cumulative_km2`) of the masked gains of ``side`` ("flag",
        then "full") and of the plain gains of the other side."""
        got = self._cums.get(("masked", side))
        if got is None:
            col = 0 if side == "UA" else 1
            km2 = np.nan_to_num(self._masked_steps(), nan=0.0)
            zero = np.zeros(1)
            flag, full = (np.concatenate([zero, np.cumsum(km2[:, c])]) for c in (col, 2 + col))
            got = self._cums[("masked", side)] = (flag, full, self.cumulative_km2(side)[1])
        return got

    def masked_chained_upper_km2(self, i: np.ndarray, j: np.ndarray, p: int, q: int, exact_km2: float,
                                 side: str, differ: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
        """:func:`chained_upper_km2` for the masked gains: a step of the chain inside a
        window counts with its masked gain, one outside it (before ``i`` or after ``j``)
        plainly. (``differ``: the windows' :meth:`ends_differ`, when the caller has it.)
        Where the source has a stored table, only to windows whose maps are the measured
        window's own (the same geometry: the chain adds nothing to the measured value),
        infinite for the others: the chain adds geodesic areas of pieces, which can fall
        short of the whole's (see :meth:`masked_upper_km2`)."""
        chained = self.summed_chained_upper_km2(i, j, p, q, exact_km2, side, differ)
        if self._loaded_table() is None:
            return chained
        runs = self._runs()
        return np.where((runs[i] == runs[p]) & (runs[j] == runs[q]), chained, np.inf)

    def _runs(self) -> np.ndarray:
        """Per record: the index of the first record of its run of consecutive records of
        the same geometry."""
        if self._run is None:
            hashes = np.array([r.geom_hash for r in self.records], dtype=object)
            new = np.r_[True, hashes[1:] != hashes[:-1]][: len(hashes)]
            self._run = np.maximum.accumulate(np.where(new, np.arange(len(hashes)), 0))
        return self._run

    def summed_chained_upper_km2(self, i: np.ndarray, j: np.ndarray, p: int, q: int, exact_km2: float,
                                 side: str, differ: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
        """The chain of :meth:`masked_chained_upper_km2` by the steps' sums, whatever
        the table bounds."""
        flag, full, other = self.masked_cumulative_km2(side)
        own = self.cumulative_km2(side)[0]
        differ = self.ends_differ(i, j) if differ is None else differ
        if not (full != own).any():  # (no step masked: the same bound, by the plain chain's fewer steps)
            return chained_upper_km2((own, other), i, j, p, q, exact_km2)

        def forward(lo, hi):  # the side's gains over the steps lo..hi (lo <= hi)
            a, b = np.clip(lo, i, j), np.clip(hi, i, j)
            return _masked_sum(flag, full, differ, a, b) + (own[hi] - own[lo]) - (own[b] - own[a])

        p_, q_ = np.full_like(i, p), np.full_like(i, q)
        head = np.where(p_ >= i, forward(i, np.maximum(p_, i)), other[i] - other[np.minimum(p_, i)])
        tail = np.where(j >= q_, forward(np.minimum(q_, j), j), other[q_] - other[np.minimum(q_, j)])
        total = head + exact_km2 + tail
        return total * (1 + self.MARGIN_REL) + self.MARGIN_KM2


def _masked_sum(flag: np.ndarray, full: np.ndarray, differ: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per window, the masked gains of the steps ``a..b`` (running sums ``flag`` and
    ``full``): "full" where the window's ends draw every flipping region differently."""
    return np.where(differ, full[b] - full[a], flag[b] - flag[a])


HELD = tuple(sorted(REGION_LABELS))
"""The regions held before 2022 (:func:`boundaries.held_before_2022`), in a fixed order."""


def chained_upper_km2(cum: tuple[np.ndarray, np.ndarray], i: np.ndarray, j: np.ndarray, p: int, q: int,
                      exact_km2: float) -> np.ndarray:  # fmt: skip
    """Upper bounds (km²) of the ground a side gained over the windows of records
    ``i[k] → j[k]``, through a pair ``p → q`` whose gain ``exact_km2`` (unmasked) is known.

    A point that side gained from ``i`` to ``j`` (occupied at one end, not at the other)
    changed at some point of the chain ``i → p → q → j``: it lies in that side's gain from
    ``p`` to ``q``, or in a change between ``i`` and ``p`` or between ``q`` and ``j``.
    Going forward in time such a change is a gain of the side (its steps' sum bounds it);
    going back it is a gain of the other side, read backwards. ``cum`` is
    :meth:`GainBounds.cumulative_km2`. Widened by the margins of :class:`GainBounds`. (As
    areas in lon/lat: geodesic areas of the pieces can fall short of the whole's, see
    :meth:`GainBounds.masked_upper_km2`; rankings chain so only where no table bounds.)"""
    own, other = cum
    head = np.where(p >= i, own[p] - own[i], other[i] - other[p])
    tail = np.where(j >= q, own[j] - own[q], other[q] - other[j])
    total = head + exact_km2 + tail
    return total * (1 + GainBounds.MARGIN_REL) + GainBounds.MARGIN_KM2
