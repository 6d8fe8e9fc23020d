"""Claim verification: one measuring rule per claim kind (:data:`CHECKS`), applied per source.

Each rule measures the claim on the source's maps, with the measurement's envelope
(:mod:`frontwatch.claims.judge` has the rules that turn it into a verdict). Every verdict
carries the measured value and unit, the envelope, the snapshot dates used, their lag behind
the claim's dates, the rule, and one sentence a reader understands.

Scopes: a claim about an oblast is measured in that oblast (OpenStreetMap boundaries); a
compass region or a front ("the east", "the southern front") by the convention of
:data:`~frontwatch.claims.model.COMPASS_REGIONS`, printed in the verdict; a region in Russia
(Kursk, Belgorod, Bryansk) is ``not comparable``: no source maps it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from ..advance import advance, distance_to_other_side, since
from ..areas import UKRAINE_OFFICIAL_KM2, occupied_km2
from ..changes import change_between
from ..errors import FrontwatchError
from ..gazetteer import AmbiguousPlace, PlaceNotFound, resolve_one
from ..settlements import changed_places, place_control
from ..store import Store
from ..timeline import History
from . import judge
from .judge import compare, fmt, interval, numeric_verdict, ratio_words, tolerance
from .model import KM2_PER_SQ_MI, KM_PER_MI, Claim, compass_oblasts

__all__ = ["CHECKS", "RULES", "compare", "tolerance", "verify", "verify_claim"]

CONVERSION_REL = 0.01
"""A restated figure matches the conversion within its rounding (half its precision) or 1 %."""
RANK_SLACK_DAYS = 10
"""A "since <period>" claim holds when the earlier, larger window ends within the period or
this many days after it (a withdrawal that began in March ended in early April)."""
MAX_LAG_DAYS = 14
"""A map older than this at the claim's date cannot judge it."""
LATER_DAYS = 7
"""How far past a claim's window to look for the first map that covers its end."""
LAG_DAYS = 1
"""The envelope's map lag: the as-of maps this many days earlier and later at each end."""

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
CLAIMED_LAYER = "russian_claimed_control"
"""ISW's layer of ground Russian sources claim (2022, and 2023 from 2023-05-20)."""

_ENVELOPE = (f"envelope: the as-of maps ±{LAG_DAYS} day at each end, the net change beside the gross "
             "gain, the land-only outline beside geoBoundaries'")  # fmt: skip
RULES: dict[str, str] = {
    "area_change": "km² gained by the claimed side between the maps valid at the window's ends "
                   "(geometric difference; in the claim's oblasts when it names a scope); " + _ENVELOPE,
    "settlement_count": "GeoNames settlements (in the claim's oblasts) whose side changed to the claimed "
                        f"side between the maps at the window's ends; envelope: maps ±{LAG_DAYS} day",
    "place_control": "side of the place's point on the map valid at the claim's date (contested when the "
                     "line of contact passes within the town's extent, a disc of its population at "
                     "3,000 people/km², at least 1 km, or the place is in the grey zone); a map within "
                     f"{LAG_DAYS} day that agrees is accepted",
    "distance_to_place": "geodesic distance from the place to the nearest ground of the claimed side on "
                         f"the map valid at the claim's date; envelope: maps ±{LAG_DAYS} day",
    "advance_depth": "largest geodesic distance of the claimed side's gained ground from the earlier "
                     f"map's line of contact; envelope: the window widened by {LAG_DAYS} day at each end",
    "rank": "most recent earlier window of the same length with a larger gain (by area) must end "
            f"within the claimed period (+{RANK_SLACK_DAYS} days)",
    "unit_conversion": f"exact conversion (1 sq mi = {KM2_PER_SQ_MI} km², 1 mi = {KM_PER_MI} km) "
                       "within the restated figure's rounding or 1 %",
    "share": f"occupied area / Ukraine's official {UKRAINE_OFFICIAL_KM2:,} km² (or the oblast's area), "
             f"in %; envelope: maps ±{LAG_DAYS} day, land-only outline",
    "area_held": f"occupied km² on the map valid at the claim's date; envelope: maps ±{LAG_DAYS} day, "
                 "land-only outline",
    "other": "not measurable from control maps",
}  # fmt: skip


class _Unverifiable(Exception):
    pass


