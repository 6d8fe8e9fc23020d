"""A populated place of the gazetteer (:class:`Place`) and a match of a name to one
(:class:`Candidate`)."""

from __future__ import annotations

from dataclasses import dataclass

EXCLUDED_CODES = frozenset({"PPLQ", "PPLH", "PPLW"})
"""Abandoned (PPLQ), historical, no longer existing (PPLH) and destroyed (PPLW) places:
left out of :meth:`Gazetteer.places` and :func:`resolve` unless ``include_abandoned=True``."""


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
