"""Seams: the hairline gaps a source leaves between features it draws side by side.

DeepStateMap draws the areas held since 2014 (``CADR and CALR``), Crimea and the areas
occupied since 2022 as separate features whose shared edges do not meet exactly: their
union keeps gaps from under a millimetre to some tens of metres wide along the old lines
(59 holes on the map of 2024-11-30, under 2 m wide; up to about 100 m in the spring of
2022). Nothing on the ground is held by the other side there, but the line of contact
would run along both sides of every gap. :func:`close_seams` fills a layer's gaps that a
disc of a given width cannot enter (holes and notches alike, judged by width, never by
area) and keeps every other vertex of the layer as it was.
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from . import _geo
from ._diff import edges, row_hashes
from ._recent import Recent
from ._tiles import TiledOutline

M_PER_DEG_LAT = 111_195.0
"""Metres per degree of latitude (mean Earth radius)."""
_JOIN: dict[str, Any] = {"quad_segs": 2, "join_style": "mitre", "mitre_limit": 5.0}


def close_seams(geom: BaseGeometry, outline: BaseGeometry, *, width_m: float
                ) -> tuple[shapely.MultiPolygon, int]:  # fmt: skip
    """``geom`` with its gaps narrower than ``width_m`` filled, and how many pieces of gap
    were filled.

    The gaps are what a morphological closing adds (a buffer out by half the width and back
    in, mitred, so that corners come back where they were), kept only inside ``outline``.
    Widths are measured in lon/lat degrees, the radius scaled to be at least ``width_m / 2``
    east-west at the northern edge of ``geom``: north-south gaps up to about 1.5 times the
    width close too. The gaps are added to ``geom`` by a union, so its vertices are kept
    (the line of contact's border test looks at vertices: a closing's own vertices along a
    coast would turn the coast into front) and nothing drawn is taken away. No piece is
    left out for being thin: the seams are hairlines (0.1 mm to 2 m on DeepState's maps
    from 2023 on).

    Parameters
    ----------
    geom
        A valid polygonal layer in lon/lat (EPSG:4326).
    outline
        The (prepared) clip outline: no ground outside it is added.
    width_m
        Gaps that a disc of this diameter (metres) cannot enter are closed.
    """
    closed, n, _ = close_seams_measured(geom, outline, width_m=width_m)
    return closed, n


def close_seams_measured(geom: BaseGeometry, outline: BaseGeometry, *, width_m: float,
                         tiles: TiledOutline | None = None) -> tuple[shapely.MultiPolygon, int, float]:  # fmt: skip
    """:func:`close_seams`, and the area (km²) of the gaps it filled: add it to the layer's
    own area rather than measure the closed layer again, whose new vertices on the layer's
    straight lon/lat edges would each start a geodesic of their own (up to 1.6e-6 of a
    DeepState map's area, 0.4 km²: bench/README.md, *Seam closing*).

    The closing is local (:data:`MARGIN_R`), so it runs cell by cell: each cell of a
    :data:`CELL_DEG` grid closes the layer's part in the cell grown by three margins and
    keeps the gaps' part inside the cell (where that equals the whole layer's closing).
    A cell's gaps are a function of the layer's edges near it, and are remembered under a
    hash of those edges: consecutive maps differ only where the front moved, so a map
    pays the closing in a few cells. The result depends on the map alone, never on the
    maps closed before it. ``tiles`` (the outline cut into cells, :func:`._tiles.tiled`)
    clips the gaps that cross the outline's edge by the outline's part in their cell."""
    geom = _geo.as_multipolygon(geom)
    if geom.is_empty or width_m <= 0:
        return geom, 0, 0.0
    r = width_m / 2 / (M_PER_DEG_LAT * np.cos(np.radians(shapely.bounds(geom)[3])))
    oriented = shapely.orient_polygons(geom)  # one orientation: a cell's input is a function of its edges
    clip_by = (_pinned(outline), _pinned(tiles))  # (the cells' gaps are clipped to the outline)
    parts = []
    for cell in _cells_near_edges(oriented, r):
        parts += _CELLS.get((clip_by, *cell.key), partial(_cell_gaps, oriented, cell, r, outline, tiles))
    if not parts:
        return geom, 0, 0.0
    filled, km2 = _merged(parts)  # (cells in order, each cell's parts a function of its key: one order)
    return _geo.as_multipolygon(shapely.union(geom, filled)), len(filled.geoms), km2


MARGIN_R = 12.0
"""How far (in closing radii) the layer can shape its closing: the buffers' mitred corners
reach at most 5 radii (``mitre_limit``) out and 5 back in, so the closing at a point
depends only on the layer within 10 radii of it."""
CELL_DEG = 0.25
"""The closing's cells (degrees; exact in binary)."""
CACHE_CELLS = 20_000
"""Cells' gaps kept per process (least recently used dropped first)."""
_CELLS: Recent[list] = Recent(CACHE_CELLS)
_PINNED: dict[int, Any] = {}
"""The outlines (and tiled outlines) cells were clipped to, by id: kept alive, so that an
id in a cell's key never stands for another object."""


