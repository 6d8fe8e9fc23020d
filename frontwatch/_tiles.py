"""Tiled clipping: the union of a layer's polygons clipped to an outline, cell by cell, with
each cell's result remembered by content.

Consecutive maps of a source differ only where the front moved; most of a map, and nearly
all of its edge along the border and the coast (where the clipping happens), is the same
from one map to the next. So the plane is cut into a fixed grid of cells; each input
polygon is cut into its pieces per cell (GEOS rectangle clipping, linear and cheap); a
cell's pieces are merged and clipped to the outline's part in that cell; and the result,
with its geodesic area, is cached under a hash of the pieces. A new map pays the overlay
only in the cells where it differs from maps already seen. The cells' results are stitched
back (:mod:`._stitch`): adjacent pieces share their cell edge because both come from
cutting the same parent geometry along the same line, so the shared edges cancel; GEOS's
coverage union is the fallback.

The result is the same point set as ``union(inputs) ∩ outline``, with extra vertices
where edges cross cell lines. The layer's area is the sum of the cells' geodesic areas (the
cell edges shared by two pieces are traversed in opposite directions and cancel), less the
slivers the extra vertices add: each part of a split edge is a geodesic of its own, which
would move the area of real maps by up to 1e-5 and of polygons with straight edges of tens
of km by up to 1e-3. With the slivers taken off, the area is that of the source's own
edges, as the direct overlay measures it (within 5e-8 on the liveuamap history). Any doubt (an
invalid piece, a cut that loses area, a stitch that is not valid or loses area) raises
:class:`TilingFailed`, and the caller falls back to the direct overlay.
"""

from __future__ import annotations

import math
from functools import cache, partial
from typing import NamedTuple, cast

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from . import _contents, _geo
from ._recent import Recent
from ._stitch import StitchFailed, Vertices, inserted_vertices, repeated_points, stitch, touch_points, vertices

CELL_DEG = 0.75
"""Cell size in degrees (about 55 km east-west × 83 km north-south in Ukraine; a power of
two times a small odd number, so that grid lines are exact in binary)."""
ELLIPSOID_M2 = 1e4
"""Slivers of split edges larger than this (m²) are measured on the ellipsoid."""
CACHE_CELLS = 40_000
"""Cell results kept per process (least recently used dropped first)."""
_KM2_PER_DEG2 = 111.32 * 110.57

INSIDE, BOUNDARY, OUTSIDE = 0, 1, 2


class _Cell(NamedTuple):
    """One cell's share of a layer, as cached."""

    polys: tuple
    m2: float
    """Geodesic area (m²)."""
    outside_km2: float
    """About how much of the cell's pieces lay outside the outline."""
    touch: np.ndarray
    """Points where rings of ``polys`` touch (see :func:`._stitch.touch_points`)."""


_Triples = tuple[np.ndarray, np.ndarray, np.ndarray]


class TilingFailed(Exception):
    """The tiled result could not be trusted; use the direct overlay."""


