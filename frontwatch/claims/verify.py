"""Claim verification: one rule per claim kind, each with its tolerance, applied per source.

Verdicts are ``supported``, ``not supported`` or ``unverifiable`` (with the reason). Every
verdict carries the measured value and unit, the snapshot dates used, their lag behind the
claim's window, and the rule applied (printed with the verdict).

Tolerances for rounded figures (DESIGN rule 8): a figure written with precision ``p`` (the
rounding step it implies, :func:`model.precision_of`: "1,000" → 1000, "15" → 5, "385" → 1)
is read as ``value ± tol`` with ``tol = min(p / 2, MAX_REL_TOL × value)`` — half its rounding
step, but never more than 10 % of the figure (so "1,000" is read as 900-1,100):

- ``exact``: ``|measured − value| ≤ tol``; ``about``: ``≤ max(tol, ABOUT_REL × value)``;
- ``more_than`` / ``at_least``: ``measured ≥ value − tol``;
- ``up_to`` / ``less_than``: ``measured ≤ value + tol``.

A ``disputes`` stance is checked as the negation of the disputed statement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ..advance import advance, distance_to_other_side, since
from ..changes import change_between
from ..errors import FrontwatchError
from ..gazetteer import AmbiguousPlace, PlaceNotFound, resolve_one
from ..settlements import changed_places, place_control
from ..store import Store
from .model import COMPASS_REGIONS, KM2_PER_SQ_MI, KM_PER_MI, Claim

TOL_SHARE_OF_PRECISION = 0.5
MAX_REL_TOL = 0.10
ABOUT_REL = 0.10
CONVERSION_REL = 0.01
"""A restated figure matches the conversion within its rounding (half its precision) or 1 %."""
RANK_SLACK_DAYS = 10
"""A "since <period>" claim holds when the earlier, larger window ends within the period or
this many days after it (a withdrawal that began in March ended in early April)."""

RULES: dict[str, str] = {
    "area_change": "km² gained by the claimed side between the maps valid at the window's ends "
                   "(geometric difference), compared with the figure within its rounding",
    "settlement_count": "GeoNames settlements in the region whose side changed to the claimed "
                        "side between the maps valid at the window's ends",
    "place_control": "side of the place's point on the map valid at the window's end",
    "distance_to_place": "geodesic distance from the place to the nearest ground of the claimed "
                         "side on the map valid at the claim's date",
    "advance_depth": "largest geodesic distance of the claimed side's gained ground from the "
                     "earlier map's line of contact",
    "rank": "most recent earlier window of the same length with a larger gain (by area) must end "
            f"within the claimed period (+{RANK_SLACK_DAYS} days)",
    "unit_conversion": f"exact conversion (1 sq mi = {KM2_PER_SQ_MI} km², 1 mi = {KM_PER_MI} km) "
                       "within the restated figure's rounding or 1 %",
    "other": "not measurable from control maps",
}  # fmt: skip


def tolerance(q) -> float:
    """The tolerance a figure's precision and qualifier give it."""
    precision = getattr(q, "precision", None) or 1.0
    tol = min(TOL_SHARE_OF_PRECISION * precision, MAX_REL_TOL * abs(q.value))
    if q.qualifier == "about":
        tol = max(tol, ABOUT_REL * q.value)
    return tol


def compare(measured: float, q) -> bool:
    """Whether a measured value supports a quantity with its qualifier."""
    tol = tolerance(q)
    if q.qualifier in ("more_than", "at_least"):
        return measured >= q.value - tol
    if q.qualifier in ("up_to", "less_than"):
        return measured <= q.value + tol
    return abs(measured - q.value) <= tol


def _verdict(ok: bool | None, claim: Claim) -> str:
    if ok is None:
        return "unverifiable"
    if claim.stance == "disputes":
        ok = not ok
    return "supported" if ok else "not supported"


def _km(q) -> float:
    return q.value * KM_PER_MI if q.unit == "mi" else q.value


def _km2(q) -> float:
    return q.value * KM2_PER_SQ_MI if q.unit == "sq_mi" else q.value


