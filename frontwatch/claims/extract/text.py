"""Sentences of a text: the folding table, abbreviations and :func:`sentence_spans`.

Rules
-----
Sentences
    Line breaks end sentences (headlines have no full stop); so do ``.``, ``!`` and ``?``
    (after closing quotes or brackets) before a capital or a digit, except after an
    abbreviation ("Mr.", "Gen.", "Sept."); and a colon before a capital letter, unless a
    reporting verb ends the text before it ("He said: ...") or the text before it is a short
    name that opens the line (a speaker's label: "Zelensky: ...") or it follows a closing
    quote ("'Kherson is ours': ..."); nor does a full stop inside double quotes that close
    soon after (:data:`QUOTE_REACH`): '"Ours. Our Kherson," he wrote.' is one sentence, so
    the quotation keeps its speaker. Curly quotes and apostrophes
    are read as straight ones; spans are offsets in the original text.
"""

from __future__ import annotations

import re

_FOLD = str.maketrans({
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u00a0": " ", "\u2009": " ", "\u202f": " ",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
})  # fmt: skip
"""One character for one, so offsets into the folded text are offsets into the original."""

QUOTE_REACH = 200
"""A full stop inside double quotes that close within this many characters does not end the
sentence: the quotation and the words that attribute it are one sentence."""
_ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "gen", "lt", "col", "maj", "capt", "sgt", "st", "no", "vs",
    "prof", "gov", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "u.s", "u.k", "e.g", "i.e", "approx", "est", "ca",
})  # fmt: skip
_SPEAKER_LABEL = re.compile(r"\s*(?:[A-Z][\w'.-]*|of|the|for)(?:\s+(?:[A-Z][\w'.-]*|of|the|for)){0,4}\s*")
_BOUNDARY = re.compile(r"(?P<punct>[.!?]+|:)(?P<close>[\"')\]]*)(?P<space>\s+)(?=[\"'(\[]?[A-Z0-9])")
_ENDS_WITH_REPORT = re.compile(r"\b(?:said|says|added|told|wrote|stated|announced)\s*$", re.IGNORECASE)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of a text (see the module docstring for the rules).

    Parameters
    ----------
    text
        Any text.

    Returns
    -------
    list of (start, end)
        Offsets into ``text``; each span holds no leading or trailing white space.
    """
    norm = text.translate(_FOLD)
    raw: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n\r\u2028\u2029]+", norm):
        base, s, start = line.start(), line.group(), 0
        for b in _BOUNDARY.finditer(s):
            before = s[start : b.start()]
            if s.count('"', start, b.start()) % 2 and '"' in s[b.end() : b.end() + QUOTE_REACH]:
                continue  # inside a quotation that closes soon: '"Ours. Our Kherson," he wrote.'
            if b.group("punct") == ":" and re.search(r"[\"']$", before):
                continue  # a quoted headline's colon: "'Kherson is ours': Ukrainian troops enter city"
            if b.group("punct") == ":":
                if not s[b.end() : b.end() + 1].isupper() or _ENDS_WITH_REPORT.search(before):
                    continue
                if start == 0 and _SPEAKER_LABEL.fullmatch(before):
                    continue  # a headline's speaker: "Zelensky: ...", "Russian MoD: ..."
            elif b.group("punct") == "." and not b.group("close"):
                word = re.search(r"([\w.]+)$", before)
                if word and (word.group(1).lower() in _ABBREVIATIONS or re.fullmatch(r"[A-Z]", word.group(1))):
                    continue
            raw.append((base + start, base + b.end("close")))
            start = b.end()
        raw.append((base + start, base + len(s)))
    spans = []
    for a, z in raw:
        chunk = norm[a:z]
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk) - len(chunk.rstrip())
        if z - trail > a + lead:
            spans.append((a + lead, z - trail))
    return spans
