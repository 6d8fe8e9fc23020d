"""Populated places of Ukraine (GeoNames): their names, oblast and raion, and lookup by name.

The gazetteer ships in ``frontwatch/data/gazetteer.tsv.gz``, built by
``tools/build_gazetteer.py`` from the GeoNames dump for Ukraine (CC BY 4.0, credit
"GeoNames", https://www.geonames.org). It holds every populated place (GeoNames feature
class ``P``) with its names in Ukrainian, Russian and the usual romanizations, its point,
its oblast (admin1) and raion (admin2) and its population (0 where GeoNames has none).

Names
-----
``Place.name`` is the usual English name. It is the Ukrainian name romanized with the
official Ukrainian national system (KMU 2010, the one Ukraine's government, the BGN/PCGN
and most newsrooms use today: Kupiansk, Balakliia, Izium, Kyiv, Zaporizhzhia) when GeoNames
also lists that spelling among the place's names, so a spelling no source uses is never
invented; otherwise it is GeoNames' primary name (often an older, Russian-based
transliteration such as Kupyansk, Balakliya, Izyum, kept in ``names``).

Lookup
------
:func:`resolve` matches a name against every name of every place, in four tiers, best first:

``exact`` (score 100)
    the name is the place's English, GeoNames-primary or Ukrainian name;
``alternate`` (95)
    the name is one of its other names (Russian, older spellings, other languages);
``transliteration`` (90)
    the name has the same transliteration skeleton as one of its names (:func:`name_skeleton`:
    Kupiansk / Kupyansk / Kup'yans'k / Куп'янськ / Купянск all read ``KUPIANSK``);
``fuzzy`` (at most 85)
    only when no tier above matches, for typos: names whose skeleton and folded spelling
    are both within edit distance of the name's (rapidfuzz ``ratio`` of at least
    :data:`FUZZY_CUTOFF`), scoring ``ratio * 0.85``.

Every comparison ignores case, apostrophes (' ’ ʼ ` ‘ ′ ...), hyphens, spaces and
diacritics. Matches are ranked by score, then (with ``near=``) by distance, then by
population (larger first), then by feature code (capital, PPLA, PPLA2, ... before PPL).

:func:`resolve_one` never picks silently among equally good places; see its docstring.

Loading reads the places only (about 0.2 s); the name index is built on the first name
lookup (about 0.35 s more), after which a lookup takes microseconds (a fuzzy one a few
milliseconds).
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from itertools import chain
from pathlib import Path

import numpy as np
from pyproj import Geod
from rapidfuzz import fuzz, process

from frontwatch.errors import FrontwatchError

DATA_PATH = Path(__file__).resolve().parent / "data" / "gazetteer.tsv.gz"
"""The shipped gazetteer (gzip TSV with a places, an admin1 and an admin2 section)."""

FORMAT = "frontwatch-gazetteer 1"
"""First field of the data file's first line; the reader refuses other formats."""

ATTRIBUTION = "GeoNames (CC BY 4.0), https://www.geonames.org"

EXCLUDED_CODES = frozenset({"PPLQ", "PPLH", "PPLW"})
"""Abandoned (PPLQ), historical, no longer existing (PPLH) and destroyed (PPLW) places:
left out of :meth:`Gazetteer.places` and :func:`resolve` unless ``include_abandoned=True``."""

SETTLEMENT_CODES = frozenset({
    "PPLC", "PPLA", "PPLA2", "PPLA3", "PPLA4", "PPLA5", "PPLG", "PPLCH",
    "PPL", "PPLS", "PPLF", "PPLL", "PPLR", "PPLX",
})  # fmt: skip
"""GeoNames feature codes that count as settlements: the capital (PPLC), seats of
administrative divisions (PPLA..PPLA5, PPLG), former capitals still inhabited (PPLCH),
populated places (PPL, PPLS), farm villages (PPLF), localities (PPLL), religious
populated places (PPLR) and sections of populated places (PPLX). PPLX is kept because in
the Ukrainian data most PPLX rows are villages since merged into a town (Vodiane by
Pokrovsk, Zhykhar by Kharkiv) that news still names; count them apart through
``feature_code`` where a section of a town should not count as a community."""

