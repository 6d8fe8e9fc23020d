"""Claims carried by figures: area_change, area_held, share, settlement_count, distance_to_place, advance_depth,
unit_conversion.

Rules
-----
Stocks and shares
    An area with a verb of holding ("controls", "holds", "occupies") and no nearer verb of
    change is ``area_held`` (a stock on a date: "Russia controls about 113,000 km²"); a
    percentage or fraction "of Ukraine" (of the country, of its territory, of an oblast, of
    a region of Russia) is ``share``: held, or gained over a window when a verb of change
    governs it ("seized 4,336 km², about 0.72 % of the country": ``subject["change"]``);
    "N percent each of A and B" is one share claim per oblast; "the same share as on D" claims
    the share stated before again for D.
Distances
    A length before "from/of/outside <place>" is a ``distance_to_place``; before "from the
    city" (town, village) it is the distance to the place the text named last.
Figures
    A figure in brackets right after another of the same dimension ("(385 sq miles)") is a
    ``unit_conversion`` of it, made by the same claimant; its qualifier, when it has none of
    its own, is the restated figure's ("more than 1,000 sq km (385 sq miles)"). How figures are read:
    :mod:`frontwatch.claims.extract.figures`.
"""

from __future__ import annotations

import re
from typing import Any

from frontwatch.claims.extract.figures import _Figure, _figures
from frontwatch.claims.extract.lexicon import _ADVANCE_VERB, _CHANGE_VERB, _HOLD_VERB, _SETTLEMENT_NOUNS, _VERB_ACTION
from frontwatch.claims.extract.places import _oblast, _Place, _region, _unknown_place
from frontwatch.claims.extract.sentence import (
    _claim,
    _Context,
    _Found,
    _place_before,
    _Sentence,
    _side_at,
    _window_for,
)
from frontwatch.claims.model import UNIT_DIMENSIONS, Claim, Conversion, Quantity, Window


def resolve(sent: _Sentence, ctx: _Context, found: _Found) -> list[Claim]:
    """Claims carried by the sentence's figures; the figures left over go to ``found.left``."""
    claims, found.left = _quantity_claims(sent, ctx, _figures(sent.s))
    return claims + _same_as(sent, ctx, claims)


_SAME_AS = re.compile(
    r"\b(?:the\s+)?same\s+(?P<what>share|proportion|percentage|level|figure|area)\s+as\s+(?:it\s+was\s+)?"
    r"(?:on|in|at|back\s+in|by)?\s*(?=\S)",
    re.IGNORECASE,
)


def _same_as(sent: _Sentence, ctx: _Context, claims: list[Claim]) -> list[Claim]:
    """ "19 percent occupied, the same share as on 3 October 2022": the last share or area
    held stated before, claimed again for the date the phrase names."""
    out = []
    for m in _SAME_AS.finditer(sent.s):
        time = next((t for t in sent.times if m.start() < t.start <= m.end() + 3 and t is not sent.statement), None)
        kinds = ("share",) if m.group("what").lower() in ("share", "proportion", "percentage") else (
            "share", "area_held")  # fmt: skip
        prior = next((c for c in reversed([*ctx.claims, *claims]) if c.kind in kinds and c.quantity), None)
        if time is None or prior is None:
            continue
        w = time.window
        day = w.end
        window = Window(day, day, w.text, w.rule + f"; the state on {day.isoformat()}")
        out.append(_claim(prior.kind, sent, ctx, subject=dict(prior.subject), quantity=prior.quantity,
                          window=window, at=m.span()))  # fmt: skip
    return out


