"""Rule-based extraction of checkable claims from English news text (the package overview and the driver).

:func:`extract_claims` reads a text sentence by sentence with regular expressions and small
word lists (no language model), and returns :class:`~frontwatch.claims.model.Claim` objects
whose every field can be traced to words of the sentence and a rule written in this package.
:func:`claims_from_structured` builds the same objects from plain data.

For each sentence, the driver here folds the text (:mod:`~frontwatch.claims.extract.text`),
finds who speaks (:mod:`~frontwatch.claims.extract.speakers`), its time phrases
(:mod:`~frontwatch.claims.extract.times`), sides and places
(:mod:`~frontwatch.claims.extract.places`), then runs the claim-kind resolvers of
:data:`CLAIM_RESOLVERS` in order (:mod:`~frontwatch.claims.extract.kinds`); they build their
claims with :func:`~frontwatch.claims.extract.sentence._claim`.

Modules
-------
``lexicon``
    Word lists and verb tables.
``text``
    Folding, abbreviations, :func:`sentence_spans`.
``times``
    Time phrases, dates, windows, :func:`resolve_window`.
``figures``
    Numbers, units, qualifiers.
``places``
    Sides, places, regions, oblasts.
``speakers``
    Claimants and stance, the date of a statement.
``sentence``
    The records of reading (context, speaker, sentence), the window of a claim, the claim builder.
``kinds``
    One module per family of claim kinds: ``quantity``, ``control``, ``rank``, ``other``.
``structured``
    :func:`claims_from_structured` and its field parsers.

Rules
-----
Each rule is written in the docstring of the module that applies it.

Sentences
    :mod:`~frontwatch.claims.extract.text`. And here: a sentence repeating an earlier one
    word for word (a headline repeated in the lede) yields no claims again.
Figures
    :mod:`~frontwatch.claims.extract.figures`; unit conversions:
    :mod:`~frontwatch.claims.extract.kinds.quantity`.
Claimants and stance
    :mod:`~frontwatch.claims.extract.speakers`.
Windows
    :mod:`~frontwatch.claims.extract.times` (what a time phrase names) and
    :mod:`~frontwatch.claims.extract.sentence` (which phrase a claim takes; windows without one).
Sides, places
    :mod:`~frontwatch.claims.extract.places`; "it" after a control verb:
    :mod:`~frontwatch.claims.extract.kinds.control`.
Kinds
    See :mod:`frontwatch.claims.model`; the patterns are in :mod:`~frontwatch.claims.extract.kinds`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from frontwatch.claims.extract.kinds import control, other, quantity, rank
from frontwatch.claims.extract.lexicon import CLAIMANT_SIDES, DISPUTE_VERBS, QUALIFIER_WORDS
from frontwatch.claims.extract.places import _claimant_side, _places, _sides, disambiguate
from frontwatch.claims.extract.sentence import _Context, _Found, _Sentence
from frontwatch.claims.extract.speakers import _resolve_claimant, _speaker, _statement_time
from frontwatch.claims.extract.structured import claims_from_structured
from frontwatch.claims.extract.text import _FOLD, sentence_spans
from frontwatch.claims.extract.times import _as_date, _time_phrases, resolve_window
from frontwatch.claims.model import Claim

__all__ = [
    "CLAIMANT_SIDES",
    "DISPUTE_VERBS",
    "QUALIFIER_WORDS",
    "claims_from_structured",
    "extract_claims",
    "resolve_window",
    "sentence_spans",
]

# --------------------------------------------------------------------------------------
# Claims of a sentence

_Resolver = Callable[[_Sentence, _Context, _Found], list[Claim]]

CLAIM_RESOLVERS: tuple[tuple[str, _Resolver, bool], ...] = (
    ("rank", rank.resolve, True),
    ("quantity", quantity.resolve, False),
    ("rank_within", rank.resolve_within, False),
    ("place_control", control.resolve, False),
    ("other", other.resolve, False),
)
"""The claim-kind resolvers, as (kind family, resolver, alone), run in this order on each
sentence. A resolver gets the sentence, the context (whose ``claims`` already hold those of the
resolvers before it) and what they found (:class:`~frontwatch.claims.extract.sentence._Found`);
it returns its claims in order. A claim from a resolver marked ``alone`` ends the sentence: a
rank is a sentence's only claim. ``other`` comes last: it reports what the others left."""