class _Unverifiable(Exception):
    pass


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
    """Oblasts a claim's region names: an oblast ("Kharkiv") or a compass region ("east",
    by the convention of :data:`model.COMPASS_REGIONS`)."""
    region = (claim.subject or {}).get("region")
    if not region:
        return None
    key = region.strip().lower()
    if key in COMPASS_REGIONS:
        return COMPASS_REGIONS[key]
    from ..gazetteer import gazetteer

    for name in gazetteer().oblast_names():
        if key.startswith(name.lower()) or name.lower().startswith(key):
            return (name,)
    raise _Unverifiable(f"unknown region {region!r}")


def _side(claim: Claim) -> str:
    return ((claim.subject or {}).get("side") or "UA").upper()


def _window(claim: Claim) -> tuple[dt.date, dt.date]:
    if claim.window is None:
        raise _Unverifiable("the claim has no time window")
    return claim.window.start, claim.window.end


def verify_claim(store: Store, claim: Claim, source: str, *, context: dict | None = None) -> dict:
    """The verdict of one claim against one source."""
    context = context if context is not None else {}
    base = {"source": source, "verdict": "unverifiable", "measured": None, "unit": None,
            "snapshot_from": None, "snapshot_to": None, "lag_days": None,
            "rule": RULES.get(claim.kind, RULES["other"]), "reason": None}  # fmt: skip
    check = CHECKS.get(claim.kind)
    if check is None:
        base["reason"] = claim.reason or "not measurable from control maps"
        return base
    try:
        out = check(store, claim, source, context)
    except _Unverifiable as exc:
        base["reason"] = str(exc)
        return base
    except FrontwatchError as exc:
        base["reason"] = f"no data: {exc}"
        return base
    base.update(out)
    stale = _stale(claim, base)
    if stale:
        base.update(verdict="unverifiable", reason=stale)
    lagged = base.get("lag_days") or base.get("verdict") == "not supported"
    if lagged and claim.window is not None and not context.get("_later"):
        base["later"] = _later(store, claim, source, context)
    return base


MAX_LAG_DAYS = 14
"""A map older than this at the claim's date cannot judge it."""


def _stale(claim: Claim, res: dict) -> str | None:
    """Why the maps used cannot judge the claim (too old, or none inside its window)."""
    lag = res.get("lag_days")
    if lag is not None and lag > MAX_LAG_DAYS:
        return f"the latest map ({res.get('snapshot_to')}) is {lag} days older than the claim's date"
    if (claim.kind in ("area_change", "settlement_count", "advance_depth")
            and res.get("snapshot_from") and res.get("snapshot_from") == res.get("snapshot_to")):  # fmt: skip
        return f"no new map inside the window: both ends use the map of {res['snapshot_to']}"
    return None


LATER_DAYS = 7
"""How far past a claim's window to look for the first map that covers its end."""


def _later(store: Store, claim: Claim, source: str, context: dict) -> dict | None:
    """The same check on the first map after the window's end (the window shifted to end on
    it), so a reader sees when a claim ran ahead of the maps."""
    from dataclasses import replace

    from ..timeline import History

    end = claim.window.end
    nxt = next((r.date for r in History(store, source).records if r.date > end), None)  # first later map
    if nxt is None or (nxt - end).days > LATER_DAYS:
        return None
    shift = nxt - end
    moved = replace(claim, window=replace(claim.window, start=claim.window.start + shift, end=nxt))
    res = verify_claim(store, moved, source, context={**context, "_later": True})
    return {k: res.get(k) for k in ("verdict", "measured", "unit", "snapshot_from", "snapshot_to")}


def _area(store, claim, source, ctx) -> dict:
    start, end = _window(claim)
    q = claim.quantity
    ch = change_between(store, source, start, end)
    side = _side(claim)
    measured = ch["ua_gain_km2"] if side == "UA" else ch["ru_gain_km2"]
    ok = compare(measured, _q(q, _km2(q), "km2"))
    return {"measured": measured, "unit": "km2", "verdict": _verdict(ok, claim),
            "snapshot_from": ch["from_snapshot"], "snapshot_to": ch["to_snapshot"],
            "lag_days": ch["to_lag_days"], **_lag_note(ch["to_snapshot"], end)}  # fmt: skip