class _NotComparable(Exception):
    pass


def verify_claim(store: Store, claim: Claim, source: str, *, context: dict | None = None) -> dict:
    """The verdict of one claim against one source.

    Returns ``source, verdict, measured, unit, envelope ([low, high] or None),
    snapshot_from, snapshot_to, lag_days, rule, reason, sentence`` (+ ``note`` on the map
    used, ``later``: the same check on the first map after the window when the maps lagged
    it, ``claimed_layer``: ISW's claimed-control layer for claims of Russian sources).
    """
    context = context if context is not None else {}
    base = {"source": source, "verdict": "unverifiable", "measured": None, "unit": None, "envelope": None,
            "snapshot_from": None, "snapshot_to": None, "lag_days": None,
            "rule": RULES.get(claim.kind, RULES["other"]), "reason": None, "sentence": None}  # fmt: skip
    check = CHECKS.get(claim.kind)
    if check is None:
        base["reason"] = claim.reason or "not measurable from control maps"
        return base
    try:
        _not_in_russia(claim)
        out = check(store, claim, source, context)
    except _Unverifiable as exc:
        base["reason"] = str(exc)
        return base
    except _NotComparable as exc:
        base.update(verdict="not comparable", reason=str(exc))
        return base
    except FrontwatchError as exc:
        base["reason"] = f"no data: {exc}"
        return base
    base.update(out)
    stale = _stale(claim, base)
    if stale:
        base.update(verdict="unverifiable", reason=stale)
    if claim.stance == "disputes":
        base = _judge_denial(claim, base)
    lagged = base.get("lag_days") or base["verdict"] in ("overstated", "understated", "unverifiable")
    if lagged and claim.window is not None and not context.get("_later"):
        base["later"] = later = _later(store, claim, source, context)
        if (base.get("lag_days") and base["verdict"] in ("overstated", "understated")
                and later and later["verdict"] in ("supported", "contested")):  # fmt: skip
            base.update(verdict="unverifiable", reason=(
                f"the map used ({base['snapshot_to']}) is {base['lag_days']} day(s) older than the claim's date and "
                f"the first later map ({later['snapshot_to']}) gives '{later['verdict']}': the maps lag the claim"))
            base["sentence"] = f"{_who(source, None, base['snapshot_to'])} lags the claim: " + base["reason"] + "."
    return base


DENIAL = {"supported": "overstated", "understated": "overstated", "overstated": "supported"}
"""A denial's verdict from the verdict of the statement it denies: a statement the map bears
out (or shows more of) makes the denial overstated; a statement the map contradicts
supports the denial; contested, not comparable and unverifiable carry over."""


def _judge_denial(claim: Claim, res: dict) -> dict:
    """The verdict of a disputer's claim: the denial of the statement it holds."""
    statement = res["verdict"]
    res["statement_verdict"] = statement
    res["verdict"] = DENIAL.get(statement, statement)
    if res.get("sentence") and statement in DENIAL:
        backs = "backs the denial" if res["verdict"] == "supported" else "contradicts the denial"
        res["sentence"] += f" {claim.claimant or 'The text'} disputes it: the map {backs}."
    return res


def _stale(claim: Claim, res: dict) -> str | None:
    """Why the maps used cannot judge the claim (too old, or none inside its window)."""
    lag = res.get("lag_days")
    if lag is not None and lag > MAX_LAG_DAYS:
        return f"the latest map ({res.get('snapshot_to')}) is {lag} days older than the claim's date"
    if (claim.kind in ("area_change", "settlement_count", "advance_depth", "rank")
            and res.get("snapshot_from") and res.get("snapshot_from") == res.get("snapshot_to")):  # fmt: skip
        return f"no new map inside the window: both ends use the map of {res['snapshot_to']}"
    return None


def _later(store: Store, claim: Claim, source: str, context: dict) -> dict | None:
    """The same check on the first map after the window's end (the window shifted to end on
    it), so a reader sees when a claim ran ahead of the maps."""
    end = claim.window.end
    nxt = next((r.date for r in _history(store, source, context).records if r.date > end), None)
    if nxt is None or (nxt - end).days > LATER_DAYS:
        return None
    shift = nxt - end
    moved = replace(claim, window=replace(claim.window, start=claim.window.start + shift, end=nxt))
    res = verify_claim(store, moved, source, context={**context, "_later": True})
    return {k: res.get(k) for k in ("verdict", "measured", "unit", "snapshot_from", "snapshot_to")}


