"""DeepState's daily mirror against its revisions: the revision that replaces a daily file of
the same day (its :func:`reconcile_day` hook, see
:class:`frontwatch.sources.contract.SourceAdapter`), with a note of whether the two agree,
and which revision a daily file shows (the mirror's lag varies).
"""

from __future__ import annotations

import datetime as dt

import shapely

from .. import _geo
from ..store import Store
from ..store.model import SnapshotRecord

AGREEMENT_KM2 = 5.0
"""Daily DeepState files agreeing with the day's last revision within this many km² pass."""


def reconcile_day(store: Store, winners: list[SnapshotRecord], /) -> int:
    """A revision supersedes a daily file of the same day (recording whether the two
    agree); returns how many daily files were newly superseded."""
    newly = 0
    revisions = sorted((r for r in winners if r.kind == "revision"), key=lambda r: r.valid_time)
    for r in winners:
        if r.kind == "daily" and revisions and r.superseded_by is None:
            note = _daily_check(store, r, revisions[-1])
            store.update_snapshot(r.id, superseded_by=revisions[-1].id, warnings=r.warnings + [note])
            newly += 1
    return newly


def paired_revision(store: Store, daily: SnapshotRecord, same_day: SnapshotRecord | None = None
                    ) -> tuple[SnapshotRecord, int] | None:  # fmt: skip
    """The revision a daily DeepState file shows, and how many days it lies from the file's
    valid date: the last revision of that date when their areas agree within
    ``AGREEMENT_KM2``, else the last one of the days around it that does (the mirror's
    lag varies), else None."""
    day = dt.date.fromisoformat(daily.valid_date)
    if same_day is None:
        revisions = [r for r in store.snapshots(daily.source, day=daily.valid_date) if r.kind == "revision"]
        same_day = revisions[-1] if revisions else None
    if same_day is not None and abs(daily.occupied_km2 - same_day.occupied_km2) <= AGREEMENT_KM2:
        return same_day, 0
    for k in (-1, 1, -2, 2, -3):
        other = [r for r in store.snapshots(daily.source, day=(day + dt.timedelta(days=k)).isoformat())
                 if r.kind == "revision"]  # fmt: skip
        if other and abs(daily.occupied_km2 - other[-1].occupied_km2) <= AGREEMENT_KM2:
            return other[-1], k
    return None


MIRROR_DOWNLOAD_UTC = dt.time(3, 0)
"""About when the daily mirror downloads DeepState's map, on the day after its valid date."""


def closest_revision(store: Store, daily: SnapshotRecord) -> tuple[SnapshotRecord, int] | None:
    """Of the revisions :func:`paired_revision` looks at, and the one current when the
    daily file was downloaded, the one that differs least from the daily file by geometry
    (the geodesic km² of their symmetric difference) among those whose areas agree within
    ``AGREEMENT_KM2``; with how many days it lies from the file's valid date. Two
    revisions can agree by area and differ on the ground: this tells them apart, at the
    cost of an overlay per candidate (for checks, not for every ingest)."""
    day = dt.date.fromisoformat(daily.valid_date)
    cands: dict[int, SnapshotRecord] = {}
    for k in (0, -1, 1, -2, 2, -3):
        revs = [r for r in store.snapshots(daily.source, day=(day + dt.timedelta(days=k)).isoformat())
                if r.kind == "revision"]  # fmt: skip
        if revs:
            cands[revs[-1].id] = revs[-1]
        if k == 1:
            downloaded = dt.datetime.combine(day + dt.timedelta(days=1), MIRROR_DOWNLOAD_UTC, dt.UTC).isoformat()
            before = [r for r in revs if r.valid_time <= downloaded]
            if before:
                cands[before[-1].id] = before[-1]
    agree = [r for r in cands.values() if abs(daily.occupied_km2 - r.occupied_km2) <= AGREEMENT_KM2]
    if not agree:
        return None
    occ = store.layer(daily.id)
    best = min(agree, key=lambda r: _geo.area_km2(shapely.symmetric_difference(occ, store.layer(r.id))))
    return best, (dt.date.fromisoformat(best.valid_date) - day).days


def _daily_check(store: Store, daily, same_day) -> str:
    """Whether a daily DeepState file agrees with the last revision of its valid date; if
    not, which revision of the days around it it does match (the mirror's lag varies)."""
    diff = daily.occupied_km2 - same_day.occupied_km2
    paired = paired_revision(store, daily, same_day)
    if paired is not None and paired[1] == 0:
        return (
            f"daily file agrees with revision of {same_day.valid_time}: "
            f"{daily.occupied_km2:,.1f} vs {same_day.occupied_km2:,.1f} km² ({diff:+,.1f})"
        )
    if paired is not None:
        other, k = paired
        return (
            f"daily file differs from revision of {same_day.valid_time} by {diff:+,.1f} km² "
            f"but matches revision of {other.valid_time} "
            f"({daily.occupied_km2 - other.occupied_km2:+,.1f}): the mirror's map was "
            f"{abs(k)} day{'s' if abs(k) > 1 else ''} {'older' if k < 0 else 'newer'} "
            "than its file date says"
        )
    return (
        f"daily file DISAGREES with revision of {same_day.valid_time}: "
        f"{daily.occupied_km2:,.1f} vs {same_day.occupied_km2:,.1f} km² ({diff:+,.1f})"
    )
