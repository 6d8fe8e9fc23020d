"""``place_control`` claims: a side takes, retakes, holds, leaves or is present in a place (or holds a region).

Rules
-----
Verbs
    Of both directions: took, seized, captured, cleared, stormed, liberated, retook...;
    withdrew, pulled out/back, regrouped, fled; "driven/pushed out of", "expelled from" (the
    side named nearest before leaves); troops "stationed around X and Y were being
    regrouped" (withdrawn, relocated) leave them; "X fell to Russian forces"; "X is ours" and
    "Our X!" (the claimant's side holds it; for "X is ours" without a claimant, the side the
    sentence names); troops or flags in a place; "controlled by", "under Russian
    control", "is now entirely in Russian hands", "under its control" (the claimant's side);
    "declared X liberated" (X may be "the port city": the place before); "the town had been
    taken" (the place before; in a denial, taken by the other side); "X, which Y said on D
    had been taken back"; "withdrew to the outskirts of X" (they left X); "among the
    villages <the side> left are A, B and C"; a region of Russia "has been liberated"
    (measured as ground in Russia); a Ukrainian oblast "fully under Russian control" or "the
    entire X region liberated" is a ``share`` of 100 %. "leaves X as the last town ..." is no
    withdrawal. Several places listed after one verb ("took Izium, Balakliia and Kupiansk")
    give one claim each.
Places
    "it" or "the town" (city, village) after a control verb is the last place named before
    it (in the sentence, else before it). How places are found:
    :mod:`frontwatch.claims.extract.places`.
"""

from __future__ import annotations

import re
from typing import Any

from frontwatch.claims.extract.lexicon import _CHANGE_VERB, _VERB_ACTION, _WITHDRAW_VERB
from frontwatch.claims.extract.places import _COMPASS, _claimant_side, _oblast, _Place, _region, _unknown_place
from frontwatch.claims.extract.sentence import _claim, _Context, _Found, _place_before, _Sentence, _side_at
from frontwatch.claims.model import Claim, Quantity

_OBJECT_REST = (
    r"(?:(?:full\s+)?control\s+(?:of|over)\s+)?"
    r"(?:(?:the\s+)?(?:whole|entirety|rest|remainder)\s+of\s+|all\s+of\s+)?"
    r"(?:the\s+(?:[\w-]+\s+){0,2}?(?:towns?|city|cities|villages?|settlements?|hamlets?|port|hub|capital)\s+of\s+)?"
    r"(?:(?:the\s+)?(?:[\w-]+\s+){0,3}?(?:centre|center|outskirts|edge|part|parts|districts?|neighbou?rhoods?|"
    r"suburbs?|half)\s+of\s+)?"
)
_PASSIVE_VERBS = {
    "liberated": "liberate", "freed": "liberate", "captured": "capture", "taken": "capture", "seized": "capture",
    "occupied": "capture", "cleared": "capture", "retaken": "retake", "recaptured": "retake", "stormed": "capture",
    "taken under control": "capture", "brought under control": "capture", "taken under full control": "capture",
    "taken back": "retake", "won back": "retake",
    "brought under full control": "capture", "falls": "capture", "fell": "capture", "fallen": "capture",
}  # fmt: skip
_NOUNS = {"liberation": "liberate", "capture": "capture", "seizure": "capture", "occupation": "capture",
          "recapture": "retake", "fall": "capture", "takeover": "capture"}  # fmt: skip
