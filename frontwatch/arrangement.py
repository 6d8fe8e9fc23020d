"""Upper bounds of every window's gains from the arrangement of a history's steps.

The steps of a source (:mod:`.steps`: what each map took from the previous one and gave
back) cut the plane into faces: node every step's boundary with every other's (and with
the edges of the regions masks hold) and each face lies wholly inside or outside each
step's ground and each region. A face's side therefore changes only at the steps that hold
it, so its side at every map follows from its first side and those steps. The ground
Ukraine gained from map ``i`` to map ``k`` (occupied at ``i``, not at ``k``) is the union of
the faces occupied at ``i`` and not at ``k``, and the sum of their areas gives that gain for
every pair of maps at once: a face adds its area to a rectangle of pairs per (occupied,
free) pair of its intervals of maps, and a two-dimensional running sum of those rectangles
is the table of all windows. What rankings rank is the gain outside the window's mask
(:func:`.quality.mask_parts`: a region held before 2022 that the two maps draw
differently, the region of an unexplained step inside the window), so a face inside such
a region counts only in the windows whose masks leave it out.

The table is an upper bound, not the answer. Faces are measured in lon/lat (straight
edges on the equal-area cylinder: :func:`._geo.lonlat_areas_km2`), a measure that adds up
exactly however the faces cut the ground; the answer is geodesic, and a window's geodesic
area differs from its lon/lat area by the sag of each of its edges between the straight
line and the geodesic (a straight edge of length ``ℓ`` at latitude ``φ`` sags by at most
about ``ℓ³·tan φ / (12 R)`` of area: 1.8 km² for a 50 km edge, a millionth of that for a
50 m one; 1.08 times that at worst over all bearings, against pyproj). A window's edge lies
on an edge of one of its two maps, of length ``L``, and is cut by faces into pieces, so
each face counts with a budget on top of its area: for each of its edge pieces ``ℓ``,
``2 · ℓ · L² · tan φ / (12 R)`` with ``L`` the longest edge of any map of the source that
holds the piece (at least :data:`._edges.SHORT_KM` and the piece itself:
:func:`._edges.budgets`), plus a term for the snapped noding (:data:`GRID_DEG`). Per map,
a term for the snapping of maps whose every vertex moved (:data:`._diff.SNAP_DEG`, ISW's
exports) covers the slivers a measured window or a snapped step may differ by. Faces whose
steps do not alternate (a sliver read on the wrong side of a boundary) count in every
window that holds one of their steps; a sliver misread without breaking the alternation is
under a millimetre wide, which the snapping term covers.

Rankings (:func:`.changes.top_windows`) measure windows in the order of their bounds, so
bounds a few hundredths of a km² above the truth let them stop after the ranked windows
instead of measuring hundreds of windows whose sums of steps are large. Ingest builds the
table (:func:`refresh`); maps added later are covered by the steps' sums and what each step
adds (:mod:`.tail`) until the next rebuild (:data:`REBUILD_AFTER`); a table whose maps are
no longer the source's is not used.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from . import _geo, _gpkg, tail
from ._diff import row_hashes
from ._edges import EdgeSet, MapTerms, budgets, edges_km, long_edges, map_terms, measured
from .boundaries import held_before_2022
from .quality import UNEXPLAINED, edge_zone, unexplained_flags
from .store import SnapshotRecord, Store

GRID_DEG = 1e-8
"""Steps' boundaries are noded on this grid (snap-rounding: robust, moves a vertex by at
most 0.7e-8°, under a millimetre)."""
REL_MARGIN, ABS_MARGIN_KM2 = 1e-6, 0.01
REBUILD_AFTER = 30
"""Maps added since the table was built before ingest builds it again (each rebuild of a
full history takes seconds; maps after the table's last are bounded by the steps' sums
and what each adds, :mod:`.tail`)."""
STRIPS_PER_WORKER = 2
"""Strips of the plane (by longitude) per worker: each strip's faces are found on their own."""
TABLE_VERSION = 1
"""Part of every map's key: a table built by another method (its constants, its rules of
masks) is not used."""


