"""``other`` claims: what a sentence says that control maps cannot measure (strikes, casualties, troops...)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from frontwatch.claims.extract.figures import _Figure
from frontwatch.claims.extract.lexicon import _GENERIC_COUNT_NOUNS, _SETTLEMENT_NOUNS
from frontwatch.claims.extract.places import _region, _side_before
from frontwatch.claims.extract.sentence import _claim, _Context, _Found, _Sentence
from frontwatch.claims.model import Claim

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
_VEHICLES = re.compile(r"\b(?P<noun>helicopters?|aircraft|planes?|trucks?|vehicles?|ships?|trains?|buses)\b", re.I)
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
    return _claim("other", sent, ctx, quantity=left[0].quantity if left else None, reason=reason, subject=subject)


def resolve(sent: _Sentence, ctx: _Context, found: _Found) -> list[Claim]:
    """The sentence's other claim, if it has one: given the figures no claim took and whether
    an earlier resolver made a claim."""
    claim = _other(sent, ctx, found.left, made=found.made)
    return [claim] if claim is not None else []
