"""Checks of changes over a window: area gained, settlements changing side, advance depth,
rank among windows, unit conversions, and a share gained."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import cache
from typing import Any

import shapely

from ... import _geo
from ...advance import advance, since
from ...areas import UKRAINE_OFFICIAL_KM2
from ...boundaries import clip_outline
from ...changes import change_between
from ...settlements import changed_places
from .. import judge
from .._measure import (
    LAG_DAYS,
    _history,
    _in_scope_km2,
    _km,
    _km2,
    _lag_note,
    _memo,
    _NotComparable,
    _numeric,
    _oblasts,
    _pairs,
    _q,
    _scope_km2,
    _scope_rule,
    _scope_shape,
    _side,
    _Unverifiable,
    _who,
    _window,
)
from ..judge import fmt
from ..model import KM2_PER_SQ_MI, KM_PER_MI, Quantity

CONVERSION_REL = 0.01
"""A restated figure matches the conversion within its rounding (half its precision) or 1 %."""
RANK_SLACK_DAYS = 10
"""A "since <period>" claim holds when the earlier, larger window ends within the period or
this many days after it (a withdrawal that began in March ended in early April)."""


def _gain(ch: dict, side: str, oblasts=None) -> tuple[float, float]:
    """(gross gain of ``side``, net gain of ``side``) in a change, in km²; inside ``oblasts``
    when given, from the change's geometries."""
    if oblasts:
        geoms = ch["geometries"]
        ua = round(_in_scope_km2(geoms["ua_gain"], oblasts), 1)
        ru = round(_in_scope_km2(geoms["ru_gain"], oblasts), 1)
    else:
        ua, ru = ch["ua_gain_km2"], ch["ru_gain_km2"]
    return (ua, ua - ru) if side == "UA" else (ru, ru - ua)


def _off_land_km2(ch: dict, side: str, oblasts=None) -> float:
    """km² of ``side``'s gain that lies off the land outline (lagoons, coastal sea: inside
    geoBoundaries' outline, outside OpenStreetMap's land), inside ``oblasts`` when given."""
    gain = ch["geometries"]["ua_gain" if side == "UA" else "ru_gain"]
    if oblasts:
        gain = _geo.intersection(gain, _scope_shape(tuple(sorted(oblasts))))
    sea = _sea()
    if gain.is_empty or not shapely.intersects(sea, gain):
        return 0.0
    return _geo.area_km2(_geo.intersection(gain, sea))


@cache
def _sea():
    """Water inside the clip outline: geoBoundaries' outline less OpenStreetMap's land."""
    sea = _geo.difference(clip_outline("geoboundaries"), clip_outline("osm-land"))
    shapely.prepare(sea)
    return sea


def _area(store, claim, source, ctx) -> dict:
    """km² the claimed side gained in the window (in its scope), with the envelope: the
    window widened and narrowed over the maps within a day of each end, the net change, and
    the land-only outline (from the central change's geometry)."""
    start, end = _window(claim)
    oblasts = _oblasts(claim)
    side = _side(claim)
    q = _q(claim.quantity, _km2(claim.quantity), "km2")
    values: list[float] = []
    central: Any = None  # (the first pair's answer: there is always one)
    for i, (a, b) in enumerate(_pairs(_history(store, source, ctx), start, end)):
        geometry = bool(oblasts) or i == 0  # the central pair's geometry also gives the land-only value
        ch = _memo(ctx, ("change", source, a, b, geometry),
                   lambda a=a, b=b, g=geometry: change_between(store, source, a, b, geometry=g))  # fmt: skip
        gross, net = _gain(ch, side, oblasts)
        values += [gross] + ([net] if net > 0 else [])
        central = central or (ch, gross, net)
    ch, measured, net = central
    broken = [n for n in ch.get("notes", []) if "coverage break" in n]
    if broken and ch.get("masked_km2", 0) > 0:
        raise _NotComparable(f"{source}'s maps change what they draw inside the window ({broken[0]}): "
                             f"{fmt(ch['masked_km2'], 'km2')} left out, so its total is not the one claimed")  # fmt: skip
    if ch["from_snapshot"] != ch["to_snapshot"]:
        values.append(measured - _off_land_km2(ch, side, oblasts))  # the land-only outline
    who = _who(source, ch["from_snapshot"], ch["to_snapshot"])
    what = f"gained by {'Ukraine' if side == 'UA' else 'Russia'}" + (f" in {', '.join(oblasts)}" if oblasts else "")
    out = _numeric(claim, source, q, measured, values, unit="km2", what=what, who=who)
    out.update(snapshot_from=ch["from_snapshot"], snapshot_to=ch["to_snapshot"], lag_days=ch["to_lag_days"],
               net_km2=round(net, 1), **_scope_rule(claim, oblasts), **_lag_note(ch["to_snapshot"], end))  # fmt: skip
    return out


