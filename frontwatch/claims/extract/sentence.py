"""The records of reading (context, speaker, sentence), the window of a claim and the shared claim builder.

Rules
-----
Windows
    A claim takes the time phrase nearest its words (a sentence may hold two figures, each
    with its own period); a change on one day D is the window ``[D - 1, D]``, in a month M
    ``[the day before M, the last day of M]`` (so for every period that starts on a named
    day: "since March", "this year", "so far in 2024", "last month"). A sentence without a time phrase gets, for a
    change (km², settlements, depth), the window of the preceding change claim (not one given
    only for comparison: "up from 610 km² in October") (news leads
    set the period once); for a state (control, distance), the date of the statement or the
    publication date. A state (who holds a place, a distance, a share or an area held) is read
    on one day: the last day of the period its phrase names ("the only regional capital
    Russia had captured since February" is about the day of the statement). (How a time
    phrase resolves: :mod:`frontwatch.claims.extract.times`.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from frontwatch.claims.extract.figures import _Figure
from frontwatch.claims.extract.places import _claimant_side, _Place, _side_before
from frontwatch.claims.extract.times import PERIOD_KINDS, _Time
from frontwatch.claims.model import CHANGE_KINDS, Claim, Window


@dataclass
class _Context:
    published: date
    claims: list[Claim] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    last_place: _Place | None = None
    claimant: str | None = None
    stance: str = "claims"
    seen: set[str] = field(default_factory=set)
    statement: tuple[date, str | None, str] | None = None  # the last sentence's statement date, side, rule
    comparisons: set[int] = field(default_factory=set)  # claims stated only to compare ("up from 610 km²")


@dataclass(frozen=True, slots=True)
class _Speaker:
    claimant: str | None
    stance: str
    span: tuple[int, int] | None  # where the claimant's words are in the sentence
    verb: str | None
    explicit: bool  # named in this sentence (not inherited)


@dataclass
class _Sentence:
    text: str  # original text
    s: str  # folded text (same offsets)
    span: tuple[int, int]
    speaker: _Speaker
    sides: list[tuple[int, str]]
    places: list[_Place]
    times: list[_Time]
    statement: _Time | None
    anchor: date
    anchor_rule: str
    previous_side: str | None = None  # the side of the last claim before this sentence
    previous_abroad: str | None = None  # the region in Russia the last claim was about, if it was


@dataclass
class _Found:
    """What the claim-kind resolvers have found in a sentence so far (they run in the order of
    :data:`~frontwatch.claims.extract.CLAIM_RESOLVERS`)."""

    made: bool = False  # some resolver made a claim
    left: list[_Figure] = field(default_factory=list)  # figures no claim took (set by the quantity kinds)


def _side_at(sent: _Sentence, pos: int) -> str | None:
    """The acting side at a position: the side named nearest before it, else the claimant's,
    else the side of the previous sentence's claims ("In August they also took ...")."""
    return _side_before(sent.sides, pos) or _claimant_side(sent.speaker.claimant) or sent.previous_side


_SAME_AS_BEFORE = re.compile(r"(?i)\bsame\s+\w+\s+as\s+(?:it\s+was\s+)?(?:(?:on|in|at|back\s+in)\s+)?$")
"""A date after "the same share as (on)" dates the comparison, not the claim before it."""


def _event_time(sent: _Sentence, at: tuple[int, int] | None = None) -> _Time | None:
    """The sentence's time phrase for a claim whose words span ``at``: the nearest one
    (then the most specific: a range before a duration before a day before "now"); the
    phrase dating the statement is not one."""
    events = [t for t in sent.times if t is not sent.statement and not _SAME_AS_BEFORE.search(sent.s, 0, t.start)]
    if not events:
        return None
    if at is None:
        return min(events, key=lambda t: (t.priority, t.start))
    return min(events, key=lambda t: (max(t.start - at[1], at[0] - t.end, 0), t.priority, t.start))


def _place_before(sent: _Sentence, at: int, ctx: _Context, *, known_only: bool = False):
    """The place the text named last before ``at`` ("the town", "it", "from the city"): in
    the sentence, else before it; ``known_only`` skips names the gazetteer lacks."""
    earlier = [p for p in sent.places if p.end <= at and (not known_only or p.geonameid is not None)]
    return (earlier[-1], "text") if earlier else (ctx.last_place, "context")


def _window_for(kind: str, sent: _Sentence, ctx: _Context, at: tuple[int, int] | None = None) -> Window | None:
    """The window of a claim of ``kind`` in the sentence (see the module docstring)."""
    event = _event_time(sent, at)
    if event is not None:
        w = event.window
        if kind in CHANGE_KINDS and (w.days == 0 or event.kind in PERIOD_KINDS) and w.start > date.min:
            start = w.start - timedelta(days=1)
            return Window(
                start, w.end, w.text,
                w.rule + f"; a change over those days compares the map of {start.isoformat()} "
                f"with the map of {w.end.isoformat()}",
            )  # fmt: skip
        return w
    if kind in CHANGE_KINDS:
        for i in range(len(ctx.claims) - 1, -1, -1):
            prior = ctx.claims[i]
            if prior.kind in CHANGE_KINDS and prior.window is not None and i not in ctx.comparisons:
                w = prior.window
                return Window(
                    w.start, w.end, "",
                    f"no time phrase: the window of the preceding change claim (claim {i}: "
                    f"{w.text or w.rule!r})",
                )  # fmt: skip
        return None
    if kind == "other" and sent.statement is None:
        return None
    day = sent.anchor
    return Window(day, day, "", f"no time phrase: the state on {sent.anchor_rule}")


STATE_KINDS = frozenset({"place_control", "distance_to_place", "share", "area_held"})
"""Kinds that state something on one date."""


def _is_state(kind: str, subject: dict[str, Any]) -> bool:
    """Whether a claim states something on one date: who holds a place, a distance, a share or
    an area held (not a share gained, nor ground held in a region through a window)."""
    if kind == "place_control":
        return bool(subject.get("place") or subject.get("geonameid"))
    return kind in STATE_KINDS and not subject.get("change")


_IN_UKRAINE = re.compile(r"\b(?i:inside|in|within|across)\s+Ukraine\b(?!'s)")
"""A sentence placing itself in Ukraine ("Inside Ukraine, Russia controls ...") leaves the region
in Russia of the sentence before."""


def _claim(kind: str, sent: _Sentence, ctx: _Context, **fields: Any) -> Claim:
    subject = {k: v for k, v in fields.pop("subject", {}).items() if v is not None}
    if (sent.previous_abroad and not (subject.keys() & {"place", "region", "oblast", "oblasts"})
            and not _IN_UKRAINE.search(sent.s)):  # fmt: skip
        # "Since the incursion began they have taken 1,263 km²": still the region in Russia
        subject.update(region=sent.previous_abroad, country="RU")
    at = fields.pop("at", None)
    window = fields.pop("window", None) if "window" in fields else _window_for(kind, sent, ctx, at)
    if window is not None and window.start != window.end and _is_state(kind, subject):
        window = Window(window.end, window.end, window.text,
                        window.rule + f"; a state is read on the period's last day ({window.end.isoformat()})")  # fmt: skip
    return Claim(
        kind=kind,
        text=sent.text,
        span=sent.span,
        claimant=fields.pop("claimant", sent.speaker.claimant),
        stance=fields.pop("stance", sent.speaker.stance),
        subject=subject,
        window=window,
        published=ctx.published,
        **fields,
    )