FEATURE_RANK = {
    code: rank
    for rank, code in enumerate(
        ["PPLC", "PPLA", "PPLA2", "PPLA3", "PPLA4", "PPLA5", "PPLG", "PPLCH", "PPL", "PPLS",
         "PPLF", "PPLL", "PPLR", "PPLX", "PPLQ", "PPLH", "PPLW"]
    )
}  # fmt: skip
"""Order of feature codes when ranking equally good matches of equal population."""

MATCH_SCORES = {"exact": 100.0, "alternate": 95.0, "transliteration": 90.0}
"""Score of each non-fuzzy match tier."""

NAME_MATCHES = frozenset({"exact", "alternate"})
"""Tiers in which the name is one of the place's names; equally good for :func:`resolve_one`."""

FUZZY_CUTOFF = 80.0
"""Least rapidfuzz ``ratio`` (0-100) for a fuzzy match, both between the skeletons and
between the folded spellings (so that short skeletons do not match anything alike)."""

FUZZY_MIN_LENGTH = 3
"""Skeletons shorter than this (``"Zzzz"`` reads ``Z``) get no fuzzy matches or suggestions."""

FUZZY_SCALE = 0.85
"""A fuzzy match scores ``ratio * FUZZY_SCALE`` (at most 85, below every exact tier)."""

SUGGESTION_CUTOFF = 80.0
"""Least ``ratio`` for a name to be offered as a suggestion when nothing matches (typos of
real names score 83 and more: "Bakmut", "Kupansk", "Vuhledr"; "Atlantis" gets none)."""

SUGGESTION_SPREAD = 10.0
"""Suggestions stop at this many ``ratio`` points below the closest name."""

DOMINANCE_RATIO = 10.0
"""A place wins an otherwise ambiguous match when its population is at least this many
times that of every other equally good match ..."""

DOMINANCE_MIN_POPULATION = 5_000
"""... and at least this large (a town: GeoNames records 0, unknown, for most villages'
populations, so a ratio against 0 alone would say nothing; an unknown population never loses
to a known small one). "Marinka" is the Donetsk town of 9,089 over three hamlets."""

NEAR_RATIO = 2.0
"""With ``near=``, the nearest equally good match wins when the next one is at least this
many times as far away."""

DUPLICATE_KM = 2.0
"""Two records of the same name closer than this (geodesic, km) are one place for
:func:`resolve_one` (GeoNames holds a few duplicates: Vesela Tarasivka, Luhansk oblast)."""

_GEOD = Geod(ellps="WGS84")

# --------------------------------------------------------------------------------------
# Errors (FrontwatchError subclasses; kept here until they move into errors.py)


class PlaceNotFound(FrontwatchError, LookupError):
    """No populated place matches a name (or a GeoNames id)."""

    def __init__(
        self,
        name: str,
        suggestions: Sequence[str] = (),
        *,
        oblast: str | None = None,
        message: str | None = None,
    ) -> None:
        self.name = name
        self.suggestions = list(suggestions)
        self.oblast = oblast
        if message is None:
            where = f" in {oblast}" if oblast else ""
            message = f"no place named {name!r}{where}"
            if self.suggestions:
                message += f"; did you mean: {', '.join(self.suggestions)}?"
        super().__init__(message)


class AmbiguousPlace(FrontwatchError, LookupError):
    """Several different places match a name equally well."""

    MAX_LISTED = 12

    def __init__(self, name: str, candidates: Sequence[Candidate], *, oblast: str | None = None) -> None:
        self.name = name
        self.candidates = list(candidates)
        self.oblast = oblast
        listed = "; ".join(c.place.label() for c in self.candidates[: self.MAX_LISTED])
        more = len(self.candidates) - self.MAX_LISTED
        if more > 0:
            listed += f"; and {more} more"
        where = f" in {oblast}" if oblast else ""
        ask = (
            "give a nearby point (near=(lon, lat)) or pick one by GeoNames id"
            if oblast
            else "give an oblast (oblast=...) or a nearby point (near=(lon, lat))"
        )
        super().__init__(
            f"{name!r} matches {len(self.candidates)} places{where} equally well: {listed}. To choose, {ask}"
        )


class UnknownOblast(FrontwatchError, LookupError):
    """An oblast name or code that the gazetteer does not know."""

    def __init__(self, value: str, known: Sequence[str]) -> None:
        self.value = value
        self.known = list(known)
        super().__init__(
            f"unknown oblast {value!r}; known: {', '.join(self.known)} "
            "(or their Ukrainian names, or GeoNames admin1 codes such as '07')"
        )


# --------------------------------------------------------------------------------------
# Name normalisation

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


