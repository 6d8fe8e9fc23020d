"""Stitching: the union of polygons that tile a region cell by cell, by edge cancellation.

The tiled clipper (:mod:`._tiles`) cuts a layer into grid cells and clips each cell on its
own; its pieces only ever meet along grid lines, where both sides were cut from the same
parent edges. Their union is then a matter of bookkeeping rather than overlay: with every
ring oriented interior-on-the-left, an edge on a grid line that a neighbouring piece runs
the other way has interior on both sides and cancels; the edges that remain are the
union's boundary, and chaining them gives its rings. GEOS's coverage union does the same
in general; here only the few vertices on grid lines are looked at one by one, which on
the maps of a front line (thousands of vertices, hundreds of pieces) is several times
faster.

Crossings of a grid line that the cells on its two sides computed an ulp apart are joined
first. Where the pieces still do not fit the pattern (edges on a grid line noded
differently on the two sides, an edge met three times, a chain that does not close),
:class:`StitchFailed` is raised and the caller uses GEOS. Rings that touch at a point
(pieces meeting corner to corner, a hole touching its shell) are traced along the
interior of each corner and split into simple rings; the result then asks for a validity
check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, cast

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

SNAP_DEG = 1e-9
"""Crossings of one grid line closer than this (degrees) are one crossing computed twice."""

OnGrid = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
"""For points (n × 2): whether each lies on a vertical grid line, and on a horizontal one."""


class StitchFailed(Exception):
    """The pieces are not a clean cell coverage: use a general union."""


class Vertices(NamedTuple):
    """A polygonal geometry's rings and their vertices, each ring's closing vertex left out."""

    ccw: np.ndarray
    """Per ring: whether it runs counter-clockwise."""
    shell: np.ndarray
    """Per ring: whether it is a shell (else a hole)."""
    xy: np.ndarray
    ring: np.ndarray
    """Per vertex: the index of its ring."""


def vertices(geom: BaseGeometry | np.ndarray) -> Vertices:
    """The rings and vertices of a (multi)polygon, or of an array of them."""
    rings, owner = shapely.get_rings(shapely.get_parts(geom), return_index=True)
    shell = np.concatenate(([True], owner[1:] != owner[:-1])) if len(owner) else np.empty(0, bool)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    keep = np.concatenate((ring[1:] == ring[:-1], [False])) if len(ring) else np.empty(0, bool)
    return Vertices(shapely.is_ccw(rings), shell, xy[keep], ring[keep])


_NO_POINTS = np.empty(0, complex)


def touch_points(polys: tuple | list | np.ndarray) -> np.ndarray:
    """The points (complex ``x + iy``) where rings of valid polygons touch one another:
    what :func:`stitch` needs to know of the pieces of one cell."""
    if len(polys) < 2 and (not len(polys) or not shapely.get_num_interior_rings(polys[0])):
        return _NO_POINTS  # one ring
    return repeated_points(vertices(np.asarray(polys, dtype=object)).xy)


def repeated_points(xy: np.ndarray) -> np.ndarray:
    """The points (complex ``x + iy``, sorted) that occur more than once among ``xy`` (n × 2)."""
    at = np.sort(xy[:, 0] + 1j * xy[:, 1])
    return at[1:][at[1:] == at[:-1]]


class Stitched(NamedTuple):
    """The union of the pieces, and what the caller needs to know of it."""

    geom: shapely.MultiPolygon
    check: bool
    """Whether to check validity before trusting it (pieces met at a point on a grid
    line, a ring was split where it touched itself, or crossings were joined)."""
    vertices: Vertices
    taken: tuple[np.ndarray, np.ndarray, np.ndarray]
    """The vertices taken out on grid lines (n × 2), each with the kept vertex before it
    and the vertex after it in its ring (interior on the left), in that order: (before,
    dropped, after)."""


_NO_XY = np.empty((0, 2))


def stitch(polys: np.ndarray, on_grid: OnGrid, pinches: np.ndarray | None = None,
           own: np.ndarray | None = None) -> Stitched:  # fmt: skip
    """The union of valid polygons that lie each in one grid cell.

    ``pinches``: points (complex ``x + iy``) where rings of one cell's polygons touch,
    when the caller knows them (None: found here). ``own``: when given, the vertices the
    cutting added are taken out again (those on a grid line that lie on the straight edge
    between their neighbours), except at these points (complex: the input's own vertices
    on grid lines) and where rings touch.

    Raises
    ------
    StitchFailed
        When the pieces' shared edges do not cancel exactly.
    """
    rings = _Rings(np.asarray(polys, dtype=object))
    onx, ony = on_grid(rings.xy)
    snapped = _snap_crossings(rings.xy, onx, ony)
    if snapped:
        rings.drop_empty_edges()
        onx, ony = on_grid(rings.xy)
    grid = np.flatnonzero(onx | ony)
    nxt = rings.next(grid)
    dropped, kept = _shared_grid_edges(rings.xy, grid, nxt, onx, ony)
    corners = repeated_points(rings.xy[kept])  # on grid lines, where pieces meet at a point
    if pinches is None:  # any two kept edges that start at one point
        starts = np.ones(len(rings.xy), bool)
        starts[dropped] = False
        pinches = repeated_points(rings.xy[starts])
    repeated = np.unique(np.concatenate((corners, pinches)))
    index = _chain(rings, dropped)
    split = False
    if len(repeated):
        parts = [part for ring in index for part in _split_at_repeats(rings.xy, ring, repeated)]
        split, index = len(parts) > len(index), parts
    taken: tuple[np.ndarray, np.ndarray, np.ndarray] = (_NO_XY, _NO_XY, _NO_XY)
    if own is not None:
        index, taken = _drop_inserted(rings.xy, index, on_grid, np.concatenate((own, repeated)))
    geom, verts = _assemble(rings.xy, index)
    # rings that touch inside a cell and were left whole keep the valid form the cell's
    # overlay gave them; the rest is new here and gets checked
    return Stitched(geom, snapped or len(corners) > 0 or split, verts, taken)


COLLINEAR = 1e-11
"""A vertex this close to the straight line through its neighbours (relative to their
distance) lies on the edge between them: where cutting along a grid line put it."""


def inserted_vertices(xy: np.ndarray, ring: np.ndarray, on_grid: OnGrid, keep: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Of vertices ``xy`` grouped into rings (``ring``: each vertex's ring, rings one after
    another, closing vertices left out), those that cutting along grid lines added: on a
    grid line, on the straight edge between the vertices before and after them, and not
    at one of the points ``keep`` (complex). Their indices, the last vertex before each
    that stays (a fan of several in a row shares it) and the vertex after each."""
    none = np.empty(0, np.int64)
    cand = np.flatnonzero(np.logical_or(*on_grid(xy)))
    if not len(cand):
        return none, none, none
    first = np.searchsorted(ring, ring[cand], side="left")
    end = np.searchsorted(ring, ring[cand], side="right")
    prev, nxt = np.where(cand == first, end - 1, cand - 1), np.where(cand + 1 == end, first, cand + 1)
    p, q, m = xy[prev], xy[nxt], xy[cand]
    chord = np.hypot(q[:, 0] - p[:, 0], q[:, 1] - p[:, 1])
    cross = (m[:, 0] - p[:, 0]) * (q[:, 1] - p[:, 1]) - (m[:, 1] - p[:, 1]) * (q[:, 0] - p[:, 0])
    inserted = (np.abs(cross) <= COLLINEAR * np.maximum(chord, 1e-300)) & (chord > 0)
    if len(keep) and inserted.any():
        inserted &= ~np.isin(m[:, 0] + 1j * m[:, 1], keep)
    sel, anchor, nxt = cand[inserted], prev[inserted], nxt[inserted]
    first, end = first[inserted], end[inserted]
    for _ in range(len(sel)):  # several in a row: back to the first vertex that stays
        back = np.flatnonzero(np.isin(anchor, sel))
        if not len(back):
            break
        a = anchor[back]
        anchor[back] = np.where(a == first[back], end[back] - 1, a - 1)
    return sel, anchor, nxt


