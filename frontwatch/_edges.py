"""Long straight edges of maps, and the budgets of the sag of pieces along them.

A window's area is geodesic, and a straight edge (in lon/lat) of length ``ℓ`` at latitude
``φ`` sags off its geodesic by at most about ``ℓ³·tan φ / (12 R)`` of area (1.8 km² for a
50 km edge, a millionth of that for a 50 m one; 1.08 times that at worst over all bearings,
against pyproj). Pieces cut from a long edge sag less than the whole, so a sum of pieces
counts each with a share of the whole edge's sag: ``ℓ · L² · tan φ / (12 R)`` for a piece
``ℓ`` of an edge ``L`` long (:func:`budgets`). The table of window bounds
(:mod:`.arrangement`) and the steps after it (:mod:`.tail`) take these budgets.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from . import _geo
from ._diff import row_hashes

SHORT_KM = 0.5
"""Map edges shorter than this are not looked up: a piece on one counts as if its edge were
this long (a sag of 1.5e-5 km² per km of piece)."""
SNAP_KM2_PER_KM = 5e-6
"""Per km of a face's edges: the grid's move and a sliver read on the wrong side (5 mm wide)."""
JITTER_KM2_PER_KM = 2.5e-5
"""Per km of a map's boundary, where maps are snapped onto each other (vertices within
1e-7°, 1.1 cm: twice that, wide)."""
SAG_SAFETY = 2.0
"""The sag formula against pyproj's geodesics: at most 1.08 of it over all bearings."""
R_KM = _geo.AUTHALIC_RADIUS_M / 1000
LONG_PICK_KM = 0.9 * SHORT_KM
"""Edges picked as long by their flat-Earth length (within 0.5 %), then measured again."""
SNAPPED_BELOW = 0.7
"""A map sharing less than this share of its vertices with the map before it was snapped
onto it in their step (:data:`._diff.MAX_SHARE` of edges differing)."""


class MapTerms(NamedTuple):
    """What the table needs of one map: its edges of about :data:`SHORT_KM` or more
    (``(n, 4)``; with a map before it, only those that map does not have), its boundary's
    length (km) and the share of its vertices that the map before it has (below 0.7: the
    step into it was snapped)."""

    long_edges: np.ndarray
    boundary_km: float
    shared: float

    @property
    def own_km2(self) -> float:
        """The map's own term (km²): the slivers of snapping its boundary, twice where the
        step into it was snapped."""
        return JITTER_KM2_PER_KM * self.boundary_km * (2 if self.shared < SNAPPED_BELOW else 1)


def map_terms(geom: BaseGeometry, before: BaseGeometry | None = None) -> MapTerms:
    """:class:`MapTerms` of a map (``before``: the map before it, if any). Step workers
    compute them with each step (:func:`.steps.derive_steps`), while they hold the maps."""
    return terms_of(edges_km(geom), edges_km(before) if before is not None else None)


def terms_of(edges: tuple[np.ndarray, np.ndarray, np.ndarray],
           before: tuple[np.ndarray, np.ndarray, np.ndarray] | None) -> MapTerms:  # fmt: skip
    """:func:`map_terms` from the maps' :func:`edges_km`."""
    xy, e, km = edges
    long_edges, shared = e[km >= LONG_PICK_KM], 1.0
    if before is not None and len(xy):
        xy_before, e_before, km_before = before
        if len(xy_before):
            prev = np.sort(row_hashes(xy_before))
            keys = row_hashes(xy)
            shared = float((prev[np.minimum(np.searchsorted(prev, keys), len(prev) - 1)] == keys).mean())
            had = np.sort(row_hashes(e_before[km_before >= LONG_PICK_KM]))
            if len(had):
                keys = row_hashes(long_edges)
                long_edges = long_edges[had[np.minimum(np.searchsorted(had, keys), len(had) - 1)] != keys]
    return MapTerms(long_edges, 1.01 * float(km.sum()), shared)


def edges_km(geom: BaseGeometry) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A map's vertices, its edges ``(n, 4)`` and their lengths (km, within 0.5 %: the long
    ones are measured again)."""
    xy, e, _ = ring_edges(shapely.get_parts(geom))
    return xy, e, approx_km(e)


def ring_edges(polys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The vertices of polygons' rings, their edges ``(n, 4)`` and each edge's polygon."""
    rings, owner = shapely.get_rings(polys, return_index=True)
    xy, e, ring = segments(rings)
    return xy, e, owner[ring]


