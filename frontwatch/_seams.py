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

from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from . import _geo
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
    """:func:`close_seams`, and the geodesic area (km²) of the gaps it filled: add it to
    the layer's own area rather than measure the closed layer again, whose new vertices on
    the layer's straight lon/lat edges would each start a geodesic of their own (up to
    1.6e-6 of a DeepState map's area, 0.4 km², measured by bench/bench_seams.py).

    ``tiles`` (the outline cut into cells, :func:`._tiles.tiled`) makes clipping the gaps
    that cross the outline's edge cheap: each is clipped by the outline's part in its cell
    (a few hundred vertices) instead of by the whole outline."""
    geom = _geo.as_multipolygon(geom)
    if geom.is_empty or width_m <= 0:
        return geom, 0, 0.0
    r = width_m / 2 / (M_PER_DEG_LAT * np.cos(np.radians(shapely.bounds(geom)[3])))
    closed = shapely.buffer(shapely.buffer(geom, r, **_JOIN), -r, **_JOIN)
    gaps = shapely.get_parts(shapely.difference(closed, geom))
    gaps = gaps[shapely.get_type_id(gaps) == 3]
    gaps = gaps[~_rounding_slivers(gaps, closed)]
    if not len(gaps):
        return geom, 0, 0.0
    inside = shapely.contains_properly(outline, gaps)
    parts = list(gaps[inside])
    across = gaps[~inside]
    across = across[shapely.relate_pattern(outline, across, "T********")]  # the rest lie outside
    if len(across):
        parts += _clipped(across, outline, tiles)
    if not parts:
        return geom, 0, 0.0
    filled = shapely.MultiPolygon(parts)  # pieces of one difference: disjoint
    return _geo.as_multipolygon(shapely.union(geom, filled)), len(parts), _geo.area_km2(filled)


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


def _clipped(gaps: np.ndarray, outline: BaseGeometry, tiles: TiledOutline | None) -> list:
    """The polygons of ``gaps`` inside ``outline``, each gap clipped by the outline's part in
    its cell of ``tiles`` when it lies in one cell (else, or without tiles, by the whole
    outline)."""
    by = np.full(len(gaps), outline, dtype=object)
    if tiles is not None:
        for k, box in enumerate(shapely.bounds(gaps)):
            part = tiles.cell_part(box)
            if part is not None:
                by[k] = part
    return _geo.polygons_of(shapely.GeometryCollection(list(shapely.intersection(gaps, by))))


SLIVER_WIDTH_M = 10.0
"""Holes in an occupied layer narrower than this on average (metres) are drafting cracks,
not ground: no side holds a strip that narrow. Measured on every 5th stored map: liveuamap
has such holes on 46 of 186 maps (mostly under a millimetre wide), ISW on 34 of 79,
DeepState (after its seams are closed) on 9 of 351; filling them adds at most 0.008 km² to
a map. The narrowest holes kept are 15 m (ISW), 24 m (DeepState) and 70 m (liveuamap)
wide on average."""


def fill_sliver_holes(geom: BaseGeometry, *, width_m: float = SLIVER_WIDTH_M
                      ) -> tuple[shapely.MultiPolygon, int, float]:  # fmt: skip
    """``geom`` without its holes whose mean width (twice the area over the perimeter) is
    under ``width_m``, how many were filled and their geodesic area (km²: add it to the
    layer's area, which the tiled clipper measured with its split vertices discounted,
    rather than measure the layer again). Cheap (ring by ring, no overlay) and
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
    return result, len(filled), _geo.area_km2(shapely.MultiPolygon(filled))
