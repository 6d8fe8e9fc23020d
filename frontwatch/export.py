"""Export a source's snapshots for QGIS, pandas and the web.

One feature per snapshot and layer (category), with ``valid_from`` / ``valid_to`` typed as
dates (the next snapshot's date, exclusive; empty for the newest) and ``valid_time`` as a
date-time, so QGIS's temporal controller animates a layer without expressions. Formats:

``gpkg``
    one layer per category (``<source>_<category>``), spatial index, extent in
    ``gpkg_contents`` (GDAL writes both).
``fgb``
    FlatGeobuf, one file per category (``PATH`` for occupied, ``PATH`` with ``_<category>``
    before the suffix for the others), with its spatial index.
``parquet``
    GeoParquet 1.0 (WKB, ``geo`` metadata with CRS and bbox), all categories in one file with a
    ``layer`` column.
``geojson``
    RFC 7946: exterior rings counter-clockwise, at most 6 decimals, one FeatureCollection of
    all categories, the summary (dates, lag, attribution, coverage) in each feature's
    properties.
``csv``
    the area series in tidy long form: one row per snapshot and category (no geometry).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson
import shapely
from shapely.geometry.base import BaseGeometry

from ._gpkg import from_gpkg
from .errors import FrontwatchError
from .store import Store
from .store.model import SourceInfo

FORMATS = ("gpkg", "fgb", "parquet", "geojson", "csv")
GEOJSON_DECIMALS = 6


@dataclass
class Row:
    source: str
    layer: str
    snapshot_id: int
    valid_from: dt.date
    valid_to: dt.date | None
    valid_time: str
    km2: float
    kind: str
    file: str
    geometry: BaseGeometry | None
    credit: SourceInfo
    """The source's credit as the store recorded it at ingest."""


def rows(store: Store, source: str, start: dt.date | None = None, end: dt.date | None = None,
         *, geometry: bool = True) -> list[Row]:  # fmt: skip
    """The snapshots of ``source`` valid from ``start`` to ``end`` (inclusive), one row per
    layer; ``valid_to`` is the next snapshot's date (also beyond ``end``)."""
    records = store.snapshots(source)
    if not records:
        raise FrontwatchError(f"no snapshots of {source!r} in {store.path}")
    credit = store.source_info(source)
    out = []
    for i, r in enumerate(records):
        if (start and r.date < start) or (end and r.date > end):
            continue
        nxt = records[i + 1].date if i + 1 < len(records) else None
        for layer in store.layer_names(r.id):
            geom = from_gpkg(store.layer_blob(r.id, layer)) if geometry else None
            km2 = r.occupied_km2 if layer == "occupied" else float(r.areas.get(layer, np.nan))
            out.append(Row(source, layer, r.id, r.date, nxt, r.valid_time, km2, r.kind, r.file, geom, credit))
    if not out:
        raise FrontwatchError(f"no snapshots of {source!r} between {start} and {end}")
    return out


def export(store: Store, source: str, fmt: str, output: str | Path, start: dt.date | None = None,
           end: dt.date | None = None) -> list[Path]:  # fmt: skip
    """Write the export; returns the files written."""
    if fmt not in FORMATS:
        raise FrontwatchError(f"unknown export format {fmt!r}; one of {', '.join(FORMATS)}")
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    data = rows(store, source, start, end, geometry=fmt != "csv")
    return {"gpkg": _gpkg, "fgb": _fgb, "parquet": _parquet, "geojson": _geojson, "csv": _csv}[fmt](data, output, source)


def _fields(data: list[Row]) -> tuple[list[np.ndarray], list[str]]:
    cols = {
        "source": np.array([r.source for r in data], dtype=object),
        "layer": np.array([r.layer for r in data], dtype=object),
        "snapshot_id": np.array([r.snapshot_id for r in data], dtype=np.int64),
        "valid_from": np.array([r.valid_from.isoformat() for r in data], dtype="datetime64[D]"),
        "valid_to": np.array([r.valid_to.isoformat() if r.valid_to else "NaT" for r in data], dtype="datetime64[D]"),
        "valid_time": np.array([r.valid_time[:19] for r in data], dtype="datetime64[ms]"),
        "area_km2": np.array([r.km2 for r in data], dtype=np.float64),
        "kind": np.array([r.kind for r in data], dtype=object),
        "file": np.array([r.file for r in data], dtype=object),
        "attribution": np.array([r.credit.attribution for r in data], dtype=object),
        "coverage": np.array([r.credit.coverage for r in data], dtype=object),
    }
    return list(cols.values()), list(cols)


def _write_ogr(data: list[Row], path: Path, source: str, driver: str, layer: str, **options) -> None:
    from pyogrio.raw import write

    values, names = _fields(data)
    geoms = np.array(
        [None if r.geometry is None or r.geometry.is_empty else shapely.to_wkb(_multi(r.geometry)) for r in data],
        dtype=object,
    )  # an empty layer is a null geometry, not an empty collection
    write(str(path), geoms, values, fields=names, driver=driver, layer=layer, geometry_type="MultiPolygon",
          crs="EPSG:4326", promote_to_multi=True, **options)  # fmt: skip