# --------------------------------------------------------------------------------------
# What a claim asks


def _history(store: Store, source: str, ctx: dict) -> History:
    key = ("history", source)
    if key not in ctx:
        ctx[key] = History(store, source)
    return ctx[key]


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
    if any(key.startswith(r) for r in RUSSIAN_REGIONS) or subj.get("country") == "RU":
        raise _NotComparable(f"the claim is about Russia's {region} region: no source maps it")
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
    from ..sources import describe

    name = SHORT_NAMES.get(source) or describe(source)["title"].split(" (")[0]
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
             who: str) -> dict:  # fmt: skip
    """Verdict, envelope and sentence of a measured number."""
    low, high = min(values), max(values)
    iv = interval(q, own=_own(claim, source))
    verdict, reason = numeric_verdict(low, high, iv)
    env = f"{fmt(low)}–{fmt(high)} {judge._UNIT_WORDS.get(unit, unit)}".strip() if high > low else ""
    extra = ", ".join(x for x in (f"envelope {env}" if env else "", ratio_words(measured, q.value)
                                  if verdict in ("understated", "overstated") else "") if x)  # fmt: skip
    sentence = judge.sentence(verdict, who=who, measured=fmt(measured, unit), claimed=q.text or fmt(q.value, unit),
                              what=what, extra=extra)  # fmt: skip
    if reason:
        sentence = f"{who} cannot judge it: {reason}."
    return {"measured": round(measured, 2), "unit": unit, "envelope": [round(low, 2), round(high, 2)],
            "claim_interval": [iv.low, iv.high], "verdict": verdict, "reason": reason, "sentence": sentence}  # fmt: skip


# --------------------------------------------------------------------------------------
# One rule per kind


def _gain(ch: dict, side: str, oblasts: tuple[str, ...] | None) -> tuple[float, float]:
    """(gross gain of ``side``, net gain of ``side``) in a change, in the oblasts if given."""
    if oblasts:
        rows = [r for r in ch.get("by_oblast", []) if r["oblast"] in oblasts]
        ua, ru = sum(r["ua_gain_km2"] for r in rows), sum(r["ru_gain_km2"] for r in rows)
    else:
        ua, ru = ch["ua_gain_km2"], ch["ru_gain_km2"]
    return (ua, ua - ru) if side == "UA" else (ru, ru - ua)


def _area(store, claim, source, ctx) -> dict:
    start, end = _window(claim)
    oblasts = _oblasts(claim)
    side = _side(claim)
    q = _q(claim.quantity, _km2(claim.quantity), "km2")
    values, central = [], None
    for a, b in _pairs(_history(store, source, ctx), start, end):
        ch = _memo(ctx, ("change", source, a, b, bool(oblasts), False),
                   lambda a=a, b=b: change_between(store, source, a, b, by_oblast=bool(oblasts)))  # fmt: skip
        gross, net = _gain(ch, side, oblasts)
        values += [gross] + ([net] if net > 0 else [])
        central = central or (ch, gross)
    ch, measured = central
    broken = [n for n in ch.get("notes", []) if "coverage break" in n]
    if broken and ch.get("masked_km2", 0) > 0:
        raise _NotComparable(f"{source}'s maps change what they draw inside the window ({broken[0]}): "
                             f"{fmt(ch['masked_km2'], 'km2')} left out, so its total is not the one claimed")  # fmt: skip
    if ch["from_snapshot"] != ch["to_snapshot"]:
        land = _memo(ctx, ("change", source, start, end, bool(oblasts), True),
                     lambda: change_between(store, source, start, end, by_oblast=bool(oblasts), land_only=True))  # fmt: skip
        values.append(_gain(land, side, oblasts)[0])
    who = _who(source, ch["from_snapshot"], ch["to_snapshot"])
    what = f"gained by {'Ukraine' if side == 'UA' else 'Russia'}" + (f" in {', '.join(oblasts)}" if oblasts else "")
    out = _numeric(claim, source, q, measured, values, unit="km2", what=what, who=who)
    out.update(snapshot_from=ch["from_snapshot"], snapshot_to=ch["to_snapshot"], lag_days=ch["to_lag_days"],
               net_km2=round(_gain(ch, side, oblasts)[1], 1), **_scope_rule(claim, oblasts),
               **_lag_note(ch["to_snapshot"], end))  # fmt: skip
    return out