def _sentence_claims(text: str, span: tuple[int, int], ctx: _Context) -> None:
    s = text.translate(_FOLD)
    key = re.sub(r"[\W_]+", " ", s).strip().lower()
    if not key or key in ctx.seen:
        return
    ctx.seen.add(key)
    speaker = _speaker(s, ctx)
    published = ctx.published
    pub_rule = f"the publication date ({published.isoformat()})"
    times = _time_phrases(s, published, published, pub_rule)
    statement = _statement_time(s, times, speaker)
    anchor, anchor_rule = published, pub_rule
    side = _claimant_side(speaker.claimant)
    if statement is not None:
        anchor = statement.window.end
        anchor_rule = f"the date of the statement ({statement.window.text} = {anchor.isoformat()})"
        times = _time_phrases(s, published, anchor, anchor_rule)
        statement = next((t for t in times if t.start == statement.start), None)
        ctx.statement = (anchor, side, anchor_rule)
    elif ctx.statement and side and ctx.statement[1] == side and _continues_briefing(speaker.claimant):
        # the next sentence of the same side's briefing ("Shoigu reported on Sunday ... The
        # ministry said ...") was said that day too
        anchor, _, said = ctx.statement
        anchor_rule = f"{said}, of the sentence before, whose side's statement this continues"
        times = _time_phrases(s, published, anchor, anchor_rule)
        ctx.statement = None
    else:
        ctx.statement = None
    masked = [speaker.span] if speaker.span else []
    sent = _Sentence(
        text,
        s,
        span,
        speaker,
        _sides(s, _claimant_side(speaker.claimant)),
        _places(s, masked),
        times,
        statement,
        anchor,
        anchor_rule,
        next((c.subject.get("side") for c in reversed(ctx.claims) if c.subject.get("side")), None),
        ctx.claims[-1].subject.get("region") if ctx.claims and ctx.claims[-1].subject.get("country") == "RU" else None,
    )
    found = _Found()
    before = len(ctx.claims)
    for _family, resolve, alone in CLAIM_RESOLVERS:
        claims = resolve(sent, ctx, found)
        ctx.claims.extend(claims)  # before the next resolver runs: it may refer to them
        found.made = found.made or bool(claims)
        if claims and alone:
            break
    if speaker.stance == "disputes" and speaker.explicit:
        _attach_disputes(ctx, before, s)
    _attach_called_false(ctx, before, s)
    for place in sent.places:
        ctx.last_place = place
    ctx.claimant, ctx.stance = speaker.claimant, speaker.stance


_INSTITUTION = re.compile(r"(?i)\b(?:ministry|command|staff|military|army|government|headquarters|forces|office)\b")


def _continues_briefing(claimant: str | None) -> bool:
    """Whether a sentence's claimant reads as the institution of the briefing before it ("the
    ministry said"), not a new person (who may have spoken another day)."""
    return bool(claimant and _INSTITUTION.search(claimant))


_REFERS_BACK = re.compile(
    r"\b(?i:claims?|reports?|assertions?|statements?|it|this|that|allegations?|figures?|announcements?|accounts?)\b"
)


_MATERIAL = re.compile(r"(?i)\b(?:video|footage|images?|photos?|pictures?|posts?|clips?)\b")


def _is_party(claim: Claim) -> bool:
    """Whether a claim has a party to answer: a named claimant, not the text itself or
    material it describes ("a video purporting to show ...")."""
    return claim.stance == "claims" and bool(claim.claimant) and not _MATERIAL.search(claim.claimant or "")


def _restates(a: Claim, b: Claim) -> bool:
    """Whether two claims state the same thing: the same kind about the same place, or the
    same figure in the same unit."""
    if a.kind != b.kind or a.kind == "other":
        return False
    pa, pb = a.subject, b.subject
    if pa.get("place") and pb.get("place"):
        return bool((pa.get("geonameid") and pa.get("geonameid") == pb.get("geonameid")) or pa["place"] == pb["place"])
    return bool(a.quantity and b.quantity and a.quantity.value == b.quantity.value and a.quantity.unit == b.quantity.unit)