def _pinned(obj: Any) -> int:
    _PINNED.setdefault(id(obj), obj)
    return id(obj)


_K2 = np.array([0xD1B54A32D192ED03, 0x8CB92BA72F3D8DD7, 0xABC98388FB8FAC03, 0x9E6C63D0676A9A99],
               dtype=np.uint64)  # fmt: skip


class _Cell(NamedTuple):
    i: int
    j: int
    key: tuple
    """The closing radius, the cell and a 128-bit hash (and count) of the edges near it
    (the outline the gaps are clipped to comes first in the cache's key)."""


def _cells_near_edges(geom: shapely.MultiPolygon, r: float) -> list[_Cell]:
    """The cells whose grown window (3 margins) some edge of ``geom`` reaches, each keyed by
    the edges that reach it (directed with the interior on their right: the key says
    which side is inside too). A cell no edge reaches lies wholly inside or outside the
    layer, where a closing adds nothing."""
    e, _ = edges(geom)
    if not len(e):
        return []
    pad = 3 * MARGIN_R * r
    lo = np.floor((np.minimum(e[:, :2], e[:, 2:]) - pad) / CELL_DEG).astype(np.int64)
    hi = np.floor((np.maximum(e[:, :2], e[:, 2:]) + pad) / CELL_DEG).astype(np.int64)
    span = hi - lo + 1
    reps = span[:, 0] * span[:, 1]
    row = np.repeat(np.arange(len(e)), reps)
    k = np.arange(len(row)) - np.repeat(np.cumsum(reps) - reps, reps)  # position within its edge's cells
    ci = lo[row, 0] + k // span[row, 1]
    cj = lo[row, 1] + k % span[row, 1]
    h1 = row_hashes(e)
    with np.errstate(over="ignore"):
        h2 = (np.ascontiguousarray(e).view(np.uint64) * _K2).sum(axis=1, dtype=np.uint64)
    keys, at = np.unique((ci << 32) + cj, return_inverse=True)  # (cell rows and columns are small)
    at = at.ravel()
    cells = np.column_stack([keys >> 32, keys - ((keys >> 32) << 32)])
    s1 = np.zeros(len(cells), dtype=np.uint64)
    s2 = np.zeros(len(cells), dtype=np.uint64)
    np.add.at(s1, at, h1[row])
    np.add.at(s2, at, h2[row] ^ (h2[row] >> np.uint64(31)))
    n = np.bincount(at, minlength=len(cells))
    return [_Cell(int(i), int(j), (r, int(i), int(j), int(a), int(b), int(c)))
            for (i, j), a, b, c in zip(cells.tolist(), s1.tolist(), s2.tolist(), n.tolist(), strict=True)]  # fmt: skip