def _settlements(store, claim, source, ctx) -> dict:
    start, end = _window(claim)
    side = _side(claim)
    oblasts = _oblasts(claim)
    values, central = [], None
    for a, b in _pairs(_history(store, source, ctx), start, end):
        res = _memo(ctx, ("places", source, a, b), lambda a=a, b=b: changed_places(store, source, a, b))
        rows = [r for r in res["places"] if r["to_side"] == side and (not oblasts or r["oblast"] in oblasts)]
        values.append(float(len(rows)))
        central = central or (res, float(len(rows)))
    res, measured = central
    who = _who(source, res["from_snapshot"], res["to_snapshot"])
    what = f"settlements passing to {'Ukraine' if side == 'UA' else 'Russia'}" + (
        f" in {', '.join(oblasts)}" if oblasts else "")
    out = _numeric(claim, source, claim.quantity, measured, values, unit="count", what=what, who=who)
    out.update(snapshot_from=res["from_snapshot"], snapshot_to=res["to_snapshot"], lag_days=res["to_lag_days"],
               **_scope_rule(claim, oblasts), **_lag_note(res["to_snapshot"], end))  # fmt: skip
    return out


LOSING = {"loss", "withdraw"}
TOWN_DENSITY_PER_KM2 = 3_000
"""People per km² of a town's built-up area, to size a town from its population: a claim
that a town was taken is contested while the line of contact crosses the town."""


def town_radius_km(population: int) -> float:
    """Radius of a town's built-up area from its population (a disc of
    :data:`TOWN_DENSITY_PER_KM2`), at least the 1 km of the place rule: 20,000 people → 1.5 km,
    80,000 → 2.9 km."""
    import math

    return max(1.0, math.sqrt(max(population, 0) / (math.pi * TOWN_DENSITY_PER_KM2)))


def _days_around(store, source, ctx, day: dt.date) -> list[dt.date]:
    """The claim's date, then the dates of the other maps within the map lag of it."""
    near = _near(_history(store, source, ctx), day)
    return [day] + [d for d in near[1:] if d != day]


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
    if row["contested"] or (near is not None and near <= reach):
        verdict = "contested"
        text = (f"{who} puts {place.name}'s centre {near} km from the line of contact, inside the town's "
                f"extent (about {reach:.1f} km for {place.population:,} people)" if not row["contested"] else
                f"{who} puts {place.name} on the line of contact ({near} km from it"
                f"{', in the grey zone' if near and near > 1 else ''})")  # fmt: skip
        text += f": contested, its centre held by {row['side']} on that map."
    elif row["side"] == side:
        verdict, text = "supported", f"{who} shows {place.name} held by {held}: consistent with the claim."
    elif any(r["side"] == side and r["snapshot_date"] != row["snapshot_date"] for r in rows[1:]):
        other = next(r for r in rows[1:] if r["side"] == side)
        verdict = "supported"
        text = (f"{who} still shows {place.name} held by {row['side']}, but the map of {other['snapshot_date']} "
                f"(a day's lag) shows it held by {held}: consistent with the claim.")  # fmt: skip
    else:
        verdict = "overstated"
        text = f"{who} shows {place.name} held by {row['side']}, not {held}: the claim is ahead of the map."
    out = {"measured": row["side"], "status": row["status"], "unit": "side", "verdict": verdict, "sentence": text,
           "snapshot_from": None, "snapshot_to": row["snapshot_date"], "lag_days": row["lag_days"],
           "distance_to_front_km": row["distance_to_front_km"], **_lag_note(row["snapshot_date"], day)}  # fmt: skip
    if source == "isw" and _claimant_is_russian(claim):
        out["claimed_layer"] = _claimed_layer(store, source, place, day, side, ctx)
    return out


def _claimant_is_russian(claim: Claim) -> bool:
    from .extract import CLAIMANT_SIDES

    who = (claim.claimant or "").lower()
    return bool(who) and any(part in who for part, s in CLAIMANT_SIDES.items() if s == "RU")


