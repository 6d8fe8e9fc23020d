"""Word lists and verb tables: qualifiers, report/dispute/action verbs, titles, org and place words, stop names, sides."""

from __future__ import annotations

import calendar
import re

QUALIFIER_WORDS: dict[str, str] = {
    "more than": "more_than", "over": "more_than", "in excess of": "more_than",
    "upwards of": "more_than", "above": "more_than",
    "at least": "at_least", "no fewer than": "at_least", "no less than": "at_least",
    "a minimum of": "at_least",
    "about": "about", "around": "about", "approximately": "about", "roughly": "about",
    "some": "about", "nearly": "about", "almost": "about", "close to": "about",
    "an estimated": "about", "estimated": "about",
    "up to": "up_to", "as many as": "up_to", "as much as": "up_to", "at most": "up_to",
    "no more than": "up_to", "within": "up_to",
    "less than": "less_than", "fewer than": "less_than", "under": "less_than",
    "below": "less_than",
    "just": "exact", "exactly": "exact", "precisely": "exact", "only": "exact",
}  # fmt: skip
"""Words before a figure and the qualifier they give ("nearly"/"almost" read as ``about``:
close to the figure; "just" means exactly, as in "just 15 km")."""

DISPUTE_VERBS = frozenset({
    "disputed", "disputes", "dispute", "denied", "denies", "deny", "rejected", "rejects",
    "dismissed", "dismisses", "contested", "contests", "refuted", "refutes", "rebuffed",
    "rebutted", "rebuts", "denying", "disputing", "rejecting", "dismissing",
})  # fmt: skip
"""Reporting verbs that give stance ``disputes``."""

_REPORT_VERBS = (
    "said says say claims claimed claim stated states reported reports announced announces "
    "calculated calculates estimated estimates acknowledged acknowledges admitted admits "
    "asserts asserted assert added adds told tells tell wrote writes confirmed confirms insisted insists "
    "assessed assesses noted notes showed shows show purporting purported purports "
    "declared declares posted posts tweeted conceded concedes boasted boasts alleged alleges "
    "indicated indicates suggested suggests found finds counted counts tallied reckoned "
    "announcing claiming saying reporting estimating adding noting " + " ".join(sorted(DISPUTE_VERBS))
).split()

CLAIMANT_SIDES: dict[str, str] = {
    "ukrain": "UA", "kyiv": "UA", "kiev": "UA", "zelensk": "UA", "zaluzhn": "UA",
    "reznikov": "UA", "kuleba": "UA", "podol": "UA", "malyar": "UA", "maliar": "UA", "syrsk": "UA",
    "yanushevych": "UA", "zhvytsk": "UA", "budanov": "UA", "umerov": "UA", "yermak": "UA",
    "shmyhal": "UA", "hromov": "UA", "humeniuk": "UA", "cherevat": "UA", "voloshyn": "UA",
    "tarnavsk": "UA", "syniehubov": "UA", "synehubov": "UA", "haidai": "UA", "kyrylenko": "UA",
    "fedorov": "UA", "prokudin": "UA", "kim": "UA", "lysak": "UA", "filashkin": "UA",
    "general staff": "UA", "azov": "UA", "khartiia": "UA",
    "russia": "RU", "moscow": "RU", "kremlin": "RU", "putin": "RU", "shoigu": "RU",
    "peskov": "RU", "lavrov": "RU", "konashenkov": "RU", "gerasimov": "RU", "saldo": "RU",
    "pushilin": "RU", "ganchev": "RU", "prigozhin": "RU", "wagner": "RU", "belousov": "RU",
    "zakharova": "RU", "medvedev": "RU", "kadyrov": "RU", "alaudinov": "RU", "balitsky": "RU",
    "pasechnik": "RU", "stremousov": "RU", "surovikin": "RU", "tass": "RU", "ria novosti": "RU",
}  # fmt: skip
"""Lower-case name parts that tie a claimant to a side (used only when the sentence names no
side): states and their institutions, and officials of 2022."""

_SETTLEMENT_NOUNS = frozenset({
    "communities", "settlements", "villages", "towns", "cities", "localities", "hamlets",
    "populated", "places",
})  # fmt: skip