def _cell_gaps(geom: shapely.MultiPolygon, cell: _Cell, r: float, outline: BaseGeometry,
               tiles: TiledOutline | None) -> list:  # fmt: skip
    """The gaps of ``geom``'s closing inside one cell, clipped to ``outline``: the layer's
    part in the cell grown by three margins, normalised (its rings' order and starts are
    then a function of its edges), closed, and the gaps' part in the cell kept."""
    x0, y0 = cell.i * CELL_DEG, cell.j * CELL_DEG
    pad = 3 * MARGIN_R * r
    window = (x0 - pad, y0 - pad, x0 + CELL_DEG + pad, y0 + CELL_DEG + pad)
    # an overlay, not rectangle clipping, which can mis-shape a piece and stay valid
    local = shapely.normalize(_geo.as_multipolygon(shapely.intersection(geom, shapely.box(*window))))
    if local.is_empty:
        return []
    closed = shapely.buffer(shapely.buffer(local, r, **_JOIN), -r, **_JOIN)
    in_cell = _kept(_gap_pieces(closed, local), shapely.box(x0, y0, x0 + CELL_DEG, y0 + CELL_DEG), None)
    return _kept(np.asarray(in_cell, dtype=object), outline, tiles)


def _gap_pieces(closed: BaseGeometry, geom: BaseGeometry) -> np.ndarray:
    gaps = shapely.get_parts(shapely.difference(closed, geom))
    gaps = gaps[shapely.get_type_id(gaps) == 3]
    return gaps[~_rounding_slivers(gaps, closed)]


def _kept(gaps: np.ndarray, outline: BaseGeometry, tiles: TiledOutline | None) -> list:
    """The parts of ``gaps`` inside ``outline`` (a cell's box, or the clip outline with its
    ``tiles``)."""
    if not len(gaps):
        return []
    inside = shapely.contains_properly(outline, gaps)
    out = list(gaps[inside])
    across = gaps[~inside]
    across = across[shapely.relate_pattern(outline, across, "T********")]  # the rest lie outside
    if len(across):
        out += _geo.polygons_of(shapely.GeometryCollection(list(_clipped(across, outline, tiles))))
    return out


def _merged(parts: list) -> tuple[shapely.MultiPolygon, float]:
    """The gaps' parts as one MultiPolygon, the pieces of a gap that a cell line cut joined
    again (only the parts that reach a cell line are unioned: the others touch nothing),
    and their area (km²).

    A part no cell line reached is measured with geodesic edges, as the layer is. A gap
    the cells cut is measured with its edges straight in lon/lat
    (:func:`._geo.lonlat_area_km2`): its two halves, closed in two windows, need not meet
    to the bit, so vertices of the cut can stay on a long edge after the join, and a
    millimetre-wide seam 70 km long (DeepState, 2022-04-12) then measured 0.89 km² as
    geodesics instead of its 0.004 km²."""
    b = shapely.bounds(np.asarray(parts, dtype=object)) / CELL_DEG
    on_line = list(np.any(np.abs(b - np.round(b)) < 1e-9 / CELL_DEG, axis=1))
    whole = [p for p, cut in zip(parts, on_line, strict=True) if not cut]
    km2 = _geo.polygons_area_m2(whole) / 1e6
    if not any(on_line):
        return shapely.MultiPolygon(parts), km2
    joined = _geo.polygons_of(shapely.union_all([p for p, cut in zip(parts, on_line, strict=True) if cut]))
    return shapely.MultiPolygon(whole + joined), km2 + _geo.lonlat_area_km2(shapely.MultiPolygon(joined))


ROUNDING_DEG = 1e-8
"""About a millimetre: the closing's two buffers come back to the layer's edges only to
within rounding (1e-15 to 1e-10 degrees), which leaves slivers between the two that are
not gaps."""