def _claimed_layer(store, source, place, day, side, ctx) -> dict | None:
    """The place against ISW's layer of ground Russian sources claim (where the map has it)."""
    import shapely

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
    from .. import _geo
    from ..boundaries import oblasts as oblast_shapes

    oblasts = _oblasts(claim)
    if not oblasts:
        raise _Unverifiable("the claim names neither a place nor a region")
    if side != "RU":
        raise _Unverifiable("only Russian-held ground in a region is measured")
    start, end = _window(claim)
    hist = _history(store, source, ctx)
    shapes = [o.geometry for o in oblast_shapes() if o.name in oblasts]
    held = []
    for day in (start, end):
        a = hist.as_of(day)
        occ = store.layer(a.snapshot.id)
        held.append((a, sum(_geo.area_km2(_geo.intersection(occ, g)) for g in shapes)))
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
    values, central = [], None
    for d in _days_around(store, source, ctx, day):
        row = _memo(ctx, ("distance", source, place.geonameid, d),
                    lambda d=d: distance_to_other_side(store, source, place, d))  # fmt: skip
        if row["side"] == "not covered":
            raise _NotComparable(f"{source} does not draw {place.name}")
        # the claimed side's forces: 0 km when that side holds the place itself
        km = 0.0 if row["side"] == side else row["distance_km"]
        values.append(km)
        central = central or (row, km)
    row, measured = central
    q = _q(claim.quantity, _km(claim.quantity), "km")
    who = _who(source, None, row["snapshot_date"])
    what = f"from {place.name} to ground held by {'Ukraine' if side == 'UA' else 'Russia'}"
    out = _numeric(claim, source, q, measured, values, unit="km", what=what, who=who)
    out.update(snapshot_to=row["snapshot_date"], lag_days=row["lag_days"], **_lag_note(row["snapshot_date"], day))
    return out


