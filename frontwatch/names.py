"""Place names: folding (case, apostrophes, hyphens, diacritics), transliteration
skeletons (Kupiansk / Kupyansk / Kup'yans'k / Куп'янськ / Купянск all read ``KUPIANSK``),
the KMU 2010 romanization of Ukrainian and the choice of a place's usual English name."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence

import numpy as np

_APOSTROPHES = "'’ʼ`‘′″”“\"ʹʺ´ˈ"
_SEPARATORS = "-‐‑‒–—. \u00a0\t"
_LATIN_SPECIAL = {
    "ł": "l", "ø": "o", "đ": "d", "ı": "i", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th",
}  # fmt: skip
# Latin letters whose diacritic is a sound of its own in Slavic romanizations (scholarly
# ISO 9, Czech, Croatian, Romanian, Polish): folded to their English digraph in skeletons.
_LATIN_DIGRAPHS = {
    "ž": "zh", "š": "sh", "č": "ch", "ŝ": "shch", "ĥ": "kh", "ĉ": "ch", "ș": "sh",
    "ş": "sh", "ț": "ts", "ţ": "ts", "ć": "ch", "ż": "zh",
}  # fmt: skip
# Skeleton symbols are uppercase ASCII letters (so the string methods below take CPython's
# fast ASCII paths): the plain sounds are their Latin letters, and ж ш ч х ц are J W C X Q.
# Cyrillic (Ukrainian and Russian) goes straight to symbols. Vowels и і ї й е є ы э fold to
# I (Ізюм/Изюм, Балаклія/Балаклея); я ю ё are I + vowel; г ґ (and Latin g h) are H.
_CYRILLIC_SKELETON = {
    "а": "A", "б": "B", "в": "V", "г": "H", "ґ": "H", "д": "D", "е": "I", "є": "I",
    "ж": "J", "з": "Z", "и": "I", "і": "I", "ї": "I", "й": "I", "к": "K", "л": "L",
    "м": "M", "н": "N", "о": "O", "п": "P", "р": "R", "с": "S", "т": "T", "у": "U",
    "ф": "F", "х": "X", "ц": "Q", "ч": "C", "ш": "W", "щ": "WC", "ь": None, "ъ": None,
    "ы": "I", "э": "I", "ю": "IU", "я": "IA", "ё": "IO", "ў": "U", "ј": "I",
}  # fmt: skip
# Latin digraphs (English, KMU, BGN/PCGN, scholarly, French tch), replaced in this order.
_DIGRAPHS = (
    ("shch", "WC"), ("shh", "WC"), ("tch", "C"), ("zh", "J"), ("sh", "W"), ("ch", "C"),
    ("kh", "X"), ("ts", "Q"),
)  # fmt: skip
# Single Latin letters left after the digraphs: y j e i are all I (Kyiv/Kiev/Kijiv),
# w is V (Polish, German), x is X (kh; scholarly, Spanish), c is Q (ts; scholarly), q is K.
_LATIN_SKELETON = str.maketrans({
    "a": "A", "b": "B", "v": "V", "w": "V", "g": "H", "h": "H", "d": "D", "e": "I",
    "i": "I", "y": "I", "j": "I", "z": "Z", "k": "K", "q": "K", "l": "L", "m": "M",
    "n": "N", "o": "O", "p": "P", "r": "R", "s": "S", "t": "T", "u": "U", "f": "F",
    "c": "Q", "x": "X",
})  # fmt: skip
_RUNS = re.compile(r"(.)\1+")


def _latin_bases() -> dict[int, str]:
    """Lowercase accented Latin letters -> their base letters (é -> e, ï -> i, ...)."""
    table: dict[int, str] = {}
    for cp in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        ch = chr(cp).lower()
        if len(ch) != 1:
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base != ch and base.isascii() and base.isalpha():
            table[ord(ch)] = base.lower()
    table.update({ord(k): v for k, v in _LATIN_SPECIAL.items()})
    return table


def _fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = dict(_latin_bases())
    table.update({ord(c): None for c in _APOSTROPHES + _SEPARATORS})
    table.update({cp: None for cp in range(0x300, 0x370)})  # combining marks
    table[ord("ё")] = "е"
    return table


def _skeleton_table() -> dict[int, str | None]:
    table: dict[int, str | None] = dict(_latin_bases())
    table.update({ord(k): v for k, v in _LATIN_DIGRAPHS.items()})
    table.update({ord(k): v for k, v in _CYRILLIC_SKELETON.items()})
    table.update({ord(c): None for c in _APOSTROPHES + _SEPARATORS})
    table.update({cp: None for cp in range(0x300, 0x370)})
    return table


_FOLD = _fold_table()
_SKELETON = _skeleton_table()


def _by_script(texts: Sequence[str], convert: Callable[[str], str], *, normalize: bool = True) -> list[str]:
    """Apply ``convert`` to the newline-joined ASCII texts and, apart, to the others.

    One pass over all names joined by newlines runs in C; keeping ASCII names apart lets
    CPython use its fast ASCII paths for them (most names). ``normalize`` puts the others
    in Unicode NFC first (the shipped names already are).
    """
    is_ascii = np.fromiter(map(str.isascii, texts), bool, len(texts))
    out = np.empty(len(texts), dtype=object)
    for rows in (np.flatnonzero(is_ascii), np.flatnonzero(~is_ascii)):
        if len(rows):
            joined = "\n".join([texts[k] for k in rows.tolist()])
            if normalize and not joined.isascii():
                joined = unicodedata.normalize("NFC", joined)
            out[rows] = convert(joined).split("\n")
    return out.tolist()


def fold_name(text: str) -> str:
    """The comparison key of the ``exact`` and ``alternate`` tiers.

    Lowercase, without apostrophes, hyphens, dots or spaces, Latin diacritics removed;
    Cyrillic kept as it is (``ё`` as ``е``).

    Parameters
    ----------
    text
        A place name in any script.

    Returns
    -------
    str
        ``"Kup'yans'k"`` -> ``"kupyansk"``, ``"Куп’янськ"`` -> ``"купянськ"``.
    """
    return _fold_many([text])[0]


def _fold(joined: str) -> str:
    return joined.lower().translate(_FOLD)


def _fold_many(texts: Sequence[str], *, normalize: bool = True) -> list[str]:
    return _by_script(texts, _fold, normalize=normalize)


def name_skeleton(text: str) -> str:
    """The transliteration skeleton of a name: one key for all its spellings.

    Cyrillic (Ukrainian or Russian) and Latin romanizations (KMU 2010, BGN/PCGN, scholarly
    ISO 9, most Western European ones) map to one alphabet of uppercase letters: case,
    apostrophes, hyphens, spaces, soft and hard signs are dropped; zh, sh, ch, kh, ts and
    shch (ž š č ŝ, ж ш ч х ц щ) become J, W, C, X, Q and WC; y, j, e, i (и і ї й е є ы э)
    fold to ``I``; g and h (г ґ) to ``H``; w to ``V``; doubled letters to one. So
    ``Kupiansk``, ``Kupyansk``, ``Kup'yans'k``, ``Куп'янськ`` and ``Купянск`` all give
    ``KUPIANSK``, and ``Kyiv``, ``Kiev``, ``Київ``, ``Киев`` give ``KIV``.
    Russian-vs-Ukrainian vowel changes (Kharkov/Kharkiv) are not folded: GeoNames lists
    those forms among a place's names.

    Parameters
    ----------
    text
        A place name in any script.

    Returns
    -------
    str
        The skeleton.
    """
    return _skeleton_many([text])[0]


def _skeleton(joined: str) -> str:
    s = joined.lower().translate(_SKELETON)
    for latin, symbol in _DIGRAPHS:
        s = s.replace(latin, symbol)
    s = s.translate(_LATIN_SKELETON).replace("TS", "Q")  # Cyrillic тс reads as ц
    return _RUNS.sub(r"\1", s)


def _skeleton_many(texts: Sequence[str], *, normalize: bool = True) -> list[str]:
    return _by_script(texts, _skeleton, normalize=normalize)


_KMU = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu",
    "я": "ia", "ъ": "", "ы": "y", "э": "e", "ё": "io",
}  # fmt: skip
_KMU_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}


def romanize_ukrainian(text: str) -> str:
    """Romanize Ukrainian Cyrillic with the official national system (KMU 2010).

    ``є ї й ю я`` are ``ye yi y yu ya`` at the start of a word and ``ie i i iu ia``
    elsewhere; ``зг`` is ``zgh``; the soft sign and apostrophes are dropped. Characters
    that are not Cyrillic are kept.

    Parameters
    ----------
    text
        Ukrainian Cyrillic text.

    Returns
    -------
    str
        ``"Куп’янськ"`` -> ``"Kupiansk"``, ``"Запоріжжя"`` -> ``"Zaporizhzhia"``,
        ``"Ізюм"`` -> ``"Izium"``, ``"Київ"`` -> ``"Kyiv"``.
    """
    out: list[str] = []
    text = unicodedata.normalize("NFC", text)
    initial = True
    for i, ch in enumerate(text):
        low = ch.lower()
        if ch in _APOSTROPHES:
            continue
        if low == "г" and i > 0 and text[i - 1].lower() == "з":
            rom = "gh"
        elif initial and low in _KMU_INITIAL:
            rom = _KMU_INITIAL[low]
        else:
            rom = _KMU.get(low, ch)
        if ch != low and rom:
            rom = rom[0].upper() + rom[1:]
        out.append(rom)
        initial = not ch.isalpha()
    return "".join(out)


def english_name(geonames_name: str, name_uk: str | None, names: Iterable[str]) -> str:
    """The usual English name of a place (the rule is in the module docstring).

    Parameters
    ----------
    geonames_name
        GeoNames' primary name.
    name_uk
        The Ukrainian name, if known.
    names
        The place's other names.

    Returns
    -------
    str
        The KMU 2010 romanization of ``name_uk`` when GeoNames lists that spelling
        (compared without case and apostrophes; with GeoNames' capitalization when it
        differs only in case), else ``geonames_name``.
    """
    if name_uk:
        kmu = romanize_ukrainian(name_uk)
        latin = (geonames_name, *names)
        for n in latin:  # GeoNames' capitalization: "Stare Misto", not "Stare misto"
            if n.lower() == kmu.lower():
                return n
        key = fold_name(kmu)
        if any(fold_name(n) == key for n in latin):
            return kmu
    return geonames_name