# --------------------------------------------------------------------------------------
# Places


@dataclass(frozen=True, slots=True)
class Place:
    """A populated place (GeoNames feature class P).

    Attributes
    ----------
    geonameid
        GeoNames id.
    name
        Usual English name (see the module docstring).
    name_uk
        Ukrainian name, or None where GeoNames has no Cyrillic name that can be Ukrainian.
    names
        Every name (English, GeoNames primary, Ukrainian, then the alternates).
    lat, lon
        Point, degrees WGS84.
    feature_code
        GeoNames feature code (PPL, PPLA2, ...).
    oblast, oblast_code
        English name of the oblast-level unit and its GeoNames admin1 code ("07").
    raion, raion_code
        English name of the raion and its GeoNames admin2 code ("6308"), or None.
    population
        Population as GeoNames gives it; 0 where unknown (most villages: ``as_dict`` gives
        None).
    """

    geonameid: int
    name: str
    name_uk: str | None
    names: tuple[str, ...]
    lat: float
    lon: float
    feature_code: str
    oblast: str
    oblast_code: str
    raion: str | None
    raion_code: str | None
    population: int

    @property
    def abandoned(self) -> bool:
        """Whether the place is abandoned, historical or destroyed (:data:`EXCLUDED_CODES`)."""
        return self.feature_code in EXCLUDED_CODES

    def label(self) -> str:
        """``"Kupiansk (Kharkiv, Kupiansk Raion, pop. 27,169, id 703656)"``."""
        parts = [self.oblast or "no oblast"]
        if self.raion:
            parts.append(self.raion)
        if self.population:
            parts.append(f"pop. {self.population:,}")
        if self.abandoned:
            parts.append(self.feature_code)
        parts.append(f"id {self.geonameid}")
        return f"{self.name} ({', '.join(parts)})"

    def as_dict(self) -> dict[str, object]:
        """The place as plain data (keys: geonameid, name, name_uk, oblast, raion, lat, lon,
        population, feature_code); population None where GeoNames has 0 (unknown)."""
        return {
            "geonameid": self.geonameid,
            "name": self.name,
            "name_uk": self.name_uk,
            "oblast": self.oblast,
            "raion": self.raion,
            "lat": self.lat,
            "lon": self.lon,
            "population": self.population or None,
            "feature_code": self.feature_code,
        }


@dataclass(frozen=True, slots=True)
class Candidate:
    """A place matching a name, with how well and how it matched.

    Attributes
    ----------
    place
        The place.
    score
        0-100: 100 exact, 95 alternate, 90 transliteration, at most 85 fuzzy.
    match
        ``"exact"``, ``"alternate"``, ``"transliteration"`` or ``"fuzzy"``.
    matched_name
        The place's name that matched.
    distance_km
        Geodesic distance (WGS84) from the ``near=`` point, km; None without ``near=``.
    """

    place: Place
    score: float
    match: str
    matched_name: str
    distance_km: float | None = None

    def as_dict(self) -> dict[str, object]:
        """The candidate as plain data: the place's keys plus score, match, matched_name,
        distance_km."""
        return {
            **self.place.as_dict(),
            "score": self.score,
            "match": self.match,
            "matched_name": self.matched_name,
            "distance_km": self.distance_km,
        }


class _Groups:
    """Positions of equal keys in a list, grouped (a multi-map built with numpy)."""

    def __init__(self, keys: list[str]) -> None:
        self.ids = {key: i for i, key in enumerate(dict.fromkeys(keys))}
        codes = np.fromiter(map(self.ids.__getitem__, keys), np.int64, len(keys))
        self.order = np.argsort(codes, kind="stable")
        self.starts = np.searchsorted(codes[self.order], np.arange(len(self.ids) + 1))
        self.keys = [key for key in self.ids if key]

    def get(self, key: str) -> list[int]:
        i = self.ids.get(key) if key else None
        if i is None:
            return []
        return self.order[self.starts[i] : self.starts[i + 1]].tolist()


@dataclass(frozen=True, slots=True)
class _Index:
    """Every name of every place, flat ("entries"), with lookups by fold and by skeleton."""

    owners: list[int]  # entry -> place row
    names: list[str]  # entry -> name
    folds: list[str]  # entry -> fold_name(name)
    primary: list[bool]  # entry -> one of the place's own names (the exact tier)
    by_fold: _Groups
    by_skeleton: _Groups