def _settlements(store, claim, source, ctx) -> dict:
    start, end = _window(claim)
    res = changed_places(store, source, start, end)
    side = _side(claim)
    oblasts = _oblasts(claim)
    rows = [r for r in res["places"] if r["to_side"] == side]
    if oblasts:
        rows = [r for r in rows if r["oblast"] in oblasts]
    measured = float(len(rows))
    return {"measured": measured, "unit": "count",
            "verdict": _verdict(compare(measured, claim.quantity), claim),
            "snapshot_from": res["from_snapshot"], "snapshot_to": res["to_snapshot"],
            "lag_days": res["to_lag_days"], **_lag_note(res["to_snapshot"], end)}  # fmt: skip


LOSING = {"loss", "withdraw"}


def _control(store, claim, source, ctx) -> dict:
    day = claim.window.end if claim.window else None
    if day is None:
        raise _Unverifiable("the claim has no date")
    side = _side(claim)
    if (claim.subject or {}).get("action") in LOSING:
        side = "RU" if side == "UA" else "UA"
    if not (claim.subject or {}).get("place") and not (claim.subject or {}).get("geonameid"):
        return _region_held(store, claim, source, side)
    place = _place(claim)
    row = place_control(store, source, place, day)
    if row["side"] == "not covered":
        raise _Unverifiable(f"{source} does not draw {place.name}")
    return {"measured": row["side"], "unit": "side", "verdict": _verdict(row["side"] == side, claim),
            "snapshot_from": None, "snapshot_to": row["snapshot_date"], "lag_days": row["lag_days"],
            **_lag_note(row["snapshot_date"], day)}  # fmt: skip


def _region_held(store, claim, source, side) -> dict:
    """A side holding ground in a region through a window: km² it holds there at both ends."""
    from .. import _geo
    from ..boundaries import oblasts as oblast_shapes
    from ..timeline import History

    oblasts = _oblasts(claim)
    if not oblasts:
        raise _Unverifiable("the claim names neither a place nor a region")
    if side != "RU":
        raise _Unverifiable("only Russian-held ground in a region is measured")
    start, end = _window(claim)
    hist = History(store, source)
    shapes = [o.geometry for o in oblast_shapes() if o.name in oblasts]
    held = []
    for day in (start, end):
        a = hist.as_of(day)
        occ = store.layer(a.snapshot.id)
        held.append((a, sum(_geo.area_km2(_geo.intersection(occ, g)) for g in shapes)))
    ok = all(km2 > 0 for _, km2 in held)
    return {"measured": round(min(km2 for _, km2 in held), 1), "unit": "km2 held (minimum of both ends)",
            "verdict": _verdict(ok, claim), "snapshot_from": held[0][0].snapshot.valid_date,
            "snapshot_to": held[1][0].snapshot.valid_date, "lag_days": held[1][0].lag_days,
            "region_rule": f"{claim.subject.get('region')} = {', '.join(oblasts)} oblasts"}  # fmt: skip


def _distance(store, claim, source, ctx) -> dict:
    place = _place(claim)
    day = claim.window.end if claim.window else None
    if day is None:
        raise _Unverifiable("the claim has no date")
    row = distance_to_other_side(store, source, place, day)
    if row["side"] == "not covered":
        raise _Unverifiable(f"{source} does not draw {place.name}")
    # the claimed side's forces: 0 km when that side holds the place itself
    measured = 0.0 if row["side"] == _side(claim) else row["distance_km"]
    q = claim.quantity
    return {"measured": measured, "unit": "km",
            "verdict": _verdict(compare(measured, _q(q, _km(q), "km")), claim),
            "snapshot_to": row["snapshot_date"], "lag_days": row["lag_days"],
            **_lag_note(row["snapshot_date"], day)}  # fmt: skip


