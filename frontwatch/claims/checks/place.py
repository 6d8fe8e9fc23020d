"""Checks of places: who holds a place (with ISW's layer of what Russian sources claim),
who holds ground in a region through a window, and how far a place is from the other side."""

from __future__ import annotations

import math
from typing import Any

import shapely

from ...advance import distance_to_other_side
from ...settlements import place_control
from .._measure import (
    MAX_LAG_DAYS,
    _days_around,
    _history,
    _in_scope_km2,
    _km,
    _lag_note,
    _memo,
    _next_map,
    _NotComparable,
    _numeric,
    _oblasts,
    _place,
    _q,
    _scope_rule,
    _side,
    _Unverifiable,
    _who,
    _window,
)
from ..judge import fmt
from ..model import Claim

CHANGE_ACTIONS = frozenset({"capture", "liberate", "retake", "withdraw", "loss", "gain"})
"""Actions of a claim that a place changed hands (not that a side holds or is present in it):
maps older than the claim's date predate the change and cannot contradict it."""
CLAIMED_LAYER = "russian_claimed_control"
"""ISW's layer of ground Russian sources claim (2022, and 2023 from 2023-05-20)."""

TOWN_DENSITY_PER_KM2 = 3_000
"""People per km² of a town's built-up area, to size a town from its population: a claim
that a town was taken is contested while the line of contact crosses the town."""


def town_radius_km(population: int) -> float:
    """Radius of a town's built-up area from its population (a disc of
    :data:`TOWN_DENSITY_PER_KM2`), at least the 1 km of the place rule: 20,000 people → 1.5 km,
    80,000 → 2.9 km."""
    return max(1.0, math.sqrt(max(population, 0) / (math.pi * TOWN_DENSITY_PER_KM2)))


def _control(store, claim, source, ctx) -> dict:
    day = claim.window.end if claim.window else None
    if day is None:
        raise _Unverifiable("the claim has no date")
    side = _side(claim)
    if not (claim.subject or {}).get("place") and not (claim.subject or {}).get("geonameid"):
        return _region_held(store, claim, source, side, ctx)
    place = _place(claim)
    rows = [_memo(ctx, ("control", source, place.geonameid, d), lambda d=d: place_control(store, source, place, d))
            for d in _days_around(store, source, ctx, day)]  # fmt: skip
    row = rows[0]
    if row["side"] == "not covered":
        raise _NotComparable(f"{source} does not draw {place.name}")
    who = _who(source, None, row["snapshot_date"])
    held = "Russia" if side == "RU" else "Ukraine"
    reach = town_radius_km(place.population)
    near = row["distance_to_front_km"]

    def on_line(r: dict) -> bool:  # the line crosses the town, or the place is in the grey zone
        return bool(r["contested"] or (r["distance_to_front_km"] is not None and r["distance_to_front_km"] <= reach))

    later = [r for r in rows[1:] if r["snapshot_date"] > row["snapshot_date"] and r["side"] == side
             and not on_line(r)]  # fmt: skip
    if row["side"] == side and not on_line(row):
        verdict, text = "supported", f"{who} shows {place.name} held by {held}: consistent with the claim."
    elif later:
        verdict = "supported"
        text = (f"{who} still shows {place.name} {'on the line' if on_line(row) else 'held by ' + row['side']}, but "
                f"the map of {later[0]['snapshot_date']} (a day's lag) shows it held by {held}: consistent with "
                "the claim.")  # fmt: skip
    elif on_line(row) and (row["contested"] or row["side"] == side):
        verdict = "contested"
        text = (f"{who} puts {place.name}'s centre {near} km from the line of contact, inside the town's "
                f"extent (about {reach:.1f} km for {place.population:,} people)" if not row["contested"] else
                f"{who} puts {place.name} on the line of contact ({near} km from it"
                f"{', in the grey zone' if near and near > 1 else ''})")  # fmt: skip
        text += f": contested, its centre held by {row['side']} on that map."
    elif any(r["side"] == side and r["snapshot_date"] != row["snapshot_date"] for r in rows[1:]):
        other = next(r for r in rows[1:] if r["side"] == side)
        verdict = "supported"
        text = (f"{who} still shows {place.name} held by {row['side']}, but the map of {other['snapshot_date']} "
                f"(a day's lag) shows it held by {held}: consistent with the claim.")  # fmt: skip
    else:
        verdict = "overstated"
        text = f"{who} shows {place.name} held by {row['side']}, not {held}: the claim is ahead of the map."
        if on_line(row):
            text = (f"{who} shows {place.name}'s centre still held by {row['side']} ({near} km from the line): "
                    "the claim is ahead of the map.")  # fmt: skip
    action = (claim.subject or {}).get("action")
    if (verdict != "supported" and action in CHANGE_ACTIONS and 0 < (row["lag_days"] or 0) <= MAX_LAG_DAYS
            and _next_map(store, source, ctx, day) is None):  # fmt: skip
        # (a map older than MAX_LAG_DAYS is stale: verify says so)
        shown = "on the line" if verdict == "contested" else f"held by {row['side']}"
        raise _Unverifiable(f"{source} has no map in the week from {day}, and its map of {row['snapshot_date']} "
                            f"(before the claimed change) shows {place.name} {shown}")  # fmt: skip
    out = {"measured": row["side"], "status": row["status"], "unit": "side", "verdict": verdict, "sentence": text,
           "snapshot_from": None, "snapshot_to": row["snapshot_date"], "lag_days": row["lag_days"],
           "distance_to_front_km": row["distance_to_front_km"], **_lag_note(row["snapshot_date"], day)}  # fmt: skip
    if source == "isw" and _claimant_is_russian(claim):
        out["claimed_layer"] = _claimed_layer(store, source, place, day, side, ctx)
    return out