OFFICIAL_SETTLEMENTS = 29_722
"""Populated places of Ukraine's official register on 1 January 2017 (State Statistics
Service: 460 cities, 885 urban-type settlements, 28,377 rural settlements, Crimea and
Sevastopol included)."""


@cache
def register_ratio() -> float:
    """How many more populated places the gazetteer (GeoNames) lists than Ukraine's official
    register: a count of GeoNames places stands for an official count within this factor
    either way (sections, hamlets and duplicates one register lists and the other does not;
    the claimant's register is unknown). About 1.12 (33,278 against 29,722)."""
    from ...gazetteer import gazetteer

    n = len(gazetteer().places())
    return max(n / OFFICIAL_SETTLEMENTS, OFFICIAL_SETTLEMENTS / n)


def _settlements(store, claim, source, ctx) -> dict:
    """Settlements that passed to the claimed side in the window (in its scope), with the
    envelope: the maps within a day of each end, the count read as the official register's
    (:func:`register_ratio` either way), and GeoNames' duplicate entries (the same name within
    1 km, counted once) counted as listed."""
    start, end = _window(claim)
    side = _side(claim)
    oblasts = _oblasts(claim)
    values: list[float] = []
    central: Any = None  # (the first pair's answer: there is always one)
    for a, b in _pairs(_history(store, source, ctx), start, end):
        res = _memo(ctx, ("places", source, a, b), lambda a=a, b=b: changed_places(store, source, a, b))
        rows = [r for r in res["places"] if r["to_side"] == side and (not oblasts or r["oblast"] in oblasts)]
        values.append(float(len(rows)))
        central = central or (res, float(len(rows)), sum(len(r.get("duplicate_ids") or []) for r in rows))
    res, measured, twice = central
    r = register_ratio() if res["from_snapshot"] != res["to_snapshot"] else None
    # the count in the official register, either way; GeoNames' duplicate entries counted as listed
    method = [round(measured / r, 1), round(measured * r, 1), measured + twice] if r else []
    who = _who(source, res["from_snapshot"], res["to_snapshot"])
    what = f"settlements passing to {'Ukraine' if side == 'UA' else 'Russia'}" + (
        f" in {', '.join(oblasts)}" if oblasts else ""
    )
    out = _numeric(claim, source, claim.quantity, measured, values, unit="count", what=what, who=who, method=method)
    out.update(snapshot_from=res["from_snapshot"], snapshot_to=res["to_snapshot"], lag_days=res["to_lag_days"],
               **_scope_rule(claim, oblasts), **_lag_note(res["to_snapshot"], end))  # fmt: skip
    if r is not None:
        out.update(register_ratio=round(r, 3), duplicates_merged=twice)
    return out


def _depth(store, claim, source, ctx) -> dict:
    start, end = _window(claim)
    side = _side(claim)
    values: list[float] = []
    central: Any = None  # (the first pair's answer: there is always one)
    for a, b in _pairs(_history(store, source, ctx), start, end)[:2]:
        adv = _memo(ctx, ("advance", source, a, b, side), lambda a=a, b=b: advance(store, source, a, b, side=side))
        values.append(adv["max_depth_km"])
        central = central or adv
    adv = central
    q = _q(claim.quantity, _km(claim.quantity), "km")
    who = _who(source, adv["from_snapshot"], adv["to_snapshot"])
    what = f"of deepest {'Ukrainian' if side == 'UA' else 'Russian'} advance"
    out = _numeric(claim, source, q, adv["max_depth_km"], values, unit="km", what=what, who=who)
    out.update(snapshot_from=adv["from_snapshot"], snapshot_to=adv["to_snapshot"], lag_days=adv["to_lag_days"],
               **_lag_note(adv["to_snapshot"], end))  # fmt: skip
    return out


def _rank(store, claim, source, ctx) -> dict:
    start, end = _window(claim)
    ref = claim.reference
    if ref is None:
        raise _Unverifiable("the claim names no reference period")
    first = _history(store, source, ctx).first_date
    res = since(store, source, start, end, side=_side(claim))
    w = res["window"]
    who = _who(source, w["from_snapshot"], w["to_snapshot"])
    judge = _rank_within if (claim.subject or {}).get("within") else _rank_since
    measured, verdict, text = judge(ref, source, res["since"], first, who)
    out = {"measured": measured, "unit": "window", "verdict": verdict, "sentence": text,
           "snapshot_from": w["from_snapshot"], "snapshot_to": w["to_snapshot"],
           "lag_days": (end - dt.date.fromisoformat(w["to_snapshot"])).days}  # fmt: skip
    lag = max(w["from_lag_days"] or 0, w["to_lag_days"] or 0)
    if lag > LAG_DAYS and w["from_snapshot"] != w["to_snapshot"] and out["verdict"] != "unverifiable":
        out["reason"] = (f"the maps used ({w['from_snapshot']} → {w['to_snapshot']}) are up to {lag} days older than "
                         "the window's ends: the window ranked is not the one claimed")  # fmt: skip
        out.update(verdict="unverifiable", sentence=f"{_who(source, None, w['to_snapshot'])} cannot judge it: "
                                                   f"{out['reason']}.")  # fmt: skip
    return out


