"""Changes between snapshots (geometric, by side), by oblast, across sources, and rankings.

For snapshots A (earlier) and B (later) of one source, with M the masked region (coverage
breaks, unexplained steps):

- ``ua_gain = (occupied(A) − occupied(B)) − M``
- ``ru_gain = (occupied(B) − occupied(A)) − M``
- ``net = area(B − M) − area(A − M) = ru_gain − ua_gain``

All areas geodesic on WGS84, in km².
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from . import _geo
from .boundaries import clip_outline, oblasts
from .errors import IngestIncomplete, InvalidWindow
from .quality import mask_between, mask_parts
from .results import Result, TwoMaps, not_json, optional
from .snapshot import describe_coverage
from .steps import HELD, GainBounds, step_areas
from .store import SnapshotRecord, Store
from .timeline import History, parse_date, resolve_window


@dataclass(frozen=True, slots=True)
class OblastChange(Result):
    """The gains of each side in one oblast (:attr:`Change.by_oblast`), km² geodesic on WGS84.

    Attributes
    ----------
    oblast, iso
        The oblast's English name and ISO 3166-2 code (OpenStreetMap); the last row,
        ``"(water / outside the land outline)"`` with ``iso`` None, holds what lies outside.
    ua_gain_km2, ru_gain_km2, net_km2
        Ground taken by each side in the oblast, and ``ru_gain − ua_gain``.
    """

    oblast: str
    iso: str | None
    ua_gain_km2: float
    ru_gain_km2: float
    net_km2: float


@dataclass(frozen=True, slots=True)
class Change(TwoMaps):
    """Territory that changed hands between the maps valid on two dates (:func:`change_between`).

    Attributes
    ----------
    source
        The source's name.
    from_date, to_date, from_snapshot, to_snapshot, from_lag_days, to_lag_days
        The asked dates, the valid dates of the maps compared and their lags (days).
    ua_gain_km2, ru_gain_km2, net_km2
        Ground taken by Ukraine (lost by Russia) and by Russia, and the net change of the
        occupied area (``ru_gain − ua_gain``); km², geodesic on WGS84, 0.1 km².
    masked_km2
        Area left out of the comparison (coverage breaks, unexplained steps), km².
    coverage, area_basis, attribution
        What the later map covers, the outline the areas are clipped to, the source's credit.
    notes
        What the reader must know (masks, maps passed over, both dates on one map).
    provenance
        ``{"from": ..., "to": ...}``: each map's file, sha256, dates and ingest time.
    by_oblast
        With ``by_oblast=True``, the gains per oblast (:class:`OblastChange`), largest first;
        else None (and not in :meth:`as_dict`).
    geometries
        With ``geometry=True``, the pieces as shapely geometries (WGS84 lon/lat, EPSG:4326):
        ``{"ua_gain": ..., "ru_gain": ..., "masked": ...}``; never in :meth:`as_dict`.
    """

    ua_gain_km2: float
    ru_gain_km2: float
    net_km2: float
    masked_km2: float
    coverage: str
    area_basis: str
    attribution: str
    notes: list[str]
    provenance: dict[str, Any]
    by_oblast: list[OblastChange] | None = optional()
    geometries: dict[str, BaseGeometry] | None = not_json()


@dataclass(frozen=True, slots=True)
class UnansweredChange(Result):
    """A source's row of :func:`compare_sources` when it cannot answer for the window (no map
    on the date, an unfinished ingest): the asked dates and the ``error`` message."""

    source: str
    from_date: str
    to_date: str
    error: str


@dataclass(frozen=True, slots=True)
class RankedWindow(Result):
    """A window of :func:`top_windows`: the change between two maps ``days`` apart, ranked.

    Attributes
    ----------
    source, side
        The source, and the side whose gains rank the windows (``UA`` or ``RU``).
    from_date, to_date, from_snapshot, to_snapshot, from_lag_days, to_lag_days
        The window's dates, the maps compared and their lags (days; the end is a map's date).
    span_days
        Days between the two maps.
    from_id, to_id
        The store's ids of the two maps.
    gained_km2
        The km² ``side`` gained (its ``ua_gain_km2`` or ``ru_gain_km2``), geodesic on WGS84.
    ua_gain_km2, ru_gain_km2, net_km2, notes
        The window's change (as in :class:`Change`).
    rank
        1 for the largest.
    """

    source: str
    side: str
    from_date: str
    to_date: str
    from_snapshot: str
    to_snapshot: str
    from_lag_days: int
    to_lag_days: int
    span_days: int
    from_id: int
    to_id: int
    gained_km2: float
    ua_gain_km2: float
    ru_gain_km2: float
    net_km2: float
    notes: list[str]
    rank: int = 0


W = TypeVar("W", bound=RankedWindow)


def change_from_records(
    store: Store,
    hist: History,
    a: SnapshotRecord,
    b: SnapshotRecord,
    *,
    flows: bool = True,
    land_only: bool = False,
    by_oblast: bool = False,
    geometry: bool = False,
    masked_area: bool = True,
) -> dict:
    """The change from snapshot ``a`` to snapshot ``b`` of one source (without
    ``masked_area``, its ``masked_km2`` is None where a mask needs measuring: rankings do
    not show it)."""
    if a.id == b.id or (not flows and not land_only and a.coverage == b.coverage):
        # no geometric difference needed unless a mask turns up
        mask, notes = mask_between(store, hist.flagged, a, b, diff=(_geo.EMPTY, _geo.EMPTY))
        out: dict = {"notes": notes, "masked_km2": round(_geo.area_km2(mask), 1)}
        if a.id == b.id:
            out.update(ua_gain_km2=0.0, ru_gain_km2=0.0, net_km2=0.0)
            if by_oblast:
                out["by_oblast"] = []
            if geometry:
                out["geometries"] = {"ua_gain": _geo.EMPTY, "ru_gain": _geo.EMPTY, "masked": mask}
            return out
        if mask.is_empty:
            out["net_km2"] = round(b.occupied_km2 - a.occupied_km2, 1)
            return out
    if store.fast_paths and a.coverage == b.coverage and not (land_only or by_oblast or geometry):
        # nothing masked: the areas of the unmasked differences, kept in the store
        mask, notes = mask_between(store, hist.flagged, a, b, diff=(_geo.EMPTY, _geo.EMPTY))
        if mask.is_empty:
            ua_km2, ru_km2 = change_km2(store, a, b)
            return {"notes": notes, "masked_km2": 0.0, "ua_gain_km2": round(ua_km2, 1),
                    "ru_gain_km2": round(ru_km2, 1), "net_km2": round(ru_km2 - ua_km2, 1)}  # fmt: skip
    # one pair of differences (or the cached step) serves the mask and the flows
    diff = layer_differences(store, a, b)
    parts = mask_parts(store, hist.flagged, a, b, diff=diff)
    mask = parts.union() if (masked_area or land_only or geometry) else _geo.EMPTY
    out = {"notes": parts.notes, "masked_km2": round(_geo.area_km2(mask), 1) if masked_area else None}
    if land_only:
        land = clip_outline("osm-land")
        lost, taken = _geo.clip(diff[0], land), _geo.clip(diff[1], land)
        ua, ru = _geo.difference(lost, mask), _geo.difference(taken, mask)
    else:
        ua, ru = parts.apply()
    ua_km2, ru_km2 = _geo.area_km2(ua), _geo.area_km2(ru)
    out.update(ua_gain_km2=round(ua_km2, 1), ru_gain_km2=round(ru_km2, 1), net_km2=round(ru_km2 - ua_km2, 1))
    if by_oblast:
        out["by_oblast"] = split_by_oblast(ua, ru)
    if geometry:
        out["geometries"] = {"ua_gain": ua, "ru_gain": ru, "masked": mask}
    return out


def layer_differences(store: Store, a: SnapshotRecord, b: SnapshotRecord
                      ) -> tuple[shapely.MultiPolygon, shapely.MultiPolygon]:  # fmt: skip
    """``(occupied(a) − occupied(b), occupied(b) − occupied(a))``, unmasked: the cached step
    when there is one, else computed (kept by the store for reuse). Without the store's
    ``fast_paths``: two plain overlays, every time."""
    if not store.fast_paths:
        return _geo.split_difference(store.layer(a.id), store.layer(b.id), local=False)

    def make():
        return store.cached_step(a.id, b.id) or _geo.split_difference(store.layer(a.id), store.layer(b.id))

    return store.derived(("differences", a.id, b.id), make)


def change_km2(store: Store, a: SnapshotRecord, b: SnapshotRecord) -> tuple[float, float]:
    """Geodesic areas (km²) of ``occupied(a) − occupied(b)`` and ``occupied(b) −
    occupied(a)``, unmasked: the stored step's for consecutive maps (or a pair's areas an
    older version stored), else computed and kept in memory while the snapshots do not
    change (a query writes nothing)."""
    got = store.change_km2(a.id, b.id)
    if got is not None:
        return got
    if store.fast_paths:  # consecutive maps: the step stored at ingest has these areas
        step = step_areas(store, a.source).get((a.id, b.id))
        if step is not None:
            return step

    def measure() -> tuple[float, float]:
        lost, taken = layer_differences(store, a, b)
        return _geo.area_km2(lost), _geo.area_km2(taken)

    def make() -> tuple[float, float]:  # (maps republished unchanged: one overlay per pair of layers)
        return store.derived(("change_km2 of layers", layer_digest(store, a), layer_digest(store, b)), measure)

    return store.derived(("change_km2", a.id, b.id), make)


def layer_digest(store: Store, rec: SnapshotRecord) -> bytes:
    """A digest of a snapshot's stored occupied layer (its blob's bytes): snapshots whose
    layers have the same digest have the same differences with any other."""
    return store.derived(("layer digest", rec.id),
                         lambda: hashlib.blake2b(store.layer_blob(rec.id), digest_size=16).digest())  # fmt: skip


OUTSIDE_OBLASTS = "(water / outside the land outline)"


def split_by_oblast(ua: BaseGeometry, ru: BaseGeometry) -> list[OblastChange]:
    """Gains of each side per oblast (OpenStreetMap oblasts), largest first, zeros left out."""
    rows: list[OblastChange] = []
    for ob in oblasts():
        u = _geo.area_km2(_geo.intersection(ua, ob.geometry)) if shapely.intersects(
            ob.geometry, ua) else 0.0  # fmt: skip
        r = _geo.area_km2(_geo.intersection(ru, ob.geometry)) if shapely.intersects(
            ob.geometry, ru) else 0.0  # fmt: skip
        if u >= 0.05 or r >= 0.05:
            rows.append(OblastChange(ob.name, ob.iso, round(u, 1), round(r, 1), round(r - u, 1)))
    rows.sort(key=lambda x: -(x.ua_gain_km2 + x.ru_gain_km2))
    land = clip_outline("osm-land")
    u = _geo.area_km2(_geo.difference(ua, land)) if not ua.is_empty else 0.0
    r = _geo.area_km2(_geo.difference(ru, land)) if not ru.is_empty else 0.0
    if u >= 0.05 or r >= 0.05:
        rows.append(OblastChange(OUTSIDE_OBLASTS, None, round(u, 1), round(r, 1), round(r - u, 1)))
    return rows


def change_between(
    store: Store,
    source: str,
    start: str | dt.date,
    end: str | dt.date,
    *,
    by_oblast: bool = False,
    land_only: bool = False,
    geometry: bool = False,
) -> Change:
    """Territory that changed hands in ``source`` between two dates.

    Uses the latest snapshot valid on or before each date. Returns a :class:`Change`
    (``source, from_date, to_date, from_snapshot, to_snapshot, from_lag_days, to_lag_days,
    ua_gain_km2, ru_gain_km2, net_km2``, + ``by_oblast``, the masked area with notes,
    coverage and provenance; with ``geometry`` the pieces as shapely geometries). Areas
    geodesic on WGS84, km².
    """
    w = resolve_window(store, source, start, end)
    a, b = w.a, w.b
    ch = change_from_records(store, w.hist, a, b, by_oblast=by_oblast, land_only=land_only, geometry=geometry)
    notes = ch["notes"] + w.notes
    if a.id == b.id:
        notes.append(f"both dates fall on the same map ({a.valid_date})")
    return Change(
        source=source,
        **w.fields(),
        ua_gain_km2=ch["ua_gain_km2"],
        ru_gain_km2=ch["ru_gain_km2"],
        net_km2=ch["net_km2"],
        masked_km2=ch["masked_km2"],
        coverage=describe_coverage(b.coverage),
        area_basis="land only" if land_only else "clipped to geoBoundaries outline",
        attribution=store.source_info(source).attribution,
        notes=notes,
        provenance={"from": a.provenance(), "to": b.provenance()},
        by_oblast=ch["by_oblast"] if by_oblast else None,
        geometries=ch["geometries"] if geometry else None,
    )


def check_side(side: str) -> str:
    """``UA`` or ``RU`` (any case), else :class:`InvalidWindow`."""
    if str(side).upper() not in ("UA", "RU"):
        raise InvalidWindow(f"side must be UA or RU, not {side!r}")
    return str(side).upper()


def gained_km2(change: dict | Change, side: str) -> float:
    """The km² ``side`` gained in a change (a :class:`Change` or the dict of
    :func:`change_from_records`)."""
    return change["ua_gain_km2"] if check_side(side) == "UA" else change["ru_gain_km2"]


def compare_sources(
    store: Store, sources: list[str], start: str | dt.date, end: str | dt.date, **kw
) -> list[Change | UnansweredChange]:
    """:func:`change_between` for several sources side by side, noting coverage differences
    (a source that cannot answer gets an :class:`UnansweredChange` with its error)."""
    rows: list[Change | UnansweredChange] = []
    for s in sources:
        try:
            rows.append(change_between(store, s, start, end, **kw))
        except (LookupError, IngestIncomplete) as exc:  # (that source's row)
            rows.append(UnansweredChange(s, str(start), str(end), str(exc)))
    covs = {r.coverage for r in rows if isinstance(r, Change)}
    if len(covs) > 1:
        for r in rows:
            if isinstance(r, Change):
                r.notes.append("coverage differs between sources: " + "; ".join(sorted(covs)))
    return rows


def top_windows(
    store: Store,
    source: str,
    *,
    days: int = 7,
    side: str = "UA",
    limit: int = 10,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    distinct: bool = True,
    progress: Callable[[int, int], None] | None = None,
    prune: bool | None = None,
) -> list[RankedWindow]:
    """Windows of ``days`` days ranked by the area ``side`` gained (:class:`RankedWindow`).

    One window ends on each snapshot date of the source; it compares the snapshot of that
    date with the latest one valid ``days`` days earlier. Windows with the same pair of
    snapshots are counted once. With ``distinct`` (the default), a window whose snapshots
    overlap a higher-ranked window's is left out, so one event ranks once.

    With ``prune`` (default: the store's ``fast_paths``) and a ``limit``, windows are
    measured in the order of their upper bounds (:class:`steps.GainBounds`) until no
    window left unmeasured could enter the ranking; the ranking is the same.
    """
    if days < 1:
        raise InvalidWindow(f"window length must be at least 1 day, not {days}")
    side = check_side(side)
    hist = History(store, source)
    first = parse_date(start) if start else hist.first_date
    last = parse_date(end) if end else hist.last_date
    pairs: dict[tuple[int, int], tuple] = {}
    for begin, a, rec in windows(hist, days, first, last):
        pairs.setdefault((a.id, rec.id), (begin, rec.date, a, rec))
    items = list(pairs.values())

    def row(begin, stop, a, b) -> RankedWindow:
        ch = change_from_records(store, hist, a, b, masked_area=False)
        return RankedWindow(
            source=source, side=side, from_date=begin.isoformat(),
            to_date=stop.isoformat(), from_snapshot=a.valid_date,
            to_snapshot=b.valid_date, from_lag_days=(begin - a.date).days, to_lag_days=0,
            span_days=(b.date - a.date).days, from_id=a.id, to_id=b.id,
            gained_km2=gained_km2(ch, side), ua_gain_km2=ch["ua_gain_km2"],
            ru_gain_km2=ch["ru_gain_km2"], net_km2=ch["net_km2"], notes=ch["notes"],
        )  # fmt: skip

    if (store.fast_paths if prune is None else prune) and limit and items:
        rows = _top_pruned(store, hist, items, row, side=side, limit=limit, distinct=distinct,
                           progress=progress)  # fmt: skip
    else:
        rows = []
        for i, item in enumerate(items):
            rows.append(row(*item))
            if progress is not None:
                progress(i + 1, len(items))
    return rank_windows(rows, "gained_km2", distinct=distinct, limit=limit)


def _top_pruned(store, hist, items, row, *, side, limit, distinct, progress) -> list[RankedWindow]:
    """The rows of ``items`` that a ranking of ``limit`` can need, measured in the order of
    their upper bounds.

    Before each window, the measured windows whose value (rounded) is above its bound, or
    at it and earlier in window order, are settled: every window left comes after them in
    the full ranking (its sort is stable), so they hold the same places there. Windows are
    taken by their bound (rounded), the earliest first among equal bounds: many windows
    of one length hold the same single step and tie, and the first of them measured then
    settles the others (which overlap it) unmeasured. It stops once ``limit`` of them are
    ranked; with ``distinct``, a window that overlaps a settled ranked one is passed over
    unmeasured (the full ranking drops it too). The ranking of the measured rows is then
    the full one's. The bounds are of the masked gain that is ranked
    (:meth:`steps.GainBounds.masked_upper_km2`: a step with an unexplained region, or a
    coverage break, counts without the ground the window's mask takes out). Each window
    measured tightens the bounds of the others (:meth:`steps.GainBounds.masked_chained_upper_km2`:
    a window beside a measured one gains at most its gain and the steps at the two ends)."""
    bounds = GainBounds(store, hist.records)
    index = bounds.index
    first = np.array([index[a.id] for _, _, a, _ in items])
    last = np.array([index[b.id] for _, _, _, b in items])
    bounds.ensure(int(first.min()), int(last.max()))
    upper = bounds.masked_upper_km2(first, last, side)
    held, differ = bounds.held_masked(first, last), bounds.ends_differ(first, last)
    cuts: dict[int, BaseGeometry] = {}
    open_ = np.ones(len(items), dtype=bool)
    done: dict[int, RankedWindow] = {}
    ranked: list[RankedWindow] = []
    at = {(it[2].id, it[3].id): n for n, it in enumerate(items)}
    for pos in range(len(items)):
        if progress is not None:
            progress(pos, len(items))
        k, bound = _next_window(upper, open_)
        open_[k] = False
        # before it in the full ranking: a row above its bound, or at it and earlier (the
        # ranking's sort is stable; every open window at this bound comes after it)
        settled = [r for r in ranked if r.gained_km2 > bound
                   or (r.gained_km2 == bound and at[(r.from_id, r.to_id)] < k)]  # fmt: skip
        if len(settled) >= limit:
            break
        a, b = items[k][2], items[k][3]
        if distinct and any(_overlap(a.valid_date, b.valid_date, r) for r in settled):
            continue
        done[k] = row(*items[k])
        ranked = rank_windows([done[i] for i in sorted(done)], "gained_km2",
                              distinct=distinct, limit=None)  # fmt: skip
        # (not below the masked value measured, as rounded: what a bound must cover. A mask
        # that cuts a long edge can leave a geodesic area above the whole's, and windows of
        # the same maps have the same mask)
        floor = done[k].gained_km2
        exact = max(change_km2(store, a, b)[0 if side == "UA" else 1], floor)
        through = bounds.masked_chained_upper_km2(first, last, first[k], last[k], exact, side, differ)
        for bits in np.unique(held[open_ & (held > 0)]):
            # the windows whose mask holds these regions whole: through this one's gain
            # outside them (a point they gained is not in them)
            sel = held == bits
            outside = max(_outside_held(store, a, b, side, int(bits), cuts), floor)
            through[sel] = np.minimum(through[sel], bounds.masked_chained_upper_km2(
                first[sel], last[sel], first[k], last[k], outside, side, differ[sel]))  # fmt: skip
        upper = np.minimum(upper, through)
    if progress is not None:
        progress(len(items), len(items))
    return [done[i] for i in sorted(done)]


def _next_window(upper: np.ndarray, open_: np.ndarray) -> tuple[int, float]:
    """The open window to measure next, and its bound as values are rounded (0.1 km²):
    the highest such bound, and of the windows that share it the first (a tie ranks in
    window order, so a window at its bound then settles every later one)."""
    top = float(np.max(np.where(open_, upper, -np.inf)))
    near = np.flatnonzero(open_ & (upper >= top - 0.2))  # (rounding is monotone: ties lie within 0.1)
    bound = round(top, 1)
    return int(min(n for n in near.tolist() if round(float(upper[n]), 1) == bound)), bound


def _outside_held(store: Store, a: SnapshotRecord, b: SnapshotRecord, side: str, bits: int,
                  cuts: dict[int, BaseGeometry]) -> float:  # fmt: skip
    """The ground (km²) ``side`` gained from ``a`` to ``b`` outside the regions held before
    2022 of ``bits`` (:meth:`steps.GainBounds.held_masked`), unmasked otherwise; ``cuts``
    keeps the regions' union by ``bits``."""
    from .boundaries import held_before_2022

    if bits not in cuts:
        regions = held_before_2022()
        cuts[bits] = _geo.union([regions[name] for n, name in enumerate(HELD) if bits >> n & 1])
    gained = layer_differences(store, a, b)[0 if side == "UA" else 1]
    return _geo.area_km2(_geo.difference_by_parts(gained, cuts[bits]))


SPAN_SLACK = 0.5
"""A window of N days is ranked only when its two maps are at most N + max(1, N × SPAN_SLACK)
days apart (maps are not daily; a longer span would inflate what it measures)."""


def windows(hist: History, days: int, first: dt.date, last: dt.date):
    """``(begin, earlier snapshot, later snapshot)`` for each window of ``days`` days ending
    on a snapshot date in ``[first, last]`` whose maps are not too far apart."""
    slack = max(1, int(days * SPAN_SLACK))
    for rec in hist.records:
        if not first <= rec.date <= last:
            continue
        begin = rec.date - dt.timedelta(days=days)
        if begin < hist.first_date:
            continue
        a = hist.as_of(begin, strict=False).snapshot
        if a.id != rec.id and (rec.date - a.date).days <= days + slack:
            yield begin, a, rec


def rank_windows(rows: Sequence[W], key: str, *, distinct: bool, limit: int | None) -> list[W]:
    """Sort windows by the field ``key`` (largest first), keep one per event if ``distinct``,
    number them (new objects: the rows given are not changed)."""
    ordered_rows = sorted(rows, key=lambda r: -getattr(r, key))
    if distinct:
        ordered_rows = distinct_windows(ordered_rows)
    out = [replace(r, rank=rank) for rank, r in enumerate(ordered_rows, start=1)]
    return out[:limit] if limit else out


def distinct_windows(rows: Sequence[W]) -> list[W]:
    """Keep, best first, the windows whose snapshot span overlaps no better window's."""
    kept: list[W] = []
    for r in rows:
        if not any(_overlap(r.from_snapshot, r.to_snapshot, k) for k in kept):
            kept.append(r)
    return kept


def _overlap(first: str, last: str, row: RankedWindow) -> bool:
    """Whether the snapshot span ``first → last`` overlaps that of a ranked window."""
    return not (last <= row.from_snapshot or first >= row.to_snapshot)
