"""Rule-based extraction of checkable claims from English news text.

:func:`extract_claims` reads a text sentence by sentence with regular expressions and small
word lists (no language model), and returns :class:`~frontwatch.claims.model.Claim` objects
whose every field can be traced to words of the sentence and a rule written here.
:func:`claims_from_structured` builds the same objects from plain data.

Rules
-----
Sentences
    See :mod:`frontwatch.claims.extract.text`. A sentence repeating an earlier one word for
    word (a headline repeated in the lede) yields no claims again.
Figures
    See :mod:`frontwatch.claims.extract.figures`. A figure in brackets right after another of the same dimension
    ("(385 sq miles)") is a ``unit_conversion`` of it; its qualifier, when it has none of its
    own, is the restated figure's ("more than 1,000 sq km (385 sq miles)").
Claimants and stance
    See :mod:`frontwatch.claims.extract.speakers`.
Windows
    See :mod:`frontwatch.claims.extract.times` and :mod:`frontwatch.claims.extract.sentence`.
Sides, places
    See :mod:`frontwatch.claims.extract.places`. "it" after a control verb is the last place named before it.
Kinds
    See :mod:`frontwatch.claims.model`; the patterns are in this module's
    ``_place_control``, ``_quantity_claims``, ``_rank`` and ``_other_topics``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from frontwatch.claims.extract.figures import _UNIT_PATTERNS, _Figure, _figures
from frontwatch.claims.extract.lexicon import (
    _ADVANCE_VERB,
    _CHANGE_VERB,
    _GENERIC_COUNT_NOUNS,
    _HOLD_VERB,
    _SETTLEMENT_NOUNS,
    _VERB_ACTION,
    _WITHDRAW_VERB,
    CLAIMANT_SIDES,
    DISPUTE_VERBS,
    QUALIFIER_WORDS,
)
from frontwatch.claims.extract.places import (
    _COMPASS,
    _oblast,
    _Place,
    _places,
    _region,
    _side_before,
    _sides,
    _unknown_place,
)
from frontwatch.claims.extract.sentence import _claim, _Context, _Sentence, _side_at
from frontwatch.claims.extract.speakers import _speaker, _statement_time
from frontwatch.claims.extract.text import _FOLD, sentence_spans
from frontwatch.claims.extract.times import _as_date, _time_phrases, resolve_window
from frontwatch.claims.model import (
    CHANGE_KINDS,
    QUALIFIERS,
    STANCES,
    UNIT_DIMENSIONS,
    UNITS,
    WAR_START,
    Claim,
    Conversion,
    InvalidClaim,
    Quantity,
    Window,
    precision_of,
)

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


_SUPERLATIVE = re.compile(
    r"\b(?P<sup>swiftest|fastest|quickest|biggest|largest|greatest|deepest|furthest|farthest|"
    r"most\s+rapid|most\s+significant|most\s+extensive)\b(?P<measure>(?:\s+[\w'-]+){0,3}?)\s+"
    r"(?P<ref>since\b[^.;]*|(?:of|in)\s+the\s+(?:war|invasion)\b)",
    re.IGNORECASE,
)
_RANK_MEASURES = {
    "advance_depth": ("movement", "advance", "push", "progress", "breakthrough", "offensive"),
    "area_change": ("gain", "gains", "territorial", "territory", "area", "land", "loss", "losses"),
    "settlement_count": ("settlements", "villages", "towns", "communities"),
}

_OTHER_TOPICS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bevacuat\w*", re.I), "evacuation of civilians"),
    (re.compile(r"\breinforcements?\b", re.I), "reinforcements"),
    (re.compile(r"\b(?:air\s*strikes?|missiles?|shelling|bomb\w*|drones?|(?:aircraft|air)\s+(?:assaults?|attacks?))\b",
                re.I), "air and missile strikes"),
    (re.compile(r"\b(?:wounded|killed|injured|dead|casualt\w*|deaths?)\b", re.I), "casualties"),
    (re.compile(r"\b(?:prisoners?|POWs?|captives?)\b"), "prisoners"),
    (re.compile(r"\bwithout\s+(?:power|water|electricity|heating|gas)\b", re.I), "power and water supplies"),
    (re.compile(r"\bequipment\b", re.I), "military equipment"),
]  # fmt: skip
_DAMAGE = re.compile(r"\b(?:destroy\w*|damag\w*|blown\s+up|blew\s+up|blow\s+up|hit|struck)\b", re.I)
_DAMAGED = re.compile(
    r"\b(?P<noun>hospitals?|schools?|buildings?|bridges?|power\s+(?:plants?|stations?)|"
    r"infrastructure|dams?|homes?|houses?|railways?|depots?)\b",
    re.I,
)
_CAPACITY = re.compile(r"\b(?:accommodat\w*|capacity|carr(?:y|ies|ying)|seats?|holds?\s+up\s+to)\b", re.I)
_VEHICLES = re.compile(
    r"\b(?P<noun>helicopters?|aircraft|planes?|trucks?|vehicles?|ships?|trains?|buses)\b", re.I
)
_PEOPLE_NOUNS = frozenset(
    {
        "soldiers",
        "servicemen",
        "troops",
        "personnel",
        "men",
        "fighters",
        "people",
        "civilians",
        "residents",
        "women",
        "children",
    }
)


def _other_topics(s: str, figures: Sequence[_Figure]) -> list[tuple[str, int]]:
    """Why the sentence (or part of it) is not measurable from control maps: topics, each
    with the position of the words that name it."""
    topics: dict[str, int] = {}
    capacity = _CAPACITY.search(s)
    vehicle = _VEHICLES.search(s)
    if capacity and vehicle:
        topics[f"capacity of {vehicle.group('noun').lower()}"] = capacity.start()
        figures = [f for f in figures if f.start < capacity.start()]  # "accommodate 80 soldiers"
    damage, damaged = _DAMAGE.search(s), _DAMAGED.search(s)
    if damage and damaged:
        topics[f"damage to {damaged.group('noun').lower()}"] = damage.start()
    for pattern, topic in _OTHER_TOPICS:
        m = pattern.search(s)
        if m:
            topics.setdefault(topic, m.start())
    for f in figures:
        if f.quantity.unit == "count" and f.noun not in _SETTLEMENT_NOUNS | _GENERIC_COUNT_NOUNS:
            if f.noun in {"soldiers", "servicemen", "troops", "personnel", "fighters"}:
                topic = "numbers of troops"
            elif f.noun in _PEOPLE_NOUNS:
                topic = "numbers of people"
            else:
                topic = f"a count of {f.noun}"
            if not any(f.noun and f.noun.rstrip("s") in t for t in topics):
                topics.setdefault(topic, f.start)
    return list(topics.items())


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


_OBJECT_REST = (
    r"(?:(?:full\s+)?control\s+(?:of|over)\s+)?"
    r"(?:the\s+(?:[\w-]+\s+)?(?:town|city|village|settlement|hamlet|port|hub|capital)\s+of\s+)?"
    r"(?:the\s+(?:centre|center|outskirts)\s+of\s+)?"
)
_OBJECT = r"(?:\s+back)?\s+" + _OBJECT_REST
_CONTROL_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("verb", re.compile(rf"{_CHANGE_VERB.pattern}{_OBJECT}(?P<obj>it\b|(?=[A-Z]))", re.IGNORECASE)),
    ("withdraw", re.compile(
        rf"\b(?P<verb>{_WITHDRAW_VERB})\s+(?:from|of|out\s+of)\s+{_OBJECT_REST}"
        r"(?P<obj>it\b|(?=[A-Z]))", re.IGNORECASE)),
    ("hold_verb", re.compile(
        r"\b(?:held|holds|hold|holding|controlled|controls|control|controlling|kept|keeps|retains|retained)\s+"
        r"(?:(?:full\s+)?control\s+(?:of|over)\s+)?" + _OBJECT_REST + r"(?P<obj>(?=[A-Z]))")),
    ("hold_by", re.compile(
        r"\b(?:controlled|held|occupied)\s+by\s+(?P<side>Russia|Ukraine|Russian|Ukrainian|Moscow|Kyiv)")),
    ("hold_adj", re.compile(r"\b(?P<side>Russian|Ukrainian)[- ](?:controlled|held|occupied)\s+(?=[A-Z])")),
    ("hold_under", re.compile(r"\bunder\s+(?P<side>Russian|Ukrainian)\s+control\b")),
    ("present", re.compile(
        r"\b(?:(?P<side>Ukrainian|Russian)\s+)?(?:troops|forces|soldiers|servicemen|units|flags?)\s+"
        r"(?:(?:were|are|was|is|flying|standing|operating)\s+)?(?:in|inside|into|over|entering)\s+"
        + _OBJECT_REST + r"(?=[A-Z])")),
    ("flag", re.compile(
        r"\b(?:(?P<side>Ukrainian|Russian)\s+)?flags?\s+(?:\w+\s+){0,2}?(?:flying|raised|hoisted|flew|fly)\b"
        r"|\b(?:raised|hoisted)\s+(?:the\s+|a\s+)?(?P<side2>Ukrainian|Russian)\s+flag", re.IGNORECASE)),
    ("presence", re.compile(
        r"\b(?:maintained|maintains|maintain|kept|keeps|keep|has|had|have|holds|held|retains|retained)\s+"
        r"(?:a\s+|its\s+)?(?:[\w-]+\s+){0,2}?(?:presence|foothold|control)\s+(?:in|of|over)\s+(?:the\s+)?"
        rf"(?P<region>{_COMPASS}(?:\s+and\s+{_COMPASS})?\b|[A-Z][\w'-]+(?:\s+(?:region|oblast|area))?)")),
]  # fmt: skip
_SIDE_WORD = {
    "russia": "RU",
    "russian": "RU",
    "moscow": "RU",
    "ukraine": "UA",
    "ukrainian": "UA",
    "kyiv": "UA",
}


def _place_at(sent: _Sentence, at: int, ctx: _Context) -> tuple[_Place | None, str]:
    """The place named at a position, or the one "it" stands for."""
    if sent.s[at : at + 2].lower() == "it" and not sent.s[at + 2 : at + 3].isalpha():
        earlier = [p for p in sent.places if p.end <= at]
        if earlier:
            return earlier[-1], "text"
        return ctx.last_place, "context"
    place = next((p for p in sent.places if p.start == at), None)
    return place or _unknown_place(sent.s, at), "text"


def _place_control(sent: _Sentence, ctx: _Context) -> list[Claim]:
    s = sent.s
    out: list[Claim] = []
    done: set[tuple[str, str | None]] = set()

    def add(
        place: _Place | None,
        source: str,
        action: str,
        side: str | None,
        extra: dict | None = None,
        at: tuple[int, int] | None = None,
    ) -> None:
        if place is None and not extra:
            return
        key = (action, place.name if place else str(extra))
        if key in done:
            return
        done.add(key)
        subject = {
            "side": side,
            "action": action,
            **(place.subject(source) if place else {}),
            **(extra or {}),
        }
        if "region" not in subject:
            subject.update(_region(s))
        out.append(_claim("place_control", sent, ctx, subject=subject, at=at))

    for how, pattern in _CONTROL_PATTERNS:
        for m in pattern.finditer(s):
            if how == "verb":
                action = _VERB_ACTION[m.group(1).lower()]
                place, source = _place_at(sent, m.start("obj"), ctx)
                add(place, source, action, _side_at(sent, m.start()), at=m.span())
            elif how == "hold_verb":
                place = next((p for p in sent.places if p.start == m.start("obj")), None)
                add(place, "text", "hold", _side_at(sent, m.start()), at=m.span())
            elif how == "withdraw":
                place, source = _place_at(sent, m.start("obj"), ctx)
                add(place, source, "withdraw", _side_at(sent, m.start()), at=m.span())
            elif how in {"hold_by", "hold_adj", "hold_under"}:
                side = _SIDE_WORD[m.group("side").lower()]
                after = [p for p in sent.places if p.start >= m.end()]
                before = [p for p in sent.places if p.end <= m.start()]
                place = after[0] if after else (before[-1] if before else None)
                add(place, "text", "hold", side, at=m.span())
            elif how == "present":
                place, source = _place_at(sent, m.end(), ctx)
                side = _SIDE_WORD.get((m.group("side") or "").lower()) or _side_at(sent, m.start())
                add(place, source, "present", side, at=m.span())
            elif how == "flag":
                side_word = (m.group("side") or m.group("side2") or "").lower()
                side = _SIDE_WORD.get(side_word) or _side_at(sent, m.start())
                later = [p for p in sent.places if p.start >= m.start()]
                place, source = (later[0], "text") if later else (ctx.last_place, "context")
                add(place, source, "present", side, at=m.span())
            elif how == "presence":
                region = m.group("region")
                extra: dict[str, Any] = {"region": region}
                oblast = _oblast(re.sub(r"\s+(?:region|oblast|area)$", "", region))
                if oblast:
                    extra["oblast"] = oblast
                add(None, "text", "hold", _side_at(sent, m.start()), extra, at=m.span())
    return out


def _rank(sent: _Sentence, ctx: _Context) -> Claim | None:
    m = _SUPERLATIVE.search(sent.s)
    if not m:
        return None
    measure_text = m.group("measure").strip()
    index = next((i for i in range(len(ctx.claims) - 1, -1, -1) if ctx.claims[i].kind in CHANGE_KINDS), None)
    referred = ctx.claims[index] if index is not None else None
    measure = next(
        (
            kind
            for kind, words in _RANK_MEASURES.items()
            if any(w in measure_text.lower().split() for w in words)
        ),
        referred.kind if referred else None,
    )
    reference = None
    ref_time = next((t for t in sent.times if m.start("ref") <= t.start < m.end("ref")), None)
    if ref_time is not None:
        own = ref_time.own or ref_time.window
        reference = Window(own.start, own.end, m.group("ref").strip(), own.rule)
    elif re.match(r"(?:of|in)\s+the\s+(?:war|invasion)", m.group("ref"), re.IGNORECASE):
        reference = Window(
            WAR_START, WAR_START, m.group("ref"), "the war = since the full-scale invasion on 2022-02-24"
        )
    window = None
    if referred is not None and referred.window is not None:
        w = referred.window
        window = Window(w.start, w.end, w.text, f"the window of the claim ranked (claim {index}): {w.rule}")
    side = (referred.subject.get("side") if referred else None) or _side_before(sent.sides, len(sent.s))
    subject = {
        "side": side,
        "superlative": m.group("sup").lower(),
        "measure": measure,
        "measure_text": measure_text or None,
        "reference_text": m.group("ref").strip(),
        "conditional": True
        if re.match(r"^\s*(?i:if\b)", sent.s) or re.search(r"\bwould\b", sent.s)
        else None,
    }
    return _claim("rank", sent, ctx, subject=subject, window=window, reference=reference, refers_to=index)


def _other(sent: _Sentence, ctx: _Context, left: list[_Figure], *, made: bool) -> Claim | None:
    """The sentence's ``other`` claim: what it says that maps cannot measure, or what its
    claimant says when nothing in it is measurable; None when there is neither."""
    found = _other_topics(sent.s, left)
    topics = [topic for topic, _ in found]
    if any(f.quantity.dimension == "length" for f in left) and not topics:
        topics.append("a distance or length tied to no place and no advance")
    if any(f.quantity.dimension == "area" for f in left):
        topics.insert(0, "area held at a date (no change verb): no claim kind for it yet")
    speaker = sent.speaker
    if not topics and (made or not (speaker.explicit and speaker.claimant)):
        return None
    reason = "not measurable from control maps: " + (
        "; ".join(topics) if topics else f"no figure, place or date in what {speaker.claimant} says"
    )
    action = "other"
    if any("evacuation" in t for t in topics):
        action = "evacuate"
    elif any("strikes" in t for t in topics):
        action = "strike"
    first_at = min((at for _, at in found), default=len(sent.s))
    side = _side_before(sent.sides, first_at) or (sent.sides[0][1] if sent.sides else None)
    if not topics:
        side = None  # nothing measurable: no side to check either
    subject = {"side": side, "action": action, "topic": "; ".join(topics) or None, **_region(sent.s)}
    return _claim(
        "other", sent, ctx, quantity=left[0].quantity if left else None, reason=reason, subject=subject
    )


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
    if statement is not None:
        anchor = statement.window.end
        anchor_rule = f"the date of the statement ({statement.window.text} = {anchor.isoformat()})"
        times = _time_phrases(s, published, anchor, anchor_rule)
        statement = next((t for t in times if t.start == statement.start), None)
    masked = [speaker.span] if speaker.span else []
    sent = _Sentence(
        text, s, span, speaker, _sides(s), _places(s, masked), times, statement, anchor, anchor_rule
    )
    rank = _rank(sent, ctx)
    if rank is not None:
        ctx.claims.append(rank)
    else:
        quantity_claims, left = _quantity_claims(sent, ctx, _figures(s))
        ctx.claims.extend(quantity_claims)
        control = _place_control(sent, ctx)
        ctx.claims.extend(control)
        other = _other(sent, ctx, left, made=bool(quantity_claims or control))
        if other is not None:
            ctx.claims.append(other)
    for place in sent.places:
        ctx.last_place = place
    ctx.claimant, ctx.stance = speaker.claimant, speaker.stance


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
    return ctx.claims


# --------------------------------------------------------------------------------------
# Structured input

_UNIT_WORDS = re.compile(
    "|".join(f"(?P<u_{name}>{pattern})" for name, pattern in _UNIT_PATTERNS.items()), re.IGNORECASE
)
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
    raise InvalidClaim(
        "qualifier", value, "one of " + ", ".join(QUALIFIERS) + " (or 'more than', 'about'...)"
    )


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
                raise InvalidClaim(
                    prefix, phrase, "a time phrase such as 'in the last week' or 'on 8 September'"
                )
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
        rule = (
            "given as data" if end is not None else f"given as data; up to the publication date ({published})"
        )
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
        if not isinstance(item, Mapping):
            raise InvalidClaim(f"item {i}", item, "a mapping of claim fields")
        if "kind" not in item:
            raise InvalidClaim("kind", None, "a claim kind")
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
            conversion = Conversion(int(converts["index"]), _quantity(converts["quantity"], {}))
        elif converts is not None:
            index = int(converts)
            if not 0 <= index < len(claims) or claims[index].quantity is None:
                raise InvalidClaim("converts", converts, "the index of an earlier claim with a quantity")
            conversion = Conversion(index, claims[index].quantity)
        span = item.get("span")
        claims.append(
            Claim(
                kind=str(item["kind"]),
                text=str(item.get("text") or ""),
                span=(int(span[0]), int(span[1])) if span else None,
                claimant=item.get("claimant"),
                stance=stance,
                subject=subject,
                quantity=_quantity(item.get("quantity"), item),
                window=_window_field(item, "window", published),
                reference=_window_field(item, "reference", published),
                converts=conversion,
                refers_to=item.get("refers_to", conversion.index if conversion else None),
                reason=item.get("reason"),
                published=_date_field("published", item["published"]) if item.get("published") else published,
            )
        )
    return claims
