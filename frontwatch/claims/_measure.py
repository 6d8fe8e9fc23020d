"""Plumbing of the claim checks: what a claim asks (place, scope, side, window), the maps
that stand for a date within the map lag, and how a measured number with its envelope
becomes a verdict and a sentence (:mod:`frontwatch.claims.judge` has the rules)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from functools import cache

import shapely

from .. import _geo
from ..boundaries import oblasts as oblast_shapes
from ..errors import FrontwatchError
from ..gazetteer import AmbiguousPlace, PlaceNotFound, resolve_one
from ..store import Store
from ..timeline import History
from . import judge
from .judge import fmt, interval, numeric_verdict, ratio_words
from .model import KM2_PER_SQ_MI, KM_PER_MI, Claim, compass_oblasts

LAG_DAYS = 1
"""The envelope's map lag: the as-of maps this many days earlier and later at each end."""
MAX_LAG_DAYS = 14
"""A map older than this at the claim's date cannot judge it."""
LATER_DAYS = 7
"""How far past a claim's date or window to look for the first map that covers it."""

PUBLISHERS = {
    "deepstate": ("deepstate", "deep state"),
    "isw": ("institute for the study of war", "isw"),
    "liveuamap-nzz": ("liveuamap",),
}
"""Claimant names that make a figure the source's own (read with its method's tolerance)."""
SHORT_NAMES = {"deepstate": "DeepState", "isw": "ISW", "liveuamap-nzz": "liveuamap (NZZ)"}
"""Source names in verdict sentences."""
RUSSIAN_REGIONS = ("kursk", "belgorod", "bryansk")
"""Regions of Russia that claims name (Ukraine's incursion of 2024): no source maps them."""
LOSING = {"loss", "withdraw"}
"""Actions whose acting side gives ground up: the claim is about the other side's gain."""


class _Unverifiable(Exception):
    pass


class _NotComparable(Exception):
    pass


def _history(store: Store, source: str, ctx: dict) -> History:
    key = ("history", source)
    if key not in ctx:
        ctx[key] = History(store, source)
    return ctx[key]


def _next_map(store: Store, source: str, ctx: dict, day: dt.date) -> dt.date | None:
    """The date of ``source``'s first map after ``day`` within :data:`LATER_DAYS`, or None."""
    nxt = next((r.date for r in _history(store, source, ctx).records if r.date > day), None)
    return nxt if nxt is not None and (nxt - day).days <= LATER_DAYS else None


def _memo(ctx: dict, key: tuple, make: Callable):
    if key not in ctx:
        ctx[key] = make()
    return ctx[key]


def _place(claim: Claim):
    subj = claim.subject or {}
    name = subj.get("place")
    if subj.get("geonameid"):
        from ..gazetteer import gazetteer

        return gazetteer().by_id(int(subj["geonameid"]))
    if not name:
        raise _Unverifiable("the claim names no place")
    try:
        return resolve_one(name, oblast=subj.get("oblast"))
    except AmbiguousPlace as exc:
        raise _Unverifiable(f"the place is ambiguous: {exc}") from None
    except PlaceNotFound as exc:
        raise _Unverifiable(f"unknown place: {exc}") from None


def _oblasts(claim: Claim) -> tuple[str, ...] | None:
    """Oblasts a claim is measured in: its ``oblasts``, its ``oblast``, or a compass region or
    front by the convention of :data:`model.COMPASS_REGIONS`."""
    subj = claim.subject or {}
    if subj.get("oblasts"):
        return tuple(subj["oblasts"])
    region = (subj.get("region") or "").strip()
    if not region and not subj.get("oblast"):
        return None
    key = region.lower()
    _not_in_russia(claim)
    if subj.get("oblast") and not (claim.kind == "place_control" and subj.get("place")):
        return (subj["oblast"],)
    if compass_oblasts(key):
        return compass_oblasts(key)
    from ..gazetteer import gazetteer

    for name in gazetteer().oblast_names():
        if key.startswith(name.lower()) or name.lower().startswith(key):
            return (name,)
    raise _Unverifiable(f"the claim's scope {region!r} names no oblast, front or direction Frontwatch knows")


def _not_in_russia(claim: Claim) -> None:
    """Raise :class:`_NotComparable` for a claim about ground in Russia (Kursk 2024): no
    source maps it."""
    subj = claim.subject or {}
    region = (subj.get("region") or "").strip()
    if subj.get("country") == "RU" or any(region.lower().startswith(r) for r in RUSSIAN_REGIONS):
        where = f"Russia's {region} region" if region and region != "Russia" else "Russian territory"
        raise _NotComparable(f"the claim is about {where}: no source maps it")


@cache
def _scope_shape(oblasts: tuple[str, ...]):
    """The union of some oblasts' outlines (OpenStreetMap), prepared: the ground a scoped
    claim is measured in."""
    shape = _geo.union([o.geometry for o in oblast_shapes() if o.name in oblasts])
    shapely.prepare(shape)
    return shape


@cache
def _scope_km2(oblasts: tuple[str, ...]) -> float:
    """The geodesic area of some oblasts (the denominator of a share of them), km²."""
    return sum(_geo.area_km2(o.geometry) for o in oblast_shapes() if o.name in oblasts)