_OBJECT = r"(?:\s+back)?\s+" + _OBJECT_REST
_CONTROL_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("verb", re.compile(rf"{_CHANGE_VERB.pattern}(?:\s+of)?{_OBJECT}(?P<obj>it\b|(?=[A-Z])|"
                        r"the\s+(?:town|city|village|settlement)\b(?!\s+(?:of|council|hall|centre|center)\b))",
                        re.IGNORECASE)),
    ("moved", re.compile(
        r"\b(?:troops|forces|units|grouping|group|garrison|soldiers)\s+(?:[\w'-]+\s+){0,4}?"
        r"(?:stationed|deployed|based|positioned|located)\s+(?:around|in|near|at)\s+(?P<obj>(?=[A-Z]))")),
    ("our_place", re.compile(
        r"(?:^|(?<=[\"']))\s*(?:Ours[.!]\s+)?Our\s+(?P<obj>[A-Z][\w'-]+(?:[ -][A-Z][\w'-]+)?)\s*[,.!]*\s*[\"']")),
    ("withdraw", re.compile(
        rf"\b(?P<verb>{_WITHDRAW_VERB})\s+(?:from|of|out\s+of|to(?=\s+the\s+(?:[\w-]+\s+)?(?:outskirts|edges?)\s+of\b))\s+"
        rf"{_OBJECT_REST}"
        r"(?P<obj>it\b|(?=[A-Z]))", re.IGNORECASE)),
    ("expel", re.compile(
        r"\b(?:(?:driven|pushed|forced|kicked|thrown|knocked|chased|drove|pushed|forced|kicked|threw|knocked)"
        r"\s+(?:[\w'-]+\s+){0,3}?out\s+of|expelled\s+from|ousted\s+from|dislodged\s+from|cleared\s+of)\s+"
        + _OBJECT_REST + r"(?P<obj>it\b|(?=[A-Z]))", re.IGNORECASE)),
    ("fell", re.compile(
        r"(?P<obj>(?=[A-Z])|\bit\b|(?<=\bthe\s)(?:town|city|village))(?:[A-Z][\w'-]+(?:[ -][A-Z][\w'-]+)?)?\s+"
        r"(?:has\s+|had\s+|have\s+)?(?:fell|fallen)\b(?:\s+to\s+(?:the\s+)?(?P<side>Russian|Ukrainian|Russia|Ukraine))?")),
    ("ours", re.compile(
        r"(?P<obj>(?=[A-Z]))[A-Z][\w'-]+(?:[ -][A-Z][\w'-]+)?\s+(?:is|was|are)\s+(?:(?:now|once\s+again|again)\s+)?"
        r"(?:ours|under\s+(?:our|the)\s+(?:full\s+)?control\s+of\s+(?:our|the)\s+\w+|under\s+our\s+(?:full\s+)?control)\b")),
    ("passive", re.compile(
        r"(?P<obj>(?=[A-Z]))[A-Z][\w'-]+(?:[ -][A-Z][\w'-]+)?(?:,[^,]{1,60},|,\s*(?:which|that)\s+[^,.;]{1,80}?\b"
        r"(?:said|says|announced|claimed|reported|confirmed)(?:\s+on\s+(?:\d{1,2}\s+)?[A-Z][a-z]+)?)?"
        r"(?:\s+in\s+the\s+[A-Z][\w'-]+\s+(?:region|oblast|area))?\s+"
        r"(?:(?:has|had|have|was|were|is|are)\s+)?(?:(?:been|now|also|reportedly)\s+)*"
        r"(?:(?:fully|completely|finally|officially|entirely|largely)\s+)?"
        r"(?P<verb>taken\s+under\s+(?:full\s+)?control|brought\s+under\s+(?:full\s+)?control|taken\s+back|won\s+back|"
        r"liberated|freed|captured|taken|seized|occupied|cleared|retaken|recaptured|stormed|falls|fell|fallen)\b"
        r"(?!\s+(?:by\s+)?(?:the\s+)?[a-z]+\s+(?:of|in)\b)(?:\s+by\s+(?:the\s+)?(?P<side>Russian|Ukrainian|Russia|Ukraine))?")),
    ("passive_it", re.compile(
        r"\bthe\s+(?:town|city|village|settlement)\s+(?:(?:has|had|have|was|were|is|are)\s+)?(?:(?:been|now|also|reportedly)\s+)*"
        r"(?:(?:fully|completely|finally|officially|entirely|largely)\s+)?"
        r"(?P<verb>liberated|freed|captured|taken|seized|occupied|retaken|recaptured|stormed|fallen|fell)\b"
        r"(?!\s+(?:by\s+)?(?:the\s+)?[a-z]+\s+(?:of|in)\b)")),
    ("region_passive", re.compile(
        r"(?<![\w'])(?P<region>[A-Z][\w'-]+)\s+(?:region|oblast)\s+(?:(?:has|had|have|was|were|is)\s+)?"
        r"(?:(?:been|now)\s+)*(?:(?:fully|completely|entirely|finally)\s+)?"
        r"(?P<verb>liberated|freed|captured|taken|retaken|recaptured|cleared)\b")),
    ("region_whole", re.compile(
        r"(?:\b(?P<whole>entire|whole)\s+)?(?<![\w'])(?P<region>[A-Z][\w'-]+)\s+(?:region|oblast)\s+"
        r"(?:(?:is|was|has\s+been|had\s+been|now|remains|remained)\s+)*(?P<full>(?:fully|completely|entirely|wholly)\s+)?"
        r"(?:under\s+(?P<side>Russian|Ukrainian)\s+(?:full\s+)?control|in\s+(?P<side2>Russian|Ukrainian)\s+hands|"
        r"(?P<verb>liberated|freed|captured|taken))\b")),
    ("among", re.compile(
        r"\b(?i:among|including)\s+the\s+(?:[\w-]+\s+)?(?:villages?|towns?|settlements?|places|localities)\s+"
        r"(?P<mid>[^.;:]{0,80}?)\s+(?:are|were|is|was|include|included)\s+(?P<obj>(?=[A-Z]))")),
    ("noun", re.compile(
        r"\bthe\s+(?:full\s+|complete\s+|final\s+)?(?P<noun>liberation|capture|seizure|occupation|recapture|fall|"
        r"takeover)\s+of\s+" + _OBJECT_REST + r"(?P<obj>(?:the\s+(?:town|city|village)\b)|it\b|(?=[A-Z]))",
        re.IGNORECASE)),
    ("claims_place", re.compile(
        r"\bclaim(?:s|ed)?\s+(?:(?:full\s+)?(?:control\s+of|capture\s+of)\s+)?(?P<obj>(?=[A-Z]))"
        r"|\b(?:reports?|claims?|allegations?)\s+(?:on|of|about)\s+(?:the\s+(?:capture|fall|loss|seizure)\s+of\s+)?"
        r"(?P<obj2>(?=[A-Z]))", re.IGNORECASE)),
    ("leave", re.compile(
        r"\b(?:quit|quits|quitting|left|leaves|abandoned|abandons|abandon|evacuated)\s+" + _OBJECT_REST
        + r"(?P<obj>(?=[A-Z]))"
        r"|\b(?:pull(?:ed|s|ing)?|move[ds]?|withdr[ae]w(?:n|s)?)\s+(?:[\w'-]+\s+){1,3}?(?:out\s+of|from)\s+" + _OBJECT_REST
        + r"(?P<obj2>(?=[A-Z]))"
        r"|\b(?:withdrawal|retreat|pull-?out|exit|departure)\s+(?:of\s+[\w\s'-]{1,40}?\s+)?(?:from|of)\s+"
        + _OBJECT_REST + r"(?P<obj3>(?=[A-Z]))", re.IGNORECASE)),
    ("remains", re.compile(
        r"(?P<obj>(?=[A-Z]))[A-Z][\w'-]+(?:[ -][A-Z][\w'-]+)?\s+(?:remains?|is|was|stays?|stayed|are|were)\s+"
        r"(?:(?:still|firmly|fully|now|entirely|completely|wholly|again|already)\s+){0,2}"
        r"(?:under\s+(?:the\s+)?(?:full\s+)?control\s+of\s+(?:the\s+)?"
        r"(?P<side>Ukraine|Russia|Ukrainian|Russian|Kyiv|Moscow)|in\s+(?P<side2>Ukrainian|Russian)\s+hands"
        r"|under\s+(?P<side3>Ukrainian|Russian)\s+(?:full\s+)?control|(?P<ours>ours|under\s+(?:our|its|their)\s+(?:full\s+)?control))")),
    ("declare", re.compile(
        r"\b(?:declared?|declares|declaring|proclaimed|proclaims|pronounced|pronounces)\s+"
        r"(?P<obj>the\s+(?:[\w-]+\s+)?(?:town|city|village|settlement)\b|(?=[A-Z]))(?:[A-Z][\w'-]+(?:[ -][A-Z][\w'-]+)?)?\s+"
        r"(?:(?:fully|completely|entirely|now|officially|finally)\s+)?"
        r"(?P<what>liberated|freed|captured|taken|seized|retaken|recaptured|taken\s+back|"
        r"under\s+(?:(?P<side>Russian|Ukrainian)|its|their|our)\s+(?:full\s+)?control|in\s+(?P<side2>Russian|Ukrainian)\s+hands)\b")),
    ("hold_verb", re.compile(
        r"\b(?:held|holds|hold|holding|controlled|controls|control|controlling|kept|keeps|retains|retained)\s+"
        r"(?:(?:full\s+)?control\s+(?:of|over)\s+)?" + _OBJECT_REST + r"(?P<obj>(?=[A-Z]))")),
    ("hold_by", re.compile(
        r"\b(?:controlled|held|occupied)\s+by\s+(?P<side>Russia|Ukraine|Russian|Ukrainian|Moscow|Kyiv)")),
    ("hold_adj", re.compile(r"\b(?P<side>Russian|Ukrainian)[- ](?:controlled|held|occupied)\s+(?=[A-Z])")),
    ("hold_under", re.compile(r"\bunder\s+(?P<side>Russian|Ukrainian)\s+control\b")),
    ("present", re.compile(
        r"\b(?:(?P<side>Ukrainian|Russian)\s+)?(?:troops|forces|soldiers|servicemen|units|flags?)\s+"
        r"(?:(?:were|are|was|is|flying|standing|operating|still|remain|remained)\s+)*(?:in|inside|into|over|entering|on|at)\s+"
        + _OBJECT_REST + r"(?=[A-Z])")),
    ("flag", re.compile(
        r"\b(?:(?P<side>Ukrainian|Russian)\s+)?flags?\s+(?:\w+\s+){0,2}?(?:flying|raised|hoisted|flew|fly)\b"
        r"|\b(?:raised|hoisted|raising|hoisting|planted|planting|raise|hoist|plant)\s+(?:the\s+|a\s+|their\s+|its\s+)?"
        r"(?:(?P<side2>Ukrainian|Russian)|national|state)?\s*flags?", re.IGNORECASE)),
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