def _multi(geom) -> shapely.MultiPolygon:
    if geom is None or geom.is_empty:
        return shapely.MultiPolygon()
    return geom if geom.geom_type == "MultiPolygon" else shapely.MultiPolygon(shapely.get_parts(geom))


def _by_layer(data: list[Row]) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    for r in data:
        out.setdefault(r.layer, []).append(r)
    return out


def _gpkg(data, output: Path, source: str) -> list[Path]:
    output.unlink(missing_ok=True)
    for layer, part in _by_layer(data).items():
        _write_ogr(part, output, source, "GPKG", f"{source}_{layer}".replace("-", "_"), append=output.exists())
    return [output]


def _fgb(data, output: Path, source: str) -> list[Path]:
    written = []
    for layer, part in _by_layer(data).items():
        path = output if layer == "occupied" else output.with_name(f"{output.stem}_{layer}{output.suffix}")
        path.unlink(missing_ok=True)
        _write_ogr(part, path, source, "FlatGeobuf", layer, SPATIAL_INDEX="YES")
        written.append(path)
    return written


def rfc7946(geom) -> dict | None:
    """A polygonal geometry as RFC 7946 GeoJSON: snapped to a 1e-6° grid (about 10 cm; GEOS
    keeps the result valid and drops what collapses), exterior rings counter-clockwise and
    holes clockwise."""
    if geom is None or geom.is_empty:
        return None
    snapped = shapely.set_precision(geom, 10.0**-GEOJSON_DECIMALS)
    polys = [p for p in shapely.get_parts(snapped) if p.geom_type == "Polygon" and not p.is_empty]
    if not polys:
        return None
    oriented = shapely.orient_polygons(shapely.MultiPolygon(polys), exterior_cw=False)
    return orjson.loads(shapely.to_geojson(oriented))


def _geojson(data, output: Path, source: str) -> list[Path]:
    values, names = _fields(data)
    feats = []
    for i, r in enumerate(data):
        props = {n: _plain(v[i]) for n, v in zip(names, values, strict=True)}
        feats.append({"type": "Feature", "properties": props, "geometry": rfc7946(r.geometry)})
    output.write_bytes(orjson.dumps({"type": "FeatureCollection", "features": feats}))
    return [output]


def _plain(value):
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else str(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _parquet(data, output: Path, source: str) -> list[Path]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - a declared dependency
        raise FrontwatchError("GeoParquet export needs pyarrow (pip install pyarrow)") from None
    values, names = _fields(data)
    geoms = [_multi(r.geometry) for r in data]
    columns = {n: pa.array(v.tolist() if v.dtype == object else v) for n, v in zip(names, values, strict=True)}
    columns["geometry"] = pa.array(shapely.to_wkb(np.array(geoms, dtype=object)).tolist(), pa.binary())
    table = pa.table(columns)
    bounds = shapely.total_bounds(np.array(geoms, dtype=object))
    geo = {"version": "1.0.0", "primary_column": "geometry",
           "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["MultiPolygon"],
                                    "bbox": [float(b) for b in bounds]}}}  # fmt: skip
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"geo": orjson.dumps(geo)})
    pq.write_table(table, output)
    return [output]


# GeoParquet: no ``crs`` key means OGC:CRS84 (WGS84, lon/lat), which is what the store holds.


def _csv(data, output: Path, source: str) -> list[Path]:
    with output.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["source", "layer", "snapshot_id", "valid_from", "valid_to", "valid_time", "area_km2", "kind",
                    "attribution"])  # fmt: skip
        for r in data:
            w.writerow([r.source, r.layer, r.snapshot_id, r.valid_from, r.valid_to or "", r.valid_time,
                        f"{r.km2:.3f}", r.kind, r.credit.attribution])  # fmt: skip
    return [output]


def snapshots(store: Store, source: str, start: dt.date | str | None = None, end: dt.date | str | None = None):
    """The snapshots of a source as a GeoDataFrame (needs geopandas): one row per snapshot
    and layer, the columns of the exports, CRS WGS84.

    Example: ``fw.snapshots(store, "deepstate", "2024-11-01", "2024-11-30").plot()``
    """
    try:
        import geopandas as gpd
    except ImportError:
        raise FrontwatchError("snapshots() returns a GeoDataFrame: pip install geopandas") from None
    start = dt.date.fromisoformat(start) if isinstance(start, str) else start
    end = dt.date.fromisoformat(end) if isinstance(end, str) else end
    data = rows(store, source, start, end)
    values, names = _fields(data)
    cols = {n: v for n, v in zip(names, values, strict=True)}
    return gpd.GeoDataFrame(cols, geometry=[_multi(r.geometry) for r in data], crs="EPSG:4326")