_OBLAST_WORDS = re.compile(
    r"\b(oblast|oblasti|oblasty|obl|region|province|область|обл|oblastі)\b[’'.]?",
    re.IGNORECASE,
)


class Gazetteer:
    """All populated places of the shipped gazetteer, with lookup by id, oblast and name.

    Parameters
    ----------
    places
        The places, in file order.
    admin1
        GeoNames admin1 code -> (English name, Ukrainian name, aliases).
    admin2
        (admin1, admin2) codes -> English raion name.
    primary_counts
        For each place, how many of its first ``names`` are its own names (English,
        GeoNames primary, Ukrainian: the ``exact`` tier), the rest being alternates; by
        default the English and the Ukrainian name.
    """

    def __init__(
        self,
        places: Sequence[Place],
        *,
        admin1: dict[str, tuple[str, str, tuple[str, ...]]],
        admin2: dict[tuple[str, str], str],
        primary_counts: Sequence[int] | None = None,
    ) -> None:
        self._places = list(places)
        if primary_counts is None:
            primary_counts = [1 + (p.name_uk is not None) for p in self._places]
        self._primary_counts = list(primary_counts)
        self.admin1 = admin1
        self.admin2 = admin2
        self._row = {p.geonameid: i for i, p in enumerate(self._places)}
        self.ids = np.fromiter((p.geonameid for p in self._places), np.int64, len(self._places))
        self.coords = np.empty((len(self._places), 2))
        self.coords[:, 0] = [p.lon for p in self._places]
        self.coords[:, 1] = [p.lat for p in self._places]
        self.coords.flags.writeable = False
        self.ids.flags.writeable = False
        self._excluded = np.fromiter(
            (p.feature_code in EXCLUDED_CODES for p in self._places), bool, len(self._places)
        )

    @classmethod
    def from_file(cls, path: str | Path = DATA_PATH) -> Gazetteer:
        """Read a gazetteer file written by ``tools/build_gazetteer.py``.

        Parameters
        ----------
        path
            The gzip TSV file; the shipped one by default.

        Returns
        -------
        Gazetteer
        """
        text = gzip.decompress(Path(path).read_bytes()).decode("utf-8")
        sections: dict[str, list[list[str]]] = {}
        lines = text.split("\n")
        if not lines[0].startswith("#" + FORMAT):
            raise FrontwatchError(f"{path}: not a {FORMAT} file")
        rows: list[list[str]] = []
        for line in lines[1:]:
            if not line:
                continue
            if line.startswith("#"):
                rows = sections.setdefault(line[1:].split("\t", 1)[0], [])
                continue
            rows.append(line.split("\t"))
        admin1 = {
            code: (name, uk, tuple(a for a in aliases.split(",") if a))
            for code, name, uk, aliases in sections["admin1"]
        }
        admin2 = {(a1, a2): name for a1, a2, name in sections["admin2"]}
        places = []
        primary_counts = []
        for gid, name, name_en, name_uk, alts, lat, lon, code, a1, a2, pop in sections["places"]:
            names = [name_en]
            if name != name_en:
                names.append(name)
            if name_uk:
                names.append(name_uk)
            primary_counts.append(len(names))
            if alts:
                names.extend(alts.split(","))
            places.append(
                Place(
                    int(gid), name_en, name_uk or None, tuple(names), float(lat), float(lon),
                    code, admin1[a1][0] if a1 in admin1 else "", a1,
                    admin2.get((a1, a2)), a2 or None, int(pop or 0),
                )
            )  # fmt: skip
        return cls(places, admin1=admin1, admin2=admin2, primary_counts=primary_counts)

    # -- places ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._places)

    def __iter__(self) -> Iterator[Place]:
        return iter(self._places)

    def places(self, *, oblast: str | None = None, include_abandoned: bool = False) -> list[Place]:
        """Populated places, in file order.

        Parameters
        ----------
        oblast
            Keep only those of this oblast (any form :meth:`oblast_codes` accepts).
        include_abandoned
            Also return abandoned, historical and destroyed places (:data:`EXCLUDED_CODES`).

        Returns
        -------
        list of Place
            Settlements (:data:`SETTLEMENT_CODES`), plus the excluded ones if asked.
        """
        codes = self.oblast_codes(oblast) if oblast is not None else None
        keep = SETTLEMENT_CODES | EXCLUDED_CODES if include_abandoned else SETTLEMENT_CODES
        return [
            p for p in self._places if p.feature_code in keep and (codes is None or p.oblast_code in codes)
        ]

    def by_id(self, geonameid: int) -> Place:
        """The place with a GeoNames id.

        Raises
        ------
        PlaceNotFound
            When the gazetteer has no populated place with that id.
        """
        try:
            return self._places[self._row[int(geonameid)]]
        except (KeyError, ValueError):
            raise PlaceNotFound(
                str(geonameid),
                message=f"no populated place with GeoNames id {geonameid!r} in the gazetteer",
            ) from None

    def lonlat(self, places: Iterable[Place] | None = None) -> np.ndarray:
        """Coordinates as an (N, 2) array of (lon, lat), degrees WGS84, for vectorised tests.

        Parameters
        ----------
        places
            The places, in the order wanted; every place of the gazetteer (file order, the
            order of :attr:`ids`) when None, returned without a copy (read-only).

        Returns
        -------
        numpy.ndarray
            float64, shape (N, 2).
        """
        if places is None:
            return self.coords
        rows = np.fromiter((self._row[p.geonameid] for p in places), np.int64)
        return self.coords[rows]

    # -- oblasts --------------------------------------------------------------------------

    def oblast_names(self) -> list[str]:
        """English names of the oblast-level units, alphabetically."""
        return sorted(name for name, _, _ in self.admin1.values())

    @cached_property
    def _oblast_aliases(self) -> dict[str, frozenset[str]]:
        keys: dict[str, set[str]] = {}
        for code, (name, uk, aliases) in self.admin1.items():
            for alias in (name, uk, *aliases):
                key = name_skeleton(_OBLAST_WORDS.sub(" ", alias))
                if key:
                    keys.setdefault(key, set()).add(code)
        return {k: frozenset(v) for k, v in keys.items()}

    def oblast_codes(self, oblast: str) -> frozenset[str]:
        """GeoNames admin1 codes an oblast name or code stands for.

        Accepts the English name ("Kharkiv"), with or without "oblast", adjective forms
        ("Kharkivska", "Kharkivs'ka Oblast'"), Ukrainian and Russian ("Харківська",
        "Харьковская область"), any romanization those skeletons match, and admin1 codes
        ("07" or "7"). "Kyiv" stands for Kyiv oblast and Kyiv city (12, 13) and "Crimea" for
        Crimea and Sevastopol (11, 20), as in everyday use; "Kyiv City" and "Sevastopol"
        for the cities alone.

        Raises
        ------
        UnknownOblast
            When nothing matches.
        """
        value = oblast.strip()
        if value.isdigit():
            code = value.zfill(2)
            if code in self.admin1:
                return frozenset({code})
            raise UnknownOblast(oblast, self.oblast_names())
        key = name_skeleton(_OBLAST_WORDS.sub(" ", value))
        codes = self._oblast_aliases.get(key)
        if not codes:
            raise UnknownOblast(oblast, self.oblast_names())
        return codes

    # -- names ----------------------------------------------------------------------------

    @cached_property
    def _index(self) -> _Index:
        counts = np.fromiter((len(p.names) for p in self._places), np.int64, len(self._places))
        owners = np.repeat(np.arange(len(self._places)), counts)
        offsets = np.repeat(np.cumsum(counts) - counts, counts)
        rank = np.arange(len(owners)) - offsets
        primary = rank < np.repeat(np.asarray(self._primary_counts), counts)
        names = list(chain.from_iterable(p.names for p in self._places))
        folds = _fold_many(names, normalize=False)
        return _Index(
            owners.tolist(),
            names,
            folds,
            primary.tolist(),
            _Groups(folds),
            _Groups(_skeleton_many(names, normalize=False)),
        )

    def resolve(
        self,
        name: str,
        *,
        oblast: str | None = None,
        near: tuple[float, float] | None = None,
        include_abandoned: bool = False,
        limit: int | None = 10,
    ) -> list[Candidate]:
        """Places matching a name, best first (tiers and ranking in the module docstring).

        Parameters
        ----------
        name
            A place name in any script or romanization.
        oblast
            Keep only places of this oblast (see :meth:`oblast_codes`).
        near
            A point ``(lon, lat)``, degrees WGS84: equally good matches are ranked by
            geodesic distance from it, and each candidate carries ``distance_km``.
        include_abandoned
            Also match abandoned, historical and destroyed places.
        limit
            At most this many candidates; None for all.

        Returns
        -------
        list of Candidate
            Empty when nothing matches.

        Raises
        ------
        UnknownOblast
            When ``oblast`` is not an oblast.
        """
        codes = self.oblast_codes(oblast) if oblast is not None else None
        index = self._index
        found: dict[int, tuple[float, str, str]] = {}

        def add(entries: Iterable[int], score: float | None, match: str) -> None:
            for k in entries:
                i = index.owners[k]
                tier = match or ("exact" if index.primary[k] else "alternate")
                value = MATCH_SCORES[tier] if score is None else score
                if value > found.get(i, (-1.0,))[0] and self._allowed(i, codes, include_abandoned):
                    found[i] = (value, tier, index.names[k])

        skel = name_skeleton(name)
        fold = fold_name(name)
        add(index.by_fold.get(fold), None, "")
        add(index.by_skeleton.get(skel), None, "transliteration")
        if not found and len(skel) >= FUZZY_MIN_LENGTH:
            for key, ratio, _ in process.extract(
                skel, index.by_skeleton.keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF,
                limit=None,
            ):  # fmt: skip
                for k in index.by_skeleton.get(key):
                    # The skeleton finds candidates; the spelling must be close too:
                    # "Xyzzyq" reads XIZIK, 91 from Khyzhky's XIZIKI, but is far from it.
                    score = min(ratio, fuzz.ratio(fold, index.folds[k]))
                    if score >= FUZZY_CUTOFF:
                        add([k], round(score * FUZZY_SCALE, 1), "fuzzy")
        rows = list(found)
        distances = self._distances_km(rows, near)
        order = sorted(
            range(len(rows)),
            key=lambda k: (
                -found[rows[k]][0],
                distances[k] if distances is not None else 0.0,
                -self._places[rows[k]].population,
                FEATURE_RANK.get(self._places[rows[k]].feature_code, len(FEATURE_RANK)),
                self._places[rows[k]].geonameid,
            ),
        )
        if limit is not None:
            order = order[:limit]
        return [
            Candidate(
                self._places[rows[k]],
                found[rows[k]][0],
                found[rows[k]][1],
                found[rows[k]][2],
                None if distances is None else float(distances[k]),
            )
            for k in order
        ]

    def resolve_one(
        self,
        name: str,
        *,
        oblast: str | None = None,
        near: tuple[float, float] | None = None,
        include_abandoned: bool = False,
        explain: list[str] | None = None,
    ) -> Place:
        """The one place a name stands for; never a silent pick among equals (a list given as
        ``explain`` gets a sentence saying which rule picked among several, and the others).

        The contenders are the matches as good as the best one (:meth:`resolve`), where
        ``exact`` and ``alternate`` count as equally good (the name *is* one of the place's
        names either way: "Zaporozhye" names two villages in Luhansk oblast and, as an
        alternate, the city of Zaporizhzhia); ``transliteration`` matches are contenders
        only when there is no better match. Fuzzy matches are never taken: when only they
        match, :class:`PlaceNotFound` lists them as suggestions.

        Contenders of the same name less than :data:`DUPLICATE_KM` from a better-ranked one
        are taken for GeoNames duplicates of it (two records of one village) and dropped.

        1. a single contending place is the answer;
        2. with ``near=``, the nearest contender is the answer when the next is at least
           :data:`NEAR_RATIO` times as far;
        3. a much larger place wins outright: population at least :data:`DOMINANCE_RATIO`
           times that of every other contender and at least
           :data:`DOMINANCE_MIN_POPULATION` (Kyiv the capital over the village of Kyiv in
           Mykolaiv oblast; Bakhmut, once Artemivsk, over Kypuche, once Artemivsk too);
        4. a single ``exact`` match beats ``alternate`` ones (Sloviansk over Nikopol,
           which GeoNames also lists as Slov'iansk, its 18th-century name);
        5. otherwise the name is ambiguous.

        Parameters
        ----------
        name, oblast, near, include_abandoned
            As for :meth:`resolve`.

        Returns
        -------
        Place

        Raises
        ------
        PlaceNotFound
            When nothing matches; its ``suggestions`` are the closest names.
        AmbiguousPlace
            When several different places match equally well; its ``candidates`` list them.
        UnknownOblast
            When ``oblast`` is not an oblast.
        """
        found = self.resolve(name, oblast=oblast, near=near, include_abandoned=include_abandoned, limit=None)
        notes = explain if explain is not None else []
        if not found:
            raise self._not_found(name, oblast=oblast, include_abandoned=include_abandoned)
        best = _distinct(contenders(found))
        if all(c.match == "fuzzy" for c in best):
            # a spelling that is none of any place's names is never taken silently
            # ("Kursk" is not Kurskoe in Crimea): the close names are suggestions
            labels = list(dict.fromkeys(f"{c.place.name} ({c.place.oblast})" for c in found[:5]))
            raise PlaceNotFound(name, labels, oblast=self._oblast_label(oblast))
        if len(best) == 1:
            return best[0].place
        if near is not None:
            by_distance = sorted(best, key=lambda c: c.distance_km or 0.0)
            d0, d1 = by_distance[0].distance_km or 0.0, by_distance[1].distance_km or 0.0
            if d1 > d0 and d1 >= NEAR_RATIO * d0:
                return by_distance[0].place
        by_size = sorted(best, key=lambda c: -c.place.population)
        top, runner_up = by_size[0].place.population, by_size[1].place.population
        if top >= DOMINANCE_MIN_POPULATION and top >= DOMINANCE_RATIO * runner_up:
            notes.append(_picked(name, by_size[0].place, best, f"its population is at least {DOMINANCE_RATIO:g}× "
                                 "every other's (unknown populations are villages')"))  # fmt: skip
            return by_size[0].place
        exact = [c for c in best if c.match == "exact"]
        if len(exact) == 1:
            notes.append(_picked(name, exact[0].place, best, "the only place with exactly this name; the others "
                                 "have it as an old or other name"))  # fmt: skip
            return exact[0].place
        raise AmbiguousPlace(name, best, oblast=self._oblast_label(oblast))

    def suggestions(
        self,
        name: str,
        *,
        oblast: str | None = None,
        include_abandoned: bool = False,
        limit: int = 5,
    ) -> list[str]:
        """The names closest to a name, as ``"Kupiansk (Kharkiv)"``, closest first.

        Parameters
        ----------
        name
            A name that may be misspelt.
        oblast, include_abandoned
            As for :meth:`resolve`.
        limit
            At most this many suggestions.

        Returns
        -------
        list of str
            Distinct (name, oblast) pairs with a skeleton ``ratio`` of at least
            :data:`SUGGESTION_CUTOFF`, largest place first among equally close names.
        """
        codes = self.oblast_codes(oblast) if oblast is not None else None
        skel = name_skeleton(name)
        if len(skel) < FUZZY_MIN_LENGTH:
            return []
        index = self._index
        scored: list[tuple[float, int, str]] = []
        for key, ratio, _ in process.extract(
            skel, index.by_skeleton.keys, scorer=fuzz.ratio, score_cutoff=SUGGESTION_CUTOFF,
            limit=None,
        ):  # fmt: skip
            for k in index.by_skeleton.get(key):
                i = index.owners[k]
                if self._allowed(i, codes, include_abandoned):
                    scored.append((ratio, i, key))
        scored.sort(key=lambda t: (-t[0], -self._places[t[1]].population, t[1]))
        out: list[str] = []
        for ratio, i, _key in scored:
            if ratio < scored[0][0] - SUGGESTION_SPREAD:
                break  # far behind the best: noise, not a suggestion
            label = f"{self._places[i].name} ({self._places[i].oblast})"
            if label not in out:
                out.append(label)
            if len(out) == limit:
                break
        return out

    # -- helpers --------------------------------------------------------------------------

    def _oblast_label(self, oblast: str | None) -> str | None:
        """``"Kharkiv oblast"``, ``"Kyiv City/Kyiv oblast"`` for an ``oblast=`` value."""
        if oblast is None:
            return None
        names = "/".join(self.admin1[c][0] for c in sorted(self.oblast_codes(oblast)))
        return f"{names} oblast"

    def _allowed(self, i: int, codes: frozenset[str] | None, include_abandoned: bool) -> bool:
        if not include_abandoned and self._excluded[i]:
            return False
        return codes is None or self._places[i].oblast_code in codes

    def _distances_km(self, rows: list[int], near: tuple[float, float] | None) -> np.ndarray | None:
        if near is None:
            return None
        lon, lat = near
        if not rows:
            return np.empty(0)
        pts = self.coords[rows]
        _, _, metres = _GEOD.inv(
            np.full(len(rows), float(lon)), np.full(len(rows), float(lat)), pts[:, 0], pts[:, 1]
        )
        return np.asarray(metres) / 1000.0

    def _not_found(self, name: str, *, oblast: str | None, include_abandoned: bool) -> PlaceNotFound:
        where = self._oblast_label(oblast)
        suggestions: list[str] = []
        if oblast is not None:  # the name elsewhere first: "Kupiansk (Kharkiv)"
            for c in self.resolve(name, include_abandoned=include_abandoned, limit=5):
                label = f"{c.place.name} ({c.place.oblast})"
                if label not in suggestions:
                    suggestions.append(label)
        for label in self.suggestions(name, oblast=oblast, include_abandoned=include_abandoned):
            if label not in suggestions and len(suggestions) < 5:
                suggestions.append(label)
        error = PlaceNotFound(name, suggestions, oblast=where)
        if not include_abandoned and self.resolve(name, oblast=oblast, include_abandoned=True, limit=1):
            error = PlaceNotFound(
                name,
                suggestions,
                oblast=where,
                message=f"{error}; an abandoned, historical or destroyed place has that name "
                "(include_abandoned=True)",
            )
        return error


