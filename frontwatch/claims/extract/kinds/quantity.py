"""Claims carried by figures: area_change, settlement_count, distance_to_place, advance_depth, unit_conversion.

Rules
-----
Figures
    A figure in brackets right after another of the same dimension ("(385 sq miles)") is a
    ``unit_conversion`` of it; its qualifier, when it has none of its own, is the restated
    figure's ("more than 1,000 sq km (385 sq miles)"). How figures are read:
    :mod:`frontwatch.claims.extract.figures`.
"""

from __future__ import annotations

import re
from typing import Any

from frontwatch.claims.extract.figures import _Figure, _figures
from frontwatch.claims.extract.lexicon import _ADVANCE_VERB, _CHANGE_VERB, _HOLD_VERB, _SETTLEMENT_NOUNS, _VERB_ACTION
from frontwatch.claims.extract.places import _Place, _region, _unknown_place
from frontwatch.claims.extract.sentence import _claim, _Context, _Found, _Sentence, _side_at
from frontwatch.claims.model import UNIT_DIMENSIONS, Claim, Conversion, Quantity


def resolve(sent: _Sentence, ctx: _Context, found: _Found) -> list[Claim]:
    """Claims carried by the sentence's figures; the figures left over go to ``found.left``."""
    claims, found.left = _quantity_claims(sent, ctx, _figures(sent.s))
    return claims


def _quantity_claims(
    sent: _Sentence, ctx: _Context, figures: list[_Figure]
) -> tuple[list[Claim], list[_Figure]]:
    """Claims carried by figures with a unit or a settlement count; and the figures left
    over (counts of other things, lengths tied to nothing)."""
    s = sent.s
    out: list[Claim] = []
    left: list[_Figure] = []
    made: list[tuple[_Figure, int]] = []  # figure and its claim's index in ctx.claims + out
    region = _region(s)
    for f in figures:
        q = f.quantity
        if f.in_parens:
            prior = [(pf, i) for pf, i in made if UNIT_DIMENSIONS[pf.quantity.unit] == q.dimension]
            if prior:
                pf, index = prior[-1]
                restated = ctx.claims[index] if index < len(ctx.claims) else out[index - len(ctx.claims)]
                if not f.own_qualifier and pf.quantity.qualifier != "exact":
                    q = Quantity(q.value, q.unit, pf.quantity.qualifier, q.text, q.precision)
                out.append(
                    Claim(
                        kind="unit_conversion", text=sent.text, span=sent.span, claimant=None,
                        stance="claims", subject=dict(restated.subject), quantity=q,
                        window=restated.window, converts=Conversion(index, pf.quantity),
                        refers_to=index, published=ctx.published,
                    )
                )  # fmt: skip
                continue
        kind = None
        subject: dict[str, Any] = {}
        verb = _nearest_verb(s, f.start)
        if q.dimension == "area":
            if verb is None and _HOLD_VERB.search(s):
                left.append(f)
                continue
            kind = "area_change"
            action = _VERB_ACTION.get(verb.group(1).lower()) if verb else None
            pos = verb.start() if verb else f.start
            subject = {"side": _side_at(sent, pos), "action": action, **region}
        elif q.dimension == "length":
            place = _distance_place(sent, f)
            advance = _ADVANCE_VERB.search(s)
            if place is not None:
                kind = "distance_to_place"
                subject = {"side": _side_at(sent, f.start), **place.subject(), **region}
            elif advance is not None:
                kind = "advance_depth"
                subject = {"side": _side_at(sent, advance.start()), "action": "advance", **region}
            else:
                left.append(f)
                continue
        elif f.noun in _SETTLEMENT_NOUNS and verb is not None:
            kind = "settlement_count"
            subject = {
                "side": _side_at(sent, verb.start()),
                "action": _VERB_ACTION[verb.group(1).lower()],
                "of": f.noun,
                **region,
            }
        else:
            left.append(f)
            continue
        claim = _claim(kind, sent, ctx, subject=subject, quantity=q, at=(f.start, f.end))
        made.append((f, len(ctx.claims) + len(out)))
        out.append(claim)
    return out, left


def _nearest_verb(s: str, pos: int) -> re.Match[str] | None:
    """The change verb nearest to a position (before it preferred)."""
    verbs = list(_CHANGE_VERB.finditer(s))
    before = [v for v in verbs if v.start() < pos]
    if before:
        return before[-1]
    return verbs[0] if verbs else None


_DISTANCE_AFTER = re.compile(
    r"^\s*(?:\([^)]*\)\s*)?(?:away\s+)?(?:from|of|outside|short\s+of)\s+"
    r"(?:the\s+(?:[\w-]+\s+)?(?:town|city|village|settlement|port|hub|capital)\s+of\s+)?"
    r"(?:the\s+(?:centre|center|outskirts)\s+of\s+)?(?=[A-Z])",
)


def _distance_place(sent: _Sentence, f: _Figure) -> _Place | None:
    m = _DISTANCE_AFTER.match(sent.s[f.end :])
    if not m:
        return None
    at = f.end + m.end()
    return next((p for p in sent.places if p.start == at), None) or _unknown_place(sent.s, at)
