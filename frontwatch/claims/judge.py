"""Verdicts from a measurement and a claim: the claim's interval, the measurement's envelope,
the verdict with its direction, and one sentence a reader understands.

The rules (DESIGN rule 8), printed with every verdict:

- **The claim's interval.** A figure written with precision ``p`` (its rounding step,
  :func:`~frontwatch.claims.model.precision_of`: "1,000" → 1000, "15" → 5) stands for
  ``value ± tol`` with ``tol = min(p / 2, 10 % of the value)``; "about" widens it to at least
  10 %; a monitor's own figure about its own map (DeepState's total on DeepState's map)
  to at least :data:`OWN_METHOD_REL` (its method: full map, grey-zone rules); any other
  area figure to at least :data:`AREA_METHOD_REL` (measured on other maps). "more than X"
  and "at least X" are ``[X − tol, ∞)``; "up to", "less than" ``(−∞, X + tol]``. A share of
  100 % (a whole region, "fully liberated") is no rounding of a lower figure: it admits
  :data:`TOTAL_SHARE_TOL` points, no method widening (a remainder held by the other side
  larger than that is a real remainder).
- **The measurement's envelope**, computed: the value on the as-of maps, on the maps one day
  earlier and later at each end (map lag), as the net change beside the gross gain
  (monitors publish net), and on the land-only outline beside geoBoundaries' (the clip
  outline); a settlement count also as the official register would count it (its method).
  ``[min, max]`` of those is the envelope.
- **Verdict.** Envelope and interval overlap → ``supported``; the envelope lies above the
  interval → ``understated`` (the map shows clearly more than the figure); below →
  ``overstated``. Guard: an envelope that straddles an end of the interval and whose maps
  span more than a factor of :data:`MAX_SPAN` (maps too far apart, a lagging source) gives
  ``unverifiable``, never ``supported``; one wholly inside the interval supports the claim
  however wide it is ("more than 1,000" against 1,800-9,000). Yes/no claims (who holds a
  place) are ``supported``, ``contested`` (the place is on the line or in the grey zone)
  or ``overstated`` (the map does not show what the claim asserts). ``not comparable``:
  the source does not draw what the claim counts.
- A claim with stance ``disputes`` holds the disputed statement as the disputer's claim; its
  verdict judges the denial: the statement borne out (or understated) makes the denial
  ``overstated``, the statement contradicted makes it ``supported`` (``statement_verdict``
  keeps the statement's own).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

VERDICTS = ("supported", "understated", "overstated", "contested", "not comparable", "unverifiable")
"""Verdict vocabulary (DESIGN.md)."""

TOL_SHARE_OF_PRECISION = 0.5
MAX_REL_TOL = 0.10
ABOUT_REL = 0.10
OWN_METHOD_REL = 0.05
"""A monitor's own published figure about its own map is read within at least 5 %."""
AREA_METHOD_REL = 0.03
"""Any other party's area figure is read within at least 3 %: it was measured on other maps,
with other outlines and grey-zone rules (DeepState's own monthly totals already differ from
its map by up to 1.9 %: 259 against 263.9 km² for September 2025)."""
TOTAL_SHARE_TOL = 0.5
"""Points a claim of 100 % of a region admits."""
MAX_SPAN = 2.0
"""An envelope whose high end is more than this many times its low end cannot support a
claim: the maps around the window disagree too much to say."""

_UNIT_WORDS = {"km2": "km²", "km": "km", "count": "", "percent": "%", "sq_mi": "sq mi", "mi": "mi"}


@dataclass(frozen=True, slots=True)
class Interval:
    """What a figure with its qualifier admits: ``[low, high]`` (infinite when open)."""

    low: float
    high: float
    tolerance: float


