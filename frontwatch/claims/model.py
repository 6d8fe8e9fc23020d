"""The claim model: a checkable statement, its quantity, its time window and who makes it.

A :class:`Claim` is what :func:`frontwatch.claims.extract_claims` pulls out of news text
(or :func:`frontwatch.claims.claims_from_structured` builds from plain data), and what the
verifier (``frontwatch.claims.verify``) judges against control maps. The model holds no
logic beyond validation, unit conversion and plain-data export; every value the extractor
resolved carries the words it came from and the rule it used, so a verdict can quote them.

Vocabulary
----------
kind (:data:`KINDS`)
    ``area_change``: km² that changed hands in a window ("reclaimed more than 1,000 sq km
    in the last week"). ``settlement_count``: how many populated places changed side
    ("more than 30 communities liberated in the Kharkiv area"). ``place_control``: who
    holds, took, left or is present in a place or region on a date or through a window
    ("disputed that Ukrainian forces had retaken Balakliya"; "since the war began, Russia
    has maintained a significant presence in the east": a region held by one side through
    the window, ``subject["action"] == "hold"``, ``subject["region"] == "east"``).
    ``distance_to_place``: distance from a place to ground held by a side ("just 15 km from
    Kupiansk"). ``advance_depth``: how deep a side pushed in a window ("pushed 50km in
    three days"). ``rank``: a superlative over a history ("swiftest movement since
    March"), with the period it ranks (``window``) and the period it ranks against
    (``reference``). ``unit_conversion``: a restatement of another claim's figure in other
    units ("(385 sq miles)"), pointing at it through ``converts``. ``other``: a statement
    that control maps cannot measure (helicopter capacity, an airstrike, evacuations), with
    the reason in ``reason``. ``share``: the share (%) of Ukraine, or of an oblast, occupied
    ("Russia occupies about a fifth of Ukraine"). ``area_held``: a stock of ground held on a
    date ("Russia controls about 113,000 km²").
stance (:data:`STANCES`)
    ``claims``: the claimant asserts it; ``disputes``: the claimant denies or disputes it
    (the claim holds the disputed statement, e.g. "Ukrainian forces retook Balakliya");
    ``verified``: the text reports it as verified (verified posts, geolocated video).
claimant
    Who says it, cleaned of titles but otherwise as written ("Volodymyr Zelensky",
    "Institute for the Study of War", "Ukraine's army"); None when the text says it
    directly (a headline, the reporter's own statement, verified material).
subject
    JSON-ready dict. Keys, each present only when known:
    ``side`` ("UA" or "RU", the side acting or holding), ``action`` (:data:`ACTIONS`),
    ``place`` (as written), ``geonameid`` (int, the gazetteer match of ``place``),
    ``place_source`` ("text", or "context" when the place came from an earlier sentence,
    e.g. "had retaken it"), ``region`` (as written: "Kharkiv", "east", "south and east"),
    ``oblast`` (the gazetteer's oblast name when ``region`` names one), ``of`` (the counted
    noun, "communities"), ``superlative``, ``measure`` and ``reference_text`` (rank),
    ``topic`` (other).

Indices
-------
``converts.index`` and ``refers_to`` are positions in the list the claim came in (the list
:func:`~frontwatch.claims.extract_claims` or :func:`~frontwatch.claims.claims_from_structured`
returned); filtering that list invalidates them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from frontwatch.errors import InvalidClaim  # (defined there since #12, importable here as before)

KINDS = (
    "area_change",
    "settlement_count",
    "place_control",
    "distance_to_place",
    "advance_depth",
    "rank",
    "unit_conversion",
    "share",
    "area_held",
    "other",
)
"""Claim kinds (see the module docstring)."""

CHANGE_KINDS = frozenset({"area_change", "settlement_count", "advance_depth"})
"""Kinds that compare two dates (a window ``[from, to]`` compares the map on ``from`` with
the map on ``to``); the others are states on a date or through a window."""

UNITS = ("km2", "sq_mi", "km", "mi", "count", "percent")
"""Normalised units: square kilometres, square miles, kilometres, miles, a count, a percentage."""

QUALIFIERS = ("exact", "more_than", "at_least", "about", "up_to", "less_than")
"""How a figure bounds the measure: ``exact`` (no qualifier, or "just", "exactly", "only"),
``more_than`` ("more than", "over"), ``at_least``, ``about`` ("about", "around", "some",
"nearly", "almost", "roughly"), ``up_to`` ("up to", "as many as", "within"),
``less_than`` ("less than", "fewer than", "under")."""

STANCES = ("claims", "disputes", "verified")
"""Stance of the claimant towards the statement (see the module docstring)."""

SIDES = ("UA", "RU")

ACTIONS = (
    "gain", "retake", "capture", "liberate", "loss", "withdraw", "hold", "present",
    "advance", "evacuate", "strike", "other",
)  # fmt: skip
"""Actions of ``subject["side"]``: ``gain``, ``retake``, ``capture``, ``liberate`` (ground or
places passing to the side), ``loss`` (passing away from it), ``withdraw`` (the side leaves a
place), ``hold`` (the side holds it through the window or on the date), ``present`` (the
side's troops or flags are in the place), ``advance`` (the side moves forward),
``evacuate``, ``strike`` and ``other`` (not measurable)."""

UNIT_DIMENSIONS = {"km2": "area", "sq_mi": "area", "km": "length", "mi": "length", "count": "count", "percent": "share"}

KM2_PER_SQ_MI = 2.589_988_110_336
"""Square kilometres in one international square mile (exact: 1.609344² km²)."""

KM_PER_MI = 1.609_344
"""Kilometres in one international mile (exact)."""

_TO_BASE = {"km2": 1.0, "sq_mi": KM2_PER_SQ_MI, "km": 1.0, "mi": KM_PER_MI, "count": 1.0, "percent": 1.0}

WAR_START = date(2022, 2, 24)
"""Start of Russia's full-scale invasion; "since the war began" windows start here."""

COMPASS_REGIONS = {
    "east": ("Donetsk", "Luhansk", "Kharkiv"),
    "north-east": ("Kharkiv", "Sumy"),
    "south": ("Kherson", "Zaporizhzhia", "Mykolaiv", "Crimea", "Sevastopol"),
    "south and east": ("Kherson", "Zaporizhzhia", "Mykolaiv", "Donetsk", "Luhansk", "Kharkiv"),
    "north": ("Kyiv", "Chernihiv", "Sumy", "Zhytomyr"),
    "west bank": ("Kherson", "Mykolaiv"),
    "west bank of the dnipro": ("Kherson", "Mykolaiv"),
    "right bank": ("Kherson", "Mykolaiv"),
}
"""A convention (not part of any claim) for the oblasts a compass region of the front usually
means in news about the war; a verifier may use it to measure ``subject["region"] == "east"``
and must say so in its rule."""


def compass_oblasts(region: str) -> tuple[str, ...] | None:
    """The oblasts a compass region or a pair of them means (:data:`COMPASS_REGIONS`):
    "east", "eastern", "north-east", "northeastern", "east and south", "the south"; None
    for anything else."""
    key = " ".join(region.lower().split())
    if key in COMPASS_REGIONS:
        return COMPASS_REGIONS[key]
    key = " ".join(key.replace("the ", " ").split())
    if key in COMPASS_REGIONS:
        return COMPASS_REGIONS[key]
    out: list[str] = []
    for part in key.split(" and "):
        part = part.strip().replace("northeast", "north-east").replace("southeast", "south-east")
        part = part[:-3] if part.endswith("ern") else part
        found: tuple[str, ...] | None
        if part == "south-east":
            found = COMPASS_REGIONS["south and east"]
        else:
            found = COMPASS_REGIONS.get(part)
        if found is None:
            return None
        out.extend(o for o in found if o not in out)
    return tuple(out) or None


def _check(field_name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InvalidClaim(field_name, value, "one of " + ", ".join(allowed))


def precision_of(figure: str | float) -> float:
    """The rounding step a figure implies (the rule of :attr:`Quantity.precision`).

    Parameters
    ----------
    figure
        The digits as written ("1,000", "4,500", "2.5"), or a number (read as its shortest
        decimal form: 1000.0 → "1000").

    Returns
    -------
    float
        The place value of the last non-zero digit (of the last digit written after a
        decimal point), times 5 when the figure has exactly two significant digits and the
        last is 5. "1,000" → 1000, "385" → 1, "15" → 5, "4,500" → 500, "0" → 1.
    """
    if isinstance(figure, (int, float)):
        figure = str(int(figure)) if float(figure).is_integer() else repr(float(figure))
    digits = figure.replace(",", "").replace("_", "").strip().lstrip("+-")
    whole, _, frac = digits.partition(".")
    if (whole and not whole.isdigit()) or (frac and not frac.isdigit()) or not (whole or frac):
        return 1.0
    if frac:
        place = 10.0 ** -len(frac)
        significant = (whole + frac).lstrip("0")
    else:
        stripped = whole.rstrip("0")
        if not stripped.strip("0"):
            return 1.0
        place = 10.0 ** (len(whole) - len(stripped))
        significant = stripped.lstrip("0")
    if len(significant) == 2 and significant.endswith("5"):
        return 5 * place
    return place


def convert_value(value: float, from_unit: str, to_unit: str) -> float:
    """A value in another unit of the same dimension (km2 ↔ sq_mi, km ↔ mi).

    Parameters
    ----------
    value
        The value in ``from_unit``.
    from_unit, to_unit
        Units of :data:`UNITS` of the same dimension.

    Returns
    -------
    float

    Raises
    ------
    InvalidClaim
        When a unit is unknown or the dimensions differ.
    """
    _check("unit", from_unit, UNITS)
    _check("unit", to_unit, UNITS)
    if UNIT_DIMENSIONS[from_unit] != UNIT_DIMENSIONS[to_unit]:
        raise InvalidClaim("unit", to_unit, f"a unit of the same dimension as {from_unit}")
    return value * _TO_BASE[from_unit] / _TO_BASE[to_unit]


@dataclass(frozen=True, slots=True)
class Quantity:
    """A figure as a claim states it.

    Attributes
    ----------
    value
        The figure, in ``unit``.
    unit
        One of :data:`UNITS`.
    qualifier
        One of :data:`QUALIFIERS`.
    text
        The figure as written, with its qualifier and unit ("more than 1,000 sq km").
    precision
        The rounding step the figure implies, in ``unit``: the place value of the last
        non-zero digit of the figure as written (of the last digit written for decimals),
        except that a figure of exactly two significant digits ending in 5 is read as
        rounded to a half step, five times that place value. "1,000" → 1000, "385" → 1,
        "30" → 10, "50km" → 10, "15" → 5, "4,500" → 500, "1,700" → 100, "2.5" → 0.5,
        "2.4" → 0.1, "three" → 1. A figure with precision ``p`` stands for the true value
        rounded to a multiple of ``p``, so for values within ``p / 2`` of it; the verifier
        derives its tolerances from this.
    """

    value: float
    unit: str
    qualifier: str = "exact"
    text: str = ""
    precision: float = 1.0

    def __post_init__(self) -> None:
        _check("unit", self.unit, UNITS)
        _check("qualifier", self.qualifier, QUALIFIERS)
        if not self.precision > 0:
            raise InvalidClaim("precision", self.precision, "a positive number")

    @property
    def dimension(self) -> str:
        """``"area"``, ``"length"`` or ``"count"``."""
        return UNIT_DIMENSIONS[self.unit]

    def to(self, unit: str) -> Quantity:
        """The same quantity in another unit of its dimension (value and precision converted;
        qualifier and text kept).

        Parameters
        ----------
        unit
            Target unit (km2 ↔ sq_mi, km ↔ mi).

        Returns
        -------
        Quantity
        """
        return Quantity(
            value=convert_value(self.value, self.unit, unit),
            unit=unit,
            qualifier=self.qualifier,
            text=self.text,
            precision=convert_value(self.precision, self.unit, unit),
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain data: ``value, unit, qualifier, text, precision``."""
        return {
            "value": self.value,
            "unit": self.unit,
            "qualifier": self.qualifier,
            "text": self.text,
            "precision": self.precision,
        }


@dataclass(frozen=True, slots=True)
class Window:
    """A period of UTC calendar days ``[start, end]``.

    For change kinds (:data:`CHANGE_KINDS`) the window compares the map on ``start`` with the
    map on ``end`` (so a change "on D" is ``[D - 1, D]``); for the other kinds the claim is
    about the state on every day of it (``start == end`` for a single day).

    Attributes
    ----------
    start, end
        First and last day, ``start <= end``.
    text
        The phrase it was read from ("in the last week"); empty when none was written.
    rule
        How it was resolved ("last week = the 7 days ending on the publication date
        (2022-09-10)").
    """

    start: date
    end: date
    text: str = ""
    rule: str = ""

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise InvalidClaim("window", f"{self.start}..{self.end}", "a start on or before the end")

    @property
    def days(self) -> int:
        """``end - start`` in days (0 for a single day)."""
        return (self.end - self.start).days

    def as_dict(self) -> dict[str, Any]:
        """Plain data: ``from, to`` (ISO dates), ``text, rule``."""
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "text": self.text,
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True)
class Conversion:
    """What a ``unit_conversion`` claim restates.

    Attributes
    ----------
    index
        Position of the restated claim in the same list.
    quantity
        The restated claim's quantity (the figure in the original unit).
    """

    index: int
    quantity: Quantity

    def as_dict(self) -> dict[str, Any]:
        """Plain data: ``index`` and ``quantity`` (:meth:`Quantity.as_dict`)."""
        return {"index": self.index, "quantity": self.quantity.as_dict()}


@dataclass(slots=True)
class Claim:
    """A checkable statement (see the module docstring for the vocabulary).

    Attributes
    ----------
    kind
        One of :data:`KINDS`.
    text
        The sentence, exactly as in the source text.
    span
        ``(start, end)`` character offsets of ``text`` in the source text
        (``source[start:end] == text``); None for claims given as data.
    claimant
        Who says it, or None when the text says it directly.
    stance
        One of :data:`STANCES`.
    subject
        Side, action, place, region... (JSON-ready; keys in the module docstring).
    quantity
        The figure, or None.
    window
        The period the claim is about, or None when the text gives none and none can be
        inferred.
    reference
        For ``rank``: the period of the event the ranking runs from ("since ... in March"
        → March 2022); None otherwise.
    converts
        For ``unit_conversion``: the claim restated and its quantity.
    refers_to
        Index of the claim this one builds on: the restated claim (``unit_conversion``) or
        the claim whose movement is ranked (``rank``).
    reason
        For ``other``: why control maps cannot measure it.
    published
        Publication date of the text (the anchor of relative dates), or None.
    responses
        What others in the same text say of it: ``{"claimant", "stance", "text"}`` each (a
        denial gives stance ``disputes``, with the disputer as claimant).
    """

    kind: str
    text: str = ""
    span: tuple[int, int] | None = None
    claimant: str | None = None
    stance: str = "claims"
    subject: dict[str, Any] = field(default_factory=dict)
    quantity: Quantity | None = None
    window: Window | None = None
    reference: Window | None = None
    converts: Conversion | None = None
    refers_to: int | None = None
    reason: str | None = None
    published: date | None = None
    responses: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        _check("kind", self.kind, KINDS)
        _check("stance", self.stance, STANCES)
        side = self.subject.get("side")
        if side is not None:
            _check("side", side, SIDES)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready plain data.

        Returns
        -------
        dict
            ``kind, text, span, claimant, stance, quantity`` (the value), ``unit, qualifier,
            precision, quantity_text, window_from, window_to, window_text, window_rule,
            reference_from, reference_to, reference_text, reference_rule, subject, converts``
            (:meth:`Conversion.as_dict` or None), ``refers_to, reason, published, responses``;
            dates as ISO strings, absent values as None.
        """
        q, w, r = self.quantity, self.window, self.reference
        return {
            "kind": self.kind,
            "text": self.text,
            "span": list(self.span) if self.span is not None else None,
            "claimant": self.claimant,
            "stance": self.stance,
            "quantity": q.value if q else None,
            "unit": q.unit if q else None,
            "qualifier": q.qualifier if q else None,
            "precision": q.precision if q else None,
            "quantity_text": q.text if q else None,
            "window_from": w.start.isoformat() if w else None,
            "window_to": w.end.isoformat() if w else None,
            "window_text": w.text if w else None,
            "window_rule": w.rule if w else None,
            "reference_from": r.start.isoformat() if r else None,
            "reference_to": r.end.isoformat() if r else None,
            "reference_text": r.text if r else None,
            "reference_rule": r.rule if r else None,
            "subject": dict(self.subject),
            "converts": self.converts.as_dict() if self.converts else None,
            "refers_to": self.refers_to,
            "reason": self.reason,
            "published": self.published.isoformat() if self.published else None,
            "responses": [dict(r) for r in self.responses],
        }
