"""Adapter for a user's own control map: GeoJSON, GeoPackage or Shapefile.

The user says which date the map is valid on and which property value marks occupied
territory (``--occupied-property status --occupied-value occupied``). Other values of the
property become named layers. Without the option, a file whose polygons all carry the same
properties is one category, counted as occupied with a warning that says so; a file whose
polygons differ in some property (``status: free`` beside ``status: occupied``) is refused
until the option says which marks occupied ground.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from ..errors import InputFileError
from ..store.model import OCCUPIED, RawSnapshot
from ._crs import is_wgs84
from ._io import decompress, end_of_day, feature_collection, load_json, polygon_geometry
from .contract import no_reconciliation

NAME = "geojson"
TITLE = "user file"
ATTRIBUTION = "user-supplied map"
COVERAGE_NOTE = "as drawn in the user's file"
LAYER_HELP: dict[str, str] = {}
_SAFE = re.compile(r"[^a-z0-9_]+")
_IDENTIFIER = re.compile(r"(?i)(?:^|_)(?:id|fid|gid|uuid|objectid|name|title|label|descr\w*|date|time)$")
"""Properties that name or date a polygon rather than class it."""


def accepts(path: Path) -> bool:
    return path.name.endswith((".geojson", ".json", ".geojson.gz", ".gpkg", ".shp"))


def is_archive(path: Path) -> bool:
    """Whether a file holds many maps (streamed) rather than one."""
    return False


def read(
    path: Path,
    data: bytes,
    *,
    date: str | None = None,
    source: str = NAME,
    occupied_property: str | None = None,
    occupied_value: str | None = None,
) -> list[RawSnapshot]:
    """One snapshot from a user's file."""
    if not date:
        raise InputFileError(str(path), "a user file needs its map date (--date YYYY-MM-DD)")
    try:
        valid = dt.date.fromisoformat(date)
    except ValueError as exc:
        raise InputFileError(str(path), f"bad --date {date!r}: expected YYYY-MM-DD") from exc
    if path.suffix in (".gpkg", ".shp"):
        feats = _features_via_gdal(path)
    else:
        feats = feature_collection(path, load_json(path, decompress(path, data)))
    notes: list[str] = []
    if occupied_property is None:
        notes.append(_one_category(path, feats))
    layers: dict[str, list] = {OCCUPIED: []}
    for f in feats:
        geom = polygon_geometry(path, f)
        if geom is None:
            continue
        if occupied_property is None:
            layers[OCCUPIED].append(geom)
            continue
        value = (f.get("properties") or {}).get(occupied_property)
        if str(value) == str(occupied_value):
            layers[OCCUPIED].append(geom)
        elif value is not None:
            name = _SAFE.sub("_", str(value).lower()).strip("_") or "other"
            if name == OCCUPIED:  # (a value named "occupied" that the option did not choose)
                name = _SAFE.sub("_", f"{occupied_property}_{name}".lower()).strip("_")
            layers.setdefault(name, []).append(geom)
    if occupied_property is not None and not layers[OCCUPIED] and len(layers) > 1:
        seen = sorted(k for k in layers if k != OCCUPIED)
        raise InputFileError(
            str(path),
            f"no feature has {occupied_property}={occupied_value!r}; values seen: {', '.join(seen)}",
        )
    return [
        RawSnapshot(
            source=source,
            valid_time=end_of_day(valid),
            layers=layers,
            file=str(path),
            source_dates={"given_date": valid.isoformat()},
            kind="file",
            priority=valid.isoformat(),
            notes=notes,
        )
    ]


def _one_category(path: Path, feats: list[dict]) -> str:
    """The warning for a file read without ``--occupied-property``, or an error when its
    polygons differ in a property (then which marks occupied ground cannot be guessed)."""
    polys = [f for f in feats if isinstance(f, dict) and isinstance(f.get("geometry"), dict)
             and f["geometry"].get("type") in ("Polygon", "MultiPolygon")]  # fmt: skip
    values: dict[str, set[str]] = {}
    for f in polys:
        for k, v in (f.get("properties") or {}).items():
            if isinstance(v, str | int | bool) or v is None:
                values.setdefault(k, set()).add(str(v))
    varying = {k: v for k, v in values.items()
               if 1 < len(v) <= max(2, len(polys) // 2) and not _IDENTIFIER.search(k)}  # fmt: skip
    if varying:
        shown = "; ".join(f"{k}: {', '.join(sorted(v)[:6])}" for k, v in sorted(varying.items())[:4])
        key = min(varying, key=lambda k: len(varying[k]))
        raise InputFileError(str(path), f"its polygons differ in {shown}: say which marks occupied ground, "
                             f"e.g. --occupied-property {key} --occupied-value {sorted(varying[key])[0]}")  # fmt: skip
    return (
        f"no --occupied-property: all {len(polys)} polygons of the file carry the same properties "
        "(one category), so all are counted as occupied"
    )


def _features_via_gdal(path: Path) -> list[dict]:
    import numpy as np
    import pyogrio.raw
    import shapely
    from shapely.geometry import mapping

    try:
        meta, _, geoms, fields = pyogrio.raw.read(path)
    except Exception as exc:  # pyogrio raises several GDAL-specific types
        raise InputFileError(str(path), f"cannot read with GDAL ({exc})") from exc
    crs = meta.get("crs")
    if crs and not is_wgs84(crs):
        from pyproj import Transformer

        tr = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        to_wgs84 = tr.transform
    else:
        to_wgs84 = None
    names = list(meta["fields"])
    feats = []
    for i, wkb in enumerate(geoms):
        g = shapely.from_wkb(wkb) if wkb is not None else None
        if g is not None and to_wgs84 is not None:
            g = shapely.transform(g, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1])))
        props = {n: fields[j][i] for j, n in enumerate(names)}
        feats.append({"properties": props, "geometry": mapping(g) if g is not None else None})
    return feats


reconcile_day = no_reconciliation
"""One map a valid time: nothing to reconcile within a day (the adapter contract's hook)."""