def _quantity_claims(sent: _Sentence, ctx: _Context, figures: list[_Figure]) -> tuple[list[Claim], list[_Figure]]:
    """Claims carried by figures with a unit or a settlement count; and the figures left
    over (counts of other things, lengths tied to nothing)."""
    s = sent.s
    out: list[Claim] = []
    left: list[_Figure] = []
    made: list[tuple[_Figure, int]] = []  # figure and its claim's index in ctx.claims + out
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
                        kind="unit_conversion", text=sent.text, span=sent.span, claimant=restated.claimant,
                        stance=restated.stance, subject=dict(restated.subject), quantity=q,
                        window=restated.window, converts=Conversion(index, pf.quantity),
                        refers_to=index, published=ctx.published,
                    )
                )  # fmt: skip
                continue
        kind = None
        subject: dict[str, Any] = {}
        region = _region(s, at=f.end)
        verb = _nearest_verb(s, f.start)
        hold = _nearest(_HOLD_VERB, s, f.start)
        if hold is not None and re.search(r"\b(?:to|under|of|in)\s+(?:[\w'-]+\s+)?$", s[: hold.start()]):
            hold = None  # "returned to Ukrainian control", "under Russian control": the noun
        if hold is not None and verb is not None and 0 <= hold.start() - verb.end() <= 12:
            hold = None  # "regained control of", "took full control of": a change, not a stock
        if q.dimension == "share" and not f.in_parens and (each := _each_of(s, f.end)):
            # "73 percent each of Zaporizhzhia and Kherson": the figure holds for each region
            side = (_side_at(sent, hold.start()) if hold is not None else _occupation_side(s)
                    or _side_at(sent, f.start))  # fmt: skip
            for one in each:
                out.append(_claim("share", sent, ctx, subject={"side": side, "action": "hold", **one}, quantity=q,
                                  at=(f.start, f.end)))  # fmt: skip
            made.append((f, len(ctx.claims) + len(out) - 1))
            continue
        appos = _apposition(s, f, made, ctx.claims, out) if q.dimension == "share" else None
        of_whole = _share_of(s, f.end) if appos is not None else None
        if appos is not None and of_whole is not None:
            # "seized 4,336 km² in 2025, about 0.72 percent of the country": the area restated as a share
            subject = {**{k: v for k, v in appos.subject.items() if k not in ("region", "oblast")},
                       **of_whole, "change": True}  # fmt: skip
            out.append(_claim("share", sent, ctx, subject=subject, quantity=q, window=appos.window,
                              at=(f.start, f.end)))  # fmt: skip
            made.append((f, len(ctx.claims) + len(out) - 1))
            continue
        if q.dimension == "share":
            whole = _share_of(s, f.end)
            if whole == {} and _GENERIC_WHOLE.match(s, f.end) and (region.get("oblast") or region.get("oblasts")):
                # "The entire Luhansk region has been liberated ... 100% of the territory": the region named
                whole = region
            if whole is None and _SHARE_CONTEXT.search(s):
                # "bringing the occupied share to 19 percent", "in Zaporizhzhia it reached 74.8 percent"
                bare = _named_oblast(s, f.start)
                whole = bare or (region if region.get("oblast") or region.get("country") else {})
            if whole is None:
                left.append(f)
                continue
            kind = "share"
            changes = (verb is not None and verb.start() < f.start and (hold is None or _closer(verb, hold, f.start))
                       and not any(verb.end() <= g.start < f.start for g in figures)  # the verb governs another figure
                       and not _LEVEL_BEFORE.search(s[: f.start])  # "bringing the share to 19 %": a level
                       and not _STATE_AFTER.match(s, f.end))  # "100% of the territory was now in Russian hands"  # fmt: skip
            pos = verb.start() if changes and verb else hold.start() if hold else None
            side = _side_at(sent, pos) if pos is not None else _occupation_side(s) or _side_at(sent, f.start)
            action: str | None = _VERB_ACTION[verb.group(1).lower()] if changes and verb else "hold"
            subject = {"side": side, "action": action, **whole}
            if changes:  # "seized 4,336 km², about 0.72 % of the country": a share gained over a window
                subject["change"] = True
        elif q.dimension == "area" and _STOCK_LEVEL.search(s[: f.start]):
            kind = "area_held"  # "the area under Ukrainian control has shrunk to about 140 km²": a level
            subject = {"side": _occupation_side(s) or _side_at(sent, f.start), "action": "hold", **region}
        elif q.dimension == "area" and hold is not None and (verb is None or _closer(hold, verb, f.start)):
            kind = "area_held"
            subject = {"side": _side_at(sent, hold.start()), "action": "hold", **(_share_of(s, f.end) or region)}
        elif q.dimension == "area" and verb is None and _occupation_side(s):
            # "the occupied area grew by 7,463 km²": a change of the occupied area
            kind = "area_change"
            subject = {"side": _occupation_side(s), "action": "gain", **region}
        elif q.dimension == "area":
            kind = "area_change"
            action = _VERB_ACTION.get(verb.group(1).lower()) if verb else None
            pos = verb.start() if verb else f.start
            subject = {"side": _side_at(sent, pos), "action": action, **region}
        elif q.dimension == "length":
            place = _distance_place(sent, f, ctx)
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
        extra: dict[str, Any] = {}
        if subject.get("change"):
            extra["window"] = _window_for("area_change", sent, ctx, (f.start, f.end))
        claim = _claim(kind, sent, ctx, subject=subject, quantity=q, at=(f.start, f.end), **extra)
        if _COMPARISON_BEFORE.search(s, 0, f.start):
            ctx.comparisons.add(len(ctx.claims) + len(out))
        made.append((f, len(ctx.claims) + len(out)))
        out.append(claim)
    return out, left