def segments(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The vertices of linear geometries (rings, lines; points add none), their segments
    ``(n, 4)`` and each segment's geometry (an index)."""
    xy, part = shapely.get_coordinates(lines, return_index=True)
    same = part[1:] == part[:-1]
    return xy, np.concatenate([xy[:-1][same], xy[1:][same]], axis=1), part[:-1][same]


def measured(e: np.ndarray) -> np.ndarray:
    """Edges ``(n, 4)`` with their geodesic lengths: ``(n, 5)``."""
    e = e.reshape(-1, 4)
    return np.column_stack([e, lengths_km(e)])


def long_edges(edges: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """The edges of about :data:`SHORT_KM` or more of a map's :func:`edges_km`, measured
    again (``(n, 5)``)."""
    _, e, km = edges
    return measured(e[km >= LONG_PICK_KM])


def lengths_km(e: np.ndarray) -> np.ndarray:
    """Geodesic lengths (km) of edges ``(n, 4)``."""
    if not len(e):
        return np.zeros(0)
    return np.asarray(_geo.WGS84.inv(e[:, 0], e[:, 1], e[:, 2], e[:, 3])[2]) / 1000


def approx_km(e: np.ndarray) -> np.ndarray:
    """Lengths (km) of edges ``(n, 4)`` on a local flat Earth (within 0.5 % here)."""
    kx = _geo.KM_PER_DEG_LON * np.cos(np.radians((e[:, 1] + e[:, 3]) / 2))
    return np.hypot((e[:, 2] - e[:, 0]) * kx, (e[:, 3] - e[:, 1]) * _geo.KM_PER_DEG_LAT)


class EdgeSet:
    """Long edges ``(n, 5)`` (x0, y0, x1, y1, km) with their spatial index, built once."""

    def __init__(self, edges: np.ndarray) -> None:
        self.edges = edges.reshape(-1, 5)
        self._tree: shapely.STRtree | None = None
        self._lines: np.ndarray | None = None

    @property
    def lines(self) -> np.ndarray:
        if self._lines is None:
            self._lines = np.asarray(shapely.linestrings(self.edges[:, :4].reshape(-1, 2, 2)), dtype=object).reshape(-1)
        return self._lines

    @property
    def tree(self) -> shapely.STRtree:
        if self._tree is None:
            self._tree = shapely.STRtree(self.lines)
        return self._tree

    def __len__(self) -> int:
        return len(self.edges)


def containing_km(e: np.ndarray, *sets: EdgeSet) -> np.ndarray:
    """Per edge ``(n, 4)``: the length (km) of the longest edge of ``sets`` that holds it
    (both ends within 4e-7° of it), 0 where none does."""
    out = np.zeros(len(e))
    if not len(e):
        return out
    mid = shapely.points((e[:, :2] + e[:, 2:]) / 2)
    for edges in sets:
        if not len(edges):
            continue
        seg, edge = edges.tree.query(mid, predicate="dwithin", distance=4e-7)
        if len(seg):
            long = edges.edges[edge]
            ok = on_segment(e[seg, :2], long[:, :4]) & on_segment(e[seg, 2:], long[:, :4])
            np.maximum.at(out, seg[ok], long[ok, 4])
    return out


def sag_km2(e: np.ndarray, piece_km: np.ndarray, cap_km: np.ndarray) -> np.ndarray:
    """Budget (km², :data:`SAG_SAFETY` times the formula) of the sag of pieces of straight
    edges ``e`` ``(n, 4)`` of lengths ``piece_km`` lying on edges ``cap_km`` long."""
    lat = np.radians(np.maximum(np.abs(e[:, 1]), np.abs(e[:, 3])))
    # (a piece along a meridian, such as a strip's frame, is its own geodesic: no sag)
    return np.where(e[:, 0] == e[:, 2], 0.0, SAG_SAFETY * piece_km * cap_km**2 * np.tan(lat) / (12 * R_KM))


def budgets(faces: np.ndarray, *sets: EdgeSet) -> np.ndarray:
    """Per face (km²): the sag of its edge pieces at the length of the longest map edge that
    holds each (at least the piece's own: a face's own edges sag too), and the snapping
    term (see the module's docstring)."""
    _, e, face_of = ring_edges(faces)
    piece_km = lengths_km(e)
    cap = np.maximum(np.maximum(piece_km, SHORT_KM), containing_km(e, *sets))
    per_piece = sag_km2(e, piece_km, cap) + SNAP_KM2_PER_KM * piece_km
    return np.bincount(face_of, weights=per_piece, minlength=len(faces))


def on_segment(p: np.ndarray, seg: np.ndarray, tol: float = 4e-7) -> np.ndarray:
    """Whether points lie within ``tol`` degrees of segments."""
    a, b = seg[:, :2], seg[:, 2:]
    d = b - a
    t = np.clip(np.einsum("ij,ij->i", p - a, d) / np.maximum(np.einsum("ij,ij->i", d, d), 1e-300), 0, 1)
    return np.hypot(*(a + t[:, None] * d - p).T) <= tol


def crossing_km2(pieces: np.ndarray, *sets: EdgeSet) -> float:
    """The sag budget (km²) of the long edges of ``sets`` over the lengths of them that
    run through (or along) polygons ``pieces``: a window whose edge is one of them may
    bulge off it by the geodesic's sag, however the pieces are cut."""
    total = 0.0
    for edges in sets:
        if not len(edges) or not len(pieces):
            continue
        piece, edge = edges.tree.query(pieces, predicate="intersects")
        if not len(piece):
            continue
        inside = shapely.intersection(edges.lines[edge], pieces[piece])
        parts, owner = shapely.get_parts(inside, return_index=True)
        _, seg, part = segments(parts)
        km = np.bincount(owner[part], weights=1.01 * approx_km(seg), minlength=len(edge))
        long = edges.edges[edge]
        total += float(sag_km2(long[:, :4], km, long[:, 4]).sum())
    return total


def whole_sag_km2(geom: BaseGeometry) -> float:
    """The sag budget (km²) of every long edge of a polygonal geometry, each whole."""
    long = long_edges(edges_km(geom))
    return float(sag_km2(long[:, :4], long[:, 4], long[:, 4]).sum())
