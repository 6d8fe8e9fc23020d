"""The line of contact of a snapshot, its length, and geodesic distances to it.

The line of contact is the boundary of the occupied area less the parts that run along the
state border or the coast (and along regions the source does not draw, e.g. Crimea for
liveuamap-nzz): a boundary segment is dropped when both its ends lie within
``BORDER_TOLERANCE_KM`` of the national outline (the OpenStreetMap land outline and the
geoBoundaries clip outline) or of an undrawn region's edge. Distances are geodesic metres
on WGS84, reported in km.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from . import _geo
from .boundaries import clip_outline, held_before_2022
from .results import Result, not_json

BORDER_TOLERANCE_KM = 3.0
"""Boundary segments within this distance of the state border or coast are not front."""

LAEA = "+proj=laea +lat_0=48.5 +lon_0=31.5 +ellps=WGS84 +units=m +no_defs"


def projection_pair(proj: str) -> tuple[Transformer, Transformer]:
    """Transformers from WGS84 lon/lat degrees to a projection on the WGS84 ellipsoid
    (``proj``: PROJ parameters, metres, no datum shift) and back.

    They are built from the PROJ pipelines that ``Transformer.from_crs("EPSG:4326", proj,
    always_xy=True)`` and its inverse resolve to (the same numbers bit for bit, tested),
    without the CRS database look-ups: 0.1 ms instead of about 10 ms.
    """
    fwd = f"+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step {proj}"
    back = f"+proj=pipeline +step +inv {proj} +step +proj=unitconvert +xy_in=rad +xy_out=deg"
    return Transformer.from_pipeline(fwd), Transformer.from_pipeline(back)


_TO_LAEA, _FROM_LAEA = projection_pair("+proj=laea +lat_0=48.5 +lon_0=31.5 +x_0=0 +y_0=0 +ellps=WGS84")


def to_laea(geom):
    """Lon/lat geometry to Lambert azimuthal equal-area metres centred on Ukraine."""
    return shapely.transform(geom, lambda xy: np.column_stack(_TO_LAEA.transform(xy[:, 0], xy[:, 1])))


def from_laea(geom):
    return shapely.transform(geom, lambda xy: np.column_stack(_FROM_LAEA.transform(xy[:, 0], xy[:, 1])))


@cache
def _border_lines(undrawn: tuple[str, ...]) -> BaseGeometry:
    lines = [shapely.boundary(clip_outline("osm-land")), shapely.boundary(clip_outline())]
    regions = held_before_2022()
    lines += [shapely.boundary(regions[r]) for r in undrawn]
    geom = to_laea(shapely.union_all(lines))
    shapely.prepare(geom)
    return geom


def front_of(store, rec) -> shapely.MultiLineString:
    """The line of contact of a stored snapshot (:func:`line_of_contact` of its occupied
    layer and coverage), kept by the store for reuse (the plain computation every time
    without the store's ``fast_paths``)."""
    from .snapshot import OCCUPIED

    if not store.fast_paths:
        return _line_of_contact_plain(store.layer(rec.id, OCCUPIED), rec.coverage)

    def make() -> shapely.MultiLineString:
        memo = store.derived(("near-border", rec.source, _undrawn(rec.coverage)), NearBorderMemo)
        return line_of_contact(store.layer(rec.id, OCCUPIED), rec.coverage, memo=memo)

    return store.derived(("front", rec.id), make)


class NearBorderMemo:
    """Which vertices (lon/lat) lie near the border, kept between the maps of one source
    and coverage: consecutive maps share most of their vertices, and :func:`near_border`
    decides each point on its own (as ``shapely.dwithin`` does), so a point's answer can
    be reused bit for bit. Starts again when it would hold over ``LIMIT`` points."""

    LIMIT = 400_000

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.keys = np.empty(0, np.uint64)  # sorted hashes of the points' coordinate bits
        self.xy = np.empty((0, 2))  # the points themselves (a hash is checked, not trusted)
        self.near = np.empty(0, bool)
        self.tolerance_m: float | None = None

    @staticmethod
    def _hash(xy: np.ndarray) -> np.ndarray:
        bits = np.ascontiguousarray(xy).view(np.uint64).reshape(-1, 2)
        return bits[:, 0] * np.uint64(0x9E3779B97F4A7C15) ^ bits[:, 1]

    def near_border(self, border: BaseGeometry, xy: np.ndarray, tolerance_m: float) -> np.ndarray:
        """:func:`near_border` of the lon/lat points ``xy``, from the memo where known."""
        if tolerance_m != self.tolerance_m:
            self._reset()
            self.tolerance_m = tolerance_m
        keys = self._hash(xy)
        out = np.zeros(len(xy), bool)
        known = np.zeros(len(xy), bool)
        if len(self.keys):
            order = np.argsort(keys)  # (sorted needles search several times faster)
            pos = np.empty(len(keys), np.intp)
            pos[order] = np.minimum(np.searchsorted(self.keys, keys[order]), len(self.keys) - 1)
            known = (self.keys[pos] == keys) & (self.xy[pos] == xy).all(axis=1)
            out[known] = self.near[pos[known]]
        new = ~known
        if new.any():
            laea = np.column_stack(_TO_LAEA.transform(xy[new, 0], xy[new, 1]))
            out[new] = near_border(border, laea, tolerance_m)
            add, first = np.unique(keys[new], return_index=True)
            if len(self.keys) + len(add) > self.LIMIT:
                self._reset()
                self.tolerance_m = tolerance_m
            merged = np.concatenate([self.keys, add])
            order = np.argsort(merged, kind="stable")
            self.keys = merged[order]
            self.xy = np.concatenate([self.xy, xy[new][first]])[order]
            self.near = np.concatenate([self.near, out[new][first]])[order]
        return out


def _undrawn(coverage: dict[str, bool] | None) -> tuple[str, ...]:
    return tuple(sorted(k for k, ok in (coverage or {}).items() if not ok))


def line_of_contact(
    occupied: BaseGeometry,
    coverage: dict[str, bool] | None = None,
    *,
    tolerance_km: float = BORDER_TOLERANCE_KM,
    memo: NearBorderMemo | None = None,
) -> shapely.MultiLineString:
    """The front line of an occupied area (lon/lat MultiLineString).

    Parameters
    ----------
    occupied
        The occupied area of a snapshot (clipped to Ukraine).
    coverage
        The snapshot's coverage; regions it does not draw are treated like the border.
    tolerance_km
        Segments whose both ends lie within this distance of the border are dropped.
    memo
        Answers for vertices seen in earlier maps of the same source and coverage (the
        same line, faster along a series of maps).
    """
    if occupied.is_empty:
        return shapely.MultiLineString()
    if memo is not None:
        border, xy_all, ring_idx, _ = _ring_vertices(occupied, coverage, project=False)
        near = memo.near_border(border, xy_all, tolerance_km * 1000.0)
    else:
        border, xy_all, ring_idx, laea = _ring_vertices(occupied, coverage)
        near = near_border(border, laea, tolerance_km * 1000.0)
    keep_seg = ~(near[:-1] & near[1:]) & (ring_idx[:-1] == ring_idx[1:])
    # runs of kept segments: vertices start..stop of each run make one line
    edge = np.diff(np.concatenate(([0], keep_seg.astype(np.int8), [0])))
    starts, stops = np.nonzero(edge == 1)[0], np.nonzero(edge == -1)[0]
    if len(starts) == 0:
        return shapely.MultiLineString()
    counts = stops - starts + 1
    at = np.repeat(starts, counts) + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    lines = shapely.linestrings(xy_all[at], indices=np.repeat(np.arange(len(starts)), counts))
    return shapely.line_merge(shapely.multilinestrings(lines))


NEAR_CHUNK = 16
"""Consecutive vertices screened together by :func:`near_border`."""
NEAR_MARGIN_M = 1.0


def near_border(border: BaseGeometry, laea: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Which points (rows of ``laea``, equal-area metres) lie within ``tolerance_m`` of the
    prepared ``border``: ``shapely.dwithin`` point by point, but points of a ring come in
    runs, so runs of ``NEAR_CHUNK`` are settled first by their bounding box: far when the
    box is farther than the tolerance, near when its centre is nearer than the tolerance
    less half its diagonal (both with ``NEAR_MARGIN_M`` to spare, so that no rounding
    decides); only the points of the other runs are tested one by one."""
    n = len(laea)
    starts = np.arange(0, n, NEAR_CHUNK)
    lo, hi = np.minimum.reduceat(laea, starts), np.maximum.reduceat(laea, starts)
    far = ~shapely.dwithin(border, shapely.box(lo[:, 0] - 0.5, lo[:, 1] - 0.5, hi[:, 0] + 0.5, hi[:, 1] + 0.5),
                           tolerance_m + NEAR_MARGIN_M)  # fmt: skip
    reach = tolerance_m - NEAR_MARGIN_M - np.hypot(hi[:, 0] - lo[:, 0], hi[:, 1] - lo[:, 1]) / 2
    close = np.zeros(len(starts), bool)
    ok = reach > 0
    close[ok] = shapely.dwithin(border, shapely.points((lo[ok] + hi[ok]) / 2), reach[ok])
    chunk = np.arange(n) // NEAR_CHUNK
    near = close[chunk]
    rest = ~(far | close)[chunk]
    near[rest] = shapely.dwithin(border, shapely.points(laea[rest]), tolerance_m)
    return near


def _ring_vertices(occupied, coverage, *, project: bool = True):
    """The border lines not to count as front (state border, coast, undrawn regions), and the
    occupied area's ring vertices: lon/lat, ring index, projected (LAEA metres; None
    without ``project``)."""
    border = _border_lines(_undrawn(coverage))
    rings = shapely.get_rings(shapely.get_parts(occupied))
    xy_all, ring_idx = shapely.get_coordinates(rings, return_index=True)
    laea = np.column_stack(_TO_LAEA.transform(xy_all[:, 0], xy_all[:, 1])) if project else None
    return border, xy_all, ring_idx, laea


def _line_of_contact_plain(occupied, coverage=None, *, tolerance_km: float = BORDER_TOLERANCE_KM):
    """:func:`line_of_contact` point by point and line by line (the reference)."""
    if occupied.is_empty:
        return shapely.MultiLineString()
    border, xy_all, ring_idx, laea = _ring_vertices(occupied, coverage)
    near = shapely.dwithin(border, shapely.points(laea), tolerance_km * 1000.0)
    keep_seg = ~(near[:-1] & near[1:]) & (ring_idx[:-1] == ring_idx[1:])
    lines = []
    start = None
    for i, k in enumerate(keep_seg):
        if k and start is None:
            start = i
        if (not k) and start is not None:
            lines.append(xy_all[start : i + 1])
            start = None
    if start is not None:
        lines.append(xy_all[start : len(keep_seg) + 1])
    if not lines:
        return shapely.MultiLineString()
    return shapely.line_merge(shapely.MultiLineString([ln for ln in lines if len(ln) > 1]))


# The land border with Russia and Belarus: the national (land) outline within these boxes
# (north of 51°N; east of 33.5°E north of the Azov coast at 47.2°N). Russian advances start
# from it as well as from the line of contact.
_RU_BY_BOXES = ((23.5, 51.0, 41.0, 53.0), (33.5, 47.2, 41.0, 53.0))


@cache
def russia_belarus_border() -> BaseGeometry:
    """Ukraine's land border with Russia and Belarus (lon/lat lines), approximated by the
    OpenStreetMap land outline inside :data:`_RU_BY_BOXES`."""
    edge = shapely.boundary(clip_outline("osm-land"))
    return shapely.intersection(edge, shapely.union_all([shapely.box(*b) for b in _RU_BY_BOXES]))


def length_km(line: BaseGeometry) -> float:
    """Geodesic length of a (multi)line on WGS84, in km."""
    if line.is_empty:
        return 0.0
    return _geo.WGS84.geometry_length(line) / 1000.0


@dataclass(frozen=True)
class Nearest:
    """The nearest point of a target to a place, and the geodesic distance to it."""

    distance_km: float
    lon: float
    lat: float


def nearest(target: BaseGeometry, lon: float, lat: float) -> Nearest | None:
    """Geodesic distance (km) from (lon, lat) to the nearest point of ``target``.

    Edges are geodesics. The search runs in an azimuthal equidistant projection centred on
    the place (where distances from the centre are exact): the nearest edges are found
    there, edges longer than ``_PIECE_KM`` are split along the geodesic, and the foot of the
    perpendicular on the nearest piece is taken back to lon/lat; the distance reported is
    ``Geod.inv`` from the place to that point. Zero when the place is inside a polygon.
    """
    if target is None or target.is_empty:
        return None
    if target.geom_type in ("Polygon", "MultiPolygon") and shapely.intersects_xy(target, lon, lat):
        return Nearest(0.0, lon, lat)
    if target.geom_type in ("Polygon", "MultiPolygon"):  # its rings: the edges of its boundary
        parts = shapely.get_rings(shapely.get_parts(target))
    else:
        parts = shapely.get_parts(shapely.get_parts(target))
    xy, idx = shapely.get_coordinates(parts, return_index=True)
    same = idx[:-1] == idx[1:]
    fwd, back = _aeqd(lon, lat)
    if len(xy) > _SCREEN_MIN_VERTICES:
        same &= _may_be_nearest(xy, lon, lat)
    used = np.zeros(len(xy), dtype=bool)  # each vertex of a kept edge projected once
    used[:-1] |= same
    used[1:] |= same
    p = np.zeros_like(xy)
    p[used] = np.column_stack(fwd.transform(xy[used, 0], xy[used, 1]))
    a, b = xy[:-1][same], xy[1:][same]
    pa, pb = p[:-1][same], p[1:][same]
    d, _ = _foot(pa, pb)
    best = d.min()
    cand = np.nonzero(d <= best * 1.01 + 200.0)[0]
    pieces_a, pieces_b = [], []
    for i in cand:
        pts = [tuple(a[i])]
        seg_km = _geo.WGS84.inv(a[i, 0], a[i, 1], b[i, 0], b[i, 1])[2] / 1000.0
        n = int(seg_km // _PIECE_KM)
        if n > 0:
            pts += _geo.WGS84.npts(a[i, 0], a[i, 1], b[i, 0], b[i, 1], n)
        pts.append(tuple(b[i]))
        arr = np.asarray(pts)
        pieces_a.append(arr[:-1])
        pieces_b.append(arr[1:])
    qa, qb = np.concatenate(pieces_a), np.concatenate(pieces_b)
    ra = np.column_stack(fwd.transform(qa[:, 0], qa[:, 1]))
    rb = np.column_stack(fwd.transform(qb[:, 0], qb[:, 1]))
    d, foot = _foot(ra, rb)
    k = int(np.argmin(d))
    plon, plat = back.transform(foot[k, 0], foot[k, 1])
    dist = _geo.WGS84.inv(lon, lat, plon, plat)[2]
    return Nearest(dist / 1000.0, float(plon), float(plat))


_PIECE_KM = 1.0
_SCREEN_MIN_VERTICES = 256
_R_LOW_M = 6_000_000.0
"""A sphere radius under which great-circle distances are below geodesic distances on WGS84
(whose radii of curvature are at least b²/a ≈ 6,335 km)."""
_R_HIGH_M = 6_500_000.0
"""A sphere radius over which great-circle lengths are above geodesic ones (radii of
curvature at most a²/b ≈ 6,400 km)."""
_AEQD_STRETCH = 1.5
"""Bound of how much the azimuthal equidistant projection stretches lengths across the
radius (ρ/sin ρ on the sphere: 1.01 at 1,500 km, 1.5 only past 9,000 km)."""


def _great_circle_m(lon0, lat0, lon, lat, radius: float) -> np.ndarray:
    """Haversine distances (m) on a sphere of ``radius`` metres."""
    p0, p = np.radians(lat0), np.radians(lat)
    h = np.sin((p - p0) / 2) ** 2 + np.cos(p0) * np.cos(p) * np.sin(np.radians(lon - lon0) / 2) ** 2
    return 2 * radius * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _may_be_nearest(xy: np.ndarray, lon: float, lat: float) -> np.ndarray:
    """Per edge ``xy[i] → xy[i+1]``: False only where the edge cannot hold the nearest
    piece :func:`nearest` looks at, so leaving it out changes nothing.

    In the projection centred on the place a vertex's radius is its geodesic distance, at
    least its great-circle distance on a sphere of ``_R_LOW_M`` (``lo``). Some vertex
    lies at most ``reach`` (its exact geodesic distance) from the place, so the nearest
    edge, and every edge :func:`nearest` keeps as a candidate (within 1 % + 200 m of it),
    lies within ``1.01 × reach + 200 m``; an edge that comes that close has an end within
    that distance plus half its projected length, which ``_AEQD_STRETCH`` times its
    great-circle length on ``_R_HIGH_M`` bounds."""
    lo = _great_circle_m(lon, lat, xy[:, 0], xy[:, 1], _R_LOW_M)
    k = int(np.argmin(lo))
    reach = _geo.WGS84.inv(lon, lat, xy[k, 0], xy[k, 1])[2] * 1.01 + 200.0 + 1.0
    half = _AEQD_STRETCH * _great_circle_m(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1], _R_HIGH_M) / 2
    return np.minimum(lo[:-1], lo[1:]) <= reach + half


@lru_cache(maxsize=256)
def _aeqd(lon: float, lat: float) -> tuple[Transformer, Transformer]:
    """Transformers to and from the azimuthal equidistant projection centred on a place."""
    return projection_pair(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +x_0=0 +y_0=0 +ellps=WGS84")


def _foot(pa: np.ndarray, pb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance from the origin to segments pa→pb (planar) and the nearest points."""
    ab = pb - pa
    den = np.einsum("ij,ij->i", ab, ab)
    t = np.where(den > 0, -np.einsum("ij,ij->i", pa, ab) / np.where(den > 0, den, 1), 0.0)
    t = np.clip(t, 0.0, 1.0)
    foot = pa + ab * t[:, None]
    return np.hypot(foot[:, 0], foot[:, 1]), foot


@dataclass(frozen=True, slots=True)
class Front(Result):
    """The line of contact of a source on a date (:func:`front_on`).

    Attributes
    ----------
    source, asked_date, snapshot_date, lag_days
        The source, the date asked, the map used and its lag (days).
    length_km
        Geodesic length of the line on WGS84, km.
    tolerance_km, rule
        How close to the state border, the coast or an undrawn region a segment may be and
        still be left out, and the rule in words.
    attribution
        The source's credit.
    geometry
        The line, a shapely MultiLineString in WGS84 lon/lat (EPSG:4326); not in
        :meth:`as_dict`.
    """

    source: str
    asked_date: str
    snapshot_date: str
    lag_days: int
    length_km: float
    tolerance_km: float
    rule: str
    attribution: str
    geometry: BaseGeometry | None = not_json()


def front_on(store, source: str, day) -> Front:
    """The line of contact of ``source`` on ``day`` with its geodesic length and provenance
    (a :class:`Front`; the line in ``geometry``)."""
    from .timeline import History

    asof = History(store, source).as_of(day)
    rec = asof.snapshot
    line = front_of(store, rec)
    return Front(
        source=source, asked_date=asof.asked.isoformat(), snapshot_date=rec.valid_date,
        lag_days=asof.lag_days, length_km=round(length_km(line), 1),
        tolerance_km=BORDER_TOLERANCE_KM,
        rule="boundary of the occupied area less segments within the tolerance of the state "
             "border, the coast or regions the source does not draw",
        attribution=store.source_info(source).attribution, geometry=line,
    )  # fmt: skip