def _settle(claims: list[Claim]) -> None:
    """Once the whole text is read: a claim the text states without a claimant or a window
    (a headline) takes those of a claim that restates it; a place the gazetteer does not hold
    takes the country another claim about it names (a town in Russia); every denial answers each claim of
    another party that it restates (``responses``) and points at the first (``refers_to``)."""
    for c in claims:
        if (c.claimant is None or c.window is None) and c.stance == "claims":
            source = next((o for o in claims if o is not c and o.claimant and o.stance == "claims" and _restates(c, o)),
                          None)  # fmt: skip
            if source is not None:
                c.claimant = c.claimant or source.claimant
                c.window = c.window or source.window
    for c in claims:  # "Russia says Sudzha recaptured ... Sudzha, in the Kursk region": the same place
        subj = c.subject or {}
        if subj.get("place") and not subj.get("geonameid") and not subj.get("country"):
            other = next((o.subject for o in claims if o is not c and (o.subject or {}).get("place") == subj["place"]
                          and o.subject.get("country")), None)  # fmt: skip
            if other is not None:
                subj.update(region=other.get("region"), country=other["country"])
    for d in claims:
        if d.stance != "disputes":
            continue
        for i, c in enumerate(claims):
            if c is d or not _is_party(c) or c.claimant == d.claimant or not _restates(c, d):
                continue
            if not any(r.get("claimant") == d.claimant for r in c.responses):
                c.responses.append({"claimant": d.claimant, "stance": "disputes", "text": d.text})
            if d.refers_to is None:
                d.refers_to = i


_CALLS_FALSE = re.compile(
    r"(?P<who>[A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*){0,3})\s+(?:calls|called|branded|brands|labelled|labeled|dubbed)\s+"
    r"(?:the|this|that|these|those|its|[A-Z][\w'-]*'s)\s+(?:[\w-]+\s+)?(?:claims?|announcement|reports?|statements?|"
    r"assertions?)\s+(?:as\s+)?(?:false|untrue|a\s+lie|lies|fake|disinformation|a\s+provocation|propaganda|fiction|"
    r"a\s+fabrication)\b"
)
"""A clause calling the claim false ("...; Kyiv calls the claim false"): a denial of the claim
before it in the sentence (else the text's last claim of another party)."""


def _answerable(c: Claim, who: str | None) -> bool:
    """Whether ``who`` can answer claim ``c``: a measurable claim of another party."""
    return c.kind != "other" and c.claimant != who and _is_party(c)


def _attach_called_false(ctx: _Context, before: int, s: str) -> None:
    m = _CALLS_FALSE.search(s)
    if m is None:
        return
    who = _resolve_claimant(m.group("who"), ctx)
    if not who:
        return
    mine = [c for c in ctx.claims[before:] if _answerable(c, who)]
    targets = mine or [c for c in reversed(ctx.claims[:before]) if _answerable(c, who)][:1]
    for c in targets:
        if not any(r.get("claimant") == who for r in c.responses):
            c.responses.append({"claimant": who, "stance": "disputes", "text": s[m.start() : m.end()]})


def _attach_disputes(ctx: _Context, before: int, s: str) -> None:
    """A denial in the same text answers the claim it disputes: the claim gets the disputer
    as a response (``{"claimant", "stance": "disputes", "text"}``) and the denial, a claim of
    its own with stance ``disputes``, points at it through ``refers_to`` ("Prigozhin claimed
    Bakhmut ... Maliar denied that the city had fallen"); a denial that restates nothing
    ("Kyiv rejected the claim") only answers the last claim of another claimant."""
    new = ctx.claims[before:]
    if not new or any(c.kind != "other" for c in new) or not _REFERS_BACK.search(s):
        return  # a denial that restates a claim is matched once the text is read (_settle)
    who = new[0].claimant
    target = next((c for c in reversed(ctx.claims[:before]) if _answerable(c, who)), None)
    if target is not None:
        target.responses.append({"claimant": who, "stance": "disputes", "text": new[0].text})
        del ctx.claims[before:]


def extract_claims(text: str, *, published: date) -> list[Claim]:
    """Checkable claims of an English news text, in the order of the text.

    Parameters
    ----------
    text
        The text (plain text; curly quotes and odd punctuation are fine). Non-English text,
        text with no claims and empty text give an empty list.
    published
        Publication date of the text (a UTC calendar day): the anchor of "last week",
        "on Thursday", "now"...

    Returns
    -------
    list of Claim
        ``converts.index`` and ``refers_to`` are positions in this list.

    Raises
    ------
    InvalidClaim
        Only when ``published`` is not a date (or an ISO date string).

    Examples
    --------
    >>> from datetime import date
    >>> [c] = extract_claims("Ukraine retook 1000 km2 in a week", published=date(2022, 9, 10))
    >>> c.kind, c.quantity.value, c.window.start.isoformat()
    ('area_change', 1000.0, '2022-09-03')
    """
    ctx = _Context(published=_as_date(published))
    if not isinstance(text, str):
        return []
    for start, end in sentence_spans(text):
        _sentence_claims(text[start:end], (start, end), ctx)
    _settle(ctx.claims)
    disambiguate(ctx.claims, text.translate(_FOLD))
    return ctx.claims