def _depth(store, claim, source, ctx) -> dict:
    start, end = _window(claim)
    side = _side(claim)
    values, central = [], None
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
    if first > ref.start:
        raise _Unverifiable(f"{source}'s maps start on {first}, after the reference period "
                            f"({ref.start} → {ref.end})")  # fmt: skip
    res = since(store, source, start, end, side=_side(claim))
    found = res["since"]
    lo, hi = ref.start, ref.end + dt.timedelta(days=RANK_SLACK_DAYS)
    who = _who(source, res["window"]["from_snapshot"], res["window"]["to_snapshot"])
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
    return {"measured": measured, "unit": "window", "verdict": verdict, "sentence": text,
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
    tol = max(judge.TOL_SHARE_OF_PRECISION * (q.precision or 1.0), CONVERSION_REL * exact)
    verdict = "supported" if abs(exact - q.value) <= tol else ("understated" if exact > q.value else "overstated")
    right = "a correct" if verdict == "supported" else "a wrong"
    return {"measured": round(exact, 2), "unit": q.unit, "verdict": verdict, "lag_days": None,
            "sentence": f"{other.text or fmt(other.value, other.unit)} is {fmt(exact, q.unit)}; "
                        f"the text says {q.text}: {right} conversion."}  # fmt: skip


def _stock(store, claim, source, ctx) -> tuple[list[tuple[float, float, object]], tuple[str, ...] | None]:
    """Occupied km² (ADM0 and land-only) on the maps around the claim's date, in its oblasts."""
    from .. import _geo
    from ..boundaries import oblasts as oblast_shapes
    from ..snapshot import describe_coverage

    day = claim.window.end if claim.window else None
    if day is None:
        raise _Unverifiable("the claim has no date")
    oblasts = _oblasts(claim)
    hist = _history(store, source, ctx)
    out = []
    for d in _days_around(store, source, ctx, day):
        asof = hist.as_of(d)
        rec = asof.snapshot
        missing = [r for r, ok in rec.coverage.items() if not ok]
        if missing and (not oblasts or any(o in ("Crimea", "Sevastopol", "Donetsk", "Luhansk") for o in oblasts)):
            raise _NotComparable(f"{source}'s map of {rec.valid_date} {describe_coverage(rec.coverage)}: "
                                 "it does not count all the ground the claim counts")  # fmt: skip
        if oblasts:
            shapes = [o.geometry for o in oblast_shapes() if o.name in oblasts]
            occ = store.layer(rec.id)
            adm0 = sum(_geo.area_km2(_geo.intersection(occ, g)) for g in shapes)
            out.append((adm0, adm0, asof))
        else:
            out.append((rec.occupied_km2, _memo(ctx, ("land", rec.id), lambda rec=rec: occupied_km2(
                store, rec, land_only=True)), asof))  # fmt: skip
    return out, oblasts


def _area_held(store, claim, source, ctx) -> dict:
    rows, oblasts = _stock(store, claim, source, ctx)
    values = [v for adm0, land, _ in rows for v in (adm0, land)]
    asof = rows[0][2]
    q = _q(claim.quantity, _km2(claim.quantity), "km2")
    who = _who(source, None, asof.snapshot.valid_date)
    what = "held by Russia" + (f" in {', '.join(oblasts)}" if oblasts else "")
    out = _numeric(claim, source, q, rows[0][0], values, unit="km2", what=what, who=who)
    out.update(snapshot_to=asof.snapshot.valid_date, lag_days=asof.lag_days, **_scope_rule(claim, oblasts),
               **_lag_note(asof.snapshot.valid_date, claim.window.end))  # fmt: skip
    return out


def _share(store, claim, source, ctx) -> dict:
    if claim.quantity is None or claim.quantity.unit != "percent":
        raise _Unverifiable("the claim gives no percentage")
    if (claim.subject or {}).get("change"):
        return _share_of_change(store, claim, source, ctx)
    if (claim.subject or {}).get("action") in ("liberate", "retake"):
        raise _Unverifiable("a share freed is measured against a peak of occupation the claim does not date")
    rows, oblasts = _stock(store, claim, source, ctx)
    if oblasts:
        from .. import _geo
        from ..boundaries import oblasts as oblast_shapes

        total = sum(_geo.area_km2(o.geometry) for o in oblast_shapes() if o.name in oblasts)
        basis = f"the area of {', '.join(oblasts)} ({fmt(total, 'km2')})"
    else:
        total, basis = float(UKRAINE_OFFICIAL_KM2), f"Ukraine's official {UKRAINE_OFFICIAL_KM2:,} km²"
    values = [100 * v / total for adm0, land, _ in rows for v in (adm0, land)]
    asof = rows[0][2]
    who = _who(source, None, asof.snapshot.valid_date)
    what = f"of {', '.join(oblasts) if oblasts else 'Ukraine'} held by Russia ({fmt(rows[0][0], 'km2')} of {basis})"
    out = _numeric(claim, source, claim.quantity, values[0], values, unit="percent", what=what, who=who)
    out.update(snapshot_to=asof.snapshot.valid_date, lag_days=asof.lag_days, **_scope_rule(claim, oblasts),
               **_lag_note(asof.snapshot.valid_date, claim.window.end))  # fmt: skip
    return out


def _share_of_change(store, claim, source, ctx) -> dict:
    """A share gained over a window: the area rule, as % of Ukraine's official area (or the
    oblasts')."""
    from .. import _geo
    from ..boundaries import oblasts as oblast_shapes
    from .model import Quantity

    oblasts = _oblasts(claim)
    total = (sum(_geo.area_km2(o.geometry) for o in oblast_shapes() if o.name in oblasts) if oblasts
             else float(UKRAINE_OFFICIAL_KM2))  # fmt: skip
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


CHECKS: dict[str, Callable] = {
    "area_change": _area, "settlement_count": _settlements, "place_control": _control,
    "distance_to_place": _distance, "advance_depth": _depth, "rank": _rank,
    "unit_conversion": _conversion, "share": _share, "area_held": _area_held,
}  # fmt: skip


def verify(store: Store, claims: list[Claim], sources: list[str], *, progress: Callable | None = None) -> list[dict]:
    """Every claim with its verdict per source (``as_dict()`` + ``verdicts``).

    Each verdict: see :func:`verify_claim`. ``progress(done, total, name)`` is called after
    each claim. Measurements repeated across claims (the same window, place or map) are
    made once.
    """
    ctx: dict = {}
    out = []
    for i, c in enumerate(claims):
        d = c.as_dict()
        d["verdicts"] = [verify_claim(store, c, s, context=ctx) for s in sources]
        out.append(d)
        if progress is not None:
            progress(i + 1, len(claims), c.kind)
    return out