def contenders(candidates: Sequence[Candidate]) -> list[Candidate]:
    """The candidates as good as the best one, in their order (see :meth:`Gazetteer.resolve_one`).

    Parameters
    ----------
    candidates
        Candidates ranked best first, as :meth:`Gazetteer.resolve` returns them.

    Returns
    -------
    list of Candidate
        Exact and alternate matches together when the best is one of them; otherwise the
        candidates with the best score.
    """
    if not candidates:
        return []
    if candidates[0].match in NAME_MATCHES:
        return [c for c in candidates if c.match in NAME_MATCHES]
    return [c for c in candidates if c.score == candidates[0].score]


def _distinct(candidates: list[Candidate]) -> list[Candidate]:
    """Drop candidates within DUPLICATE_KM of a better-ranked one of the same name."""
    groups: dict[str, list[int]] = {}
    for k, key in enumerate(_fold_many([c.place.name for c in candidates])):
        groups.setdefault(key, []).append(k)
    dropped: set[int] = set()
    for members in groups.values():
        if len(members) < 2:
            continue
        lon = np.array([candidates[k].place.lon for k in members])
        lat = np.array([candidates[k].place.lat for k in members])
        n = len(members)
        _, _, metres = _GEOD.inv(np.repeat(lon, n), np.repeat(lat, n), np.tile(lon, n), np.tile(lat, n))
        close = np.asarray(metres).reshape(n, n) < DUPLICATE_KM * 1000.0
        kept: list[int] = []
        for a in range(n):
            if any(close[a, b] for b in kept):
                dropped.add(members[a])
            else:
                kept.append(a)
    return [c for k, c in enumerate(candidates) if k not in dropped]


