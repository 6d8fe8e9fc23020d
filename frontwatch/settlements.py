"""Control of populated places over time: who holds a place on a date, which places changed
side in a window, and each place's history of transitions.

A place is Russian-held (``RU``) when its GeoNames point lies in the snapshot's occupied
area, else Ukrainian-held (``UA``); ``not covered`` where the source does not draw the region
(e.g. Crimea for liveuamap-nzz). ``contested`` is added when the line of contact passes
within ``contested_km`` of the place, or the place lies in the source's grey zone.

The history of all places is built from the cached steps between consecutive snapshots
(:mod:`frontwatch.steps`), testing only the points inside the ground that changed hands,
never every point against every snapshot.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from . import frontline
from ._geo import WGS84
from .boundaries import held_before_2022
from .gazetteer import Place, gazetteer
from .quality import mask_between
from .results import Result, TwoMaps
from .snapshot import CONTESTED, OCCUPIED
from .steps import steps
from .store import SnapshotRecord, Store
from .timeline import History, end_of_day, resolve_window

CONTESTED_KM = 1.0
"""A place within this distance of the line of contact is reported as contested."""
DUPLICATE_KM = 1.0
"""Places of the same name closer than this (geodesic, km) are one place that GeoNames lists
twice (two "Vasylivka" 60 m apart): counted once in the lists of changed places."""
RU, UA, NOT_COVERED = 1, 0, -1
SIDE = {RU: "RU", UA: "UA", NOT_COVERED: "not covered"}


@dataclass(frozen=True, slots=True)
class PlaceControl(Result):
    """Who holds a place on a date (:func:`place_control`).

    Attributes
    ----------
    place
        The place (``as_dict()`` gives its GeoNames record).
    source, status, side, contested, contested_rule
        The source; ``RU``, ``UA``, ``contested`` or ``not covered``; the side (RU/UA even
        when contested); whether it is contested, and the rule that says so.
    distance_to_front_km, nearest_front_point
        Geodesic km (WGS84) to the line of contact and its nearest point ``[lon, lat]``
        (EPSG:4326); None where the source does not cover the place.
    asked_date, snapshot_date, lag_days, attribution, provenance, notes
        The date asked, the map used, its lag, the credit, the map's provenance, notes.
    """

    place: Place
    source: str
    status: str
    side: str
    contested: bool
    contested_rule: str
    distance_to_front_km: float | None
    nearest_front_point: list[float] | None
    asked_date: str
    snapshot_date: str
    lag_days: int
    attribution: str
    provenance: dict[str, Any]
    notes: list[str]


@dataclass(frozen=True, slots=True)
class PlaceSides(Result):
    """A place with its side on the two maps of a window (a row of :func:`all_places`):
    the GeoNames record (as :meth:`Place.as_dict`, ``population`` None where unknown;
    lon/lat EPSG:4326) and ``from_side`` / ``to_side`` (``RU``, ``UA``, ``not covered``)."""

    geonameid: int
    name: str
    name_uk: str | None
    oblast: str
    raion: str | None
    lat: float
    lon: float
    population: int | None
    feature_code: str
    from_side: str
    to_side: str


@dataclass(frozen=True, slots=True)
class PlaceChange(PlaceSides):
    """A place that changed side in a window (a row of :func:`changed_places`): as
    :class:`PlaceSides`, with ``changed_on`` (the first map from which the new side shows
    until the window's end) and ``duplicate_ids`` (GeoNames entries of the same name within
    ``DUPLICATE_KM`` counted as this one)."""

    changed_on: str = ""
    duplicate_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class OblastCount(Result):
    """How many places of an oblast went to a side (:attr:`ChangedPlaces.counts_by_oblast`)."""

    oblast: str
    to_side: str
    count: int


@dataclass(frozen=True, slots=True)
class RaionCount(Result):
    """How many places of a raion went to a side (:attr:`ChangedPlaces.counts_by_raion`)."""

    oblast: str
    raion: str | None
    to_side: str
    count: int


@dataclass(frozen=True, slots=True)
class ChangedPlaces(TwoMaps):
    """The places that changed side between the maps of two dates (:func:`changed_places`).

    Attributes
    ----------
    source, from_date, to_date, from_snapshot, to_snapshot, from_lag_days, to_lag_days
        The source, the asked dates, the maps compared and their lags.
    places
        The places (:class:`PlaceChange`), by date of change, then population.
    counts_by_oblast, counts_by_raion
        Their counts by oblast (and raion) and side, largest first.
    settlements_rule, attribution, notes
        What counts as a settlement, the credits, notes (duplicates merged, maps passed over).
    """

    places: list[PlaceChange]
    counts_by_oblast: list[OblastCount]
    counts_by_raion: list[RaionCount]
    settlements_rule: str
    attribution: str
    notes: list[str]


@dataclass(frozen=True, slots=True)
class AllPlaces(TwoMaps):
    """Every place (of an oblast) with its side on the maps of two dates (:func:`all_places`)."""

    places: list[PlaceSides]
    notes: list[str]
    attribution: str


@dataclass(frozen=True, slots=True)
class SideChange(Result):
    """One change of side of a place (:attr:`PlaceHistory.transitions`): the first map
    showing ``side``, and the ``previous`` side (None on the first map)."""

    snapshot_date: str
    side: str
    previous: str | None


@dataclass(frozen=True, slots=True)
class PlaceHistory(Result):
    """Every change of side of a place over a source's history (:func:`place_history`)."""

    place: Place
    source: str
    first_snapshot: str
    last_snapshot: str
    transitions: list[SideChange]
    attribution: str


