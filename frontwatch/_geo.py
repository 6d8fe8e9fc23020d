"""Geometry plumbing: geodesic measures on WGS84, repair, clipping and overlays (encodings
are in :mod:`._gpkg`, content hashes in :mod:`._contents`).

Every area here is geodesic on the WGS84 ellipsoid (the method of PostGIS
``ST_Area(geography)``), in km²; never planar degrees, never Web Mercator.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import cast

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from ._diff import both_differences
from ._diff import differences as local_differences

WGS84 = Geod(ellps="WGS84")
EMPTY = shapely.MultiPolygon()

_POLYGONAL = {"Polygon", "MultiPolygon"}


def area_km2(geom: BaseGeometry | None) -> float:
    """Geodesic area of a (multi)polygon on the WGS84 ellipsoid, in km².

    Parameters
    ----------
    geom
        Polygon, MultiPolygon or GeometryCollection in lon/lat (EPSG:4326);
        non-polygonal parts count zero.
    """
    if geom is None or geom.is_empty:
        return 0.0
    return polygons_area_m2(polygons_of(geom)) / 1e6


def polygons_area_m2(polys) -> float:
    """Geodesic area (m²) of polygons (each counted whole: they should not overlap): per
    polygon its shell's area less its holes', summed polygon by polygon.

    The rings' coordinates are taken out in one call and each ring handed to pyproj's
    geodesic polygon routine as a slice (differences of two maps are hundreds of slivers:
    a call per ring through shapely's objects cost twice as much)."""
    polys = np.asarray(polys, dtype=object)
    if not len(polys):
        return 0
    rings, shell, _ = _rings(polys)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    x, y = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
    cuts = np.searchsorted(ring_of, np.arange(len(rings) + 1)).tolist()
    ring_m2 = WGS84._polygon_area_perimeter  # polygon_area_perimeter less its buffer copies
    per_polygon: list[float] = []
    area = 0.0
    for k, is_shell in enumerate(shell.tolist()):
        m2 = abs(ring_m2(x[cuts[k] : cuts[k + 1]], y[cuts[k] : cuts[k + 1]], radians=False)[0])
        if is_shell:
            if k:
                per_polygon.append(area)
            area = m2
        else:
            area -= m2
    per_polygon.append(area)
    return sum(per_polygon)


def _rings(polys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rings of non-empty polygons, each polygon's shell first; which are shells; and
    each ring's polygon."""
    rings, owner = shapely.get_rings(polys, return_index=True)
    shell = np.ones(len(rings), dtype=bool)
    shell[1:] = owner[1:] != owner[:-1]
    return rings, shell, owner


_E2 = WGS84.es
_E = math.sqrt(_E2)


def _q(sin_phi: np.ndarray) -> np.ndarray:
    return (1 - _E2) * (sin_phi / (1 - _E2 * sin_phi**2)
                        - np.log((1 - _E * sin_phi) / (1 + _E * sin_phi)) / (2 * _E))  # fmt: skip


_QP = float(_q(np.array(1.0)))
AUTHALIC_RADIUS_M = WGS84.a * math.sqrt(_QP / 2)


_GAUSS3 = ((0.5 - 0.5 * math.sqrt(0.6), 5 / 18), (0.5, 8 / 18), (0.5 + 0.5 * math.sqrt(0.6), 5 / 18))


def lonlat_area_km2(geom: BaseGeometry | None) -> float:
    """Area (km², on the WGS84 ellipsoid) of a polygonal geometry whose edges run straight
    in lon/lat, not along geodesics: its area in the cylindrical equal-area projection
    (x = longitude, y = the sine of the authalic latitude), each edge's integral taken by
    three-point Gauss-Legendre (an edge of constant latitude is exact).

    Unlike the geodesic measure (:func:`area_km2`), this one does not change when a vertex
    is added on an edge: use it for slivers cut into pieces along grid lines (a
    millimetre-wide seam 70 km long, cut on one side only, measured 0.89 km² as geodesics:
    the sag of the long edge, not the seam's own 0.004 km²)."""
    polys = np.asarray(polygons_of(geom) if geom is not None else [], dtype=object)
    return float(lonlat_areas_km2(polys).sum())


def lonlat_areas_km2(polys: np.ndarray) -> np.ndarray:
    """:func:`lonlat_area_km2` of each of non-empty polygons (km²)."""
    if not len(polys):
        return np.zeros(0)
    rings, shell, owner = _rings(polys)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    (x1, y1), (x2, y2) = xy[:-1][same].T, xy[1:][same].T
    sin_beta = sum(w * _q(np.sin(np.radians(y1 + t * (y2 - y1)))) for t, w in _GAUSS3) / _QP
    ring_m2 = np.abs(np.bincount(ring[:-1][same], weights=np.radians(x2 - x1) * sin_beta,
                                 minlength=len(rings))) * AUTHALIC_RADIUS_M**2  # fmt: skip
    return np.bincount(owner, weights=np.where(shell, ring_m2, -ring_m2), minlength=len(polys)) / 1e6


def sphere_triangle_m2(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Signed areas (m², positive counter-clockwise) of small triangles given as (n × 2)
    lon/lat arrays, on the WGS84 authalic sphere (equal-area: the ellipsoid's areas kept)
    with great-circle edges. Meant for thin slivers next to a long edge; written to keep
    its precision when the three corners nearly coincide."""

    def unit(xy):
        lon = np.radians(xy[:, 0])
        beta = np.arcsin(np.clip(_q(np.sin(np.radians(xy[:, 1]))) / _QP, -1, 1))
        return np.column_stack([np.cos(beta) * np.cos(lon), np.cos(beta) * np.sin(lon), np.sin(beta)])

    va, vb, vc = unit(a), unit(b), unit(c)
    db, dc = vb - va, vc - va
    triple = np.einsum("ij,ij->i", va, np.cross(db, dc))  # = va · (vb × vc), no cancellation
    denom = 1 + np.einsum("ij,ij->i", va, vb) + np.einsum("ij,ij->i", vb, vc) + np.einsum("ij,ij->i", vc, va)
    return 2 * np.arctan2(triple, denom) * AUTHALIC_RADIUS_M**2


def polygons_of(geom: BaseGeometry) -> list[shapely.Polygon]:
    """The polygons inside any geometry (points and lines are dropped)."""
    if geom is None or geom.is_empty:
        return []
    kind = shapely.get_type_id(geom)
    if kind == 3:  # Polygon
        return [cast(shapely.Polygon, geom)]
    if kind == 6:  # MultiPolygon
        parts = shapely.get_parts(geom)
        return parts[~shapely.is_empty(parts)].tolist()
    if kind == 7:  # GeometryCollection
        return [p for part in shapely.get_parts(geom) for p in polygons_of(part)]
    return []


def as_multipolygon(geom: BaseGeometry | None) -> shapely.MultiPolygon:
    """The polygonal part of ``geom`` as one MultiPolygon (empty if none)."""
    if geom is None or geom.is_empty:
        return EMPTY
    if geom.geom_type == "MultiPolygon":
        return cast(shapely.MultiPolygon, geom)
    return shapely.MultiPolygon(polygons_of(geom))


def repair(geom: BaseGeometry) -> tuple[shapely.MultiPolygon, bool]:
    """Make a polygonal geometry valid; returns the result and whether it was repaired."""
    geom = shapely.force_2d(geom)
    if shapely.is_valid(geom):
        return as_multipolygon(geom), False
    fixed = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    return as_multipolygon(fixed), True


def union(geoms: Sequence[BaseGeometry]) -> shapely.MultiPolygon:
    """Union of polygonal geometries as one MultiPolygon."""
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        return EMPTY
    if len(geoms) == 1:
        return as_multipolygon(geoms[0])
    return as_multipolygon(shapely.union_all(geoms))


def clip(geom: BaseGeometry, outline: BaseGeometry) -> shapely.MultiPolygon:
    """Intersection of ``geom`` with ``outline`` (polygonal part only)."""
    if geom.is_empty:
        return EMPTY
    if shapely.contains_properly(outline, geom):
        return as_multipolygon(geom)
    return as_multipolygon(shapely.intersection(geom, outline))


def union_clipped(geoms: Sequence[BaseGeometry], outline: BaseGeometry
                  ) -> tuple[shapely.MultiPolygon, float, float]:  # fmt: skip
    """Union of *valid* polygonal geometries clipped to a prepared ``outline``; its
    geodesic area (km²); and about how much (km², approximate) lay outside the outline.

    Parts wholly outside the outline are dropped before the union, a single input needs no
    union, inputs that form a valid coverage (edge-matched, no overlaps) get the fast
    coverage union, and only the parts that cross the outline pay for clipping.
    """
    parts = [np.asarray(polygons_of(g), dtype=object) for g in geoms]
    parts = [p for p in parts if len(p)]
    if not parts:
        return EMPTY, 0.0, 0.0
    outside_km2 = 0.0
    kept = []
    for arr in parts:
        touching = shapely.intersects(outline, arr)
        outside_km2 += approx_km2(arr[~touching])
        if touching.any():
            kept.append(arr[touching])
    if not kept:
        return EMPTY, 0.0, outside_km2
    if len(kept) == 1:
        pieces = kept[0]
    else:
        flat = np.concatenate(kept)
        merged = None
        if shapely.coverage_is_valid(shapely.GeometryCollection(list(flat))):
            try:
                merged = shapely.coverage_union_all(flat)
            except shapely.errors.GEOSException:  # valid coverage, but not noded alike
                merged = None
        if merged is None or not merged.is_valid:
            merged = shapely.union_all(flat)
        pieces = np.asarray(polygons_of(merged), dtype=object)
    inside = shapely.contains_properly(outline, pieces)
    crossing = pieces[~inside]
    out = list(pieces[inside])
    if len(crossing):
        cut = polygons_of(shapely.intersection(shapely.MultiPolygon(list(crossing)), outline))
        outside_km2 += approx_km2(crossing) - approx_km2(np.asarray(cut, dtype=object))
        out.extend(cut)
    km2 = polygons_area_m2(out) / 1e6
    return shapely.MultiPolygon(out), km2, max(outside_km2, 0.0)


KM_PER_DEG_LON, KM_PER_DEG_LAT = 111.32, 110.57
"""Kilometres per degree of longitude (at the equator) and of latitude, for rough measures."""


def approx_km2(polys: np.ndarray) -> float:
    """Rough area (km²) of polygons from their planar area in degrees, scaled at each one's
    latitude: for warnings only, never for reported numbers."""
    if len(polys) == 0:
        return 0.0
    lat = shapely.get_y(shapely.centroid(polys))
    return float(np.sum(shapely.area(polys) * np.cos(np.radians(lat))) * KM_PER_DEG_LON * KM_PER_DEG_LAT)


def difference(a: BaseGeometry, b: BaseGeometry) -> shapely.MultiPolygon:
    """``a`` less ``b`` (polygonal part only)."""
    if a.is_empty:
        return EMPTY
    if b.is_empty:
        return as_multipolygon(a)
    return as_multipolygon(shapely.difference(a, b))


def difference_by_parts(a: BaseGeometry, b: BaseGeometry) -> shapely.MultiPolygon:
    """``a`` less ``b``, overlaying only the polygons of ``a`` that meet ``b``: one apart
    from ``b`` is kept whole, one inside it left out (the same ground as
    :func:`difference`; a few small overlays where most of ``a`` lies away from ``b``)."""
    if a.is_empty:
        return EMPTY
    if b.is_empty:
        return as_multipolygon(a)
    parts = shapely.get_parts(a)
    shapely.prepare(b)
    apart = shapely.disjoint(b, parts)
    meet = parts[~apart & ~shapely.contains(b, parts)]
    kept = parts[apart].tolist()
    if len(meet):
        kept += polygons_of(cast(BaseGeometry, shapely.difference(shapely.multipolygons(meet), b)))
    return shapely.MultiPolygon(kept) if kept else EMPTY


def split_difference(a: BaseGeometry, b: BaseGeometry, *, local: bool = True
                     ) -> tuple[shapely.MultiPolygon, shapely.MultiPolygon]:  # fmt: skip
    """``(a − b, b − a)``. With ``local`` (the default) the two differences are overlaid
    only where the edges of ``a`` and ``b`` differ (:func:`_diff.differences`: two maps of
    one source share most of their edges); otherwise, or where that does not pay, by two
    plain overlays of the whole geometries (big ones in two threads)."""
    if a.is_empty or b.is_empty:
        return as_multipolygon(a), as_multipolygon(b)
    if local:
        out = local_differences(a, b)
        if out is not None:
            return as_multipolygon(out[0]), as_multipolygon(out[1])
    lost, taken = both_differences(a, b)
    return as_multipolygon(lost), as_multipolygon(taken)


def intersection(a: BaseGeometry, b: BaseGeometry) -> shapely.MultiPolygon:
    """``a`` and ``b`` (polygonal part only)."""
    if a.is_empty or b.is_empty:
        return EMPTY
    return as_multipolygon(shapely.intersection(a, b))


def coordinate_problem(geom: BaseGeometry) -> str | None:
    """Describe coordinates that cannot be lon/lat degrees, or None when they can."""
    if geom.is_empty:
        return None
    xy = shapely.get_coordinates(geom)
    if not np.isfinite(xy).all():
        return "coordinates contain NaN or infinity"
    bad_lon = np.abs(xy[:, 0]) > 180
    bad_lat = np.abs(xy[:, 1]) > 90
    if bad_lon.any() or bad_lat.any():
        i = int(np.argmax(bad_lon | bad_lat))
        return (
            f"coordinate ({xy[i, 0]:g}, {xy[i, 1]:g}) is out of range for lon/lat degrees "
            "(expected WGS84 longitude -180..180, latitude -90..90; is the file projected?)"
        )
    return None
