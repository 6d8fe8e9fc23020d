"""Figures of a sentence: numbers (digits and words), units, qualifiers; :class:`_Figure` and :func:`_figures`.

Rules
-----
Figures
    Digits ("1,000", "1000", "50km", "2.5"), number words up to the hundreds ("three",
    "thirty-two", "two and a half") and "thousand"/"million" after them; units km², sq km, square
    kilometres/kilometers, sq miles, square miles, km, kilometres/kilometers, miles; a count
    is a figure before a plural noun ("30 communities", "two other towns"); a share is a
    percentage ("18%", "20 per cent") or a fraction ("a fifth of", read as about 20 %, to
    5 points); a range ("between 28 and 35 km", "15 to 17 percent", "two and a half to three
    kilometres") is read as up to its upper figure. Qualifiers:
    :data:`~frontwatch.claims.extract.QUALIFIER_WORDS`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from frontwatch.claims.extract.lexicon import QUALIFIER_WORDS
from frontwatch.claims.model import Quantity, precision_of

_W1 = "one|two|three|four|five|six|seven|eight|nine"
_W10 = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_W20 = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_WBASE = rf"(?:(?:{_W20})(?:[- ](?:{_W1}))?|{_W10}|{_W1})"
_WORD_VALUES = {w: i + 1 for i, w in enumerate(_W1.split("|"))}
_WORD_VALUES.update({w: i + 10 for i, w in enumerate(_W10.split("|"))})
_WORD_VALUES.update({w: (i + 2) * 10 for i, w in enumerate(_W20.split("|"))})
_MULTIPLIERS = {"thousand": 1_000, "million": 1_000_000}

_QUALIFIER_RE = "|".join(sorted(map(re.escape, QUALIFIER_WORDS), key=len, reverse=True))
_NUMBER_RE = (
    rf"(?P<num>(?<![\w.,/-])(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?(?![\d,]\d)"
    rf"|\b{_WBASE}(?:\s+hundred(?:\s+(?:and\s+)?{_WBASE})?)?(?:\s+and\s+a\s+half)?\b)"
    rf"(?:\s+(?P<mult>thousand|million)\b)?"
)
_PREFIX_RE = rf"(?:\b(?P<qual>{_QUALIFIER_RE})\s+)?"
_UNIT_PATTERNS = {
    "km2": r"sq(?:uare)?\.?\s*(?:km|kilomet(?:re|er)s?)|km2|km\u00b2|km\^2|kilomet(?:re|er)s?\s+squared",
    "sq_mi": r"sq(?:uare)?\.?\s*mi(?:les?)?|mi2|mi\u00b2",
    "km": r"kms?|kilomet(?:re|er)s?",
    "mi": r"miles?|mi",
    "percent": r"%|per\s?cent|pct",
}
_UNIT_RE = re.compile(
    _PREFIX_RE
    + _NUMBER_RE
    + r"(?:\s*|-)(?P<unit>"
    + "|".join(f"(?P<u_{name}>{pattern})" for name, pattern in _UNIT_PATTERNS.items())
    + r")(?![\w\u00b2])",
    re.IGNORECASE,
)
_RANGE_BEFORE = re.compile(
    rf"\b(?:(?i:between)\s+)?(?:\d[\d,.]*|(?i:{_WBASE})(?:\s+(?i:and\s+a\s+half))?)\s*(?:(?i:and|to)|-|–)\s*$"
)
"""A range's lower figure right before the upper one, which carries the unit."""
_FRACTIONS = {"fifth": 20.0, "quarter": 25.0, "third": 100 / 3, "sixth": 100 / 6, "tenth": 10.0, "half": 50.0,
              "two-thirds": 200 / 3, "three-quarters": 75.0}  # fmt: skip