_MOVED_AWAY = re.compile(
    r"\s+(?:were|was|are|is|had\s+been|have\s+been|has\s+been|would\s+be|will\s+be)\s+(?:being\s+)?"
    r"(?:regrouped|withdrawn|pulled\s+(?:out|back)|relocated|redeployed|moved\s+(?:out|back|away))\b"
)
"""Troops in a place "being regrouped", "withdrawn", "relocated": they leave it (the words an
army uses for a withdrawal)."""


_LEAVE_AS = re.compile(r"(?:,[^,.;]{1,60},)?\s+as\s+(?:the|a|an|its)\b")
"""After "leaves X": "... as the last big town" keeps X as it is (the idiom "leave X as Y")."""
_LEFT_FROM = re.compile(
    r"\b(?:driven|pushed|forced|kicked|thrown|knocked|chased)\s+out(?:\s+of)?\b|\b(?:expelled|ousted|dislodged)\b"
    r"|\b(?:withdrew|withdrawn|retreated|fled|left|pulled\s+out)\b",
    re.IGNORECASE,
)
"""Words in "among the villages <...> are" that say the side named there left them."""


def _place_at(sent: _Sentence, at: int, ctx: _Context) -> tuple[_Place | None, str]:
    """The place named at a position, or the one "it" or "the town" stands for."""
    it = sent.s[at : at + 2].lower() == "it" and not sent.s[at + 2 : at + 3].isalpha()
    if it or re.match(r"(?i:the\s+(?:[\w-]+\s+)?(?:town|city|village|settlement))\b", sent.s[at:]):
        return _place_before(sent, at, ctx)
    place = next((p for p in sent.places if p.start == at), None)
    return place or _unknown_place(sent.s, at), "text"