@dataclass
class WindowTable:
    """Upper bounds (km²) of each side's gain outside the window's mask for every pair of a
    source's maps ``i < k`` (indices into ``ids``), packed by rows; ``per_map`` is each
    map's own term; ``hashes`` the maps' :func:`map_key`."""

    ids: np.ndarray
    hashes: list[str]
    ua: np.ndarray
    ru: np.ndarray
    per_map: np.ndarray
    long_edges: np.ndarray | None = None
    """The long edges ``(n, 5)`` of all its maps and mask regions, which its faces' budgets
    took their caps from (the steps after it take theirs too: :func:`.tail.tail_steps`); read
    apart (:meth:`.Store.window_table_edges`), not loaded with the table."""
    valid: int = -1
    """How many first maps hold for the records it was loaded for (:func:`load`; all of
    them otherwise)."""

    def __post_init__(self) -> None:
        if self.valid < 0:
            self.valid = len(self.ids)

    @property
    def size(self) -> int:
        return len(self.ids)

    def upper_km2(self, i: np.ndarray, k: np.ndarray, side: str) -> np.ndarray:
        """The bounds of the windows ``i[n] → k[n]`` (``i < k < size``)."""
        t = self.size
        pos = i * t - i * (i + 1) // 2 + (k - i - 1)
        table = self.ua if side == "UA" else self.ru
        raw = table[pos].astype(np.float64) + self.per_map[i] + self.per_map[k]
        return raw * (1 + REL_MARGIN) + ABS_MARGIN_KM2

    def matching(self, records: list[SnapshotRecord]) -> int:
        """How many first maps of ``records`` are the table's first maps, unchanged (their
        layers, and what decides their windows' masks): the table holds for the windows
        between them, whatever came after (a map removed, one flagged since)."""
        n = 0
        for r, table_id, key in zip(records, self.ids.tolist(), self.hashes, strict=False):
            if r.id != table_id or map_key(r) != key:
                break
            n += 1
        return n

    def to_row(self) -> tuple[bytes, str, bytes, bytes, bytes, bytes]:
        edges = np.zeros((0, 5)) if self.long_edges is None else self.long_edges
        return (self.ids.astype("<i8").tobytes(), "\n".join(self.hashes), self.ua.astype("<f4").tobytes(),
                self.ru.astype("<f4").tobytes(), self.per_map.astype("<f8").tobytes(),
                edges.astype("<f8").tobytes())  # fmt: skip

    @classmethod
    def from_row(cls, row) -> WindowTable:
        ids, hashes, ua, ru, per_map = row
        return cls(np.frombuffer(ids, "<i8"), str(hashes).split("\n") if hashes else [],
                   np.frombuffer(ua, "<f4"), np.frombuffer(ru, "<f4"), np.frombuffer(per_map, "<f8"))  # fmt: skip


def map_key(r: SnapshotRecord) -> str:
    """What a table depends on of a map: the method, its occupied layer, the regions held
    before 2022 it draws, whether it has an unexplained step (the last two decide masks)."""
    drawn = ",".join(f"{n}={int(bool(r.coverage.get(n)))}" for n in sorted(r.coverage))
    return f"v{TABLE_VERSION}|{r.geom_hash}|{drawn}|{int(bool(unexplained_flags(r)))}"


def held_codes(records: list[SnapshotRecord]) -> tuple[list[str], np.ndarray]:
    """The regions held before 2022, and per map whether it draws each (``(maps,
    regions)``): a window whose two maps differ on a region has it in its mask."""
    names = sorted(held_before_2022())
    return names, np.array([[bool(r.coverage.get(n)) for n in names] for r in records], bool).reshape(-1, len(names))


def _mask_regions(store: Store, records: list[SnapshotRecord]) -> list[tuple[BaseGeometry, np.ndarray]]:
    """The regions that some window's mask (:func:`.quality.mask_parts`) holds, each with
    the pairs of maps ``(i, k)`` whose window's mask holds it (a boolean matrix): a region
    held before 2022 that the two maps draw differently; the region of an unexplained
    step between them. (The mask also holds pieces touching a flipped region: leaving
    them in only raises the bounds.)"""
    t = len(records)
    out: list[tuple[BaseGeometry, np.ndarray]] = []
    names, codes = held_codes(records)
    for j, name in enumerate(names):
        if codes[:, j].any() and not codes[:, j].all():  # (with the edge zone: a piece reaching into it is masked whole)
            out.append((edge_zone((name,)), codes[:, j, None] != codes[None, :, j]))
    for s, r in enumerate(records):
        if unexplained_flags(r):
            masked = np.zeros((t, t), bool)
            masked[:s, s:] = True  # (the step into map s lies inside windows i < s <= k)
            out.append((store.layer(r.id, UNEXPLAINED), masked))
    return out