_FRACTION_RE = re.compile(
    _PREFIX_RE + r"\b(?P<frac>(?:a|one)[- ](?:fifth|quarter|third|sixth|tenth)|half|two[- ]thirds|three[- ]quarters)"
    r"\s+of\b",
    re.IGNORECASE,
)
FRACTION_PRECISION = 5.0
"""A share written as a fraction ("a fifth") is read as about that share, rounded to 5 points."""
_NOT_ADJECTIVE = (
    r"of|in|on|at|the|and|or|to|from|by|for|with|per|a|an|that|which|who|were|was|had|have|"
    r"has|are|is|ago|percent|days?|weeks?|months?|years?|hours?|minutes?|times"
)
_COUNT_RE = re.compile(
    _PREFIX_RE
    + _NUMBER_RE
    + rf"\s+(?P<adj>(?:(?!(?:{_NOT_ADJECTIVE})\b)[a-z-]+\s+){{0,2}}?)"
    + r"(?P<noun>[a-z]{2,}s|people|servicemen|personnel|equipment|men|women|children|staff)\b",
    re.IGNORECASE,
)
_NOT_COUNT_NOUNS = frozenset({
    "days", "weeks", "months", "years", "hours", "minutes", "seconds", "times", "kms",
    "kilometres", "kilometers", "miles", "percent", "is", "was", "has", "this", "its", "his",
    "as", "us", "yes", "plus", "less", "across", "towards", "afterwards", "bus", "thus",
    "always", "perhaps", "whereas", "yesterdays",
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Figure:
    start: int
    end: int
    quantity: Quantity
    noun: str | None
    in_parens: bool
    own_qualifier: bool


def _figure_value(num: str) -> tuple[float, float] | None:
    """Value and precision of the digits or number words as written."""
    if num[0].isdigit():
        value = float(num.replace(",", ""))
        return value, precision_of(num)
    total = 0
    current = 0
    half = bool(re.search(r"\s+and\s+a\s+half$", num, re.IGNORECASE))
    if half:  # "two and a half": 2.5, to the half
        num = re.sub(r"\s+and\s+a\s+half$", "", num, flags=re.IGNORECASE)
    for token in re.split(r"[\s-]+", num.lower()):
        if token == "and":
            continue
        if token == "hundred":
            current = max(current, 1) * 100
        elif token in _WORD_VALUES:
            current += _WORD_VALUES[token]
        else:
            return None
    total += current
    if half:
        return total + 0.5, 0.5
    return float(total), precision_of(str(total))


def _figures(s: str) -> list[_Figure]:
    """Figures with a unit or a counted noun, in order, without overlaps."""
    found: list[_Figure] = []
    for pattern in (_UNIT_RE, _COUNT_RE):
        for m in pattern.finditer(s):
            if any(m.start() < f.end and f.start < m.end() for f in found):
                continue
            parsed = _figure_value(m.group("num"))
            if parsed is None:
                continue
            value, precision = parsed
            noun = None
            if pattern is _UNIT_RE:
                unit = next(name for name in _UNIT_PATTERNS if m.group(f"u_{name}"))
            else:
                unit = "count"
                noun = m.group("noun").lower()
                num = m.group("num")
                if noun in _NOT_COUNT_NOUNS or (re.fullmatch(r"\d{4}", num) and 1900 <= int(num) <= 2100):
                    continue
            if m.group("mult"):
                factor = _MULTIPLIERS[m.group("mult").lower()]
                value, precision = value * factor, precision * factor
            qualifier = QUALIFIER_WORDS[m.group("qual").lower()] if m.group("qual") else "exact"
            in_parens = s[: m.start()].rstrip().endswith("(") and s[m.end() :].lstrip().startswith(")")
            start, text = m.start(), m.group(0).strip()
            r = _RANGE_BEFORE.search(s, 0, m.start())
            if r and not m.group("qual"):  # "between 28 and 35 km", "15 to 17 percent": up to the upper figure
                start, text, qualifier = r.start(), s[r.start() : m.end()].strip(), "up_to"
            quantity = Quantity(value, unit, qualifier, text, precision)
            found.append(_Figure(start, m.end(), quantity, noun, in_parens, bool(m.group("qual")) or start != m.start()))
    for m in _FRACTION_RE.finditer(s):
        if any(m.start() < f.end and f.start < m.end() for f in found):
            continue
        frac = re.sub(r"^(?:a|one)[- ]", "", m.group("frac").lower()).replace(" ", "-")
        qualifier = QUALIFIER_WORDS[m.group("qual").lower()] if m.group("qual") else "about"
        text = m.group(0)[: -len("of")].strip()
        quantity = Quantity(round(_FRACTIONS[frac], 2), "percent", qualifier, text, FRACTION_PRECISION)
        found.append(_Figure(m.start(), m.end() - 2, quantity, None, False, bool(m.group("qual"))))
    return sorted(found, key=lambda f: f.start)