_LIST_JOIN = re.compile(
    r"\s*(?:,\s*(?:and\s+|as\s+well\s+as\s+)?|\s+and\s+|\s+as\s+well\s+as\s+|\s+along\s+with\s+)"
    r"(?:(?:the\s+)?(?:nearby\s+)?(?:villages?|towns?|cities|city|settlements?|hamlets?)\s+(?:of\s+)?)?"
)


_IN_REGION = re.compile(r"\s+in\s+the\s+[A-Z][\w'-]+\s+(?:region|oblast|area)")


def _listed_after(sent: _Sentence, place: _Place | None) -> list[_Place]:
    """The places listed right after a place ("Izium, Balakliia and Kupiansk", "Krasnoarmeysk
    in the Donetsk region and Volchansk in the Kharkiv region"): one claim each."""
    out: list[_Place] = []
    while place is not None:
        end = place.end
        r = _IN_REGION.match(sent.s, end)
        if r:
            end = r.end()
        m = _LIST_JOIN.match(sent.s, end)
        nxt = next((p for p in sent.places if m and p.start == m.end()), None)
        if nxt is None:
            break
        out.append(nxt)
        place = nxt
    return out


def _fall_side(sent: _Sentence) -> str:
    """Whom a place "fell" to when the text does not say: the speaker's side, or for a denial
    ("denied that the city had fallen") the other side; Russia when the speaker is unknown."""
    own = _claimant_side(sent.speaker.claimant)
    if own and sent.speaker.stance == "disputes":
        return {"UA": "RU", "RU": "UA"}[own]
    return own or "RU"


