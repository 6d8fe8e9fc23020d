"""Differences of two polygonal layers, overlaid only where their edges differ.

Two maps of one source a day or a month apart share almost all of their edges: the front
moved in a few places. Direct every edge with its polygon's interior on the right (shells
clockwise, holes counter-clockwise). An edge that both layers have has both layers on
the same side, so neither ``a − b`` nor ``b − a`` has ground along it (an edge with the
layers on opposite sides is reversed in one of them: it differs). The boundary of every
piece of the two differences is therefore made of differing edges, and a piece lies
within the bounding box of its outer ring, a connected chain of differing edges (joined
where they meet or cross). Boxes around the runs of differing edges, grown until no two
touch, hold every piece with a margin, so clipping both layers to them and overlaying
the clipped parts gives the differences of the whole layers: overlays of a few hundred
vertices instead of tens of thousands.

:func:`differences` returns ``None`` where this would not pay (most edges differ: a
redrawn map) or where a check fails; the caller then runs the plain overlays.

A map that is the same drawing exported again can have every vertex moved by a few
billionths of a degree (ISW's layers, reprojected on each export: about 4e-9°, half a
millimetre), so that no edge matches. Where most edges differ, the vertices of ``b``
within :data:`SNAP_DEG` (about 1 cm) of a vertex of ``a`` are moved onto it first
(:func:`snapped`); when that leaves ``b`` valid and its edges now mostly shared, the
differences are those of ``a`` and the snapped ``b``: the hairline slivers of the
export's jitter (far below 0.01 km² in all) are not counted as ground that changed hands.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

GRID_DEG = 0.02
"""Boxes are snapped outward to this grid (degrees): fewer, rounder boxes."""
PAD_DEG = 1e-3
"""Least margin (degrees) between a differing edge and the edge of its box."""
MAX_SHARE = 0.3
"""Above this share of differing edges the plain overlay is as cheap: give up."""
THREAD_MIN_COORDS = 4_000
"""Below this many vertices (both geometries together) the two overlays of
:func:`both_differences` run one after the other."""
SNAP_DEG = 1e-7
"""Vertices this close (degrees, about 1 cm) are the same point drawn twice (see above)."""
MAX_DROPPED_KM2 = 1e-6
"""Pieces cut by a box's edge are clipping noise (pieces of the true differences never
reach it); more than this much of them (approximate km²) means the layers break the
assumptions (invalid input): give up."""

_K = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93],
              dtype=np.uint64)  # fmt: skip


def edges(geom: BaseGeometry) -> tuple[np.ndarray, np.ndarray]:
    """The edges of all rings of a polygonal geometry, each directed with the polygon's
    interior on its right (shells clockwise, holes counter-clockwise, whatever the
    stored orientation): ``(n, 4)`` float64 rows ``x0, y0, x1, y1``; and each edge's
    ring (an index)."""
    parts = shapely.get_parts(geom)
    rings, part = shapely.get_rings(parts, return_index=True)
    shell = np.ones(len(rings), bool)
    shell[1:] = part[1:] != part[:-1]
    flip = shapely.is_ccw(rings) == shell  # a counter-clockwise shell or a clockwise hole
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[:-1] == ring[1:]
    e = np.concatenate([xy[:-1][same], xy[1:][same]], axis=1)
    ring = ring[:-1][same]
    turn = flip[ring]
    e[turn] = e[turn][:, [2, 3, 0, 1]]
    return e, ring


def run_bounds(e: np.ndarray, ring: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Bounding boxes ``(k, 4)`` of the runs of consecutive masked edges of one ring (a
    run is connected, so it can stand for its edges when boxes are grown)."""
    at = np.nonzero(mask)[0]
    if len(at) == 0:
        return np.zeros((0, 4))
    starts = np.concatenate(([0], np.nonzero((np.diff(at) != 1) | (np.diff(ring[at]) != 0))[0] + 1))
    sel = e[at]
    lo = np.minimum(sel[:, :2], sel[:, 2:])
    hi = np.maximum(sel[:, :2], sel[:, 2:])
    return np.column_stack([np.minimum.reduceat(lo, starts), np.maximum.reduceat(hi, starts)])