def build(store: Store, source: str, *, records: list[SnapshotRecord] | None = None,
          terms: dict[int, MapTerms] | None = None, pool: Executor | None = None, workers: int = 1,
          progress: Callable[[int, int], None] | None = None) -> WindowTable | None:  # fmt: skip
    """The table of a source's maps (all its usable ones by default) from its stored steps;
    None when a step is missing or there are fewer than three maps. The plane is cut into
    strips whose faces are found, read and measured on their own, by ``pool`` when given
    (``workers`` processes), else here."""
    records = store.snapshots(source) if records is None else records
    t = len(records)
    if t < 3:
        return None
    polys, step, kind = [], [], []
    for s, (a, b) in enumerate(zip(records, records[1:], strict=False)):
        got = store.cached_step(a.id, b.id)
        if got is None:
            return None
        for k, geom in enumerate(got):
            parts = shapely.get_parts(geom)
            polys.append(parts)
            step.append(np.full(len(parts), s))
            kind.append(np.full(len(parts), k))
    steps_polys = np.concatenate(polys)
    step_of, kind_of = np.concatenate(step), np.concatenate(kind)
    map_edges, per_map = _map_terms(store, records, terms)
    regions = _mask_regions(store, records)
    region_geoms = np.array([g for g, _ in regions], dtype=object)
    long_edges = np.concatenate([map_edges, _long_region_edges(region_geoms)])
    strips = (workers if pool else 1) * STRIPS_PER_WORKER
    jobs = list(_strips(steps_polys, step_of, kind_of, long_edges, region_geoms, strips)) if len(steps_polys) else []
    results = [pool.submit(_strip_faces, *job) for job in jobs] if pool is not None else None
    none = np.zeros(0, np.int64)  # (maps that never change: no faces, a table of zeros)
    weights, faces, steps_, kinds, bits = [np.zeros(0)], [none], [none], [none], [np.zeros((0, len(regions)), bool)]
    offset = 0
    for n, job in enumerate(jobs):
        part = results[n].result() if results is not None else _strip_faces(*job)
        weights.append(part[0])
        faces.append(part[1] + offset)
        steps_.append(part[2])
        kinds.append(part[3])
        bits.append(part[4])
        offset += len(part[0])
        if progress is not None:
            progress(n + 1, len(jobs) + 1)
    # faces inside mask regions count only in the windows whose masks leave them out
    inside = np.concatenate(bits) if regions else np.zeros((offset, 1), bool)  # (no region: one group)
    combos, group = np.unique(inside, axis=0, return_inverse=True)
    allowed: list[np.ndarray | None] = []
    for combo in combos:
        held = [m for (_, m), is_in in zip(regions, combo, strict=False) if is_in]
        allowed.append(~np.logical_or.reduce(held) if held else None)
    ua, ru = _tables(t, np.concatenate(weights), np.concatenate(faces), np.concatenate(steps_),
                     np.concatenate(kinds), group.ravel(), allowed)  # fmt: skip
    if progress is not None:
        progress(len(jobs) + 1, len(jobs) + 1)
    return WindowTable(np.array([r.id for r in records], np.int64), [map_key(r) for r in records],
                       ua, ru, per_map, long_edges)  # fmt: skip


