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


def close_seams_measured(geom: BaseGeometry, outline: BaseGeometry, *, width_m: float
                         ) -> tuple[shapely.MultiPolygon, int, float]:  # fmt: skip
    """:func:`close_seams`, and the geodesic area (km²) of the gaps it filled: add it to
    the layer's own area rather than measure the closed layer again, whose new vertices on
    the layer's straight lon/lat edges would each start a geodesic of their own (up to
    1.6e-6 of a DeepState map's area, 0.4 km², measured by bench/bench_seams.py)."""
    geom = _geo.as_multipolygon(geom)
    if geom.is_empty or width_m <= 0:
        return geom, 0, 0.0
    r = width_m / 2 / (M_PER_DEG_LAT * np.cos(np.radians(shapely.bounds(geom)[3])))
    closed = shapely.buffer(shapely.buffer(geom, r, **_JOIN), -r, **_JOIN)
    gaps = shapely.get_parts(shapely.difference(closed, geom))
    gaps = gaps[shapely.get_type_id(gaps) == 3]
    if not len(gaps):
        return geom, 0, 0.0
    inside = shapely.contains_properly(outline, gaps)
    parts = list(gaps[inside])
    if not inside.all():
        parts += _geo.polygons_of(shapely.intersection(shapely.MultiPolygon(list(gaps[~inside])), outline))
    if not parts:
        return geom, 0, 0.0
    filled = shapely.MultiPolygon(parts)  # pieces of one difference: disjoint
    return _geo.as_multipolygon(shapely.union(geom, filled)), len(parts), _geo.area_km2(filled)


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
