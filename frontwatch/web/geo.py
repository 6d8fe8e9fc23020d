"""GeoJSON for the web map: a source's map on a date, a change, a point's history and the
basemap (neighbours, oblasts, towns). Geometries are rounded to 5 decimals (about 1 m) and,
when asked, simplified for the screen; the numbers come from the library, never from the
simplified shapes."""

from __future__ import annotations

from functools import cache

import numpy as np
import orjson
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from .. import _geo
from ..areas import area_row
from ..boundaries import REGION_LABELS, clip_outline, held_before_2022, oblasts
from ..changes import Change
from ..frontline import front_of
from ..gazetteer import Place
from ..settlements import place_history
from ..snapshot import CONTESTED, OCCUPIED
from ..timeline import History

DECIMALS = 5


def _screen(geom: BaseGeometry, simplify: float) -> BaseGeometry:
    if simplify:
        geom = shapely.simplify(geom, simplify, preserve_topology=True)
    return shapely.transform(geom, lambda xy: np.round(xy, DECIMALS))


def feature(geom: BaseGeometry, *, simplify: float = 0.0, **props) -> dict:
    """A GeoJSON Feature of ``geom`` (null geometry when empty) with ``props``."""
    return {"type": "Feature", "geometry": None if geom.is_empty else mapping(_screen(geom, simplify)),
            "properties": props}  # fmt: skip


def snapshot_dates(store, source: str) -> dict:
    """The usable maps of a source: date, occupied km² and coverage of each (no geometry)."""
    hist = History(store, source)
    return {"source": source, "first_date": hist.first_date.isoformat(), "last_date": hist.last_date.isoformat(),
            "snapshots": [{"date": r.valid_date, "occupied_km2": round(r.occupied_km2, 1),
                           "coverage": [k for k, ok in r.coverage.items() if not ok]} for r in hist.records]}  # fmt: skip


def map_collection(store, source: str, day, *, simplify: float = 0.002) -> dict:
    """A source's map on ``day``: the occupied area, the grey zone, the line of contact and
    the regions it does not draw; ``properties`` carry the area answer (:func:`area_row`)."""
    asof = History(store, source).as_of(day)
    rec = asof.snapshot
    row = area_row(store, asof)
    feats = [feature(store.layer(rec.id, OCCUPIED), simplify=simplify, kind="occupied",
                     area_km2=row.occupied_km2)]  # fmt: skip
    grey = store.layer(rec.id, CONTESTED)
    if not grey.is_empty:
        feats.append(feature(grey, simplify=simplify, kind="contested", area_km2=round(_geo.area_km2(grey), 1)))
    feats.append(feature(front_of(store, rec), simplify=simplify, kind="front"))
    for region, ok in rec.coverage.items():
        if not ok:
            feats.append(feature(held_before_2022()[region], simplify=max(simplify, 0.005), kind="not_drawn",
                                 label=f"{REGION_LABELS[region]}: not drawn by {source}"))  # fmt: skip
    return {"type": "FeatureCollection", "properties": row.as_dict(), "features": feats}


CHANGE_KEYS = ("source", "from_date", "to_date", "from_snapshot", "to_snapshot", "from_lag_days", "to_lag_days")


def change_collection(row: Change, *, simplify: float = 0.0) -> dict:
    """A :func:`changes.change_between` answer (with geometries) as a FeatureCollection."""
    props = row.as_dict()
    feats = [feature(g, simplify=simplify, kind=kind, area_km2=round(_geo.area_km2(g), 1),
                     **{k: props[k] for k in CHANGE_KEYS})
             for kind, g in (row.geometries or {}).items() if not g.is_empty]  # fmt: skip
    return {"type": "FeatureCollection", "properties": props, "features": feats}


def _oblast_at(lon: float, lat: float) -> str:
    return next((o.name for o in oblasts() if shapely.intersects_xy(o.geometry, lon, lat)), "")


def point_history(store, source: str, lon: float, lat: float) -> dict:
    """Who held a point on each map of ``source``: its changes of side
    (:func:`settlements.place_history` of the point)."""
    lon, lat = round(lon, 5), round(lat, 5)
    pt = Place(0, f"{lat:.4f}°N {lon:.4f}°E", None, (), lat, lon, "POINT", _oblast_at(lon, lat), "", None, None, 0)
    out = place_history(store, source, pt).as_dict()
    out["point"] = {"lon": lon, "lat": lat, "oblast": pt.oblast or None}
    del out["place"]
    return out


@cache
def basemap_bytes() -> bytes:
    """The page's basemap as GeoJSON bytes: neighbours, Ukraine's land, oblast lines, towns."""
    from ..report.basemap import neighbours, towns

    feats = [feature(g, simplify=0.01, kind="neighbour", name=n) for n, g in neighbours()]
    feats.append(feature(clip_outline("osm-land"), simplify=0.003, kind="land", name="Ukraine"))
    feats += [feature(shapely.boundary(o.geometry), simplify=0.005, kind="oblast", name=o.name) for o in oblasts()]
    feats += [feature(shapely.Point(p.lon, p.lat), kind="town", name=p.name, population=p.population,
                      oblast=p.oblast) for p in towns(50_000)]  # fmt: skip
    credit = "Borders: © OpenStreetMap contributors (ODbL), Natural Earth; places: GeoNames (CC BY 4.0)"
    return orjson.dumps({"type": "FeatureCollection", "attribution": credit, "features": feats})
