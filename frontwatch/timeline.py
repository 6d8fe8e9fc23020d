"""Which snapshot answers a date: the latest one valid at or before the end of that UTC day."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

from .errors import DateInFuture, InvalidDate, InvalidWindow, SnapshotNotFound, StaleMap, UnknownSource
from .quality import PROVISIONAL
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


def end_of_day(day: str | dt.date) -> str:
    """The ISO time of the last instant of a UTC day: "on D" means valid at or before it."""
    return dt.datetime.combine(parse_date(day), dt.time.max, tzinfo=dt.UTC).isoformat()


def ordered(start: str | dt.date, end: str | dt.date) -> tuple[dt.date, dt.date]:
    """Two dates of a window, or :class:`InvalidWindow` when it ends before it starts."""
    d1, d2 = parse_date(start), parse_date(end)
    if d2 < d1:
        raise InvalidWindow(f"window ends ({d2}) before it starts ({d1})")
    return d1, d2


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
        store.check_complete(source)
        self.max_lag: int | None = store.max_lag_days
        self.records = store.snapshots(source)
        if not self.records:
            known = store.source_names()
            if source not in known:
                raise UnknownSource(source, sorted(known))
        self._ends = [r.valid_time for r in self.records]
        self.flagged = [r for r in self.records if r.flags]
        """The records with quality flags (where masks come from)."""
        self._excluded = [r for r in store.snapshots(source, usable_only=False) if r.excluded and r.superseded_by is None]

    def as_of(self, day: str | dt.date, *, strict: bool = True) -> AsOf:
        """The latest usable snapshot valid at or before the end of ``day`` (UTC).

        Where the store sets ``max_lag_days`` (the CLI's ``--max-lag``), a snapshot older
        than that is :class:`StaleMap`, unless not ``strict`` (dates the code derives, not
        asked ones: the start of a ranked window, a period end of a series), which note it."""
        day = parse_date(day)
        today = dt.datetime.now(dt.UTC).date()
        if day > today:
            raise DateInFuture(day.isoformat(), today.isoformat())
        limit = end_of_day(day)
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
        notes += [f["message"] for f in snap.flags if f["type"] == PROVISIONAL]
        lag = (day - snap.date).days
        if strict and self.max_lag is not None and lag > self.max_lag:
            after = self.records[i].valid_date if i < len(self.records) else None
            raise StaleMap(self.source, day.isoformat(), snap.valid_date, after, self.max_lag)
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


@dataclass
class Window:
    """A window ``[start, end]`` of one source resolved to the snapshots it compares."""

    hist: History
    start: AsOf
    end: AsOf

    @property
    def a(self) -> SnapshotRecord:
        return self.start.snapshot

    @property
    def b(self) -> SnapshotRecord:
        return self.end.snapshot

    @property
    def notes(self) -> list[str]:
        return self.start.skipped + self.end.skipped

    def fields(self) -> dict:
        """The window's provenance: asked dates, snapshot dates used and their lags."""
        return {
            "from_date": self.start.asked.isoformat(), "to_date": self.end.asked.isoformat(),
            "from_snapshot": self.a.valid_date, "to_snapshot": self.b.valid_date,
            "from_lag_days": self.start.lag_days, "to_lag_days": self.end.lag_days,
        }  # fmt: skip


def resolve_window(store: Store, source: str, start: str | dt.date, end: str | dt.date) -> Window:
    """The snapshots valid on ``start`` and on ``end`` (see :meth:`History.as_of`)."""
    d1, d2 = ordered(start, end)
    hist = History(store, source)
    return Window(hist, hist.as_of(d1), hist.as_of(d2))
