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

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from .._workers import default_workers
from ..areas import UKRAINE_OFFICIAL_KM2
from ..errors import FrontwatchError
from ..store import Store, open_store
from ._measure import LAG_DAYS, LATER_DAYS, MAX_LAG_DAYS, _next_map, _not_in_russia, _NotComparable, _Unverifiable, _who
from .checks.change import (
    OFFICIAL_SETTLEMENTS,
    RANK_SLACK_DAYS,
    _area,
    _conversion,
    _depth,
    _rank,
    _settlements,
)
from .checks.place import CLAIMED_LAYER, _control, _distance, town_radius_km
from .checks.stock import _area_held, _share
from .judge import TOTAL_SHARE_TOL, compare, tolerance
from .model import KM2_PER_SQ_MI, KM_PER_MI, Claim

__all__ = ["CHECKS", "CLAIMED_LAYER", "RULES", "compare", "tolerance", "town_radius_km", "verify", "verify_claim"]

_ENVELOPE = (f"envelope: the as-of maps ±{LAG_DAYS} day at each end, the net change beside the gross "
             "gain, the land-only outline beside geoBoundaries'")  # fmt: skip
RULES: dict[str, str] = {
    "area_change": "km² gained by the claimed side between the maps valid at the window's ends "
                   "(geometric difference; in the claim's oblasts when it names a scope); " + _ENVELOPE,
    "settlement_count": "GeoNames settlements (in the claim's oblasts) whose side changed to the claimed "
                        f"side between the maps at the window's ends (same-name entries within 1 km counted "
                        f"once); envelope: maps ±{LAG_DAYS} day, and the count read as the official register's "
                        f"(the factor between the gazetteer's count of places and Ukraine's official "
                        f"{OFFICIAL_SETTLEMENTS:,} of 2017, either way: register_ratio)",
    "place_control": "side of the place's point on the map valid at the claim's date (contested when the "
                     "place is in the grey zone or within 1 km of the line of contact, or the line passes "
                     "within the town's extent, a disc of its population at 3,000 people/km², while the "
                     "claimed side holds its centre); a map within "
                     f"{LAG_DAYS} day after that shows the claimed side clearly is accepted; a change of hands "
                     f"claimed after the source's last map (none in the {LATER_DAYS} days after) is unverifiable",
    "distance_to_place": "geodesic distance from the place to the nearest ground of the claimed side on "
                         f"the map valid at the claim's date; envelope: maps ±{LAG_DAYS} day, and the distance "
                         "from the town's edge (a disc of its population at 3,000 people/km²) beside its centre",
    "advance_depth": "largest geodesic distance of the claimed side's gained ground from the earlier "
                     f"map's line of contact; envelope: the window widened by {LAG_DAYS} day at each end",
    "rank": "most recent earlier window of the same length with a larger gain (by area) must end "
            f"within the claimed period (+{RANK_SLACK_DAYS} days); for 'the most in any week this year', "
            "before the period",
    "unit_conversion": f"exact conversion (1 sq mi = {KM2_PER_SQ_MI} km², 1 mi = {KM_PER_MI} km) "
                       "within the restated figure's rounding or 1 %",
    "share": f"occupied area / Ukraine's official {UKRAINE_OFFICIAL_KM2:,} km² (or the oblast's area), "
             f"in %; envelope: maps ±{LAG_DAYS} day, land-only outline; a whole region (100 %) is read "
             f"within {TOTAL_SHARE_TOL} points",
    "area_held": f"occupied km² on the map valid at the claim's date; envelope: maps ±{LAG_DAYS} day, "
                 "land-only outline",
    "other": "not measurable from control maps",
}  # fmt: skip


def verify_claim(store: Store, claim: Claim, source: str, *, context: dict | None = None) -> dict:
    """The verdict of one claim against one source.

    Returns ``source, verdict, measured, unit, envelope ([low, high] or None),
    snapshot_from, snapshot_to, lag_days, rule, reason, sentence`` (+ ``note`` on the map
    used, ``later``: the same check on the first map after the window when the maps lagged
    it, ``claimed_layer``: ISW's claimed-control layer for claims of Russian sources).
    """
    context = context if context is not None else {}
    base: dict = {"source": source, "verdict": "unverifiable", "measured": None, "unit": None, "envelope": None,
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
        decided = later and later["verdict"] != base["verdict"] and later["verdict"] in ("supported", "contested")
        if base.get("lag_days") and base["verdict"] in ("overstated", "understated", "contested") and decided and later:
            base.update(
                verdict="unverifiable",
                reason=(
                    f"the map used ({base['snapshot_to']}) is {base['lag_days']} day(s) older than the claim's date and "
                    f"the first later map ({later['snapshot_to']}) gives '{later['verdict']}': the maps lag the claim"
                ),
            )
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
    assert claim.window is not None  # (the caller checks)
    end = claim.window.end
    nxt = _next_map(store, source, context, end)
    if nxt is None:
        return None
    shift = nxt - end
    moved = replace(claim, window=replace(claim.window, start=claim.window.start + shift, end=nxt))
    res = verify_claim(store, moved, source, context={**context, "_later": True})
    return {k: res.get(k) for k in ("verdict", "measured", "unit", "snapshot_from", "snapshot_to")}


# --------------------------------------------------------------------------------------
# What a claim asks


CHECKS: dict[str, Callable] = {
    "area_change": _area, "settlement_count": _settlements, "place_control": _control,
    "distance_to_place": _distance, "advance_depth": _depth, "rank": _rank,
    "unit_conversion": _conversion, "share": _share, "area_held": _area_held,
}  # fmt: skip


def verify(store: Store, claims: list[Claim], sources: list[str], *, progress: Callable | None = None) -> list[dict]:
    """Every claim with its verdict per source (``as_dict()`` + ``verdicts``).

    Each verdict: see :func:`verify_claim`. ``progress(done, total, name)`` is called after
    each claim. Measurements repeated across claims (the same window, place or map) are
    made once. The sources of a file store are checked side by side, each in a thread with
    its own connection (GEOS works outside the GIL).
    """
    done = [0] * len(claims)
    lock = threading.Lock()

    def one_source(source: str, own: Store) -> list[dict]:
        ctx: dict = {}
        out = []
        for i, c in enumerate(claims):
            out.append(verify_claim(own, c, source, context=ctx))
            with lock:
                done[i] += 1
                if progress is not None and done[i] == len(sources):
                    progress(sum(d == len(sources) for d in done), len(claims), c.kind)
        return out

    path = getattr(store, "path", ":memory:")
    if len(sources) > 1 and path != ":memory:" and default_workers() > 1 and claims:
        # (the threads compute what they need in-process: default_workers() is 1 there)
        with ThreadPoolExecutor(max_workers=min(len(sources), default_workers())) as pool:
            futures = [pool.submit(_with_own_store, path, store, s, one_source) for s in sources]
            per_source = [f.result() for f in futures]
    else:
        per_source = [one_source(s, store) for s in sources]
    out = []
    for i, c in enumerate(claims):
        d = c.as_dict()
        d["verdicts"] = [verdicts[i] for verdicts in per_source]
        out.append(d)
    return out


def _with_own_store(path: str, store: Store, source: str, run: Callable) -> list[dict]:
    """``run(source, store)`` on a connection of this thread's own (SQLite connections are
    not shared between threads that work at once)."""
    own = open_store(path, create=False, read_only=True)  # (the same backend: the path or URL says which)
    try:
        return run(source, own)
    finally:
        own.close()
