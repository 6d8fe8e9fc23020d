"""Name lookup in a gazetteer: the match tiers, the ranking of candidates, the rules that
pick one place (or refuse to), and suggestions for names that match nothing (documented on
:class:`frontwatch.gazetteer.Gazetteer`, whose methods call these)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from pyproj import Geod
from rapidfuzz import fuzz, process

from .errors import AmbiguousPlace, PlaceNotFound
from .names import _fold_many, fold_name, name_skeleton
from .place import Candidate, Place

if TYPE_CHECKING:
    from .gazetteer import Gazetteer

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


def resolve(
    gz: Gazetteer,
    name: str,
    *,
    oblast: str | None = None,
    near: tuple[float, float] | None = None,
    include_abandoned: bool = False,
    limit: int | None = 10,
) -> list[Candidate]:
    """Places of ``gz`` matching a name, best first (:meth:`Gazetteer.resolve`)."""
    codes = gz.oblast_codes(oblast) if oblast is not None else None
    index = gz._index
    found: dict[int, tuple[float, str, str]] = {}

    def add(entries: Iterable[int], score: float | None, match: str) -> None:
        for k in entries:
            i = index.owners[k]
            tier = match or ("exact" if index.primary[k] else "alternate")
            value = MATCH_SCORES[tier] if score is None else score
            if value > found.get(i, (-1.0,))[0] and _allowed(gz, i, codes, include_abandoned):
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
    distances = _distances_km(gz, rows, near)
    order = sorted(
        range(len(rows)),
        key=lambda k: (
            -found[rows[k]][0],
            distances[k] if distances is not None else 0.0,
            -gz._places[rows[k]].population,
            FEATURE_RANK.get(gz._places[rows[k]].feature_code, len(FEATURE_RANK)),
            gz._places[rows[k]].geonameid,
        ),
    )
    if limit is not None:
        order = order[:limit]
    return [
        Candidate(
            gz._places[rows[k]],
            found[rows[k]][0],
            found[rows[k]][1],
            found[rows[k]][2],
            None if distances is None else float(distances[k]),
        )
        for k in order
    ]


def resolve_one(
    gz: Gazetteer,
    name: str,
    *,
    oblast: str | None = None,
    near: tuple[float, float] | None = None,
    include_abandoned: bool = False,
    explain: list[str] | None = None,
) -> Place:
    """The one place of ``gz`` a name stands for (:meth:`Gazetteer.resolve_one`)."""
    found = resolve(gz, name, oblast=oblast, near=near, include_abandoned=include_abandoned, limit=None)
    notes = explain if explain is not None else []
    if not found:
        raise _not_found(gz, name, oblast=oblast, include_abandoned=include_abandoned)
    best = _distinct(contenders(found))
    if all(c.match == "fuzzy" for c in best):
        # a spelling that is none of any place's names is never taken silently
        # ("Kursk" is not Kurskoe in Crimea): the close names are suggestions
        labels = list(dict.fromkeys(f"{c.place.name} ({c.place.oblast})" for c in found[:5]))
        raise PlaceNotFound(name, labels, oblast=gz._oblast_label(oblast))
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
    raise AmbiguousPlace(name, best, oblast=gz._oblast_label(oblast))


def suggestions(
    gz: Gazetteer,
    name: str,
    *,
    oblast: str | None = None,
    include_abandoned: bool = False,
    limit: int = 5,
) -> list[str]:
    """The names of ``gz`` closest to a name (:meth:`Gazetteer.suggestions`)."""
    codes = gz.oblast_codes(oblast) if oblast is not None else None
    skel = name_skeleton(name)
    if len(skel) < FUZZY_MIN_LENGTH:
        return []
    index = gz._index
    scored: list[tuple[float, int, str]] = []
    for key, ratio, _ in process.extract(
        skel, index.by_skeleton.keys, scorer=fuzz.ratio, score_cutoff=SUGGESTION_CUTOFF,
        limit=None,
    ):  # fmt: skip
        for k in index.by_skeleton.get(key):
            i = index.owners[k]
            if _allowed(gz, i, codes, include_abandoned):
                scored.append((ratio, i, key))
    scored.sort(key=lambda t: (-t[0], -gz._places[t[1]].population, t[1]))
    out: list[str] = []
    for ratio, i, _key in scored:
        if ratio < scored[0][0] - SUGGESTION_SPREAD:
            break  # far behind the best: noise, not a suggestion
        label = f"{gz._places[i].name} ({gz._places[i].oblast})"
        if label not in out:
            out.append(label)
        if len(out) == limit:
            break
    return out


def _allowed(gz: Gazetteer, i: int, codes: frozenset[str] | None, include_abandoned: bool) -> bool:
    if not include_abandoned and gz._excluded[i]:
        return False
    return codes is None or gz._places[i].oblast_code in codes


def _distances_km(gz: Gazetteer, rows: list[int], near: tuple[float, float] | None) -> np.ndarray | None:
    if near is None:
        return None
    lon, lat = near
    if not rows:
        return np.empty(0)
    pts = gz.coords[rows]
    _, _, metres = _GEOD.inv(np.full(len(rows), float(lon)), np.full(len(rows), float(lat)), pts[:, 0], pts[:, 1])
    return np.asarray(metres) / 1000.0


def _not_found(gz: Gazetteer, name: str, *, oblast: str | None, include_abandoned: bool) -> PlaceNotFound:
    where = gz._oblast_label(oblast)
    offered: list[str] = []
    if oblast is not None:  # the name elsewhere first: "Kupiansk (Kharkiv)"
        for c in resolve(gz, name, include_abandoned=include_abandoned, limit=5):
            label = f"{c.place.name} ({c.place.oblast})"
            if label not in offered:
                offered.append(label)
    for label in suggestions(gz, name, oblast=oblast, include_abandoned=include_abandoned):
        if label not in offered and len(offered) < 5:
            offered.append(label)
    error = PlaceNotFound(name, offered, oblast=where)
    if not include_abandoned and resolve(gz, name, oblast=oblast, include_abandoned=True, limit=1):
        error = PlaceNotFound(
            name,
            offered,
            oblast=where,
            message=f"{error}; an abandoned, historical or destroyed place has that name (include_abandoned=True)",
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


def _picked(name: str, place: Place, contenders, why: str) -> str:
    others = [c.place.label() for c in contenders if c.place.geonameid != place.geonameid]
    return f"{name!r}: took {place.label()}: {why}; the others: {'; '.join(others)}"