_APPOSITION = re.compile(r"^[^.;,()]{0,60},\s*(?:or\s+|that\s+is\s+|i\.e\.\s+)?$")


def _apposition(s: str, f: _Figure, made: list[tuple[_Figure, int]], before: list[Claim],
                out: list[Claim]) -> Claim | None:  # fmt: skip
    """The area change a share figure restates ("4,336 km² of Ukrainian territory in 2025,
    about 0.72 percent of the country"): the last area figure of the sentence, with only a
    comma (and "or") between its words and the share."""
    areas = [(pf, i) for pf, i in made if pf.quantity.dimension == "area" and pf.end <= f.start]
    if not areas:
        return None
    pf, index = areas[-1]
    claim = before[index] if index < len(before) else out[index - len(before)]
    if claim.kind != "area_change" or not _APPOSITION.match(s[pf.end : f.start]):
        return None
    return claim


def _nearest(pattern: re.Pattern[str], s: str, pos: int) -> re.Match[str] | None:
    """The match of a pattern nearest before a position, else the first after it."""
    found = list(pattern.finditer(s))
    before = [v for v in found if v.start() < pos]
    return before[-1] if before else (found[0] if found else None)


def _closer(a: re.Match[str], b: re.Match[str], pos: int) -> bool:
    """Whether match ``a`` is nearer to ``pos`` than ``b`` (a match before it counting first)."""

    def gap(m):
        return (0, pos - m.end()) if m.start() < pos else (1, m.start() - pos)

    return gap(a) < gap(b)


_WHOLE = re.compile(
    r"^\s*(?:of\s+)?(?:all\s+of\s+)?(?:(?:the\s+)?(?:territory|land)\s+of\s+Ukraine|Ukraine(?:'s)?(?:\s+(?:territory|land))?"
    r"|Ukrainian\s+(?:territory|land)|the\s+country(?:'s\s+territory)?|(?:its|our|their|the)\s+(?:whole\s+|entire\s+)?"
    r"(?:territory|country|land))\b",
    re.IGNORECASE,
)
_STATE_AFTER = re.compile(
    r"\s*of\s+[^,.;]{1,40}?\s+(?:is|was|are|were|remains?|remained)\s+(?:now\s+|still\s+|already\s+|fully\s+)*"
    r"(?:in\s+(?:Russian|Ukrainian|their|its|our|enemy)\s+hands|under\b|occupied\b|controlled\b|held\b)"
)
"""A share the sentence says *is* held ("100% of the territory was now in Russian hands"): a
level on the date, whatever verb of change comes before it."""
_GENERIC_WHOLE = re.compile(r"\s*of\s+(?:the|its)\s+(?:whole\s+|entire\s+)?(?:territory|land|region)\b(?!\s+of\b)")
""""of the territory" with no name: the region the sentence names, if it names one."""
_OF_REGION = re.compile(
    r"^\s*(?:of\s+)?(?:the\s+)?(?:(?P<ru>Russia's|Russian)\s+)?(?P<name>[A-Z][\w'-]+)"
    r"(?:\s+(?:region|oblast|province|area))?\b"
)


_LEVEL_BEFORE = re.compile(
    r"\b(?:to|at|reached|reaching|reaches|stands\s+at|stood\s+at)\s+(?:about\s+|some\s+|almost\s+|nearly\s+)?$"
)
_COMPARISON_BEFORE = re.compile(
    r"\b(?:(?:up|down)\s+from|from|than|compared\s+(?:with|to)|against|versus|after)\s+(?:(?:the|a|an)\s+)?$", re.IGNORECASE
)
_STOCK_LEVEL = re.compile(
    r"\b(?:shrunk|shrank|shrinks|fell|fallen|dropped|grew|grown|rose|risen|increased|decreased|reduced|expanded|"
    r"stands|stood)\s+(?:to|at)\s+(?:about\s+|some\s+|almost\s+|nearly\s+|just\s+)?$"
)
_SHARE_CONTEXT = re.compile(
    r"\b(?i:occupied|occupation|under\s+(?:Russian|Ukrainian|its|their)\s+control|controlled|share|proportion)\b"
)
_BARE_NAME = re.compile(r"\b(?:in|of|for)\s+(?P<name>[A-Z][\w'-]+)")


_OCCUPATION = re.compile(
    r"\b(?i:occupied|occupation|(?P<ru>Russian|Russia's)[- ](?:held|controlled|control|gains?)|under\s+(?P<ru2>Russian)\s+"
    r"control|under\s+(?P<ua>Ukrainian)\s+control|(?P<ua2>Ukrainian)[- ](?:held|controlled))\b"
)


