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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from itertools import chain
from pathlib import Path

import numpy as np

from . import _lookup
from ._lookup import (  # noqa: F401 (re-exported: the lookup's rules and its tuning)
    DOMINANCE_MIN_POPULATION,
    DOMINANCE_RATIO,
    DUPLICATE_KM,
    FEATURE_RANK,
    FUZZY_CUTOFF,
    FUZZY_MIN_LENGTH,
    FUZZY_SCALE,
    MATCH_SCORES,
    NAME_MATCHES,
    NEAR_RATIO,
    SUGGESTION_CUTOFF,
    SUGGESTION_SPREAD,
    contenders,
)
from .errors import AmbiguousPlace, FrontwatchError, PlaceNotFound, UnknownOblast  # noqa: F401 (re-exported)
from .names import (  # noqa: F401 (re-exported: names folding and romanisation)
    _fold_many,
    _skeleton_many,
    english_name,
    fold_name,
    name_skeleton,
    romanize_ukrainian,
)
from .place import EXCLUDED_CODES, Candidate, Place  # noqa: F401 (re-exported)

DATA_PATH = Path(__file__).resolve().parent / "data" / "gazetteer.tsv.gz"
"""The shipped gazetteer (gzip TSV with a places, an admin1 and an admin2 section)."""

FORMAT = "frontwatch-gazetteer 1"
"""First field of the data file's first line; the reader refuses other formats."""

ATTRIBUTION = "GeoNames (CC BY 4.0), https://www.geonames.org"

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
        self._excluded = np.fromiter((p.feature_code in EXCLUDED_CODES for p in self._places), bool, len(self._places))

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
            code: (name, uk, tuple(a for a in aliases.split(",") if a)) for code, name, uk, aliases in sections["admin1"]
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
        return [p for p in self._places if p.feature_code in keep and (codes is None or p.oblast_code in codes)]

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
        pairs = [(code, _OBLAST_WORDS.sub(" ", alias))
                 for code, (name, uk, aliases) in self.admin1.items() for alias in (name, uk, *aliases)]  # fmt: skip
        keys: dict[str, set[str]] = {}
        for (code, _), key in zip(pairs, _skeleton_many([text for _, text in pairs]), strict=True):  # (one pass)
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
        return _lookup.resolve(self, name, oblast=oblast, near=near, include_abandoned=include_abandoned,
                               limit=limit)  # fmt: skip

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
        return _lookup.resolve_one(self, name, oblast=oblast, near=near, include_abandoned=include_abandoned,
                                   explain=explain)  # fmt: skip

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
        return _lookup.suggestions(self, name, oblast=oblast, include_abandoned=include_abandoned, limit=limit)

    # -- helpers --------------------------------------------------------------------------

    def _oblast_label(self, oblast: str | None) -> str | None:
        """``"Kharkiv oblast"``, ``"Kyiv City/Kyiv oblast"`` for an ``oblast=`` value."""
        if oblast is None:
            return None
        names = "/".join(self.admin1[c][0] for c in sorted(self.oblast_codes(oblast)))
        return f"{names} oblast"


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
    return gazetteer().resolve(name, oblast=oblast, near=near, include_abandoned=include_abandoned, limit=limit)


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
