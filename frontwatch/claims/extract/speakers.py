"""Claimants and stance: who makes a sentence's claims, resolved through the text read so far, and when they said it.

Rules
-----
Claimants and stance
    "according to X"; "X said/claims/calculated/disputed/...", the subject being the last
    comma-separated part before the verb with appositives (", a think tank,"), subordinators
    ("While", "Despite"), adverbs ("further"), time openers ("Hours later") and titles
    ("President", "Mr.", "regional governor") removed; a group of people of a unit
    ("soldiers of the 131st battalion") is a claimant too; "X said" at the end of the sentence works the same way. "He"/"She"
    and "Mr./Ms. Surname" resolve to the last named person; a report verb after a colon
    speaks for the clause after it ("Kyiv admitted a setback: on Tuesday the General Staff
    said ..."); weekday and date openers, "had already", "which"/"who" are not the name; "It"/"They" to the last named
    organisation; "the ministry" to the last organisation whose name holds "ministry".
    Verbs of :data:`~frontwatch.claims.extract.DISPUTE_VERBS` give stance ``disputes``;
    "Verified ..." or "geolocated ..." material gives stance ``verified`` and no claimant. A
    sentence opening with "And"/"But" continues the previous one's claimant. A sentence with
    no claimant is the text's own.
"""

from __future__ import annotations

import re

from frontwatch.claims.extract.lexicon import (
    _OPENERS,
    _ORG_WORDS,
    _PRONOUNS,
    _REPORT_VERBS,
    _ROLE_BEFORE_NAME,
    _STOP_NAMES,
    _TITLES,
    DISPUTE_VERBS,
)
from frontwatch.claims.extract.sentence import _Context, _Speaker
from frontwatch.claims.extract.times import _POINT_KINDS, _Time

_REPORT_RE = re.compile(r"\b(" + "|".join(_REPORT_VERBS) + r")\b", re.IGNORECASE)


_ANALYSIS_OF = re.compile(
    r"^(?:(?i:an?|the)\s+)?(?P<by>[A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*){0,3}?)(?:'s)?\s+(?:[\w-]+\s+)?"
    r"(?i:analysis|assessment|estimate|data|figures|calculations?|tally|count|review)\b.*$"
)
_OF_ANALYSIS = re.compile(
    r"^(?:(?i:an?|the)\s+)?(?:[\w-]+\s+)?(?i:analysis|assessment|estimate|calculations?|tally|count|review)\s+"
    r"(?i:by|from)\s+(?:(?i:the)\s+)?(?P<by>.+)$"
)
_SPOKES_FOR = re.compile(
    r"^(?:(?i:an?|the)\s+)?(?:[\w-]+\s+)?(?i:spokes(?:man|woman|person)|representative|official|officer|adviser|advisor)"
    r"\s+(?i:for|of|at|with)\s+(?:(?i:the)\s+)?(?P<org>.+)$"
)
_TIME_OPENER = re.compile(
    r"^(?i:(?:hours|days|minutes|weeks|moments|a\s+day|a\s+week|an\s+hour)\s+(?:later|earlier|after)|"
    r"shortly\s+after(?:wards)?|later|earlier|afterwards|"
    r"(?:on|last|this)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?:\s+(?:morning|evening|night))?|"
    r"on\s+\d{1,2}\s+(?:January|February|March|April|May|June|July|August|September|October|November|December))"
    r"(?:\s+(?i:on|that)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|day|evening|morning))?"
    r"\s*,?\s+(?=\S)"
)
_MEMBERS_OF = re.compile(
    r"^(?:soldiers|troops|fighters|servicemen|officers|officials|members|commanders|marines|paratroopers)\s+"
    r"(?:of|from)\s+(?:the\s+)?\S"
)
_IN_CAPITAL = re.compile(r"^(?P<org>.+?)\s+(?i:in)\s+(?P<city>Moscow|Kyiv|Kiev)$")


def _clean_claimant(raw: str) -> tuple[str, bool]:
    """The claimant's name without titles and articles, and whether it names a person.
    "An AFP analysis of ISW data" → "AFP"; "a spokesperson for the General Staff" → "General
    Staff"; "the Defence Ministry in Moscow" → "Russian Defence Ministry"."""
    name = raw.replace('"', "").strip(" ,;:'")
    for pattern in (_OF_ANALYSIS, _ANALYSIS_OF, _SPOKES_FOR):
        m = pattern.match(name)
        if m and (m.group(1)[:1].isupper() or m.group(1)[:4].lower() == "the "):
            name = m.group(1).strip()
            break
    m = _IN_CAPITAL.match(name)
    if m:
        side = "Russian" if m.group("city") == "Moscow" else "Ukrainian"
        org = re.sub(r"^(?i:the)\s+", "", m.group("org"))
        name = f"{side} {org}"
    name = re.sub(r"^(?i:the|a|an)\s+", "", name)
    person = False
    m = _TITLES.match(name)
    if m:
        name, person = name[m.end() :], True
    m = _ROLE_BEFORE_NAME.match(name)
    if m:
        name, person = name[m.end() :], True
    words = name.split()
    if not person and 2 <= len(words) <= 3 and all(w[:1].isupper() for w in words):
        person = not any(re.sub(r"'s$", "", w.lower()) in _ORG_WORDS for w in words)
    return name, person