def _strips(polys, step_of, kind_of, long_edges, regions, count: int):
    """Per strip of longitude (about as many boundary vertices in each): the steps'
    polygons (WKB), steps and kinds that reach into it, the rectangle, the long edges and
    the mask regions (WKB, cut to the strip)."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(polys)
    xs = np.sort(shapely.get_coordinates(polys)[:, 0])
    cuts = sorted({round(float(xs[len(xs) * q // count]), 8) for q in range(1, count)} - {xmin, xmax})
    edges = [xmin - 1e-3, *cuts, xmax + 1e-3]
    box = shapely.bounds(polys)
    lo = np.minimum(long_edges[:, 0], long_edges[:, 2])
    hi = np.maximum(long_edges[:, 0], long_edges[:, 2])
    for x0, x1 in zip(edges, edges[1:], strict=False):
        rect = (x0, ymin - 1e-3, x1, ymax + 1e-3)
        sel = (box[:, 0] <= x1) & (box[:, 2] >= x0)
        near = (lo <= x1 + 1e-6) & (hi >= x0 - 1e-6)
        cut = shapely.to_wkb(shapely.clip_by_rect(regions, *rect)) if len(regions) else []
        yield shapely.to_wkb(polys[sel]), step_of[sel], kind_of[sel], rect, long_edges[near], cut


def _strip_faces(wkb, step_of, kind_of, rect, long_edges, regions=()):
    """The faces of one strip: their weights (lon/lat area and budget, km²); per (face,
    step that holds it): the face (index here), the step and the kind (0: Russia lost it, 1:
    Russia took it), sorted by face then step; and per face, which mask regions it lies in
    (``(faces, regions)``). The strip's frame closes the rings it cuts; the regions' edges cut faces too."""
    polys = shapely.from_wkb(wkb)
    areas = shapely.from_wkb(np.array(list(regions), dtype=object)) if len(regions) else np.zeros(0, object)
    lines = shapely.clip_by_rect(np.concatenate([shapely.boundary(polys), shapely.boundary(areas)]), *rect)
    noded = shapely.union_all(np.append(lines, shapely.boundary(shapely.box(*rect))), grid_size=GRID_DEG)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    faces = faces[~shapely.is_empty(faces)]
    points = shapely.point_on_surface(faces)
    f, p = shapely.STRtree(polys).query(points, predicate="within")
    s, k = step_of[p], kind_of[p]
    order = np.lexsort((k, s, f))
    inside = np.column_stack([shapely.contains(area, points) for area in areas]) if len(areas) else None
    weight = _geo.lonlat_areas_km2(faces) + budgets(faces, EdgeSet(long_edges))
    return weight, f[order], s[order], k[order], np.zeros((len(faces), 0), bool) if inside is None else inside


def _long_region_edges(regions: np.ndarray) -> np.ndarray:
    """The mask regions' edges of about :data:`._edges.SHORT_KM` or more, as long edges (a masked
    window has edges along its mask)."""
    if not len(regions):
        return np.zeros((0, 5))
    return long_edges(edges_km(shapely.MultiPolygon([p for g in regions for p in _geo.polygons_of(g)])))


def _map_terms(store: Store, records: list[SnapshotRecord], known: dict[int, MapTerms] | None = None
               ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The long edges of all maps (``(n, 5)``: x0, y0, x1, y1, length in km), and each
    map's term: its boundary's snapping slivers, and those of the step into it where that
    step's maps share few vertices (snapped). ``known``: the terms the step workers
    computed, by map id; the others are read."""
    known = known or {}
    longs, per_map = [], np.zeros(len(records))
    before: tuple[int, BaseGeometry] | None = None  # (the map read last: a chain is read once)
    for n, r in enumerate(records):
        got = known.get(r.id)
        if got is None:
            prev = None
            if n:
                prev = before[1] if before and before[0] == n - 1 else _gpkg.from_gpkg(store.layer_blob(records[n - 1].id))
            geom = _gpkg.from_gpkg(store.layer_blob(r.id))
            got, before = map_terms(geom, prev), (n, geom)
        longs.append(got.long_edges)
        per_map[n] = got.own_km2
    edges = np.concatenate(longs) if longs else np.zeros((0, 4))
    # one of each edge (copies moved by an export's jitter too: the containment test's
    # tolerance holds them; a hash collision would drop an edge, at odds of 1e-10)
    _, first = np.unique(row_hashes(np.round(edges, 7)), return_index=True)
    edges = edges[first]
    return measured(edges), per_map


