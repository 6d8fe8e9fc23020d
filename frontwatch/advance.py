"""Depth and speed of advances, distances from places to the other side, and "since" queries.

- **Depth** of ground a side gained between snapshots A and B: the geodesic distance of each
  point of that ground from A's line of contact (for Russia, also from the land border with
  Russia and Belarus, where its advances can start). ``max_depth_km`` is the farthest point;
  ``p90_depth_km`` the 90th percentile over an even grid of the gained ground (so it is
  area-weighted). Both reported points are measured with :func:`frontline.nearest`
  (geodesic, WGS84); the grid is screened in an equal-area projection.
  Parts of the gained ground under ``MIN_PART_KM2`` (redraw slivers) are left out.
- **Speed** = max depth / days between the two snapshots used.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, fields, replace
from typing import cast

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from . import _geo, frontline
from .changes import RankedWindow, change_from_records, check_side, gained_km2, rank_windows, top_windows, windows
from .errors import InvalidWindow
from .gazetteer import Place
from .results import Result, optional
from .settlements import NOT_COVERED, RU, SIDE, _side_at
from .snapshot import OCCUPIED
from .steps import GainBounds
from .store import SnapshotRecord, Store
from .timeline import History, ordered, resolve_window

MAX_SAMPLES = 20_000
"""Grid points at most per advance; the spacing grows with the gained area."""
MIN_SPACING_M = 250.0
MIN_PART_KM2 = 0.5
"""Parts of gained ground smaller than this are redraw slivers, not advances: left out of depth."""


GRID_BLOCK = 16
"""Grid points are screened in blocks of this many by this many (see :func:`_inside_grid`)."""


def _inside_grid(geom: BaseGeometry, gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """Indices (ascending, into the grid ``gx × gy`` raveled as ``np.meshgrid`` rows) of
    the points ``shapely.contains_xy`` finds in a (prepared) polygon. Blocks whose box lies
    in the polygon's interior are inside and blocks whose box misses it outside without a
    test; only the points of the other blocks are tested one by one, and no array of the
    whole grid is made (the grid spans the bounding box of all the gained parts, which can
    be millions of points around a few thousand inside). The boxes are spanned by the
    blocks' own points, so both shortcuts agree with the point test exactly."""
    nx, ny = len(gx), len(gy)
    b = GRID_BLOCK
    ix, iy = np.arange(0, nx, b), np.arange(0, ny, b)
    x_lo, x_hi = gx[ix], gx[np.minimum(ix + b, nx) - 1]
    y_lo, y_hi = gy[iy], gy[np.minimum(iy + b, ny) - 1]
    bx0, by0 = (v.ravel() for v in np.meshgrid(x_lo, y_lo))
    bx1, by1 = (v.ravel() for v in np.meshgrid(x_hi, y_hi))
    solid = (bx1 > bx0) & (by1 > by0)  # (a block one point wide or high has no box)
    boxes = shapely.box(bx0[solid], by0[solid], bx1[solid], by1[solid])
    full = np.zeros(len(bx0), bool)
    empty = np.zeros(len(bx0), bool)
    full[solid] = shapely.contains_properly(geom, boxes)
    empty[solid] = ~shapely.intersects(geom, boxes)

    def points_of(blocks: np.ndarray) -> np.ndarray:
        row, col = np.divmod(blocks, len(ix))
        dy, dx = (v.ravel() for v in np.meshgrid(np.arange(b), np.arange(b), indexing="ij"))
        y = (row[:, None] * b + dy).ravel()
        x = (col[:, None] * b + dx).ravel()
        ok = (y < ny) & (x < nx)
        return y[ok] * nx + x[ok]

    whole = points_of(np.nonzero(full)[0])
    cand = points_of(np.nonzero(~(full | empty))[0])
    cand = cand[shapely.contains_xy(geom, gx[cand % nx], gy[cand // nx])]
    return np.sort(np.concatenate([whole, cand]))


def _big_parts(gained: BaseGeometry, *, fast: bool = True) -> list[shapely.Polygon]:
    """The parts of the gained ground of at least ``MIN_PART_KM2`` (geodesic). Parts whose
    approximate area (planar degrees scaled at their latitude, within 10 % of the
    geodesic area anywhere in Ukraine) is under half of that cannot reach it and are
    left out without the geodesic measure (a redrawn map's gains hold thousands of
    slivers)."""
    polys = np.asarray(_geo.polygons_of(gained), dtype=object)
    if fast and len(polys):
        lat = shapely.get_y(shapely.centroid(polys))
        rough = shapely.area(polys) * np.cos(np.radians(lat)) * 111.32 * 110.57
        polys = polys[rough >= MIN_PART_KM2 / 2]
    return [p for p in polys if _geo.area_km2(p) >= MIN_PART_KM2]


def _spacing(geom_laea: BaseGeometry) -> float:
    return max(MIN_SPACING_M, math.sqrt(geom_laea.area / MAX_SAMPLES))


def _grid(geom_laea: BaseGeometry, *, fast: bool = True) -> np.ndarray:
    spacing = _spacing(geom_laea)
    x0, y0, x1, y1 = geom_laea.bounds
    gx, gy = np.arange(x0 + spacing / 2, x1, spacing), np.arange(y0 + spacing / 2, y1, spacing)
    shapely.prepare(geom_laea)
    if fast:
        at = _inside_grid(geom_laea, gx, gy)
        pts = np.column_stack([gx[at % len(gx)], gy[at // len(gx)]])
    else:
        xs, ys = np.meshgrid(gx, gy)
        xs, ys = xs.ravel(), ys.ravel()
        inside = shapely.contains_xy(geom_laea, xs, ys)
        pts = np.column_stack([xs[inside], ys[inside]])
    # thin parts may hold no grid point: their vertices count too
    return np.vstack([pts, shapely.get_coordinates(geom_laea)])


def _distances(line_laea: BaseGeometry, pts: np.ndarray) -> np.ndarray:
    """Planar distance of each point to a (multi)line, by a tree of its two-point segments:
    the minimum over the same point-to-segment distances as a tree of whole lines would
    give (bit for bit), but each point looks at a few nearby segments, not every segment
    of the few nearest lines."""
    _, dist = _segment_tree(line_laea).query_nearest(shapely.points(pts), return_distance=True, all_matches=False)
    return dist


def _segment_tree(line_laea: BaseGeometry) -> shapely.STRtree:
    """An STRtree of a (multi)line's two-point segments."""
    xy, part = shapely.get_coordinates(shapely.get_parts(line_laea), return_index=True)
    same = part[:-1] == part[1:]
    return shapely.STRtree(cast(np.ndarray, shapely.linestrings(np.stack([xy[:-1][same], xy[1:][same]], axis=1))))


DEPTH_CELL = 4
"""Points are bounded by cells of this many grid steps across (see :func:`_ranked`)."""
BOUND_SLACK_M = 1e-3


def _ranked(line_laea: BaseGeometry, pts: np.ndarray, ranks: list[int], *, cell_m: float
            ) -> list[int] | None:  # fmt: skip
    """Indices of the points that ``np.argsort`` of their distances to the line puts at
    ``ranks``, measuring only the points that bounds cannot rule out; None on a tie
    between different points (the caller then sorts every distance).

    The distance to a line changes no faster than the point moves, so a point lies within
    ``|p − c|`` of the distance of its cell's centre ``c``. The value at rank ``r`` lies
    between the ``r``-th smallest lower and upper bounds; points wholly below or above
    that range cannot hold the rank, and the others are measured (by :func:`_distances`'s
    tree, so with the same numbers as measuring all of them).
    """
    tree = _segment_tree(line_laea)

    def measure(p: np.ndarray) -> np.ndarray:
        return tree.query_nearest(shapely.points(p), return_distance=True, all_matches=False)[1]

    _, cell = np.unique(np.floor(pts / cell_m), axis=0, return_inverse=True)
    cell = cell.ravel()
    n_cells = int(cell.max()) + 1
    count = np.bincount(cell, minlength=n_cells)
    centre: np.ndarray = np.column_stack([np.bincount(cell, pts[:, 0], n_cells), np.bincount(cell, pts[:, 1], n_cells)])
    centre /= count[:, None]
    off = np.hypot(*(pts - centre[cell]).T) + BOUND_SLACK_M
    d_centre = measure(centre)[cell]
    lo, hi = d_centre - off, d_centre + off
    wanted = []
    for r in ranks:
        low, high = np.partition(lo, r)[r], np.partition(hi, r)[r]
        wanted.append((r, np.nonzero((hi >= low) & (lo <= high))[0], int(np.count_nonzero(hi < low))))
    todo = np.unique(np.concatenate([w[1] for w in wanted]))
    exact = np.full(len(pts), np.nan)
    exact[todo] = measure(pts[todo])
    picked = []
    for r, cand, below in wanted:
        vals = exact[cand]
        value = np.sort(vals)[r - below]
        tied = cand[vals == value]
        if (pts[tied] != pts[tied[0]]).any():  # different points at one distance
            return None
        picked.append(int(tied[0]))
    return picked


def _distances_plain(line_laea: BaseGeometry, pts: np.ndarray) -> np.ndarray:
    """:func:`_distances` by a tree of the line's parts (the reference)."""
    tree = shapely.STRtree(shapely.get_parts(line_laea))
    _, dist = tree.query_nearest(shapely.points(pts), return_distance=True, all_matches=False)
    return dist


@dataclass(frozen=True, slots=True)
class Advance(Result):
    """Depth and speed of one side's advance between two maps (:func:`advance`).

    Attributes
    ----------
    source, side
        The source, and the side that advanced (``UA`` or ``RU``).
    from_snapshot, to_snapshot, days
        The maps compared and the days between them.
    gained_km2
        Ground the side took, km² geodesic on WGS84.
    max_depth_km, p90_depth_km
        Geodesic km (WGS84) from the earlier map's line of contact (for RU also from the
        border with Russia and Belarus) to the deepest point of the gained ground, and the
        90th percentile over an even grid of it; 0 where nothing counts.
    km_per_day
        ``max_depth_km / days``; None for maps of one day or nothing gained.
    deepest_point
        ``[lon, lat]`` (EPSG:4326) of the deepest point, or None.
    notes
        Why a depth is 0 (no line, parts too small), maps passed over.
    samples
        Grid points measured (only when a depth was measured).
    from_date, to_date, from_lag_days, to_lag_days, attribution, depth_rule
        The asked window, the lags, the credit and the rule (from :func:`advance`; None and
        left out of :meth:`as_dict` for the maps-only :func:`advance_between`).
    """

    source: str
    side: str
    from_snapshot: str
    to_snapshot: str
    days: int
    gained_km2: float
    max_depth_km: float = 0.0
    p90_depth_km: float = 0.0
    km_per_day: float | None = None
    deepest_point: list[float] | None = None
    notes: list[str] = field(default_factory=list)
    samples: int | None = optional()
    from_date: str | None = optional()
    to_date: str | None = optional()
    from_lag_days: int | None = optional()
    to_lag_days: int | None = optional()
    attribution: str | None = optional()
    depth_rule: str | None = optional()


@dataclass(frozen=True, slots=True)
class Distance(Result):
    """Geodesic distance from a place to the nearest ground held by the other side on one
    date (:func:`distance_to_other_side`).

    Attributes
    ----------
    place
        The place (``as_dict()`` gives its GeoNames record).
    source, side, to_side
        The source, the side holding the place (``RU``, ``UA`` or ``not covered``) and the
        other side (None where not covered).
    distance_km
        Geodesic km on WGS84 to the nearest point of the other side's ground (for a
        Russian-held place: to the line of contact); None where not covered.
    nearest_point
        That point, ``[lon, lat]`` (EPSG:4326), or None.
    asked_date, snapshot_date, lag_days, attribution, notes
        The date asked, the map used, its lag, the source's credit, notes.
    """

    place: Place
    source: str
    side: str
    to_side: str | None
    distance_km: float | None
    nearest_point: list[float] | None
    asked_date: str
    snapshot_date: str
    lag_days: int
    attribution: str
    notes: list[str]


@dataclass(frozen=True, slots=True)
class SinceWindow(Result):
    """A window of :func:`since` and its value: the asked one (with its lags) or the
    earlier one that beat it."""

    from_date: str
    to_date: str
    from_snapshot: str
    to_snapshot: str
    from_lag_days: int | None = optional()
    to_lag_days: int | None = optional()
    value: float = 0.0


@dataclass(frozen=True, slots=True)
class Since(Result):
    """The most recent earlier window of the same length that beat this one (:func:`since`).

    Attributes
    ----------
    source, side, by, unit
        The source, the side, ``area`` (km² gained, geodesic on WGS84) or ``depth`` (max
        advance depth, km) and its unit (``km2`` or ``km``).
    window
        The asked window, its maps and its value.
    since
        The earlier window that beat it, or None when none did.
    windows_compared, history_starts
        How many earlier windows were looked at, and the source's first map date.
    statement, attribution
        The answer in one sentence; the source's credit.
    """

    source: str
    side: str
    by: str
    unit: str
    window: SinceWindow
    since: SinceWindow | None
    windows_compared: int
    history_starts: str
    statement: str
    attribution: str


@dataclass(frozen=True, slots=True)
class DepthWindow(RankedWindow):
    """A window of :func:`depth_windows`: a :class:`~frontwatch.changes.RankedWindow` ranked
    by the depth of the advance.

    Attributes
    ----------
    max_depth_km, p90_depth_km
        Deepest point of the gained ground from the earlier map's line of contact, and the
        90th percentile over an even grid of it; geodesic km on WGS84.
    km_per_day
        ``max_depth_km`` over the days between the maps.
    """

    max_depth_km: float = 0.0
    p90_depth_km: float = 0.0
    km_per_day: float | None = None


def advance_between(store: Store, hist: History, a: SnapshotRecord, b: SnapshotRecord, *, side: str = "UA") -> Advance:
    """Depth and speed of the advance of ``side`` from snapshot ``a`` to ``b``."""
    side = check_side(side)
    ch = change_from_records(store, hist, a, b, geometry=True)
    gained = ch["geometries"]["ua_gain" if side == "UA" else "ru_gain"]
    days = (b.date - a.date).days
    out = Advance(source=a.source, side=side, from_snapshot=a.valid_date, to_snapshot=b.valid_date, days=days,
                  gained_km2=gained_km2(ch, side), notes=ch["notes"])  # fmt: skip
    if gained.is_empty or out.gained_km2 < 0.01:
        return out
    line: BaseGeometry = frontline.front_of(store, a)
    if side == "RU":  # Russian advances also start from Russia and Belarus
        line = shapely.union(line, frontline.russia_belarus_border())
    if line.is_empty:
        out.notes.append("no line of contact on the earlier map")
        return out
    parts = _big_parts(gained, fast=store.fast_paths)
    if not parts:
        out.notes.append(f"no part of the gained ground reaches {MIN_PART_KM2} km²")
        return out
    g = frontline.to_laea(shapely.MultiPolygon(parts))
    pts = _grid(g, fast=store.fast_paths)
    line_laea = frontline.to_laea(shapely.segmentize(line, 0.05))
    ranks = [len(pts) - 1, min(len(pts) - 1, int(math.ceil(0.9 * len(pts))) - 1)]
    picked = _ranked(line_laea, pts, ranks, cell_m=DEPTH_CELL * _spacing(g)) if store.fast_paths else None
    if picked is None:  # the plain path: every point measured, then sorted
        distances = _distances if store.fast_paths else _distances_plain
        order = np.argsort(distances(line_laea, pts))
        picked = [order[r] for r in ranks]
    deepest, p90 = pts[picked[0]], pts[picked[1]]
    lonlat = frontline.from_laea(shapely.points(np.vstack([deepest, p90])))
    (dlon, dlat), (plon, plat) = shapely.get_coordinates(lonlat).tolist()
    deep = frontline.nearest(line, dlon, dlat)
    p90n = frontline.nearest(line, plon, plat)
    assert deep is not None and p90n is not None  # (the line is not empty)
    return replace(
        out,
        max_depth_km=round(deep.distance_km, 2),
        p90_depth_km=round(p90n.distance_km, 2),
        km_per_day=round(deep.distance_km / days, 2) if days > 0 else None,
        deepest_point=[round(dlon, 5), round(dlat, 5)],
        samples=int(len(pts)),
    )


def advance(store: Store, source: str, start, end, *, side: str = "UA") -> Advance:
    """Depth (km) and speed (km/day) of ``side``'s advance between two dates, with the
    snapshot dates used (an :class:`Advance`: ``max_depth_km, p90_depth_km, km_per_day,
    gained_km2, from_snapshot, to_snapshot``...)."""
    w = resolve_window(store, source, start, end)
    out = advance_between(store, w.hist, w.a, w.b, side=side)
    out.notes.extend(w.notes)
    return replace(out, **w.fields(), attribution=store.source_info(source).attribution,
                   depth_rule="geodesic distance from the earlier map's line of contact "
                              "(for RU also from the border with Russia and Belarus); "
                              "p90 over an even grid of the gained ground; parts under "
                              f"{MIN_PART_KM2} km² left out")  # fmt: skip


def distance_to_other_side(store: Store, source: str, place: Place, day) -> Distance:
    """Geodesic distance from a place to the nearest ground held by the other side.

    Russian-held place: distance to the line of contact (where Ukrainian-held ground
    begins). Ukrainian-held place: distance to the nearest point of the occupied area.
    A :class:`Distance` (``distance_km, to_side, nearest_point (lon, lat), snapshot_date,
    lag_days``).
    """
    return _distance_on(store, History(store, source), place, day)


def _distance_on(store: Store, hist: History, place: Place, day) -> Distance:
    source = hist.source
    asof = hist.as_of(day)
    rec = asof.snapshot
    side = _side_at(store, rec, place.lon, place.lat)
    occ = store.layer(rec.id, OCCUPIED)
    target: BaseGeometry | None
    if side == NOT_COVERED:
        target, to_side = None, None
    elif side == RU:
        target, to_side = frontline.front_of(store, rec), "UA"
    else:
        target, to_side = occ, "RU"
    near = frontline.nearest(target, place.lon, place.lat) if target is not None else None
    return Distance(
        place=place, source=source, side=SIDE[side], to_side=to_side,
        distance_km=round(near.distance_km, 2) if near else None,
        nearest_point=[round(near.lon, 5), round(near.lat, 5)] if near else None,
        asked_date=asof.asked.isoformat(), snapshot_date=rec.valid_date,
        lag_days=asof.lag_days, attribution=store.source_info(source).attribution,
        notes=asof.skipped + ([] if near else ["the source does not cover this place"]),
    )  # fmt: skip


def distance_series(store: Store, source: str, place: Place, start, end) -> list[Distance]:
    """:func:`distance_to_other_side` on every snapshot from ``start`` to ``end``."""
    d1, d2 = ordered(start, end)
    hist = History(store, source)
    days = [d1] + sorted({r.date for r in hist.records if d1 < r.date <= d2})
    return [_distance_on(store, hist, place, d) for d in days]


def depth_windows(store: Store, source: str, *, days: int, side: str = "UA", limit: int = 10,
                  start=None, end=None, distinct=True, progress=None) -> list[DepthWindow]:  # fmt: skip
    """Windows of ``days`` days ranked by advance depth of ``side`` (see top_windows):
    :class:`DepthWindow` rows."""
    hist = History(store, source)
    rows = top_windows(store, source, days=days, side=side, limit=0, start=start, end=end, distinct=False)
    by_id = {r.id: r for r in hist.records}
    out: list[DepthWindow] = []
    for i, r in enumerate(rows):
        if r.gained_km2 <= 0:
            continue
        adv = advance_between(store, hist, by_id[r.from_id], by_id[r.to_id], side=side)
        out.append(DepthWindow(**{f.name: getattr(r, f.name) for f in fields(r)}, max_depth_km=adv.max_depth_km,
                               p90_depth_km=adv.p90_depth_km, km_per_day=adv.km_per_day))  # fmt: skip
        if progress:
            progress(i + 1, len(rows))
    return rank_windows(out, "max_depth_km", distinct=distinct, limit=limit)


def since(store: Store, source: str, start, end, *, side: str = "UA", by: str = "area",
          prune: bool | None = None) -> Since:  # fmt: skip
    """The most recent earlier window of the same length whose value beats this one's
    (a :class:`Since`).

    ``by`` is ``area`` (km² gained by ``side``) or ``depth`` (max advance depth). Earlier
    windows end on a snapshot date on or before this window's start; their start is the
    snapshot valid the same number of days before their end.

    With ``prune`` (default: the store's ``fast_paths``), a window whose gain cannot beat
    this one's by the bound of its masked gain (:meth:`steps.GainBounds.masked_upper_km2`:
    an area it cannot reach, or too little ground for any part to count in depth) is
    passed over without its overlay; the answer is the same.
    """
    side = check_side(side)
    w = resolve_window(store, source, start, end)
    d1, hist = w.start.asked, w.hist
    days = (w.end.asked - d1).days
    if days < 1:
        raise InvalidWindow("a since query needs a window of at least one day")
    value = _value(store, hist, w.a, w.b, side, by)
    bounds = GainBounds(store, hist.records) if (store.fast_paths if prune is None else prune) else None
    found = None
    compared = 0
    for begin, ea, rec in reversed(list(windows(hist, days, hist.first_date, d1))):
        compared += 1
        if bounds is not None and _cannot_beat(bounds.upper_km2(ea, rec, side), value, by):
            continue
        v = _value(store, hist, ea, rec, side, by)
        if v > value:
            found = SinceWindow(from_date=begin.isoformat(), to_date=rec.valid_date,
                                from_snapshot=ea.valid_date, to_snapshot=rec.valid_date, value=v)  # fmt: skip
            break
    unit = "km2" if by == "area" else "km"
    return Since(
        source=source, side=side, by=by, unit=unit,
        window=SinceWindow(**w.fields(), value=value),
        since=found,
        windows_compared=compared,
        history_starts=hist.first_date.isoformat(),
        statement=(f"the largest {days}-day {by} for {side} since {_span(found, days)}: "
                   f"{found.value:,.1f} {unit}" if found else
                   f"the largest {days}-day {by} for {side} of the {compared} earlier windows "
                   f"since {hist.first_date}" if compared else
                   f"no earlier {days}-day window to compare with (history starts {hist.first_date})"),
        attribution=store.source_info(source).attribution,
    )  # fmt: skip


def _span(found: SinceWindow, days: int) -> str:
    """A window named by its maps, with its actual span where it differs from the asked one."""
    a, b = dt.date.fromisoformat(found.from_snapshot), dt.date.fromisoformat(found.to_snapshot)
    span = (b - a).days
    if span == days:
        return f"the {days}-day window {a} → {b}"
    return f"the maps of {a} → {b} ({span} days apart: the map valid {days} days before {b} is that of {a})"


def _cannot_beat(upper_km2: float, value: float, by: str) -> bool:
    """Whether a window whose gain is at most ``upper_km2`` has a value not above ``value``:
    by area, its (rounded) gain is at most ``value``; by depth, no part of its gain reaches
    ``MIN_PART_KM2``, so its depth is 0."""
    if by == "depth":
        return upper_km2 < MIN_PART_KM2 and value >= 0
    return upper_km2 <= value


def _value(store, hist, a, b, side, by) -> float:
    if by == "depth":
        return advance_between(store, hist, a, b, side=side).max_depth_km
    return gained_km2(change_from_records(store, hist, a, b, masked_area=False), side)


__all__ = ["advance", "advance_between", "depth_windows", "distance_series", "distance_to_other_side",
           "since"]  # fmt: skip