_LABEL = re.compile(r"^(?P<who>(?:[A-Z][\w'.-]*|of|the|for)(?:\s+(?:[A-Z][\w'.-]*|of|the|for)){0,4})\s*:\s+(?=\S)")
_ACCORDING = re.compile(
    r"\b(?:(?i:according\s+to|(?:as\s+)?(?:reported|claimed|estimated|calculated|assessed)\s+by|citing)|[Pp]er(?=\s+[A-Z]))\s+"
    r"(?P<who>(?:(?i:an?|the)\s+)?(?:[\w'-]+\s+){0,2}?(?i:analysis|assessment|estimate|data|figures|calculations?|"
    r"tally|count|review)\s+(?i:of|by|from)\s+[^,.;()]+|[^,.;()]+)"
)


_ROLE_FIRST = re.compile(
    r"^(?:[a-z-]+\s+){0,2}?(?:spokes(?:man|woman|person)|press\s+officer|officer|head|commander|chief|governor|mayor|"
    r"adviser|advisor|member|deputy|minister|leader|representative|analyst|director|founder|secretary|aide)\b"
)
_GENERIC_ORGS = re.compile(
    r"^(?:the\s+)?(?:(?:monitoring|analytical|open-source|research|news|military|defence|defense|intelligence)\s+)?"
    r"(?:group|project|monitors?|analysis|analysts?|think[- ]tank|agency|institute|ministry|service|team|outlet|"
    r"publication|report|update|assessment|data)$",
    re.IGNORECASE,
)


def _subject_segment(pre: str) -> str:
    """The subject of a reporting verb from the text before it: its last comma-separated
    part, or the part before that when the last is an appositive ("The Institute for the
    Study of War, a think tank, calculated"); "..., the Defence Ministry in Moscow said" keeps
    its last part (a name after the article)."""
    pre = re.split(r"[:;]\s+", pre)[-1]  # "... a setback: on Tuesday the General Staff said"
    parts = [p.strip().strip("\"'") for p in pre.split(",")]
    last = parts[-1]
    if (
        len(parts) > 1
        and (
            re.match(r"^(?:the|a|an|its|his|her|their)\s+[a-z]", last)
            or _ROLE_FIRST.match(last)
            # ", a Ukrainian group that maps the fighting," (no name at its end)
            or (re.match(r"^(?:the|a|an)\s+[A-Z][\w-]*\s+[a-z]", last) and last.split()[-1][:1].islower())
        )
    ):
        prev = parts[-2]
        words = prev.split()
        if words and len(words) <= 8 and words[0][:1].isupper() and not re.search(r"\d", prev):
            return prev
    return last


