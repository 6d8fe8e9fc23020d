"""Checks of stocks on a date: the area held and the share of Ukraine (or of an oblast)
occupied."""

from __future__ import annotations

from ...areas import UKRAINE_OFFICIAL_KM2, occupied_km2
from ...snapshot import describe_coverage
from ...timeline import AsOf
from .._measure import (
    _days_around,
    _history,
    _in_scope_km2,
    _km2,
    _lag_note,
    _memo,
    _NotComparable,
    _numeric,
    _oblasts,
    _q,
    _scope_km2,
    _scope_rule,
    _Unverifiable,
    _who,
)
from ..judge import fmt
from .change import _share_of_change

COVERAGE_OBLASTS = {"crimea": ("Crimea", "Sevastopol"), "occupied_since_2014": ("Donetsk", "Luhansk")}
"""The oblasts a region of coverage (:func:`frontwatch.snapshot.coverage_of`) lies in: a
stock there is not comparable on a map that leaves the region out."""


def _stock(store, claim, source, ctx) -> tuple[list[tuple[float, float, AsOf]], tuple[str, ...] | None]:
    """Occupied km² (ADM0 and land-only) on the maps around the claim's date, in its oblasts."""
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
        if missing and (not oblasts or any(o in COVERAGE_OBLASTS.get(r, ()) for r in missing for o in oblasts)):
            raise _NotComparable(f"{source}'s map of {rec.valid_date} {describe_coverage(rec.coverage)}: "
                                 "it does not count all the ground the claim counts")  # fmt: skip
        if oblasts:  # an oblast's outline is OpenStreetMap's land already: one value
            km2 = _memo(ctx, ("held", rec.id, oblasts), lambda rec=rec: _in_scope_km2(store.layer(rec.id), oblasts))
            out.append((km2, km2, asof))
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
        total = _scope_km2(tuple(sorted(oblasts)))
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
