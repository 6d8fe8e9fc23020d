"""``rank`` claims: a change called the swiftest, largest, deepest... since a date or of the war.

Rules
-----
"the swiftest advance since March" ranks the change against the windows of the same length
before it: the last larger one came in the period named. "the most in any week this year"
(of the war, in 2024) says no window of that length inside the period beat it
(``subject["within"]``).
"""

from __future__ import annotations

import re

from frontwatch.claims.extract.places import _side_before
from frontwatch.claims.extract.sentence import _claim, _Context, _Found, _Sentence, _window_for
from frontwatch.claims.extract.times import PERIOD_KINDS
from frontwatch.claims.model import CHANGE_KINDS, WAR_START, Claim, Window

_SUPERLATIVE = re.compile(
    r"\b(?P<sup>swiftest|fastest|quickest|biggest|largest|greatest|deepest|furthest|farthest|"
    r"most\s+rapid|most\s+significant|most\s+extensive)\b(?P<measure>(?:\s+[\w'-]+){0,3}?)\s+"
    r"(?P<ref>since\b[^.;]*|(?:of|in)\s+the\s+(?:war|invasion)\b)",
    re.IGNORECASE,
)
_MOST_IN_ANY = re.compile(
    r"\b(?:the\s+)?(?P<sup>most|largest|biggest|highest|greatest)\s+(?:in|of|for)\s+any\s+(?:single\s+)?"
    r"(?P<unit>day|week|fortnight|month)\s+(?P<ref>this\s+year|so\s+far\s+this\s+year|(?:in|of)\s+(?:20[2-3]\d)|"
    r"since\b[^.;]*|(?:of|in)\s+the\s+(?:war|invasion))",
    re.IGNORECASE,
)
""""the most in any week this year": no window of that length within the period beat it."""
_RANK_MEASURES = {
    "advance_depth": ("movement", "advance", "push", "progress", "breakthrough", "offensive"),
    "area_change": ("gain", "gains", "territorial", "territory", "area", "land", "loss", "losses"),
    "settlement_count": ("settlements", "villages", "towns", "communities"),
}


def _rank(sent: _Sentence, ctx: _Context, pattern: re.Pattern[str] = _SUPERLATIVE) -> Claim | None:
    m = pattern.search(sent.s)
    if not m:
        return None
    within = pattern is _MOST_IN_ANY and not m.group("ref").lower().startswith("since")
    measure_text = m.group("measure").strip() if "measure" in m.groupdict() else ""
    index = next((i for i in range(len(ctx.claims) - 1, -1, -1)
                  if ctx.claims[i].kind in CHANGE_KINDS and i not in ctx.comparisons), None)  # fmt: skip
    referred = ctx.claims[index] if index is not None else None
    measure = next(
        (kind for kind, words in _RANK_MEASURES.items() if any(w in measure_text.lower().split() for w in words)),
        referred.kind if referred else None,
    )
    reference = None
    ref_time = next((t for t in sent.times if m.start("ref") <= t.start < m.end("ref")), None)
    if ref_time is not None:
        own = ref_time.own or ref_time.window
        reference = Window(own.start, own.end, m.group("ref").strip(), own.rule)
    elif re.match(r"(?:of|in)\s+the\s+(?:war|invasion)", m.group("ref"), re.IGNORECASE):
        reference = Window(WAR_START, WAR_START, m.group("ref"), "the war = since the full-scale invasion on 2022-02-24")
    window = None
    own_time = [t for t in sent.times if t is not sent.statement and not m.start("ref") <= t.start < m.end("ref")
                and t.kind in PERIOD_KINDS]  # fmt: skip
    if own_time and pattern is not _MOST_IN_ANY:
        # "That makes November the month with the largest gains since ...": November is ranked
        window = _window_for(measure if measure in CHANGE_KINDS else "area_change", sent, ctx,
                             (own_time[0].start, own_time[0].end))  # fmt: skip
    elif referred is not None and referred.window is not None:
        # "captured 235 km² in the week to 24 November, the most in any week": that week
        w = referred.window
        window = Window(w.start, w.end, w.text, f"the window of the claim ranked (claim {index}): {w.rule}")
    side = (referred.subject.get("side") if referred else None) or _side_before(sent.sides, len(sent.s))
    subject = {
        "side": side,
        "superlative": m.group("sup").lower(),
        "measure": measure,
        "measure_text": measure_text or None,
        "reference_text": m.group("ref").strip(),
        "within": True if within else None,  # no larger window inside the period (not "since" it)
        "conditional": True if re.match(r"^\s*(?i:if\b)", sent.s) or re.search(r"\bwould\b", sent.s) else None,
    }
    return _claim("rank", sent, ctx, subject=subject, window=window, reference=reference, refers_to=index)


def resolve(sent: _Sentence, ctx: _Context, found: _Found) -> list[Claim]:
    """The sentence's rank claim ("the swiftest advance since ..."), if it has one."""
    claim = _rank(sent, ctx)
    return [claim] if claim is not None else []


def resolve_within(sent: _Sentence, ctx: _Context, found: _Found) -> list[Claim]:
    """The rank of a figure the same sentence gives ("took 235 km² in the week to 24
    November, the most in any week this year"): run after the figures' claims."""
    claim = _rank(sent, ctx, _MOST_IN_ANY)
    return [claim] if claim is not None else []