def tolerance(q, *, own: bool = False) -> float:
    """The tolerance a figure's precision and qualifier give it (in its unit)."""
    precision = getattr(q, "precision", None) or 1.0
    value = abs(q.value)
    if getattr(q, "unit", None) == "percent" and value >= 100 and q.qualifier in (None, "exact"):
        return TOTAL_SHARE_TOL  # "100 % of the region": all of it
    tol = min(TOL_SHARE_OF_PRECISION * precision, MAX_REL_TOL * value)
    if q.qualifier == "about":
        tol = max(tol, ABOUT_REL * value)
    if own:
        tol = max(tol, OWN_METHOD_REL * value)
    elif getattr(q, "unit", None) in ("km2", "sq_mi", "percent"):  # an area, or a ratio of areas
        tol = max(tol, AREA_METHOD_REL * value)
    return tol


def interval(q, *, own: bool = False) -> Interval:
    """The interval a quantity admits (see the module docstring)."""
    tol = tolerance(q, own=own)
    if q.qualifier in ("more_than", "at_least"):
        return Interval(q.value - tol, math.inf, tol)
    if q.qualifier in ("up_to", "less_than"):
        return Interval(-math.inf, q.value + tol, tol)
    return Interval(q.value - tol, q.value + tol, tol)


def compare(measured: float, q) -> bool:
    """Whether a single measured value lies in the quantity's interval."""
    iv = interval(q)
    return iv.low <= measured <= iv.high


def numeric_verdict(
    low: float, high: float, iv: Interval, *, maps: tuple[float, float] | None = None
) -> tuple[str, str | None]:
    """Verdict of an envelope ``[low, high]`` against a claim's interval, with the reason
    when it is ``unverifiable``: the whole envelope inside the interval, or clear of it,
    decides at once; one that straddles an end of the interval supports the claim unless
    the maps' own spread (``maps``, by default the envelope) spans more than a factor of
    :data:`MAX_SPAN`."""
    if iv.low <= low and high <= iv.high:
        return "supported", None
    if low > iv.high:
        return "understated", None
    if high < iv.low:
        return "overstated", None
    m_low, m_high = maps if maps is not None else (low, high)
    if m_low <= 0 < m_high or (m_low > 0 and m_high > MAX_SPAN * m_low):
        return "unverifiable", (
            f"the maps around the claim's dates disagree too much to judge it: {fmt(m_low)} to {fmt(m_high)} "
            f"(more than a factor of {MAX_SPAN:g})"
        )
    return "supported", None


def fmt(value: float, unit: str | None = None) -> str:
    """A number as a reader sees it: thousands separators, one decimal under 100."""
    if value is None or (isinstance(value, float) and math.isinf(value)):
        return "∞"
    a = abs(value)
    text = f"{value:,.0f}" if a >= 100 else f"{value:,.1f}".replace(".0", "") if a >= 1 else f"{value:.2f}"
    word = _UNIT_WORDS.get(unit or "", unit or "")
    return f"{text}{'' if word in ('', '%') else ' '}{word}" if word else text


def ratio_words(measured: float, claimed: float) -> str:
    """How a measure compares with a figure, in words ("five times", "about half")."""
    if claimed <= 0 or measured <= 0:
        return ""
    r = measured / claimed
    words = {2: "twice", 3: "three times", 4: "four times", 5: "five times", 6: "six times", 7: "seven times",
             8: "eight times", 9: "nine times", 10: "ten times"}  # fmt: skip
    if r >= 1.9:
        n = round(r)
        return f"{words.get(n, f'{n} times')} the figure"
    if r <= 0.55:
        return "about half the figure or less" if r >= 0.4 else f"{r:.0%} of the figure"
    return f"{abs(r - 1):.0%} {'more' if r > 1 else 'less'} than the figure"


def sentence(verdict: str, *, who: str, measured: str, claimed: str, what: str, extra: str = "") -> str:
    """One sentence a reader understands."""
    tail = {
        "supported": "consistent with the claim",
        "understated": "the claim understates it",
        "overstated": "the claim overstates it",
        "contested": "the place is contested on that map",
        "not comparable": "not comparable",
        "unverifiable": "cannot be judged",
    }[verdict]
    extra = f" ({extra})" if extra else ""
    verb = "show" if "maps" in who else "shows"
    return f"{who} {verb} {measured} {what}{extra}; the claim says {claimed}: {tail}."
