"""Claims given as plain data: :func:`claims_from_structured` and the parsers of its fields."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from frontwatch.claims.extract.figures import _UNIT_PATTERNS
from frontwatch.claims.extract.lexicon import QUALIFIER_WORDS
from frontwatch.claims.extract.times import _as_date, resolve_window
from frontwatch.claims.model import (
    KINDS,
    QUALIFIERS,
    STANCES,
    UNITS,
    Claim,
    Conversion,
    InvalidClaim,
    Quantity,
    Window,
    precision_of,
)

_UNIT_WORDS = re.compile("|".join(f"(?P<u_{name}>{pattern})" for name, pattern in _UNIT_PATTERNS.items()), re.IGNORECASE)
_STANCE_WORDS = {"claim": "claims", "claimed": "claims", "disputed": "disputes", "dispute": "disputes",
                 "verify": "verified", "verifies": "verified"}  # fmt: skip
_SIDE_NAMES = {"ua": "UA", "ukraine": "UA", "ukrainian": "UA", "kyiv": "UA",
               "ru": "RU", "russia": "RU", "russian": "RU", "moscow": "RU"}  # fmt: skip


def _unit(value: Any) -> str:
    text = str(value).strip()
    if text in UNITS:
        return text
    if text.lower() in {"", "n", "number", "places", "settlements"}:
        return "count"
    m = _UNIT_WORDS.fullmatch(text)
    if not m:
        raise InvalidClaim("unit", value, "one of " + ", ".join(UNITS) + " (or km², sq km, miles...)")
    return next(name for name in _UNIT_PATTERNS if m.group(f"u_{name}"))


def _qualifier(value: Any) -> str:
    text = str(value or "exact").strip()
    if text in QUALIFIERS:
        return text
    text = text.lower().replace("_", " ")
    if text in QUALIFIER_WORDS:
        return QUALIFIER_WORDS[text]
    raise InvalidClaim("qualifier", value, "one of " + ", ".join(QUALIFIERS) + " (or 'more than', 'about'...)")


def _quantity(value: Any, item: Mapping[str, Any]) -> Quantity | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return _quantity(value.get("value"), {**value, "quantity_text": value.get("text")})
    try:
        number = float(value.replace(",", "") if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise InvalidClaim("quantity", value, "a number") from None
    unit = _unit(item.get("unit") or "count")
    qualifier = _qualifier(item.get("qualifier"))
    precision = item.get("precision")
    text = item.get("quantity_text") or f"{value} {unit}"
    return Quantity(number, unit, qualifier, text, float(precision) if precision else precision_of(value))


def _date_field(name: str, value: Any) -> date:
    if isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidClaim(name, value, "an ISO date YYYY-MM-DD") from None


def _window_field(item: Mapping[str, Any], prefix: str, published: date) -> Window | None:
    start, end = item.get(f"{prefix}_from"), item.get(f"{prefix}_to")
    text = item.get(f"{prefix}_text") or ""
    rule = item.get(f"{prefix}_rule")
    phrase = item.get(prefix)
    if start is None and end is None:
        if isinstance(phrase, str) and phrase.strip():
            w = resolve_window(phrase, published=published)
            if w is None:
                raise InvalidClaim(prefix, phrase, "a time phrase such as 'in the last week' or 'on 8 September'")
            return w
        if isinstance(phrase, Mapping):
            return _window_field(
                {f"{prefix}_{k}": v for k, v in phrase.items() if k in {"from", "to", "text", "rule"}},
                prefix, published,
            )  # fmt: skip
        return None
    first = _date_field(f"{prefix}_from", start if start is not None else end)
    last = _date_field(f"{prefix}_to", end) if end is not None else published
    if rule is None:
        rule = "given as data" if end is not None else f"given as data; up to the publication date ({published})"
    return Window(first, last, text, rule)


def claims_from_structured(items: Sequence[Mapping[str, Any]], *, published: date) -> list[Claim]:
    """Claims given as plain data (JSON or YAML), for checks that need no text.

    Parameters
    ----------
    items
        One mapping per claim with the keys of :meth:`Claim.as_dict
        <frontwatch.claims.model.Claim.as_dict>` (all optional but ``kind``): ``quantity``
        as a number (with ``unit``, ``qualifier``, ``precision``) or as a mapping of
        :meth:`Quantity.as_dict <frontwatch.claims.model.Quantity.as_dict>`; dates as ISO
        strings (``window_from``, ``window_to``; ``window_to`` defaults to ``published``) or
        a time phrase in ``window`` ("in the last week"); ``converts`` as a mapping or as the
        index of an earlier item. Units and qualifiers may be written out ("sq km",
        "more than"); sides may be "Ukraine"/"Russia". A missing ``precision`` follows
        :func:`~frontwatch.claims.model.precision_of`.
    published
        Publication date: the anchor of time phrases and the default ``published``.

    Returns
    -------
    list of Claim

    Raises
    ------
    InvalidClaim
        When a value is not allowed; the message names it and what is allowed.
    """
    published = _as_date(published)
    claims: list[Claim] = []
    for i, item in enumerate(items):
        try:
            claims.append(_structured(i, item, claims, published))
        except InvalidClaim as exc:
            exc.args = (f"claim {i} (counted from 0): {exc}",)
            raise
    return claims


DATED_STATES = frozenset({"place_control", "distance_to_place", "share", "area_held"})
"""Kinds that state something on a date: given as data without one (and not extracted from a
text: no ``span``), they are about the publication date."""


def _structured(i: int, item: Mapping[str, Any], claims: list[Claim], published: date) -> Claim:
    """One claim of :func:`claims_from_structured` (``claims``: those before it)."""
    if not isinstance(item, Mapping):
        raise InvalidClaim("item", item, "a mapping of claim fields")
    if item.get("kind") not in KINDS:
        raise InvalidClaim("kind", item.get("kind"), "one of " + ", ".join(KINDS))
    if not isinstance(item.get("subject") or {}, Mapping):
        raise InvalidClaim("subject", item["subject"], 'a mapping such as {"side": "UA", "place": "Kupiansk"}')
    subject = dict(item.get("subject") or {})
    if subject.get("side") is not None:
        side = _SIDE_NAMES.get(str(subject["side"]).strip().lower())
        if side is None:
            raise InvalidClaim("side", subject["side"], "UA or RU (or Ukraine, Russia)")
        subject["side"] = side
    stance = str(item.get("stance") or "claims")
    stance = _STANCE_WORDS.get(stance.lower(), stance.lower())
    if stance not in STANCES:
        raise InvalidClaim("stance", item.get("stance"), "one of " + ", ".join(STANCES))
    converts = item.get("converts")
    conversion = None
    if isinstance(converts, Mapping):
        restated = _quantity(converts.get("quantity"), {})
        if restated is None:  # (#12: was a KeyError, or a Conversion without its quantity)
            raise InvalidClaim("converts", converts, "an object with the 'index' and 'quantity' it restates")
        conversion = Conversion(int(converts["index"]), restated)
    elif converts is not None:
        index = int(converts)
        restated = claims[index].quantity if 0 <= index < len(claims) else None
        if restated is None:
            raise InvalidClaim("converts", converts, "the index of an earlier claim with a quantity")
        conversion = Conversion(index, restated)
    span = item.get("span")
    window = _window_field(item, "window", published)
    if window is None and item["kind"] in DATED_STATES and not item.get("span"):
        # a state with no date is a state on the publication date (what --published says)
        window = Window(published, published, "", f"no window given: the publication date ({published})")
    return Claim(
        kind=str(item["kind"]),
        text=str(item.get("text") or ""),
        span=(int(span[0]), int(span[1])) if span else None,
        claimant=item.get("claimant"),
        stance=stance,
        subject=subject,
        quantity=_quantity(item.get("quantity"), item),
        window=window,
        reference=_window_field(item, "reference", published),
        converts=conversion,
        refers_to=item.get("refers_to", conversion.index if conversion else None),
        reason=item.get("reason"),
        responses=[dict(r) for r in item.get("responses") or [] if isinstance(r, Mapping)],
        published=_date_field("published", item["published"]) if item.get("published") else published,
    )
