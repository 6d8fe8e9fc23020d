"""Outlines shipped with Frontwatch: Ukraine's clip outline, the land outline, oblasts,
and the areas held before 2022.

- Clip outline: geoBoundaries ADM0 of Ukraine (CC BY-SA 4.0), Crimea included, with lagoons,
  estuaries and a coastal strip of sea. Every snapshot is clipped to it.
- Land outline: the union of OpenStreetMap's 25 oblast-level polygons (ODbL,
  © OpenStreetMap contributors), land only, 599,094 km²; for land-only areas.
- Areas held before 2022 (Crimea; parts of Donetsk and Luhansk held since 2014), as drawn
  by DeepStateMap: used to detect coverage breaks, never as control data.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, cast

import numpy as np
import orjson
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

UKRAINE_OFFICIAL_KM2 = 603_628.0
"""Ukraine's official area (km²), the denominator of every "% of Ukraine"."""

CLIP_OUTLINES = {
    "geoboundaries": "geoBoundaries ADM0 of Ukraine (CC BY-SA 4.0), coastal waters included",
    "osm-land": "OpenStreetMap oblasts, land only (ODbL, © OpenStreetMap contributors)",
}

# Names in the usual English spelling of today, by ISO 3166-2 code.
OBLAST_NAMES = {
    "UA-05": "Vinnytsia", "UA-07": "Volyn", "UA-09": "Luhansk", "UA-12": "Dnipropetrovsk",
    "UA-14": "Donetsk", "UA-18": "Zhytomyr", "UA-21": "Zakarpattia", "UA-23": "Zaporizhzhia",
    "UA-26": "Ivano-Frankivsk", "UA-32": "Kyiv", "UA-35": "Kirovohrad", "UA-43": "Crimea",
    "UA-46": "Lviv", "UA-48": "Mykolaiv", "UA-51": "Odesa", "UA-53": "Poltava", "UA-56": "Rivne",
    "UA-59": "Sumy", "UA-61": "Ternopil", "UA-63": "Kharkiv", "UA-65": "Kherson",
    "UA-68": "Khmelnytskyi", "UA-71": "Cherkasy", "UA-74": "Chernihiv", "UA-77": "Chernivtsi",
}  # fmt: skip


@dataclass(frozen=True)
class Oblast:
    """An oblast-level unit (Crimea and Sevastopol together; Kyiv city inside Kyiv oblast)."""

    iso: str
    name: str
    name_uk: str
    geometry: BaseGeometry


def _read(name: str) -> dict:
    data = resources.files("frontwatch").joinpath("data", name).read_bytes()
    return orjson.loads(gzip.decompress(data))


def _polygonal(geometry: dict) -> BaseGeometry:
    """A GeoJSON Polygon or MultiPolygon, built from coordinate arrays (``shape()`` builds
    rings point by point in Python: 0.17 s for the outlines). Other types go to
    ``shape()``."""
    kind, coords = geometry["type"], cast(Any, geometry.get("coordinates"))
    if kind == "Polygon":
        return _polygon(coords)
    if kind == "MultiPolygon":
        return shapely.MultiPolygon([_polygon(p) for p in coords])
    return shape(geometry)


def _polygon(rings: list) -> shapely.Polygon:
    return shapely.Polygon(np.asarray(rings[0], dtype=float), [np.asarray(r, dtype=float) for r in rings[1:]])


@cache
def clip_outline(name: str = "geoboundaries") -> BaseGeometry:
    """The outline snapshots are clipped to (prepared for fast predicates)."""
    if name == "geoboundaries":
        doc = _read("ukraine-outline.geojson.gz")
        geom = _polygonal(doc["features"][0]["geometry"])
    elif name == "osm-land":
        geom = shapely.union_all([o.geometry for o in oblasts()])
    else:
        raise ValueError(f"unknown outline {name!r}; known: {', '.join(CLIP_OUTLINES)}")
    shapely.prepare(geom)
    return geom


@cache
def oblasts() -> tuple[Oblast, ...]:
    """The 25 oblast-level units from OpenStreetMap, land only."""
    doc = _read("ukraine-oblasts.geojson.gz")
    out = []
    for f in doc["features"]:
        p = f["properties"]
        geom = _polygonal(f["geometry"])
        shapely.prepare(geom)
        iso = p["iso3166-2"]
        out.append(Oblast(iso, OBLAST_NAMES.get(iso, p["name:en"]), p["name:uk"], geom))
    return tuple(out)


@cache
def held_before_2022() -> dict[str, BaseGeometry]:
    """Regions held by Russia before 24 February 2022: ``crimea``, ``occupied_since_2014``."""
    doc = _read("occupied-before-2022.geojson.gz")
    out = {}
    for f in doc["features"]:
        geom = _polygonal(f["geometry"])
        shapely.prepare(geom)
        out[f["properties"]["region"]] = geom
    return out


REGION_LABELS = {
    "crimea": "Crimea",
    "occupied_since_2014": "areas of Donetsk and Luhansk held since 2014",
}