def _depth(store, claim, source, ctx) -> dict:
    start, end = _window(claim)
    adv = advance(store, source, start, end, side=_side(claim))
    q = claim.quantity
    return {"measured": adv["max_depth_km"], "unit": "km",
            "verdict": _verdict(compare(adv["max_depth_km"], _q(q, _km(q), "km")), claim),
            "snapshot_from": adv["from_snapshot"], "snapshot_to": adv["to_snapshot"],
            "lag_days": adv["to_lag_days"], **_lag_note(adv["to_snapshot"], end)}  # fmt: skip


def _rank(store, claim, source, ctx) -> dict:
    start, end = _window(claim)
    ref = claim.reference
    if ref is None:
        raise _Unverifiable("the claim names no reference period")
    from ..timeline import History

    first = History(store, source).first_date
    if first > ref.start:
        raise _Unverifiable(f"{source}'s maps start on {first}, after the reference period "
                            f"({ref.start} → {ref.end})")  # fmt: skip
    res = since(store, source, start, end, side=_side(claim))
    found = res["since"]
    measured = f"since window ending {found['to_snapshot']}" if found else "largest on record"
    ok = None
    if found:
        to = dt.date.fromisoformat(found["to_snapshot"])
        lo, hi = ref.start, ref.end + dt.timedelta(days=RANK_SLACK_DAYS)
        ok = lo <= to <= hi
    else:
        ok = False
    return {"measured": measured, "unit": "window", "verdict": _verdict(ok, claim),
            "snapshot_from": res["window"]["from_snapshot"], "snapshot_to": res["window"]["to_snapshot"],
            "lag_days": (end - dt.date.fromisoformat(res["window"]["to_snapshot"])).days}  # fmt: skip


def _conversion(store, claim, source, ctx) -> dict:
    q = claim.quantity
    other = claim.converts.quantity if claim.converts else None
    if q is None or other is None:
        raise _Unverifiable("no figure to compare the restated one with")
    factor = {("km2", "sq_mi"): 1 / KM2_PER_SQ_MI, ("sq_mi", "km2"): KM2_PER_SQ_MI,
              ("km", "mi"): 1 / KM_PER_MI, ("mi", "km"): KM_PER_MI}.get((other.unit, q.unit))  # fmt: skip
    if factor is None:
        raise _Unverifiable(f"no conversion from {other.unit} to {q.unit}")
    exact = other.value * factor
    tol = max(TOL_SHARE_OF_PRECISION * (q.precision or 1.0), CONVERSION_REL * exact)
    ok = abs(exact - q.value) <= tol
    return {"measured": round(exact, 2), "unit": q.unit, "verdict": _verdict(ok, claim), "lag_days": None}


def _q(q, value: float, unit: str):
    """The quantity in the measured unit (precision scaled with it)."""
    from dataclasses import replace

    scale = value / q.value if q.value else 1.0
    return replace(q, value=value, unit=unit, precision=(q.precision or 1.0) * scale)


def _lag_note(snapshot: str | None, asked: dt.date) -> dict:
    if snapshot is None:
        return {}
    lag = (asked - dt.date.fromisoformat(snapshot)).days
    note = (f"the map of {snapshot} was the latest on or before {asked.isoformat()} ({lag} days earlier)"
            if lag else f"a map of {snapshot} is available")  # fmt: skip
    return {"note": note}


CHECKS: dict[str, Callable] = {
    "area_change": _area, "settlement_count": _settlements, "place_control": _control,
    "distance_to_place": _distance, "advance_depth": _depth, "rank": _rank,
    "unit_conversion": _conversion,
}  # fmt: skip


def verify(store: Store, claims: list[Claim], sources: list[str]) -> list[dict]:
    """Every claim with its verdict per source (``as_dict()`` + ``verdicts``).

    Each verdict: ``source, verdict, measured, unit, snapshot_from, snapshot_to, lag_days,
    rule`` (+ ``reason`` when unverifiable, ``note`` on the map used, and ``later``: the same
    check on the first map after the window when the maps lagged it).
    """
    ctx: dict = {}
    out = []
    for c in claims:
        d = c.as_dict()
        d["verdicts"] = [verify_claim(store, c, s, context=ctx) for s in sources]
        out.append(d)
    return out
