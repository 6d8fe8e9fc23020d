"""Which snapshot answers a date: the latest one valid at or before the end of that UTC day."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

from .errors import InvalidDate, SnapshotNotFound, UnknownSource
from .store import SnapshotRecord, Store


def parse_date(value: str | dt.date) -> dt.date:
    """A UTC calendar day from ``YYYY-MM-DD`` (or a date)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidDate(str(value)) from None


STALE_DAYS = 7
"""An answer whose map is older than this says so in its notes."""


@dataclass
class AsOf:
    """The snapshot used for an asked date, and how far it lags."""

    asked: dt.date
    snapshot: SnapshotRecord
    skipped: list[str] = field(default_factory=list)

    @property
    def lag_days(self) -> int:
        return (self.asked - self.snapshot.date).days


class History:
    """The usable snapshots of one source, in valid-time order, with as-of lookup."""

    def __init__(self, store: Store, source: str) -> None:
        self.store = store
        self.source = source
        self.records = store.snapshots(source)
        if not self.records:
            known = store.source_names()
            if source not in known:
                raise UnknownSource(source, sorted(known))
        self._ends = [r.valid_time for r in self.records]
        self._excluded = [
            r
            for r in store.snapshots(source, usable_only=False)
            if r.excluded and r.superseded_by is None
        ]

    def as_of(self, day: str | dt.date) -> AsOf:
        """The latest usable snapshot valid at or before the end of ``day`` (UTC)."""
        day = parse_date(day)
        limit = dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC).isoformat()
        i = bisect.bisect_right(self._ends, limit)
        if i == 0:
            first = self.records[0].valid_date if self.records else None
            raise SnapshotNotFound(self.source, day.isoformat(), first)
        snap = self.records[i - 1]
        notes = [
            f"skipped the map of {r.valid_date} ({'; '.join(f['message'] for f in r.flags)})"
            for r in self._excluded
            if snap.valid_time < r.valid_time <= limit
        ]
        lag = (day - snap.date).days
        if lag > STALE_DAYS:
            notes.append(f"the latest {self.source} map on or before {day} is of {snap.valid_date}, "
                         f"{lag} days earlier")  # fmt: skip
        return AsOf(day, snap, notes)

    @property
    def first_date(self) -> dt.date:
        return self.records[0].date

    @property
    def last_date(self) -> dt.date:
        return self.records[-1].date