def _rank_since(ref, source, found: dict | None, first: dt.date, who: str) -> tuple[str, str, str]:
    """ "the swiftest advance since March": the last larger window ended in the period
    named; (measured, verdict, sentence)."""
    lo, hi = ref.start, ref.end + dt.timedelta(days=RANK_SLACK_DAYS)
    later = found is not None and dt.date.fromisoformat(found["to_snapshot"]) > hi
    if first > ref.start and not later:
        # a larger window after the reference would show the claim overstates even on maps that
        # start after the reference; without one, the maps cannot tell
        raise _Unverifiable(f"{source}'s maps start on {first}, after the reference period "
                            f"({ref.start} → {ref.end})")  # fmt: skip
    if found:
        to = dt.date.fromisoformat(found["to_snapshot"])
        measured = f"since window ending {found['to_snapshot']}"
        verdict = "supported" if lo <= to <= hi else ("overstated" if to > hi else "understated")
        text = f"{who}: the largest such window since the one ending {found['to_snapshot']}"
    else:
        measured, verdict = "largest on record", "understated"
        text = f"{who}: the largest such window on record"
    text += f"; the claim ranks it since {ref.start} → {ref.end}: " + {
        "supported": "consistent with the claim.", "overstated": "a larger movement came later, the claim overstates it.",
        "understated": "the movement ranks higher than the claim says."}[verdict]  # fmt: skip
    return measured, verdict, text


def _rank_within(ref, source, found: dict | None, first: dt.date, who: str) -> tuple[str, str, str]:
    """ "the most in any week this year": no earlier window of the same length inside the
    period beat it (a larger one before the period does not count against it);
    (measured, verdict, sentence)."""
    to = dt.date.fromisoformat(found["to_snapshot"]) if found else None
    if found is not None and to is not None and to > ref.start:
        verdict = "overstated"
        text = f"{who}: a larger window of the same length ended on {found['to_snapshot']}, inside the period"
    elif first > ref.start:
        raise _Unverifiable(f"{source}'s maps start on {first}, after the start of the period ({ref.start})")
    else:
        verdict = "supported"
        text = (f"{who}: no larger window of the same length since {found['to_snapshot']}" if found
                else f"{who}: the largest such window on record")  # fmt: skip
    text += f"; the claim says the largest since {ref.start}: " + (
        "consistent with the claim." if verdict == "supported" else "the claim overstates it."
    )
    return (f"since window ending {found['to_snapshot']}" if found else "largest on record"), verdict, text


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
    tol = max(judge.TOL_SHARE_OF_PRECISION * (q.precision or 1.0), CONVERSION_REL * exact)
    verdict = "supported" if abs(exact - q.value) <= tol else ("understated" if exact > q.value else "overstated")
    right = "a correct" if verdict == "supported" else "a wrong"
    return {"measured": round(exact, 2), "unit": q.unit, "verdict": verdict, "lag_days": None,
            "sentence": f"{other.text or fmt(other.value, other.unit)} is {fmt(exact, q.unit)}; "
                        f"the text says {q.text}: {right} conversion."}  # fmt: skip


def _share_of_change(store, claim, source, ctx) -> dict:
    """A share gained over a window: the area rule, as % of Ukraine's official area (or the
    oblasts')."""
    oblasts = _oblasts(claim)
    total = _scope_km2(tuple(sorted(oblasts))) if oblasts else float(UKRAINE_OFFICIAL_KM2)
    q = claim.quantity
    as_km2 = Quantity(q.value * total / 100, "km2", q.qualifier, q.text, q.precision * total / 100)
    out = _area(store, replace(claim, quantity=as_km2), source, ctx)
    pct = {k: (round(100 * v / total, 3) if isinstance(v, float) else v) for k, v in out.items()
           if k in ("measured", "net_km2")}  # fmt: skip
    env = [round(100 * v / total, 3) for v in out["envelope"]]
    basis = ", ".join(oblasts) if oblasts else f"Ukraine ({UKRAINE_OFFICIAL_KM2:,} km²)"
    out.update(pct, unit="percent", envelope=env, claim_interval=[100 * v / total for v in out["claim_interval"]],
               share_basis=f"% of {basis}")  # fmt: skip
    return out