def _occupation_side(s: str) -> str | None:
    """The side a share or stock is of when the sentence names it by occupation or control
    ("the occupied share", "under Russian control": RU; "under Ukrainian control": UA)."""
    m = _OCCUPATION.search(s)
    if not m:
        return None
    return "UA" if (m.group("ua") or m.group("ua2")) else "RU"


def _named_oblast(s: str, at: int) -> dict[str, Any] | None:
    """The oblast named nearest before a position, bare or as a region, within the clause
    ("..., in Zaporizhzhia it reached 74.8 %")."""
    clause = max(s.rfind(",", 0, at), s.rfind(";", 0, at), 0)
    best = None
    for m in _BARE_NAME.finditer(s, clause, at):
        oblast = _oblast(m.group("name"))
        if oblast:
            best = {"region": m.group("name"), "oblast": oblast}
    return best


def _share_of(s: str, at: int) -> dict[str, Any] | None:
    """What a share or area after position ``at`` is of: ``{}`` for all of Ukraine, the
    region (and oblast) for a region, None for anything else."""
    if _WHOLE.match(s[at:]):
        return {}
    if re.match(r"\s*of\s+(?:Russian\s+(?:territory|soil|land)|Russia)\b", s[at:]):
        return {"region": "Russia", "country": "RU"}
    m = _OF_REGION.match(s[at:])
    if not m or not re.match(r"\s*of\b", s[at:]):
        return None
    name = m.group("name")
    oblast = _oblast(name) if not m.group("ru") else None
    if oblast:
        return {"region": name, "oblast": oblast}
    if m.group("ru") or name.lower() in ("kursk", "belgorod", "bryansk"):
        return {"region": name, "country": "RU"}
    return None


_EACH_OF = re.compile(r"\s*each\s+of\s+(?:the\s+)?")
_EACH_NAME = re.compile(
    r"(?P<name>[A-Z][\w'-]+)(?:\s+(?:regions?|oblasts?|provinces?))?(?P<join>\s*,\s*(?:and\s+)?|\s+and\s+)?"
)


def _each_of(s: str, at: int) -> list[dict[str, Any]]:
    """The regions of "N percent each of A and B" (after position ``at``), one subject each;
    empty unless every name listed is an oblast."""
    m = _EACH_OF.match(s, at)
    if not m:
        return []
    out, pos = [], m.end()
    while (n := _EACH_NAME.match(s, pos)) is not None:
        oblast = _oblast(n.group("name"))
        if not oblast:
            return []
        out.append({"region": n.group("name"), "oblast": oblast})
        if not n.group("join"):
            break
        pos = n.end()
    return out if len(out) > 1 else []


_ADJECTIVE_AFTER = re.compile(
    r"\s+(?:area|areas|territory|territories|share|land|lands|regions?|parts?|zone|zones|city|cities|towns?|villages?)\b"
)


def _nearest_verb(s: str, pos: int) -> re.Match[str] | None:
    """The change verb nearest to a position (before it preferred); "occupied" before a noun
    ("the occupied area") is an adjective, not a verb."""
    verbs = [
        v
        for v in _CHANGE_VERB.finditer(s)
        if not (v.group(1).lower() in ("occupied", "liberated", "captured") and _ADJECTIVE_AFTER.match(s, v.end()))
    ]
    before = [v for v in verbs if v.start() < pos]
    if before:
        return before[-1]
    return verbs[0] if verbs else None


_DISTANCE_AFTER = re.compile(
    r"^\s*(?:\([^)]*\)\s*)?(?:away\s+)?(?:from|of|outside|short\s+of)\s+"
    r"(?:the\s+(?:[\w-]+\s+)?(?:town|city|village|settlement|port|hub|capital)\s+of\s+)?"
    r"(?:the\s+(?:centre|center|outskirts)\s+of\s+)?(?=[A-Z])",
)


_DISTANCE_BACK = re.compile(
    r"^\s*(?:\([^)]*\)\s*)?(?:away\s+)?(?:from|of|outside|short\s+of)\s+the\s+(?:town|city|village|settlement)\b"
    r"(?!\s+of\b)"
)
""""3 km from the city": the place the text named last (in the sentence before the figure, else
before the sentence)."""


def _distance_place(sent: _Sentence, f: _Figure, ctx: _Context) -> _Place | None:
    m = _DISTANCE_AFTER.match(sent.s[f.end :])
    if not m:
        if _DISTANCE_BACK.match(sent.s[f.end :]):
            return _place_before(sent, f.start, ctx, known_only=True)[0]
        return None
    at = f.end + m.end()
    return next((p for p in sent.places if p.start == at), None) or _unknown_place(sent.s, at)