def _drop_inserted(xy: np.ndarray, rings: list[np.ndarray], on_grid: OnGrid, keep: np.ndarray
                   ) -> tuple[list[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]:  # fmt: skip
    """The rings (vertex index arrays) without the vertices cutting added
    (:func:`inserted_vertices`), and those with their neighbours; a ring that would keep
    fewer than three vertices keeps them all."""
    if not rings:
        return rings, (_NO_XY, _NO_XY, _NO_XY)
    sizes = np.fromiter(map(len, rings), np.int64, len(rings))
    idx = np.concatenate(rings)
    ring_of = np.repeat(np.arange(len(rings)), sizes)
    pts = xy[idx]
    sel, anchor, nxt = inserted_vertices(pts, ring_of, on_grid, keep)
    if not len(sel):
        return rings, (_NO_XY, _NO_XY, _NO_XY)
    gone = np.zeros(len(idx), bool)
    gone[sel] = True
    short = np.bincount(ring_of[~gone], minlength=len(rings)) < 3
    if short.any():
        ok = ~short[ring_of[sel]]
        gone[sel[~ok]] = False
        sel, anchor, nxt = sel[ok], anchor[ok], nxt[ok]
    left = np.bincount(ring_of[~gone], minlength=len(rings))
    out = np.split(idx[~gone], np.cumsum(left)[:-1])
    return out, (pts[anchor], pts[sel], pts[nxt])


class _Rings:
    """All ring vertices of some polygons (closing ones left out), each ring turned to
    have the interior on its left (shells counter-clockwise, holes clockwise)."""

    def __init__(self, polys: np.ndarray) -> None:
        rings, owner = shapely.get_rings(polys, return_index=True)
        shell = np.ones(len(rings), bool)
        shell[1:] = owner[1:] != owner[:-1]
        flip = shapely.is_ccw(rings) != shell
        coords = shapely.get_coordinates(rings)
        size = shapely.get_num_coordinates(rings) - 1
        self._set(size)
        # ring r starts at start[r] + r in ``coords`` (one closing vertex per ring before
        # it); a turned ring is read backwards from its closing vertex
        k = np.arange(len(self.ring_of)) - np.repeat(self.start, size)
        base = np.repeat(self.start + np.arange(len(size)), size)
        self.xy = coords[base + np.where(np.repeat(flip, size), size.repeat(size) - k, k)]

    def _set(self, size: np.ndarray) -> None:
        self.size = size
        self.start = np.cumsum(size) - size
        self.ring_of = np.repeat(np.arange(len(size)), size)

    def next(self, i: np.ndarray) -> np.ndarray:
        """The vertex after each of ``i`` around its ring."""
        r = self.ring_of[i]
        j = i + 1
        return np.where(j == self.start[r] + self.size[r], self.start[r], j)

    def prev(self, i: int) -> int:
        r = self.ring_of[i]
        return int(i - 1 if i > self.start[r] else self.start[r] + self.size[r] - 1)

    def drop_empty_edges(self) -> None:
        """Leave out a vertex equal to the one after it, and rings left with fewer than
        three (crossings joined on one side: a spike along a grid line, no area)."""
        every = np.arange(len(self.xy))
        drop = np.all(self.xy[self.next(every)] == self.xy, axis=1)
        if drop.any():
            size = np.bincount(self.ring_of[~drop], minlength=len(self.size))
            drop |= (size < 3)[self.ring_of]
            self.xy = self.xy[~drop]
            self._set(size[size >= 3])


def _snap_crossings(xy: np.ndarray, onx: np.ndarray, ony: np.ndarray) -> bool:
    """Join, in place, vertices on the same grid line that lie within :data:`SNAP_DEG` of
    each other along it: the cells on the two sides computed the same crossing an ulp
    apart. A vertex at a grid corner keeps its place. Whether any moved."""
    moved = False
    for on, line, along, corner in ((onx, 0, 1, ony), (ony, 1, 0, onx)):
        v = np.flatnonzero(on)
        if len(v) < 2:
            continue
        key, pos = xy[v, line], xy[v, along]
        order = np.lexsort((pos, key))
        v, key, pos = v[order], key[order], pos[order]
        gap = np.diff(pos)
        near = (key[1:] == key[:-1]) & (gap <= SNAP_DEG)
        if not np.any(near & (gap > 0)):
            continue
        # clusters of near vertices take the value of a corner among them, else their first
        head = np.concatenate(([True], ~near))
        cluster = np.cumsum(head) - 1
        target = pos[head].copy()
        at_corner = corner[v]
        target[cluster[at_corner]] = pos[at_corner]
        xy[v, along] = target[cluster]
        moved = True
    return moved


def _shared_grid_edges(xy: np.ndarray, grid: np.ndarray, nxt: np.ndarray, onx: np.ndarray,
                       ony: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Of the vertices on grid lines (``grid``, their successors ``nxt``): those whose
    edge lies on a grid line and is run the other way by a neighbouring piece (interior on
    both sides: not part of the union's boundary), sorted; and the others."""
    x, y = xy[grid, 0], xy[grid, 1]
    x2, y2 = xy[nxt, 0], xy[nxt, 1]
    if np.any((x == x2) & (y == y2)):
        raise StitchFailed("a ring repeats a vertex")
    shared = np.zeros(len(grid), bool)
    vertical = onx[grid] & onx[nxt] & (x == x2)
    horizontal = ony[grid] & ony[nxt] & (y == y2)
    for on_line, line, a, b in ((vertical, x, y, y2), (horizontal, y, x, x2)):
        e = np.flatnonzero(on_line)
        if not len(e):
            continue
        lo, hi, up = np.minimum(a[e], b[e]), np.maximum(a[e], b[e]), a[e] < b[e]
        key = line[e]
        order = np.lexsort((hi, lo, key))
        e, key, lo, hi, up = e[order], key[order], lo[order], hi[order], up[order]
        same = (key[1:] == key[:-1]) & (lo[1:] == lo[:-1]) & (hi[1:] == hi[:-1])
        if np.any(same[1:] & same[:-1]) or np.any(same & (up[1:] == up[:-1])):
            raise StitchFailed("an edge on a grid line is met more than twice, or twice alike")
        pair = np.flatnonzero(same)
        shared[e[pair]] = shared[e[pair + 1]] = True
        # what remains on a line must not overlap: else the two sides were noded apart
        rest = np.ones(len(e), bool)
        rest[pair] = rest[pair + 1] = False
        key, lo, hi = key[rest], lo[rest], hi[rest]
        if np.any((key[1:] == key[:-1]) & (lo[1:] < hi[:-1])):
            raise StitchFailed("edges on a grid line overlap without matching")
    return grid[shared], grid[~shared]


def _chain(rings: _Rings, dropped: np.ndarray) -> list[np.ndarray]:
    """The union's rings as vertex index arrays: input rings whose edges all stay, and
    closed chains of the runs of kept edges of the others."""
    xy = rings.xy
    has_dropped = np.zeros(len(rings.size), bool)
    ring = rings.ring_of[dropped]
    has_dropped[ring] = True
    out = [np.arange(s, s + n) for s, n in zip(rings.start[~has_dropped].tolist(),
                                               rings.size[~has_dropped].tolist(), strict=True)]  # fmt: skip
    if not len(dropped):
        return out
    # between two dropped edges of a ring (cyclically) runs a chain of kept ones
    last = np.concatenate((ring[1:] != ring[:-1], [True]))
    first_of = np.flatnonzero(np.concatenate(([True], ring[1:] != ring[:-1])))
    to = np.concatenate((dropped[1:], [0]))
    to[last] = dropped[first_of]
    start, size = rings.start[ring], rings.size[ring]
    length = (to - dropped - 1) % size
    run_ok = length > 0
    run = dropped[run_ok] + 1
    run = np.where(run == start[run_ok] + size[run_ok], start[run_ok], run)
    end, length = to[run_ok], length[run_ok]
    if not len(run):
        return out
    # the run that continues each run: the one starting where it ends
    start_at = xy[run, 0] + 1j * xy[run, 1]
    end_at = xy[end, 0] + 1j * xy[end, 1]
    order = np.argsort(start_at, kind="stable")
    sorted_at = start_at[order]
    lo = np.searchsorted(sorted_at, end_at, side="left")
    hi = np.searchsorted(sorted_at, end_at, side="right")
    if np.any(hi == lo):
        raise StitchFailed("a chain of edges does not close")
    follow = order[np.minimum(lo, len(order) - 1)]
    for k in np.flatnonzero(hi - lo > 1):  # a corner where pieces meet: stay in its interior
        options = order[lo[k] : hi[k]]
        follow[k] = _turn(xy, rings.prev(int(end[k])), int(end[k]), run[options],
                          rings.next(run[options]), options)  # fmt: skip
    if np.any(np.bincount(follow, minlength=len(run)) != 1):
        raise StitchFailed("chains of edges do not pair up")
    follow_l = follow.tolist()
    seen = [False] * len(run)
    walks: list[int] = []
    walk_of: list[int] = []
    for start in range(len(run)):
        j = start
        while not seen[j]:
            seen[j] = True
            walks.append(j)
            walk_of.append(start)
            j = follow_l[j]
    # the walks' vertex indices, run after run, each run cyclic within its ring
    seq = np.asarray(walks)
    ln = length[seq]
    s = np.repeat(run[seq], ln)
    f = np.repeat(rings.start[rings.ring_of[run[seq]]], ln)
    n = np.repeat(rings.size[rings.ring_of[run[seq]]], ln)
    offs = np.arange(len(s)) - np.repeat(np.cumsum(ln) - ln, ln)
    idx = f + (s - f + offs) % n
    cut = np.flatnonzero(np.diff(np.asarray(walk_of)))  # where one walk ends
    out.extend(np.split(idx, np.cumsum(ln)[cut]))
    return out


def _turn(xy: np.ndarray, before: int, at: int, outs: np.ndarray, ahead: np.ndarray, runs: np.ndarray) -> int:
    """Of the runs leaving vertex ``at`` (their first vertices ``outs``, second
    ``ahead``), the one that keeps the arriving edge's interior: the first clockwise from
    the way back."""
    back = np.arctan2(xy[before, 1] - xy[at, 1], xy[before, 0] - xy[at, 0])
    ways = np.arctan2(xy[ahead, 1] - xy[outs, 1], xy[ahead, 0] - xy[outs, 0])
    turn = (back - ways) % (2 * np.pi)
    turn[turn == 0] = 2 * np.pi
    return int(runs[np.argmin(turn)])


def _split_at_repeats(xy: np.ndarray, ring: np.ndarray, repeated: np.ndarray) -> list[np.ndarray]:
    """A closed walk that passes a point more than once (one of ``repeated``), as simple
    rings."""
    at = xy[ring, 0] + 1j * xy[ring, 1]
    hits = np.flatnonzero(np.isin(at, repeated))
    if len(hits) < 2 or len(np.unique(at[hits])) == len(hits):
        return [ring]
    out, todo = [], [ring]
    while todo:
        r = todo.pop()
        at = xy[r, 0] + 1j * xy[r, 1]
        seen: dict[complex, int] = {}
        for i in np.flatnonzero(np.isin(at, repeated)).tolist():
            p = complex(at[i])
            if p in seen:
                j = seen[p]
                todo.append(r[j:i])
                todo.append(np.concatenate((r[:j], r[i:])))
                break
            seen[p] = i
        else:
            out.append(r)
    return out


def _assemble(xy: np.ndarray, rings: list[np.ndarray]) -> tuple[shapely.MultiPolygon, Vertices]:
    """Polygons from interior-on-the-left rings: counter-clockwise ones are shells, each
    hole goes to the smallest shell that holds it."""
    rings = [r for r in rings if len(r) >= 3]  # fewer: what is left of a spike whose crossings were joined
    if not rings:
        empty = np.empty(0)
        return shapely.MultiPolygon(), Vertices(empty.astype(bool), empty.astype(bool), np.empty((0, 2)),
                                                empty.astype(np.int64))  # fmt: skip
    sizes = np.array([len(r) for r in rings])
    idx = np.concatenate(rings)
    ring_of = np.repeat(np.arange(len(rings)), sizes)
    out_xy = xy[idx]
    lr = shapely.linearrings(out_xy, indices=ring_of)
    ccw = shapely.is_ccw(lr)
    verts = Vertices(ccw, ccw, out_xy, ring_of)
    shells, holes = lr[ccw], lr[~ccw]
    if not len(shells):
        raise StitchFailed("no shell")
    if not len(holes):
        return shapely.multipolygons(shapely.polygons(shells)), verts
    if len(shells) == 1:
        return shapely.multipolygons([shapely.polygons(shells[0], holes=holes)]), verts
    filled = shapely.polygons(shells)
    area = shapely.area(filled)
    sbox, hbox = shapely.bounds(filled), shapely.bounds(holes)
    owner = np.empty(len(holes), dtype=np.int64)
    for h in range(len(holes)):
        lo, hi = hbox[h, :2], hbox[h, 2:]
        cand = np.flatnonzero(np.all(sbox[:, :2] <= lo, axis=1) & np.all(sbox[:, 2:] >= hi, axis=1))
        if len(cand) > 1:
            # the shells that hold the whole ring (a hole may touch its shell, even at a
            # point inside one of the shell's edges: no single vertex of it will do)
            shapely.prepare(filled[cand])
            cand = cand[shapely.contains(filled[cand], holes[h])]
        if not len(cand):
            raise StitchFailed("a hole outside every shell")
        owner[h] = cand[np.argmin(area[cand])]
    members = np.concatenate((shells, holes))
    which = np.concatenate((np.arange(len(shells)), owner))
    order = np.argsort(which, kind="stable")  # shells come first within each polygon
    polys = cast(np.ndarray, shapely.polygons(members[order], indices=which[order]))
    return cast(shapely.MultiPolygon, shapely.multipolygons(polys)), verts