def _in_scope_km2(geom, oblasts: tuple[str, ...]) -> float:
    """km² of a geometry inside some oblasts."""
    return _geo.area_km2(_geo.intersection(geom, _scope_shape(tuple(sorted(oblasts)))))


def _scope_rule(claim: Claim, oblasts: tuple[str, ...] | None) -> dict:
    if not oblasts:
        return {}
    region = (claim.subject or {}).get("region") or ", ".join(oblasts)
    return {"scope": list(oblasts), "scope_rule": f"{region} = {', '.join(oblasts)} oblast(s)"}


def _side(claim: Claim) -> str:
    """The side whose gain or hold the claim is about: the acting side, or for a loss or a
    withdrawal ("Ukraine lost 500 km²", "Russia withdrew from Kherson") the other side."""
    side = ((claim.subject or {}).get("side") or "UA").upper()
    if (claim.subject or {}).get("action") in LOSING:
        side = "RU" if side == "UA" else "UA"
    return side


def _window(claim: Claim) -> tuple[dt.date, dt.date]:
    if claim.window is None:
        raise _Unverifiable("the claim has no time window")
    return claim.window.start, claim.window.end


def _own(claim: Claim, source: str) -> bool:
    """Whether the claimant is the source's own publisher."""
    who = (claim.claimant or "").lower()
    return any(p in who for p in PUBLISHERS.get(source, ()))


def _who(source: str, snapshot_from: str | None, snapshot_to: str | None) -> str:
    from ..sources import credit

    name = SHORT_NAMES.get(source) or credit(source).title.split(" (")[0]
    if snapshot_from and snapshot_from != snapshot_to:
        return f"{name}'s maps of {snapshot_from} → {snapshot_to}"
    return f"{name}'s map of {snapshot_to}"


def _lag_note(snapshot: str | None, asked: dt.date) -> dict:
    if snapshot is None:
        return {}
    lag = (asked - dt.date.fromisoformat(snapshot)).days
    note = (f"the map of {snapshot} was the latest on or before {asked.isoformat()} ({lag} days earlier)"
            if lag else f"a map of {snapshot} is available")  # fmt: skip
    return {"note": note}


def _near(hist: History, day: dt.date) -> list[dt.date]:
    """The dates whose maps stand for ``day`` within the map lag: the as-of map's date (the
    latest on or before it), then the dates of maps valid up to :data:`LAG_DAYS` days either
    side. A source that drew no map in those days adds none (its older map is not a lag)."""
    d = dt.timedelta(days=LAG_DAYS)
    try:
        first = hist.as_of(day).snapshot.date
    except FrontwatchError:
        first = None
    around = sorted({r.date for r in hist.records if day - d <= r.date <= day + d} - {first})
    return ([first] if first else []) + around


def _pairs(hist: History, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The window's ends as asked, then its widest and narrowest form over the maps within
    the map lag of each end (see :func:`_near`)."""
    starts, ends = _near(hist, start), _near(hist, end)
    out = [(start, end)]
    if starts and ends:
        for a, b in ((min(starts), max(ends)), (max(starts), min(ends))):
            if a < b and (a, b) not in out:
                out.append((a, b))
    return out


def _q(q, value: float, unit: str):
    """The quantity in the measured unit (precision scaled with it)."""
    scale = value / q.value if q.value else 1.0
    return replace(q, value=value, unit=unit, precision=(q.precision or 1.0) * scale)


def _km(q) -> float:
    return q.value * KM_PER_MI if q.unit == "mi" else q.value


def _km2(q) -> float:
    return q.value * KM2_PER_SQ_MI if q.unit == "sq_mi" else q.value


def _numeric(claim: Claim, source: str, q, measured: float, values: list[float], *, unit: str, what: str,
             who: str, method: list[float] | None = None) -> dict:  # fmt: skip
    """Verdict, envelope and sentence of a measured number: ``values`` from the maps around
    the claim's dates, ``method`` the same measure by another method (a count read in
    another register); only the maps' spread can make a claim unverifiable."""
    spread = values + (method or [])
    low, high = min(spread), max(spread)
    iv = interval(q, own=_own(claim, source))
    verdict, reason = numeric_verdict(low, high, iv, maps=(min(values), max(values)))
    env = f"{fmt(low)}–{fmt(high, unit)}" if high > low else ""
    extra = ", ".join(x for x in (f"envelope {env}" if env else "", ratio_words(measured, q.value)
                                  if verdict in ("understated", "overstated") else "") if x)  # fmt: skip
    sentence = judge.sentence(verdict, who=who, measured=fmt(measured, unit), claimed=q.text or fmt(q.value, unit),
                              what=what, extra=extra)  # fmt: skip
    if reason:
        sentence = f"{who} cannot judge it: {reason}."
    return {"measured": round(measured, 2), "unit": unit, "envelope": [round(low, 2), round(high, 2)],
            "claim_interval": [iv.low, iv.high], "verdict": verdict, "reason": reason, "sentence": sentence}  # fmt: skip


def _days_around(store, source, ctx, day: dt.date) -> list[dt.date]:
    """The claim's date, then the dates of the other maps within the map lag of it."""
    near = _near(_history(store, source, ctx), day)
    return [day] + [d for d in near[1:] if d != day]
