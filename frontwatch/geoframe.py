"""Results as GeoDataFrames, for notebooks: :func:`to_geodataframe`.

The library's results are JSON-ready dicts; the ones with a place or a geometry in them
turn into a GeoDataFrame (geopandas, EPSG:4326) with one row per feature:

- a change with ``geometry=True``: one row per piece (``ua_gain``, ``ru_gain``,
  ``masked``), with its area in km²;
- the line of contact (``front_on``): one row, the line;
- a place's side or distance (``place_control``, ``distance_to_other_side``): one row, the
  place's point, the nearest point of the line or of the other side as ``nearest_lon`` /
  ``nearest_lat``;
- a list of places (``changed_places``, ``all_places``) or of results
  (``distance_series``): one row each; a place's history: one row per change of side.

Every row keeps the result's scalar fields (source, dates, lag, km…); nested ones are kept
as JSON text so that every column writes to GeoPackage, GeoParquet and FlatGeobuf. The
frame's ``attrs`` keep the source, attribution and snapshot dates (provenance).
"""

from __future__ import annotations

from typing import Any

import orjson
import shapely

from . import _geo
from .errors import FrontwatchError
from .results import Result

_PROVENANCE = ("source", "attribution", "snapshot_date", "asked_date", "from_snapshot", "to_snapshot",
               "from_date", "to_date", "lag_days", "from_lag_days", "to_lag_days")  # fmt: skip
_LISTS = ("places", "transitions")


def to_geodataframe(result: Result | dict | list) -> Any:
    """The features of a result as a GeoDataFrame (EPSG:4326); see the module's docstring
    for the rows each kind of result gives. A result with nothing to draw is an error."""
    import geopandas as gpd

    data = _with_geometries(result)
    rows = _rows(data)
    if not rows:
        raise FrontwatchError("this result has no place or geometry to put in a GeoDataFrame")
    geoms = [r.pop("geometry") for r in rows]
    frame = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")
    first = data[0] if isinstance(data, list) and data else data
    if isinstance(first, dict):
        frame.attrs.update({k: first[k] for k in _PROVENANCE if k in first})
    return frame


def _with_geometries(result: Any) -> Any:
    """A typed result as its ``as_dict()`` with its geometries (``geometries``, ``geometry``)
    put back; lists of them likewise; dicts as they are."""
    if isinstance(result, list):
        return [_with_geometries(r) for r in result]
    if not isinstance(result, Result):
        return result
    out = result.as_dict()
    for name in ("geometries", "geometry"):
        value = getattr(result, name, None)
        if value is not None:
            out[name] = value
    return out


def _rows(result: dict | list[dict]) -> list[dict]:
    if isinstance(result, list):
        return [row for item in result for row in _rows(item)]
    if not isinstance(result, dict):
        raise FrontwatchError(f"cannot make a GeoDataFrame of a {type(result).__name__}")
    common = _scalars(result)
    if isinstance(result.get("geometries"), dict):
        return [{**common, "piece": name, "area_km2": _geo.area_km2(g), "geometry": _geo.as_multipolygon(g)}
                for name, g in result["geometries"].items()]  # fmt: skip
    if isinstance(result.get("geometry"), shapely.Geometry):
        return [{**common, "geometry": result["geometry"]}]
    for key in _LISTS:
        items = result.get(key)
        if isinstance(items, list) and items and isinstance(items[0], dict):
            place = result.get("place")
            out = []
            for item in items:
                row = {**common, **_scalars(item)}
                where = item if "lon" in item else place
                if isinstance(where, dict) and "lon" in where:
                    row.update(_place_fields(where))
                    row["geometry"] = shapely.Point(where["lon"], where["lat"])
                    out.append(row)
            return out
    place = result.get("place")
    if isinstance(place, dict) and "lon" in place:
        row = {**common, **_place_fields(place), "geometry": shapely.Point(place["lon"], place["lat"])}
        nearest = result.get("nearest_point") or result.get("nearest_front_point")
        if nearest:
            row["nearest_lon"], row["nearest_lat"] = float(nearest[0]), float(nearest[1])
        return [row]
    return []


def _place_fields(place: dict) -> dict:
    return {f"place_{k}" if k in ("name", "lon", "lat") else k: v for k, v in place.items()
            if isinstance(v, (str, int, float, bool)) or v is None}  # fmt: skip


def _scalars(d: dict) -> dict:
    """The fields that are one value each; lists and dicts as JSON text (geometries,
    places and the row lists are rows, not fields)."""
    out: dict = {}
    for k, v in d.items():
        if k in ("geometry", "geometries", "place", "nearest_point", "nearest_front_point", *_LISTS):
            continue
        if isinstance(v, (str, int, float, bool)) or v is None:
            out[k] = v
        elif isinstance(v, (list, dict)):
            out[k] = orjson.dumps(v, default=str).decode()
    return out