@cache
def gazetteer() -> Gazetteer:
    """The shipped gazetteer, read once and cached.

    Returns
    -------
    Gazetteer
    """
    return Gazetteer.from_file(DATA_PATH)


def resolve(
    name: str,
    *,
    oblast: str | None = None,
    near: tuple[float, float] | None = None,
    include_abandoned: bool = False,
    limit: int | None = 10,
) -> list[Candidate]:
    """Places of the shipped gazetteer matching a name, best first.

    See :meth:`Gazetteer.resolve`. Example: ``resolve("Kupyansk")[0].place.name`` is
    ``"Kupiansk"``.
    """
    return gazetteer().resolve(
        name, oblast=oblast, near=near, include_abandoned=include_abandoned, limit=limit
    )


def resolve_one(
    name: str,
    *,
    oblast: str | None = None,
    near: tuple[float, float] | None = None,
    include_abandoned: bool = False,
    explain: list[str] | None = None,
) -> Place:
    """The one place of the shipped gazetteer a name stands for.

    See :meth:`Gazetteer.resolve_one`. Example: ``resolve_one("Balakleya").geonameid`` is
    712926; ``resolve_one("Shevchenkove")`` raises :class:`AmbiguousPlace`.
    """
    return gazetteer().resolve_one(name, oblast=oblast, near=near, include_abandoned=include_abandoned,
                                   explain=explain)  # fmt: skip


def _picked(name: str, place: Place, contenders, why: str) -> str:
    others = [c.place.label() for c in contenders if c.place.geonameid != place.geonameid]
    return f"{name!r}: took {place.label()}: {why}; the others: {'; '.join(others)}"