def _side_at(store: Store, rec: SnapshotRecord, lon: float, lat: float) -> int:
    """Side code of one point on one snapshot (see :func:`_status`)."""
    return int(_status(store, rec, np.array([lon]), np.array([lat]))[0])


def place_control(
    store: Store,
    source: str,
    place: Place,
    day: str | dt.date,
    *,
    contested_km: float = CONTESTED_KM,
) -> PlaceControl:
    """Who holds ``place`` on ``day`` according to ``source``, with its distance to the front.

    Returns ``place, status, side, contested, distance_to_front_km, nearest_front_point,
    snapshot_date, lag_days`` and provenance. ``status`` is ``RU``, ``UA``, ``contested`` or
    ``not covered``; ``side`` keeps RU/UA even when contested (a :class:`PlaceControl`).
    """
    hist = History(store, source)
    asof = hist.as_of(day)
    rec = asof.snapshot
    side = _side_at(store, rec, place.lon, place.lat)
    line = frontline.front_of(store, rec)
    near = frontline.nearest(line, place.lon, place.lat) if side != NOT_COVERED else None
    grey = store.layer(rec.id, CONTESTED)
    in_grey = not grey.is_empty and shapely.intersects_xy(grey, place.lon, place.lat)
    contested = side != NOT_COVERED and (in_grey or (near is not None and near.distance_km <= contested_km))
    status = "contested" if contested else SIDE[side]
    return PlaceControl(
        place=place,
        source=source,
        status=status,
        side=SIDE[side],
        contested=bool(contested),
        contested_rule=f"line of contact within {contested_km:g} km, or inside the grey zone",
        distance_to_front_km=round(near.distance_km, 2) if near else None,
        nearest_front_point=[round(near.lon, 5), round(near.lat, 5)] if near else None,
        asked_date=asof.asked.isoformat(),
        snapshot_date=rec.valid_date,
        lag_days=asof.lag_days,
        attribution=store.source_info(source).attribution,
        provenance=rec.provenance(),
        notes=asof.skipped,
    )


@dataclass
class Transition:
    """A place's change of side between two consecutive snapshots."""

    index: int  # in ControlTimeline.places
    snapshot: int  # index of the first snapshot showing the new side
    before: int
    after: int
    masked: bool = False  # inside a coverage break or an unexplained step: not a change of hands


@dataclass
class ControlTimeline:
    """Side of every settlement on every usable snapshot of a source, as transitions."""

    source: str
    records: list[SnapshotRecord]
    places: list[Place]
    initial: np.ndarray
    transitions: list[Transition] = field(default_factory=list)

    def status_at(self, k: int) -> np.ndarray:
        """Side codes of all places on snapshot ``k``."""
        status = self.initial.copy()
        for t in self.transitions:
            if t.snapshot > k:
                break
            status[t.index] = t.after
        return status

    def index_of(self, day: str | dt.date) -> int:
        """Index of the snapshot valid on ``day`` (-1 before the first)."""
        return bisect.bisect_right([r.valid_time for r in self.records], end_of_day(day)) - 1