def _speaker(s: str, ctx: _Context) -> _Speaker:
    """Who makes the sentence's claims, and the stance (see the module docstring)."""
    m = _ACCORDING.search(s)
    if m:
        name = _resolve_claimant(m.group("who"), ctx)
        if name:
            return _Speaker(name, "claims", m.span("who"), "according to", True)
    m = _LABEL.match(s)
    if m and not re.fullmatch(r"(?i:breaking|update|analysis|exclusive|live|video|watch|explainer|opinion)", m.group("who")):
        name = _resolve_claimant(m.group("who"), ctx)
        if name:
            return _Speaker(name, "claims", m.span("who"), "label", True)
    colon = max(s.rfind(": "), 0)  # "Kyiv conceded a loss: on Saturday the General Staff said ...": the
    verbs = sorted(_REPORT_RE.finditer(s), key=lambda v: v.start() < colon)  # clause after a colon speaks first
    for v in verbs:
        verb = v.group(1).lower()
        pre = s[: v.start()]
        pre = re.sub(
            r"(?:\s+(?i:further|also|later|again|then|earlier|previously|separately|repeatedly|already|just|"
            r"reportedly|officially|publicly|has|have|had|would|will|was|is|to|did|does|have\s+been))+\s*$",
            "",
            pre,
        ).rstrip()
        pre = pre.rstrip(",").rstrip()
        pre = re.sub(r",?\s+(?i:who|which)$", "", pre)  # "Valerii Zaluzhnyi, who said ..."
        segment = _subject_segment(pre)
        while True:
            cut = re.sub(
                r"^(?i:and|but|while|whereas|although|though|as|if|despite|because|so|then|"
                r"meanwhile|however|that|yet|which|who)\s+",  # "X, which Maliar said ... had been liberated"
                "",
                segment,
            )
            if cut == segment:
                break
            segment = cut
        # "Lysychansk falls as Moscow claims ...": the subject follows the last subordinator
        segment = re.sub(r"^.*\b(?:as|while|after|when|because|whereas)\s+(?=[A-Z])", "", segment)
        segment = _TIME_OPENER.sub("", segment)  # "Hours later Ukraine's ministry said"
        words = segment.split()
        if not words or len(words) > 8 or re.search(r"\d(?!\d*(?:st|nd|rd|th)\b)", segment):
            continue  # a figure is no claimant; an ordinal may be ("the 131st battalion")
        if re.match(r"^(?i:verified|geolocated|confirmed)\b", segment):
            return _Speaker(None, "verified", None, verb, True)
        first = words[0]
        if not (
            first[:1].isupper()
            or first.lower() in {"the", "a", "an"}
            or first.lower() in _PRONOUNS
            or _ROLE_BEFORE_NAME.match(segment)  # "commander-in-chief Oleksandr Syrskyi said"
            or _MEMBERS_OF.match(segment)
        ):  # "soldiers of the 131st battalion announced"
            continue
        if len(words) > 1 and first.lower() in _OPENERS:
            continue  # "In the Kharkiv area ...", "If true ..."
        name = _resolve_claimant(segment, ctx)
        if not name:
            continue
        start = s.find(segment, 0, v.start())
        stance = "disputes" if verb in DISPUTE_VERBS else "claims"
        return _Speaker(name, stance, (start, start + len(segment)) if start >= 0 else None, verb, True)
    if re.match(r"^(?:And|But|Or|Also)\b|^[a-z]", s) and ctx.claimant:
        return _Speaker(ctx.claimant, ctx.stance, None, None, False)
    if ctx.claimant and ctx.stance == "claims" and re.search(r"\d", s) and not re.match(r"^(?i:meanwhile|separately)\b", s):
        # a figure right after a source's figures continues its account ("Of that, 629 km² ...")
        return _Speaker(ctx.claimant, ctx.stance, None, None, False)
    return _Speaker(None, "claims", None, None, False)


def _resolve_claimant(raw: str, ctx: _Context) -> str | None:
    """A claimant's name, with pronouns, "Mr. X" and "the ministry" resolved through the
    context, and the name recorded there."""
    text = raw.strip(" ,;:\"'")
    low = text.lower()
    if low in _PRONOUNS:
        pool = ctx.persons if _PRONOUNS[low] == "person" else ctx.orgs
        return pool[-1] if pool else text
    m = re.fullmatch(r"(?:Mr|Mrs|Ms|Dr)\.?\s+(?P<surname>[A-Z][\w'-]+)", text)
    if m:
        surname = m.group("surname")
        for person in reversed(ctx.persons):
            if person.split()[-1] == surname:
                return person
        ctx.persons.append(surname)
        return surname
    if _GENERIC_ORGS.match(text) and ctx.orgs:  # "the monitoring group said": the organisation named before
        noun = text.split()[-1].lower()
        return next((o for o in reversed(ctx.orgs) if noun in o.lower()), ctx.orgs[-1])
    m = re.fullmatch(r"(?i:the)\s+(?P<noun>[a-z]+(?:\s+[a-z]+)?)", text)
    if m:
        noun = m.group("noun").lower()
        for org in reversed(ctx.orgs):
            if noun in org.lower():
                return org
        for person in reversed(ctx.persons):
            if noun in person.lower():
                return person
    name, is_person = _clean_claimant(text)
    if not name:
        return None
    if name[:1].isupper() and name.lower() not in _STOP_NAMES:
        (ctx.persons if is_person else ctx.orgs).append(name)
    return name


_STATEMENT_DATED = re.compile(
    r"\b(?:" + "|".join(_REPORT_VERBS) + r")(?:\s+(?:reporters|journalists|lawmakers|parliament|in|a|an|its|his|her|"
    r"their|the|daily|morning|evening|nightly|late-night|video|televised|statement|update|briefing|address|"
    r"report|post|on|Telegram|X|interview|late|early|conference|news|press|[A-Z][\w'-]*)){0,5}\s*$",
    re.IGNORECASE,
)


def _statement_time(s: str, times: list[_Time], speaker: _Speaker) -> _Time | None:
    """The time phrase that dates the statement ("said on Friday", "On Friday, X said")."""
    if speaker.verb is None or not speaker.explicit:
        return None
    for t in times:
        if t.kind not in _POINT_KINDS:
            continue
        between = s[: t.start]
        if _STATEMENT_DATED.search(between):  # "said on Friday", "told reporters on Friday"
            return t
        if t.start == 0 and s[t.end : t.end + 1] == ",":
            return t
    return None