class TiledOutline:
    """An outline cut into a grid of cells, with a cache of clipped cell contents."""

    def __init__(self, outline: BaseGeometry, cell: float = CELL_DEG) -> None:
        self.cell = cell
        x0, y0, x1, y1 = outline.bounds
        self.x0 = math.floor(x0 / cell) * cell
        self.y0 = math.floor(y0 / cell) * cell
        self.nx = int(math.ceil((x1 - self.x0) / cell))
        self.ny = int(math.ceil((y1 - self.y0) / cell))
        shapely.prepare(outline)
        self._grid_box = shapely.box(self.x0, self.y0, self.x0 + self.nx * cell, self.y0 + self.ny * cell)
        status = np.full((self.nx, self.ny), OUTSIDE, dtype=np.int8)
        parts: dict[tuple[int, int], BaseGeometry] = {}
        boxes = np.array([[self._box(i, j) for j in range(self.ny)] for i in range(self.nx)],
                         dtype=object)  # fmt: skip
        touches = shapely.intersects(outline, boxes)
        within = shapely.contains_properly(outline, boxes)
        status[touches] = BOUNDARY
        status[within] = INSIDE
        rows: dict[int, BaseGeometry] = {}  # the outline's strip per row: cells cut from it
        for i, j in zip(*np.nonzero(status == BOUNDARY), strict=True):
            if j not in rows:
                row = shapely.box(self.x0, self.y0 + j * cell, self.x0 + self.nx * cell, self.y0 + (j + 1) * cell)
                rows[j] = shapely.intersection(outline, row)
            part = _geo.as_multipolygon(shapely.intersection(rows[j], boxes[i, j]))
            if part.is_empty:
                status[i, j] = OUTSIDE
            else:
                parts[(int(i), int(j))] = part
        self.status = status
        self.parts = parts
        self.cells: Recent[_Cell] = Recent(CACHE_CELLS)
        """Clipped cells by the hash of their pieces (its hits and misses tell the reuse)."""

    def cell_part(self, bounds) -> BaseGeometry | None:
        """The outline's part in the cell that holds the box ``bounds`` (minx, miny, maxx,
        maxy) whole; None when the box crosses a grid line or its cell holds no edge of the
        outline."""
        i = math.floor((bounds[0] - self.x0) / self.cell)
        j = math.floor((bounds[1] - self.y0) / self.cell)
        if math.floor((bounds[2] - self.x0) / self.cell) != i or math.floor((bounds[3] - self.y0) / self.cell) != j:
            return None
        return self.parts.get((i, j))

    def _on_grid(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each point (n × 2): whether it lies exactly on a vertical grid line, and on a
        horizontal one."""
        gx = (xy[:, 0] - self.x0) / self.cell
        gy = (xy[:, 1] - self.y0) / self.cell
        return gx == np.round(gx), gy == np.round(gy)

    def _grid_points(self, xy: np.ndarray) -> np.ndarray:
        """The points (of an n × 2 array) that lie exactly on a grid line."""
        return xy[np.logical_or(*self._on_grid(xy))]

    def _box(self, i: int, j: int) -> shapely.Polygon:
        return shapely.box(*self._rect(i, j))

    def _rect(self, i: int, j: int) -> tuple[float, float, float, float]:
        c = self.cell
        return (self.x0 + i * c, self.y0 + j * c, self.x0 + (i + 1) * c, self.y0 + (j + 1) * c)

    def union_clipped(self, geoms: list[BaseGeometry]
                      ) -> tuple[shapely.MultiPolygon, float, float]:  # fmt: skip
        """Union of valid polygonal ``geoms`` clipped to the outline; its geodesic area
        (km²); and about how much (km²) lay outside the outline.

        Raises
        ------
        TilingFailed
            When a piece or the stitched result is not valid.
        """
        geoms = [g for g in geoms if g is not None and not g.is_empty]
        if not geoms:
            return _geo.EMPTY, 0.0, 0.0
        # an input vertex exactly on a grid line makes the cells on either side node their
        # shared edge differently: the stitch is then checked in full
        xy_in = shapely.get_coordinates(geoms)
        on_grid_in = self._grid_points(xy_in)
        doubtful = len(on_grid_in) > 0
        try:
            ij, pieces, beyond_km2 = self._cut_all(geoms)
        except shapely.errors.GEOSException as exc:  # rectangle clipping of a dirty piece
            raise TilingFailed(f"cannot cut into cells ({exc})") from exc
        if not len(pieces):  # nothing inside the grid
            return _geo.EMPTY, 0.0, beyond_km2
        order = np.lexsort((ij[:, 1], ij[:, 0]))  # stable: inputs stay in order within a cell
        ij, pieces = ij[order], pieces[order]
        bounds = np.flatnonzero(np.concatenate(([True], np.any(ij[1:] != ij[:-1], axis=1), [True])))
        starts, ends = bounds[:-1], bounds[1:]
        at = ij[starts].astype(np.int32)
        salt = at.tobytes()  # each cell's hash starts with its indices
        keys = _contents.contents(pieces).keys(bounds, [salt[8 * k : 8 * k + 8] for k in range(len(starts))])
        polys: list = []
        touch: list = []
        area_m2 = 0.0
        outside_km2 = max(beyond_km2, 0.0)
        for key, cell_ij, a, b in zip(keys, map(tuple, at.tolist()), starts.tolist(), ends.tolist(), strict=True):
            cell = self.cells.get(key, partial(self._clip_cell, cell_ij, pieces[a:b]))
            polys.extend(cell.polys)
            touch.append(cell.touch)
            area_m2 += cell.m2
            outside_km2 += cell.outside_km2
        if not polys:
            return _geo.EMPTY, 0.0, outside_km2
        own = on_grid_in[:, 0] + 1j * on_grid_in[:, 1]
        merged, rebuilt, verts, dropped = self._stitch(polys, doubtful, np.concatenate(touch), own)
        if rebuilt:  # rings rebuilt by the zero buffer may drop collinear vertices: measure it
            area_m2 = _geo.area_km2(merged) * 1e6
        # measure the source's edges, not their parts between cell lines, and keep only
        # them: the vertices cutting added on cell lines are taken out again (by the
        # stitch, else here)
        if dropped is not None:
            before, at, after = dropped
            area_m2 -= split_excess_m2(before, at, after, np.ones(len(at)))
            return merged, area_m2 / 1e6, outside_km2
        sel, before, after = inserted_vertices(verts.xy, verts.ring, self._on_grid, own)
        if len(sel):
            sign = np.where(verts.ccw == verts.shell, 1.0, -1.0)[verts.ring[sel]]
            area_m2 -= split_excess_m2(verts.xy[before], verts.xy[sel], verts.xy[after], sign)
            merged = without_vertices(merged, verts.xy[sel, 0] + 1j * verts.xy[sel, 1])
        return merged, area_m2 / 1e6, outside_km2

    def _stitch(self, polys: list, doubtful: bool, touch: np.ndarray, own: np.ndarray
                ) -> tuple[shapely.MultiPolygon, bool, Vertices, _Triples | None]:  # fmt: skip
        """The union of the cells' polygons (:mod:`._stitch`, GEOS's coverage union where
        that fails), checked; whether its rings had to be rebuilt (then the sum of the
        cells' areas no longer describes it vertex for vertex); its vertices; and the
        vertices on cell lines the stitch took out (:attr:`._stitch.Stitched.taken`),
        None where it did not make the result (``own``: the input's own vertices on grid
        lines, which stay).

        Every piece is valid and lies in its own cell, so the union can only go wrong on
        the grid lines, where pieces meet: at a point where two pieces touch corner to
        corner, or where a shared edge was not noded alike. The full validity check runs
        then, or when an input vertex lies on a grid line (``doubtful``); the full-data
        tests check every stored layer in full."""
        arr = np.asarray(polys, dtype=object)
        total = float(np.sum(shapely.area(arr)))
        rebuilt = check = False
        dropped = None
        if len(polys) == 1:
            merged = polys[0]
            verts = vertices(merged)
        else:
            try:
                merged, check, verts, dropped = stitch(arr, self._on_grid, touch, own)
            except StitchFailed:
                check = True
                try:
                    merged = shapely.coverage_union_all(arr)
                except shapely.errors.GEOSException:
                    # pieces whose shared edges are not noded alike (an overlay in a
                    # boundary cell placed a vertex a hair apart): the full union copes
                    merged, rebuilt = shapely.union_all(arr), True
                verts = vertices(merged)
        if len(polys) > 1 and (check or doubtful) and not shapely.is_valid(merged):
            # rings that touch themselves where pieces meet corner to corner, or slivers
            # between crossings computed an ulp apart: the zero buffer rebuilds them in
            # valid form (checked: same area)
            merged, rebuilt, dropped = shapely.buffer(merged, 0), True, None
            verts = vertices(merged)
            if not shapely.is_valid(merged):
                raise TilingFailed("stitched cells are not valid")
        if abs(merged.area - total) > 1e-9 * total + 1e-12:
            raise TilingFailed("stitched cells lose or gain area")
        return _geo.as_multipolygon(merged), rebuilt, verts, dropped

    def _cut_all(self, geoms: list[BaseGeometry]) -> tuple[np.ndarray, np.ndarray, float]:
        """The non-empty pieces per grid cell of each of ``geoms``, one geometry after the
        other: cell indices (n × 2), pieces, and the rough area (km²) of their parts beyond
        the grid (outside the outline). All are cut in a few calls (a DeepState map has
        about fifty polygons: a call per polygon cost a seventh of its validation); where
        GEOS cannot cut a strip again (a collapsed ring), each is cut on its own, and the
        one that fails has every cell cut from itself."""
        try:
            return self._cut_many(geoms, whole=False)
        except shapely.errors.GEOSException:
            cut = [self._cut_one(g) for g in geoms]
        return np.concatenate([c[0] for c in cut]), np.concatenate([c[1] for c in cut]), sum(c[2] for c in cut)

    def _cut_one(self, g: BaseGeometry) -> tuple[np.ndarray, np.ndarray, float]:
        try:
            return self._cut_many([g], whole=False)
        except shapely.errors.GEOSException:
            return self._cut_many([g], whole=True)

    def _cut_many(self, geoms: list[BaseGeometry], whole: bool) -> tuple[np.ndarray, np.ndarray, float]:
        """:meth:`_cut_all` by rows first (each a strip of a geometry), then the cells of
        each row from its strip (the edge two cells share is cut from the same parent
        geometry on both sides), each strip only across its own width; ``whole``: every
        cell of a geometry's box cut from the geometry itself. A geometry in one cell is
        its own piece."""
        arr = np.asarray(geoms, dtype=object)
        c, nx, ny = self.cell, self.nx, self.ny
        gx0, gy0, gx1, gy1 = shapely.bounds(arr).T
        i0 = np.maximum(np.floor((gx0 - self.x0) / c).astype(np.int64), 0)
        i1 = np.minimum(np.floor((gx1 - self.x0) / c).astype(np.int64), nx - 1)
        j0 = np.maximum(np.floor((gy0 - self.y0) / c).astype(np.int64), 0)
        j1 = np.minimum(np.floor((gy1 - self.y0) / c).astype(np.int64), ny - 1)
        inside = (gx1 < self.x0 + nx * c) & (gy1 < self.y0 + ny * c)
        single = ((i0 == i1) & (j0 == j1) & (self.x0 < gx0) & (self.y0 < gy0) & inside
                  & np.isin(shapely.get_type_id(arr), (3, 6)))  # fmt: skip
        many = np.flatnonzero(~single & (i0 <= i1) & (j0 <= j1))
        rows = j1[many] - j0[many] + 1
        g = np.repeat(many, rows)  # one strip per row of each polygon
        js = j0[g] + np.arange(len(g)) - np.repeat(np.cumsum(rows) - rows, rows)
        ya, yb = self.y0 + js * c, self.y0 + (js + 1) * c
        if whole:
            parents, lo, hi = arr[g], i0[g], i1[g]
        else:
            parents = _clip_rects(arr[g], self.x0 + i0[g] * c, ya, self.x0 + (i1[g] + 1) * c, yb)  # the strips
            keep = ~shapely.is_empty(parents)
            parents, g, js, ya, yb = parents[keep], g[keep], js[keep], ya[keep], yb[keep]
            sx0, _, sx1, _ = shapely.bounds(parents).T
            lo = np.clip(np.floor((sx0 - self.x0) / c).astype(np.int64), i0[g], i1[g])
            hi = np.clip(np.floor((sx1 - self.x0) / c).astype(np.int64), i0[g], i1[g])
        width = hi - lo + 1
        row = np.repeat(np.arange(len(g)), width)
        col = np.repeat(lo, width) + np.arange(width.sum()) - np.repeat(np.cumsum(width) - width, width)
        cut = _clip_rects(parents[row], self.x0 + col * c, ya[row], self.x0 + (col + 1) * c, yb[row])
        owner, ij = g[row], np.column_stack([col, js[row]])
        kind = shapely.get_type_id(cut)
        keep = (kind == 3) | (kind == 6)
        for k in np.flatnonzero(kind == 7):  # a collection: keep its polygonal part
            poly = _geo.as_multipolygon(cut[k])
            if not poly.is_empty:
                cut[k] = poly
                keep[k] = True
        keep &= ~shapely.is_empty(cut)
        ones = np.flatnonzero(single)
        owner = np.concatenate((ones, owner[keep]))
        order = np.argsort(owner, kind="stable")  # polygon by polygon, as cut one by one
        owner = owner[order]
        pieces = np.concatenate((arr[ones], cut[keep]))[order]
        ij = np.concatenate((np.column_stack([i0[ones], j0[ones]]), ij[keep]))[order]
        ends = np.searchsorted(owner, np.arange(len(arr) + 1))
        areas = shapely.area(pieces)
        beyond_km2 = 0.0
        for n, (a, b) in enumerate(zip(ends[:-1].tolist(), ends[1:].tolist(), strict=True)):
            beyond_km2 += self._beyond_km2(geoms[n], float(np.sum(areas[a:b])))
        return ij, pieces, beyond_km2

    def _beyond_km2(self, g: BaseGeometry, inside_deg2: float) -> float:
        """The rough area (km²) of ``g`` beyond the grid, its pieces inside the grid
        measuring ``inside_deg2``; checked: cutting must keep the area."""
        gx0, gy0, gx1, gy1 = g.bounds
        c = self.cell
        within = (gx0 >= self.x0 and gy0 >= self.y0 and gx1 <= self.x0 + self.nx * c
                  and gy1 <= self.y0 + self.ny * c)  # fmt: skip
        expected = g.area if within else shapely.intersection(g, self._grid_box).area
        if abs(inside_deg2 - expected) > 1e-9 * max(g.area, 1e-300):
            # rectangle clipping is fast but not robust: an edge along a grid line or
            # through a cell corner can come out with a wrong shape (still "valid")
            raise TilingFailed("cutting into cells did not keep the area")
        beyond = g.area - inside_deg2
        if beyond <= 1e-12 * max(g.area, 1e-300):
            return 0.0
        lat = shapely.get_y(shapely.centroid(g))
        return beyond * math.cos(math.radians(lat)) * _KM2_PER_DEG2

    def _clip_cell(self, ij: tuple[int, int], pieces: np.ndarray) -> _Cell:
        status = self.status[ij]
        lat = self.y0 + (ij[1] + 0.5) * self.cell
        scale = math.cos(math.radians(lat)) * _KM2_PER_DEG2
        # rectangle clipping is not robust: its pieces are checked (the overlays' results,
        # union and intersection, are valid by construction or raise)
        if not np.all(shapely.is_valid(pieces)):
            raise TilingFailed(f"cell {ij}: a piece is not valid")
        merged = pieces[0] if len(pieces) == 1 else shapely.union_all(pieces)
        if status == OUTSIDE:
            return _Cell((), 0.0, merged.area * scale, touch_points(()))
        result = merged if status == INSIDE else shapely.intersection(merged, self.parts[ij])
        polys = tuple(_geo.polygons_of(result))
        m2 = _geo.polygons_area_m2(polys)
        kept = sum(p.area for p in polys)
        return _Cell(polys, m2, max(merged.area - kept, 0.0) * scale, touch_points(polys))


def split_excess_m2(before: np.ndarray, at: np.ndarray, after: np.ndarray, sign: np.ndarray) -> float:
    """What vertices added on straight (lon/lat) edges add to the geodesic area (m²).

    Such a vertex M (``at``) lies on the edge P→N it split (``before``: the last vertex
    before it that was not added, ``after``: the vertex after it), and P→M→N as two
    geodesics encloses a sliver more or less than P→N as one: the geodesic triangle P, M,
    N (a fan from P for several such vertices in a row), signed as its ring runs
    (``sign``: +1 where the interior is on the left). The thin triangles are measured on
    the authalic sphere, whose areas of a small triangle differ from the ellipsoid's by
    under 1 % of themselves; those over :data:`ELLIPSOID_M2` (next to straight edges
    tens of km long: ISW's sag by km², where 1 % is 0.02 km²) are measured again on the
    ellipsoid."""
    if not len(at):
        return 0.0
    tri = _geo.sphere_triangle_m2(before, at, after)
    for k in np.flatnonzero(np.abs(tri) > ELLIPSOID_M2):
        corners = np.array([before[k], at[k], after[k]])
        tri[k] = _geo.WGS84.polygon_area_perimeter(corners[:, 0], corners[:, 1])[0]
    return float(np.sum(tri * sign))


def without_vertices(geom: shapely.MultiPolygon, drop: np.ndarray) -> shapely.MultiPolygon:
    """``geom`` without its vertices at the points ``drop`` (complex ``x + iy``), each of
    which lies on the straight edge between its neighbours (so the point set stays the
    same, to within rounding). Kept as it is when one of them is a vertex twice (rings that
    touch there: taking it out of one could make them cross), when a ring would be left
    with fewer than three vertices, or when the result is not valid."""
    if not len(drop):
        return geom
    v = vertices(geom)  # rings of the polygons in order, each shell before its holes
    at = v.xy[:, 0] + 1j * v.xy[:, 1]
    gone = np.isin(at, drop)
    if np.isin(repeated_points(v.xy), at[gone]).any():
        return geom
    left = np.bincount(v.ring[~gone], minlength=len(v.ccw))
    if np.any(left < 3):
        return geom
    _, owner = shapely.get_rings(shapely.get_parts(geom), return_index=True)
    lr = cast(np.ndarray, shapely.linearrings(v.xy[~gone], indices=v.ring[~gone]))
    polys = cast(np.ndarray, shapely.polygons(lr, indices=owner))
    out = cast(shapely.MultiPolygon, shapely.multipolygons(polys))
    return out if shapely.is_valid(out) else geom


def _clip_rects(geoms: np.ndarray, xmin: np.ndarray, ymin: np.ndarray, xmax: np.ndarray,
                ymax: np.ndarray) -> np.ndarray:  # fmt: skip
    """``clip_by_rect`` of each geometry by its own rectangle (one GEOS call where shapely
    exposes the vectorised form)."""
    if _LIB_CLIP is not None:
        return _LIB_CLIP(geoms, xmin, ymin, xmax, ymax)
    return np.array([shapely.clip_by_rect(g, *r) for g, *r in zip(geoms, xmin, ymin, xmax, ymax,
                                                                    strict=True)], dtype=object)  # fmt: skip


_LIB_CLIP = getattr(shapely.lib, "clip_by_rect", None)


@cache
def tiled(outline: str) -> TiledOutline:
    """The tiled form of a named clip outline (built once per process)."""
    from .boundaries import clip_outline

    return TiledOutline(clip_outline(outline))