_ACTION_VERBS: dict[str, tuple[str, ...]] = {
    "retake": (
        "retook", "retaken", "retakes", "retake", "retaking", "recaptured", "recapture",
        "recaptures", "regained", "regain", "regains", "reclaimed", "reclaim", "reclaims",
        "won back", "taken back", "took back", "returned", "returned to",
    ),
    "liberate": ("liberated", "liberate", "liberates", "liberating", "freed", "de-occupied",
                 "deoccupied"),
    "capture": ("captured", "capture", "captures", "capturing", "seized", "seize", "seizes", "seizing",
                "took", "taken", "takes", "take", "taking", "occupied", "overran", "conquered", "entered",
                "enter", "enters", "stormed", "cleared", "overrun", "annexed"),
    "gain": ("gained", "gain", "gains"),
    "loss": ("lost", "lose", "loses", "losing", "ceded", "surrendered", "gave up", "abandoned", "left",
             "driven out of", "pushed out of", "forced out of", "expelled from", "ousted from"),
}  # fmt: skip
_VERB_ACTION = {verb: action for action, verbs in _ACTION_VERBS.items() for verb in verbs}
_CHANGE_VERB = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _VERB_ACTION), key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_WITHDRAW_VERB = (
    r"(?:withdrew|withdrawn|withdraws|withdraw|withdrawing|retreated|retreats|retreat|"
    r"pulled out|pulls out|pull out|pulling out|pulled back|pulls back|pull back|fled|"
    r"regrouped|regrouping|relocated|redeployed)"
)
_ADVANCE_VERB = re.compile(
    r"\b(?:pushed|pushes|push|pushing|advanced|advances|advance|advancing|moved|moves|"
    r"penetrated|pressed|drove|broke through|progressed|gained)\b",
    re.IGNORECASE,
)
_HOLD_VERB = re.compile(r"\b(?:controls?|controlled|holds?|held|occupies|occupy)\b", re.IGNORECASE)

_TITLES = re.compile(
    r"^(?:(?:Deputy|Vice|First|Acting|Former|Chief|Ukrainian|Russian|Ukraine's|Russia's)\s+)*"
    r"(?:(?:President|Prime\s+Minister|Defen[cs]e\s+Minister|Foreign\s+Minister|Minister|"
    r"Governor|Gov\.|Mayor|General(?!\s+Staff)|Gen\.|Lieutenant\s+General|Lt\.?\s+Gen\.|Colonel|Col\.|"
    r"Major|Maj\.|Commander|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Sir)\s+)+"
)
_ROLE_BEFORE_NAME = re.compile(
    r"^.*?\b(?i:spokes(?:man|woman|person)|governor|head|minister|commander|mayor|chief|"
    r"adviser|advisor|official|leader|president|secretary|ombudsman|envoy|(?:general\s+)?staff)\s+(?=[A-Z][a-z]+\s+[A-Z])"
)
_ORG_WORDS = frozenset({
    "institute", "ministry", "army", "staff", "forces", "command", "council", "service",
    "agency", "office", "government", "kremlin", "pentagon", "guard", "administration",
    "military", "isw", "ukraine", "russia", "ukraine's", "russia's", "kyiv", "moscow",
    "intelligence", "headquarters", "department", "committee", "media", "tank",
})  # fmt: skip
_PRONOUNS = {"he": "person", "she": "person", "it": "org", "they": "org"}
_OPENERS = frozenset({
    "in", "on", "at", "if", "since", "after", "before", "during", "while", "despite", "according",
    "there", "this", "that", "these", "those", "when", "where", "as", "by", "for", "from", "with",
})  # fmt: skip
_GENERIC_COUNT_NOUNS = frozenset({"pieces", "units", "items", "sets", "kinds", "types", "lots"})

_STOP_NAMES = frozenset({
    "the", "a", "an", "and", "but", "or", "if", "in", "on", "at", "of", "to", "for", "from",
    "by", "with", "as", "since", "after", "before", "during", "while", "despite", "according",
    "near", "there", "this", "that", "these", "those", "it", "he", "she", "they", "we", "its",
    "his", "her", "their", "our", "mr", "mrs", "ms", "president", "general", "governor",
    "verified", "ukraine", "ukrainian", "ukrainians", "russia", "russian", "russians",
    "moscow", "kremlin", "kyiv's", "kiev's", "nato", "west", "east", "north", "south",
    *(name.lower() for name in calendar.day_name),
    *(name.lower() for name in calendar.month_name if name),
})  # fmt: skip