def row_hashes(e: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row of up to four float64 coordinates (points, edges)."""
    u = np.ascontiguousarray(e).view(np.uint64)
    with np.errstate(over="ignore"):
        h = (u * _K[: u.shape[1]]).sum(axis=1, dtype=np.uint64)
    return h ^ (h >> np.uint64(31))


def unmatched(ea: np.ndarray, eb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the rows of ``ea`` that are not rows of ``eb``, and of the rows of ``eb``
    that are not rows of ``ea``. Rows are compared exactly: a hash collision can only mark
    a shared row as unmatched (more work), never a differing row as shared."""
    ha, hb = row_hashes(ea), row_hashes(eb)
    oa, ob = np.argsort(ha), np.argsort(hb)
    sa, sb = ha[oa], hb[ob]
    return _absent(ea, oa, sa, eb, ob, sb), _absent(eb, ob, sb, ea, oa, sa)


def _absent(e, order, h, other, other_order, other_h) -> np.ndarray:
    out = np.ones(len(e), bool)
    if len(other) == 0 or len(e) == 0:
        return out
    pos = np.minimum(np.searchsorted(other_h, h), len(other_h) - 1)  # (sorted queries)
    hit = np.nonzero(other_h[pos] == h)[0]
    mine, theirs = order[hit], other_order[pos[hit]]
    same = (e[mine] == other[theirs]).all(axis=1)
    out[mine[same]] = False
    return out


def change_boxes(bounds: np.ndarray) -> np.ndarray:
    """Boxes ``(k, 4)`` (xmin, ymin, xmax, ymax) on the :data:`GRID_DEG` grid that hold the
    given boxes (of connected runs of differing edges) with at least :data:`PAD_DEG` to
    spare, grown until no two overlap or touch (not even at a corner): a connected set of
    differing edges (runs that cross or touch have boxes that overlap) lies in one box."""
    boxes = np.column_stack([np.floor((bounds[:, :2] - PAD_DEG) / GRID_DEG),
                             np.ceil((bounds[:, 2:] + PAD_DEG) / GRID_DEG)]) * GRID_DEG  # fmt: skip
    boxes = np.unique(boxes, axis=0)
    grow = np.array([-GRID_DEG, -GRID_DEG, GRID_DEG, GRID_DEG]) / 4  # so that touching boxes merge
    while True:  # merge boxes that overlap or touch into their envelope, until none do
        parts = shapely.get_parts(shapely.union_all(shapely.box(*(boxes + grow).T)))
        merged = np.round((shapely.bounds(parts) - grow) / GRID_DEG) * GRID_DEG
        if len(merged) == len(boxes):
            return merged
        boxes = merged


def differences(a: BaseGeometry, b: BaseGeometry
                ) -> tuple[BaseGeometry, BaseGeometry] | None:  # fmt: skip
    """``(a − b, b − a)`` of two valid polygonal geometries, overlaid only inside the
    boxes where their edges differ; ``None`` where the plain overlay should run instead."""
    (ea, ring_a), (eb, ring_b) = edges(a), edges(b)
    only_a, only_b = unmatched(ea, eb)
    n_diff = int(only_a.sum() + only_b.sum())
    if n_diff == 0:
        return shapely.MultiPolygon(), shapely.MultiPolygon()
    if n_diff > MAX_SHARE * (len(ea) + len(eb)):
        b_snapped = snapped(a, b)
        if b_snapped is None:
            return None
        b = b_snapped
        eb, ring_b = edges(b)
        only_a, only_b = unmatched(ea, eb)
        n_diff = int(only_a.sum() + only_b.sum())
        if n_diff == 0:
            return shapely.MultiPolygon(), shapely.MultiPolygon()
        if n_diff > MAX_SHARE * (len(ea) + len(eb)):
            return None
    boxes = change_boxes(np.concatenate([run_bounds(ea, ring_a, only_a), run_bounds(eb, ring_b, only_b)]))
    window = shapely.MultiPolygon(list(shapely.box(*boxes.T)))
    aw, bw = shapely.intersection(a, window), shapely.intersection(b, window)
    frame = shapely.boundary(window)
    shapely.prepare(frame)
    out = []
    for d in both_differences(aw, bw):
        parts = shapely.get_parts(d)
        parts = parts[shapely.get_type_id(parts) == 3]
        cut = shapely.intersects(frame, parts)
        if cut.any():
            if _approx_km2(parts[cut]) > MAX_DROPPED_KM2:
                return None
            parts = parts[~cut]
        out.append(shapely.MultiPolygon(list(parts)))
    return out[0], out[1]


def snapped(a: BaseGeometry, b: BaseGeometry) -> BaseGeometry | None:
    """``b`` with each vertex within :data:`SNAP_DEG` of a vertex of ``a`` moved onto that
    vertex (the nearest of those in the 3 × 3 grid cells of SNAP_DEG around it); None when no
    vertex moves or the result is not valid."""
    ca, cb = shapely.get_coordinates(a), shapely.get_coordinates(b)
    if not len(ca) or not len(cb):
        return None
    ka, kb = _cells(ca), _cells(cb)
    order = np.argsort(ka)
    sorted_keys = ka[order]
    best = np.full(len(cb), -1)
    best_d = np.full(len(cb), np.inf)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            q = kb + (dx << 32) + dy
            pos = np.minimum(np.searchsorted(sorted_keys, q), len(ka) - 1)
            hit = np.nonzero(sorted_keys[pos] == q)[0]
            cand = order[pos[hit]]
            d = np.hypot(*(cb[hit] - ca[cand]).T)
            better = (d <= SNAP_DEG) & (d < best_d[hit])
            best[hit[better]], best_d[hit[better]] = cand[better], d[better]
    moved = (best >= 0) & (best_d > 0)
    if not moved.any():
        return None
    cb = cb.copy()
    cb[moved] = ca[best[moved]]
    out = shapely.set_coordinates(b, cb)  # a new geometry: b itself is not changed
    return out if shapely.is_valid(out) else None


def _cells(c: np.ndarray) -> np.ndarray:
    """One int64 key per point: its cell of the SNAP_DEG grid (x in the high 32 bits)."""
    k = np.floor(c / SNAP_DEG).astype(np.int64)
    return (k[:, 0] << 32) + (k[:, 1] + (1 << 31))


def _approx_km2(polys: np.ndarray) -> float:
    lat = shapely.get_y(shapely.centroid(polys))
    return float(np.sum(shapely.area(polys) * np.cos(np.radians(lat))) * 111.32 * 110.57)


def both_differences(a: BaseGeometry, b: BaseGeometry) -> tuple[BaseGeometry, BaseGeometry]:
    """``shapely.difference(a, b)`` and ``shapely.difference(b, a)``; for big geometries in
    two threads at once (GEOS releases the GIL), with the same results."""
    if shapely.get_num_coordinates(a) + shapely.get_num_coordinates(b) < THREAD_MIN_COORDS:
        return shapely.difference(a, b), shapely.difference(b, a)
    with ThreadPoolExecutor(1) as pool:
        ahead = pool.submit(shapely.difference, a, b)
        behind = shapely.difference(b, a)
        return ahead.result(), behind
