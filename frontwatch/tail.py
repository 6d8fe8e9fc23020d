"""The steps after a source's window table: what each adds to the bounds of windows across
the table's last map.

The table (:mod:`.arrangement`) is built again only once :data:`.arrangement.REBUILD_AFTER`
maps came after it; a window that ends after its last map adds the geodesic areas of the
steps after it, which do not add up to the window's: the window joins the long straight
edges of its own two maps whole where the steps cut them (:mod:`._edges`). Each step
therefore counts with an allowance (:func:`step_allowance_km2`), and each long edge that a
map after the table is the first to draw with its whole sag budget. Ingest stores them
(:func:`keep`); queries read them, or compute those they lack (:func:`tail_steps`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from shapely.geometry.base import BaseGeometry

from . import _geo
from ._edges import (
    EdgeSet,
    budgets,
    containing_km,
    crossing_km2,
    edges_km,
    long_edges,
    measured,
    sag_km2,
    terms_of,
    whole_sag_km2,
)
from .quality import UNEXPLAINED, edge_zone, flipped_regions, unexplained_flags
from .store import SnapshotRecord, Store


class TailStep(NamedTuple):
    """What a step after the table's last map adds to the bounds of the windows across it,
    beyond its two areas: its allowance (:func:`step_allowance_km2`), and the sag budget of
    the long edges its later map is the first to draw (held by none of the table's edges
    and of those drawn first since), with those edges (``(m, 5)``). A change of how they
    are worked out needs a migration that drops the stored ones (as schema 11 did)."""

    allowance_km2: float
    new_km2: float
    new_edges: np.ndarray

    def to_row(self, a: int, b: int) -> tuple[int, int, float, float, bytes]:
        return a, b, self.allowance_km2, self.new_km2, self.new_edges.astype("<f8").tobytes()

    @classmethod
    def from_row(cls, km2: float, new_km2: float, edges: bytes | None) -> TailStep:
        return cls(float(km2), float(new_km2), np.frombuffer(edges or b"", "<f8").reshape(-1, 5))


def step_allowance_km2(a: BaseGeometry, b: BaseGeometry, lost: BaseGeometry, taken: BaseGeometry,
                       caps: tuple[EdgeSet, ...] = (), masked: tuple[BaseGeometry, ...] = ()) -> TailStep:  # fmt: skip
    """What a step after the table's last map ``a → b`` adds to a window's bound beyond its
    two areas (km²). The steps' geodesic areas do not add up to a window's: a window joins
    the long straight edges of its own two maps whole where the steps cut them (#14). So:
    twice the sag budget of the step's pieces (:func:`budgets`: once for the pieces' own
    geodesic areas, once for the window's edges that run along them) at the lengths of the
    long edges that hold them, of ``a``, ``b`` and ``caps`` (those of every map before
    ``b``: the table's, and the ones each step after it drew first), and the snapping term
    of ``b`` (the table's per-map term); and, for windows that end on ``b`` or later, the
    whole sag budget of each long edge that ``b`` is the first to draw (a window across it
    may join what earlier maps drew cut). A long edge of an earlier map that runs through a
    piece (the ground moved a little off it, then the step took both sides) holds no edge
    of the piece, yet a window from that map has it: it counts over its length inside the
    pieces (:func:`._edges.crossing_km2`). ``masked``: the regions the step's windows mask
    (its unexplained region, regions held before 2022 it draws otherwise), whose long edges
    count whole, twice."""
    pieces = np.asarray(_geo.polygons_of(lost) + _geo.polygons_of(taken), dtype=object)
    edges_a, edges_b = edges_km(a), edges_km(b)
    before, after = EdgeSet(long_edges(edges_a)), EdgeSet(long_edges(edges_b))
    sag = float(budgets(pieces, before, after, *caps).sum()) if len(pieces) else 0.0
    terms = terms_of(edges_b, edges_a)
    drawn = measured(terms.long_edges)
    first = drawn[containing_km(drawn[:, :4], *caps) == 0]  # (not by `before`: holding is not transitive)
    crossing = crossing_km2(pieces, before, *caps)
    edged = 2 * sum(whole_sag_km2(g) for g in masked)
    return TailStep(2 * sag + terms.own_km2 + crossing + edged,
                    float(sag_km2(first[:, :4], first[:, 4], first[:, 4]).sum()), first)  # fmt: skip


def step_allowance(store: Store, a: SnapshotRecord, b: SnapshotRecord, caps: tuple[EdgeSet, ...] = ()) -> TailStep:
    """:func:`step_allowance_km2` of the step between two stored maps (the cached step, or
    the differences computed)."""
    from .changes import layer_differences

    masked: list[BaseGeometry] = [store.layer(b.id, UNEXPLAINED)] if unexplained_flags(b) else []
    if flipped := tuple(sorted(flipped_regions(a, b))):
        masked.append(edge_zone(flipped))
    return step_allowance_km2(store.layer(a.id), store.layer(b.id), *layer_differences(store, a, b), caps,
                              tuple(masked))  # fmt: skip


def tail_steps(store: Store, records: list[SnapshotRecord], start: int,
               stored: dict[tuple[int, int], TailStep] | None = None) -> list[TailStep]:  # fmt: skip
    """The :class:`TailStep` of each step from record ``start`` (the table's last map) on:
    the stored ones while every step before them is stored as it is now (each one's caps
    are the long edges of the maps before it), the others computed with the long edges
    the table keeps and those the steps before them drew first."""
    stored = stored or {}
    out: list[TailStep] = []
    table_edges: EdgeSet | None = None
    computing = False
    for a, b in zip(records[start:], records[start + 1 :], strict=False):
        got = None if computing else stored.get((a.id, b.id))
        if got is None:
            computing = True
            if table_edges is None:
                table_edges = EdgeSet(np.frombuffer(store.window_table_edges(a.source) or b"", "<f8"))
            drawn = np.concatenate([np.zeros((0, 5)), *(t.new_edges for t in out)])
            got = step_allowance(store, a, b, (table_edges, EdgeSet(drawn)))
        out.append(got)
    return out


def keep(store: Store, source: str, records: list[SnapshotRecord], start: int) -> None:
    """Store the :class:`TailStep` of each step from record ``start`` (the table's last
    map) on (:func:`tail_steps`: the stored ones kept while they hold), and only those:
    queries then read them."""
    have = stored_tail(store, source)
    pairs = list(zip(records[start:], records[start + 1 :], strict=False))
    steps = tail_steps(store, records, start, have)
    if len(pairs) != len(have) or any(t is not have.get((a.id, b.id)) for (a, b), t in zip(pairs, steps, strict=True)):
        with store.transaction():
            store.put_step_allowances(source, [t.to_row(a.id, b.id) for (a, b), t in zip(pairs, steps, strict=True)])


def stored_tail(store: Store, source: str) -> dict[tuple[int, int], TailStep]:
    """The stored :class:`TailStep` of the steps of ``source`` after its table, by ``(from_id, to_id)``."""
    return {pair: TailStep.from_row(*row) for pair, row in store.step_allowances(source).items()}