def _listed_before(sent: _Sentence, place: _Place) -> list[_Place]:
    """The places listed right before a place ("Pokrovsk and Vovchansk captured")."""
    out: list[_Place] = []
    while True:
        prev = next((p for p in sent.places if p.end <= place.start and (m := _LIST_JOIN.fullmatch(
            sent.s, p.end, place.start))), None)  # fmt: skip
        if prev is None or m is None:
            break
        out.insert(0, prev)
        place = prev
    return out


def resolve(sent: _Sentence, ctx: _Context, found: _Found) -> list[Claim]:
    """The sentence's place_control claims."""
    return _place_control(sent, ctx)


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
        key = ("leave" if action in ("loss", "withdraw") else action, place.name if place else str(extra))
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
            subject.update(_region(s, place.start) if place else _region(s))
        out.append(_claim("place_control", sent, ctx, subject=subject, at=at))

    for how, pattern in _CONTROL_PATTERNS:
        for m in pattern.finditer(s):
            if how == "verb":
                action = _VERB_ACTION[m.group(1).lower()]
                place, source = _place_at(sent, m.start("obj"), ctx)
                for p in [place, *_listed_after(sent, place)]:
                    add(p, source, action, _side_at(sent, m.start()), at=m.span())
            elif how == "moved":  # "the troops stationed around Balakliia and Izium were being regrouped"
                place = next((p for p in sent.places if p.start == m.start("obj")), None)
                if place is None:
                    continue
                listed = [place, *_listed_after(sent, place)]
                if _MOVED_AWAY.match(sent.s, listed[-1].end):
                    for p in listed:
                        add(p, "text", "withdraw", _side_at(sent, m.start()), at=m.span())
            elif how == "our_place":  # "Our Kherson!": the claimant's side holds it
                place = next((p for p in sent.places if p.start == m.start("obj")), None)
                side = _claimant_side(sent.speaker.claimant)
                if place is not None and side:
                    add(place, "text", "hold", side, at=m.span())
            elif how == "passive":
                verb = re.sub(r"\s+", " ", m.group("verb").lower())
                place, source = _place_at(sent, m.start("obj"), ctx)
                reported = re.search(r"\b(?:says|said|claims|claimed)\s+$", s[: m.start("obj")])
                if place is None or not (any(p.start == m.start("obj") for p in sent.places) or reported):
                    continue  # a capitalised word that is no place ("Ukraine confirms ..."); but "Russia
                    # says Sudzha recaptured" names a place the gazetteer may not hold
                side = (_SIDE_WORD[m.group("side").lower()] if m.group("side")
                        else _side_at(sent, m.start("verb")) if verb not in ("falls", "fell", "fallen")
                        else _fall_side(sent))  # fmt: skip
                for p in [*_listed_before(sent, place), place]:
                    add(p, source, _PASSIVE_VERBS.get(verb, "capture"), side, at=m.span())
            elif how == "noun":
                noun = m.group("noun").lower()
                if re.match(r"(?i:the\s+(?:town|city|village))", s[m.start("obj") :]):
                    place, source = _place_before(sent, m.start(), ctx)
                else:
                    place, source = _place_at(sent, m.start("obj"), ctx)
                side = _fall_side(sent) if noun == "fall" else _side_at(sent, m.start())
                for p in [place, *_listed_after(sent, place)]:
                    add(p, source, _NOUNS[noun], side, at=m.span())
            elif how == "claims_place":
                at = m.start("obj") if m.group("obj") is not None else m.start("obj2")
                place = next((p for p in sent.places if p.start == at), None)
                if place is not None:
                    # "dismissed the report on Chasiv Yar": the report of the other side's capture
                    side = _fall_side(sent) if m.group("obj") is None else _side_at(sent, m.start())
                    for p in [place, *_listed_after(sent, place)]:
                        add(p, "text", "capture", side, at=m.span())
            elif how == "leave":
                at = next(m.start(g) for g in ("obj", "obj2", "obj3") if m.group(g) is not None)
                place, source = _place_at(sent, at, ctx)
                if m.group("obj") is not None and place is not None and _LEAVE_AS.match(s, place.end):
                    continue  # "leaves Lysychansk ... as the last town": leaves it so, not a withdrawal
                if place is not None and any(p.start == at for p in sent.places):
                    for p in [place, *_listed_after(sent, place)]:
                        add(p, source, "withdraw", _side_at(sent, m.start()), at=m.span())
            elif how == "expel":
                # the side driven out is the one named nearest before "out of"
                place, source = _place_at(sent, m.start("obj"), ctx)
                add(place, source, "withdraw", _side_at(sent, m.start("obj")), at=m.span())
            elif how == "fell":
                if re.match(r"(?i:town|city|village)", s[m.start("obj") :]):
                    place, source = (ctx.last_place, "context")
                else:
                    place, source = _place_at(sent, m.start("obj"), ctx)
                side = _SIDE_WORD[m.group("side").lower()] if m.group("side") else _fall_side(sent)
                add(place, source, "capture", side, at=m.span())
            elif how == "ours":  # the claimant's side, or the side the sentence names ("'X is ours': Ukrainian troops")
                place, source = _place_at(sent, m.start("obj"), ctx)
                side = _claimant_side(sent.speaker.claimant) or (sent.sides[0][1] if sent.sides else None)
                add(place, source, "hold", side, at=m.span())
            elif how == "remains":
                place = next((p for p in sent.places if p.start == m.start("obj")), None)
                word = m.group("side") or m.group("side2") or m.group("side3")
                side = _SIDE_WORD[word.lower()] if word else _claimant_side(sent.speaker.claimant)
                add(place, "text", "hold", side, at=m.span())
            elif how == "declare":  # "declared Mariupol liberated", "declares the city under its control"
                place, source = _place_at(sent, m.start("obj"), ctx)
                what = re.sub(r"\s+", " ", m.group("what").lower())
                word = m.group("side") or m.group("side2")
                side = _SIDE_WORD[word.lower()] if word else (_claimant_side(sent.speaker.claimant)
                                                              or _side_at(sent, m.start()))  # fmt: skip
                action = "hold" if ("control" in what or "hands" in what) else _PASSIVE_VERBS.get(what, "capture")
                add(place, source, action, side, at=m.span())
            elif how == "passive_it":  # "denied that the town had been taken"
                place, source = _place_before(sent, m.start(), ctx)
                verb = m.group("verb").lower()
                side = (_fall_side(sent) if verb in ("fell", "fallen") or sent.speaker.stance == "disputes"
                        else _side_at(sent, m.start("verb")))  # fmt: skip
                add(place, source, _PASSIVE_VERBS.get(verb, "capture"), side, at=m.span())
            elif how == "region_passive":  # "the Kursk region has been liberated": a region in Russia
                region = _region(s, m.start())
                if region.get("country") == "RU" and region.get("region") == m.group("region"):
                    verb = m.group("verb").lower()
                    side = _side_at(sent, m.start("verb"))
                    add(None, "text", _PASSIVE_VERBS.get(verb, "capture"), side, dict(region), at=m.span())
            elif how == "region_whole":  # "the Luhansk region fully under Russian control": 100 % of it
                oblast = _oblast(m.group("region"))
                if not oblast or not (m.group("whole") or m.group("full")) or any(
                        c.kind == "share" and c.span == sent.span for c in ctx.claims):  # fmt: skip
                    continue  # not a Ukrainian oblast, not all of it, or the sentence gives its share
                word = m.group("side") or m.group("side2")
                side = _SIDE_WORD[word.lower()] if word else _side_at(sent, m.start("region"))
                q = Quantity(100.0, "percent", "exact", m.group(0), 1.0)
                out.append(_claim("share", sent, ctx, subject={"side": side, "action": "hold",
                                                               "region": m.group("region"), "oblast": oblast},
                                  quantity=q, at=m.span()))  # fmt: skip
            elif how == "among":  # "among the villages the occupiers were driven out of are A, B and C"
                place = next((p for p in sent.places if p.start == m.start("obj")), None)
                mid = m.group("mid")
                if place is None:
                    continue
                if _LEFT_FROM.search(mid):  # the side named there left them
                    action, side = "withdraw", _side_at(sent, m.end("mid"))
                else:
                    verb_m = _CHANGE_VERB.search(mid)
                    if verb_m is None:
                        continue
                    action, side = _VERB_ACTION[verb_m.group(1).lower()], _side_at(sent, m.start("mid") + verb_m.start())
                for p in [place, *_listed_after(sent, place)]:
                    add(p, "text", action, side, at=m.span())
            elif how == "hold_verb":
                place = next((p for p in sent.places if p.start == m.start("obj")), None)
                add(place, "text", "hold", _side_at(sent, m.start()), at=m.span())
            elif how == "withdraw":
                place, source = _place_at(sent, m.start("obj"), ctx)
                for p in [place, *_listed_after(sent, place)]:
                    add(p, source, "withdraw", _side_at(sent, m.start()), at=m.span())
            elif how in {"hold_by", "hold_adj", "hold_under"}:
                side = _SIDE_WORD[m.group("side").lower()]
                after = [p for p in sent.places if p.start >= m.end()]
                before = [p for p in sent.places if p.end <= m.start()]
                place = after[0] if after else (before[-1] if before else None)
                add(place, "text", "hold", side, at=m.span())
            elif how == "present":
                place, source = _place_at(sent, m.end(), ctx)
                side = _SIDE_WORD.get((m.group("side") or "").lower()) or _side_at(sent, m.start())
                for p in [place, *_listed_after(sent, place)]:
                    add(p, source, "present", side, at=m.span())
            elif how == "flag":
                side_word = (m.group("side") or m.group("side2") or "").lower()
                side = _SIDE_WORD.get(side_word) or _side_at(sent, m.start()) or _claimant_side(sent.speaker.claimant)
                later = [p for p in sent.places if p.start >= m.start()]
                place, source = (later[0], "text") if later else (ctx.last_place, "context")
                add(place, source, "present", side, at=m.span())
            elif how == "presence":
                if any(p.start == m.start("region") for p in sent.places):
                    continue  # "took full control of Avdiivka": a place, claimed by the verb patterns
                region_name = m.group("region")
                extra: dict[str, Any] = {"region": region_name}
                oblast = _oblast(re.sub(r"\s+(?:region|oblast|area)$", "", region_name))
                if oblast:
                    extra["oblast"] = oblast
                add(None, "text", "hold", _side_at(sent, m.start()), extra, at=m.span())
    return out