def _claimant_is_russian(claim: Claim) -> bool:
    from ..extract import CLAIMANT_SIDES

    who = (claim.claimant or "").lower()
    return bool(who) and any(part in who for part, s in CLAIMANT_SIDES.items() if s == "RU")


def _claimed_layer(store, source, place, day, side, ctx) -> dict | None:
    """The place against ISW's layer of ground Russian sources claim (where the map has it)."""
    rec = _history(store, source, ctx).as_of(day).snapshot
    claimed = store.layer(rec.id, CLAIMED_LAYER)
    if claimed.is_empty:
        return {"verdict": "unverifiable", "reason": f"ISW's map of {rec.valid_date} has no claimed-control layer"}
    occ = store.layer(rec.id)
    ru = bool(shapely.intersects_xy(occ, place.lon, place.lat) or shapely.intersects_xy(claimed, place.lon, place.lat))
    shown = "RU" if ru else "UA"
    return {"layer": CLAIMED_LAYER, "snapshot_date": rec.valid_date, "measured": shown,
            "verdict": "supported" if shown == side else "overstated",
            "sentence": f"ISW's map of what Russian sources claim ({rec.valid_date}) "
                        f"{'includes' if ru else 'does not include'} {place.name}."}  # fmt: skip


def _region_held(store, claim, source, side, ctx) -> dict:
    """A side holding ground in a region through a window: km² it holds there at both ends."""
    oblasts = _oblasts(claim)
    if not oblasts:
        raise _Unverifiable("the claim names neither a place nor a region")
    if side != "RU":
        raise _Unverifiable("only Russian-held ground in a region is measured")
    start, end = _window(claim)
    hist = _history(store, source, ctx)
    held = []
    for day in (start, end):
        a = hist.as_of(day)
        held.append((a, _in_scope_km2(store.layer(a.snapshot.id), oblasts)))
    ok = all(km2 > 0 for _, km2 in held)
    least = round(min(km2 for _, km2 in held), 1)
    who = _who(source, held[0][0].snapshot.valid_date, held[1][0].snapshot.valid_date)
    return {"measured": least, "unit": "km2 held (minimum of both ends)",
            "verdict": "supported" if ok else "overstated",
            "sentence": f"{who} show{'' if ok else ' no'} Russian-held ground in {', '.join(oblasts)} "
                        f"({fmt(least, 'km2')} at the least)" + (": consistent with the claim." if ok else "."),
            "snapshot_from": held[0][0].snapshot.valid_date, "snapshot_to": held[1][0].snapshot.valid_date,
            "lag_days": held[1][0].lag_days, **_scope_rule(claim, oblasts)}  # fmt: skip


def _distance(store, claim, source, ctx) -> dict:
    place = _place(claim)
    day = claim.window.end if claim.window else None
    if day is None:
        raise _Unverifiable("the claim has no date")
    side = _side(claim)
    values: list[float] = []
    from_edge: list[float] = []
    central: Any = None  # (the first map's answer: there is always one)
    for d in _days_around(store, source, ctx, day):
        row = _memo(ctx, ("distance", source, place.geonameid, d),
                    lambda d=d: distance_to_other_side(store, source, place, d))  # fmt: skip
        if row["side"] == "not covered":
            raise _NotComparable(f"{source} does not draw {place.name}")
        # the claimed side's forces: 0 km when that side holds the place itself
        km = 0.0 if row["side"] == side else row["distance_km"]
        values.append(km)
        # "20 km from the city": news measures from a town's edge as often as from its centre
        # (another method, not another map: it widens the envelope, never the maps' spread)
        from_edge.append(max(0.0, km - town_radius_km(place.population)))
        central = central or (row, km)
    row, measured = central
    q = _q(claim.quantity, _km(claim.quantity), "km")
    who = _who(source, None, row["snapshot_date"])
    what = f"from {place.name} to ground held by {'Ukraine' if side == 'UA' else 'Russia'}"
    out = _numeric(claim, source, q, measured, values, unit="km", what=what, who=who, method=from_edge)
    out.update(snapshot_to=row["snapshot_date"], lag_days=row["lag_days"], **_lag_note(row["snapshot_date"], day))
    return out
