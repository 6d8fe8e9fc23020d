"""Occupied area of a snapshot (geodesic, WGS84, km²) and area series over time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal, get_args

from . import _geo
from .boundaries import UKRAINE_OFFICIAL_KM2, clip_outline
from .results import Result
from .snapshot import OCCUPIED, describe_coverage
from .store import SnapshotRecord, Store
from .timeline import AsOf, History, ordered

DENOMINATOR_NOTE = "Ukraine's official area, 603,628 km² (Crimea included)"
Every = Literal["snapshot", "day", "week", "month"]
EVERY: tuple[str, ...] = get_args(Every)


def occupied_km2(store: Store, rec: SnapshotRecord, *, land_only: bool = False) -> float:
    """Occupied area of a stored snapshot in km² (geodesic on WGS84)."""
    if not land_only:
        return rec.occupied_km2
    return _geo.area_km2(_geo.clip(store.layer(rec.id, OCCUPIED), clip_outline("osm-land")))


@dataclass(frozen=True, slots=True)
class Area(Result):
    """The occupied area of a source on a date (:func:`area_on`).

    Attributes
    ----------
    source
        The source's name.
    asked_date, snapshot_date
        The date asked and the valid date of the map that answers for it (ISO dates, UTC).
    lag_days
        Days from the map's date to the asked date.
    occupied_km2
        Occupied area, geodesic km² on WGS84, 0.1 km².
    share_of_ukraine_pct
        That area as a percentage of Ukraine's official 603,628 km².
    coverage, area_basis, denominator, attribution
        What the source draws, the outline the area is clipped to, the denominator of the
        share, the source's credit.
    provenance
        The map's source, dates, file, sha256 and ingest time.
    flags, warnings
        Data-quality flags of the map; warnings (maps passed over, repairs).
    """

    source: str
    asked_date: str
    snapshot_date: str
    lag_days: int
    occupied_km2: float
    share_of_ukraine_pct: float
    coverage: str
    area_basis: str
    denominator: str
    attribution: str
    provenance: dict[str, Any]
    flags: list[str]
    warnings: list[str]


@dataclass(frozen=True, slots=True)
class SeriesRow(Result):
    """One row of :func:`series`: the occupied area at the end of a period and the change
    since the previous row.

    Attributes
    ----------
    source, snapshot_date, lag_days, occupied_km2, share_of_ukraine_pct, coverage, area_basis, flags
        As in :class:`Area` (km², geodesic on WGS84); ``lag_days`` counts from the map to
        ``period_end``.
    warnings
        The map's warnings, then the change's notes.
    period_end
        The last day of the period (the map's own date for ``every="snapshot"``).
    net_km2, ua_gain_km2, ru_gain_km2
        The change since the previous row (km², geodesic; ``ru_gain − ua_gain = net``);
        None on the first row, and the gains None without ``flows``.
    """

    source: str
    snapshot_date: str
    lag_days: int
    occupied_km2: float
    share_of_ukraine_pct: float
    coverage: str
    area_basis: str
    flags: list[str]
    warnings: list[str]
    period_end: str
    net_km2: float | None = None
    ua_gain_km2: float | None = None
    ru_gain_km2: float | None = None


def area_row(store: Store, asof: AsOf, *, land_only: bool = False) -> Area:
    """The ``area`` answer for one as-of lookup, with its provenance."""
    rec = asof.snapshot
    km2 = occupied_km2(store, rec, land_only=land_only)
    return Area(
        source=rec.source,
        asked_date=asof.asked.isoformat(),
        snapshot_date=rec.valid_date,
        lag_days=asof.lag_days,
        occupied_km2=round(km2, 1),
        share_of_ukraine_pct=round(100 * km2 / UKRAINE_OFFICIAL_KM2, 3),
        coverage=describe_coverage(rec.coverage),
        area_basis="land only (OpenStreetMap outline)" if land_only else
                   "clipped to geoBoundaries outline (coastal waters included)",
        denominator=DENOMINATOR_NOTE,
        attribution=store.source_info(rec.source).attribution,
        provenance=rec.provenance(),
        flags=[f["message"] for f in rec.flags],
        warnings=rec.warnings + asof.skipped,
    )  # fmt: skip


def area_on(store: Store, source: str, day: str | dt.date, *, land_only: bool = False) -> Area:
    """Occupied area of ``source`` on ``day`` (the latest snapshot valid then).

    Returns an :class:`Area` (``source, asked_date, snapshot_date, lag_days, occupied_km2,
    share_of_ukraine_pct, coverage`` and the snapshot's provenance). Area is geodesic on
    WGS84 in km²; the share is of Ukraine's official 603,628 km².
    """
    return area_row(store, History(store, source).as_of(day), land_only=land_only)


def period_ends(start: dt.date, end: dt.date, every: str) -> list[dt.date]:
    """The last day of each day/week (Sunday)/month from ``start`` to ``end``, ``end`` last."""
    out: list[dt.date] = []
    d = start
    while d <= end:
        if every == "day":
            stop = d
        elif every == "week":
            stop = d + dt.timedelta(days=6 - d.weekday())
        elif every == "month":
            nxt = (d.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
            stop = nxt - dt.timedelta(days=1)
        else:
            raise ValueError(f"every must be one of {', '.join(EVERY)}, not {every!r}")
        out.append(min(stop, end))
        d = stop + dt.timedelta(days=1)
    return out


def series(
    store: Store,
    source: str,
    *,
    every: str = "snapshot",
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    flows: bool = True,
    land_only: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[SeriesRow]:
    """Occupied area over time, one :class:`SeriesRow` per snapshot or per day/week/month end.

    Each row has the area answer (as :func:`area_on`) plus the change since the previous
    row: ``net_km2`` and, with ``flows``, ``ua_gain_km2`` / ``ru_gain_km2`` (geometric
    differences; coverage breaks and unexplained steps masked).
    """
    from .changes import change_from_records

    hist = History(store, source)
    first, last = ordered(start or hist.first_date, end or hist.last_date)
    if every == "snapshot":
        asofs = [AsOf(r.date, r) for r in hist.records if first <= r.date <= last]
        if flows and not land_only and len(asofs) > 16:  # compute the steps in parallel, once
            from .steps import ensure_steps, step_areas

            step_areas(store, source, ensure_steps(store, [x.snapshot for x in asofs], progress=progress))
    else:
        asofs = []
        for day in period_ends(first, last, every):
            if day >= hist.first_date:
                asofs.append(hist.as_of(day, strict=False))
    rows: list[SeriesRow] = []
    prev: AsOf | None = None
    for i, a in enumerate(asofs):
        ar = area_row(store, a, land_only=land_only)
        row = SeriesRow(source=ar.source, snapshot_date=ar.snapshot_date, lag_days=ar.lag_days,
                        occupied_km2=ar.occupied_km2, share_of_ukraine_pct=ar.share_of_ukraine_pct,
                        coverage=ar.coverage, area_basis=ar.area_basis, flags=ar.flags, warnings=ar.warnings,
                        period_end=ar.asked_date)  # fmt: skip
        if prev is not None:
            ch = change_from_records(store, hist, prev.snapshot, a.snapshot, flows=flows, land_only=land_only)
            row = replace(row, net_km2=ch["net_km2"], ua_gain_km2=ch.get("ua_gain_km2"),
                          ru_gain_km2=ch.get("ru_gain_km2"), warnings=row.warnings + ch["notes"])  # fmt: skip
        rows.append(row)
        prev = a
        if progress is not None:
            progress(i + 1, len(asofs))
    return rows