def _rounding_slivers(gaps: np.ndarray, closed: BaseGeometry) -> np.ndarray:
    """Which of ``gaps`` are the closing's rounding, not gaps of the layer: slivers
    narrower than :data:`ROUNDING_DEG` on average that run along the closed layer's outer
    edge, every edge's midpoint within that of its boundary. A gap of the layer, however
    thin, runs between two of the layer's own edges inside the closed layer: the midpoints
    of its long edges lie far from the closed boundary, which crosses it only at a notch's
    mouth. On DeepState's maps of 2023-2025 about 900 of the 1,000 pieces a closing leaves
    are such slivers (some 1e-12 km² each); filling them only split the layer's edges with
    new vertices, and clipping them to the outline took half the closing's time."""
    thin = np.nonzero(2 * shapely.area(gaps) < ROUNDING_DEG * shapely.length(gaps))[0]
    noise = np.zeros(len(gaps), dtype=bool)
    if not len(thin):
        return noise
    edge = shapely.boundary(closed)
    shapely.prepare(edge)
    xy, which = shapely.get_coordinates(gaps[thin], return_index=True)
    same = which[1:] == which[:-1]  # consecutive vertices of one gap: an edge
    mid = shapely.points((xy[1:][same] + xy[:-1][same]) / 2)
    inner = np.zeros(len(thin), dtype=bool)
    inner[which[1:][same][~shapely.dwithin(edge, mid, ROUNDING_DEG)]] = True
    noise[thin[~inner]] = True
    return noise


def _clipped(gaps: np.ndarray, outline: BaseGeometry, tiles: TiledOutline | None) -> np.ndarray:
    """Each of ``gaps`` clipped to ``outline``: by the outline's part in its cell of
    ``tiles`` when it lies in one cell (else, or without tiles, by the whole outline)."""
    by = np.full(len(gaps), outline, dtype=object)
    if tiles is not None:
        for k, box in enumerate(shapely.bounds(gaps)):
            part = tiles.cell_part(box)
            if part is not None:
                by[k] = part
    return shapely.intersection(gaps, by)


SLIVER_WIDTH_M = 10.0
"""Holes in an occupied layer narrower than this on average (metres) are drafting cracks,
not ground: no side holds a strip that narrow. Measured on every 5th stored map: liveuamap
has such holes on 46 of 186 maps (mostly under a millimetre wide), ISW on 34 of 79,
DeepState (after its seams are closed) on 9 of 351; filling them adds at most 0.008 km² to
a map. The narrowest holes kept are 15 m (ISW), 24 m (DeepState) and 70 m (liveuamap)
wide on average."""


def fill_sliver_holes(geom: BaseGeometry, *, width_m: float = SLIVER_WIDTH_M, straight: bool = False
                      ) -> tuple[shapely.MultiPolygon, int, float]:  # fmt: skip
    """``geom`` without its holes whose mean width (twice the area over the perimeter) is
    under ``width_m``, how many were filled and their geodesic area (km²: add it to the
    layer's area, which the tiled clipper measured with its split vertices discounted,
    rather than measure the layer again); with ``straight``, their area with straight
    lon/lat edges (:func:`._geo.lonlat_area_km2`: for a layer whose seams were closed cell
    by cell, where two halves of a gap closed in two windows can leave a hairline hole
    tens of km long, whose geodesic measure is the sag of its long edges, not its own
    area: 0.885 km² against 3e-11 km² on DeepState's map of 2022-04-10). Cheap (ring by ring, no overlay) and
    local: the exteriors and every other hole are kept vertex for vertex. A crack would
    otherwise count as line of contact and as ground of the other side (a place beside one
    would be "0.1 km from the front")."""
    geom = _geo.as_multipolygon(geom)
    polys = shapely.get_parts(geom)
    holed = np.nonzero(shapely.get_num_interior_rings(polys))[0]
    if not len(holed):
        return geom, 0, 0.0
    filled: list = []
    out = list(polys)
    for i in holed:
        holes = np.asarray(polys[i].interiors, dtype=object)
        rings = np.asarray(shapely.polygons(holes), dtype=object)
        lat = np.radians(np.abs(shapely.get_y(shapely.centroid(rings))))
        width = 2 * shapely.area(rings) / shapely.length(rings) * M_PER_DEG_LAT * np.cos(lat)
        narrow = width < width_m
        if narrow.any():
            filled.extend(rings[narrow])
            out[i] = shapely.Polygon(polys[i].exterior, list(holes[~narrow]))
    if not filled:
        return geom, 0, 0.0
    result = shapely.MultiPolygon(out)
    if not result.is_valid:  # a part stood inside a filled hole
        result = _geo.as_multipolygon(shapely.union_all(out))
    measure = _geo.lonlat_area_km2 if straight else _geo.area_km2
    return result, len(filled), measure(shapely.MultiPolygon(filled))