def _tables(t: int, weight: np.ndarray, face: np.ndarray, step: np.ndarray, kind: np.ndarray,
            group: np.ndarray | None = None, allowed: list[np.ndarray | None] | None = None
            ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The packed tables of both sides (float32, rounded up) from the faces' steps.
    ``group``: per face, an index into ``allowed``, the pairs of maps ``(i, k)`` (a ``t × t``
    boolean matrix, or None: all) whose windows count the face (outside their mask)."""
    gid = np.zeros(len(weight), np.int64) if group is None else group
    corners: dict[str, list[np.ndarray]] = {"UA": [], "RU": []}
    starts = np.r_[0, np.nonzero(np.diff(face))[0] + 1] if len(face) else np.zeros(0, int)
    counts = np.diff(np.r_[starts, len(face)])
    same_step = np.r_[False, (step[1:] == step[:-1]) & (face[1:] == face[:-1])]
    repeat = np.r_[False, (kind[1:] == kind[:-1]) & (face[1:] == face[:-1])] | same_step
    odd = np.zeros(len(starts), bool)
    if len(face):
        odd = np.add.reduceat(repeat.astype(int), starts) > 0
    # faces whose steps do not alternate: in every window holding one of their steps
    sel = np.repeat(odd, counts)
    s, w, g = step[sel], weight[face[sel]], gid[face[sel]]
    zero, end = np.zeros_like(s), np.full_like(s, t)
    for side in corners:
        corners[side].append(np.column_stack([zero, s + 1, s + 1, end, w, g]))
    # the others: per pair of an occupied and a free interval of maps
    for m in np.unique(counts[~odd]):
        firsts = starts[(counts == m) & ~odd]
        at = firsts[:, None] + np.arange(m)
        bounds = np.column_stack([np.zeros(len(firsts), int), step[at] + 1, np.full(len(firsts), t)])
        occupied_first = kind[firsts] == 0
        w, g = weight[face[firsts]], gid[face[firsts]]
        for q in range(m + 1):
            occupied = occupied_first == (q % 2 == 0)  # per face: interval q occupied
            for q2 in range((q + 1) % 2, m + 1, 2):  # the intervals on the other side
                rect = np.column_stack([bounds[:, q], bounds[:, q2], bounds[:, q + 1], bounds[:, q2 + 1], w, g])
                corners["UA"].append(rect[occupied])  # occupied at i, free at k
                corners["RU"].append(rect[~occupied])
    allowed = allowed or [None]
    return _packed(t, corners["UA"], allowed), _packed(t, corners["RU"], allowed)


def _packed(t: int, rects: list[np.ndarray], allowed: list[np.ndarray | None]) -> np.ndarray:
    """The running sum of rectangles ``(row0, col0, row1, col1, weight, group)`` (half-open),
    each group's kept where it is ``allowed``, as the packed upper triangle (``i < k``),
    float32 rounded up."""
    full = np.zeros((t, t))
    r = np.concatenate(rects) if rects else np.zeros((0, 6))
    for g in np.unique(r[:, 5]).astype(int):
        part = r[r[:, 5] == g]
        grid = np.zeros((t + 1) * (t + 1))
        r0, c0, r1, c1 = (part[:, n].astype(np.int64) for n in range(4))
        for rows, cols, sign in ((r0, c0, 1), (r1, c0, -1), (r0, c1, -1), (r1, c1, 1)):
            grid += np.bincount(rows * (t + 1) + cols, weights=sign * part[:, 4], minlength=grid.size)
        summed = grid.reshape(t + 1, t + 1).cumsum(0).cumsum(1)[:t, :t]
        full += summed if allowed[g] is None else summed * allowed[g]
    upper = full[np.triu_indices(t, 1)]
    up = upper.astype(np.float32)
    low = up.astype(np.float64) < upper
    up[low] = np.nextafter(up[low], np.float32(np.inf))
    return np.maximum(up, 0)


def refresh(store: Store, source: str, *, terms: dict[int, MapTerms] | None = None,
            pool: Executor | None = None, workers: int = 1,
            progress: Callable[[int, int], None] | None = None) -> bool:  # fmt: skip
    """After an ingest: build and store the source's table unless the stored one holds for
    all but fewer than :data:`REBUILD_AFTER` of its maps; whether it built one. ``terms``: the
    maps' :class:`MapTerms` the ingest's step workers computed; ``pool``: its workers."""
    records = store.snapshots(source)
    row = store.window_table(source)
    holds = WindowTable.from_row(row).matching(records) if row is not None else 0
    if holds >= 2 and len(records) - holds < REBUILD_AFTER:
        tail.keep(store, source, records, holds - 1)
        return False
    table = build(store, source, records=records, terms=terms, pool=pool, workers=workers, progress=progress)
    with store.transaction():
        store.put_window_table(source, table.to_row() if table is not None else None)
        store.put_step_allowances(source, [])  # (the table holds every map)
    return table is not None


def load(store: Store, records: list[SnapshotRecord]) -> WindowTable | None:
    """The stored table of these records' source, with :attr:`WindowTable.valid` the number of
    their first maps it holds for; None without one (or for fewer than two maps)."""
    if not records or not store.fast_paths:
        return None
    row = store.window_table(records[0].source)
    table = WindowTable.from_row(row) if row is not None else None
    if table is None:
        return None
    table.valid = table.matching(records)
    return table if table.valid >= 2 else None