def control_timeline(
    store: Store,
    source: str,
    *,
    oblast: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ControlTimeline:
    """Build the side of every settlement over the whole history of ``source``."""
    hist = History(store, source)
    recs = hist.records
    places, lon, lat = _points(oblast)
    tree = shapely.STRtree(shapely.points(lon, lat))

    def full_status(rec: SnapshotRecord) -> np.ndarray:
        return _status(store, rec, lon, lat)

    initial = full_status(recs[0])
    status = initial.copy()
    tl = ControlTimeline(source, recs, places, initial)
    all_steps = steps(store, recs, progress=progress)
    for k, st in enumerate(all_steps, start=1):
        a, b = st.a, st.b
        mask, _ = mask_between(store, recs, a, b)
        new = status.copy()
        if a.coverage != b.coverage:
            new = full_status(b)
        else:
            for geom, side in ((st.lost_by_ru, UA), (st.taken_by_ru, RU)):
                if geom.is_empty:
                    continue
                idx = tree.query(geom, predicate="intersects")
                new[idx] = side
        changed = np.nonzero(new != status)[0]
        if len(changed):
            masked = (shapely.intersects_xy(mask, lon[changed], lat[changed])
                      if not mask.is_empty else np.zeros(len(changed), bool))  # fmt: skip
            for i, m in zip(changed, masked, strict=True):
                masked_change = bool(m) or NOT_COVERED in (status[i], new[i])
                tl.transitions.append(Transition(int(i), k, int(status[i]), int(new[i]), masked_change))
        status = new
    return tl


def _points(oblast: str | None):
    places = gazetteer().places(oblast=oblast)
    xy = gazetteer().lonlat(places)
    return places, xy[:, 0], xy[:, 1]


def _status(store: Store, rec: SnapshotRecord, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Side codes of many points on one snapshot (prepared point-in-polygon)."""
    occ = store.layer(rec.id, OCCUPIED)
    shapely.prepare(occ)
    s = np.where(shapely.intersects_xy(occ, lon, lat), RU, UA).astype(np.int8)
    for region, geom in held_before_2022().items():
        if not rec.coverage.get(region, True):
            s[shapely.intersects_xy(geom, lon, lat)] = NOT_COVERED
    return s


def changed_places(
    store: Store,
    source: str,
    start: str | dt.date,
    end: str | dt.date,
    *,
    oblast: str | None = None,
    timeline: ControlTimeline | None = None,
) -> ChangedPlaces:
    """Settlements that changed side between the snapshots of ``start`` and ``end``
    (:class:`ChangedPlaces`).

    A place counts when its side on the ``end`` snapshot differs from its side on the
    ``start`` snapshot and it is not inside a coverage break or an unexplained step;
    ``changed_on`` is the first snapshot from which the new side shows until ``end``.
    Without a prebuilt ``timeline`` only the two end snapshots are tested for all places,
    and the snapshots between them only for the places that changed.
    """
    w = resolve_window(store, source, start, end)
    recs = w.hist.records
    i = recs.index(w.a)
    j = recs.index(w.b)
    if timeline is not None:
        places = timeline.places
        s_i, s_j = timeline.status_at(i), timeline.status_at(j)
    else:
        places, lon, lat = _points(oblast)
        s_i, s_j = _status(store, recs[i], lon, lat), _status(store, recs[j], lon, lat)
    idx = np.nonzero((s_i != s_j) & (s_i != NOT_COVERED) & (s_j != NOT_COVERED))[0]
    mask, _ = mask_between(store, recs, recs[i], recs[j])
    xy = gazetteer().lonlat([places[k] for k in idx]) if len(idx) else np.zeros((0, 2))
    if len(idx) and not mask.is_empty:
        keep = ~shapely.intersects_xy(mask, xy[:, 0], xy[:, 1])
        idx, xy = idx[keep], xy[keep]
    # changed_on: the first snapshot from which the final side shows without a break
    since = np.full(len(idx), j)
    if len(idx):
        final = s_j[idx]
        for k in range(j - 1, i, -1):
            still = since == k + 1
            if not still.any():
                break
            side_k = _status(store, recs[k], xy[still, 0], xy[still, 1])
            same = side_k == final[still]
            since[np.nonzero(still)[0][same]] = k
    rows: list[dict] = []
    for n, first in zip(idx, since, strict=True):
        p = places[n]
        rows.append({**p.as_dict(), "from_side": SIDE[int(s_i[n])], "to_side": SIDE[int(s_j[n])],
                     "changed_on": recs[int(first)].valid_date})  # fmt: skip
    rows.sort(key=lambda r: (r["changed_on"], -(r["population"] or 0), r["name"]))
    rows, merged = merge_near_duplicates(rows)
    by_oblast = Counter((r["oblast"], r["to_side"]) for r in rows)
    by_raion = Counter((r["oblast"], r["raion"], r["to_side"]) for r in rows)
    return ChangedPlaces(
        source=source,
        **w.fields(),
        places=[PlaceChange(**r) for r in rows],
        counts_by_oblast=[OblastCount(o, s, n) for (o, s), n in sorted(by_oblast.items(), key=lambda kv: -kv[1])],
        counts_by_raion=[RaionCount(o, r, s, n) for (o, r, s), n in sorted(by_raion.items(), key=lambda kv: -kv[1])],
        settlements_rule="GeoNames populated places, abandoned/historical/destroyed excluded; "
                         f"entries of the same name within {DUPLICATE_KM:g} km counted once",
        attribution=store.source_info(source).attribution + "; places: GeoNames (CC BY 4.0)",
        notes=w.notes + merged,
    )  # fmt: skip


def merge_near_duplicates(rows: list[dict], *, within_km: float = DUPLICATE_KM) -> tuple[list[dict], list[str]]:
    """Rows of places (``as_dict`` keys) with the entries of the same name and the same
    sides closer than ``within_km`` (geodesic) merged into the first of them, which lists
    the others' ids in ``duplicate_ids``; and one note per merge saying so."""
    kept: list[dict] = []
    notes: list[str] = []
    by_key: dict[tuple, list[dict]] = {}
    for r in rows:
        key = (r["name"], r.get("from_side"), r.get("to_side"))
        near = next((k for k in by_key.get(key, [])
                     if WGS84.inv(k["lon"], k["lat"], r["lon"], r["lat"])[2] <= within_km * 1000.0), None)  # fmt: skip
        if near is None:
            r = {**r, "duplicate_ids": []}
            by_key.setdefault(key, []).append(r)
            kept.append(r)
            continue
        near["duplicate_ids"].append(r["geonameid"])
        km = WGS84.inv(near["lon"], near["lat"], r["lon"], r["lat"])[2] / 1000.0
        notes.append(f"{r['name']} ({r['oblast']}): GeoNames lists it twice, {km:.2f} km apart "
                     f"(ids {near['geonameid']} and {r['geonameid']}); counted once")  # fmt: skip
    return kept, notes


def all_places(
    store: Store,
    source: str,
    start: str | dt.date,
    end: str | dt.date,
    *,
    oblast: str | None = None,
) -> AllPlaces:
    """Every settlement (of ``oblast``) with its side on the ``start`` and ``end`` snapshots
    (:class:`AllPlaces`)."""
    w = resolve_window(store, source, start, end)
    places, lon, lat = _points(oblast)
    s_i, s_j = _status(store, w.a, lon, lat), _status(store, w.b, lon, lat)
    rows = [PlaceSides(**p.as_dict(), from_side=SIDE[int(x)], to_side=SIDE[int(y)])
            for p, x, y in zip(places, s_i, s_j, strict=True)]  # fmt: skip
    return AllPlaces(source=source, **w.fields(), places=rows, notes=w.notes,
                     attribution=store.source_info(source).attribution + "; places: GeoNames (CC BY 4.0)")  # fmt: skip


def place_history(store: Store, source: str, place: Place) -> PlaceHistory:
    """The dated transitions of one place over the whole history of ``source``
    (:class:`PlaceHistory`).

    Computed directly from the snapshots that differ (cheap for one place)."""
    hist = History(store, source)
    recs = hist.records
    rows: list[SideChange] = []
    prev = None
    for rec in recs:
        side = _side_at(store, rec, place.lon, place.lat)
        if side != prev:
            rows.append(SideChange(rec.valid_date, SIDE[side], SIDE[prev] if prev is not None else None))
            prev = side
    return PlaceHistory(
        place=place,
        source=source,
        first_snapshot=recs[0].valid_date,
        last_snapshot=recs[-1].valid_date,
        transitions=rows,
        attribution=store.source_info(source).attribution,
    )
